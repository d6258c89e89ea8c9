"""Candidates at given times (``timed_candidates``): who they list, and what they leave alone."""

from __future__ import annotations

import numpy as np
import plan_builders as pb
import pytest
from test_plan_columns import small_district

from kecheng import greedy
from kecheng.planning import plan
from kecheng.planning.columns import column_bound
from kecheng.planning.context import PlanContext, Session
from kecheng.planning.space import build_space


def mornings_only():
    """Eight residents of C1 ask for I1 and are free Monday 09:00-11:00 only; T1 teaches it then."""
    problem = pb.district([pb.venue("V1")], [pb.teacher("T1", "I1")], [("T1", 1, "09:00", "11:00")])
    residents = [pb.resident(f"A{n}", available="1@09:00-11:00") for n in range(8)]
    orders = [pb.order(r["resident_id"], "I1") for r in residents]
    return PlanContext(pb.plan_problem(problem, [pb.interest("I1")], residents, orders), ())


def keys(space):
    return [(o.interest_id, o.candidate.venue, o.sessions) for o in space.options if o.is_new]


def test_a_time_the_patterns_lack_becomes_a_candidate_for_everyone_free_then():
    ctx = mornings_only()
    base = build_space(ctx)
    taken = {sessions for _, _, sessions in keys(base)}
    hour = 60 // ctx.grid
    starts = [s for s in range(9 * hour, 10 * hour + 1) if (Session(1, s, s + hour, 0),) not in taken]
    assert starts  # the patterns hold one start per class, not every quarter hour
    sessions = (Session(1, starts[0], starts[0] + hour, 0),)
    space = build_space(ctx, times=[("I1", 0, sessions, 0)])
    assert keys(space)[: len(keys(base))] == keys(base)  # the patterns' candidates keep their places
    added = [o for o in space.options if o.is_new][len(keys(base)) :]
    assert [(o.interest_id, o.candidate.venue, o.sessions, o.candidate.teachers) for o in added] == [
        ("I1", 0, sessions, (0,))
    ]
    assert sorted(ctx.resident_ids[r] for r in added[0].candidate.residents) == [f"A{n}" for n in range(8)]
    assert added[0].candidate.capacity == 20 and added[0].candidate.index == added[0].index


def test_times_nobody_can_come_to_or_already_held_add_nothing():
    ctx = mornings_only()
    base = build_space(ctx)
    hour = 60 // ctx.grid
    tuesday = (Session(2, 9 * hour, 10 * hour, 0),)  # the residents are free on Mondays only
    held = keys(base)[0][2]
    space = build_space(ctx, times=[("I1", 0, tuesday, 0), ("I1", 0, held, 0), ("I9", 0, tuesday, 0)])
    assert keys(space) == keys(base)


def test_the_lps_times_list_only_who_can_walk_there_and_come_at_every_session():
    _, ctx, points, tests = small_district()
    lp = column_bound(ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=60, support=True)
    assert lp.used
    base = build_space(ctx)
    times = lp.times
    space = build_space(ctx, times=times)
    used = {(i, v, s) for i, v, s, _ in times}
    added = [o for o in space.options if o.is_new][len(keys(base)) :]
    assert added  # the LP meets orders at times the patterns lack
    assert not {(o.interest_id, o.candidate.venue, o.sessions) for o in added} & set(keys(base))
    for option in added:
        c = option.candidate
        assert (c.interest_id, c.venue, c.sessions) in used
        assert set(c.teachers) <= {
            t for i, v, s, t in times if (i, v, s) == (c.interest_id, c.venue, c.sessions)
        }
        assert len(c.residents) >= c.min_size and np.all(np.diff(c.walks) >= 0)
        assert np.all(c.walks <= ctx.resident_walk[c.residents])
        for s in c.sessions:
            assert ctx.resident_free[c.residents, s.day - 1, s.start : s.end].all()


@pytest.mark.parametrize("workers", [1, 2])
def test_small_inputs_plan_over_the_lps_times_with_the_bound_first_and_keep_every_rule(workers):
    pp, *_ = small_district()
    result = plan(pp, greedy(pp.problem), time_limit=20, workers=workers)
    assert result.search["timed_candidates"] > 0  # only a bound run before the search adds them
    assert result.bound is not None and result.bound.times
    assert result.check() == ([], [])
