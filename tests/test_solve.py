"""The CP-SAT model on instances whose optimum is known by hand."""

from __future__ import annotations

import pytest
from builders import district, group, venue

from kecheng import OptionError, check, generate, solve
from kecheng.candidates import Candidates, start_spans
from kecheng.greedy import greedy

MORNING = [("V1", 1, "08:00", "12:00")]


def one_venue_too_few():
    """One venue, one morning of 4 hours, three 2-hour groups: room for exactly two."""
    return district(
        venues=[venue("V1")],
        opening=MORNING,
        teachers=["T1", "T2", "T3"],
        availability=[(t, 1, "08:00", "12:00") for t in ("T1", "T2", "T3")],
        groups=[
            group("G1", "T1", minutes=120),
            group("G2", "T2", minutes=120, priority=3),
            group("G3", "T3", minutes=120),
        ],
    )


def test_one_venue_too_few_places_exactly_two_and_proves_it():
    problem = one_venue_too_few()
    result = solve(problem, time_limit=10, workers=1)
    assert result.status == "OPTIMAL"
    assert result.sessions_scheduled == 2
    assert result.objective == 4  # G2 (priority 3) and one of G1/G3
    assert result.bound == pytest.approx(4)
    assert "G2" in set(result.timetable.group_id)
    assert check(problem, result.timetable) == []
    [unplaced] = result.unplaced
    assert unplaced.reason == "CROWDED_OUT"
    assert "V1" in unplaced.detail


def test_sessions_of_a_group_fall_on_different_days_and_members_never_clash():
    problem = district(
        venues=[venue("V1"), venue("V2")],
        opening=[(v, d, "08:00", "10:00") for v in ("V1", "V2") for d in (1, 2, 3)],
        teachers=["T1", "T2"],
        availability=[(t, d, "08:00", "10:00") for t in ("T1", "T2") for d in (1, 2, 3)],
        groups=[group("G1", "T1", sessions=3, minutes=120), group("G2", "T2", sessions=3, minutes=120)],
        members=[("M1", "G1"), ("M1", "G2")],
    )
    result = solve(problem, time_limit=10, workers=1)
    # Two venues, but a shared member: each morning holds one of the two groups only.
    assert result.sessions_scheduled == 3
    assert result.status == "OPTIMAL"
    assert check(problem, result.timetable) == []
    assert not result.timetable.duplicated(["group_id", "weekday"]).any()


def test_teacher_limits_cap_what_is_placed():
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", d, "08:00", "20:00") for d in range(1, 8)],
        teachers=[dict(teacher_id="T1", name="王老师", max_sessions_per_week=3, max_sessions_per_day=1)],
        availability=[("T1", d, "08:00", "20:00") for d in range(1, 8)],
        groups=[group("G1", "T1", sessions=2), group("G2", "T1", sessions=2)],
    )
    result = solve(problem, time_limit=10, workers=1)
    assert result.sessions_scheduled == 3
    assert result.status == "OPTIMAL"
    assert check(problem, result.timetable) == []
    assert [u.reason for u in result.unplaced] == ["TEACHER_LIMIT"]
    assert "weekly maximum" in result.unplaced[0].detail


def test_no_venue_fits_says_which_filter_emptied_the_list():
    problem = district(
        venues=[venue("V1", capacity=30), venue("V2", capacity=60, features="piano", community="C2")],
        opening=[("V1", 1, "08:00", "12:00"), ("V2", 1, "08:00", "12:00")],
        teachers=["T1"],
        availability=[("T1", 1, "08:00", "12:00")],
        groups=[group("G1", "T1", size=45), group("G2", "T1", required_features="piano")],
    )
    result = solve(problem, time_limit=5, workers=1)
    reasons = {u.group_id: u for u in result.unplaced}
    assert reasons["G1"].reason == "NO_VENUE_FITS"
    assert "holds 30, group has 45" in reasons["G1"].detail
    assert reasons["G2"].reason == "NO_VENUE_FITS"
    assert "lacks piano" in reasons["G2"].detail
    assert result.sessions_scheduled == 0


def test_no_common_time_between_teacher_and_venue():
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", 2, "08:00", "12:00"), ("V1", 3, "08:00", "12:00")],
        teachers=["T1", "T2"],
        availability=[("T1", 1, "08:00", "12:00"), ("T2", 2, "08:00", "12:00"), ("T2", 3, "08:00", "12:00")],
        groups=[group("G1", "T1"), group("G2", "T2", sessions=3)],
    )
    result = solve(problem, time_limit=5, workers=1)
    by_group = {}
    for u in result.unplaced:
        by_group.setdefault(u.group_id, []).append(u)
    assert [u.reason for u in by_group["G1"]] == ["NO_COMMON_TIME"]
    assert "Mon 08:00–12:00" in by_group["G1"][0].detail
    # G2 meets Tue and Wed; a third weekday does not exist for it.
    assert [(u.session, u.reason) for u in by_group["G2"]] == [(3, "NO_COMMON_TIME")]
    assert result.sessions_scheduled == 2


