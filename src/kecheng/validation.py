"""Rows validated, and every problem located and worded, whether they came from files or from Python.

The loaders (``kecheng.reading``) and ``Problem(...)`` itself share this: each table's rows are
validated a chunk at a time; a row that fails is kept as a *stand-in* whose bad cells are unknown,
so that the checks of how the tables fit together (unique ids, known references) still run and
every problem is reported at once — never one per run. One cause gives one message: a misspelt id
used by 21 memberships is one line naming the rows, not 21 lines.

The functions take the row type as an argument rather than importing the models, so that
``kecheng.model`` can use them (no import cycle).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import groupby
from typing import Annotated, Any, Protocol

from pydantic import TypeAdapter, ValidationError

from kecheng.errors import Issue, LocatedIssue, whole_file
from kecheng.i18n import N_, _, ngettext
from kecheng.rows import Rows

CHUNK_ROWS = 20_000
"""Rows validated at a time: a city's members.csv as dicts at once took 38 MB."""
MAX_PROBLEMS_PER_TABLE = 1000
"""Past this many, a table's further problems are counted, not listed."""
MAX_ROWS_NAMED = 8
"""Rows named in one message about a value used in many rows."""

_EXAMPLES = {
    "community_id": "C01", "venue_id": "V001", "teacher_id": "T001", "group_id": "G0001",
    "member_id": "M00001", "lat": "29.61", "lon": "106.55", "capacity": "30", "size": "25",
    "sessions_per_week": "2", "duration_min": "90", "max_walk_m": "1000", "priority": "1",
    "weekday": "3", "max_sessions_per_week": "10", "max_sessions_per_day": "3", "grid_min": "15",
    "interest_id": "I01", "max_size": "20", "max_groups": "3",
}  # fmt: skip
_PLAIN = {
    "missing": N_("is required but missing"), "string_type": N_("is not text"),
    "int_parsing": N_("is not a whole number"), "int_type": N_("is not a whole number"),
    "int_from_float": N_("is not a whole number"), "float_parsing": N_("is not a number"),
    "float_type": N_("is not a number"), "finite_number": N_("is not a finite number"),
    "too_short": N_("is empty"), "string_too_short": N_("is empty"),
    "greater_than": N_("must be greater than {gt}"), "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"), "less_than_equal": N_("must be at most {le}"),
    "dataclass_type": N_('is not a row — expected an object such as {{"column": "value", ...}}'),
    "tuple_type": N_("is not a list of rows"), "list_type": N_("is not a list of rows"),
}  # fmt: skip
"""pydantic's error types in plain words (English ids, translated where they are shown)."""
_BOUNDS = {"exclusiveMinimum": N_("greater than {value}"), "minimum": N_("at least {value}"),
           "exclusiveMaximum": N_("less than {value}"), "maximum": N_("at most {value}")}  # fmt: skip
_KINDS = {"integer": N_("a whole number"), "number": N_("a number")}


class TableSource(Protocol):
    """One table as handed over (a file's cells or a Python list), with where each row came from."""

    file: str  # as staff see it: "groups.csv", "district.xlsx, sheet groups", "groups"
    headers: dict[str, str]  # column → header as written, where different
    complete: bool  # every row was read as a row, so all of the table's ids are known
    missing: frozenset[str]  # required columns absent from the header (reported already)

    def __len__(self) -> int: ...

    def row(self, index: int) -> int: ...

    def records(self, start: int, stop: int, optional: frozenset[str]) -> list[Any]: ...

    def columns(self, optional: frozenset[str]) -> dict[str, list[Any]] | None: ...


class PythonTable:
    """A table given in Python (``Problem(groups=[...])``): rows as dicts or row objects."""

    missing: frozenset[str] = frozenset()

    def __init__(self, name: str, items: Any):
        self.file, self.headers, self.complete = name, {}, True
        self.items: list[Any] = []
        if isinstance(items, (Rows, list, tuple)):
            self.items = list(items)
        else:
            self.complete = False

    def __len__(self) -> int:
        return len(self.items)

    def row(self, index: int) -> int:
        return index + 1

    def columns(self, optional: frozenset[str]) -> None:
        return None  # rows, not columns

    def records(self, start: int, stop: int, optional: frozenset[str]) -> list[Any]:
        return [
            {k: v for k, v in item.items() if not (k in optional and v is None)}
            if isinstance(item, dict)
            else item
            for item in self.items[start:stop]
        ]


