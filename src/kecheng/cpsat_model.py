"""The CP-SAT model: variables, constraints and the objective's tiers for one Problem.

One session per group and weekday at most (rule 5) lets us model a group's week as
a literal per weekday rather than per numbered session, which removes the symmetry
between a group's interchangeable sessions. For each (group, weekday) there is a
start variable and a presence literal; for each fitting venue an optional interval
sharing that start. NoOverlap per venue-day, teacher-day and member-clique-day;
teacher travel as a gap variable per pair of a teacher's groups on a day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kecheng.candidates import GroupOptions, Spans, member_cliques, start_spans
from kecheng.greedy import number_sessions
from kecheng.model import Placement, Problem, merge_windows
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
