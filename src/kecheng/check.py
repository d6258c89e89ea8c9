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

from kecheng.model import DAY_NAMES, Problem, distance_m, format_clock, parse_clock
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
    return "blank" if missing else f'"{value}"'


def _records(timetable: pd.DataFrame | Iterable[Placement]) -> list[dict[str, Any]]:
    if isinstance(timetable, pd.DataFrame):
        missing = [c for c in TIMETABLE_COLUMNS if c not in timetable.columns]
        if missing:
            raise ValueError(f"the timetable lacks the column(s) {', '.join(missing)}")
        return timetable[list(TIMETABLE_COLUMNS)].to_dict("records")
    return [{c: getattr(p, c, None) for c in TIMETABLE_COLUMNS} for p in timetable]


def _when(day: int, start: int, end: int) -> str:
    return f"{DAY_NAMES[day]} {format_clock(start)}–{format_clock(end)}"


def _label(group_id: str | None, session: int | None) -> str:
    return f"{group_id or 'a row without group'} session {'?' if session is None else session}"


def _where(row: _Row) -> str:
    return (
        f"{_label(row.group_id, row.session)} at {row.venue_id} on {_when(row.weekday, row.start, row.end)}"
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
            found.append(Violation("UNKNOWN", f"{_label(g_id, session)}: {message}", g_id, session))

        readable = True
        if group is None:
            unknown(f"no such group {_show(g_id)}")
            readable = False
        elif session is None or not 1 <= session <= group.sessions_per_week:
            unknown(f"session {_show(record['session'])} is not 1..{group.sessions_per_week}")
        if v_id not in problem.venue:
            unknown(f"no such venue {_show(v_id)}")
            readable = False
        if t_id not in problem.teacher:
            unknown(f"no such teacher {_show(t_id)}")
            readable = False
        elif group is not None and t_id != group.teacher_id:
            unknown(f"taught by {t_id}, but the group's teacher is {group.teacher_id}")
        if day is None or day not in DAY_NAMES:
            unknown(f"weekday {_show(record['weekday'])} is not 1..7")
            readable = False
        for name, minutes in (("start", start), ("end", end)):
            if minutes is None:
                unknown(f"{name} {_show(record[name])} is not a time between 00:00 and 24:00")
                readable = False
        if start is not None and end is not None and end <= start:
            unknown(f"ends ({format_clock(end)}) at or before it starts ({format_clock(start)})")
            readable = False
        if group is not None:
            per_group[group.group_id].append(session)
        if readable:
            assert g_id and v_id and t_id and day and start is not None and end is not None
            rows.append(_Row(g_id, session, v_id, t_id, day, start, end))

    for g_id, sessions in per_group.items():
        group = problem.group[g_id]
        if len(sessions) > group.sessions_per_week:
            message = (
                f"{g_id} has {len(sessions)} sessions placed, but meets {group.sessions_per_week}x a week"
            )
            found.append(Violation("UNKNOWN", message, g_id, None))
        counts: dict[int, int] = defaultdict(int)
        for s in sessions:
            if s is not None:
                counts[s] += 1
        for s, n in counts.items():
            if n > 1:
                found.append(
                    Violation("DUPLICATE_SESSION", f"{g_id} session {s} is placed {n} times", g_id, s)
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
            found.append(Violation(rule, f"{_where(row)}: {detail}", row.group_id, row.session))

        if row.end - row.start != group.duration_min:
            add("DURATION", f"lasts {row.end - row.start} min, the group meets for {group.duration_min} min")
        if venue.capacity < group.size:
            add("CAPACITY", f"venue holds {venue.capacity}, group has {group.size}")
        lacking = group.required_features - venue.features
        if lacking:
            add("FEATURES", f"venue lacks {', '.join(sorted(lacking))}")
        opening = problem.opening.get((row.venue_id, row.weekday), [])
        if not _inside(row.start, row.end, opening):
            hours = f"open only {_spans(opening)}" if opening else "closed that day"
            add("OPENING", f"{row.venue_id} is {hours}")
        available = problem.available.get((row.teacher_id, row.weekday), [])
        if not _inside(row.start, row.end, available):
            hours = f"available only {_spans(available)}" if available else "not available that day"
            add("TEACHER_AVAILABILITY", f"teacher {row.teacher_id} is {hours}")
        walk = problem.walk_m(row.group_id, row.venue_id)
        if walk > group.max_walk_m:
            add(
                "WALK",
                f"venue is {round(walk)} m from community {group.community_id}, "
                f"the group walks at most {round(group.max_walk_m)} m",
            )
    return found


def _clash_rules(problem: Problem, rows: list[_Row]) -> list[Violation]:
    """Rules broken by sessions together: shared venues, teachers, days and members."""
    found: list[Violation] = []

    def pair(rule: str, a: _Row, b: _Row, detail: str) -> None:
        a, b = _ordered(a, b)
        message = f"{_where(a)} and {_where(b)}: {detail}"
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

    for (venue_id, _), same in by_venue_day.items():
        for a, b in _overlapping_pairs(same):
            pair("VENUE_CLASH", a, b, f"both in {venue_id} at once")
    for (teacher_id, _), same in by_teacher_day.items():
        for a, b in _overlapping_pairs(same):
            pair("TEACHER_CLASH", a, b, f"teacher {teacher_id} cannot teach both")
    for (teacher_id, _), same in by_teacher_day.items():
        for a, b in combinations(sorted(same, key=lambda r: r.start), 2):
            if a.venue_id == b.venue_id or b.start < a.end:
                continue  # one venue needs no walk; an overlap is a TEACHER_CLASH already
            metres = distance_m(*problem.venue_location(a.venue_id), *problem.venue_location(b.venue_id))
            needed = math.ceil(metres / (problem.walk_speed_kmh * 1000 / 60)) + problem.travel_buffer_min
            if b.start - a.end < needed:
                detail = (
                    f"teacher {teacher_id} has {b.start - a.end} min to get "
                    f"from {a.venue_id} to {b.venue_id} "
                    f"({metres:.0f} m), needs {needed} min"
                )
                pair("TRAVEL", a, b, detail)
    for (group_id, day), same in by_group_day.items():
        for a, b in combinations(same, 2):
            pair("SAME_DAY", a, b, f"{group_id} meets twice on {DAY_NAMES[day]}")

    per_week: dict[str, int] = defaultdict(int)
    for (teacher_id, day), same in sorted(by_teacher_day.items()):
        per_week[teacher_id] += len(same)
        limit = problem.teacher[teacher_id].max_sessions_per_day
        if limit is not None and len(same) > limit:
            message = (
                f"teacher {teacher_id} teaches {len(same)} sessions on {DAY_NAMES[day]}, at most {limit}"
            )
            found.append(Violation("TEACHER_DAY_LIMIT", message))
    for teacher_id, count in per_week.items():
        limit = problem.teacher[teacher_id].max_sessions_per_week
        if limit is not None and count > limit:
            message = f"teacher {teacher_id} teaches {count} sessions a week, at most {limit}"
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
                    detail = f"they share {len(members)} member(s), e.g. {min(members)}"
                    pair("MEMBER_CLASH", a, b, detail)
    return found


def format_violations(violations: Iterable[Violation]) -> str:
    """One line per violation, rule first, for a terminal or a log."""
    return "\n".join(f"{v.rule}: {v.message}" for v in violations)
