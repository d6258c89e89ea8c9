"""A second proven bound on tier 1, tighter where groups must be opened from thin local demand.

The LP of ``kecheng.planning.bound`` pools each interest's seats over the district, so it may fill
a fraction of a group anywhere. Real groups are whole: a new group needs ``min_size`` residents
who reach one venue and can all come to every session with one teacher. This bound keeps that.

**The relaxed model.** A new group is described only by its interest, its venue and a
*weekly pattern*: ``sessions_per_week`` starts on different weekdays at which the venue and
one teacher of the interest with room are free (walks from and to their running sessions and
the day's session limit included: ``PlanContext.teacher_starts_at``) and at least ``min_size``
of the orders of ``i`` that pass test 1 of the LP (``Tests.by_new``), whose residents reach the
venue, are free at every start. Only the member sets matter, and of those only the largest:
per (interest, venue, part of the week of the first session — ``PARTS``: weekday or weekend ×
morning, afternoon, evening) the sets no other set of that part holds (``_pattern_sets``); any
real group's members lie within one of them. ``y[i, v, P]`` such groups hold between
``min_size·y`` and ``cap·y`` members (cap: the interest's ``max_size`` and the venue's
capacity), each an order whose resident is in the set ``P``. Every order is met at most once
(a new group or a running group with seats, ``Tests.joinable``), every resident within their
room, every running group within its seats; the groups of a set are taught by the teachers
whose own patterns found it (or a set it holds): a teacher free only on Mondays teaches no group
that meets twice a week, nor one on the days of another teacher's patterns. Per *slot* —
interest, part and those teachers — the slot's groups are at most the groups its teachers give
it, each teacher within their new groups, weekly sessions (no more than the whole sessions their
free days hold: ``_day_sessions``) and free minutes. Every real plan is a solution of this model
(its groups, members and teachers are the witnesses), so its optimum bounds the plan.

**The bound.** Moving "each order once" (``λ``), "each resident within their room" (``μ``)
and "each slot's groups have teachers" (``ν``) into the objective splits the model into
independent pieces solved exactly — per (interest, venue, pattern set) the best whole number
of groups and their members; per running group the best seats; per teacher the best groups —
and for *any* ``λ, μ, ν ≥ 0`` the sum is an upper bound on the relaxed model (weak duality).
A subgradient method (each step keeps ``DEFLECTION`` of the last one's direction) lowers it,
first with one ``ν`` for all slots of an interest and part (thousands of slots, yet a few hundred
prices: it settles sooner), then, once its step is small (``UNTIE_STEP``), each slot its own, for
the time it is given, or until it settles (its last ``SETTLED`` steps lowered it by less than
``SETTLED_SHARE``: beside the search, its core is worth more there); every value it reaches is a
bound, and the lowest is kept.

**Its prices guide the plan.** After ``GUIDE_STEPS`` steps (or when it stops, if sooner) the
multipliers of the lowest bound so far go to ``guide``, per order (λ) and per resident (μ): the
first plan is scored by them (``kecheng.planning.heuristic``). With them goes where the relaxed
model put its groups and joins, averaged over the steps since ``AVERAGE_FROM`` (``Relaxed``; one
step's solution breaks the moved rules, their average nearly keeps them): the search frees the
options there in turn (``kecheng.planning.support``).

**Orders met.** With every order worth one point the same relaxation bounds the orders met;
``ORDER_STEPS`` more steps, from the lowest bound's multipliers scaled to one point per order,
give it for a few seconds (the LP's bound on orders pools seats district-wide: a gap of 25 % to
the plan on the district, this one 15 %).
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kecheng.planning.candidates import bit_positions, demand_of, fitting_venues, reach_lists
from kecheng.planning.context import PlanContext
from kecheng.planning.model import Interest

PARTS = (  # (first weekday, last weekday + 1, from hour, to hour): where a group's first session starts
    (0, 5, 0, 12),
    (0, 5, 12, 17),
    (0, 5, 17, 24),
    (5, 7, 0, 12),
    (5, 7, 12, 17),
    (5, 7, 17, 24),
)
ENUMERATE_GROUPS = 8  # teachers who may take up to this many new groups are solved exactly
STALL = 25  # iterations without a lower value before the step shrinks
SETTLED, SETTLED_SHARE = 200, 2.5e-4  # stop when the last SETTLED steps lowered it by less than this share
DEFLECTION = 0.5  # of the last step's direction kept in the next: it zig-zags less (1 500 steps:
# district seed 0 54 186 -> 53 994, itinerant 53 078 -> 52 851, tight 50 459 -> 50 356; 0.3-0.8 alike)
UNTIE_STEP, UNTIED_STEP = 0.05, 0.1  # the step below which slots get prices of their own, and the next
# (bound alone, 150 s: district 1 54 269 in 2 152 steps -> 54 249 in 2 004, itinerant 52 714 in 1 680
# -> 52 722 in 1 396; with 1e-4 and 0.02 before)
SMALLEST_STEP = 1e-5  # of the step's scale: below it the bound no longer moves
STEP_COST_S, STEP_COST_S_PER_PAIR = 1e-3, 4.3e-8  # a step's seconds by size (measured: 45 ms, 815 000
# pairs; 15 % less since the pairs keep their last order by order index: 33.4 -> 28.4 ms, same machine)
MOST_PATTERNS = 20_000  # per teacher and venue; beyond, patterns of fewer sessions (larger sets)
BUILD_COST_S_PER_PAIR = 1e-5  # building the relaxation (measured: 7.4 s for 731 000 pairs)
BUILD_COST_S_PER_TEACHER = 4.5e-5  # … by teachers tried at a venue, for a reproducible budget (26-46 µs:
# district seed 0 8.4 s for 187 000, tight 4.8 s, itinerant 8.6 s; four districts 92.6 s for 2.99 million;
# since teachers free at the same starts are tried once, 20-40 µs: four districts 60.6 s, district 7.2 s)
ORDER_STEPS = 200  # of the bound on orders met, from the points bound's multipliers (district: ~5 s)
AVERAGE_FROM = 250  # steps before the relaxed solutions are averaged for the guide (the first wander)
GUIDE_STEPS = 500  # steps before the prices go to the first plan (district 0, seed 0, order points of
# the guided first plan: 44 567 after 100 steps, 45 113 after 300, 45 659 after 600; 42 571 unguided)


class OverBudget(Exception):
    """The relaxation would take longer to build than the bound's time (four districts and more:
    every (interest, venue) tries every teacher of the interest, so the build grows with the
    square of the area)."""


@dataclass(frozen=True)
class Relaxed:
    """Where the relaxed model puts its groups and joins, averaged over steps (0 … 1 per step)."""

    groups: dict[tuple[str, int], float]  # (interest_id, venue index) → new groups there
    joins: dict[tuple[int, str], float]  # (order, running group id) → share of the steps it joined


def _largest(columns: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """(part, members) without those whose members another of the same part holds: any
    pattern through one of them holds no more than the same pattern through the other."""
    kept: list[tuple[int, int]] = []
    for part, bits in sorted(columns, key=lambda c: (-c[1].bit_count(), c)):
        if not any(p == part and bits & other == bits for p, other in kept):
            kept.append((part, bits))
    return kept


def _combinations(by_day: dict[int, list[tuple[int, int]]], k: int) -> int:
    """How many patterns of ``k`` sessions on different weekdays the day's sets make."""
    return sum(math.prod(len(by_day[d]) for d in days) for days in itertools.combinations(by_day, k))


