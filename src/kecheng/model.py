"""The domain: a district's week as plain, validated, immutable tables.

The models mirror the input tables one to one (a CSV file or a JSON list per
table), so a validation error's location ``(table, index, column)`` maps
straight back to a file, row and column that staff can open and fix.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cached_property, lru_cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic import dataclasses as pydantic_dataclasses
from pydantic.fields import FieldInfo

from kecheng.errors import InputError, Issue, LocatedIssue
from kecheng.i18n import N_, _, labelled
from kecheng.rows import Rows
from kecheng.validation import (
    REFERENCE_MESSAGE,
    PythonTable,
    locate,
    show,
    sort_and_cap,
    validate_rows,
    validate_settings,
)

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = range(1, 8)
DAY_NAMES = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
DEFAULT_MAX_WALK_M = 1000.0
EARTH_RADIUS_M = 6_371_000.0

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::00)?\s*$")


def parse_clock(value: Any) -> int:
    """Read "HH:MM" (24-hour, 24:00 allowed as an end) into minutes after midnight."""
    if isinstance(value, bool):
        raise ValueError(_("expected a time as HH:MM, e.g. 08:30"))
    if not isinstance(value, int):
        return _clock_of_text(str(value))
    if not 0 <= value <= MINUTES_PER_DAY:
        raise ValueError(_("expected a time between 00:00 and 24:00"))
    return value


@lru_cache(maxsize=4096)
def _clock_of_text(text: str) -> int:
    """Cached: a week's 5 600 opening hours are written with a few dozen distinct times."""
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(_("expected a time as HH:MM, e.g. 08:30"))
    hours, mins = int(match[1]), int(match[2])
    if mins >= 60 or hours > 24 or hours * 60 + mins > MINUTES_PER_DAY:
        raise ValueError(_("expected a time between 00:00 and 24:00"))
    return hours * 60 + mins


@lru_cache(maxsize=4096, typed=True)
def _shared(value: Any) -> Any:
    """One object per distinct value: a city's 6100 venues have 75 distinct feature sets and
    its 10 000 groups 11 distinct time preferences (a set or tuple takes 200 bytes or more)."""
    return value


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _to_id(value: Any) -> Any:
    if type(value) is str:  # nearly every cell: first
        return value.strip()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return value


def _to_tags(value: Any) -> Any:
    """Accept "piano;mirror" (CSV) or ["piano", "mirror"] (JSON); blanks are ignored."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = value.split(";")
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(tag).strip() for tag in value if str(tag).strip())
    return value


PERIODS = {"morning": (6 * 60, 12 * 60), "afternoon": (12 * 60, 18 * 60), "evening": (18 * 60, 22 * 60)}
PERIOD_ALIASES = {"上午": "morning", "早上": "morning", "下午": "afternoon", "晚上": "evening"}
_PREFERRED = re.compile(r"^(?:([1-7])@)?(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")


def _to_time_preferences(value: Any) -> Any:
    """Read "morning;3@14:00-16:00" into (weekday or 0 for any day, start, end) windows."""
    if value is None:
        return ()
    if isinstance(value, str):
        return _time_preferences_of_text(value)
    if not isinstance(value, (list, tuple)):
        return value
    return _preference_windows(value)


@lru_cache(maxsize=4096)
def _time_preferences_of_text(text: str) -> tuple[tuple[int, int, int], ...]:
    """Cached: a district's 15 000 residents are free at a few hundred distinct times."""
    return _preference_windows(
        [token.strip() for token in text.replace("；", ";").split(";") if token.strip()]
    )


def _preference_windows(value: list | tuple) -> tuple[tuple[int, int, int], ...]:
    windows = []
    for token in value:
        if isinstance(token, (list, tuple)):
            if len(token) != 3 or not all(isinstance(x, int) and not isinstance(x, bool) for x in token):
                raise ValueError(
                    _("{token} is not a time preference; give [weekday or 0, start, end] in minutes").format(
                        token=repr(token)
                    )
                )
            windows.append(tuple(token))
            continue
        name = PERIOD_ALIASES.get(str(token), str(token).lower())
        if name in PERIODS:
            windows.append((0, *PERIODS[name]))
            continue
        match = _PREFERRED.match(str(token))
        if not match:
            raise ValueError(
                _(
                    "{token} is not a time preference; use morning, afternoon, evening "
                    "or weekday@HH:MM-HH:MM (e.g. 3@14:00-16:00), separated by ';'"
                ).format(token=repr(token))
            )
        begin, end = parse_clock(match[2]), parse_clock(match[3])
        if end <= begin:
            raise ValueError(_("{token} ends before it begins").format(token=repr(token)))
        windows.append((int(match[1] or 0), begin, end))
    return tuple(sorted(set(windows)))


