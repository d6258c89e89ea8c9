"""Solve this district folder: what ``kecheng solve`` and ``kecheng solve-batch`` both do; and
plan residents' orders in it (``kecheng plan``), and answer who could join what (``kecheng suggest``).

Read the input (and its ``locked.csv``), last week's timetable and the weights; solve; write
timetable.csv, unscheduled.csv, summary.json and the asked-for reports. Locks that cannot be
kept still leave a consistent output folder (every session listed as LOCK_CONFLICT) and raise
``LockError``. Options are checked before anything is read, so a wrong one costs nothing.

A plan (``plan_folder``): read the district with interests, residents and orders; timetable the
running groups (``--previous`` kept where it still fits, as ``solve`` keeps it); open groups and
place residents (``kecheng.planning.plan``); write the planned week as a kecheng input beside its
timetable, the assignments with reasons, the demand and the summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kecheng import writing
from kecheng.candidates import Candidates
from kecheng.cpsat.search import worker_count
from kecheng.errors import InputError, LockError, OptionError, Unreadable, whole_file
from kecheng.i18n import _, in_language, join, labelled, weekday
from kecheng.lint import lint, plan_lint
from kecheng.model import (
    SETTINGS,
    Problem,
    community_label,
    format_clock,
    group_label,
    teacher_label,
    venue_label,
)
from kecheng.planning import PlanProblem, PlanResult, PlanWeights, SuggestIndex, load_plan_weights, plan
from kecheng.reading import WORKBOOK_SUFFIXES, LoadReport, load_report, read_placements
from kecheng.reading.plan import load_district_or_plan, load_plan_report
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


def check_request(
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 0,
    formats: str | Iterable[str] = ("csv",),
    term: str | Term | None = None,
    makeup: str = "ignore",
    csv_encoding: str | None = None,
    input: str | Path | None = None,
    out: str | Path | None = None,
) -> None:
    """Every option of a run, checked before anything is read (``OptionError``): the one list the
    command line, ``solve_folder``, ``plan_folder`` and ``solve_batch`` share. With ``input`` and
    ``out``, also that the output folder is not inside the input."""
    check_options(time_limit=time_limit, seed=seed, workers=workers)
    parse_formats(formats)
    parse_term(term, makeup)
    codec_of(csv_encoding)
    if input is not None and out is not None:
        check_output(Path(input), Path(out))


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
    check_request(
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        formats=formats,
        term=term,
        makeup=makeup,
        csv_encoding=csv_encoding,
        input=input,
        out=out,
    )
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


# --------------------------------------------------------------------- residents' orders → groups

PLAN_TIMETABLE_SHARE = 0.2
"""Of ``--time-limit``: at most this share timetables the running groups before the plan (the
first fit is kept when it is proven complete at once, as with a ``--previous`` that still fits)."""
OUTPUT_S_PER_ORDER = 5e-5
"""Of ``--time-limit``: kept back for checking the planned week and writing its files (measured:
1.2 s for the district's 25 890 orders, 5.3 s for four districts' 102 764)."""
PLAN_FILES = ("timetable.csv", "unscheduled.csv", "assignments.csv", "demand.csv", "summary.json")
"""What ``kecheng plan`` writes into its output folder, beside ``input/``."""
PLAN_INPUT = "input"


@dataclass(frozen=True)
class PlanJob:
    """A plan input read and checked: the district with residents' orders, the weights, and the
    running groups' timetable from ``--previous`` (None: they are timetabled first)."""

    input: Path
    plan_problem: PlanProblem
    report: LoadReport
    candidates: Candidates
    warnings: tuple[str, ...]
    weights: PlanWeights
    previous: tuple[Placement, ...] | None


@in_language
def prepare_plan(
    input: str | Path,
    *,
    previous: str | Path | None = None,
    weights: str | Path | PlanWeights | None = None,
) -> PlanJob:
    """Read a plan input (``load_plan``), last week's timetable and the plan's weights. Raises
    ``InputError`` (located) or ``OptionError`` (a weights file that is wrong)."""
    input = Path(input)
    if isinstance(weights, PlanWeights) or weights is None:
        chosen = weights or PlanWeights()
    else:
        try:
            chosen = load_plan_weights(weights)
        except ValueError as err:
            raise OptionError(str(err)) from None
    pp, report = load_plan_report(input)
    candidates = Candidates(pp.problem)
    warnings = [w.render() for w in report.warnings] + plan_lint(pp, candidates)
    last_week = tuple(read_placements(previous)) if previous else None
    return PlanJob(input, pp, report, candidates, tuple(warnings), chosen, last_week)


