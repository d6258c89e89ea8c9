"""Reading and writing a district's tables: a folder of CSV files, one JSON file, timetables.

Staff fix their own spreadsheets, so every problem is reported at once, as one plain line
naming the file, the row as a spreadsheet shows it (the header is row 1), the column, the
bad value, what was expected and how to fix it. The rules live in :mod:`kecheng.model`;
this module only reads, writes and locates.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from io import StringIO
from pathlib import Path
from typing import Annotated, Any, TextIO

import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError

from kecheng import model as m
from kecheng.model import TABLES, Problem

log = logging.getLogger(__name__)

SAVE_AS = 'in Excel or WPS use "Save as" → "CSV UTF-8 (comma delimited)"'
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
    "model_type": 'is not a row — expected an object such as {{"column": "value", ...}}',
}  # fmt: skip
_BOUNDS = {"exclusiveMinimum": "greater than", "minimum": "at least", "exclusiveMaximum": "less than",
           "maximum": "at most"}  # fmt: skip
_ROW_RULE_COLUMN = {"opening_hours": "close", "availability": "end"}  # where a whole-row rule points
_GRID: int = Problem.model_fields["grid_min"].default


@dataclass(frozen=True, slots=True)
class LocatedIssue:
    """One problem, located as staff see it: file, spreadsheet row (header = 1), column."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def render(self) -> str:
        where = [self.file] + [f"row {self.row}"] * (self.row is not None)
        where += [f'column "{self.column}"'] * bool(self.column)
        value = f'"{self.value}" ' if self.value else ""
        return f"{', '.join(where)}: {value}{self.message}"


def _whole_file(file: str, message: str, row: int | None = None) -> LocatedIssue:
    return LocatedIssue(file, row, None, None, message)


class InputError(Exception):
    """The input cannot be used; ``problems`` says everything that is wrong, at once."""

    def __init__(self, problems: list[LocatedIssue], warnings: list[LocatedIssue] | None = None):
        self.problems, self.warnings = list(problems), list(warnings or [])
        super().__init__(self.render(limit=100))

    def render(self, limit: int | None = None) -> str:
        lines = [p.render() for p in self.problems[:limit]]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"… and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


@dataclass
class _Table:
    file: str  # as staff see it: "groups.csv" or "input.json (groups)"
    first_row: int  # the row number of the first data row: 2 in a CSV (after the header), 1 in JSON
    records: list[Any] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # each record's 0-based place in the file
    complete: bool = True  # every row was read as a row, so all its ids are known

    def row(self, index: int) -> int:
        return self.positions[index] + self.first_row


class _Unknown:
    """A cell that already failed: it matches no id and breaks no rule, so no follow-on errors."""

    __slots__ = ()

    def __mod__(self, other: object) -> int:
        return 0


def load(path: str | Path) -> Problem:
    """Read a folder of CSV files or one .json file; raise InputError listing every problem."""
    problem, problems, warnings = _read(Path(path))
    if problem is None:
        raise InputError(problems, warnings)
    for warning in warnings:
        log.warning(warning.render())
    return problem


def validate(path: str | Path) -> list[LocatedIssue]:
    """Every problem with the input (empty when it loads)."""
    return _read(Path(path))[1]


def _read(path: Path) -> tuple[Problem | None, list[LocatedIssue], list[LocatedIssue]]:
    problems: list[LocatedIssue] = []
    warnings: list[LocatedIssue] = []
    tables, grid = None, _GRID
    if not path.exists():
        problems.append(_whole_file(str(path), "does not exist — check the path"))
    elif path.is_dir():
        tables = _csv_tables(path, problems, warnings)
    elif path.suffix.lower() == ".json":
        tables, grid = _json_tables(path, problems)
    else:
        hint = f" ({path.parent})" if path.suffix.lower() == ".csv" else ""
        msg = f"is not a folder or a .json file — give the folder of CSV files{hint}"
        problems.append(_whole_file(str(path), msg))
    return (None if tables is None else _validate(tables, grid, problems)), problems, warnings