class Unknown:
    """A cell that already failed: it matches no id and breaks no rule, so no follow-on errors."""

    __slots__ = ()

    def __mod__(self, other: object) -> int:
        return 0


def columns_of(row_type: type) -> dict[str, Any]:
    """A row type's columns (name → pydantic field), in the order of its file."""
    return row_type.__pydantic_fields__


def validate_rows(
    source: TableSource, row_type: type, *, long: bool, problems: list[LocatedIssue]
) -> list[Any] | Rows:
    """A table's rows, validated a chunk at a time; a failed row, located in ``problems``, is kept
    as a stand-in (its bad cells unknown) so that the fit-together checks can still run. Errors
    about a column missing from the header were reported with the header and are not repeated."""
    fields = columns_of(row_type)
    optional = frozenset(n for n, f in fields.items() if not f.is_required())
    if long and (valid := _valid_columns(source, row_type, optional)) is not None:
        return Rows.from_columns(row_type, valid)
    rule_column = _row_rule_column(row_type)

    def rows() -> Iterator[Any]:
        for start in range(0, len(source), CHUNK_ROWS):
            records = source.records(start, start + CHUNK_ROWS, optional)
            try:
                yield from _adapter(row_type).validate_python(records)
                continue
            except ValidationError as exc:
                bad: dict[int, set[str | None]] = defaultdict(set)
                for error in exc.errors(include_url=False):
                    index, *rest = error["loc"]
                    record = records[index]
                    cell = rest[0] if rest and isinstance(rest[0], str) else None  # else a rule on the row
                    column = cell or (rule_column if isinstance(record, dict) else None)
                    bad[index].add(column)
                    if cell in source.missing:
                        continue  # the header lacks the column: said once, for the file
                    value = show(_cell(record, cell))
                    message = explain(error, row_type, cell)
                    header = source.headers.get(column) if column else None
                    problems.append(
                        LocatedIssue(source.file, source.row(start + index), column, value, message, header)
                    )
            good = iter(
                _adapter(row_type).validate_python([r for i, r in enumerate(records) if i not in bad])
            )
            for i, record in enumerate(records):
                yield _stand_in(row_type, record, bad[i]) if i in bad else next(good)

    return Rows(row_type, rows()) if long else list(rows())


DEFAULT: Any = type("Default", (), {"__repr__": lambda self: "DEFAULT", "__slots__": ()})()
"""A cell left for its column's default (blank in an optional column, or not there at all)."""


def _valid_columns(
    source: TableSource, row_type: type, optional: frozenset[str]
) -> dict[str, list[Any]] | None:
    """A table of text cells checked column by column, each distinct cell once (a district's
    34 000 memberships name 1 600 groups and 15 000 members), when no rule reads a whole row.
    None if that does not hold or any cell fails: the rows are then validated one by one, and
    each problem located."""
    decorators = row_type.__pydantic_decorators__  # type: ignore[attr-defined]
    if decorators.model_validators or decorators.field_validators:
        return None
    cells = source.columns(optional)
    if cells is None:
        return None
    valid: dict[str, list[Any]] = {}
    for name, info in columns_of(row_type).items():
        column = cells.get(name)
        if column is None:
            if info.is_required():
                return None
            column = [DEFAULT] * len(source)
        if not all(type(cell) is str or cell is DEFAULT for cell in column):
            return None  # numbers or lists from JSON: 1 and True are one key to a dict, a list none
        distinct = set(column)
        adapter = field_adapter(row_type, name)
        of: dict[Any, Any] = {}
        try:
            for cell in distinct:
                of[cell] = (
                    info.get_default(call_default_factory=True)
                    if cell is DEFAULT
                    else adapter.validate_python(cell)
                )
        except ValidationError:
            return None
        valid[name] = [of[cell] for cell in column]
    return valid


