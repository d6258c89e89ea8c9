"""The command line: parse options, call the library, print. No logic lives here.

Exit codes: 0 done, 1 a timetable breaks a rule (check), 2 the input is wrong.

Every word it prints, its ``--help`` included, is in the run's language: ``--lang zh|en``
(anywhere on the line), else the locale (``LANG=zh_CN.UTF-8`` is Chinese). Help texts are
evaluated when the commands are defined, so the app is built by :func:`build_app` once the
language is known; ``main`` (the ``kecheng`` script) picks ``--lang`` out of the arguments first.
"""

import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from kecheng import workflow, writing
from kecheng.changes import diff as diff_timetables
from kecheng.changes import format_diff, notify_frame
from kecheng.check import check as check_timetable
from kecheng.check import format_violations
from kecheng.display import showing, status_words
from kecheng.errors import DaskMissing, InputError, LockError, OptionError
from kecheng.explain import explain_group, reason_name
from kecheng.generate import KNOBS_HELP, PRESETS, SHAPES, shape_from
from kecheng.generate import generate as generate_problem
from kecheng.i18n import _, labelled, language, ngettext, normalize, set_language, use_language
from kecheng.lint import lint, plan_lint
from kecheng.model import Problem
from kecheng.planning import PlanProblem, synthetic_orders
from kecheng.planning.reasons import REASON_NAMES
from kecheng.reading import LoadReport, load_report, read_placements, read_timetable
from kecheng.reading.plan import load_district_or_plan
from kecheng.solve import check_options
from kecheng.solve import solve as solve_problem
from kecheng.timetable import Placement


def _tidy_help() -> None:
    """typer shows a required argument as ``{input}`` on the usage line and a switch as ``<bool>``;
    staff read ``INPUT`` and ``--quiet``. (typer's own words, "Options" and the like, follow the
    run's language too.)"""
    core = getattr(typer, "core", None)
    argument = getattr(core, "TyperArgument", None)
    if argument is not None and hasattr(argument, "_usage_display_name"):

        def usage_name(self: Any) -> str:
            name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
            return name + ("..." if self.nargs != 1 else "")

        argument._usage_display_name = usage_name
    option = getattr(core, "TyperOption", None)
    if option is not None and not getattr(option, "_kecheng_flags", False):
        shown = option.display_type_rich

        def display_type_rich(self: Any, ctx: Any) -> str | None:
            return None if self.is_flag and self.metavar is None else shown(self, ctx)

        option.display_type_rich = display_type_rich
        option._kecheng_flags = True
    try:
        import typer.rich_utils as rich_utils
    except ImportError:  # typer without rich: its plain help has no panels to name
        return
    if rich_utils is not None:
        for name, text in {
            "ARGUMENTS_PANEL_TITLE": _("Arguments"),
            "OPTIONS_PANEL_TITLE": _("Options"),
            "COMMANDS_PANEL_TITLE": _("Commands"),
            "ERRORS_PANEL_TITLE": _("Error"),
            "DEFAULT_STRING": _("[default: {}]"),
            "REQUIRED_LONG_STRING": _("[required]"),
            "ABORTED_TEXT": _("Aborted."),
        }.items():
            if hasattr(rich_utils, name):
                setattr(rich_utils, name, text)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def _nothing_solved() -> str:
    return _("Nothing was solved; fix the input and run again.")


def _load(path: Path) -> tuple[Problem, LoadReport]:
    try:
        return load_report(path)
    except InputError as err:
        raise _fail(f"{err}\n{_nothing_solved()}") from None


def _warn(warnings: list[str] | tuple[str, ...]) -> None:
    """Suspicious but usable input: said on stderr, never stops the run."""
    for warning in warnings:
        typer.echo(_("warning: {warning}").format(warning=warning), err=True)


def _timetable(path: Path) -> list[Placement]:
    try:
        return read_placements(path)
    except InputError as err:
        raise _fail(str(err)) from None


def _version(value: bool) -> None:
    if value:
        from kecheng import __version__

        typer.echo(f"kecheng {__version__}")
        raise typer.Exit()


def _language(value: str | None) -> str | None:
    if value is not None:
        try:
            set_language(value)
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
    return value