def _csv_tables(folder: Path, problems: list, warnings: list) -> dict[str, _Table]:
    tables = {}
    for name, model in TABLES.items():
        table = tables[name] = _Table(f"{name}.csv", 2)
        if not (folder / table.file).is_file():
            if name not in m.OPTIONAL_TABLES:
                found = ", ".join(sorted(p.name for p in folder.glob("*.[cC][sS][vV]"))) or "none"
                msg = f"is missing from {folder} (CSV files there: {found}) — add it; a header alone will do"
                problems.append(_whole_file(table.file, msg))
                table.complete = False
            continue
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        frame = _read_csv(folder / table.file, list(model.model_fields), required, problems, warnings)
        if frame is None:
            table.complete = False
            continue
        table.positions, table.records = frame.index.tolist(), frame.to_dict("records")
        _drop_blanks(table.records, model)
    return tables


def _json_tables(path: Path, problems: list[LocatedIssue]) -> tuple[dict[str, _Table] | None, int]:
    shape = 'the file must hold one object such as {"communities": [...], "venues": [...], ...}'
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
        wrong = None if isinstance(data, dict) else f"has the wrong shape — {shape}"
    except json.JSONDecodeError as exc:
        wrong = f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} — {shape}"
    except (OSError, UnicodeDecodeError) as exc:
        wrong = f"cannot be read as UTF-8 text ({exc}) — save it as UTF-8"
    if wrong:
        problems.append(_whole_file(path.name, wrong))
        return None, _GRID
    grid = _GRID if data.get("grid_min") is None else data["grid_min"]
    try:
        grid = _field_adapter(Problem, "grid_min").validate_python(grid)
    except ValidationError as exc:
        msg = _explain(exc.errors()[0], Problem, "grid_min")
        problems.append(LocatedIssue(path.name, None, "grid_min", _show(grid), msg))
        grid = _GRID
    tables = {}
    for name, model in TABLES.items():
        table = tables[name] = _Table(f"{path.name} ({name})", 1)
        rows = data.get(name)
        if rows is None and name in m.OPTIONAL_TABLES:
            continue
        if not isinstance(rows, list):
            what = "is missing" if rows is None else "is not a list of rows"
            problems.append(_whole_file(table.file, f'{what} — add "{name}": [...] to the file ([] if none)'))
            table.complete = False
            continue
        table.records = [
            {k: v.strip() if isinstance(v, str) else v for k, v in row.items() if k in model.model_fields}
            if isinstance(row, dict)
            else row
            for row in rows
        ]
        table.positions = list(range(len(rows)))
        table.complete = all(isinstance(row, dict) for row in rows)
        _drop_blanks(table.records, model)
    return tables, grid


def _drop_blanks(records: list[Any], model: type[BaseModel]) -> None:
    """An empty optional cell means "use the default", as if the column were absent."""
    optional = [n for n, f in model.model_fields.items() if not f.is_required()]
    for record in records if optional else ():
        for name in optional if isinstance(record, dict) else ():
            if record.get(name, 0) in ("", None):
                del record[name]


def _validate(tables: dict[str, _Table], grid: int, problems: list[LocatedIssue]) -> Problem | None:
    """Rows one by one, then how they fit together; every issue located back in its file."""
    rows: dict[str, list[Any]] = {}
    for name, model in TABLES.items():
        table = tables[name]
        try:
            rows[name] = _adapter(model).validate_python(table.records)
            continue
        except ValidationError as exc:
            bad: dict[int, set[str | None]] = defaultdict(set)
            for error in exc.errors(include_url=False):
                index, *rest = error["loc"]
                record = table.records[index]
                cell = rest[0] if rest and isinstance(rest[0], str) else None  # else a rule on the row
                column = cell or (_ROW_RULE_COLUMN.get(name) if isinstance(record, dict) else None)
                value = _show(record.get(cell) if isinstance(record, dict) else record)
                message = _explain(error, model, cell)
                problems.append(LocatedIssue(table.file, table.row(index), column, value, message))
                bad[index].add(column)
        good = iter(_adapter(model).validate_python([r for i, r in enumerate(table.records) if i not in bad]))
        rows[name] = [
            _stand_in(model, r, bad[i]) if i in bad else next(good) for i, r in enumerate(table.records)
        ]

    try:
        issues = m.consistency_issues(Problem.model_construct(**rows, grid_min=grid))
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
            row, record = table.row(issue.index), table.records[issue.index]
            value = _show(record.get(issue.column, issue.value)) if isinstance(record, dict) else value
            if issue.column == next(iter(TABLES[issue.table].model_fields)):  # a duplicate id: where first?
                if issue.table not in firsts:
                    firsts[issue.table] = seen = {}
                    for i, r in enumerate(rows[issue.table]):
                        seen.setdefault(getattr(r, issue.column), i)
                first = firsts[issue.table].get(issue.value, issue.index)
                message += f" (first used in row {table.row(first)})" if first != issue.index else ""
        for target, other in tables.items():
            if message.endswith(f" {target}"):
                message += f" — check the spelling, or add it to {other.file}"
        problems.append(LocatedIssue(table.file, row, issue.column, value, message))
    order = {t.file: i for i, t in enumerate(tables.values())}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))  # file by file, row by row
    return None if problems else Problem(**rows, grid_min=grid)


