"""suggest: running groups with a free seat that a resident can walk to and attend without a clash."""

from __future__ import annotations

from dataclasses import replace

import plan_builders as pb
import pytest

from kecheng.model import Problem
from kecheng.planning import SuggestIndex, suggest
from kecheng.timetable import Placement


def group(gid: str, interest: str, community: str, teacher: str, size: int = 10, **kw) -> dict:
    return dict(
        group_id=gid,
        name=gid,
        category="arts",
        community_id=community,
        size=size,
        sessions_per_week=1,
        duration_min=60,
        teacher_id=teacher,
        interest_id=interest,
        max_walk_m=20000.0,
        **kw,
    )


def case():
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V3", community="C3")],
        [pb.teacher("T1", "I1"), pb.teacher("T2", "I1"), pb.teacher("T3", "I2")],
        [("T1", 1, "09:00", "10:00"), ("T2", 2, "09:00", "10:00"), ("T3", 1, "09:00", "10:00")],
        groups=[
            group("G1", "I1", "C1", "T1"),
            group("G2", "I1", "C3", "T2"),
            group("G3", "I2", "C1", "T3", size=1, max_size=1),
            group("G4", "I1", "C1", "T1", size=20),  # full (max_size 20 from the interest)
        ],
        members=[("R2", "G3"), ("R4", "G2")],
    )
    timetable = [
        Placement("G1", 1, "V1", "T1", 1, 9 * 60, 10 * 60),
        Placement("G2", 1, "V3", "T2", 2, 9 * 60, 10 * 60),
        Placement("G3", 1, "V1", "T3", 3, 9 * 60, 10 * 60),
        Placement("G4", 1, "V1", "T1", 4, 9 * 60, 10 * 60),
    ]
    residents = [
        pb.resident("R1"),  # free, near G1
        pb.resident("R2"),  # in G3 (Wed 09:00): no clash with G1 (Mon)
        pb.resident("R3", available="afternoon"),  # G1 meets in the morning
        pb.resident("R4"),  # already in a group of I1 (G2)
        pb.resident("R5", max_groups=0),  # no room
    ]
    orders = [pb.order(r, "I1") for r in ("R1", "R2", "R3", "R4", "R5")]
    pp = pb.plan_problem(problem, [pb.interest("I1"), pb.interest("I2")], residents, orders)
    return pp, timetable


def test_a_resident_gets_the_groups_they_can_join():
    pp, timetable = case()
    assert list(suggest(pp, timetable, "R1").group_id) == ["G1"]  # G2 is 11 km away, G4 full, G3 no seat
    assert list(suggest(pp, timetable, "R2").group_id) == ["G1"]
    assert suggest(pp, timetable, "R3").empty  # not available in the morning
    assert suggest(pp, timetable, "R4").empty  # does I1 already
    assert suggest(pp, timetable, "R5").empty  # no room for another group
    row = suggest(pp, timetable, "R1").iloc[0]
    assert row.free_seats == 10 and row.ordered_rank == 1 and row.walk_m == 0
    assert "Mon 09:00" in row.when


def test_a_clash_with_their_own_group_is_left_out():
    pp, timetable = case()
    moved = [
        p if p.group_id != "G3" else Placement("G3", 1, "V1", "T3", 1, 9 * 60, 10 * 60) for p in timetable
    ]
    assert suggest(pp, moved, "R2").empty


def test_by_interest_and_community():
    pp, timetable = case()
    index = SuggestIndex(pp, timetable)
    assert list(suggest(pp, timetable, interest_id="I1", community_id="C1", index=index).group_id) == ["G1"]
    assert list(index.for_community("I1", "C3").group_id) == ["G2"]
    with pytest.raises(ValueError):
        suggest(pp, timetable)
    with pytest.raises(ValueError):
        suggest(pp, timetable, "NOBODY")


def test_a_plain_problem_works_for_members_with_a_known_max_size():
    pp, timetable = case()
    # without residents.csv: members stand at their group's community, walk 1000 m, any time;
    # only groups with their own max_size have known seats
    assert list(suggest(pp.problem, timetable, "R2").group_id) == []
    groups = tuple(replace(g, max_size=12) if g.group_id == "G1" else g for g in pp.problem.groups)
    plain = Problem(
        **({name: getattr(pp.problem, name) for name in Problem.model_fields} | {"groups": groups})
    )
    found = suggest(plain, timetable, "R2")
    assert list(found.group_id) == ["G1"] and list(found.free_seats) == [2]
