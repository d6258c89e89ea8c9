"""The exact-start bound (column generation): valid, and tight where groups compete for one hour."""

from __future__ import annotations

import highspy
import numpy as np
import plan_builders as pb
from hypothesis import given
from hypothesis import strategies as st

from kecheng import generate, greedy
from kecheng.planning import bound as bound_module
from kecheng.planning import columns as columns_module
from kecheng.planning import plan, pricing, synthetic_orders
from kecheng.planning.bound import held_orders, prove_bound, satisfiable_orders
from kecheng.planning.columns import _Lp, column_bound
from kecheng.planning.context import PlanContext
from kecheng.planning.lagrange import lagrangian_bound
from kecheng.planning.pricing import _first_of_alike, families
from kecheng.planning.space import build_space
from kecheng.planning.support import option_families


def one_hour_two_interests(second: str = "1@09:00-10:00"):
    """T1 teaches I1 and I2, may take two new groups and is free Monday 09:00-12:00; eight
    residents order I1, free on Monday 09:00-10:00 only, and eight I2, free at ``second``. Both
    groups would meet at 09:00 with T1: one opens. Minutes (180 for 120) and parts of the week
    do not see it."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V2")],
        [pb.teacher("T1", "I1;I2", max_groups=2)],
        [("T1", 1, "09:00", "12:00")],
    )
    residents = [pb.resident(f"R{n}", available="1@09:00-10:00" if n < 8 else second) for n in range(16)]
    orders = [pb.order(r["resident_id"], "I1" if n < 8 else "I2") for n, r in enumerate(residents)]
    return pb.plan_problem(problem, [pb.interest("I1"), pb.interest("I2")], residents, orders)


def test_a_teachers_one_hour_holds_one_group():
    pp = one_hour_two_interests()
    bound = prove_bound(PlanContext(pp, []), np.ones(16, dtype=np.int64), iterations=300)
    assert bound.lp_points == 16 and bound.whole_group_points == 16
    assert bound.exact_start_points == 8 and bound.points == 8 and bound.exact_start_rounds >= 1
    summary = plan(pp, time_limit=10, workers=1).summary()
    assert summary["orders_met"] == 8 and summary["bound"] == 8 and summary["gap"] == 0.0
    assert summary["bound_detail"]["exact_starts"] == 8


def test_a_second_hour_lets_both_open():
    """With the residents of I2 free at 10:00 too, T1 teaches both, one after the other."""
    pp = one_hour_two_interests(second="1@09:00-11:00")
    bound = prove_bound(PlanContext(pp, []), np.ones(16, dtype=np.int64), iterations=300)
    assert bound.exact_start_points == 16
    assert plan(pp, time_limit=10, workers=1).summary()["orders_met"] == 16


def small_district():
    """The small preset's orders, seed 1, its running groups first fit: (pp, ctx, points, tests)."""
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    return pp, ctx, np.array(pp.order_weights, dtype=np.int64), satisfiable_orders(ctx)


def test_the_bound_holds_at_every_round_and_converges_to_at_most_the_others():
    pp, ctx, points, tests = small_district()
    held = int(points[held_orders(ctx)].sum())
    met = plan(pp, greedy(pp.problem), time_limit=5, workers=1).summary()["objective"]["orders_points"]
    full = column_bound(ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=120)
    assert full.converged and full.points is not None
    others = prove_bound(ctx, points, iterations=300, time_limit=0.5)  # a short exact-start run
    assert met <= full.points + held <= min(others.lp_points, others.whole_group_points)
    for seconds in (0.0, 0.2):  # stopped early: a looser bound, never below the plan
        early = column_bound(
            ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=seconds, deterministic=True
        )
        assert early.points is not None and early.points + held >= full.points + held >= met


def test_smoothed_prices_converge_to_the_lp_optimum(monkeypatch):
    """Prices drawn towards the lowest bound's (however far) end where the LP's own do: at its
    optimum, reached only when nothing prices out at the LP's prices."""
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    points = np.array(pp.order_weights, dtype=np.int64)
    tests = satisfiable_orders(ctx)
    found = {}
    for smoothing in (0.0, 0.8, 0.95):
        monkeypatch.setattr(columns_module, "SMOOTHING", smoothing)
        got = column_bound(ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=120)
        assert got.converged and got.points is not None
        found[smoothing] = got.points
    assert found[0.8] == found[0.95] == found[0.0]


