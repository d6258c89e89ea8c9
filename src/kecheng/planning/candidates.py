"""Candidate new groups: an interest at a venue at fixed weekly times, with who could come.

For each interest, only where the demand is: a venue gets candidates when at least
``min_size`` residents who ordered the interest (and have room for a group) can walk to it.
For each such venue the residents' start masks (available, not in one of their running
groups' sessions) are stacked and counted per (weekday, start); starts that admit the same
residents form one class, represented by one of its roundest starts (on the hour, then half
hour), a different one for each interest in turn.
A pattern is one class per weekday on ``sessions_per_week`` different weekdays, built greedily
from the fullest classes; its residents are those who can come to every session. Patterns
with at least ``min_size`` such residents and a teacher who teaches the interest, can come to
every session (availability, running sessions, travel between venues, weekly and daily
limits) and has a new group left, become candidates. Per interest a coverage pass keeps the
fullest patterns until every resident appears in ``COVERAGE`` of them; a pattern is kept anyway
while one of its teachers is offered fewer than ``TEACHER_MIN`` candidates. Besides each venue's
fullest patterns (for any teacher), every teacher gets patterns at their own free times at the
venues where those times meet the most residents, so that every teacher's room is on offer.

Each candidate lists up to ``MAX_TEACHERS`` teachers (those offered the fewest candidates so far
first, then nearest home) and every eligible resident with their walk; which teacher takes it
and who joins is the master's choice.

Built from the fullest classes, the patterns miss times that pay only together with other groups
(a teacher's second group, a venue's other hour). Where the exact-start LP runs
(``kecheng.planning.columns``), the times its groups use join the candidates: ``timed_candidates``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kecheng.planning.context import UNLIMITED, PlanContext, Session, haversine_m, starts_mask
from kecheng.planning.model import Interest

PATTERNS_PER_VENUE = 6
TEACHER_VENUES = 6  # per teacher: the venues where their free times meet the most residents
TEACHER_PATTERNS = 2  # per teacher and venue
TEACHER_MIN = 12  # a pattern is kept, covered or not, while one of its teachers is offered fewer
CLASSES_PER_DAY = 4
MAX_TEACHERS = 6
LINK_STEP = 5  # teachers are offered in rounds of this many candidates each
COVERAGE = 50  # a pattern is kept while it is among the first COVERAGE for enough of its residents
# (search alone from the priced first plan, 90 s of work, one worker, seed 0, order points against 25:
# district +0.85 %, tight +0.27 %, itinerant +0.48 %, rotating +0.42 %; 100 on the district +0.3 %;
# 1.4x the pairs. 2-worker benchmark, 150 s, seeds 0-2 and three shapes: +0.0 to +1.3 %, median +0.6 %)


@dataclass(frozen=True)
class Candidate:
    """A group that could open: interest, venue, sessions; who could teach it; who could join."""

    index: int
    interest_id: str
    venue: int
    sessions: tuple[Session, ...]
    teachers: tuple[int, ...]
    residents: np.ndarray  # resident indices, nearest first
    walks: np.ndarray  # metres, aligned with residents
    capacity: int  # min(max_size, venue capacity)
    min_size: int


@dataclass
class Demand:
    """One interest's open orders, prepared for pattern search (residents in order-table order)."""

    interest: Interest
    duration: int  # steps
    orders: list[int]  # order indices (into pp.orders) that a new group could meet
    residents: np.ndarray  # resident index per order
    starts: np.ndarray  # (n, 7, steps): where a session could start for each
    teachers: np.ndarray  # teacher indices with room (their starts differ by venue: VenueDemand)
    turn: int  # the interest's position in the interests table (see ``_day_options``)


def open_orders(ctx: PlanContext) -> dict[str, list[int]]:
    """interest → orders a new or running group could still meet: the resident has room for one
    more group and is not in a running group of that interest already."""
    out: dict[str, list[int]] = defaultdict(list)
    room, held = ctx.resident_room, ctx.held_interests
    for k, o in enumerate(ctx.pp.orders):
        r = ctx.resident_index[o.resident_id]
        if room[r] >= 1 and o.interest_id not in held[r]:
            out[o.interest_id].append(k)
    return out


