"""A city's bound part by part: parts are compact, cover every group once, and the sum of their
bounds is a valid bound — never below what a timetable places."""

from __future__ import annotations

from kecheng import check, generate, solve
from kecheng.candidates import Candidates
from kecheng.cpsat import SearchSettings
from kecheng.decompose import PartBounds, part_scope, parts
from kecheng.generate import weekly_change
from kecheng.greedy import greedy


def test_parts_cover_every_group_once_and_respect_the_size():
    problem = generate("district", 0, groups=250)
    cut = parts(problem, 80)
    flat = [g for part in cut for g in part]
    assert sorted(flat) == sorted(g.group_id for g in problem.groups)
    assert len(cut) >= 3
    # a part only exceeds the size when a single community holds more groups than that
    biggest_community = max(
        sum(g.community_id == c.community_id for g in problem.groups) for c in problem.communities
    )
    assert all(len(part) <= 80 + biggest_community for part in cut)


def test_a_part_keeps_only_its_own_groups_and_the_rules_among_them():
    problem = generate("district", 0, groups=250)
    candidates = Candidates(problem)
    part = parts(problem, 80)[0]
    scope = part_scope(problem, candidates, part)
    assert list(scope.options) == part and not scope.travel
    assert all(set(clique) <= set(part) and len(clique) > 1 for clique in scope.cliques)


def test_the_sum_of_the_parts_bounds_is_never_below_the_best_timetable():
    """Small enough for the whole-week model to prove its optimum; the parts relax it."""
    problem = generate("small", 2)
    whole = solve(problem, time_limit=20, workers=2)
    assert whole.status == "OPTIMAL"
    candidates = Candidates(problem)
    bounds = PartBounds(
        problem, candidates, SearchSettings(workers=2), previous=(), locked=(), hint=(), max_groups=20
    )
    assert len(bounds.cut) >= 3
    bounds.run(20, 20)
    assert whole.objective <= bounds.bound <= sum(candidates.upper_bound(p) for p in bounds.cut)


def test_above_max_part_groups_the_solve_is_valid_and_its_bound_holds():
    problem = generate("district", 0, groups=250)
    result = solve(problem, time_limit=10, workers=2, max_part_groups=80)
    assert result.model_size["parts"] >= 3
    assert check(problem, result.timetable) == []
    first_fit = greedy(problem)
    assert result.objective >= problem.placed_priority(first_fit)
    assert result.objective <= result.bound <= Candidates(problem).upper_bound()
    assert result.sessions_scheduled + len(result.unplaced) == problem.sessions_total


def test_a_city_keeps_last_week_and_reports_changes_and_terms():
    """Above max_part_groups, --previous means what it means below it: the same fields, the
    changed column, and a previous session that no longer fits simply moves (no lock error)."""
    week1 = generate("district", 0, groups=250)
    first = solve(week1, time_limit=6, workers=2, max_part_groups=80)
    week2 = weekly_change(week1, seed=1, new_share=0.05, closed_venues=3, changed_teachers=10)
    again = solve(week2, time_limit=6, workers=2, max_part_groups=80, previous=first.placements)
    assert check(week2, again.timetable) == []
    assert again.changes is not None and again.changes.kept > 0
    assert "changed" in again.timetable.columns
    summary = again.summary()
    assert summary["changes"]["kept"] == again.changes.kept
    assert summary["objective_terms"]["kept_from_previous"] > 0
    assert again.changes.moved + again.changes.dropped > 0  # closed venues displaced some sessions


def test_a_city_keeps_locks_exactly():
    problem = generate("district", 0, groups=250)
    locks = greedy(problem)[::25]
    result = solve(problem, time_limit=6, workers=2, max_part_groups=80, locked=locks)
    assert set(locks) <= set(result.placements)
    assert check(problem, result.timetable) == []
