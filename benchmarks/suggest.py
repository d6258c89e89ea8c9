"""``kecheng suggest`` as staff run it: one command, one resident, a fresh process each time.

    kecheng generate district0 --seed 0 --orders && kecheng plan district0 --out d0plan
    python benchmarks/suggest.py d0plan [--residents 20] [--seed 0]

Times the whole command (start-up, imports, reading the planned week's tables, the answer, the
printed table) for residents drawn from DIR/input/residents.csv, and prints the median, the
90th percentile and the slowest. The command runs with bytecode caching, as an installed
package has it (pip compiles it at install); an environment that turns caching off
(PYTHONDONTWRITEBYTECODE) would time the compiling of kecheng's sources on every run. One run
before the timed ones writes the cache.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("plan", type=Path, help="a folder written by kecheng plan --out")
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(args.plan / "input" / "residents.csv", encoding="utf-8-sig", newline="") as file:
        people = [row["resident_id"] for row in csv.DictReader(file)]
    chosen = random.Random(args.seed).sample(people, min(args.residents, len(people)))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def ask(resident_id: str) -> tuple[float, str]:
        command = [sys.executable, "-m", "kecheng", "suggest", str(args.plan / "input")]
        command += ["--timetable", str(args.plan / "timetable.csv"), "--resident", resident_id]
        began = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        return time.perf_counter() - began, done.stdout

    ask(chosen[0])  # writes the bytecode cache
    walls, answered = [], 0
    for resident_id in chosen:
        wall, out = ask(resident_id)
        walls.append(wall)
        answered += not out.startswith("No running group")
    walls.sort()
    figures = {
        "residents": len(walls),
        "with_suggestions": answered,
        "median_s": round(statistics.median(walls), 3),
        "p90_s": round(walls[int(0.9 * (len(walls) - 1))], 3),
        "max_s": round(walls[-1], 3),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
