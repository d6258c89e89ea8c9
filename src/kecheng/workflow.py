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

from kecheng.candidates import Candidates
from kecheng.errors import LockError, OptionError
from kecheng.lint import lint
from kecheng.model import Problem
from kecheng.reading import LoadReport, load_report, read_placements
from kecheng.report import parse_formats, write_reports
from kecheng.result import ProgressPoint, Result
from kecheng.solve import check_options, lock_conflict, solve
from kecheng.timetable import Placement
from kecheng.weights import Weights, load_weights

LOCKS_FILE = "locked.csv"


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


def check_output(input: Path, out: Path) -> None:
    """The output folder must not be (inside) the input, nor an existing file."""
    input, out = Path(input), Path(out)
    if out.resolve() == input.resolve() or (input.is_dir() and input.resolve() in out.resolve().parents):
        raise OptionError(f"the output folder {out} is inside the input {input}; choose another --out")
    if out.exists() and not out.is_dir():
        raise OptionError(f"--out {out} is a file; give a folder for timetable.csv and the rest")


def prepare(
    input: str | Path, *, previous: str | Path | None = None, weights: str | Path | Weights | None = None
) -> Job:
    """Read a district folder (or workbook, or JSON file), its locks, last week's timetable and the
    weights. Raises ``InputError`` (located) or ``OptionError`` (a weights file that is wrong)."""
    input = Path(input)
    if isinstance(weights, Weights) or weights is None:
        chosen = weights or Weights()
    else:
        try:
            chosen = load_weights(weights)
        except ValueError as err:
            raise OptionError(str(err)) from None
    problem, report = load_report(input)
    candidates = Candidates(problem)
    warnings = tuple([w.render() for w in report.warnings] + lint(problem, candidates))
    last_week = tuple(read_placements(previous)) if previous else ()
    locks_file = input / LOCKS_FILE if input.is_dir() and (input / LOCKS_FILE).exists() else None
    locked = tuple(read_placements(locks_file)) if locks_file else ()
    return Job(input, problem, report, candidates, warnings, chosen, last_week, locked, locks_file)


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
) -> Result:
    """Solve a prepared job and write its output folder. ``LockError`` (after writing the
    LOCK_CONFLICT output) when the locks cannot be kept."""
    out = Path(out)
    chosen = parse_formats(formats)
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
        lock_conflict(job.problem, f"{where}: {err}").write(out)
        raise LockError(f"{where}: {err}") from None
    result.write(out)
    write_reports(job.problem, result, out, chosen)
    return result


def solve_folder(
    input: str | Path,
    out: str | Path,
    *,
    previous: str | Path | None = None,
    weights: str | Path | Weights | None = None,
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
    check_output(Path(input), Path(out))
    job = prepare(input, previous=previous, weights=weights)
    return run(
        job,
        out,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        formats=formats,
        log=log,
        on_progress=on_progress,
    )
