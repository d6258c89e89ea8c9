"""The iCalendar feeds, read back as a phone would: parsed with icalendar, RFC 5545's must-haves
checked, and the recurrence expanded with recurring_ical_events to the real dates a teacher
sees over the spring 2026 term (2026-03-02 to 2026-07-10)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import openpyxl
import pytest
import recurring_ical_events
from builders import district, group, venue
from hypothesis import given
from hypothesis import strategies as st

import kecheng
from kecheng.errors import InputError
from kecheng.report import ics, write_reports
from kecheng.report.ics import SEQUENCE_FILE, feed_stem, parse_sequences, read_sequences, session_uid
from kecheng.result import Result
from kecheng.term import Closure, Term, term_calendar
from kecheng.timetable import Placement

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "small"
MONDAY = date(2026, 3, 2)
SPRING = Term(date(2026, 3, 2), date(2026, 7, 10))
STAMP = datetime(2026, 2, 1, 8, tzinfo=UTC)
SHANGHAI = "Asia/Shanghai"
# The State Council's notice for 2026 (国办发明电〔2025〕7号), as it reads, within the spring term:
# 清明 4月4日至6日, 劳动节 5月1日至5日 (5月9日周六上班), 端午 6月19日至21日.
HOLIDAYS_2026_SPRING = {
    date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6),
    *(date(2026, 5, d) for d in range(1, 6)),
    date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21),
}  # fmt: skip
MAKEUP_SATURDAY, ITS_TUESDAY = date(2026, 5, 9), date(2026, 5, 5)


def make_result(placements: tuple[Placement, ...]) -> Result:
    return Result(
        status="FEASIBLE",
        objective=len(placements),
        bound=float(len(placements)),
        placements=placements,
        unplaced=(),
        sessions_total=len(placements),
        timings={},
    )


def week_district() -> tuple[kecheng.Problem, Result]:
    """Two venues open every day; 李明 (T1) teaches G1 at V1 and 王芳 (T2) teaches G2 at V2, each
    group on all seven weekdays at 09:00–10:30: every weekday's holidays show in both feeds."""
    every_day = [(v, d, "08:00", "21:00") for v in ("V1", "V2") for d in range(1, 8)]
    problem = district(
        [{**venue("V1"), "name": "星光活动室"}, {**venue("V2"), "name": "文化站 二楼"}],
        every_day,
        [{"teacher_id": "T1", "name": "李明"}, {"teacher_id": "T2", "name": "王芳"}],
        [(t, d, "08:00", "21:00") for t in ("T1", "T2") for d in range(1, 8)],
        [group("G1", "T1", sessions=7, minutes=90), group("G2", "T2", sessions=7, minutes=90)],
    )
    placements = tuple(
        Placement(g, d, v, t, d, 9 * 60, 10 * 60 + 30) for g, v, t in (("G1", "V1", "T1"), ("G2", "V2", "T2"))
        for d in range(1, 8)
    )  # fmt: skip
    return problem, make_result(placements)


