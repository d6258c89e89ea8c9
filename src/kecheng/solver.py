"""solve(): first fit, then CP-SAT in two lexicographic phases, then explanations.

Phase 1 places the most priority (last week's sessions kept where that costs
nothing); phase 2, with that fixed, earns the soft points (time preferences, near
venues). Each phase runs in a thread the main thread can stop with Ctrl-C.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from kecheng.candidates import group_options
from kecheng.changes import compare
from kecheng.check import check
from kecheng.cpsat_model import LockError, TimetableModel
from kecheng.decompose import MAX_PART_GROUPS, solve_in_parts
from kecheng.explain import unplaced_reasons
from kecheng.greedy import greedy
from kecheng.model import Placement, Problem
from kecheng.result import ProgressPoint, Result
from kecheng.weights import Weights

__all__ = ["LockError", "TimetableModel", "solve"]


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


def _set_parameters(params, *, time_limit: float, seed: int, workers: int, log: bool) -> None:
    """Pick a search portfolio that proves a bound on small machines too.

    With fewer than 8 workers CP-SAT's default portfolio leaves out the full
    linear relaxation, and its bound barely moves (district preset, 2 workers, 30 s:
    bound 2168 vs 1999 with max_lp, for best timetables of 1990-1998). So one worker
    runs max_lp and the others do large-neighbourhood search from the hint.
    Presolve's probing and symmetry rounds then cost ~5 s for nothing the search
    uses: without them the district preset at 60 s ends at 1989.3 on average over
    8 seeds (1987-1991) instead of 1987.2 (1982-1991, 9 runs), bound ~1998 either way.
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
        params.cp_model_probing_level = 0
        params.symmetry_level = 0


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
            greedy_done - started, problem.placed_priority(first_fit), math.nan, len(first_fit), "first-fit"
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
        placed, kept = problem.placed_priority(placements), _kept_points(model, placements)
        model.polish(placed, kept, placements)
        solver2, status2 = search.run(model, remaining, "polish")
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            placements = model.placements(solver2.value)
    polished = time.perf_counter()
    unplaced = unplaced_reasons(problem, placements, options)
    finished = time.perf_counter()
    return Result(
        status=status_name,
        objective=problem.placed_priority(placements),
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
        greedy_objective=problem.placed_priority(first_fit),
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
        "placed_priority": problem.placed_priority(placements),
        "sessions_with_time_preference": len(with_pref),
        "time_preference_met": met,
        "time_preference_share": round(met / len(with_pref), 4) if with_pref else None,
        "own_community_share": round(own / len(placements), 4) if placements else None,
        "mean_walk_m": round(sum(walk) / len(walk), 1) if walk else None,
        "kept_from_previous": kept,
        "weights": weights.model_dump(),
    }
