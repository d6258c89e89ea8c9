"""A grid of text cells into a raw table: the header found (title rows above it skipped), its names
mapped through the aliases, the known columns kept as stripped text, each row with its number.

Whether a cell is *valid* is decided later, by the row models (``kecheng.validation``).
"""

from __future__ import annotations

import re
import typing
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kecheng.errors import LocatedIssue, whole_file
from kecheng.i18n import _, ngettext
from kecheng.model import TABLES
from kecheng.reading.aliases import WEEKDAY_NAMES, alias_keys, column_of, header_aliases
from kecheng.reading.text import BLANKS, short, unquote
from kecheng.validation import DEFAULT, columns_of

MAX_ROWS = 1_000_000
"""A table with more data rows is refused: it is not a district's (1.1 million residents)."""
HEADER_SEARCH_ROWS = 10
"""Title rows above the header ("2024年兴趣小组名单") are skipped if the header is within these."""
TAG_SEPARATORS = re.compile(r"[；;、，,]")
"""";" separates tags; the full-width ；, the enumeration comma 、 and commas are read as it (with a
warning), since that is what a Chinese keyboard types."""
TAG_COLUMNS = frozenset({"features", "required_features", "interests"})

ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT", "__slots__": ()})()
"""A JSON row's cell that is not there at all (a CSV row has every column of its header)."""


@dataclass
class RawTable:
    """One table as read, column by column: stripped text (or JSON values), each row with its
    row number. Held as columns rather than a dict per row: a city's 205 000 memberships as
    dicts took 38 MB, as columns they take the lists of cells the file already gave."""

    file: str  # as staff see it: "groups.csv", "district.xlsx, sheet groups", "input.json (groups)"
    cells: dict[str, list[Any]] = field(default_factory=dict)  # column → its cells, row by row
    rows: Sequence[int] = ()  # each row's number as a spreadsheet shows it
    headers: dict[str, str] = field(default_factory=dict)  # column → header as written, if different
    encoding: str | None = None  # of a CSV file: "UTF-8", "UTF-8 with BOM", "UTF-16", "GB18030"
    complete: bool = True  # every row was read as a row, so all its ids are known
    not_rows: dict[int, Any] = field(default_factory=dict)  # JSON items that are not objects, by index
    missing: frozenset[str] = frozenset()  # required columns the header lacks (reported once)
    present: bool = True  # False: no such file, sheet or JSON key (an optional table left out)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, index: int) -> int:
        return self.rows[index]

    def columns(self, optional: frozenset[str]) -> dict[str, list[Any]] | None:
        """The columns as ``records`` would give them, absent cells and blank optional ones as
        ``DEFAULT``; None if some row is not a row (a JSON item that is no object)."""
        if self.not_rows:
            return None
        return {
            name: [
                DEFAULT if value is ABSENT or (name in optional and (value is None or value == "")) else value
                for value in column
            ]
            for name, column in self.cells.items()
        }

    def records(self, start: int, stop: int, optional: Iterable[str] = ()) -> list[Any]:
        """Rows ``start:stop`` as dicts for validation. Absent cells and blank optional ones are
        left out, so that the column's default applies."""
        optional = frozenset(optional)
        chunk = [(name, column[start:stop], name in optional) for name, column in self.cells.items()]
        out: list[Any] = []
        for k, index in enumerate(range(start, min(stop, len(self)))):
            if index in self.not_rows:
                out.append(self.not_rows[index])
                continue
            record = {}
            for name, column, blank_means_default in chunk:
                value = column[k]
                if value is not ABSENT and not (blank_means_default and (value is None or value == "")):
                    record[name] = value
            out.append(record)
        return out


