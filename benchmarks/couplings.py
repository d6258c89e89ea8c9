"""Which of the district's couplings opens the gap between the plan and its bound? Loosen one, plan again.

    python benchmarks/couplings.py --shapes generator tight --seeds 0 --modes base room teachers --jobs 2
    python benchmarks/couplings.py --modes alone --alone-top 8 --time-limit 200 --jobs 2
    python benchmarks/couplings.py --modes alone:I37 alone:I18 --time-limit 200 --prove 1200 --jobs 2
    python benchmarks/couplings.py --shapes generator tight --modes alone:I37 --lp-candidates 300 --jobs 2

Each run is ``kecheng.generate("district", seed, shape=...)`` with its synthetic orders and the
first-fit timetable for the running groups, planned with one worker (``plan``'s budgets counted in
work done, so runs side by side give the same figures), with one thing changed:

- ``base``: nothing;
- ``room``: every resident may join ``--room`` groups (orders compete for no resident's room);
- ``teachers``: every teacher may take ``--teacher-factor`` times their new groups;
- ``alone``: the orders of one interest only (each of the ``--alone-top`` interests with the most
  orders in turn; ``alone:I37`` that one), so nothing of other interests takes residents' room or
  time, teachers or venues.

If loosening a coupling closes the gap, the bound's loss (or the search's) lies in that coupling;
if the gap stays or widens, it lies in what is left. Prints one JSON line per run (order points,
the bound and its relaxations, gap, groups opened, orders met), then per mode the median gap and
its range.

``--prove S`` then gives CP-SAT the plan's whole search space as one model (every candidate group
free; tier 1 only; hinted with the plan; S seconds on its deterministic clock, one worker).
``prove_status`` OPTIMAL means no plan over the candidates meets more order points than
``prove_best``, as the search counts them (``prove_start`` is the plan's). Whatever lies between
that and the bound is then the bound's loss, or groups at times the candidates do not hold; it is
not the search's. Small inputs only (one interest alone: 10 000-75 000 pairs).

``--lp-candidates S`` asks whether the candidates hold the times a better plan needs: S seconds of
the exact-start LP's column generation (``kecheng.planning.columns``, over every start; counted by
its rounds' sizes, so reproducible), then the
same input planned again, its candidates joined by every (venue, starts) the LP's last solution
uses, with the teachers it gives them (``lp_patterns`` of them are new). ``lp_plan_points`` is that
plan; with ``--prove`` the proof is then over the larger space, hinted with it. The planner adds
the times of its own exact-start LP (shorter, inside its bound's budget) to the candidates of
inputs up to ``COLUMN_ORDERS`` open orders; this asks what a longer one adds. It has no way to take
candidates from outside, so this script lends them to it (``extra_times``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
from columns import solution_of
from plan import instance

import kecheng
from kecheng.planning import PlanProblem, plan, synthetic_orders
from kecheng.planning import space as space_module
from kecheng.planning.bound import satisfiable_orders
from kecheng.planning.candidates import Timed
from kecheng.planning.columns import column_bound
from kecheng.planning.cpsat import ScopedModel, full_scope, tiers
from kecheng.planning.space import build_space
from kecheng.planning.weights import PlanWeights

TIER_1 = PlanWeights(first_group=0, together=0, group=0, walk=0)  # the objective is tier 1 alone


def loosened(pp: PlanProblem, mode: str, room: int, teacher_factor: int) -> PlanProblem:
    """The plan input with one coupling loosened (see the module doc); ``alone:ID`` keeps ID's orders."""
    problem, residents, orders = pp.problem, pp.residents, pp.orders
    if mode == "room":
        residents = tuple(dataclasses.replace(r, max_groups=room) for r in residents)
    elif mode == "teachers":
        teachers = tuple(
            t if t.max_groups is None else dataclasses.replace(t, max_groups=t.max_groups * teacher_factor)
            for t in problem.teachers
        )
        problem = problem.model_copy(update={"teachers": teachers})
    elif mode.startswith("alone:"):
        orders = tuple(o for o in orders if o.interest_id == mode.removeprefix("alone:"))
    elif mode != "base":
        raise ValueError(f"unknown mode {mode!r}")
    return PlanProblem(problem, pp.interests, residents, orders)


