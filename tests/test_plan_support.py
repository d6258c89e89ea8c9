"""The LP over the search's options: what it uses is real options and joins, and the search
frees what it names in turn, never for the worse."""

from __future__ import annotations

import pytest

from kecheng import generate, greedy
from kecheng.planning import PlanWeights, synthetic_orders
from kecheng.planning.context import PlanContext
from kecheng.planning.cpsat import tiers
from kecheng.planning.heuristic import construct
from kecheng.planning.lagrange import Relaxed
from kecheng.planning.search import KINDS, NAMED_KINDS, improve
from kecheng.planning.space import build_space
from kecheng.planning.support import Support, lp_support, option_families, option_index, relaxed_support


@pytest.fixture(scope="module")
def space():
    made = synthetic_orders(generate("small", 2), 2)
    return build_space(PlanContext(made.plan_problem(), greedy(made.problem)))


@pytest.fixture(scope="module")
def support(space):
    return lp_support(space, time_limit=5, deterministic=True)


def test_the_lp_uses_new_options_and_joins_the_rules_allow(space, support):
    assert support.rounds >= 1 and support.options
    assert all(space.options[o].is_new for o in support.options)
    allowed = {(int(k), int(o)) for k, o in zip(space.order, space.option, strict=True)}
    assert support.joins and all(not space.options[o].is_new for _, o in support.joins)
    assert support.joins <= allowed  # each join one of the space's pairs


def test_it_is_the_same_in_every_run_counted_in_work(space, support):
    assert lp_support(space, time_limit=5, deterministic=True) == support


def test_an_option_family_is_one_option_with_one_of_its_teachers_and_its_pairs(space):
    by_key = {k: o for k, o in option_index(space).items() if isinstance(k, tuple)}
    fams = option_families(space)
    assert len(fams) >= len(by_key) // 2
    seen = set()
    for f in fams:
        times = {(int(d) + 1, int(s)) for d, s in zip(f.day, f.step, strict=True)}
        interest = space.ctx.pp.orders[int(f.orders[0])].interest_id
        (o,) = [
            o
            for (i, v, sessions), o in by_key.items()
            if i == interest and v == f.venue and {(s.day, s.start) for s in sessions} == times
        ]
        option = space.options[o]
        assert f.teacher in option.candidate.teachers and (o, f.teacher) not in seen
        seen.add((o, f.teacher))
        pairs = space.by_option[o]
        assert f.orders.tolist() == space.order[pairs].tolist() and f.free.all()
        assert f.least == option.min_size and f.cap == option.capacity and f.sessions == len(times)


def test_named_frees_the_plans_groups_the_lps_options_and_joins_that_differ(space):
    start = construct(space)
    joins = {(k, o) for k, o in start.chosen.items() if not space.options[o].is_new}
    new = {o for o in range(len(space.options)) if space.options[o].is_new} - set(start.teacher)
    lp_options = frozenset(sorted(new)[:3])
    assert joins and len(lp_options) == 3
    same = Support(options=lp_options, joins=frozenset(joins))  # the LP joins as the plan does
    assert same.named(start) == set(start.teacher) | lp_options
    k, o = min(joins)
    other = next(p for p in range(len(space.options)) if not space.options[p].is_new and p != o)
    moved = Support(options=lp_options, joins=frozenset(joins - {(k, o)} | {(k, other)}))
    assert moved.named(start) == set(start.teacher) | lp_options | {o, other}


def test_the_search_frees_what_the_lp_names_in_the_areas_turn_and_is_never_worse(space, support):
    weights = PlanWeights()
    start = construct(space)
    runs = {
        given: improve(
            space,
            start,
            weights,
            time_limit=60,
            seed=1,
            workers=1,
            whole_pairs=0,
            neighbourhoods=len(NAMED_KINDS) * 2,
            support=given,
        )
        for given in (support, None)
    }
    (best, log), (_, plain) = runs[support], runs[None]
    assert [step["kind"] for step in log.steps] == list(NAMED_KINDS) * 2
    assert all(step["pairs"] > 0 for step in log.steps if step["kind"] == "named")
    assert tiers(space, best, weights) >= tiers(space, start, weights)
    assert [step["kind"] for step in plain.steps] == list(KINDS) * 2


def test_the_relaxed_solution_names_the_options_where_it_averages_half_a_group_or_more(space):
    new = [o for o in space.options if o.is_new]
    running = [o for o in space.options if not o.is_new]
    a, b = (
        new[0],
        next(
            o
            for o in new
            if (o.interest_id, o.candidate.venue) != (new[0].interest_id, new[0].candidate.venue)
        ),
    )
    k = next(int(k) for k, o in zip(space.order, space.option, strict=True) if o == running[0].index)
    relaxed = Relaxed(
        groups={(a.interest_id, a.candidate.venue): 0.5, (b.interest_id, b.candidate.venue): 0.49},
        joins={(k, running[0].group_id): 0.75, (k, "not a running group"): 1.0},
    )
    named = relaxed_support(space, relaxed)
    at_a = {o.index for o in new if (o.interest_id, o.candidate.venue) == (a.interest_id, a.candidate.venue)}
    assert named.options == at_a  # every option at a's interest and venue; none at b's (below half)
    assert named.joins == {(k, running[0].index)}
    fewer = relaxed_support(space, Relaxed(relaxed.groups, {(k, running[0].group_id): 0.25}))
    assert not fewer.joins


def test_a_support_that_comes_later_takes_the_areas_turn_from_then_on(space, support):
    later = iter([None, None, support])
    _, log = improve(
        space,
        construct(space),
        PlanWeights(),
        time_limit=60,
        seed=1,
        workers=1,
        whole_pairs=0,
        neighbourhoods=len(KINDS) * 2,
        support=lambda: next(later, support),
    )
    assert [step["kind"] for step in log.steps] == [*KINDS[:2], *NAMED_KINDS[2:], *NAMED_KINDS]
