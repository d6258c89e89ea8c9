"""One district's week: first fit, then placing more (local search beside a whole-week bound model),
then the soft points, then a final fill.

1. First fit gives a complete timetable within a second. If it already places every session the
   candidates allow (the bound from ``Candidates.upper_bound``), placement is proven best at once.
2. Otherwise two searches run side by side until the placed priority reaches the best bound or
   the placement share of the time is spent: the local search (``kecheng.lns``) frees a few dozen
   groups at a time and solves them exactly with the rest held; the whole week as one CP-SAT model
   (``kecheng.cpsat.bound``) proves the bound and, on small districts, finds the best timetable.
   Above ``max_part_groups`` groups (a city) the bound comes part by part (``kecheng.decompose``).
3. With placement (and the sessions kept from last week) held, the local search earns the soft
   points (time preferences, own community, nearer venues) — for its share of the time, but never
   longer than placement took (at least a second), and not once they reach their maximum.
4. Any session that still fits a free slot is seated (so a run never ends with SEARCH_LIMIT where a
   free slot is plain to see).

With one worker every budget is counted on CP-SAT's deterministic clock, so the same input and
seed give the same timetable in every process. This returns an ``Outcome``; ``kecheng.solve``
turns outcomes into a ``Result``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from kecheng.board import Board, board_of
from kecheng.candidates import Candidates
from kecheng.cpsat import SearchSettings
from kecheng.cpsat.bound import BoundSearch
from kecheng.cpsat.objective import soft_ceiling, soft_points
from kecheng.decompose import MAX_PART_GROUPS, PartBounds
from kecheng.greedy import fill, greedy, seat
from kecheng.lns import LocalSearch, run
from kecheng.model import Problem
from kecheng.result import ProgressPoint
from kecheng.timetable import Placement

TIMINGS = ("candidates_s", "greedy_s", "build_s", "solve_s", "polish_s", "fill_s")
"""The timings every outcome reports (``kecheng.solve`` adds explain_s and wall_s)."""
POLISH_SHARE = 0.15
"""Of the time limit, what phase 2 (the soft points) gets at most."""
MIN_POLISH_SECONDS = 1.0


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
    max_part_groups: int = MAX_PART_GROUPS,
) -> Outcome:
    """Place the most priority-weighted sessions of one district within ``settings.time_limit``.

    ``ceiling`` is a valid bound known beforehand (from the candidates): the search stops once it
    is reached. Raises ``LockError`` when the locks cannot all be kept.
    """
    started = time.perf_counter() if started is None else started
    timings = dict.fromkeys(TIMINGS, 0.0)
    points: list[ProgressPoint] = []
    deterministic = settings.workers == 1

    def record(source: str, bound: float = math.nan) -> None:
        point = ProgressPoint(time.perf_counter() - started, board.priority, bound, board.sessions, source)
        points.append(point)
        if settings.on_progress is not None:
            settings.on_progress(point)

    tick = time.perf_counter()
    first_fit = greedy(problem, candidates, locked=locked, previous=[*warm_start, *previous])
    board = board_of(problem, candidates, first_fit)
    timings["greedy_s"] = time.perf_counter() - tick
    record("first-fit", ceiling)

    search = LocalSearch(
        problem,
        candidates,
        board,
        weights=settings.weights,
        previous=previous,
        locked=locked,
        seed=settings.seed,
        workers=settings.workers or 2,
    )
    soft_max = soft_ceiling(problem, candidates, settings.weights)
    polish = soft_max > 0 and settings.time_limit >= 2
    place_budget = settings.time_limit * (1 - POLISH_SHARE) if polish else settings.time_limit
    bound, status, size, interrupted = ceiling, "FEASIBLE", {}, False
    tick = time.perf_counter()
    if search.placed() < ceiling:
        whole = len(problem.groups) <= max_part_groups
        bounder: BoundSearch | PartBounds = (BoundSearch if whole else PartBounds)(
            problem,
            candidates,
            settings,
            previous=previous,
            locked=locked,
            hint=first_fit if settings.hint else (),
            **({"ceiling": ceiling} if whole else {"max_groups": max_part_groups}),
        )
        stop = lambda: search.placed() >= bounder.bound  # noqa: E731
        improved = lambda move: record("lns", bounder.bound)  # noqa: E731
        try:
            if deterministic or search.whole:  # one after the other, each on its planned share
                share = place_budget if search.whole else place_budget / 2
                bounder.run(share, share)
                _adopt(problem, candidates, board, bounder, locked)
                if not search.whole:
                    run(
                        search,
                        "place",
                        budget=share,
                        deterministic=True,
                        should_stop=stop,
                        on_improvement=improved,
                    )
            else:
                if isinstance(bounder, BoundSearch):
                    bounder.build()  # here, not in its thread: the local search then runs unhindered
                bounder.start(place_budget, place_budget)
                run(
                    search,
                    "place",
                    budget=place_budget - bounder.build_s,
                    deterministic=False,
                    should_stop=stop,
                    on_improvement=improved,
                )
                bounder.stop()
                bounder.join()
                _adopt(problem, candidates, board, bounder, locked)
        except KeyboardInterrupt:
            interrupted = True
            bounder.stop()
            bounder.join()
        bound = min(bound, bounder.bound)
        if bounder.best is not None:
            record("cp-sat", bound)
        timings["build_s"] = bounder.build_s
        size = bounder.size
    timings["solve_s"] = time.perf_counter() - tick - timings["build_s"]
    if search.placed() >= bound:
        status = "OPTIMAL"

    tick = time.perf_counter()
    if polish and not interrupted:
        spent = place_budget if deterministic else time.perf_counter() - started  # one worker: no clock
        budget = min(settings.time_limit * POLISH_SHARE, max(MIN_POLISH_SECONDS, spent))
        soft = [soft_points(problem, board.placements(), settings.weights)]  # kept up to date by the gains
        try:
            run(
                search,
                "polish",
                budget=budget,
                deterministic=deterministic,
                should_stop=lambda: soft[0] >= soft_max,
                on_improvement=lambda move: soft.__setitem__(0, soft[0] + move.gain),
            )
        except KeyboardInterrupt:
            interrupted = True
        record("polish", bound)
    timings["polish_s"] = time.perf_counter() - tick

    tick = time.perf_counter()
    if fill(board):
        record("fill", bound)
    timings["fill_s"] = time.perf_counter() - tick
    size = size | {"lns_steps": len(search.moves), "lns_improving": sum(m.improved for m in search.moves)}
    return Outcome(status, board.placements(), bound, first_fit, points, timings, size, interrupted)


def _adopt(
    problem: Problem,
    candidates: Candidates,
    board: Board,
    bounder: BoundSearch | PartBounds,
    locked: Sequence[Placement],
) -> None:
    """Take the whole-week model's timetable when it places more: seated session by session, so a
    session that breaks the walk between venues (when the model left it out) is dropped, then the
    free slots filled."""
    if bounder.best is None or bounder.best_objective <= problem.placed_priority(board.placements()):
        return
    trial = board_of(problem, candidates, locked)
    seat(trial, [p for p in bounder.best if p not in set(locked)])
    fill(trial)
    if problem.placed_priority(trial.placements()) > problem.placed_priority(board.placements()):
        for g in list(board.placed):
            board.lift(g)
        for p in trial.placements():
            board.place(p)