def build_app() -> typer.Typer:
    """The ``kecheng`` command, its help in the current language."""
    _tidy_help()
    about = _("kecheng: weekly timetables for community colleges (社区学院), solved with CP-SAT.")
    app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=about)

    @app.callback(help=about)
    def main(
        version: Annotated[
            bool,
            typer.Option(
                "--version", callback=_version, is_eager=True, help=_("Print the version and exit.")
            ),
        ] = False,
        lang: Annotated[
            str | None,
            typer.Option(
                "--lang",
                callback=_language,
                is_eager=True,
                metavar="zh|en",
                help=_("Language of messages and reports: zh (中文) or en; default: the locale (LANG)."),
            ),
        ] = None,
    ) -> None:
        pass

    input_help = _("A folder of CSV files, an .xlsx workbook, or one .json file.")
    InputPath = Annotated[Path, typer.Argument(help=input_help, metavar="INPUT", show_default=False)]
    encoding_help = _(
        "Encoding of the CSV files written: utf-8-sig (UTF-8 with BOM, for Excel), utf-8, gb18030."
    )
    # options that several commands share, declared once
    Seed = Annotated[int, typer.Option(metavar="N", help=_("Random seed of the search."))]
    Workers = Annotated[int, typer.Option(metavar="N", help=_("Search threads; 0 uses every core."))]
    Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=_("Print nothing but errors."))]
    CsvEncoding = Annotated[str, typer.Option(metavar="ENCODING", help=encoding_help)]
    Formats = Annotated[
        str, typer.Option(metavar="LIST", help=_("Comma-separated outputs: csv (always), xlsx, ics, html."))
    ]
    Term = Annotated[
        str | None,
        typer.Option(
            metavar="START:END",
            help=_(
                "The term's first and last day, e.g. 2026-03-02:2026-07-10: calendars dated over it, "
                "with public holidays and closures taken out."
            ),
        ),
    ]
    MakeupDays = Annotated[
        str,
        typer.Option(
            metavar="follow|ignore",
            help=_(
                "A 调休 make-up working day: follow the weekday it replaces, or ignore it (classes as usual)."
            ),
        ),
    ]

    @app.command(
        help=_(
            "Build the week's timetable and list what could not be placed, with reasons.\n\n"
            "Ctrl-C stops the search and writes the best timetable found so far.\n\n"
            "Rows of INPUT/locked.csv (same columns as timetable.csv) are kept exactly. With --term, "
            "INPUT/closures.csv (venue_id or *, date, reason) closes venues on given days."
        )
    )
    def solve(
        input: InputPath,
        out: Annotated[
            Path,
            typer.Option(
                "--out",
                "-o",
                metavar="DIR",
                help=_("Folder for timetable.csv, unscheduled.csv, summary.json."),
            ),
        ],
        time_limit: Annotated[
            float, typer.Option(metavar="SECONDS", help=_("Seconds of search (model building comes on top)."))
        ] = 60.0,
        seed: Seed = 0,
        workers: Workers = 0,
        previous: Annotated[
            Path | None,
            typer.Option(
                metavar="LAST/timetable.csv",
                help=_(
                    "Last week's timetable.csv: keep what still fits, move little (and the calendars' "
                    "SEQUENCE numbers from its folder)."
                ),
            ),
        ] = None,
        weights: Annotated[
            Path | None,
            typer.Option(metavar="FILE", help=_("A .toml or .json file of objective weights (see README).")),
        ] = None,
        quiet: Quiet = False,
        log: Annotated[
            bool, typer.Option("--log", help=_("One line on stderr per better timetable found."))
        ] = False,
        formats: Formats = "csv",
        term: Term = None,
        makeup_days: MakeupDays = "ignore",
        csv_encoding: CsvEncoding = "utf-8-sig",
    ) -> None:
        try:
            workflow.check_request(
                time_limit=time_limit,
                seed=seed,
                workers=workers,
                formats=formats,
                term=term,
                makeup=makeup_days,
                csv_encoding=csv_encoding,
                input=input,
                out=out,
            )
            job = workflow.prepare(input, previous=previous, weights=weights, term=term, makeup=makeup_days)
        except (OptionError, InputError) as err:
            nothing = f"\n{_nothing_solved()}" if isinstance(err, InputError) else ""
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
                    csv_encoding=csv_encoding,
                )
        except LockError as err:
            raise _fail(f"{err}\n" + _("Remove or correct the lock and run again.")) from None
        if not quiet:
            _summary(result, out)

    @app.command(help=_("Read the input and report every problem in it at once."))
    def validate(input: InputPath) -> None:
        try:
            found, report = load_district_or_plan(input)
        except InputError as err:
            raise _fail(f"{err}\n{_nothing_solved()}") from None
        problem = found.problem if isinstance(found, PlanProblem) else found
        try:
            closures = workflow.closures_of(input, problem)
        except InputError as err:
            raise _fail(str(err)) from None
        typer.echo(
            _(
                "OK: {communities} communities, {venues} venues, {teachers} teachers, {groups} groups, "
                "{sessions} sessions, {members} memberships"
            ).format(
                communities=len(problem.communities),
                venues=len(problem.venues),
                teachers=len(problem.teachers),
                groups=len(problem.groups),
                sessions=problem.sessions_total,
                members=len(problem.members),
            )
        )
        if isinstance(found, PlanProblem):
            typer.echo(
                "  "
                + _("for kecheng plan: {interests} interests, {residents} residents, {orders} orders").format(
                    interests=len(found.interests), residents=len(found.residents), orders=len(found.orders)
                )
            )
        for line in report.lines():
            typer.echo(f"  {line}")
        warnings = [w.render() for w in report.warnings]
        warnings += plan_lint(found) if isinstance(found, PlanProblem) else lint(problem)
        if closures is not None:
            typer.echo("  " + _("closures: {n} closed days, used with --term").format(n=len(closures[0])))
            warnings += closures[1]
        _warn(warnings)

    @app.command(help=_("Print the JSON Schema of the JSON input (the same tables as the CSV files)."))
    def schema() -> None:
        typer.echo(json.dumps(writing.json_schema(), ensure_ascii=False, indent=2))

    @app.command(help=_("Verify a timetable against every rule, independently of the solver."))
    def check(
        input: InputPath,
        timetable: Annotated[
            Path,
            typer.Argument(
                metavar="TIMETABLE",
                show_default=False,
                help=_("A timetable.csv to verify (or the timetable.xlsx kecheng wrote)."),
            ),
        ],
    ) -> None:
        problem, _report = _load(input)
        try:
            table = read_timetable(timetable)
        except InputError as err:
            raise _fail(str(err)) from None
        violations = check_timetable(problem, table)
        if violations:
            typer.echo(format_violations(violations))
            typer.echo(
                ngettext(
                    "{n} violation in {sessions} sessions",
                    "{n} violations in {sessions} sessions",
                    len(violations),
                ).format(n=len(violations), sessions=len(table)),
                err=True,
            )
            raise typer.Exit(1)
        typer.echo(_("OK: {n} sessions, no rule broken").format(n=len(table)))

    @app.command(help=_("Write a synthetic district modelled on Liangjiang New Area."))
    def generate(
        out: Annotated[
            Path,
            typer.Argument(
                metavar="OUT",
                show_default=False,
                help=_("Folder to write the CSV files into (or a .json file)."),
            ),
        ],
        preset: Annotated[
            str, typer.Option(metavar="NAME", help=_("One of: {presets}.").format(presets=", ".join(PRESETS)))
        ] = "district",
        seed: Annotated[int, typer.Option(metavar="N", help=_("Same seed, same district."))] = 0,
        groups: Annotated[
            int | None, typer.Option(metavar="N", help=_("Override the number of groups."))
        ] = None,
        shape: Annotated[
            str,
            typer.Option(
                metavar="NAME",
                help=_("How the district is shaped: {shapes} (generator is the original).").format(
                    shapes=", ".join(SHAPES)
                ),
            ),
        ] = "generator",
        knobs: Annotated[
            list[str] | None,
            typer.Option(
                "--set",
                metavar="KNOB=VALUE",
                help=_(
                    "Change one knob of the shape (repeatable), e.g. --set roaming=0.5. Knobs: {knobs}."
                ).format(knobs=KNOBS_HELP),
            ),
        ] = None,
        orders: Annotated[
            bool,
            typer.Option(
                "--orders",
                help=_(
                    "Also write residents' orders for kecheng plan: interests.csv, residents.csv, orders.csv "
                    "(and teachers' interests, groups' interest_id)."
                ),
            ),
        ] = False,
    ) -> None:
        if preset not in PRESETS:
            raise _fail(
                _("unknown preset {preset}; choose one of: {presets}").format(
                    preset=repr(preset), presets=", ".join(PRESETS)
                )
            )
        try:
            chosen = shape_from(shape, knobs or [])
        except ValueError as err:
            raise _fail(str(err)) from None
        problem = generate_problem(preset, seed, groups=groups, shape=chosen)
        made = synthetic_orders(problem, seed) if orders else None
        tables = made.plan_problem().tables() if made is not None else None
        if made is not None:
            problem = made.problem  # teachers' interests and groups' interest_id filled in
        if out.suffix.lower() == ".json":
            writing.write_problem_json(problem, out, tables)
        else:
            writing.write_problem(problem, out, tables=tables)
        typer.echo(
            _(
                "wrote {groups} groups, {venues} venues, {teachers} teachers, {members} memberships → {out}"
            ).format(
                groups=len(problem.groups),
                venues=len(problem.venues),
                teachers=len(problem.teachers),
                members=len(problem.members),
                out=out,
            )
        )
        if made is not None:
            typer.echo(
                _("wrote {interests} interests, {residents} residents, {orders} orders → {out}").format(
                    interests=len(made.interests),
                    residents=len(made.residents),
                    orders=len(made.orders),
                    out=out,
                )
            )

    @app.command(help=_("Why a group is (or is not fully) on the timetable, in plain words."))
    def explain(
        input: InputPath,
        group_id: Annotated[
            str,
            typer.Argument(
                metavar="GROUP_ID", show_default=False, help=_("The group to explain, e.g. G0042.")
            ),
        ],
        timetable: Annotated[
            Path | None,
            typer.Option(
                metavar="TIMETABLE",
                help=_("A timetable.csv to explain against; without it, kecheng solves first."),
            ),
        ] = None,
        time_limit: Annotated[
            float, typer.Option(metavar="SECONDS", help=_("Seconds of search when solving first."))
        ] = 10.0,
    ) -> None:
        try:
            check_options(time_limit=time_limit)
        except OptionError as err:
            raise _fail(str(err)) from None
        problem, _report = _load(input)
        if group_id not in problem.group:
            raise _fail(
                _("no group {group} in {input}; group ids look like {example}").format(
                    group=repr(group_id), input=input, example=repr(problem.groups[0].group_id)
                )
                if problem.groups
                else _("{input} has no groups").format(input=input)
            )
        placements = (
            _timetable(timetable)
            if timetable
            else list(solve_problem(problem, time_limit=time_limit).placements)
        )
        typer.echo(explain_group(problem, group_id, placements))

    @app.command(
        help=_(
            "Per teacher and per venue, what changed between two timetables, and a summary: sessions "
            "kept, moved, added, removed; whom to notify (by name with --input)."
        )
    )
    def diff(
        old: Annotated[
            Path, typer.Argument(metavar="OLD", show_default=False, help=_("The earlier timetable.csv."))
        ],
        new: Annotated[
            Path, typer.Argument(metavar="NEW", show_default=False, help=_("The later timetable.csv."))
        ],
        input: Annotated[
            Path | None,
            typer.Option(
                "--input",
                "-i",
                metavar="INPUT",
                help=_("The district's input, for the names of teachers and venues."),
            ),
        ] = None,
        notify: Annotated[
            Path | None,
            typer.Option(
                metavar="notify.csv",
                help=_("Write whom to notify as a CSV file: kind, id, name, removed, added, changes."),
            ),
        ] = None,
        csv_encoding: CsvEncoding = "utf-8-sig",
    ) -> None:
        try:
            writing.csv_encoding(csv_encoding)
        except OptionError as err:
            raise _fail(str(err)) from None
        problem = _load(input)[0] if input else None
        changes = diff_timetables(_timetable(old), _timetable(new))
        if not changes:
            typer.echo(_("no changes"))
        typer.echo(format_diff(changes, problem))
        if notify is not None:
            writing.write_table(notify_frame(changes, problem), notify, csv_encoding)
            typer.echo(_("whom to notify → {file}").format(file=notify))

    @app.command(
        "plan",
        help=_(
            "Open groups from residents' orders (订单式开班): which groups, where, when, with whom, and why "
            "each unmet order is unmet.\n\n"
            "INPUT holds the district's tables and interests.csv, residents.csv, orders.csv. DIR gets input/ "
            "(the planned week, for kecheng solve and check), timetable.csv, unscheduled.csv, "
            "assignments.csv, demand.csv and summary.json."
        ),
    )
    def plan_command(
        input: InputPath,
        out: Annotated[
            Path,
            typer.Option(
                "--out",
                "-o",
                metavar="DIR",
                help=_("Folder for input/, timetable.csv, assignments.csv, demand.csv, summary.json."),
            ),
        ],
        time_limit: Annotated[
            float,
            typer.Option(
                metavar="SECONDS",
                help=_("Seconds for the whole plan, timetabling the running groups included."),
            ),
        ] = 120.0,
        seed: Seed = 0,
        workers: Workers = 0,
        previous: Annotated[
            Path | None,
            typer.Option(
                metavar="LAST/timetable.csv",
                help=_(
                    "Last week's timetable.csv: running groups stay where they were (where they still fit); "
                    "without it they are timetabled first."
                ),
            ),
        ] = None,
        replan: Annotated[
            bool,
            typer.Option(
                "--replan", help=_("Let running groups that nobody joins move, if that places more sessions.")
            ),
        ] = False,
        weights: Annotated[
            Path | None,
            typer.Option(metavar="FILE", help=_("A .toml or .json file of the plan's weights (see README).")),
        ] = None,
        csv_encoding: CsvEncoding = "utf-8-sig",
        quiet: Quiet = False,
        log: Annotated[
            bool, typer.Option("--log", help=_("One line on stderr per neighbourhood the search solves."))
        ] = False,
    ) -> None:
        try:
            workflow.check_request(
                time_limit=time_limit,
                seed=seed,
                workers=workers,
                csv_encoding=csv_encoding,
                input=input,
                out=out,
            )
            job = workflow.prepare_plan(input, previous=previous, weights=weights)
        except (OptionError, InputError) as err:
            nothing = f"\n{_nothing_planned()}" if isinstance(err, InputError) else ""
            raise _fail(f"{err}{nothing}") from None
        if not quiet:
            _warn(job.warnings)
        try:
            _result, summary = workflow.run_plan(
                job,
                out,
                time_limit=time_limit,
                seed=seed,
                workers=workers,
                replan=replan,
                csv_encoding=csv_encoding,
                on_event=None if quiet else _PlanProgress(log),
            )
        except KeyboardInterrupt:  # a plan is written whole or not at all: no half answer to keep
            typer.echo(
                _("interrupted before the plan was done (its files are written at the end); run it again"),
                err=True,
            )
            raise typer.Exit(130) from None
        if not quiet:
            _plan_summary(summary, out)

    @app.command(
        help=_(
            "The running groups someone could join now: a free seat, within their walk, when they are free, "
            "no clash with their groups; best first."
        )
    )
    def suggest(
        input: InputPath,
        timetable: Annotated[
            Path,
            typer.Option(
                metavar="TIMETABLE",
                help=_("The week's timetable.csv (for a plan: DIR/timetable.csv, with INPUT = DIR/input)."),
            ),
        ],
        resident: Annotated[
            str | None, typer.Option(metavar="R", help=_("The resident asking (resident_id or member_id)."))
        ] = None,
        interest: Annotated[
            str | None, typer.Option(metavar="I", help=_("An interest, with --community: its groups nearby."))
        ] = None,
        community: Annotated[
            str | None,
            typer.Option(metavar="C", help=_("A community: groups within walking distance of its centre.")),
        ] = None,
    ) -> None:
        try:
            found = workflow.suggest_folder(
                input, timetable, resident_id=resident, interest_id=interest, community_id=community
            )
        except (OptionError, InputError) as err:
            raise _fail(str(err)) from None
        _warn(found.warnings)
        took = f"{found.seconds * 1000:.0f}"
        if found.table.empty:
            typer.echo(
                _("No running group with a free seat suits {who} (answered in {ms} ms).").format(
                    who=found.about, ms=took
                )
            )
            return
        typer.echo(
            ngettext(
                "{n} group {who} could join now, best first (answered in {ms} ms):",
                "{n} groups {who} could join now, best first (answered in {ms} ms):",
                len(found.table),
            ).format(n=len(found.table), who=found.about, ms=took)
        )
        _print_table(found.table)

    @app.command(
        "solve-batch",
        help=_(
            "Solve every district under INPUT_ROOT in parallel on Dask; a failed district stops no other.\n\n"
            "Each district is solved as `kecheng solve` solves it: its locked.csv is kept, --formats written."
        ),
    )
    def solve_batch(
        input_root: Annotated[
            Path,
            typer.Argument(
                metavar="INPUT_ROOT",
                show_default=False,
                help=_("A folder holding one district per folder (or .json file)."),
            ),
        ],
        out: Annotated[
            Path,
            typer.Option(
                "--out",
                "-o",
                metavar="DIR",
                help=_("Folder for one output folder per district + batch_summary.json."),
            ),
        ],
        scheduler: Annotated[
            str | None,
            typer.Option(
                metavar="ADDRESS",
                help=_("Dask scheduler, e.g. tcp://10.0.0.5:8786; default: a local cluster."),
            ),
        ] = None,
        time_limit: Annotated[
            float, typer.Option(metavar="SECONDS", help=_("Seconds of search per district."))
        ] = 60.0,
        seed: Seed = 0,
        workers: Annotated[
            int,
            typer.Option(
                metavar="N",
                help=_("CP-SAT threads per district; a local cluster solves cores/workers at once."),
            ),
        ] = 1,
        formats: Formats = "csv",
        term: Term = None,
        makeup_days: MakeupDays = "ignore",
        csv_encoding: CsvEncoding = "utf-8-sig",
        quiet: Quiet = False,
    ) -> None:
        from kecheng import batch  # Dask is an optional extra: imported only by this command

        try:
            workflow.check_request(
                time_limit=time_limit,
                seed=seed,
                workers=workers,
                formats=formats,
                term=term,
                makeup=makeup_days,
                csv_encoding=csv_encoding,
            )
        except OptionError as err:
            raise _fail(str(err)) from None

        def report(o: batch.BatchOutcome) -> None:
            if o.ok and not quiet:
                typer.echo(
                    _("{name}: {status}, placed {placed} of {total} sessions in {seconds} s").format(
                        name=o.name,
                        status=status_words(o.status),
                        placed=o.placed,
                        total=o.total,
                        seconds=f"{o.wall_s:.1f}",
                    )
                )
            elif not o.ok:
                first = (o.error or "").splitlines()[0] if o.error else ""
                typer.echo(_("{name}: FAILED — {error}").format(name=o.name, error=first), err=True)

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
                term=term,
                makeup=makeup_days,
                csv_encoding=csv_encoding,
            )
        except (DaskMissing, ConnectionError, ValueError) as err:
            raise _fail(str(err)) from None
        failed = sum(not o.ok for o in outcomes)
        if not quiet or failed:
            typer.echo(
                _("{solved} of {total} districts solved → {file}").format(
                    solved=len(outcomes) - failed, total=len(outcomes), file=out / batch.SUMMARY_FILE
                )
            )
        if failed:
            raise typer.Exit(2)

    return app


