"""A city, part by part: CP-SAT on one district-sized part at a time, the rest held fixed.

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
from collections.abc import Callable, Iterable
from dataclasses import replace

from kecheng.candidates import GroupOptions, group_options
from kecheng.check import check
from kecheng.explain import unplaced_reasons
from kecheng.greedy import greedy
from kecheng.model import Placement, Problem
from kecheng.result import ProgressPoint, Result
from kecheng.weights import Weights

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


def upper_bound(problem: Problem, options: dict[str, GroupOptions]) -> int:
    """A valid bound without a global model: each group's usable weekdays, each
    teacher's weekly maximum (spent on their highest priorities)."""
    by_teacher: dict[str, list[int]] = defaultdict(list)
    for opt in options.values():
        by_teacher[opt.group.teacher_id] += [opt.group.priority] * opt.max_sessions
    total = 0
    for teacher_id, priorities in by_teacher.items():
        cap = problem.teacher[teacher_id].max_sessions_per_week
        total += sum(sorted(priorities, reverse=True)[:cap] if cap is not None else priorities)
    return total


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
    *,
    time_limit: float,
    seed: int,
    workers: int,
    weights: Weights,
    previous: list[Placement],
    locked: list[Placement],
    on_progress: Callable[[ProgressPoint], None] | None,
    max_groups: int = MAX_PART_GROUPS,
    cp_sat: dict | None = None,
) -> Result:
    """First fit for the whole city, then CP-SAT part by part within time_limit."""
    from kecheng.solver import solve  # the parts are ordinary, smaller problems

    started = time.perf_counter()
    options = group_options(problem)
    candidates_done = time.perf_counter()
    first_fit = greedy(problem, options, locked=locked, previous=previous)
    greedy_done = time.perf_counter()
    points = [
        ProgressPoint(
            time.perf_counter() - started,
            problem.placed_priority(first_fit),
            math.nan,
            len(first_fit),
            "first-fit",
        )
    ]
    if on_progress:
        on_progress(points[0])
    current = _by_group(first_fit)
    cut = sorted(parts(problem, max_groups), key=lambda part: -_room(problem, part, current, options))
    total = sum(len(part) for part in cut)
    city = _CityIndex(problem, current)
    previous_of, locked_of = _by_group(previous), _by_group(locked)
    objective, placed_count = points[0].objective, points[0].placed
    build_s = 0.0
    interrupted = False
    for part in cut:
        remaining = time_limit - (time.perf_counter() - started)
        budget = min(remaining, max(MIN_PART_SECONDS, remaining * len(part) / max(1, total)))
        total -= len(part)
        if budget < 1 or interrupted:
            continue
        sub, locks = city.subproblem(set(part), options)
        result = solve(
            sub,
            time_limit=budget,
            seed=seed,
            workers=workers,
            weights=weights,
            previous=[p for g in part for p in previous_of[g]],
            locked=locks + [p for g in part for p in locked_of[g]],
            warm_start=[p for g in part for p in current[g]],
            cp_sat=cp_sat,
            max_part_groups=len(sub.groups) + 1,
        )
        interrupted = result.interrupted
        build_s += result.timings["build_s"]
        placed_now = _by_group(result.placements)  # the part's groups, and the locked sessions around it
        for g in part:
            placed = placed_now[g]
            objective += (len(placed) - len(current[g])) * problem.group[g].priority
            placed_count += len(placed) - len(current[g])
            city.place(g, placed)
        point = ProgressPoint(time.perf_counter() - started, objective, math.nan, placed_count, "part")
        points.append(point)
        if on_progress:
            on_progress(point)

    parts_done = time.perf_counter()
    placements = [p for g in problem.groups for p in sorted(current[g.group_id], key=lambda p: p.session)]
    violations = check(problem, placements)
    if violations:  # a part broke a rule across its border: never hand that out
        placements = first_fit
    unplaced = unplaced_reasons(problem, placements, options)
    finished = time.perf_counter()
    return Result(
        status="FEASIBLE",
        objective=problem.placed_priority(placements),
        bound=upper_bound(problem, options),
        placements=tuple(placements),
        unplaced=tuple(unplaced),
        sessions_total=problem.sessions_total,
        timings={
            "candidates_s": candidates_done - started,
            "greedy_s": greedy_done - candidates_done,
            "build_s": build_s,  # all the parts' models together
            "parts_s": parts_done - greedy_done,
            "check_and_explain_s": finished - parts_done,
            "wall_s": finished - started,
        },
        progress=tuple(points),
        greedy_objective=problem.placed_priority(first_fit),
        seed=seed,
        workers=workers,
        time_limit=time_limit,
        model_size={"parts": len(cut), "largest_part": max((len(p) for p in cut), default=0)},
        interrupted=interrupted,
    )


def _room(
    problem: Problem, part: list[str], current: dict[str, list[Placement]], options: dict[str, GroupOptions]
) -> int:
    """Priority a part could still gain: its sessions not placed on a usable weekday."""
    return sum(problem.group[g].priority * max(0, options[g].max_sessions - len(current[g])) for g in part)


def _by_group(placements: Iterable[Placement]) -> defaultdict[str, list[Placement]]:
    found: defaultdict[str, list[Placement]] = defaultdict(list)
    for p in placements:
        found[p.group_id].append(p)
    return found
