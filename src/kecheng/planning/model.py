"""Residents' orders as tables: interests, residents, orders, and how they fit the district.

The rows mirror ``interests.csv``, ``residents.csv`` and ``orders.csv`` one to one, like the
rows of :mod:`kecheng.model`, so an issue's location ``(table, index, column)`` maps straight
back to a file, row and column. Row models check each cell's type only; whether the rows
make sense together (known ids, ``min_size ≤ max_size``, ranks from 1, one order per
resident and interest) is :func:`plan_issues`, which reports every problem at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic import dataclasses as pydantic_dataclasses

from kecheng.errors import InputError, LocatedIssue
from kecheng.i18n import _
from kecheng.planning.base import (
    DEFAULT_MAX_WALK_M,
    MINUTES_PER_DAY,
    Id,
    Issue,
    Latitude,
    Longitude,
    Problem,
    Tags,
    TimePreferences,
    issue,
    merge_windows,
)
from kecheng.validation import PythonTable, Unknown, locate, sort_and_cap, validate_rows

DEFAULT_MAX_GROUPS = 2


def _row(cls: type) -> type:
    """A table row: slotted, frozen pydantic dataclass, extra columns ignored (as kecheng.model)."""
    config = ConfigDict(extra="ignore", populate_by_name=True)
    return pydantic_dataclasses.dataclass(frozen=True, slots=True, config=config)(cls)


@_row
class Interest:
    """Something residents can order: what a new group of it needs and how big it may be."""

    interest_id: Id
    name: str
    category: str
    min_size: Annotated[int, Field(gt=0)]
    max_size: Annotated[int, Field(gt=0)]
    sessions_per_week: Annotated[int, Field(ge=1, le=7)]
    duration_min: Annotated[int, Field(gt=0, le=MINUTES_PER_DAY)]
    required_features: Tags = frozenset()
    priority: int = Field(default=1, ge=1)


@_row
class Resident:
    """Someone who orders. ``available`` is hard (empty = any time); location defaults to the
    community's; ``max_groups`` counts the groups they already belong to."""

    resident_id: Id
    community_id: Id
    lat: Latitude | None = None
    lon: Longitude | None = None
    max_walk_m: float = Field(default=DEFAULT_MAX_WALK_M, gt=0, allow_inf_nan=False)
    max_groups: int = Field(default=DEFAULT_MAX_GROUPS, ge=0)
    available: TimePreferences = ()


@_row
class Order:
    """One resident's wish for one interest; rank 1 is the first choice. ``with`` (``with_`` in
    Python) names a resident to be placed in the same group when both get this interest."""

    resident_id: Id
    interest_id: Id
    rank: int
    with_: Id | None = Field(default=None, alias="with")


PLAN_TABLES: dict[str, type] = {"interests": Interest, "residents": Resident, "orders": Order}
"""Table name → row model of the three tables ``kecheng plan`` adds, in reading order."""


def available_windows(resident: Resident) -> dict[int, list[tuple[int, int]]]:
    """Weekday → merged windows (minutes) when the resident can come; every day whole if none given.

    A named window (``morning``) holds on all seven days; windows that touch join.
    """
    if not resident.available:
        return {day: [(0, MINUTES_PER_DAY)] for day in range(1, 8)}
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for day, begin, end in resident.available:
        for d in range(1, 8) if day == 0 else (day,):
            spans[d].append((begin, end))
    return {d: merge_windows(s) for d, s in sorted(spans.items())}


def _validated(table: str, row_type: type, rows: Iterable[Any], issues: list[Issue]) -> list[Any]:
    """Rows as given, or validated from mappings; a bad row is reported (located) and dropped."""
    adapter = TypeAdapter(row_type)
    out = []
    for index, row in enumerate(rows):
        if isinstance(row, row_type):
            out.append(row)
            continue
        try:
            out.append(adapter.validate_python(row))
        except ValidationError as err:
            for error in err.errors(include_url=False):
                column = next((str(x) for x in error["loc"] if isinstance(x, str)), None)
                value = row.get(column) if isinstance(row, Mapping) and column else row
                issues.append(issue(table, index, column, value, error["msg"]))
            out.append(None)
    return out


def plan_issues(
    problem: Problem,
    interests: Sequence[Any],
    residents: Sequence[Any],
    orders: Sequence[Any],
) -> list[Issue]:
    """Everything that keeps the three tables from fitting the district and each other.

    Rows may be row objects or mappings (cells are then validated here and located too). Each
    issue names table, 0-based row index, column, value and what to do; the list is complete,
    not the first problem only, so staff fix their files in one go.
    """
    issues: list[Issue] = []
    interest_rows = _validated("interests", Interest, interests, issues)
    resident_rows = _validated("residents", Resident, residents, issues)
    order_rows = _validated("orders", Order, orders, issues)
    issues += _fit_issues(problem, interest_rows, resident_rows, order_rows)
    return issues


