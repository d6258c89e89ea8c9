"""Reports: timetable.xlsx and report.html, read back as their readers do (the iCalendar
feeds are in test_report_ics.py).

The workbook is reopened with openpyxl, and report.html is rendered in headless Chromium (skipped
with a message where no Chromium is installed; `.ci/install-browser` installs it).
"""

from __future__ import annotations

import math
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


def test_workbook_has_timetable_grids_and_unscheduled(solved, reports):
    problem, result = solved
    book = openpyxl.load_workbook(reports / "timetable.xlsx")
    streets = sorted(
        {problem.community[problem.venue[p.venue_id].community_id].street for p in result.placements}
    )
    assert book.sheetnames == ["timetable", "unscheduled", *streets, "teachers"]
    table = list(book["timetable"].values)
    assert table[0][:4] == ("街道", "社区", "兴趣小组编号", "兴趣小组") and len(table) == 1 + len(
        result.placements
    )
    assert {(row[2], row[5]) for row in table[1:]} == {(p.group_id, p.session) for p in result.placements}
    assert len(list(book["unscheduled"].values)) == 1 + len(result.unplaced)
    for sheet_name, count in (("teachers", len(result.placements)), (streets[0], None)):
        sheet = book[sheet_name]
        heads = [row for row in sheet.iter_rows(values_only=True) if row[0] == "时间"]
        assert heads and all(
            row[1:] == ("周一", "周二", "周三", "周四", "周五", "周六", "周日") for row in heads
        )
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
    assert page.count('<details class="community">') == len(problem.communities)


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


def test_report_in_headless_chromium(solved, reports, tmp_path):
    """The page as a browser builds it: figures, every unscheduled row, the heat map; and a real picture."""
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "no Chromium installed (run .ci/install-browser: Debian packages chromium, chromium-driver)"
        )
    problem, result = solved
    url = (reports / "report.html").resolve().as_uri()
    done = _headless(browser, tmp_path / "profile", "--dump-dom", url)
    dom = done.stdout
    assert done.returncode == 0 and "</html>" in dom, done.stderr[-2000:]
    placed = re.search(r'id="placed"[^>]*>([^<]*)<', dom)
    assert placed and placed[1].strip() == f"{result.sessions_scheduled} / {result.sessions_total}"
    assert re.search(r'id="groups"[^>]*>\s*' + str(len(problem.groups)) + r"\s*<", dom)
    assert re.search(r'id="utilisation"[^>]*>\s*\d+\.\d%\s*<', dom)
    assert len(re.findall(r'<tr class="miss"', dom)) == len(result.unplaced)
    heatmap = re.search(r'id="heatmap".*?</svg>', dom, re.S)
    assert (
        heatmap
        and "<svg" in heatmap[0]
        and Counter(re.findall(r"周[一二三四五六日]", heatmap[0]))["周一"] >= 1
    )
    shot = tmp_path / "report.png"
    done = _headless(browser, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1280,1800", url)
    assert shot.is_file(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a drawn page, not a blank one
