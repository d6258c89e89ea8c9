"""A proven upper bound on tier 1 (order points met), valid for the district, not for the candidates.

What it proves: no plan that keeps the rules (running groups kept where they are) meets orders
worth more than ``bound`` points, or more than ``bound_orders`` orders. It is the optimum of a
relaxation in which every rule is replaced by something weaker:

1. *An order can be met at all* only if the resident has room for a group and either
   (a) a running group of the interest has a free seat (``max_size`` and each venue's capacity),
       lies within their walk and meets when they are free, or
   (b) on ``sessions_per_week`` different weekdays there is a start at which the resident is
       free, some venue within their walk that fits the interest (features, capacity ≥ min_size)
       is free of running sessions, some teacher of the interest with a new group and enough
       weekly sessions left is free (with a session left that day), and at least ``min_size``
       residents who ordered the interest (and have room) can walk to that venue and are free then.
   Any group that meets the order satisfies these (its members, venue, teacher and times are
   the witnesses), so no met order is ruled out. Candidates play no part.
2. Over those orders, an integer model: each resident meets at most their room of orders;
   joins into one running group fit its free seats (per group, over exactly the eligible
   residents); new-group members of an interest number at most ``cap × N``, with cap the
   interest's ``max_size`` (or the largest fitting venue, if smaller) and ``N`` the new groups of
   the interest, split among the teachers who teach it, each within their ``max_groups``,
   weekly sessions and free minutes left; and at most what its ``N`` largest group ceilings
   allow (``group_ceilings``: a group holds no more than the orderers in reach of its venue who
   are free at one start), as a concave piecewise-linear function of ``N``.

Its linear relaxation is solved with GLOP (floating point; the optimum is rounded down after a
1e-7 relative margin for tolerances): an LP optimum bounds the integer model, which bounds
every plan. That LP may fill fractions of groups anywhere; ``kecheng.planning.lagrange`` bounds
a model with whole groups of at least ``min_size`` residents who reach one venue and can all come
to every session of one weekly pattern, and with the time left it usually proves less. For inputs
of up to ``COLUMN_ORDERS`` open orders ``kecheng.planning.columns`` bounds groups at exact starts
(a teacher, a venue and a member in one session at a time), by column generation. The bound on
order points is the lowest of them; the one on orders met the lower of the LP's and the
whole-group one (from a short run on its relaxation with every order worth one,
``lagrange.ORDER_STEPS``). The gap reported is ``(bound − met) / bound``.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from kecheng.planning.candidates import Timed, fitting_venues, haversine_m_many, open_orders
from kecheng.planning.columns import column_bound
from kecheng.planning.context import PlanContext, starts_mask
from kecheng.planning.lagrange import Relaxed, lagrangian_bound

LAGRANGE_SHARE = 0.7  # of a reproducible bound's time, for the Lagrangian steps (the LPs take the rest)
COLUMN_ORDERS = 4_000  # open orders (passing test 1) up to which the exact-start bound runs: it
# converges in seconds for one district of 40 running groups (~640), not in minutes for 150 (~2 600-
# 2 900), but there too its bound and its times as candidates help (five shapes, one worker, 150 s:
# gap 3.40 -> 1.75 %, median); the generated district (~25 000) prices 95 000 families a round
COLUMN_SHARE = 0.5  # of the bound's time, at most, for the exact-start bound when it runs (a
# reproducible bound takes it from the Lagrangian steps' share; one district of 40 running groups
# needs 3-23 s of it, one worker)


@dataclass(frozen=True)
class Bound:
    points: int  # upper bound on tier 1 (order points): the lower of the two below
    orders: int  # upper bound on orders met: the lower of the LP's and the whole-group one's
    lp_points: int  # the LP's bound on order points
    whole_group_points: int | None  # kecheng.planning.lagrange's bound (None: not run)
    iterations: int  # of the Lagrangian bound
    exact_start_points: int | None  # kecheng.planning.columns' bound (None: not run)
    exact_start_rounds: int  # of its column generation (0: not run)
    feasible_orders: int  # orders that pass test 1 (plus those met already by membership)
    held_points: int  # points of orders met by a running group the resident is already in
    status: str
    seconds: float
    times: tuple[Timed, ...] = ()  # with ``times``: the groups the exact-start LP uses at the end


@dataclass(frozen=True)
class Tests:
    """What test 1 finds: per open order, can a new group meet it (1b)? which running groups
    could (1a)? and per interest, ``ceilings``: the most members its n-th best new group can
    add (see ``group_ceilings``)."""

    by_new: dict[int, bool]
    by_join: dict[int, bool]
    joinable: dict[int, list[str]]
    ceilings: dict[str, list[int]]

    @property
    def feasible(self) -> list[int]:
        """The open orders test 1 lets a new or a running group meet, ascending."""
        return sorted(k for k in self.by_new if self.by_new[k] or self.by_join.get(k))


def held_orders(ctx: PlanContext) -> list[int]:
    """Orders met already: the resident is in a running group of that interest."""
    return [
        k
        for k, o in enumerate(ctx.pp.orders)
        if o.interest_id in ctx.held_interests[ctx.resident_index[o.resident_id]]
    ]


def group_ceilings(sizes: dict[int, tuple[int, int]], most: int) -> list[int]:
    """The most members each further new group of one interest can add, best first.

    ``sizes``: per venue, (the largest group it can hold: orderers in reach who are free at one
    start when the venue and a teacher are, capped at max_size and the venue's capacity; the
    orderers in reach). Groups at one venue share its orderers, so its k-th group adds at most
    ``min(largest, in_reach − (k − 1)·largest)``. Any n new groups of the interest hold at
    most the sum of the first n of these (sorted, so the sum is concave in n).
    """
    steps: list[int] = []
    for largest, in_reach in sizes.values():
        left, taken = in_reach, 0
        while left > 0 and largest > 0 and taken < most:
            steps.append(min(largest, left))
            left -= largest
            taken += 1
    steps.sort(reverse=True)
    return steps[:most]


def satisfiable_orders(ctx: PlanContext) -> Tests:
    """Test 1 for every open order, and each interest's group ceilings."""
    by_new: dict[int, bool] = {}
    by_join: dict[int, bool] = {}
    joinable: dict[int, list[str]] = defaultdict(list)
    ceilings: dict[str, list[int]] = {}
    orders = open_orders(ctx)
    groups_left, week_left, _ = ctx.teacher_room
    for interest in ctx.pp.interests:
        ks = orders.get(interest.interest_id, [])
        if not ks:
            continue
        duration = interest.duration_min // ctx.grid
        residents = np.array([ctx.resident_index[ctx.pp.orders[k].resident_id] for k in ks], dtype=np.int64)
        free = ctx.resident_free[residents]
        starts = starts_mask(free, duration)
        # (a) running groups with seats
        for group_id in ctx.running_by_interest.get(interest.interest_id, ()):
            g = ctx.running[group_id]
            if g.seats <= 0:
                continue
            ok = np.ones(len(ks), dtype=bool)
            for s in g.sessions:
                ok &= free[:, s.day - 1, s.start : s.end].all(-1)
            for v in sorted({s.venue for s in g.sessions}):
                ok &= haversine_m_many(ctx, residents, v) <= ctx.resident_walk[residents]
            for pos in np.flatnonzero(ok):
                joinable[ks[pos]].append(group_id)
        for k in ks:
            by_join[k] = bool(joinable.get(k))
        # (b) a new group
        teachers = ctx.teachers_with_room(interest)
        if len(ks) < interest.min_size or not teachers:
            for k in ks:
                by_new[k] = False
            continue
        teacher_any = ctx.open_starts(duration)[teachers].any(0)
        venues = set(fitting_venues(ctx, interest).tolist())
        reach: dict[int, list[int]] = defaultdict(list)
        for pos, r in enumerate(residents):
            for v in ctx.reach[r][0]:
                if int(v) in venues:
                    reach[int(v)].append(pos)
        usable: dict[int, np.ndarray] = {}
        sizes: dict[int, tuple[int, int]] = {}
        for v, positions in reach.items():
            if len(positions) < interest.min_size:
                continue
            ok = ctx.venue_starts(duration)[v] & teacher_any
            if not ok.any():
                continue
            count = starts[positions].sum(0, dtype=np.int32)
            ok &= count >= interest.min_size
            if ok.any():
                usable[v] = ok
                largest = min(int(count[ok].max()), interest.max_size, int(ctx.venue_capacity[v]))
                sizes[v] = (largest, len(positions))
        ceilings[interest.interest_id] = group_ceilings(
            sizes,
            int(sum(min(int(groups_left[t]), week_left[t] // interest.sessions_per_week) for t in teachers)),
        )
        for pos, k in enumerate(ks):
            union = np.zeros((7, ctx.steps), dtype=bool)
            for v in ctx.reach[residents[pos]][0]:
                if int(v) in usable:
                    union |= usable[int(v)]
            days = int((union & starts[pos]).any(-1).sum())
            by_new[k] = days >= interest.sessions_per_week
    return Tests(by_new, by_join, dict(joinable), ceilings)


def exact_starts(tests: Tests) -> bool:
    """Does ``prove_bound`` run the exact-start bound (up to ``COLUMN_ORDERS`` open orders)?"""
    return len(tests.feasible) <= COLUMN_ORDERS


def prove_bound(
    ctx: PlanContext,
    points: np.ndarray,
    *,
    time_limit: float = 20.0,
    floor: float | Callable[[], float] = 0.0,
    iterations: int | None = None,
    deterministic: bool = False,
    guide: Callable[[np.ndarray, np.ndarray, Relaxed], None] | None = None,
    times: bool = False,
    tests: Tests | None = None,
) -> Bound:
    """The relaxations' bounds on order points and on orders met (see the module doc).

    ``floor``: order points some plan meets (the Lagrangian bound's steps aim at it), or a
    function giving the best known so far;
    ``iterations``: run the Lagrangian bound at most this many steps (reproducible), else until
    ``time_limit`` has passed since the start (0: not at all); ``deterministic``: as many steps
    as ``LAGRANGE_SHARE`` of ``time_limit`` allows by its size (reproducible); ``guide``: gets the
    Lagrangian bound's prices and averaged relaxed solution (``lagrangian_bound``), if it runs.
    Inputs of up to ``COLUMN_ORDERS`` open orders keep ``COLUMN_SHARE`` of ``time_limit`` for the
    exact-start bound (``column_bound``; budgeted by its rounds' sizes when the run is reproducible);
    ``times``: say which groups its last LP uses (``Bound.times``: times worth a candidate);
    ``tests``: ``satisfiable_orders(ctx)``, if the caller has it.
    """
    began = time.perf_counter()
    tests = satisfiable_orders(ctx) if tests is None else tests
    held = held_orders(ctx)
    held_points = int(sum(int(points[k]) for k in held))
    feasible = tests.feasible
    best_points, status_points = _solve(ctx, feasible, tests, points, time_limit / 2)
    ones = np.ones(len(points), dtype=np.int64)
    best_orders, _ = _solve(ctx, feasible, tests, ones, time_limit / 2)
    whole, whole_orders, steps, prices = None, None, 0, None
    exact = exact_starts(tests)
    reserve = COLUMN_SHARE * time_limit if exact else 0.0  # for the exact-start bound
    if deterministic:
        left = LAGRANGE_SHARE * time_limit - reserve
    else:
        left = time_limit - (time.perf_counter() - began) - reserve
    if iterations or (iterations is None and left > 0):
        found_whole = lagrangian_bound(
            ctx,
            tests.by_new,
            tests.joinable,
            feasible,
            points,
            floor=(lambda: max(0.0, floor() - held_points))
            if callable(floor)
            else max(0.0, floor - held_points),
            time_limit=left,
            iterations=iterations,
            deterministic=deterministic,
            guide=guide,
        )
        if found_whole is not None:  # None: too large to build in its time (the LP's bound stands)
            whole, steps, whole_orders, prices = found_whole
    columns = None
    reproducible = deterministic or iterations is not None
    left = reserve if reproducible else min(reserve, time_limit - (time.perf_counter() - began))
    if exact and left > 0:
        columns = column_bound(
            ctx,
            tests.by_new,
            tests.joinable,
            feasible,
            points,
            time_limit=left,
            deterministic=reproducible,
            start=prices,
            support=times,
        )
    found = [b for b in (best_points, whole, columns.points if columns else None) if b is not None]
    return Bound(
        points=min(found) + held_points,
        orders=min(best_orders, whole_orders if whole_orders is not None else best_orders) + len(held),
        lp_points=best_points + held_points,
        whole_group_points=None if whole is None else whole + held_points,
        iterations=steps,
        exact_start_points=None
        if columns is None or columns.points is None
        else columns.points + held_points,
        exact_start_rounds=columns.rounds if columns else 0,
        feasible_orders=len(feasible) + len(held),
        held_points=held_points,
        status=status_points,
        seconds=time.perf_counter() - began,
        times=columns.times if columns else (),
    )


def _solve(
    ctx: PlanContext,
    feasible: list[int],
    tests: Tests,
    points: np.ndarray,
    time_limit: float,
) -> tuple[int, str]:
    """The LP relaxation's optimum, rounded down after a small relative margin for GLOP's
    floating-point tolerances; without an optimal LP, every test-1 order counts."""
    pp = ctx.pp
    by_new, joinable = tests.by_new, tests.joinable
    everything = int(sum(int(points[k]) for k in feasible))
    lp = pywraplp.Solver.CreateSolver("GLOP")
    lp.SetTimeLimit(int(max(time_limit, 0.1) * 1000))
    groups_left, week_left, _ = ctx.teacher_room
    new: dict[int, pywraplp.Variable] = {}
    met: dict[int, list[pywraplp.Variable]] = {}
    by_resident: dict[int, list[int]] = defaultdict(list)
    by_interest: dict[str, list[int]] = defaultdict(list)
    by_group: dict[str, list[pywraplp.Variable]] = defaultdict(list)
    for k in feasible:
        o = pp.orders[k]
        terms = []
        if by_new.get(k):
            new[k] = lp.NumVar(0, 1, f"n{k}")
            terms.append(new[k])
            by_interest[o.interest_id].append(k)
        for g in joinable.get(k, ()):
            var = lp.NumVar(0, 1, f"j{k}_{g}")
            terms.append(var)
            by_group[g].append(var)
        if len(terms) > 1:
            lp.Add(sum(terms) <= 1)
        met[k] = terms
        by_resident[ctx.resident_index[o.resident_id]].append(k)
    for r, ks in by_resident.items():
        if len(ks) > ctx.resident_room[r]:
            lp.Add(sum(v for k in ks for v in met[k]) <= int(ctx.resident_room[r]))
    for g, js in by_group.items():
        if len(js) > ctx.running[g].seats:
            lp.Add(sum(js) <= ctx.running[g].seats)
    count: dict[tuple[int, str], pywraplp.Variable] = {}
    for interest_id, ks in sorted(by_interest.items()):
        interest = pp.interest[interest_id]
        venues = fitting_venues(ctx, interest)
        cap = min(interest.max_size, int(ctx.venue_capacity[venues].max())) if len(venues) else 0
        terms = []
        for t in ctx.teachers_with_room(interest):
            count[t, interest_id] = lp.NumVar(0, float(groups_left[t]), f"g{t}_{interest_id}")
            terms.append(count[t, interest_id])
        groups = lp.NumVar(0, lp.infinity(), f"groups_{interest_id}")
        members = lp.NumVar(0, lp.infinity(), f"members_{interest_id}")
        lp.Add(groups == sum(terms))
        lp.Add(members == sum(new[k] for k in ks))
        lp.Add(members <= cap * groups)
        # the concave ceiling: n groups add at most the sum of the first n steps (one tangent
        # line where the slope changes)
        steps = tests.ceilings.get(interest_id, [])
        total = 0
        for n, step in enumerate(steps):
            if n == 0 or step != steps[n - 1]:
                lp.Add(members <= total + step * (groups - n))
            total += step
        lp.Add(members <= total)
    free_minutes = ctx.teacher_open.sum((1, 2)) * ctx.grid
    by_teacher: dict[int, list[str]] = defaultdict(list)
    for t, interest_id in count:
        by_teacher[t].append(interest_id)
    for t, interests in sorted(by_teacher.items()):
        vs = [count[t, i] for i in interests]
        lp.Add(sum(vs) <= int(groups_left[t]))
        lp.Add(
            sum(pp.interest[i].sessions_per_week * v for i, v in zip(interests, vs, strict=True))
            <= int(week_left[t])
        )
        minutes = [pp.interest[i].sessions_per_week * pp.interest[i].duration_min for i in interests]
        lp.Add(sum(n * v for n, v in zip(minutes, vs, strict=True)) <= int(free_minutes[t]))
    objective = lp.Objective()
    for k in feasible:
        for v in met[k]:
            objective.SetCoefficient(v, float(points[k]))
    objective.SetMaximization()
    status = lp.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return everything, "LP_NOT_SOLVED"
    value = objective.Value()
    return min(everything, math.floor(value * (1 + 1e-7) + 1e-6)), "OPTIMAL"
