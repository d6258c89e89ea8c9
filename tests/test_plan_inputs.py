"""Bad orders, residents and interests: every problem located at once (table, row, column, value)."""

from __future__ import annotations

import plan_builders as pb
import pytest

from kecheng.errors import InputError
from kecheng.planning import PlanProblem, plan_issues


def district():
    return pb.district([pb.venue("V1")], [pb.teacher("T1", "I1")], [("T1", 1, "09:00", "12:00")])


def located(issues):
    return {(i.table, i.index, i.column) for i in issues}


def test_every_problem_is_located_at_once():
    interests = [pb.interest("I1"), pb.interest("I2", min_size=12, max_size=10), pb.interest("I1")]
    residents = [pb.resident("R1"), pb.resident("R2", community="C9"), pb.resident("R1")]
    orders = [
        pb.order("R1", "I1", 1),
        pb.order("R1", "NOPE", 2),  # unknown interest
        pb.order("GHOST", "I1", 1),  # unknown resident
        pb.order("R2", "I1", 0),  # rank 0
        pb.order("R1", "I1", 3),  # the same interest twice
        pb.order("R2", "I2", 1, **{"with": "NOBODY"}),  # with an unknown resident
        pb.order("R2", "I2", 2, **{"with": "R2"}),  # with themselves (and I2 twice)
    ]
    issues = plan_issues(district(), interests, residents, orders)
    assert located(issues) == {
        ("interests", 1, "min_size"),
        ("interests", 2, "interest_id"),
        ("residents", 1, "community_id"),
        ("residents", 2, "resident_id"),
        ("orders", 1, "interest_id"),
        ("orders", 2, "resident_id"),
        ("orders", 3, "rank"),
        ("orders", 4, "interest_id"),
        ("orders", 5, "with"),
        ("orders", 6, "with"),
        ("orders", 6, "interest_id"),
    }
    by_place = {(i.table, i.index, i.column): i for i in issues}
    assert by_place["orders", 1, "interest_id"].value == "NOPE"
    assert "no such id in interests" in by_place["orders", 1, "interest_id"].message
    assert by_place["orders", 3, "rank"].value == 0
    assert "at least 1" in by_place["orders", 3, "rank"].message
    assert "max_size" in by_place["interests", 1, "min_size"].message
    assert "more than once" in by_place["orders", 4, "interest_id"].message


def test_bad_cells_are_located_too():
    interests = [dict(pb.interest("I1"), min_size="eight")]
    residents = [dict(pb.resident("R1"), available="mornings"), dict(pb.resident("R2"), max_walk_m=-5)]
    orders = [pb.order("R1", "I1", "first")]
    issues = plan_issues(district(), interests, residents, orders)
    assert ("interests", 0, "min_size") in located(issues)
    assert ("residents", 0, "available") in located(issues)
    assert ("residents", 1, "max_walk_m") in located(issues)
    assert ("orders", 0, "rank") in located(issues)


def test_teachers_and_groups_naming_unknown_interests():
    problem = pb.district(
        [pb.venue("V1")],
        [pb.teacher("T1", "I1;I7")],
        [("T1", 1, "09:00", "12:00")],
        groups=[pb.running_group("G1", "T1", "I8")],
    )
    issues = plan_issues(problem, [pb.interest("I1")], [], [])
    assert located(issues) == {("teachers", 0, "interests"), ("groups", 0, "interest_id")}


def test_plan_problem_raises_an_input_error_naming_rows():
    with pytest.raises(InputError) as caught:
        PlanProblem(district(), [pb.interest("I1")], [pb.resident("R1")], [pb.order("R1", "I9", 0)])
    text = str(caught.value)
    assert "orders" in text and "row 1" in text and "rank" in text and "I9" in text
    assert len(caught.value.problems) == 2


def test_a_valid_problem_has_no_issues():
    orders = [pb.order("R1", "I1", 1, **{"with": "R2"}), pb.order("R2", "I1", 1)]
    assert plan_issues(district(), [pb.interest("I1")], [pb.resident("R1"), pb.resident("R2")], orders) == []
