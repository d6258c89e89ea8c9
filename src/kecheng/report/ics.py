"""iCalendar feeds: one per teacher and one per venue, for subscribing on a phone.

Each placed session is one recurring event in Asia/Shanghai time, with the VTIMEZONE the RFC
asks for built from the system's zoneinfo. With a term (:mod:`kecheng.term`) the event starts
on the first date the session really meets, repeats weekly ``UNTIL`` the end of the term, has
an ``EXDATE`` on every date of its weekday it does not meet (public holiday, closure of its
venue or of every venue, a make-up day that acts as another weekday) and an ``RDATE`` on each
make-up day that acts as its weekday; the description lists those dates with their reasons.
Without a term it repeats weekly from ``week_start`` on, open-ended, as before.

Identity and updates: the UID is the session's (group, session number) *and* the feed's
(``G0042-2.teacher.T0210@kecheng``), so a session in a teacher's and in a venue's feed never
collide in one calendar app. ``SEQUENCE`` rises by one whenever anything a reader sees in the
event changes, so a phone updates the event rather than showing a second one. What the last
run wrote is kept in ``ics/sequence.csv`` beside the feeds (uid, sequence, a fingerprint of the
event's content); the next run reads it back from the ``--previous`` week's output folder and
passes it as ``previous``. UIDs that drop out are carried forward, so a session that comes back
later still gets a higher SEQUENCE.

The icalendar package does the escaping, line folding (75 octets) and CRLF line ends of RFC 5545.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from kecheng.i18n import N_, _
from kecheng.i18n import weekday as weekday_name
from kecheng.model import Problem
from kecheng.report.frames import category_name, next_monday
from kecheng.result import Result
from kecheng.timetable import Placement

if TYPE_CHECKING:
    from kecheng.term import TermCalendar

TZID = "Asia/Shanghai"
PRODID = "-//kecheng//community college timetable//ZH"
YEARS_20 = timedelta(days=20 * 365)
SEQUENCE_FILE = "ics/sequence.csv"
"""Where the feeds' SEQUENCE state is written, relative to the output folder."""
SEQUENCE_COLUMNS = ("uid", "sequence", "fingerprint", "feed")
MAX_STEM = 80
"""Characters of a feed's file name without .ics: well inside Windows' 260-character paths."""
MAX_STEM_BYTES = 200
"""…and bytes in UTF-8, inside the 255 bytes of a Linux or macOS file name."""
_FORBIDDEN = re.compile(r'[<>:"/\\|?*#%\x00-\x1f\x7f]|\s+')
"""Windows forbids <>:"/\\|?* and control characters; # and % break a subscription URL; spaces
become _ so that the URL needs no escaping for them."""
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}

# ---------------------------------------------------------------- user-visible text (one place)

TEXT = {
    "teacher_feed": N_("Timetable of teacher {name}"),
    "venue_feed": N_("Sessions at {name}"),
    "teacher": N_("teacher: {name} ({id})"),
    "group": N_("group: {id} · {category}"),
    "session": N_("session {session} of {weekly} a week"),
    "venue": N_("venue: {id} · {street} {community}"),
    "location": N_("{venue}, {community}"),
    "term": N_("term: {start} – {end}, {count} meetings"),
    "skipped": N_("no class: {dates}"),
    "extra": N_("make-up day: {dates}"),
    "date_reason": N_("{date} {weekday} {reason}"),
    "bad_sequence_header": N_("is not kecheng's sequence file: the header must be {columns}"),
    "bad_sequence": N_(
        "is not a whole number ≥ 0 — the file was edited; delete it to start the SEQUENCEs again"
    ),
    "bad_fingerprint": N_(
        "is not a fingerprint — the file was edited; delete it to start the SEQUENCEs again"
    ),
}
"""Every label and message a person reads (English ids, shown through ``_()`` in the run's language)."""


@dataclass(frozen=True, slots=True)
class SequenceEntry:
    """What the last run wrote for one UID: its SEQUENCE and a fingerprint of its content."""

    sequence: int
    fingerprint: str