@in_language
def run_plan(
    job: PlanJob,
    out: str | Path,
    *,
    time_limit: float = 120.0,
    seed: int = 0,
    workers: int = 0,
    replan: bool = False,
    csv_encoding: str | None = None,
    log: bool = False,
    on_event: Callable[[str, dict[str, Any]], None] | None = None,
) -> tuple[PlanResult, dict[str, Any]]:
    """Timetable the running groups (kept from ``--previous`` where they still fit, as ``solve``
    keeps them), plan the orders, and write ``out``: ``input/`` (the planned week as a kecheng
    input, with the orders' tables), timetable.csv, unscheduled.csv, assignments.csv, demand.csv
    and summary.json. Returns the result and the summary written. ``time_limit`` covers all of it:
    the running groups get ``PLAN_TIMETABLE_SHARE``, the files ``OUTPUT_S_PER_ORDER``, the plan the rest.

    ``on_event(kind, figures)`` hears "timetable" / "timetabled" (the running groups), "plan",
    "step" (each neighbourhood of the search) and "written", for a progress display."""
    out = Path(out)
    check_output(job.input, out)
    began = time.perf_counter()
    tell = on_event or (lambda kind, figures: None)
    pp = job.plan_problem
    problem = pp.problem
    notes: list[str] = []
    running: tuple[Placement, ...] = ()
    timetabled: dict[str, Any] = {"source": "none"}
    share = max(1.0, PLAN_TIMETABLE_SHARE * time_limit) if problem.groups else 0.0
    if problem.groups:
        tell(
            "timetable", {"groups": len(problem.groups), "sessions": problem.sessions_total, "seconds": share}
        )
        solved = solve(
            problem,
            time_limit=share,
            seed=seed,
            workers=workers,
            previous=job.previous or (),
            candidates=job.candidates,
        )
        running = solved.placements
        timetabled = {
            "source": "previous" if job.previous is not None else "solved",
            "status": solved.status,
            "sessions_total": solved.sessions_total,
            "sessions_placed": len(running),
            "seconds": round(solved.timings.get("wall_s", 0.0), 3),
        }
        if solved.changes is not None:
            c = solved.changes
            timetabled["changes"] = {"kept": c.kept, "moved": c.moved, "new": c.new, "dropped": c.dropped}
            notes.append(
                _(
                    "running groups kept from --previous where they still fit: {kept} sessions kept, {moved} "
                    "moved, {new} new, {dropped} dropped"
                ).format(kept=c.kept, moved=c.moved, new=c.new, dropped=c.dropped)
            )
        else:
            notes.append(
                _(
                    "no --previous timetable: the running groups were timetabled first with kecheng solve "
                    "({placed} of {total} sessions placed); give --previous LAST/timetable.csv to keep last "
                    "week's times"
                ).format(placed=len(running), total=solved.sessions_total)
            )
        tell("timetabled", timetabled)
    spent = time.perf_counter() - began
    if worker_count(workers) == 1:  # reproducible: the plan's time as planned, not as the wall clock had it
        spent = share
    remaining = max(1.0, time_limit - spent - OUTPUT_S_PER_ORDER * len(pp.orders))
    tell(
        "plan",
        {
            "orders": len(pp.orders),
            "residents": len(pp.residents),
            "interests": len(pp.interests),
            "seconds": remaining,
        },
    )
    result = plan(
        pp,
        running,
        time_limit=remaining,
        seed=seed,
        workers=workers,
        weights=job.weights,
        replan=replan,
        log=log,
        on_progress=lambda step: tell("step", step),
    )
    mark = time.perf_counter()
    broken, plan_broken = result.check()
    check_s = time.perf_counter() - mark
    if broken or plan_broken:  # never expected: the plan is checked by rules it did not use to build
        notes.append(
            _(
                "the planned week breaks {n} rule(s) ({m} of the plan's own); kecheng check "
                "{folder}/input {folder}/timetable.csv lists them — please report this"
            ).format(n=len(broken) + len(plan_broken), m=len(plan_broken), folder=out)
        )
    summary = write_plan(result, out, csv_encoding=csv_encoding, notes=notes)
    summary["timings"] |= {"check_s": round(check_s, 3), "total_s": round(time.perf_counter() - began, 3)}
    summary["running_timetable"] = timetabled
    summary["checked"] = {"violations": len(broken), "plan_violations": len(plan_broken)}
    summary["time_limit"] = time_limit
    writing.write_json(summary, out / "summary.json")
    tell("written", summary)
    return result, summary