def test_rounds_started_at_any_prices_end_at_the_lp_optimum():
    """Starting prices (the whole-group relaxation's, or far above any order's worth) change the
    path, not the end; and the bound at them, before any column enters, is already valid."""
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    points = np.array(pp.order_weights, dtype=np.int64)
    tests = satisfiable_orders(ctx)
    args = (ctx, tests.by_new, tests.joinable, tests.feasible, points)
    optimum = column_bound(*args, time_limit=120).points
    *_, whole_group = lagrangian_bound(*args, floor=0.0, time_limit=60, iterations=300)
    far = (3.0 * points, np.full(len(ctx.resident_ids), 50.0))
    for start in (whole_group, far):
        assert column_bound(*args, time_limit=120, start=start).points == optimum
        assert column_bound(*args, time_limit=0, start=start).points >= optimum


def test_a_time_limit_counts_from_the_next_run():
    """HiGHS counts its time limit on all runs of a model so far: a limit of what is left must
    not stop a round that has barely begun because earlier rounds took longer."""
    rng = np.random.default_rng(0)
    lp = _Lp()
    n = 300
    for _ in range(n):
        lp.addVar(0.0, 1.0)
    lp.changeColsCost(n, np.arange(n, dtype=np.int32), -rng.random(n))
    for _ in range(3_000):
        lp.addRow(-highspy.kHighsInf, 3.0, 20, rng.choice(n, 20, replace=False).astype(np.int32), np.ones(20))
    while lp.getRunTime() < 0.5:  # earlier rounds, from scratch each time
        lp.clearSolver()
        lp.run()
    lp.addVar(0.0, 1.0)  # one column more: the next round is quick
    lp.changeColCost(n, -5.0)
    lp.time_limit(0.25)
    lp.run()
    assert lp.getModelStatus() == highspy.HighsModelStatus.kOptimal


def test_large_inputs_leave_it_out(monkeypatch):
    monkeypatch.setattr(bound_module, "COLUMN_ORDERS", 10)
    pp = one_hour_two_interests()
    bound = prove_bound(PlanContext(pp, []), np.ones(16, dtype=np.int64), iterations=300)
    assert bound.exact_start_points is None and bound.exact_start_rounds == 0 and bound.points == 16