def _format_time_preferences(windows: tuple[tuple[int, int, int], ...]) -> str:
    named = {(0, *span): name for name, span in PERIODS.items()}
    return ";".join(
        named.get(w) or f"{w[0]}@{format_clock(w[1])}-{format_clock(w[2])}".removeprefix("0@")
        for w in windows
    )


def _to_weekdays(value: Any) -> Any:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [token for token in value.replace("；", ";").split(";") if token.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        days = [str(day).strip() for day in value]
        if not all(day.isdigit() for day in days):
            raise ValueError(
                _("{days} is not a list of weekdays; use numbers 1-7 separated by ';', e.g. 1;3").format(
                    days=repr(";".join(days))
                )
            )
        return frozenset(int(day) for day in days)
    return value


Id = Annotated[str, Field(min_length=1), BeforeValidator(_to_id)]
"""An id, stripped; a number typed into an id column (7, 7.0) reads as "7"."""
Clock = Annotated[
    int,
    BeforeValidator(parse_clock),
    PlainSerializer(format_clock, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,2}:\d{2}$", "examples": ["08:30"]}),
]
Weekday = Annotated[int, Field(ge=1, le=7, description=N_("1 = Monday … 7 = Sunday"))]
Tags = Annotated[
    frozenset[str],
    BeforeValidator(_to_tags),
    AfterValidator(_shared),
    PlainSerializer(lambda tags: ";".join(sorted(tags)), return_type=str),
    WithJsonSchema({"type": "string", "description": N_("';'-separated tags"), "examples": ["piano;mirror"]}),
]
TimePreferences = Annotated[
    tuple[tuple[Annotated[int, Field(ge=0, le=7)], int, int], ...],
    BeforeValidator(_to_time_preferences),
    AfterValidator(_shared),
    PlainSerializer(_format_time_preferences, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": N_(
                "';'-separated: morning (06-12), afternoon (12-18), evening (18-22) or weekday@HH:MM-HH:MM"
            ),
            "examples": ["morning", "evening;6@09:00-12:00"],
        }
    ),
]
Weekdays = Annotated[
    frozenset[Annotated[int, Field(ge=1, le=7)]],
    BeforeValidator(_to_weekdays),
    AfterValidator(_shared),
    PlainSerializer(lambda days: ";".join(str(d) for d in sorted(days)), return_type=str),
    WithJsonSchema({"type": "string", "description": N_("';'-separated weekdays 1-7"), "examples": ["1;3"]}),
]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


def _row(cls: type) -> type:
    """A table row: a slotted, frozen pydantic dataclass rather than a BaseModel, because
    a row then takes ~75 bytes instead of ~490 (no __dict__, no fields-set per row), and
    a city holds 300 000 of them. Extra columns in a file are ignored."""
    return pydantic_dataclasses.dataclass(frozen=True, slots=True, config=ConfigDict(extra="ignore"))(cls)


def columns(table: type) -> dict[str, FieldInfo]:
    """A table's columns (name → pydantic field), in the order of its file."""
    return table.__pydantic_fields__


@_row
class Community:
    community_id: Id
    name: str
    street: str
    lat: Latitude
    lon: Longitude


@_row
class Venue:
    venue_id: Id
    name: str
    community_id: Id
    capacity: Annotated[int, Field(gt=0)]
    features: Tags = frozenset()
    kind: str = ""
    lat: Latitude | None = None
    lon: Longitude | None = None


@_row
class _Window:
    """A weekday and a stretch of time on it; starts and ends are validated in order."""

    weekday: Weekday

    @property
    def bounds(self) -> tuple[int, int]:
        raise NotImplementedError

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        begin, end = self.bounds
        if end <= begin:
            raise ValueError(
                _(
                    "ends ({end}) at or before it begins ({begin}); "
                    "a window across midnight must be split into two rows, one per weekday"
                ).format(end=format_clock(end), begin=format_clock(begin))
            )
        return self


