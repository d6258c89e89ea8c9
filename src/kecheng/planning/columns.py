"""A third proven bound on tier 1: whole groups at exact weekly starts, by column generation.

The whole-group relaxation (``kecheng.planning.lagrange``) knows who can come to a weekly
pattern, but not *when* a group meets: two groups may share a teacher's, a venue's or a
member's hour. Here a new group is a *column* — an interest, a venue, a teacher, the exact
starts of its sessions (``sessions_per_week`` different weekdays where the teacher, walks from
and to their running sessions included, and the venue are free) and its members (between
``min_size`` and the cap, each an order that test 1 leaves open, of a resident who reaches the
venue and is free at every start) — and the master LP keeps what a real week keeps: every
order met once (by a new group or a running group with a seat); every resident within their
room and in one group at a time; every teacher and venue in one session at a time; every
teacher within their new groups, weekly sessions and sessions per day; every running group
within its seats. Every plan is a whole-number solution (its groups are the columns), so the
LP over *all* columns bounds every plan. It has no rows for a teacher's walk between two new
groups (only between new and running ones): a relaxation, and where teachers rotate far, a loose one.

The columns are generated, not listed: from the master's prices (its duals), each (interest,
venue, teacher) finds its best column exactly — every choice of starts on different weekdays
(starts alike in who is free and what they cost are tried once), and for each the best members
— and the best of all enter the master. For any prices the master's dual value, plus each
running-group join's and each teacher's best column's positive reduced cost (times the most
new groups the teacher may take), bounds every plan, so every round gives a bound and the
lowest is kept; once no column prices out it is the LP's optimum. Columns are priced at prices
between the LP's and those of the lowest bound so far (``SMOOTHING``), and only those the LP
wants enter; when none does, at the LP's own (so convergence is still the LP's optimum). The
first prices may be given (``start``: the whole-group relaxation's, which ``prove_bound`` has
found by then), so that the first rounds price near them rather than at an empty master's.

One district of 40 running groups (``kecheng generate --groups 40 --orders``, seed 0): the LP of
``kecheng.planning.bound`` proves 1 653 order points, the whole-group relaxation 1 447, this
one 1 420 (39 rounds, ~6 s); kecheng's plan meets 1 414.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from kecheng.planning.candidates import Timed
from kecheng.planning.context import PlanContext, Session
from kecheng.planning.outcome import NewGroup, Outcome
from kecheng.planning.pricing import EPSILON, Family, families, price, split_fixed
from kecheng.planning.solution import too_close

NEW_COLUMNS = 400  # the best columns that enter the master per round
USED = 0.05  # a column the LP takes at more than this is one it uses (``support``)
SMOOTHING = 0.8  # prices are this much those of the lowest bound so far, the rest the LP's (Wentges):
# the LP's own swing from round to round (converged, one core: loose 40 running groups seeds 0-1 in
# 83 and 107 s, not in 150 s without; four districts of 40 sharing teachers 568 s against 819 s;
# the other shapes' 40-group districts to the same LP in 0.5-1.7 times the rounds, median 1.1)
# with one worker the rounds are budgeted by their size. Pricing at one set of prices: 0.23 ms a
# family + 42 ms per million member-cells (fitted on twenty districts of 40 and 150 running groups,
# five shapes, seeds 0-1: -26 to +11 % of the time it took per input, median -0.5 %, where 0.05 s a
# round + 0.1 s per million cells counted -63 to +110 %), and 0.02 ms a family of fixed starts (the
# options', priced together: 14-88 ms a call for 508-4 930 of them); the master ~0.15 ms a column.
# A simplex iteration costs more as the master grows: 0.31-0.34 ms at 22 000-27 000 rows (districts of
# 40), 0.78-0.89 ms at 89 000-91 000 (of 150, where a flat 4 000 iterations a second counted 9 of 28-40 s)
PRICE_S_PER_FAMILY, PRICE_S_PER_CELL, PRICE_S_PER_FIXED, COLUMN_S = 2.3e-4, 4.2e-8, 2e-5, 1.5e-4
ITERATION_S, ITERATION_S_PER_ROW = 1.35e-4, 7.8e-9


@dataclass(frozen=True)
class ColumnBound:
    points: int | None  # bound on the order points of the orders test 1 leaves open (None: no round)
    rounds: int
    columns: int  # new-group columns in the master
    converged: bool  # ``points`` is the LP optimum's whole part (nothing priced out, or could lower it)
    whole: int | None = None  # the master's best with whole columns, if asked (``whole_time``)
    whole_outcome: Outcome | None = None  # its groups and joins
    used: tuple[NewGroup, ...] = ()  # with ``support``: the new-group columns the last LP uses
    used_joins: frozenset[tuple[int, str]] = frozenset()  # and its joins (order, running group)

    @property
    def times(self) -> tuple[Timed, ...]:
        """``used`` as ``timed_candidates`` takes them: (interest, venue, sessions, teacher)."""
        return tuple((g.interest_id, g.venue, g.sessions, g.teacher) for g in self.used)


class _Lp(highspy.Highs):
    """HiGHS without highspy's callbacks (unused here), which print a banner on standard output."""

    def __init__(self) -> None:
        super(highspy.Highs, self).__init__()
        self.setOptionValue("output_flag", False)

    def time_limit(self, seconds: float) -> None:
        """Let the next run take at most ``seconds``: HiGHS counts its limit on the time of
        every run of this model so far, so a limit of what is left stopped each later round
        at once, before it moved (four districts of 40: the LP stalled at 6 942.4 of 6 951.2)."""
        self.setOptionValue("time_limit", self.getRunTime() + seconds)


