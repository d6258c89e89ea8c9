"""Benchmark kecheng against the first-fit baseline on generated districts.

    python benchmarks/run.py --preset small district --time-limit 60 --workers 2

Each instance runs in a child process of its own, so peak memory (RSS) is that
instance's. Results go to benchmarks/results/<stamp>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(preset: str, seed: int, time_limit: float, workers: int, groups: int | None) -> dict:
    """Generate, first-fit, solve and check one instance; runs inside the child process."""
    import kecheng
    from kecheng.greedy import greedy

    t0 = time.perf_counter()
    problem = kecheng.generate(preset, seed, groups=groups)
    generated = time.perf_counter() - t0

    t0 = time.perf_counter()
    first_fit = greedy(problem)
    greedy_s = time.perf_counter() - t0

    result = kecheng.solve(problem, time_limit=time_limit, seed=seed, workers=workers)
    violations = kecheng.check(problem, result.timetable)
    placed = result.sessions_scheduled
    # The first timetable within 90 % of the final one's placed sessions.
    near_final = next((p.seconds for p in result.progress if p.placed >= 0.9 * placed), None)
    return {
        "preset": preset if groups is None else f"{preset}:{groups}",
        "seed": seed,
        "groups": len(problem.groups),
        "sessions": problem.sessions_total,
        "venues": len(problem.venues),
        "teachers": len(problem.teachers),
        "members": len(problem.members),
        "generate_s": round(generated, 2),
        "candidates_s": round(result.timings["candidates_s"], 2),
        "build_s": round(result.timings["build_s"], 2),
        "first_solution_s": round(result.progress[0].seconds, 2) if result.progress else None,
        "first_90pct_s": round(near_final, 2) if near_final is not None else None,
        "wall_s": round(result.timings["wall_s"], 2),
        "status": result.status,
        "placed": placed,
        "objective": result.objective,
        "bound": round(result.bound, 2),
        "gap_pct": round(100 * result.gap, 3),
        "greedy_placed": len(first_fit),
        "greedy_objective": sum(problem.group[p.group_id].priority for p in first_fit),
        "greedy_s": round(greedy_s, 2),
        "model": result.model_size,
        "violations": len(violations),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "time_limit": time_limit,
        "workers": workers,
    }


COLUMNS = [
    "preset", "groups", "sessions", "venues", "teachers", "build_s", "first_solution_s", "first_90pct_s",
    "placed", "greedy_placed", "objective", "greedy_objective", "bound", "gap_pct", "status", "wall_s",
    "peak_rss_mb", "violations",
]  # fmt: skip


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", nargs="*", default=["small", "district"])
    parser.add_argument(
        "--groups", nargs="*", type=int, default=[], help="extra instances of the district kind"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        preset, groups = args.child[0], (int(args.child[1]) or None)
        print(json.dumps(measure(preset, args.seed, args.time_limit, args.workers, groups)))
        return

    jobs = [(p, 0) for p in args.preset] + [("district", n) for n in args.groups]
    rows = []
    for preset, groups in jobs:
        command = [sys.executable, __file__, "--child", preset, str(groups), "--seed", str(args.seed)]
        command += ["--time-limit", str(args.time_limit), "--workers", str(args.workers)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            rows.append({"preset": preset, "status": f"FAILED (exit {done.returncode})"})
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)

    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    (out / f"{stamp}.md").write_text(markdown(rows))
    print(markdown(rows))


if __name__ == "__main__":
    main()
