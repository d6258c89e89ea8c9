"""Everything ``kecheng.planning`` takes from the rest of kecheng, in one place.

If the rest of the package moves a name, this is the one file to change.
"""

from __future__ import annotations

from typing import Any

from kecheng.check import Violation, check
from kecheng.errors import InputError, Issue, LocatedIssue
from kecheng.explain import unplaced_reasons
from kecheng.model import (
    DAY_NAMES,
    DEFAULT_MAX_WALK_M,
    MINUTES_PER_DAY,
    Community,
    Group,
    Id,
    Latitude,
    Longitude,
    Membership,
    Problem,
    Tags,
    Teacher,
    TimePreferences,
    Venue,
    distance_m,
    format_clock,
    merge_windows,
)
from kecheng.solve import solve
from kecheng.timetable import Placement, to_frame


def issue(
    table: str, index: int | None, column: str | None, value: Any, message: str, kind: str = ""
) -> Issue:
    """An ``Issue``; ``kind`` is "duplicate", "reference" or "" (how the loader words and locates it)."""
    return Issue(table, index, column, value, message, kind)


def located(issues: list[Issue]) -> InputError:
    """An ``InputError`` for issues found in tables given in Python: file = table, row = index + 1."""
    problems = [
        LocatedIssue(i.table, None if i.index is None else i.index + 1, i.column, _show(i.value), i.message)
        for i in issues
    ]
    return InputError(problems)


def _show(value: Any) -> str | None:
    return None if value is None else str(value)


__all__ = [
    "DAY_NAMES",
    "DEFAULT_MAX_WALK_M",
    "MINUTES_PER_DAY",
    "Community",
    "Group",
    "Id",
    "InputError",
    "Issue",
    "Latitude",
    "LocatedIssue",
    "Longitude",
    "Membership",
    "Placement",
    "Problem",
    "Tags",
    "Teacher",
    "TimePreferences",
    "Venue",
    "Violation",
    "check",
    "distance_m",
    "format_clock",
    "issue",
    "located",
    "merge_windows",
    "solve",
    "to_frame",
    "unplaced_reasons",
]
