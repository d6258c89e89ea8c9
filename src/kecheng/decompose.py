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

from kecheng.candidates import GroupOptions, group_options
from kecheng.check import check
from kecheng.explain import unplaced_reasons
from kecheng.greedy import greedy
from kecheng.model import Placement, Problem
from kecheng.result import ProgressPoint, Result
from kecheng.weights import Weights

MAX_PART_GROUPS = 1500
"""Above this many groups, solve() works part by part (a district is ~1000 groups)."""


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


def _subproblem(
    problem: Problem, part: set[str], current: dict[str, list[Placement]], options: dict[str, GroupOptions]
) -> tuple[Problem, list[Placement]]:
    """The part's groups in full, plus every placed outside session that touches them
    (same teacher, shared members, a venue they could use), as locks."""
    teachers = {problem.group[g].teacher_id for g in part}
    venues = {v for g in part for v in options[g].venues}
    members = {m for g in part for m in problem.group_members.get(g, ())}
    touching = {
        g.group_id
        for g in problem.groups
        if g.group_id not in part
        and current[g.group_id]
        and (
            g.teacher_id in teachers
            or any(p.venue_id in venues for p in current[g.group_id])
            or not members.isdisjoint(problem.group_members.get(g.group_id, ()))
        )
    }
    groups = [
        g if g.group_id in part else g.model_copy(update={"sessions_per_week": len(current[g.group_id])})
        for g in problem.groups
        if g.group_id in part or g.group_id in touching
    ]
    keep = part | touching
    tables = {name: getattr(problem, name) for name in Problem.model_fields}
    members_kept = tuple(m for m in problem.members if m.group_id in keep)
    sub = Problem(**tables | {"groups": tuple(groups), "members": members_kept})
    locks = [p for g in sorted(touching) for p in current[g]]
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
            _priority(problem, first_fit),
            math.nan,
            len(first_fit),
            "first-fit",
        )
    ]
    if on_progress:
        on_progress(points[0])
    current: dict[str, list[Placement]] = defaultdict(list)
    for p in first_fit:
        current[p.group_id].append(p)
    cut = parts(problem, max_groups)
    total = sum(len(part) for part in cut)
    interrupted = False
    for part in cut:
        elapsed = time.perf_counter() - started
        budget = (time_limit - elapsed) * len(part) / max(1, total)
        total -= len(part)
        if budget < 1 or interrupted:
            continue
        members = set(part)
        sub, locks = _subproblem(problem, members, current, options)
        result = solve(
            sub,
            time_limit=budget,
            seed=seed,
            workers=workers,
            weights=weights,
            previous=[p for p in previous if p.group_id in members],
            locked=locks + [p for p in locked if p.group_id in members],
            warm_start=[p for g in part for p in current[g]],
            cp_sat=cp_sat,
            max_part_groups=len(sub.groups) + 1,
        )
        interrupted = result.interrupted
        for g in part:
            current[g] = [p for p in result.placements if p.group_id == g]
        placed = [p for ps in current.values() for p in ps]
        point = ProgressPoint(
            time.perf_counter() - started, _priority(problem, placed), math.nan, len(placed), "part"
        )
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
        objective=_priority(problem, placements),
        bound=upper_bound(problem, options),
        placements=tuple(placements),
        unplaced=tuple(unplaced),
        sessions_total=problem.sessions_total,
        timings={
            "candidates_s": candidates_done - started,
            "greedy_s": greedy_done - candidates_done,
            "parts_s": parts_done - greedy_done,
            "check_and_explain_s": finished - parts_done,
            "wall_s": finished - started,
        },
        progress=tuple(points),
        greedy_objective=_priority(problem, first_fit),
        seed=seed,
        workers=workers,
        time_limit=time_limit,
        model_size={"parts": len(cut), "largest_part": max((len(p) for p in cut), default=0)},
        interrupted=interrupted,
    )


def _priority(problem: Problem, placements: Iterable[Placement]) -> int:
    return sum(problem.group[p.group_id].priority for p in placements)
