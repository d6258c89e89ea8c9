"""The timetable as staff read it: names beside ids, category and reason names in the run's
language, tables ready for the workbook, the page and the calendars."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from kecheng.explain import reason_name
from kecheng.i18n import N_, _, weekday
from kecheng.model import Problem
from kecheng.result import Result

CATEGORY_NAMES = {
    "sports": N_("sports"),
    "culture": N_("culture"),
    "arts": N_("arts"),
    "science": N_("science & tech"),
    "services": N_("everyday services"),
}
"""The generator's category codes in words (体育, 文化, 艺术, 科技, 便民服务 in Chinese); a category
written in the input as words is shown as written."""


def weekday_names() -> tuple[str, ...]:
    """Monday … Sunday, short, in the current language: 周一 … 周日 / Mon … Sun."""
    return tuple(weekday(day, short=True) for day in range(1, 8))


def category_name(category: str) -> str:
    return _(CATEGORY_NAMES[category]) if category in CATEGORY_NAMES else category


def next_monday(today: date | None = None) -> date:
    """The Monday after today (a week from today when today is a Monday)."""
    today = today or date.today()
    return today + timedelta(days=7 - today.weekday())


def sessions(problem: Problem, result: Result) -> pd.DataFrame:
    """One row per placed session, with the names staff read beside the ids.

    community/street are the group's (where its members live); venue_community and
    venue_street are where the venue stands. Times stay in minutes for arithmetic.
    """
    rows = []
    for p in result.placements:
        group, venue = problem.group[p.group_id], problem.venue[p.venue_id]
        home, site = problem.community[group.community_id], problem.community[venue.community_id]
        teacher = problem.teacher.get(p.teacher_id)
        rows.append(
            {
                "group_id": p.group_id,
                "group": group.name,
                "category": category_name(group.category),
                "category_id": group.category,
                "session": p.session,
                "weekday": p.weekday,
                "start": p.start,
                "end": p.end,
                "venue_id": p.venue_id,
                "venue": venue.name,
                "venue_community": site.name,
                "venue_street": site.street,
                "teacher_id": p.teacher_id,
                "teacher": teacher.name if teacher else p.teacher_id,
                "community_id": home.community_id,
                "community": home.name,
                "street": home.street,
            }
        )
    columns = ["group_id", "group", "category", "category_id", "session", "weekday", "start", "end"]
    columns += ["venue_id", "venue"]
    columns += [
        "venue_community",
        "venue_street",
        "teacher_id",
        "teacher",
        "community_id",
        "community",
        "street",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["street", "community", "weekday", "start", "group_id"], ignore_index=True)


def unscheduled(problem: Problem, result: Result) -> pd.DataFrame:
    """One row per session not placed, with the group's names and the reason in Chinese."""
    rows = []
    for u in result.unplaced:
        group = problem.group.get(u.group_id)
        home = problem.community.get(group.community_id) if group else None
        teacher = problem.teacher.get(group.teacher_id) if group else None
        rows.append(
            {
                "group_id": u.group_id,
                "group": group.name if group else "",
                "category": category_name(group.category) if group else "",
                "community_id": home.community_id if home else "",
                "community": home.name if home else "",
                "street": home.street if home else "",
                "teacher": teacher.name if teacher else "",
                "session": u.session,
                "reason": u.reason,
                "reason_name": reason_name(u.reason),
                "detail": u.detail,
            }
        )
    columns = ["group_id", "group", "category", "community_id", "community", "street", "teacher", "session"]
    return pd.DataFrame(rows, columns=[*columns, "reason", "reason_name", "detail"])


def open_minutes(problem: Problem) -> int:
    """Minutes all venues are open in the week: the denominator of utilisation."""
    return sum(end - begin for spans in problem.opening.values() for begin, end in spans)
