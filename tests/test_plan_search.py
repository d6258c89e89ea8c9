"""The search on a generated district: never worse than its start, reproducible with one worker."""

from __future__ import annotations

import random
import time

import plan_builders as pb
import pytest
from cli_helpers import busy_cores

from kecheng import generate, greedy
from kecheng.planning import PlanWeights, greedy_plan, plan, search, synthetic_orders
from kecheng.planning.context import PlanContext, haversine_m
from kecheng.planning.cpsat import ScopedModel, full_scope, tiers, tiers_change
from kecheng.planning.heuristic import construct
from kecheng.planning.outcome import from_solution
from kecheng.planning.planner import _outcome_tiers, finish
from kecheng.planning.search import (
    Taken,
    _centres,
    _leavers,
    _nearest_options,
    _next_teaching,
    _partners,
    _teacher_options,
    _teaching,
    improve,
    neighbourhood,
)
from kecheng.planning.solution import Solution
from kecheng.planning.space import build_space


@pytest.fixture(scope="module")
def made():
    return synthetic_orders(generate("small", 2), 2)


@pytest.fixture(scope="module")
def space(made):
    return build_space(PlanContext(made.plan_problem(), greedy(made.problem)))


def test_neighbourhoods_never_make_it_worse_and_repeat_exactly(space):
    weights = PlanWeights()
    start = construct(space)
    runs = [
        improve(space, start, weights, time_limit=60, seed=3, workers=1, whole_pairs=0, neighbourhoods=4)
        for _ in range(2)
    ]
    (first, log), (second, _) = runs
    assert len(log.steps) == 4 and not log.whole
    assert tiers(space, first, weights) >= tiers(space, start, weights)
    assert first.chosen == second.chosen and first.teacher == second.teacher
    assert from_solution(space, first).new  # it opens groups


def test_one_worker_stops_on_work_done_so_a_busy_machine_gives_the_same_plan(space):
    """No count of neighbourhoods given: the clock decides how many, and with one worker that
    is CP-SAT's deterministic clock, so two cores kept busy change nothing."""
    weights = PlanWeights()
    start = construct(space)
    runs = []
    for burners in (0, 2):
        with busy_cores(burners):
            runs.append(improve(space, start, weights, time_limit=8, seed=5, workers=1, whole_pairs=0))
    (first, log), (second, other) = runs
    assert len(log.steps) > 1 and len(log.steps) == len(other.steps)
    assert first.chosen == second.chosen and first.teacher == second.teacher


def test_the_search_starts_from_the_better_of_the_plain_and_the_priced_first_plan(made):
    pp, timetable = made.plan_problem(), greedy(made.problem)
    guided = plan(pp, timetable, time_limit=30, workers=1, neighbourhoods=1).search
    assert guided["start_orders_points"] > guided["construct_orders_points"]
    plain = plan(pp, timetable, time_limit=30, workers=1, neighbourhoods=1, bound=False).search
    assert plain["start_orders_points"] == plain["construct_orders_points"]  # no bound, no prices


def test_a_better_plan_offered_midway_is_taken_and_a_worse_one_is_not(space):
    weights = PlanWeights()
    start = construct(space)
    asked: list[Solution] = []

    def search(seed: int, neighbourhoods: int, offered: Solution | None = None):
        def restart() -> Solution | None:  # nothing on the first ask, the plan on the second
            asked.append(offered)
            return offered if len(asked) > 1 else None

        return improve(
            space,
            start,
            weights,
            time_limit=60,
            seed=seed,
            workers=1,
            whole_pairs=0,
            neighbourhoods=neighbourhoods,
            restart=None if offered is None else restart,
        )

    better, _ = search(1, 6)
    assert tiers(space, better, weights) > tiers(space, start, weights)
    kept, log = search(2, 2, better)
    assert log.restarted == (tiers(space, better, weights)[0], True) and len(asked) == 2
    assert tiers(space, kept, weights) >= tiers(space, better, weights)
    asked.clear()
    (alone, _), (ignored, log) = search(2, 2), search(2, 2, Solution())
    assert log.restarted == (0, False)
    assert ignored.chosen == alone.chosen and ignored.teacher == alone.teacher


