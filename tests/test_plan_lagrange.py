"""The whole-group (Lagrangian) bound: valid, and tight where the LP fills fractions of groups."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import plan_builders as pb
from hypothesis import given, settings
from hypothesis import strategies as st

from kecheng import generate, greedy
from kecheng.planning import bound as bound_module
from kecheng.planning import lagrange, plan, planner, synthetic_orders
from kecheng.planning.bound import group_ceilings, held_orders, prove_bound, satisfiable_orders
from kecheng.planning.context import PlanContext
from kecheng.planning.lagrange import PARTS, part_of_start
from kecheng.planning.model import order_points
from kecheng.timetable import Placement


def weekday_mornings(residents: list[dict], interest: dict, max_groups: int = 1):
    """Every resident orders ``interest``; T1 teaches it at V1 on weekday mornings (one part of
    the week) and may take ``max_groups`` new groups."""
    problem = pb.district(
        [pb.venue("V1")],
        [pb.teacher("T1", interest["interest_id"], max_groups=max_groups)],
        [("T1", d, "09:00", "12:00") for d in range(1, 6)],
    )
    orders = [pb.order(r["resident_id"], interest["interest_id"]) for r in residents]
    return pb.plan_problem(problem, [interest], residents, orders)


def twelve_neighbours():
    """12 neighbours ask for I1 (min 8, max 10); its teacher may take two new groups. One group
    of 10 is the best plan: two would need 16. The LP counts 10 + the 2 left over as a fraction
    of a second group; whole groups cannot."""
    residents = [pb.resident(f"R{n}") for n in range(12)]
    return weekday_mornings(residents, pb.interest("I1", max_size=10), max_groups=2)


def test_whole_groups_prove_what_the_lp_cannot():
    pp = twelve_neighbours()
    points = np.array(order_points(pp.orders), dtype=np.int64)
    bound = prove_bound(PlanContext(pp, []), points, iterations=500)
    assert bound.lp_points == 12 and bound.whole_group_points == 10 and bound.points == 10
    assert bound.orders == 10  # whole groups bound the orders met too (the LP's alone: 12)
    result = plan(pp, time_limit=10, workers=1)
    summary = result.summary()
    assert summary["orders_met"] == 10 and summary["bound"] == 10 and summary["gap"] == 0.0
    assert summary["bound_orders"] == 10 and summary["gap_orders"] == 0.0
    assert summary["bound_detail"]["lp"] == 12 and summary["bound_detail"]["whole_groups"] == 10


def three_pairs_of_days():
    """12 neighbours ask for I1 (min 8, twice a week): four can come Monday and Tuesday, four
    Monday and Wednesday, four Tuesday and Wednesday, 09:00-10:00. Each day has 8 free, so every
    order passes the LP's test, but no two days share 8: no group can open."""
    days = ["1@09:00-10:00;2@09:00-10:00", "1@09:00-10:00;3@09:00-10:00", "2@09:00-10:00;3@09:00-10:00"]
    residents = [pb.resident(f"R{n}", available=days[n // 4]) for n in range(12)]
    return weekday_mornings(residents, pb.interest("I1", sessions=2))


def test_whole_groups_need_members_free_at_every_session_of_one_pattern():
    pp = three_pairs_of_days()
    points = np.array(order_points(pp.orders), dtype=np.int64)
    bound = prove_bound(PlanContext(pp, []), points, iterations=50)
    assert bound.feasible_orders == 12 and bound.lp_points >= 8  # the LP's test lets all through
    assert bound.whole_group_points == 0 and bound.points == 0 and bound.orders == 0
    assert plan(pp, time_limit=5, workers=1).summary()["orders_met"] == 0


def test_too_many_patterns_fall_back_to_fewer_sessions_and_stay_valid(monkeypatch):
    """Past MOST_PATTERNS a pattern of one session stands for the group: its members are a
    superset of any two-session group's, so the bound loosens (8: Monday's eight) but holds."""
    monkeypatch.setattr(lagrange, "MOST_PATTERNS", 0)
    pp = three_pairs_of_days()
    bound = prove_bound(PlanContext(pp, []), np.ones(12, dtype=np.int64), iterations=300)
    assert bound.whole_group_points == 8


def test_whole_groups_need_a_teacher_who_can_walk_there_in_time():
    """T1 runs G1 11 km away Monday 09:00-10:00 and is free only Monday 08:00-12:00: no new
    group can start near home that morning, so none of the eight orders can be met."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("VF", "C3")],
        [pb.teacher("T1", "I1")],
        [("T1", 1, "08:00", "12:00")],
        groups=[pb.running_group("G1", "T1", community_id="C3")],
    )
    timetable = [Placement("G1", 1, "VF", "T1", 1, 9 * 60, 10 * 60)]
    residents = [pb.resident(f"R{n}") for n in range(8)]
    orders = [pb.order(r["resident_id"], "I1") for r in residents]
    pp = pb.plan_problem(problem, [pb.interest("I1")], residents, orders)
    bound = prove_bound(PlanContext(pp, timetable), np.ones(8, dtype=np.int64), iterations=50)
    assert bound.lp_points == 8 and bound.whole_group_points == 0 and bound.points == 0


def test_the_bound_beside_the_search_proves_the_same_and_stops_at_the_plan(monkeypatch):
    """With two workers, on inputs too large for the exact-start bound and for the LP over the
    options (here: any; the district's path), the bound runs on a thread beside the search and aims
    at its best plan: once it proves that plan optimal it stops (here at its first step), and its
    relaxed solution names where the search frees the plan."""
    monkeypatch.setattr(bound_module, "COLUMN_ORDERS", 0)
    monkeypatch.setattr(planner, "SUPPORT_PAIRS", 0)
    result = plan(twelve_neighbours(), time_limit=30, workers=2)
    summary = result.summary()
    assert summary["orders_met"] == 10 and summary["bound"] == 10 and summary["gap"] == 0.0
    assert summary["bound_detail"]["exact_starts"] is None  # it ran beside, not before
    assert "bound_s" in result.timings and summary["bound_detail"]["whole_groups_iterations"] == 1
    assert result.search["support_rounds"] == 0 and result.search["support_options"] >= 1  # no LP


def test_a_teacher_counts_only_where_they_can_teach_a_whole_weekly_pattern():
    """16 neighbours ask for I1, twice a week (min 8, max 10). T1 is free Monday and Tuesday
    mornings, T2 only on Monday mornings: T2 can start a session in the week's first part but
    never teach a group that meets twice, so one group opens and the bound proves it (counted
    by the first session's part alone, T2 would have let a second group in: 16)."""
    mornings = [("T1", d, "09:00", "12:00") for d in (1, 2)] + [("T2", 1, "09:00", "12:00")]
    problem = pb.district([pb.venue("V1")], [pb.teacher("T1", "I1"), pb.teacher("T2", "I1")], mornings)
    residents = [pb.resident(f"R{n}") for n in range(16)]
    orders = [pb.order(r["resident_id"], "I1") for r in residents]
    pp = pb.plan_problem(problem, [pb.interest("I1", max_size=10, sessions=2)], residents, orders)
    bound = prove_bound(PlanContext(pp, []), np.ones(16, dtype=np.int64), iterations=300)
    assert bound.lp_points == 16 and bound.whole_group_points == 10 and bound.points == 10
    assert plan(pp, time_limit=10, workers=1).summary()["orders_met"] == 10


def test_a_teacher_gives_no_more_sessions_than_their_days_allow():
    """16 neighbours ask for I1, twice a week. T1 may take two new groups and has six free hours,
    but only on Monday and Tuesday mornings, one session a day: two sessions a week, so one group.
    Counted by groups and free minutes alone, the bound would let the second group in (16)."""
    problem = pb.district(
        [pb.venue("V1")],
        [pb.teacher("T1", "I1", max_groups=2, max_sessions_per_day=1)],
        [("T1", d, "09:00", "12:00") for d in (1, 2)],
    )
    residents = [pb.resident(f"R{n}") for n in range(16)]
    orders = [pb.order(r["resident_id"], "I1") for r in residents]
    pp = pb.plan_problem(problem, [pb.interest("I1", max_size=10, sessions=2)], residents, orders)
    bound = prove_bound(PlanContext(pp, []), np.ones(16, dtype=np.int64), iterations=300)
    assert bound.whole_group_points == 10 and bound.points == 10
    assert plan(pp, time_limit=10, workers=1).summary()["orders_met"] == 10


def test_a_group_counts_only_against_the_teachers_who_could_teach_its_pattern():
    """I1 meets twice a week, on the mornings its residents can come: eight on Monday and
    Wednesday (T1's mornings), eight on Tuesday and Thursday (T2's). T1 may take two new groups,
    T2 one, and eight more residents want I2 on Tuesday and Thursday, which only T2 teaches: two
    groups open, not three. Counted by the part of the week alone, T1's second group would have
    stood in for the Tuesday one (24)."""
    mon_wed = [("T1", d, "09:00", "12:00") for d in (1, 3)]
    tue_thu = [("T2", d, "09:00", "12:00") for d in (2, 4)]
    problem = pb.district(
        [pb.venue("V1")],
        [pb.teacher("T1", "I1", max_groups=2), pb.teacher("T2", "I1;I2")],
        mon_wed + tue_thu,
    )
    times = {
        "A": "1@09:00-12:00;3@09:00-12:00",
        "B": "2@09:00-12:00;4@09:00-12:00",
        "C": "2@09:00-12:00;4@09:00-12:00",
    }
    residents = [pb.resident(f"{c}{n}", available=times[c]) for c in "ABC" for n in range(8)]
    orders = [pb.order(r["resident_id"], "I2" if r["resident_id"][0] == "C" else "I1") for r in residents]
    interests = [pb.interest("I1", sessions=2), pb.interest("I2", sessions=2)]
    pp = pb.plan_problem(problem, interests, residents, orders)
    bound = prove_bound(PlanContext(pp, []), np.ones(24, dtype=np.int64), iterations=500)
    assert bound.whole_group_points == 16 and bound.points == 16
    assert plan(pp, time_limit=10, workers=1).summary()["orders_met"] == 16


def test_a_bound_is_never_below_a_plan_that_exists():
    """Both residents' groups can open (two teachers): the bound must allow both."""
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V3", "C3")],
        [pb.teacher("T1", "I1"), pb.teacher("T2", "I1")],
        [(t, d, "09:00", "12:00") for t in ("T1", "T2") for d in range(1, 8)],
    )
    residents = [pb.resident(f"A{n}") for n in range(8)] + [pb.resident(f"B{n}", "C3") for n in range(8)]
    orders = [pb.order(r["resident_id"], "I1") for r in residents]
    pp = pb.plan_problem(problem, [pb.interest("I1", max_size=16)], residents, orders)
    for iterations in (1, 10, 300):
        bound = prove_bound(PlanContext(pp, []), np.ones(16, dtype=np.int64), iterations=iterations)
        assert bound.points >= 16
    assert plan(pp, time_limit=10, workers=1).summary()["orders_met"] == 16


def test_parts_of_the_week_split_weekdays_from_weekends_and_the_day_in_three():
    part_at = part_of_start(15, 96)  # a day of 15-minute steps
    assert part_at[0, 9 * 4] == 0 and part_at[4, 12 * 4] == 1 and part_at[2, 17 * 4] == 2  # weekdays
    assert part_at[5, 0] == 3 and part_at[6, 16 * 4] == 4 and part_at[6, 19 * 4] == 5  # weekends
    assert len(PARTS) == 6 and (part_at >= 0).all()


def test_group_ceilings_take_each_venues_groups_in_turn_and_keep_the_largest():
    # venue 1: groups of at most 10 from 25 in reach (10, 10, 5); venue 2: one group of 8
    assert group_ceilings({1: (10, 25), 2: (8, 8)}, 3) == [10, 10, 8]
    assert group_ceilings({1: (10, 25), 2: (8, 8)}, 10) == [10, 10, 8, 5]
    assert group_ceilings({}, 5) == []


def test_the_bound_stops_once_settled_and_leaves_its_core_to_the_search(monkeypatch):
    """Given all the time in the world, the subgradient stops when its last ``SETTLED`` steps
    lowered the bound by less than ``SETTLED_SHARE`` of it, well before its step would shrink
    to nothing, and loses less than that share by stopping."""
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    points = np.array(pp.order_weights, dtype=np.int64)
    settled = prove_bound(ctx, points, time_limit=600, floor=0)
    n, value = settled.iterations, settled.whole_group_points
    earlier = prove_bound(ctx, points, iterations=n - lagrange.SETTLED, floor=0).whole_group_points
    assert earlier - value < lagrange.SETTLED_SHARE * value
    monkeypatch.setattr(lagrange, "SETTLED", 10**9)
    unsettled = prove_bound(ctx, points, time_limit=600, floor=0)
    assert unsettled.iterations > n
    assert value - unsettled.whole_group_points <= lagrange.SETTLED_SHARE * value


def test_a_relaxation_too_large_to_build_in_its_time_is_left_out_and_the_lp_bound_stands(monkeypatch):
    """Four districts take longer to build the relaxation than a plan's bound has (92 s for 2.99
    million teachers tried): it is given up, by its work when the run is reproducible and by the
    wall otherwise, never with a fixed number of steps; the LP's bound is then the bound."""
    monkeypatch.setattr(bound_module, "COLUMN_ORDERS", 0)  # no exact-start bound: the district's case
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    points = np.array(pp.order_weights, dtype=np.int64)
    built = prove_bound(ctx, points, time_limit=60, deterministic=True, floor=0)
    assert built.whole_group_points is not None and built.points < built.lp_points
    monkeypatch.setattr(lagrange, "BUILD_COST_S_PER_TEACHER", 1e3)  # one teacher tried: over 60 s
    given_up = prove_bound(ctx, points, time_limit=60, deterministic=True, floor=0)
    assert given_up.whole_group_points is None and given_up.iterations == 0
    assert given_up.points == given_up.lp_points == built.lp_points
    assert given_up.orders >= built.orders  # the LP's bound on orders, at most as tight
    tests = satisfiable_orders(ctx)
    args = (ctx, tests.by_new, tests.joinable, tests.feasible, points)
    assert lagrange.lagrangian_bound(*args, floor=0, time_limit=1e-9) is None  # by the wall
    fixed = lagrange.lagrangian_bound(*args, floor=0, time_limit=1e-9, iterations=3)
    assert fixed is not None and fixed[1] == 3


def test_the_bound_on_orders_stops_when_told(monkeypatch):
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    tests = satisfiable_orders(ctx)
    relaxation = lagrange.Relaxation(ctx, tests.by_new, tests.joinable, tests.feasible)
    points = np.array(pp.order_weights, dtype=np.float64)[relaxation.orders]
    steps = []
    value = relaxation.value
    monkeypatch.setattr(relaxation, "value", lambda *a: steps.append(1) or value(*a))
    start = (np.zeros(len(points)), lagrange._room_prices(relaxation, points), np.zeros(relaxation.slots))
    once = lagrange._orders_bound(relaxation, 0.0, *start, points, lambda: True)
    assert len(steps) == 1
    longer = lagrange._orders_bound(relaxation, 0.0, *start, points, lambda: False)
    assert len(steps) > 2 and longer <= once


def test_the_prices_go_to_the_first_plan_once_after_their_steps_or_when_the_bound_stops(monkeypatch):
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    points = np.array(pp.order_weights, dtype=np.int64)
    for steps, iterations in ((10**6, 3), (5, 20)):  # offered at the end of 3 steps; after 5 of 20
        monkeypatch.setattr(lagrange, "GUIDE_STEPS", steps)
        offered: list[tuple[np.ndarray, np.ndarray]] = []
        prove_bound(ctx, points, iterations=iterations, floor=0, guide=lambda *p, to=offered: to.append(p))
        assert len(offered) == 1
        by_order, by_resident, relaxed = offered[0]
        assert by_order.shape == (len(pp.orders),) and by_resident.shape == (len(ctx.resident_ids),)
        assert (by_order >= 0).all() and (by_resident >= 0).all() and by_resident.any()
        # an average over steps: groups only where some step opened one, joins a share of the steps
        assert relaxed.groups and all(g > 0 for g in relaxed.groups.values())
        assert all(0 < share <= 1 for share in relaxed.joins.values())
        assert {i for i, _ in relaxed.groups} <= {i.interest_id for i in pp.interests}
    assert by_order.any()  # after 5 steps some orders are priced: more groups want them than can have them


def test_orders_a_running_group_meets_already_are_held_not_left_open():
    """M1 is in G1 (I1) and orders I1 and I2; R1 orders I1: M1's I1 is held, the rest are open,
    and the bound counts the held order's points once, outside its relaxations."""
    problem = pb.district(
        [pb.venue("V1", capacity=12)],
        [pb.teacher("T1", "I1;I2", max_groups=1)],
        [("T1", d, "09:00", "12:00") for d in range(1, 6)],
        groups=[pb.running_group("G1", "T1", "I1", size=1)],
        members=[("M1", "G1")],
    )
    residents = [pb.resident("M1"), pb.resident("R1")]
    orders = [pb.order("M1", "I1"), pb.order("M1", "I2", rank=2), pb.order("R1", "I1")]
    interests = [pb.interest("I1", min_size=1), pb.interest("I2", min_size=1)]
    ctx = PlanContext(pb.plan_problem(problem, interests, residents, orders), [])
    assert held_orders(ctx) == [0]
    tests = satisfiable_orders(ctx)
    assert tests.feasible == [1, 2]
    points = np.array(ctx.pp.order_weights, dtype=np.int64)
    bound = prove_bound(ctx, points, time_limit=5, iterations=50)
    assert bound.held_points == int(points[0])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_pattern_sets_witness_every_whole_pattern_and_hold_no_more(data):
    """Against every pattern listed by hand (one start a day on ``k`` different weekdays, a
    teacher and the venue free, at least ``min_size`` orderers free at all): each is within a
    set of its part that one of its teacher's sets leads to, and each set is some pattern's."""
    members, teachers, least, k = (
        data.draw(st.integers(lo, hi)) for lo, hi in ((1, 9), (1, 3), (1, 4), (1, 3))
    )
    steps = 24  # hours of the day (grid 60)

    def free(shape):
        return np.array(
            data.draw(st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        ).reshape(shape)

    hours = [8, 10, 14, 19]  # a few starts of each day, in three parts of it
    starts = np.zeros((members, 7, steps), dtype=bool)
    starts[:, :, hours] = free((members, 7, len(hours)))
    allowed = np.zeros((teachers, 7, steps), dtype=bool)
    allowed[:, :, hours] = free((teachers, 7, len(hours)))
    venue = np.ones((7, steps), dtype=bool)
    ctx = SimpleNamespace(grid=60, steps=steps, teacher_starts_many=lambda ts, v, d: allowed[ts])
    interest = SimpleNamespace(min_size=least, sessions_per_week=k, duration_min=60)
    sets = lagrange._pattern_sets(ctx, starts, venue, list(range(teachers)), 0, interest)
    part_at = part_of_start(60, steps)
    for t in range(teachers):
        ok = starts & allowed[t]
        for days in itertools.combinations(range(7), k):
            for chosen in itertools.product(hours, repeat=k):
                who = np.logical_and.reduce([ok[:, d, h] for d, h in zip(days, chosen, strict=True)])
                if who.sum() < least:
                    continue
                bits = sum(1 << int(i) for i in np.flatnonzero(who))
                part = int(part_at[days[0], chosen[0]])
                assert any(p == part and bits & b == bits and t in able for p, b, able in sets)
    for p, b, able in sets:
        assert b.bit_count() >= least and able
        assert not any(q == p and b != c and b & c == b for q, c, _ in sets)  # none holds another


def test_the_relaxed_solution_is_averaged_over_the_steps_after_the_first_ones(monkeypatch):
    """Averaged over steps 2-5 of 5 (the first wanders): every share a multiple of 1/4, not all of 1/5."""
    made = synthetic_orders(generate("small", 1), 1)
    pp = made.plan_problem()
    ctx = PlanContext(pp, greedy(made.problem))
    points = np.array(pp.order_weights, dtype=np.int64)
    monkeypatch.setattr(lagrange, "AVERAGE_FROM", 1)
    monkeypatch.setattr(lagrange, "GUIDE_STEPS", 5)
    offered: list = []
    prove_bound(ctx, points, iterations=20, floor=0, guide=lambda *p: offered.append(p))
    (_, _, relaxed), *_ = offered
    shares = np.array([*relaxed.groups.values(), *relaxed.joins.values()])
    assert len(shares) and np.allclose(shares * 4, np.round(shares * 4))
    assert not np.allclose(shares * 5, np.round(shares * 5))
    assert all(0 < share <= 1 for share in relaxed.joins.values())