def validate_settings(
    data: dict[str, Any], model: type, names: Iterable[str], file: str, problems: list[LocatedIssue]
) -> dict[str, Any]:
    """The settings given beside the tables (grid_min, …), each checked against ``model``'s field."""
    settings: dict[str, Any] = {}
    for name in names:
        if data.get(name) is None:
            continue
        try:
            settings[name] = field_adapter(model, name).validate_python(data[name])
        except ValidationError as exc:
            message = explain(exc.errors()[0], model, name)
            problems.append(LocatedIssue(file, None, name, show(data[name]), message))
    return settings


def _cell(record: Any, cell: str | None) -> Any:
    if isinstance(record, dict):
        return record.get(cell)
    if cell is not None and hasattr(record, "__dataclass_fields__"):
        return getattr(record, cell, None)
    return record


def _row_rule_column(row_type: type) -> str | None:
    """Where a rule on the whole row points: a window's end (it ends before it begins)."""
    names = list(columns_of(row_type))
    for end in ("close", "end"):
        if end in names:
            return end
    return None


def _stand_in(row_type: type, record: Any, bad: set[str | None]) -> Any:
    """A failed row for the fit-together checks: its good cells as read, its bad ones unknown."""
    if not isinstance(record, dict):
        record = {}
    values = {}
    for name, info in columns_of(row_type).items():
        if name in bad or (name not in record and info.is_required()):
            values[name] = Unknown()
        elif name not in record:
            values[name] = info.get_default(call_default_factory=True)
        else:
            try:
                values[name] = field_adapter(row_type, name).validate_python(record[name])
            except ValidationError:
                values[name] = Unknown()
    row = object.__new__(row_type)  # unvalidated on purpose: unknown cells stay unknown
    for name, value in values.items():
        object.__setattr__(row, name, value)
    return row


def locate(
    issues: list[Issue],
    sources: dict[str, TableSource],
    rows: dict[str, Any],
    problems: list[LocatedIssue],
) -> None:
    """How the rows fit together, each issue located back in its file; issues that follow from a
    problem already reported are dropped, and one unknown id used in many rows is one message."""
    unchecked = {name for name, source in sources.items() if not source.complete}
    firsts: dict[str, dict[Any, int]] = {}
    references: dict[tuple[str, str | None, Any, str], list[int]] = defaultdict(list)
    for issue in issues:
        if isinstance(issue.value, Unknown) or (
            issue.kind == "reference" and issue.message in _about(unchecked)
        ):
            continue  # follows from a problem already reported
        source = sources[issue.table]
        if issue.kind == "reference" and issue.index is not None:
            references[issue.table, issue.column, issue.value, issue.message].append(issue.index)
            continue
        message, row, value = issue.message, None, show(issue.value)
        if issue.index is not None:
            row = source.row(issue.index)
            if issue.kind == "duplicate" and issue.column:  # where was it first used?
                if issue.table not in firsts:
                    firsts[issue.table] = seen = {}
                    for i, r in enumerate(rows[issue.table]):
                        seen.setdefault(getattr(r, issue.column), i)
                first = firsts[issue.table].get(issue.value, issue.index)
                if first != issue.index:
                    message += _(" (first used in row {row})").format(row=source.row(first))
        header = source.headers.get(issue.column) if issue.column else None
        problems.append(LocatedIssue(source.file, row, issue.column, value, message, header))
    for (table, column, value, message), indices in references.items():
        source = sources[table]
        target = message.removeprefix(REFERENCE_MESSAGE)
        message = _("no such id in {table}").format(table=target)
        if len(indices) > 1:
            named = ", ".join(str(source.row(i)) for i in indices[:MAX_ROWS_NAMED])
            named += ", …" if len(indices) > MAX_ROWS_NAMED else ""
            message += _(" (used in {count} rows: {rows})").format(count=len(indices), rows=named)
        if target in sources:
            message += _(" — check the spelling, or add it to {file}").format(file=sources[target].file)
        header = source.headers.get(column) if column else None
        problems.append(
            LocatedIssue(source.file, source.row(indices[0]), column, show(value), message, header)
        )