def events(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


def expanded(data: bytes, term: Term = SPRING) -> dict[str, list[datetime]]:
    """UID → every start a calendar app shows in the term (recurring_ical_events: RRULE, EXDATE, RDATE)."""
    found: dict[str, list[datetime]] = {}
    cal = icalendar.Calendar.from_ical(data)
    for e in recurring_ical_events.of(cal).between(term.start, term.end + timedelta(days=1)):
        found.setdefault(str(e["UID"]), []).append(e.decoded("DTSTART"))
    return {uid: sorted(starts) for uid, starts in found.items()}


def weekdays_in(term: Term, weekday: int) -> list[date]:
    return [d for d in term.days() if d.isoweekday() == weekday]


@pytest.fixture(scope="module")
def week() -> tuple[kecheng.Problem, Result]:
    return week_district()


@pytest.fixture(scope="module")
def solved() -> tuple[kecheng.Problem, Result]:
    problem = kecheng.load(EXAMPLE)
    return problem, kecheng.solve(problem, time_limit=2, seed=0, workers=2)


@pytest.fixture(scope="module")
def reports(solved, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("out")
    write_reports(*solved, folder, {"ics"}, week_start=MONDAY)
    return folder


# --- feeds: one per teacher and venue, named, every session once, unique UIDs --------------------


def test_one_feed_per_teacher_and_venue_named_with_id_and_name(solved, reports):
    problem, result = solved
    teachers = sorted((reports / "ics" / "teachers").glob("*.ics"))
    venues = sorted((reports / "ics" / "venues").glob("*.ics"))
    assert [p.stem for p in teachers] == sorted(f"{t.teacher_id}_{t.name}" for t in problem.teachers)
    assert [p.stem for p in venues] == sorted(feed_stem(v.venue_id, v.name) for v in problem.venues)
    all_uids: Counter[str] = Counter()
    for files, kind, key in ((teachers, "teacher", "teacher_id"), (venues, "venue", "venue_id")):
        found = {}
        for path in files:
            for uid in events(path.read_bytes()):
                found[uid] = path.stem.split("_")[0]
                all_uids[uid] += 1
        assert found == {session_uid(kind, getattr(p, key), p): getattr(p, key) for p in result.placements}
    assert len(all_uids) == 2 * len(result.placements) and set(all_uids.values()) == {1}  # unique everywhere


def test_feeds_are_valid_rfc_5545_with_and_without_a_term(solved, reports, tmp_path):
    problem, result = solved
    write_reports(problem, result, tmp_path, {"ics"}, term=term_calendar(SPRING))
    for folder, dated in ((reports, False), (tmp_path, True)):
        placed = {
            session_uid(k, getattr(p, f"{k}_id"), p): p
            for p in result.placements
            for k in ("teacher", "venue")
        }
        paths = sorted((folder / "ics").rglob("*.ics"))
        assert len(paths) == len(problem.teachers) + len(problem.venues)
        for path in paths:
            data = path.read_bytes()
            assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
            assert max(len(line) for line in data.split(b"\r\n")) <= 75  # folded at 75 octets
            cal = icalendar.Calendar.from_ical(data)
            assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]).startswith("-//kecheng//")
            assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [SHANGHAI]
            for event in cal.walk("VEVENT"):
                for prop in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "LOCATION"):
                    assert prop in event, (path.name, prop)
                p, start = placed[str(event["UID"])], event.decoded("DTSTART")
                assert event["DTSTART"].params["TZID"] == SHANGHAI and str(start.tzinfo) == SHANGHAI
                assert start.isoweekday() == p.weekday and start.hour * 60 + start.minute == p.start
                assert event.decoded("DTEND") - start == timedelta(minutes=p.end - p.start)
                assert str(event["SUMMARY"]) == problem.group[p.group_id].name
                assert problem.venue[p.venue_id].name in str(event["LOCATION"])
                assert p.teacher_id in str(event["DESCRIPTION"]) and p.group_id in str(event["DESCRIPTION"])
                rule = event["RRULE"]
                assert rule["FREQ"] == ["WEEKLY"]
                if dated:  # UNTIL in UTC, as RFC 5545 requires beside a DTSTART with TZID
                    assert rule["UNTIL"] == [datetime(2026, 7, 10, 15, 59, 59, tzinfo=UTC)]
                    assert SPRING.start <= start.date() < SPRING.start + timedelta(days=7)
                else:
                    assert "UNTIL" not in rule and "EXDATE" not in event
                    assert MONDAY <= start.date() < MONDAY + timedelta(days=7)


def test_files_named_safely_uids_apart_and_output_stable():
    """Ids and names that break naive writers: a '/', a formula, markup, a reserved device name."""
    problem = district(
        [
            {**venue("V/1"), "name": '场地:"1"?'},
            {**venue("V_1"), "name": "CON"},
            {**venue("CON"), "name": "CON"},
        ],
        [("V/1", 1, "08:00", "12:00"), ("V_1", 1, "08:00", "12:00")],
        [{"teacher_id": "T1", "name": "=1+2 李 明."}],
        [("T1", 1, "08:00", "21:00")],
        [group("G<1>", "T1", name="<script>alert('x')</script> & 合唱", sessions=2, minutes=45)],
    )
    placements = (
        Placement("G<1>", 1, "V/1", "T1", 1, 8 * 60 + 15, 9 * 60),
        Placement("G<1>", 2, "V_1", "T1", 1, 10 * 60, 10 * 60 + 45),
    )
    result = make_result(placements)
    first = ics.render(problem, result, MONDAY, STAMP)
    assert first == ics.render(problem, result, MONDAY, STAMP)  # deterministic
    assert set(first) == {
        "ics/teachers/T1_=1+2_李_明.ics",
        "ics/venues/V_1_场地__1__.ics",
        "ics/venues/V_1_CON.ics",
        "ics/venues/_CON.ics",
        SEQUENCE_FILE,
    }
    uids = [uid for path, data in first.items() if path.endswith(".ics") for uid in events(data)]
    assert len(uids) == len(set(uids)) == 4  # "V/1" and "V_1" stay apart
    empty = icalendar.Calendar.from_ical(first["ics/venues/_CON.ics"])
    assert not empty.walk("VEVENT") and empty.walk("VTIMEZONE")  # still a valid calendar
    summary = str(events(first["ics/teachers/T1_=1+2_李_明.ics"])["G%3C1%3E-1.teacher.T1@kecheng"]["SUMMARY"])
    assert summary == "<script>alert('x')</script> & 合唱"  # text, escaped by the format