def grid_table(
    cells: np.ndarray,
    file: str,
    table: str | None,
    columns: list[str],
    required: list[str],
    problems: list[LocatedIssue],
    warnings: list[LocatedIssue],
    row_type: type | None = None,
) -> RawTable | None:
    """The records of a grid of text cells (row 0 is spreadsheet row 1): find the header,
    skipping title rows, map its names through the aliases (``table`` None: no aliases), and
    keep the known columns, trimmed. A required column the header lacks is reported once and
    the other columns are still read, so that their problems show too. None, with the reasons
    in problems, if it is no table at all."""
    fail = lambda message, row=None: problems.append(whole_file(file, message, row))  # noqa: E731
    keys = alias_keys(table, columns, row_type)
    inked = (cells != "").any(axis=1) if cells.size else np.zeros(len(cells), dtype=bool)
    if not inked.any():
        return fail(
            _("is empty — row 1 must be the header: {columns}").format(columns=_named(columns, required))
        )
    first = int(inked.argmax())
    candidates = [i for i in range(first, min(first + HEADER_SEARCH_ROWS, len(cells))) if inked[i]]
    known = [sum(column_of(str(cell), keys) is not None for cell in cells[i]) for i in candidates]
    at = candidates[known.index(max(known))] if max(known) else first  # the header's position
    if at > first:
        if at == first + 1:
            msg = _("row {row} is above the header (row {header}) and skipped as a title")
        else:
            msg = _("rows {row}–{last} are above the header (row {header}) and skipped as a title")
        msg = msg.format(row=first + 1, last=at, header=at + 1)
        warnings.append(whole_file(file, msg, first + 1))
    header = [str(cell).strip(BLANKS) for cell in cells[at]]
    where: dict[str, int] = {}
    written: dict[str, str] = {}
    for position, name in enumerate(header):
        column = column_of(name, keys)
        if column is None:
            if name:
                msg = _("is not a column kecheng uses; ignored")
                warnings.append(LocatedIssue(file, at + 1, short(name, 40), None, msg))
        elif column in where:  # the first of the two is read
            before = written[column]
            msg = (
                _('appears twice in the header — keep one column "{name}", rename or delete the other')
                if before == name
                else _('and column "{other}" both mean {column} — keep one of them')
            ).format(name=name, other=before, column=column)
            problems.append(LocatedIssue(file, at + 1, column, None, msg, header=name))
        else:
            where[column], written[column] = position, name
    if missing := [c for c in required if c not in where]:
        found = ", ".join(f'"{short(n, 30)}"' for n in header[:12] if n) or _("no names")
        found += ", …" if len(header) > 12 else ""
        aliases = header_aliases(table, row_type) if table else {}
        accepted = {c: [a for a, col in aliases.items() if col == c and a != c][:3] for c in missing}
        wanted = ", ".join(
            f'"{c}"' + (_(" (or {aliases})").format(aliases="/".join(accepted[c])) if accepted[c] else "")
            for c in missing
        )
        must = _named(columns, required)
        fail(
            _("is missing the column(s) {wanted} — found {found}; the header must name: {columns}").format(
                wanted=wanted, found=found, columns=must
            ),
            at + 1,
        )
    if not where:
        return None  # no column kecheng knows: the header is not there at all
    if (count := int(inked[at + 1 :].sum())) > MAX_ROWS:
        return fail(
            _(
                "has {count} rows, more than kecheng reads ({limit} per table) — is this the right file?"
            ).format(count=f"{count:,}", limit=f"{MAX_ROWS:,}")
        )
    names = list(where)
    cells_of = {name: _trimmed(cells[at + 1 :, where[name]].tolist()) for name in names}
    kept = [i for i, values in enumerate(zip(*cells_of.values(), strict=True)) if any(values)]
    if len(kept) < len(cells) - at - 1:  # blank rows are skipped, yet rows keep their numbers
        cells_of = {name: [column[i] for i in kept] for name, column in cells_of.items()}
    rows = array("I", (i + at + 2 for i in kept))
    raw = RawTable(file, cells_of, rows, {c: written[c] for c in names if written[c] != c})
    raw.missing = frozenset(missing)
    if table:
        clean_cells(raw, row_type or _row_type(table), warnings)
    return raw


def _trimmed(column: list[str]) -> list[str]:
    """Cells without surrounding blanks or a written-back apostrophe, each distinct cell trimmed
    once (a district's 25 890 orders name 40 interests)."""
    of = {cell: unquote(cell.strip(BLANKS)) for cell in set(column)}
    return [of[cell] for cell in column]


def _row_type(table: str) -> type:
    return TABLES[table]


def _named(columns: list[str], required: list[str]) -> str:
    optional = [c for c in columns if c not in required]
    return ", ".join(required) + (
        _(" (optional: {columns})").format(columns=", ".join(optional)) if optional else ""
    )


def clean_cells(raw: RawTable, row_type: type, warnings: list[LocatedIssue]) -> None:
    """Make text cells say what staff meant: full-width digits and colons as ASCII ("０８：３０"),
    weekday names as numbers (周三 → 3), and ；、， between tags as ";" (one warning per column)."""
    fields = columns_of(row_type)
    for name in (name for name, info in fields.items() if _is_number(info.annotation)):
        column = raw.cells.get(name, ())
        if all(type(value) is str for value in column) and "".join(column).isascii():
            continue  # nothing to normalise: a district's 25 890 ranks at once
        for index, value in enumerate(column):
            if isinstance(value, str) and not value.isascii():
                value = column[index] = unicodedata.normalize("NFKC", value).strip(BLANKS)
                if name == "weekday" and value in WEEKDAY_NAMES:
                    column[index] = str(WEEKDAY_NAMES[value])
                elif name.endswith("weekdays"):  # a list of weekdays, e.g. preferred_weekdays "周一；周三"
                    days = (day.strip(BLANKS) for day in TAG_SEPARATORS.split(value))
                    column[index] = ";".join(str(WEEKDAY_NAMES.get(day, day)) for day in days if day)
    for name in (name for name in fields if name in TAG_COLUMNS):
        column = raw.cells.get(name, ())
        odd: list[tuple[int, str]] = []
        for index, value in enumerate(column):
            if isinstance(value, str) and not (value.isascii() and "," not in value):
                parts = (
                    unicodedata.normalize("NFKC", tag).strip(BLANKS) for tag in TAG_SEPARATORS.split(value)
                )
                column[index] = ";".join(tag for tag in parts if tag)
                if any(sep in value for sep in "；、，,"):
                    odd.append((index, value))
        if odd:
            index, value = odd[0]
            tags_read = ", ".join(f'"{tag}"' for tag in column[index].split(";"))
            more = len(odd) - 1
            msg = _('read as the tags {tags}; kecheng separates tags with ";"').format(tags=tags_read)
            if more:
                msg += ngettext(" (and {n} more cell like it)", " (and {n} more cells like it)", more).format(
                    n=more
                )
            warnings.append(
                LocatedIssue(raw.file, raw.row(index), name, short(value), msg, raw.headers.get(name))
            )


def _is_number(annotation: Any) -> bool:
    """int, float, and those inside Optional[...] or Annotated[...]."""
    if annotation in (int, float):
        return True
    return any(_is_number(arg) for arg in typing.get_args(annotation) if arg is not type(None))
