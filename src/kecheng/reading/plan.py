"""Residents' orders beside a district: interests, residents and orders (``kecheng plan``).

The three tables are read with the district's, from the same folder of CSV files, workbook or
JSON file and through the same machinery (encodings, Chinese file, sheet and column names, a
title row above the header), so that one read reports every problem of all ten tables at once:
a bad cell, an order for an interest nobody lists, rank 0, min_size above max_size, a resident
ordering one interest twice — each located by file, row and column. An input without any of the
three tables is a district for ``kecheng solve``, and is said to be so in one plain line.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from kecheng.errors import InputError, LocatedIssue, whole_file
from kecheng.i18n import _, in_language
from kecheng.model import TABLES, Problem, consistency_issues
from kecheng.planning.model import PLAN_TABLES, PlanProblem, plan_issues
from kecheng.reading.aliases import PLAN_TABLE_ALIASES
from kecheng.reading.load import DISTRICT_TABLES, LoadReport, TableSpec, TablesRead, read_tables
from kecheng.validation import locate, sort_and_cap

log = logging.getLogger(__name__)

PLAN_SPECS: dict[str, TableSpec] = {
    name: TableSpec(name, row_type, optional=True, aliases=PLAN_TABLE_ALIASES[name])
    for name, row_type in PLAN_TABLES.items()
}
"""interests, residents, orders: read as optional, so that an input without them is told apart
(a district, not orders) from one that lacks only some of them."""

WITH_COLUMN = "with"
"""orders.csv's column naming a resident to be grouped with (the row field ``with_``)."""


@in_language
def load_plan(path: str | Path) -> PlanProblem:
    """Read a district with residents' orders (a folder of CSV files, an .xlsx workbook or a
    .json file holding interests, residents and orders beside the district's tables).

    Raises ``InputError`` listing every problem, each located by file, row and column. Warnings
    (an ignored column, ；between tags) are logged; ``load_plan_report`` returns them instead.
    """
    found, report = load_plan_report(path)
    for warning in report.warnings:
        log.warning(warning.render())
    return found


@in_language
def load_plan_report(path: str | Path) -> tuple[PlanProblem, LoadReport]:
    """Like ``load_plan``, and also say how each table was read (``report.lines()``) and what
    looks suspicious (``report.warnings``)."""
    found, problems, report = _read(Path(path), require_orders=True)
    if found is None:
        raise InputError(problems, report.warnings, report)
    assert isinstance(found, PlanProblem)
    return found, report


@in_language
def validate_plan(path: str | Path) -> list[LocatedIssue]:
    """Every problem with a plan input (empty when ``load_plan`` would read it)."""
    return _read(Path(path), require_orders=True)[1]


@in_language
def load_district_or_plan(path: str | Path) -> tuple[PlanProblem | Problem, LoadReport]:
    """A plan input as ``load_plan`` reads it, or, when it has none of the three tables, the
    district alone (``kecheng suggest`` answers from either)."""
    found, problems, report = _read(Path(path), require_orders=False)
    if found is None:
        raise InputError(problems, report.warnings, report)
    return found, report


def not_a_plan() -> str:
    """The one line for an input that holds no orders at all."""
    return _(
        "has no interests, residents or orders table, so it is not an input for kecheng plan — add "
        "interests.csv, residents.csv and orders.csv (or sheets or JSON keys of those names; 兴趣, 居民, "
        "点单 are read too); to timetable the groups it has, use kecheng solve"
    )


def _read(path: Path, *, require_orders: bool) -> tuple[PlanProblem | Problem | None, list, LoadReport]:
    read = read_tables(path, DISTRICT_TABLES | PLAN_SPECS)
    problems = read.problems
    if not read.sources:  # no table could be read at all (a missing path, a damaged workbook)
        return None, problems, read.report
    absent = [name for name in PLAN_TABLES if not read.sources[name].present]
    with_orders = len(absent) < len(PLAN_TABLES)
    if require_orders and not with_orders:
        return None, [whole_file(str(path), not_a_plan())], read.report
    for name in absent if with_orders else ():
        message = _(
            "is missing — kecheng plan reads interests, residents and orders together; add it "
            "(a header alone will do)"
        )
        problems.append(whole_file(read.sources[name].file, message))
    problem = _district(read)
    if with_orders and not absent and problem is not None:
        try:
            issues = plan_issues(problem, *(read.rows[name] for name in PLAN_TABLES))
        except Exception:  # a stand-in for a failed row tripped a rule; that row is reported already
            if not problems:
                raise
            issues = []
        locate(issues, read.sources, read.rows, problems)
    _name_with_column(problems, read)
    sort_and_cap(problems, [source.file for source in read.sources.values()])
    if problems or problem is None:
        return None, problems, read.report
    district = Problem.model_validate(
        {name: read.rows[name] for name in TABLES} | read.settings, context={"checked": True}
    )
    if not with_orders:
        return district, [], read.report
    return PlanProblem(district, *(read.rows[name] for name in PLAN_TABLES), checked=True), [], read.report


def _district(read: TablesRead) -> Any:
    """The district's tables checked together (located into ``read.problems``); the unchecked
    Problem for the orders' checks, or None when its tables could not be read."""
    rows = {name: read.rows[name] for name in TABLES}
    try:
        problem = Problem.model_construct(**rows, **read.settings)
        issues = consistency_issues(problem)
    except Exception:  # a stand-in for a failed row tripped a rule; that row is reported already
        if not read.problems:
            raise
        return None
    locate(issues, {name: read.sources[name] for name in TABLES}, rows, read.problems)
    return problem


def _name_with_column(problems: list[LocatedIssue], read: TablesRead) -> None:
    """orders.csv's ``with`` is the field ``with_``: problems name the column as staff write it."""
    source = read.sources.get("orders")
    if source is None:
        return
    written = source.headers.get("with_")
    header = written if written and written != WITH_COLUMN else None
    for k, p in enumerate(problems):
        if p.file == source.file and p.column in ("with_", WITH_COLUMN):
            problems[k] = replace(p, column=WITH_COLUMN, header=header)
    for info in read.report.sources:
        if info.file == source.file:
            info.renamed.pop(WITH_COLUMN, None)
            info.renamed.update({h: WITH_COLUMN for h, column in info.renamed.items() if column == "with_"})
