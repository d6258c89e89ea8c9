"""Properties of plan() and the staff baseline on random small districts with orders.

Whatever the district: every order appears once in the assignments, with a group or a reason;
the planned week passes ``kecheng.check`` and the plan's own rules (``check_plan``); every new
group is complete and within its sizes; the proven bound is never below what is met.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kecheng.check import check
from kecheng.model import Problem
from kecheng.planning import PlanProblem, check_plan, greedy_plan, plan
from kecheng.planning.reasons import REASONS
from kecheng.timetable import Placement

BASE = (31.2304, 121.4737)
STEP = 0.003  # about 330 m
FEATURES = ("piano", "mirror")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def plan_problems(draw: st.DrawFn) -> tuple[PlanProblem, list[Placement]]:
    communities = [
        dict(
            community_id=f"C{n}",
            name=f"C{n}",
            street="S",
            lat=BASE[0] + STEP * draw(st.integers(-2, 2)),
            lon=BASE[1] + STEP * draw(st.integers(-2, 2)),
        )
        for n in range(1, draw(st.integers(1, 3)) + 1)
    ]
    venues, opening = [], []
    for n in range(1, draw(st.integers(1, 3)) + 1):
        vid = f"V{n}"
        venues.append(
            dict(
                venue_id=vid,
                name=vid,
                community_id=draw(st.sampled_from(communities))["community_id"],
                capacity=draw(st.integers(6, 30)),
                features=";".join(draw(st.sets(st.sampled_from(FEATURES)))),
            )
        )
        for day in sorted(draw(st.sets(st.integers(1, 7), min_size=1, max_size=4))):
            begin = draw(st.integers(8 * 4, 14 * 4)) * 15
            opening.append((vid, day, begin, min(begin + draw(st.integers(8, 32)) * 15, 22 * 60)))
    interests = []
    for n in range(1, draw(st.integers(1, 3)) + 1):
        low = draw(st.integers(2, 3))
        interests.append(
            dict(
                interest_id=f"I{n}",
                name=f"I{n}",
                category="arts",
                min_size=low,
                max_size=draw(st.integers(low, 8)),
                sessions_per_week=draw(st.integers(1, 2)),
                duration_min=draw(st.sampled_from([60, 90])),
                required_features=draw(st.sampled_from(["", "", "piano"])),
            )
        )
    ids = [i["interest_id"] for i in interests]
    teachers, availability = [], []
    for n in range(1, draw(st.integers(1, 3)) + 1):
        tid = f"T{n}"
        teachers.append(
            dict(
                teacher_id=tid,
                name=tid,
                interests=";".join(draw(st.sets(st.sampled_from(ids), min_size=1))),
                max_groups=draw(st.sampled_from([0, 1, 2, None])),
                max_sessions_per_day=draw(st.sampled_from([None, 1, 2])),
            )
        )
        for day in sorted(draw(st.sets(st.integers(1, 7), min_size=1, max_size=4))):
            begin = draw(st.integers(8 * 4, 14 * 4)) * 15
            availability.append((tid, day, begin, min(begin + draw(st.integers(8, 32)) * 15, 22 * 60)))
    residents = []
    for n in range(1, draw(st.integers(2, 16)) + 1):
        residents.append(
            dict(
                resident_id=f"R{n:02d}",
                community_id=draw(st.sampled_from(communities))["community_id"],
                max_walk_m=draw(st.sampled_from([300.0, 1000.0, 2000.0])),
                max_groups=draw(st.integers(1, 3)),
                available=draw(
                    st.sampled_from(
                        ["", "", "", "morning", "afternoon;evening", "1@08:00-12:00;3@14:00-20:00"]
                    )
                ),
            )
        )
    # running groups: each on its own weekday (so members never clash), slot opened for it
    groups, members, timetable = [], [], []
    teacher_ids = [t["teacher_id"] for t in teachers]
    for n, day in enumerate(sorted(draw(st.sets(st.integers(1, 7), max_size=2))), start=1):
        venue = draw(st.sampled_from(venues))
        tid = draw(st.sampled_from(teacher_ids))
        start = draw(st.integers(8 * 4, 18 * 4)) * 15
        interest = draw(st.sampled_from(interests))
        size = draw(st.integers(1, min(venue["capacity"], interest["max_size"])))
        gid = f"G{n}"
        groups.append(
            dict(
                group_id=gid,
                name=gid,
                category="arts",
                community_id=venue["community_id"],
                size=size,
                sessions_per_week=1,
                duration_min=60,
                teacher_id=tid,
                interest_id=interest["interest_id"],
                max_walk_m=5000.0,
            )
        )
        opening.append((venue["venue_id"], day, start, start + 60))
        availability.append((tid, day, start, start + 60))
        timetable.append(Placement(gid, 1, venue["venue_id"], tid, day, start, start + 60))
        for r in draw(st.sets(st.sampled_from([r["resident_id"] for r in residents]), max_size=size)):
            members.append(dict(member_id=r, group_id=gid))
    orders = []
    for r in residents:
        chosen = draw(
            st.lists(
                st.sampled_from(ids),
                unique=True,
                min_size=draw(st.sampled_from([0, 1, 1, 1])),
                max_size=len(ids),
            )
        )
        for rank, interest_id in enumerate(chosen, start=1):
            orders.append(dict(resident_id=r["resident_id"], interest_id=interest_id, rank=rank))
    if len(orders) >= 2 and draw(st.booleans()):
        a, b = orders[0], next((o for o in orders if o["resident_id"] != orders[0]["resident_id"]), None)
        if b is not None:
            a["with"] = b["resident_id"]
    problem = Problem(
        communities=communities,
        venues=venues,
        opening_hours=[
            dict(venue_id=v, weekday=d, open=_clock(a), close=_clock(b)) for v, d, a, b in opening
        ],
        teachers=teachers,
        availability=[
            dict(teacher_id=t, weekday=d, start=_clock(a), end=_clock(b)) for t, d, a, b in availability
        ],
        groups=groups,
        members=members,
    )
    return PlanProblem(problem, interests, residents, orders), timetable


def _holds(pp: PlanProblem, timetable: list[Placement], result) -> None:
    frame = result.assignments
    assert len(frame) == len(pp.orders)
    assert list(zip(frame.resident_id, frame.interest_id, strict=True)) == [
        (o.resident_id, o.interest_id) for o in pp.orders
    ]
    for group_id, reason in zip(frame.group_id, frame.reason, strict=True):
        assert (group_id == "") == (reason != "")
        assert reason == "" or reason in REASONS
    problem = result.problem()
    assert check(problem, result.placements) == []
    assert check_plan(pp, timetable, problem, result.placements) == []
    placed: dict[str, int] = {}
    for p in result.placements:
        placed[p.group_id] = placed.get(p.group_id, 0) + 1
    for g in result.new_groups:
        interest = pp.interest[g.interest_id]
        assert interest.min_size <= g.size <= interest.max_size
        assert placed[g.group_id] == g.sessions_per_week == interest.sessions_per_week
        assert all(
            problem.venue[p.venue_id].capacity >= g.size
            for p in result.placements
            if p.group_id == g.group_id
        )
    summary = result.summary()
    if summary["bound"] is not None:
        assert result.bound.points >= summary["objective"]["orders_points"]
        assert result.bound.orders >= summary["orders_met"]


def _running_kept(timetable, result):
    assert all(p in result.placements for p in timetable)


@SETTINGS
@given(plan_problems())
def test_plan_keeps_every_rule(case):
    pp, timetable = case
    if check(pp.problem, timetable):  # the drawn running timetable must be valid to start from
        event("invalid running timetable")
        return
    result = plan(pp, timetable, time_limit=3, workers=1)
    event(f"new groups: {min(len(result.new_groups), 2)}, joins: {min(len(result.outcome.joins), 1)}")
    _holds(pp, timetable, result)
    _running_kept(timetable, result)


@SETTINGS
@given(plan_problems())
def test_staff_baseline_keeps_every_rule(case):
    pp, timetable = case
    if check(pp.problem, timetable):
        return
    result = greedy_plan(pp, timetable, bound=True)
    _holds(pp, timetable, result)
    _running_kept(timetable, result)
