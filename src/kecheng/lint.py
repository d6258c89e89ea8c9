"""Warnings: things in a valid input that look wrong but do not stop the run.

``lint(problem)`` lists them in plain words, naming the ids, so that staff can fix the input
before they solve (a teacher with no hours, a group bigger than every venue it can walk to).
Each warning predicts sessions that will end up in unscheduled.csv; none of them is an error,
because a district's week never fits perfectly. Runs in about linear time: venues are
filtered with numpy per distinct (community, walk, size, features) and the time check works
on the few distinct opening-hour patterns of the fitting venues.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from kecheng.model import EARTH_RADIUS_M, WEEKDAYS, Group, Problem, Teacher

MAX_LISTED = 5  # ids listed in one warning before "… and N more"


def lint(problem: Problem) -> list[str]:
    """Suspicious-but-usable things in ``problem``, one plain sentence each."""
    if not problem.groups:
        return ["there are no interest groups: there is nothing to schedule"]
    venues = _Venues(problem)
    warnings = _venue_hours(problem) + _teachers(problem)
    teacher_days: dict[str, int] = defaultdict(int)
    for teacher_id, _ in problem.available:
        teacher_days[teacher_id] += 1
    fits: dict[tuple, _Fit] = {}
    for group in problem.groups:
        key = (group.community_id, group.max_walk_m, group.size, group.required_features)
        if key not in fits:
            fits[key] = venues.fit(group)
        fit = fits[key]
        if fit.problem:
            warnings.append(f"group {_name(group)}: {fit.problem}")
        elif teacher_days[group.teacher_id] >= group.sessions_per_week:  # else warned about the teacher
            days = venues.common_days(fit, group)
            if not days:
                warnings.append(
                    f"group {_name(group)}: teacher {group.teacher_id} is never available while a "
                    f"venue that fits is open for {group.duration_min} minutes"
                )
            elif len(days) < group.sessions_per_week:
                warnings.append(
                    f"group {_name(group)} meets {group.sessions_per_week} times a week, on different days, "
                    f"but its teacher {group.teacher_id} and a venue that fits share time on only "
                    f"{_days(days)}"
                )
    return warnings


def _name(row: Group | Teacher) -> str:
    """The id, and the name when it says more: "G0001 (太极拳)"."""
    ident = row.group_id if isinstance(row, Group) else row.teacher_id
    return f"{ident} ({row.name})" if row.name and row.name != ident else ident


def _listed(ids: list[str]) -> str:
    more = f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""
    return ", ".join(ids[:MAX_LISTED]) + more


def _days(days: list[int]) -> str:
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return f"{len(days)} weekday{'s' * (len(days) != 1)} ({', '.join(names[d - 1] for d in days)})"


def _venue_hours(problem: Problem) -> list[str]:
    opened = {venue for venue, _ in problem.opening}
    closed = [v.venue_id for v in problem.venues if v.venue_id not in opened]
    if not closed:
        return []
    return [f"venue{'s' * (len(closed) > 1)} {_listed(closed)} {'have' if len(closed) > 1 else 'has'} no "
            "opening hours, so nothing can be held there"]  # fmt: skip


def _teachers(problem: Problem) -> list[str]:
    groups: dict[str, list[Group]] = defaultdict(list)
    for group in problem.groups:
        groups[group.teacher_id].append(group)
    days: dict[str, set[int]] = defaultdict(set)
    for teacher_id, weekday in problem.available:
        days[teacher_id].add(weekday)
    warnings = []
    for teacher in problem.teachers:
        tid, taught = teacher.teacher_id, groups.get(teacher.teacher_id, [])
        need = sum(g.sessions_per_week for g in taught)
        ids = _listed([g.group_id for g in taught])
        if not days[tid]:
            warnings.append(
                f"teacher {_name(teacher)} has no availability rows"
                + (f", so the groups {ids} cannot be placed" if taught else " (and teaches no group)")
            )
            continue
        if teacher.max_sessions_per_week is not None and need > teacher.max_sessions_per_week:
            warnings.append(
                f"teacher {_name(teacher)} teaches {need} sessions a week ({ids}) but "
                f"max_sessions_per_week is {teacher.max_sessions_per_week}"
            )
        per_day = teacher.max_sessions_per_day
        if per_day is not None and need > per_day * len(days[tid]):
            warnings.append(
                f"teacher {_name(teacher)} teaches {need} sessions a week ({ids}) but is available "
                f"on {len(days[tid])} weekdays at most {per_day} a day"
            )
        for group in taught:
            if group.sessions_per_week > len(days[tid]):
                warnings.append(
                    f"group {_name(group)} meets {group.sessions_per_week} times a week, on different days, "
                    f"but its teacher {tid} is available on only {_days(sorted(days[tid]))}"
                )
    return warnings


@dataclass(frozen=True, slots=True)
class _Fit:
    venues: np.ndarray  # indices of the venues that fit the group (capacity, features, walk)
    problem: str = ""  # why none fits, in plain words


class _Venues:
    """The venues as numpy arrays, for filtering them per group without a Python loop."""

    def __init__(self, problem: Problem):
        self.problem = problem
        venues = problem.venues
        self.ids = [v.venue_id for v in venues]
        self.capacity = np.array([v.capacity for v in venues], dtype=np.int64)
        located = [problem.venue_location(v.venue_id) for v in venues]
        self.lat = np.radians(np.array([lat for lat, _ in located], dtype=float))
        self.lon = np.radians(np.array([lon for _, lon in located], dtype=float))
        self.tags: dict[str, np.ndarray] = {}
        for index, venue in enumerate(venues):
            for tag in venue.features:
                self.tags.setdefault(tag, np.zeros(len(venues), dtype=bool))[index] = True
        patterns: dict[tuple, int] = {}  # a venue's week of opening hours → a pattern number
        self.pattern = np.array(
            [
                patterns.setdefault(
                    tuple(tuple(problem.opening.get((v.venue_id, d), ())) for d in WEEKDAYS), len(patterns)
                )
                for v in venues
            ],
            dtype=np.int64,
        )
        self.patterns = list(patterns)
        self._distance: dict[str, np.ndarray] = {}

    def distance(self, community_id: str) -> np.ndarray:
        """Metres from a community to every venue (haversine, as the model measures)."""
        if community_id not in self._distance:
            home = self.problem.community[community_id]
            p1, l1 = math.radians(home.lat), math.radians(home.lon)
            h = (
                np.sin((self.lat - p1) / 2) ** 2
                + math.cos(p1) * np.cos(self.lat) * np.sin((self.lon - l1) / 2) ** 2
            )
            self._distance[community_id] = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        return self._distance[community_id]

    def fit(self, group: Group) -> _Fit:
        walk = f"{group.max_walk_m:g} m"
        near = self.distance(group.community_id) <= group.max_walk_m + 1e-6
        if not near.any():
            return _Fit(near.nonzero()[0], f"no venue lies within its walk of {walk}")
        missing = sorted(tag for tag in group.required_features if tag not in self.tags)
        if missing:
            return _Fit(near.nonzero()[0], f"it needs {', '.join(missing)}, which no venue has")
        holds = near & (self.capacity >= group.size)
        if not holds.any():
            largest = int(np.argmax(np.where(near, self.capacity, -1)))
            return _Fit(
                holds.nonzero()[0],
                f"it has {group.size} members but the largest venue within {walk} "
                f"({self.ids[largest]}) holds {self.capacity[largest]}",
            )
        fits = holds.copy()
        for tag in group.required_features:
            fits &= self.tags[tag]
        if not fits.any():
            tags = ", ".join(sorted(group.required_features))
            return _Fit(fits.nonzero()[0], f"no venue within {walk} both holds {group.size} and has {tags}")
        return _Fit(fits.nonzero()[0])

    def common_days(self, fit: _Fit, group: Group) -> list[int]:
        """The weekdays on which the group's teacher and some fitting venue share a stretch of time
        long enough for a session starting on the time grid."""
        grid, length = self.problem.grid_min, group.duration_min
        patterns = [self.patterns[p] for p in np.unique(self.pattern[fit.venues])]
        days = []
        for day in WEEKDAYS:
            teacher = self.problem.available.get((group.teacher_id, day), ())
            if teacher and any(
                _fits(a, b, c, d, grid, length)
                for week in patterns
                for c, d in week[day - 1]
                for a, b in teacher
            ):
                days.append(day)
        return days


def _fits(a: int, b: int, c: int, d: int, grid: int, length: int) -> bool:
    begin = -(-max(a, c) // grid) * grid
    return begin + length <= min(b, d)
