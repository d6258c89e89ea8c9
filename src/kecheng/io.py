"""Reading and writing a district's tables: a folder of CSV files, one .xlsx workbook, one JSON
file, timetables.

Staff fix their own spreadsheets, so every problem is reported at once, as one plain line
naming the file (and sheet), the row as a spreadsheet shows it (the header is row 1), the
column as written in their header (with kecheng's name in brackets when that differs), the
bad value, what was expected and how to fix it. The rules live in :mod:`kecheng.model`; the
encodings, Chinese headers and workbook sheets in :mod:`kecheng.read_tables`; this module
puts them together, and writes.

Accepted Chinese headers, file and sheet names, and weekday names are the tables
``COLUMN_ALIASES``, ``TABLE_COLUMN_ALIASES``, ``TABLE_ALIASES`` and ``WEEKDAY_NAMES``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Annotated, Any, TextIO

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from kecheng import model as m
from kecheng.model import TABLES, Problem, columns
from kecheng.read_tables import (
    ABSENT,
    COLUMN_ALIASES,
    MAX_PROBLEMS_PER_TABLE,
    SAVE_AS,
    TABLE_ALIASES,
    TABLE_COLUMN_ALIASES,
    WEEKDAY_NAMES,
    LocatedIssue,
    RawTable,
    Unreadable,
    clean_cells,
    csv_grid,
    find_csv_files,
    find_sheets,
    grid_table,
    short,
    workbook_grids,
)
from kecheng.read_tables import whole_file as _whole_file
from kecheng.rows import Rows

__all__ = [
    "COLUMN_ALIASES", "SAVE_AS", "TABLE_ALIASES", "TABLE_COLUMN_ALIASES", "WEEKDAY_NAMES", "InputError",
    "LoadReport", "LocatedIssue", "json_schema", "load", "load_report", "read_timetable", "validate",
    "write_json", "write_problem", "write_problem_json", "write_problem_xlsx", "write_table",
]  # fmt: skip

log = logging.getLogger(__name__)

_EXAMPLES = {
    "community_id": "C01", "venue_id": "V001", "teacher_id": "T001", "group_id": "G0001",
    "member_id": "M00001", "lat": "29.61", "lon": "106.55", "capacity": "30", "size": "25",
    "sessions_per_week": "2", "duration_min": "90", "max_walk_m": "1000", "priority": "1",
    "weekday": "3", "max_sessions_per_week": "10", "max_sessions_per_day": "3", "grid_min": "15",
}  # fmt: skip
_PLAIN = {
    "missing": "is required but missing", "string_type": "is not text",
    "int_parsing": "is not a whole number", "int_type": "is not a whole number",
    "int_from_float": "is not a whole number", "float_parsing": "is not a number",
    "float_type": "is not a number", "finite_number": "is not a finite number",
    "too_short": "is empty", "string_too_short": "is empty",
    "greater_than": "must be greater than {gt}", "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}", "less_than_equal": "must be at most {le}",
    "dataclass_type": 'is not a row — expected an object such as {{"column": "value", ...}}',
}  # fmt: skip
_BOUNDS = {"exclusiveMinimum": "greater than", "minimum": "at least", "exclusiveMaximum": "less than",
           "maximum": "at most"}  # fmt: skip
_ROW_RULE_COLUMN = {"opening_hours": "close", "availability": "end"}  # where a whole-row rule points
_SETTINGS = [name for name in Problem.model_fields if name not in TABLES]  # grid_min, …: JSON only
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


class InputError(Exception):
    """The input cannot be used; ``problems`` says everything that is wrong, at once.
    ``report`` (when the input could be opened) says how each file was read."""

    def __init__(
        self,
        problems: list[LocatedIssue],
        warnings: list[LocatedIssue] | None = None,
        report: LoadReport | None = None,
    ):
        self.problems, self.warnings, self.report = list(problems), list(warnings or []), report
        super().__init__(self.render(limit=100))

    def render(self, limit: int | None = None) -> str:
        lines = [p.render() for p in self.problems[:limit]]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"… and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """How one table was read: from which file or sheet, in which encoding, with which headers."""

    file: str
    rows: int
    encoding: str | None = None  # CSV only: "UTF-8", "UTF-8 with BOM", "UTF-16" or "GB18030"
    renamed: dict[str, str] = field(default_factory=dict)  # header as written → kecheng's column

    def describe(self) -> str:
        text = f"{self.file}: {self.rows} row{'s' * (self.rows != 1)}"
        text += f", {self.encoding}" if self.encoding else ""
        if self.renamed:
            text += "; columns " + ", ".join(f"{h} → {c}" for h, c in self.renamed.items())
        return text


@dataclass
class LoadReport:
    """What ``load_report`` read: the input's kind, each table's source, and the warnings —
    things that look wrong but do not stop the run (an ignored column, ；between tags)."""

    path: Path
    kind: str  # "folder", "workbook" or "json" ("" when the path is none of them)
    sources: list[SourceInfo] = field(default_factory=list)
    warnings: list[LocatedIssue] = field(default_factory=list)

    @property
    def encodings(self) -> dict[str, str]:
        """file → encoding, for every CSV file read: {"groups.csv": "GB18030", ...}."""
        return {s.file: s.encoding for s in self.sources if s.encoding}

    def lines(self) -> list[str]:
        """One line per table read, e.g. "groups.csv: 60 rows, GB18030; columns 人数 → size"."""
        return [source.describe() for source in self.sources]


class _Unknown:
    """A cell that already failed: it matches no id and breaks no rule, so no follow-on errors."""

    __slots__ = ()

    def __mod__(self, other: object) -> int:
        return 0


def load(path: str | Path) -> Problem:
    """Read a folder of CSV files, an .xlsx workbook or a .json file; raise InputError listing
    every problem. Warnings are logged; ``load_report`` returns them instead."""
    problem, report = load_report(path)
    for warning in report.warnings:
        log.warning(warning.render())
    return problem


def load_report(path: str | Path) -> tuple[Problem, LoadReport]:
    """Like ``load``, and also say how the input was read: ``report.lines()`` gives
    "groups.csv: 60 rows, GB18030" per table, ``report.warnings`` the suspicious things."""
    problem, problems, report = _read(Path(path))
    if problem is None:
        raise InputError(problems, report.warnings, report)
    return problem, report


def validate(path: str | Path) -> list[LocatedIssue]:
    """Every problem with the input (empty when it loads)."""
    return _read(Path(path))[1]


def _read(path: Path) -> tuple[Problem | None, list[LocatedIssue], LoadReport]:
    problems: list[LocatedIssue] = []
    suffix = path.suffix.lower()
    kind = (
        "folder"
        if path.is_dir()
        else {".json": "json", ".xlsx": "workbook", ".xlsm": "workbook"}.get(suffix, "")
    )
    report = LoadReport(path, kind)
    settings: dict[str, Any] = {}
    tables: Iterator[tuple[str, RawTable]] = iter(())
    if not path.exists():
        problems.append(_whole_file(str(path), "does not exist — check the path"))
    elif path.is_dir():
        tables = _csv_tables(path, problems, report.warnings)
    elif suffix == ".json":
        tables = _json_tables(path, problems, report.warnings, settings)
    elif suffix in WORKBOOK_SUFFIXES:
        tables = _workbook_tables(path, problems, report.warnings)
    elif suffix in (".xls", ".et"):
        msg = "is an old Excel (or WPS) workbook — open it and save it as an Excel Workbook (.xlsx)"
        problems.append(_whole_file(str(path), msg))
    else:
        hint = f" ({path.parent})" if suffix == ".csv" else ""
        msg = f"is not a folder, an .xlsx workbook or a .json file — give the folder of CSV files{hint}"
        problems.append(_whole_file(str(path), msg))
    read: dict[str, RawTable] = {}
    rows: dict[str, Any] = {}
    for name, table in tables:  # one table at a time: its text goes once it is rows
        read[name], rows[name] = table, _rows_of(table, name, problems)
        table.cells, table.not_rows = {}, {}
        if table.complete and (len(table) or table.headers or table.encoding):
            renamed = {header: column for column, header in table.headers.items()}
            report.sources.append(SourceInfo(table.file, len(table), table.encoding, renamed))
    if len(read) < len(TABLES):
        return None, problems, report
    return _fit_together(read, rows, settings, problems), problems, report


def _csv_tables(folder: Path, problems: list, warnings: list) -> Iterator[tuple[str, RawTable]]:
    files, _, clashes = find_csv_files(folder)
    for first, second in clashes:
        msg = f"is the same table as {first} — keep one of them"
        problems.append(_whole_file(second, msg))
    for name, model in TABLES.items():
        file = files.get(name, f"{name}.csv")
        table = RawTable(file)
        if name not in files:
            if name not in m.OPTIONAL_TABLES:
                problems.append(_whole_file(file, _missing_file(folder)))
                table.complete = False
            yield name, table
            continue
        try:
            grid, table.encoding = csv_grid(folder / file)
        except Unreadable as exc:
            problems.append(_whole_file(file, exc.message, exc.row))
            table.complete = False
            yield name, table
            continue
        table.complete = _fill(table, grid, name, model, problems, warnings)
        del grid  # the unused columns of a wide export go now, before the rows are validated
        yield name, table


def _missing_file(folder: Path) -> str:
    found = ", ".join(sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".csv")) or "none"
    msg = f"is missing from {folder} (CSV files there: {found}) — add it; a header alone will do"
    if books := sorted(p.name for p in folder.iterdir() if p.suffix.lower() in WORKBOOK_SUFFIXES):
        msg += f"; or, if the tables are sheets of {books[0]}, give that workbook instead of the folder"
    return msg


def _workbook_tables(path: Path, problems: list, warnings: list) -> Iterator[tuple[str, RawTable]]:
    try:
        grids = workbook_grids(path)
    except Unreadable as exc:
        problems.append(_whole_file(path.name, exc.message))
        return
    names = list(grids)
    sheets, ignored, clashes = find_sheets(names)
    for first, second in clashes:
        msg = f'is the same table as sheet "{first}" — keep one of them'
        problems.append(_whole_file(f"{path.name}, sheet {second}", msg))
    for sheet in ignored:
        warnings.append(_whole_file(f"{path.name}, sheet {sheet}", "is not a table kecheng reads; ignored"))
    for name, model in TABLES.items():
        sheet = sheets.get(name)
        table = RawTable(f"{path.name}, sheet {sheet or name}")
        if sheet is None:
            if name not in m.OPTIONAL_TABLES:
                found = ", ".join(f'"{s}"' for s in names) or "none"
                msg = f'has no sheet "{name}" (sheets: {found}) — add it; a header row alone will do'
                problems.append(_whole_file(path.name, msg))
                table.complete = False
        else:
            table.complete = _fill(table, grids.pop(sheet), name, model, problems, warnings)
        yield name, table


def _fill(table: RawTable, grid: np.ndarray, name: str, model: Any, problems: list, warnings: list) -> bool:
    """Read a grid of text cells into ``table``; False (problems said why) if it is not a table."""
    required = [n for n, f in columns(model).items() if f.is_required()]
    raw = grid_table(grid, table.file, name, list(columns(model)), required, problems, warnings)
    if raw is None:
        return False
    table.cells, table.rows, table.headers = raw.cells, raw.rows, raw.headers
    return True


def _json_tables(
    path: Path, problems: list, warnings: list, settings: dict[str, Any]
) -> Iterator[tuple[str, RawTable]]:
    shape = 'the file must hold one object such as {"communities": [...], "venues": [...], ...}'
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
        wrong = None if isinstance(data, dict) else f"has the wrong shape — {shape}"
    except json.JSONDecodeError as exc:
        wrong = f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} — {shape}"
    except (OSError, UnicodeDecodeError) as exc:
        wrong = f"cannot be read as UTF-8 text ({short(exc, 120)}) — save it as UTF-8"
    except RecursionError:
        wrong = f"is nested too deeply to be a district — {shape}"
    if wrong:
        problems.append(_whole_file(path.name, wrong))
        return
    for name in _SETTINGS:
        if data.get(name) is None:
            continue
        try:
            settings[name] = _field_adapter(Problem, name).validate_python(data[name])
        except ValidationError as exc:
            msg = _explain(exc.errors()[0], Problem, name)
            problems.append(LocatedIssue(path.name, None, name, _show(data[name]), msg))
    for name, model in TABLES.items():
        table = RawTable(f"{path.name} ({name})")
        rows = data.pop(name, None)
        if rows is None and name in m.OPTIONAL_TABLES:
            yield name, table
            continue
        if not isinstance(rows, list):
            what = "is missing" if rows is None else "is not a list of rows"
            problems.append(_whole_file(table.file, f'{what} — add "{name}": [...] to the file ([] if none)'))
            table.complete = False
            yield name, table
            continue
        strip = lambda v: v.strip() if isinstance(v, str) else v  # noqa: E731
        table.cells = {
            c: [strip(row.get(c, ABSENT)) if isinstance(row, dict) else ABSENT for row in rows]
            for c in columns(model)
        }
        table.not_rows = {i: row for i, row in enumerate(rows) if not isinstance(row, dict)}
        table.rows = range(1, len(rows) + 1)
        table.complete = not table.not_rows
        del rows
        clean_cells(table, name, warnings)
        yield name, table


CHUNK_ROWS = 20_000
"""Rows validated at a time: a city's members.csv as dicts at once took 38 MB."""