def test_the_whole_space_is_solved_at_once_when_small(space):
    weights = PlanWeights()
    start = construct(space)
    best, log = improve(space, start, weights, time_limit=5, seed=0, workers=1)
    assert log.whole and len(space.order) <= 25_000
    assert log.status != "OPTIMAL" or len(log.steps) == 1  # proven: nothing left to search
    assert tiers(space, best, weights) >= tiers(space, start, weights)


def test_neighbourhoods_go_on_from_the_whole_models_plan_unless_it_is_proven(space, monkeypatch):
    """One worker's whole-model solve stops on CP-SAT's clock with time to spare: unless it proved
    its plan optimal, the neighbourhoods take the rest of the time, from that plan."""
    weights = PlanWeights()
    start = construct(space)
    solve = ScopedModel.solve
    first: list = []

    def unproven(self, *args, **kw):
        found, result = solve(self, *args, **kw)
        if not first:
            first.append(found)
            result.status = "FEASIBLE"
        return found, result

    monkeypatch.setattr(ScopedModel, "solve", unproven)
    best, log = improve(space, start, weights, time_limit=6, seed=0, workers=1)
    assert log.whole and log.steps[0]["status"] == "FEASIBLE" and len(log.steps) > 1
    assert tiers(space, best, weights) >= tiers(space, first[0], weights) >= tiers(space, start, weights)
    first.clear()
    again, _ = improve(space, start, weights, time_limit=6, seed=0, workers=1)
    assert again.chosen == best.chosen and again.teacher == best.teacher


def test_kecheng_meets_more_orders_than_the_staff_baseline(made):
    pp, timetable = made.plan_problem(), greedy(made.problem)
    ours = plan(pp, timetable, time_limit=8, workers=1, seed=0)
    theirs = greedy_plan(pp, timetable)
    assert ours.summary()["orders_met"] > theirs.summary()["orders_met"]
    assert ours.summary()["objective"]["orders_points"] > theirs.summary()["objective"]["orders_points"]
    assert ours.check() == ([], []) and theirs.check() == ([], [])


def test_neighbourhoods_solved_at_once_keep_clear_of_each_other(space):
    """The second of two neighbourhoods solved at once, asked for options overlapping the
    first's, gets none of its options, venues, residents or teachers: each result holds on top
    of the other."""
    start = construct(space)
    centre = _centres(space, random.Random(0))[0]
    near, wider = (_nearest_options(space, centre, budget) for budget in (1_500, 6_000))
    first = neighbourhood(space, start, near)
    taken = Taken()
    taken.add(space, first)
    second = neighbourhood(space, start, wider, taken)
    assert set(near) & set(wider) and first.pairs and second.pairs

    def venues(scope):
        return {space.options[o].candidate.venue for o in scope.options if space.options[o].is_new}

    def residents(scope):
        return {int(space.resident[p]) for p in scope.pairs}

    def teachers(scope):
        return {t for ts in scope.links.values() for t in ts} | {start.teacher.get(o) for o in scope.options}

    assert not set(first.options) & set(second.options)
    assert not venues(first) & venues(second)
    assert not residents(first) & residents(second)
    assert not (teachers(first) & teachers(second)) - {None}


def test_an_interests_partner_is_the_one_its_residents_most_often_order_besides(space):
    """Counted afresh from the order table: residents (with options for both) per interest pair."""
    orders = space.ctx.pp.orders
    wanted: dict[str, set[str]] = {}
    for k in space.by_order:
        wanted.setdefault(orders[k].resident_id, set()).add(orders[k].interest_id)
    partners = _partners(space)
    assert partners
    for a, b in partners.items():
        both = {
            c: sum(a in w and c in w for w in wanted.values()) for c in {o.interest_id for o in orders} - {a}
        }
        assert both[b] == max(both.values()) > 0
        assert b == min(c for c, n in both.items() if n == both[b])


