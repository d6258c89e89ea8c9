"""timetable.xlsx: the timetable as staff read it in Excel or WPS.

Sheets: "timetable" (every placed session, names beside ids, filterable), "unscheduled"
(with reasons), one sheet per street holding a week grid per venue standing in it, and one
"teachers" sheet holding a week grid per teacher. A district has 600 venues and 750
teachers: a sheet each would be unusable, grids stacked on a few sheets stay scrollable.
In a grid, rows are times of day in grid steps and a session is one merged cell.

Written with XlsxWriter, pandas' write-only Excel engine: openpyxl needed 7 s for a
district (each merge rescans every earlier merge, each style is hashed per cell);
XlsxWriter writes the same workbook in under a second.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from kecheng.i18n import N_, _, join, labelled, use_language
from kecheng.model import Problem, format_clock
from kecheng.report.frames import sessions, unscheduled, weekday_names
from kecheng.result import Result

if TYPE_CHECKING:
    from kecheng.term import TermCalendar

TIMETABLE_HEADERS = {
    "street": N_("street"), "community": N_("community"), "group_id": N_("group id"), "group": N_("group"),
    "category": N_("category"), "session": N_("session"), "weekday": N_("weekday"), "start": N_("start"),
    "end": N_("end"), "venue_id": N_("venue id"), "venue": N_("venue"),
    "venue_community": N_("venue's community"), "teacher_id": N_("teacher id"), "teacher": N_("teacher"),
}  # fmt: skip
"""The timetable sheet's columns and their headings (translated when written, read back in either)."""
UNSCHEDULED_HEADERS = {
    "street": N_("street"), "community": N_("community"), "group_id": N_("group id"), "group": N_("group"),
    "category": N_("category"), "teacher": N_("teacher"), "session": N_("session"),
    "reason": N_("reason code"), "reason_name": N_("reason"), "detail": N_("detail"),
}  # fmt: skip
SHEETS = {"timetable": N_("timetable"), "unscheduled": N_("unscheduled"), "teachers": N_("teachers"),
          "calendar": N_("term calendar")}  # fmt: skip
"""The workbook's own sheets (the per-street sheets are named after their street)."""
CATEGORY_COLOURS = {
    "sports": "#DDEBF7",
    "culture": "#FCE4D6",
    "arts": "#E2EFDA",
    "science": "#FFF2CC",
    "services": "#EDE1F5",
}


def timetable_headers(lang: str | None = None) -> dict[str, str]:
    """Column → the timetable sheet's heading for it, in ``lang`` (default: the current language)."""
    with use_language(lang):
        return {column: _(heading) for column, heading in TIMETABLE_HEADERS.items()}


DAY_WIDTH, LINE_PT = 26, 15.0  # weekday column width (characters), a text line's height (points)
STYLES: dict[str, dict[str, Any]] = {
    "head": {"bold": True, "bg_color": "#D9D9D9", "border": 1, "border_color": "#A6A6A6", "align": "center"},
    "title": {"bold": True, "font_size": 12},
    "hour": {"border": 1, "border_color": "#A6A6A6", "align": "center"},
    "quarter": {"border": 1, "border_color": "#A6A6A6", "align": "center", "font_color": "#808080"},
    "wrap": {"text_wrap": True, "valign": "top"},
    **{
        name: {"text_wrap": True, "valign": "top", "border": 1, "border_color": "#7F7F7F", "bg_color": colour}
        for name, colour in {**CATEGORY_COLOURS, "other": "#F2F2F2"}.items()
    },
}


def render(problem: Problem, result: Result, term: TermCalendar | None = None) -> bytes:
    """The whole workbook as .xlsx bytes; with a term, a dated "calendar" sheet at the end."""
    placed, missing = sessions(problem, result), unscheduled(problem, result)
    buffer = io.BytesIO()
    # Cells are data, never formulas or links: a group named "=HYPERLINK(…)" stays text.
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(buffer, options)
    book.set_properties({"title": _("timetable"), "author": "kecheng"})
    styles = {name: book.add_format(spec) for name, spec in STYLES.items()}
    names = weekday_names()
    shown = placed.assign(
        weekday=placed["weekday"].map(lambda d: names[d - 1]),
        start=placed["start"].map(format_clock),
        end=placed["end"].map(format_clock),
    )
    sheet_names = {key: _(name) for key, name in SHEETS.items()}
    _table(book.add_worksheet(sheet_names["timetable"]), shown, timetable_headers(), styles)
    unscheduled_headers = {column: _(heading) for column, heading in UNSCHEDULED_HEADERS.items()}
    _table(book.add_worksheet(sheet_names["unscheduled"]), missing, unscheduled_headers, styles)
    used = {sheet_names["timetable"], sheet_names["unscheduled"], sheet_names["teachers"]}
    step = problem.grid_min
    records = list(placed.itertuples(index=False))  # plain tuples: a grid per venue, fast
    for street in sorted({s.venue_street for s in records}):
        sheet, row = book.add_worksheet(_sheet_title(street, used)), 0
        for venue_id, items in _by(s for s in records if s.venue_street == street).items():
            venue = problem.venue[venue_id]
            title = _("venue {venue} · {community} · holds {capacity} · {n} sessions a week").format(
                venue=labelled(venue.name, venue_id),
                community=items[0].venue_community,
                capacity=venue.capacity,
                n=len(items),
            )
            row = _grid(sheet, row, title, items, lambda s: f"{s.group}\n{s.teacher}", step, styles)
    sheet, row = book.add_worksheet(sheet_names["teachers"]), 0
    for teacher_id, items in _by(records, "teacher_id").items():
        title = _("teacher {teacher} · {n} sessions a week").format(
            teacher=labelled(items[0].teacher, teacher_id), n=len(items)
        )
        row = _grid(sheet, row, title, items, lambda s: f"{s.group}\n{s.venue}", step, styles)
    if term is not None:
        _term_sheet(
            book, book.add_worksheet(_sheet_title(sheet_names["calendar"], used)), problem, term, styles
        )
    book.close()
    return buffer.getvalue()


