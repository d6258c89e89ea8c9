"""How tight is the whole-group bound, and where does its looseness lie?

    python benchmarks/relaxation.py --groups 150 --seed 0 --mip-time 120

The Lagrangian bound (``kecheng.planning.lagrange``) is the optimum of a relaxed model only if
its subgradient reaches the model's dual, and that model bounds the plan only as tightly as its
own integer optimum allows. This script solves the same relaxed model several ways on one
generated district (``kecheng.generate(preset, seed, groups=G)`` with its synthetic orders), or on
a plan input folder (``--input``, e.g. the parts put side by side by ``benchmarks/parts.py``):

- ``lp``: its linear relaxation (each pattern set's groups fractional, every member at most its
  set's groups: ``x ≤ y``; each teacher's choices mixed), with OR-Tools' HiGHS. It is at most
  the Lagrangian dual (the pieces a subgradient solves exactly are integer), and a valid bound;
- ``mip``: the same with whole groups (``y`` integer; for fixed ``y`` the members' part is a
  flow, so integral), HiGHS to within ``--mip-gap`` of its bound (none if ``--mip-time`` stops
  it first): its best plan of the relaxed model and its proven bound on it;
- ``timed``: the MIP's groups, with their members, given real weekly times all at once by CP-SAT
  (``timed``'s docstring): what of the relaxed optimum a real week could keep;
- ``subgradient``: ``lagrangian_bound`` for ``--steps`` steps aimed at the MIP's best (the
  step's aim moves it: aimed lower, at a plan, its steps are longer);
- ``plan``: kecheng's plan of the district (one worker, ``--plan-time`` seconds; 0: none), its
  order points and the bound it reports (``plan_bound``: the LP's and the subgradient's, aimed
  at the plan).

If ``subgradient`` ≈ ``lp`` the bound has reached its relaxation's dual; if ``mip`` ≈ ``lp`` the
relaxation's own whole groups cannot tighten it; what is left between the plan and the bound
is then in the rules the relaxation drops (times, venues, walks between a teacher's groups) or
in the plan, and ``timed`` well below ``mip`` (and below ``plan``) points to those rules.
Prints one JSON line. Districts beyond ~300 groups make an LP HiGHS takes many minutes over.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

import kecheng
from kecheng.planning import plan, synthetic_orders
from kecheng.planning.bound import held_orders, satisfiable_orders
from kecheng.planning.context import PlanContext, starts_mask
from kecheng.planning.lagrange import Relaxation, lagrangian_bound


def relaxed_model(
    relaxation: Relaxation, points: np.ndarray, whole: bool
) -> tuple[pywraplp.Solver, list, list, list]:
    """The relaxed model of ``relaxation`` as an LP (or with whole groups, a MIP) for HiGHS, and
    its members (per pair), groups (per pattern set) and joins (per running-group pair)."""
    r, teachers = relaxation, relaxation.teachers
    solver = pywraplp.Solver.CreateSolver("HIGHS")
    p = points[r.orders].astype(float)
    x = [solver.NumVar(0, 1, "") for _ in range(len(r.pair_order))]
    most = r.facility_size // np.maximum(r.facility_min, 1)
    y = [solver.IntVar(0, int(m), "") if whole else solver.NumVar(0, float(m), "") for m in most.tolist()]
    j = [solver.NumVar(0, 1, "") for _ in range(len(r.join_order))]
    w = [solver.NumVar(0, 1, "") for _ in range(len(teachers.combo_teacher))]
    z = [solver.NumVar(0, solver.infinity(), "") for _ in range(len(teachers.offer_slot))]
    members: list[list[int]] = [[] for _ in y]
    for q, f in enumerate(r.pair_facility.tolist()):
        members[f].append(q)
        solver.Add(x[q] <= y[f])
    for f, qs in enumerate(members):
        total = solver.Sum([x[q] for q in qs])
        solver.Add(total >= int(r.facility_min[f]) * y[f])
        solver.Add(total <= int(r.facility_cap[f]) * y[f])
    of_order: list[list] = [[] for _ in r.orders]
    of_resident: list[list] = [[] for _ in r.room]
    for q, k in enumerate(r.pair_order.tolist()):
        of_order[k].append(x[q])
        of_resident[int(r.resident[k])].append(x[q])
    seats: list[list] = [[] for _ in r.seats]
    for q, (k, g) in enumerate(zip(r.join_order.tolist(), r.join_group.tolist(), strict=True)):
        of_order[k].append(j[q])
        of_resident[int(r.resident[k])].append(j[q])
        seats[g].append(j[q])
    for terms in of_order:
        if len(terms) > 1:
            solver.Add(solver.Sum(terms) <= 1)
    for terms, room in zip(of_resident, r.room.tolist(), strict=True):
        if len(terms) > room:
            solver.Add(solver.Sum(terms) <= room)
    for terms, n in zip(seats, r.seats.tolist(), strict=True):
        if len(terms) > n:
            solver.Add(solver.Sum(terms) <= n)
    # each slot's groups within what its teachers give it; each teacher within their choices
    given: list[list] = [[] for _ in range(r.slots)]
    by_pair: dict[int, list] = defaultdict(list)
    for o, (pair, slot) in enumerate(
        zip(teachers.offer_pair.tolist(), teachers.offer_slot.tolist(), strict=True)
    ):
        given[slot].append(z[o])
        by_pair[pair].append(z[o])
    in_slot: list[list] = [[] for _ in range(r.slots)]
    for f, slot in enumerate(r.facility_slot.tolist()):
        in_slot[slot].append(y[f])
    for slot in range(r.slots):
        solver.Add(solver.Sum(in_slot[slot]) <= solver.Sum(given[slot]))
    choices: dict[int, list] = defaultdict(list)
    chosen: dict[int, list] = defaultdict(list)
    for c, t in enumerate(teachers.combo_teacher.tolist()):
        choices[t].append(w[c])
        for pair, n in zip(teachers.combo_pairs[c].tolist(), teachers.combo_counts[c].tolist(), strict=True):
            if pair >= 0 and n:
                chosen[pair].append(n * w[c])
    for terms in choices.values():
        solver.Add(solver.Sum(terms) <= 1)
    capped = {pair for _, pairs, *_ in teachers.capped for pair in pairs}
    for pair, terms in by_pair.items():
        if pair not in capped:
            solver.Add(solver.Sum(terms) <= solver.Sum(chosen[pair]))
    for _, pairs, groups, week, minutes, sessions, length in teachers.capped:
        for limit, per in ((groups, np.ones(len(pairs))), (week, sessions), (minutes, length)):
            solver.Add(
                solver.Sum([float(a) * v for pair, a in zip(pairs, per, strict=True) for v in by_pair[pair]])
                <= limit
            )
    solver.Maximize(
        solver.Sum([float(p[k]) * v for k, v in zip(r.pair_order.tolist(), x, strict=True)])
        + solver.Sum([float(p[k]) * v for k, v in zip(r.join_order.tolist(), j, strict=True)])
    )
    return solver, x, y, j


def timed(
    ctx: PlanContext,
    relaxation: Relaxation,
    points: np.ndarray,
    x: list[pywraplp.Variable],
    y: list[pywraplp.Variable],
    j: list[pywraplp.Variable],
    seconds: float,
    without: frozenset[str] = frozenset(),
) -> dict:
    """The MIP's groups, with their members, given real weekly times all at once: each session at
    its venue when the venue, every member and a teacher of its slot are free, on different
    weekdays; no two sessions of a venue, a teacher or a resident (new groups and the running
    groups they join) at once; a teacher within their new groups. Teachers' walks between venues
    are left out, so what cannot be timed here cannot be anywhere. CP-SAT keeps the most points.
    ``without``: "venue", "teacher", "resident": drop that one-at-a-time rule (and for teachers
    their new groups' limit) to see which binds."""
    r, pp, steps = relaxation, ctx.pp, ctx.steps
    interests = list(pp.interests)
    model = cp_model.CpModel()
    at: dict[str, list] = defaultdict(list)  # "v…", "t…", "r…" → intervals that may not overlap
    worth, taking = [], []
    teaching: dict[int, list] = defaultdict(list)
    for f in (f for f, var in enumerate(y) if var.solution_value() > 0.5):
        interest_n, _, able = r.slot_key[int(r.facility_slot[f])]
        interest, venue = interests[interest_n], int(r.facility_venue[f])
        orders = [
            int(r.orders[r.pair_order[q]])
            for q in np.flatnonzero(r.pair_facility == f)
            if x[q].solution_value() > 0.5
        ]
        residents = [ctx.resident_index[pp.orders[k].resident_id] for k in orders]
        duration = interest.duration_min // ctx.grid
        free = starts_mask(ctx.venue_free[venue], duration) & starts_mask(
            ctx.resident_free[residents], duration
        ).all(0)
        on = model.new_bool_var("")
        worth.append(int(points[orders].sum()))
        taking.append(on)
        teachers = {t: model.new_bool_var("") for t in able}
        model.add(sum(teachers.values()) == on)
        allowed = {  # per teacher: the week's starts (day × steps + step) open to all
            t: [[int(a)] for a in np.flatnonzero((free & ctx.teacher_starts_at(t, venue, duration)).ravel())]
            for t in teachers
        }
        days = []
        for _ in range(interest.sessions_per_week):
            start = model.new_int_var(0, 7 * steps - 1, "")
            day = model.new_int_var(0, 6, "")
            model.add_division_equality(day, start, steps)
            days.append(day)
            at[f"v{venue}"].append(model.new_optional_fixed_size_interval_var(start, duration, on, ""))
            for t, chosen in teachers.items():
                model.add_allowed_assignments([start], allowed[t]).only_enforce_if(chosen)
                at[f"t{t}"].append(model.new_optional_fixed_size_interval_var(start, duration, chosen, ""))
            for resident in residents:
                at[f"r{resident}"].append(at[f"v{venue}"][-1])
        if len(days) > 1:
            model.add_all_different(days).only_enforce_if(on)
        for t, chosen in teachers.items():
            teaching[t].append(chosen)
    groups, groups_left = len(taking), ctx.teacher_room[0]
    if "teacher" not in without:
        for t, chosen in teaching.items():
            model.add(sum(chosen) <= int(groups_left[t]))
    for q in (q for q, var in enumerate(j) if var.solution_value() > 0.5):
        k = int(r.orders[r.join_order[q]])
        on = model.new_bool_var("")
        worth.append(int(points[k]))
        taking.append(on)
        resident = ctx.resident_index[pp.orders[k].resident_id]
        for s in ctx.running[r.join_group_ids[int(r.join_group[q])]].sessions:
            start = (s.day - 1) * steps + s.start
            at[f"r{resident}"].append(
                model.new_optional_fixed_size_interval_var(start, s.end - s.start, on, "")
            )
    dropped = {{"venue": "v", "teacher": "t", "resident": "r"}[rule] for rule in without}
    for key, intervals in at.items():
        if len(intervals) > 1 and key[0] not in dropped:
            model.add_no_overlap(intervals)
    model.maximize(sum(w * on for w, on in zip(worth, taking, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    return {
        "timed": round(solver.objective_value),
        "timed_bound": round(solver.best_objective_bound),
        "timed_status": solver.status_name(status),
        "timed_groups": sum(solver.boolean_value(on) for on in taking[:groups]),
        "mip_groups": groups,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="district")
    parser.add_argument("--shape", default="generator")
    parser.add_argument("--groups", type=int, default=150, help="running groups (the district has ~1 000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=2000, help="of the subgradient")
    parser.add_argument("--mip-time", type=float, default=600.0, help="seconds for HiGHS on whole groups")
    parser.add_argument(
        "--mip-gap", type=float, default=0.001, help="HiGHS stops within this share of its bound"
    )
    parser.add_argument(
        "--timed-time", type=float, default=120.0, help="seconds for CP-SAT timing the MIP's groups"
    )
    parser.add_argument(
        "--timed-without",
        nargs="*",
        default=[],
        choices=("venue", "teacher", "resident"),
        help="time the MIP's groups without these rules (which of them binds?)",
    )
    parser.add_argument("--plan-time", type=float, default=150.0, help="seconds for kecheng's plan (0: none)")
    parser.add_argument(
        "--input", help="a plan input folder (as `kecheng plan` reads) instead of a generated district"
    )
    args = parser.parse_args()

    if args.input:
        pp = kecheng.load_plan(args.input)
    else:
        problem = kecheng.generate(args.preset, args.seed, groups=args.groups, shape=args.shape)
        pp = synthetic_orders(problem, args.seed).plan_problem()
    timetable = kecheng.greedy(pp.problem)
    ctx = PlanContext(pp, timetable)
    points = np.array(pp.order_weights, dtype=np.int64)
    tests = satisfiable_orders(ctx)
    feasible = tests.feasible
    held = int(points[held_orders(ctx)].sum())
    relaxation = Relaxation(ctx, tests.by_new, tests.joinable, feasible)
    row: dict = {
        "input": args.input,
        "groups": len(pp.problem.groups),
        "seed": args.seed,
        "shape": args.shape,
        "pairs": len(relaxation.pair_order),
    }
    row["facilities"] = len(relaxation.facility_min)

    began = time.perf_counter()
    lp, *_ = relaxed_model(relaxation, points, whole=False)
    status = lp.Solve()
    row["lp"] = round(lp.Objective().Value() + held, 1) if status == pywraplp.Solver.OPTIMAL else None
    row["lp_s"] = round(time.perf_counter() - began, 1)

    began = time.perf_counter()
    mip, x, y, j = relaxed_model(relaxation, points, whole=True)
    mip.SetTimeLimit(int(args.mip_time * 1000))  # stopped by it, HiGHS reports no solution here
    mip.SetSolverSpecificParametersAsString(f"mip_rel_gap = {args.mip_gap}")
    status = mip.Solve()
    found = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    row["mip_best"] = round(mip.Objective().Value() + held) if found else None
    # within the gap of its bound (HiGHS reports the bound as the best once the gap is met)
    best_bound = max(mip.Objective().BestBound(), mip.Objective().Value() * (1 + args.mip_gap))
    row["mip_bound"] = round(best_bound + held, 1) if status == pywraplp.Solver.OPTIMAL else None
    row["mip_s"] = round(time.perf_counter() - began, 1)
    if found:
        row.update(timed(ctx, relaxation, points, x, y, j, args.timed_time, frozenset(args.timed_without)))
        row["timed_without"] = args.timed_without
        row["timed"] += held

    began = time.perf_counter()
    aim = float(row["mip_best"] or 0) - held
    value, steps, *_ = lagrangian_bound(
        ctx, tests.by_new, tests.joinable, feasible, points, floor=aim, time_limit=1e9, iterations=args.steps
    )
    row.update(subgradient=value + held, steps=steps, subgradient_s=round(time.perf_counter() - began, 1))
    if args.plan_time > 0:
        summary = plan(pp, timetable, time_limit=args.plan_time, seed=args.seed, workers=1).summary()
        row.update(plan=summary["objective"]["orders_points"], plan_bound=summary["bound"])
    print(json.dumps(row))


if __name__ == "__main__":
    main()
