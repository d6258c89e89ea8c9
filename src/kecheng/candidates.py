"""Where and when each group could meet, worked out once per solve, before any variable exists.

Filtering first keeps the CP-SAT model small: a group only gets variables for the
venues that fit it (capacity, features, walking distance) and for the start times
that lie in both the venue's opening hours and the teacher's availability.
``Candidates`` holds these per group, the sets of groups that share members, and the
venue index; first fit, the CP-SAT model and the explanations all read the same object.
Times here are in grid steps after midnight (``minute // grid_min``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from kecheng.model import WEEKDAYS, Group, Problem, distance_m, merge_windows

Spans = tuple[tuple[int, int], ...]
"""Inclusive ranges of start steps, sorted and disjoint."""

_CELL_DEG = 0.01  # about 1.1 km of latitude: a walking circle touches a few cells


@dataclass(frozen=True)
class GroupOptions:
    """Everything the models need about one group's possible sessions."""

    group: Group
    duration: int  # in grid steps
    venues: tuple[str, ...]  # fitting venues, nearest first
    starts: dict[tuple[int, str], Spans]  # (weekday, venue_id) → start steps, never empty
    sessions: int | None = None  # sessions still to place (default: the group's sessions_per_week)

    @property
    def wanted(self) -> int:
        """Sessions this group still asks for."""
        return self.group.sessions_per_week if self.sessions is None else self.sessions

    @cached_property
    def days(self) -> tuple[int, ...]:
        """Weekdays with at least one venue and start time."""
        return tuple(sorted({day for day, _ in self.starts}))

    def venues_on(self, day: int) -> list[str]:
        return [v for v in self.venues if (day, v) in self.starts]

    @property
    def max_sessions(self) -> int:
        """At most one session a day, so never more than the days on offer."""
        return min(self.wanted, len(self.days))


class VenueIndex:
    """Venues bucketed by location, so finding those near a community is not a scan of all."""

    def __init__(self, problem: Problem):
        self._problem = problem
        self._cells: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
        for venue in problem.venues:
            lat, lon = problem.venue_location(venue.venue_id)
            self._cells[_cell(lat, lon)].append((venue.venue_id, lat, lon))

    def near(self, lat: float, lon: float, radius_m: float) -> list[tuple[float, str]]:
        """(distance, venue_id) of every venue within radius_m, nearest first."""
        reach_lat = math.ceil(radius_m / 111_000 / _CELL_DEG)
        scale = max(math.cos(math.radians(lat)), 0.01)
        reach_lon = math.ceil(radius_m / (111_000 * scale) / _CELL_DEG)
        row, col = _cell(lat, lon)
        found = []
        for r in range(row - reach_lat, row + reach_lat + 1):
            for c in range(col - reach_lon, col + reach_lon + 1):
                for venue_id, vlat, vlon in self._cells.get((r, c), ()):
                    d = distance_m(lat, lon, vlat, vlon)
                    if d <= radius_m:
                        found.append((d, venue_id))
        return sorted(found)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / _CELL_DEG), math.floor(lon / _CELL_DEG)


def intersect(a: Iterable[tuple[int, int]], b: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intersection of two sorted lists of disjoint [begin, end) windows."""
    a, b = list(a), list(b)
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        begin, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if begin < end:
            out.append((begin, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def start_spans(windows: Iterable[tuple[int, int]], duration_min: int, grid_min: int) -> Spans:
    """Grid steps at which a session of duration_min fits wholly inside one window."""
    steps = duration_min // grid_min
    spans = []
    for begin, end in windows:
        first, last = -(-begin // grid_min), end // grid_min - steps
        if first <= last:
            spans.append((first, last))
    return tuple(spans)


def liked_starts(group: Group, day: int, grid: int) -> Spans | None:
    """Start steps on ``day`` at which a session meets the group's time preference (None: the group
    has none, or the day earns nothing)."""
    if not group.has_time_preference:
        return None
    if group.preferred_weekdays and day not in group.preferred_weekdays:
        return None
    if group.preferred_times:
        windows = [(a, b) for d, a, b in group.preferred_times if d in (0, day)]
        if not windows:
            return None
    else:
        windows = [(0, 24 * 60)]
    return start_spans(merge_windows(windows), group.duration_min, grid)


def holds(problem: Problem, group: Group, venue_id: str) -> bool:
    """Capacity and features; distance is checked by the caller's spatial look-up."""
    venue = problem.venue[venue_id]
    return venue.capacity >= group.size and group.required_features <= venue.features


