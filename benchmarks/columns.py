"""Where does the gap between the plan and its bound lie? The exact-start master four ways.

    python benchmarks/columns.py --groups 40 --seeds 0 1 2 3
    python benchmarks/columns.py --input DIR --time 1500   # e.g. benchmarks/parts.py --shared's union

The exact-start master (``kecheng.planning.columns``) keeps every rule of a week but whole numbers
and the walks between a teacher's new groups. Per input, one JSON line:

- ``lp``: its LP over every column, by column generation (``converged``: to its optimum). The
  plan's bound can come no nearer the plan than this with any LP that knows when groups meet;
- ``lp_options``: the same LP over only the search's options (the candidates' patterns, each
  with one of its listed teachers): what the options the search chooses from allow;
- ``whole_options``: that master with every column 0 or 1 and the teachers' walks between new
  groups kept (HiGHS' MIP on the columns generated: price and branch). Not a bound and not a
  checked plan, a yardstick: what whole groups at the search's options reach, more or less;
- ``plan`` and ``bound``: kecheng's plan (``--plan-time`` s, ``--workers``) and the bound it proves;
- ``relinked`` (``--relink S``): the plan improved by one CP-SAT neighbourhood (S seconds, one
  worker) that frees exactly where the plan and ``whole_options`` differ: the options either opens,
  and the running groups whose joins differ. Checked like any plan (``relinked_checked``: the
  rules it breaks, 0). What the search could reach from its own plan, had it chosen that
  neighbourhood.

Read from the bound down: ``bound - lp`` is what the plan's relaxations miss of when groups meet
(large inputs are left to the whole-group relaxation, ``kecheng.planning.lagrange``), ``lp -
lp_options`` the options the search does not have, ``lp_options - whole_options`` at most the
price of whole groups (no LP bound can close that), and ``whole_options - plan``, if above zero,
at least what the search leaves.
Column generation takes seconds on 40 running groups (under a minute on the loose shape) and
about 5 minutes on 160.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import statistics
import time
from collections import defaultdict

import numpy as np

import kecheng
from kecheng.planning import plan, synthetic_orders
from kecheng.planning.bound import held_orders, satisfiable_orders
from kecheng.planning.columns import column_bound, families
from kecheng.planning.context import PlanContext
from kecheng.planning.cpsat import ScopedModel, tiers
from kecheng.planning.outcome import Outcome, from_solution
from kecheng.planning.planner import finish
from kecheng.planning.search import neighbourhood
from kecheng.planning.solution import Solution
from kecheng.planning.space import Space, build_space
from kecheng.planning.weights import PlanWeights


def option_families(ctx: PlanContext, fams: list, points: tuple[int, ...]) -> list:
    """One family per (option of the search's space, teacher it lists): the (interest, venue,
    teacher) family's starts cut to the option's own, so its only column times are the option's."""
    pp = ctx.pp
    by_key = {(pp.orders[int(f.orders[0])].interest_id, f.venue, f.teacher): f for f in fams}
    out = []
    for option in build_space(ctx, points).options:
        if option.candidate is None:
            continue
        wanted = {(s.day - 1, s.start) for s in option.sessions}
        for t in option.candidate.teachers:
            f = by_key.get((option.interest_id, option.candidate.venue, t))
            if f is None:
                continue
            keep = np.array([(d, s) in wanted for d, s in zip(f.day.tolist(), f.step.tolist(), strict=True)])
            if keep.sum() == len(option.sessions):
                out.append(dataclasses.replace(f, free=f.free[keep], day=f.day[keep], step=f.step[keep]))
    return out


def measure(pp: kecheng.PlanProblem, args: argparse.Namespace, name: str) -> dict:
    first_fit = kecheng.greedy(pp.problem)  # the running groups' times, for the bound and the plan
    ctx = PlanContext(pp, first_fit)
    points = np.array(pp.order_weights, dtype=np.int64)
    tests = satisfiable_orders(ctx)
    held = int(points[held_orders(ctx)].sum())
    row: dict = {"input": name, "groups": len(pp.problem.groups), "orders": len(pp.orders)}
    fams = families(ctx, tests.by_new)
    yardstick = None
    for key, chosen, whole in (
        ("lp", fams, 0.0),
        ("lp_options", option_families(ctx, fams, pp.order_weights), args.whole_time),
    ):
        began = time.perf_counter()
        got = column_bound(
            ctx,
            tests.by_new,
            tests.joinable,
            tests.feasible,
            points,
            time_limit=args.time,
            priced=chosen,
            whole_time=whole,
        )
        row[key] = None if got.points is None else got.points + held
        row[f"{key}_converged"] = got.converged
        row[f"{key}_s"] = round(time.perf_counter() - began, 1)
        if whole:
            row["whole_options"] = None if got.whole is None else got.whole + held
            yardstick = got.whole_outcome
    if args.plan_time > 0:
        result = plan(pp, first_fit, time_limit=args.plan_time, seed=0, workers=args.workers)
        summary = result.summary()
        row["plan"] = summary["objective"]["orders_points"]
        row["bound"] = summary["bound"]
        if args.relink > 0 and yardstick is not None:
            row.update(relink(ctx, result.outcome, yardstick, args.relink))
    return row


