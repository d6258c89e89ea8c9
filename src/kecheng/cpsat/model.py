"""The CP-SAT model of a week, or of part of it: variables, rules, locks, warm start, and decoding.

One session per group and weekday at most (rule 5) lets us model a group's week as
a literal per weekday rather than per numbered session, which removes the symmetry
between a group's interchangeable sessions. For each (group, weekday) there is a
start variable and a presence literal; for each fitting venue an optional interval
sharing that start. NoOverlap per venue-day, teacher-day and member-clique-day;
teacher travel as a gap variable per pair of a teacher's groups on a day.

A ``Scope`` says what a model decides: the whole week (the bound model), or a neighbourhood of
groups whose start times have already been cleared of every session held fixed around them
(the local search's models, which therefore stay small whatever the district's size).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kecheng.candidates import Candidates, GroupOptions, Spans
from kecheng.errors import LockError
from kecheng.i18n import _, weekday
from kecheng.model import Problem, group_label, venue_label
from kecheng.timetable import Placement


@dataclass
class DayVars:
    """One group's possible session on one weekday."""

    present: cp_model.IntVar
    start: cp_model.IntVar
    interval: cp_model.IntervalVar
    venues: dict[str, cp_model.IntVar] = field(default_factory=dict)


Derived = Callable[[dict[tuple[str, int], Placement]], int]
"""A variable's value as it follows from a timetable ((group, day) → placement), for a complete hint."""


@dataclass
class Scope:
    """What one model decides: these groups' options, the sets of them that share members, what is
    left of each teacher's weekly and daily limits, and whether the walk between venues is modelled
    (without it the model is a relaxation: its bound holds, its timetables need checking)."""

    options: dict[str, GroupOptions]
    cliques: list[tuple[str, ...]]
    week_left: dict[str, int | None]
    day_left: dict[tuple[str, int], int | None]
    travel: bool = True

    @classmethod
    def whole(cls, problem: Problem, candidates: Candidates, *, travel: bool = True) -> Scope:
        """Every group, nothing fixed: the whole week."""
        week = {t.teacher_id: t.max_sessions_per_week for t in problem.teachers}
        day = {(t.teacher_id, d): t.max_sessions_per_day for t in problem.teachers for d in range(1, 8)}
        return cls(candidates.options, candidates.cliques, week, day, travel)