@functools.cache
def part_of_start(grid: int, steps: int) -> np.ndarray:
    """(7, steps): the part of the week (index into PARTS) a session starting then belongs to."""
    out = np.full((7, steps), -1, dtype=np.int64)
    per_hour = 60 / grid
    for tau, (first, last, begin, end) in enumerate(PARTS):
        out[first:last, math.ceil(begin * per_hour) : math.ceil(end * per_hour)] = tau
    return out


def _pattern_sets(
    ctx: PlanContext,
    starts: np.ndarray,
    venue_starts: np.ndarray,
    teachers: list[int],
    venue: int,
    interest: Interest,
) -> list[tuple[int, int, tuple[int, ...]]]:
    """The member sets of whole weekly patterns at one venue: ``sessions_per_week`` starts on
    different weekdays at which one teacher (walks and day limits included) and the venue are
    free and at least ``min_size`` of these orderers (``starts``: (m, 7, steps)) are free at
    every one (of fewer sessions where they would be more than ``MOST_PATTERNS``). Per part
    of the week of the first session, only sets no other set holds: any group here has its
    members within a kept set of its part, taught by one of the teachers who found that set or
    a set it holds. Returns (part, member bitset, those teachers)."""
    least, k = interest.min_size, interest.sessions_per_week
    duration = interest.duration_min // ctx.grid
    part_at = part_of_start(ctx.grid, ctx.steps)
    found: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))  # part → set → finders
    enough = venue_starts & (starts.sum(0) >= least)  # (7, steps): the starts that could hold a group
    all_days, all_steps = np.nonzero(enough)
    if len(np.unique(all_days)) < k:
        return []
    all_packed = np.packbits(starts[:, all_days, all_steps], axis=0, bitorder="little").T.copy()
    all_bits = [int.from_bytes(column.tobytes(), "little") for column in all_packed]
    all_parts = part_at[all_days, all_steps]
    # teachers free at the same of those starts find the same sets: each such kind once
    free = ctx.teacher_starts_many(teachers, venue, duration)[:, all_days, all_steps]
    _, first, kind = np.unique(np.packbits(free, axis=1), axis=0, return_index=True, return_inverse=True)
    alike: list[list[int]] = [[] for _ in first]
    for t, n in zip(teachers, kind.reshape(-1).tolist(), strict=True):
        alike[n].append(t)
    for key, row in enumerate(first.tolist()):
        allowed = np.flatnonzero(free[row])
        days = all_days[allowed]  # ascending
        if not len(days) or np.count_nonzero(days[1:] != days[:-1]) + 1 < k:
            continue
        # each start's members as a bitset; a start whose members, weekday and part are those of
        # the start before adds nothing (a loose week's starts share their members hour after hour)
        packed, parts = all_packed[allowed], all_parts[allowed]
        new = np.ones(len(days), dtype=bool)
        new[1:] = (
            (packed[1:] != packed[:-1]).any(axis=1) | (days[1:] != days[:-1]) | (parts[1:] != parts[:-1])
        )
        columns: dict[int, set[tuple[int, int]]] = defaultdict(set)  # weekday → {(part, members)}
        for j in np.flatnonzero(new).tolist():
            columns[int(days[j])].add((int(parts[j]), all_bits[int(allowed[j])]))
        by_day = {day: _largest(sets) for day, sets in columns.items()}
        width = k  # fewer sessions than a group has hold more members: still a valid set
        while width > 1 and _combinations(by_day, width) > MOST_PATTERNS:
            width -= 1
        for chosen in itertools.combinations(sorted(by_day), width):
            # day by day, each distinct (part, members so far) once: a loose week's sets repeat,
            # and a set already below min_size stays below it
            states = set(by_day[chosen[0]])
            for day in chosen[1:]:
                states = {
                    (part, joint)
                    for part, bits in states
                    for _, other in by_day[day]
                    if (joint := bits & other).bit_count() >= least
                }
            for part, bits in states:
                found[part][bits].add(key)
    out = []
    for tau in sorted(found):
        kept: list[tuple[int, set[int]]] = []
        for bits in sorted(found[tau], key=lambda b: (-b.bit_count(), b)):
            holder = next((finders for other, finders in kept if bits & other == bits), None)
            if holder is None:
                kept.append((bits, set(found[tau][bits])))
            else:  # its groups lie within the set that holds it: that set's teachers include its own
                holder |= found[tau][bits]
        for bits, finders in kept:
            out.append((tau, bits, tuple(sorted(t for key in finders for t in alike[key]))))
    return out


