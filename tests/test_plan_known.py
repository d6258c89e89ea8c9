"""Hand-made plans with a known answer: across a border, a clash, a pair, the bound, the baseline."""

from __future__ import annotations

import pandas as pd
import plan_builders as pb
import pytest

from kecheng.check import check
from kecheng.planning import greedy_plan, plan
from kecheng.timetable import Placement


def across_the_border():
    """7 residents of C1 and 1 of C2 (700 m away) ask for I1 (min 8); one teacher, one venue in C1."""
    problem = pb.district(
        [pb.venue("V1")],
        [pb.teacher("T1", "I1")],
        [("T1", 1, "09:00", "12:00")],
    )
    residents = [pb.resident(f"R{n}") for n in range(1, 8)] + [pb.resident("R8", "C2")]
    orders = [pb.order(f"R{n}", "I1") for n in range(1, 9)]
    return pb.plan_problem(problem, [pb.interest("I1")], residents, orders)


def test_one_group_opens_across_the_border():
    pp = across_the_border()
    result = plan(pp, time_limit=10, workers=1)
    assert len(result.new_groups) == 1
    group = result.new_groups[0]
    assert group.group_id.startswith("N")
    assert group.community_id == "C1"  # where most members live
    assert group.size == 8
    assert group.interest_id == "I1" and group.teacher_id == "T1"
    members = {m.member_id for m in result.new_members if m.group_id == group.group_id}
    assert members == {f"R{n}" for n in range(1, 9)}
    assert check(result.problem(), result.placements) == []
    timetable_violations, plan_violations = result.check()
    assert timetable_violations == [] and plan_violations == []
    assert list(result.assignments.group_id) == [group.group_id] * 8
    summary = result.summary()
    assert summary["orders_met"] == 8 and summary["bound_orders"] == 8 and summary["gap"] == 0.0
    assert summary["groups_opened"] == 1 and summary["first_choices_met_share"] == 1.0
    # the frames staff get
    groups = result.groups.set_index("group_id")
    assert groups.loc[group.group_id, "size"] == 8 and list(result.new_group_ids) == [group.group_id]
    members = result.memberships
    assert set(members[members.group_id == group.group_id].member_id) == {f"R{n}" for n in range(1, 9)}
    demand = result.demand.set_index(["interest_id", "community_id"])
    assert demand.loc[("I1", "C1"), ["orders", "met", "unmet"]].tolist() == [7, 7, 0]
    assert demand.loc[("I1", "C2"), ["orders", "met", "unmet"]].tolist() == [1, 1, 0]
    assert len(result.timetable) == 1 and result.unscheduled.empty


def test_the_staff_baseline_cannot_open_it():
    """By hand, per community: 7 in C1 and 1 in C2 are each below min_size 8."""
    result = greedy_plan(across_the_border())
    assert result.new_groups == ()
    assert set(result.assignments.reason) == {"SEARCH_LIMIT"}  # a group of 8 could open
    assert result.check() == ([], [])


def test_too_few_gives_below_min_with_how_many_are_missing():
    pp = across_the_border()
    smaller = pb.plan_problem(
        pp.problem,
        [pb.interest("I1")],
        [pb.resident(f"R{n}") for n in range(1, 6)],
        [pb.order(f"R{n}", "I1") for n in range(1, 6)],
    )
    result = plan(smaller, time_limit=5, workers=1)
    assert result.new_groups == ()
    assert set(result.assignments.reason) == {"BELOW_MIN"}
    assert all("还差 3 人开班" in d for d in result.assignments.detail)
    assert result.summary()["bound_orders"] == 0
    row = result.demand.set_index(["interest_id", "community_id"]).loc[("I1", "C1")]
    assert row["closest_group"] == "" and row["lacks"] == 3 and "(还差 3 人开班)" in row["would_open"]


def test_demand_leaves_lacks_empty_where_no_group_is_counted():
    """I2 has no teacher: its row names the missing teacher and counts no residents (not 0)."""
    pp = across_the_border()
    taught_by_nobody = pb.plan_problem(
        pp.problem,
        [pb.interest("I1"), pb.interest("I2")],
        list(pp.residents),
        [*pp.orders, pb.order("R1", "I2", rank=2), pb.order("R2", "I2", rank=2)],
    )
    result = plan(taught_by_nobody, time_limit=5, workers=1)
    demand = result.demand.set_index(["interest_id", "community_id"])
    assert demand.loc[("I1", "C1"), "met"] == 7 and demand.loc[("I1", "C1"), "lacks"] is pd.NA
    row = demand.loc[("I2", "C1")]
    assert row["main_reason"] == "NO_TEACHER" and row["lacks"] is pd.NA and "I2" in row["would_open"]
    assert str(demand["lacks"].dtype) == "Int64"


