"""The term's calendar: parsing a term, mainland China's holidays and 调休 make-up days from
python-holidays, closures.csv with located errors, on which dates a session meets, and the
dated calendar sheet of the workbook."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest
from builders import district, group, venue
from hypothesis import given, settings
from hypothesis import strategies as st

from kecheng.errors import InputError
from kecheng.report import xlsx
from kecheng.result import Result
from kecheng.term import (
    TEXT,
    Closure,
    Term,
    official_years,
    parse_makeup,
    public_holidays,
    read_closures,
    term_calendar,
)
from kecheng.timetable import Placement

SPRING = Term(date(2026, 3, 2), date(2026, 7, 10))
VENUES = ("V1", "V2")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- the term --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-03-02:2026-07-10", "2026/3/2:2026/7/10", " 2026-3-2 : 2026-07-10 ", "2026年3月2日:2026年7月10日"],
)
def test_term_parses_the_forms_staff_type(text):
    assert Term.parse(text) == SPRING
    assert str(Term.parse(text)) == "2026-03-02:2026-07-10"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-03-02", "two dates START:END"),
        ("2026-03-02:2026-07-10:2026-08-01", "two dates START:END"),
        ("spring:2026-07-10", "for example 2026-03-02:2026-07-10"),
        ("2026-02-30:2026-07-10", "each written YYYY-MM-DD"),
        ("2026-07-10:2026-03-02", "ends on 2026-03-02 before it starts on 2026-07-10"),
        ("2026-03-02:2062-07-10", "more than two years — check the years"),
    ],
)
def test_a_bad_term_says_the_expected_form(text, words):
    with pytest.raises(ValueError, match=words):
        Term.parse(text)


def test_weeks_run_monday_to_sunday_over_the_term():
    weeks = Term(date(2026, 3, 4), date(2026, 3, 16)).weeks()
    assert [w[0] for w in weeks] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert all(len(w) == 7 and w[0].weekday() == 0 for w in weeks)
    assert len(SPRING.weeks()) == 19


def test_makeup_policy_is_follow_or_ignore():
    assert parse_makeup("follow") == "follow" and parse_makeup(" IGNORE ") == "ignore"
    with pytest.raises(ValueError, match="follow or ignore"):
        parse_makeup("school")


# --- public holidays ----------------------------------------------------------------------------


def test_2026_blocks_and_make_up_days_are_the_state_councils():
    """The notice for 2026 (国办发明电〔2025〕7号), as it reads."""
    found = public_holidays(date(2026, 1, 1), date(2026, 12, 31))
    blocks = {
        "元旦": days(date(2026, 1, 1), date(2026, 1, 3)),
        "春节": days(date(2026, 2, 15), date(2026, 2, 23)),
        "清明节": days(date(2026, 4, 4), date(2026, 4, 6)),
        "劳动节": days(date(2026, 5, 1), date(2026, 5, 5)),
        "端午节": days(date(2026, 6, 19), date(2026, 6, 21)),
        "中秋节": days(date(2026, 9, 25), date(2026, 9, 27)),
        "国庆节": days(date(2026, 10, 1), date(2026, 10, 7)),
    }
    assert found.holidays == {day: name for name, dates in blocks.items() for day in dates}
    pairs = {day: (m.replaces, m.holiday) for day, m in found.makeup_days.items()}
    assert pairs == {
        date(2026, 1, 4): (date(2026, 1, 2), "元旦"),  # Sunday works as the Friday off
        date(2026, 2, 14): (date(2026, 2, 20), "春节"),
        date(2026, 2, 28): (date(2026, 2, 23), "春节"),
        date(2026, 5, 9): (date(2026, 5, 5), "劳动节"),  # Saturday works as Tuesday
        date(2026, 9, 20): (date(2026, 10, 6), "国庆节"),
        date(2026, 10, 10): (date(2026, 10, 7), "国庆节"),
    }
    assert all(day.weekday() >= 5 and m.replaces.weekday() < 5 for day, m in found.makeup_days.items())
    assert found.unknown_years == () and found.source.startswith("holidays ")


def test_a_year_without_an_official_arrangement_warns_and_keeps_the_statutory_days():
    year = max(official_years()) + 1  # next year's notice, not yet in the library
    calendar = term_calendar(Term(date(year, 1, 1), date(year, 1, 31)), language="zh_CN")
    assert len(calendar.warnings) == 1
    warning = calendar.warnings[0]
    assert f"no official {year} holiday arrangement" in warning and "closures.csv" in warning
    assert calendar.holidays[date(year, 1, 1)] == "元旦"  # statutory by law, so still a holiday
    assert calendar.makeup_days == {}
    assert term_calendar(SPRING).warnings == ()  # 2026 is known: no warning


def test_old_years_pair_make_up_days_as_the_library_records():
    """2015: 2月15日（周日）上班 for 除夕 Wednesday 18 February (not yet statutory then)."""
    found = public_holidays(date(2015, 2, 1), date(2015, 3, 1))
    assert found.makeup_days[date(2015, 2, 15)].replaces == date(2015, 2, 18)
    assert date(2015, 2, 18) in found.holidays and date(2015, 2, 24) in found.holidays


# --- on which dates a session meets ----------------------------------------------------------------


@pytest.mark.usefixtures("chinese")
def test_makeup_ignore_keeps_the_saturday_and_follow_makes_it_a_tuesday():
    ignore, follow = term_calendar(SPRING, makeup="ignore"), term_calendar(SPRING, makeup="follow")
    saturday, tuesday = date(2026, 5, 9), date(2026, 5, 5)
    assert saturday in ignore.meetings(6, "V1").dates and saturday not in ignore.meetings(2, "V1").dates
    assert saturday not in follow.meetings(6, "V1").dates and saturday in follow.meetings(2, "V1").dates
    assert tuesday not in follow.meetings(2, "V1").dates  # the day off stays off
    assert follow.meetings(2, "V1").extra == [(saturday, "调休上班，按星期二上课")]
    assert dict(follow.meetings(6, "V1").skipped)[saturday] == "调休上班，按星期二上课"


@pytest.mark.usefixtures("chinese")
def test_a_closure_of_one_venue_leaves_the_others_and_star_closes_all():
    closures = [Closure("V1", date(2026, 3, 18), "维修"), Closure("*", date(2026, 3, 26), "区运动会")]
    calendar = term_calendar(SPRING, closures)
    assert date(2026, 3, 18) not in calendar.meetings(3, "V1").dates
    assert date(2026, 3, 18) in calendar.meetings(3, "V2").dates
    assert dict(calendar.meetings(3, "V1").skipped)[date(2026, 3, 18)] == "停课：维修"
    for venue_id in VENUES:
        assert dict(calendar.meetings(4, venue_id).skipped)[date(2026, 3, 26)] == "全部场地停课：区运动会"


def test_closures_outside_the_term_are_ignored_with_a_warning():
    calendar = term_calendar(SPRING, [Closure("V1", date(2026, 9, 1), "")])
    assert calendar.closures == {}
    assert calendar.warnings == (TEXT["outside"].format(venue="V1", day="2026-09-01", term=SPRING),)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(date(2004, 1, 1), date(2026, 6, 30)),
    length=st.integers(0, 200),
    weekday=st.integers(1, 7),
    makeup=st.sampled_from(["follow", "ignore"]),
    closed=st.sets(st.integers(0, 200), max_size=5),
)
def test_meetings_split_every_date_of_the_weekday(start, length, weekday, makeup, closed):
    term = Term(start, min(start + timedelta(days=length), date(2026, 12, 31)))
    closures = [Closure("V1", start + timedelta(days=i), "x") for i in sorted(closed)]
    calendar = term_calendar(term, closures, makeup=makeup)
    meets = calendar.meetings(weekday, "V1")
    mine = [d for d in term.days() if d.isoweekday() == weekday]
    assert sorted(meets.regular + [d for d, _ in meets.skipped]) == mine  # each date met or skipped
    assert not set(meets.dates) & set(calendar.holidays)  # never on a holiday
    assert not {d for d in meets.dates if d in calendar.closures}  # never on a closure of V1
    assert all(term.start <= d <= term.end for d in meets.dates)
    extra = [d for d, _ in meets.extra]
    assert extra == [] if makeup == "ignore" else all(d in calendar.makeup_days for d in extra)
    assert meets.dates == sorted(meets.regular + extra)
    if makeup == "ignore":
        assert all(why for _, why in meets.skipped)  # each skip says why


# --- closures.csv ------------------------------------------------------------------------------------


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "closures.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_closures_read_with_chinese_headers_slash_dates_and_gbk(tmp_path):
    path = write(
        tmp_path, "场地编号,日期,原因\nV1,2026/3/18,维修\n*,2026-03-26,区运动会\nV1,2026.3.18,漏水\n", "gbk"
    )
    closures, warnings = read_closures(path, VENUES)
    assert closures == [
        Closure("V1", date(2026, 3, 18), "维修；漏水"),
        Closure("*", date(2026, 3, 26), "区运动会"),
    ]
    assert warnings == []
    path = write(tmp_path, "venue_id,date\nV2,2026-04-07\n")  # reason is optional
    assert read_closures(path, VENUES)[0] == [Closure("V2", date(2026, 4, 7), "")]


def test_bad_closures_rows_are_located_all_at_once(tmp_path):
    path = write(tmp_path, "场地编号,日期,原因\nV9,2026-03-18,维修\nV1,18/3/2026,x\n,2026-02-30,\nV2,,y\n")
    with pytest.raises(InputError) as raised:
        read_closures(path, VENUES)
    assert str(raised.value).splitlines() == [
        f'closures.csv, row 2, column "场地编号" [venue_id]: "V9" {TEXT["venue_unknown"]}',
        f'closures.csv, row 3, column "日期" [date]: "18/3/2026" {TEXT["date_bad"]}',
        f'closures.csv, row 4, column "场地编号" [venue_id]: {TEXT["venue_blank"]}',
        f'closures.csv, row 4, column "日期" [date]: "2026-02-30" {TEXT["date_unreal"]}',
        f'closures.csv, row 5, column "日期" [date]: {TEXT["date_blank"]}',
    ]


def test_a_closures_file_without_its_columns_or_unreadable_says_so(tmp_path):
    with pytest.raises(InputError, match=r'closures\.csv, row 1: is missing the column\(s\) "date"'):
        read_closures(write(tmp_path, "venue_id,day\nV1,2026-03-18\n"), VENUES)
    with pytest.raises(InputError, match=r"closures\.csv: is empty"):
        read_closures(write(tmp_path, ""), VENUES)
    path = tmp_path / "closures.csv"
    path.write_bytes(b"PK\x03\x04 a workbook saved as .csv")
    with pytest.raises(InputError, match=r"closures\.csv: is an Excel workbook, not a CSV file"):
        read_closures(path, VENUES)


# --- the workbook's calendar sheet -----------------------------------------------------------


@pytest.mark.usefixtures("chinese")
def test_workbook_calendar_sheet_marks_holidays_make_up_days_and_closures():
    problem = district(
        [venue("V1"), venue("V2")],
        [("V1", 2, "08:00", "12:00")],
        ["T1"],
        [("T1", 2, "08:00", "12:00")],
        [group("G1", "T1")],
    )
    result = Result("FEASIBLE", 1, 1.0, (Placement("G1", 1, "V1", "T1", 2, 9 * 60, 10 * 60),), (), 1, {})
    calendar = term_calendar(SPRING, [Closure("V1", date(2026, 3, 18), "维修")], makeup="follow")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(problem, result, term=calendar)))
    assert book.sheetnames[-1] == "学期日历"
    rows = list(book["学期日历"].values)
    header = next(i for i, row in enumerate(rows) if row[0] == "周次")
    assert rows[header] == (
        "周次",
        "周一日期",
        "周一",
        "周二",
        "周三",
        "周四",
        "周五",
        "周六",
        "周日",
        "备注",
    )
    weeks = rows[header + 1 :]
    assert [w[0] for w in weeks] == list(range(1, 20))
    assert [w[1].date() for w in weeks] == [date(2026, 3, 2) + timedelta(weeks=i) for i in range(19)]
    by_date = {}
    for w in weeks:
        for offset, cell in enumerate(w[2:9]):
            by_date[w[1].date() + timedelta(days=offset)] = cell
    for day in days(date(2026, 4, 4), date(2026, 4, 6)):
        assert by_date[day] == f"{day.month}月{day.day}日\n清明节"
    assert by_date[date(2026, 5, 9)] == "5月9日\n调休上班，按星期二上课"
    assert by_date[date(2026, 3, 18)] == "3月18日\n停课：V1（维修）"
    assert by_date[date(2026, 3, 17)] == "3月17日"  # an ordinary day
    assert by_date[date(2026, 7, 11)] == "7月11日\n学期外"  # after the term
    notes = {w[1].date(): w[9] for w in weeks}
    assert notes[date(2026, 3, 30)] == "清明节 4月4日–4月5日" and notes[date(2026, 3, 23)] is None
    assert notes[date(2026, 5, 4)] == "劳动节 5月4日–5月5日；5月9日 周六 调休上班，按星期二上课"