def _summary(result: Any, out: Path) -> None:
    """The few lines after a solve: status, placed, objective and bound, reasons, changes, notes."""
    s = result.summary()
    status = status_words(s["status"]) + (_(" (interrupted)") if result.interrupted else "")
    typer.echo(
        _(
            "{status}: placed {placed} of {total} sessions (objective {objective}, bound {bound}, "
            "first-fit {first_fit}) in {seconds} s → {out}"
        ).format(
            status=status,
            placed=s["sessions_scheduled"],
            total=s["sessions_total"],
            objective=s["objective"],
            bound=s["bound"],
            first_fit=s["greedy_objective"],
            seconds=f"{s['wall_s']:.1f}",
            out=out,
        )
    )
    for reason, count in s["unscheduled_by_reason"].items():
        typer.echo(
            "  "
            + _("unscheduled {reason}: {n}").format(reason=labelled(reason_name(reason), reason), n=count)
        )
    if s["changes"]:
        c = s["changes"]
        typer.echo(
            "  "
            + _("vs previous: {kept} kept, {moved} moved, {new} new, {dropped} dropped").format(
                kept=c["kept"], moved=c["moved"], new=c["new"], dropped=c["dropped"]
            )
        )
    for note in result.notes:
        typer.echo("  " + _("note: {note}").format(note=note))