def demand_of(ctx: PlanContext, interest: Interest, orders: list[int], turn: int) -> Demand:
    duration = interest.duration_min // ctx.grid
    residents = np.array([ctx.resident_index[ctx.pp.orders[k].resident_id] for k in orders], dtype=np.int64)
    starts = starts_mask(ctx.resident_free[residents], duration)
    teachers = np.array(ctx.teachers_with_room(interest), dtype=np.int64)
    return Demand(interest, duration, orders, residents, starts, teachers, turn)


def fitting_venues(ctx: PlanContext, interest: Interest) -> np.ndarray:
    """Venues with the interest's features that hold at least min_size."""
    ok = [
        i
        for i, v in enumerate(ctx.problem.venues)
        if v.capacity >= interest.min_size and interest.required_features <= v.features
    ]
    return np.array(ok, dtype=np.int64)


def reach_lists(ctx: PlanContext, demand: Demand, venues: np.ndarray) -> dict[int, list[int]]:
    """venue → positions (into demand.residents) of those who can walk to it."""
    fitting = set(venues.tolist())
    out: dict[int, list[int]] = defaultdict(list)
    for pos, r in enumerate(demand.residents):
        for v in ctx.reach[r][0]:
            if int(v) in fitting:
                out[int(v)].append(pos)
    return out


@dataclass(frozen=True)
class Pattern:
    """Weekly sessions (weekday, start step) and the positions of the residents who can come."""

    slots: tuple[tuple[int, int], ...]
    members: int  # bitset over the venue's resident positions
    teachers: int  # bitset over demand.teachers

    @property
    def count(self) -> int:
        return self.members.bit_count()


def _bits(column: np.ndarray) -> int:
    return int.from_bytes(np.packbits(column, bitorder="little").tobytes(), "little")


def _roundness(step: int, grid: int) -> int:
    minute = step * grid
    return 0 if minute % 60 == 0 else 1 if minute % 30 == 0 else 2


Option = tuple[int, int, int, int]  # (count, start, members, teachers) on one weekday


@dataclass
class VenueDemand:
    """One venue's residents and, per weekday, the starts with enough of them, in classes of
    starts that admit the same residents."""

    venue: int
    positions: list[int]  # into demand.residents
    teacher_best: np.ndarray  # (m, 7): per teacher of demand.teachers and weekday, the most at one start
    packed_teachers: np.ndarray  # (m, 7, steps / 8): demand.teachers' starts here, walks included (bits)
    starts: list[np.ndarray]  # per weekday: qualifying starts
    classes: list[np.ndarray]  # per weekday: class of each qualifying start
    members: list[list[int]]  # per weekday: class → resident bitset


def venue_demand(
    ctx: PlanContext, demand: Demand, venue: int, positions: list[int], least: int
) -> VenueDemand:
    venue_starts = ctx.venue_starts(demand.duration)[venue]
    teacher_starts = ctx.teacher_starts_many(demand.teachers, venue, demand.duration)
    teacher_any = teacher_starts.any(0)
    stack = demand.starts[positions] & (venue_starts & teacher_any)  # (n, 7, steps)
    counts = stack.sum(0)
    starts, classes, members = [], [], []
    for day in range(7):
        qualified = np.flatnonzero(counts[day] >= least)
        keys: dict[bytes, int] = {}
        ids = np.zeros(len(qualified), dtype=np.int64)
        found: list[int] = []
        if len(qualified):
            packed = np.packbits(stack[:, day, qualified], axis=0, bitorder="little")
            for n in range(len(qualified)):
                key = packed[:, n].tobytes()
                if key not in keys:
                    keys[key] = len(found)
                    found.append(int.from_bytes(key, "little"))
                ids[n] = keys[key]
        starts.append(qualified)
        classes.append(ids)
        members.append(found)
    packed = np.packbits(teacher_starts, axis=-1, bitorder="little")  # 8× smaller: kept per venue
    best = np.where(teacher_starts, counts, 0).max(-1, initial=0)
    return VenueDemand(venue, positions, best, packed, starts, classes, members)


def _teacher_starts(vd: VenueDemand, teacher: int, steps: int) -> np.ndarray:
    """(7, steps): where this teacher (a position in demand.teachers) may start here."""
    return np.unpackbits(vd.packed_teachers[teacher], axis=-1, count=steps, bitorder="little").astype(bool)


