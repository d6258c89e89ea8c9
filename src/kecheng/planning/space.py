"""The search space of one plan: groups an order could end in, and who could go where.

Two kinds of group options: new candidates (``kecheng.planning.candidates``), which open only with
``min_size`` members and a teacher, and running groups with a free seat, which anyone
eligible may join. A *pair* is one (order, group option) that the rules allow on its own:
the resident ordered that interest, has room for one more group, walks to every venue of
the group and is free at every session. Everything else (who fits together) is the master's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from kecheng.planning.candidates import Candidate, Timed, build_candidates, haversine_m_many
from kecheng.planning.context import PlanContext, Session
from kecheng.planning.weights import WALK_STEP_M


@dataclass(frozen=True)
class Option:
    """A group an order could end in: a new candidate or a running group with seats."""

    index: int
    interest_id: str
    sessions: tuple[Session, ...]
    capacity: int  # seats it may fill (new: min(max_size, venue capacity); running: free seats)
    min_size: int  # 0 for a running group
    candidate: Candidate | None = None  # new groups
    group_id: str | None = None  # running groups

    @property
    def is_new(self) -> bool:
        return self.candidate is not None


@dataclass
class Space:
    """Options and pairs, indexed every way the models ask."""

    ctx: PlanContext
    options: list[Option]
    order: np.ndarray  # per pair: order index
    option: np.ndarray  # per pair: option index
    resident: np.ndarray  # per pair: resident index
    walk: np.ndarray  # per pair: metres
    points: np.ndarray  # per order: tier-1 points
    by_order: dict[int, list[int]] = field(default_factory=dict)
    by_option: list[list[int]] = field(default_factory=list)
    by_resident: dict[int, list[int]] = field(default_factory=dict)

    @cached_property
    def walk_steps(self) -> np.ndarray:
        """Tier-5 units per pair: started WALK_STEP_M steps of the walk."""
        return np.ceil(self.walk / WALK_STEP_M).astype(np.int64)

    @cached_property
    def option_venue(self) -> np.ndarray:
        """Per option: the venue of its first session (where a neighbourhood measures from)."""
        return np.array([o.sessions[0].venue if o.sessions else 0 for o in self.options], dtype=np.int64)

    @cached_property
    def option_interest(self) -> np.ndarray:
        """Per option: its interest id."""
        return np.array([o.interest_id for o in self.options])

    @cached_property
    def orders_of_resident(self) -> dict[int, tuple[int, ...]]:
        """resident → their orders that have an option (the only ones a plan can meet)."""
        return {r: tuple(sorted({int(self.order[p]) for p in ps})) for r, ps in self.by_resident.items()}

    @cached_property
    def _pair_keys(self) -> tuple[np.ndarray, np.ndarray]:
        keys = self.order * len(self.options) + self.option
        ranked = np.argsort(keys, kind="stable")
        return keys[ranked], ranked

    def pairs_of(self, chosen: dict[int, int]) -> np.ndarray:
        """The pair of each (order, option) in ``chosen`` (all must be pairs of this space)."""
        if not chosen:
            return np.zeros(0, dtype=np.int64)
        keys, ranked = self._pair_keys
        wanted = np.fromiter((k * len(self.options) + o for k, o in chosen.items()), dtype=np.int64)
        return ranked[np.searchsorted(keys, wanted)]

    @cached_property
    def with_pairs(self) -> list[tuple[int, int]]:
        """Orders (k, mate) of one interest whose residents want to be together (either names the
        other in ``with``), each pair once, both with options."""
        orders = self.ctx.pp.orders
        index = {(o.resident_id, o.interest_id): k for k, o in enumerate(orders)}
        found: set[tuple[int, int]] = set()
        for k, o in enumerate(orders):
            mate = index.get((o.with_, o.interest_id)) if o.with_ else None
            if mate is not None and k in self.by_order and mate in self.by_order:
                found.add((min(k, mate), max(k, mate)))
        return sorted(found)

    @cached_property
    def with_pairs_of(self) -> dict[int, list[tuple[int, int]]]:
        """order → the ``with_pairs`` it is in."""
        out: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for pair in self.with_pairs:
            for k in pair:
                out[k].append(pair)
        return dict(out)


def build_space(
    ctx: PlanContext, points: tuple[int, ...] | None = None, times: Iterable[Timed] = ()
) -> Space:
    """Candidates (and those at ``times``: ``timed_candidates``), running groups with seats, and
    every allowed (order, option) pair."""
    candidates, demands = build_candidates(ctx, times)
    options: list[Option] = [
        Option(c.index, c.interest_id, c.sessions, c.capacity, c.min_size, candidate=c) for c in candidates
    ]
    orders, opts, residents, walks = [], [], [], []
    lookup: dict[str, np.ndarray] = {}
    for interest_id, demand in demands.items():
        lookup[interest_id] = table = np.full(len(ctx.resident_ids), -1, dtype=np.int64)
        table[demand.residents] = demand.orders
    for c in candidates:
        orders.append(lookup[c.interest_id][c.residents])
        opts.append(np.full(len(c.residents), c.index, dtype=np.int64))
        residents.append(c.residents)
        walks.append(c.walks)
    for group_id in sorted(ctx.running):
        g = ctx.running[group_id]
        if g.seats <= 0 or g.interest_id not in demands:
            continue
        demand = demands[g.interest_id]
        if not len(demand.orders):
            continue
        free = ctx.resident_free[demand.residents]
        ok = np.ones(len(demand.orders), dtype=bool)
        for s in g.sessions:
            ok &= free[:, s.day - 1, s.start : s.end].all(-1)
        if not ok.any():
            continue
        venues = sorted({s.venue for s in g.sessions})
        far = np.zeros(len(demand.orders))
        for v in venues:
            far = np.maximum(far, haversine_m_many(ctx, demand.residents, v))
        ok &= far <= ctx.resident_walk[demand.residents]
        if not ok.any():
            continue
        index = len(options)
        options.append(Option(index, g.interest_id, g.sessions, g.seats, 0, group_id=group_id))
        chosen = np.flatnonzero(ok)
        orders.append(np.asarray(demand.orders, dtype=np.int64)[chosen])
        opts.append(np.full(len(chosen), index, dtype=np.int64))
        residents.append(demand.residents[chosen])
        walks.append(far[chosen])
    space = Space(
        ctx,
        options,
        _joined(orders, np.int64),
        _joined(opts, np.int64),
        _joined(residents, np.int64),
        _joined(walks, float),
        np.array(points if points is not None else ctx.pp.order_weights, dtype=np.int64),
    )
    by_option = _grouped(space.option)
    space.by_order, space.by_resident = _grouped(space.order), _grouped(space.resident)
    space.by_option = [by_option.get(o, []) for o in range(len(options))]
    return space


def _grouped(keys: np.ndarray) -> dict[int, list[int]]:
    """key → the pairs that have it, ascending; keys in the order they first appear (four
    districts have four million pairs: a loop over them took 5 s)."""
    ranked = np.argsort(keys, kind="stable")
    values, first = np.unique(keys[ranked], return_index=True)
    parts = np.split(ranked, first[1:])
    return {int(values[n]): parts[n].tolist() for n in np.argsort(ranked[first], kind="stable").tolist()}


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
