"""Writing, at the edge: every file kecheng writes goes through one atomic writer, so a reader (Excel,
a phone refreshing a subscribed calendar, the next week's run) never sees half a file.

Also the district's tables written back (CSV folder, JSON, workbook) such that ``load`` gives the
same ``Problem``, and the JSON Schema of the JSON input.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import TypeAdapter

from kecheng.model import OPTIONAL_TABLES, SETTINGS, TABLES, Problem, columns


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


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """A UTF-8 CSV, replaced atomically."""
    return atomic_write(path, frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def write_json(obj: Any, path: str | Path) -> Path:
    """Readable UTF-8 JSON (Chinese stays Chinese), replaced atomically."""
    return atomic_write(path, (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def write_problem(problem: Problem, folder: str | Path) -> None:
    """The seven CSV files, such that ``load(folder) == problem`` (the settings such as grid_min
    have no place in them)."""
    cell = lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v)  # noqa: E731
    for name, rows in _dumped(problem).items():
        frame = pd.DataFrame({c: [cell(row[c]) for row in rows] for c in columns(TABLES[name])}, dtype=object)
        write_table(frame, Path(folder) / f"{name}.csv")


def write_problem_json(problem: Problem, path: str | Path) -> None:
    """One JSON file holding every table and the settings (grid_min, …), readable by ``load``."""
    settings = {name: getattr(problem, name) for name in SETTINGS}
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
    atomic_write(path, book.save)


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
            "required": [name for name in TABLES if name not in OPTIONAL_TABLES],
        }
    )


@cache
def _adapter(row_type: type) -> TypeAdapter:
    return TypeAdapter(list[row_type])
