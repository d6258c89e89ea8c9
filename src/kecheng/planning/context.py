"""The district indexed once for planning: who may go where and when, in grid steps.

Times are masks of shape ``(7, steps)`` (``steps = 1440 / grid_min``): a step is free only if
the whole step is free, so a mask never claims more than the input allows. Free means
available (resident, teacher) or open (venue) and not taken by the running groups'
sessions, which stay where they are. Every later step (candidates, greedy, bound, reasons,
suggest) asks this index rather than the raw tables.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from kecheng.planning.base import MINUTES_PER_DAY, Placement
from kecheng.planning.model import Interest, PlanProblem, available_windows

EARTH_RADIUS_M = 6_371_000.0
UNLIMITED = 10**6


def haversine_m(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Distances (m) from one point to many, as ``kecheng.model.distance_m`` computes each."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def starts_mask(free: np.ndarray, duration: int) -> np.ndarray:
    """Where a session of ``duration`` steps may start: every step it covers is free."""
    return window_sums(free, duration) == duration


def window_sums(values: np.ndarray, duration: int) -> np.ndarray:
    """(..., steps) → at each start, the sum over the ``duration`` steps from it (0 where they
    would run past the end): how many of a session's steps are free, or what they cost."""
    total = values.cumsum(-1, dtype=np.int32 if values.dtype == bool else None)  # counts: 4 bytes do
    total = np.concatenate([np.zeros((*values.shape[:-1], 1), dtype=total.dtype), total], axis=-1)
    steps = values.shape[-1]
    out = np.zeros(values.shape, dtype=total.dtype)
    if duration <= steps:
        out[..., : steps - duration + 1] = total[..., duration:] - total[..., : steps - duration + 1]
    return out


def _spans(rows: np.ndarray, low: np.ndarray, high: np.ndarray, count: int, steps: int) -> np.ndarray:
    """(count, steps): True on each row's [low, high) spans (clipped to the day)."""
    diff = np.zeros((count, steps + 1), dtype=np.int32)
    np.add.at(diff, (rows, np.minimum(low, steps)), 1)
    np.add.at(diff, (rows, np.minimum(high, steps)), -1)
    return diff.cumsum(-1)[:, :steps] > 0


