"""Part-by-part solving: parts are compact, cover every group once, and the merged
timetable is valid across the borders between parts."""

from __future__ import annotations

from collections import defaultdict

from kecheng import check, decompose, generate, solve
from kecheng.candidates import Candidates
from kecheng.decompose import _CityIndex, parts
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


def test_a_part_carries_only_what_touches_it():
    problem = generate("district", 0, groups=250)
    options = Candidates(problem).options
    current = defaultdict(list)
    for p in greedy(problem):
        current[p.group_id].append(p)
    part = set(parts(problem, 80)[0])
    sub, locks = _CityIndex(problem, current).subproblem(part, options)
    usable = {v for g in part for v in options[g].venues}
    assert {v.venue_id for v in sub.venues} == usable | {p.venue_id for p in locks}
    assert len(sub.venues) < len(problem.venues)
    locked = {p.group_id for p in locks}
    assert locked and not locked & part
    teachers = {problem.group[g].teacher_id for g in part}
    for g in problem.groups:  # every placed outside group sharing a teacher is held in place
        if g.group_id not in part and current[g.group_id] and g.teacher_id in teachers:
            assert g.group_id in locked
    assert {g.group_id for g in sub.groups} == part | locked
    assert check(sub, locks) == []


def test_solving_in_parts_is_valid_across_borders_and_beats_first_fit(monkeypatch):
    monkeypatch.setattr(decompose, "MIN_PART_SECONDS", 2.0)  # let every part have a turn
    problem = generate("district", 0, groups=250)
    result = solve(problem, time_limit=12, workers=2, max_part_groups=80)
    assert result.model_size["parts"] >= 3
    assert check(problem, result.timetable) == []
    first_fit = greedy(problem)
    assert result.objective >= sum(problem.group[p.group_id].priority for p in first_fit)
    assert result.objective <= result.bound <= Candidates(problem).upper_bound()
    # nothing lost: every session is placed or explained
    assert result.sessions_scheduled + len(result.unplaced) == problem.sessions_total


def test_part_by_part_keeps_last_week_and_reports_changes_and_terms(monkeypatch):
    """Above max_part_groups, --previous means what it means below it: the same fields, the
    changed column, and a previous session that no longer fits simply moves (no lock error)."""
    monkeypatch.setattr(decompose, "MIN_PART_SECONDS", 2.0)
    week1 = generate("district", 0, groups=250)
    first = solve(week1, time_limit=8, workers=2, max_part_groups=80)
    week2 = weekly_change(week1, seed=1, new_share=0.05, closed_venues=3, changed_teachers=10)
    again = solve(week2, time_limit=8, workers=2, max_part_groups=80, previous=first.placements)
    assert again.model_size["parts"] >= 3
    assert check(week2, again.timetable) == []
    assert again.changes is not None and again.changes.kept > 0
    assert "changed" in again.timetable.columns
    summary = again.summary()
    assert summary["changes"]["kept"] == again.changes.kept
    assert summary["objective_terms"]["kept_from_previous"] > 0
    moved_or_dropped = again.changes.moved + again.changes.dropped
    assert moved_or_dropped > 0  # closed venues and changed hours displaced some sessions


def test_part_by_part_keeps_locks_exactly(monkeypatch):
    monkeypatch.setattr(decompose, "MIN_PART_SECONDS", 2.0)
    problem = generate("district", 0, groups=250)
    locks = greedy(problem)[::25]
    result = solve(problem, time_limit=8, workers=2, max_part_groups=80, locked=locks)
    assert set(locks) <= set(result.placements)
    assert check(problem, result.timetable) == []


def test_a_part_that_fails_keeps_its_first_fit_and_says_so(monkeypatch):
    monkeypatch.setattr(decompose, "MIN_PART_SECONDS", 2.0)
    real, calls = decompose.solve_district, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("the solver fell over")
        return real(*args, **kwargs)

    monkeypatch.setattr(decompose, "solve_district", flaky)
    problem = generate("district", 0, groups=250)
    result = solve(problem, time_limit=8, workers=2, max_part_groups=80)
    assert any("kept its first-fit sessions: the solver fell over" in note for note in result.notes)
    assert result.summary()["notes"] == list(result.notes)
    assert check(problem, result.timetable) == []