def _table(sheet: Worksheet, frame: pd.DataFrame, headers: dict[str, str], styles: dict[str, Any]) -> None:
    """A plain table with headings in the run's language, a frozen header row, filters and fitted widths.
    Every text cell is a string cell: a name such as "=HYPERLINK(…)" is never a formula."""
    columns = list(headers)
    sheet.write_row(0, 0, [headers[c] for c in columns], styles["head"])
    for row, values in enumerate(frame[columns].itertuples(index=False), start=1):
        sheet.write_row(row, 0, [v.item() if hasattr(v, "item") else v for v in values])
    for index, column in enumerate(columns):
        texts = [headers[column], *frame[column].astype(str).head(2000)]
        sheet.set_column(index, index, min(60, max(_width(text) for text in texts) + 2))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(frame)), len(columns) - 1)


def _grid(
    sheet: Worksheet,
    row: int,
    title: str,
    items: list[Any],
    label: Callable[..., str],
    step: int,
    styles: dict[str, Any],
) -> int:
    """One week grid (title, weekday header, a row per time step) at row; returns the next free row."""
    sheet.write(row, 0, title, styles["title"])
    sheet.write_row(row + 1, 0, [_("time"), *weekday_names()], styles["head"])
    top = min(s.start for s in items)
    top = top - top % (60 if 60 % step == 0 else step)
    rows = math.ceil((max(s.end for s in items) - top) / step)
    for i in range(rows):
        minute = top + i * step
        sheet.write(row + 2 + i, 0, format_clock(minute), styles["quarter" if minute % 60 else "hour"])
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    texts: dict[tuple[int, int], str] = {}
    heights: dict[int, float] = {}
    for s in sorted(items, key=lambda s: (s.weekday, s.start)):
        first = row + 2 + (s.start - top) // step
        last = row + 2 + max(0, math.ceil((s.end - top) / step) - 1)
        column, text = s.weekday, f"{format_clock(s.start)}–{format_clock(s.end)}\n{label(s)}"
        clash = next((anchors[r, column] for r in range(first, last + 1) if (r, column) in anchors), None)
        if clash:  # never happens in a checked timetable; shown rather than lost
            texts[clash] += "\n" + text
            sheet.write(*clash, texts[clash], styles["other"])
            continue
        style = styles.get(s.category_id, styles["other"])
        if last > first:
            sheet.merge_range(first, column, last, column, text, style)
        else:
            sheet.write(first, column, text, style)
        texts[first, column] = text
        anchors.update({(r, column): (first, column) for r in range(first, last + 1)})
        lines = sum(math.ceil(max(1, _width(line)) / (DAY_WIDTH - 2)) for line in text.split("\n"))
        for r in range(first, last + 1):  # Excel never grows merged cells: make short ones readable
            heights[r] = max(heights.get(r, LINE_PT), lines * LINE_PT / (last - first + 1))
    for r, height in heights.items():
        if height > LINE_PT:
            sheet.set_row(r, height)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 7, DAY_WIDTH)
    return row + 2 + rows + 1


def _by(records: Iterable[Any], key: str = "venue_id") -> dict[str, list[Any]]:
    """Records grouped by one field, in the order of its values."""
    groups: dict[str, list[Any]] = {}
    for record in records:
        groups.setdefault(getattr(record, key), []).append(record)
    return dict(sorted(groups.items()))


def _sheet_title(name: str, used: set[str]) -> str:
    """A legal, unique sheet title: ≤ 31 characters, none of []:*?/\\, not "History"."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "sheet"
    base = base + "_" if base.lower() == "history" else base
    title, n = base[:31], 1
    while title.lower() in {u.lower() for u in used}:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    used.add(title)
    return title


def _width(text: str) -> int:
    """Display width in Excel's units: a Chinese character is as wide as two Latin ones."""
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in text.split("\n")
    )


# ---------------------------------------------------------------- the term's calendar sheet