def _stand_in(model: type[BaseModel], record: Any, bad: set[str | None]) -> BaseModel:
    """A failed row for the fit-together checks: its good cells as read, its bad ones unknown."""
    record, values = record if isinstance(record, dict) else {}, {}
    for name, info in model.model_fields.items():
        if name in bad or (name not in record and info.is_required()):
            values[name] = _Unknown()
        elif name not in record:
            values[name] = info.get_default(call_default_factory=True)
        else:
            try:
                values[name] = _field_adapter(model, name).validate_python(record[name])
            except ValidationError:
                values[name] = _Unknown()
    return model.model_construct(**values)


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[model])


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    info = model.model_fields[name]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation)


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()["properties"]


def _explain(error: dict[str, Any], model: type[BaseModel], column: str | None = None) -> str:
    """A pydantic error in plain words, with the form the cell should take (no column: the row)."""
    kind = error["type"]
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (error.get("ctx") or {}).items()}
    if kind == "value_error":
        reason = str(ctx.get("error", error["msg"]))
        return f"is not valid: {reason}" if column else f"this row {reason}"
    try:
        problem = _PLAIN[kind].format_map(ctx)
    except (KeyError, ValueError):
        problem = error["msg"]
    problem = "the cell is empty" if error.get("input") == "" else problem
    return f"{problem} — expected {_expected(model, column)}" if column else problem


def _expected(model: type[BaseModel], column: str) -> str:
    """What a cell should hold, read off the model's own JSON schema: type, bounds, examples."""
    outer = _schema(model)[column]
    prop = next((p for p in outer.get("anyOf", ()) if p.get("type") != "null"), {}) | outer
    kind = {"integer": "a whole number", "number": "a number"}.get(prop.get("type"), "text")
    kind = "a time as HH:MM on a 24-hour clock" if "pattern" in prop else kind
    kind = "an id" if column.endswith("_id") else kind
    bounds = " and ".join(f"{word} {prop[key]:g}" for key, word in _BOUNDS.items() if key in prop)
    text = f"{kind} {bounds}".strip() + (f" ({prop['description']})" if "description" in prop else "")
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


