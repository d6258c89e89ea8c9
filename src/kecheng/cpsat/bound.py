"""The whole week as one CP-SAT model, searched in a thread beside the local search: it proves how
much can be placed at most, and on small districts it finds the best timetable itself.

When the walk between venues would make the model large (teachers rotating between communities,
each with dozens of venues in reach), it is left out: the model is then a relaxation, so its bound
still holds, and its timetables are checked seat by seat before they are used.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence

from ortools.sat.python import cp_model

from kecheng.candidates import Candidates
from kecheng.cpsat.model import Scope, TimetableModel
from kecheng.cpsat.objective import Objective
from kecheng.cpsat.search import Background, SearchSettings, set_clock, set_parameters
from kecheng.errors import LockError
from kecheng.i18n import _
from kecheng.model import Problem
from kecheng.timetable import Placement

TRAVEL_TERMS = 100_000
"""Above this many venue pairs in travel constraints, the bound model leaves travel out."""


def travel_terms(problem: Problem, candidates: Candidates) -> int:
    """How many venue pairs the travel rule would put into the whole-week model."""
    by_teacher_day: dict[tuple[str, int], list[int]] = defaultdict(list)
    for opt in candidates.options.values():
        for day in opt.days:
            by_teacher_day[opt.group.teacher_id, day].append(len(opt.venues_on(day)))
    total = 0
    for sizes in by_teacher_day.values():
        if len(sizes) > 1:
            total += (sum(sizes) ** 2 - sum(s * s for s in sizes)) // 2
    return total


class BoundSearch(Background):
    """One CP-SAT run of the whole week; ``bound`` is the best proven so far."""

    thread_name = "bound"

    def __init__(
        self,
        problem: Problem,
        candidates: Candidates,
        settings: SearchSettings,
        *,
        previous: Sequence[Placement],
        locked: Sequence[Placement],
        hint: Sequence[Placement],
        ceiling: float,
        scope: Scope | None = None,
    ):
        super().__init__()
        self.problem, self.candidates, self.settings = problem, candidates, settings
        self.previous, self.locked, self.hint = list(previous), list(locked), list(hint)
        self.bound = ceiling
        self.travel = scope.travel if scope else travel_terms(problem, candidates) <= TRAVEL_TERMS
        self.scope = scope
        self.best: list[Placement] | None = None
        self.best_objective = -math.inf
        self.status = "UNKNOWN"
        self.build_s = self.search_s = 0.0
        self.size: dict[str, int] = {}
        self._solver: cp_model.CpSolver | None = None
        self._model: tuple[TimetableModel, Objective] | None = None

    def _interrupt(self) -> None:
        if self._solver is not None:
            self._solver.stop_search()

    def build(self) -> None:
        """Build the model (in the caller's thread: the search thread then holds no Python lock
        while the local search runs). The first fit hints it: with a timetable in hand CP-SAT
        fixes variables by reduced cost, and the bound comes several times sooner."""
        if self._model is not None:
            return
        began = time.perf_counter()
        scope = self.scope or Scope.whole(self.problem, self.candidates, travel=self.travel)
        tm = TimetableModel(self.problem, self.candidates, locked=self.locked, scope=scope)
        objective = Objective(tm, self.settings.weights, self.previous, soft=False)
        objective.place_most()
        if self.hint:
            tm.hint(self.hint)
        self._model = (tm, objective)
        self.build_s = time.perf_counter() - began
        self.size = tm.size() | {"travel_modelled": int(self.travel)}

    def _work(self, time_limit: float, planned: float) -> None:
        self.build()
        assert self._model is not None
        tm, objective = self._model
        left = time_limit - self.build_s
        if self._stopped.is_set() or left < 0.5:
            return
        solver = cp_model.CpSolver()
        s = self.settings
        workers = max(1, (s.workers or 2) - 1)
        set_parameters(solver.parameters, time_limit=left, seed=s.seed, workers=workers, log=s.log)
        if s.workers == 1:  # the phase's planned share, not what the clock left
            set_clock(solver.parameters, planned, deterministic=True)
        # Presolve's probing and symmetry rounds take most of a minute on a district whose groups see
        # dozens of venues, and the bound comes from the linear relaxation, not from them.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        solver.parameters.linearization_level = 2
        for name, value in s.cp_sat.items():
            setattr(solver.parameters, name, value)
        solver.best_bound_callback = lambda value: self._bounded(objective.primary(value))
        self._solver = solver
        if self._stopped.is_set():
            return
        searching = time.perf_counter()
        try:
            status = solver.solve(tm.model)
        except IndexError:  # OR-Tools 9.15 presolve can trip over a valid hint; it only speeds things up
            tm.model.clear_hints()
            status = solver.solve(tm.model)
        self.search_s = time.perf_counter() - searching
        self.status = solver.status_name(status)
        if status == cp_model.INFEASIBLE:
            message = _("the locked sessions cannot all be kept together: {info}")
            raise LockError(message.format(info=solver.solution_info()))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self._bounded(objective.primary(solver.best_objective_bound))
            found = tm.placements(solver.value)
            self.best, self.best_objective = found, self.problem.placed_priority(found)

    def _bounded(self, value: float) -> None:
        if value < self.bound:
            self.bound = value
