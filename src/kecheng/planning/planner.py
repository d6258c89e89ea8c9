"""plan(): from residents' orders to opened groups, members and their timetable, in one go.

The walk of one plan: ``PlanContext`` (the district indexed, running groups in place) →
candidates and the search space (on inputs small enough for the exact-start bound, the bound
first, and candidates added at the times its LP uses) → a constructive plan (lazy greedy), and
another scored by the bound's prices once its first steps are done (the search takes it if it is
better) → an LP
over the candidates (or, on large spaces, the bound's relaxed solution) whose support the search
frees in turn (``kecheng.planning.support``) →
large-neighbourhood search with CP-SAT (``kecheng.planning.search``) → the planned week,
checked → the bound → reasons for every unmet order, demand → ``PlanResult``. Every new group
gets all its sessions at fixed times chosen with it, so the plan and the timetable are decided
together.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from kecheng.cpsat.search import worker_count
from kecheng.i18n import language, use_language
from kecheng.planning.base import Placement, solve, unplaced_reasons
from kecheng.planning.bound import Bound, Tests, exact_starts, prove_bound, satisfiable_orders
from kecheng.planning.context import PlanContext
from kecheng.planning.cpsat import tiers
from kecheng.planning.demand import demand_frame
from kecheng.planning.greedy import staff_plan
from kecheng.planning.heuristic import construct, fill_seats
from kecheng.planning.lagrange import Relaxed
from kecheng.planning.model import PlanProblem, order_points
from kecheng.planning.outcome import Outcome, from_solution
from kecheng.planning.reasons import Explainer
from kecheng.planning.result import PlanResult
from kecheng.planning.search import improve
from kecheng.planning.solution import Solution
from kecheng.planning.space import Space, build_space
from kecheng.planning.support import Support, lp_support, relaxed_support
from kecheng.planning.weights import WALK_STEP_M, PlanWeights

BOUND_SHARE = 0.3  # of the time limit, for the bound before the search when there is one worker
BOUND_ITERATIONS = 200  # the Lagrangian bound's steps when the run must be reproducible
GREEDY_BOUND_S = 30.0  # for the baseline's bound (its LP, then the Lagrangian bound)
SETUP_S_PER_ORDER = 5e-4  # candidates and both first plans (measured: 13 s for 25 890 orders)
REPLAN_SHARE = 0.25  # of the time limit, for re-timetabling the planned week with ``replan``
SUPPORT_SHARE = 0.2  # of the search's time, for the LP over the options whose support the search
# frees in turn (``kecheng.planning.support``), made before the search
SUPPORT_PAIRS = 300_000  # spaces of up to this many pairs only (150 running groups: 50 000-86 000):
# on the district (958 000) the LP gets 1-10 rounds, uses 0-45 candidates and takes ~1.2 GB more
# memory (1 770 MB in all), for -0.1 to +0.6 % order points (four runs, two workers)


def plan(
    plan_problem: PlanProblem,
    timetable: Iterable[Placement] = (),
    *,
    time_limit: float = 120.0,
    seed: int = 0,
    workers: int = 0,
    weights: PlanWeights | None = None,
    replan: bool = False,
    bound: bool = True,
    neighbourhoods: int | None = None,
    log: bool = False,
    on_progress: Callable[[dict], None] | None = None,
) -> PlanResult:
    """Open new groups and place residents so that the most (and best-ranked) orders are met.

    Parameters
    ----------
    plan_problem
        The district with its running groups, and residents' interests and orders.
    timetable
        The running groups' current sessions (e.g. last week's timetable.csv as placements).
        They stay exactly where they are; a running group with sessions missing here takes
        no new members (nobody can promise to come to a session without a time).
    time_limit
        Seconds for the whole plan (candidates, search, bound, reasons); the search gets what
        the other steps leave.
    seed, workers
        CP-SAT's seed and threads (0: every core). With more than one, the bound runs on a
        thread of its own beside the search (unless it runs the exact-start bound: see ``bound``),
        which gets the other ``workers - 1``, and once the
        bound has settled, the search solves as many neighbourhoods at once as there are
        cores, one CP-SAT worker each (``kecheng.planning.search``). With
        ``workers=1`` every budget is counted in work, not on the wall clock (CP-SAT's
        deterministic clock for the search, steps by the model's size for the bound and
        the set-up): the same input and seed give the same plan in every process, however
        busy the machine (the wall clock stops only a machine far slower than planned).
    weights
        The objective's lower tiers (``PlanWeights``); tier 1, orders met by rank, always first.
    replan
        Running groups may move: after the plan, ``kecheng.solve`` re-timetables the planned week
        with the new groups and every running group that gained members locked (their members
        chose those times) and the other running groups' sessions as ``previous`` (kept where
        that costs nothing, moved where that places more sessions). It gets
        ``REPLAN_SHARE`` of the time limit.
    bound
        Prove the upper bound on tier 1 (``kecheng.planning.bound``: an LP, then the
        whole-group Lagrangian bound of ``kecheng.planning.lagrange``), beside the search for
        as long as it runs, aiming at the search's best plan so far; with one worker, before
        the search, for ``BOUND_SHARE`` of the time limit. Inputs of up to ``COLUMN_ORDERS``
        open orders (``kecheng.planning.bound``) take that path with any number of workers: the
        groups its exact-start LP uses become candidates too (``timed_candidates``), since they
        name times the candidates' patterns lack. With ``neighbourhoods``: at most
        ``BOUND_ITERATIONS`` steps. Its prices after its first steps score a second first plan
        (``kecheng.planning.heuristic``): with one worker the search starts from the better one;
        beside the search, the search goes on from it if it is better than the plan it has by
        then. Off gives that time to the search.
    neighbourhoods
        Solve exactly this many neighbourhoods in the search, whatever the clock says (and
        at most ``BOUND_ITERATIONS`` steps of the bound); by default as many as ``time_limit`` allows.
    on_progress
        Called with a dict after every neighbourhood the search solves.

    Returns
    -------
    PlanResult
        The planned week (``problem()``, ``placements``), assignments with reasons, demand,
        ``summary()`` with the bound and gap.
    """
    weights = weights or PlanWeights()
    began = time.perf_counter()
    retimetable_time = REPLAN_SHARE * time_limit if replan else 0.0
    time_limit -= retimetable_time
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = now - since
        return now

    ctx = PlanContext(plan_problem, timetable)
    points = _points(plan_problem, weights)
    mark = lap("context_s", began)
    space = build_space(ctx, points)
    mark = lap("candidates_s", mark)
    start = construct(space)
    mark = lap("construct_s", mark)
    floor = tiers(space, start, weights)[0]
    iterations = None if neighbourhoods is None else BOUND_ITERATIONS
    cores = worker_count(workers)
    tests = satisfiable_orders(ctx) if bound else None
    # the bound on a core of its own, beside the search, unless its exact-start LP names times for
    # candidates (``timed_candidates``): then before it, as with one worker
    beside = bound and cores > 1 and not exact_starts(tests)
    reproducible = cores == 1  # every budget on a clock of work done, not of the wall
    proven = None
    timed = 0  # candidates added at the exact-start LP's times
    prices = _Prices()
    if bound and not beside:
        proven = prove_bound(
            ctx,
            np.array(points, dtype=np.int64),
            time_limit=max(2.0, BOUND_SHARE * time_limit),
            floor=floor,
            iterations=iterations,
            deterministic=reproducible,
            guide=prices.offer,
            times=True,
            tests=tests,
        )
        mark = lap("bound_s", mark)
        if proven.times:  # the exact-start LP's groups: candidates at times the patterns lack
            before = len(space.options)
            space = build_space(ctx, points, proven.times)
            timed = len(space.options) - before
            start = construct(space)
            mark = lap("timed_s", mark)
    if reproducible:  # what the steps so far are planned to take, by the input's size
        spent = SETUP_S_PER_ORDER * len(plan_problem.orders) + (BOUND_SHARE * time_limit if bound else 0.0)
    else:
        spent = time.perf_counter() - began
    remaining = time_limit - spent - _explain_reserve(space)
    known = [floor]  # the search's best tier 1 so far: the bound beside it aims at it

    def progress(step: dict) -> None:
        known[0] = max(known[0], step["tier1"])
        if on_progress is not None:
            on_progress(step)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        if beside:  # reproducible runs (fixed iterations) aim at the first plan only
            aim = floor if iterations is not None else (lambda: known[0])
            pending = pool.submit(
                _timed_bound, ctx, points, max(2.0, remaining), aim, iterations, prices.offer, tests
            )
        # the LP over the options, before the search (beside the bound, if it is); on spaces too
        # large for it, the bound's relaxed solution once it comes
        support: Support | Callable[[], Support | None] = functools.partial(prices.support, space)
        if SUPPORT_SHARE > 0 and remaining > 0 and len(space.order) <= SUPPORT_PAIRS:
            support = lp_support(space, time_limit=SUPPORT_SHARE * remaining, deterministic=reproducible)
            mark = lap("support_s", mark)
            remaining -= SUPPORT_SHARE * remaining if reproducible else timings["support_s"]
        if not beside and prices.value is not None:  # the bound ran first: its prices are here
            start = _better(space, weights, start, construct(space, prices.value))

        def restart() -> Solution | None:  # the search takes it, if better, once the prices come
            return None if prices.value is None else construct(space, prices.value)

        lanes: int | Callable[[], int] = 1  # neighbourhoods at once: a core each, once the bound is done
        if not reproducible:
            lanes = (lambda: cores if pending.done() else cores - 1) if pending is not None else cores
        best, record = improve(
            space,
            start,
            weights,
            time_limit=max(0.0, remaining),
            seed=seed,
            workers=cores - 1 if beside else workers,
            log=log,
            on_step=progress,
            neighbourhoods=neighbourhoods,
            deterministic=reproducible,
            lanes=lanes,
            restart=restart if pending is not None else None,
            support=support,
        )
        if pending is not None:
            proven, timings["bound_s"] = pending.result()
    best = fill_seats(space, best)
    mark = lap("search_s", mark)
    named = support() if callable(support) else support
    outcome = from_solution(space, best)
    value = tiers(space, best, weights)
    search = {
        "construct_orders_points": floor,
        "start_orders_points": tiers(space, start, weights)[0],
        "neighbourhoods": len(record.steps),
        "improved": record.improved,
        "whole_model": record.whole,
        "restarted": record.restarted,
        "support_options": None if named is None else len(named.options),
        "support_rounds": None if named is None else named.rounds,
        "named_improved": sum(1 for step in record.steps if step.get("kind") == "named" and step["better"]),
        "status": record.status,
        "options": len(space.options),
        "pairs": len(space.order),
        "timed_candidates": timed,
    }
    result = finish(ctx, space, outcome, "kecheng", weights, points, proven, timings, began, value, search)
    result.settings.update(
        seed=seed, workers=workers, time_limit=time_limit + retimetable_time, replan=replan
    )
    if replan:
        retimetable(result, time_limit=retimetable_time, seed=seed, workers=workers)
        timings["wall_s"] = time.perf_counter() - began
    return result


def retimetable(result: PlanResult, *, time_limit: float, seed: int, workers: int) -> None:
    """Re-solve the planned week's timetable, moving only running groups nobody joined (see ``plan``)."""
    began = time.perf_counter()
    problem = result.problem()
    fixed = set(result.week.new_ids) | set(result.outcome.joins.values())
    locked = [p for p in result.placements if p.group_id in fixed]
    previous = [p for p in result.ctx.placements if p.group_id not in fixed]
    solved = solve(
        problem, time_limit=max(1.0, time_limit), seed=seed, workers=workers, previous=previous, locked=locked
    )
    before = {p.slot for p in result.ctx.placements}
    result.week_placements = tuple(solved.placements)
    result.unplaced = tuple((u.group_id, u.session, u.reason, u.detail) for u in solved.unplaced)
    result.search["retimetable"] = {
        "status": solved.status,
        "running_sessions_before": len(result.ctx.placements),
        "running_sessions_after": sum(1 for p in solved.placements if p.group_id in result.ctx.running),
        "kept": sum(1 for p in solved.placements if p.slot in before),
    }
    result.timings["retimetable_s"] = time.perf_counter() - began


