"""The timetable as staff read it: names beside ids, Chinese category and reason names, tables
ready for the workbook, the page and the calendars."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd

from kecheng.model import Problem
from kecheng.result import Result

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
CATEGORY_NAMES = {
    "sports": "体育",
    "culture": "文化",
    "arts": "艺术",
    "science": "科技",
    "services": "便民服务",
}
REASON_NAMES = {
    "NO_VENUE_FITS": "没有合适的场地",
    "NO_COMMON_TIME": "老师与场地没有共同时间",
    "TEACHER_LIMIT": "老师课时已满",
    "CROWDED_OUT": "场地时段已被占满",
    "SEARCH_LIMIT": "求解时间不够",
}


def next_monday(today: date | None = None) -> date:
    """The Monday after today (a week from today when today is a Monday)."""
    today = today or date.today()
    return today + timedelta(days=7 - today.weekday())


def safe_name(text: str) -> str:
    """An id as a file name on any system: letters, digits (any script), '-', '_' and '.' only."""
    return re.sub(r"[^\w.-]", "_", text).strip(".") or "_"


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
                "category": CATEGORY_NAMES.get(group.category, group.category),
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
    columns = ["group_id", "group", "category", "session", "weekday", "start", "end", "venue_id", "venue"]
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
                "category": CATEGORY_NAMES.get(group.category, group.category) if group else "",
                "community_id": home.community_id if home else "",
                "community": home.name if home else "",
                "street": home.street if home else "",
                "teacher": teacher.name if teacher else "",
                "session": u.session,
                "reason": u.reason,
                "reason_zh": REASON_NAMES.get(u.reason, u.reason),
                "detail": u.detail,
            }
        )
    columns = ["group_id", "group", "category", "community_id", "community", "street", "teacher", "session"]
    return pd.DataFrame(rows, columns=[*columns, "reason", "reason_zh", "detail"])


def open_minutes(problem: Problem) -> int:
    """Minutes all venues are open in the week: the denominator of utilisation."""
    return sum(end - begin for spans in problem.opening.values() for begin, end in spans)
