"""Two versions of kecheng's plan on the same inputs, side by side: order points, bound, gap.

    git worktree add ../before HEAD~1
    python benchmarks/versions.py --before ../before/src --inputs small:generator:0 small:tight:1
    python benchmarks/versions.py --before ../before/src --shapes generator itinerant loose tight rotating \\
        --seeds 0 1 2 --size small --time-limit 60 --jobs 2
    python benchmarks/versions.py --before ../before/src --inputs district40:loose:0 district:tight:0:I37

An input is ``SIZE:SHAPE:SEED`` (``small``, ``district``, or ``districtN``: one district of N running
groups), optionally ``:INTEREST_ID`` to keep that interest's orders only (as
``couplings.py --modes alone:ID``): ``kecheng.generate``'s district with its synthetic orders, the
running groups at their first-fit times. Each run is a child process with ``PYTHONPATH`` set to
the version's ``src`` (this checkout's for ``after``) calling ``plan(..., seed=0)``, so both
versions use the API they have. With one worker (the default) the plans are reproducible, so
``--jobs 2`` (two runs at once) gives the same figures as one at a time; with more, run one at a
time. Prints a JSON line per run, a line per input (before → after), then the median change of
order points, how many rose, stayed and fell, and the median gaps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHILD = """
import json, sys, time
import kecheng
from kecheng.planning import PlanProblem, plan, synthetic_orders

size, shape, seed, *alone = sys.argv[1].split(":")
groups = size.removeprefix("district") if size.startswith("district") else ""
problem = kecheng.generate("district" if groups else size, int(seed), shape=shape,
                           **({"groups": int(groups)} if groups else {}))
made = synthetic_orders(problem, int(seed))
pp = made.plan_problem()
if alone:
    kept = tuple(o for o in pp.orders if o.interest_id == alone[0])
    pp = PlanProblem(pp.problem, pp.interests, pp.residents, kept)
began = time.perf_counter()
limit, workers = float(sys.argv[2]), int(sys.argv[3])
result = plan(pp, kecheng.greedy(made.problem), time_limit=limit, workers=workers, seed=0)
summary = result.summary()
print(json.dumps({
    "points": summary["objective"]["orders_points"],
    "bound": summary["bound"],
    "gap": summary["gap"],
    "timed_candidates": summary["search"].get("timed_candidates"),
    "bound_s": round(result.timings.get("bound_s", 0.0), 1),
    "wall_s": round(time.perf_counter() - began, 1),
    "violations": sum(len(found) for found in result.check()),
}))
"""


def run(src: Path, label: str, spec: str, args: argparse.Namespace) -> dict:
    env = os.environ | {"PYTHONPATH": str(src.resolve()), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, spec, str(args.time_limit), str(args.workers)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"{label} on {spec} failed:\n{done.stderr}")
    return {"version": label, "input": spec} | json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=Path, required=True, help="the other version's src folder")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    parser.add_argument("--inputs", nargs="*", default=[], help="SIZE:SHAPE:SEED[:INTEREST_ID]")
    parser.add_argument("--size", default="small", help="with --shapes and --seeds")
    parser.add_argument("--shapes", nargs="*", default=[])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (one worker each: reproducible)")
    args = parser.parse_args()
    specs = args.inputs + [f"{args.size}:{shape}:{seed}" for shape in args.shapes for seed in args.seeds]
    if not specs:
        parser.error("give --inputs, or --shapes (and --seeds)")
    runs = [
        (src, label, spec)
        for spec in specs
        for src, label in ((args.before, "before"), (args.after, "after"))
    ]
    rows: dict[tuple[str, str], dict] = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(lambda job: run(*job, args), runs):
            rows[row["input"], row["version"]] = row
            print(json.dumps(row), flush=True)
    changes, gaps_before, gaps_after = [], [], []
    for spec in specs:
        old, new = rows[spec, "before"], rows[spec, "after"]
        changes.append(new["points"] / old["points"] - 1 if old["points"] else 0.0)
        gaps_before.append(old["gap"])
        gaps_after.append(new["gap"])
        print(
            f"{spec}: {old['points']} → {new['points']}, bound {old['bound']} → {new['bound']}, "
            f"gap {old['gap']:.2%} → {new['gap']:.2%}"
        )
    print(
        json.dumps(
            {
                "inputs": len(specs),
                "median_change": round(statistics.median(changes), 4),
                "min_change": round(min(changes), 4),
                "max_change": round(max(changes), 4),
                "rose": sum(c > 0 for c in changes),
                "same": sum(c == 0 for c in changes),
                "fell": sum(c < 0 for c in changes),
                "median_gap_before": round(statistics.median(gaps_before), 4),
                "median_gap_after": round(statistics.median(gaps_after), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