def greedy_plan(
    plan_problem: PlanProblem,
    timetable: Iterable[Placement] = (),
    *,
    weights: PlanWeights | None = None,
    bound: bool = False,
) -> PlanResult:
    """The staff-by-hand baseline (``kecheng.planning.greedy``) as a PlanResult, explained the same way."""
    weights = weights or PlanWeights()
    began = time.perf_counter()
    timings: dict[str, float] = {}
    ctx = PlanContext(plan_problem, timetable)
    points = _points(plan_problem, weights)
    outcome = staff_plan(ctx)
    timings["greedy_s"] = time.perf_counter() - began
    mark = time.perf_counter()
    space = build_space(ctx, points)  # for the reasons (which candidate came closest)
    timings["candidates_s"] = time.perf_counter() - mark
    value = _outcome_tiers(ctx, outcome, weights, points)
    proven = None
    if bound:
        proven = prove_bound(ctx, np.array(points, dtype=np.int64), time_limit=GREEDY_BOUND_S, floor=value[0])
    result = finish(ctx, space, outcome, "greedy", weights, points, proven, timings, began, value, {})
    result.settings.update(seed=None, workers=None, time_limit=None, replan=False)
    return result


def finish(
    ctx: PlanContext,
    space: Space | None,
    outcome: Outcome,
    method: str,
    weights: PlanWeights,
    points: tuple[int, ...],
    proven: Any,
    timings: dict[str, float],
    began: float,
    value: tuple[int, ...],
    search: dict[str, Any],
) -> PlanResult:
    """The PlanResult of an outcome: the week, reasons, demand, unscheduled sessions."""
    from kecheng.planning.week import Week

    mark = time.perf_counter()
    week = Week(ctx, outcome)
    explainer = Explainer(ctx, space, week)
    with use_language(language()):  # read once: the locale is asked for each of many messages otherwise
        verdicts = explainer.verdicts()
        demand = demand_frame(ctx, space, explainer, verdicts)
    held = sum(points[k] for k, v in enumerate(verdicts) if v.group_id and k not in week.group_of_order)
    result = PlanResult(
        ctx=ctx,
        week=week,
        verdicts=verdicts,
        demand=demand,
        bound=proven,
        tiers={
            "orders_points": int(value[0]) + int(held),
            "first_group": int(value[1]),
            "together": int(value[2]),
            "groups": int(-value[3]),
            "walk_units": int(-value[4]),
            "walk_unit_m": WALK_STEP_M,
        },
        method=method,
        timings=timings,
        search=search,
        settings={"weights": weights.model_dump()},
    )
    timings["explain_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    placed = result.placements
    result.unplaced = tuple(
        (u.group_id, u.session, u.reason, u.detail) for u in unplaced_reasons(result.problem(), list(placed))
    )
    timings["week_s"] = time.perf_counter() - mark
    timings["wall_s"] = time.perf_counter() - began
    return result


def _points(pp: PlanProblem, weights: PlanWeights) -> tuple[int, ...]:
    return pp.order_weights if weights.rank_base is None else order_points(pp.orders, weights.rank_base)


def _timed_bound(
    ctx: PlanContext,
    points: tuple[int, ...],
    time_limit: float,
    floor: float | Callable[[], float],
    iterations: int | None,
    guide: Callable[[np.ndarray, np.ndarray], None],
    tests: Tests | None,
) -> tuple[Bound, float]:
    """The bound and the seconds it took (it runs on a thread of its own, beside the search)."""
    began = time.perf_counter()
    proven = prove_bound(
        ctx,
        np.array(points, dtype=np.int64),
        time_limit=time_limit,
        floor=floor,
        iterations=iterations,
        guide=guide,
        tests=tests,
    )
    return proven, time.perf_counter() - began


@dataclass
class _Prices:
    """The bound's prices (per order, per resident) and relaxed solution, handed over from the
    thread it runs on."""

    value: tuple[np.ndarray, np.ndarray] | None = None
    relaxed: Relaxed | None = None
    named: Support | None = None

    def offer(self, by_order: np.ndarray, by_resident: np.ndarray, relaxed: Relaxed) -> None:
        self.relaxed = relaxed
        self.value = (by_order, by_resident)

    def support(self, space: Space) -> Support | None:
        """What the relaxed solution names (``relaxed_support``), once it has come."""
        if self.named is None and self.relaxed is not None:
            self.named = relaxed_support(space, self.relaxed)
        return self.named


def _better(space: Space, weights: PlanWeights, first: Solution, second: Solution) -> Solution:
    return second if tiers(space, second, weights) > tiers(space, first, weights) else first


def _explain_reserve(space: Space) -> float:
    """Seconds kept back for the planned week, reasons and demand (measured: 2.3-3.5 s for the
    district's 25 890 orders, 12.6-17.3 s for four districts' 102 764)."""
    return 2.0 + len(space.ctx.pp.orders) / 6000


def _outcome_tiers(
    ctx: PlanContext, outcome: Outcome, weights: PlanWeights, points: tuple[int, ...]
) -> tuple[int, int, int, int, int]:
    """The tiers of any outcome (the baseline's too), computed from the plan itself."""
    import math

    from kecheng.planning.week import Week

    week = Week(ctx, outcome)
    pp = ctx.pp
    t1 = sum(points[k] for k in week.group_of_order)
    joined = {ctx.resident_index[pp.orders[k].resident_id] for k in week.group_of_order}
    t2 = sum(1 for r in joined if not ctx.groups_of.get(ctx.resident_ids[r]))
    index = {(o.resident_id, o.interest_id): k for k, o in enumerate(pp.orders)}
    pairs = set()
    for k, o in enumerate(pp.orders):
        mate = index.get((o.with_, o.interest_id)) if o.with_ else None
        if mate is not None:
            pairs.add((min(k, mate), max(k, mate)))
    g = week.group_of_order
    t3 = sum(1 for a, b in pairs if a in g and g.get(b) == g[a])
    t4 = len(outcome.new)
    t5 = sum(
        math.ceil(week.walk_to(ctx.resident_index[pp.orders[k].resident_id], group_id) / WALK_STEP_M)
        for k, group_id in g.items()
    )
    return (t1, weights.first_group * t2, weights.together * t3, -weights.group * t4, -weights.walk * t5)
