"""The baseline: orders taken as staff would take them by hand (订单 by spreadsheet).

First choices first (then second, then third): community by community, interest by interest
(the most-ordered first), the residents who ordered it are taken first come, first served
(order-table order). They first fill free seats in running groups of that interest in their
own community that they can walk to and attend; then, while at least ``min_size`` of them are
still waiting, a group opens with the first teacher (teacher-table order) who teaches it and
has room, at the first venue (nearest the community's centre) that fits, at the first weekly
time (earliest start, then weekdays in order) at which at least ``min_size`` of the waiting
residents can come; it takes them first come, first served, up to its size. Everything it
makes keeps every rule, like the optimiser's plans.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import numpy as np

from kecheng.planning.candidates import fitting_venues, open_orders
from kecheng.planning.context import PlanContext, Session, haversine_m, starts_mask
from kecheng.planning.outcome import NewGroup, Outcome
from kecheng.planning.solution import too_close


class _Staff:
    def __init__(self, ctx: PlanContext):
        self.ctx = ctx
        self.venue_free = ctx.venue_free.copy()
        self.teacher_free = ctx.teacher_free.copy()
        self.resident_free = ctx.resident_free.copy()
        groups, week, day = ctx.teacher_room
        self.groups_left, self.week_left, self.day_left = groups.copy(), week.copy(), day.copy()
        self.room = ctx.resident_room.copy()
        self.seats = {g: r.seats for g, r in ctx.running.items()}
        self.teacher_new: dict[tuple[int, int], list[Session]] = defaultdict(list)
        self.outcome = Outcome()
        self.met: set[int] = set()

    def run(self) -> Outcome:
        ctx, pp = self.ctx, self.ctx.pp
        open_by_interest = open_orders(ctx)
        queues: dict[tuple[str, str], list[int]] = defaultdict(list)
        for interest_id, ks in open_by_interest.items():
            for k in ks:
                queues[pp.resident[pp.orders[k].resident_id].community_id, interest_id].append(k)
        ranks = sorted({o.rank for o in pp.orders})
        for level in ranks:
            for community in pp.problem.communities:
                here = [(i, ks) for (c, i), ks in queues.items() if c == community.community_id]
                here.sort(key=lambda x: (-len(x[1]), x[0]))
                for interest_id, ks in here:
                    waiting = [k for k in ks if pp.orders[k].rank <= level]
                    waiting.sort(key=lambda k: (pp.orders[k].rank, k))
                    if waiting:
                        self.take(community.community_id, interest_id, waiting)
        return self.outcome

    def waiting(self, ks: list[int]) -> list[int]:
        ctx = self.ctx
        return [
            k
            for k in ks
            if k not in self.met and self.room[ctx.resident_index[ctx.pp.orders[k].resident_id]] >= 1
        ]

    def take(self, community_id: str, interest_id: str, ks: list[int]) -> None:
        ctx = self.ctx
        for group_id in ctx.running_by_interest.get(interest_id, ()):
            g = ctx.running[group_id]
            if ctx.problem.group[group_id].community_id != community_id or self.seats[group_id] <= 0:
                continue
            for k in self.waiting(ks):
                r = ctx.resident_index[ctx.pp.orders[k].resident_id]
                if self.seats[group_id] > 0 and self.can_come(r, g.sessions):
                    self.join(k, r, g.sessions)
                    self.seats[group_id] -= 1
                    self.outcome.joins[k] = group_id
        interest = ctx.pp.interest[interest_id]
        while len(self.waiting(ks)) >= interest.min_size:
            if not self.open_first(community_id, interest_id, self.waiting(ks)):
                break

    def can_come(self, r: int, sessions: tuple[Session, ...]) -> bool:
        if self.room[r] < 1 or not self.ctx.reaches(r, [s.venue for s in sessions]):
            return False
        return all(self.resident_free[r, s.day - 1, s.start : s.end].all() for s in sessions)

    def join(self, k: int, r: int, sessions: tuple[Session, ...]) -> None:
        self.met.add(k)
        self.room[r] -= 1
        for s in sessions:
            self.resident_free[r, s.day - 1, s.start : s.end] = False

    def open_first(self, community_id: str, interest_id: str, waiting: list[int]) -> bool:
        """Open the first group that fits (teacher, venue, time, at least min_size who can come)."""
        ctx, interest = self.ctx, self.ctx.pp.interest[interest_id]
        duration, k = interest.duration_min // ctx.grid, interest.sessions_per_week
        home = ctx.problem.community[community_id]
        venues = fitting_venues(ctx, interest)
        if not len(venues):
            return False
        order = np.argsort(
            haversine_m(home.lat, home.lon, ctx.venue_lat[venues], ctx.venue_lon[venues]), kind="stable"
        )
        residents = [ctx.resident_index[ctx.pp.orders[o].resident_id] for o in waiting]
        near: dict[int, list[int]] = defaultdict(list)
        for pos, r in enumerate(residents):
            for v in ctx.reach[r][0]:
                near[int(v)].append(pos)
        enough = [v for v in venues[order].tolist() if len(near.get(v, ())) >= interest.min_size]
        if not enough:
            return False
        masks = starts_mask(self.resident_free[residents], duration)  # (waiting, 7, steps)
        venue_starts = {v: starts_mask(self.venue_free[v], duration) for v in enough}
        for t in ctx.teachers_of.get(interest_id, ()):
            if self.groups_left[t] < 1 or self.week_left[t] < k:
                continue
            teacher_starts = starts_mask(self.teacher_free[t], duration) & (self.day_left[t][:, None] >= 1)
            for v in enough:
                joint = venue_starts[v] & teacher_starts
                if not joint.any():
                    continue
                found = self.first_time(t, v, duration, k, interest.min_size, masks[near[v]] & joint)
                if found is None:
                    continue
                slots, coming = found
                chosen = [waiting[near[v][p]] for p in coming][
                    : min(interest.max_size, int(ctx.venue_capacity[v]))
                ]
                sessions = tuple(Session(d + 1, s, s + duration, v) for d, s in slots)
                self.open(t, sessions)
                for o in chosen:
                    self.join(o, ctx.resident_index[ctx.pp.orders[o].resident_id], sessions)
                self.outcome.new.append(NewGroup(interest_id, t, v, sessions, tuple(chosen)))
                return True
        return False

    def first_time(
        self, t: int, v: int, duration: int, k: int, least: int, can: np.ndarray
    ) -> tuple[list[tuple[int, int]], list[int]] | None:
        """The earliest weekly time (one start, k weekdays in order) at which teacher t and venue v
        are free and at least ``least`` of the residents can come (``can``: (residents, 7, steps),
        where each could start with t at v); and who can (positions)."""
        counts = can.sum(0)
        for s in np.flatnonzero((counts >= least).sum(0) >= k):
            days = [d for d in range(7) if counts[d, s] >= least]
            for combo in combinations(days, k):
                if not all(self.travel_ok(t, v, d, s, s + duration) for d in combo):
                    continue
                coming = np.flatnonzero(can[:, list(combo), s].all(-1))
                if len(coming) >= least:
                    return [(d, int(s)) for d in combo], coming.tolist()
        return None

    def travel_ok(self, t: int, v: int, d: int, start: int, end: int) -> bool:
        ctx = self.ctx
        if not ctx.travel_ok(t, v, d + 1, start * ctx.grid, end * ctx.grid):
            return False
        mine = Session(d + 1, start, end, v)
        return not any(too_close(ctx, mine, x) for x in self.teacher_new.get((t, d), ()))

    def open(self, t: int, sessions: tuple[Session, ...]) -> None:
        self.groups_left[t] -= 1
        self.week_left[t] -= len(sessions)
        for s in sessions:
            self.day_left[t, s.day - 1] -= 1
            self.venue_free[s.venue, s.day - 1, s.start : s.end] = False
            self.teacher_free[t, s.day - 1, s.start : s.end] = False
            self.teacher_new[t, s.day - 1].append(s)


def staff_plan(ctx: PlanContext) -> Outcome:
    """The staff-by-hand plan (see the module doc)."""
    return _Staff(ctx).run()
