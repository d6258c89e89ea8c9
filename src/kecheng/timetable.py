"""The timetable: placed sessions, the ones left out, and their table form (timetable.csv).

A ``Placement`` is one session of a group at a venue and time; sessions of a group are numbered
1, 2, … by weekday, a number once given (a lock, last week's session) being kept. Every module
that makes, reads or compares timetables goes through here, so the numbering and the columns
of timetable.csv are defined once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from kecheng.model import format_clock, parse_clock

TIMETABLE_COLUMNS = ("group_id", "session", "venue_id", "teacher_id", "weekday", "start", "end")
UNSCHEDULED_COLUMNS = ("group_id", "session", "reason", "detail")


@dataclass(frozen=True, slots=True, order=True)
class Placement:
    """One placed session (times in minutes after midnight); ``session`` 0 means not numbered yet."""

    group_id: str
    session: int
    venue_id: str
    teacher_id: str
    weekday: int
    start: int
    end: int

    @property
    def slot(self) -> tuple[str, int, str, int, int]:
        """Where and when, without the session number: what "kept" compares."""
        return (self.group_id, self.weekday, self.venue_id, self.start, self.end)


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A session that is not on the timetable, and why, in plain words."""

    group_id: str
    session: int
    reason: str
    detail: str


def number_sessions(placements: Iterable[Placement]) -> list[Placement]:
    """Number a group's sessions 1, 2, … by weekday; a session that has a number keeps it."""
    placements = sorted(placements, key=lambda p: (p.weekday, p.start))
    taken = {p.session for p in placements if p.session}
    free = iter(n for n in range(1, len(placements) + len(taken) + 1) if n not in taken)
    out = [p if p.session else replace(p, session=next(free)) for p in placements]
    return sorted(out, key=lambda p: p.session)


def by_group(placements: Iterable[Placement]) -> defaultdict[str, list[Placement]]:
    """group_id → its placements, in the order given."""
    found: defaultdict[str, list[Placement]] = defaultdict(list)
    for p in placements:
        found[p.group_id].append(p)
    return found


def in_group_order(group_ids: Iterable[str], placements: Iterable[Placement]) -> list[Placement]:
    """Groups in the given (input) order, each group's sessions numbered: how timetable.csv lists them."""
    found = by_group(placements)
    return [p for g in group_ids for p in number_sessions(found.get(g, ()))]


def to_frame(
    placements: Iterable[Placement], changed: Mapping[tuple[str, int], str] | None = None
) -> pd.DataFrame:
    """One row per placed session, times as HH:MM: the shape of timetable.csv (with a ``changed``
    column when ``changed`` maps (group_id, session) to no / moved / new)."""
    placements = list(placements)
    rows = [
        (
            p.group_id,
            p.session,
            p.venue_id,
            p.teacher_id,
            p.weekday,
            format_clock(p.start),
            format_clock(p.end),
        )
        for p in placements
    ]
    frame = pd.DataFrame(rows, columns=list(TIMETABLE_COLUMNS))
    if changed is not None:
        frame["changed"] = [changed[p.group_id, p.session] for p in placements]
    return frame


def from_frame(frame: pd.DataFrame) -> list[Placement]:
    """Rows of a timetable (times as HH:MM or minutes) back into placements."""
    return [
        Placement(
            str(row.group_id),
            int(row.session),
            str(row.venue_id),
            str(row.teacher_id),
            int(row.weekday),
            parse_clock(row.start),
            parse_clock(row.end),
        )
        for row in frame[list(TIMETABLE_COLUMNS)].itertuples(index=False)
    ]


def unscheduled_frame(unplaced: Iterable[Unplaced]) -> pd.DataFrame:
    """One row per session not placed: the shape of unscheduled.csv."""
    rows = [(u.group_id, u.session, u.reason, u.detail) for u in unplaced]
    return pd.DataFrame(rows, columns=list(UNSCHEDULED_COLUMNS))
