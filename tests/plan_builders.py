"""Tiny hand-made districts with residents' orders, whose right plan can be stated in a sentence."""

from __future__ import annotations

from typing import Any

import builders

from kecheng.model import Problem
from kecheng.planning import PlanProblem

HOME = (29.60, 106.50)
NEXT = (29.6063, 106.50)  # about 700 m north of HOME: within a 1000 m walk
FAR = (29.70, 106.50)  # about 11 km north


def district(
    venues: list[dict],
    teachers: list[dict],
    availability: list[tuple[str, int, str, str]],
    *,
    opening: list[tuple[str, int, str, str]] | None = None,
    groups: list[dict] = (),
    members: list[tuple[str, str]] = (),
) -> Problem:
    """Communities C1 (home), C2 (next door) and C3 (far); venues open 08:00-21:00 daily unless given."""
    if opening is None:
        opening = [(v["venue_id"], d, "08:00", "21:00") for v in venues for d in range(1, 8)]
    return Problem(
        communities=[
            dict(community_id="C1", name="星光社区", street="人和街道", lat=HOME[0], lon=HOME[1]),
            dict(community_id="C2", name="天湖社区", street="人和街道", lat=NEXT[0], lon=NEXT[1]),
            dict(community_id="C3", name="远方社区", street="礼嘉街道", lat=FAR[0], lon=FAR[1]),
        ],
        venues=venues,
        opening_hours=[dict(venue_id=v, weekday=d, open=a, close=b) for v, d, a, b in opening],
        teachers=teachers,
        availability=[dict(teacher_id=t, weekday=d, start=a, end=b) for t, d, a, b in availability],
        groups=list(groups),
        members=[dict(member_id=m, group_id=g) for m, g in members],
    )


def venue(vid: str, community: str = "C1", capacity: int = 30, **kw: Any) -> dict:
    return dict(venue_id=vid, name=vid, community_id=community, capacity=capacity, **kw)


def teacher(tid: str, interests: str, max_groups: int | None = 1, **kw: Any) -> dict:
    return dict(teacher_id=tid, name=tid, interests=interests, max_groups=max_groups, **kw)


def interest(
    iid: str, min_size: int = 8, max_size: int = 20, sessions: int = 1, minutes: int = 60, **kw: Any
) -> dict:
    return dict(
        interest_id=iid,
        name=iid,
        category="arts",
        min_size=min_size,
        max_size=max_size,
        sessions_per_week=sessions,
        duration_min=minutes,
        **kw,
    )


def running_group(
    gid: str, teacher: str, interest: str | None = None, size: int = 5, sessions: int = 1, **kw: Any
) -> dict:
    """A group already running (groups.csv), 60 minutes a session, in C1 unless said."""
    row = builders.group(gid, teacher, size=size, sessions=sessions, **kw)
    return row | ({} if interest is None else {"interest_id": interest})


def resident(rid: str, community: str = "C1", **kw: Any) -> dict:
    return dict(resident_id=rid, community_id=community, **kw)


def order(rid: str, iid: str, rank: int = 1, **kw: Any) -> dict:
    return dict(resident_id=rid, interest_id=iid, rank=rank, **kw)


def plan_problem(
    problem: Problem, interests: list[dict], residents: list[dict], orders: list[dict]
) -> PlanProblem:
    return PlanProblem(problem, interests, residents, orders)


def one_teachers_morning() -> PlanProblem:
    """T1 is free Monday 09:00-11:00, may take two new groups and teaches I1 and I2 (an hour
    each): eight residents of C1 ask for I1, eight for I2, and eight of C3 (11 km off) for I1, so
    T1 has a candidate far away too. The best plan gives both groups at V1, one after the other."""
    problem = district(
        [venue("V1"), venue("VF", "C3")],
        [teacher("T1", "I1;I2", max_groups=2)],
        [("T1", 1, "09:00", "11:00")],
    )
    residents = [resident(f"{c}{n}", "C3" if c == "F" else "C1") for c in "ABF" for n in range(8)]
    orders = [order(r["resident_id"], "I2" if r["resident_id"][0] == "B" else "I1") for r in residents]
    return plan_problem(problem, [interest("I1"), interest("I2")], residents, orders)