def clashing_first_choices():
    """X orders A (rank 1) and B (rank 2); both can only meet Mon 09:00-10:00; 8 others order each."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V2")],
        [pb.teacher("TA", "A"), pb.teacher("TB", "B")],
        [("TA", 1, "09:00", "10:00"), ("TB", 1, "09:00", "10:00")],
    )
    a_people = [f"A{n}" for n in range(1, 9)]
    b_people = [f"B{n}" for n in range(1, 9)]
    residents = [pb.resident(r) for r in ["X", *a_people, *b_people]]
    orders = [pb.order("X", "A", 1), pb.order("X", "B", 2)]
    orders += [pb.order(r, "A") for r in a_people] + [pb.order(r, "B") for r in b_people]
    return pb.plan_problem(problem, [pb.interest("A"), pb.interest("B")], residents, orders)


def test_clashing_choices_get_the_better_one_and_time_clash_for_the_other():
    result = plan(clashing_first_choices(), time_limit=10, workers=1)
    frame = result.assignments.set_index(["resident_id", "interest_id"])
    assert len(result.new_groups) == 2
    a_group = frame.loc[("X", "A"), "group_id"]
    assert a_group.startswith("N")
    assert frame.loc[("X", "B"), "group_id"] == ""
    assert frame.loc[("X", "B"), "reason"] == "TIME_CLASH"
    assert a_group in frame.loc[("X", "B"), "detail"]
    assert result.check() == ([], [])


def test_with_pairs_are_kept_together():
    """Two groups of 8 must open (Mon and Tue); the pair P1-P2 ends in the same one."""
    problem = pb.district(
        [pb.venue("V1")],
        [pb.teacher("T1", "I"), pb.teacher("T2", "I")],
        [("T1", 1, "09:00", "10:00"), ("T2", 2, "09:00", "10:00")],
    )
    people = [f"P{n}" for n in range(1, 17)]
    orders = [pb.order(p, "I") for p in people]
    orders[0]["with"] = "P2"
    orders[1]["with"] = "P1"
    # P1 can come only on Monday; P2 any day: together means both on Monday
    residents = [pb.resident("P1", available="1@08:00-12:00")] + [pb.resident(p) for p in people[1:]]
    pp = pb.plan_problem(problem, [pb.interest("I", min_size=8, max_size=8)], residents, orders)
    result = plan(pp, time_limit=10, workers=1)
    frame = result.assignments.set_index("resident_id")
    assert len(result.new_groups) == 2
    assert frame.loc["P1", "group_id"] == frame.loc["P2", "group_id"] != ""
    assert result.summary()["objective"]["together"] == 1
    assert result.check() == ([], [])


def test_running_group_with_a_seat_is_joined_and_kept_in_place():
    problem = pb.district(
        [pb.venue("V1", capacity=12)],
        [pb.teacher("T1", "I1", max_groups=0)],
        [("T1", 3, "14:00", "16:00")],
        groups=[pb.running_group("G1", "T1", "I1", size=10, name="剪纸班")],
        members=[(f"M{n}", "G1") for n in range(1, 11)],
    )
    timetable = [Placement("G1", 1, "V1", "T1", 3, 14 * 60, 15 * 60)]
    residents = [pb.resident(f"R{n}") for n in range(1, 5)]
    orders = [pb.order(f"R{n}", "I1") for n in range(1, 5)]
    pp = pb.plan_problem(problem, [pb.interest("I1", min_size=8, max_size=20)], residents, orders)
    result = plan(pp, timetable, time_limit=5, workers=1)
    assert result.new_groups == ()  # the only teacher has no new group left
    frame = result.assignments
    assert (frame.group_id == "G1").sum() == 2  # the venue holds 12: two seats, not ten
    assert set(frame.reason[frame.group_id == ""]) == {"FULL"}
    assert timetable[0] in result.placements
    g1 = result.problem().group["G1"]
    assert g1.size == 12
    assert result.check() == ([], [])


@pytest.mark.parametrize("make", [across_the_border, clashing_first_choices])
def test_every_order_has_one_row(make):
    pp = make()
    result = plan(pp, time_limit=5, workers=1)
    frame = result.assignments
    assert len(frame) == len(pp.orders)
    assert list(zip(frame.resident_id, frame.interest_id, strict=True)) == [
        (o.resident_id, o.interest_id) for o in pp.orders
    ]
    assert all((g == "") == (r != "") for g, r in zip(frame.group_id, frame.reason, strict=True))


def test_replan_moves_only_running_groups_nobody_joined():
    """G1 lacks its second session; with replan, the week is re-solved: G1 gets it, the new group
    and G2 (which a resident joins) stay exactly where the plan put them."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V2")],
        [pb.teacher("T1", "I1"), pb.teacher("T2", "I2", max_groups=0)],
        [("T1", 1, "09:00", "12:00"), ("T1", 2, "09:00", "12:00"), ("T2", 3, "09:00", "10:00")],
        groups=[
            pb.running_group("G1", "T1", sessions=2),
            pb.running_group("G2", "T2", "I2"),
        ],
    )
    timetable = [
        Placement("G1", 1, "V1", "T1", 1, 9 * 60, 10 * 60),
        Placement("G2", 1, "V2", "T2", 3, 540, 600),
    ]
    residents = [pb.resident(f"R{n}") for n in range(1, 9)]
    orders = [pb.order(f"R{n}", "I1") for n in range(1, 9)] + [pb.order("R1", "I2", 2)]
    pp = pb.plan_problem(problem, [pb.interest("I1"), pb.interest("I2")], residents, orders)
    kept = plan(pp, timetable, time_limit=8, workers=1)
    assert [p.group_id for p in kept.placements].count("G1") == 1
    moved = plan(pp, timetable, time_limit=8, workers=1, replan=True)
    assert [p.group_id for p in moved.placements].count("G1") == 2
    assert len(moved.new_groups) == 1 and moved.problem().group["G2"].size == 6
    new = {p for p in moved.placements if p.group_id.startswith("N")}
    assert new == set(moved.new_placements)
    assert timetable[1] in moved.placements  # G2 gained a member: kept exactly
    assert moved.check() == ([], [])
    assert moved.unscheduled.empty and not kept.unscheduled.empty


