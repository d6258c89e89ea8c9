"""The CP-SAT model: place as many sessions (weighted by priority) as the rules allow.

One session per group and weekday at most (rule 5) lets us model a group's week as
a literal per weekday rather than per numbered session, which removes the symmetry
between a group's interchangeable sessions. For each (group, weekday) there is a
start variable and a presence literal; for each fitting venue an optional interval
sharing that start. NoOverlap per venue-day, teacher-day and member-clique-day.
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kecheng.candidates import GroupOptions, group_options, member_cliques
from kecheng.explain import unplaced_reasons
from kecheng.greedy import greedy
from kecheng.model import Placement, Problem
from kecheng.result import ProgressPoint, Result


@dataclass
class _DayVars:
    present: cp_model.IntVar
    start: cp_model.IntVar
    interval: cp_model.IntervalVar
    venues: dict[str, cp_model.IntVar] = field(default_factory=dict)


class TimetableModel:
    """Builds the CP-SAT model for a problem; decodes solutions back into placements."""

    def __init__(self, problem: Problem, options: dict[str, GroupOptions]):
        self.problem = problem
        self.options = options
        self.model = cp_model.CpModel()
        self.vars: dict[tuple[str, int], _DayVars] = {}
        self._variables()
        self._constraints()
        self._objective()

    def _variables(self) -> None:
        m = self.model
        for gid, opt in self.options.items():
            for day in opt.days:
                venues = opt.venues_on(day)
                union = cp_model.Domain.from_intervals(
                    [list(span) for v in venues for span in opt.starts[day, v]]
                )
                present = m.new_bool_var("")
                start = m.new_int_var_from_domain(union, "")
                interval = m.new_optional_fixed_size_interval_var(start, opt.duration, present, "")
                dv = _DayVars(present, start, interval)
                if len(venues) == 1:
                    dv.venues[venues[0]] = present
                else:
                    for v in venues:
                        dv.venues[v] = m.new_bool_var("")
                    m.add_exactly_one([*dv.venues.values(), ~present])
                for v, lit in dv.venues.items():
                    spans = opt.starts[day, v]
                    own = cp_model.Domain.from_intervals([list(span) for span in spans])
                    if own.size() < union.size():
                        m.add_linear_expression_in_domain(start, own).only_enforce_if(lit)
                self.vars[gid, day] = dv

    def _constraints(self) -> None:
        m, problem = self.model, self.problem
        by_venue_day: dict[tuple[str, int], list] = defaultdict(list)
        by_teacher_day: dict[tuple[str, int], list] = defaultdict(list)
        by_teacher: dict[str, list] = defaultdict(list)
        for (gid, day), dv in self.vars.items():
            opt = self.options[gid]
            for v, lit in dv.venues.items():
                by_venue_day[v, day].append(
                    m.new_optional_fixed_size_interval_var(dv.start, opt.duration, lit, "")
                )
            by_teacher_day[opt.group.teacher_id, day].append(dv)
            by_teacher[opt.group.teacher_id].append(dv.present)
        for gid, opt in self.options.items():
            days = [self.vars[gid, d].present for d in opt.days]
            if len(days) > opt.group.sessions_per_week:
                m.add(sum(days) <= opt.group.sessions_per_week)
        for intervals in by_venue_day.values():
            if len(intervals) > 1:
                m.add_no_overlap(intervals)
        for (tid, _day), dvs in by_teacher_day.items():
            if len(dvs) > 1:
                m.add_no_overlap([dv.interval for dv in dvs])
            limit = problem.teacher[tid].max_sessions_per_day
            if limit is not None and len(dvs) > limit:
                m.add(sum(dv.present for dv in dvs) <= limit)
        for tid, lits in by_teacher.items():
            limit = problem.teacher[tid].max_sessions_per_week
            if limit is not None and len(lits) > limit:
                m.add(sum(lits) <= limit)
        for clique in member_cliques(problem):
            for day in range(1, 8):
                intervals = [self.vars[g, day].interval for g in clique if (g, day) in self.vars]
                if len(intervals) > 1:
                    m.add_no_overlap(intervals)

    def _objective(self) -> None:
        self.model.maximize(
            sum(self.options[gid].group.priority * dv.present for (gid, _), dv in self.vars.items())
        )

    def hint(self, placements: list[Placement]) -> None:
        """Warm start: a complete assignment, so CP-SAT's first solution is at least this good."""
        grid = self.problem.grid_min
        chosen = {(p.group_id, p.weekday): p for p in placements}
        for key, dv in self.vars.items():
            placement = chosen.get(key)
            self.model.add_hint(dv.present, placement is not None)
            start = placement.start // grid if placement else dv.start.proto.domain[0]
            self.model.add_hint(dv.start, start)
            if len(dv.venues) > 1:
                for v, lit in dv.venues.items():
                    self.model.add_hint(lit, placement is not None and placement.venue_id == v)

    def placements(self, value) -> list[Placement]:
        """Decode a solution (``value`` is solver.value or a callback's value)."""
        grid, found = self.problem.grid_min, defaultdict(list)
        for (gid, day), dv in self.vars.items():
            if value(dv.present):
                venue = next(v for v, lit in dv.venues.items() if value(lit))
                start = value(dv.start)
                found[gid].append((day, venue, start))
        out = []
        for group in self.problem.groups:
            duration = self.options[group.group_id].duration
            for session, (day, venue, start) in enumerate(sorted(found[group.group_id]), start=1):
                out.append(
                    Placement(
                        group.group_id,
                        session,
                        venue,
                        group.teacher_id,
                        day,
                        start * grid,
                        (start + duration) * grid,
                    )
                )
        return out


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records each improving timetable: when, how good, how far from the bound."""

    def __init__(self, model: TimetableModel, started: float):
        super().__init__()
        self._presents = [dv.present for dv in model.vars.values()]
        self._started = started
        self.points: list[ProgressPoint] = []

    def on_solution_callback(self) -> None:
        placed = sum(self.boolean_value(x) for x in self._presents)
        self.points.append(
            ProgressPoint(
                time.perf_counter() - self._started,
                self.objective_value,
                self.best_objective_bound,
                placed,
                "cp-sat",
            )
        )


def _objective(problem: Problem, placements: list[Placement]) -> int:
    return sum(problem.group[p.group_id].priority for p in placements)


def _set_parameters(params, *, time_limit: float, seed: int, workers: int, log: bool) -> None:
    """Pick a search portfolio that proves a bound on small machines too.

    With fewer than 8 workers CP-SAT's default portfolio leaves out the full
    linear relaxation, and its bound barely moves (district preset, 2 workers, 30 s:
    bound 2168 vs 1999 with max_lp, for best timetables of 1990-1998). So one worker
    runs max_lp and the others do large-neighbourhood search from the hint.
    """
    workers = workers or os.cpu_count() or 1
    params.max_time_in_seconds = max(time_limit, 0.0)
    params.random_seed = seed
    params.num_workers = workers
    params.log_search_progress = log
    if workers == 1:
        params.linearization_level = 2
    elif workers < 8:
        params.subsolvers.append("max_lp")


def solve(
    problem: Problem,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 0,
    hint: bool = True,
    log: bool = False,
) -> Result:
    """Place the most priority-weighted sessions within time_limit seconds of search.

    Returns a Result with CP-SAT's status, the objective and its proven bound; every
    session not placed is in ``result.unscheduled`` with a reason. ``workers=0``
    uses every core.
    """
    started = time.perf_counter()
    options = group_options(problem)
    candidates_done = time.perf_counter()
    first_fit = greedy(problem, options) if hint else []
    greedy_done = time.perf_counter()
    model = TimetableModel(problem, options)
    if first_fit:
        model.hint(first_fit)
    built = time.perf_counter()

    solver = cp_model.CpSolver()
    _set_parameters(solver.parameters, time_limit=time_limit, seed=seed, workers=workers, log=log)
    progress = _Progress(model, started)
    if first_fit:
        progress.points.append(
            ProgressPoint(
                greedy_done - started, _objective(problem, first_fit), math.nan, len(first_fit), "first-fit"
            )
        )
    status = solver.solve(model.model, progress)
    solved = time.perf_counter()

    status_name = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placements = model.placements(solver.value)
        bound = solver.best_objective_bound
    else:
        placements = first_fit
        bound = solver.best_objective_bound if status == cp_model.UNKNOWN else float("nan")
        if first_fit and status == cp_model.UNKNOWN:
            status_name = "FEASIBLE"  # the first-fit timetable is valid, just not improved
    unplaced = unplaced_reasons(problem, placements, options)
    finished = time.perf_counter()
    return Result(
        status=status_name,
        objective=_objective(problem, placements),
        bound=bound,
        placements=tuple(placements),
        unplaced=tuple(unplaced),
        sessions_total=problem.sessions_total,
        timings={
            "candidates_s": candidates_done - started,
            "greedy_s": greedy_done - candidates_done,
            "build_s": built - greedy_done,
            "solve_s": solved - built,
            "explain_s": finished - solved,
            "wall_s": finished - started,
        },
        progress=tuple(progress.points),
        greedy_objective=_objective(problem, first_fit),
        seed=seed,
        workers=workers,
        time_limit=time_limit,
        model_size={
            "day_vars": len(model.vars),
            "venue_literals": sum(len(dv.venues) for dv in model.vars.values()),
        },
    )
