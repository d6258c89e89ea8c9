"""A timetable.csv (as kecheng writes it, or as staff edited it) read back, every bad cell located."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kecheng.errors import InputError, LocatedIssue, Unreadable, whole_file
from kecheng.model import WEEKDAYS, format_clock, parse_clock
from kecheng.reading.raw import grid_table
from kecheng.reading.text import csv_grid
from kecheng.timetable import TIMETABLE_COLUMNS, Placement, from_frame


def read_timetable(path: str | Path) -> pd.DataFrame:
    """A timetable.csv as a DataFrame (TIMETABLE_COLUMNS; session/weekday int, times "HH:MM")."""
    path, columns, problems = Path(path), list(TIMETABLE_COLUMNS), []
    if not path.is_file():
        raise InputError([whole_file(str(path), "does not exist — check the path")])
    try:
        grid, _ = csv_grid(path)
    except Unreadable as exc:
        raise InputError([whole_file(path.name, exc.message, exc.row)]) from None
    raw = grid_table(grid, path.name, None, columns, columns, problems, [])
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
                wrong[value] = ("the cell is empty" if value == "" else "is not valid") + f" — expected {exc}"
        for row, value in zip(raw.rows, cells, strict=True):
            if value in wrong:
                problems.append(LocatedIssue(path.name, row, column, value, wrong[value]))
        out[column] = [done.get(value) for value in cells]
    problems.sort(key=lambda p: p.row or 0)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(out, columns=columns).astype({"session": "int64", "weekday": "int64"})


def read_placements(path: str | Path) -> list[Placement]:
    """A timetable.csv as placements (locks, last week's timetable); InputError if it is not one."""
    return from_frame(read_timetable(path))


def _cell(column: str, value: str) -> Any:
    """One timetable cell, converted; a ValueError says what was expected."""
    if column == "weekday" and not (value.isascii() and value.isdigit() and int(value) in WEEKDAYS):
        raise ValueError("a weekday number from 1 (Monday) to 7 (Sunday)")
    if column == "session" and not (value.isascii() and value.isdigit()):
        raise ValueError("a whole number, e.g. 1")
    if column in ("start", "end"):
        return format_clock(parse_clock(value))
    if not value:
        raise ValueError("an id")
    return int(value) if column in ("session", "weekday") else value
