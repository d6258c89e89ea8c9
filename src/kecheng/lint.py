"""Warnings: things in a valid input that look wrong but do not stop the run.

``lint(problem)`` lists them in plain words, naming the ids, so that staff can fix the input
before they solve (a teacher with no hours, a group bigger than every venue it can walk to).
Each warning predicts sessions that will end up in unscheduled.csv; none of them is an error,
because a district's week never fits perfectly. The group warnings read the solve's own
candidates and explanations, so a warning and the later reason say the same thing.
"""

from __future__ import annotations

from collections import defaultdict

from kecheng.candidates import Candidates
from kecheng.explain import no_time_detail, no_venue_detail, too_few_days
from kecheng.model import Group, Problem, Teacher

MAX_LISTED = 5  # ids listed in one warning before "… and N more"


def lint(problem: Problem, candidates: Candidates | None = None) -> list[str]:
    """Suspicious-but-usable things in ``problem``, one plain sentence each. A group's warnings are
    worded as its sessions' reasons in unscheduled.csv will be, from the same candidates."""
    if not problem.groups:
        return ["there are no interest groups: there is nothing to schedule"]
    candidates = candidates if candidates is not None else Candidates(problem)
    warnings = _venue_hours(problem) + _teachers(problem)
    teacher_days: dict[str, int] = defaultdict(int)
    for teacher_id, _ in problem.available:
        teacher_days[teacher_id] += 1
    for group in problem.groups:
        opt = candidates[group.group_id]
        if not opt.venues:
            warnings.append(f"group {_name(group)}: {no_venue_detail(problem, candidates, group)}")
        elif teacher_days[group.teacher_id] < group.sessions_per_week:
            continue  # said about the teacher already
        elif not opt.days:
            warnings.append(f"group {_name(group)}: {no_time_detail(problem, opt)}")
        elif len(opt.days) < group.sessions_per_week:
            warnings.append(f"group {_name(group)}: {too_few_days(opt)[1]}")
    return warnings


def _name(row: Group | Teacher) -> str:
    """The id, and the name when it says more: "G0001 (太极拳)"."""
    ident = row.group_id if isinstance(row, Group) else row.teacher_id
    return f"{ident} ({row.name})" if row.name and row.name != ident else ident


def _listed(ids: list[str]) -> str:
    more = f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""
    return ", ".join(ids[:MAX_LISTED]) + more


def _days(days: list[int]) -> str:
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return f"{len(days)} weekday{'s' * (len(days) != 1)} ({', '.join(names[d - 1] for d in days)})"


def _venue_hours(problem: Problem) -> list[str]:
    opened = {venue for venue, _ in problem.opening}
    closed = [v.venue_id for v in problem.venues if v.venue_id not in opened]
    if not closed:
        return []
    return [f"venue{'s' * (len(closed) > 1)} {_listed(closed)} {'have' if len(closed) > 1 else 'has'} no "
            "opening hours, so nothing can be held there"]  # fmt: skip


def _teachers(problem: Problem) -> list[str]:
    groups: dict[str, list[Group]] = defaultdict(list)
    for group in problem.groups:
        groups[group.teacher_id].append(group)
    days: dict[str, set[int]] = defaultdict(set)
    for teacher_id, weekday in problem.available:
        days[teacher_id].add(weekday)
    warnings = []
    for teacher in problem.teachers:
        tid, taught = teacher.teacher_id, groups.get(teacher.teacher_id, [])
        need = sum(g.sessions_per_week for g in taught)
        ids = _listed([g.group_id for g in taught])
        if not days[tid]:
            warnings.append(
                f"teacher {_name(teacher)} has no availability rows"
                + (f", so the groups {ids} cannot be placed" if taught else " (and teaches no group)")
            )
            continue
        if teacher.max_sessions_per_week is not None and need > teacher.max_sessions_per_week:
            warnings.append(
                f"teacher {_name(teacher)} teaches {need} sessions a week ({ids}) but "
                f"max_sessions_per_week is {teacher.max_sessions_per_week}"
            )
        per_day = teacher.max_sessions_per_day
        if per_day is not None and need > per_day * len(days[tid]):
            warnings.append(
                f"teacher {_name(teacher)} teaches {need} sessions a week ({ids}) but is available "
                f"on {len(days[tid])} weekdays at most {per_day} a day"
            )
        for group in taught:
            if group.sessions_per_week > len(days[tid]):
                warnings.append(
                    f"group {_name(group)} meets {group.sessions_per_week} times a week, on different days, "
                    f"but its teacher {tid} is available on only {_days(sorted(days[tid]))}"
                )
    return warnings
