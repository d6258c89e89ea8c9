"""A city, part by part: the district solve on one district-sized part at a time, the rest held fixed.

One model for a whole city (10 000 groups) is too big for CP-SAT on two cores: it
barely improves on first fit in five minutes. Its districts are not independent
(teachers and walking circles cross their borders), so the parts are solved in
turn, each with every session outside it that touches it locked where it is.
Every part's timetable is then valid against all the others, and the merged one
is checked again as a whole.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from kecheng.candidates import Candidates, GroupOptions
from kecheng.check import check
from kecheng.cpsat import SearchSettings
from kecheng.district import TIMINGS, Outcome, solve_district
from kecheng.errors import LockError
from kecheng.greedy import greedy
from kecheng.model import Problem
from kecheng.result import ProgressPoint
from kecheng.timetable import Placement, by_group, in_group_order

MAX_PART_GROUPS = 1500
"""Above this many groups, solve() works part by part (a district is ~1000 groups)."""

MIN_PART_SECONDS = 20.0
"""Less than this, and CP-SAT barely gets past presolve on a district-sized part (at 60 s
for 10 000 groups, seven parts of 8 s placed nothing more than first fit): better give
the parts with the most left to place a real chance, and the others none."""


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


class _CityIndex:
    """The city's rows indexed once, so that cutting out a part and the sessions
    around it costs the part's size, not the city's."""

    def __init__(self, problem: Problem, current: dict[str, list[Placement]]) -> None:
        self.problem = problem
        self.current = current
        self.position = {g.group_id: i for i, g in enumerate(problem.groups)}
        self.by_teacher: dict[str, list[str]] = defaultdict(list)
        self.by_member: dict[str, list[str]] = defaultdict(list)
        self.member_rows: dict[str, list[int]] = defaultdict(list)  # positions in problem.members
        self.opening_rows: dict[str, list[int]] = defaultdict(list)
        self.availability_rows: dict[str, list[int]] = defaultdict(list)
        self.at_venue: dict[str, set[str]] = defaultdict(set)
        for g in problem.groups:
            self.by_teacher[g.teacher_id].append(g.group_id)
        for i, (member, group) in enumerate(problem.members.select("member_id", "group_id")):
            self.by_member[member].append(group)
            self.member_rows[group].append(i)
        for i, venue in enumerate(problem.opening_hours.column("venue_id")):
            self.opening_rows[venue].append(i)
        for i, teacher in enumerate(problem.availability.column("teacher_id")):
            self.availability_rows[teacher].append(i)
        for g, placed in current.items():
            self.place(g, placed)

    def place(self, group_id: str, placements: list[Placement]) -> None:
        for p in self.current.get(group_id, ()):
            self.at_venue[p.venue_id].discard(group_id)
        self.current[group_id] = placements
        for p in placements:
            self.at_venue[p.venue_id].add(group_id)

    def touching(self, part: set[str], options: dict[str, GroupOptions]) -> set[str]:
        """Outside groups with a placed session that shares a teacher, a member or a
        venue the part could use."""
        near: set[str] = set()
        for g in part:
            near.update(self.by_teacher[self.problem.group[g].teacher_id])
            for member in self.problem.group_members.get(g, ()):
                near.update(self.by_member[member])
            for venue in options[g].venues:
                near.update(self.at_venue.get(venue, ()))
        return {g for g in near if g not in part and self.current.get(g)}

    def subproblem(self, part: set[str], options: dict[str, GroupOptions]) -> tuple[Problem, list[Placement]]:
        """The part's groups in full, the touching outside groups' placed sessions as
        locks, and only the venues, teachers and communities these can use."""
        problem, current = self.problem, self.current
        touching = self.touching(part, options)
        keep = sorted(part | touching, key=self.position.__getitem__)
        groups = [
            problem.group[g] if g in part else replace(problem.group[g], sessions_per_week=len(current[g]))
            for g in keep
        ]
        locks = [p for g in keep if g in touching for p in current[g]]
        venue_ids = {v for g in part for v in options[g].venues} | {p.venue_id for p in locks}
        venues = [problem.venue[v] for v in sorted(venue_ids)]
        teachers = [problem.teacher[t] for t in sorted({g.teacher_id for g in groups})]
        community_ids = {x.community_id for x in (*groups, *venues, *teachers)} - {None}
        sub = Problem(
            communities=tuple(problem.community[c] for c in sorted(community_ids)),
            venues=tuple(venues),
            opening_hours=problem.opening_hours.take(
                i for v in venues for i in self.opening_rows[v.venue_id]
            ),
            teachers=tuple(teachers),
            availability=problem.availability.take(
                i for t in teachers for i in self.availability_rows[t.teacher_id]
            ),
            groups=tuple(groups),
            members=problem.members.take(i for g in keep for i in self.member_rows[g]),
            grid_min=problem.grid_min,
            walk_speed_kmh=problem.walk_speed_kmh,
            travel_buffer_min=problem.travel_buffer_min,
        )
        return sub, locks


def solve_in_parts(
    problem: Problem,
    candidates: Candidates,
    settings: SearchSettings,
    *,
    previous: Sequence[Placement],
    locked: Sequence[Placement],
    max_groups: int = MAX_PART_GROUPS,
    started: float | None = None,
) -> Outcome:
    """First fit for the whole city, then the district solve part by part within the time limit.

    A part whose solve fails keeps its first-fit sessions, and a merged timetable that breaks a
    rule across a border falls back to first fit: either is said in ``notes``, never silently."""
    started = time.perf_counter() if started is None else started
    timings = dict.fromkeys(TIMINGS, 0.0)
    tick = time.perf_counter()
    first_fit = greedy(problem, candidates, locked=locked, previous=previous)
    timings["greedy_s"] = time.perf_counter() - tick
    points = [
        ProgressPoint(
            time.perf_counter() - started,
            problem.placed_priority(first_fit),
            math.nan,
            len(first_fit),
            "first-fit",
        )
    ]
    if settings.on_progress:
        settings.on_progress(points[0])
    current = by_group(first_fit)
    options = candidates.options
    cut = sorted(parts(problem, max_groups), key=lambda part: -_room(problem, part, current, options))
    total = sum(len(part) for part in cut)
    city = _CityIndex(problem, current)
    previous_of, locked_of = by_group(previous), by_group(locked)
    objective, placed_count = points[0].objective, points[0].placed
    notes: list[str] = []
    interrupted = False
    part_progress = replace(settings, on_progress=None)  # the city reports one point per part
    tick = time.perf_counter()
    planned_left = settings.time_limit
    for number, part in enumerate(cut, 1):
        # Budgets are planned from the time limit alone (one worker then searches the same in every
        # process); the clock only cuts a part short when the machine is slower than planned.
        planned = min(planned_left, max(MIN_PART_SECONDS, planned_left * len(part) / max(1, total)))
        total -= len(part)
        remaining = settings.time_limit - (time.perf_counter() - started)
        if planned < 1 or interrupted:
            continue
        planned_left -= planned
        budget = planned if settings.workers == 1 else min(planned, remaining)
        if budget < 1:
            continue
        sub, locks = city.subproblem(set(part), options)
        try:
            outcome = solve_district(
                sub,
                Candidates(sub),
                replace(part_progress, time_limit=budget),
                previous=[p for g in part for p in previous_of[g]],
                locked=locks + [p for g in part for p in locked_of[g]],
                warm_start=[p for g in part for p in current[g]],
            )
        except (LockError, ValueError) as err:
            notes.append(
                f"part {number} of {len(cut)} ({len(part)} groups) kept its first-fit sessions: {err}"
            )
            continue
        interrupted = outcome.interrupted
        for key in ("build_s", "polish_s"):
            timings[key] += outcome.timings[key]
        placed_now = by_group(outcome.placements)  # the part's groups, and the locked sessions around it
        for g in part:
            placed = placed_now[g]
            objective += (len(placed) - len(current[g])) * problem.group[g].priority
            placed_count += len(placed) - len(current[g])
            city.place(g, placed)
        point = ProgressPoint(time.perf_counter() - started, objective, math.nan, placed_count, "part")
        points.append(point)
        if settings.on_progress:
            settings.on_progress(point)
    timings["solve_s"] = time.perf_counter() - tick - timings["polish_s"]

    placements = in_group_order(
        (g.group_id for g in problem.groups), (p for g in current.values() for p in g)
    )
    violations = check(problem, placements)
    if violations:  # a part broke a rule across its border: never hand that out
        notes.append(
            f"the parts' timetables broke {len(violations)} rule(s) across their borders "
            f"(first: {violations[0].rule}: {violations[0].message}); "
            "the first-fit timetable is given instead"
        )
        placements = first_fit
    size = {"parts": len(cut), "largest_part": max((len(p) for p in cut), default=0)}
    return Outcome("FEASIBLE", placements, math.nan, first_fit, points, timings, size, interrupted, notes)


def _room(
    problem: Problem, part: list[str], current: dict[str, list[Placement]], options: dict[str, GroupOptions]
) -> int:
    """Priority a part could still gain: its sessions not placed on a usable weekday."""
    return sum(problem.group[g].priority * max(0, options[g].max_sessions - len(current[g])) for g in part)
