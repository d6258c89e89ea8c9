"""Part-by-part solving: parts are compact, cover every group once, and the merged
timetable is valid across the borders between parts."""

from __future__ import annotations

from collections import defaultdict

from kecheng import check, decompose, generate
from kecheng.candidates import group_options
from kecheng.decompose import _CityIndex, parts, upper_bound
from kecheng.greedy import greedy
from kecheng.solver import solve


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
    options = group_options(problem)
    current = defaultdict(list)
    for p in greedy(problem, options):
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
    first_fit = greedy(problem, group_options(problem))
    assert result.objective >= sum(problem.group[p.group_id].priority for p in first_fit)
    assert result.objective <= result.bound == upper_bound(problem, group_options(problem))
    # nothing lost: every session is placed or explained
    assert result.sessions_scheduled + len(result.unplaced) == problem.sessions_total