@_row
class OpeningHours(_Window):
    venue_id: Id
    open: Clock
    close: Clock

    @property
    def bounds(self) -> tuple[int, int]:
        return self.open, self.close


@_row
class Teacher:
    teacher_id: Id
    name: str
    community_id: Id | None = None
    max_sessions_per_week: int | None = Field(default=None, ge=0)
    max_sessions_per_day: int | None = Field(default=None, ge=0)
    interests: Tags = frozenset()  # interest_ids they can teach in a new group (``kecheng plan``)
    max_groups: int | None = Field(default=None, ge=0)  # new groups they can take on (``kecheng plan``)


@_row
class Availability(_Window):
    teacher_id: Id
    start: Clock
    end: Clock

    @property
    def bounds(self) -> tuple[int, int]:
        return self.start, self.end


@_row
class Group:
    group_id: Id
    name: str
    category: str
    community_id: Id
    size: Annotated[int, Field(gt=0)]
    sessions_per_week: Annotated[int, Field(ge=1, le=7)]
    duration_min: Annotated[int, Field(gt=0, le=MINUTES_PER_DAY)]
    teacher_id: Id
    required_features: Tags = frozenset()
    max_walk_m: Annotated[float, AfterValidator(_shared)] = Field(
        default=DEFAULT_MAX_WALK_M, gt=0, allow_inf_nan=False
    )
    priority: int = Field(default=1, ge=1)
    preferred_times: TimePreferences = ()
    preferred_weekdays: Weekdays = frozenset()
    interest_id: Id | None = None  # what residents ordered it as (``kecheng plan``)
    max_size: int | None = Field(default=None, gt=0)  # seats; default: its interest's max_size

    def prefers(self, weekday: int, start: int, end: int) -> bool:
        """Does a session at this time meet the group's time preference (if it has one)?"""
        if self.preferred_weekdays and weekday not in self.preferred_weekdays:
            return False
        if not self.preferred_times:
            return True
        return any(day in (0, weekday) and a <= start and end <= b for day, a, b in self.preferred_times)

    @property
    def has_time_preference(self) -> bool:
        return bool(self.preferred_times or self.preferred_weekdays)


@_row
class Membership:
    member_id: Id
    group_id: Id


TABLES: dict[str, type] = {
    "communities": Community,
    "venues": Venue,
    "opening_hours": OpeningHours,
    "teachers": Teacher,
    "availability": Availability,
    "groups": Group,
    "members": Membership,
}
"""Table name → row model, in the order the tables are read and reported."""

OPTIONAL_TABLES = frozenset({"members"})
SETTINGS = ("grid_min", "walk_speed_kmh", "travel_buffer_min")
"""Problem's settings besides the tables (JSON input only)."""
LONG_TABLES = frozenset({"opening_hours", "availability", "members"})
"""Tables of many small rows: held as ``Rows`` (columns), not as a tuple of row objects."""


def _long_table(row_type: type) -> Any:
    """A table of many small rows, held as ``Rows`` (columns); given as ``Rows``, rows or dicts."""
    adapter = TypeAdapter(row_type)

    def validate(value: Any) -> Rows:
        if isinstance(value, Rows) and value.row_type is row_type:
            return value
        if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
            raise ValueError(_("expected a list of {table} rows").format(table=row_type.__name__))
        return Rows(row_type, (r if isinstance(r, row_type) else adapter.validate_python(r) for r in value))

    return Annotated[
        Rows,
        PlainValidator(validate, json_schema_input_type=list[row_type]),
        PlainSerializer(list, return_type=list[row_type]),
        Field(default=(), validate_default=True),
    ]


OpeningHoursRows = _long_table(OpeningHours)
AvailabilityRows = _long_table(Availability)
MembershipRows = _long_table(Membership)


