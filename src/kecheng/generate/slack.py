"""How much room a week leaves: the opening hours and teachers' weeks of a loose or tight week.

A loose week (every venue open and every teacher free 08:00–21:00 on all seven days, no session
limits) is the week in which everything that has a fitting venue fits: a solver should see that
at once and stop. A tight week closes half the venues. Either is applied to a district drawn as
usual, so a loose or tight district has the same communities, venues, groups, teachers and
residents as its normal week.
"""

from __future__ import annotations

import random
from dataclasses import replace

from kecheng.generate.shapes import LOOSE_HOURS
from kecheng.model import Availability, OpeningHours, Teacher, Venue, parse_clock


def with_slack(
    slack: str,
    venues: list[Venue],
    opening: list[OpeningHours],
    teachers: list[Teacher],
    availability: list[Availability],
    rng: random.Random,
) -> tuple[list[OpeningHours], list[Teacher], list[Availability]]:
    """The opening hours, teachers and availability of a ``slack`` week ("normal" changes nothing).

    ``rng`` draws the venues a tight week closes: ``len(venues) // 2`` of them, every one of
    their opening rows removed.
    """
    if slack == "loose":
        begin, end = (parse_clock(t) for t in LOOSE_HOURS)
        days = range(1, 8)
        opening = [
            OpeningHours(venue_id=v.venue_id, weekday=d, open=begin, close=end) for v in venues for d in days
        ]
        availability = [
            Availability(teacher_id=t.teacher_id, weekday=d, start=begin, end=end)
            for t in teachers
            for d in days
        ]
        teachers = [replace(t, max_sessions_per_week=None, max_sessions_per_day=None) for t in teachers]
    elif slack == "tight":
        closed = set(rng.sample([v.venue_id for v in venues], len(venues) // 2))
        opening = [o for o in opening if o.venue_id not in closed]
    elif slack != "normal":
        raise ValueError(f"unknown slack {slack!r}")
    return opening, teachers, availability
