"""Occupancy: what is taken, when, and by whom.

One board answers "may this session go here?" for first fit and the final fill, and "who is in
the way?" for the explanations, so the two can never disagree about a rule. Times are grid
steps after midnight; a teacher's session elsewhere also blocks the walk there and back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kecheng.candidates import Candidates, Spans
from kecheng.model import Group, Problem
from kecheng.timetable import Placement, in_group_order


def first_free(spans: Spans, duration: int, busy: list[tuple[int, int]]) -> int | None:
    """Earliest start in spans whose [start, start + duration) misses every busy interval."""
    busy = sorted(busy)
    for lo, hi in spans:
        start = lo
        for begin, end in busy:
            if start > hi:
                break
            if begin < start + duration and start < end:
                start = end
        if start <= hi and all(not (b < start + duration and start < e) for b, e in busy):
            return start
    return None


def subtract(spans: Spans, busy: list[tuple[int, int]], duration: int) -> Spans:
    """The starts in spans whose [start, start + duration) misses every busy interval."""
    out: list[tuple[int, int]] = []
    blocked = sorted((begin - duration + 1, end - 1) for begin, end in busy if end > begin)
    for lo, hi in spans:
        start = lo
        for b_lo, b_hi in blocked:
            if b_hi < start:
                continue
            if b_lo > hi:
                break
            if b_lo > start:
                out.append((start, b_lo - 1))
            start = max(start, b_hi + 1)
            if start > hi:
                break
        if start <= hi:
            out.append((start, hi))
    return tuple(out)


def intersect_spans(a: Spans, b: Spans) -> Spans:
    """The start steps in both a and b (inclusive ranges)."""
    out = []
    for lo, hi in a:
        for lo2, hi2 in b:
            if max(lo, lo2) <= min(hi, hi2):
                out.append((max(lo, lo2), min(hi, hi2)))
    return tuple(sorted(out))


def _inside(spans: Spans, start: int) -> bool:
    return any(lo <= start <= hi for lo, hi in spans)


class Board:
    """Who is where when. ``place`` trusts its caller (locks are checked before); ``fits`` and
    ``slot`` check every rule the candidates have not already settled."""

    def __init__(self, problem: Problem, candidates: Candidates):
        self.problem, self.candidates = problem, candidates
        self.grid = problem.grid_min
        self.at_venue: dict[tuple[str, int], list[Placement]] = defaultdict(list)
        self.with_teacher: dict[tuple[str, int], list[Placement]] = defaultdict(list)
        self.per_week: dict[str, int] = defaultdict(int)
        self.placed: dict[str, dict[int, Placement]] = defaultdict(dict)  # group → day → placement
        self.sessions = 0  # placed sessions, and their priority: kept as sessions come and go
        self.priority = 0

    # ------------------------------------------------------------------ recording

    def place(self, p: Placement) -> None:
        self.at_venue[p.venue_id, p.weekday].append(p)
        self.with_teacher[p.teacher_id, p.weekday].append(p)
        self.per_week[p.teacher_id] += 1
        self.placed[p.group_id][p.weekday] = p
        self.sessions += 1
        self.priority += self.problem.group[p.group_id].priority

    def lift(self, group_id: str, keep: frozenset[Placement] = frozenset()) -> list[Placement]:
        """Take a group's sessions off the board (all but those in ``keep``); returns them."""
        lifted = [p for p in self.placed.get(group_id, {}).values() if p not in keep]
        for p in lifted:
            self.at_venue[p.venue_id, p.weekday].remove(p)
            self.with_teacher[p.teacher_id, p.weekday].remove(p)
            self.per_week[p.teacher_id] -= 1
            del self.placed[group_id][p.weekday]
            self.sessions -= 1
            self.priority -= self.problem.group[group_id].priority
        return lifted

    def free_spans(self, group: Group, day: int, venue_id: str) -> Spans:
        """The group's start steps there that day that clash with nothing on the board (rules that
        count sessions — teachers' limits, one session a day — are not judged here)."""
        opt = self.candidates[group.group_id]
        spans = opt.starts.get((day, venue_id), ())
        busy = self._busy(group, day, venue_id)
        return subtract(spans, busy, opt.duration) if busy else spans

    def add(self, group: Group, day: int, venue_id: str, start: int, session: int = 0) -> Placement:
        """Place a session of ``group`` starting at grid step ``start``."""
        end = start + self.candidates[group.group_id].duration
        p = Placement(
            group.group_id, session, venue_id, group.teacher_id, day, start * self.grid, end * self.grid
        )
        self.place(p)
        return p

    def placements(self) -> list[Placement]:
        """Placements in input-group order, sessions numbered (kept numbers stay)."""
        placed = (p for days in self.placed.values() for p in days.values())
        return in_group_order((g.group_id for g in self.problem.groups), placed)

    # ------------------------------------------------------------------ questions

    def teacher_has_room(self, group: Group, day: int) -> bool:
        teacher = self.problem.teacher[group.teacher_id]
        week, daily = teacher.max_sessions_per_week, teacher.max_sessions_per_day
        return (week is None or self.per_week[teacher.teacher_id] < week) and (
            daily is None or len(self.with_teacher[teacher.teacher_id, day]) < daily
        )

    def holders(self, group: Group, day: int, venue_id: str) -> list[tuple[Placement, int]]:
        """Sessions that a session of ``group`` at venue_id on day may not overlap, each with the
        margin in steps it needs around them (the teacher's walk between venues)."""
        found = [(p, 0) for p in self.at_venue.get((venue_id, day), ())]
        for p in self.with_teacher.get((group.teacher_id, day), ()):
            found.append((p, self.candidates.travel_steps(venue_id, p.venue_id)))
        for other in self.candidates.neighbours.get(group.group_id, ()):
            if (p := self.placed.get(other, {}).get(day)) is not None:
                found.append((p, 0))
        return found

    def _busy(self, group: Group, day: int, venue_id: str) -> list[tuple[int, int]]:
        grid = self.grid
        return [
            (p.start // grid - margin, p.end // grid + margin)
            for p, margin in self.holders(group, day, venue_id)
        ]

    def _open(self, group: Group, day: int, venue_id: str) -> Spans | None:
        """The group's start spans there that day, if it may meet there at all."""
        if day in self.placed.get(group.group_id, {}) or not self.teacher_has_room(group, day):
            return None
        return self.candidates[group.group_id].starts.get((day, venue_id))

    def slot(self, group: Group, day: int, venue_id: str, within: Spans | None = None) -> int | None:
        """The earliest free start step at venue_id on day (among ``within``, if given), or None."""
        spans = self._open(group, day, venue_id)
        if spans is None:
            return None
        if within is not None:
            spans = intersect_spans(spans, within)
        return first_free(spans, self.candidates[group.group_id].duration, self._busy(group, day, venue_id))

    def fits(self, group: Group, day: int, venue_id: str, start: int) -> bool:
        """Whether a session of ``group`` may start at step ``start`` there: inside the venue's and
        the teacher's hours, and clear of every session already placed."""
        spans = self._open(group, day, venue_id)
        if spans is None or not _inside(spans, start):
            return False
        duration = self.candidates[group.group_id].duration
        return first_free(((start, start),), duration, self._busy(group, day, venue_id)) == start

    def blockers(self, group: Group, day: int, venue_id: str, start: int) -> set[Placement]:
        """The sessions that keep a session of ``group`` from starting at step ``start`` there (the
        teacher's whole day when their daily maximum is reached)."""
        duration = self.candidates[group.group_id].duration
        return self.blocking(self.holders(group, day, venue_id), start, start + duration) | self.day_full(
            group, day
        )

    def blocking(self, holders: list[tuple[Placement, int]], start: int, end: int) -> set[Placement]:
        """Which of ``holders`` (from ``holders``) overlap steps [start, end), margins included."""
        grid = self.grid
        return {
            p for p, margin in holders if p.start // grid - margin < end and start < p.end // grid + margin
        }

    def day_full(self, group: Group, day: int) -> set[Placement]:
        """The teacher's sessions that day when their daily maximum is reached (else none)."""
        daily = self.problem.teacher[group.teacher_id].max_sessions_per_day
        teacher_day = self.with_teacher.get((group.teacher_id, day), [])
        return set(teacher_day) if daily is not None and len(teacher_day) >= daily else set()


def board_of(problem: Problem, candidates: Candidates, placements: Iterable[Placement]) -> Board:
    """A board holding a timetable, to ask it questions."""
    board = Board(problem, candidates)
    for p in placements:
        board.place(p)
    return board
