"""Residents' orders → groups: kecheng's plan against the staff-by-hand baseline, side by side.

    python benchmarks/plan.py --preset district large --time-limit 150 --workers 2 --out out/bench_plan

Each instance is ``kecheng.generate(preset, seed)`` with ``kecheng.planning.synthetic_orders``
(``--preset district:tight`` takes a shape of ``kecheng generate --shape``: generator, itinerant,
loose, tight, rotating); the
running groups keep the first-fit timetable (``kecheng.greedy``; ``--running solve`` uses a
CP-SAT timetable instead). The baseline and kecheng each run in a fresh process, so the peak
RSS (resident memory, ru_maxrss) is theirs alone. Every planned week is checked
(``kecheng.check`` and ``kecheng.planning.check_plan``). ``suggest`` is timed on the planned week:
cold (index and answer) and warm (answer from a ready index), over 50 residents.
Writes plan.json and plan.md to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import statistics
import time
from pathlib import Path
from typing import Any

COLUMNS = (
    ("method", "method"),
    ("orders_met", "orders met"),
    ("orders_met_share", "share"),
    ("first_choices_met", "1st choices met"),
    ("residents_with_group_share", "residents ≥1 group"),
    ("groups_opened", "groups opened"),
    ("joins_running", "joins"),
    ("mean_fill", "fill"),
    ("walk_mean_m", "walk mean m"),
    ("walk_p95_m", "walk p95 m"),
    ("lowest_community_met_share", "lowest community"),
    ("objective_points", "order points"),
    ("bound_lp", "LP bound"),
    ("bound_whole", "whole-group bound"),
    ("bound_exact", "exact-start bound"),
    ("bound", "bound"),
    ("gap", "gap"),
    ("wall_s", "wall s"),
    ("rss_mb", "RSS MB"),
    ("violations", "violations"),
)


def instance(preset: str, seed: int, running: str, running_time: float):
    import kecheng
    from kecheng.planning import synthetic_orders

    size, _, shape = preset.partition(":")
    problem = kecheng.generate(size, seed, shape=shape or "generator")
    made = synthetic_orders(problem, seed)
    if running == "solve":
        timetable = list(
            kecheng.solve(made.problem, time_limit=running_time, seed=seed, workers=2).placements
        )
    else:
        timetable = kecheng.greedy(made.problem)
    return made, timetable


def run(
    method: str,
    preset: str,
    seed: int,
    time_limit: float,
    workers: int,
    running: str,
    running_time: float,
    queue: mp.Queue,
) -> None:
    """One method on one instance, in its own process; puts its figures on the queue."""
    from kecheng.planning import greedy_plan, plan, suggest
    from kecheng.planning.suggest import SuggestIndex

    made, timetable = instance(preset, seed, running, running_time)
    pp = made.plan_problem()
    started = time.perf_counter()
    if method == "greedy":
        result = greedy_plan(pp, timetable, bound=True)
    else:
        result = plan(pp, timetable, time_limit=time_limit, seed=seed, workers=workers)
    wall = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timetable_violations, plan_violations = result.check()
    summary = result.summary()
    row: dict[str, Any] = {k: summary.get(k) for k, _ in COLUMNS}
    row.update(
        method=method,
        objective_points=summary["objective"]["orders_points"],
        wall_s=round(wall, 1),
        rss_mb=round(rss_mb),
        violations=len(timetable_violations) + len(plan_violations),
        timings=summary["timings"],
        search=summary["search"],
        reasons=summary["reasons"],
        bound_orders=summary["bound_orders"],
        bound_lp=(summary.get("bound_detail") or {}).get("lp"),
        bound_whole=(summary.get("bound_detail") or {}).get("whole_groups"),
        bound_exact=(summary.get("bound_detail") or {}).get("exact_starts"),
        gap_orders=summary["gap_orders"],
        orders=summary["orders"],
        residents=len(pp.residents),
        interests=len(pp.interests),
        venues=len(pp.problem.venues),
        teachers=len(pp.problem.teachers),
        running_groups=len(pp.problem.groups),
    )
    if method == "kecheng":
        week, placements = result.problem(), result.placements
        rng = random.Random(seed)
        people = rng.sample([r.resident_id for r in pp.residents], 50)
        source = type(pp)(week, pp.interests, pp.residents, pp.orders)
        cold = []
        for resident_id in people[:5]:
            began = time.perf_counter()
            suggest(source, placements, resident_id)
            cold.append(time.perf_counter() - began)
        index = SuggestIndex(source, placements)
        warm = []
        for resident_id in people:
            began = time.perf_counter()
            index.for_resident(resident_id)
            warm.append(time.perf_counter() - began)
        row["suggest_cold_s"] = round(max(cold), 3)
        row["suggest_warm_ms"] = round(1000 * statistics.mean(warm), 2)
    queue.put(row)


def measure(method: str, args: argparse.Namespace, preset: str) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(
        target=run,
        args=(
            method,
            preset,
            args.seed,
            args.time_limit,
            args.workers,
            args.running,
            args.running_time,
            queue,
        ),
    )
    process.start()
    row = queue.get()
    process.join()
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = []
    for preset in dict.fromkeys(r["preset"] for r in rows):
        same = [r for r in rows if r["preset"] == preset]
        first = same[0]
        lines.append(
            f"### {preset} (seed {first['seed']}): {first['residents']} residents, {first['orders']} orders, "
            f"{first['interests']} interests, {first['venues']} venues, {first['teachers']} teachers, "
            f"{first['running_groups']} running groups"
        )
        lines.append("")
        lines.append("| " + " | ".join(title for _, title in COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
        for r in same:
            lines.append("| " + " | ".join(_cell(r.get(key)) for key, _ in COLUMNS) + " |")
        for r in same:
            if "suggest_cold_s" in r:
                lines.append("")
                lines.append(
                    f"suggest on the planned week: {r['suggest_cold_s']} s cold (index, answer; worst of 5), "
                    f"{r['suggest_warm_ms']} ms per answer from a ready index (mean of 50)"
                )
        lines.append("")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--preset",
        nargs="+",
        default=["district"],
        help="district, large (four districts), …; PRESET:SHAPE for a shape (district:tight)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=150.0, help="seconds for kecheng's whole plan")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--running", choices=["first-fit", "solve"], default="first-fit")
    parser.add_argument(
        "--running-time", type=float, default=60.0, help="CP-SAT seconds with --running solve"
    )
    parser.add_argument("--methods", nargs="+", default=["greedy", "kecheng"])
    parser.add_argument("--out", default="out/bench_plan")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for preset in args.preset:
        for method in args.methods:
            row = measure(method, args, preset)
            row.update(preset=preset, seed=args.seed, time_limit=args.time_limit)
            rows.append(row)
            print(
                json.dumps({k: row.get(k) for k, _ in COLUMNS} | {"preset": preset}, ensure_ascii=False),
                flush=True,
            )
    (out / "plan.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    table = markdown(rows)
    (out / "plan.md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