def _rows_of(table: RawTable, name: str, problems: list[LocatedIssue]) -> list[Any] | Rows:
    """A table's rows, validated a chunk at a time; a failed row, located in problems, is kept
    as a stand-in (its bad cells unknown) so that the fit-together checks can still run."""
    model = TABLES[name]
    optional = [n for n, f in columns(model).items() if not f.is_required()]

    def rows() -> Iterator[Any]:
        for start in range(0, len(table), CHUNK_ROWS):
            records = table.records(start, start + CHUNK_ROWS, optional)
            try:
                yield from _adapter(model).validate_python(records)
                continue
            except ValidationError as exc:
                bad: dict[int, set[str | None]] = defaultdict(set)
                for error in exc.errors(include_url=False):
                    index, *rest = error["loc"]
                    record = records[index]
                    cell = rest[0] if rest and isinstance(rest[0], str) else None  # else a rule on the row
                    column = cell or (_ROW_RULE_COLUMN.get(name) if isinstance(record, dict) else None)
                    bad[index].add(column)
                    value = _show(record.get(cell) if isinstance(record, dict) else record)
                    message = _explain(error, model, cell)
                    header = table.headers.get(column) if column else None
                    at = table.row(start + index)
                    problems.append(LocatedIssue(table.file, at, column, value, message, header))
            good = iter(_adapter(model).validate_python([r for i, r in enumerate(records) if i not in bad]))
            for i, record in enumerate(records):
                yield _stand_in(model, record, bad[i]) if i in bad else next(good)

    return Rows(model, rows()) if name in m.LONG_TABLES else list(rows())


