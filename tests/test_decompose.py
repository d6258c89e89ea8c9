"""Part-by-part solving: parts are compact, cover every group once, and the merged
timetable is valid across the borders between parts."""

from __future__ import annotations

from kecheng import check, generate
from kecheng.candidates import group_options
from kecheng.decompose import parts, upper_bound
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


def test_solving_in_parts_is_valid_across_borders_and_beats_first_fit():
    problem = generate("district", 0, groups=250)
    result = solve(problem, time_limit=12, workers=2, max_part_groups=80)
    assert result.model_size["parts"] >= 3
    assert check(problem, result.timetable) == []
    first_fit = greedy(problem, group_options(problem))
    assert result.objective >= sum(problem.group[p.group_id].priority for p in first_fit)
    assert result.objective <= result.bound == upper_bound(problem, group_options(problem))
    # nothing lost: every session is placed or explained
    assert result.sessions_scheduled + len(result.unplaced) == problem.sessions_total