def test_uids_of_different_sessions_never_coincide_whatever_the_ids():
    tricky = Placement("a-1.teacher.b", 1, "V1", "c", 1, 0, 60)
    plain = Placement("a", 1, "V1", "b-1.teacher.c", 1, 0, 60)
    assert session_uid("teacher", tricky.teacher_id, tricky) != session_uid(
        "teacher", plain.teacher_id, plain
    )
    assert session_uid("teacher", "T0210", replace(plain, group_id="G0042", session=2)) == (
        "G0042-2.teacher.T0210@kecheng"
    )


def test_two_feeds_whose_names_clash_get_distinct_files():
    problem = district(
        [{**venue("v1"), "name": "a"}, {**venue("V1"), "name": "A"}, {**venue("V:1"), "name": "A"}],
        [],
        ["T1"],
        [],
        [],
    )
    files = ics.render(problem, make_result(()), MONDAY, STAMP)
    venues = sorted(p for p in files if p.startswith("ics/venues/"))
    assert venues == ["ics/venues/V1_A.ics", "ics/venues/V_1_A.ics", "ics/venues/v1_a~2.ics"]


def test_feed_stem_keeps_the_id_and_caps_the_length():
    assert feed_stem("T0210", "李明") == "T0210_李明"
    assert feed_stem("T0210", "T0210") == feed_stem("T0210", "") == "T0210"
    assert feed_stem("V1", "文化站 二楼 ") == "V1_文化站_二楼_"
    assert feed_stem("V1", "社区...") == "V1_社区"  # no trailing dots (Windows drops them)
    assert feed_stem("..V", "") == "V"  # no hidden file
    assert feed_stem("nul", "") == "_nul" and feed_stem("COM1", "") == "_COM1"
    long = feed_stem("T0210", "很长" * 100)
    assert long.startswith("T0210_很长") and len(long.encode("utf-8")) <= ics.MAX_STEM_BYTES


@given(st.text(min_size=1, max_size=120), st.text(max_size=200))
def test_feed_stem_is_always_a_safe_file_name(key, name):
    stem = feed_stem(key, name)
    assert stem and not re.search(r'[<>:"/\\|?*#%\x00-\x1f\x7f\s]', stem)
    assert not stem.endswith((".", " ")) and not stem.startswith(".")
    assert len(stem) <= ics.MAX_STEM and len(stem.encode("utf-8")) <= ics.MAX_STEM_BYTES
    assert stem.split(".")[0].upper() not in ics._RESERVED


# --- the spring 2026 term: DTSTART, UNTIL, EXDATE, RDATE, real dates --------------------------


def expected_dates(weekday: int, makeup: str, closed: set[date] = frozenset()) -> list[date]:
    """Worked out from the notice by hand, not by kecheng.term."""
    dates = [d for d in weekdays_in(SPRING, weekday) if d not in HOLIDAYS_2026_SPRING and d not in closed]
    if makeup == "follow":
        dates = [d for d in dates if d != MAKEUP_SATURDAY] + [MAKEUP_SATURDAY] * (weekday == 2)
    return sorted(dates)