def test_walking_distance_excludes_far_venues():
    problem = district(
        venues=[venue("V1", community="C2")],
        opening=MORNING,
        teachers=["T1"],
        availability=[("T1", 1, "08:00", "12:00")],
        groups=[group("G1", "T1"), group("G2", "T1", max_walk_m=20_000)],
    )
    result = solve(problem, time_limit=5, workers=1)
    assert list(result.timetable.group_id) == ["G2"]
    assert [u.reason for u in result.unplaced] == ["NO_VENUE_FITS"]
    assert "no venue within 1000 m" in result.unplaced[0].detail


def test_empty_district_solves_to_nothing_cleanly():
    problem = district(venues=[], opening=[], teachers=[], availability=[], groups=[])
    result = solve(problem, time_limit=5, workers=1)
    assert result.status == "OPTIMAL"
    assert result.sessions_total == 0
    assert result.timetable.empty and result.unscheduled.empty


def test_start_times_stay_on_the_grid_and_inside_the_window():
    assert start_spans([(8 * 60 + 10, 10 * 60)], 60, 15) == ((33, 36),)  # 08:15 … 09:00
    assert start_spans([(8 * 60, 8 * 60 + 45)], 60, 15) == ()


def test_greedy_is_valid_and_never_better_than_cp_sat():
    problem = one_venue_too_few()
    first_fit = greedy(problem)
    assert check(problem, first_fit) == []
    assert len(first_fit) == 2
    assert solve(problem, time_limit=5, workers=1).objective >= sum(
        problem.group[p.group_id].priority for p in first_fit
    )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"time_limit": -5}, "time limit"),
        ({"time_limit": 0}, "time limit"),
        ({"time_limit": float("nan")}, "time limit"),
        ({"time_limit": float("inf")}, "time limit"),
        ({"time_limit": "10"}, "time limit"),
        ({"workers": -3}, "workers"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_options_no_solve_can_honour_are_refused(options, words):
    with pytest.raises(OptionError, match=words):
        solve(one_venue_too_few(), **options)


def test_a_week_where_first_fit_places_everything_is_proven_optimal_at_once():
    """Two groups, room for both: the bound from the candidates equals what first fit places."""
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", d, "08:00", "20:00") for d in range(1, 8)],
        teachers=["T1", "T2"],
        availability=[(t, d, "08:00", "20:00") for t in ("T1", "T2") for d in range(1, 8)],
        groups=[group("G1", "T1", sessions=3, priority=2), group("G2", "T2", sessions=2)],
    )
    result = solve(problem, time_limit=30, workers=1)
    assert result.status == "OPTIMAL"
    assert result.objective == result.bound == 8 == Candidates(problem).upper_bound()


def test_the_bound_lies_between_the_objective_and_what_the_candidates_allow():
    problem = generate("small", 3)
    result = solve(problem, time_limit=3, workers=2)
    assert result.objective <= result.bound <= Candidates(problem).upper_bound()
    assert result.gap >= 0
    assert check(problem, result.timetable) == []


def test_the_candidates_bound_counts_only_usable_weekdays_and_teacher_limits():
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", d, "08:00", "20:00") for d in (1, 2)],
        teachers=[dict(teacher_id="T1", name="王", max_sessions_per_week=3), "T2"],
        availability=[("T1", d, "08:00", "20:00") for d in (1, 2)] + [("T2", 1, "08:00", "20:00")],
        groups=[
            group("G1", "T1", sessions=3, priority=5),  # two usable weekdays: 2 sessions at most
            group("G2", "T1", sessions=2, priority=1),  # the weekly limit of 3 leaves one of these
            group("G3", "T2", sessions=2, priority=2),  # T2 comes on Monday only: 1 session
        ],
    )
    assert Candidates(problem).upper_bound() == 5 * 2 + 1 + 2


def test_every_path_reports_the_same_fields():
    problem = generate("district", 0, groups=120)
    whole = solve(problem, time_limit=4, workers=2)
    parts = solve(problem, time_limit=4, workers=2, max_part_groups=50)
    assert parts.model_size["parts"] >= 2
    assert set(whole.timings) == set(parts.timings)
    assert set(whole.summary()) == set(parts.summary())
    assert whole.terms.keys() == parts.terms.keys() and parts.terms["placed_priority"] == parts.objective
