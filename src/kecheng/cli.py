"""The command line: parse options, call the library, print. No logic lives here.

Exit codes: 0 done, 1 a timetable breaks a rule (check), 2 the input is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kecheng import workflow, writing
from kecheng.changes import diff as diff_timetables
from kecheng.changes import format_diff
from kecheng.check import check as check_timetable
from kecheng.check import format_violations
from kecheng.display import showing
from kecheng.errors import DaskMissing, InputError, LockError, OptionError
from kecheng.explain import explain_group
from kecheng.generate import PRESETS
from kecheng.generate import generate as generate_problem
from kecheng.lint import lint
from kecheng.model import Problem
from kecheng.reading import LoadReport, load_report, read_placements, read_timetable
from kecheng.report import parse_formats
from kecheng.solve import check_options
from kecheng.solve import solve as solve_problem
from kecheng.timetable import Placement

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="kecheng: weekly timetables for community colleges (社区学院), solved with CP-SAT.",
)


def _version(value: bool) -> None:
    if value:
        from kecheng import __version__

        typer.echo(f"kecheng {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """kecheng: weekly timetables for community colleges (社区学院), solved with CP-SAT."""


InputPath = Annotated[
    Path, typer.Argument(help="A folder of CSV files, an .xlsx workbook, or one .json file.")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def _load(path: Path) -> tuple[Problem, LoadReport]:
    try:
        return load_report(path)
    except InputError as err:
        raise _fail(f"{err}\nNothing was solved; fix the input and run again.") from None


def _warn(warnings: list[str] | tuple[str, ...]) -> None:
    """Suspicious but usable input: said on stderr, never stops the run."""
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)


def _timetable(path: Path) -> list[Placement]:
    try:
        return read_placements(path)
    except InputError as err:
        raise _fail(str(err)) from None


@app.command()
def solve(
    input: InputPath,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for timetable.csv, unscheduled.csv, summary.json.")
    ],
    time_limit: Annotated[
        float, typer.Option(help="Seconds of search (model building comes on top).")
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of the search.")] = 0,
    workers: Annotated[int, typer.Option(help="Search threads; 0 uses every core.")] = 0,
    previous: Annotated[
        Path | None, typer.Option(help="Last week's timetable.csv: keep what still fits, move little.")
    ] = None,
    weights: Annotated[
        Path | None, typer.Option(help="A .toml or .json file of objective weights (see README).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    log: Annotated[
        bool, typer.Option("--log", help="One line on stderr per better timetable found.")
    ] = False,
    formats: Annotated[
        str, typer.Option(help="Comma-separated outputs: csv (always), xlsx, ics, html.")
    ] = "csv",
) -> None:
    """Build the week's timetable and list what could not be placed, with reasons.

    Ctrl-C stops the search and writes the best timetable found so far.

    Rows of INPUT/locked.csv (same columns as timetable.csv) are kept exactly.
    """
    try:
        check_options(time_limit=time_limit, seed=seed, workers=workers)
        parse_formats(formats)
        workflow.check_output(input, out)
        job = workflow.prepare(input, previous=previous, weights=weights)
    except (OptionError, InputError) as err:
        nothing = "\nNothing was solved; fix the input and run again." if isinstance(err, InputError) else ""
        raise _fail(f"{err}{nothing}") from None
    if not quiet:
        _warn(job.warnings)
    try:
        with showing(time_limit, job.problem.sessions_total, quiet=quiet, log=log) as display:
            result = workflow.run(
                job,
                out,
                time_limit=time_limit,
                seed=seed,
                workers=workers,
                formats=formats,
                on_progress=display,
            )
    except LockError as err:
        raise _fail(f"{err}\nRemove or correct the lock and run again.") from None
    if not quiet:
        s = result.summary()
        typer.echo(
            f"{s['status']}{' (interrupted)' if result.interrupted else ''}: "
            f"placed {s['sessions_scheduled']} of {s['sessions_total']} sessions "
            f"(objective {s['objective']}, bound {s['bound']}, first-fit {s['greedy_objective']}) "
            f"in {s['wall_s']:.1f} s → {out}"
        )
        for reason, count in s["unscheduled_by_reason"].items():
            typer.echo(f"  unscheduled {reason}: {count}")
        if s["changes"]:
            c = s["changes"]
            typer.echo(
                f"  vs previous: {c['kept']} kept, {c['moved']} moved, {c['new']} new, {c['dropped']} dropped"
            )
        for note in result.notes:
            typer.echo(f"  note: {note}")


@app.command()
def validate(input: InputPath) -> None:
    """Read the input and report every problem in it at once."""
    problem, report = _load(input)
    typer.echo(
        f"OK: {len(problem.communities)} communities, {len(problem.venues)} venues, "
        f"{len(problem.teachers)} teachers, {len(problem.groups)} groups, "
        f"{problem.sessions_total} sessions, {len(problem.members)} memberships"
    )
    for line in report.lines():
        typer.echo(f"  {line}")
    _warn([w.render() for w in report.warnings] + lint(problem))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the JSON input (the same tables as the CSV files)."""
    typer.echo(json.dumps(writing.json_schema(), ensure_ascii=False, indent=2))


