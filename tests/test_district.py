"""One district's solve: proven at first fit in a loose week, the bound model's proof elsewhere."""

from __future__ import annotations

from builders import district, group, venue

from kecheng import Weights, check, generate
from kecheng.candidates import Candidates
from kecheng.cpsat import SearchSettings
from kecheng.cpsat.bound import BoundSearch, travel_terms
from kecheng.district import solve_district
from kecheng.greedy import greedy
from kecheng.timetable import in_group_order


def loose_week():
    return district(
        venues=[venue("V1"), venue("V2")],
        opening=[(v, d, "08:00", "21:00") for v in ("V1", "V2") for d in range(1, 8)],
        teachers=["T1", "T2"],
        availability=[(t, d, "08:00", "21:00") for t in ("T1", "T2") for d in range(1, 8)],
        groups=[group(f"G{i}", f"T{1 + i % 2}", sessions=2) for i in range(6)],
    )


def test_a_loose_week_is_proven_at_first_fit_without_a_whole_week_model():
    problem = loose_week()
    candidates = Candidates(problem)
    outcome = solve_district(
        problem, candidates, SearchSettings(time_limit=30, workers=2), ceiling=candidates.upper_bound()
    )
    assert outcome.status == "OPTIMAL" and outcome.bound == problem.sessions_total
    assert outcome.timings["build_s"] == 0 and "day_vars" not in outcome.model_size
    assert outcome.progress[0].source == "first-fit"
    assert check(problem, outcome.placements) == []


def test_the_bound_model_proves_the_optimum_of_a_small_district():
    problem = generate("small", 2)
    candidates = Candidates(problem)
    first = greedy(problem, candidates)
    search = BoundSearch(
        problem, candidates, SearchSettings(workers=2), previous=(), locked=(), hint=first,
        ceiling=candidates.upper_bound(),
    )  # fmt: skip
    search.run(20, 20)
    assert search.travel  # a small district's travel pairs are few: modelled, so its timetable is valid
    assert search.status == "OPTIMAL" and search.best_objective == search.bound
    numbered = in_group_order((g.group_id for g in problem.groups), search.best)  # decoded unnumbered
    assert check(problem, numbered) == []


def test_travel_terms_count_the_venue_pairs_of_a_teachers_groups_on_one_day():
    problem = district(
        venues=[venue("V1"), venue("V2"), venue("V3")],
        opening=[(v, 1, "08:00", "12:00") for v in ("V1", "V2", "V3")],
        teachers=["T1"],
        availability=[("T1", 1, "08:00", "12:00")],
        groups=[group("G1", "T1"), group("G2", "T1")],
    )
    assert travel_terms(problem, Candidates(problem)) == 3 * 3


def test_polish_earns_soft_points_without_losing_a_session():
    problem = generate("small", 4)
    candidates = Candidates(problem)
    settings = SearchSettings(time_limit=6, workers=2, weights=Weights(preference=10))
    outcome = solve_district(problem, candidates, settings, ceiling=candidates.upper_bound())
    first = problem.placed_priority(outcome.first_fit)
    assert problem.placed_priority(outcome.placements) >= first
    assert check(problem, outcome.placements) == []
