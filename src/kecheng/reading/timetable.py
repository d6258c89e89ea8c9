"""A timetable.csv (as kecheng writes it, or as staff edited it) read back, every bad cell located."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kecheng.errors import InputError, LocatedIssue, Unreadable, whole_file
from kecheng.i18n import LANGUAGES, _, use_language, weekday
from kecheng.model import WEEKDAYS, format_clock, parse_clock
from kecheng.reading.raw import grid_table
from kecheng.reading.text import csv_grid, workbook_grids
from kecheng.timetable import TIMETABLE_COLUMNS, Placement, from_frame


def read_timetable(path: str | Path) -> pd.DataFrame:
    """A timetable.csv as a DataFrame (TIMETABLE_COLUMNS; session/weekday int, times "HH:MM")."""
    path = Path(path)
    if not path.is_file():
        raise InputError([whole_file(str(path), _("does not exist — check the path"))])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _workbook_timetable(path)
    try:
        grid, _encoding = csv_grid(path)
    except Unreadable as exc:
        raise InputError([whole_file(path.name, exc.message, exc.row)]) from None
    return _timetable_from_grid(grid, path.name)


def _timetable_from_grid(grid: np.ndarray, file: str) -> pd.DataFrame:
    columns: list[str] = list(TIMETABLE_COLUMNS)
    problems: list[LocatedIssue] = []
    raw = grid_table(grid, file, None, columns, columns, problems, [])
    if raw is None or raw.missing:
        raise InputError(problems)
    out = {}
    for column in columns:
        cells = raw.cells[column]
        done, wrong = {}, {}
        for value in set(cells):
            try:
                done[value] = _cell(column, value)
            except ValueError as exc:
                problem = _("the cell is empty") if value == "" else _("is not valid")
                wrong[value] = _("{problem} — expected {expected}").format(problem=problem, expected=exc)
        for row, value in zip(raw.rows, cells, strict=True):
            if value in wrong:
                problems.append(LocatedIssue(file, row, column, value, wrong[value], raw.headers.get(column)))
        out[column] = [done.get(value) for value in cells]
    problems.sort(key=lambda p: p.row or 0)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(out, columns=columns).astype({"session": "int64", "weekday": "int64"})


TIMETABLE_SHEETS = ("timetable", "课表")
"""The timetable sheet of kecheng's timetable.xlsx, as named in English and in Chinese."""


def _workbook_timetable(path: Path) -> pd.DataFrame:
    """The timetable sheet of a timetable.xlsx that kecheng wrote (headers and weekday names in
    either language are read back; extra columns such as names are ignored)."""
    from kecheng.report.xlsx import timetable_headers  # the workbook's own words, both languages

    try:
        grids = workbook_grids(path)
    except Unreadable as exc:
        raise InputError([whole_file(path.name, exc.message)]) from None
    sheet = next((name for name in grids if name.strip().lower() in TIMETABLE_SHEETS), None)
    if sheet is None:
        found = ", ".join(f'"{name}"' for name in grids)
        message = _(
            'has no sheet "timetable" (sheets: {found}) — give the timetable.xlsx kecheng wrote, '
            "or the timetable.csv beside it"
        ).format(found=found)
        raise InputError([whole_file(path.name, message)])
    grid = grids[sheet].copy()
    names = {header: column for lang in LANGUAGES for column, header in timetable_headers(lang).items()}
    days = {name: str(day) for lang in LANGUAGES for day, name in weekday_names(lang)}
    if len(grid):
        header = [names.get(str(cell).strip(), cell) for cell in grid[0]]
        grid[0] = header
        if "weekday" in header:
            at = header.index("weekday")
            grid[1:, at] = [days.get(str(cell).strip(), cell) for cell in grid[1:, at]]
    return _timetable_from_grid(grid, _("{book}, sheet {sheet}").format(book=path.name, sheet=sheet))


def weekday_names(lang: str) -> list[tuple[int, str]]:
    """(weekday number, its name) in a language, long and short forms both."""
    with use_language(lang):
        return [(day, weekday(day, short)) for short in (False, True) for day in range(1, 8)]


def read_placements(path: str | Path) -> list[Placement]:
    """A timetable.csv as placements (locks, last week's timetable); InputError if it is not one."""
    return from_frame(read_timetable(path))


def _cell(column: str, value: str) -> Any:
    """One timetable cell, converted; a ValueError says what was expected."""
    if column == "weekday" and not (value.isascii() and value.isdigit() and int(value) in WEEKDAYS):
        raise ValueError(_("a weekday number from 1 (Monday) to 7 (Sunday)"))
    if column == "session" and not (value.isascii() and value.isdigit()):
        raise ValueError(_("a whole number, e.g. 1"))
    if column in ("start", "end"):
        return format_clock(parse_clock(value))
    if not value:
        raise ValueError(_("an id"))
    return int(value) if column in ("session", "weekday") else value
