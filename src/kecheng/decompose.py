"""A city's bound, part by part: each compact part of the city as its own whole-week model.

A city (10 000 groups) is too big for one whole-week CP-SAT model on two cores. The local search
does not need one (its neighbourhoods are small wherever they are), but the proof of how much can
be placed does. Cutting the city into district-sized parts and dropping every rule that ties two
parts together (a venue used from both sides of a border, a teacher or a resident in both) gives
a relaxation of the city: each part's bound holds for its own groups, so the sum of the parts'
bounds holds for the city. The parts are compact areas (communities in Z-curve order), so the
rules dropped are few and the sum stays close.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from kecheng.candidates import Candidates
from kecheng.cpsat.bound import BoundSearch
from kecheng.cpsat.model import Scope
from kecheng.cpsat.search import Background, SearchSettings
from kecheng.model import Problem
from kecheng.timetable import Placement

MAX_PART_GROUPS = 1500
"""Above this many groups the bound comes part by part (a district is ~1000 groups)."""


def parts(problem: Problem, max_groups: int = MAX_PART_GROUPS) -> list[list[str]]:
    """Groups cut into geographic parts of at most ~max_groups: communities in the
    order of a Z-curve over their coordinates, so a part is a compact area."""
    groups_of: dict[str, list[str]] = defaultdict(list)
    for g in problem.groups:
        groups_of[g.community_id].append(g.group_id)
    ordered = sorted(problem.communities, key=lambda c: _z_order(c.lat, c.lon))
    out: list[list[str]] = [[]]
    for community in ordered:
        members = groups_of.get(community.community_id, [])
        if out[-1] and len(out[-1]) + len(members) > max_groups:
            out.append([])
        out[-1].extend(members)
    return [part for part in out if part]


def _z_order(lat: float, lon: float) -> int:
    """Interleave the bits of ~100 m cells: nearby communities get nearby codes."""
    y, x = int((lat + 90) * 1000), int((lon + 180) * 1000)
    code = 0
    for bit in range(20):
        code |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return code


def part_scope(problem: Problem, candidates: Candidates, part: Sequence[str]) -> Scope:
    """A part's groups alone, every rule that ties them to another part dropped (a relaxation)."""
    inside = set(part)
    whole = Scope.whole(problem, candidates, travel=False)
    cliques = sorted(
        {c for clique in candidates.cliques if len(c := tuple(g for g in clique if g in inside)) > 1}
    )
    return Scope(
        {g: candidates.options[g] for g in part}, cliques, whole.week_left, whole.day_left, travel=False
    )


class PartBounds(Background):
    """The parts' whole-week models, one after another in a thread; ``bound`` is the sum of the best
    proven per part (a part not reached yet counts with its bound from the candidates)."""

    thread_name = "bounds"

    def __init__(
        self,
        problem: Problem,
        candidates: Candidates,
        settings: SearchSettings,
        *,
        previous: Sequence[Placement],
        locked: Sequence[Placement],
        hint: Sequence[Placement],
        max_groups: int = MAX_PART_GROUPS,
    ):
        super().__init__()
        self.problem, self.candidates, self.settings = problem, candidates, settings
        self.cut = parts(problem, max_groups)
        self.previous, self.locked, self.hint = previous, locked, hint
        self.bounds = [candidates.upper_bound(part) for part in self.cut]
        self.build_s = 0.0
        self._index = 0
        self._current: BoundSearch | None = None
        self.size = {"parts": len(self.cut), "largest_part": max((len(p) for p in self.cut), default=0)}

    @property
    def bound(self) -> float:
        current, index = self._current, self._index
        gained = 0.0 if current is None else max(0.0, self.bounds[index] - current.bound)
        return sum(self.bounds) - gained

    @property
    def best(self) -> None:
        return None  # the parts' timetables ignore each other: never a timetable for the city

    best_objective = -math.inf

    def _interrupt(self) -> None:
        if self._current is not None:
            self._current.stop()

    def _work(self, time_limit: float, planned: float) -> None:
        for index, part in enumerate(self.cut):
            if self._stopped.is_set():
                return
            share_left = len(self.cut) - index
            scope = part_scope(self.problem, self.candidates, part)
            groups = set(part)
            search = BoundSearch(
                self.problem,
                self.candidates,
                self.settings,
                previous=[p for p in self.previous if p.group_id in groups],
                locked=[p for p in self.locked if p.group_id in groups],
                hint=[p for p in self.hint if p.group_id in groups],
                ceiling=self.bounds[index],
                scope=scope,
            )
            self._index, self._current = index, search
            search.run(time_limit / share_left, planned / len(self.cut))
            time_limit -= search.build_s + search.search_s
            self.build_s += search.build_s
            self.bounds[index] = min(self.bounds[index], search.bound)
            self._current = None
