"""Hypothesis strategies: small random districts that still mean something.

Communities lie within about 1.5 km of each other, so walking limits bite for some
groups and not others; venues and teachers get hours on the 15-minute grid that
often, but not always, overlap; a small pool of members makes groups share people.
"""

from __future__ import annotations

from hypothesis import strategies as st

from kecheng.model import (
    Availability,
    Community,
    Group,
    Membership,
    OpeningHours,
    Problem,
    Teacher,
    Venue,
)
from kecheng.timetable import Placement

GRID = 15
FEATURES = ("piano", "mirror", "kitchen", "computers")
BASE_LAT, BASE_LON = 31.2304, 121.4737  # a district of Shanghai
STEP_DEG = 0.0012  # about 133 m of latitude, 114 m of longitude there


def _offset(draw: st.DrawFn) -> tuple[float, float]:
    """A point within ±4 steps of the base, so any two are at most ~1.4 km apart."""
    return (
        BASE_LAT + STEP_DEG * draw(st.integers(-4, 4)),
        BASE_LON + STEP_DEG * draw(st.integers(-4, 4)),
    )


def _windows(draw: st.DrawFn) -> list[tuple[int, int, int]]:
    """(weekday, begin, end) rows between 07:00 and 22:00 on the grid, possibly overlapping.

    Each stretch repeats on a few weekdays, as real timetables of halls and teachers do,
    so a venue's and a teacher's hours often meet on some day.
    """
    rows = []
    for _ in range(draw(st.sampled_from([1, 2, 3, 2, 0]))):  # shrinks to one stretch
        days = draw(st.frozensets(st.integers(1, 7), min_size=2, max_size=6))
        begin = draw(st.integers(7 * 4, 20 * 4)) * GRID
        length = draw(st.integers(4, 40)) * GRID  # 1 to 10 hours
        rows += [(day, begin, min(begin + length, 22 * 60)) for day in sorted(days)]
    return rows


@st.composite
def problems(draw: st.DrawFn, max_groups: int = 8) -> Problem:
    """A valid Problem with 1-3 communities, 1-5 venues and teachers, 1-max_groups groups."""
    communities = []
    for i in range(draw(st.integers(1, 3))):
        lat, lon = _offset(draw)
        communities.append(
            Community(community_id=f"C{i}", name=f"Community {i}", street="", lat=lat, lon=lon)
        )
    community_ids = st.sampled_from([c.community_id for c in communities])

    venues, opening = [], []
    for i in range(draw(st.integers(1, 5))):
        lat, lon = _offset(draw) if draw(st.booleans()) else (None, None)
        venues.append(
            Venue(
                venue_id=f"V{i}",
                name=f"Venue {i}",
                community_id=draw(community_ids),
                capacity=draw(st.sampled_from([10, 20, 30, 45, 60])),
                features=draw(st.frozensets(st.sampled_from(FEATURES), max_size=3)),
                lat=lat,
                lon=lon,
            )
        )
        for day, begin, end in _windows(draw):
            opening.append(OpeningHours(venue_id=f"V{i}", weekday=day, open=begin, close=end))

    teachers, availability = [], []
    limits = st.one_of(st.none(), st.integers(1, 5))
    for i in range(draw(st.integers(1, 5))):
        teachers.append(
            Teacher(
                teacher_id=f"T{i}",
                name=f"Teacher {i}",
                max_sessions_per_week=draw(limits),
                max_sessions_per_day=draw(st.one_of(st.none(), st.integers(1, 2))),
            )
        )
        for day, begin, end in _windows(draw):
            availability.append(Availability(teacher_id=f"T{i}", weekday=day, start=begin, end=end))

    groups, members = [], []
    pool = [f"M{i:02d}" for i in range(draw(st.integers(1, 20)))]
    for i in range(draw(st.integers(1, max_groups))):
        people = draw(st.lists(st.sampled_from(pool), max_size=6, unique=True))
        members += [Membership(member_id=m, group_id=f"G{i}") for m in people]
        groups.append(
            Group(
                group_id=f"G{i}",
                name=f"Group {i}",
                category=draw(st.sampled_from(["dance", "calligraphy", "cooking", "computers"])),
                community_id=draw(community_ids),
                size=max(len(people), draw(st.integers(5, 50))),
                sessions_per_week=draw(st.integers(1, 3)),
                duration_min=draw(st.integers(1, 8)) * GRID,
                teacher_id=f"T{draw(st.integers(0, len(teachers) - 1))}",
                required_features=draw(st.frozensets(st.sampled_from(FEATURES), max_size=1)),
                max_walk_m=draw(st.sampled_from([1000.0, 2000.0, 700.0, 300.0, 5000.0])),
                priority=draw(st.integers(1, 3)),
            )
        )
    return Problem(
        communities=tuple(communities),
        venues=tuple(venues),
        opening_hours=tuple(opening),
        teachers=tuple(teachers),
        availability=tuple(availability),
        groups=tuple(groups),
        members=tuple(members),
        grid_min=GRID,
    )


