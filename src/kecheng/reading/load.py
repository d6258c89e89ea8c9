"""A district's tables from a folder of CSV files, one .xlsx workbook or one JSON file.

Staff fix their own spreadsheets, so every problem is reported at once, as one plain line
naming the file (and sheet), the row as a spreadsheet shows it (the header is row 1), the
column as written in their header (with kecheng's name in brackets when that differs), the
bad value, what was expected and how to fix it. Tables are read one at a time, and a table's
text goes once it is rows, so that a city's files never sit in memory twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kecheng.errors import InputError, LocatedIssue, Unreadable, whole_file
from kecheng.i18n import _, in_language, ngettext
from kecheng.model import LONG_TABLES, OPTIONAL_TABLES, SETTINGS, TABLES, Problem, consistency_issues
from kecheng.reading.aliases import (
    PLAN_TABLE_ALIASES,
    TABLE_ALIASES,
    alias_keys,
    column_of,
    find_csv_files,
    find_sheets,
)
from kecheng.reading.raw import ABSENT, RawTable, clean_cells, grid_table
from kecheng.reading.text import csv_grid, short, workbook_grids
from kecheng.validation import columns_of, locate, sort_and_cap, validate_rows, validate_settings

log = logging.getLogger(__name__)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SIDE_SHEETS = frozenset(
    {"closures", "停课", "停课日期", "locked"}
    | {name for table, aliases in PLAN_TABLE_ALIASES.items() for name in (table, *aliases)}
)
"""Sheets a workbook may hold beside the district's tables (closures for ``--term``, residents'
orders for ``kecheng plan``): not warned about."""


@dataclass(frozen=True)
class TableSpec:
    """One table kecheng reads: its rows' type, whether the file may be absent, whether it is long
    (held as columns), and the other names its file or sheet may have (兴趣小组 for groups)."""

    name: str
    row_type: type
    optional: bool = False
    long: bool = False
    aliases: tuple[str, ...] = ()


DISTRICT_TABLES: dict[str, TableSpec] = {
    name: TableSpec(name, row_type, name in OPTIONAL_TABLES, name in LONG_TABLES, TABLE_ALIASES.get(name, ()))
    for name, row_type in TABLES.items()
}
"""The tables of a district's week, in the order they are read and reported."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """How one table was read: from which file or sheet, in which encoding, with which headers."""

    file: str
    rows: int
    encoding: str | None = None  # CSV only: "UTF-8", "UTF-8 with BOM", "UTF-16" or "GB18030"
    renamed: dict[str, str] = field(default_factory=dict)  # header as written → kecheng's column

    def describe(self) -> str:
        text = ngettext("{file}: {n} row", "{file}: {n} rows", self.rows).format(file=self.file, n=self.rows)
        text += f", {_(self.encoding)}" if self.encoding else ""
        if self.renamed:
            renamed = ", ".join(f"{h} → {c}" for h, c in self.renamed.items())
            text += _("; columns {renamed}").format(renamed=renamed)
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


@dataclass
class TablesRead:
    """Tables read from one input: each table's rows and where they came from, the settings (JSON
    only), and every problem found so far. ``complete`` is False when a table could not be read at all."""

    rows: dict[str, Any]
    sources: dict[str, RawTable]
    settings: dict[str, Any]
    problems: list[LocatedIssue]
    report: LoadReport
    complete: bool


@in_language
def load(path: str | Path) -> Problem:
    """Read a folder of CSV files, an .xlsx workbook or a .json file; raise InputError listing
    every problem. Warnings are logged; ``load_report`` returns them instead."""
    problem, report = load_report(path)
    for warning in report.warnings:
        log.warning(warning.render())
    return problem


@in_language
def load_report(path: str | Path) -> tuple[Problem, LoadReport]:
    """Like ``load``, and also say how the input was read: ``report.lines()`` gives
    "groups.csv: 60 rows, GB18030" per table, ``report.warnings`` the suspicious things."""
    problem, problems, report = _read(Path(path))
    if problem is None:
        raise InputError(problems, report.warnings, report)
    return problem, report


@in_language
def validate(path: str | Path) -> list[LocatedIssue]:
    """Every problem with the input (empty when it loads)."""
    return _read(Path(path))[1]


def _read(path: Path) -> tuple[Problem | None, list[LocatedIssue], LoadReport]:
    read = read_tables(path, DISTRICT_TABLES)
    if not read.complete:
        return None, read.problems, read.report
    _members_as_residents(path, read)
    try:
        issues = consistency_issues(Problem.model_construct(**read.rows, **read.settings))
    except Exception:  # a stand-in for a failed row tripped a rule; that row is reported already
        if not read.problems:
            raise
        issues = []
    locate(issues, read.sources, read.rows, read.problems)
    sort_and_cap(read.problems, [source.file for source in read.sources.values()])
    if read.problems:
        return None, read.problems, read.report
    return Problem.model_validate(read.rows | read.settings, context={"checked": True}), [], read.report


