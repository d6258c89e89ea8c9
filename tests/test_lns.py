"""The local search: a neighbourhood solved exactly never makes the timetable worse, keeps it valid,
and finds what first fit missed."""

from __future__ import annotations

from builders import district, group, venue
from hypothesis import HealthCheck, given, settings
from strategies import problems

from kecheng import Weights, check, generate
from kecheng.board import board_of
from kecheng.candidates import Candidates
from kecheng.greedy import greedy
from kecheng.lns import LocalSearch, run


def search_over(problem, placements, **kw) -> LocalSearch:
    candidates = Candidates(problem)
    return LocalSearch(
        problem, candidates, board_of(problem, candidates, placements), weights=Weights(), **kw
    )


def test_freeing_two_groups_seats_the_one_first_fit_shut_out():
    """G1 can meet Mon or Tue, G2 only Mon: first fit puts G1 on Monday (its first day) and G2 is out."""
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", 1, "08:00", "09:00"), ("V1", 2, "08:00", "09:00")],
        teachers=["T1", "T2"],
        availability=[("T1", 1, "08:00", "09:00"), ("T1", 2, "08:00", "09:00"), ("T2", 1, "08:00", "09:00")],
        groups=[group("G1", "T1", size=20), group("G2", "T2", size=10)],
    )
    first = greedy(problem)
    assert [p.group_id for p in first] == ["G1"] and first[0].weekday == 1
    search = search_over(problem, first)
    assert search.whole  # a small district is one neighbourhood
    move = search.step("place", 5.0, deterministic=True)
    assert move.improved and move.optimal and move.gain == 1
    placed = search.board.placements()
    assert {(p.group_id, p.weekday) for p in placed} == {("G1", 2), ("G2", 1)}
    assert check(problem, placed) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_groups=8))
def test_steps_never_lose_a_session_and_keep_every_rule(problem):
    first = greedy(problem)
    search = search_over(problem, first, seed=3)
    before = problem.placed_priority(first)
    for phase in ("place", "place", "polish"):
        search.step(phase, 2.0, deterministic=True)
        placed = search.board.placements()
        assert problem.placed_priority(placed) >= before
        assert check(problem, placed) == []
        before = problem.placed_priority(placed)


def test_neighbourhoods_of_a_district_are_small_and_the_search_only_improves():
    problem = generate("district", 0, groups=300)
    first = greedy(problem)
    search = search_over(problem, first, seed=1)
    assert not search.whole
    for kind in ("unplaced", "area", "teacher"):
        freed = search.neighbourhood(kind)
        assert 0 < len(freed) <= search.size and len(set(freed)) == len(freed)
    improvements = run(search, "place", budget=6, deterministic=True, should_stop=lambda: False)
    placed = search.board.placements()
    assert check(problem, placed) == []
    assert problem.placed_priority(placed) >= problem.placed_priority(first) + improvements
    assert search.board.priority == problem.placed_priority(placed)  # kept up to date incrementally


def test_locked_sessions_never_move():
    problem = generate("small", 2)
    first = greedy(problem)
    locked = first[::7]
    search = search_over(problem, greedy(problem, locked=locked), locked=locked)
    for _ in range(3):
        search.step("place", 2.0, deterministic=True)
    placed = set(search.board.placements())
    assert locked and set(locked) <= placed