@app.command()
def check(
    input: InputPath,
    timetable: Annotated[Path, typer.Argument(help="A timetable.csv to verify.")],
) -> None:
    """Verify a timetable against every rule, independently of the solver."""
    problem, _ = _load(input)
    try:
        table = read_timetable(timetable)
    except InputError as err:
        raise _fail(str(err)) from None
    violations = check_timetable(problem, table)
    if violations:
        typer.echo(format_violations(violations))
        typer.echo(f"{len(violations)} violation(s) in {len(table)} sessions", err=True)
        raise typer.Exit(1)
    typer.echo(f"OK: {len(table)} sessions, no rule broken")


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the CSV files into (or a .json file).")],
    preset: Annotated[str, typer.Option(help=f"One of: {', '.join(PRESETS)}.")] = "district",
    seed: Annotated[int, typer.Option(help="Same seed, same district.")] = 0,
    groups: Annotated[int | None, typer.Option(help="Override the number of groups.")] = None,
) -> None:
    """Write a synthetic district modelled on Liangjiang New Area."""
    if preset not in PRESETS:
        raise _fail(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    problem = generate_problem(preset, seed, groups=groups)
    if out.suffix.lower() == ".json":
        writing.write_problem_json(problem, out)
    else:
        writing.write_problem(problem, out)
    typer.echo(
        f"wrote {len(problem.groups)} groups, {len(problem.venues)} venues, "
        f"{len(problem.teachers)} teachers, {len(problem.members)} memberships → {out}"
    )


@app.command()
def explain(
    input: InputPath,
    group_id: Annotated[str, typer.Argument(help="The group to explain, e.g. G0042.")],
    timetable: Annotated[
        Path | None,
        typer.Option(help="A timetable.csv to explain against; without it, kecheng solves first."),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds of search when solving first.")] = 10.0,
) -> None:
    """Why a group is (or is not fully) on the timetable, in plain words."""
    try:
        check_options(time_limit=time_limit)
    except OptionError as err:
        raise _fail(str(err)) from None
    problem, _ = _load(input)
    if group_id not in problem.group:
        raise _fail(
            f"no group {group_id!r} in {input}; group ids look like {problem.groups[0].group_id!r}"
            if problem.groups
            else f"{input} has no groups"
        )
    placements = (
        _timetable(timetable) if timetable else list(solve_problem(problem, time_limit=time_limit).placements)
    )
    typer.echo(explain_group(problem, group_id, placements))


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier timetable.csv.")],
    new: Annotated[Path, typer.Argument(help="The later timetable.csv.")],
) -> None:
    """Per teacher and per venue, what changed between two timetables: whom to notify."""
    changes = diff_timetables(_timetable(old), _timetable(new))
    typer.echo(format_diff(changes) if changes else "no changes")


@app.command("solve-batch")
def solve_batch(
    input_root: Annotated[
        Path, typer.Argument(help="A folder holding one district per folder (or .json file).")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for one output folder per district + batch_summary.json."),
    ],
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler, e.g. tcp://10.0.0.5:8786; default: a local cluster.")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds of search per district.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of the search.")] = 0,
    workers: Annotated[
        int, typer.Option(help="CP-SAT threads per district; a local cluster solves cores/workers at once.")
    ] = 1,
    formats: Annotated[
        str, typer.Option(help="Comma-separated outputs per district: csv (always), xlsx, ics, html.")
    ] = "csv",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Solve every district under INPUT_ROOT in parallel on Dask; a failed district stops no other.

    Each district is solved as `kecheng solve` solves it: its locked.csv is kept, --formats written."""
    from kecheng import batch  # Dask is an optional extra: imported only by this command

    try:
        check_options(time_limit=time_limit, seed=seed, workers=workers)
        parse_formats(formats)
    except OptionError as err:
        raise _fail(str(err)) from None

    def report(o: batch.BatchOutcome) -> None:
        if o.ok and not quiet:
            typer.echo(f"{o.name}: {o.status}, placed {o.placed} of {o.total} sessions in {o.wall_s:.1f} s")
        elif not o.ok:
            typer.echo(f"{o.name}: FAILED — {o.error.splitlines()[0]}", err=True)

    try:
        outcomes = batch.solve_batch(
            input_root,
            out,
            scheduler=scheduler,
            time_limit=time_limit,
            seed=seed,
            workers_per_task=workers,
            formats=formats,
            on_done=report,
        )
    except (DaskMissing, ConnectionError, ValueError) as err:
        raise _fail(str(err)) from None
    failed = sum(not o.ok for o in outcomes)
    if not quiet or failed:
        typer.echo(
            f"{len(outcomes) - failed} of {len(outcomes)} districts solved → {out / batch.SUMMARY_FILE}"
        )
    if failed:
        raise typer.Exit(2)
