"""Solve this district folder: what ``kecheng solve`` and ``kecheng solve-batch`` both do.

Read the input (and its ``locked.csv``), last week's timetable and the weights; solve; write
timetable.csv, unscheduled.csv, summary.json and the asked-for reports. Locks that cannot be
kept still leave a consistent output folder (every session listed as LOCK_CONFLICT) and raise
``LockError``. Options are checked before anything is read, so a wrong one costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kecheng.candidates import Candidates
from kecheng.errors import InputError, LockError, OptionError, Unreadable, whole_file
from kecheng.i18n import _, in_language
from kecheng.lint import lint
from kecheng.model import Problem
from kecheng.reading import WORKBOOK_SUFFIXES, LoadReport, load_report, read_placements
from kecheng.reading.text import workbook_grids
from kecheng.report import parse_formats, write_reports
from kecheng.result import ProgressPoint, Result
from kecheng.solve import check_options, lock_conflict, solve
from kecheng.term import (
    Closure,
    Term,
    TermCalendar,
    closures_from_grid,
    parse_makeup,
    read_closures,
    term_calendar,
)
from kecheng.timetable import Placement
from kecheng.weights import Weights, load_weights
from kecheng.writing import csv_encoding as codec_of

LOCKS_FILE = "locked.csv"
CLOSURES_FILE = "closures.csv"
CLOSURES_SHEETS = ("closures", "停课", "停课日期")
"""The closures table: a file of the input folder, or a sheet of the input workbook."""


@dataclass(frozen=True)
class Job:
    """A district folder read and checked: everything a solve needs, and what to warn about."""

    input: Path
    problem: Problem
    report: LoadReport
    candidates: Candidates
    warnings: tuple[str, ...]
    weights: Weights
    previous: tuple[Placement, ...]
    locked: tuple[Placement, ...]
    locks_file: Path | None
    calendar: TermCalendar | None = None  # the term's dates, with --term
    sequences: dict[str, Any] | None = None  # ics.SequenceEntry by UID  # the previous run's ics/sequence.csv


def check_output(input: Path, out: Path) -> None:
    """The output folder must not be (inside) the input, nor an existing file."""
    input, out = Path(input), Path(out)
    if out.resolve() == input.resolve() or (input.is_dir() and input.resolve() in out.resolve().parents):
        raise OptionError(
            _("the output folder {out} is inside the input {input}; choose another --out").format(
                out=out, input=input
            )
        )
    if out.exists() and not out.is_dir():
        raise OptionError(
            _("--out {out} is a file; give a folder for timetable.csv and the rest").format(out=out)
        )


def parse_term(term: str | Term | None, makeup: str = "ignore") -> tuple[Term | None, str]:
    """``--term START:END`` and ``--makeup-days``, checked before anything is read (``OptionError``)."""
    try:
        chosen = term if isinstance(term, Term) or term is None else Term.parse(term)
        return chosen, parse_makeup(makeup)
    except ValueError as err:
        raise OptionError(str(err)) from None


def closures_of(input: str | Path, problem: Problem) -> tuple[list[Closure], list[str]] | None:
    """The input's closures (closures.csv of a folder, or a "closures" sheet of a workbook) and
    their warnings; None when it has none. ``InputError`` names the file, row and column."""
    input, venues = Path(input), [v.venue_id for v in problem.venues]
    if input.is_dir():
        path = next((p for p in sorted(input.iterdir()) if p.name.lower() == CLOSURES_FILE), None)
        if path is None:
            return None
        closures, warnings = read_closures(path, venues)
        return closures, [w.render() for w in warnings]
    if input.suffix.lower() in WORKBOOK_SUFFIXES:
        try:
            grids = workbook_grids(input)
        except Unreadable as exc:
            raise InputError([whole_file(input.name, exc.message)]) from None
        sheet = next((name for name in grids if name.strip().lower() in CLOSURES_SHEETS), None)
        if sheet is None:
            return None
        where = _("{book}, sheet {sheet}").format(book=input.name, sheet=sheet)
        closures, warnings = closures_from_grid(grids[sheet], where, venues)
        return closures, [w.render() for w in warnings]
    return None


@in_language
def prepare(
    input: str | Path,
    *,
    previous: str | Path | None = None,
    weights: str | Path | Weights | None = None,
    term: str | Term | None = None,
    makeup: str = "ignore",
) -> Job:
    """Read a district folder (or workbook, or JSON file), its locks, last week's timetable and the
    weights; with ``term`` ("2026-03-02:2026-07-10"), its closures and the term's calendar
    (``makeup``: "follow" or "ignore" the 调休 make-up days). The previous run's ics/sequence.csv,
    beside ``previous``, keeps the calendars' SEQUENCE numbers rising. Raises ``InputError``
    (located) or ``OptionError`` (a weights file that is wrong, a term that is no term)."""
    input = Path(input)
    chosen_term, chosen_makeup = parse_term(term, makeup)
    if isinstance(weights, Weights) or weights is None:
        chosen = weights or Weights()
    else:
        try:
            chosen = load_weights(weights)
        except ValueError as err:
            raise OptionError(str(err)) from None
    problem, report = load_report(input)
    candidates = Candidates(problem)
    warnings = [w.render() for w in report.warnings] + lint(problem, candidates)
    last_week = tuple(read_placements(previous)) if previous else ()
    locks_file = input / LOCKS_FILE if input.is_dir() and (input / LOCKS_FILE).exists() else None
    locked = tuple(read_placements(locks_file)) if locks_file else ()
    found = closures_of(input, problem)
    calendar = None
    if chosen_term is not None:
        closures, closure_warnings = found or ([], [])
        calendar = term_calendar(chosen_term, closures, chosen_makeup)  # type: ignore[arg-type]
        warnings += closure_warnings + list(calendar.warnings)
    elif found is not None:
        warnings.append(
            _("{input} has closures, which are used only with --term START:END; ignored").format(input=input)
        )
    sequences = None
    if previous:  # the calendars' state beside last week's timetable (icalendar only when needed)
        from kecheng.report.ics import SEQUENCE_FILE, read_sequences

        sequences = read_sequences(Path(previous).parent / SEQUENCE_FILE)
    return Job(
        input,
        problem,
        report,
        candidates,
        tuple(warnings),
        chosen,
        last_week,
        locked,
        locks_file,
        calendar,
        sequences,
    )


@in_language
def run(
    job: Job,
    out: str | Path,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 0,
    formats: str | Iterable[str] = ("csv",),
    log: bool = False,
    on_progress: Callable[[ProgressPoint], None] | None = None,
    csv_encoding: str | None = None,
) -> Result:
    """Solve a prepared job and write its output folder (CSV files in ``csv_encoding``:
    UTF-8 with BOM by default). ``LockError`` (after writing the LOCK_CONFLICT output) when the
    locks cannot be kept."""
    out = Path(out)
    chosen = parse_formats(formats)
    encoding = codec_of(csv_encoding)
    check_output(job.input, out)
    try:
        result = solve(
            job.problem,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            weights=job.weights,
            previous=job.previous,
            locked=job.locked,
            log=log,
            on_progress=on_progress,
            candidates=job.candidates,
        )
    except LockError as err:
        where = job.locks_file or job.input
        lock_conflict(job.problem, f"{where}: {err}").write(out, encoding)
        raise LockError(f"{where}: {err}") from None
    result.write(out, encoding)
    write_reports(job.problem, result, out, chosen, term=job.calendar, sequences=job.sequences)
    return result


@in_language
def solve_folder(
    input: str | Path,
    out: str | Path,
    *,
    previous: str | Path | None = None,
    weights: str | Path | Weights | None = None,
    term: str | Term | None = None,
    makeup: str = "ignore",
    csv_encoding: str | None = None,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 0,
    formats: str | Iterable[str] = ("csv",),
    log: bool = False,
    on_progress: Callable[[ProgressPoint], None] | None = None,
) -> Result:
    """``prepare`` then ``run``: read a district folder, solve it, write ``out``. Options are
    checked first, so a wrong one fails before anything is read."""
    check_options(time_limit=time_limit, seed=seed, workers=workers)
    parse_formats(formats)
    parse_term(term, makeup)
    codec_of(csv_encoding)
    check_output(Path(input), Path(out))
    job = prepare(input, previous=previous, weights=weights, term=term, makeup=makeup)
    return run(
        job,
        out,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        formats=formats,
        log=log,
        on_progress=on_progress,
        csv_encoding=csv_encoding,
    )
