"""Search around the incumbent: free a neighbourhood of groups, solve it exactly, keep what is better.

A district's whole-week model is large (a group that can walk 2.5 km sees dozens of venues, and a
teacher who rotates between communities has a travel rule for every pair of their groups), and
CP-SAT barely moves on it in a minute. A neighbourhood of a few dozen groups, with every other
session held where it is, is a small model: the fixed sessions are cut out of the free groups'
start times on the occupancy board before a variable exists, so only the free groups' own rules
remain. CP-SAT solves such a model exactly in a fraction of a second, starting from the current
placements (a complete hint), so the timetable never gets worse.

Neighbourhoods are chosen where a gain can be: around a session that is not placed (the group
and the sessions in the way of its easiest slot), around a place (the groups using venues near
one venue), or around a teacher's week. They grow along what ties groups together: a teacher,
shared members, venues both could use. The size adapts to how fast CP-SAT proves them.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from kecheng.board import Board
from kecheng.candidates import Candidates, GroupOptions
from kecheng.cpsat.model import Scope, TimetableModel
from kecheng.cpsat.objective import Objective
from kecheng.cpsat.search import DETERMINISTIC_PER_SECOND, WALL_SLACK, set_clock
from kecheng.model import Problem, distance_m
from kecheng.timetable import Placement, by_group
from kecheng.weights import Weights

MIN_SIZE, START_SIZE, MAX_SIZE = 8, 30, 250
"""Groups freed at once: the size adapts between these to what CP-SAT proves in its time."""
WHOLE_GROUPS = 150
"""A district this small is one neighbourhood: each step solves all of it, and a proof ends the phase."""
VENUES_PER_DAY = 8
"""Venues a freed group may move to on one day (a random few, nearer ones likelier): enough to move,
few enough that a step stays small when a group can walk to dozens."""
STEP_SECONDS = 0.3
"""What one neighbourhood may take at most (most are proven in a small part of it)."""
KINDS = ("unplaced", "area", "teacher")


@dataclass
class Move:
    """One neighbourhood tried: what kind, how many groups, whether it proved optimal, whether kept."""

    kind: str
    size: int
    optimal: bool
    improved: bool
    seconds: float
    deterministic: float
    gain: int = 0  # priority placed (phase "place") or soft points (phase "polish") gained


class LocalSearch:
    """Improves the timetable on ``board`` in place, one neighbourhood at a time."""

    def __init__(
        self,
        problem: Problem,
        candidates: Candidates,
        board: Board,
        *,
        weights: Weights,
        previous: Sequence[Placement] = (),
        locked: Sequence[Placement] = (),
        seed: int = 0,
        workers: int = 1,
    ):
        self.problem, self.candidates, self.board, self.weights = problem, candidates, board, weights
        self.previous = by_group(previous)
        self.locked = frozenset(locked)
        self.rng = random.Random(seed)
        self.size = START_SIZE
        self.order = {g.group_id: i for i, g in enumerate(problem.groups)}
        self.by_teacher: dict[str, list[str]] = defaultdict(list)
        self.users: dict[str, list[str]] = defaultdict(list)  # venue → groups that could meet there
        self.cliques_of: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for g in problem.groups:
            self.by_teacher[g.teacher_id].append(g.group_id)
            for v in candidates[g.group_id].venues:
                self.users[v].append(g.group_id)
        for clique in candidates.cliques:
            for g in clique:
                self.cliques_of[g].append(clique)
        self.venues = sorted(self.users)
        self.location = {v: problem.venue_location(v) for v in self.venues}
        self.success: dict[str, float] = dict.fromkeys(KINDS, 1.0)
        self.moves: list[Move] = []
        self.whole = len(problem.groups) <= WHOLE_GROUPS
        self.workers = workers if self.whole else 1  # a small district gets every worker at once
        self.proven: set[str] = set()  # phases solved to optimality over the whole district

    # ------------------------------------------------------------------ the objective, evaluated

    def placed(self) -> int:
        """The priority placed now."""
        return self.board.priority

    def missing(self) -> list[str]:
        """Groups with a session that could still be placed (a usable day without one)."""
        out = []
        for g in self.problem.groups:
            opt = self.candidates[g.group_id]
            if len(self.board.placed.get(g.group_id, ())) < opt.max_sessions:
                out.append(g.group_id)
        return out

    # ------------------------------------------------------------------ one step

    def step(self, phase: str, limit: float, deterministic: bool) -> Move:
        """Free one neighbourhood and solve it (``phase`` "place": the most priority, then the most
        kept from last week; "polish": the most soft points, placing and keeping as much)."""
        kind = self._kind(phase)
        freed = self.neighbourhood(kind)
        started = time.perf_counter()
        lifted = {g: self.board.lift(g, keep=self.locked) for g in freed}
        current = [p for g in freed for p in lifted[g]]
        chosen, improved, status, solver = current, False, cp_model.UNKNOWN, cp_model.CpSolver()
        gain = 0
        try:
            scope = self._scope(freed, current)
            tm = TimetableModel(self.problem, self.candidates, scope=scope)
            previous = [p for g in freed for p in self.previous.get(g, ())]
            objective = Objective(tm, self.weights, previous, soft=phase != "place")
            placed_now, kept_now = self.problem.placed_priority(current), objective.kept_points(current)
            if phase == "place":
                objective.place_most()
                tm.hint(current)
            else:
                objective.polish(placed_now, kept_now, current)
            solver.parameters.num_workers = self.workers
            set_clock(solver.parameters, limit, deterministic=deterministic)
            solver.parameters.random_seed = self.rng.randrange(1 << 30)
            solver.parameters.catch_sigint_signal = False  # Ctrl-C reaches Python, which restores the board
            solver.parameters.cp_model_presolve = False  # a small model: presolve costs more than it saves
            solver.parameters.cp_model_probing_level = 0
            solver.parameters.symmetry_level = 0
            status = solver.solve(tm.model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = tm.placements(solver.value)
                placed, kept = self.problem.placed_priority(found), objective.kept_points(found)
                if phase == "place":
                    better = (placed, kept) >= (placed_now, kept_now)
                    improved = (placed, kept) > (placed_now, kept_now)
                else:
                    points, points_now = objective.points_of(found), objective.points_of(current)
                    better = placed >= placed_now and kept >= kept_now and points >= points_now
                    improved = better and points > points_now
                if better:
                    chosen = found
                    gain = placed - placed_now if phase == "place" else points - points_now
        finally:
            for p in chosen:
                self.board.place(p)
        optimal = status == cp_model.OPTIMAL
        if optimal and self.whole:
            self.proven.add(phase)
        seconds = time.perf_counter() - started
        move = Move(kind, len(freed), optimal, improved, seconds, solver.deterministic_time, gain)
        self._adapt(move, limit, deterministic)
        self.moves.append(move)
        return move

    def _kind(self, phase: str) -> str:
        kinds = [k for k in KINDS if k != "unplaced" or phase == "place"]
        weights = [self.success[k] for k in kinds]
        return self.rng.choices(kinds, weights)[0]

    def _adapt(self, move: Move, limit: float, deterministic: bool) -> None:
        """Bigger neighbourhoods while CP-SAT proves them quickly, smaller when it runs out of time;
        kinds that find gains are tried more often. One worker reads the deterministic clock."""
        took = move.deterministic / DETERMINISTIC_PER_SECOND if deterministic else move.seconds
        if move.optimal and took < limit / 4:
            self.size = min(MAX_SIZE, math.ceil(self.size * 1.1))
        elif not move.optimal:
            self.size = max(MIN_SIZE, math.floor(self.size * 0.8))
        self.success[move.kind] = 0.9 * self.success[move.kind] + (1.0 if move.improved else 0.1)

    # ------------------------------------------------------------------ neighbourhoods

    def neighbourhood(self, kind: str) -> list[str]:
        """The groups to free, in input order."""
        if self.whole:
            return [g.group_id for g in self.problem.groups]
        if kind == "unplaced" and (missing := self.missing()):
            seeds = self._around_missing(missing)
        elif kind == "teacher":
            teacher = self.rng.choice(sorted(t for t, gs in self.by_teacher.items() if len(gs) > 1) or [None])
            seeds = list(self.by_teacher.get(teacher, ())) if teacher else []
        else:
            seeds = []
        if not seeds:
            seeds = self._around_place()
        return sorted(self._grow(seeds), key=self.order.__getitem__)

    def _around_missing(self, missing: list[str]) -> list[str]:
        """A group with a session to place, and the groups in the way of one of its easiest slots."""
        weights = [self.problem.group[g].priority for g in missing]
        gid = self.rng.choices(missing, weights)[0]
        group, opt = self.problem.group[gid], self.candidates[gid]
        options = [(day, v) for (day, v) in opt.starts if day not in self.board.placed.get(gid, {})]
        if not options:
            return [gid]
        day, venue = self.rng.choice(options)
        best: set[Placement] | None = None
        for lo, hi in opt.starts[day, venue]:
            for start in sorted({lo, hi, self.rng.randint(lo, hi)}):
                blockers = self.board.blockers(group, day, venue, start)
                if best is None or len(blockers) < len(best):
                    best = blockers
        return [gid, *sorted({p.group_id for p in best or ()})]

    def _around_place(self) -> list[str]:
        """The groups that could use the venues near one venue, nearest first."""
        venue = self.rng.choice(self.venues)
        here = self.location[venue]
        near = sorted(self.venues, key=lambda v: distance_m(*here, *self.location[v]))[:12]
        groups: list[str] = []
        for v in near:
            users = list(self.users[v])
            self.rng.shuffle(users)
            groups += users
        return list(dict.fromkeys(groups))[: self.size]

    def _grow(self, seeds: list[str]) -> set[str]:
        """Seeds and what ties them together (teachers, shared members, venues in use), up to the size."""
        chosen: dict[str, None] = {}
        frontier = list(dict.fromkeys(seeds))
        while frontier and len(chosen) < self.size:
            g = frontier.pop(0)
            if g in chosen:
                continue
            chosen[g] = None
            ties = list(self.by_teacher[self.problem.group[g].teacher_id])
            ties += self.candidates.neighbours.get(g, ())
            for day, placement in self.board.placed.get(g, {}).items():
                ties += [p.group_id for p in self.board.at_venue.get((placement.venue_id, day), ())]
            self.rng.shuffle(ties)
            frontier += [t for t in ties if t not in chosen]
        return set(chosen)

    # ------------------------------------------------------------------ the model of a neighbourhood

    def _scope(self, freed: list[str], current: list[Placement]) -> Scope:
        """The freed groups' options with every fixed session cut out (each day at most VENUES_PER_DAY
        venues: where it is now, then nearer ones more likely); the teachers' limits left."""
        board, options = self.board, {}
        now = {(p.group_id, p.weekday): p.venue_id for p in current}
        for gid in freed:
            opt = self.candidates[gid]
            fixed_days = set(board.placed.get(gid, {}))
            starts = {}
            for day in opt.days:
                if day in fixed_days:
                    continue
                venues = opt.venues_on(day)
                if len(venues) > VENUES_PER_DAY:
                    ranked = sorted(range(len(venues)), key=lambda i: i * self.rng.uniform(0.3, 1.7))
                    venues = [venues[i] for i in ranked]
                    if (here := now.get((gid, day))) is not None:
                        venues.remove(here)
                        venues.insert(0, here)
                kept = 0
                for venue in venues:
                    free = board.free_spans(opt.group, day, venue)
                    if free:
                        starts[day, venue] = free
                        kept += 1
                        if kept == VENUES_PER_DAY:
                            break
            options[gid] = GroupOptions(
                opt.group, opt.duration, opt.venues, starts, opt.wanted - len(fixed_days)
            )
        chosen = set(freed)
        cliques = {
            inside
            for gid in freed
            for clique in self.cliques_of.get(gid, ())
            if len(inside := tuple(g for g in clique if g in chosen)) > 1
        }
        week: dict[str, int | None] = {}
        day_left: dict[tuple[str, int], int | None] = {}
        for tid in {self.problem.group[g].teacher_id for g in freed}:
            teacher = self.problem.teacher[tid]
            cap = teacher.max_sessions_per_week
            week[tid] = None if cap is None else cap - board.per_week.get(tid, 0)
            daily = teacher.max_sessions_per_day
            for d in range(1, 8):
                taken = len(board.with_teacher.get((tid, d), ()))
                day_left[tid, d] = None if daily is None else daily - taken
        return Scope(options, sorted(cliques), week, day_left)


def run(
    search: LocalSearch,
    phase: str,
    *,
    budget: float,
    deterministic: bool,
    should_stop: Callable[[], bool],
    on_improvement: Callable[[Move], None] | None = None,
    patience: int | None = None,
) -> int:
    """Steps until the budget is spent (wall clock; deterministic time with one worker), ``should_stop``
    says so, or ``patience`` steps in a row found nothing. Returns the number of improving steps."""
    started, spent, improvements, idle = time.perf_counter(), 0.0, 0, 0
    while True:
        left = budget - (spent / DETERMINISTIC_PER_SECOND if deterministic else time.perf_counter() - started)
        if left <= 0.05 or should_stop() or phase in search.proven:
            return improvements
        if deterministic and time.perf_counter() - started > WALL_SLACK * budget:
            return improvements  # a machine far slower than planned: stop on the clock after all
        move = search.step(phase, left if search.whole else min(STEP_SECONDS, left), deterministic)
        spent += move.deterministic + 0.002  # a step costs something even when CP-SAT proves at once
        if move.improved:
            improvements += 1
            idle = 0
            if on_improvement:
                on_improvement(move)
        else:
            idle += 1
            if patience is not None and idle >= patience:
                return improvements
