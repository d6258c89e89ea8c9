"""The plan's own rules, checked from the tables alone (``kecheng.check`` does the timetable's).

Independent of how the plan was made: it reads the district before (running groups, their
timetable and members), the residents' and orders' tables, and the planned week (groups,
members, timetable), and re-derives every rule a plan adds to ``check``'s: running groups kept
as they were; new groups complete, of an ordered interest, taught by a teacher who teaches it
within ``max_groups``, between ``min_size`` and ``max_size``; every new member walks to each
venue within their own ``max_walk_m``, is available at every session, stays within their
``max_groups`` and one group per interest, and never has two groups at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kecheng.planning.base import Placement, Problem, distance_m
from kecheng.planning.model import PlanProblem, available_windows

RULES = (
    "RUNNING_MOVED",
    "MEMBER_DROPPED",
    "NOT_ORDERED",
    "TEACHER_INTEREST",
    "TEACHER_MAX_GROUPS",
    "SIZE",
    "INCOMPLETE",
    "WALK",
    "AVAILABLE",
    "MAX_GROUPS",
    "ONE_PER_INTEREST",
    "CLASH",
)


@dataclass(frozen=True, slots=True)
class PlanViolation:
    rule: str
    message: str
    group_id: str | None = None
    resident_id: str | None = None


def check_plan(
    pp: PlanProblem,
    before: Iterable[Placement],
    problem: Problem,
    placements: Iterable[Placement],
    *,
    replan: bool = False,
) -> list[PlanViolation]:
    """Every plan rule the planned week breaks; [] means it keeps them all."""
    found: list[PlanViolation] = []
    old = pp.problem
    before, placements = list(before), list(placements)
    by_group: dict[str, list[Placement]] = defaultdict(list)
    for p in placements:
        by_group[p.group_id].append(p)
    if not replan:
        now = {(p.group_id, p.venue_id, p.teacher_id, p.weekday, p.start, p.end) for p in placements}
        for p in before:
            if (p.group_id, p.venue_id, p.teacher_id, p.weekday, p.start, p.end) not in now:
                found.append(
                    PlanViolation(
                        "RUNNING_MOVED", f"{p.group_id}'s session on day {p.weekday} moved", p.group_id
                    )
                )
    members_now = problem.group_members
    for group_id, members in old.group_members.items():
        for m in sorted(members - members_now.get(group_id, frozenset())):
            found.append(PlanViolation("MEMBER_DROPPED", f"{m} is no longer in {group_id}", group_id, m))

    ordered = {(o.resident_id, o.interest_id) for o in pp.orders}
    new_groups = [g for g in problem.groups if g.group_id not in old.group]
    per_teacher: dict[str, int] = defaultdict(int)
    for g in new_groups:
        interest = pp.interest.get(g.interest_id) if g.interest_id else None
        teacher = problem.teacher[g.teacher_id]
        per_teacher[g.teacher_id] += 1
        if interest is None:
            found.append(
                PlanViolation("NOT_ORDERED", f"new group {g.group_id} has no known interest", g.group_id)
            )
            continue
        if g.interest_id not in teacher.interests:
            found.append(
                PlanViolation(
                    "TEACHER_INTEREST", f"{g.teacher_id} does not teach {g.interest_id}", g.group_id
                )
            )
        count = len(members_now.get(g.group_id, ()))
        if not interest.min_size <= count <= interest.max_size or count != g.size:
            allowed = f"{interest.min_size}-{interest.max_size}"
            message = f"{g.group_id} has {count} members (size {g.size}), allowed {allowed}"
            found.append(PlanViolation("SIZE", message, g.group_id))
        if len(by_group.get(g.group_id, ())) != g.sessions_per_week:
            placed = len(by_group.get(g.group_id, ()))
            message = f"{g.group_id} has {placed} of {g.sessions_per_week} sessions placed"
            found.append(PlanViolation("INCOMPLETE", message, g.group_id))
    for teacher_id, count in sorted(per_teacher.items()):
        limit = problem.teacher[teacher_id].max_groups
        if limit is not None and count > limit:
            found.append(
                PlanViolation(
                    "TEACHER_MAX_GROUPS", f"{teacher_id} takes {count} new groups, max_groups {limit}"
                )
            )

    joined: dict[str, list[str]] = defaultdict(list)  # resident → groups they joined in this plan
    for group_id, members in sorted(members_now.items()):
        for m in sorted(members - old.group_members.get(group_id, frozenset())):
            joined[m].append(group_id)
    groups_of: dict[str, list[str]] = defaultdict(list)
    for group_id, members in sorted(members_now.items()):
        for m in members:
            groups_of[m].append(group_id)
    for resident_id, groups in sorted(joined.items()):
        resident = pp.resident.get(resident_id)
        if resident is None:
            found.append(
                PlanViolation(
                    "NOT_ORDERED", f"{resident_id} joined but is not in residents", None, resident_id
                )
            )
            continue
        lat, lon = pp.location(resident)
        windows = available_windows(resident)
        for group_id in groups:
            g = problem.group[group_id]
            if (resident_id, g.interest_id) not in ordered:
                found.append(
                    PlanViolation(
                        "NOT_ORDERED",
                        f"{resident_id} joined {group_id} without ordering {g.interest_id}",
                        group_id,
                        resident_id,
                    )
                )
            if group_id in old.group:
                limit = pp.group_max_size(group_id)
                count = len(members_now.get(group_id, ()))
                if limit is not None and max(count, g.size) > limit:
                    message = f"{group_id} now has {max(count, g.size)} members, max_size {limit}"
                    found.append(PlanViolation("SIZE", message, group_id))
            for p in by_group.get(group_id, ()):
                walk = distance_m(lat, lon, *problem.venue_location(p.venue_id))
                if walk > resident.max_walk_m:
                    limit = f"at most {resident.max_walk_m:.0f}"
                    message = f"{resident_id} would walk {walk:.0f} m to {p.venue_id}, {limit}"
                    found.append(PlanViolation("WALK", message, group_id, resident_id))
                if not any(a <= p.start and p.end <= b for a, b in windows.get(p.weekday, ())):
                    message = f"{resident_id} is not available for {group_id} on day {p.weekday}"
                    found.append(PlanViolation("AVAILABLE", message, group_id, resident_id))
        mine = groups_of[resident_id]
        if len(mine) > resident.max_groups:
            message = f"{resident_id} is in {len(mine)} groups, max_groups {resident.max_groups}"
            found.append(PlanViolation("MAX_GROUPS", message, None, resident_id))
        for group_id in groups:  # a joined group's interest must be new to them
            interest_id = problem.group[group_id].interest_id
            twice = [g for g in mine if g != group_id and problem.group[g].interest_id == interest_id]
            if interest_id is not None and twice:
                message = (
                    f"{resident_id} joined {group_id} but is in {twice[0]} of the same interest {interest_id}"
                )
                found.append(PlanViolation("ONE_PER_INTEREST", message, group_id, resident_id))
        sessions = [(p, g) for g in mine for p in by_group.get(g, ())]
        for n, (a, ga) in enumerate(sessions):
            for b, gb in sessions[n + 1 :]:
                fresh = ga in groups or gb in groups  # a clash the plan made
                if fresh and ga != gb and a.weekday == b.weekday and a.start < b.end and b.start < a.end:
                    found.append(
                        PlanViolation(
                            "CLASH", f"{resident_id}'s groups {ga} and {gb} meet at once", ga, resident_id
                        )
                    )
    return found
