"""The exact-start master's columns (``kecheng.planning.columns``): their families and pricing.

A family is one (interest, venue, teacher) with the starts where enough of its orderers are free
with the teacher and the venue (``families``), or one of the search's candidates with one of its
teachers (``kecheng.planning.support``). Pricing finds, at the master's row prices, each family's
best new group — its starts and members — and each teacher's best reduced cost, which the bound
needs for every round.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from kecheng.planning.candidates import demand_of, fitting_venues, reach_lists
from kecheng.planning.context import PlanContext, window_sums

PER_FAMILY = 2  # columns priced out per round, at most this many from one family
CHUNK = 20_000  # start choices priced at a time
EPSILON = 1e-6  # a reduced cost above this prices out


@dataclass(frozen=True)
class Family:
    """The columns of one (interest, venue, teacher): its starts and who is free at each."""

    teacher: int
    venue: int
    sessions: int  # per week
    duration: int  # steps
    least: int  # min_size
    cap: int  # min(max_size, the venue's capacity)
    orders: np.ndarray  # (members,)
    residents: np.ndarray  # (members,)
    free: np.ndarray  # (starts, members): the member is free at the start
    day: np.ndarray  # (starts,): weekday index 0-6
    step: np.ndarray  # (starts,)


def families(ctx: PlanContext, by_new: dict[int, bool]) -> list[Family]:
    """Every (interest, venue, teacher) that could open a group, with the starts where at
    least ``min_size`` of its orderers are free with the teacher and the venue."""
    pp = ctx.pp
    open_new: dict[str, list[int]] = defaultdict(list)
    for k, ok in sorted(by_new.items()):
        if ok:
            open_new[pp.orders[k].interest_id].append(k)
    out = []
    for interest in pp.interests:
        demand = demand_of(ctx, interest, open_new.get(interest.interest_id, []), 0)
        if not demand.orders or not len(demand.teachers):
            continue
        duration = demand.duration
        orders = np.array(demand.orders, dtype=np.int64)
        for v, members in sorted(reach_lists(ctx, demand, fitting_venues(ctx, interest)).items()):
            if len(members) < interest.min_size:
                continue
            at = np.array(members, dtype=np.int64)
            venue_starts = ctx.venue_starts(duration)[v]
            cap = min(interest.max_size, int(ctx.venue_capacity[v]))
            # teacher_open already leaves out the days on which a teacher has no session left
            each = ctx.teacher_starts_many(demand.teachers, v, duration) & venue_starts
            for t, allowed in zip(demand.teachers.tolist(), each, strict=True):
                free = demand.starts[at] & allowed[None]
                days, steps = np.nonzero(free.sum(0) >= interest.min_size)
                if len(np.unique(days)) < interest.sessions_per_week:
                    continue
                out.append(
                    Family(
                        t,
                        v,
                        interest.sessions_per_week,
                        duration,
                        interest.min_size,
                        cap,
                        orders[at],
                        demand.residents[at],
                        free[:, days, steps].T.copy(),
                        days,
                        steps,
                    )
                )
    return out


def price(
    fams: list[Family], prices: dict[str, np.ndarray], points: np.ndarray, fixed: _Fixed | None = None
) -> tuple[list[tuple[float, Family, np.ndarray, np.ndarray]], np.ndarray, int]:
    """Columns that price out (reduced cost, family, starts, members), each teacher's best
    reduced cost, and the member-cells priced (the round's size); ``fixed``'s families at once."""
    top = np.full(len(prices["teacher_groups"]), -np.inf)
    # each resident's price of a session at every start, per duration: once a round, not per family
    # (a resident is a member of many families; per family it was a third of a round on the district)
    windows: dict[int, np.ndarray] = {}
    found, cells = _price_fixed(fixed, prices, points, top, windows) if fixed is not None else ([], 0)
    for f in fams:
        t, v, k = f.teacher, f.venue, f.sessions
        base = points[f.orders] - prices["order"][f.orders] - prices["room"][f.residents]
        if f.duration not in windows:
            windows[f.duration] = window_sums(prices["resident_time"], f.duration)
        member_cost = windows[f.duration][f.residents[:, None], f.day, f.step].T
        start_cost = (
            window_sums(prices["teacher_time"][t] + prices["venue_time"][v], f.duration)[f.day, f.step]
            + prices["teacher_day"][t, f.day]
        )
        teacher_cost = prices["teacher_groups"][t] + k * prices["teacher_week"][t]
        # one start per class alike in who is free and what everything costs there
        keep = _first_of_alike(
            np.concatenate([f.free, member_cost, start_cost[:, None], f.day[:, None]], axis=1)
        )
        per_day = {d: keep[f.day[keep] == d] for d in sorted(set(f.day[keep].tolist()))}
        choices = [
            np.stack([g.ravel() for g in np.meshgrid(*(per_day[d] for d in days), indexing="ij")], axis=1)
            for days in itertools.combinations(per_day, k)
        ]
        if not choices:
            continue
        chosen = np.concatenate(choices)
        for lo in range(0, len(chosen), CHUNK):
            part = chosen[lo : lo + CHUNK]
            free = np.logical_and.reduce([f.free[part[:, j]] for j in range(k)])
            ok = free.sum(1) >= f.least
            if not ok.any():
                continue
            part, free = part[ok], free[ok]
            cells += free.size
            values = base[None, :] - sum(member_cost[part[:, j]] for j in range(k))
            gain, count, order = _best_members(values, free, f.least, f.cap)
            gain -= sum(start_cost[part[:, j]] for j in range(k)) + teacher_cost
            best = np.argsort(-gain, kind="stable")[:PER_FAMILY]
            top[t] = max(top[t], float(gain[best[0]]))
            for q in best.tolist():
                if gain[q] > EPSILON:
                    found.append((float(gain[q]), f, part[q], order[q, : count[q]]))
    return found, np.maximum(top, 0.0), cells


@dataclass(frozen=True)
class _Fixed:
    """Families with one start a weekday and exactly ``sessions`` of them (the search's options:
    ``kecheng.planning.support``): one column each, so a round prices them all at once, members
    flat (pricing them one by one took 18 s a round over the district's 89 000)."""

    families: list[Family]
    teacher: np.ndarray  # (F,)
    venue: np.ndarray  # (F,)
    duration: np.ndarray  # (F,)
    least: np.ndarray  # (F,)
    cap: np.ndarray  # (F,)
    sessions: np.ndarray  # (F,) a week
    day: np.ndarray  # (F, most sessions), -1 past a family's own
    step: np.ndarray  # (F, most sessions)
    cell_family: np.ndarray  # (C,): per member free at every start, its family (ascending)
    cell_member: np.ndarray  # (C,): its index in the family's members
    cell_order: np.ndarray  # (C,)
    cell_resident: np.ndarray  # (C,)
    members: np.ndarray  # (F,): every member's count (the cells a round prices)


def split_fixed(fams: list[Family]) -> tuple[_Fixed | None, list[Family]]:
    """The families ``_price_fixed`` takes (with at least ``least`` members free at all their
    starts; those without could never open), and the rest."""
    fixed, rest = [], []
    for f in fams:
        (fixed if len(f.day) == f.sessions and len(set(f.day.tolist())) == f.sessions else rest).append(f)
    fixed = [f for f in fixed if int(f.free.all(0).sum()) >= f.least]
    if not fixed:
        return None, rest
    width = max(f.sessions for f in fixed)
    day = np.full((len(fixed), width), -1, dtype=np.int64)
    step = np.zeros((len(fixed), width), dtype=np.int64)
    cells: list[tuple[np.ndarray, ...]] = []
    for n, f in enumerate(fixed):
        day[n, : f.sessions], step[n, : f.sessions] = f.day, f.step
        free = np.flatnonzero(f.free.all(0))
        cells.append((np.full(len(free), n), free, f.orders[free], f.residents[free]))
    flat = [np.concatenate(parts).astype(np.int64) for parts in zip(*cells, strict=True)]
    return (
        _Fixed(
            fixed,
            np.array([f.teacher for f in fixed]),
            np.array([f.venue for f in fixed]),
            np.array([f.duration for f in fixed]),
            np.array([f.least for f in fixed]),
            np.array([f.cap for f in fixed]),
            np.array([f.sessions for f in fixed]),
            day,
            step,
            *flat,
            np.array([len(f.orders) for f in fixed]),
        ),
        rest,
    )


def _price_fixed(
    fixed: _Fixed,
    prices: dict[str, np.ndarray],
    points: np.ndarray,
    top: np.ndarray,
    windows: dict[int, np.ndarray],
) -> tuple[list[tuple[float, Family, np.ndarray, np.ndarray]], int]:
    """As ``price`` for families of one column each, all at once: per family its best members
    (the ``least`` best, then every further one worth more than 0, up to ``cap``), raising ``top``;
    ``windows``: the residents' session prices per duration, shared with ``price``."""
    F = len(fixed.families)
    cf = fixed.cell_family
    member_cost = np.zeros(len(cf))
    start_cost = np.zeros(F)
    steps = prices["resident_time"].shape[-1]
    for duration in np.unique(fixed.duration).tolist():
        if duration not in windows:
            windows[duration] = window_sums(prices["resident_time"], duration)
        place = window_sums(prices["teacher_time"], duration), window_sums(prices["venue_time"], duration)
        mine = fixed.duration == duration
        at = mine[cf]
        for j in range(fixed.day.shape[1]):
            on = fixed.day[:, j] >= 0
            d, st = np.maximum(fixed.day[:, j], 0), np.minimum(fixed.step[:, j], steps - 1)
            cell = at & on[cf]
            member_cost[cell] += windows[duration][fixed.cell_resident[cell], d[cf[cell]], st[cf[cell]]]
            fam = mine & on
            start_cost[fam] += (
                place[0][fixed.teacher[fam], d[fam], st[fam]]
                + place[1][fixed.venue[fam], d[fam], st[fam]]
                + prices["teacher_day"][fixed.teacher[fam], d[fam]]
            )
    values = (
        points[fixed.cell_order] - prices["order"][fixed.cell_order] - prices["room"][fixed.cell_resident]
    )
    values = values - member_cost
    ranked = np.lexsort((fixed.cell_member, -values, cf))  # per family, best first (ties: member order)
    first = np.searchsorted(cf[ranked], np.arange(F))
    count = np.diff(np.append(first, len(cf)))  # members free at every start
    positive = np.bincount(cf, weights=values > 0, minlength=F).astype(np.int64)
    take = np.clip(positive, fixed.least, np.minimum(fixed.cap, count))
    total = np.concatenate([[0.0], np.cumsum(values[ranked])])
    gain = total[first + take] - total[first]
    gain -= (
        start_cost
        + prices["teacher_groups"][fixed.teacher]
        + fixed.sessions * prices["teacher_week"][fixed.teacher]
    )
    np.maximum.at(top, fixed.teacher, gain)
    found = [
        (
            float(gain[n]),
            fixed.families[n],
            np.arange(fixed.sessions[n]),
            fixed.cell_member[ranked[first[n] : first[n] + take[n]]],
        )
        for n in np.flatnonzero(gain > EPSILON).tolist()
    ]
    return found, int(fixed.members.sum())


def _first_of_alike(rows: np.ndarray) -> np.ndarray:
    """The index of the first of each set of equal rows, ascending (as ``np.unique(axis=0,
    return_index=True)``, which sorts the rows cell by cell: most of a round's pricing on a loose
    week). Rows are sorted by one integer each, their cells' bits mixed by fixed odd numbers and
    summed modulo 2**64 (equal rows sum alike in any order), and a row is kept unless it equals
    the one before it: none is lost, and unequal rows that mix alike at most keep a duplicate."""
    bits = np.ascontiguousarray(rows + 0.0).view(np.uint64)  # + 0.0: -0.0 becomes 0.0
    order = np.argsort((bits * _odd_mix(rows.shape[1])).sum(axis=1, dtype=np.uint64), kind="stable")
    ranked = rows[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    return np.sort(order[new])


@functools.cache
def _odd_mix(width: int) -> np.ndarray:
    """Fixed odd numbers, one per cell of a row this wide (made once per width: pricing asks
    for them once per family and round)."""
    return np.random.default_rng(0).integers(1, 2**62, size=width, dtype=np.uint64) * 2 + 1


def _best_members(
    values: np.ndarray, free: np.ndarray, least: int, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the best total of between ``least`` and ``cap`` free members' values, how many,
    and the members best first."""
    masked = np.where(free, values, -np.inf)
    order = np.argsort(-masked, axis=1, kind="stable")
    ranked = np.take_along_axis(masked, order, axis=1)
    total = np.cumsum(np.where(np.isinf(ranked), 0.0, ranked), axis=1)
    available = free.sum(1)
    gain = np.full(len(values), -np.inf)
    count = np.zeros(len(values), dtype=np.int64)
    for n in range(least, min(cap, values.shape[1]) + 1):
        value = np.where(available >= n, total[:, n - 1], -np.inf)
        better = value > gain
        gain = np.where(better, value, gain)
        count = np.where(better, n, count)
    return gain, count, order