def _fit_together(
    tables: dict[str, RawTable], rows: dict[str, Any], settings: dict, problems: list[LocatedIssue]
) -> Problem | None:
    """How the rows fit together (ids unique and known, durations on the grid); every issue
    located back in its file."""
    try:
        issues = m.consistency_issues(Problem.model_construct(**rows, **settings))
    except Exception:  # a stand-in for a failed row tripped a rule; that row is reported already
        if not problems:
            raise
        issues = []
    unchecked = tuple(f" {name}" for name, t in tables.items() if not t.complete)
    firsts: dict[str, dict[Any, int]] = {}
    for issue in issues:
        if isinstance(issue.value, _Unknown) or issue.message.endswith(unchecked):
            continue  # follows from a problem already reported
        table, message, row, value = tables[issue.table], issue.message, None, _show(issue.value)
        if issue.index is not None:
            row = table.row(issue.index)
            if issue.column == next(iter(columns(TABLES[issue.table]))):  # a duplicate id: where first?
                if issue.table not in firsts:
                    firsts[issue.table] = seen = {}
                    for i, r in enumerate(rows[issue.table]):
                        seen.setdefault(getattr(r, issue.column), i)
                first = firsts[issue.table].get(issue.value, issue.index)
                message += f" (first used in row {table.row(first)})" if first != issue.index else ""
        for target, other in tables.items():
            if message.endswith(f" {target}"):
                message += f" — check the spelling, or add it to {other.file}"
        header = table.headers.get(issue.column) if issue.column else None
        problems.append(LocatedIssue(table.file, row, issue.column, value, message, header))
    order = {t.file: i for i, t in enumerate(tables.values())}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))  # file by file, row by row
    problems[:] = _at_most(MAX_PROBLEMS_PER_TABLE, problems)
    return None if problems else Problem(**rows, **settings)