REFERENCE_MESSAGE = "no such id in "
"""How ``Problem``'s checks mark an unknown id ("no such id in groups"): an internal key, worded
in the current language where it is located."""


def _about(tables: set[str]) -> set[str]:
    return {REFERENCE_MESSAGE + name for name in tables}


def sort_and_cap(problems: list[LocatedIssue], files: list[str]) -> None:
    """File by file in the given order, row by row; at most MAX_PROBLEMS_PER_TABLE per file."""
    order = {file: i for i, file in enumerate(files)}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))
    kept: list[LocatedIssue] = []
    for file, same in groupby(problems, key=lambda p: p.file):
        listed = list(same)
        kept += listed[:MAX_PROBLEMS_PER_TABLE]
        if len(listed) > MAX_PROBLEMS_PER_TABLE:
            more = len(listed) - MAX_PROBLEMS_PER_TABLE
            text = ngettext(
                "… and {n} more problem in this file, not listed",
                "… and {n} more problems in this file, not listed",
                more,
            )
            kept.append(whole_file(file, text.format(n=more)))
    problems[:] = kept


@cache
def _adapter(row_type: type) -> TypeAdapter:
    return TypeAdapter(list[row_type])


@cache
def field_adapter(row_type: type, name: str) -> TypeAdapter:
    """The validator of one column, for one cell."""
    info = columns_of(row_type)[name]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation)


@cache
def _schema(row_type: type) -> dict[str, Any]:
    return TypeAdapter(row_type).json_schema()["properties"]


def explain(error: dict[str, Any], row_type: type, column: str | None = None) -> str:
    """A pydantic error in plain words, with the form the cell should take (no column: the row)."""
    kind = error["type"]
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (error.get("ctx") or {}).items()}
    if kind == "value_error":
        reason = str(ctx.get("error", error["msg"]))
        if column and error.get("input") == "":
            return _("the cell is empty — {reason}").format(reason=reason)
        if column:
            return _("is not valid: {reason}").format(reason=reason)
        return _("this row {reason}").format(reason=reason)
    try:
        problem = _(_PLAIN[kind]).format_map(ctx)
    except (KeyError, ValueError):
        problem = error["msg"]
    problem = _("the cell is empty") if error.get("input") == "" else problem
    if column and column in _schema(row_type):
        return _("{problem} — expected {expected}").format(
            problem=problem, expected=expected(row_type, column)
        )
    return problem


def expected(row_type: type, column: str) -> str:
    """What a cell should hold, read off the model's own JSON schema: type, bounds, examples."""
    outer = _schema(row_type)[column]
    prop = next((p for p in outer.get("anyOf", ()) if p.get("type") != "null"), {}) | outer
    kind = _KINDS.get(prop.get("type"), N_("text"))
    kind = N_("a time as HH:MM on a 24-hour clock") if "pattern" in prop else kind
    kind = N_("an id") if column.endswith("_id") else kind
    bounds = _(" and ").join(
        _(word).format(value=f"{prop[key]:g}") for key, word in _BOUNDS.items() if key in prop
    )
    text = _("{kind} {bounds}").format(kind=_(kind), bounds=bounds) if bounds else _(kind)
    text += _(" ({description})").format(description=_(prop["description"])) if "description" in prop else ""
    text += _(", or 周一 … 周日") if column == "weekday" else ""
    example = prop.get("examples", [_EXAMPLES.get(column)])[0]
    text += _(", e.g. {example}").format(example=example) if example else ""
    if "default" in outer:
        default = outer["default"]
        if isinstance(default, int | float):
            text += _("; or leave it empty for {default}").format(default=f"{default:g}")
        else:
            text += _("; or leave it empty")
    return text


def show(value: Any) -> str | None:
    """A value as it is shown in a message: text as typed, at most 60 characters."""
    if value is None or isinstance(value, Unknown):
        return None
    if hasattr(value, "__dataclass_fields__"):
        value = {name: getattr(value, name, None) for name in value.__dataclass_fields__}
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"