def render(
    problem: Problem,
    result: Result,
    week_start: date | None = None,
    stamp: datetime | None = None,
    *,
    term: TermCalendar | None = None,
    previous: Mapping[str, SequenceEntry] | None = None,
) -> dict[str, bytes]:
    """Relative path → file bytes: ``ics/teachers/<id>_<name>.ics``, ``ics/venues/<id>_<name>.ics``
    and ``ics/sequence.csv``.

    Every teacher and venue gets a feed, an empty one too, so that a subscribed calendar of
    someone whose sessions all went away is emptied rather than left stale.

    Parameters
    ----------
    week_start
        Without a term: the first week; each event starts on the first of its weekday on or
        after it. Ignored when ``term`` is given.
    stamp
        DTSTAMP (default: now, in UTC).
    term
        The term's calendar: dated events with EXDATE/RDATE/UNTIL. None: open-ended weekly.
    previous
        What the previous run's ``ics/sequence.csv`` says (:func:`read_sequences`); None or
        empty on a first run, when every SEQUENCE is 0.
    """
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    previous = previous or {}
    if term is not None:
        first, last = term.term.start - timedelta(days=7), term.term.end + timedelta(days=7)
    else:
        week_start = week_start or next_monday()
        first, last = week_start, week_start + YEARS_20
    # Built once per run (it walks the zone hour by hour); Shanghai has kept one offset since 1991.
    vtimezone = Timezone.from_tzid(TZID, first_date=first, last_date=last)
    zone = ZoneInfo(TZID)
    by_teacher: dict[str, list[Placement]] = {t.teacher_id: [] for t in problem.teachers}
    by_venue: dict[str, list[Placement]] = {v.venue_id: [] for v in problem.venues}
    for p in sorted(result.placements, key=lambda p: (p.weekday, p.start, p.group_id, p.session)):
        by_teacher.setdefault(p.teacher_id, []).append(p)
        by_venue.setdefault(p.venue_id, []).append(p)
    contents: dict[tuple[str, int], dict[str, object] | None] = {}
    for p in result.placements:
        contents[p.group_id, p.session] = _content(problem, p, zone, term=term, week_start=week_start)
    files: dict[str, bytes] = {}
    state: dict[str, tuple[SequenceEntry, str]] = {}
    feeds = [
        ("teacher", "teachers", key, problem.teacher[key].name if key in problem.teacher else "", placed)
        for key, placed in sorted(by_teacher.items())
    ]
    feeds += [
        ("venue", "venues", key, problem.venue[key].name if key in problem.venue else "", placed)
        for key, placed in sorted(by_venue.items())
    ]
    for kind, folder, key, name, placed in feeds:
        path = _unique(files, f"ics/{folder}/{feed_stem(key, name)}")
        title = _(TEXT[f"{kind}_feed"]).format(name=name or key)
        cal = _calendar(title, vtimezone)
        for p in placed:
            content = contents[p.group_id, p.session]
            if content is None:  # the term has no date this session meets on
                continue
            uid = session_uid(kind, key, p)
            fingerprint = _fingerprint(content)
            before = previous.get(uid)
            sequence = 0 if before is None else before.sequence + (before.fingerprint != fingerprint)
            state[uid] = (SequenceEntry(sequence, fingerprint), path)
            cal.add_component(_event(content, uid, sequence, stamp))
        files[path] = cal.to_ical()
    for uid, entry in previous.items():  # gone this week: kept, so that a return counts up from here
        state.setdefault(uid, (entry, ""))
    files[SEQUENCE_FILE] = _sequence_csv(state)
    return files


def session_uid(kind: str, key: str, p: Placement) -> str:
    """The UID of a session in one feed: unique per (feed, session), stable from week to week.

    Ids are percent-encoded, "-" and "." too, so the separators cannot occur inside them and
    two different (group, session, feed) never share a UID ("V/1" and "V_1" stay apart).
    """
    return f"{_uid_part(p.group_id)}-{p.session}.{kind}.{_uid_part(key)}@kecheng"


def _uid_part(text: str) -> str:
    return quote(text, safe="").replace("-", "%2D").replace(".", "%2E")


def feed_stem(key: str, name: str = "") -> str:
    """A feed's file name without .ics: ``T0210_李明``, safe on Windows, macOS and Linux.

    No <>:"/\\|?* (nor # and %, which break a URL), no control characters, spaces as _, no
    leading dot, no trailing dot or space, not a reserved device name (CON, NUL, COM1, …),
    at most MAX_STEM characters and MAX_STEM_BYTES bytes — the id is kept whole when it fits.
    """
    clean = [_FORBIDDEN.sub("_", unicodedata.normalize("NFC", part)) for part in (key, name) if part]
    if len(clean) == 2 and name == key:
        clean.pop()
    stem = "_".join(clean)
    while len(stem) > MAX_STEM or len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        stem = stem[:-1]
    stem = stem.lstrip(".").rstrip(". ") or "_"
    return "_" + stem if stem.split(".")[0].upper() in _RESERVED else stem