def _members_as_residents(path: Path, read: TablesRead) -> None:
    """Group members in a file named 居民.csv, the name of ``kecheng plan``'s residents table (it
    was read as members before residents' orders came): said in a warning, not silently dropped."""
    if not path.is_dir() or read.sources["members"].present:
        return
    files, _ignored, _clashes = find_csv_files(path, {"residents": PLAN_TABLE_ALIASES["residents"]})
    name = files.get("residents")
    if name is None:
        return
    try:
        grid, _encoding = csv_grid(path / name)
    except Unreadable:
        return
    keys = alias_keys("members", list(columns_of(TABLES["members"])))
    if len(grid) and any(column_of(str(cell), keys) == "group_id" for cell in grid[0]):
        message = _(
            "has a group_id column, but a file of this name is kecheng plan's residents table, not the "
            "members of groups: rename it members.csv (or 成员.csv), else its members are not read"
        )
        read.report.warnings.append(whole_file(name, message))


def read_tables(path: Path, specs: Mapping[str, TableSpec]) -> TablesRead:
    """The tables ``specs`` names from a folder, a workbook or a JSON file, validated row by row (a
    failed row is a located problem and a stand-in); how they fit together is the caller's to check."""
    problems: list[LocatedIssue] = []
    suffix = path.suffix.lower()
    kind = (
        "folder"
        if path.is_dir()
        else {".json": "json", **dict.fromkeys(WORKBOOK_SUFFIXES, "workbook")}.get(suffix, "")
    )
    report = LoadReport(path, kind)
    settings: dict[str, Any] = {}
    tables: Iterator[tuple[str, RawTable]] = iter(())
    if not path.exists():
        problems.append(whole_file(str(path), _("does not exist — check the path")))
    elif path.is_dir():
        tables = _csv_tables(path, specs, problems, report.warnings)
    elif suffix == ".json":
        tables = _json_tables(path, specs, problems, report.warnings, settings)
    elif suffix in WORKBOOK_SUFFIXES:
        tables = _workbook_tables(path, specs, problems, report.warnings)
    elif suffix in (".xls", ".et"):
        msg = _("is an old Excel (or WPS) workbook — open it and save it as an Excel Workbook (.xlsx)")
        problems.append(whole_file(str(path), msg))
    else:
        hint = f" ({path.parent})" if suffix == ".csv" else ""
        msg = _(
            "is not a folder, an .xlsx workbook or a .json file — give the folder of CSV files{hint}"
        ).format(hint=hint)
        problems.append(whole_file(str(path), msg))
    sources: dict[str, RawTable] = {}
    rows: dict[str, Any] = {}
    for name, table in tables:  # one table at a time: its text goes once it is rows
        spec = specs[name]
        sources[name] = table
        rows[name] = validate_rows(table, spec.row_type, long=spec.long, problems=problems)
        table.cells, table.not_rows = {}, {}
        if table.complete and (len(table) or table.headers or table.encoding):
            renamed = {header: column for column, header in table.headers.items()}
            report.sources.append(SourceInfo(table.file, len(table), table.encoding, renamed))
    return TablesRead(rows, sources, settings, problems, report, len(sources) == len(specs))


def _csv_tables(
    folder: Path, specs: Mapping[str, TableSpec], problems: list, warnings: list
) -> Iterator[tuple[str, RawTable]]:
    files, _ignored, clashes = find_csv_files(folder, _names(specs))
    for first, second in clashes:
        problems.append(
            whole_file(second, _("is the same table as {first} — keep one of them").format(first=first))
        )
    for name, spec in specs.items():
        file = files.get(name, f"{name}.csv")
        table = RawTable(file)
        if name not in files:
            table.present = False
            if not spec.optional:
                problems.append(whole_file(file, _missing_file(folder)))
                table.complete = False
            yield name, table
            continue
        try:
            grid, table.encoding = csv_grid(folder / file)
        except Unreadable as exc:
            problems.append(whole_file(file, exc.message, exc.row))
            table.complete = False
            yield name, table
            continue
        table.complete = _fill(table, grid, spec, problems, warnings)
        del grid  # the unused columns of a wide export go now, before the rows are validated
        yield name, table


def _names(specs: Mapping[str, TableSpec]) -> dict[str, tuple[str, ...]]:
    return {name: spec.aliases for name, spec in specs.items()}


