"""The term's real calendar: on which dates a weekly session actually meets.

The timetable is one week; a term repeats it between two dates. Three things break the
repetition, and this module knows them all:

- mainland China's public holidays close the venues: the whole announced block (清明
  2026 is Saturday 4 to Monday 6 April), weekends inside it included;
- 调休 make-up working days: a weekend day worked in exchange for a weekday off. Community
  classes are not school, so by default (``makeup="ignore"``) a make-up Saturday is an
  ordinary Saturday. With ``makeup="follow"`` the day becomes the weekday it replaces: that
  weekday's sessions meet on it and the weekend's own sessions do not (a venue cannot hold
  both, the week was only checked with each weekday once);
- ``closures.csv``: days a district closes one venue (or ``*``, all of them) on its own.

Holidays come from python-holidays (``holidays.China``), for three reasons: it is kept up to
date every month against the State Council's yearly notice, it tells which weekday off each
make-up day was swapped for (``休息日（由 2026-02-14 调休）``: a recorded pairing, not a
guess), and it names the holidays in Chinese. Its list gives the statutory days, their
substitutes and the weekdays off, not the weekend days inside a block, so a block is rebuilt
as the run of consecutive rest days around a holiday (rest: a holiday, or a weekend day that
is not a make-up day). Checked once against chinesecalendar 1.11.0 for 2004–2026: every day
that library calls a holiday is in such a block; the blocks add only weekend days next to
a holiday, which the older notices called "与周末连休".

A year the library has no official arrangement for (its notice not yet out, or the library
not upgraded) is never taken as a year without holidays: the statutory days themselves,
fixed by law and the lunar calendar, still count, and a warning names the year and the way
out (closures.csv rows with venue ``*``, or ``pip install -U holidays``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from kecheng.errors import InputError, LocatedIssue, Unreadable, whole_file
from kecheng.i18n import N_, _, is_chinese, join
from kecheng.i18n import weekday as weekday_name
from kecheng.reading.raw import grid_table
from kecheng.reading.text import csv_grid, short

Makeup = Literal["follow", "ignore"]
MAKEUP_CHOICES: tuple[Makeup, ...] = ("follow", "ignore")
EVERY_VENUE = "*"
MAX_TERM_DAYS = 2 * 366
"""A longer term is a mistyped year (2062 for 2026), not a term."""
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
CLOSURE_COLUMNS = ["venue_id", "date", "reason"]
CLOSURE_REQUIRED = ["venue_id", "date"]
CLOSURE_HEADER_ALIASES = {
    "场地编号": "venue_id", "场地ID": "venue_id", "场地代码": "venue_id", "场地": "venue_id",
    "日期": "date", "停课日期": "date", "关闭日期": "date",
    "原因": "reason", "事由": "reason", "说明": "reason", "备注": "reason",
}  # fmt: skip
"""Chinese headers a closures.csv may have, besides venue_id, date and reason."""

# ---------------------------------------------------------------- user-visible text (one place)

TEXT = {
    "term_form": N_(
        "the term must be two dates START:END, each written YYYY-MM-DD (2026/3/2 is read too), "
        "for example 2026-03-02:2026-07-10"
    ),
    "term_order": N_("the term ends on {end} before it starts on {start} — write START:END, the start first"),
    "term_long": N_("the term {start}:{end} is {days} days long, more than two years — check the years"),
    "makeup_form": N_("make-up days must be follow or ignore, not {value}"),
    "no_data": N_(
        "the holiday library (holidays {version}) has no official {year} holiday arrangement: only the "
        "statutory days themselves count as holidays in {year}; the 调休 make-up days and the days off "
        "around them are unknown — list closed days in closures.csv with venue_id * (or upgrade: "
        "pip install -U holidays)"
    ),
    "unpaired": N_("make-up day {day} has no recorded weekday off to follow; its own sessions meet as usual"),
    "outside": N_("closes {venue} on {day}, outside the term {term}; ignored"),
    "every_venue": N_("every venue"),
    "venue_blank": N_("is empty — write a venue_id from venues.csv, or * to close every venue"),
    "venue_unknown": N_(
        "is not a venue_id in venues.csv — use one of its venue_ids, or * to close every venue"
    ),
    "date_blank": N_("is empty — write the date as YYYY-MM-DD, for example 2026-04-07"),
    "date_bad": N_("is not a date — write it as YYYY-MM-DD, for example 2026-04-07 (2026/4/7 is read too)"),
    "date_unreal": N_("is not a day of the calendar — check the month and the day"),
    "got": N_("{message}; got {value}"),
    "holiday": N_("public holiday"),
    "closed": N_("no class"),
    "closed_all": N_("all venues closed"),
    "closed_reason": N_("{label}: {reason}"),
    "makeup": N_("make-up working day"),
    "makeup_follow": N_("make-up working day, classes as on {weekday}"),
    "makeup_ignore": N_("make-up working day, classes as usual"),
    "makeup_unpaired": N_("make-up working day"),
}
"""Every message and label a person reads (English ids; ``_()`` where shown, in the run's language)."""

# ---------------------------------------------------------------- the term


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?\s*$")
"""2026-04-07, 2026/4/7 (what Excel on Chinese Windows writes into a CSV), 2026.4.7, 2026年4月7日,
and a date cell of a workbook read as text (2026-04-07 00:00:00)."""


def parse_date(text: str) -> date:
    """A calendar date as staff write it; ValueError (with no message worth showing) otherwise."""
    found = _DATE.match(unicodedata.normalize("NFKC", str(text)))
    if not found:
        raise ValueError(text)
    return date(int(found[1]), int(found[2]), int(found[3]))


@dataclass(frozen=True, slots=True)
class Term:
    """The first and last day (both included) over which the weekly timetable repeats."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(_(TEXT["term_order"]).format(start=self.start, end=self.end))
        if (days := (self.end - self.start).days + 1) > MAX_TERM_DAYS:
            raise ValueError(_(TEXT["term_long"]).format(start=self.start, end=self.end, days=days))

    @classmethod
    def parse(cls, text: str) -> Term:
        """``2026-03-02:2026-07-10`` (``--term``); ValueError with a plain sentence otherwise."""
        parts = str(text).split(":")
        if len(parts) != 2:
            raise ValueError(_(TEXT["got"]).format(message=_(TEXT["term_form"]), value=repr(text)))
        try:
            start, end = (parse_date(part) for part in parts)
        except ValueError:
            raise ValueError(_(TEXT["got"]).format(message=_(TEXT["term_form"]), value=repr(text))) from None
        return cls(start, end)

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def weeks(self) -> list[list[date]]:
        """Monday-to-Sunday weeks covering the term; the first and last may reach outside it."""
        monday = self.start - timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append([monday + timedelta(days=i) for i in range(7)])
            monday += timedelta(days=7)
        return weeks

    def __str__(self) -> str:
        return f"{self.start.isoformat()}:{self.end.isoformat()}"


def parse_makeup(text: str) -> Makeup:
    """``follow`` or ``ignore`` (``--makeup-days``); ValueError otherwise."""
    value = str(text).strip().lower()
    if value not in MAKEUP_CHOICES:
        raise ValueError(_(TEXT["makeup_form"]).format(value=repr(text)))
    return value  # type: ignore[return-value]


# ---------------------------------------------------------------- public holidays


@dataclass(frozen=True, slots=True)
class MakeupDay:
    """A weekend day worked (调休上班) in exchange for ``replaces``, a weekday off in ``holiday``."""

    day: date
    replaces: date | None  # None: the library records no pairing (never so far)
    holiday: str

    @property
    def acts_as(self) -> int | None:
        """The ISO weekday (1 = Monday) whose sessions this day holds when make-up days are followed."""
        return self.replaces.isoweekday() if self.replaces else None


@dataclass(frozen=True)
class PublicHolidays:
    """Mainland China's public holidays and make-up days between two dates, from python-holidays."""

    holidays: dict[date, str]  # every day off of a holiday block → the block's name ("清明节")
    makeup_days: dict[date, MakeupDay]
    unknown_years: tuple[int, ...]  # years with no official arrangement: statutory days only
    source: str  # "holidays 0.109"


@cache
def official_years() -> frozenset[int]:
    """The years whose official State Council arrangement python-holidays has.

    Every year since 2001 has swapped some weekend for a weekday, so a year the library
    knows is a year with substitutions in its China data (``special_public_holidays``, in
    the library's documented ``SubstitutedHoliday`` form).
    """
    import holidays

    table = holidays.China().special_public_holidays  # copied from its static data on construction
    return frozenset(year for year, entries in table.items() if _swaps(year, entries))


def _swaps(year: int, entries: Any) -> dict[date, date]:
    """make-up working day → the weekday off it was swapped for, from one year's static data."""
    items = entries if entries and isinstance(entries[0], tuple) else (entries,)
    found = {}
    for item in items:
        if len(item) in (4, 5) and all(isinstance(x, int) for x in item):
            to_month, to_day, from_month, from_day, *from_year = item
            found[date(from_year[0] if from_year else year, from_month, from_day)] = date(
                year, to_month, to_day
            )
    return found


_BASE_NAME = re.compile(r"[（(].*$")
_SAME_HOLIDAY = {"农历除夕": "春节"}  # 除夕 is a day of the Spring Festival holiday (2024 revision)


def public_holidays(first: date, last: date, language: str = "zh_CN") -> PublicHolidays:
    """Every public-holiday day off and make-up working day of mainland China in [first, last].

    A holiday block is the run of consecutive rest days around the library's holidays (so the
    weekend inside 清明 2026, 4–6 April, is in it); each of its days is named after the block's
    festivals. A make-up day replaces the weekday off the library pairs it with.
    """
    import holidays

    years = range(first.year - 1, last.year + 2)  # a block or a swap may cross New Year
    known = official_years()
    listed: dict[date, str] = {}
    workdays: set[date] = set()
    swaps: dict[date, date] = {}
    for year in years:
        china = holidays.China(years=year, language=language, observed=year in known)
        swapped = _swaps(year, china.special_public_holidays.get(year, ()))
        swaps.update(swapped)
        workdays |= set(china.weekend_workdays)
        substitutes = set(swapped.values())
        for day, label in china.items():
            names = [] if day in substitutes else [_BASE_NAME.sub("", n).strip() for n in label.split(";")]
            listed[day] = "、".join(dict.fromkeys(_SAME_HOLIDAY.get(n, n) for n in names if n))
    workdays = {d for d in workdays if d.weekday() >= 5}
    resting = lambda day: day in listed or (day.weekday() >= 5 and day not in workdays)  # noqa: E731
    days_off: dict[date, str] = {}
    for day in sorted(listed):
        if day in days_off:
            continue
        begin = end = day
        while resting(begin - timedelta(days=1)):
            begin -= timedelta(days=1)
        while resting(end + timedelta(days=1)):
            end += timedelta(days=1)
        block = [begin + timedelta(days=i) for i in range((end - begin).days + 1)]
        names = dict.fromkeys(n for d in block for n in listed.get(d, "").split("、") if n)
        name = join(names) or _(TEXT["holiday"])
        days_off.update(dict.fromkeys(block, name))
    makeup = {
        day: MakeupDay(day, swaps.get(day), days_off.get(swaps[day], "") if day in swaps else "")
        for day in sorted(workdays)
        if first <= day <= last
    }
    return PublicHolidays(
        holidays={day: name for day, name in sorted(days_off.items()) if first <= day <= last},
        makeup_days=makeup,
        unknown_years=tuple(y for y in range(first.year, last.year + 1) if y not in known),
        source=f"holidays {holidays.__version__}",
    )


# ---------------------------------------------------------------- closures.csv


@dataclass(frozen=True, slots=True)
class Closure:
    """A day the district closes one venue, or every venue (``venue_id == "*"``)."""

    venue_id: str
    day: date
    reason: str = ""


def read_closures(path: str | Path, venue_ids: Collection[str]) -> tuple[list[Closure], list[LocatedIssue]]:
    """closures.csv (venue_id or ``*``, date, [reason]) and its warnings.

    Raises InputError naming file, row, column and value for every bad row at once. Dates are
    YYYY-MM-DD; 2026/4/7 (Excel on Chinese Windows), 2026.4.7 and 2026年4月7日 are read too.
    Headers may be Chinese (场地编号, 日期, 原因).
    """
    path = Path(path)
    try:
        cells, _encoding = csv_grid(path)
    except Unreadable as exc:
        raise InputError([whole_file(path.name, exc.message, exc.row)]) from None
    return closures_from_grid(cells, path.name, venue_ids)


def closures_from_grid(
    cells: np.ndarray, file: str, venue_ids: Collection[str]
) -> tuple[list[Closure], list[LocatedIssue]]:
    """Closures from a grid of text cells (a CSV file or a workbook sheet), located as ``file``."""
    problems: list[LocatedIssue] = []
    warnings: list[LocatedIssue] = []
    cells, written = _canonical_headers(cells)
    raw = grid_table(cells, file, None, CLOSURE_COLUMNS, CLOSURE_REQUIRED, problems, warnings)
    if raw is None or raw.missing:
        raise InputError(problems, warnings)
    raw.headers.update(written)
    known = set(venue_ids)
    found: dict[tuple[str, date], list[str]] = {}

    def issue(index: int, column: str, value: str, key: str) -> None:
        header = raw.headers.get(column)
        problems.append(
            LocatedIssue(file, raw.row(index), column, short(value) or None, _(TEXT[key]), header)
        )

    venues, dates = raw.cells["venue_id"], raw.cells["date"]
    reasons = raw.cells.get("reason", [""] * len(raw))
    for index, (venue_id, text, reason) in enumerate(zip(venues, dates, reasons, strict=True)):
        if not venue_id:
            issue(index, "venue_id", "", "venue_blank")
        elif venue_id != EVERY_VENUE and venue_id not in known:
            issue(index, "venue_id", venue_id, "venue_unknown")
        day = None
        if not text:
            issue(index, "date", "", "date_blank")
        else:
            try:
                day = parse_date(text)
            except ValueError:
                looks_like_one = _DATE.match(unicodedata.normalize("NFKC", text))
                issue(index, "date", text, "date_unreal" if looks_like_one else "date_bad")
        if day is not None and venue_id:
            reasons_of_day = found.setdefault((venue_id, day), [])
            if reason and reason not in reasons_of_day:
                reasons_of_day.append(reason)
    if problems:
        raise InputError(problems, warnings)
    closures = [
        Closure(v, d, "；".join(r)) for (v, d), r in sorted(found.items(), key=lambda x: (x[0][1], x[0][0]))
    ]
    return closures, warnings


def _canonical_headers(cells: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """Chinese headers (场地编号, 日期, 原因) renamed to the columns, and the names as written."""
    if not cells.size:
        return cells, {}
    keys = {_key(alias): column for alias, column in CLOSURE_HEADER_ALIASES.items()}
    cells = cells.copy()
    written: dict[str, str] = {}
    for r in range(min(10, len(cells))):
        for c, cell in enumerate(cells[r]):
            column = keys.get(_key(str(cell))) or keys.get(
                _key(re.sub(r"[（(][^()（）]*[)）]\s*$", "", str(cell)))
            )
            if column:
                written[column] = str(cell).strip()
                cells[r, c] = column
    return cells, written


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", header)).casefold()


# ---------------------------------------------------------------- the term's calendar


@dataclass(frozen=True)
class Meetings:
    """The dates one weekly session meets in the term, and those of its weekday it does not."""

    dates: list[date]  # every meeting, in order (regular and make-up)
    regular: list[date]  # its own weekday's dates it meets on
    skipped: list[tuple[date, str]]  # its own weekday's dates it does not meet on, with why
    extra: list[tuple[date, str]]  # make-up days it meets on (makeup="follow"), with why


@dataclass(frozen=True)
class TermCalendar:
    """A term with its holidays, make-up days and closures: what every report dates sessions by."""

    term: Term
    holidays: Mapping[date, str]
    makeup_days: Mapping[date, MakeupDay]
    closures: Mapping[date, Mapping[str, str]]  # day → venue_id (or "*") → reason
    makeup: Makeup = "ignore"
    warnings: tuple[str, ...] = ()
    source: str = ""

    @cached_property
    def _weekday_dates(self) -> dict[int, list[date]]:
        """ISO weekday → the term's dates on it."""
        found: dict[int, list[date]] = {}
        for day in self.term.days():
            found.setdefault(day.isoweekday(), []).append(day)
        return found

    def acts_as(self, day: date, venue_id: str) -> tuple[int | None, str]:
        """The ISO weekday whose sessions the venue holds on day (None: none), and why if not its own."""
        if day in self.holidays:
            return None, self.holidays[day]
        closed = self.closures.get(day, {})
        if venue_id in closed or EVERY_VENUE in closed:
            reason = closed.get(venue_id) or closed.get(EVERY_VENUE) or ""
            label = _(TEXT["closed"]) if venue_id in closed else _(TEXT["closed_all"])
            return None, _(TEXT["closed_reason"]).format(label=label, reason=reason) if reason else label
        makeup = self.makeup_days.get(day)
        if makeup and self.makeup == "follow" and makeup.acts_as:
            return makeup.acts_as, _(TEXT["makeup_follow"]).format(weekday=weekday_name(makeup.acts_as))
        return day.isoweekday(), ""

    def meetings(self, weekday: int, venue_id: str) -> Meetings:
        """When a session on ISO weekday at venue meets in the term."""
        regular, skipped, extra = [], [], []
        for day in self._weekday_dates.get(weekday, []):
            acts, why = self.acts_as(day, venue_id)
            if acts == weekday:
                regular.append(day)
            else:
                skipped.append((day, why))
        for day, makeup in self.makeup_days.items():
            if (
                makeup.acts_as == weekday
                and day.isoweekday() != weekday
                and self.term.start <= day <= self.term.end
            ):
                acts, why = self.acts_as(day, venue_id)
                if acts == weekday:
                    extra.append((day, why))
        return Meetings(sorted(regular + [d for d, _ in extra]), regular, skipped, extra)

    def notes(self, day: date) -> list[str]:
        """What is special about a day, as staff read it: holiday, make-up day, closures."""
        notes = []
        if day in self.holidays:
            notes.append(self.holidays[day])
        if makeup := self.makeup_days.get(day):
            if makeup.acts_as is None:
                notes.append(_(TEXT["makeup_unpaired"]))
            elif self.makeup == "follow":
                notes.append(_(TEXT["makeup_follow"]).format(weekday=weekday_name(makeup.acts_as)))
            else:
                notes.append(_(TEXT["makeup_ignore"]))
        return notes


def term_calendar(
    term: Term,
    closures: Iterable[Closure] = (),
    makeup: Makeup = "ignore",
    language: str | None = None,
) -> TermCalendar:
    """The term's calendar: public holidays (python-holidays), make-up days, the district's closures.

    ``warnings`` says which years the library has no official arrangement for and which closures
    fall outside the term.
    """
    makeup = parse_makeup(makeup)
    language = language or ("zh_CN" if is_chinese() else "en_US")  # the holidays' names
    found = public_holidays(term.start, term.end, language)
    warnings = [
        _(TEXT["no_data"]).format(version=found.source.split()[-1], year=y) for y in found.unknown_years
    ]
    if makeup == "follow":
        warnings += [
            _(TEXT["unpaired"]).format(day=d) for d, m in found.makeup_days.items() if m.acts_as is None
        ]
    by_day: dict[date, dict[str, str]] = {}
    for closure in closures:
        if not term.start <= closure.day <= term.end:
            venue = _(TEXT["every_venue"]) if closure.venue_id == EVERY_VENUE else closure.venue_id
            warnings.append(_(TEXT["outside"]).format(venue=venue, day=closure.day, term=term))
            continue
        reasons = by_day.setdefault(closure.day, {})
        if closure.reason and reasons.get(closure.venue_id):
            reasons[closure.venue_id] += "；" + closure.reason
        else:
            reasons.setdefault(closure.venue_id, closure.reason)
    return TermCalendar(
        term=term,
        holidays=found.holidays,
        makeup_days=found.makeup_days,
        closures={day: dict(sorted(v.items())) for day, v in sorted(by_day.items())},
        makeup=makeup,
        warnings=tuple(warnings),
        source=found.source,
    )
