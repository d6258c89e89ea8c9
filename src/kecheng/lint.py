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
from kecheng.explain import features_nowhere, no_time_detail, no_venue_detail, too_few_days
from kecheng.i18n import _, in_language, join, labelled, ngettext, weekday
from kecheng.model import Group, Problem, Teacher
from kecheng.planning.model import Interest, PlanProblem

MAX_LISTED = 5  # ids listed in one warning before "… and N more"


@in_language
def lint(problem: Problem, candidates: Candidates | None = None) -> list[str]:
    """Suspicious-but-usable things in ``problem``, one plain sentence each. A group's warnings are
    worded as its sessions' reasons in unscheduled.csv will be, from the same candidates."""
    if not problem.groups:
        return [_("there are no interest groups: there is nothing to schedule")]
    candidates = candidates if candidates is not None else Candidates(problem)
    warnings = _venue_hours(problem) + _teachers(problem)
    teacher_days: dict[str, int] = defaultdict(int)
    for teacher_id, _day in problem.available:
        teacher_days[teacher_id] += 1
    for group in problem.groups:
        opt = candidates[group.group_id]
        if not opt.venues:
            warnings.append(_about(group, no_venue_detail(problem, candidates, group)))
        elif teacher_days[group.teacher_id] < group.sessions_per_week:
            continue  # said about the teacher already
        elif not opt.days:
            warnings.append(_about(group, no_time_detail(problem, opt)))
        elif len(opt.days) < group.sessions_per_week:
            warnings.append(_about(group, too_few_days(opt, problem)[1]))
    return warnings


@in_language
def plan_lint(pp: PlanProblem, candidates: Candidates | None = None) -> list[str]:
    """``lint`` of the running groups, plus the ordered interests that no new group can ever
    hold: one needing a feature no venue has is as likely a typo as a group's."""
    candidates = candidates if candidates is not None else Candidates(pp.problem)
    warnings = lint(pp.problem, candidates) if pp.problem.groups else []
    ordered = {o.interest_id for o in pp.orders}
    for interest in pp.interests:
        nowhere = sorted(interest.required_features - candidates.features)
        if interest.interest_id in ordered and nowhere:
            warnings.append(_interest(interest, features_nowhere(nowhere)))
    return warnings


def _interest(interest: Interest, detail: str) -> str:
    return _("interest {interest}: {detail}").format(
        interest=labelled(interest.name, interest.interest_id), detail=detail
    )


def _about(group: Group, detail: str) -> str:
    return _("group {group}: {detail}").format(group=_name(group), detail=detail)


def _name(row: Group | Teacher) -> str:
    """The id, and the name when it says more: "G0001 (太极拳)"."""
    ident = row.group_id if isinstance(row, Group) else row.teacher_id
    return labelled(row.name, ident)


def _listed(ids: list[str]) -> str:
    more = len(ids) - MAX_LISTED
    tail = ngettext(" and {n} more", " and {n} more", more).format(n=more) if more > 0 else ""
    return join(ids[:MAX_LISTED]) + tail


def _days(days: list[int]) -> str:
    return ngettext("{n} weekday ({days})", "{n} weekdays ({days})", len(days)).format(
        n=len(days), days=join(weekday(d) for d in days)
    )


def _venue_hours(problem: Problem) -> list[str]:
    opened = {venue for venue, _day in problem.opening}
    closed = [v.venue_id for v in problem.venues if v.venue_id not in opened]
    if not closed:
        return []
    text = ngettext(
        "venue {venues} has no opening hours, so nothing can be held there",
        "venues {venues} have no opening hours, so nothing can be held there",
        len(closed),
    )
    return [text.format(venues=_listed(closed))]


def _teachers(problem: Problem) -> list[str]:
    groups: dict[str, list[Group]] = defaultdict(list)
    for group in problem.groups:
        groups[group.teacher_id].append(group)
    days: dict[str, set[int]] = defaultdict(set)
    for teacher_id, day in problem.available:
        days[teacher_id].add(day)
    warnings = []
    for teacher in problem.teachers:
        tid, taught = teacher.teacher_id, groups.get(teacher.teacher_id, [])
        need = sum(g.sessions_per_week for g in taught)
        ids = _listed([g.group_id for g in taught])
        if not days[tid]:
            warnings.append(
                (
                    _("teacher {teacher} has no availability rows, so the groups {groups} cannot be placed")
                    if taught
                    else _("teacher {teacher} has no availability rows (and teaches no group)")
                ).format(teacher=_name(teacher), groups=ids)
            )
            continue
        if teacher.max_sessions_per_week is not None and need > teacher.max_sessions_per_week:
            warnings.append(
                _(
                    "teacher {teacher} teaches {n} sessions a week ({groups}) "
                    "but max_sessions_per_week is {limit}"
                ).format(teacher=_name(teacher), n=need, groups=ids, limit=teacher.max_sessions_per_week)
            )
        per_day = teacher.max_sessions_per_day
        if per_day is not None and need > per_day * len(days[tid]):
            warnings.append(
                _(
                    "teacher {teacher} teaches {n} sessions a week ({groups}) but is available "
                    "on {days} weekdays at most {limit} a day"
                ).format(teacher=_name(teacher), n=need, groups=ids, days=len(days[tid]), limit=per_day)
            )
        for group in taught:
            if group.sessions_per_week > len(days[tid]):
                warnings.append(
                    _(
                        "group {group} meets {n} times a week, on different days, "
                        "but its teacher {teacher} is available on only {days}"
                    ).format(
                        group=_name(group),
                        n=group.sessions_per_week,
                        teacher=_name(teacher),
                        days=_days(sorted(days[tid])),
                    )
                )
    return warnings
