"""The independent checker: does a timetable keep every rule of its Problem?

It re-derives each rule straight from the Problem's tables and shares no code with
the candidate filter or the solvers, so a bug there shows up here as a violation
instead of being checked against itself. Clash rules compare sessions only within
one venue, teacher or pair of groups sharing members, never all pairs of sessions.
"""

from __future__ import annotations

import math
import numbers
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any, NamedTuple

import pandas as pd

from kecheng.i18n import _, in_language, join, ngettext, weekday
from kecheng.model import (
    DAY_NAMES,
    Problem,
    distance_m,
    format_clock,
    group_label,
    parse_clock,
    teacher_label,
    venue_label,
)
from kecheng.timetable import TIMETABLE_COLUMNS, Placement

RULES = frozenset(
    {
        "UNKNOWN",
        "DUPLICATE_SESSION",
        "DURATION",
        "CAPACITY",
        "FEATURES",
        "OPENING",
        "VENUE_CLASH",
        "TEACHER_AVAILABILITY",
        "TEACHER_CLASH",
        "TEACHER_WEEK_LIMIT",
        "TEACHER_DAY_LIMIT",
        "SAME_DAY",
        "MEMBER_CLASH",
        "WALK",
        "TRAVEL",
    }
)
"""Every rule code ``check`` can report."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule, in words staff can act on; group/session say where, if anywhere."""

    rule: str
    message: str
    group_id: str | None = None
    session: int | None = None


class _Row(NamedTuple):
    """A timetable row whose ids are known and whose day and times make sense."""

    group_id: str
    session: int | None
    venue_id: str
    teacher_id: str
    weekday: int
    start: int
    end: int


def _id(value: Any) -> str | None:
    """An id as the tables spell it: 12 and 12.0 (pandas) read as "12"; blanks as missing."""
    if value is None or isinstance(value, bool) or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    """A whole number from an int, a numpy int, 2.0 or "2"; anything else is unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _minutes(value: Any) -> int | None:
    """Minutes after midnight from "HH:MM" or a number of minutes (0..1440)."""
    number = None if isinstance(value, str) else _int(value)
    try:
        return parse_clock(number if number is not None else value)
    except ValueError:
        return None


def _show(value: Any) -> str:
    """A raw cell as the user typed it, quoted; blanks named as such."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return _("blank") if missing else f'"{value}"'


def _records(timetable: pd.DataFrame | Iterable[Placement]) -> list[dict[str, Any]]:
    if isinstance(timetable, pd.DataFrame):
        missing = [c for c in TIMETABLE_COLUMNS if c not in timetable.columns]
        if missing:
            raise ValueError(
                _("the timetable lacks the column(s) {columns}").format(columns=", ".join(missing))
            )
        return timetable[list(TIMETABLE_COLUMNS)].to_dict("records")
    return [{c: getattr(p, c, None) for c in TIMETABLE_COLUMNS} for p in timetable]


def _when(day: int, start: int, end: int) -> str:
    return f"{weekday(day, short=True)} {format_clock(start)}–{format_clock(end)}"


def _label(problem: Problem, group_id: str | None, session: int | None) -> str:
    group = group_label(problem, group_id) if group_id else _("a row without group")
    return _("{group} session {session}").format(group=group, session="?" if session is None else session)


def _where(problem: Problem, row: _Row) -> str:
    return _("{session} at {venue} on {when}").format(
        session=_label(problem, row.group_id, row.session),
        venue=venue_label(problem, row.venue_id),
        when=_when(row.weekday, row.start, row.end),
    )


def _spans(windows: list[tuple[int, int]]) -> str:
    return ", ".join(f"{format_clock(a)}–{format_clock(b)}" for a, b in windows)


def _inside(start: int, end: int, windows: list[tuple[int, int]]) -> bool:
    return any(lo <= start and end <= hi for lo, hi in windows)


def _overlapping_pairs(rows: list[_Row]) -> Iterable[tuple[_Row, _Row]]:
    """Each pair of rows whose intervals overlap (touching is fine), once, by a sweep."""
    active: list[_Row] = []
    for row in sorted(rows, key=lambda r: (r.start, _row_key(r))):
        active = [a for a in active if a.end > row.start]
        for earlier in active:
            yield earlier, row
        active.append(row)


def _row_key(row: _Row) -> tuple[str, int, int, int, int, str, str]:
    return (row.group_id, row.session or 0, row.weekday, row.start, row.end, row.venue_id, row.teacher_id)


def _ordered(a: _Row, b: _Row) -> tuple[_Row, _Row]:
    """A pair in a fixed order, so the report does not depend on the order of the rows."""
    return (a, b) if _row_key(a) <= _row_key(b) else (b, a)