def test_a_teacher_walking_from_a_far_venue_still_gets_the_group():
    """T1 runs G1 in C3 (11 km away) Monday 09:00-10:00 and is free only on Mondays; eight residents
    of C1 ask for I1. Starts before 09:00 or soon after 10:00 leave no time for the walk (about
    three hours at 4 km/h): the group must open in the afternoon, not at the first round hour."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("VF", community="C3")],
        [pb.teacher("T1", "I1")],
        [("T1", 1, "08:00", "21:00")],
        groups=[pb.running_group("G1", "T1", community_id="C3", size=5)],
    )
    timetable = [Placement("G1", 1, "VF", "T1", 1, 9 * 60, 10 * 60)]
    residents = [pb.resident(f"R{n}") for n in range(1, 9)]
    orders = [pb.order(f"R{n}", "I1") for n in range(1, 9)]
    pp = pb.plan_problem(problem, [pb.interest("I1")], residents, orders)
    result = plan(pp, timetable, time_limit=10, workers=1)
    assert len(result.new_groups) == 1
    (session,) = [p for p in result.placements if p.group_id == result.new_groups[0].group_id]
    walk = pp.problem.travel_min("VF", "V1")
    assert session.venue_id == "V1" and session.weekday == 1 and session.start >= 10 * 60 + walk
    assert result.summary()["orders_met"] == 8
    assert result.check() == ([], [])


def test_a_teacher_gives_two_groups_one_after_the_other_at_one_venue():
    """``pb.one_teachers_morning``: both of T1's groups at V1, 09:00 and 10:00, meet all sixteen
    orders of C1. The far candidate must not keep T1 from staying at V1 (the walk counts only
    between sessions at two venues), and the two interests' candidates must not all start at 09:00."""
    result = plan(pb.one_teachers_morning(), time_limit=10, workers=1)
    sessions = sorted((p.start, p.venue_id) for p in result.placements if p.teacher_id == "T1")
    assert sessions == [(9 * 60, "V1"), (10 * 60, "V1")]
    assert result.summary()["orders_met"] == 16
    assert result.check() == ([], [])