class _Master:
    """The master LP (HiGHS), its rows made when a column first needs them."""

    def __init__(self, ctx: PlanContext, points: np.ndarray, feasible: list[int], joinable: dict):
        self.ctx = ctx
        self.lp = _Lp()
        self.lp.setOptionValue("threads", 1)
        # primal simplex: a round adds columns, so the last basis stays feasible and primal goes
        # on from it (the LP's share of a converged run, 40 running groups: loose seeds 0-1
        # 54 -> 17 s and 80 -> 26 s, the other shapes 1.1-4 times less)
        self.lp.setOptionValue("simplex_strategy", 4)
        self.rows: dict[tuple, int] = {}
        self.upper: list[float] = []
        self.kind: dict[str, tuple[list[int], list[tuple]]] = defaultdict(lambda: ([], []))
        self.join_rows: list[list[int]] = []
        self.join_value: list[float] = []
        self.new_columns = 0
        self.simplex_s = 0.0  # its simplex iterations so far, in seconds by its rows at each run
        self.value: float | None = None  # the LP's optimum over the columns so far, when solved to it
        self.groups: dict[int, NewGroup] = {}  # new-group column → its group (teacher, sessions, orders)
        self.joins: list[tuple[int, str]] = []  # per join column (the first ones): order, running group
        group_index = {g: n for n, g in enumerate(ctx.running)}
        groups_left, week_left, day_left = ctx.teacher_room
        self.limits = {"teacher_groups": groups_left, "teacher_week": week_left, "teacher_day": day_left}
        for k in feasible:
            r = ctx.resident_index[ctx.pp.orders[k].resident_id]
            for g in joinable.get(k, ()):
                group = ctx.running[g]
                rows = [
                    self.row("order", (k,), 1),
                    self.room(r),
                    self.row("seats", (group_index[g],), group.seats),
                ]
                for s in group.sessions:
                    rows += [self.row("resident_time", (r, s.day - 1, st), 1) for st in range(s.start, s.end)]
                self.join_rows.append(rows)
                self.joins.append((k, g))
                self.join_value.append(float(points[k]))
                self._add(float(points[k]), rows)

    def room(self, r: int) -> int:
        return self.row(*self._room_key(r))

    def _room_key(self, r: int) -> tuple[str, tuple, float]:
        """Resident ``r``'s room row: (kind, key, upper)."""
        return "room", (r,), int(self.ctx.resident_room[r])

    def row(self, kind: str, key: tuple, upper: float) -> int:
        index = self.rows.get((kind, *key))
        if index is None:
            index = self.rows[(kind, *key)] = len(self.upper)
            self.upper.append(float(upper))
            self.lp.addRow(-highspy.kHighsInf, float(upper), 0, np.zeros(0, np.int32), np.zeros(0))
            at, keys = self.kind[kind]
            at.append(index)
            keys.append(key)
        return index

    def _add(self, value: float, rows: list[int]) -> None:
        index = np.array(rows, dtype=np.int32)
        self.lp.addCol(-value, 0.0, 1.0, len(index), index, np.ones(len(index)))

    def _keys(
        self, family: Family, starts: np.ndarray, members: np.ndarray, points: np.ndarray
    ) -> tuple[float, list[tuple[str, tuple, float]], list[tuple[int, int]]]:
        """A column's value, its rows' (kind, key, upper) and its sessions (day, step)."""
        t, v, limits = family.teacher, family.venue, self.limits
        keys = [
            ("teacher_groups", (t,), limits["teacher_groups"][t]),
            ("teacher_week", (t,), limits["teacher_week"][t]),
        ]
        sessions = [(int(family.day[j]), int(family.step[j])) for j in starts.tolist()]
        for d, s in sessions:
            keys.append(("teacher_day", (t, d), limits["teacher_day"][t, d]))
            for st in range(s, s + family.duration):
                keys += [("teacher_time", (t, d, st), 1), ("venue_time", (v, d, st), 1)]
        value = 0.0
        for m in members.tolist():
            k, r = int(family.orders[m]), int(family.residents[m])
            value += float(points[k])
            keys += [("order", (k,), 1), self._room_key(r)]
            for d, s in sessions:
                keys += [("resident_time", (r, d, st), 1) for st in range(s, s + family.duration)]
        return value, keys, sessions

    def reduced_cost(
        self, family: Family, starts: np.ndarray, members: np.ndarray, points: np.ndarray, pi: np.ndarray
    ) -> float:
        """The column's value less its rows' prices (rows the master lacks cost nothing)."""
        value, keys, _ = self._keys(family, starts, members, points)
        at = [self.rows.get((kind, *key)) for kind, key, _ in keys]
        return value - float(pi[[i for i in at if i is not None]].sum())

    def add_group(self, family: Family, starts: np.ndarray, members: np.ndarray, points: np.ndarray) -> None:
        value, keys, sessions = self._keys(family, starts, members, points)
        rows = [self.row(kind, key, upper) for kind, key, upper in keys]
        orders = tuple(int(family.orders[m]) for m in members.tolist())
        self.groups[self.lp.getNumCol()] = NewGroup(
            self.ctx.pp.orders[orders[0]].interest_id,
            family.teacher,
            family.venue,
            tuple(Session(d + 1, s, s + family.duration, family.venue) for d, s in sessions),
            orders,
        )
        self._add(value, rows)
        self.new_columns += 1

    def solve(self, iterations: int | None) -> np.ndarray:
        """The LP's prices (one per row, ≥ 0), optimal or not: any prices give a bound."""
        if iterations is not None:
            self.lp.setOptionValue("simplex_iteration_limit", int(iterations))
        self.lp.run()
        info = self.lp.getInfo()
        self.simplex_s += int(info.simplex_iteration_count) * self.iteration_s()
        optimal = self.lp.getModelStatus() == highspy.HighsModelStatus.kOptimal
        self.value = -float(info.objective_function_value) if optimal else None
        return np.maximum(0.0, -np.asarray(self.lp.getSolution().row_dual, dtype=np.float64))

    def iteration_s(self) -> float:
        """What one simplex iteration costs at the master's size (for budgets counted in work)."""
        return ITERATION_S + ITERATION_S_PER_ROW * len(self.upper)

    def prices(self, pi: np.ndarray, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
        out = {}
        for kind, shape in shapes.items():
            values = np.zeros(shape)
            at, keys = self.kind.get(kind, ([], []))
            if at:
                values[tuple(np.array(keys, dtype=np.int64).T)] = pi[at]
            out[kind] = values
        return out


def column_bound(
    ctx: PlanContext,
    by_new: dict[int, bool],
    joinable: dict[int, list[str]],
    feasible: list[int],
    points: np.ndarray,
    *,
    time_limit: float,
    deterministic: bool = False,
    priced: list[Family] | None = None,
    whole_time: float = 0.0,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    support: bool = False,
) -> ColumnBound:
    """The lowest bound the rounds reach on the order points of ``feasible`` (see the module doc)
    within ``time_limit`` seconds (``deterministic``: as many rounds as their sizes say fit).
    ``priced``: price only these families (default: ``families``; fewer bound only the plans made of
    their columns). ``whole_time``: then solve the master with whole columns for at most this
    long (price and branch): what whole groups among the generated columns reach, by the master's
    rules and the teachers' walks. Not a bound, nor a plan the checker has seen: a yardstick for
    the search (``benchmarks/columns.py``). ``start``: prices per order and per resident
    (``lagrangian_bound``'s) to price the first rounds near, instead of the empty master's.
    ``support``: also say which columns the last LP uses (above ``USED``), fractions included: where
    an LP over the options would put groups (``benchmarks/columns.py --lp-relink``)."""
    began = time.perf_counter()
    T, V, R, S = len(ctx.teacher_ids), len(ctx.venue_ids), len(ctx.resident_ids), ctx.steps
    shapes = {
        "order": (len(points),),
        "room": (R,),
        "resident_time": (R, 7, S),
        "teacher_time": (T, 7, S),
        "venue_time": (V, 7, S),
        "teacher_groups": (T,),
        "teacher_week": (T,),
        "teacher_day": (T, 7),
    }
    fams = families(ctx, by_new) if priced is None else priced
    fixed, rest = split_fixed(fams)
    master = _Master(ctx, points, feasible, joinable)
    most = _most_groups(ctx, fams)
    best, rounds, spent, converged = math.inf, 0, 0.0, False
    priced_s = 0.0  # pricing's work so far, as the model above counts it
    call_s = PRICE_S_PER_FAMILY * len(rest) + PRICE_S_PER_FIXED * (len(fams) - len(rest))  # and per call
    center: np.ndarray | None = None  # the prices of the lowest bound so far

    def evaluate(pi: np.ndarray) -> tuple[float, list]:
        """The bound at prices ``pi`` (any ≥ 0 give one) and the columns that price out (best first)."""
        nonlocal priced_s
        joins = np.array(
            [v - pi[rows].sum() for v, rows in zip(master.join_value, master.join_rows, strict=True)]
        )
        columns, top, cells = price(rest, master.prices(pi, shapes), points, fixed)
        columns.sort(key=lambda c: -c[0])
        value = float(np.dot(master.upper, pi)) + float(np.maximum(joins, 0).sum()) + float(np.dot(most, top))
        priced_s += call_s + PRICE_S_PER_CELL * cells
        return value, columns

    if start is not None:
        center = _start_prices(ctx, master, feasible, *start)
        best, _ = evaluate(center)

    while True:
        left = time_limit - (spent if deterministic else time.perf_counter() - began)
        if rounds and left <= 0:
            break
        iterations = max(1, int(left / master.iteration_s())) if deterministic else None
        if not deterministic:
            master.lp.time_limit(max(0.1, left))
        lp_prices = master.solve(iterations)
        prices = lp_prices
        if center is not None and SMOOTHING > 0:
            prices = (
                SMOOTHING * np.pad(center, (0, len(lp_prices) - len(center))) + (1 - SMOOTHING) * lp_prices
            )
        rounds += 1
        # the smoothed prices first; if the LP wants none of their columns, the LP's own
        for pi in (prices, lp_prices) if prices is not lp_prices else (lp_prices,):
            value, columns = evaluate(pi)
            if value < best:
                best, center = value, pi
            if pi is not lp_prices:  # keep only the columns the LP itself wants
                wanted = (c for c in columns if master.reduced_cost(*c[1:], points, lp_prices) > EPSILON)
                columns = list(itertools.islice(wanted, NEW_COLUMNS))
            if columns:
                break
        spent = priced_s + COLUMN_S * master.new_columns + master.simplex_s
        if not columns or (master.value is not None and _whole_part(best) <= _whole_part(master.value)):
            # none prices out (the LP's optimum is the bound), or the bound's whole part is the
            # LP's so far, which more columns only raise: more rounds cannot lower it
            converged = True
            break
        for _, family, starts, members in columns[:NEW_COLUMNS]:
            master.add_group(family, starts, members, points)
    bound = None if math.isinf(best) else min(int(sum(int(points[k]) for k in feasible)), _whole_part(best))
    used: tuple[NewGroup, ...] = ()
    used_joins: frozenset[tuple[int, str]] = frozenset()
    if support and rounds:  # before the whole master makes the columns whole
        x = np.asarray(master.lp.getSolution().col_value)
        used = tuple(_new_groups(master, x > USED))
        used_joins = frozenset(j for j, v in zip(master.joins, x, strict=False) if v > USED)
    whole = _whole(master, whole_time) if whole_time > 0 and rounds else None
    return ColumnBound(
        bound, rounds, master.new_columns, converged, *(whole or (None, None)), used, used_joins
    )


def _start_prices(
    ctx: PlanContext, master: _Master, feasible: list[int], by_order: np.ndarray, by_resident: np.ndarray
) -> np.ndarray:
    """The master's prices at ``by_order`` and ``by_resident`` (its order and room rows made
    now, empty, so that they have a price before any column needs them), every other row 0."""
    for k in feasible:
        master.row("order", (k,), 1)
        master.room(ctx.resident_index[ctx.pp.orders[k].resident_id])
    center = np.zeros(len(master.upper))
    at, keys = master.kind["order"]
    center[at] = by_order[[k for (k,) in keys]]
    at, keys = master.kind["room"]
    center[at] = by_resident[[r for (r,) in keys]]
    return center


def _whole_part(value: float) -> int:
    """A bound's whole part, after a small relative margin for HiGHS' floating-point tolerances."""
    return math.floor(value * (1 + 1e-7) + 1e-6)


def _whole(master: _Master, time_limit: float) -> tuple[int, Outcome] | None:
    """The master's best value with every column 0 or 1 (HiGHS' MIP within ``time_limit``) and no
    teacher given two groups without the time to walk between them. The master has no such rows:
    each pair of chosen columns that breaks it gets one (at most one of the two), and HiGHS goes
    on from the solution without the lesser of each pair. Every value returned keeps both
    (None: HiGHS found no solution in time); with it, its groups and joins."""
    began = time.perf_counter()
    lp = master.lp
    n = lp.getNumCol()
    lp.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
    lp.setOptionValue("simplex_iteration_limit", 2**31 - 1)
    lp.setOptionValue("mip_rel_gap", 1e-3)
    worth = -np.asarray(lp.getLp().col_cost_)
    best = None
    while (left := time_limit - (time.perf_counter() - began)) > 0:
        lp.time_limit(left)
        lp.run()
        if lp.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
            break
        x = np.asarray(lp.getSolution().col_value) > 0.5
        clashes = _walk_clashes(master, x)
        for a, b in clashes:
            lp.addRow(-highspy.kHighsInf, 1.0, 2, np.array([a, b], dtype=np.int32), np.ones(2))
            if x[a] and x[b]:
                x[a if worth[a] < worth[b] else b] = False
        value = math.floor(float(worth[x].sum()) + 1e-6)
        if best is None or value > best[0]:
            best = value, _outcome(master, x)
        if not clashes:
            break
        kept = highspy.HighsSolution()
        kept.col_value = x.astype(float).tolist()
        kept.value_valid = True
        lp.setSolution(kept)
    return best


def _outcome(master: _Master, chosen: np.ndarray) -> Outcome:
    """The chosen columns as a plan: new groups and joins of running groups."""
    joins = {k: g for (k, g), c in zip(master.joins, chosen, strict=False) if c}
    return Outcome(_new_groups(master, chosen), joins)


def _new_groups(master: _Master, chosen: np.ndarray) -> list[NewGroup]:
    """The chosen new-group columns as groups."""
    return [group for c, group in sorted(master.groups.items()) if chosen[c]]


def _walk_clashes(master: _Master, chosen: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of chosen new-group columns whose teacher cannot walk from one to the other."""
    by_teacher: dict[int, list[tuple[int, tuple[Session, ...]]]] = defaultdict(list)
    for column, group in master.groups.items():
        if chosen[column]:
            by_teacher[group.teacher].append((column, group.sessions))
    return [
        (a, b)
        for columns in by_teacher.values()
        for (a, first), (b, second) in itertools.combinations(columns, 2)
        if any(too_close(master.ctx, s, t) for s in first for t in second)
    ]


def _most_groups(ctx: PlanContext, fams: list[Family]) -> np.ndarray:
    """Per teacher, the most new groups they can take: within max_groups, weekly sessions and
    (each group holding at least its shortest session) their free steps."""
    groups_left, week_left, _ = ctx.teacher_room
    most = np.zeros(len(ctx.teacher_ids))
    shortest: dict[int, tuple[int, int]] = {}
    for f in fams:
        sessions, duration = shortest.get(f.teacher, (f.sessions, f.duration))
        shortest[f.teacher] = (min(sessions, f.sessions), min(duration, f.duration))
    for t, (sessions, duration) in shortest.items():
        free_steps = int(ctx.teacher_open[t].sum())
        most[t] = min(int(groups_left[t]), int(week_left[t]) // sessions, free_steps // (sessions * duration))
    return most