def _at_most(limit: int, problems: list[LocatedIssue]) -> list[LocatedIssue]:
    """The first ``limit`` problems of each file, and a line counting the rest."""
    kept: list[LocatedIssue] = []
    for file, same in groupby(problems, key=lambda p: p.file):
        listed = list(same)
        kept += listed[:limit]
        if len(listed) > limit:
            kept.append(
                _whole_file(file, f"… and {len(listed) - limit} more problems in this file, not listed")
            )
    return kept


def _stand_in(model: type, record: Any, bad: set[str | None]) -> Any:
    """A failed row for the fit-together checks: its good cells as read, its bad ones unknown."""
    record, values = record if isinstance(record, dict) else {}, {}
    for name, info in columns(model).items():
        if name in bad or (name not in record and info.is_required()):
            values[name] = _Unknown()
        elif name not in record:
            values[name] = info.get_default(call_default_factory=True)
        else:
            try:
                values[name] = _field_adapter(model, name).validate_python(record[name])
            except ValidationError:
                values[name] = _Unknown()
    row = object.__new__(model)  # unvalidated on purpose: unknown cells stay unknown
    for name, value in values.items():
        object.__setattr__(row, name, value)
    return row


@cache
def _adapter(model: type) -> TypeAdapter:
    return TypeAdapter(list[model])


