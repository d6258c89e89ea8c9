"""Reports for the people who read a timetable: an Excel workbook, iCalendar files, one HTML page.

Each format module only *renders* (bytes in memory, from a ``Problem`` and a ``Result``);
``frames`` names things the way staff read them; this module writes every file atomically, so a
teacher whose phone refreshes a subscribed calendar mid-write never sees half a file.
The format modules are imported only when their format is asked for: solving, and the
plain CSV output, never need openpyxl, icalendar, matplotlib or jinja2.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kecheng.errors import OptionError
from kecheng.i18n import in_language
from kecheng.model import Problem
from kecheng.report.frames import next_monday
from kecheng.result import Result
from kecheng.writing import atomic_write

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kecheng.report.ics import SequenceEntry
    from kecheng.term import TermCalendar

FORMATS = frozenset({"csv", "xlsx", "ics", "html"})
"""What ``kecheng solve --formats`` accepts; csv is always written by ``Result.write``."""


def parse_formats(formats: str | Iterable[str]) -> frozenset[str]:
    """ "csv,xlsx" (or a set of names) → the formats to write; csv is always among them."""
    names = formats.split(",") if isinstance(formats, str) else formats
    chosen = {name.strip().lower() for name in names if name.strip()} | {"csv"}
    if unknown := chosen - FORMATS:
        raise OptionError(
            f"--formats: unknown {', '.join(sorted(unknown))}; choose from {', '.join(sorted(FORMATS))}"
        )
    return frozenset(chosen)


@in_language
def write_reports(
    problem: Problem,
    result: Result,
    folder: str | Path,
    formats: str | Iterable[str],
    week_start: date | None = None,
    term: TermCalendar | None = None,
    sequences: Mapping[str, SequenceEntry] | None = None,
) -> list[Path]:
    """Write the asked-for reports into folder and return the paths written.

    formats ⊆ {"xlsx", "ics", "html"} ("csv" is accepted and left to ``Result.write``).
    term: the term's calendar (:func:`kecheng.term.term_calendar`): the .ics events are dated
    over it and the workbook gets a "calendar" sheet. Without one, week_start is the first week
    of open-ended weekly calendars (default: next Monday).
    sequences: the previous run's ``ics/sequence.csv`` (:func:`kecheng.report.ics.read_sequences`),
    so that a changed session's SEQUENCE rises; None on a first run.
    """
    formats = parse_formats(formats)
    folder = Path(folder)
    written: list[Path] = []
    if "xlsx" in formats:
        from kecheng.report import xlsx

        written.append(atomic_write(folder / "timetable.xlsx", xlsx.render(problem, result, term=term)))
    if "ics" in formats:
        from kecheng.report import ics

        feeds = ics.render(problem, result, week_start or next_monday(), term=term, previous=sequences)
        for relative, data in feeds.items():
            written.append(atomic_write(folder / relative, data))
    if "html" in formats:
        from kecheng.report import html

        written.append(atomic_write(folder / "report.html", html.render(problem, result)))
    return written