def _read_csv(file: Path, known: list[str], required: list[str], problems: list, warnings: list) -> Any:
    """The data rows of a CSV file as stripped strings of the known columns, indexed by their
    0-based data position; None (with the reasons in problems) when it is not a usable table."""
    fail = lambda message, row=None: problems.append(_whole_file(file.name, message, row))  # noqa: E731
    try:
        data = file.read_bytes()
    except OSError as exc:
        return fail(f"could not be opened ({exc.strerror}) — close it in Excel or WPS and try again")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return fail(f"is an Excel workbook, not a CSV file — {SAVE_AS}")
    if b"\x00" in data:
        return fail(f"is not a text file (it holds binary data) — {SAVE_AS}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return fail(f"is not UTF-8 text (first odd byte on line {line}; perhaps GBK) — {SAVE_AS}")
    if not text.strip():
        return fail(f"is empty — row 1 must be the header: {', '.join(known)}")
    try:
        frame = pd.read_csv(
            StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except Exception as exc:  # the parser's own words, located when it says where
        return fail(*_parser_message(str(exc)))
    frame = frame.fillna("").apply(lambda column: column.str.strip())
    header, body = [str(name) for name in frame.iloc[0]], frame.iloc[1:]
    body.index -= 1
    where: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in where:
            msg = f'appears twice in the header — keep one column "{name}", rename or delete the other'
            problems.append(LocatedIssue(file.name, 1, name, None, msg))
        elif name in known:
            where[name] = position
        elif name:
            warnings.append(LocatedIssue(file.name, 1, name, None, "is not a column kecheng uses; ignored"))
    if missing := [c for c in required if c not in where]:
        found = ", ".join(f'"{n}"' for n in header if n) or "no names"
        wanted = ", ".join(f'"{n}"' for n in missing)
        fail(f"is missing the column(s) {wanted} (found {found}) — row 1 must name: {', '.join(known)}", 1)
    if missing or len(where) < sum(name in known for name in header):
        return None
    body = body[body.ne("").any(axis=1)]  # blank lines are skipped, yet rows keep their numbers
    body = body[list(where.values())]
    body.columns = list(where)
    return body


def _parser_message(text: str) -> tuple[str, int | None]:
    if found := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        fix = "delete the extra cells, or put quotes around values that hold commas"
        return f"has {found[3]} cells but the header has {found[1]} — {fix}", int(found[2])
    if found := re.search(r"EOF inside string starting at row (\d+)", text):
        return 'has a quote mark (") that is never closed — close or delete it', int(found[1]) + 1
    return f"could not be read as CSV ({text.strip()}) — {SAVE_AS}", None


def read_timetable(path: str | Path) -> pd.DataFrame:
    """A timetable.csv as a DataFrame (TIMETABLE_COLUMNS; session/weekday int, times "HH:MM")."""
    path, columns, problems = Path(path), list(m.TIMETABLE_COLUMNS), []
    if not path.is_file():
        raise InputError([_whole_file(str(path), "does not exist — check the path")])
    frame = _read_csv(path, columns, columns, problems, [])
    if frame is None:
        raise InputError(problems)
    out = {}
    for column in columns:
        done, wrong = {}, {}
        for value in frame[column].unique():
            try:
                done[value] = _timetable_cell(column, value)
            except ValueError as exc:
                wrong[value] = ("the cell is empty" if value == "" else "is not valid") + f" — expected {exc}"
        for position, value in frame[column].items():
            if value in wrong:
                problems.append(LocatedIssue(path.name, position + 2, column, value, wrong[value]))
        out[column] = frame[column].map(done).tolist()
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
    """The seven CSV files, such that ``load(folder) == problem`` (grid_min has no place in them)."""
    cell = lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v)  # noqa: E731
    for name, model in TABLES.items():
        dumped = _adapter(model).dump_python(list(getattr(problem, name)), mode="json")
        frame = pd.DataFrame({c: [cell(row[c]) for row in dumped] for c in model.model_fields}, dtype=object)
        write_table(frame, Path(folder) / f"{name}.csv")


def write_problem_json(problem: Problem, path: str | Path) -> None:
    """One JSON file holding every table and grid_min, readable by ``load``."""
    tables = {name: _adapter(model).dump_python(list(getattr(problem, name)), mode="json")
              for name, model in TABLES.items()}  # fmt: skip
    write_json(tables | {"grid_min": problem.grid_min}, path)


def write_table(df: pd.DataFrame, path: str | Path) -> None:
    """A UTF-8 CSV, replaced atomically so that no reader ever sees half a file."""
    _atomic(Path(path), lambda f: df.to_csv(f, index=False, lineterminator="\n"))


def write_json(obj: Any, path: str | Path) -> None:
    """Readable UTF-8 JSON (Chinese stays Chinese), replaced atomically."""
    text = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    _atomic(Path(path), lambda f: f.write(text))


def _atomic(path: Path, write: Callable[[TextIO], Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            write(f)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