@cache
def _field_adapter(model: type, name: str) -> TypeAdapter:
    info = columns(model)[name]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation)


@cache
def _schema(model: type) -> dict[str, Any]:
    return TypeAdapter(model).json_schema()["properties"]


def _explain(error: dict[str, Any], model: type, column: str | None = None) -> str:
    """A pydantic error in plain words, with the form the cell should take (no column: the row)."""
    kind = error["type"]
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (error.get("ctx") or {}).items()}
    if kind == "value_error":
        reason = str(ctx.get("error", error["msg"]))
        if column and error.get("input") == "":
            return f"the cell is empty — {reason}"
        return f"is not valid: {reason}" if column else f"this row {reason}"
    try:
        problem = _PLAIN[kind].format_map(ctx)
    except (KeyError, ValueError):
        problem = error["msg"]
    problem = "the cell is empty" if error.get("input") == "" else problem
    return f"{problem} — expected {_expected(model, column)}" if column else problem


def _expected(model: type, column: str) -> str:
    """What a cell should hold, read off the model's own JSON schema: type, bounds, examples."""
    outer = _schema(model)[column]
    prop = next((p for p in outer.get("anyOf", ()) if p.get("type") != "null"), {}) | outer
    kind = {"integer": "a whole number", "number": "a number"}.get(prop.get("type"), "text")
    kind = "a time as HH:MM on a 24-hour clock" if "pattern" in prop else kind
    kind = "an id" if column.endswith("_id") else kind
    bounds = " and ".join(f"{word} {prop[key]:g}" for key, word in _BOUNDS.items() if key in prop)
    text = f"{kind} {bounds}".strip() + (f" ({prop['description']})" if "description" in prop else "")
    text += ", or 周一 … 周日" if column == "weekday" else ""
    example = prop.get("examples", [_EXAMPLES.get(column)])[0]
    text += f", e.g. {example}" if example else ""
    if "default" in outer:
        default = outer["default"]
        text += "; or leave it empty" + (f" for {default:g}" if isinstance(default, int | float) else "")
    return text


def _show(value: Any) -> str | None:
    if value is None or isinstance(value, _Unknown):
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def read_timetable(path: str | Path) -> pd.DataFrame:
    """A timetable.csv as a DataFrame (TIMETABLE_COLUMNS; session/weekday int, times "HH:MM")."""
    path, columns, problems = Path(path), list(m.TIMETABLE_COLUMNS), []
    if not path.is_file():
        raise InputError([_whole_file(str(path), "does not exist — check the path")])
    try:
        grid, _ = csv_grid(path)
    except Unreadable as exc:
        raise InputError([_whole_file(path.name, exc.message, exc.row)]) from None
    raw = grid_table(grid, path.name, None, columns, columns, problems, [])
    if raw is None:
        raise InputError(problems)
    out = {}
    for column in columns:
        cells = raw.cells[column]
        done, wrong = {}, {}
        for value in set(cells):
            try:
                done[value] = _timetable_cell(column, value)
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