@pytest.mark.parametrize("makeup", ["ignore", "follow"])
@pytest.mark.usefixtures("chinese")
def test_spring_2026_holidays_are_exdates_and_real_dates_are_right(week, makeup):
    problem, result = week
    files = ics.render(problem, result, term=term_calendar(SPRING, makeup=makeup), stamp=STAMP)
    feed = files["ics/teachers/T1_李明.ics"]
    found, dates = events(feed), expanded(feed)
    for weekday in range(1, 8):
        uid = f"G1-{weekday}.teacher.T1@kecheng"
        event = found[uid]
        exdates = sorted(x.dt.date() for prop in _as_list(event.get("EXDATE")) for x in prop.dts)
        off = {d for d in weekdays_in(SPRING, weekday) if d in HOLIDAYS_2026_SPRING}
        if makeup == "follow" and weekday == 6:
            off.add(MAKEUP_SATURDAY)  # the Saturday is a Tuesday that day
        assert exdates == sorted(off), weekday
        rdates = sorted(x.dt.date() for prop in _as_list(event.get("RDATE")) for x in prop.dts)
        assert rdates == ([MAKEUP_SATURDAY] if makeup == "follow" and weekday == 2 else [])
        assert [s.date() for s in dates[uid]] == expected_dates(weekday, makeup)
        assert {(s.hour, s.minute, str(s.tzinfo)) for s in dates[uid]} == {(9, 0, SHANGHAI)}
        assert event.decoded("DTSTART").date() == expected_dates(weekday, makeup)[0]  # first real date
    # the named cases of the brief, spelled out
    assert date(2026, 4, 6) not in [s.date() for s in dates["G1-1.teacher.T1@kecheng"]]  # 清明 Monday
    assert date(2026, 5, 5) not in [s.date() for s in dates["G1-2.teacher.T1@kecheng"]]  # 劳动节 Tuesday
    assert date(2026, 6, 19) not in [s.date() for s in dates["G1-5.teacher.T1@kecheng"]]  # 端午 Friday
    saturday = [s.date() for s in dates["G1-6.teacher.T1@kecheng"]]
    assert (MAKEUP_SATURDAY in saturday) == (makeup == "ignore")
    description = str(found["G1-1.teacher.T1@kecheng"]["DESCRIPTION"])
    assert "2026-04-06 周一 清明节" in description and "2026-05-04 周一 劳动节" in description


@pytest.mark.usefixtures("chinese")
def test_a_closure_of_one_venue_only_moves_that_venues_sessions(week):
    problem, result = week
    closures = [Closure("V1", date(2026, 3, 18), "维修"), Closure("*", date(2026, 3, 26), "区运动会")]
    files = ics.render(problem, result, term=term_calendar(SPRING, closures), stamp=STAMP)
    v1, v2 = expanded(files["ics/venues/V1_星光活动室.ics"]), expanded(files["ics/venues/V2_文化站_二楼.ics"])
    assert [s.date() for s in v1["G1-3.venue.V1@kecheng"]] == expected_dates(3, "ignore", {date(2026, 3, 18)})
    assert [s.date() for s in v2["G2-3.venue.V2@kecheng"]] == expected_dates(3, "ignore")  # V2 unaffected
    for feed, uid in ((v1, "G1-4.venue.V1@kecheng"), (v2, "G2-4.venue.V2@kecheng")):
        assert date(2026, 3, 26) not in [s.date() for s in feed[uid]]  # "*" closes both
    teacher = events(files["ics/teachers/T1_李明.ics"])["G1-3.teacher.T1@kecheng"]
    assert "2026-03-18 周三 停课：维修" in str(teacher["DESCRIPTION"])


def test_dtstart_skips_a_holiday_at_the_start_of_term(week):
    problem, result = week
    term = Term(date(2026, 4, 4), date(2026, 5, 31))  # starts on the 清明 Saturday
    found = events(
        ics.render(problem, result, term=term_calendar(term), stamp=STAMP)["ics/teachers/T1_李明.ics"]
    )
    starts = {int(uid.split("-")[1].split(".")[0]): e.decoded("DTSTART").date() for uid, e in found.items()}
    assert starts == {
        1: date(2026, 4, 13), 2: date(2026, 4, 7), 3: date(2026, 4, 8), 4: date(2026, 4, 9),
        5: date(2026, 4, 10), 6: date(2026, 4, 11), 7: date(2026, 4, 12),
    }  # fmt: skip


def test_a_session_that_never_meets_in_the_term_has_no_event(week):
    problem, result = week
    term = Term(date(2026, 5, 1), date(2026, 5, 5))  # 劳动节 from end to end
    files = ics.render(problem, result, term=term_calendar(term), stamp=STAMP)
    assert events(files["ics/teachers/T1_李明.ics"]) == {}


def test_only_make_up_days_give_an_event_without_a_rule(week):
    problem, result = week
    term = Term(date(2026, 5, 5), date(2026, 5, 9))  # Tuesday is 劳动节; Saturday 9 May is its make-up
    found = events(
        ics.render(problem, result, term=term_calendar(term, makeup="follow"))["ics/teachers/T1_李明.ics"]
    )
    tuesday = found["G1-2.teacher.T1@kecheng"]
    assert tuesday.decoded("DTSTART").date() == MAKEUP_SATURDAY and "RRULE" not in tuesday
    assert "G1-6.teacher.T1@kecheng" not in found  # the Saturday is a Tuesday that day