def test_a_pair_neighbourhood_holds_the_nearest_options_of_both_interests_only(space):
    a, b = next(iter(_partners(space).items()))
    centre = _centres(space, random.Random(0))[0]
    free = _nearest_options(space, centre, 10**9, {a, b})
    kinds = {space.options[o].interest_id for o in free}
    assert kinds == {a, b}
    assert free == sorted(o for o in range(len(space.options)) if space.options[o].interest_id in kinds)
    near = _nearest_options(space, centre, 1_500, {a, b})
    assert set(near) < set(free) and sum(len(space.by_option[o]) for o in near) >= 1_500
    venues = space.option_venue
    far = haversine_m(centre[0], centre[1], space.ctx.venue_lat[venues], space.ctx.venue_lon[venues])
    assert max(far[near]) <= min(far[sorted(set(free) - set(near))])  # the nearest ones


def test_a_teachers_neighbourhood_holds_their_options_first_then_their_colleagues_and_interests(space):
    start = construct(space)
    teaching = _teaching(space)
    teacher = min(set(start.teacher.values()))
    mine = {
        o
        for o, option in enumerate(space.options)
        if option.candidate and teacher in option.candidate.teachers
    }
    assert set(teaching[teacher]) == mine and {o for o, t in start.teacher.items() if t == teacher} <= mine
    colleagues = {t for o in mine for t in space.options[o].candidate.teachers}
    interests = {space.options[o].interest_id for o in mine}
    wanted = mine | {
        o
        for o, option in enumerate(space.options)
        if option.interest_id in interests
        or (option.candidate and colleagues & set(option.candidate.teachers))
    }
    assert _teacher_options(space, start, teacher, teaching, 10**9) == sorted(wanted)
    own_pairs = sum(len(space.by_option[o]) for o in mine)
    small = _teacher_options(space, start, teacher, teaching, own_pairs + 1)
    assert mine < set(small) < wanted  # their own all in, then the nearest others up to the budget
    assert set(_teacher_options(space, start, teacher, teaching, 1)) <= mine


def test_the_teachers_rotation_visits_only_those_who_teach_a_new_group_now(space):
    start = construct(space)
    rotation = sorted(_teaching(space))
    teaching_now = set(start.teacher.values())
    assert teaching_now and set(rotation) - teaching_now  # some teach now, some do not
    seen, cursor = [], 0
    for _ in range(len(teaching_now)):
        teacher, cursor = _next_teaching(rotation, cursor, start)
        seen.append(teacher)
    assert sorted(seen) == sorted(teaching_now)  # each once per round, in the rotation's order
    assert seen == [t for t in rotation if t in teaching_now]
    assert _next_teaching(rotation, 0, Solution()) == (None, 0)


def test_lanes_never_make_it_worse_and_keep_every_rule(space, monkeypatch):
    monkeypatch.setattr(search, "START_BUDGET", 800)  # neighbourhoods small enough for two at once
    weights = PlanWeights()
    start = construct(space)
    best, log = improve(
        space, start, weights, time_limit=60, seed=1, workers=3, whole_pairs=0, neighbourhoods=12, lanes=3
    )
    assert any(step["lanes"] == 3 for step in log.steps)
    assert any(step["teacher"] for step in log.steps)  # teachers' neighbourhoods take their turns
    turns = [step["turn"] for step in log.steps]  # each taken once (a turn without pairs: none)
    assert len(turns) == len(set(turns)) >= 8 and max(turns) <= 12
    value = tiers(space, best, weights)
    assert value >= tiers(space, start, weights)
    assert log.steps[-1]["tier1"] == value[0]  # the value carried step by step is the plan's
    points = tuple(int(p) for p in space.points)
    outcome = from_solution(space, best)
    result = finish(
        space.ctx, space, outcome, "kecheng", weights, points, None, {}, time.perf_counter(), value, {}
    )
    assert result.check() == ([], [])