@in_language
def check(problem: Problem, timetable: pd.DataFrame | Iterable[Placement]) -> list[Violation]:
    """Every rule the timetable breaks, sorted by group, session, rule; [] means valid.

    A row with an unknown id or an unreadable day or time is reported as UNKNOWN and
    left out of the other rules, which cannot be judged without it.
    """
    found: list[Violation] = []
    rows: list[_Row] = []
    per_group: dict[str, list[int | None]] = defaultdict(list)

    for record in _records(timetable):
        g_id, v_id, t_id = _id(record["group_id"]), _id(record["venue_id"]), _id(record["teacher_id"])
        session, day = _int(record["session"]), _int(record["weekday"])
        start, end = _minutes(record["start"]), _minutes(record["end"])
        group = problem.group.get(g_id) if g_id else None

        def unknown(message: str, g_id: str | None = g_id, session: int | None = session) -> None:
            text = _("{session}: {message}").format(session=_label(problem, g_id, session), message=message)
            found.append(Violation("UNKNOWN", text, g_id, session))

        readable = True
        if group is None:
            unknown(_("no such group {id}").format(id=_show(g_id)))
            readable = False
        elif session is None or not 1 <= session <= group.sessions_per_week:
            unknown(
                _("session {value} is not 1..{n}").format(
                    value=_show(record["session"]), n=group.sessions_per_week
                )
            )
        if v_id not in problem.venue:
            unknown(_("no such venue {id}").format(id=_show(v_id)))
            readable = False
        if t_id not in problem.teacher:
            unknown(_("no such teacher {id}").format(id=_show(t_id)))
            readable = False
        elif group is not None and t_id != group.teacher_id:
            unknown(
                _("taught by {teacher}, but the group's teacher is {own}").format(
                    teacher=teacher_label(problem, t_id), own=teacher_label(problem, group.teacher_id)
                )
            )
        if day is None or day not in DAY_NAMES:
            unknown(_("weekday {value} is not 1..7").format(value=_show(record["weekday"])))
            readable = False
        for name, minutes in (("start", start), ("end", end)):
            if minutes is None:
                unknown(
                    _("{column} {value} is not a time between 00:00 and 24:00").format(
                        column=name, value=_show(record[name])
                    )
                )
                readable = False
        if start is not None and end is not None and end <= start:
            unknown(
                _("ends ({end}) at or before it starts ({start})").format(
                    end=format_clock(end), start=format_clock(start)
                )
            )
            readable = False
        if group is not None:
            per_group[group.group_id].append(session)
        if readable:
            assert g_id and v_id and t_id and day and start is not None and end is not None
            rows.append(_Row(g_id, session, v_id, t_id, day, start, end))

    for g_id, sessions in per_group.items():
        group = problem.group[g_id]
        if len(sessions) > group.sessions_per_week:
            message = _("{group} has {n} sessions placed, but meets {weekly}x a week").format(
                group=group_label(problem, g_id), n=len(sessions), weekly=group.sessions_per_week
            )
            found.append(Violation("UNKNOWN", message, g_id, None))
        counts: dict[int, int] = defaultdict(int)
        for s in sessions:
            if s is not None:
                counts[s] += 1
        for s, n in counts.items():
            if n > 1:
                found.append(
                    Violation(
                        "DUPLICATE_SESSION",
                        _("{session} is placed {n} times").format(session=_label(problem, g_id, s), n=n),
                        g_id,
                        s,
                    )
                )

    found += _single_rules(problem, rows)
    found += _clash_rules(problem, rows)
    return sorted(
        found, key=lambda v: (v.group_id is None, v.group_id or "", v.session or 0, v.rule, v.message)
    )


def _single_rules(problem: Problem, rows: list[_Row]) -> list[Violation]:
    """Rules one session breaks on its own: its length, room, walk, and hours."""
    found: list[Violation] = []
    for row in rows:
        group, venue = problem.group[row.group_id], problem.venue[row.venue_id]

        def add(rule: str, detail: str, row: _Row = row) -> None:
            text = _("{where}: {detail}").format(where=_where(problem, row), detail=detail)
            found.append(Violation(rule, text, row.group_id, row.session))

        if row.end - row.start != group.duration_min:
            add(
                "DURATION",
                _("lasts {minutes} min, the group meets for {duration} min").format(
                    minutes=row.end - row.start, duration=group.duration_min
                ),
            )
        if venue.capacity < group.size:
            add(
                "CAPACITY",
                _("venue holds {capacity}, group has {size}").format(
                    capacity=venue.capacity, size=group.size
                ),
            )
        lacking = group.required_features - venue.features
        if lacking:
            add("FEATURES", _("venue lacks {features}").format(features=join(sorted(lacking))))
        opening = problem.opening.get((row.venue_id, row.weekday), [])
        if not _inside(row.start, row.end, opening):
            hours = (
                _("{venue} is open only {hours}").format(venue=row.venue_id, hours=_spans(opening))
                if opening
                else _("{venue} is closed that day").format(venue=row.venue_id)
            )
            add("OPENING", hours)
        available = problem.available.get((row.teacher_id, row.weekday), [])
        if not _inside(row.start, row.end, available):
            teacher = teacher_label(problem, row.teacher_id)
            hours = (
                _("teacher {teacher} is available only {hours}").format(
                    teacher=teacher, hours=_spans(available)
                )
                if available
                else _("teacher {teacher} is not available that day").format(teacher=teacher)
            )
            add("TEACHER_AVAILABILITY", hours)
        walk = problem.walk_m(row.group_id, row.venue_id)
        if walk > group.max_walk_m:
            add(
                "WALK",
                _("venue is {walk} m from community {community}, the group walks at most {limit} m").format(
                    walk=round(walk), community=group.community_id, limit=round(group.max_walk_m)
                ),
            )
    return found