def _fit_issues(
    problem: Problem,
    interests: list[Interest | None],
    residents: list[Resident | None],
    orders: list[Order | None],
) -> list[Issue]:
    issues: list[Issue] = []

    def unique(table: str, column: str, rows: list[Any]) -> set[str]:
        seen: dict[str, int] = {}
        for index, row in enumerate(rows):
            if row is None:
                continue
            value = getattr(row, column)
            if value in seen:
                message = _("this id appears more than once; ids must be unique")
                issues.append(issue(table, index, column, value, message, "duplicate"))
            seen.setdefault(value, index)
        return set(seen)

    interest_ids = unique("interests", "interest_id", interests)
    resident_ids = unique("residents", "resident_id", residents)

    for index, interest in enumerate(interests):
        if interest is None:
            continue
        if _known(interest.min_size, interest.max_size) and interest.min_size > interest.max_size:
            message = _(
                "is larger than max_size ({max_size}): a group could never open — lower min_size or raise "
                "max_size"
            ).format(max_size=interest.max_size)
            issues.append(issue("interests", index, "min_size", interest.min_size, message))
        if interest.duration_min % problem.grid_min:
            message = _("must be a whole number of {step}-minute steps (e.g. 60, 90, 120)").format(
                step=problem.grid_min
            )
            issues.append(issue("interests", index, "duration_min", interest.duration_min, message))

    for index, resident in enumerate(residents):
        if resident is not None and resident.community_id not in problem.community:
            issues.append(
                issue(
                    "residents",
                    index,
                    "community_id",
                    resident.community_id,
                    "no such id in communities",
                    "reference",
                )
            )
        if (
            resident is not None
            and not isinstance(resident.lat, Unknown)
            and not isinstance(resident.lon, Unknown)
            and (resident.lat is None) != (resident.lon is None)
        ):
            message = _("give both lat and lon, or neither (then the community's location is used)")
            issues.append(issue("residents", index, "lat" if resident.lat is None else "lon", None, message))

    first: dict[tuple[str, str], int] = {}
    for index, order in enumerate(orders):
        if order is None:
            continue
        if order.resident_id not in resident_ids:
            issues.append(
                issue(
                    "orders", index, "resident_id", order.resident_id, "no such id in residents", "reference"
                )
            )
        if order.interest_id not in interest_ids:
            issues.append(
                issue(
                    "orders", index, "interest_id", order.interest_id, "no such id in interests", "reference"
                )
            )
        if _known(order.rank) and order.rank < 1:
            message = _("must be at least 1 (1 = first choice, 2 = second, …)")
            issues.append(issue("orders", index, "rank", order.rank, message))
        key = (order.resident_id, order.interest_id)
        if key in first:
            message = _(
                "{resident} orders {interest} more than once; one order per resident and interest — "
                "keep the one with the rank you mean"
            ).format(resident=order.resident_id, interest=order.interest_id)
            issues.append(issue("orders", index, "interest_id", order.interest_id, message))
        first.setdefault(key, index)
        if order.with_ is not None:
            if order.with_ not in resident_ids:
                issues.append(
                    issue("orders", index, "with", order.with_, "no such id in residents", "reference")
                )
            elif order.with_ == order.resident_id:
                message = _("names the resident themselves; name another resident, or leave it empty")
                issues.append(issue("orders", index, "with", order.with_, message))

    for index, teacher in enumerate(problem.teachers):
        if not isinstance(teacher.interests, frozenset):
            continue  # a row that failed validation: reported already
        for interest_id in sorted(teacher.interests - interest_ids):
            issues.append(
                issue("teachers", index, "interests", interest_id, "no such id in interests", "reference")
            )
    for index, group in enumerate(problem.groups):
        if group.interest_id is not None and group.interest_id not in interest_ids:
            issues.append(
                issue(
                    "groups", index, "interest_id", group.interest_id, "no such id in interests", "reference"
                )
            )
    return issues


def _known(*values: Any) -> bool:
    """Cells that were read (a row that failed validation stands in with unknown cells)."""
    return all(isinstance(v, int) for v in values)