def test_a_neighbourhood_stops_at_its_gap_and_is_not_called_proven(space):
    """Stopped within its gap, a neighbourhood returns a plan no worse than its hint, is not
    taken as proven (the search's budget grows only on proof), and used less of CP-SAT's clock
    than the same model solved to optimality."""
    weights = PlanWeights()
    start = construct(space)
    centre = _centres(space, random.Random(0))[0]
    scope = neighbourhood(space, start, _nearest_options(space, centre, 1_500))
    found, early = ScopedModel(space, scope, weights).solve(start, time_limit=30, seed=0, workers=1, gap=0.5)
    exact, proof = ScopedModel(space, scope, weights).solve(start, time_limit=30, seed=0, workers=1)
    assert proof.proven and proof.status == "OPTIMAL"
    assert early.status == "OPTIMAL" and not early.proven and early.bound > early.objective
    assert early.deterministic < proof.deterministic
    assert tiers(space, exact, weights) >= tiers(space, found, weights) >= tiers(space, start, weights)


def test_a_neighbourhoods_change_is_what_the_whole_plan_gains(space):
    """``tiers_change`` over a neighbourhood's orders and options equals the difference of the
    whole plan's tiers, for plans the model found (the search compares plans by it)."""
    weights = PlanWeights(together=3, first_group=2, walk=1, group=5)
    start = construct(space)
    seen = set()
    for n, centre in enumerate(_centres(space, random.Random(4))[:6]):
        scope = neighbourhood(space, start, _nearest_options(space, centre, 1_500))
        model = ScopedModel(space, scope, weights)
        found, _ = model.solve(start, time_limit=10, seed=n, workers=1)
        emptied = model.carry(Solution(), start)  # every group and member of the scope gone
        for before, after in ((start, found), (found, start), (start, emptied)):
            change = tiers_change(space, before, after, model.by_order, model.open, weights)
            pairs = zip(tiers(space, after, weights), tiers(space, before, weights), strict=True)
            whole = tuple(a - b for a, b in pairs)
            assert change == whole
            seen.update(i for i, c in enumerate(change) if c)
    assert seen == {0, 1, 2, 3, 4}  # every tier moved somewhere


def test_the_searchs_tiers_are_the_planned_weeks(space):
    """The search's value of a plan (``tiers``, over its options) is what the planned week itself
    gives (``_outcome_tiers``, from its groups and members), tier by tier."""
    weights = PlanWeights(together=3, first_group=2, walk=1, group=5)
    start = construct(space)
    best, _ = improve(
        space, start, weights, time_limit=30, seed=2, workers=1, whole_pairs=0, neighbourhoods=3
    )
    points = tuple(int(p) for p in space.points)
    for solution in (start, best):
        week = _outcome_tiers(space.ctx, from_solution(space, solution), weights, points)
        assert tiers(space, solution, weights) == week


def test_a_teachers_walk_counts_only_between_sessions_at_two_venues():
    """``pb.one_teachers_morning``: T1 may give I1 and I2 at V1 on Monday, 09:00 and 10:00, and
    also has a candidate 11 km away that morning. From an empty plan the model meets all sixteen
    orders (had every session's end been pushed out by the walk to the far venue, the two at V1
    would clash and eight would be met)."""
    space = build_space(PlanContext(pb.one_teachers_morning(), []))
    assert len({s.venue for o in space.options for s in o.sessions}) == 2  # a candidate at each venue
    found, result = ScopedModel(space, full_scope(space), PlanWeights()).solve(
        Solution(), time_limit=10, seed=0, workers=1
    )
    assert result.proven and len(found.chosen) == 16
    assert sorted(found.teacher.values()) == [0, 0]