def _clash_rules(problem: Problem, rows: list[_Row]) -> list[Violation]:
    """Rules broken by sessions together: shared venues, teachers, days and members."""
    found: list[Violation] = []

    def pair(rule: str, a: _Row, b: _Row, detail: str) -> None:
        a, b = _ordered(a, b)
        message = _("{first} and {second}: {detail}").format(
            first=_where(problem, a), second=_where(problem, b), detail=detail
        )
        found.append(Violation(rule, message, a.group_id, a.session))

    by_venue_day: dict[tuple[str, int], list[_Row]] = defaultdict(list)
    by_teacher_day: dict[tuple[str, int], list[_Row]] = defaultdict(list)
    by_group_day: dict[tuple[str, int], list[_Row]] = defaultdict(list)
    by_group: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        by_venue_day[row.venue_id, row.weekday].append(row)
        by_teacher_day[row.teacher_id, row.weekday].append(row)
        by_group_day[row.group_id, row.weekday].append(row)
        by_group[row.group_id].append(row)

    for (venue_id, _day), same in by_venue_day.items():
        for a, b in _overlapping_pairs(same):
            pair("VENUE_CLASH", a, b, _("both in {venue} at once").format(venue=venue_id))
    for (teacher_id, _day), same in by_teacher_day.items():
        for a, b in _overlapping_pairs(same):
            teacher = teacher_label(problem, teacher_id)
            pair("TEACHER_CLASH", a, b, _("teacher {teacher} cannot teach both").format(teacher=teacher))
    for (teacher_id, _day), same in by_teacher_day.items():
        for a, b in combinations(sorted(same, key=lambda r: r.start), 2):
            if a.venue_id == b.venue_id or b.start < a.end:
                continue  # one venue needs no walk; an overlap is a TEACHER_CLASH already
            metres = distance_m(*problem.venue_location(a.venue_id), *problem.venue_location(b.venue_id))
            needed = math.ceil(metres / (problem.walk_speed_kmh * 1000 / 60)) + problem.travel_buffer_min
            if b.start - a.end < needed:
                detail = _(
                    "teacher {teacher} has {minutes} min to get from {first} to {second} ({metres} m), "
                    "needs {needed} min"
                ).format(
                    teacher=teacher_label(problem, teacher_id),
                    minutes=b.start - a.end,
                    first=a.venue_id,
                    second=b.venue_id,
                    metres=f"{metres:.0f}",
                    needed=needed,
                )
                pair("TRAVEL", a, b, detail)
    for (group_id, day), same in by_group_day.items():
        for a, b in combinations(same, 2):
            pair(
                "SAME_DAY",
                a,
                b,
                _("{group} meets twice on {weekday}").format(
                    group=group_label(problem, group_id), weekday=weekday(day)
                ),
            )

    per_week: dict[str, int] = defaultdict(int)
    for (teacher_id, day), same in sorted(by_teacher_day.items()):
        per_week[teacher_id] += len(same)
        limit = problem.teacher[teacher_id].max_sessions_per_day
        if limit is not None and len(same) > limit:
            message = _("teacher {teacher} teaches {n} sessions on {weekday}, at most {limit}").format(
                teacher=teacher_label(problem, teacher_id), n=len(same), weekday=weekday(day), limit=limit
            )
            found.append(Violation("TEACHER_DAY_LIMIT", message))
    for teacher_id, count in per_week.items():
        limit = problem.teacher[teacher_id].max_sessions_per_week
        if limit is not None and count > limit:
            message = _("teacher {teacher} teaches {n} sessions a week, at most {limit}").format(
                teacher=teacher_label(problem, teacher_id), n=count, limit=limit
            )
            found.append(Violation("TEACHER_WEEK_LIMIT", message))

    # Pairs of placed groups that share members, then their sessions: a member sits in few groups.
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    in_groups: dict[str, list[str]] = defaultdict(list)
    for group_id in sorted(by_group):
        for member in problem.group_members.get(group_id, ()):
            in_groups[member].append(group_id)
    for member, groups in in_groups.items():
        for g1, g2 in combinations(groups, 2):
            shared[g1, g2].add(member)
    for (g1, g2), members in shared.items():
        for a in by_group[g1]:
            for b in by_group[g2]:
                if a.weekday == b.weekday and a.start < b.end and b.start < a.end:
                    detail = ngettext(
                        "they share {n} member, {member}",
                        "they share {n} members, e.g. {member}",
                        len(members),
                    ).format(n=len(members), member=min(members))
                    pair("MEMBER_CLASH", a, b, detail)
    return found


def format_violations(violations: Iterable[Violation]) -> str:
    """One line per violation, rule first, for a terminal or a log."""
    return "\n".join(_("{rule}: {message}").format(rule=v.rule, message=v.message) for v in violations)
