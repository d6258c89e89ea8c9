"""Where does the gap between the plan and its bound lie? The exact-start master four ways.

    python benchmarks/columns.py --groups 40 --seeds 0 1 2 3
    python benchmarks/columns.py --input u4s/union --time 1500   # benchmarks/parts.py --shared --keep u4s

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
  neighbourhood;
- ``lp_named`` (``--lp-relink T``): the same from the plan, but the neighbourhood is named by T
  seconds of column generation over the options (``deterministic``: reproducible) instead of the
  yardstick: the plan's groups, the options whose columns its last LP uses and the running groups
  whose joins there differ from the plan's. A neighbourhood the plan could afford to find.

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
import functools
import itertools
import json
import statistics
import time
from collections import defaultdict

import numpy as np

import kecheng
from kecheng.planning import plan, synthetic_orders
from kecheng.planning.bound import held_orders, satisfiable_orders
from kecheng.planning.columns import column_bound
from kecheng.planning.context import PlanContext
from kecheng.planning.cpsat import ScopedModel, tiers
from kecheng.planning.outcome import Outcome, from_solution
from kecheng.planning.planner import finish
from kecheng.planning.pricing import families
from kecheng.planning.search import neighbourhood
from kecheng.planning.solution import Solution
from kecheng.planning.space import Space, build_space
from kecheng.planning.support import lp_support, option_families, option_index
from kecheng.planning.weights import PlanWeights


def measure(pp: kecheng.PlanProblem, args: argparse.Namespace, name: str) -> dict:
    first_fit = kecheng.greedy(pp.problem)  # the running groups' times, for the bound and the plan
    ctx = PlanContext(pp, first_fit)
    points = np.array(pp.order_weights, dtype=np.int64)
    tests = satisfiable_orders(ctx)
    held = int(points[held_orders(ctx)].sum())
    row: dict = {"input": name, "groups": len(pp.problem.groups), "orders": len(pp.orders)}
    fams = families(ctx, tests.by_new)
    space = build_space(ctx, pp.order_weights)
    options = option_families(space)
    bound_over = functools.partial(column_bound, ctx, tests.by_new, tests.joinable, tests.feasible, points)
    yardstick = None
    for key, chosen, whole in (("lp", fams, 0.0), ("lp_options", options, args.whole_time)):
        began = time.perf_counter()
        got = bound_over(time_limit=args.time, priced=chosen, whole_time=whole)
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
    if args.plan_time > 0 and (args.relink > 0 or args.lp_relink > 0):
        ours = solution_of(space, result.outcome)
        if args.relink > 0 and yardstick is not None:
            row.update(relink(space, ours, differences(space, ours, yardstick), args.relink, "relinked"))
        if args.lp_relink > 0:
            named = lp_support(space, time_limit=args.lp_relink, deterministic=True).named(ours)
            row.update(relink(space, ours, named, args.relink or 100.0, "lp_named"))
    return row


def differences(space: Space, ours: Solution, yardstick: Outcome) -> set[int]:
    """The options either plan opens, and those joined differently."""
    theirs = solution_of(space, yardstick)
    differ = set(ours.teacher) ^ set(theirs.teacher)
    for a, b in ((ours, theirs), (theirs, ours)):
        differ |= {o for k, o in a.chosen.items() if b.chosen.get(k) != o}
    return differ


def relink(space: Space, ours: Solution, free: set[int], seconds: float, name: str) -> dict:
    """The plan after one neighbourhood freeing ``free`` and holding the rest, checked."""
    ctx = space.ctx
    weights = PlanWeights()
    model = ScopedModel(space, neighbourhood(space, ours, sorted(free)), weights)
    found, _ = model.solve(ours, time_limit=seconds, seed=0, workers=1)
    found = model.carry(found, ours)
    result = finish(
        ctx,
        space,
        from_solution(space, found),
        name,
        weights,
        ctx.pp.order_weights,
        None,
        {},
        time.perf_counter(),
        tiers(space, found, weights),
        {},
    )
    broken = sum(len(rules) for rules in result.check())
    return {
        name: result.summary()["objective"]["orders_points"],
        f"{name}_checked": broken,
        f"{name}_pairs": len(model.scope.pairs),
    }


def solution_of(space: Space, outcome: Outcome) -> Solution:
    """An outcome in the space's terms (each new group is one of its options, by interest, venue
    and times; each join a running group's option)."""
    option_of = option_index(space)
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
    parser.add_argument(
        "--lp-relink",
        type=float,
        default=0.0,
        help="seconds of columns naming a neighbourhood (0: none; it gets --relink s, or 100)",
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