class Problem(BaseModel):
    """A district's week: everything the solver and the checker need, nothing else.

    ``grid_min`` is the step of start times; session durations must be whole steps. The long
    tables (``LONG_TABLES``) are ``Rows``: they read like tuples of rows, held as columns.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    communities: tuple[Community, ...] = ()
    venues: tuple[Venue, ...] = ()
    opening_hours: OpeningHoursRows
    teachers: tuple[Teacher, ...] = ()
    availability: AvailabilityRows
    groups: tuple[Group, ...] = ()
    members: MembershipRows
    grid_min: int = Field(default=15, gt=0, le=MINUTES_PER_DAY)
    walk_speed_kmh: float = Field(default=4.0, gt=0, allow_inf_nan=False)
    travel_buffer_min: int = Field(default=10, ge=0)

    def __init__(self, /, **data: Any) -> None:
        """Validate the tables; any problem raises ``InputError`` listing every problem, located
        by table, row (1 = the first item) and column, worded as ``kecheng.load`` words them."""
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise InputError(_located_problems(data) or _plain_problems(err)) from None

    @model_validator(mode="after")
    def _fits_together(self, info: ValidationInfo) -> Problem:
        if info.context and info.context.get("checked"):
            return self  # the loader located every issue already
        if consistency_issues(self):
            raise ValueError(_("the tables do not fit together"))  # located by __init__
        return self

    # Look-ups, built once: the tables are immutable.
    @cached_property
    def community(self) -> dict[str, Community]:
        return {c.community_id: c for c in self.communities}

    @cached_property
    def venue(self) -> dict[str, Venue]:
        return {v.venue_id: v for v in self.venues}

    @cached_property
    def teacher(self) -> dict[str, Teacher]:
        return {t.teacher_id: t for t in self.teachers}

    @cached_property
    def group(self) -> dict[str, Group]:
        return {g.group_id: g for g in self.groups}

    @cached_property
    def opening(self) -> dict[tuple[str, int], list[tuple[int, int]]]:
        """(venue_id, weekday) → sorted, merged opening windows in minutes."""
        return _windows(self.opening_hours.select("venue_id", "weekday", "open", "close"))

    @cached_property
    def available(self) -> dict[tuple[str, int], list[tuple[int, int]]]:
        """(teacher_id, weekday) → sorted, merged availability windows in minutes."""
        return _windows(self.availability.select("teacher_id", "weekday", "start", "end"))

    @cached_property
    def group_members(self) -> dict[str, frozenset[str]]:
        """group_id → its member ids (groups without members are absent)."""
        found: dict[str, set[str]] = defaultdict(set)
        for member, group in self.members.select("member_id", "group_id"):
            found[group].add(member)
        return {g: frozenset(ms) for g, ms in found.items()}

    def venue_location(self, venue_id: str) -> tuple[float, float]:
        """(lat, lon) of a venue; a venue without coordinates stands at its community's."""
        venue = self.venue[venue_id]
        home = self.community[venue.community_id]
        lat = home.lat if venue.lat is None else venue.lat
        lon = home.lon if venue.lon is None else venue.lon
        return lat, lon

    def walk_m(self, group_id: str, venue_id: str) -> float:
        """Straight-line distance from a group's community to a venue."""
        home = self.community[self.group[group_id].community_id]
        return distance_m(home.lat, home.lon, *self.venue_location(venue_id))

    def travel_min(self, venue_a: str, venue_b: str) -> int:
        """Minutes a teacher needs between sessions at two venues: walk plus buffer."""
        if venue_a == venue_b:
            return 0
        metres = distance_m(*self.venue_location(venue_a), *self.venue_location(venue_b))
        return math.ceil(self.walk_minutes(metres)) + self.travel_buffer_min

    def walk_minutes(self, metres: Any) -> Any:
        """Minutes to walk ``metres`` (a number or a numpy array), before rounding and the buffer."""
        return metres / (self.walk_speed_kmh * 1000 / 60)

    @property
    def sessions_total(self) -> int:
        return sum(g.sessions_per_week for g in self.groups)

    def sessions(self) -> Iterator[tuple[str, int]]:
        """Every (group_id, session) the week asks for: each ends on the timetable or unscheduled."""
        for g in self.groups:
            for session in range(1, g.sessions_per_week + 1):
                yield g.group_id, session

    def placed_priority(self, placements: Iterable[Any]) -> int:
        """What is maximised first: the priority of every placed session (anything with a group_id)."""
        return sum(self.group[p.group_id].priority for p in placements)


