"""Warnings: suspicious-but-usable inputs, each named in plain words, none for a sound district."""

from __future__ import annotations

from dataclasses import replace

import plan_builders as pb
from builders import FAR, district, group, venue

from kecheng.generate import generate
from kecheng.lint import lint, plan_lint
from kecheng.model import Problem


def sound(**changes) -> Problem:
    """One venue, one teacher, one group that fit together; a keyword replaces a table."""
    tables = dict(
        venues=[venue("V1", capacity=30, features="piano")],
        opening=[("V1", 1, "08:00", "12:00"), ("V1", 3, "08:00", "12:00")],
        teachers=["T1"],
        availability=[("T1", 1, "08:00", "12:00"), ("T1", 3, "09:00", "11:00")],
        groups=[group("G1", "T1", size=20, sessions=2, minutes=90, required_features="piano")],
    )
    return district(**(tables | changes))


def test_a_sound_district_has_no_warnings():
    assert lint(sound()) == []


def test_no_groups():
    assert lint(sound(groups=[])) == ["there are no interest groups: there is nothing to schedule"]


def test_group_larger_than_every_venue_within_its_walk():
    far = venue("V2", capacity=100, community="C2", lat=FAR[0], lon=FAR[1])
    problem = sound(venues=[venue("V1", capacity=30, features="piano"), far],
                    groups=[group("G1", "T1", size=45, required_features="piano")])  # fmt: skip
    assert lint(problem) == [
        "venue V2 has no opening hours, so nothing can be held there",
        "group G1: largest venue within 1000 m (V1) holds 30, group has 45; split the group or allow a "
        "longer walk",
    ]


def test_no_venue_within_walk_at_all():
    problem = sound(groups=[group("G1", "T1", community_id="C2")])
    assert lint(problem) == [
        "group G1: no venue within 1000 m of 远方社区 (C2); raise max_walk_m or add a venue nearby"
    ]


def test_required_features_that_no_venue_has():
    problem = sound(groups=[group("G1", "T1", required_features="kiln;piano")])
    assert lint(problem) == [
        "group G1: it needs kiln, which no venue has; add the feature to a venue or drop it"
    ]


def test_an_ordered_interest_needing_a_feature_no_venue_has():
    """As a group's: every order of it would end NO_VENUE, so staff hear before the plan runs.
    An interest nobody ordered, or one whose features some venue has, says nothing."""
    problem = pb.district(
        [pb.venue("V1", features="piano")], [pb.teacher("T1", "I1")], [("T1", 1, "09:00", "11:00")]
    )
    interests = [
        pb.interest("I1", required_features="kiln;piano;loom") | {"name": "陶艺"},
        pb.interest("I2", required_features="piano"),
        pb.interest("I3", required_features="kiln"),
    ]
    orders = [pb.order("A", "I1"), pb.order("A", "I2", rank=2)]
    pp = pb.plan_problem(problem, interests, [pb.resident("A")], orders)
    assert plan_lint(pp) == [
        "interest 陶艺 (I1): it needs kiln, loom, which no venue has; add the feature to a venue or drop it"
    ]
    assert plan_lint(pp, lang="zh") == [
        "兴趣项目 陶艺 (I1)：需要 kiln、loom，但没有任何场地具备；请给某个场地加上这项设施，或去掉这项要求"
    ]


def test_capacity_and_features_only_apart():
    venues = [venue("V1", capacity=30), venue("V2", capacity=10, features="piano")]
    opening = [("V1", 1, "08:00", "12:00"), ("V2", 1, "08:00", "12:00")]
    problem = sound(
        venues=venues, opening=opening, groups=[group("G1", "T1", size=20, required_features="piano")]
    )
    assert lint(problem) == [
        "group G1: 1 venue within 1000 m holds 20, but it lacks a required feature (piano): V1 lacks piano"
    ]


def test_teacher_without_availability():
    problem = sound(
        teachers=["T1", "T2", "T3"],
        availability=[("T1", 1, "08:00", "12:00")],
        groups=[group("G1", "T1"), group("G2", "T2"), group("G3", "T2")],
    )
    assert lint(problem) == [
        "teacher T2 has no availability rows, so the groups G2, G3 cannot be placed",
        "teacher T3 has no availability rows (and teaches no group)",
    ]


def test_venue_without_opening_hours():
    problem = sound(venues=[venue("V1", features="piano"), venue("V2"), venue("V3")])
    assert lint(problem) == ["venues V2, V3 have no opening hours, so nothing can be held there"]


def test_teacher_never_available_while_a_fitting_venue_is_open():
    problem = sound(availability=[("T1", 1, "13:00", "18:00"), ("T1", 3, "11:00", "12:30")])
    assert lint(problem) == [
        "group G1: teacher T1 is available Mon 13:00–18:00; Wed 11:00–12:30; no fitting venue (V1) is open "
        "90 min within those hours (e.g. V1: Mon 08:00–12:00; Wed 08:00–12:00)"
    ]


def test_common_time_on_too_few_weekdays():
    problem = sound(availability=[("T1", 1, "08:00", "12:00"), ("T1", 3, "11:00", "12:30")])
    assert lint(problem) == [
        "group G1: sessions must fall on different weekdays, and only 1 weekday (Mon) has a 90-minute "
        "stretch when teacher T1 and a fitting venue are both free; 2 sessions were asked for"
    ]


def test_common_time_respects_the_time_grid():
    """08:10–09:40 is 90 minutes, but no start on the 15-minute grid fits in it."""
    problem = sound(opening=[("V1", 1, "08:10", "09:40"), ("V1", 3, "08:00", "12:00")])
    assert "only 1 weekday (Wed)" in lint(problem)[0]


def test_teacher_limits():
    teachers = [dict(teacher_id="T1", name="王老师", max_sessions_per_week=2, max_sessions_per_day=1)]
    groups = [group("G1", "T1", sessions=2), group("G2", "T1", sessions=1)]
    assert lint(sound(teachers=teachers, groups=groups)) == [
        "teacher 王老师 (T1) teaches 3 sessions a week (G1, G2) but max_sessions_per_week is 2",
        "teacher 王老师 (T1) teaches 3 sessions a week (G1, G2) but is available on 2 weekdays "
        "at most 1 a day",
    ]


def test_more_sessions_than_the_teacher_has_weekdays():
    problem = sound(groups=[group("G1", "T1", sessions=3)])
    assert lint(problem) == [
        "group G1 meets 3 times a week, on different days, but its teacher T1 is available on "
        "only 2 weekdays (Monday, Wednesday)"
    ]


def test_many_ids_are_cut_short():
    venues = [venue("V1", features="piano")] + [venue(f"V{i}") for i in range(2, 10)]
    assert lint(sound(venues=venues)) == [
        "venues V2, V3, V4, V5, V6 and 3 more have no opening hours, so nothing can be held there"
    ]


def test_ten_thousand_groups_give_few_warnings():
    district_ = generate("district", seed=3)  # 1000 groups; ten copies of each make 10 000
    copies = [replace(g, group_id=f"{g.group_id}-{i}") for i in range(10) for g in district_.groups]
    problem = Problem(**{**dict(district_), "groups": tuple(copies), "members": ()})
    warnings = lint(problem)
    assert all(isinstance(w, str) and w for w in warnings)
    assert len(warnings) < len(problem.groups)
