"""The objective's tiers, solved lexicographically in two phases.

Phase 1 maximises the placed priority, scaled past the most that the stability tier
(sessions kept exactly as last week) can add, so that placing one more session always
wins and among equals the timetable that moves least is taken. Phase 2, with both fixed
as constraints, maximises the soft points: met time preferences, own community, nearness.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from ortools.sat.python import cp_model

from kecheng.candidates import Candidates, GroupOptions, Spans, liked_starts
from kecheng.cpsat.model import TimetableModel, domain
from kecheng.model import Problem
from kecheng.timetable import Placement
from kecheng.weights import Weights

Term = tuple[tuple[str, int], int, cp_model.IntVar]
"""(group, day), points, the literal that earns them."""


class Objective:
    """The tiers of one model: placed priority, kept sessions, soft points."""

    def __init__(
        self, tm: TimetableModel, weights: Weights, previous: Iterable[Placement] = (), *, soft: bool = True
    ):
        self.tm, self.weights = tm, weights
        self.stable: list[Term] = []
        self.soft: list[Term] = []
        if soft:  # the soft points only matter to phase 2
            self._preferences()
            self._venue_bonus()
        self._stability(previous)
        options = tm.scope.options
        self.placed = sum(options[g].group.priority * dv.present for (g, _), dv in tm.vars.items())
        self.kept = sum(w * lit for _, w, lit in self.stable)
        self.points = sum(w * lit for _, w, lit in self.soft)
        self.scale = 1 + _tier_max(self.stable, tm.scope.options)

    def soft_max(self) -> int:
        """The most the soft points can add up to: per group, its best days' points."""
        return _tier_max(self.soft, self.tm.scope.options)

    def place_most(self) -> None:
        """Phase 1: the most priority placed, then the most kept from last week."""
        self.tm.model.maximize(self.scale * self.placed + self.kept)

    def primary(self, combined: float) -> float:
        """The placed priority inside a first-phase objective value or bound."""
        return math.floor(combined / self.scale + 1e-9)

    def kept_points(self, placements: list[Placement]) -> int:
        """The stability tier's value for a timetable (what phase 2 must not lose)."""
        chosen = {(p.group_id, p.weekday): p for p in placements}
        derived = {id(var): value for var, value in self.tm.derived}
        return sum(w * int(derived[id(lit)](chosen)) for _, w, lit in self.stable)

    def points_of(self, placements: list[Placement]) -> int:
        """The soft tier's value for a timetable of the model's groups."""
        chosen = {(p.group_id, p.weekday): p for p in placements}
        meaning: dict[int, object] = {id(var): fn for var, fn in self.tm.derived}
        for key, dv in self.tm.vars.items():
            for venue, lit in dv.venues.items():
                meaning.setdefault(id(lit), (key, venue))
            meaning[id(dv.present)] = (key, None)
        total = 0
        for _, weight, lit in self.soft:
            how = meaning[id(lit)]
            if callable(how):
                on = bool(how(chosen))
            else:
                key, venue = how
                p = chosen.get(key)
                on = p is not None and (venue is None or p.venue_id == venue)
            total += weight * on
        return total

    def polish(self, placed: int, kept: int, placements: list[Placement]) -> None:
        """Phase 2: keep what the first placed and kept, maximise the soft points."""
        model = self.tm.model
        model.add(self.placed >= placed)
        model.add(self.kept >= kept)
        model.maximize(self.points)
        self.tm.hint(placements)

    def _preferences(self) -> None:
        tm, weight, grid = self.tm, self.weights.preference, self.tm.problem.grid_min
        if not weight:
            return
        for (gid, day), dv in tm.vars.items():
            steps = liked_starts(tm.scope.options[gid].group, day, grid)
            if not steps:
                continue
            liked = cp_model.Domain.from_intervals([list(s) for s in steps])
            own = domain(dv.start)
            if not own.overlaps_with(liked):
                continue
            if own.is_included_in(liked):
                self.soft.append(((gid, day), weight, dv.present))
                continue
            met = tm.model.new_bool_var("")
            tm.model.add_implication(met, dv.present)
            tm.model.add_linear_expression_in_domain(dv.start, liked).only_enforce_if(met)
            tm.derived.append(
                (met, lambda chosen, key=(gid, day), liked=liked: _met(chosen, key, liked, grid))
            )
            self.soft.append(((gid, day), weight, met))

    def _venue_bonus(self) -> None:
        tm = self.tm
        for (gid, day), dv in tm.vars.items():
            group = tm.scope.options[gid].group
            for v, lit in dv.venues.items():
                own = tm.problem.venue[v].community_id == group.community_id
                bonus = self.weights.venue_bonus(own, tm.problem.walk_m(gid, v), group.max_walk_m)
                if bonus:
                    self.soft.append(((gid, day), bonus, lit))

    def _stability(self, previous: Iterable[Placement]) -> None:
        tm, weight, grid = self.tm, self.weights.stability, self.tm.problem.grid_min
        if not weight:
            return
        for p in previous:
            dv = tm.vars.get((p.group_id, p.weekday))
            if dv is None or p.venue_id not in dv.venues or p.start % grid:
                continue
            step = p.start // grid
            if p.end - p.start != tm.scope.options[p.group_id].duration * grid:
                continue
            if not domain(dv.start).contains(step):
                continue
            kept = tm.model.new_bool_var("")
            tm.model.add_implication(kept, dv.venues[p.venue_id])
            tm.model.add(dv.start == step).only_enforce_if(kept)
            tm.derived.append((kept, lambda chosen, p=p: _same(chosen.get((p.group_id, p.weekday)), p)))
            self.stable.append(((p.group_id, p.weekday), weight, kept))


def _tier_max(terms: list[Term], options: dict[str, GroupOptions]) -> int:
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


def soft_points(problem: Problem, placements: Iterable[Placement], weights: Weights) -> int:
    """The soft tier of a whole timetable, as the models count it."""
    total, grid = 0, problem.grid_min
    for p in placements:
        group = problem.group[p.group_id]
        liked = liked_starts(group, p.weekday, grid)
        if weights.preference and liked and any(lo <= p.start // grid <= hi for lo, hi in liked):
            total += weights.preference
        own = problem.venue[p.venue_id].community_id == group.community_id
        total += weights.venue_bonus(own, problem.walk_m(p.group_id, p.venue_id), group.max_walk_m)
    return total


def soft_ceiling(problem: Problem, candidates: Candidates, weights: Weights) -> int:
    """The most soft points any timetable could earn: per group, its best usable days."""
    total, grid = 0, problem.grid_min
    for gid, opt in candidates.options.items():
        group, per_day, bonus = opt.group, [], {}  # bonus per venue, whatever the day
        for day in opt.days:
            liked = liked_starts(group, day, grid) if weights.preference else None
            best = 0
            for venue in opt.venues_on(day):
                points = bonus.get(venue)
                if points is None:
                    own = problem.venue[venue].community_id == group.community_id
                    walk = problem.walk_m(gid, venue)
                    points = bonus[venue] = weights.venue_bonus(own, walk, group.max_walk_m)
                if liked and points + weights.preference > best and _overlap(liked, opt.starts[day, venue]):
                    points += weights.preference
                best = max(best, points)
            per_day.append(best)
        total += sum(sorted(per_day, reverse=True)[: opt.max_sessions])
    return total


def _overlap(a: Spans, b: Spans) -> bool:
    return any(lo <= hi2 and lo2 <= hi for lo, hi in a for lo2, hi2 in b)
