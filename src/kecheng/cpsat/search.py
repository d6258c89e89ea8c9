"""Running CP-SAT: parameters that prove bounds on small machines, a thread the main thread can stop
with Ctrl-C, and a callback that reports each better timetable."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from kecheng.cpsat.model import TimetableModel
from kecheng.result import ProgressPoint
from kecheng.weights import Weights


@dataclass(frozen=True)
class SearchSettings:
    """How one solve searches: limits, seed, threads, weights, and who hears of progress."""

    time_limit: float = 60.0
    seed: int = 0
    workers: int = 0
    weights: Weights = field(default_factory=Weights)
    hint: bool = True
    log: bool = False
    on_progress: Callable[[ProgressPoint], None] | None = None
    cp_sat: dict[str, Any] = field(default_factory=dict)


class Search:
    """The CP-SAT runs of one solve, and what they found: progress points, whether Ctrl-C came."""

    def __init__(self, settings: SearchSettings, started: float, ceiling: float = math.inf):
        self.settings, self.started, self.ceiling = settings, started, ceiling
        self.points: list[ProgressPoint] = []
        self.interrupted = False

    def record(self, point: ProgressPoint) -> None:
        self.points.append(point)
        if self.settings.on_progress is not None:
            self.settings.on_progress(point)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def run(
        self,
        tm: TimetableModel,
        time_limit: float,
        phase: str,
        primary: Callable[[float], float],
        planned: float | None = None,
    ) -> tuple[cp_model.CpSolver, int]:
        """One CP-SAT search of at most ``time_limit`` seconds. ``planned`` is the phase's share of
        the run fixed in advance (not what the clock left), so that one worker stops at the same
        deterministic time in every process. Ctrl-C stops it and keeps the best timetable found."""
        planned = time_limit if planned is None else planned
        try:
            return self._run_stoppable(tm, time_limit, phase, primary, planned)
        except IndexError:
            # OR-Tools 9.15 presolve can trip over a valid hint (absl::btree_map::at);
            # the hint only speeds things up, so search again without it.
            tm.model.clear_hints()
            return self._run_stoppable(tm, time_limit, phase, primary, planned)

    def _run_stoppable(
        self,
        tm: TimetableModel,
        time_limit: float,
        phase: str,
        primary: Callable[[float], float],
        planned: float,
    ) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        s = self.settings
        set_parameters(solver.parameters, time_limit=time_limit, seed=s.seed, workers=s.workers, log=s.log)
        if s.workers == 1:  # the phase's planned share, not what the clock left
            set_clock(solver.parameters, planned, deterministic=True)
        for name, value in s.cp_sat.items():
            if isinstance(value, list):
                getattr(solver.parameters, name)[:] = value
            else:
                setattr(solver.parameters, name, value)
        callback = _Progress(tm, self, phase, primary)
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def search() -> None:
            try:
                outcome["status"] = solver.solve(tm.model, callback)
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


class Background:
    """Work of a planned length, run in the caller's thread (``run``: errors raise there) or in its own
    (``start``: errors wait for ``join``), that ``stop`` ends early."""

    thread_name = "background"

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, time_limit: float, planned: float) -> None:
        """Run in a thread for at most ``time_limit`` seconds (``planned`` with one worker)."""
        self._thread = threading.Thread(
            target=self._guarded, args=(time_limit, planned), name=self.thread_name, daemon=True
        )
        self._thread.start()

    def run(self, time_limit: float, planned: float) -> None:
        self._work(time_limit, planned)

    def stop(self) -> None:
        self._stopped.set()
        self._interrupt()

    def join(self) -> None:
        if self._thread is not None:
            while self._thread.is_alive():  # short waits: Ctrl-C still reaches the main thread
                self._thread.join(0.1)
        if self.error is not None:
            raise self.error

    def _guarded(self, time_limit: float, planned: float) -> None:
        try:
            self._work(time_limit, planned)
        except BaseException as err:  # handed to the caller by join()
            self.error = err

    def _work(self, time_limit: float, planned: float) -> None:
        raise NotImplementedError

    def _interrupt(self) -> None:
        """Stop what is running now (``_stopped`` keeps anything new from starting)."""


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records each improving timetable: when, how much is placed, the bound so far."""

    def __init__(self, tm: TimetableModel, search: Search, phase: str, primary: Callable[[float], float]):
        super().__init__()
        self._search, self._phase, self._primary = search, phase, primary
        options = tm.scope.options
        self._presents = [(options[g].group.priority, dv.present) for (g, _), dv in tm.vars.items()]

    def on_solution_callback(self) -> None:
        values = [(priority, self.boolean_value(x)) for priority, x in self._presents]
        placed = sum(priority for priority, on in values if on)
        bound = math.nan
        if self._phase == "cp-sat":
            bound = max(placed, min(self._search.ceiling, self._primary(self.best_objective_bound)))
        self._search.record(
            ProgressPoint(self._search.elapsed(), placed, bound, sum(on for _, on in values), self._phase)
        )


WALL_SLACK = 4.0  # with one worker, the wall clock is only a safety net for a machine far slower than planned
DETERMINISTIC_PER_SECOND = 1 / 8  # CP-SAT's deterministic clock against the wall clock, measured here


def worker_count(workers: int) -> int:
    """CP-SAT's threads for a ``workers`` option (0: every core)."""
    return workers or os.cpu_count() or 1


def set_clock(params: Any, seconds: float, *, deterministic: bool) -> None:
    """Stop a search after ``seconds``. With one worker the deterministic clock decides, so that the
    same input gives the same timetable however busy the machine is; a wall-clock limit of the same
    size would win the race whenever the machine is loaded."""
    seconds = max(seconds, 0.0)
    params.max_time_in_seconds = seconds * (WALL_SLACK if deterministic else 1.0)
    if deterministic:
        params.max_deterministic_time = seconds * DETERMINISTIC_PER_SECOND


def set_parameters(params: Any, *, time_limit: float, seed: int, workers: int, log: bool) -> None:
    """Pick a search portfolio that proves a bound on small machines too.

    With fewer than 8 workers CP-SAT's default portfolio leaves out the full
    linear relaxation, and its bound barely moves (district preset, 2 workers, 30 s:
    bound 2168 vs 1999 with max_lp, for best timetables of 1990-1998). So one worker
    runs max_lp and the others do large-neighbourhood search from the hint.
    Presolve's probing and symmetry rounds then cost ~5 s for nothing the search
    uses: without them the district preset at 60 s ends at 1989.3 on average over
    8 seeds (1987-1991) instead of 1987.2 (1982-1991, 9 runs), bound ~1998 either way.
    """
    workers = worker_count(workers)
    set_clock(params, time_limit, deterministic=workers == 1)
    params.random_seed = seed
    params.num_workers = workers
    params.log_search_progress = log
    params.catch_sigint_signal = False  # Ctrl-C is ours: stop_search() keeps the best timetable
    if workers == 1:
        params.linearization_level = 2
    elif workers < 8:
        params.subsolvers.append("max_lp")
        params.cp_model_probing_level = 0
        params.symmetry_level = 0