# --- SEQUENCE: up when a session changes, still when it does not ------------------------------


def test_sequence_rises_for_a_moved_session_and_stays_for_the_rest(week, tmp_path):
    problem, result = week
    term = term_calendar(SPRING)
    write_reports(problem, result, tmp_path / "week1", {"ics"}, term=term)
    state1 = read_sequences(tmp_path / "week1" / SEQUENCE_FILE)
    assert len(state1) == 28 and {e.sequence for e in state1.values()} == {0}
    later_by_an_hour = lambda p: replace(p, start=p.start + 60, end=p.end + 60)  # noqa: E731
    moved = tuple(
        later_by_an_hour(p) if (p.group_id, p.session) == ("G1", 3) else p for p in result.placements
    )
    write_reports(problem, make_result(moved), tmp_path / "week2", {"ics"}, term=term, sequences=state1)
    state2 = read_sequences(tmp_path / "week2" / SEQUENCE_FILE)
    bumped = {uid for uid in state2 if state2[uid].sequence != state1[uid].sequence}
    assert bumped == {"G1-3.teacher.T1@kecheng", "G1-3.venue.V1@kecheng"}
    assert all(state2[uid].sequence == 1 for uid in bumped)
    feed = events((tmp_path / "week2" / "ics" / "teachers" / "T1_李明.ics").read_bytes())
    assert (
        feed["G1-3.teacher.T1@kecheng"]["SEQUENCE"] == 1 and feed["G1-2.teacher.T1@kecheng"]["SEQUENCE"] == 0
    )
    # the same timetable again, another DTSTAMP: nothing rises
    later = datetime(2026, 3, 9, 8, tzinfo=UTC)
    again = ics.render(problem, make_result(moved), term=term, previous=state2, stamp=later)
    assert parse_sequences(again[SEQUENCE_FILE]) == state2
    # a session gone this week is remembered, and counts up from there when it comes back changed
    gone = tuple(p for p in moved if (p.group_id, p.session) != ("G1", 3))
    state3 = parse_sequences(
        ics.render(problem, make_result(gone), term=term, previous=state2)[SEQUENCE_FILE]
    )
    assert state3["G1-3.teacher.T1@kecheng"] == state2["G1-3.teacher.T1@kecheng"]
    state4 = parse_sequences(ics.render(problem, result, term=term, previous=state3)[SEQUENCE_FILE])
    assert state4["G1-3.teacher.T1@kecheng"].sequence == 2


def test_a_changed_term_changes_every_session(week):
    problem, result = week
    spring = ics.render(problem, result, term=term_calendar(SPRING))
    state = parse_sequences(spring[SEQUENCE_FILE])
    shorter = ics.render(
        problem, result, term=term_calendar(Term(SPRING.start, date(2026, 6, 30))), previous=state
    )
    assert {e.sequence for e in parse_sequences(shorter[SEQUENCE_FILE]).values()} == {1}


def test_sequence_file_missing_is_a_first_run_and_damaged_is_located(tmp_path):
    assert read_sequences(tmp_path / "nowhere" / "sequence.csv") == {}
    path = tmp_path / "sequence.csv"
    path.write_text("uid,sequence,fingerprint,feed\na@k,1,0123456789abcdef,x.ics\nb@k,one,0123456789abcdef,\n"
                    "c@k,2,nothex,\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError) as raised:
        read_sequences(path)
    lines = str(raised.value).splitlines()
    assert lines[0] == f'{path}, row 3, column "sequence": "one" ' + ics.TEXT["bad_sequence"]
    assert lines[1].startswith(f'{path}, row 4, column "fingerprint": "nothex" is not a fingerprint')
    path.write_text("group_id,session\n", encoding="utf-8")
    with pytest.raises(InputError, match="header must be uid,sequence,fingerprint,feed"):
        read_sequences(path)


def test_write_reports_with_a_term_writes_the_sequence_file_and_the_calendar_sheet(week, tmp_path):
    problem, result = week
    written = write_reports(problem, result, tmp_path, {"ics", "xlsx"}, term=term_calendar(SPRING))
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert "ics/sequence.csv" in names and "timetable.xlsx" in names and "ics/teachers/T1_李明.ics" in names
    assert "term calendar" in openpyxl.load_workbook(tmp_path / "timetable.xlsx").sheetnames
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]  # no temp files left


def _as_list(value):
    return [] if value is None else value if isinstance(value, list) else [value]
