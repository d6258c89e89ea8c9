"""The benchmark matrix of issue #14: district shape × size × seed × time limit, on 2 cores.

    python benchmarks/matrix.py                                   # the full matrix (hours: see below)
    python benchmarks/matrix.py --sizes 250 --seeds 1 --time-limits 5 --shapes generator itinerant  # smoke
    python benchmarks/matrix.py --time-limits 60                 # the 60 s half: about 1.5–2 hours
    python benchmarks/matrix.py --src ../old/src --label old      # the same instances, another kecheng
    python benchmarks/matrix.py --compare results/matrix-A.json results/matrix-B.json

Instances are generated once, by this checkout's generator, and cached as JSON files in
``results/instances/<shape>-<size>-<seed>.json``, so that two versions of the solver are measured
on the same instances. A size maps to a preset scaled to it: up to 1500 groups one district
(``district``), up to 6000 four districts (``large``), above that ten (``city``); roaming teachers
stay within their district, as in the generator.

Each run is a child process ``python -c ...`` with ``PYTHONPATH=--src`` that uses only the API both
the old and the new kecheng have: ``kecheng.load``, ``kecheng.solve(problem, time_limit=, seed=,
workers=)``, ``result.progress``, ``result.timings``, ``kecheng.check`` and
``kecheng.candidates.group_options``. Per run it records the first-fit objective (the progress point
of source ``first-fit``), kecheng's objective and bound, the gap, the time to the first improvement
over first fit, build time, the child's peak RSS, wall time, violations (must be 0) and a trivial
bound from the candidates (``trivial_bound``). Medians over seeds, with the min–max spread, go into
one Markdown table; raw runs and the table go to ``results/matrix-<stamp>.{json,md}``.

``--seeds`` are the instances' seeds (also given to the solver). Full matrix: 5 shapes × 4 sizes ×
3 seeds × (60 s + 600 s) = 120 runs; the search alone is 60 × 60 s + 60 × 600 s = 11 h, plus
generation once (about 10 minutes for all 60 instances, 0.8 GB of JSON), load, build and check
(seconds at 250 groups, a minute or more at 10 000, where parts may overrun a 60 s limit): about
12–14 hours on an otherwise idle 2-core machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
INSTANCES = RESULTS / "instances"
MARK = "MATRIX-ROW "  # the child's result line, told apart from anything a solver prints

SHAPES = ("generator", "itinerant", "loose", "tight", "rotating")
SIZES = (250, 1000, 4000, 10_000)
SEEDS = (0, 1, 2)
TIME_LIMITS = (60.0, 600.0)


def preset_for(size: int) -> str:
    """The preset a size is scaled from: one district up to 1500 groups, four up to 6000, else ten."""
    return "district" if size <= 1500 else "large" if size <= 6000 else "city"


# --- Instances ---------------------------------------------------------------------------------

GENERATE = """
import sys
import kecheng
from kecheng.generate import generate
preset, shape, size, seed, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
kecheng.write_problem_json(generate(preset, seed, groups=size, shape=shape), path)
"""


def instance(shape: str, size: int, seed: int) -> Path:
    """The cached instance, generated now by this checkout's generator if it is not there yet."""
    path = INSTANCES / f"{shape}-{size}-{seed}.json"
    if not path.exists():
        INSTANCES.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.partial")
        command = [
            sys.executable,
            "-c",
            GENERATE,
            preset_for(size),
            shape,
            str(size),
            str(seed),
            str(partial),
        ]
        env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env)
        partial.replace(path)  # only a whole file is ever cached
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return path


# --- One run, inside the child -----------------------------------------------------------------

CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from matrix import child
child(sys.argv[2:])
"""


def trivial_bound(problem: Any, options: dict[str, Any]) -> int:
    """An upper bound on the placed priority that needs no search.

    Per group g: ``s_g = min(sessions_per_week, |days_g|)`` sessions can be placed, where ``days_g``
    are the weekdays on which g has a candidate (a fitting venue and a start inside its opening
    hours and the teacher's availability). Per teacher t, with weekly limit W (∞ if none), daily
    limit D (∞ if none) and n_d of their groups with a candidate on day d:
    ``cap_t = min(Σ_g s_g, W, Σ_d min(D, n_d))`` sessions, and at best they are the ``cap_t``
    highest-priority ones among the ``s_g`` copies of each group's priority. The bound is the sum
    over teachers. Everything else (venues shared, overlaps, members, travel) is ignored.
    """
    by_teacher: dict[str, list[Any]] = defaultdict(list)
    for option in options.values():
        by_teacher[option.group.teacher_id].append(option)
    total = 0
    for teacher_id, taught in sorted(by_teacher.items()):
        teacher = problem.teacher[teacher_id]
        week = teacher.max_sessions_per_week
        daily = teacher.max_sessions_per_day
        priorities: list[int] = []
        on_day: dict[int, int] = defaultdict(int)
        for option in taught:
            days = option.days
            priorities += [option.group.priority] * min(option.group.sessions_per_week, len(days))
            for day in days:
                on_day[day] += 1
        cap = len(priorities)
        if week is not None:
            cap = min(cap, week)
        cap = min(cap, sum(n if daily is None else min(daily, n) for n in on_day.values()))
        total += sum(sorted(priorities, reverse=True)[:cap])
    return total


def child(argv: list[str]) -> None:
    """Load, bound, solve and check one instance; print one JSON line marked ``MARK``."""
    path, time_limit, seed, workers = argv[0], float(argv[1]), int(argv[2]), int(argv[3])
    started = time.perf_counter()
    import kecheng
    from kecheng.candidates import group_options

    imported = time.perf_counter()
    problem = kecheng.load(path)
    loaded = time.perf_counter()
    trivial = trivial_bound(problem, group_options(problem))
    bounded = time.perf_counter()
    result = kecheng.solve(problem, time_limit=time_limit, seed=seed, workers=workers)
    solved = time.perf_counter()
    violations = kecheng.check(problem, result.timetable)
    checked = time.perf_counter()

    progress = list(result.progress)
    first = next((p for p in progress if p.source == "first-fit"), None)
    first_fit = first.objective if first is not None else getattr(result, "greedy_objective", None)
    better = next((p for p in progress if first_fit is not None and p.objective > first_fit), None)
    bound = float(result.bound)
    row = {
        "kecheng_file": kecheng.__file__,
        "sessions": result.sessions_total,
        "groups": len(problem.groups),
        "status": result.status,
        "first_fit": first_fit,
        "first_fit_s": _round(first.seconds) if first is not None else None,
        "objective": result.objective,
        "bound": None if math.isnan(bound) else round(bound, 2),
        "gap_pct": None if math.isnan(result.gap) else round(100 * result.gap, 3),
        "first_fit_gap_pct": _gap_pct(first_fit, bound),
        "trivial_bound": trivial,
        "first_improvement_s": _round(better.seconds) if better is not None else None,
        "placed": result.sessions_scheduled,
        "build_s": _round(result.timings.get("build_s")),
        "timings": {k: _round(v) for k, v in sorted(result.timings.items())},
        "import_s": _round(imported - started),
        "load_s": _round(loaded - imported),
        "trivial_bound_s": _round(bounded - loaded),
        "solve_wall_s": _round(solved - bounded),
        "check_s": _round(checked - solved),
        "violations": len(violations),
        "first_violation": str(violations[0]) if violations else None,
        "progress_points": len(progress),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(MARK + json.dumps(row), flush=True)


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 2)


def _gap_pct(objective: float | None, bound: float) -> float | None:
    if objective is None or math.isnan(bound) or bound <= 0:
        return None
    return round(100 * max(0.0, bound - objective) / bound, 3)


# --- The parent: runs, aggregation, tables -----------------------------------------------------


def run(path: Path, src: Path, time_limit: float, seed: int, workers: int) -> dict[str, Any]:
    """One child process; its row, or a row whose status says why there is none."""
    command = [sys.executable, "-c", CHILD, str(HERE), str(path), str(time_limit), str(seed), str(workers)]
    env = os.environ | {"PYTHONPATH": str(src)}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=2 * time_limit + 900, check=False
        )
    except subprocess.TimeoutExpired:
        return {"status": "TIMEOUT", "wall_s": round(time.perf_counter() - started, 1)}
    wall = round(time.perf_counter() - started, 2)
    rows = [line[len(MARK) :] for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not rows:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"status": f"FAILED (exit {done.returncode})", "error": " | ".join(tail), "wall_s": wall}
    row = json.loads(rows[-1])
    if not Path(row["kecheng_file"]).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"the child imported {row['kecheng_file']}, not kecheng from {src}")
    # what a user waits for: start-up, load and solve (not the bound and check the matrix adds)
    wall_s = round(row["import_s"] + row["load_s"] + row["solve_wall_s"], 2)
    return row | {"wall_s": wall_s, "child_wall_s": wall}


def git_state(src: Path) -> dict[str, Any]:
    """Which code was measured: the commit of --src and whether its tree had changes."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(src), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain", "."))}


