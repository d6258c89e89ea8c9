"""The time preferences groups state: mornings for the elderly, evenings and weekends for the young.

Preferences are drawn last, from a random stream of their own (seed × ``PREFERENCE_SALT`` + 1),
so that adding them left every other row of a district as it was; most are ones the group's
teacher and some venue in its reach can meet.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter

from kecheng.generate.places import KM_PER_DEG
from kecheng.model import (
    MINUTES_PER_DAY,
    Group,
    Problem,
    TimePreferences,
    Weekdays,
    columns,
    distance_m,
    merge_windows,
)

AFTER_SCHOOL = ";".join(f"{day}@16:00-18:30" for day in range(1, 6))
WEEKEND_DAYTIME = "6@09:00-17:00;7@09:00-17:00"
# fmt: off
PREFERENCES: dict[str, tuple[tuple[float, str, str], ...]] = {
    "elder": ((70, "morning", ""), (12, "morning;afternoon", ""), (5, "afternoon", ""), (13, "", "")),
    "young": (
        (35, "evening", ""), (15, "evening;6@09:00-12:00;7@09:00-12:00", ""),
        (10, "evening;6@14:00-18:00;7@14:00-18:00", ""), (10, "", "6;7"), (8, "evening", "1;2;3;4"),
        (22, "", ""),
    ),
    "family": (
        (35, AFTER_SCHOOL, ""), (30, WEEKEND_DAYTIME, ""), (15, f"{AFTER_SCHOOL};{WEEKEND_DAYTIME}", ""),
        (20, "", ""),
    ),
    "mixed": (
        (25, "evening", ""), (20, "morning;evening", ""), (15, "morning", ""), (10, "", "6;7"), (30, "", ""),
    ),
}
# fmt: on
"""Audience → (weight, preferred_times, preferred_weekdays) options; blank means no preference."""
REALISTIC = 0.9
"""Chance that a group's preference is drawn among those its teacher and venues can meet at all."""
PREFERENCE_SALT = 7919
"""Side streams: preferences draw from Random(seed * PREFERENCE_SALT + 1), next week's changes from
``+ 2``, a tight week's closed venues from ``+ 3``; the rest of a district from Random(seed)."""

_TIMES = TypeAdapter(TimePreferences)
_DAYS = TypeAdapter(Weekdays)


@dataclass(frozen=True)
class _Preference:
    """One preference option of an audience: how likely, which times, which weekdays."""

    weight: float
    times: tuple[tuple[int, int, int], ...]
    weekdays: frozenset[int]

    def days_met(self, duration: int, free: Mapping[int, list[tuple[int, int]]]) -> int:
        """Weekdays on which ``free`` time (teacher and venue) within this preference fits a session."""
        days = 0
        for day, spans in free.items():
            if self.weekdays and day not in self.weekdays:
                continue
            wanted = (
                [(a, b) for d, a, b in self.times if d in (0, day)] if self.times else [(0, MINUTES_PER_DAY)]
            )
            days += any(min(e, b) - max(s, a) >= duration for s, e in spans for a, b in wanted)
        return days


_OPTIONS = {
    audience: tuple(
        _Preference(w, _TIMES.validate_python(t), _DAYS.validate_python(d)) for w, t, d in options
    )
    for audience, options in PREFERENCES.items()
}


def _venues_near(problem: Problem, reach_m: float) -> dict[str, list[tuple[str, float]]]:
    """Community → (venue, metres) within ``reach_m``, found on a grid of cells at least that wide."""
    if not problem.communities or not problem.venues:
        return {}
    cell = max(reach_m, 1.0) / (KM_PER_DEG * 1000)  # degrees of latitude
    widest = max(abs(c.lat) for c in problem.communities)
    lon_cell = cell / max(math.cos(math.radians(min(widest + 1, 89.0))), 0.01)

    def key(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / cell), math.floor(lon / lon_cell)

    grid: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
    for v in problem.venues:
        lat, lon = problem.venue_location(v.venue_id)
        grid[key(lat, lon)].append((v.venue_id, lat, lon))
    out: dict[str, list[tuple[str, float]]] = {}
    for c in problem.communities:
        i, j = key(c.lat, c.lon)
        out[c.community_id] = [
            (venue_id, metres)
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            for venue_id, lat, lon in grid.get((i + di, j + dj), ())
            if (metres := distance_m(c.lat, c.lon, lat, lon)) <= reach_m
        ]
    return out


def _free_time(
    problem: Problem, group: Group, near: Mapping[str, list[tuple[str, float]]]
) -> dict[int, list[tuple[int, int]]]:
    """Weekday → stretches when the group's teacher is available and a venue that fits it is open
    (the fitting venues' hours merged: close enough to tell a meetable preference from one that is not)."""
    fitting = [
        venue_id
        for venue_id, metres in near.get(group.community_id, ())
        if metres <= group.max_walk_m
        and problem.venue[venue_id].capacity >= group.size
        and group.required_features <= problem.venue[venue_id].features
    ]
    free = {}
    for day in range(1, 8):
        teacher = problem.available.get((group.teacher_id, day), [])
        if not teacher or not fitting:
            continue
        opening = merge_windows(span for v in fitting for span in problem.opening.get((v, day), []))
        free[day] = [(max(a, c), min(b, d)) for a, b in teacher for c, d in opening if min(b, d) > max(a, c)]
    return free


def with_preferences(
    problem: Problem, groups: tuple[Group, ...] | list[Group], audiences: list[str], rng: random.Random
) -> list[Group]:
    """The groups with a time preference drawn for their audience (unknown audiences count as mixed).

    With chance ``REALISTIC`` the draw is among the options the group's teacher and some venue
    in its reach can meet on at least one weekday (no preference always qualifies); otherwise,
    and when nothing qualifies, it keeps its first draw, which may be one nobody can meet.
    """
    near = _venues_near(problem, max((g.max_walk_m for g in groups), default=0.0))
    out = []
    for group, audience in zip(groups, audiences, strict=True):
        options = _OPTIONS.get(audience, _OPTIONS["mixed"])
        weights = [o.weight for o in options]
        pick = rng.choices(options, weights)[0]
        if rng.random() < REALISTIC:
            free = _free_time(problem, group, near)
            meetable = [
                o for o in options if not (o.times or o.weekdays) or o.days_met(group.duration_min, free)
            ]
            if meetable and pick not in meetable:
                pick = rng.choices(meetable, [o.weight for o in meetable])[0]
        fields = {name: getattr(group, name) for name in columns(Group)}
        out.append(Group(**(fields | {"preferred_times": pick.times, "preferred_weekdays": pick.weekdays})))
    return out
