"""First come, first served: what a careful person with a spreadsheet would do.

Groups by priority then size (largest first, they are hardest to seat); for each
session the first weekday, the nearest fitting venue and the earliest start that
clash with nothing already placed. It is the baseline kecheng must beat, and its
timetable is CP-SAT's warm start, so a full timetable exists within a second.
Given placements (locks, last week's timetable) are seated first where still valid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kecheng.candidates import GroupOptions, Spans, group_options, member_cliques
from kecheng.model import Group, Placement, Problem


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


class Board:
    """Who is where when, in grid steps: answers "may this session go here?"."""

    def __init__(self, problem: Problem, options: dict[str, GroupOptions]):
        self.problem, self.options = problem, options
        self.neighbours: dict[str, set[str]] = defaultdict(set)
        for clique in member_cliques(problem):
            for g in clique:
                self.neighbours[g].update(set(clique) - {g})
        self.busy: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)  # (kind+id, day)
        self.teacher_at: dict[tuple[str, int], list[tuple[int, int, str]]] = defaultdict(list)
        self.per_week: dict[str, int] = defaultdict(int)
        self.per_day: dict[tuple[str, int], int] = defaultdict(int)
        self.placed: dict[str, dict[int, Placement]] = defaultdict(dict)  # group → day → placement

    def teacher_has_room(self, group: Group, day: int) -> bool:
        teacher = self.problem.teacher[group.teacher_id]
        week, daily = teacher.max_sessions_per_week, teacher.max_sessions_per_day
        return (week is None or self.per_week[teacher.teacher_id] < week) and (
            daily is None or self.per_day[teacher.teacher_id, day] < daily
        )

    def busy_for(self, group: Group, day: int, venue_id: str) -> list[tuple[int, int]]:
        """Intervals a session of group at venue_id may not overlap, travel included."""
        grid = self.problem.grid_min
        blocked = list(self.busy["v" + venue_id, day])
        for other in self.neighbours[group.group_id]:
            blocked += self.busy["g" + other, day]
        for begin, end, other_venue in self.teacher_at[group.teacher_id, day]:
            travel = -(-self.problem.travel_min(venue_id, other_venue) // grid)
            blocked.append((begin - travel, end + travel))
        return blocked

    def slot(self, group: Group, day: int, venue_id: str) -> int | None:
        opt = self.options[group.group_id]
        if day in self.placed[group.group_id] or (day, venue_id) not in opt.starts:
            return None
        if not self.teacher_has_room(group, day):
            return None
        return first_free(opt.starts[day, venue_id], opt.duration, self.busy_for(group, day, venue_id))

    def fits(self, group: Group, day: int, venue_id: str, start: int) -> bool:
        opt = self.options[group.group_id]
        if day in self.placed[group.group_id] or (day, venue_id) not in opt.starts:
            return False
        if not self.teacher_has_room(group, day):
            return False
        return first_free(((start, start),), opt.duration, self.busy_for(group, day, venue_id)) == start

    def place(self, group: Group, day: int, venue_id: str, start: int, session: int = 0) -> None:
        grid, end = self.problem.grid_min, start + self.options[group.group_id].duration
        for key in ("v" + venue_id, "g" + group.group_id):
            self.busy[key, day].append((start, end))
        self.teacher_at[group.teacher_id, day].append((start, end, venue_id))
        self.per_week[group.teacher_id] += 1
        self.per_day[group.teacher_id, day] += 1
        self.placed[group.group_id][day] = Placement(
            group.group_id, session, venue_id, group.teacher_id, day, start * grid, end * grid
        )

    def placements(self) -> list[Placement]:
        """Placements in input-group order, sessions numbered (kept numbers stay)."""
        out = []
        for group in self.problem.groups:
            out += number_sessions(self.placed[group.group_id].values())
        return out


def number_sessions(placements: Iterable[Placement]) -> list[Placement]:
    """Number a group's sessions 1, 2, … by weekday; a session that has a number keeps it."""
    placements = sorted(placements, key=lambda p: p.weekday)
    taken = {p.session for p in placements if p.session}
    free = iter(n for n in range(1, len(placements) + len(taken) + 1) if n not in taken)
    out = [p if p.session else Placement(p.group_id, next(free), *_rest(p)) for p in placements]
    return sorted(out, key=lambda p: p.session)


def _rest(p: Placement) -> tuple:
    return (p.venue_id, p.teacher_id, p.weekday, p.start, p.end)


def greedy(
    problem: Problem,
    options: dict[str, GroupOptions] | None = None,
    *,
    locked: Iterable[Placement] = (),
    previous: Iterable[Placement] = (),
) -> list[Placement]:
    """A valid timetable: locks as given, then last week's sessions where they still fit,
    then first fit for the rest. Locks are assumed valid (the solver checks them first)."""
    options = options if options is not None else group_options(problem)
    board = Board(problem, options)
    grid = problem.grid_min
    for p in locked:
        board.place(problem.group[p.group_id], p.weekday, p.venue_id, p.start // grid, p.session)
    for p in previous:
        group = problem.group.get(p.group_id)
        if group is None or len(board.placed[p.group_id]) >= group.sessions_per_week:
            continue
        if p.start % grid == 0 and board.fits(group, p.weekday, p.venue_id, p.start // grid):
            board.place(group, p.weekday, p.venue_id, p.start // grid)

    for group in sorted(problem.groups, key=lambda g: (-g.priority, -g.size, g.group_id)):
        opt = options[group.group_id]
        for _ in range(group.sessions_per_week - len(board.placed[group.group_id])):
            slot = next(
                (
                    (day, venue_id, start)
                    for day in opt.days
                    for venue_id in opt.venues_on(day)
                    if (start := board.slot(group, day, venue_id)) is not None
                ),
                None,
            )
            if slot is None:
                break
            board.place(group, *slot)
    return board.placements()
