"""The app's on-the-spot answer (好选课、易选课): which running groups could this resident join now?

Groups with a free seat (``max_size``, or the interest's, and every venue's capacity), all of
whose sessions are on the timetable, whose every venue is within the resident's walk, that
meet when they are available and never when one of their groups meets; not one of an
interest they already do, and only if they have room for another group. Best first: the
interests they ordered (by rank), then the shortest walk. Or, for an interest and a
community: that interest's groups with a seat within the walking circle of its centre.

``SuggestIndex`` indexes the district and timetable once; each question is then a look-up.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from kecheng.i18n import _, weekday
from kecheng.planning.base import DEFAULT_MAX_WALK_M, Placement, Problem, distance_m, format_clock
from kecheng.planning.model import PlanProblem, Resident, available_windows

SUGGEST_COLUMNS = (
    "group_id",
    "name",
    "interest_id",
    "community_id",
    "teacher_id",
    "when",
    "venues",
    "walk_m",
    "free_seats",
    "ordered_rank",
)


@dataclass(frozen=True)
class _Offer:
    group_id: str
    interest_id: str | None
    sessions: tuple[Placement, ...]
    spots: tuple[tuple[float, float], ...]  # venue locations
    seats: int


class SuggestIndex:
    """The district and its timetable, indexed once for many ``suggest`` questions."""

    def __init__(self, source: PlanProblem | Problem, placements: Iterable[Placement]):
        self.pp = source if isinstance(source, PlanProblem) else None
        problem = self.problem = source.problem if isinstance(source, PlanProblem) else source
        by_group: dict[str, list[Placement]] = defaultdict(list)
        for p in placements:
            by_group[p.group_id].append(p)
        members = problem.group_members
        self.groups_of: dict[str, list[str]] = defaultdict(list)
        for group_id in sorted(members):
            for m in members[group_id]:
                self.groups_of[m].append(group_id)
        self.sessions = {
            g: tuple(sorted(ps, key=lambda p: (p.weekday, p.start))) for g, ps in by_group.items()
        }
        self.offers: list[_Offer] = []
        for group in problem.groups:
            sessions = self.sessions.get(group.group_id, ())
            if len(sessions) < group.sessions_per_week:
                continue
            limit = self.pp.group_max_size(group.group_id) if self.pp else group.max_size
            if limit is None:
                continue
            spots = tuple(problem.venue_location(p.venue_id) for p in sessions)
            capacity = min(problem.venue[p.venue_id].capacity for p in sessions)
            seats = min(limit, capacity) - max(group.size, len(members.get(group.group_id, ())))
            if seats > 0:
                self.offers.append(_Offer(group.group_id, group.interest_id, sessions, spots, seats))
        self.ranks: dict[str, dict[str, int]] = defaultdict(dict)
        for o in self.pp.orders if self.pp else ():
            self.ranks[o.resident_id][o.interest_id] = o.rank
        self.by_interest: dict[str | None, list[_Offer]] = defaultdict(list)
        for offer in self.offers:
            self.by_interest[offer.interest_id].append(offer)

    def for_resident(self, resident_id: str) -> pd.DataFrame:
        problem, pp = self.problem, self.pp
        resident = pp.resident.get(resident_id) if pp else None
        mine = self.groups_of.get(resident_id, [])
        if resident is None and not mine:
            raise ValueError(
                _("unknown resident {resident}: not in residents.csv or members.csv").format(
                    resident=repr(resident_id)
                )
            )
        if resident is not None:
            lat, lon = pp.location(resident)
            walk, room, windows = (
                resident.max_walk_m,
                resident.max_groups - len(mine),
                available_windows(resident),
            )
        else:
            home = problem.community[problem.group[mine[0]].community_id]
            lat, lon, walk = home.lat, home.lon, DEFAULT_MAX_WALK_M
            room, windows = (
                Resident(resident_id=resident_id, community_id=home.community_id).max_groups - len(mine),
                None,
            )
        if room < 1:
            return _frame([])
        held = {problem.group[g].interest_id for g in mine} - {None}
        busy = [p for g in mine for p in self.sessions.get(g, ())]
        ranks = self.ranks.get(resident_id, {})
        rows = []
        for offer in self.offers:
            if offer.interest_id in held or offer.group_id in mine:
                continue
            far = max(distance_m(lat, lon, a, b) for a, b in offer.spots)
            if far > walk:
                continue
            if windows is not None and not all(
                any(a <= p.start and p.end <= b for a, b in windows.get(p.weekday, ()))
                for p in offer.sessions
            ):
                continue
            if any(
                q.weekday == p.weekday and q.start < p.end and p.start < q.end
                for p in offer.sessions
                for q in busy
            ):
                continue
            rows.append(self._row(offer, far, ranks.get(offer.interest_id)))
        rows.sort(key=lambda r: (r[-1] if r[-1] is not None else math.inf, r[7], r[0]))
        return _frame(rows)

    def for_community(
        self, interest_id: str, community_id: str, walk_m: float = DEFAULT_MAX_WALK_M
    ) -> pd.DataFrame:
        if community_id not in self.problem.community:
            raise ValueError(_("unknown community {community}").format(community=repr(community_id)))
        home = self.problem.community[community_id]
        rows = []
        for offer in self.by_interest.get(interest_id, ()):
            far = max(distance_m(home.lat, home.lon, a, b) for a, b in offer.spots)
            if far <= walk_m:
                rows.append(self._row(offer, far, None))
        rows.sort(key=lambda r: (r[7], r[0]))
        return _frame(rows)

    def _row(self, offer: _Offer, far: float, rank: int | None) -> tuple:
        group = self.problem.group[offer.group_id]
        when = ", ".join(
            f"{weekday(p.weekday, short=True)} {format_clock(p.start)}–{format_clock(p.end)}"
            for p in offer.sessions
        )
        venues = ";".join(sorted({p.venue_id for p in offer.sessions}))
        return (
            offer.group_id,
            group.name,
            offer.interest_id,
            group.community_id,
            group.teacher_id,
            when,
            venues,
            round(far),
            offer.seats,
            rank,
        )


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(SUGGEST_COLUMNS))


def suggest(
    source: PlanProblem | Problem,
    placements: Iterable[Placement],
    resident_id: str | None = None,
    *,
    interest_id: str | None = None,
    community_id: str | None = None,
    index: SuggestIndex | None = None,
) -> pd.DataFrame:
    """Running groups a resident (or anyone in a community, for one interest) could join now.

    Give ``resident_id``, or ``interest_id`` with ``community_id``. Pass ``index`` (a
    ``SuggestIndex`` of the same district and timetable) to answer many questions fast.
    """
    index = index or SuggestIndex(source, placements)
    if resident_id is not None:
        return index.for_resident(resident_id)
    if interest_id is None or community_id is None:
        raise ValueError(_("give resident_id, or interest_id and community_id"))
    return index.for_community(interest_id, community_id)
