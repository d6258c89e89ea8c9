"""iCalendar files: one per teacher and one per venue, for subscribing on a phone.

Each placed session is a weekly recurring event (RRULE:FREQ=WEEKLY) in Asia/Shanghai
time, with the VTIMEZONE the RFC asks for built from the system's zoneinfo. The UID is
derived from group id and session only, so when a re-run moves a session, a subscribed
calendar updates the event instead of showing it twice. The icalendar package does the
escaping, line folding (75 octets) and CRLF line ends of RFC 5545.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from kecheng.model import Placement, Problem
from kecheng.report import CATEGORY_NAMES, safe_name
from kecheng.result import Result

TZID = "Asia/Shanghai"
PRODID = "-//kecheng//community college timetable//ZH"
YEARS_20 = timedelta(days=20 * 365)


def render(
    problem: Problem, result: Result, week_start: date, stamp: datetime | None = None
) -> dict[str, bytes]:
    """Relative path → .ics bytes: ics/teachers/<teacher_id>.ics and ics/venues/<venue_id>.ics.

    Every teacher and venue gets a file, an empty calendar too, so that a subscribed
    calendar of someone whose sessions all went away is emptied rather than left stale.
    week_start: the first week; each event starts on the first of its weekday on or after it.
    """
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    # From week_start on Shanghai keeps one offset; built once (it walks the zone hour by hour).
    zone = Timezone.from_tzid(TZID, first_date=week_start, last_date=week_start + YEARS_20)
    by_teacher: dict[str, list[Placement]] = {t.teacher_id: [] for t in problem.teachers}
    by_venue: dict[str, list[Placement]] = {v.venue_id: [] for v in problem.venues}
    for p in sorted(result.placements, key=lambda p: (p.weekday, p.start, p.group_id, p.session)):
        by_teacher.setdefault(p.teacher_id, []).append(p)
        by_venue.setdefault(p.venue_id, []).append(p)
    files: dict[str, bytes] = {}
    for teacher_id, placed in by_teacher.items():
        teacher = problem.teacher.get(teacher_id)
        name = f"{teacher.name if teacher else teacher_id} 老师的课表"
        files[_path(files, "teachers", teacher_id)] = calendar(problem, placed, name, week_start, stamp, zone)
    for venue_id, placed in by_venue.items():
        name = f"{problem.venue[venue_id].name} 场地安排"
        files[_path(files, "venues", venue_id)] = calendar(problem, placed, name, week_start, stamp, zone)
    return files


def calendar(
    problem: Problem,
    placed: Iterable[Placement],
    name: str,
    week_start: date,
    stamp: datetime,
    vtimezone: Timezone,
) -> bytes:
    """One VCALENDAR with a VTIMEZONE and a weekly VEVENT per placed session."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # what Apple, Google and Outlook show
    cal.add("x-wr-timezone", TZID)
    cal.add_component(vtimezone)  # always: RFC 5545 wants at least one component
    zone = ZoneInfo(TZID)
    for p in placed:
        cal.add_component(event(problem, p, week_start, stamp, zone))
    return cal.to_ical()


def event(problem: Problem, p: Placement, week_start: date, stamp: datetime, zone: ZoneInfo) -> Event:
    """One session as a weekly recurring event."""
    group, venue = problem.group[p.group_id], problem.venue[p.venue_id]
    site = problem.community[venue.community_id]
    teacher = problem.teacher.get(p.teacher_id)
    day = week_start + timedelta(days=(p.weekday - 1 - week_start.weekday()) % 7)
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    weekly = group.sessions_per_week
    description = [
        f"老师 teacher: {teacher.name if teacher else p.teacher_id} ({p.teacher_id})",
        f"兴趣小组 group: {group.group_id} · {CATEGORY_NAMES.get(group.category, group.category)}",
        f"每周第 {p.session} 次，共 {weekly} 次 (session {p.session}/{weekly})",
        f"场地 venue: {venue.venue_id} · {site.street} {site.name}",
    ]
    vevent = Event()
    vevent.add("uid", f"{safe_name(p.group_id)}-{p.session}@kecheng")
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", midnight + timedelta(minutes=p.start))
    vevent.add("dtend", midnight + timedelta(minutes=p.end))
    vevent.add("rrule", {"freq": "weekly"})
    vevent.add("summary", group.name)
    vevent.add("location", f"{venue.name}, {site.name}")
    vevent.add("description", "\n".join(description))
    vevent.add("categories", [CATEGORY_NAMES.get(group.category, group.category)])
    return vevent


def _path(files: dict[str, bytes], kind: str, key: str) -> str:
    """ics/<kind>/<id>.ics, made unique should two ids map to one file name."""
    base, n = f"ics/{kind}/{safe_name(key)}", 1
    path = f"{base}.ics"
    while path in files:
        n += 1
        path = f"{base}~{n}.ics"
    return path