def group_options(problem: Problem, index: VenueIndex | None = None) -> dict[str, GroupOptions]:
    """Options of every group, in input order (a group with none still has an entry)."""
    index = index or VenueIndex(problem)
    near_cache: dict[tuple[str, float], list[tuple[float, str]]] = {}
    options = {}
    for group in problem.groups:
        key = (group.community_id, group.max_walk_m)
        if key not in near_cache:
            home = problem.community[group.community_id]
            near_cache[key] = index.near(home.lat, home.lon, group.max_walk_m)
        venues = tuple(v for _, v in near_cache[key] if holds(problem, group, v))
        starts: dict[tuple[int, str], Spans] = {}
        for day in WEEKDAYS:
            teacher_windows = problem.available.get((group.teacher_id, day))
            if not teacher_windows:
                continue
            for venue_id in venues:
                venue_windows = problem.opening.get((venue_id, day))
                if not venue_windows:
                    continue
                spans = start_spans(
                    intersect(teacher_windows, venue_windows), group.duration_min, problem.grid_min
                )
                if spans:
                    starts[day, venue_id] = spans
        options[group.group_id] = GroupOptions(group, group.duration_min // problem.grid_min, venues, starts)
    return options


def member_cliques(problem: Problem) -> list[tuple[str, ...]]:
    """Sets of groups that must never overlap because someone belongs to all of them.

    One set per distinct combination of two or more groups, dropping a pair that a
    larger set already covers; each set becomes a NoOverlap per weekday.
    """
    by_member: dict[str, set[str]] = defaultdict(set)
    for member, group in problem.members.select("member_id", "group_id"):
        by_member[member].add(group)
    sets = {frozenset(groups) for groups in by_member.values() if len(groups) > 1}
    containing: dict[str, list[frozenset[str]]] = defaultdict(list)
    for s in sets:
        if len(s) > 2:
            for g in s:
                containing[g].append(s)
    kept = []
    for s in sets:
        if len(s) == 2:
            a, b = s
            if any(b in bigger for bigger in containing.get(a, ())):
                continue
        kept.append(tuple(sorted(s)))
    return sorted(kept)


def neighbours_of(cliques: Iterable[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """group → the groups it shares a member with, sorted."""
    found: dict[str, set[str]] = defaultdict(set)
    for clique in cliques:
        for g in clique:
            found[g].update(clique)
    return {g: tuple(sorted(others - {g})) for g, others in found.items()}


class Candidates:
    """Everything about where and when groups could meet, built once per solve: per group its
    options, the sets of groups sharing a member (``cliques``) and each group's ``neighbours``,
    and the venue index."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.index = VenueIndex(problem)
        self.options = group_options(problem, self.index)
        self.cliques = member_cliques(problem)
        self.neighbours = neighbours_of(self.cliques)
        self._travel: dict[tuple[str, str], int] = {}

    def travel_steps(self, venue_a: str, venue_b: str) -> int:
        """Grid steps a teacher needs between sessions at two venues (the walk plus the buffer), rounded
        up; remembered, since the searches ask about the same pairs over and over."""
        key = (venue_a, venue_b) if venue_a <= venue_b else (venue_b, venue_a)
        steps = self._travel.get(key)
        if steps is None:
            steps = self._travel[key] = -(-self.problem.travel_min(venue_a, venue_b) // self.problem.grid_min)
        return steps

    def __getitem__(self, group_id: str) -> GroupOptions:
        return self.options[group_id]

    @cached_property
    def features(self) -> frozenset[str]:
        """Every feature some venue has."""
        return frozenset(tag for venue in self.problem.venues for tag in venue.features)

    def upper_bound(self, groups: Iterable[str] | None = None) -> int:
        """A valid bound on the placed priority (of ``groups``, default all), from the candidates
        alone: every session that has a fitting venue and time on a weekday of its own, within its
        teacher's weekly and daily limits (a teacher's sessions spent on their highest priorities)."""
        by_teacher: dict[str, list[GroupOptions]] = defaultdict(list)
        for gid in self.options if groups is None else groups:
            opt = self.options[gid]
            by_teacher[opt.group.teacher_id].append(opt)
        total = 0
        for teacher_id, opts in by_teacher.items():
            teacher = self.problem.teacher[teacher_id]
            priorities = sorted((o.group.priority for o in opts for _ in range(o.max_sessions)), reverse=True)
            cap = len(priorities)
            if teacher.max_sessions_per_week is not None:
                cap = min(cap, teacher.max_sessions_per_week)
            if teacher.max_sessions_per_day is not None:
                per_day = [sum(day in o.days for o in opts) for day in WEEKDAYS]
                cap = min(cap, sum(min(teacher.max_sessions_per_day, n) for n in per_day))
            total += sum(priorities[:cap])
        return total
