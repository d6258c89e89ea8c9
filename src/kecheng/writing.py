"""Writing, at the edge: every file kecheng writes goes through one atomic writer, so a reader (Excel,
a phone refreshing a subscribed calendar, the next week's run) never sees half a file.

Also the district's tables written back (CSV folder, JSON, workbook) such that ``load`` gives the
same ``Problem``, and the JSON Schema of the JSON input.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import TypeAdapter

from kecheng.errors import OptionError
from kecheng.i18n import _
from kecheng.model import OPTIONAL_TABLES, SETTINGS, TABLES, Problem, columns
from kecheng.reading.text import FORMULA_STARTS

DEFAULT_CSV_ENCODING = "utf-8-sig"
_ENCODING_NAMES = {"utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig", "utf-8-bom": "utf-8-sig",
                   "utf-8": "utf-8", "utf8": "utf-8", "gb18030": "gb18030", "gbk": "gb18030"}  # fmt: skip
"""``--csv-encoding``: UTF-8 with a BOM (the default: Excel on Chinese Windows then reads it as
UTF-8, where without the BOM it guesses GBK and shows 邓诗琪 as 閭撹瘲鐞), plain UTF-8 (for other
systems), or GB18030 (for older Chinese systems), by any of their usual names. Every kecheng
reader detects all three."""


def csv_encoding(name: str | None) -> str:
    """The codec of a ``--csv-encoding`` name; ``OptionError`` for one kecheng does not write."""
    if name is None:
        return DEFAULT_CSV_ENCODING
    found = _ENCODING_NAMES.get(str(name).strip().lower())
    if found is None:
        raise OptionError(
            _(
                "--csv-encoding: unknown {name}; choose utf-8-sig (UTF-8 with BOM, for Excel), "
                "utf-8 or gb18030"
            ).format(name=repr(name))
        )
    return found


def excel_safe(value: Any) -> Any:
    """A text cell that Excel would run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe, as OWASP advises against CSV injection; kecheng's readers take it off again.
    Anything else, numbers included (a negative longitude is data), is returned as it is."""
    if type(value) is str and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def atomic_write(path: str | Path, data: bytes | Callable[[Path], Any]) -> Path:
    """Write bytes (or call ``data`` on a temporary path) beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix or ".tmp")
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        else:
            os.close(fd)
            data(Path(temp))
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_table(frame: pd.DataFrame, path: str | Path, encoding: str | None = None) -> Path:
    """A CSV file for people and programs alike, replaced atomically: UTF-8 with BOM unless
    ``encoding`` says otherwise (``csv_encoding``), text cells that look like formulas escaped."""
    codec = csv_encoding(encoding)
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(excel_safe)
    text = safe.to_csv(index=False, lineterminator="\n")
    return atomic_write(path, text.encode(codec))


def write_json(obj: Any, path: str | Path) -> Path:
    """Readable UTF-8 JSON (Chinese stays Chinese), replaced atomically."""
    return atomic_write(path, (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


Tables = Mapping[str, tuple[type, Sequence[Any]]]
"""Tables beside a district's, by name: (row type, rows); e.g. ``PlanProblem.tables()``, the
interests, residents and orders that ``kecheng plan`` reads."""


def write_problem(
    problem: Problem, folder: str | Path, encoding: str | None = None, tables: Tables | None = None
) -> None:
    """The seven CSV files, such that ``load(folder) == problem`` (the settings such as grid_min
    have no place in them). Text that looks like a formula is escaped; numbers are not. With
    ``tables`` (``PlanProblem.tables()``), those too (``write_tables``), readable by ``load_plan``."""
    _write_csv_tables(
        {name: (TABLES[name], rows) for name, rows in _dumped(problem).items()}, folder, encoding
    )
    if tables is not None:
        write_tables(tables, folder, encoding)


def write_tables(tables: Tables, folder: str | Path, encoding: str | None = None) -> None:
    """More tables as CSV files beside a district's (``PlanProblem.tables()``: interests.csv,
    residents.csv, orders.csv), such that the readers give the same rows back; a column is
    headed as its file names it (orders.csv's ``with``, the field ``with_``)."""
    _write_csv_tables(_tables_dumped(tables), folder, encoding)


def _write_csv_tables(
    tables: dict[str, list[dict[str, Any]]], folder: str | Path, encoding: str | None
) -> None:
    def cell(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, str):
            return excel_safe(value)
        return _Number(repr(value) if isinstance(value, float) else str(value))

    for name, (row_type, rows) in tables.items():
        frame = pd.DataFrame({c: [cell(row[c]) for row in rows] for c in _headers(row_type)}, dtype=object)
        write_table(frame, Path(folder) / f"{name}.csv", encoding)


class _Number(str):
    """A number already written as text: data, never escaped as a formula (-106.5 stays -106.5)."""

    __slots__ = ()


def write_problem_json(problem: Problem, path: str | Path, tables: Tables | None = None) -> None:
    """One JSON file holding every table and the settings (grid_min, …), readable by ``load``;
    with ``tables`` (``PlanProblem.tables()``), those too, readable by ``load_plan``."""
    settings = {name: getattr(problem, name) for name in SETTINGS}
    more = {name: rows for name, (_type, rows) in _tables_dumped(tables or {}).items()}
    write_json(_dumped(problem) | more | settings, path)


def write_problem_xlsx(problem: Problem, path: str | Path, tables: Tables | None = None) -> None:
    """One .xlsx workbook, a sheet per table, such that ``load(path) == problem`` (settings such
    as grid_min have no place in it). Numbers are number cells; ids, names and times are text
    cells, so that Excel keeps "007" and "08:30" as typed; so is a number that needs more than
    the 15 digits Excel keeps (a generated 121.47489999999999). With ``tables``
    (``PlanProblem.tables()``), a sheet for each of them too, readable by ``load_plan``."""
    from openpyxl import Workbook  # the edge: only writing workbooks needs it here

    def kept(value: Any) -> Any:
        exact = not isinstance(value, float) or float(f"{value:.15g}") == value
        return value if exact else repr(value)

    book = Workbook()
    book.remove(book.active)
    every = {name: (TABLES[name], rows) for name, rows in _dumped(problem).items()}
    for name, (row_type, rows) in (every | _tables_dumped(tables or {})).items():
        sheet = book.create_sheet(name)
        names = _headers(row_type)
        sheet.append(names)
        for row in rows:
            sheet.append([kept(row[c]) for c in names])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "=" like a formula
    atomic_write(path, book.save)


def _dumped(problem: Problem) -> dict[str, list[dict[str, Any]]]:
    """Each table as JSON-ready rows: times "HH:MM", tags "a;b", absent optional cells None."""
    return {
        name: _adapter(model).dump_python(list(getattr(problem, name)), mode="json")
        for name, model in TABLES.items()
    }


def _tables_dumped(tables: Tables) -> dict[str, tuple[type, list[dict[str, Any]]]]:
    """Tables as JSON-ready rows, each cell under its column's name in the files (the field's alias)."""
    return {
        name: (row_type, _adapter(row_type).dump_python(list(rows), mode="json", by_alias=True))
        for name, (row_type, rows) in tables.items()
    }


def _headers(row_type: type) -> list[str]:
    """A table's columns as its file names them (a field's alias: orders.csv's ``with``)."""
    return [info.alias or name for name, info in columns(row_type).items()]


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
            "required": [name for name in TABLES if name not in OPTIONAL_TABLES],
        }
    )


@cache
def _adapter(row_type: type) -> TypeAdapter:
    return TypeAdapter(list[row_type])