def _missing_file(folder: Path) -> str:
    found = ", ".join(sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".csv")) or _("none")
    msg = _("is missing from {folder} (CSV files there: {found}) — add it; a header alone will do").format(
        folder=folder, found=found
    )
    if books := sorted(p.name for p in folder.iterdir() if p.suffix.lower() in WORKBOOK_SUFFIXES):
        msg += _("; or, if the tables are sheets of {book}, give that workbook instead of the folder").format(
            book=books[0]
        )
    return msg


def _workbook_tables(
    path: Path, specs: Mapping[str, TableSpec], problems: list, warnings: list
) -> Iterator[tuple[str, RawTable]]:
    try:
        grids = workbook_grids(path)
    except Unreadable as exc:
        problems.append(whole_file(path.name, exc.message))
        return
    names = list(grids)
    sheets, ignored, clashes = find_sheets(names, _names(specs))
    for first, second in clashes:
        problems.append(
            whole_file(
                _("{book}, sheet {sheet}").format(book=path.name, sheet=second),
                _('is the same table as sheet "{first}" — keep one of them').format(first=first),
            )
        )
    for sheet in ignored:
        if sheet.strip().lower() in SIDE_SHEETS:
            continue  # read by the workflow when it needs it
        warnings.append(
            whole_file(
                _("{book}, sheet {sheet}").format(book=path.name, sheet=sheet),
                _("is not a table kecheng reads; ignored"),
            )
        )
    for name, spec in specs.items():
        sheet = sheets.get(name)
        table = RawTable(_("{book}, sheet {sheet}").format(book=path.name, sheet=sheet or name))
        if sheet is None:
            table.present = False
            if not spec.optional:
                found = ", ".join(f'"{s}"' for s in names) or _("none")
                msg = _(
                    'has no sheet "{name}" (sheets: {found}) — add it; a header row alone will do'
                ).format(name=name, found=found)
                problems.append(whole_file(path.name, msg))
                table.complete = False
        else:
            table.complete = _fill(table, grids.pop(sheet), spec, problems, warnings)
        yield name, table


def _fill(table: RawTable, grid: np.ndarray, spec: TableSpec, problems: list, warnings: list) -> bool:
    """Read a grid of text cells into ``table``; False (problems said why) if its ids are unknown."""
    fields = columns_of(spec.row_type)
    required = [n for n, f in fields.items() if f.is_required()]
    raw = grid_table(grid, table.file, spec.name, list(fields), required, problems, warnings, spec.row_type)
    if raw is None:
        return False
    table.cells, table.rows, table.headers, table.missing = raw.cells, raw.rows, raw.headers, raw.missing
    return next(iter(fields)) not in raw.missing  # without its id column, no reference to it can be checked


def _json_tables(
    path: Path, specs: Mapping[str, TableSpec], problems: list, warnings: list, settings: dict[str, Any]
) -> Iterator[tuple[str, RawTable]]:
    shape = _('the file must hold one object such as {{"communities": [...], "venues": [...], ...}}').format()
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
        wrong = None if isinstance(data, dict) else _("has the wrong shape — {shape}").format(shape=shape)
    except json.JSONDecodeError as exc:
        wrong = _("is not valid JSON: {reason} at line {line}, column {column} — {shape}").format(
            reason=exc.msg, line=exc.lineno, column=exc.colno, shape=shape
        )
    except (OSError, UnicodeDecodeError) as exc:
        wrong = _("cannot be read as UTF-8 text ({reason}) — save it as UTF-8").format(reason=short(exc, 120))
    except RecursionError:
        wrong = _("is nested too deeply to be a district — {shape}").format(shape=shape)
    if wrong:
        problems.append(whole_file(path.name, wrong))
        return
    settings.update(validate_settings(data, Problem, SETTINGS, path.name, problems))
    for name, spec in specs.items():
        table = RawTable(f"{path.name} ({name})")
        rows = data.pop(name, None)
        if rows is None and spec.optional:
            table.present = False
            yield name, table
            continue
        if not isinstance(rows, list):
            what = _("is missing") if rows is None else _("is not a list of rows")
            fix = _('{what} — add "{name}": [...] to the file ([] if none)').format(what=what, name=name)
            problems.append(whole_file(table.file, fix))
            table.complete = False
            yield name, table
            continue
        strip = lambda v: v.strip() if isinstance(v, str) else v  # noqa: E731
        aliases = {c: info.alias or c for c, info in columns_of(spec.row_type).items()}  # "with": with_
        table.cells = {
            c: [
                strip(row.get(c, row.get(alias, ABSENT))) if isinstance(row, dict) else ABSENT for row in rows
            ]
            for c, alias in aliases.items()
        }
        table.not_rows = {i: row for i, row in enumerate(rows) if not isinstance(row, dict)}
        table.rows = range(1, len(rows) + 1)
        table.complete = not table.not_rows
        del rows
        clean_cells(table, spec.row_type, warnings)
        yield name, table
