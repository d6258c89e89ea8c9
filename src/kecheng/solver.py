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
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from kecheng.candidates import GroupOptions, Spans, group_options, member_cliques, start_spans
from kecheng.changes import compare
from kecheng.check import check
from kecheng.decompose import MAX_PART_GROUPS, solve_in_parts
from kecheng.explain import unplaced_reasons
from kecheng.greedy import greedy, number_sessions
from kecheng.model import Placement, Problem, merge_windows
from kecheng.result import ProgressPoint, Result
from kecheng.weights import Weights


class LockError(ValueError):
    """A locked session that breaks a rule or cannot be placed: the run must stop."""


@dataclass
class _DayVars:
    present: cp_model.IntVar
    start: cp_model.IntVar
    interval: cp_model.IntervalVar
    venues: dict[str, cp_model.IntVar] = field(default_factory=dict)


class TimetableModel:
    """Builds the CP-SAT model for a problem; decodes solutions back into placements.

    The objective has tiers, solved lexicographically (see ``solve``): placed priority,
    then sessions kept from the previous timetable, then soft points (time
    preferences, own community, nearness). Within a solve a higher tier is scaled
    past the most the lower ones can add up to, so it always wins.
    """

    def __init__(
        self,
        problem: Problem,
        options: dict[str, GroupOptions],
        weights: Weights | None = None,
        *,
        previous: Iterable[Placement] = (),
        locked: Iterable[Placement] = (),
    ):
        self.problem, self.options, self.weights = problem, options, weights or Weights()
        self.model = cp_model.CpModel()
        self.vars: dict[tuple[str, int], _DayVars] = {}
        # (group, day), points, literal; the stability tier and the soft tier
        self.stable: list[tuple[tuple[str, int], int, cp_model.IntVar]] = []
        self.soft: list[tuple[tuple[str, int], int, cp_model.IntVar]] = []
        self.locked = {(p.group_id, p.weekday): p.session for p in locked}
        # Variables whose value follows from a timetable, for a complete hint.
        self.derived: list[tuple[cp_model.IntVar, Callable[[dict], int]]] = []
        self._variables()
        self._constraints()
        self._travel()
        self._preferences()
        self._stability(previous)
        self._locks(locked)
        self.placed = sum(self.options[g].group.priority * dv.present for (g, _), dv in self.vars.items())
        self.kept = sum(w * lit for _, w, lit in self.stable)
        self.points = sum(w * lit for _, w, lit in self.soft)
        self.scale = 1 + _tier_max(self.stable, self.options)
        self.model.maximize(self.scale * self.placed + self.kept)

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
                    own = cp_model.Domain.from_intervals([list(span) for span in opt.starts[day, v]])
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

    def _travel(self) -> None:
        """A teacher at two venues on one day needs the walk plus a buffer in between.

        Per pair of the teacher's groups meeting that day, a gap variable is at least
        the travel between the venues they use, one inequality per venue of the first
        group (gap ≥ Σ travel · venue literal of the second), not one per venue pair.
        """
        grid = self.problem.grid_min
        by_teacher_day: dict[tuple[str, int], list[str]] = defaultdict(list)
        for gid, day in self.vars:
            by_teacher_day[self.options[gid].group.teacher_id, day].append(gid)
        for (_tid, day), gids in by_teacher_day.items():
            for i, g1 in enumerate(gids):
                for g2 in gids[i + 1 :]:
                    self._travel_pair(g1, g2, day, grid)

    def _travel_pair(self, g1: str, g2: str, day: int, grid: int) -> None:
        a, b = self.vars[g1, day], self.vars[g2, day]
        oa, ob = self.options[g1], self.options[g2]
        needs: dict[tuple[str, str], int] = {}  # (va, vb) → steps of travel that can bind
        for va in a.venues:
            for vb in b.venues:
                gap = -(-self.problem.travel_min(va, vb) // grid)
                if gap and not _apart(oa.starts[day, va], oa.duration, ob.starts[day, vb], ob.duration, gap):
                    needs[va, vb] = gap
        if not needs:
            return
        m = self.model
        gap_var = m.new_int_var(0, max(needs.values()), "")
        for va in {va for va, _ in needs}:
            terms = [k * b.venues[vb] for (v, vb), k in needs.items() if v == va]
            m.add(gap_var >= sum(terms)).only_enforce_if(a.venues[va])
        first = m.new_bool_var("")  # true: g1's session comes first
        both = [a.present, b.present]
        m.add(b.start >= a.start + oa.duration + gap_var).only_enforce_if([*both, first])
        m.add(a.start >= b.start + ob.duration + gap_var).only_enforce_if([*both, ~first])
        key_a, key_b = (g1, day), (g2, day)
        self.derived.append((first, lambda chosen: _first(chosen.get(key_a), chosen.get(key_b))))
        self.derived.append((gap_var, lambda chosen: _gap(needs, chosen.get(key_a), chosen.get(key_b))))

    def _preferences(self) -> None:
        weight, grid = self.weights.preference, self.problem.grid_min
        if not weight:
            return
        for (gid, day), dv in self.vars.items():
            group = self.options[gid].group
            if not group.has_time_preference:
                continue
            if group.preferred_weekdays and day not in group.preferred_weekdays:
                continue
            if group.preferred_times:
                windows = [(a, b) for d, a, b in group.preferred_times if d in (0, day)]
                if not windows:
                    continue  # the preferred times name other weekdays only
            else:
                windows = [(0, 24 * 60)]  # a weekday preference alone
            steps = start_spans(merge_windows(windows), group.duration_min, grid)
            liked = cp_model.Domain.from_intervals([list(s) for s in steps])
            domain = _domain(dv.start)
            if not domain.overlaps_with(liked):
                continue
            if domain.is_included_in(liked):
                self.soft.append(((gid, day), weight, dv.present))
                continue
            met = self.model.new_bool_var("")
            self.model.add_implication(met, dv.present)
            self.model.add_linear_expression_in_domain(dv.start, liked).only_enforce_if(met)
            self.derived.append(
                (met, lambda chosen, key=(gid, day), liked=liked: _met(chosen, key, liked, grid))
            )
            self.soft.append(((gid, day), weight, met))

    def _venue_bonus(self) -> None:
        for (gid, day), dv in self.vars.items():
            group = self.options[gid].group
            for v, lit in dv.venues.items():
                own = self.problem.venue[v].community_id == group.community_id
                bonus = self.weights.venue_bonus(own, self.problem.walk_m(gid, v), group.max_walk_m)
                if bonus:
                    self.soft.append(((gid, day), bonus, lit))

    def _stability(self, previous: Iterable[Placement]) -> None:
        self._venue_bonus()
        weight, grid = self.weights.stability, self.problem.grid_min
        if not weight:
            return
        for p in previous:
            dv = self.vars.get((p.group_id, p.weekday))
            if dv is None or p.venue_id not in dv.venues or p.start % grid:
                continue
            step = p.start // grid
            if p.end - p.start != self.options[p.group_id].duration * grid:
                continue
            if not _domain(dv.start).contains(step):
                continue
            kept = self.model.new_bool_var("")
            self.model.add_implication(kept, dv.venues[p.venue_id])
            self.model.add(dv.start == step).only_enforce_if(kept)
            self.derived.append((kept, lambda chosen, p=p: _same(chosen.get((p.group_id, p.weekday)), p)))
            self.stable.append(((p.group_id, p.weekday), weight, kept))

    def _locks(self, locked: Iterable[Placement]) -> None:
        grid = self.problem.grid_min
        for p in locked:
            dv = self.vars.get((p.group_id, p.weekday))
            where = f"locked {p.group_id} session {p.session} at {p.venue_id} on day {p.weekday}"
            if dv is None or p.venue_id not in dv.venues:
                raise LockError(f"{where}: the venue is not among the group's candidates that day")
            if p.start % grid or not _domain(dv.start).contains(p.start // grid):
                raise LockError(f"{where}: the start is not on the {grid}-minute grid of allowed starts")
            self.model.add(dv.venues[p.venue_id] == 1)
            self.model.add(dv.start == p.start // grid)

    def primary(self, combined: float) -> float:
        """The placed priority inside a first-phase objective value or bound."""
        return math.floor(combined / self.scale + 1e-9)

    def polish(self, placed: int, kept: int, placements: list[Placement]) -> None:
        """Second phase: keep what the first placed and kept, maximise the soft points."""
        self.model.add(self.placed >= placed)
        self.model.add(self.kept >= kept)
        self.model.maximize(self.points)
        self.model.clear_hints()
        self.hint(placements)

    def hint(self, placements: list[Placement]) -> None:
        """Warm start: a complete assignment, so CP-SAT's first solution is at least this good."""
        grid = self.problem.grid_min
        chosen = {(p.group_id, p.weekday): p for p in placements}
        for key, dv in self.vars.items():
            placement = chosen.get(key)
            self.model.add_hint(dv.present, placement is not None)
            self.model.add_hint(dv.start, placement.start // grid if placement else _domain(dv.start).min())
            if len(dv.venues) > 1:
                for v, lit in dv.venues.items():
                    self.model.add_hint(lit, placement is not None and placement.venue_id == v)
        for var, value in self.derived:
            self.model.add_hint(var, int(value(chosen)))

    def placements(self, value) -> list[Placement]:
        """Decode a solution (``value`` is solver.value or a callback's value)."""
        grid, found = self.problem.grid_min, defaultdict(list)
        for (gid, day), dv in self.vars.items():
            if value(dv.present):
                venue = next(v for v, lit in dv.venues.items() if value(lit))
                start, duration = value(dv.start), self.options[gid].duration
                found[gid].append(
                    Placement(
                        gid,
                        self.locked.get((gid, day), 0),
                        venue,
                        self.options[gid].group.teacher_id,
                        day,
                        start * grid,
                        (start + duration) * grid,
                    )
                )
        return [p for group in self.problem.groups for p in number_sessions(found[group.group_id])]


def _domain(var: cp_model.IntVar) -> cp_model.Domain:
    return cp_model.Domain.from_flat_intervals(list(var.proto.domain))


def _tier_max(
    terms: list[tuple[tuple[str, int], int, cp_model.IntVar]], options: dict[str, GroupOptions]
) -> int:
    """The most a tier's points can add up to: per group, its best days' points."""
    per_day: dict[tuple[str, int], int] = defaultdict(int)
    for key, weight, _ in terms:
        per_day[key] += weight
    best: dict[str, list[int]] = defaultdict(list)
    for (gid, _day), points in per_day.items():
        best[gid].append(points)
    return sum(sum(sorted(p, reverse=True)[: options[g].max_sessions]) for g, p in best.items())


def _met(chosen: dict, key: tuple[str, int], liked: cp_model.Domain, grid: int) -> bool:
    placement = chosen.get(key)
    return placement is not None and liked.contains(placement.start // grid)


def _same(placement: Placement | None, previous: Placement) -> bool:
    return placement is not None and (placement.venue_id, placement.start) == (
        previous.venue_id,
        previous.start,
    )


def _gap(needs: dict[tuple[str, str], int], a: Placement | None, b: Placement | None) -> int:
    return needs.get((a.venue_id, b.venue_id), 0) if a and b else 0


def _first(a: Placement | None, b: Placement | None) -> bool:
    return a is not None and b is not None and a.start < b.start


def _apart(a: Spans, da: int, b: Spans, db: int, gap: int) -> bool:
    """True when sessions starting in spans a and b can never come within gap steps."""
    return a[-1][1] + da + gap <= b[0][0] or b[-1][1] + db + gap <= a[0][0]


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records each improving timetable: when, how much is placed, the bound so far."""

    def __init__(self, model: TimetableModel, search: _Search, phase: str):
        super().__init__()
        self._model, self._search, self._phase = model, search, phase
        self._presents = [(model.options[g].group.priority, dv.present) for (g, _), dv in model.vars.items()]

    def on_solution_callback(self) -> None:
        values = [(priority, self.boolean_value(x)) for priority, x in self._presents]
        bound = self._model.primary(self.best_objective_bound) if self._phase == "cp-sat" else math.nan
        self._search.record(
            ProgressPoint(
                time.perf_counter() - self._search.started,
                sum(priority for priority, on in values if on),
                bound,
                sum(on for _, on in values),
                self._phase,
            )
        )


@dataclass
class _Search:
    """Settings shared by the phases of one solve, and what they found."""

    seed: int
    workers: int
    log: bool
    started: float
    on_progress: Callable[[ProgressPoint], None] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    points: list[ProgressPoint] = field(default_factory=list)
    interrupted: bool = False

    def record(self, point: ProgressPoint) -> None:
        self.points.append(point)
        if self.on_progress is not None:
            self.on_progress(point)

    def run(self, model: TimetableModel, time_limit: float, phase: str) -> tuple[cp_model.CpSolver, int]:
        """One CP-SAT search. Ctrl-C stops it and keeps the best timetable found."""
        try:
            return self._run_stoppable(model, time_limit, phase)
        except IndexError:
            # OR-Tools 9.15 presolve can trip over a valid hint (absl::btree_map::at);
            # the hint only speeds things up, so search again without it.
            model.model.clear_hints()
            return self._run_stoppable(model, time_limit, phase)

    def _run_stoppable(
        self, model: TimetableModel, time_limit: float, phase: str
    ) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        _set_parameters(
            solver.parameters, time_limit=time_limit, seed=self.seed, workers=self.workers, log=self.log
        )
        for name, value in self.overrides.items():
            if isinstance(value, list):
                getattr(solver.parameters, name)[:] = value
            else:
                setattr(solver.parameters, name, value)
        callback = _Progress(model, self, phase)
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def search() -> None:
            try:
                outcome["status"] = solver.solve(model.model, callback)
            except BaseException as err:  # handed to the main thread below
                outcome["error"] = err
            finally:
                done.set()

        # The search runs in a thread so that the main thread stays free to take Ctrl-C.
        # (An Event, not join(): an interrupted join() can mark a live thread finished.)
        threading.Thread(target=search, name="cp-sat", daemon=True).start()
        while not done.is_set():
            try:
                done.wait(0.1)
            except KeyboardInterrupt:
                self.interrupted = True
                solver.stop_search()
        if "error" in outcome:
            raise outcome["error"]
        return solver, outcome["status"]


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
    params.catch_sigint_signal = False  # Ctrl-C is ours: stop_search() keeps the best timetable
    if workers == 1:
        params.linearization_level = 2
        # One worker is deterministic only if it stops on the deterministic clock,
        # which runs several times slower than the wall clock here (about 1/8).
        params.max_deterministic_time = max(time_limit, 0.0) / 8
    elif workers < 8:
        params.subsolvers.append("max_lp")


def solve(
    problem: Problem,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 0,
    weights: Weights | None = None,
    previous: Iterable[Placement] = (),
    locked: Iterable[Placement] = (),
    hint: bool = True,
    log: bool = False,
    on_progress: Callable[[ProgressPoint], None] | None = None,
    cp_sat: dict[str, Any] | None = None,
    warm_start: Iterable[Placement] = (),
    max_part_groups: int = MAX_PART_GROUPS,
) -> Result:
    """Place the most priority-weighted sessions within time_limit seconds of search.

    Then, without giving up a single placed session: keep ``previous`` sessions where
    they are, meet time preferences, prefer near venues (see ``Weights``). ``locked``
    sessions are kept exactly, or LockError names the lock and the rule it breaks.
    Returns a Result with CP-SAT's status, the placed priority and its proven bound;
    every session not placed is in ``result.unscheduled`` with a reason.
    ``workers=0`` uses every core; with ``workers=1`` the search stops on CP-SAT's
    deterministic clock, so the same seed gives the same timetable. ``on_progress``
    is called with each improving timetable (from the search thread). Ctrl-C ends
    the search early: the best timetable so far is returned, marked interrupted.
    ``cp_sat`` overrides CP-SAT parameters by name (for benchmarks and experiments).
    ``warm_start`` placements seed the first fit (after locks, before ``previous``).
    Above ``max_part_groups`` groups the problem is solved part by part (see
    ``kecheng.decompose``); the bound is then a simple valid one, not CP-SAT's.
    """
    weights = weights or Weights()
    previous, locked = list(previous), list(locked)
    started = time.perf_counter()
    _check_locks(problem, locked)
    if len(problem.groups) > max_part_groups:
        return solve_in_parts(
            problem,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            weights=weights,
            previous=previous,
            locked=locked,
            on_progress=on_progress,
            max_groups=max_part_groups,
            cp_sat=cp_sat,
        )
    options = group_options(problem)
    candidates_done = time.perf_counter()
    seeds = [*warm_start, *previous]
    first_fit = greedy(problem, options, locked=locked, previous=seeds) if hint or locked else []
    greedy_done = time.perf_counter()
    model = TimetableModel(problem, options, weights, previous=previous, locked=locked)
    built = time.perf_counter()
    search = _Search(seed, workers, log, started, on_progress, dict(cp_sat or {}))
    if first_fit:
        first = ProgressPoint(
            greedy_done - started, _objective(problem, first_fit), math.nan, len(first_fit), "first-fit"
        )
        search.record(first)

    # Phase 1: place the most, keeping last week's sessions where that costs nothing.
    polish = bool(model.soft) and time_limit >= 2
    phase1_limit = time_limit * 0.85 if polish else time_limit
    if first_fit:
        model.hint(first_fit)
    solver, status = search.run(model, phase1_limit, "cp-sat")
    solved = time.perf_counter()
    status_name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        raise LockError("the locked sessions cannot all be kept together: " + solver.solution_info())
    bound = model.primary(solver.best_objective_bound)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placements = model.placements(solver.value)
    else:
        placements = first_fit
        if first_fit:
            status_name = "FEASIBLE"  # the first-fit timetable is valid, just not improved
    # Phase 2: with that fixed, meet time preferences and prefer near venues.
    remaining = time_limit - (time.perf_counter() - built)
    if polish and placements and remaining >= 1 and not search.interrupted:
        placed, kept = _objective(problem, placements), _kept_points(model, placements)
        model.polish(placed, kept, placements)
        solver2, status2 = search.run(model, remaining, "polish")
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            placements = model.placements(solver2.value)
    polished = time.perf_counter()
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
            "polish_s": polished - solved,
            "explain_s": finished - polished,
            "wall_s": finished - started,
        },
        progress=tuple(search.points),
        interrupted=search.interrupted,
        greedy_objective=_objective(problem, first_fit),
        seed=seed,
        workers=workers,
        time_limit=time_limit,
        model_size={
            "day_vars": len(model.vars),
            "venue_literals": sum(len(dv.venues) for dv in model.vars.values()),
            "stability_terms": len(model.stable),
            "soft_terms": len(model.soft),
        },
        terms=objective_terms(problem, placements, weights, previous),
        changes=compare(previous, placements) if previous else None,
    )


def _kept_points(model: TimetableModel, placements: list[Placement]) -> int:
    """The stability tier's value for a timetable (what phase 2 must not lose)."""
    chosen = {(p.group_id, p.weekday): p for p in placements}
    derived = {id(var): value for var, value in model.derived}
    return sum(w * int(derived[id(lit)](chosen)) for _, w, lit in model.stable)


def _check_locks(problem: Problem, locked: list[Placement]) -> None:
    """Locks are hard: each must obey every rule, alone and together with the others."""
    violations = check(problem, locked)
    if violations:
        lines = [f"  {v.rule}: {v.message}" for v in violations]
        raise LockError("locked sessions break the rules:\n" + "\n".join(lines))


def objective_terms(
    problem: Problem, placements: list[Placement], weights: Weights, previous: list[Placement]
) -> dict[str, float]:
    """Each part of the objective, recomputed from the timetable itself."""
    with_pref = [p for p in placements if problem.group[p.group_id].has_time_preference]
    met = sum(problem.group[p.group_id].prefers(p.weekday, p.start, p.end) for p in with_pref)
    own = sum(
        problem.venue[p.venue_id].community_id == problem.group[p.group_id].community_id for p in placements
    )
    walk = [problem.walk_m(p.group_id, p.venue_id) for p in placements]
    old = {(p.group_id, p.weekday, p.venue_id, p.start) for p in previous}
    kept = sum((p.group_id, p.weekday, p.venue_id, p.start) in old for p in placements)
    return {
        "placed_priority": _objective(problem, placements),
        "sessions_with_time_preference": len(with_pref),
        "time_preference_met": met,
        "time_preference_share": round(met / len(with_pref), 4) if with_pref else None,
        "own_community_share": round(own / len(placements), 4) if placements else None,
        "mean_walk_m": round(sum(walk) / len(walk), 1) if walk else None,
        "kept_from_previous": kept,
        "weights": weights.model_dump(),
    }