def _located_problems(data: dict[str, Any]) -> list[LocatedIssue]:
    """Every problem of tables given in Python, located as ``load`` locates those of files."""
    problems: list[LocatedIssue] = []
    sources = {name: PythonTable(name, data.get(name, ())) for name in TABLES}
    for name, source in sources.items():
        if not source.complete:
            problems.append(LocatedIssue(name, None, None, show(data.get(name)), _("is not a list of rows")))
    rows = {
        name: validate_rows(source, TABLES[name], long=name in LONG_TABLES, problems=problems)
        for name, source in sources.items()
    }
    settings = validate_settings(data, Problem, SETTINGS, "settings", problems)
    try:
        issues = consistency_issues(Problem.model_construct(**rows, **settings))
    except Exception:  # a stand-in for a failed row tripped a rule; that row is reported already
        issues = []
    locate(issues, sources, rows, problems)
    sort_and_cap(problems, ["settings", *TABLES])
    return problems


def _plain_problems(err: ValidationError) -> list[LocatedIssue]:
    """pydantic's own words, where the located check found nothing (should not happen)."""
    return [
        LocatedIssue(".".join(map(str, e["loc"])) or "problem", None, None, show(e.get("input")), e["msg"])
        for e in err.errors(include_url=False)
    ]


def _windows(rows: Iterable[tuple[str, int, int, int]]) -> dict[tuple[str, int], list[tuple[int, int]]]:
    found: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for key, weekday, begin, end in rows:
        found[key, weekday].append((begin, end))
    return {key: merge_windows(spans) for key, spans in found.items()}


def merge_windows(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching windows: 8–10 and 10–12 make 8–12."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres: the walking circle is measured as the crow flies."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def consistency_issues(problem: Problem) -> list[Issue]:
    """What makes well-formed rows not fit together: duplicate ids, dangling references,
    durations off the time grid. Shared by the loaders (which locate each issue in a
    file) and by ``Problem`` itself (so a library caller cannot build a broken one)."""
    issues: list[Issue] = []

    def unique(table: str, column: str, ids: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        for index, value in enumerate(ids):
            if value in seen:
                message = _("this id appears more than once; ids must be unique")
                issues.append(Issue(table, index, column, value, message, "duplicate"))
            seen.add(value)
        return seen

    communities = unique("communities", "community_id", (c.community_id for c in problem.communities))
    venues = unique("venues", "venue_id", (v.venue_id for v in problem.venues))
    teachers = unique("teachers", "teacher_id", (t.teacher_id for t in problem.teachers))
    groups = unique("groups", "group_id", (g.group_id for g in problem.groups))

    def refer(table: str, column: str, values: Iterator[str | None], known: set[str], target: str) -> None:
        for index, value in enumerate(values):
            if value is not None and value not in known:
                issues.append(Issue(table, index, column, value, REFERENCE_MESSAGE + target, "reference"))

    refer("venues", "community_id", (v.community_id for v in problem.venues), communities, "communities")
    refer("opening_hours", "venue_id", problem.opening_hours.column("venue_id"), venues, "venues")
    refer("teachers", "community_id", (t.community_id for t in problem.teachers), communities, "communities")
    refer("availability", "teacher_id", problem.availability.column("teacher_id"), teachers, "teachers")
    refer("groups", "community_id", (g.community_id for g in problem.groups), communities, "communities")
    refer("groups", "teacher_id", (g.teacher_id for g in problem.groups), teachers, "teachers")
    refer("members", "group_id", problem.members.column("group_id"), groups, "groups")

    for index, group in enumerate(problem.groups):
        if group.duration_min % problem.grid_min:
            issues.append(
                Issue(
                    "groups",
                    index,
                    "duration_min",
                    group.duration_min,
                    _("must be a whole number of {step}-minute steps (e.g. 60, 90, 120)").format(
                        step=problem.grid_min
                    ),
                )
            )
    return issues


# ---------------------------------------------------------------- names beside ids, as people read them


def group_label(problem: Problem, group_id: str) -> str:
    """ "书法班 (G0042)": the name a person knows, beside the id the files use."""
    group = problem.group.get(group_id)
    return labelled(group.name if group else None, group_id)


def teacher_label(problem: Problem, teacher_id: str) -> str:
    teacher = problem.teacher.get(teacher_id)
    return labelled(teacher.name if teacher else None, teacher_id)


def venue_label(problem: Problem, venue_id: str) -> str:
    venue = problem.venue.get(venue_id)
    return labelled(venue.name if venue else None, venue_id)


def community_label(problem: Problem, community_id: str) -> str:
    community = problem.community.get(community_id)
    return labelled(community.name if community else None, community_id)
