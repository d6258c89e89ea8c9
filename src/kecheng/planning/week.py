"""The planned week indexed: every group (running and new), who is in it, when it meets.

Reasons, demand, the summary and ``suggest`` all ask the same questions of a finished plan
("which groups of this interest could they reach?", "what is this resident already in?"),
so they share this index.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from kecheng.planning.context import PlanContext, Session, haversine_m
from kecheng.planning.outcome import Outcome

NEW_PREFIX = "N"


@dataclass
class WeekGroup:
    group_id: str
    interest_id: str | None
    teacher: int | None  # teacher index
    sessions: tuple[Session, ...]
    size: int
    limit: int  # most members it may have (max_size and every venue's capacity)
    is_new: bool
    complete: bool
    orders: list[int] = field(default_factory=list)  # orders met by it in this plan

    @property
    def seats(self) -> int:
        return max(0, self.limit - self.size) if self.complete else 0


def new_group_ids(ctx: PlanContext, count: int) -> list[str]:
    """N0001, N0002, … skipping any id the district already uses."""
    taken = set(ctx.problem.group)
    width = max(4, len(str(count)))
    out, n = [], 0
    while len(out) < count:
        n += 1
        candidate = f"{NEW_PREFIX}{n:0{width}d}"
        if candidate not in taken:
            out.append(candidate)
    return out


class Week:
    def __init__(self, ctx: PlanContext, outcome: Outcome):
        self.ctx, self.outcome = ctx, outcome
        pp = ctx.pp
        self.new_ids = new_group_ids(ctx, len(outcome.new))
        self._venues: dict[str, np.ndarray] = {}
        self.groups: dict[str, WeekGroup] = {}
        for group_id, g in ctx.running.items():
            max_size = pp.group_max_size(group_id)
            limit = g.size + g.seats if g.seats else (max_size if max_size is not None else g.size)
            self.groups[group_id] = WeekGroup(
                group_id,
                g.interest_id,
                ctx.teacher_index.get(g.teacher_id),
                g.sessions,
                g.size,
                limit,
                False,
                g.complete,
            )
        for group_id, g in zip(self.new_ids, outcome.new, strict=True):
            interest = pp.interest[g.interest_id]
            limit = min(interest.max_size, int(ctx.venue_capacity[g.venue]))
            self.groups[group_id] = WeekGroup(
                group_id,
                g.interest_id,
                g.teacher,
                g.sessions,
                len(g.orders),
                limit,
                True,
                True,
                list(g.orders),
            )
        for k, group_id in outcome.joins.items():
            self.groups[group_id].orders.append(k)
            self.groups[group_id].size += 1
        self.group_of_order: dict[int, str] = {}
        for group_id, g in self.groups.items():
            for k in g.orders:
                self.group_of_order[k] = group_id
        self.resident_groups: dict[int, list[str]] = defaultdict(list)
        for r, resident_id in enumerate(ctx.resident_ids):
            self.resident_groups[r] = list(ctx.groups_of.get(resident_id, ()))
        for k, group_id in sorted(self.group_of_order.items()):
            r = ctx.resident_index[pp.orders[k].resident_id]
            self.resident_groups[r].append(group_id)
        self.by_interest: dict[str, list[str]] = defaultdict(list)
        for group_id, g in self.groups.items():
            if g.interest_id is not None:
                self.by_interest[g.interest_id].append(group_id)
        self.teacher_new: dict[int, list[str]] = defaultdict(list)
        self.venue_new: dict[tuple[int, int], list[tuple[int, int, str]]] = defaultdict(list)
        for group_id in self.new_ids:
            g = self.groups[group_id]
            assert g.teacher is not None
            self.teacher_new[g.teacher].append(group_id)
            for s in g.sessions:
                self.venue_new[s.venue, s.day].append((s.start, s.end, group_id))

    def sessions_of(self, r: int) -> list[tuple[int, int, int, str]]:
        """(day, start, end, group_id) of every session of the resident's groups."""
        return [
            (s.day, s.start, s.end, g)
            for g in self.resident_groups.get(r, ())
            for s in self.groups[g].sessions
        ]

    def walk_to(self, r: int, group_id: str) -> float:
        """The resident's longest walk to the group's venues (inf if it has no session)."""
        ctx = self.ctx
        venues = self._venues.get(group_id)
        if venues is None:
            venues = self._venues[group_id] = np.array(
                sorted({s.venue for s in self.groups[group_id].sessions})
            )
        if not len(venues):
            return float("inf")
        lat, lon = ctx.resident_lat[r], ctx.resident_lon[r]
        return float(haversine_m(lat, lon, ctx.venue_lat[venues], ctx.venue_lon[venues]).max())

    def clash(self, r: int, sessions: tuple[Session, ...], skip: str | None = None) -> str | None:
        """The first of the resident's groups that meets at the same time as sessions, if any."""
        for day, start, end, group_id in self.sessions_of(r):
            if group_id == skip:
                continue
            if any(s.day == day and s.start < end and start < s.end for s in sessions):
                return group_id
        return None

    def available(self, r: int, sessions: tuple[Session, ...]) -> bool:
        free = self.ctx.resident_available[r]
        return all(free[s.day - 1, s.start : s.end].all() for s in sessions)

    def free_mask(self, r: int) -> np.ndarray:
        """(7, steps): the resident's availability minus all their groups' sessions in the plan."""
        mask = self.ctx.resident_available[r].copy()
        for day, start, end, _ in self.sessions_of(r):
            mask[day - 1, start:end] = False
        return mask