def windows_mask(windows: dict[int, list[tuple[int, int]]], grid: int, steps: int) -> np.ndarray:
    """(7, steps) mask of the whole steps inside the windows (weekday → [(begin, end)] minutes)."""
    mask = np.zeros((7, steps), dtype=bool)
    for day, spans in windows.items():
        for begin, end in spans:
            first, last = -(-begin // grid), end // grid  # steps wholly inside
            if first < last:
                mask[day - 1, first:last] = True
    return mask


@dataclass(frozen=True, slots=True, order=True)
class Session:
    """One weekly session, in grid steps; ``venue`` is an index into ``PlanContext.venue_ids``."""

    day: int
    start: int
    end: int
    venue: int


@dataclass(frozen=True)
class Running:
    """A group already running: its sessions (as placed), members and seats left."""

    group_id: str
    interest_id: str | None
    teacher_id: str
    sessions: tuple[Session, ...]
    complete: bool  # every session is on the timetable (only then can anyone join)
    size: int
    seats: int  # free seats: max_size and every venue's capacity allow this many more
    members: frozenset[str]


class PlanContext:
    """Look-ups for one plan: residents, venues, teachers, running groups, as arrays and masks."""

    def __init__(self, pp: PlanProblem, placements: Iterable[Placement]):
        self.pp = pp
        problem = self.problem = pp.problem
        self.grid = problem.grid_min
        self.steps = -(-MINUTES_PER_DAY // self.grid)
        self.placements: tuple[Placement, ...] = tuple(sorted(placements))
        self._open_starts: dict[int, np.ndarray] = {}  # duration → (teachers, 7, steps) starts
        self._venue_starts: dict[int, np.ndarray] = {}  # duration → (venues, 7, steps) starts
        self._travel_rows: dict[int, np.ndarray] = {}  # venue → minutes to every venue

        self.venue_ids = [v.venue_id for v in problem.venues]
        self.venue_index = {v: i for i, v in enumerate(self.venue_ids)}
        locs = [problem.venue_location(v) for v in self.venue_ids]
        self.venue_lat = np.array([a for a, _ in locs], dtype=float)
        self.venue_lon = np.array([b for _, b in locs], dtype=float)
        self.venue_capacity = np.array([v.capacity for v in problem.venues], dtype=np.int64)

        self.teacher_ids = [t.teacher_id for t in problem.teachers]
        self.teacher_index = {t: i for i, t in enumerate(self.teacher_ids)}

        self.resident_ids = [r.resident_id for r in pp.residents]
        self.resident_index = {r: i for i, r in enumerate(self.resident_ids)}
        locs = [pp.location(r) for r in pp.residents]
        self.resident_lat = np.array([a for a, _ in locs], dtype=float)
        self.resident_lon = np.array([b for _, b in locs], dtype=float)
        self.resident_walk = np.array([r.max_walk_m for r in pp.residents], dtype=float)

        self._index_running()

    # --- running groups and what they occupy ------------------------------------------------

    def _index_running(self) -> None:
        problem, pp = self.problem, self.pp
        by_group: dict[str, list[Placement]] = defaultdict(list)
        for p in self.placements:
            by_group[p.group_id].append(p)
        members = problem.group_members
        self.running: dict[str, Running] = {}
        for group in problem.groups:
            placed = by_group.get(group.group_id, [])
            sessions = tuple(
                sorted(
                    Session(
                        p.weekday, p.start // self.grid, -(-p.end // self.grid), self.venue_index[p.venue_id]
                    )
                    for p in placed
                )
            )
            complete = len(placed) >= group.sessions_per_week
            size = max(group.size, len(members.get(group.group_id, ())))
            max_size = pp.group_max_size(group.group_id)
            seats = 0
            if complete and max_size is not None and group.interest_id is not None:
                room = min([max_size] + [int(self.venue_capacity[s.venue]) for s in sessions])
                seats = max(0, room - size)
            self.running[group.group_id] = Running(
                group.group_id,
                group.interest_id,
                group.teacher_id,
                sessions,
                complete,
                size,
                seats,
                members.get(group.group_id, frozenset()),
            )
        self.groups_of: dict[str, list[str]] = defaultdict(list)  # member → running groups
        for group_id in sorted(members):
            for member in sorted(members[group_id]):
                self.groups_of[member].append(group_id)
        self.running_by_interest: dict[str, list[str]] = defaultdict(list)
        for g in self.running.values():
            if g.interest_id is not None:
                self.running_by_interest[g.interest_id].append(g.group_id)

    @cached_property
    def venue_free(self) -> np.ndarray:
        """(venues, 7, steps): open and not taken by a running session."""
        return self._free(self.venue_ids, self.problem.opening, self.venue_index, lambda p: p.venue_id)

    @cached_property
    def teacher_free(self) -> np.ndarray:
        """(teachers, 7, steps): available and not teaching a running session (travel apart)."""
        return self._free(
            self.teacher_ids, self.problem.available, self.teacher_index, lambda p: p.teacher_id
        )

    def _free(
        self,
        ids: list[str],
        windows: Mapping[tuple[str, int], Any],
        index: Mapping[str, int],
        holder: Callable[[Placement], str],
    ) -> np.ndarray:
        """(ids, 7, steps): inside the weekly ``windows`` and not held by a running session."""
        out = np.zeros((len(ids), 7, self.steps), dtype=bool)
        for i, key in enumerate(ids):
            days = {d: windows[(key, d)] for d in range(1, 8) if (key, d) in windows}
            out[i] = windows_mask(days, self.grid, self.steps)
        for p in self.placements:
            out[index[holder(p)], p.weekday - 1, p.start // self.grid : -(-p.end // self.grid)] = False
        return out

    @cached_property
    def teacher_open(self) -> np.ndarray:
        """(teachers, 7, steps): free (``teacher_free``) on a weekday with a session left under
        ``max_sessions_per_day``: where a new session may go (travel apart, see ``teacher_starts_at``)."""
        return self.teacher_free & (self.teacher_room[2] >= 1)[:, :, None]

    def open_starts(self, duration: int) -> np.ndarray:
        """(teachers, 7, steps): where a new session of ``duration`` steps may start by
        ``teacher_open`` alone (walks apart: ``teacher_starts_at``), remembered per duration."""
        if duration not in self._open_starts:
            self._open_starts[duration] = starts_mask(self.teacher_open, duration)
        return self._open_starts[duration]

    def venue_starts(self, duration: int) -> np.ndarray:
        """(venues, 7, steps): where a new session of ``duration`` steps fits a venue's free time,
        remembered per duration."""
        if duration not in self._venue_starts:
            self._venue_starts[duration] = starts_mask(self.venue_free, duration)
        return self._venue_starts[duration]

    def travel_min(self, venue: int, other: int) -> int:
        """``Problem.travel_min`` between two venue indices."""
        return int(self.travel_row(venue)[other])

    def travel_row(self, venue: int) -> np.ndarray:
        """Minutes from one venue to every venue, as ``Problem.travel_min`` counts them, remembered
        (candidates ask it for every teacher of an interest at every venue)."""
        row = self._travel_rows.get(venue)
        if row is None:
            problem = self.problem
            metres = haversine_m(
                float(self.venue_lat[venue]), float(self.venue_lon[venue]), self.venue_lat, self.venue_lon
            )
            minutes = problem.walk_minutes(metres)
            row = np.ceil(minutes).astype(np.int64) + problem.travel_buffer_min
            # numpy's sines may differ from math's in the last bit: where that could turn a
            # minute, the scalar formula decides (from the lower index, as ever)
            for other in np.flatnonzero(np.abs(minutes - np.round(minutes)) < 1e-6).tolist():
                a, b = sorted((venue, other))
                row[other] = problem.travel_min(self.venue_ids[a], self.venue_ids[b])
            row[venue] = 0
            self._travel_rows[venue] = row
        return row

    def teacher_starts_at(self, teacher: int, venue: int, duration: int) -> np.ndarray:
        """(7, steps): where a new session of ``duration`` steps at ``venue`` may start for the
        teacher — open (``teacher_open``) and, as ``travel_ok`` asks, with time to walk from and
        to their running sessions at other venues."""
        return self.teacher_starts_many([teacher], venue, duration)[0]

    def teacher_starts_many(
        self, teachers: Sequence[int] | np.ndarray, venue: int, duration: int
    ) -> np.ndarray:
        """(len(teachers), 7, steps): ``teacher_starts_at`` of each, in one go (candidates and
        bounds ask it for every teacher of an interest at every venue: millions on four districts)."""
        asked = np.asarray(teachers, dtype=np.int64)
        if (np.diff(asked) > 0).all():  # as interests list their teachers: no reordering needed
            unique, back = asked, slice(None)
        else:
            unique, back = np.unique(asked, return_inverse=True)
        out = self.open_starts(duration)[unique]
        teacher, day, begin, finish, other = self._teacher_session_table
        of = np.zeros(len(self.teacher_ids), dtype=bool)
        of[unique] = True
        chosen = np.flatnonzero(of[teacher] & (other != venue))
        if len(chosen):
            grid, length = self.grid, duration * self.grid
            need = self.travel_row(venue)[other[chosen]]
            begin, finish = begin[chosen], finish[chosen]
            rows = np.searchsorted(unique, teacher[chosen]) * 7 + day[chosen]
            # starting at or after a session's end, less than ``need`` after it; ending at or
            # before its beginning, less than ``need`` before it
            low = np.concatenate([-(-finish // grid), np.maximum(0, (begin - need - length) // grid + 1)])
            high = np.concatenate([-(-(finish + need) // grid), np.maximum(0, (begin - length) // grid + 1)])
            rows = np.concatenate([rows, rows])
            keep = high > low
            touched, at = np.unique(rows[keep], return_inverse=True)
            days = out.reshape(-1, self.steps)
            days[touched] &= ~_spans(at, low[keep], high[keep], len(touched), self.steps)
        return out[back]

    @cached_property
    def _teacher_session_table(self) -> tuple[np.ndarray, ...]:
        """Running sessions as arrays: teacher index, weekday index (0-6), start and end
        (minutes), venue index."""
        rows = [
            (self.teacher_index[p.teacher_id], p.weekday - 1, p.start, p.end, self.venue_index[p.venue_id])
            for p in self.placements
        ]
        table = np.array(rows, dtype=np.int64).reshape(-1, 5)
        return tuple(table[:, n] for n in range(5))

    @cached_property
    def teacher_sessions(self) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
        """(teacher index, weekday) → running sessions (start, end minutes, venue index)."""
        out: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        for p in self.placements:
            out[self.teacher_index[p.teacher_id], p.weekday].append(
                (p.start, p.end, self.venue_index[p.venue_id])
            )
        return out

    @cached_property
    def teacher_room(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(new groups left, sessions left this week, sessions left per weekday (teachers, 7))."""
        problem = self.problem
        groups = np.array(
            [UNLIMITED if t.max_groups is None else t.max_groups for t in problem.teachers], dtype=np.int64
        )
        week = np.array(
            [
                UNLIMITED if t.max_sessions_per_week is None else t.max_sessions_per_week
                for t in problem.teachers
            ],
            dtype=np.int64,
        )
        day = np.array(
            [
                [UNLIMITED if t.max_sessions_per_day is None else t.max_sessions_per_day] * 7
                for t in problem.teachers
            ],
            dtype=np.int64,
        ).reshape(len(problem.teachers), 7)
        for p in self.placements:
            i = self.teacher_index[p.teacher_id]
            week[i] -= 1
            day[i, p.weekday - 1] -= 1
        return groups, week, day

    def travel_ok(self, teacher: int, venue: int, day: int, start: int, end: int) -> bool:
        """Can the teacher teach [start, end) minutes at venue, given their running sessions?"""
        for begin, finish, other in self.teacher_sessions.get((teacher, day), ()):
            if begin < end and start < finish:
                return False
            if other == venue:
                continue
            need = self.travel_min(venue, other)
            if start >= finish and start - finish < need:
                return False
            if begin >= end and begin - end < need:
                return False
        return True

    @cached_property
    def teachers_of(self) -> dict[str, list[int]]:
        """interest_id → teachers who teach it in a new group (teacher-table order)."""
        out: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(self.problem.teachers):
            for interest in sorted(t.interests):
                out[interest].append(i)
        return out

    def teachers_with_room(self, interest: Interest) -> list[int]:
        """Teachers of the interest who may still take a new group of it: a group left under
        max_groups and its weekly sessions left under max_sessions_per_week."""
        groups_left, week_left, _ = self.teacher_room
        return [
            t
            for t in self.teachers_of.get(interest.interest_id, ())
            if groups_left[t] >= 1 and week_left[t] >= interest.sessions_per_week
        ]

    # --- residents ------------------------------------------------------------------------

    @cached_property
    def resident_free(self) -> np.ndarray:
        """(residents, 7, steps): available and not in one of their running groups' sessions."""
        out = self.resident_available.copy()
        for i, r in enumerate(self.pp.residents):
            for group_id in self.groups_of.get(r.resident_id, ()):
                for s in self.running[group_id].sessions:
                    out[i, s.day - 1, s.start : s.end] = False
        return out

    @cached_property
    def resident_available(self) -> np.ndarray:
        """(residents, 7, steps): their own availability only (no running groups taken off)."""
        out = np.zeros((len(self.resident_ids), 7, self.steps), dtype=bool)
        cache: dict[tuple, np.ndarray] = {}  # residents share a few availability patterns
        for i, r in enumerate(self.pp.residents):
            if r.available not in cache:
                cache[r.available] = windows_mask(available_windows(r), self.grid, self.steps)
            out[i] = cache[r.available]
        return out

    @cached_property
    def resident_room(self) -> np.ndarray:
        """Groups each resident may still join: max_groups minus the running groups they are in."""
        return np.array(
            [r.max_groups - len(self.groups_of.get(r.resident_id, ())) for r in self.pp.residents],
            dtype=np.int64,
        )

    @cached_property
    def held_interests(self) -> list[frozenset[str]]:
        """Per resident: interests of the running groups they are already in."""
        return [
            frozenset(i for g in self.groups_of.get(r, ()) if (i := self.running[g].interest_id) is not None)
            for r in self.resident_ids
        ]

    @cached_property
    def reach(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per resident: (venue indices, metres) of the venues within their max_walk_m, nearest first."""
        by_community: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(self.pp.residents):
            by_community[r.community_id].append(i)
        out: list[tuple[np.ndarray, np.ndarray]] = [(np.zeros(0, np.int64), np.zeros(0))] * len(
            self.resident_ids
        )
        for community_id, people in sorted(by_community.items()):
            home = self.problem.community[community_id]
            lats, lons = self.resident_lat[people], self.resident_lon[people]
            spread = float(haversine_m(home.lat, home.lon, lats, lons).max())
            radius = spread + float(self.resident_walk[people].max()) + 1.0
            near = np.flatnonzero(haversine_m(home.lat, home.lon, self.venue_lat, self.venue_lon) <= radius)
            for i in people:
                if near.size == 0:
                    continue
                d = haversine_m(
                    self.resident_lat[i], self.resident_lon[i], self.venue_lat[near], self.venue_lon[near]
                )
                keep = d <= self.resident_walk[i]
                order = np.argsort(d[keep], kind="stable")
                out[i] = (near[keep][order], d[keep][order])
        return out

    def walk_m(self, resident: int, venue: int) -> float:
        return float(
            haversine_m(
                self.resident_lat[resident],
                self.resident_lon[resident],
                self.venue_lat[venue : venue + 1],
                self.venue_lon[venue : venue + 1],
            )[0]
        )

    def reaches(self, resident: int, venues: Sequence[int]) -> bool:
        """Does the resident reach every one of these venues within their max_walk_m?"""
        return all(self.walk_m(resident, v) <= self.resident_walk[resident] for v in set(venues))