def test_whole_columns_and_fewer_families():
    """With a second hour both groups open whole (16, as the LP); priced over one interest's
    families only, the bound and the whole master are that interest's (8); unasked, no whole."""
    pp = one_hour_two_interests(second="1@09:00-11:00")
    ctx = PlanContext(pp, [])
    points = np.ones(16, dtype=np.int64)
    tests = satisfiable_orders(ctx)
    full = column_bound(
        ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=60, whole_time=30, support=True
    )
    assert full.converged and full.points == 16 and full.whole == 16
    assert sorted(g.interest_id for g in full.used) == ["I1", "I2"] and not full.used_joins
    groups = full.whole_outcome.new
    assert sorted((g.interest_id, g.sessions[0].start, len(g.orders)) for g in groups) == [
        ("I1", 9 * 60 // ctx.grid, 8),
        ("I2", 10 * 60 // ctx.grid, 8),
    ]
    fams = [f for f in families(ctx, tests.by_new) if pp.orders[int(f.orders[0])].interest_id == "I1"]
    one = column_bound(
        ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=60, priced=fams, whole_time=30
    )
    assert one.converged and one.points == 8 and one.whole == 8
    none = column_bound(ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=60)
    assert none.whole is None and none.whole_outcome is None and none.used == ()


def test_the_whole_master_leaves_a_teacher_time_to_walk():
    """T1 could teach I1 at home at 09:00 and I2 11 km away at 10:00: no two sessions at once,
    so the LP takes both (16), but nobody walks 11 km in no time, so whole columns take one (8)."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V2", community="C3")],
        [pb.teacher("T1", "I1;I2", max_groups=2)],
        [("T1", 1, "09:00", "12:00")],
    )
    residents = [
        pb.resident(
            f"R{n}",
            community="C1" if n < 8 else "C3",
            available="1@09:00-10:00" if n < 8 else "1@10:00-11:00",
        )
        for n in range(16)
    ]
    orders = [pb.order(r["resident_id"], "I1" if n < 8 else "I2") for n, r in enumerate(residents)]
    pp = pb.plan_problem(problem, [pb.interest("I1"), pb.interest("I2")], residents, orders)
    ctx = PlanContext(pp, [])
    tests = satisfiable_orders(ctx)
    got = column_bound(
        ctx,
        tests.by_new,
        tests.joinable,
        tests.feasible,
        np.ones(16, dtype=np.int64),
        time_limit=60,
        whole_time=30,
    )
    assert got.converged and got.points == 16 and got.whole == 8
    assert [len(g.orders) for g in got.whole_outcome.new] == [8]
    assert plan(pp, time_limit=10, workers=1).summary()["orders_met"] == 8


def test_the_whole_masters_plan_is_worth_what_it_says_and_keeps_its_rows():
    """Its groups and joins meet each order once, within each group's sizes, and are worth ``whole``."""
    pp, ctx, points, tests = small_district()
    got = column_bound(
        ctx, tests.by_new, tests.joinable, tests.feasible, points, time_limit=60, whole_time=20, support=True
    )
    assert got.used and got.used_joins  # what the LP uses: allowed joins, groups of one interest each
    assert all(group in tests.joinable[k] for k, group in got.used_joins)
    assert all({pp.orders[k].interest_id for k in g.orders} == {g.interest_id} for g in got.used)
    outcome = got.whole_outcome
    met = [k for g in outcome.new for k in g.orders] + list(outcome.joins)
    assert got.whole is not None and outcome.new and outcome.joins
    assert len(met) == len(set(met)) and int(points[met].sum()) == got.whole
    for g in outcome.new:
        interest = pp.interest[g.interest_id]
        assert interest.min_size <= len(g.orders) <= interest.max_size
        assert {pp.orders[k].interest_id for k in g.orders} == {g.interest_id}
    for k, group_id in outcome.joins.items():
        assert k in tests.joinable and group_id in tests.joinable[k]


@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 1.0, 0.25, -3.5, 1e9]), min_size=3, max_size=3),
        min_size=1,
        max_size=40,
    )
)
def test_alike_starts_are_the_first_of_each_set_of_equal_rows(cells):
    """As np.unique(axis=0, return_index=True): every distinct row once, at its first index."""
    rows = np.array(cells)
    _, first = np.unique(rows, axis=0, return_index=True)
    assert _first_of_alike(rows).tolist() == sorted(first.tolist())


def test_families_of_one_column_price_at_once_as_one_by_one():
    """The search's options (``option_families``) priced flat give the columns, reduced costs and
    teachers' best that pricing them one by one gives, at any prices."""
    pp, ctx, points, _ = small_district()
    fams = option_families(build_space(ctx, pp.order_weights))
    fixed, rest = pricing.split_fixed(fams)
    assert fixed is not None and not rest and len(fixed.families) > 10
    shapes = {
        "order": (len(points),),
        "room": (len(ctx.resident_ids),),
        "resident_time": (len(ctx.resident_ids), 7, ctx.steps),
        "teacher_time": (len(ctx.teacher_ids), 7, ctx.steps),
        "venue_time": (len(ctx.venue_ids), 7, ctx.steps),
        "teacher_groups": (len(ctx.teacher_ids),),
        "teacher_week": (len(ctx.teacher_ids),),
        "teacher_day": (len(ctx.teacher_ids), 7),
    }
    rng = np.random.default_rng(0)
    for scale in (0.0, 0.01, 0.03, 0.3):
        prices = {k: scale * rng.exponential(size=shape) for k, shape in shapes.items()}
        prices["order"] = scale * 30 * rng.random(len(points))
        one, one_top, one_cells = pricing.price(fams, prices, points)
        flat, flat_top, flat_cells = pricing.price(rest, prices, points, fixed)
        assert one_cells == flat_cells
        np.testing.assert_allclose(flat_top, one_top)
        key = {id(f): n for n, f in enumerate(fams)}
        one = sorted((key[id(f)], g, s.tolist(), m.tolist()) for g, f, s, m in one)
        flat = sorted((key[id(f)], g, s.tolist(), m.tolist()) for g, f, s, m in flat)
        assert [(n, s, m) for n, _, s, m in one] == [(n, s, m) for n, _, s, m in flat]
        np.testing.assert_allclose([g for _, g, _, _ in flat], [g for _, g, _, _ in one])
        assert scale > 0.1 or len(flat) > len(fams) // 2  # at low prices most families price out
