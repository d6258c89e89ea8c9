"""Limits honoured: time-limit overshoot, same-seed determinism, memory of loading.

    python benchmarks/limits.py [--limits 10 60] [--skip-city | --city-only]

Every measurement runs the real CLI (or a loader) in a process of its own.
Overshoot = wall time of `kecheng solve` minus --time-limit; it includes reading,
model building and writing, which the time limit does not cover.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KECHENG = [sys.executable, "-m", "kecheng"]


def run(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(KECHENG + args, check=True, capture_output=True)
    return time.perf_counter() - started


def child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limits", nargs="+", type=float, default=[10.0, 60.0])
    parser.add_argument("--skip-city", action="store_true")
    parser.add_argument("--city-only", action="store_true", help="measure only the city load")
    args = parser.parse_args()
    rows: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        district = root / "district"
        run(["generate", str(district), "--preset", "district"])
        for limit in [] if args.city_only else args.limits:
            wall = run(
                ["solve", str(district), "--out", str(root / f"out{limit:g}"), "--time-limit", str(limit)]
            )
            summary = json.loads((root / f"out{limit:g}" / "summary.json").read_text())
            rows[f"overshoot_{limit:g}s"] = {
                "process_wall_s": round(wall, 2),
                "overshoot_s": round(wall - limit, 2),
                "solve_wall_s": summary["wall_s"],
                "build_s": summary["timings"]["build_s"],
            }
            print(rows[f"overshoot_{limit:g}s"], flush=True)

        outs = [root / "det1", root / "det2"]
        for out in [] if args.city_only else outs:
            run(
                [
                    "solve",
                    str(district),
                    "--out",
                    str(out),
                    "--time-limit",
                    "20",
                    "--workers",
                    "1",
                    "--seed",
                    "7",
                ]
            )
        if not args.city_only:
            rows["same_seed_one_worker"] = {
                name: filecmp.cmp(outs[0] / name, outs[1] / name, shallow=False)
                for name in ("timetable.csv", "unscheduled.csv")
            }
            print(rows["same_seed_one_worker"], flush=True)

        if not args.skip_city:
            city = root / "city"
            run(["generate", str(city), "--preset", "city"])
            size_mb = sum(f.stat().st_size for f in city.iterdir()) / 2**20
            load = (  # peak while loading, and what stays held once the Problem is built
                f"import gc, os, resource, kecheng; p = kecheng.load({str(city)!r}); gc.collect(); "
                "held = int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') >> 20; "
                "print(len(p.groups), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, held)"
            )
            base = (
                "import resource, kecheng; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
            )
            baseline = int(
                subprocess.run([sys.executable, "-c", base], capture_output=True, text=True).stdout
            )
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", load], capture_output=True, text=True, check=True
            ).stdout
            load_s = time.perf_counter() - started
            groups, peak, held = map(int, out.split())
            objects = (  # the Python objects the Problem holds, apart from allocator slack
                "import gc, tracemalloc, kecheng; tracemalloc.start(); "
                f"p = kecheng.load({str(city)!r}); gc.collect(); "
                "print(tracemalloc.get_traced_memory()[0] / 2**20)"
            )
            held_objects = float(
                subprocess.run(
                    [sys.executable, "-c", objects], capture_output=True, text=True, check=True
                ).stdout
            )
            rows["city_load"] = {
                "groups": groups,
                "csv_mb": round(size_mb, 1),
                "load_s": round(load_s, 1),  # with starting Python and importing kecheng
                "peak_rss_mb": peak,
                "rss_after_import_mb": baseline,
                "rss_held_after_load_mb": held,
                "peak_input_multiple": round((peak - baseline) / size_mb, 1),
                "held_input_multiple": round((held - baseline) / size_mb, 1),
                "held_objects_mb": round(held_objects, 1),
                "held_objects_input_multiple": round(held_objects / size_mb, 1),
            }
            print(rows["city_load"], flush=True)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