MEASURES = (
    ("first_fit", "first fit"),
    ("objective", "kecheng"),
    ("bound", "bound"),
    ("trivial_bound", "trivial bound"),
    ("gap_pct", "gap %"),
    ("first_fit_gap_pct", "first fit's gap %"),
    ("first_improvement_s", "first improvement s"),
    ("build_s", "build s"),
    ("peak_rss_mb", "RSS MB"),
    ("wall_s", "wall s"),
)


def summarise(runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (shape, size, time limit): each measure's median over seeds with its min and max.

    Only runs that completed count (``of`` is every run, ``status`` shows the failures); a completed
    run without an improvement over first fit counts as "never" in that median, and ``improved``
    counts the seeds with one.
    """
    cells: dict[tuple[str, int, float], list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        cells[r["shape"], r["size"], r["time_limit"]].append(r)
    out = []
    for (shape, size, limit), rows in sorted(
        cells.items(), key=lambda kv: (_shape_order(kv[0][0]), *kv[0][1:])
    ):
        done = [r for r in rows if "objective" in r]
        line: dict[str, Any] = {"shape": shape, "size": size, "time_limit": limit, "of": len(rows)}
        line["sessions"] = _spread([r.get("sessions") for r in done])
        for key, _ in MEASURES:
            never = key == "first_improvement_s"
            line[key] = _spread([math.inf if never and r.get(key) is None else r.get(key) for r in done])
        line["improved"] = sum(r.get("first_improvement_s") is not None for r in done)
        line["violations"] = max((r.get("violations") or 0 for r in done), default=0)
        line["status"] = ", ".join(sorted({str(r.get("status")) for r in rows}))
        out.append(line)
    return out


def _shape_order(shape: str) -> int:
    """Tables list the shapes in ``SHAPES`` order, others after them."""
    return SHAPES.index(shape) if shape in SHAPES else len(SHAPES)


def _spread(values: list[Any]) -> dict[str, float | None] | None:
    """Median, min and max of the numbers among ``values``; infinity ("never") is held as None."""
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers:
        return None
    found = {"median": statistics.median(numbers), "min": min(numbers), "max": max(numbers)}
    return {k: None if math.isinf(v) else v for k, v in found.items()} | {"n": len(numbers)}


def cell(spread: dict[str, float | None] | None) -> str:
    """'1990' for one seed or equal seeds, '1990 (1985–1996)' for a spread; '—' for nothing,
    'never' for a first improvement that did not come."""
    if spread is None:
        return "—"
    text = _number(spread["median"])
    if spread["min"] != spread["max"]:
        text += f" ({_number(spread['min'])}–{_number(spread['max'])})"
    return text


def _number(x: float | None) -> str:
    if x is None:
        return "never"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.2f}" if abs(x) < 100 else f"{x:.1f}"


def markdown(summary: list[dict[str, Any]], label: str) -> str:
    """One table, one row per (shape, size, time limit), medians over seeds (min–max)."""
    heads = ["shape", "groups", "sessions", "limit s", "seeds"]
    heads += [f"{title} [{label}]" if key == "objective" else title for key, title in MEASURES]
    heads += ["improved", "violations", "status"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for s in summary:
        values = [s["shape"], str(s["size"]), cell(s["sessions"]), _number(s["time_limit"]), str(s["of"])]
        values += [cell(s[key]) for key, _ in MEASURES]
        values += [f"{s['improved']}/{s['of']}", str(s["violations"]), s["status"]]
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


COMPARED = (
    ("first_fit", "first fit"),
    ("objective", "kecheng"),
    ("gap_pct", "gap %"),
    ("bound", "bound"),
    ("first_improvement_s", "first improvement s"),
    ("build_s", "build s"),
    ("peak_rss_mb", "RSS MB"),
    ("wall_s", "wall s"),
)


def digest(path: Path) -> str:
    """sha256 of an instance file, so that a comparison can tell it ran on the very same instances."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mismatched(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Instances both result files name but whose contents differ (regenerated in between)."""
    seen = {r["instance"]: r["instance_sha256"] for r in old["runs"] if "instance_sha256" in r}
    return sorted(
        {
            r["instance"]
            for r in new["runs"]
            if seen.get(r.get("instance"), r.get("instance_sha256")) != r.get("instance_sha256")
        }
    )


def compare(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Both versions' medians side by side, per (shape, size, time limit) that either measured."""
    a, b = old["meta"]["label"], new["meta"]["label"]
    if a == b:
        a, b = f"{a} (old)", f"{b} (new)"
    index = [{(s["shape"], s["size"], s["time_limit"]): s for s in d["summary"]} for d in (old, new)]
    keys = sorted(index[0].keys() | index[1].keys(), key=lambda k: (_shape_order(k[0]), *k[1:]))
    heads = ["shape", "groups", "limit s", "trivial bound"]
    for _, title in COMPARED:
        heads += [f"{title} [{a}]", f"{title} [{b}]"]
    heads += [f"violations [{a}]", f"violations [{b}]"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for key in keys:
        both = [i.get(key) for i in index]
        trivial = " / ".join(
            dict.fromkeys(cell(s["trivial_bound"]) for s in both if s)
        )  # one unless they differ
        values = [key[0], str(key[1]), _number(key[2]), trivial]
        for measure, _ in COMPARED:
            values += [cell(s[measure]) if s else "—" for s in both]
        values += [str(s["violations"]) if s else "—" for s in both]
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), help="named shapes of kecheng.generate")
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES), help="groups per instance")
    parser.add_argument(
        "--seeds", nargs="+", type=int, default=list(SEEDS), help="instance (and solve) seeds"
    )
    parser.add_argument("--time-limits", nargs="+", type=float, default=list(TIME_LIMITS), help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--src", type=Path, default=ROOT / "src", help="the kecheng to measure (its src folder)"
    )
    parser.add_argument(
        "--label", default=None, help="names this version in the tables (default: --src's commit)"
    )
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD.json", "NEW.json"))
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="OLD_SRC",
        help="also run this kecheng on every instance, just before --src (pairs see the same machine load)",
    )
    parser.add_argument("--against-label", default="old")
    args = parser.parse_args(argv)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.compare:
        try:
            old, new = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        except (OSError, ValueError) as err:
            parser.error(f"--compare needs two result files of this script: {err}")
        table = compare(old, new)
        if differ := mismatched(old, new):
            table += f"\n**Not the same instances**: {', '.join(differ)} differ between the two files.\n"
        out = RESULTS / f"compare-{stamp}.md"
        RESULTS.mkdir(parents=True, exist_ok=True)
        out.write_text(table, encoding="utf-8")
        print(table + f"\n→ {out}")
        return

    if (
        any(s < 0 for s in args.seeds)
        or any(s < 1 for s in args.sizes)
        or any(t <= 0 for t in args.time_limits)
    ):
        parser.error("--seeds must be 0 or more, --sizes and --time-limits greater than 0")
    src = args.src.resolve()
    if not (src / "kecheng" / "__init__.py").exists():
        parser.error(f"--src {src} holds no kecheng package (expected {src}/kecheng/__init__.py)")
    sys.path.insert(0, str(ROOT / "src"))
    from kecheng.generate import SHAPES as KNOWN  # this checkout's generator names the shapes

    unknown = [s for s in args.shapes if s not in KNOWN]
    if unknown:
        parser.error(f"unknown shape(s) {', '.join(unknown)}; choose among {', '.join(KNOWN)}")
    state = git_state(src)
    label = args.label or (state["commit"] or "unknown")[:8] + ("+dirty" if state["dirty"] else "")
    meta = {
        "label": label,
        "src": str(src),
        **state,
        "workers": args.workers,
        "shapes": args.shapes,
        "sizes": args.sizes,
        "seeds": args.seeds,
        "time_limits": args.time_limits,
        "started": stamp,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    versions = [(label, src, meta)]
    if args.against is not None:
        old_src = args.against.resolve()
        old_state = git_state(old_src)
        old_meta = meta | {"label": args.against_label, "src": str(old_src), **old_state}
        versions.insert(0, (args.against_label, old_src, old_meta))
    outs = {
        name: (RESULTS / f"matrix-{stamp}-{name}.json", RESULTS / f"matrix-{stamp}-{name}.md")
        if len(versions) > 1
        else (RESULTS / f"matrix-{stamp}.json", RESULTS / f"matrix-{stamp}.md")
        for name, _, _ in versions
    }
    jobs = [
        (limit, shape, size, seed)
        for limit in sorted(args.time_limits)
        for size in sorted(args.sizes)
        for shape in args.shapes
        for seed in args.seeds
    ]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in versions}
    for n, (limit, shape, size, seed) in enumerate(jobs, 1):
        path = instance(shape, size, seed)
        for name, version_src, version_meta in versions:
            row = {"shape": shape, "size": size, "seed": seed, "time_limit": limit, "workers": args.workers}
            row |= {"instance": path.name, "instance_sha256": digest(path)} | run(
                path, version_src, limit, seed, args.workers
            )
            runs[name].append(row)
            print(f"[{n}/{len(jobs)} {name}] {_brief(row)}", file=sys.stderr, flush=True)
            summary = summarise(runs[name])  # written after every run: an interrupted matrix keeps it
            json_out, md_out = outs[name]
            json_out.write_text(
                json.dumps({"meta": version_meta, "runs": runs[name], "summary": summary}, indent=1),
                encoding="utf-8",
            )
            md_out.write_text(_page(version_meta, summary), encoding="utf-8")
    for name, _, version_meta in versions:
        print(_page(version_meta, summarise(runs[name])) + f"\n→ {outs[name][0]}\n→ {outs[name][1]}")
    if len(versions) > 1:
        old, new = (json.loads(outs[name][0].read_text(encoding="utf-8")) for name, _, _ in versions)
        table = compare(old, new)
        out = RESULTS / f"compare-{stamp}.md"
        out.write_text(table, encoding="utf-8")
        print(table + f"\n→ {out}")


def _brief(row: dict[str, Any]) -> str:
    keys = ("shape", "size", "seed", "time_limit", "status", "first_fit", "objective", "bound", "gap_pct")
    more = ("trivial_bound", "first_improvement_s", "build_s", "peak_rss_mb", "wall_s", "violations")
    return " ".join(f"{k}={row.get(k)}" for k in keys + more)


def _page(meta: dict[str, Any], summary: list[dict[str, Any]]) -> str:
    head = (
        f"# kecheng benchmark matrix — {meta['label']}\n\n"
        f"`{meta['command']}` · src {meta['src']} (commit {meta['commit']}, dirty {meta['dirty']}) · "
        f"workers {meta['workers']} · {meta['cpus']} CPUs · started {meta['started']}\n\n"
        "Medians over seeds, (min–max) when they differ. *first improvement s*: the first timetable "
        "whose objective exceeds first fit's (a seed without one counts as never); *improved*: seeds "
        "with one. *first fit's gap %*: first fit against kecheng's bound. *trivial bound*: see "
        "`trivial_bound` in benchmarks/matrix.py. "
        "*wall s*: the child's imports, load and solve (not the trivial bound and check).\n\n"
    )
    return head + markdown(summary, meta["label"])


if __name__ == "__main__":
    main()