class TimetableModel:
    """The variables and hard rules of a scope; decodes solutions back into placements."""

    def __init__(
        self,
        problem: Problem,
        candidates: Candidates,
        *,
        locked: Iterable[Placement] = (),
        scope: Scope | None = None,
    ):
        self.problem, self.candidates = problem, candidates
        self.scope = scope or Scope.whole(problem, candidates)
        self.model = cp_model.CpModel()
        self.vars: dict[tuple[str, int], DayVars] = {}
        self.locked = {(p.group_id, p.weekday): p.session for p in locked}
        self.derived: list[tuple[cp_model.IntVar, Derived]] = []
        self._variables()
        self._constraints()
        if self.scope.travel:
            self._travel()
        self._locks(locked)

    def _variables(self) -> None:
        m = self.model
        for gid, opt in self.scope.options.items():
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
        m, scope, options = self.model, self.scope, self.scope.options
        by_venue_day: dict[tuple[str, int], list] = defaultdict(list)
        by_teacher_day: dict[tuple[str, int], list] = defaultdict(list)
        by_teacher: dict[str, list] = defaultdict(list)
        for (gid, day), dv in self.vars.items():
            opt = options[gid]
            for v, lit in dv.venues.items():
                by_venue_day[v, day].append((dv, lit, opt.duration))
            by_teacher_day[opt.group.teacher_id, day].append(dv)
            by_teacher[opt.group.teacher_id].append(dv.present)
        for gid, opt in options.items():
            days = [self.vars[gid, d].present for d in opt.days]
            if len(days) > opt.wanted:
                m.add(sum(days) <= opt.wanted)
        for users in by_venue_day.values():
            if len(users) > 1:  # an interval per venue literal only where two sessions could meet
                m.add_no_overlap(
                    dv.interval
                    if lit is dv.present
                    else m.new_optional_fixed_size_interval_var(dv.start, d, lit, "")
                    for dv, lit, d in users
                )
        for (tid, _day), dvs in by_teacher_day.items():
            if len(dvs) > 1:
                m.add_no_overlap([dv.interval for dv in dvs])
            limit = scope.day_left.get((tid, _day))
            if limit is not None and len(dvs) > limit:
                m.add(sum(dv.present for dv in dvs) <= limit)
        for tid, lits in by_teacher.items():
            limit = scope.week_left.get(tid)
            if limit is not None and len(lits) > limit:
                m.add(sum(lits) <= limit)
        for clique in scope.cliques:
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
            by_teacher_day[self.scope.options[gid].group.teacher_id, day].append(gid)
        for (_tid, day), gids in by_teacher_day.items():
            for i, g1 in enumerate(gids):
                for g2 in gids[i + 1 :]:
                    self._travel_pair(g1, g2, day, grid)

    def _travel_pair(self, g1: str, g2: str, day: int, grid: int) -> None:
        a, b = self.vars[g1, day], self.vars[g2, day]
        oa, ob = self.scope.options[g1], self.scope.options[g2]
        needs: dict[tuple[str, str], int] = {}  # (va, vb) → steps of travel that can bind
        by_first: dict[str, list] = {}  # va → its terms, in order: the model must not depend on hashing
        for va in a.venues:
            for vb in b.venues:
                gap = self.candidates.travel_steps(va, vb)
                if gap and not _apart(oa.starts[day, va], oa.duration, ob.starts[day, vb], ob.duration, gap):
                    needs[va, vb] = gap
                    by_first.setdefault(va, []).append(gap * b.venues[vb])
        if not needs:
            return
        m = self.model
        gap_var = m.new_int_var(0, max(needs.values()), "")
        for va, terms in by_first.items():
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
            where = _("locked {group} session {session} at {venue} on {weekday}").format(
                group=group_label(self.problem, p.group_id),
                session=p.session,
                venue=venue_label(self.problem, p.venue_id),
                weekday=weekday(p.weekday),
            )
            if dv is None or p.venue_id not in dv.venues:
                raise LockError(
                    _("{where}: the venue is not among the group's candidates that day").format(where=where)
                )
            if p.start % grid or not domain(dv.start).contains(p.start // grid):
                message = _("{where}: the start is not on the {grid}-minute grid of allowed starts")
                raise LockError(message.format(where=where, grid=grid))
            self.model.add(dv.venues[p.venue_id] == 1)
            self.model.add(dv.start == p.start // grid)

    def hint(self, placements: list[Placement]) -> None:
        """Warm start: a complete assignment, so CP-SAT's first solution is at least this good."""
        self.model.clear_hints()
        grid = self.problem.grid_min
        chosen = {(p.group_id, p.weekday): p for p in placements}
        pairs: list[tuple[cp_model.IntVar, int]] = []
        for key, dv in self.vars.items():
            placement = chosen.get(key)
            pairs.append((dv.present, placement is not None))
            pairs.append((dv.start, placement.start // grid if placement else domain(dv.start).min()))
            if len(dv.venues) > 1:
                pairs.extend(
                    (lit, placement is not None and placement.venue_id == v) for v, lit in dv.venues.items()
                )
        pairs.extend((var, value(chosen)) for var, value in self.derived)
        # straight into the proto: add_hint one by one costs half a second on a district's 70 000 literals
        index = [var.index if var.index >= 0 else self.model.negated(var.index) for var, _ in pairs]
        values = [int(v) if var.index >= 0 else int(not v) for var, v in pairs]
        hint = self.model.model_proto.solution_hint
        hint.vars.extend(index)
        hint.values.extend(values)

    def placements(self, value: Callable[[cp_model.IntVar], int]) -> list[Placement]:
        """Decode a solution (``value`` is solver.value or a callback's value); sessions are not
        numbered here (0), except locked ones, since a scope may hold only some of a group's."""
        grid, found = self.problem.grid_min, []
        for (gid, day), dv in self.vars.items():
            if value(dv.present):
                venue = next(v for v, lit in dv.venues.items() if value(lit))
                start, duration = value(dv.start), self.scope.options[gid].duration
                teacher = self.scope.options[gid].group.teacher_id
                session = self.locked.get((gid, day), 0)
                found.append(
                    Placement(gid, session, venue, teacher, day, start * grid, (start + duration) * grid)
                )
        return found  # in scope order; numbered where they join a timetable (locks keep theirs)

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