def _timetable_cell(column: str, value: str) -> Any:
    """One timetable cell, converted; a ValueError says what was expected."""
    if column == "weekday" and not (value.isascii() and value.isdigit() and int(value) in m.WEEKDAYS):
        raise ValueError("a weekday number from 1 (Monday) to 7 (Sunday)")
    if column == "session" and not (value.isascii() and value.isdigit()):
        raise ValueError("a whole number, e.g. 1")
    if column in ("start", "end"):
        return m.format_clock(m.parse_clock(value))
    if not value:
        raise ValueError("an id")
    return int(value) if column in ("session", "weekday") else value


def write_problem(problem: Problem, folder: str | Path) -> None:
    """The seven CSV files, such that ``load(folder) == problem`` (the settings such as grid_min
    have no place in them)."""
    cell = lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v)  # noqa: E731
    for name, rows in _dumped(problem).items():
        frame = pd.DataFrame({c: [cell(row[c]) for row in rows] for c in columns(TABLES[name])}, dtype=object)
        write_table(frame, Path(folder) / f"{name}.csv")


def write_problem_json(problem: Problem, path: str | Path) -> None:
    """One JSON file holding every table and the settings (grid_min, …), readable by ``load``."""
    settings = {name: getattr(problem, name) for name in _SETTINGS}
    write_json(_dumped(problem) | settings, path)


def write_problem_xlsx(problem: Problem, path: str | Path) -> None:
    """One .xlsx workbook, a sheet per table, such that ``load(path) == problem`` (settings such
    as grid_min have no place in it). Numbers are number cells; ids, names and times are text
    cells, so that Excel keeps "007" and "08:30" as typed; so is a number that needs more than
    the 15 digits Excel keeps (a generated 121.47489999999999)."""
    from openpyxl import Workbook  # the edge: only writing workbooks needs it here

    def kept(value: Any) -> Any:
        exact = not isinstance(value, float) or float(f"{value:.15g}") == value
        return value if exact else repr(value)

    book = Workbook()
    book.remove(book.active)
    for name, rows in _dumped(problem).items():
        sheet = book.create_sheet(name)
        names = list(columns(TABLES[name]))
        sheet.append(names)
        for row in rows:
            sheet.append([kept(row[c]) for c in names])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "=" like a formula
    _atomic_path(Path(path), book.save)


def _dumped(problem: Problem) -> dict[str, list[dict[str, Any]]]:
    """Each table as JSON-ready rows: times "HH:MM", tags "a;b", absent optional cells None."""
    return {
        name: _adapter(model).dump_python(list(getattr(problem, name)), mode="json")
        for name, model in TABLES.items()
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema of kecheng's JSON input (the tables and settings of ``Problem``), as
    ``kecheng schema`` prints it. Generated from the pydantic models, so it cannot drift."""
    schema = Problem.model_json_schema(mode="validation")
    tags = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    for definition in schema.get("$defs", {}).values():
        for prop in definition.get("properties", {}).values():
            if prop.get("description") == "';'-separated tags":  # lists of tags are read too
                prop |= tags | {"description": '";"-separated tags as one string, or a list of tags'}
                prop.pop("type", None)
            if prop.get("title") == "Weekday":
                prop["description"] += " (周一 … 周日 are read as well)"
    return (
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "kecheng input",
            "description": (
                "A district's week for kecheng: one object whose keys are the tables (each a list of "
                "rows, one object per row, as the CSV files' columns) and optional settings. Times are "
                '"HH:MM" strings on a 24-hour clock; weekday 1 is Monday. "members" may be left out.'
            ),
        }
        | {k: v for k, v in schema.items() if k not in ("title", "description")}
        | {
            "required": [name for name in TABLES if name not in m.OPTIONAL_TABLES],
        }
    )


def write_table(df: pd.DataFrame, path: str | Path) -> None:
    """A UTF-8 CSV, replaced atomically so that no reader ever sees half a file."""
    _atomic(Path(path), lambda f: df.to_csv(f, index=False, lineterminator="\n"))


def write_json(obj: Any, path: str | Path) -> None:
    """Readable UTF-8 JSON (Chinese stays Chinese), replaced atomically."""
    text = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    _atomic(Path(path), lambda f: f.write(text))


def _atomic(path: Path, write: Callable[[TextIO], Any]) -> None:
    def write_text(temp: Path) -> None:
        with open(temp, "w", encoding="utf-8", newline="") as f:
            write(f)

    _atomic_path(path, write_text)


def _atomic_path(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix or ".tmp")
    os.close(fd)
    try:
        write(Path(temp))
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