def run(shape: str, seed: int, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    made, timetable = instance(f"district:{shape}", seed, "first-fit", 0.0)
    pp = loosened(made.plan_problem(), mode, args.room, args.teacher_factor)
    result = plan(pp, timetable, time_limit=args.time_limit, seed=0, workers=1)
    summary = result.summary()
    detail = summary.get("bound_detail") or {}
    row = {
        "shape": shape,
        "seed": seed,
        "mode": mode,
        "orders": len(pp.orders),
        "order_points": summary["objective"]["orders_points"],
        "bound": summary["bound"],
        "bound_lp": detail.get("lp"),
        "bound_whole": detail.get("whole_groups"),
        "bound_exact": detail.get("exact_starts"),
        "gap": summary["gap"],
        "groups_opened": summary["groups_opened"],
        "orders_met": summary["orders_met"],
        "wall_s": round(result.timings["wall_s"], 1),
    }
    if args.lp_candidates > 0:
        ctx = result.ctx
        tests = satisfiable_orders(ctx)
        points = np.array(pp.order_weights, dtype=np.int64)
        lp = column_bound(
            ctx,
            tests.by_new,
            tests.joinable,
            tests.feasible,
            points,
            time_limit=args.lp_candidates,
            deterministic=True,  # rounds budgeted by their size: the same columns however busy the machine
            support=True,
        )
        before = result.search["options"]
        with extra_times(lp.times):
            result = plan(pp, timetable, time_limit=args.time_limit, seed=0, workers=1)
        row.update(
            lp_points=lp.points,
            lp_converged=lp.converged,
            lp_patterns=result.search["options"] - before,
            lp_plan_points=result.summary()["objective"]["orders_points"],
        )
    if args.prove > 0:
        times = [*result.bound.times, *(lp.times if args.lp_candidates > 0 else ())]
        space = build_space(result.ctx, pp.order_weights, times)
        model = ScopedModel(space, full_scope(space), TIER_1)
        start = solution_of(space, result.outcome)
        best, proof = model.solve(start, time_limit=args.prove, seed=0, workers=1)
        row.update(
            pairs=len(space.order),
            prove_status=proof.status,
            prove_start=tiers(space, start, TIER_1)[0],
            prove_best=tiers(space, best, TIER_1)[0],
            prove_bound=round(proof.bound),
        )
    return row


@contextmanager
def extra_times(extra: tuple[Timed, ...]) -> Iterator[None]:
    """Inside, every search space also holds candidates at ``extra`` (``timed_candidates``),
    besides any the planner adds itself."""
    build = space_module.build_candidates
    space_module.build_candidates = lambda ctx, times=(): build(ctx, [*times, *extra])
    try:
        yield
    finally:
        space_module.build_candidates = build


def top_interests(shape: str, seed: int, count: int) -> list[str]:
    """The ``count`` interests with the most orders (ties by id)."""
    made = synthetic_orders(kecheng.generate("district", seed, shape=shape), seed)
    ordered = Counter(o.interest_id for o in made.plan_problem().orders)
    return sorted(ordered, key=lambda i: (-ordered[i], i))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", nargs="+", default=["generator"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--modes", nargs="+", default=["base", "room", "teachers"])
    parser.add_argument("--room", type=int, default=20, help="groups each resident may join (mode room)")
    parser.add_argument("--teacher-factor", type=int, default=3, help="times each teacher's new groups")
    parser.add_argument("--alone-top", type=int, default=8, help="interests planned alone (mode alone)")
    parser.add_argument("--time-limit", type=float, default=150.0, help="seconds for each plan")
    parser.add_argument("--jobs", type=int, default=1, help="plans at once, one process and one worker each")
    parser.add_argument(
        "--prove", type=float, default=0.0, help="CP-SAT seconds on the whole space (0: none)"
    )
    parser.add_argument(
        "--lp-candidates",
        type=float,
        default=0.0,
        help="seconds of the exact-start LP whose groups' times join the candidates, then plan again (0: no)",
    )
    args = parser.parse_args()
    if any(m not in ("base", "room", "teachers", "alone") and not m.startswith("alone:") for m in args.modes):
        parser.error("--modes takes base, room, teachers, alone and alone:INTEREST_ID")
    runs = []
    for shape in args.shapes:
        for seed in args.seeds:
            for mode in args.modes:
                if mode == "alone":
                    runs += [(shape, seed, f"alone:{i}") for i in top_interests(shape, seed, args.alone_top)]
                else:
                    runs.append((shape, seed, mode))
    gaps: dict[str, list[float]] = defaultdict(list)
    gains: dict[str, list[float]] = defaultdict(list)  # with the LP's times as candidates, over without
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run, shape, seed, mode, args) for shape, seed, mode in runs]
        for future in futures:
            row = future.result()
            print(json.dumps(row), flush=True)
            gaps[row["mode"].split(":")[0]].append(row["gap"])
            if "lp_plan_points" in row and row["order_points"]:
                gains[row["mode"].split(":")[0]].append(row["lp_plan_points"] / row["order_points"] - 1)
    for mode, values in gaps.items():
        print(
            json.dumps(
                {"mode": mode, "runs": len(values), "median_gap": round(statistics.median(values), 4)}
                | {"min_gap": round(min(values), 4), "max_gap": round(max(values), 4)}
                | (
                    {"median_lp_gain": round(statistics.median(gains[mode]), 4)}
                    | {"min_lp_gain": round(min(gains[mode]), 4), "max_lp_gain": round(max(gains[mode]), 4)}
                    if gains[mode]
                    else {}
                )
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