def write_plan(
    result: PlanResult, out: str | Path, *, csv_encoding: str | None = None, notes: Iterable[str] = ()
) -> dict[str, Any]:
    """A plan's output folder (see ``run_plan``); returns the summary written. ``input/`` holds the
    planned week (``result.problem()``) and the orders' tables, so that ``kecheng solve``,
    ``check``, ``suggest`` and a next ``plan`` all read it. Settings that CSV files cannot hold
    (grid_min, …, from a JSON input) are kept in ``input.json`` beside it, with a note."""
    out = Path(out)
    encoding = codec_of(csv_encoding)
    problem, pp = result.problem(), result.ctx.pp
    notes = list(notes)
    writing.write_problem(problem, out / PLAN_INPUT, encoding, pp.tables())
    changed = [name for name in SETTINGS if getattr(problem, name) != Problem.model_fields[name].default]
    if changed:
        writing.write_problem_json(problem, out / f"{PLAN_INPUT}.json", pp.tables())
        notes.append(
            _(
                "the input sets {settings}, which CSV files cannot hold: give {file} to kecheng solve "
                "and check"
            ).format(settings=", ".join(changed), file=out / f"{PLAN_INPUT}.json")
        )
    writing.write_table(result.timetable, out / "timetable.csv", encoding)
    writing.write_table(result.unscheduled, out / "unscheduled.csv", encoding)
    writing.write_table(result.assignments, out / "assignments.csv", encoding)
    writing.write_table(result.demand, out / "demand.csv", encoding)
    summary = result.summary()
    summary["sessions_total"] = problem.sessions_total
    summary["sessions_scheduled"] = len(result.placements)
    summary["notes"] = notes
    writing.write_json(summary, out / "summary.json")
    return summary


@in_language
def plan_folder(
    input: str | Path,
    out: str | Path,
    *,
    previous: str | Path | None = None,
    weights: str | Path | PlanWeights | None = None,
    replan: bool = False,
    csv_encoding: str | None = None,
    time_limit: float = 120.0,
    seed: int = 0,
    workers: int = 0,
    log: bool = False,
    on_event: Callable[[str, dict[str, Any]], None] | None = None,
) -> PlanResult:
    """``prepare_plan`` then ``run_plan``: read a plan input, plan it, write ``out`` (what
    ``kecheng plan`` does). Options are checked first, so a wrong one fails before anything is read."""
    check_request(
        time_limit=time_limit, seed=seed, workers=workers, csv_encoding=csv_encoding, input=input, out=out
    )
    job = prepare_plan(input, previous=previous, weights=weights)
    return run_plan(
        job,
        out,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        replan=replan,
        csv_encoding=csv_encoding,
        log=log,
        on_event=on_event,
    )[0]


# --------------------------------------------------------------------- suggest


@dataclass(frozen=True)
class Suggestions:
    """Running groups someone could join now, best first: ``frame`` as ``planning.suggest`` gives
    it (machine columns), ``table`` the same rows for people (names beside ids, times in the
    run's language); ``about`` says for whom, ``seconds`` how long the answer took (the input
    read apart), ``warnings`` what was left out of the timetable."""

    frame: pd.DataFrame
    table: pd.DataFrame
    about: str
    seconds: float
    warnings: tuple[str, ...] = ()


