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

from kecheng.candidates import Candidates, start_spans
from kecheng.cpsat.model import TimetableModel, domain
from kecheng.model import merge_windows
from kecheng.timetable import Placement
from kecheng.weights import Weights

Term = tuple[tuple[str, int], int, cp_model.IntVar]
"""(group, day), points, the literal that earns them."""


class Objective:
    """The tiers of one model: placed priority, kept sessions, soft points."""

    def __init__(self, tm: TimetableModel, weights: Weights, previous: Iterable[Placement] = ()):
        self.tm, self.weights = tm, weights
        self.stable: list[Term] = []
        self.soft: list[Term] = []
        self._preferences()
        self._venue_bonus()
        self._stability(previous)
        options = tm.candidates.options
        self.placed = sum(options[g].group.priority * dv.present for (g, _), dv in tm.vars.items())
        self.kept = sum(w * lit for _, w, lit in self.stable)
        self.points = sum(w * lit for _, w, lit in self.soft)
        self.scale = 1 + _tier_max(self.stable, tm.candidates)

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
            group = tm.candidates[gid].group
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
            group = tm.candidates[gid].group
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
            if p.end - p.start != tm.candidates[p.group_id].duration * grid:
                continue
            if not domain(dv.start).contains(step):
                continue
            kept = tm.model.new_bool_var("")
            tm.model.add_implication(kept, dv.venues[p.venue_id])
            tm.model.add(dv.start == step).only_enforce_if(kept)
            tm.derived.append((kept, lambda chosen, p=p: _same(chosen.get((p.group_id, p.weekday)), p)))
            self.stable.append(((p.group_id, p.weekday), weight, kept))


def _tier_max(terms: list[Term], candidates: Candidates) -> int:
    """The most a tier's points can add up to: per group, its best days' points."""
    per_day: dict[tuple[str, int], int] = defaultdict(int)
    for key, weight, _ in terms:
        per_day[key] += weight
    best: dict[str, list[int]] = defaultdict(list)
    for (gid, _day), points in per_day.items():
        best[gid].append(points)
    return sum(sum(sorted(p, reverse=True)[: candidates[g].max_sessions]) for g, p in best.items())


def _met(chosen: dict, key: tuple[str, int], liked: cp_model.Domain, grid: int) -> bool:
    placement = chosen.get(key)
    return placement is not None and liked.contains(placement.start // grid)


def _same(placement: Placement | None, previous: Placement) -> bool:
    return placement is not None and (placement.venue_id, placement.start) == (
        previous.venue_id,
        previous.start,
    )
