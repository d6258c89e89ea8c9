"""What can go wrong, in one place: each error carries what a person needs to fix it.

- ``InputError``: the input cannot be used; ``problems`` lists every located issue at once.
- ``LockError``: a locked session breaks a rule, or the locks cannot all be kept together.
- ``OptionError``: an option (time limit, workers, seed, format, …) is out of range.

All three are ``ValueError``\\ s, so a caller that already catches pydantic's ``ValidationError``
(a ``ValueError`` too) keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kecheng.i18n import _, ngettext


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with the input, located in the tables (``index`` is 0-based)."""

    table: str
    index: int | None
    column: str | None
    value: Any
    message: str
    kind: str = ""  # "duplicate" (an id used twice), "reference" (an unknown id), or ""


@dataclass(frozen=True, slots=True)
class LocatedIssue:
    """One problem, located as staff see it: file (and sheet), spreadsheet row (header = 1) and
    column — ``column`` is kecheng's name, ``header`` the name as written in the file."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    header: str | None = None

    def render(self) -> str:
        """One line in the current language: file, row, column, "value" and what is wrong."""
        where = [self.file] + [_("row {row}").format(row=self.row)] * (self.row is not None)
        if self.column:
            named = self.header and self.header != self.column
            where.append(
                _('column "{header}" [{column}]').format(header=self.header, column=self.column)
                if named
                else _('column "{column}"').format(column=self.column)
            )
        value = _('"{value}" ').format(value=self.value) if self.value else ""
        return _("{where}: {value}{message}").format(
            where=_(", ").join(where), value=value, message=self.message
        )


def whole_file(file: str, message: str, row: int | None = None) -> LocatedIssue:
    """A problem of a whole file (or of one of its rows), not of one cell."""
    return LocatedIssue(file, row, None, None, message)


class InputError(ValueError):
    """The input cannot be used; ``problems`` says everything that is wrong, at once.
    ``report`` (when the input could be opened) says how each file was read."""

    def __init__(
        self,
        problems: list[LocatedIssue],
        warnings: list[LocatedIssue] | None = None,
        report: Any = None,
    ):
        self.problems, self.warnings, self.report = list(problems), list(warnings or []), report
        super().__init__(self.render(limit=100))

    def render(self, limit: int | None = None) -> str:
        lines = [p.render() for p in self.problems[:limit]]
        if limit is not None and len(self.problems) > limit:
            more = len(self.problems) - limit
            lines.append(ngettext("… and {n} more problem", "… and {n} more problems", more).format(n=more))
        return "\n".join(lines)


class LockError(ValueError):
    """A locked session that breaks a rule or cannot be placed: the run must stop."""


class OptionError(ValueError):
    """An option out of range (a time limit of -5, a format nobody knows): the run must not start."""


class Unreadable(Exception):
    """A file that is not a table at all; the message says why and how to fix it."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message, self.row = message, row


class DaskMissing(ImportError):
    """A batch was asked for without the optional Dask extra installed."""