def _day_options(
    ctx: PlanContext, demand: Demand, vd: VenueDemand, day: int, allowed: np.ndarray | None
) -> list[Option]:
    """The fullest classes of one weekday (at most CLASSES_PER_DAY), each at one of its roundest
    starts among the allowed ones (``allowed``: a (steps,) mask, e.g. one teacher's): the
    interest's turn picks which, so interests at one venue, and one teacher's groups, do not all
    start at the same moment (the first on the hour would put every morning group at 08:00)."""
    by_class: dict[int, list[int]] = defaultdict(list)
    for start, cls in zip(vd.starts[day].tolist(), vd.classes[day].tolist(), strict=True):
        if allowed is None or allowed[start]:
            by_class[cls].append(start)
    best: dict[int, int] = {}
    for cls, starts in by_class.items():
        roundest = min(_roundness(s, ctx.grid) for s in starts)
        ties = [s for s in starts if _roundness(s, ctx.grid) == roundest]
        best[cls] = ties[demand.turn % len(ties)]
    options = [
        (
            vd.members[day][cls].bit_count(),
            start,
            vd.members[day][cls],
            _bits((vd.packed_teachers[:, day, start >> 3] >> (start & 7)) & 1),
        )
        for cls, start in best.items()
    ]
    options.sort(key=lambda x: (-x[0], x[1]))
    return options[:CLASSES_PER_DAY]


def _build(classes: dict[int, list[Option]], k: int, least: int, limit: int) -> list[Pattern]:
    """Greedy patterns: from each fullest class, add the class on another weekday that keeps
    the most residents (days apart preferred), until ``k`` weekdays."""
    if len(classes) < k:
        return []
    seeds = sorted(
        ((c, s, m, t, d) for d, options in classes.items() for c, s, m, t in options),
        key=lambda x: (-x[0], x[4], x[1]),
    )
    patterns: dict[tuple[tuple[int, int], ...], Pattern] = {}
    for _, start, members, teachers, day in seeds:
        slots, used = [(day, start)], {day}
        for _ in range(k - 1):
            best = None
            for d, options in classes.items():
                if d in used:
                    continue
                for _, s, m, t in options:
                    both, tboth = members & m, teachers & t
                    if not tboth or both.bit_count() < least:
                        continue
                    spread = min(abs(d - x) for x in used)  # prefer days apart (Mon/Wed over Mon/Tue)
                    key = (both.bit_count(), spread > 1, -d)
                    if best is None or key > best[0]:
                        best = (key, d, s, both, tboth)
            if best is None:
                break
            _, d, s, members, teachers = best
            slots.append((d, s))
            used.add(d)
        if len(slots) == k and teachers:
            key = tuple(sorted(slots))
            patterns.setdefault(key, Pattern(key, members, teachers))
        if len(patterns) >= 3 * limit:
            break
    return sorted(patterns.values(), key=lambda p: (-p.count, p.slots))[:limit]


def venue_patterns(
    ctx: PlanContext, demand: Demand, vd: VenueDemand, *, least: int, teacher: int | None = None
) -> list[Pattern]:
    """The fullest patterns at one venue with at least ``least`` residents and some teacher
    (or this one: a position in demand.teachers) free at every session."""
    allowed = None if teacher is None else _teacher_starts(vd, teacher, ctx.steps)
    classes = {}
    for day in range(7):
        options = _day_options(ctx, demand, vd, day, None if allowed is None else allowed[day])
        if options:
            classes[day] = options
    limit = PATTERNS_PER_VENUE if teacher is None else TEACHER_PATTERNS
    return _build(classes, demand.interest.sessions_per_week, least, limit)


def _teacher_venues(demand: Demand, venues: list[VenueDemand]) -> list[list[VenueDemand]]:
    """Per teacher (position in demand.teachers), the TEACHER_VENUES venues where their free
    starts meet the most residents (on their best weekdays)."""
    k = demand.interest.sessions_per_week
    if not len(venues):
        return [[] for _ in demand.teachers]
    per_day = -np.sort(-np.stack([vd.teacher_best for vd in venues]), axis=-1)  # (venues, m, 7), best first
    scores = np.where(per_day[..., k - 1] >= demand.interest.min_size, per_day[..., :k].sum(-1), -1)
    out = []
    for score in scores.T:
        best = [int(n) for n in np.argsort(-score, kind="stable")[:TEACHER_VENUES] if score[n] >= 0]
        out.append([venues[n] for n in best])
    return out