def _nothing_planned() -> str:
    return _("Nothing was planned; fix the input and run again.")


class _PlanProgress:
    """A plan's progress on stderr: a line per phase; with ``--log``, a line per neighbourhood."""

    def __init__(self, log: bool):
        self.log = log
        self.language = language()

    def __call__(self, kind: str, figures: dict[str, Any]) -> None:
        with use_language(self.language):  # the search may call from another thread
            line = self._line(kind, figures)
        if line:
            typer.echo(line, err=True)

    def _line(self, kind: str, f: dict[str, Any]) -> str | None:
        if kind == "timetable":
            return _(
                "timetabling the {groups} running groups ({sessions} sessions) first, at most {seconds} s…"
            ).format(groups=f["groups"], sessions=f["sessions"], seconds=f"{f['seconds']:.0f}")
        if kind == "timetabled":
            return _("running groups: {placed} of {total} sessions placed ({status}) in {seconds} s").format(
                placed=f["sessions_placed"],
                total=f["sessions_total"],
                status=status_words(f["status"]),
                seconds=f"{f['seconds']:.1f}",
            )
        if kind == "plan":
            return _(
                "planning {orders} orders of {residents} residents for {interests} interests, at most "
                "{seconds} s…"
            ).format(
                orders=f["orders"],
                residents=f["residents"],
                interests=f["interests"],
                seconds=f"{f['seconds']:.0f}",
            )
        if kind == "step" and self.log:
            better = _(" (better)") if f.get("better") else ""
            return _(
                "{seconds} s  neighbourhood {turn}: {pairs} orders in play, order points {points}{better}"
            ).format(
                seconds=f"{f['seconds']:6.1f}",
                turn=f["turn"],
                pairs=f["pairs"],
                points=f["tier1"],
                better=better,
            )
        return None


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.1f}%"