def read_sequences(path: str | Path) -> dict[str, SequenceEntry]:
    """The SEQUENCE state a previous run wrote (``<previous out>/ics/sequence.csv``).

    A missing file is a first run: {}. A damaged one raises InputError naming row and column.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    return parse_sequences(path.read_bytes(), str(path))


def parse_sequences(data: bytes, file: str = SEQUENCE_FILE) -> dict[str, SequenceEntry]:
    """The SEQUENCE state from the bytes of a sequence.csv; errors are located in ``file``."""
    from kecheng.errors import InputError, LocatedIssue, whole_file

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace"))))
    if not rows or tuple(rows[0][: len(SEQUENCE_COLUMNS)]) != SEQUENCE_COLUMNS:
        message = _(TEXT["bad_sequence_header"]).format(columns=",".join(SEQUENCE_COLUMNS))
        raise InputError([whole_file(file, message, 1)])
    found: dict[str, SequenceEntry] = {}
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        uid, sequence, fingerprint = [*row, "", "", ""][:3]
        if not re.fullmatch(r"[0-9]{1,9}", sequence):
            problems.append(LocatedIssue(file, number, "sequence", sequence, _(TEXT["bad_sequence"])))
        elif not re.fullmatch(r"[0-9a-f]{16}", fingerprint):
            problems.append(
                LocatedIssue(file, number, "fingerprint", fingerprint, _(TEXT["bad_fingerprint"]))
            )
        else:
            found[uid] = SequenceEntry(int(sequence), fingerprint)
    if problems:
        raise InputError(problems)
    return found


# ---------------------------------------------------------------- one event


def _content(
    problem: Problem,
    p: Placement,
    zone: ZoneInfo,
    *,
    term: TermCalendar | None,
    week_start: date | None,
) -> dict[str, object] | None:
    """What a reader sees of one session, the same in every feed it is in; None if it never meets."""
    group, venue = problem.group[p.group_id], problem.venue[p.venue_id]
    site = problem.community[venue.community_id]
    teacher = problem.teacher.get(p.teacher_id)
    category = category_name(group.category)
    description = [
        _(TEXT["teacher"]).format(name=teacher.name if teacher else p.teacher_id, id=p.teacher_id),
        _(TEXT["group"]).format(id=group.group_id, category=category),
        _(TEXT["session"]).format(session=p.session, weekly=group.sessions_per_week),
        _(TEXT["venue"]).format(id=venue.venue_id, street=site.street, community=site.name),
    ]
    at = lambda day: datetime.combine(day, time(p.start // 60, p.start % 60), zone)  # noqa: E731
    length = timedelta(minutes=p.end - p.start)
    content: dict[str, object] = {
        "summary": group.name,
        "location": _(TEXT["location"]).format(venue=venue.name, community=site.name),
        "categories": [category],
    }
    if term is None:
        assert week_start is not None
        day = week_start + timedelta(days=(p.weekday - 1 - week_start.weekday()) % 7)
        content |= {"dtstart": at(day), "dtend": at(day) + length, "rrule": {"freq": "weekly"}}
        content |= {"exdate": [], "rdate": []}
    else:
        meets = term.meetings(p.weekday, p.venue_id)
        if not meets.dates:
            return None
        start = meets.regular[0] if meets.regular else meets.dates[0]
        end_of_term = datetime.combine(term.term.end, time(23, 59, 59), zone).astimezone(UTC)
        rrule = {"freq": "weekly", "until": end_of_term} if meets.regular else None
        content |= {"dtstart": at(start), "dtend": at(start) + length, "rrule": rrule}
        content["exdate"] = [at(day) for day, _ in meets.skipped if day > start] if rrule else []
        content["rdate"] = [at(day) for day in meets.dates if day not in meets.regular and day != start]
        description.append(
            _(TEXT["term"]).format(start=term.term.start, end=term.term.end, count=len(meets.dates))
        )
        for key, dated in (("skipped", meets.skipped), ("extra", meets.extra)):
            if dated:
                dates = _("; ").join(
                    _(TEXT["date_reason"]).format(
                        date=day, weekday=weekday_name(day.isoweekday(), short=True), reason=why
                    )
                    for day, why in dated
                )
                description.append(_(TEXT[key]).format(dates=dates))
    content["description"] = "\n".join(description)
    return content


def _fingerprint(content: Mapping[str, object]) -> str:
    """16 hex digits over everything a reader sees; DTSTAMP and SEQUENCE are not content."""
    text = repr(sorted((key, repr(value)) for key, value in content.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _event(content: Mapping[str, object], uid: str, sequence: int, stamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", sequence)
    vevent.add("dtstart", content["dtstart"])
    vevent.add("dtend", content["dtend"])
    if content["rrule"]:
        vevent.add("rrule", content["rrule"])
    for day in content["exdate"]:  # type: ignore[attr-defined]
        vevent.add("exdate", day)  # one per line: Outlook reads a list of values less reliably
    for day in content["rdate"]:  # type: ignore[attr-defined]
        vevent.add("rdate", day)
    vevent.add("summary", content["summary"])
    vevent.add("location", content["location"])
    vevent.add("description", content["description"])
    vevent.add("categories", content["categories"])
    return vevent


def _calendar(name: str, vtimezone: Timezone) -> Calendar:
    """An empty VCALENDAR with its name and the VTIMEZONE (RFC 5545 wants one component anyway)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # what Apple, Google and Outlook show
    cal.add("x-wr-timezone", TZID)
    cal.add_component(vtimezone)
    return cal


# ---------------------------------------------------------------- files


def _sequence_csv(state: Mapping[str, tuple[SequenceEntry, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEQUENCE_COLUMNS)
    for uid, (entry, feed) in sorted(state.items()):
        writer.writerow([uid, entry.sequence, entry.fingerprint, feed])
    return out.getvalue().encode("utf-8")


def _unique(files: Mapping[str, bytes], base: str) -> str:
    """base.ics, or base~2.ics … should two feeds map to one file name (ignoring case, as Windows
    and macOS do)."""
    taken = {path.casefold() for path in files}
    path, n = f"{base}.ics", 1
    while path.casefold() in taken:
        n += 1
        path = f"{base}~{n}.ics"
    return path