class PlanProblem:
    """A district (``Problem``, with its running groups) plus residents' orders, validated together.

    Raises ``InputError`` locating every issue of :func:`plan_issues` (file = table name,
    row = index + 1, as for tables given in Python), worded as ``kecheng.load_plan`` words them.
    Look-ups are built once; the tables are immutable tuples.
    """

    def __init__(
        self,
        problem: Problem,
        interests: Iterable[Any] = (),
        residents: Iterable[Any] = (),
        orders: Iterable[Any] = (),
        *,
        checked: bool = False,
    ):
        """``checked``: the tables are row objects already found to fit (the readers check them
        as they locate each problem in its file): they are taken as they are."""
        if checked:
            self.problem = problem
            self.interests, self.residents, self.orders = tuple(interests), tuple(residents), tuple(orders)
            return
        problems: list[LocatedIssue] = []
        given = dict(zip(PLAN_TABLES, (list(interests), list(residents), list(orders)), strict=True))
        sources: dict[str, Any] = {name: PythonTable(name, items) for name, items in given.items()}
        rows: dict[str, Any] = {
            name: validate_rows(sources[name], row_type, long=False, problems=problems)
            for name, row_type in PLAN_TABLES.items()
        }
        issues = _fit_issues(problem, rows["interests"], rows["residents"], rows["orders"])
        for name in ("teachers", "groups"):  # issues point into these too
            rows[name] = list(getattr(problem, name))
            sources[name] = PythonTable(name, rows[name])
        locate(issues, sources, rows, problems)
        sort_and_cap(problems, list(sources))
        if problems:
            raise InputError(problems)
        self.problem = problem
        self.interests: tuple[Interest, ...] = tuple(rows["interests"])
        self.residents: tuple[Resident, ...] = tuple(rows["residents"])
        self.orders: tuple[Order, ...] = tuple(rows["orders"])

    def __repr__(self) -> str:
        return (
            f"PlanProblem({len(self.problem.groups)} running groups, {len(self.interests)} interests, "
            f"{len(self.residents)} residents, {len(self.orders)} orders)"
        )

    def tables(self) -> dict[str, tuple[type, tuple[Any, ...]]]:
        """The three tables by name, with their row types: what ``kecheng.writing.write_tables``
        (and ``write_problem_json`` / ``_xlsx``) write beside the district's."""
        return {name: (row_type, getattr(self, name)) for name, row_type in PLAN_TABLES.items()}

    @cached_property
    def interest(self) -> dict[str, Interest]:
        return {i.interest_id: i for i in self.interests}

    @cached_property
    def resident(self) -> dict[str, Resident]:
        return {r.resident_id: r for r in self.residents}

    def location(self, resident: Resident) -> tuple[float, float]:
        """(lat, lon) of a resident's home; their community's centre when not given."""
        if resident.lat is not None and resident.lon is not None:
            return resident.lat, resident.lon
        home = self.problem.community[resident.community_id]
        return home.lat, home.lon

    @cached_property
    def order_weights(self) -> tuple[int, ...]:
        """Tier-1 points of each order (see ``order_points``), in order-table order."""
        return order_points(self.orders)

    def group_max_size(self, group_id: str) -> int | None:
        """Seats of a running group: its own ``max_size``, else its interest's, else unknown."""
        group = self.problem.group[group_id]
        if group.max_size is not None:
            return group.max_size
        interest = self.interest.get(group.interest_id) if group.interest_id else None
        return interest.max_size if interest else None


def order_points(orders: Sequence[Order], base: int | None = None) -> tuple[int, ...]:
    """Points per order such that a higher-ranked order is worth more than all lower-ranked
    orders of the same resident together.

    A resident's ranks are numbered densely (ranks 1, 2, 5 are positions 1, 2, 3); with K the
    most positions anyone has, position p is worth ``base ** (K - p)``. The default base is one
    more than the most orders a resident shares one rank with (2 without ties), which makes
    the guarantee hold: the orders below p add up to at most ``base ** (K - p) - 1``.
    ``base = 1`` makes every order worth 1 (orders met, unranked).
    """
    ranks: dict[str, list[int]] = defaultdict(list)
    for o in orders:
        ranks[o.resident_id].append(o.rank)
    position: dict[tuple[str, int], int] = {}
    most_positions, most_tied = 1, 1
    for resident, rs in ranks.items():
        distinct = sorted(set(rs))
        most_positions = max(most_positions, len(distinct))
        most_tied = max(most_tied, max(rs.count(r) for r in distinct))
        for p, r in enumerate(distinct, start=1):
            position[resident, r] = p
    base = (most_tied + 1) if base is None else base
    return tuple(base ** (most_positions - position[o.resident_id, o.rank]) for o in orders)
