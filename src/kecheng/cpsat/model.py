"""The CP-SAT model of one district's week: variables, rules, locks, warm start, and decoding.

One session per group and weekday at most (rule 5) lets us model a group's week as
a literal per weekday rather than per numbered session, which removes the symmetry
between a group's interchangeable sessions. For each (group, weekday) there is a
start variable and a presence literal; for each fitting venue an optional interval
sharing that start. NoOverlap per venue-day, teacher-day and member-clique-day;
teacher travel as a gap variable per pair of a teacher's groups on a day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kecheng.candidates import Candidates, Spans
from kecheng.errors import LockError
from kecheng.model import Problem
from kecheng.timetable import Placement, in_group_order


@dataclass
class DayVars:
    """One group's possible session on one weekday."""

    present: cp_model.IntVar
    start: cp_model.IntVar
    interval: cp_model.IntervalVar
    venues: dict[str, cp_model.IntVar] = field(default_factory=dict)


Derived = Callable[[dict[tuple[str, int], Placement]], int]
"""A variable's value as it follows from a timetable ((group, day) → placement), for a complete hint."""


class TimetableModel:
    """The variables and hard rules for a problem; decodes solutions back into placements."""

    def __init__(self, problem: Problem, candidates: Candidates, *, locked: Iterable[Placement] = ()):
        self.problem, self.candidates = problem, candidates
        self.model = cp_model.CpModel()
        self.vars: dict[tuple[str, int], DayVars] = {}
        self.locked = {(p.group_id, p.weekday): p.session for p in locked}
        self.derived: list[tuple[cp_model.IntVar, Derived]] = []
        self._variables()
        self._constraints()
        self._travel()
        self._locks(locked)

    def _variables(self) -> None:
        m = self.model
        for gid, opt in self.candidates.options.items():
            for day in opt.days:
                venues = opt.venues_on(day)
                union = cp_model.Domain.from_intervals(
                    [list(span) for v in venues for span in opt.starts[day, v]]
                )
                present = m.new_bool_var("")
                start = m.new_int_var_from_domain(union, "")
                interval = m.new_optional_fixed_size_interval_var(start, opt.duration, present, "")
                dv = DayVars(present, start, interval)
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
        m, problem, options = self.model, self.problem, self.candidates.options
        by_venue_day: dict[tuple[str, int], list] = defaultdict(list)
        by_teacher_day: dict[tuple[str, int], list] = defaultdict(list)
        by_teacher: dict[str, list] = defaultdict(list)
        for (gid, day), dv in self.vars.items():
            opt = options[gid]
            for v, lit in dv.venues.items():
                by_venue_day[v, day].append(
                    m.new_optional_fixed_size_interval_var(dv.start, opt.duration, lit, "")
                )
            by_teacher_day[opt.group.teacher_id, day].append(dv)
            by_teacher[opt.group.teacher_id].append(dv.present)
        for gid, opt in options.items():
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
        for clique in self.candidates.cliques:
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
            by_teacher_day[self.candidates[gid].group.teacher_id, day].append(gid)
        for (_tid, day), gids in by_teacher_day.items():
            for i, g1 in enumerate(gids):
                for g2 in gids[i + 1 :]:
                    self._travel_pair(g1, g2, day, grid)

    def _travel_pair(self, g1: str, g2: str, day: int, grid: int) -> None:
        a, b = self.vars[g1, day], self.vars[g2, day]
        oa, ob = self.candidates[g1], self.candidates[g2]
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
        for va in dict.fromkeys(va for va, _ in needs):  # in order: the model must not depend on hashing
            terms = [k * b.venues[vb] for (v, vb), k in needs.items() if v == va]
            m.add(gap_var >= sum(terms)).only_enforce_if(a.venues[va])
        first = m.new_bool_var("")  # true: g1's session comes first
        both = [a.present, b.present]
        m.add(b.start >= a.start + oa.duration + gap_var).only_enforce_if([*both, first])
        m.add(a.start >= b.start + ob.duration + gap_var).only_enforce_if([*both, ~first])
        key_a, key_b = (g1, day), (g2, day)
        self.derived.append((first, lambda chosen: _first(chosen.get(key_a), chosen.get(key_b))))
        self.derived.append((gap_var, lambda chosen: _gap(needs, chosen.get(key_a), chosen.get(key_b))))

    def _locks(self, locked: Iterable[Placement]) -> None:
        grid = self.problem.grid_min
        for p in locked:
            dv = self.vars.get((p.group_id, p.weekday))
            where = f"locked {p.group_id} session {p.session} at {p.venue_id} on day {p.weekday}"
            if dv is None or p.venue_id not in dv.venues:
                raise LockError(f"{where}: the venue is not among the group's candidates that day")
            if p.start % grid or not domain(dv.start).contains(p.start // grid):
                raise LockError(f"{where}: the start is not on the {grid}-minute grid of allowed starts")
            self.model.add(dv.venues[p.venue_id] == 1)
            self.model.add(dv.start == p.start // grid)

    def hint(self, placements: list[Placement]) -> None:
        """Warm start: a complete assignment, so CP-SAT's first solution is at least this good."""
        self.model.clear_hints()
        grid = self.problem.grid_min
        chosen = {(p.group_id, p.weekday): p for p in placements}
        for key, dv in self.vars.items():
            placement = chosen.get(key)
            self.model.add_hint(dv.present, placement is not None)
            self.model.add_hint(dv.start, placement.start // grid if placement else domain(dv.start).min())
            if len(dv.venues) > 1:
                for v, lit in dv.venues.items():
                    self.model.add_hint(lit, placement is not None and placement.venue_id == v)
        for var, value in self.derived:
            self.model.add_hint(var, int(value(chosen)))

    def placements(self, value: Callable[[cp_model.IntVar], int]) -> list[Placement]:
        """Decode a solution (``value`` is solver.value or a callback's value)."""
        grid, found = self.problem.grid_min, []
        for (gid, day), dv in self.vars.items():
            if value(dv.present):
                venue = next(v for v, lit in dv.venues.items() if value(lit))
                start, duration = value(dv.start), self.candidates[gid].duration
                teacher = self.candidates[gid].group.teacher_id
                session = self.locked.get((gid, day), 0)
                found.append(
                    Placement(gid, session, venue, teacher, day, start * grid, (start + duration) * grid)
                )
        return in_group_order((g.group_id for g in self.problem.groups), found)

    def size(self) -> dict[str, int]:
        """How big the model is, for the summary."""
        return {
            "day_vars": len(self.vars),
            "venue_literals": sum(len(dv.venues) for dv in self.vars.values()),
        }


def domain(var: cp_model.IntVar) -> cp_model.Domain:
    """A variable's domain."""
    return cp_model.Domain.from_flat_intervals(list(var.proto.domain))


def _gap(needs: dict[tuple[str, str], int], a: Placement | None, b: Placement | None) -> int:
    return needs.get((a.venue_id, b.venue_id), 0) if a and b else 0


def _first(a: Placement | None, b: Placement | None) -> bool:
    return a is not None and b is not None and a.start < b.start


def _apart(a: Spans, da: int, b: Spans, db: int, gap: int) -> bool:
    """True when sessions starting in spans a and b can never come within gap steps."""
    return a[-1][1] + da + gap <= b[0][0] or b[-1][1] + db + gap <= a[0][0]
