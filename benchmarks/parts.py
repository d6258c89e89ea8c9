"""Does the plan's gap grow with the district's size, or with its shape?

    python benchmarks/parts.py --parts 7 --groups 150 --time-limit 150 --jobs 2
    python benchmarks/parts.py --parts 4 --groups 40 --shared --spacing 0.1 --keep u4s --time-limit 0

Puts ``--parts`` generated districts of ``--groups`` running groups (seeds ``--seed`` onwards,
with their synthetic orders) side by side as one input folder: every id, street and interest
prefixed by its part (so no teacher, resident or order of one part can meet another's), each
part one degree of latitude from the next. The union's relaxed model is then exactly the sum of
the parts' (its Lagrangian dual and its LP are the parts' sums) and so is its best plan.
kecheng plans each part (``--time-limit`` s) and the union (``--parts`` times that, and once
with only ``--time-limit``), one worker each, so every run's budgets are counted in work done,
not on the wall (``plan``'s ``workers=1``), and runs side by side give the same figures.

If the union's plan matches the parts' sum, the search keeps up with the size at the same work
per group; if its bound lies above the parts' sum, the bound's subgradient does not. Both apart,
a larger district of the generator's own shape (``kecheng generate district``) with a gap well
above the union's has its gap in its shape, not in the size alone. ``--shared`` keeps the
interests' ids, so teachers may open groups in every part (as in one district, where any teacher
of an interest may be sent anywhere; ``--spacing 0.1``: parts about 11 km apart): the union's plan
and bound may then exceed the parts' sums, and how much more the bound gains than the plan is
what sharing teachers costs the gap. Prints one JSON line per run, then the sums. ``--keep DIR``
writes the folders to DIR and keeps them (``DIR/union`` for ``benchmarks/columns.py --input``);
with ``--time-limit 0`` it only writes them.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import kecheng
from kecheng import writing
from kecheng.planning import plan, synthetic_orders

PREFIXED = {
    "community_id",
    "teacher_id",
    "venue_id",
    "group_id",
    "member_id",
    "resident_id",
    "with",
    "interest_id",
    "street",
    "name",
}
"""Columns whose values name a part's own things: prefixed so the parts never meet."""


def write_part(folder: Path, groups: int, seed: int, shape: str) -> None:
    """One generated district with its orders, as ``kecheng generate --orders`` writes it."""
    made = synthetic_orders(kecheng.generate("district", seed, groups=groups, shape=shape), seed)
    writing.write_problem(made.problem, folder, tables=made.plan_problem().tables())


def write_union(folder: Path, parts: list[Path], *, shared: bool = False, spacing: float = 1.0) -> None:
    """The parts' tables as one folder, each part's names prefixed ``P<n>`` and moved ``n × spacing``°
    north. ``shared``: interests keep their ids (the generator's catalogue is the same for every
    seed), so any part's teacher of an interest may open a group of it in any part."""
    folder.mkdir(parents=True, exist_ok=True)
    prefixed = PREFIXED - {"interest_id"} if shared else PREFIXED
    tables: dict[str, tuple[list[str], list[dict[str, str]]]] = {}
    for n, part in enumerate(parts):
        for path in sorted(part.glob("*.csv")):
            if shared and n and path.name == "interests.csv":
                if path.read_bytes() != (parts[0] / path.name).read_bytes():
                    raise SystemExit(f"{path}: not the first part's catalogue; --shared needs one")
                continue
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                fields, rows = tables.setdefault(path.name, (list(reader.fieldnames or []), []))
                for row in reader:
                    for column, value in row.items():
                        if not value or (shared and path.name == "interests.csv"):
                            continue
                        if column in prefixed:
                            row[column] = f"P{n}{value}"
                        elif column == "interests" and not shared:
                            row[column] = ";".join(f"P{n}{i}" for i in value.split(";"))
                        elif column == "lat":
                            row[column] = f"{float(value) + n * spacing:.6f}"
                    rows.append(row)
    for name, (fields, rows) in tables.items():
        with (folder / name).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)


def run(folder: str, time_limit: float) -> dict:
    """kecheng's plan of one folder (running groups at their first-fit times), one worker."""
    pp = kecheng.load_plan(folder)
    result = plan(pp, kecheng.greedy(pp.problem), time_limit=time_limit, seed=0, workers=1)
    summary = result.summary()
    return {
        "folder": Path(folder).name,
        "time_limit": time_limit,
        "points": summary["objective"]["orders_points"],
        "bound": summary["bound"],
        "first_plan": result.search["start_orders_points"],
        "neighbourhoods": result.search["neighbourhoods"],
        "bound_s": round(result.timings.get("bound_s", 0.0), 1),
    }


def gap(points: float, bound: float) -> float:
    return round((bound - points) / bound, 4) if bound else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", type=int, default=7)
    parser.add_argument("--groups", type=int, default=150, help="running groups per part")
    parser.add_argument("--seed", type=int, default=0, help="of the first part; the next take the next seeds")
    parser.add_argument("--shape", default="generator")
    parser.add_argument("--time-limit", type=float, default=150.0, help="seconds per part")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (each one worker)")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="teachers may open groups of their interests in any part (then the union may beat the sum)",
    )
    parser.add_argument("--spacing", type=float, default=1.0, help="degrees of latitude between parts")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="write the parts and the union (DIR/union) here and keep them, e.g. for "
        "benchmarks/columns.py --input; with --time-limit 0 only write them",
    )
    args = parser.parse_args()
    if args.time_limit <= 0 and not args.keep:
        parser.error("--time-limit 0 only writes the folders: give --keep DIR to keep them")

    with contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory() as tmp:
        parts = [Path(tmp) / f"part{n}" for n in range(args.parts)]
        for n, folder in enumerate(parts):
            write_part(folder, args.groups, args.seed + n, args.shape)
        union = Path(tmp) / "union"
        write_union(union, parts, shared=args.shared, spacing=args.spacing)
        if args.time_limit <= 0:
            print(json.dumps({"union": str(union), "parts": [str(folder) for folder in parts]}))
            return
        runs = [(str(union), args.parts * args.time_limit), (str(union), args.time_limit)]
        runs += [(str(folder), args.time_limit) for folder in parts]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(run, *zip(*runs, strict=True)))
    for row in rows:
        print(json.dumps({**row, "gap": gap(row["points"], row["bound"])}))
    whole, short, *each = rows
    points, bound = sum(r["points"] for r in each), sum(r["bound"] for r in each)
    print(
        json.dumps(
            {
                "parts_points": points,
                "parts_bound": bound,
                "parts_gap": gap(points, bound),
                "union_points": whole["points"],
                "union_bound": whole["bound"],
                "union_gap": gap(whole["points"], whole["bound"]),
                "union_vs_parts_points": round(whole["points"] / points - 1, 4),
                "union_vs_parts_bound": round(whole["bound"] / bound - 1, 4),
                "union_short_points": short["points"],
                "union_short_gap": gap(short["points"], short["bound"]),
            }
        )
    )


if __name__ == "__main__":
    main()