@in_language
def suggest_folder(
    input: str | Path,
    timetable: str | Path,
    *,
    resident_id: str | None = None,
    interest_id: str | None = None,
    community_id: str | None = None,
) -> Suggestions:
    """The running groups with a free seat that a resident can walk to and attend without a clash
    (or, for ``interest_id`` and ``community_id``, that interest's groups with a seat within
    walking distance of the community's centre). ``input`` is a plan input (or a plan's
    ``DIR/input``), or a district alone (residents are then its members, free at any time);
    ``timetable`` the week's timetable.csv. ``OptionError`` for a question that names nobody."""
    by_place = interest_id is not None or community_id is not None
    if (resident_id is not None) == by_place or (by_place and (interest_id is None or community_id is None)):
        raise OptionError(_("give --resident R, or --interest I with --community C"))
    source, _report = load_district_or_plan(input)
    pp = source if isinstance(source, PlanProblem) else None
    problem = pp.problem if pp else source
    placements, warnings = _timetable_of(problem, Path(timetable))
    began = time.perf_counter()
    index = SuggestIndex(source, placements)
    if resident_id is not None:
        if not (pp and resident_id in pp.resident) and resident_id not in index.groups_of:
            where = _("residents.csv or members.csv") if pp else "members.csv"
            raise OptionError(
                _("no resident {resident} in {where} of {input}").format(
                    resident=repr(resident_id), where=where, input=input
                )
            )
        frame = index.for_resident(resident_id)
        about = resident_id
    else:
        assert interest_id is not None and community_id is not None
        interests = set(pp.interest if pp else ()) | {g.interest_id for g in problem.groups}
        if interest_id not in interests:
            raise OptionError(
                _(
                    "no interest {interest} in {input} (not in interests.csv, nor any group's interest_id)"
                ).format(interest=repr(interest_id), input=input)
            )
        if community_id not in problem.community:
            raise OptionError(
                _("no community {community} in {input}").format(community=repr(community_id), input=input)
            )
        frame = index.for_community(interest_id, community_id)
        interest = pp.interest.get(interest_id) if pp else None
        about = _("{interest} near {community}").format(
            interest=labelled(interest.name if interest else None, interest_id),
            community=community_label(problem, community_id),
        )
    seconds = time.perf_counter() - began
    return Suggestions(frame, _suggestion_table(problem, index, frame), about, seconds, tuple(warnings))


def _timetable_of(problem: Problem, path: Path) -> tuple[list[Placement], list[str]]:
    """The timetable's sessions of this input's groups; a venue it does not know is an error."""
    placements = read_placements(path)
    kept = [p for p in placements if p.group_id in problem.group]
    unknown = sorted({p.venue_id for p in kept if p.venue_id not in problem.venue})
    if unknown:
        raise InputError(
            [
                whole_file(
                    path.name,
                    _(
                        "names venues the input does not have ({venues}) — is it the timetable of this input?"
                    ).format(venues=", ".join(unknown[:5])),
                )
            ]
        )
    warnings = []
    if others := sorted({p.group_id for p in placements if p.group_id not in problem.group}):
        warnings.append(
            _(
                "{file}: {n} sessions of groups the input does not have are left out (e.g. {group}); "
                "for a plan's new groups, give its DIR/input"
            ).format(file=path.name, n=len(placements) - len(kept), group=others[0])
        )
    return kept, warnings


def _suggestion_table(problem: Problem, index: SuggestIndex, frame: pd.DataFrame) -> pd.DataFrame:
    """The suggestions for people: group, interest, teacher, times, venues, walk, seats, rank."""
    rows = []
    pp = index.pp
    for row in frame.itertuples(index=False):
        sessions = index.sessions.get(row.group_id, ())
        when = join(
            [
                f"{weekday(p.weekday, short=True)} {format_clock(p.start)}–{format_clock(p.end)}"
                for p in sessions
            ]
        )
        interest = pp.interest.get(row.interest_id) if pp and row.interest_id else None
        rows.append(
            {
                "group": group_label(problem, row.group_id),
                "interest": labelled(interest.name if interest else None, row.interest_id or ""),
                "teacher": teacher_label(problem, row.teacher_id),
                "when": when,
                "venues": join([venue_label(problem, v) for v in row.venues.split(";")]),
                "walk_m": int(row.walk_m),
                "free_seats": int(row.free_seats),
                "ordered_rank": "" if pd.isna(row.ordered_rank) else int(row.ordered_rank),
            }
        )
    columns = ["group", "interest", "teacher", "when", "venues", "walk_m", "free_seats", "ordered_rank"]
    return pd.DataFrame(rows, columns=columns)