def bit_positions(bits: int) -> np.ndarray:
    """Positions of the set bits of a non-negative int, ascending."""
    if not bits:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(bits.to_bytes((bits.bit_length() + 7) // 8, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little"))


class _TeacherPicker:
    """Offers each pattern to the teachers offered the fewest candidates so far, then nearest home
    (teachers without a home community count as 2 km away), checking the costly rules (limits,
    walks between venues) only for those it offers."""

    def __init__(self, ctx: PlanContext, demand: Demand):
        self.ctx, self.demand = ctx, demand
        self.links = np.zeros(len(demand.teachers), dtype=np.int64)  # by position in demand.teachers
        homes = [ctx.problem.teachers[int(t)].community_id for t in demand.teachers]
        self.home_lat = np.array([ctx.problem.community[h].lat if h else np.nan for h in homes], dtype=float)
        self.home_lon = np.array([ctx.problem.community[h].lon if h else np.nan for h in homes], dtype=float)

    def pick(self, venue: int, pattern: Pattern) -> tuple[int, ...]:
        ctx, demand = self.ctx, self.demand
        _, week_left, day_left = ctx.teacher_room
        k = demand.interest.sessions_per_week
        positions = bit_positions(pattern.teachers)
        if not len(positions):
            return ()
        lat, lon = float(ctx.venue_lat[venue]), float(ctx.venue_lon[venue])
        far = haversine_m(lat, lon, self.home_lat[positions], self.home_lon[positions])
        far = np.where(np.isnan(far), 2000.0, far)
        ranked = positions[np.lexsort((positions, far, self.links[positions] // LINK_STEP))]
        chosen: list[int] = []
        for pos in ranked.tolist():
            t = int(demand.teachers[pos])
            if week_left[t] < k or any(day_left[t, d] < 1 for d, _ in pattern.slots):
                continue
            if all(
                ctx.travel_ok(t, venue, d + 1, s * ctx.grid, (s + demand.duration) * ctx.grid)
                for d, s in pattern.slots
            ):
                chosen.append(pos)
                if len(chosen) == MAX_TEACHERS:
                    break
        return tuple(chosen)

    def wanted(self, pattern: Pattern) -> bool:
        """Is one of the teachers free for this pattern offered fewer than TEACHER_MIN candidates?"""
        positions = bit_positions(pattern.teachers)
        return bool(len(positions)) and bool((self.links[positions] < TEACHER_MIN).any())

    def offered(self, positions: tuple[int, ...]) -> tuple[int, ...]:
        """Count the offer; the teachers' indices (into the teachers table)."""
        self.links[list(positions)] += 1
        return tuple(int(self.demand.teachers[p]) for p in positions)


def interest_candidates(ctx: PlanContext, demand: Demand, first_index: int) -> list[Candidate]:
    """Candidates of one interest, fullest first, thinned by coverage."""
    interest = demand.interest
    if len(demand.orders) < interest.min_size or not len(demand.teachers):
        return []
    least = interest.min_size
    venue_demands = [
        venue_demand(ctx, demand, venue, positions, least)
        for venue, positions in sorted(reach_lists(ctx, demand, fitting_venues(ctx, interest)).items())
        if len(positions) >= least
    ]
    raw: list[tuple[int, int, Pattern, list[int]]] = []
    seen: set[tuple[int, tuple[tuple[int, int], ...]]] = set()

    def add(vd: VenueDemand, patterns: list[Pattern]) -> None:
        for pattern in patterns:
            if (vd.venue, pattern.slots) not in seen:
                seen.add((vd.venue, pattern.slots))
                raw.append((pattern.count, vd.venue, pattern, vd.positions))

    for vd in venue_demands:
        add(vd, venue_patterns(ctx, demand, vd, least=least))
    for teacher, near in enumerate(_teacher_venues(demand, venue_demands)):  # every teacher: own times
        for vd in near:
            add(vd, venue_patterns(ctx, demand, vd, least=least, teacher=teacher))
    raw.sort(key=lambda x: (-x[0], x[1], x[2].slots))
    covered = np.zeros(len(demand.orders), dtype=np.int64)
    out: list[Candidate] = []
    picker = _TeacherPicker(ctx, demand)
    for count, venue, pattern, positions in raw:
        members = np.asarray(positions)[bit_positions(pattern.members)]
        fresh = int((covered[members] < COVERAGE).sum())
        if fresh < min(interest.min_size, count) and not picker.wanted(pattern):
            continue
        chosen = picker.pick(venue, pattern)
        if not chosen:
            continue
        if fresh < min(interest.min_size, count) and (picker.links[list(chosen)] >= TEACHER_MIN).all():
            continue
        teachers = picker.offered(chosen)
        covered[members] += 1
        sessions = tuple(Session(d + 1, s, s + demand.duration, venue) for d, s in pattern.slots)
        out.append(candidate(ctx, demand, first_index + len(out), venue, sessions, teachers, members))
    return out


def candidate(
    ctx: PlanContext,
    demand: Demand,
    index: int,
    venue: int,
    sessions: tuple[Session, ...],
    teachers: tuple[int, ...],
    positions: np.ndarray,
) -> Candidate:
    """The candidate of ``demand``'s residents at ``positions`` (who can come), nearest first."""
    residents = demand.residents[positions]
    walks = haversine_m_many(ctx, residents, venue)
    nearest = np.argsort(walks, kind="stable")
    capacity = min(demand.interest.max_size, int(ctx.venue_capacity[venue]))
    return Candidate(
        index,
        demand.interest.interest_id,
        venue,
        sessions,
        teachers,
        residents[nearest],
        walks[nearest],
        capacity,
        demand.interest.min_size,
    )


Timed = tuple[str, int, tuple[Session, ...], int]
"""A group at given times: interest, venue, sessions, teacher (index)."""


def timed_candidates(
    ctx: PlanContext, demands: dict[str, Demand], times: Iterable[Timed], have: list[Candidate]
) -> list[Candidate]:
    """Candidates at the given times that ``have`` lacks (indices following on from it).

    The patterns above are built from the fullest start classes, so they miss times that only
    fit together with other groups; the groups an LP over exact starts uses
    (``kecheng.planning.columns``) name such times. One candidate per (interest, venue,
    sessions), taught by the teachers given for it, open to every orderer who reaches the venue
    and is free at every start, if they are at least ``min_size``."""
    known = {(c.interest_id, c.venue, c.sessions) for c in have}
    taught: dict[tuple[str, int, tuple[Session, ...]], set[int]] = defaultdict(set)
    for interest_id, venue, sessions, teacher in times:
        if (interest_id, venue, sessions) not in known and interest_id in demands:
            taught[interest_id, venue, sessions].add(teacher)
    out: list[Candidate] = []
    for (interest_id, venue, sessions), teachers in sorted(
        taught.items(), key=lambda item: (item[0][0], item[0][1], [(s.day, s.start) for s in item[0][2]])
    ):
        demand = demands[interest_id]
        reach = reach_lists(ctx, demand, np.array([venue])).get(venue, [])
        come = [p for p in reach if all(demand.starts[p, s.day - 1, s.start] for s in sessions)]
        if len(come) >= demand.interest.min_size:
            index = len(have) + len(out)
            out.append(
                candidate(ctx, demand, index, venue, sessions, tuple(sorted(teachers)), np.array(come))
            )
    return out


def haversine_m_many(ctx: PlanContext, residents: np.ndarray, venue: int) -> np.ndarray:
    """Walks (m) of many residents to one venue."""
    lat, lon = float(ctx.venue_lat[venue]), float(ctx.venue_lon[venue])
    return haversine_m(lat, lon, ctx.resident_lat[residents], ctx.resident_lon[residents])


def build_candidates(
    ctx: PlanContext, times: Iterable[Timed] = ()
) -> tuple[list[Candidate], dict[str, Demand]]:
    """Every interest's candidates (indices consecutive from 0), those at ``times`` last
    (``timed_candidates``), and every interest's prepared demand."""
    candidates: list[Candidate] = []
    demands: dict[str, Demand] = {}
    orders = open_orders(ctx)
    for turn, interest in enumerate(ctx.pp.interests):
        demand = demands[interest.interest_id] = demand_of(
            ctx, interest, orders.get(interest.interest_id, []), turn
        )
        candidates += interest_candidates(ctx, demand, len(candidates))
    candidates += timed_candidates(ctx, demands, times, candidates)
    return candidates, demands


__all__ = ["UNLIMITED", "Candidate", "Demand", "Timed", "build_candidates"]