def _plan_summary(s: dict[str, Any], out: Path) -> None:
    """The lines after a plan: orders met, first choices, residents, groups, bound and gap, reasons, notes."""
    typer.echo(
        _(
            "{met} of {orders} orders met ({share}), first choices {firsts} ({first_share}); {groups} groups "
            "opened (mean fill {fill}); residents with a group {residents}; gap {gap} to the bound of "
            "{bound} orders; {seconds} s → {out}"
        ).format(
            met=s["orders_met"],
            orders=s["orders"],
            share=_percent(s["orders_met_share"]),
            firsts=s["first_choices_met"],
            first_share=_percent(s["first_choices_met_share"]),
            groups=s["groups_opened"],
            fill=_percent(s["mean_fill"]),
            residents=_percent(s["residents_with_group_share"]),
            gap=_percent(s["gap_orders"]),
            bound="–" if s["bound_orders"] is None else s["bound_orders"],
            seconds=f"{s['timings'].get('total_s', 0.0):.1f}",
            out=out,
        )
    )
    for reason, count in s["reasons"].items():
        words = _(REASON_NAMES[reason]) if reason in REASON_NAMES else reason
        typer.echo("  " + _("unmet {reason}: {n}").format(reason=labelled(words, reason), n=count))
    for note in s["notes"]:
        typer.echo("  " + _("note: {note}").format(note=note))