def _held_back(i2_min: int = 2) -> tuple:
    """R0 (room for one group) sits in the I2 group (their second choice) with R8 and R9; I1, R0's
    first choice, opens only with R0 and R1-R7 (min_size 8)."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V2")],
        [pb.teacher("T1", "I1"), pb.teacher("T2", "I2")],
        [("T1", 1, "09:00", "11:00"), ("T2", 2, "09:00", "11:00")],
    )
    residents = [pb.resident(f"R{n}", max_groups=1 if n == 0 else 2) for n in range(10)]
    orders = [pb.order(f"R{n}", "I1") for n in range(8)] + [pb.order("R0", "I2", rank=2)]
    orders += [pb.order(f"R{n}", "I2") for n in (8, 9)]
    interests = [pb.interest("I1"), pb.interest("I2", min_size=i2_min)]
    space = build_space(PlanContext(pb.plan_problem(problem, interests, residents, orders), []))
    i2 = next(o for o in space.options if o.interest_id == "I2" and len(space.by_option[o.index]) == 3)
    start = Solution({i2.index: i2.candidate.teachers[0]}, {8: i2.index, 9: i2.index, 10: i2.index})
    i1 = [o.index for o in space.options if o.interest_id == "I1"]
    return space, start, i1, i2.index


@pytest.mark.parametrize("leavers", [True, False])
def test_a_member_may_leave_a_worse_group_outside_for_a_better_one_here(leavers, monkeypatch):
    monkeypatch.setattr(search, "LEAVERS", leavers)
    space, start, i1, held = _held_back()
    weights = PlanWeights()
    scope = neighbourhood(space, start, i1)  # I1's options only: I2's group is held
    assert scope.leaving == ({held: 1} if leavers else {})  # 3 members, min_size 2: one may go
    assert [p for p in scope.pairs if int(space.option[p]) == held] == (
        space.pairs_of({8: held}).tolist() if leavers else []
    )
    found, _ = ScopedModel(space, scope, weights).solve(start, time_limit=10, seed=0, workers=1)
    gain = tiers(space, found, weights)[0] - tiers(space, start, weights)[0]
    if leavers:  # R0 left I2 for I1, which opened; I2 goes on with R8 and R9, as it was
        assert gain > 0 and found.chosen[0] in i1 and 8 not in found.chosen
        assert found.chosen[9] == found.chosen[10] == held and found.teacher[held] == start.teacher[held]
    else:  # R0 has no room: I1 cannot open
        assert gain == 0 and found.chosen == start.chosen


def test_a_new_group_outside_keeps_its_min_size_when_members_may_leave():
    space, start, i1, held = _held_back(i2_min=3)
    scope = neighbourhood(space, start, i1)
    assert scope.leaving == {held: 0}
    assert [int(space.order[p]) for p in scope.pairs if int(space.option[p]) == held] == [8]  # R0's, held
    found, _ = ScopedModel(space, scope, PlanWeights()).solve(start, time_limit=10, seed=0, workers=1)
    assert found.chosen == start.chosen  # R0 stays: I2 would fall below 3


def test_leavers_are_the_members_outside_with_a_better_unmet_order_here(space):
    start = construct(space)
    centre = _centres(space, random.Random(1))[0]
    free = _nearest_options(space, centre, 3_000)
    chosen, points = start.chosen, space.points
    expected = {
        (chosen[other], other)
        for o in free
        for p in space.by_option[o]
        if int(space.order[p]) not in chosen
        for other in space.orders_of_resident[int(space.resident[p])]
        if other in chosen and chosen[other] not in free and points[other] < points[int(space.order[p])]
    }
    got = _leavers(space, start, free, Taken())
    assert {(o, int(space.order[p])) for o, ps in got.items() for p in ps} == expected
    assert all(int(space.option[p]) == o for o, ps in got.items() for p in ps)
    scope = neighbourhood(space, start, free)
    assert {p for ps in got.values() for p in ps} <= set(scope.pairs)
    taken = Taken(residents={int(space.resident[p]) for ps in got.values() for p in ps})
    assert _leavers(space, start, free, taken) == {}  # a neighbourhood solved meanwhile holds them