@dataclass
class _Teachers:
    """Each teacher's choices of new groups per interest, and where they may start them."""

    offer_pair: np.ndarray  # per (teacher, interest) pair and slot the teacher may teach in: the pair
    offer_slot: np.ndarray  # … and the slot (a pair's offers are consecutive, pairs ascending)
    offer_begin: np.ndarray  # per pair: its first offer
    combo_teacher: np.ndarray  # per choice: teacher position (exactly solved teachers)
    combo_pairs: np.ndarray  # (choices, most interests): pair indices (-1: none)
    combo_counts: np.ndarray  # (choices, most interests): groups of each
    capped: list[tuple[int, list[int], float, float, float, np.ndarray, np.ndarray]]
    teachers: int


class Relaxation:
    """The relaxed model's pieces as arrays, built once; ``value`` evaluates the bound at
    given multipliers and returns a subgradient."""

    def __init__(
        self,
        ctx: PlanContext,
        by_new: dict[int, bool],
        joinable: dict[int, list[str]],
        feasible: list[int],
        within: Callable[[int], bool] | None = None,
    ):
        """``within(n)``: whether the build may go on, with ``n`` teachers' patterns at a venue
        still to find (asked before each venue, first with all of them; raises ``OverBudget``
        when not); None: build it whatever it takes."""
        pp = ctx.pp
        self.ctx = ctx
        self.orders = np.array(sorted(feasible), dtype=np.int64)
        position = {int(k): n for n, k in enumerate(self.orders)}
        residents = np.array(
            [ctx.resident_index[pp.orders[k].resident_id] for k in self.orders], dtype=np.int64
        )
        self.resident_ids, self.resident = np.unique(residents, return_inverse=True)
        self.room = ctx.resident_room[self.resident_ids].astype(np.float64)
        interests = list(pp.interests)
        new_orders: dict[str, list[int]] = defaultdict(list)
        for k in self.orders.tolist():
            if by_new.get(k):
                new_orders[pp.orders[k].interest_id].append(k)
        pair_order: list[np.ndarray] = []
        pair_facility: list[np.ndarray] = []
        f_key, f_min, f_cap, f_venue = [], [], [], []
        slot_of: dict[tuple[int, int, tuple[int, ...]], int] = {}  # (interest, part, its teachers)
        teacher_slots: dict[tuple[int, int], list[int]] = defaultdict(list)  # (teacher, interest) → slots
        sites = []  # where new groups may meet: each (interest, venue) enough orderers reach
        for n, interest in enumerate(interests):
            ks = new_orders.get(interest.interest_id, [])
            teachers = ctx.teachers_with_room(interest)
            if not ks or not teachers:
                continue
            demand = demand_of(ctx, interest, ks, 0)
            here_of = np.array([position[k] for k in ks], dtype=np.int64)  # into self.orders
            for v, reaching in sorted(reach_lists(ctx, demand, fitting_venues(ctx, interest)).items()):
                if len(reaching) >= interest.min_size:
                    sites.append(
                        (n, interest, teachers, demand, here_of, v, np.array(reaching, dtype=np.int64))
                    )
        to_try = sum(len(site[2]) for site in sites)  # the dear part: each teacher's patterns at a site
        for n, interest, teachers, demand, here_of, v, members in sites:
            if within is not None and not within(to_try):
                raise OverBudget
            to_try -= len(teachers)
            venue_starts = ctx.venue_starts(demand.duration)[v]
            for tau, bits, able in _pattern_sets(
                ctx, demand.starts[members], venue_starts, teachers, v, interest
            ):
                if (n, tau, able) not in slot_of:
                    slot_of[n, tau, able] = len(slot_of)
                    for t in able:
                        teacher_slots[t, n].append(slot_of[n, tau, able])
                f_key.append(slot_of[n, tau, able])
                f_venue.append(v)
                f_min.append(interest.min_size)
                f_cap.append(min(interest.max_size, int(ctx.venue_capacity[v])))
                chosen = here_of[members[bit_positions(bits)]]
                pair_order.append(chosen)
                pair_facility.append(np.full(len(chosen), len(f_key) - 1, dtype=np.int64))
        self.pair_order = np.concatenate(pair_order or [np.zeros(0, dtype=np.int64)])
        self.pair_facility = np.concatenate(pair_facility or [np.zeros(0, dtype=np.int64)])
        self.facility_slot = np.array(f_key, dtype=np.int64)  # interest × part × teachers
        self.facility_min = np.array(f_min, dtype=np.int64)
        self.facility_cap = np.array(f_cap, dtype=np.int64)
        self.facility_size = np.bincount(self.pair_facility, minlength=len(f_key))  # ≥ min: patterns hold it
        self.slots = len(slot_of)
        self.facility_venue = np.array(f_venue, dtype=np.int64)  # for diagnostics (benchmarks/relaxation.py)
        self.slot_key = list(slot_of)  # (interest position, part, its teachers) per slot
        self.parents = len(interests) * len(PARTS)  # (interest, part): the slots' coarser prices
        self.slot_parent = np.array([n * len(PARTS) + tau for n, tau, _ in self.slot_key], dtype=np.int64)

        join_order, join_group = [], []
        groups: dict[str, int] = {}
        for k, gs in joinable.items():
            if int(k) not in position:
                continue
            for g in gs:
                join_order.append(position[int(k)])
                join_group.append(groups.setdefault(g, len(groups)))
        self.join_order = np.array(join_order, dtype=np.int64)
        self.join_group = np.array(join_group, dtype=np.int64)
        self.seats = np.array([ctx.running[g].seats for g in groups], dtype=np.int64)
        self.join_group_ids = list(groups)  # per join_group index: the running group's id
        self.teachers = _teacher_choices(ctx, interests, teacher_slots)
        # pairs are grouped by facility (built facility by facility): each step re-sorts them
        # within their facility, best first, starting from the last step's order (nearly sorted)
        self._sorted_orders = self.pair_order.copy()
        self._facility_begin = np.cumsum(self.facility_size) - self.facility_size
        self._rank_in_facility = np.arange(len(self.pair_order)) - np.repeat(
            self._facility_begin, self.facility_size
        )
        # facilities by the most groups their set holds, most first, and how many hold y = 1, 2, …
        most = self.facility_size // np.maximum(self.facility_min, 1)
        self._by_most = np.argsort(-most, kind="stable")
        self._holding = np.searchsorted(-most[self._by_most], -np.arange(1, most.max(initial=0) + 1), "right")
        self.last_groups = np.zeros(len(f_key))  # per facility: the last step's groups (``value``)
        self.last_joins = np.zeros(0, dtype=np.int64)  # the joins (indices) the last step took

    def relaxed(self, groups: np.ndarray, joins: np.ndarray) -> Relaxed:
        """``Relaxed`` from per-facility groups and per-join shares (``last_groups`` and
        ``last_joins`` averaged over steps)."""
        interests = self.ctx.pp.interests
        where: dict[tuple[str, int], float] = defaultdict(float)
        for f in np.flatnonzero(groups > 0).tolist():
            interest = interests[self.slot_key[self.facility_slot[f]][0]].interest_id
            where[interest, int(self.facility_venue[f])] += float(groups[f])
        joined = {
            (int(self.orders[self.join_order[j]]), self.join_group_ids[self.join_group[j]]): float(joins[j])
            for j in np.flatnonzero(joins > 0).tolist()
        }
        return Relaxed(dict(where), joined)

    def prices(self, lam: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """λ per order of the plan problem (0 for those the relaxation leaves out), μ per resident."""
        by_order = np.zeros(len(self.ctx.pp.orders))
        by_order[self.orders] = lam
        by_resident = np.zeros(len(self.ctx.resident_ids))
        by_resident[self.resident_ids] = mu
        return by_order, by_resident

    def value(
        self, points: np.ndarray, lam: np.ndarray, mu: np.ndarray, nu: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """The bound at (λ, μ, ν) and a subgradient (d/dλ, d/dμ, d/dν)."""
        reduced = points - lam - mu[self.resident]
        used = np.zeros(len(self.orders))
        total = float(lam.sum() + (mu * self.room).sum())

        # new groups: per (interest, venue, pattern set), the best whole number y of groups
        if len(self.pair_order):
            c = reduced[self._sorted_orders]
            resorted = _by_group_best_first(c, self.pair_facility)
            orders = self._sorted_orders = self._sorted_orders[resorted]
            sorted_c = c[resorted]
            begin = self._facility_begin
            prefix = np.concatenate([[0.0], np.cumsum(sorted_c)])
            positive = np.bincount(self.pair_facility, weights=sorted_c > 0, minlength=len(begin)).astype(
                np.int64
            )
            best, best_y, best_m = self._best_groups(prefix, begin, positive, nu[self.facility_slot])
            total += float(best.sum())
            taken = self._rank_in_facility < np.repeat(best_m, self.facility_size)
            used += np.bincount(orders[taken], minlength=len(used))
            groups = np.bincount(self.facility_slot, weights=best_y, minlength=self.slots)
            self.last_groups = best_y
        else:
            groups = np.zeros(self.slots)

        # joins: per running group, its seats' best positive values
        if len(self.join_order):
            c = reduced[self.join_order]
            order = _by_group_best_first(c, self.join_group)
            sorted_c, group = c[order], self.join_group[order]
            begin = np.concatenate(
                [[0], np.cumsum(np.bincount(self.join_group, minlength=len(self.seats)))[:-1]]
            )
            taken = ((np.arange(len(order)) - begin[group]) < self.seats[group]) & (sorted_c > 0)
            total += float(sorted_c[taken].sum())
            used += np.bincount(self.join_order[order][taken], minlength=len(used))
            self.last_joins = order[taken]

        taught_value, taught = _teach(self.teachers, nu, self.slots)
        total += taught_value
        return (
            total,
            1.0 - used,
            self.room - np.bincount(self.resident, weights=used, minlength=len(self.room)),
            taught - groups,
        )

    def _best_groups(
        self, prefix: np.ndarray, begin: np.ndarray, positive: np.ndarray, price: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per facility: the best value of y whole groups (y = 0 … as many as its set holds), y,
        and their members. ``y`` runs only over the facilities that hold that many groups (most
        hold one or two), so a step costs the facilities' total groups, not the largest times all."""
        by_most = self._by_most
        lo, cap, size = (a[by_most] for a in (self.facility_min, self.facility_cap, self.facility_size))
        start, fill, cost = begin[by_most], positive[by_most], price[by_most]
        best = np.zeros(len(by_most))
        best_y = np.zeros(len(by_most), dtype=np.int64)
        best_m = np.zeros(len(by_most), dtype=np.int64)
        for y, n in enumerate(self._holding.tolist(), start=1):  # the first n hold y groups
            members = np.minimum(np.maximum(lo[:n] * y, np.minimum(cap[:n] * y, fill[:n])), size[:n])
            v = prefix[start[:n] + members] - prefix[start[:n]] - cost[:n] * y
            better = v > best[:n]
            best[:n] = np.where(better, v, best[:n])
            best_y[:n] = np.where(better, y, best_y[:n])
            best_m[:n] = np.where(better, members, best_m[:n])
        out = np.empty_like(best), np.empty_like(best_y), np.empty_like(best_m)
        for target, source in zip(out, (best, best_y, best_m), strict=True):
            target[by_most] = source
        return out


def _by_group_best_first(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Indices sorting by group, then value descending (as ``np.lexsort((-values, groups))``),
    with one float key: quick when the values come nearly sorted (the last step's order)."""
    low, high = float(values.min(initial=0.0)), float(values.max(initial=0.0))
    key = groups * (high - low + 1.0) + (high - values)
    return np.argsort(key, kind="stable")


def _teacher_choices(
    ctx: PlanContext, interests, teacher_slots: dict[tuple[int, int], list[int]]
) -> _Teachers:
    """Every whole choice of new groups per interest for teachers who may take few; a weaker
    (still valid) ceiling for the others."""
    groups_left, week_left, _ = ctx.teacher_room
    free_minutes = ctx.teacher_open.sum((1, 2)) * ctx.grid
    by_teacher: dict[int, list[int]] = defaultdict(list)
    for t, n in sorted(teacher_slots):
        by_teacher[t].append(n)
    offer_pair, offer_slot, offer_begin = [], [], []
    combo_teacher, combo_pairs, combo_counts, capped = [], [], [], []
    widest = max((len(v) for v in by_teacher.values()), default=1)
    for position, (t, ns) in enumerate(sorted(by_teacher.items())):
        pairs = list(range(len(offer_begin), len(offer_begin) + len(ns)))
        for pair, n in zip(pairs, ns, strict=True):
            offer_begin.append(len(offer_slot))
            offer_pair += [pair] * len(teacher_slots[t, n])
            offer_slot += teacher_slots[t, n]
        sessions = [interests[n].sessions_per_week for n in ns]
        minutes = [interests[n].sessions_per_week * interests[n].duration_min for n in ns]
        week = min(int(week_left[t]), _day_sessions(ctx, t, min(interests[n].duration_min for n in ns)))
        most = int(min(groups_left[t], week // min(sessions), free_minutes[t] // min(minutes)))
        if most <= ENUMERATE_GROUPS:
            for counts in itertools.product(range(most + 1), repeat=len(ns)):
                if (
                    0 < sum(counts) <= most
                    and sum(c * s for c, s in zip(counts, sessions, strict=True)) <= week
                    and sum(c * m for c, m in zip(counts, minutes, strict=True)) <= free_minutes[t]
                ):
                    combo_teacher.append(position)
                    combo_pairs.append(pairs + [-1] * (widest - len(pairs)))
                    combo_counts.append(list(counts) + [0] * (widest - len(pairs)))
        else:
            capped.append(
                (
                    position,
                    pairs,
                    float(groups_left[t]),
                    float(week),
                    float(free_minutes[t]),
                    np.array(sessions, dtype=float),
                    np.array(minutes, dtype=float),
                )
            )
    return _Teachers(
        np.array(offer_pair, dtype=np.int64),
        np.array(offer_slot, dtype=np.int64),
        np.array(offer_begin, dtype=np.int64),
        np.array(combo_teacher, dtype=np.int64),
        np.array(combo_pairs, dtype=np.int64).reshape(-1, widest),
        np.array(combo_counts, dtype=np.int64).reshape(-1, widest),
        capped,
        len(by_teacher),
    )


def _day_sessions(ctx: PlanContext, teacher: int, duration_min: int) -> int:
    """Sessions of at least ``duration_min`` the teacher can still start in a week: per weekday,
    the whole sessions that fit in their open stretches, at most the sessions left that day."""
    steps = max(1, duration_min // ctx.grid)  # as every session is laid out (``Demand.duration``)
    _, _, day_left = ctx.teacher_room
    total = 0
    for day in range(7):
        row = np.concatenate([[False], ctx.teacher_open[teacher, day], [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(row))
        fits = int(((edges[1::2] - edges[::2]) // steps).sum())
        total += min(fits, int(day_left[teacher, day]))
    return total


def _teach(teachers: _Teachers, nu: np.ndarray, slots: int) -> tuple[float, np.ndarray]:
    """Each teacher's best groups at prices ν (per slot; a teacher takes their best slot of each
    interest): value, groups per slot."""
    taught = np.zeros(slots)
    if not len(teachers.offer_begin):
        return 0.0, taught
    offered = nu[teachers.offer_slot]
    price = np.maximum.reduceat(offered, teachers.offer_begin)  # per pair: the best slot it may teach in
    top = np.flatnonzero(offered >= price[teachers.offer_pair])
    first = np.flatnonzero(np.diff(teachers.offer_pair[top], prepend=-1))  # one best slot per pair
    slot = teachers.offer_slot[top[first]]
    price = np.maximum(price, 0.0)
    value = 0.0
    if len(teachers.combo_teacher):
        pair_price = np.where(teachers.combo_pairs >= 0, price[teachers.combo_pairs], 0.0)
        worth = (pair_price * teachers.combo_counts).sum(1)
        best = np.full(teachers.teachers, 0.0)
        np.maximum.at(best, teachers.combo_teacher, worth)
        chosen = np.full(teachers.teachers, -1)
        top = worth >= best[teachers.combo_teacher] - 1e-12
        positive = worth > 0
        for c in np.flatnonzero(top & positive):  # one best choice per teacher
            if chosen[teachers.combo_teacher[c]] < 0:
                chosen[teachers.combo_teacher[c]] = c
        value += float(best.sum())
        for c in chosen[chosen >= 0]:
            for p, n in zip(teachers.combo_pairs[c], teachers.combo_counts[c], strict=True):
                if p >= 0 and n:
                    taught[slot[p]] += n
    for _, pairs, groups, week, minutes, sessions, length in teachers.capped:
        p = price[pairs]
        ceiling = min(groups * p.max(), week * (p / sessions).max(), minutes * (p / length).max())
        value += float(ceiling)
        if ceiling > 0:
            j = int(p.argmax())
            taught[slot[pairs[j]]] += min(groups, week / sessions[j], minutes / length[j])
    return value, taught


def _room_prices(relaxation: Relaxation, p: np.ndarray) -> np.ndarray:
    """A start for μ: the best multipliers when room were the only rule (each resident's
    first order beyond their room; 0 if they ordered no more than their room)."""
    order = np.lexsort((-p, relaxation.resident))
    resident = relaxation.resident[order]
    begin = np.concatenate([[0], np.cumsum(np.bincount(resident, minlength=len(relaxation.room)))[:-1]])
    rank = np.arange(len(order)) - begin[resident]
    mu = np.zeros(len(relaxation.room))
    beyond = rank == relaxation.room[resident]
    mu[resident[beyond]] = p[order][beyond]
    return mu


def _projected(x: tuple[np.ndarray, ...], g: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """A multiplier at zero whose direction would raise it stays: no move there."""
    return tuple(np.where((a <= 0) & (b > 0), 0.0, b) for a, b in zip(x, g, strict=True))


def lagrangian_bound(
    ctx: PlanContext,
    by_new: dict[int, bool],
    joinable: dict[int, list[str]],
    feasible: list[int],
    points: np.ndarray,
    *,
    floor: float | Callable[[], float],
    time_limit: float,
    iterations: int | None = None,
    deterministic: bool = False,
    guide: Callable[[np.ndarray, np.ndarray, Relaxed], None] | None = None,
) -> tuple[int, int, int, tuple[np.ndarray, np.ndarray]] | None:
    """The lowest bound reached on the order points of ``feasible`` orders (an integer, rounded
    down), the iterations run, a bound on how many of them can be met (``_orders_bound``), and
    the lowest bound's prices (``Relaxation.prices``); None if the relaxation cannot be built
    within ``time_limit`` (by the wall, or by its work when ``deterministic``; never with
    ``iterations``), so that a plan keeps to its time limit on inputs of several districts.
    ``floor``: points some plan is known to meet (the step aims at it), or a function giving the
    best known so far (a search running beside); ``iterations``: run at most this many, whatever
    the clock (reproducible); ``deterministic``: as many as ``time_limit`` seconds allow by the
    model's size (reproducible); ``guide``: called once with the prices (``Relaxation.prices``)
    and the relaxed solutions averaged since step ``AVERAGE_FROM`` (``Relaxed``; over every step
    if it stops sooner) after ``GUIDE_STEPS`` steps, or when it stops, if sooner."""
    began = time.perf_counter()

    def within(to_try: int) -> bool:
        if deterministic:  # decided at once, by the work it would take
            return to_try * BUILD_COST_S_PER_TEACHER <= time_limit
        return time.perf_counter() - began < time_limit

    try:
        relaxation = Relaxation(ctx, by_new, joinable, feasible, None if iterations is not None else within)
    except OverBudget:
        return None
    built = time.perf_counter() - began
    if deterministic and iterations is None:  # reproducible: the build's work counted, not the wall
        work = len(relaxation.pair_order) + len(relaxation.join_order) + len(relaxation.orders)
        steps_s = time_limit - BUILD_COST_S_PER_PAIR * len(relaxation.pair_order)
        iterations = max(1, int(steps_s / (STEP_COST_S + STEP_COST_S_PER_PAIR * work)))
    p = points[relaxation.orders].astype(np.float64)
    lam = np.zeros(len(p))
    mu = _room_prices(relaxation, p)
    parent = relaxation.slot_parent
    nu = np.zeros(relaxation.parents)  # tied: one price per interest and part at first
    tied, phase, exact = True, 0, False  # steps in this phase; the tied model's optimum found
    best, theta, since, n = math.inf, 1.0, 0, 0
    history: list[float] = []
    previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    lowest = (lam, mu)  # the multipliers of the lowest bound (every step makes new arrays)
    lowest_nu = nu[parent]
    joins = len(relaxation.join_order)
    groups_sum, joins_sum = np.zeros_like(relaxation.last_groups), np.zeros(joins)
    averaged = 0  # steps in the sums

    def offer(prices: tuple[np.ndarray, np.ndarray]) -> None:
        assert guide is not None
        share = 1.0 / max(averaged, 1)
        guide(*prices, relaxation.relaxed(groups_sum * share, joins_sum * share))

    while True:
        if guide is not None and n >= GUIDE_STEPS:
            offer(relaxation.prices(*lowest))
            guide = None
        if iterations is not None and n >= iterations:
            break
        settled = phase > SETTLED and history[-SETTLED - 1] - best < SETTLED_SHARE * best
        if tied and (settled or exact or theta < UNTIE_STEP):  # each slot its own price from here
            tied, phase, settled, previous = False, 0, False, None
            theta, nu = max(theta, UNTIED_STEP), nu[parent]
        if n and theta < SMALLEST_STEP:
            break
        if settled:
            break  # settled: what is left to gain is not worth the core (the search takes it)
        if iterations is None and n:  # on the wall clock: stop with time left for the orders' steps
            elapsed = time.perf_counter() - began
            if elapsed + ORDER_STEPS * (elapsed - built) / n >= time_limit:
                break
        n += 1
        phase += 1
        known = floor() if callable(floor) else floor
        value, g_lam, g_mu, g_nu = relaxation.value(p, lam, mu, nu[parent] if tied else nu)
        if tied:
            g_nu = np.bincount(parent, weights=g_nu, minlength=len(nu))
        if guide is not None:
            if n == AVERAGE_FROM + 1:  # the first steps wander: the average starts again
                groups_sum, joins_sum, averaged = np.zeros_like(groups_sum), np.zeros(joins), 0
            groups_sum = groups_sum + relaxation.last_groups
            joins_sum += np.bincount(relaxation.last_joins, minlength=joins)
            averaged += 1
        if value < best - 1e-9:
            best, since, lowest, lowest_nu = value, 0, (lam, mu), nu[parent] if tied else nu
            if best < known + 1:  # nothing better than the known plan exists: proven
                break
        else:
            since += 1
            if since > STALL:
                theta, since = theta / 1.5, 0
        history.append(best)
        x = (lam, mu, nu)
        g = _projected(x, (g_lam, g_mu, g_nu))
        if not any(part.any() for part in g):  # the relaxed solution keeps every moved rule: optimal
            if not tied:
                break
            exact = True
            continue
        if previous is not None:  # a deflected subgradient: part of the last direction kept
            deflected = _projected(x, tuple(a + DEFLECTION * b for a, b in zip(g, previous, strict=True)))
            g = deflected if any(part.any() for part in deflected) else g
        previous = g
        lam, mu, nu = _polyak_step(x, g, theta, value - known)
    prices = relaxation.prices(*lowest)
    if guide is not None:
        offer(prices)
    known = floor() if callable(floor) else floor
    wall = iterations is None  # as in the loop: a reproducible run has its iterations by now
    orders = _orders_bound(
        relaxation, known, *lowest, lowest_nu, p, lambda: wall and time.perf_counter() - began >= time_limit
    )
    return math.floor(best * (1 + 1e-9) + 1e-6), n, math.floor(orders * (1 + 1e-9) + 1e-6), prices


def _polyak_step(
    x: tuple[np.ndarray, ...], g: tuple[np.ndarray, ...], theta: float, excess: float
) -> tuple[np.ndarray, ...]:
    """The multipliers moved against ``g`` by ``theta`` times the value's excess over the aim
    (Polyak's step), kept at or above zero."""
    norm = float(sum((part**2).sum() for part in g))
    step = theta * max(excess, 1e-6) / norm
    return tuple(np.maximum(0.0, a - step * b) for a, b in zip(x, g, strict=True))


def _orders_bound(
    relaxation: Relaxation,
    known: float,
    lam: np.ndarray,
    mu: np.ndarray,
    nu: np.ndarray,
    points: np.ndarray,
    over: Callable[[], bool],
) -> float:
    """The relaxed model's bound on orders met (each order worth one point): ``ORDER_STEPS``
    subgradient steps from the points bound's multipliers scaled to one point per order on
    average, aimed at the ``known`` points scaled alike, fewer once ``over()``. Any multipliers
    give a bound, so a short run on the relaxation already built costs little; the lowest value
    is kept."""
    ones = np.ones(len(points))
    aim = known * len(points) / max(points.sum(), 1.0)
    scale = len(points) / max(float(points.sum()), 1.0)
    x = (lam * scale, mu * scale, nu * scale)
    best, theta, since = math.inf, 1.0, 0
    for _ in range(ORDER_STEPS):
        value, *g = relaxation.value(ones, *x)
        if value < best - 1e-9:
            best, since = value, 0
        else:
            since += 1
            if since > STALL:
                theta, since = theta / 1.5, 0
        g = _projected(x, tuple(g))
        if not any(part.any() for part in g) or best < aim + 1 or over():  # optimal, as low as the
            break  # plan's orders are thought to be, or out of time
        x = _polyak_step(x, g, theta, value - aim)
    return best