def _print_table(frame: Any) -> None:
    """A small table for people, names beside ids; wide enough not to fold when not a terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    headings = {
        "group": _("group"),
        "interest": _("interest"),
        "teacher": _("teacher"),
        "when": _("when"),
        "venues": _("venue"),
        "walk_m": _("walk (m)"),
        "free_seats": _("free seats"),
        "ordered_rank": _("choice"),
    }
    table = Table(box=box.SIMPLE, show_edge=False)
    for column in frame.columns:
        table.add_column(
            headings.get(column, column),
            justify="right" if column in ("walk_m", "free_seats", "ordered_rank") else "left",
        )
    for row in frame.itertuples(index=False):
        table.add_row(*(str(value) for value in row))
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 240, highlight=False)
    console.print(table)


def pick_language(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """``--lang X`` / ``--lang=X`` anywhere on the line, taken out (the last one wins); and the rest."""
    rest, chosen, args = [], None, list(argv)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == "--lang" and index + 1 < len(args):
            chosen, index = args[index + 1], index + 2
            continue
        if arg.startswith("--lang="):
            chosen, index = arg.split("=", 1)[1], index + 1
            continue
        rest.append(arg)
        index += 1
    return chosen, rest


def main(argv: Sequence[str] | None = None) -> None:
    """The ``kecheng`` script: the language first (so that --help is in it), then the command."""
    gc.freeze()  # the imports' objects live as long as the run: no full collection walks them again
    lang, rest = pick_language(sys.argv[1:] if argv is None else argv)
    if lang is not None:
        try:
            set_language(normalize(lang))
        except ValueError as err:
            typer.echo(str(err), err=True)
            raise SystemExit(2) from None
    build_app()(args=rest, prog_name="kecheng")


app = build_app()
"""The app in the language of the environment at import (tests drive it with CliRunner)."""
