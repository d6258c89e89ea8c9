"""The joint CP-SAT model: which options open, with which teacher, and who joins which.

It is built over a *scope*: the whole space (small districts) or a neighbourhood of the
current plan with everything outside it held fixed (``kecheng.planning.search``). Variables:
``x[p]`` per pair (order, option), ``open[o]`` per new option and ``y[o, t]`` per (new option,
teacher who could take it). Constraints, all over fixed weekly times:

- an order ends in at most one option; a resident joins at most the groups they have room for;
- a new option is open iff exactly one teacher takes it; members only in open options;
  ``min_size ≤ members ≤ capacity`` when open; a running group fills at most its free seats;
- a venue hosts one new session at a time (running sessions are off its mask already);
- a teacher teaches one session at a time with the walk plus buffer between venues (sessions
  that overlap by cliques, sessions at two venues too close to walk between by pairs), within
  ``max_groups`` and the weekly and daily session limits;
- a resident's groups never overlap: one at-most-one per maximal set of their options (from
  different orders) sharing a moment.

Overlaps are at-most-one constraints over maximal cliques of interval graphs (a sweep per
resident, venue and teacher and weekday), never all pairs. The objective's five tiers are
combined into one lexicographic sum, each tier scaled past everything below it can add up to
(see ``kecheng.planning.weights``); where that does not fit in 62 bits, tiers 1-2 are solved
first and tiers 3-5 with those held.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kecheng.cpsat.search import set_clock, worker_count
from kecheng.planning.context import Session
from kecheng.planning.solution import Solution, overlaps, too_close
from kecheng.planning.space import Space
from kecheng.planning.weights import PlanWeights

LIMIT = 2**62


def maximal_cliques(intervals: Iterable[tuple[int, int, int]]) -> list[list[int]]:
    """Maximal sets of (start, end, key) intervals sharing a moment (touching is fine), by a sweep."""
    events = []
    for start, end, key in intervals:
        events.append((start, 1, key))
        events.append((end, 0, key))
    events.sort()
    active: dict[int, None] = {}
    out, grown = [], False
    for _, kind, key in events:
        if kind == 1:
            active[key] = None
            grown = True
        else:
            if grown:
                out.append(list(active))
                grown = False
            active.pop(key, None)
    return [c for c in out if len(c) > 1]


@dataclass
class Scope:
    """What a model may change, and the room the fixed rest of the plan leaves it."""

    pairs: list[int]
    options: list[int]
    links: dict[int, tuple[int, ...]]  # new option → teachers who may take it here
    room: dict[int, int]  # resident → more groups they may join here
    seats: dict[int, int]  # option → members it may take here
    groups_left: dict[int, int]
    week_left: dict[int, int]
    day_left: dict[tuple[int, int], int]  # (teacher, weekday)
    newcomers: set[int]  # residents for whom a group here would be their first
    leaving: dict[int, int] = field(default_factory=dict)  # option outside whose members' pairs are
    # here → how many of them may leave it


def full_scope(space: Space) -> Scope:
    ctx = space.ctx
    groups_left, week_left, day_left = ctx.teacher_room
    teachers = sorted({t for o in space.options if o.candidate for t in o.candidate.teachers})
    residents = sorted(space.by_resident)
    return Scope(
        pairs=list(range(len(space.order))),
        options=[o.index for o in space.options],
        links={o.index: o.candidate.teachers for o in space.options if o.candidate},
        room={r: int(ctx.resident_room[r]) for r in residents},
        seats={o.index: o.capacity for o in space.options},
        groups_left={t: int(groups_left[t]) for t in teachers},
        week_left={t: int(week_left[t]) for t in teachers},
        day_left={(t, d): int(day_left[t, d - 1]) for t in teachers for d in range(1, 8)},
        newcomers={r for r in residents if not ctx.groups_of.get(ctx.resident_ids[r])},
    )


@dataclass
class PhaseResult:
    status: str
    objective: float
    bound: float
    seconds: float
    deterministic: float = 0.0  # CP-SAT's deterministic time used

    @property
    def proven(self) -> bool:
        """Solved to optimality, not only to within a gap limit."""
        return self.status == "OPTIMAL" and self.bound - self.objective < 1


@dataclass
class ScopedModel:
    """The CP-SAT model of one scope."""

    space: Space
    scope: Scope
    weights: PlanWeights
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)

    def __post_init__(self) -> None:
        self._variables()
        self._orders_and_residents()
        self._groups()
        self._teachers()
        self._venues()
        self._objective()

    # --- model ---------------------------------------------------------------------------

    def _variables(self) -> None:
        m, space, scope = self.model, self.space, self.scope
        self.x = {p: m.new_bool_var(f"x{p}") for p in scope.pairs}
        self.open: dict[int, cp_model.IntVar] = {}
        self.y: dict[tuple[int, int], cp_model.IntVar] = {}
        for o in scope.options:
            if space.options[o].candidate is None:
                continue
            self.open[o] = m.new_bool_var(f"open{o}")
            teachers = scope.links.get(o, ())
            if not teachers:
                m.add(self.open[o] == 0)
            elif len(teachers) == 1:
                self.y[o, teachers[0]] = self.open[o]
            else:
                for t in teachers:
                    self.y[o, t] = m.new_bool_var(f"y{o}_{t}")
                m.add(sum(self.y[o, t] for t in teachers) == self.open[o])

    def _orders_and_residents(self) -> None:
        m, space, scope = self.model, self.space, self.scope
        by_order: dict[int, list[int]] = defaultdict(list)
        by_resident: dict[int, list[int]] = defaultdict(list)
        for p in scope.pairs:
            by_order[int(space.order[p])].append(p)
            by_resident[int(space.resident[p])].append(p)
        self.by_order = dict(by_order)
        for _, pairs in sorted(by_order.items()):
            if len(pairs) > 1:
                m.add_at_most_one(self.x[p] for p in pairs)
        self.has: dict[int, cp_model.IntVar] = {}
        self.clique_count = 0
        for r, pairs in sorted(by_resident.items()):
            orders = {int(space.order[p]) for p in pairs}
            room = scope.room.get(r, 0)
            if len(orders) > room:
                m.add(sum(self.x[p] for p in pairs) <= room)
            if r in scope.newcomers and self.weights.first_group:
                has = self.has[r] = m.new_bool_var(f"has{r}")
                m.add(has <= sum(self.x[p] for p in pairs))
            if len(orders) < 2:
                continue
            by_day: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
            for p in pairs:
                for s in space.options[int(space.option[p])].sessions:
                    by_day[s.day].append((s.start, s.end, p))
            seen: set[frozenset[int]] = set()
            for day in sorted(by_day):
                for clique in maximal_cliques(by_day[day]):
                    key = frozenset(clique)
                    if key in seen or len({int(space.order[p]) for p in clique}) < 2:
                        continue
                    seen.add(key)
                    m.add_at_most_one(self.x[p] for p in clique)
                    self.clique_count += 1

    def _groups(self) -> None:
        m, space, scope = self.model, self.space, self.scope
        by_option: dict[int, list[int]] = defaultdict(list)
        for p in scope.pairs:
            by_option[int(space.option[p])].append(p)
        for o in scope.options:
            option = space.options[o]
            pairs = by_option.get(o, [])
            members = sum(self.x[p] for p in pairs)
            seats = scope.seats.get(o, 0)
            if option.candidate is None:
                if len(pairs) > seats:
                    m.add(members <= seats)
                continue
            is_open = self.open[o]
            for p in pairs:
                m.add_implication(self.x[p], is_open)
            m.add(members >= option.min_size * is_open)
            m.add(members <= seats * is_open)
        for o, may in sorted(scope.leaving.items()):
            if may < len(by_option[o]):
                m.add(sum(self.x[p] for p in by_option[o]) >= len(by_option[o]) - may)

    def _teachers(self) -> None:
        m, space, scope = self.model, self.space, self.scope
        by_teacher: dict[int, list[int]] = defaultdict(list)
        for o, t in self.y:
            by_teacher[t].append(o)
        for t, options in sorted(by_teacher.items()):
            ys = [self.y[o, t] for o in options]
            if len(options) > scope.groups_left[t]:
                m.add(sum(ys) <= scope.groups_left[t])
            sessions = [len(space.options[o].sessions) for o in options]
            if sum(sessions) > scope.week_left[t]:
                m.add(sum(n * y for n, y in zip(sessions, ys, strict=True)) <= scope.week_left[t])
            by_day: dict[int, list[tuple[Session, int]]] = defaultdict(list)
            for o in options:
                for s in space.options[o].sessions:
                    by_day[s.day].append((s, o))
            for day, items in sorted(by_day.items()):
                if len(items) > scope.day_left[t, day]:
                    m.add(sum(self.y[o, t] for _, o in items) <= scope.day_left[t, day])
                for clique in maximal_cliques((s.start, s.end, o) for s, o in items):
                    m.add_at_most_one(self.y[o, t] for o in clique)
                for (a, o), (b, q) in itertools.combinations(items, 2):
                    if not overlaps(a, [(b.day, b.start, b.end)]) and too_close(space.ctx, a, b):
                        m.add_bool_or([self.y[o, t].Not(), self.y[q, t].Not()])

    def _venues(self) -> None:
        space = self.space
        by_venue_day: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        for o in self.open:
            for s in space.options[o].sessions:
                by_venue_day[s.venue, s.day].append((s.start, s.end, o))
        for _, items in sorted(by_venue_day.items()):
            for clique in maximal_cliques(items):
                self.model.add_at_most_one(self.open[o] for o in clique)

    def _objective(self) -> None:
        space, w, m = self.space, self.weights, self.model
        pairs = list(self.x)
        xs = [self.x[p] for p in pairs]
        self.tier1 = cp_model.LinearExpr.weighted_sum(xs, [int(space.points[space.order[p]]) for p in pairs])
        self.tier2 = sum(self.has.values()) if self.has else 0
        # Tier 3: `with` pairs together (both orders free here, in a common option).
        together = []
        self.both: list[tuple[cp_model.IntVar, int, int]] = []
        mates = {pair for k in self.by_order for pair in space.with_pairs_of.get(k, ())}
        for k, mate in sorted(mates):
            mine = {int(space.option[p]): p for p in self.by_order.get(k, ())}
            theirs = {int(space.option[p]): p for p in self.by_order.get(mate, ())}
            common = sorted(set(mine) & set(theirs))
            if not common:
                continue
            both = []
            for o in common:
                b = m.new_bool_var(f"both{k}_{o}")
                m.add_implication(b, self.x[mine[o]])
                m.add_implication(b, self.x[theirs[o]])
                both.append(b)
                self.both.append((b, mine[o], theirs[o]))
            together.append(sum(both))
        self.tier3 = sum(together) if together else 0
        self.tier4 = sum(self.open.values()) if self.open else 0
        steps = space.walk_steps
        self.tier5 = cp_model.LinearExpr.weighted_sum(xs, [int(steps[p]) for p in pairs])
        ranges = [
            int(sum(int(space.points[space.order[p]]) for p in pairs)),
            len(self.has) * w.first_group,
            len(together) * w.together,
            len(self.open) * w.group,
            int(sum(int(steps[p]) for p in pairs)) * w.walk,
        ]
        terms = [self.tier1, w.first_group * self.tier2, w.together * self.tier3, -w.group * self.tier4]
        terms.append(-w.walk * self.tier5)
        scales, scale = [], 1
        for r in reversed(ranges):
            scales.append(scale)
            scale *= r + 1
        scales.reverse()
        self.lexicographic = scale < LIMIT
        if self.lexicographic:  # one weighted sum: the same objective, built in one go
            points, walk = space.points[space.order[pairs]].tolist(), steps[pairs].tolist()
            xs_weights = [scales[0] * a - scales[4] * w.walk * b for a, b in zip(points, walk, strict=True)]
            self.objective = cp_model.LinearExpr.weighted_sum(
                xs + list(self.has.values()) + [b for b, _, _ in self.both] + list(self.open.values()),
                xs_weights
                + [scales[1] * w.first_group] * len(self.has)
                + [scales[2] * w.together] * len(self.both)
                + [-scales[3] * w.group] * len(self.open),
            )
        else:  # two phases: tiers 1-2, then tiers 3-5 with those held
            self.objective = (ranges[1] + 1) * terms[0] + terms[1]
            s4 = ranges[4] + 1
            self.polish = (ranges[3] + 1) * s4 * terms[2] + s4 * terms[3] + terms[4]
        m.maximize(self.objective)

    # --- hints, decoding ------------------------------------------------------------------

    def hint(self, solution: Solution) -> None:
        m, space = self.model, self.space
        m.clear_hints()
        chosen = solution.chosen
        variables: list[cp_model.IntVar] = []
        values: list[bool] = []
        inside = {p: chosen.get(int(space.order[p])) == int(space.option[p]) for p in self.x}
        variables += self.x.values()
        values += inside.values()
        variables += self.open.values()
        values += [o in solution.teacher for o in self.open]
        for (o, t), var in self.y.items():
            if var is not self.open.get(o):
                variables.append(var)
                values.append(solution.teacher.get(o) == t)
        joined = {int(space.resident[p]) for p, on in inside.items() if on}
        variables += self.has.values()
        values += [r in joined for r in self.has]
        variables += [b for b, _, _ in self.both]
        values += [inside[p1] and inside[p2] for _, p1, p2 in self.both]
        hints = m.proto.solution_hint  # in one go: add_hint's per-call cost was a tenth of a step
        hints.vars.extend(var.index for var in variables)
        hints.values.extend(int(v) for v in values)

    def decode(self, value: Callable[[cp_model.IntVar], int], base: Solution) -> Solution:
        """The base solution with this scope's part replaced by the model's values."""
        space = self.space
        part = Solution(
            {o: t for (o, t), var in self.y.items() if value(var)},
            {int(space.order[p]): int(space.option[p]) for p, var in self.x.items() if value(var)},
        )
        return self.carry(part, base)

    def carry(self, found: Solution, into: Solution) -> Solution:
        """``into`` with this scope's part (its options' teachers, its orders' choices) as in
        ``found``: a neighbourhood solved beside others is taken onto the plan they left."""
        out = Solution(dict(into.teacher), dict(into.chosen))
        for o in self.open:
            out.teacher.pop(o, None)
            if o in found.teacher:
                out.teacher[o] = found.teacher[o]
        for k in self.by_order:
            out.chosen.pop(k, None)
            if k in found.chosen:
                out.chosen[k] = found.chosen[k]
        return out

    def size(self) -> dict[str, int]:
        proto = self.model.proto
        return {
            "variables": len(proto.variables),
            "constraints": len(proto.constraints),
            "pairs": len(self.x),
            "new_options": len(self.open),
            "teacher_links": len(self.y),
            "resident_cliques": self.clique_count,
        }

    def solve(
        self,
        solution: Solution,
        *,
        time_limit: float,
        seed: int,
        workers: int,
        log: bool = False,
        gap: float = 0.0,
    ) -> tuple[Solution, PhaseResult]:
        """Improve on ``solution`` (given as the hint); never returns anything worse.

        With one worker each solve stops on CP-SAT's deterministic clock (``set_clock``), so a
        busy machine gives the same answer; ``PhaseResult.deterministic`` says what it used.
        ``gap``: stop once the best is within this share of CP-SAT's bound (status OPTIMAL
        then, ``PhaseResult.proven`` false).
        """
        began = time.perf_counter()
        workers = worker_count(workers)
        deterministic = workers == 1
        self.hint(solution)
        solver = _solver(time_limit, seed, workers, log, gap)
        status = solver.solve(self.model)
        best = solution
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = self.decode(solver.boolean_value, solution)
        result = PhaseResult(
            solver.status_name(status),
            solver.objective_value,
            solver.best_objective_bound,
            time.perf_counter() - began,
            solver.deterministic_time,
        )
        if not self.lexicographic and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            remaining = time_limit * 0.3 if deterministic else time_limit - (time.perf_counter() - began)
            if remaining >= 0.5:
                self.model.add(self.objective >= round(solver.objective_value))
                self.model.maximize(self.polish)
                self.hint(best)
                solver2 = _solver(remaining, seed, workers, log)
                if solver2.solve(self.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    best = self.decode(solver2.boolean_value, solution)
                result.deterministic += solver2.deterministic_time
        return best, result


def _solver(time_limit: float, seed: int, workers: int, log: bool, gap: float = 0.0) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    set_clock(params, max(time_limit, 0.01), deterministic=workers == 1)
    params.relative_gap_limit = gap
    params.random_seed = seed
    params.num_workers = workers
    params.log_search_progress = log
    params.cp_model_probing_level = 0
    params.symmetry_level = 0
    params.linearization_level = 2  # neighbourhoods: +0.6 % order points in 100 s (4 districts)
    return solver


def tiers(space: Space, solution: Solution, weights: PlanWeights) -> tuple[int, int, int, int, int]:
    """(tier 1, tier 2, tier 3, -tier 4, -tier 5) of a whole plan: larger is better, compared in order."""
    return _tiers_over(space, solution, list(space.by_order), solution.teacher, weights)


def tiers_change(
    space: Space,
    before: Solution,
    after: Solution,
    orders: Iterable[int],
    options: Iterable[int],
    weights: PlanWeights,
) -> tuple[int, int, int, int, int]:
    """``tiers(after) - tiers(before)`` for plans that differ only in ``orders``' choices and
    ``options``' teachers (a neighbourhood's), at the cost of those, not of the whole plan."""
    orders, options = list(orders), list(options)
    gained = _tiers_over(space, after, orders, options, weights)
    lost = _tiers_over(space, before, orders, options, weights)
    return tuple(a - b for a, b in zip(gained, lost, strict=True))  # type: ignore[return-value]


def _tiers_over(
    space: Space, plan: Solution, orders: list[int], options: Iterable[int], weights: PlanWeights
) -> tuple[int, int, int, int, int]:
    """The tiers' part that depends on ``orders`` (with options; their residents, their ``with``
    pairs) and on ``options``' teachers: every order and opened option give the whole plan's."""
    ctx = space.ctx
    chosen = plan.chosen
    mine = {k: chosen[k] for k in orders if k in chosen}
    t1 = int(sum(int(space.points[k]) for k in mine))
    residents = {int(space.resident[space.by_order[k][0]]) for k in orders}
    t2 = sum(
        1
        for r in residents
        if not ctx.groups_of.get(ctx.resident_ids[r])
        and any(k in chosen for k in space.orders_of_resident[r])
    )
    pairs = {pair for k in orders for pair in space.with_pairs_of.get(k, ())}
    t3 = sum(1 for k, mate in pairs if k in chosen and chosen.get(mate) == chosen[k])
    t4 = sum(1 for o in options if o in plan.teacher)
    t5 = int(space.walk_steps[space.pairs_of(mine)].sum())
    return (t1, weights.first_group * t2, weights.together * t3, -weights.group * t4, -weights.walk * t5)


__all__ = ["PhaseResult", "Scope", "ScopedModel", "full_scope", "maximal_cliques", "tiers", "tiers_change"]
