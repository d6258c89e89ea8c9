"""Reports: timetable.xlsx and report.html, read back as their readers do (the iCalendar
feeds are in test_report_ics.py).

The workbook is reopened with openpyxl, and report.html is rendered in headless Chromium (skipped
with a message where no Chromium is installed; `.ci/install-browser` installs it).
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from builders import district, group, venue

import kecheng
from kecheng.i18n import use_language
from kecheng.report import write_reports
from kecheng.report.frames import next_monday
from kecheng.result import Result
from kecheng.timetable import Placement, Unplaced

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "small"
MONDAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def solved() -> tuple[kecheng.Problem, Result]:
    problem = kecheng.load(EXAMPLE)
    return problem, kecheng.solve(problem, time_limit=2, seed=0, workers=2)


@pytest.fixture(scope="module")
def reports(solved, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("out")
    write_reports(*solved, folder, {"csv", "xlsx", "ics", "html"}, week_start=MONDAY)
    return folder


def tricky() -> tuple[kecheng.Problem, Result]:
    """Names that break naive writers: markup, a formula, an illegal and over-long sheet name, a '/' id."""
    street = "人和街道[试点]/两江:新区*?很长很长很长很长很长很长很长很长很长的名字"
    problem = district(
        [venue("V/1"), venue("V2")],
        [("V/1", 1, "08:00", "12:00"), ("V2", 3, "18:00", "21:00")],
        [{"teacher_id": "T1", "name": "=1+2"}],
        [("T1", 1, "08:00", "21:00"), ("T1", 3, "08:00", "21:00")],
        [group("G<1>", "T1", name="<script>alert('x')</script> & 合唱", sessions=2, minutes=45)],
    )
    problem = kecheng.Problem(
        **{
            **dict(problem),
            "communities": [replace(c, street=street) for c in problem.communities],
        }
    )
    placements = (Placement("G<1>", 1, "V/1", "T1", 1, 8 * 60 + 15, 9 * 60),)
    unplaced = (Unplaced("G<1>", 2, "CROWDED_OUT", "V2 on Wed <18:00> is taken"),)
    return problem, Result(
        status="FEASIBLE",
        objective=1,
        bound=2.0,
        placements=placements,
        unplaced=unplaced,
        sessions_total=2,
        timings={},
    )


def test_writes_only_the_asked_formats_each_file_whole(solved, tmp_path):
    assert write_reports(*solved, tmp_path, {"csv"}) == []
    paths = write_reports(*solved, tmp_path, {"html", "xlsx"})
    assert sorted(p.name for p in paths) == ["report.html", "timetable.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "timetable.xlsx"]  # no temp left
    with pytest.raises(ValueError, match="pdf"):
        write_reports(*solved, tmp_path, {"pdf"})


def test_next_monday_is_a_monday_after_today():
    assert next_monday(date(2026, 3, 2)) == date(2026, 3, 9)  # a Monday: the week after
    assert next_monday(date(2026, 3, 7)) == date(2026, 3, 9)
    assert next_monday().weekday() == 0 and next_monday() > date.today()


# --- timetable.xlsx ---------------------------------------------------------------------------


ZH_DAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.mark.parametrize(
    ("lang", "sheets", "heads", "time", "days"),
    [
        (
            "zh",
            ("课表", "未排课次", "老师课表"),
            ("街道", "社区", "兴趣小组编号", "兴趣小组"),
            "时间",
            ZH_DAYS,
        ),
        (
            "en",
            ("timetable", "unscheduled", "teachers"),
            ("street", "community", "group id", "group"),
            "time",
            EN_DAYS,
        ),
    ],
)
def test_workbook_has_timetable_grids_and_unscheduled(solved, lang, sheets, heads, time, days):
    """The workbook in each language: its sheets, headings and weekday names, and the same cells."""
    from kecheng.report import xlsx

    problem, result = solved
    with use_language(lang):
        book = openpyxl.load_workbook(io.BytesIO(xlsx.render(problem, result)))
    streets = sorted(
        {problem.community[problem.venue[p.venue_id].community_id].street for p in result.placements}
    )
    timetable, unscheduled, teachers = sheets
    assert book.sheetnames == [timetable, unscheduled, *streets, teachers]
    table = list(book[timetable].values)
    assert table[0][:4] == heads and len(table) == 1 + len(result.placements)
    assert {(row[2], row[5]) for row in table[1:]} == {(p.group_id, p.session) for p in result.placements}
    assert {row[6] for row in table[1:]} <= set(days)
    missing = list(book[unscheduled].values)
    assert len(missing) == 1 + len(result.unplaced)
    if lang == "zh":  # the detail column (说明) is Chinese too, its reason code English
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in row[-1]) for row in missing[1:])
        assert {row[-3] for row in missing[1:]} <= {"NO_VENUE_FITS", "NO_COMMON_TIME", "TEACHER_LIMIT",
                                                    "CROWDED_OUT", "SEARCH_LIMIT"}  # fmt: skip
    for sheet_name, count in ((teachers, len(result.placements)), (streets[0], None)):
        sheet = book[sheet_name]
        rows = [row for row in sheet.iter_rows(values_only=True) if row[0] == time]
        assert rows and all(row[1:] == days for row in rows)
        sessions = [
            c
            for row in sheet.iter_rows(min_col=2)
            for c in row
            if isinstance(c.value, str) and "–" in c.value
        ]
        assert count is None or len(sessions) == count  # every session once per teacher grid
        merged = {(r.min_row, r.min_col) for r in sheet.merged_cells.ranges}
        assert all((c.row, c.column) in merged for c in sessions)  # one merged cell spans the session


def test_workbook_survives_awkward_names():
    problem, result = tricky()
    from kecheng.report import xlsx

    book = openpyxl.load_workbook(__import__("io").BytesIO(xlsx.render(problem, result)))
    assert len(book.sheetnames) == len(set(book.sheetnames)) == 4
    assert all(len(name) <= 31 and not set("[]:*?/\\") & set(name) for name in book.sheetnames)
    assert (
        book["timetable"]["N2"].value == "=1+2" and book["timetable"]["N2"].data_type == "s"
    )  # not a formula
    grid = book.sheetnames[2]
    assert any("08:15–09:00\n<script>" in str(c) for row in book[grid].values for c in row)


def test_district_workbook_is_quick():
    problem = kecheng.generate("district", seed=0)
    placements = tuple(kecheng.greedy(problem))
    result = Result(
        status="FEASIBLE",
        objective=len(placements),
        bound=math.nan,
        placements=placements,
        unplaced=(),
        sessions_total=problem.sessions_total,
        timings={},
    )
    from kecheng.report import xlsx

    began = time.perf_counter()
    data = xlsx.render(problem, result)
    assert time.perf_counter() - began < 10 and len(data) > 100_000


# --- report.html ------------------------------------------------------------------------------


def test_report_is_self_contained_and_escaped(reports):
    page = (reports / "report.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert not re.search(r"<script\b", page, re.I)  # needs no script at all
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"""@import|url\(\s*["']?\s*(?:https?:)?//""", page, re.I)
    problem, result = tricky()
    from kecheng.report import html

    page = html.render(problem, result).decode("utf-8")
    assert (
        "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 合唱" in page
    )


def test_report_figures(solved, reports):
    problem, result = solved
    page = (reports / "report.html").read_text(encoding="utf-8")
    assert f'id="placed">{result.sessions_scheduled} / {result.sessions_total}<' in page
    assert f'id="groups">{len(problem.groups)}<' in page
    assert page.count('<tr class="miss">') == len(result.unplaced)
    assert page.count('<details class="community" id="c') == len(problem.communities)


def _chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


def _headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
    flags += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
    flags += ["--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}"]
    try:
        return subprocess.run(
            [browser, *flags, *args], capture_output=True, text=True, timeout=90, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{browser} did not finish within 90 s: {' '.join(args)}")


@pytest.mark.parametrize(
    ("lang", "title", "monday"),
    [("zh", "社区学院一周课表总览", "周一"), ("en", "Community colleges: the week's timetable", "Mon")],
)
def test_report_in_headless_chromium(solved, tmp_path, lang, title, monday):
    """The page as a browser builds it, in each language: figures, every unscheduled row, the heat
    map; and a real picture (copied to $KECHENG_SHOTS when that is set, for people to look at)."""
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "no Chromium installed (run .ci/install-browser: Debian packages chromium, chromium-driver)"
        )
    from kecheng.report import html

    problem = solved[0]
    with use_language(lang):  # solved in the language too: the reasons' details are the run's words
        result = kecheng.solve(problem, time_limit=2, seed=0, workers=2)
        page = tmp_path / "report.html"
        page.write_bytes(html.render(problem, result))
    url = page.resolve().as_uri()
    done = _headless(browser, tmp_path / "profile", "--dump-dom", url)
    dom = done.stdout
    assert done.returncode == 0 and "</html>" in dom, done.stderr[-2000:]
    assert f"<title>{title}</title>".replace("'", "&#39;") in dom or f"<title>{title}</title>" in dom
    placed = re.search(r'id="placed"[^>]*>([^<]*)<', dom)
    assert placed and placed[1].strip() == f"{result.sessions_scheduled} / {result.sessions_total}"
    assert re.search(r'id="groups"[^>]*>\s*' + str(len(problem.groups)) + r"\s*<", dom)
    assert re.search(r'id="utilisation"[^>]*>\s*\d+\.\d%\s*<', dom)
    assert len(re.findall(r'<tr class="miss"', dom)) == len(result.unplaced)
    assert dom.index('id="communities"') < dom.index('id="unscheduled"')  # the grids come first
    heatmap = re.search(r'id="heatmap".*?</svg>', dom, re.S)
    assert heatmap and "<svg" in heatmap[0] and Counter(re.findall(monday, heatmap[0]))[monday] >= 1
    shot = tmp_path / f"report-{lang}.png"
    done = _headless(browser, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1280,1800", url)
    assert shot.is_file(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a drawn page, not a blank one
    if os.environ.get("KECHENG_SHOTS"):
        folder = Path(os.environ["KECHENG_SHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, folder / shot.name)


def test_report_html_in_both_languages(solved):
    """Every heading in the run's language; the reason codes stay English; a CJK font stack."""
    from kecheng.report import html
    from kecheng.report.template import CJK_FONT_STACK

    problem, result = solved
    with use_language("zh"):
        zh = html.render(problem, result).decode("utf-8")
    with use_language("en"):
        en = html.render(problem, result).decode("utf-8")
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    assert "未排上的课次" in zh and "各社区一周课表" in zh and "Sessions not placed" not in zh
    assert "Sessions not placed" in en and "Each community&#39;s week" in en and "未排上的课次" not in en
    for font in (
        "Microsoft YaHei",
        "PingFang SC",
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "Droid Sans Fallback",
    ):
        assert f'"{font}"' in CJK_FONT_STACK and f'"{font}"' in zh
    codes = {u.reason for u in result.unplaced}
    assert codes and all(f'<span class="code">{code}</span>' in zh for code in codes)
    with use_language("zh"):  # solved in Chinese, the reasons' details (说明) are Chinese
        chinese = kecheng.solve(problem, time_limit=1, seed=0, workers=1)
        page = html.render(problem, chinese).decode("utf-8")
    details = re.findall(r'<tr class="miss">.*?<td>([^<]*)</td></tr>', page, re.S)
    english = re.compile(r"\b(venue|venues|teacher|within|fits|free|sessions?|weekdays?)\b")
    assert details and not any(english.search(d) for d in details), details[:3]
    assert all(re.search(r"[\u4e00-\u9fff]", d) for d in details)
    assert zh.index('id="communities"') < zh.index('id="unscheduled"') and '<nav id="contents">' in zh