TERM_TEXT = {
    "title": N_("term calendar: {start} to {end} · {weeks} weeks"),
    "follow": N_("make-up working days follow the weekday they replace"),
    "ignore": N_("make-up working days are ordinary days for classes (no extra classes)"),
    "source": N_("public holidays: {source}"),
    "week": N_("week"),
    "monday": N_("Monday's date"),
    "notes": N_("notes"),
    "outside": N_("outside the term"),
    "date": N_("{month}/{day}"),
    "closed_all": N_("all venues closed"),
    "closed": N_("no class"),
    "and_more": N_("and {count} in all"),
    "closed_reason": N_("{label}: {reason}"),
}
"""Every label on the calendar sheet (English ids, translated where written)."""
TERM_STYLES: dict[str, dict[str, Any]] = {
    name: {"text_wrap": True, "valign": "top", "border": 1, "border_color": "#A6A6A6", **extra}
    for name, extra in {
        "day": {},
        "holiday": {"bg_color": "#F8CBAD", "bold": True},
        "makeup": {"bg_color": "#FFE699"},
        "closure": {"bg_color": "#D9D9D9"},
        "outside": {"font_color": "#A6A6A6"},
        "monday": {"num_format": "yyyy-mm-dd", "align": "center"},
        "number": {"align": "center"},
    }.items()
}
TERM_STYLES["warning"] = {"font_color": "#C00000"}
MAX_VENUES_SHOWN = 3


def _term_sheet(
    book: xlsxwriter.Workbook, sheet: Worksheet, problem: Problem, term: TermCalendar, styles: dict[str, Any]
) -> None:
    """Week by week: week number, Monday's date, the seven dates with holidays, make-up days and
    closures marked in colour and named, and the week's notes (empty in an ordinary week)."""
    own = {name: book.add_format(spec) for name, spec in TERM_STYLES.items()}
    weeks, text = term.term.weeks(), {key: _(words) for key, words in TERM_TEXT.items()}
    names = weekday_names()
    title = text["title"].format(start=term.term.start, end=term.term.end, weeks=len(weeks))
    sheet.write(0, 0, title, styles["title"])
    sheet.write(1, 0, text[term.makeup])
    sheet.write(2, 0, text["source"].format(source=term.source))
    for row, warning in enumerate(term.warnings, start=3):
        sheet.write(row, 0, warning, own["warning"])
    top = 4 + len(term.warnings)
    sheet.write_row(top, 0, [text["week"], text["monday"], *names, text["notes"]], styles["head"])
    for number, days in enumerate(weeks, start=1):
        row = top + number
        sheet.write_number(row, 0, number, own["number"])
        sheet.write_datetime(row, 1, days[0], own["monday"])
        holidays: dict[str, list[str]] = {}  # name → its dates in this week
        notes: list[str] = []
        lines = 1
        for column, day in enumerate(days, start=2):
            label = text["date"].format(month=day.month, day=day.day)
            if not term.term.start <= day <= term.term.end:
                sheet.write(row, column, f"{label}\n{text['outside']}", own["outside"])
                continue
            marks = term.notes(day)
            style = "holiday" if day in term.holidays else "makeup" if day in term.makeup_days else "day"
            if day in term.holidays:
                holidays.setdefault(term.holidays[day], []).append(label)
            elif marks:
                notes.append(f"{label} {names[day.weekday()]} {_(', ').join(marks)}")
            if closed := term.closures.get(day):
                marks.append(_closed(problem, closed))
                notes.append(f"{label} {names[day.weekday()]} {marks[-1]}")
                style = "closure" if style == "day" else style
            sheet.write(row, column, "\n".join([label, *marks]), own[style])
            lines = max(lines, 1 + len(marks))
        runs = [
            f"{name} {dates[0]}" + (f"–{dates[-1]}" if len(dates) > 1 else "")
            for name, dates in holidays.items()
        ]
        sheet.write(row, 9, _("; ").join(runs + notes), own["day"])
        if lines > 1:
            sheet.set_row(row, LINE_PT * lines)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 8, 16)
    sheet.set_column(9, 9, 60)
    sheet.freeze_panes(top + 1, 2)


def _closed(problem: Problem, closed: dict[str, str]) -> str:
    """A day's closures as staff read them: 全部场地停课：区运动会, or 停课：V0001 星光活动室、… 等 5 处."""
    from kecheng.term import EVERY_VENUE

    if EVERY_VENUE in closed:
        reason = closed[EVERY_VENUE]
        label = _(TERM_TEXT["closed_all"])
        return _(TERM_TEXT["closed_reason"]).format(label=label, reason=reason) if reason else label
    names = [labelled(problem.venue[v].name, v) if v in problem.venue else v for v in closed]
    shown = join(names[:MAX_VENUES_SHOWN])
    if len(names) > MAX_VENUES_SHOWN:
        shown += " " + _(TERM_TEXT["and_more"]).format(count=len(names))
    reasons = join(dict.fromkeys(r for r in closed.values() if r))
    text = _(TERM_TEXT["closed_reason"]).format(label=_(TERM_TEXT["closed"]), reason=shown)
    return text + (_(" ({reasons})").format(reasons=reasons) if reasons else "")