def relink(ctx: PlanContext, planned: Outcome, yardstick: Outcome, seconds: float) -> dict:
    """The plan after one neighbourhood freeing where it and the yardstick differ (see the doc)."""
    weights = PlanWeights()
    space = build_space(ctx, ctx.pp.order_weights)
    ours, theirs = solution_of(space, planned), solution_of(space, yardstick)
    differ = set(ours.teacher) ^ set(theirs.teacher)
    for a, b in ((ours, theirs), (theirs, ours)):
        differ |= {o for k, o in a.chosen.items() if b.chosen.get(k) != o}
    model = ScopedModel(space, neighbourhood(space, ours, sorted(differ)), weights)
    found, _ = model.solve(ours, time_limit=seconds, seed=0, workers=1)
    found = model.carry(found, ours)
    points = ctx.pp.order_weights
    result = finish(
        ctx,
        space,
        from_solution(space, found),
        "relinked",
        weights,
        points,
        None,
        {},
        time.perf_counter(),
        tiers(space, found, weights),
        {},
    )
    broken = sum(len(rules) for rules in result.check())
    return {
        "relinked": result.summary()["objective"]["orders_points"],
        "relinked_checked": broken,
        "relink_pairs": len(model.scope.pairs),
    }


def solution_of(space: Space, outcome: Outcome) -> Solution:
    """An outcome in the space's terms (each new group is one of its options, by interest, venue
    and times; each join a running group's option)."""
    option_of = {
        (o.interest_id, o.candidate.venue, o.sessions) if o.is_new else o.group_id: o.index
        for o in space.options
    }
    solution = Solution()
    for group in outcome.new:
        o = option_of[group.interest_id, group.venue, group.sessions]
        solution.teacher[o] = group.teacher
        solution.chosen.update((k, o) for k in group.orders)
    solution.chosen.update((k, option_of[g]) for k, g in outcome.joins.items())
    return solution


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="district")
    parser.add_argument("--shape", default="generator")
    parser.add_argument("--groups", type=int, default=40, help="running groups of each generated district")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3])
    parser.add_argument("--input", nargs="*", default=[], help="plan input folders instead of generated ones")
    parser.add_argument("--time", type=float, default=600.0, help="seconds of column generation, each LP")
    parser.add_argument("--whole-time", type=float, default=300.0, help="seconds for the whole-column master")
    parser.add_argument("--plan-time", type=float, default=60.0, help="seconds for kecheng's plan (0: none)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--relink", type=float, default=0.0, help="seconds for the relinking neighbourhood (0: none)"
    )
    args = parser.parse_args()

    if args.input:
        inputs = [(folder, lambda folder=folder: kecheng.load_plan(folder)) for folder in args.input]
    else:
        inputs = [
            (
                f"{args.preset}/{args.shape}/{args.groups}/seed {seed}",
                lambda seed=seed: synthetic_orders(
                    kecheng.generate(args.preset, seed, groups=args.groups, shape=args.shape), seed
                ).plan_problem(),
            )
            for seed in args.seeds
        ]
    shares: dict[str, list[float]] = defaultdict(list)
    for name, load in inputs:
        row = measure(load(), args, name)
        print(json.dumps(row), flush=True)
        steps = ("bound", "lp", "lp_options", "whole_options", "plan")
        for a, b in itertools.pairwise(steps):
            if row.get(a) is not None and row.get(b) is not None and row.get("bound"):
                shares[f"{a} - {b}"].append(100 * (row[a] - row[b]) / row["bound"])
    if len(inputs) > 1:
        print(
            json.dumps(
                {
                    k: {
                        "median %": round(statistics.median(v), 2),
                        "min": round(min(v), 2),
                        "max": round(max(v), 2),
                    }
                    for k, v in shares.items()
                }
            )
        )


if __name__ == "__main__":
    main()
