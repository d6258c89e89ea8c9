"""A week later: how much does the timetable move, from scratch vs with --previous?

    python benchmarks/weekly.py [--time-limit 60] [--seed 0]

Solves the district preset, applies a realistic change (5 % new groups, 3 venues
closed, 10 teachers with changed availability), then re-solves the changed week
from scratch and with last week's timetable. Every timetable is verified by check.
"""

from __future__ import annotations

import argparse
import json

import kecheng
from kecheng.changes import compare
from kecheng.generate import weekly_change


def describe(name: str, problem: kecheng.Problem, result: kecheng.Result, last_week) -> dict:
    changes = compare(last_week, result.placements) if last_week else None
    row = {
        "run": name,
        "placed": result.sessions_scheduled,
        "sessions": result.sessions_total,
        "objective": result.objective,
        "bound": result.bound,
        "time_preference_share": result.terms["time_preference_share"],
        "own_community_share": result.terms["own_community_share"],
        "wall_s": round(result.timings["wall_s"], 1),
        "violations": len(kecheng.check(problem, result.timetable)),
    }
    if changes:
        row |= {"kept": changes.kept, "moved": changes.moved, "new": changes.new, "dropped": changes.dropped}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    settings = dict(time_limit=args.time_limit, seed=args.seed, workers=args.workers)

    week1 = kecheng.generate("district", args.seed)
    first = kecheng.solve(week1, **settings)
    describe("week 1", week1, first, None)

    week2 = weekly_change(week1, args.seed)
    scratch = kecheng.solve(week2, **settings)
    describe("week 2 from scratch", week2, scratch, first.placements)
    stable = kecheng.solve(week2, previous=first.placements, **settings)
    describe("week 2 with --previous", week2, stable, first.placements)


if __name__ == "__main__":
    main()