@st.composite
def timetables(draw: st.DrawFn, problem: Problem) -> list[Placement]:
    """Placements for the problem's groups, mostly well-formed but often breaking rules.

    Sessions crowd onto a few days at half-hour starts so that clashes are common, and
    now and then an id, weekday, session number or time is wrong outright, so the
    checker's handling of nonsense gets exercised too (shrinking heads for sane rows).
    """

    def rarely(one_in: int) -> bool:
        return draw(st.integers(0, one_in - 1)) == one_in - 1

    venue_ids = st.sampled_from([v.venue_id for v in problem.venues])
    teacher_ids = st.sampled_from([t.teacher_id for t in problem.teachers])
    days = st.sampled_from(sorted(draw(st.frozensets(st.integers(1, 7), min_size=1, max_size=3))))
    placements = []
    for group in problem.groups:
        sessions = draw(st.lists(st.integers(1, group.sessions_per_week), max_size=group.sessions_per_week))
        for session in sessions:
            start = draw(st.integers(8 * 2, 20 * 2)) * 30
            end = start + (draw(st.integers(-2, 40)) * GRID if rarely(10) else group.duration_min)
            placements.append(
                Placement(
                    group_id="G-unknown" if rarely(20) else group.group_id,
                    session=draw(st.integers(-1, 9)) if rarely(20) else session,
                    venue_id="V-unknown" if rarely(20) else draw(venue_ids),
                    teacher_id=draw(teacher_ids) if rarely(10) else group.teacher_id,
                    weekday=draw(st.integers(-1, 9)) if rarely(20) else draw(days),
                    start=start,
                    end=end,  # now and then before start or past midnight
                )
            )
    return placements


def valid_single_placements(problem: Problem) -> list[Placement]:
    """Every (group, venue, weekday) where one session fits, at its earliest start.

    Worked out from the tables directly (not via kecheng's candidate filter), so a test
    can hand the checker or a solver a session known to be allowed.
    """
    found = []
    for group in problem.groups:
        teacher = problem.teacher[group.teacher_id]
        if 0 in (teacher.max_sessions_per_week, teacher.max_sessions_per_day):
            continue
        for venue in problem.venues:
            fits = (
                venue.capacity >= group.size
                and group.required_features <= venue.features
                and problem.walk_m(group.group_id, venue.venue_id) <= group.max_walk_m
            )
            if not fits:
                continue
            for day in range(1, 8):
                starts = [
                    -(-max(lo, a) // GRID) * GRID
                    for lo, hi in problem.opening.get((venue.venue_id, day), [])
                    for a, b in problem.available.get((group.teacher_id, day), [])
                    if -(-max(lo, a) // GRID) * GRID + group.duration_min <= min(hi, b)
                ]
                if starts:
                    start = min(starts)
                    found.append(
                        Placement(
                            group.group_id,
                            1,
                            venue.venue_id,
                            group.teacher_id,
                            day,
                            start,
                            start + group.duration_min,
                        )
                    )
    return found
