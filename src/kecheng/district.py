"""One district's week solved: first fit, then CP-SAT in two lexicographic phases, then a final fill.

Phase 1 places the most priority (last week's sessions kept where that costs nothing);
phase 2, with that fixed, earns the soft points (time preferences, near venues). The final
fill seats any session that still fits a free slot, so no run ends with a session whose slot
is free. This returns an ``Outcome``; ``kecheng.solve`` turns outcomes into a ``Result``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kecheng.board import board_of
from kecheng.candidates import Candidates
from kecheng.cpsat import Objective, Search, SearchSettings, TimetableModel
from kecheng.errors import LockError
from kecheng.greedy import fill, greedy
from kecheng.model import Problem
from kecheng.result import ProgressPoint
from kecheng.timetable import Placement

TIMINGS = ("candidates_s", "greedy_s", "build_s", "solve_s", "polish_s", "fill_s")
"""The timings every outcome reports (``kecheng.solve`` adds explain_s and wall_s)."""
POLISH_SHARE = 0.15
"""Of the time limit, what phase 2 (the soft points) gets when there are soft points to earn."""


@dataclass
class Outcome:
    """What one solve found, before it is explained and reported."""

    status: str  # OPTIMAL when the placed priority is proven best, else FEASIBLE (or UNKNOWN)
    placements: list[Placement]
    bound: float  # proven upper bound on the placed priority (nan when none was proven)
    first_fit: list[Placement]
    progress: list[ProgressPoint]
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TIMINGS, 0.0))
    model_size: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)


def solve_district(
    problem: Problem,
    candidates: Candidates,
    settings: SearchSettings,
    *,
    previous: Sequence[Placement] = (),
    locked: Sequence[Placement] = (),
    warm_start: Sequence[Placement] = (),
    ceiling: float = math.inf,
    started: float | None = None,
) -> Outcome:
    """Place the most priority-weighted sessions of one district within ``settings.time_limit``.

    ``ceiling`` is a valid bound known beforehand (from the candidates): the search stops once it
    is reached. Raises ``LockError`` when the locks cannot all be kept.
    """
    started = time.perf_counter() if started is None else started
    timings = dict.fromkeys(TIMINGS, 0.0)
    search = Search(settings, started, ceiling)
    tick = time.perf_counter()
    first_fit = (
        greedy(problem, candidates, locked=locked, previous=[*warm_start, *previous])
        if settings.hint or locked
        else []
    )
    timings["greedy_s"] = time.perf_counter() - tick
    if first_fit:
        search.record(
            ProgressPoint(
                search.elapsed(), problem.placed_priority(first_fit), math.nan, len(first_fit), "first-fit"
            )
        )

    tick = time.perf_counter()
    tm = TimetableModel(problem, candidates, locked=locked)
    objective = Objective(tm, settings.weights, previous)
    objective.place_most()
    built = time.perf_counter()
    timings["build_s"] = built - tick

    polish = bool(objective.soft) and settings.time_limit >= 2
    phase1_limit = settings.time_limit * (1 - POLISH_SHARE) if polish else settings.time_limit
    if first_fit:
        tm.hint(first_fit)
    tick = time.perf_counter()
    solver, status = search.run(tm, phase1_limit, "cp-sat", objective.primary)
    timings["solve_s"] = time.perf_counter() - tick
    if status == cp_model.INFEASIBLE:
        raise LockError("the locked sessions cannot all be kept together: " + solver.solution_info())
    bound = (
        objective.primary(solver.best_objective_bound)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        else math.nan
    )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placements, status_name = tm.placements(solver.value), solver.status_name(status)
    else:
        placements, status_name = first_fit, "FEASIBLE" if first_fit else solver.status_name(status)

    tick = time.perf_counter()
    remaining = settings.time_limit - (time.perf_counter() - built)  # the limit is of searching
    if polish and placements and remaining >= 1 and not search.interrupted:
        objective.polish(problem.placed_priority(placements), objective.kept_points(placements), placements)
        planned = settings.time_limit * POLISH_SHARE
        solver2, status2 = search.run(tm, remaining, "polish", objective.primary, planned)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            placements = tm.placements(solver2.value)
    timings["polish_s"] = time.perf_counter() - tick

    tick = time.perf_counter()
    board = board_of(problem, candidates, placements)
    if fill(board):
        placements = board.placements()
        search.record(
            ProgressPoint(
                search.elapsed(), problem.placed_priority(placements), math.nan, len(placements), "fill"
            )
        )
    timings["fill_s"] = time.perf_counter() - tick
    size = tm.size() | {"stability_terms": len(objective.stable), "soft_terms": len(objective.soft)}
    return Outcome(
        status_name, placements, bound, first_fit, search.points, timings, size, search.interrupted
    )
