"""Files staff open: CSV that Excel reads (BOM, GB18030), cells that never run as formulas, and
every kecheng command reading its own output back; the term wired into `kecheng solve`; the
small things a newcomer hit (a workbook for check, a full-width comma, diff's summary, the bound)."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from builders import district, group, venue

import kecheng
from kecheng.display import SolveDisplay
from kecheng.errors import OptionError
from kecheng.i18n import use_language
from kecheng.reading import read_placements, read_timetable
from kecheng.report import write_reports
from kecheng.writing import csv_encoding, excel_safe, write_problem, write_table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "small"
KECHENG = [sys.executable, "-m", "kecheng"]
BOM = b"\xef\xbb\xbf"


def run(*args: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env |= {"LANG": lang, "COLUMNS": "120"}
    return subprocess.run([*KECHENG, *map(str, args)], capture_output=True, text=True, env=env, timeout=180)


@pytest.fixture(scope="module")
def solved_zh(tmp_path_factory) -> Path:
    """The example solved in Chinese with every format, GB18030 CSV files and a spring term."""
    out = tmp_path_factory.mktemp("zh") / "out"
    done = run(
        "solve", EXAMPLE, "--out", out, "--time-limit", "2", "--workers", "2",
        "--formats", "csv,xlsx,ics,html", "--csv-encoding", "gb18030", "--term", "2026-03-02:2026-07-10",
        lang="zh_CN.UTF-8",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


# --- encodings ------------------------------------------------------------------------------------


def test_csv_outputs_have_a_bom_by_default(tmp_path):
    out = tmp_path / "out"
    done = run("solve", EXAMPLE, "--out", out, "--time-limit", "1", "--workers", "1")
    assert done.returncode == 0, done.stderr
    for name in ("timetable.csv", "unscheduled.csv"):
        data = (out / name).read_bytes()
        assert data.startswith(BOM) and data[3:].decode("utf-8").startswith(
            name.split(".")[0][:0] or "group_id"
        )


def test_a_gb18030_round_trip(solved_zh, tmp_path):
    """Written in GB18030 (the Chinese details need it), read back by check, diff and explain."""
    detail = (solved_zh / "unscheduled.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        detail.decode("utf-8")
    frame = pd.read_csv(io.BytesIO(detail), encoding="gb18030")
    assert list(frame.columns) == ["group_id", "session", "reason", "detail"]
    assert frame["detail"].str.contains(r"[\u4e00-\u9fff]").all() and frame["reason"].str.isupper().all()
    assert run("check", EXAMPLE, solved_zh / "timetable.csv").returncode == 0
    timetable = read_timetable(solved_zh / "timetable.csv")
    assert len(timetable) == len(read_placements(solved_zh / "timetable.csv")) > 0
    diff = run("diff", solved_zh / "timetable.csv", solved_zh / "timetable.csv")
    assert diff.returncode == 0 and "no changes" in diff.stdout
    group = timetable["group_id"][0]
    explained = run("explain", EXAMPLE, group, "--timetable", solved_zh / "timetable.csv")
    assert explained.returncode == 0 and group in explained.stdout


def test_input_tables_round_trip_in_every_encoding(tmp_path):
    problem = kecheng.load(EXAMPLE)
    for encoding in ("utf-8-sig", "utf-8", "gb18030"):
        folder = tmp_path / encoding
        write_problem(problem, folder, encoding)
        raw = (folder / "communities.csv").read_bytes()
        assert raw.startswith(BOM) == (encoding == "utf-8-sig")
        assert kecheng.load(folder) == problem
    report = kecheng.load_report(tmp_path / "gb18030")[1]
    assert report.encodings["communities.csv"] == "GB18030"  # ASCII-only tables read as UTF-8, rightly


def test_an_unknown_csv_encoding_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(OptionError, match="gb18030"):
        csv_encoding("latin-1")
    done = run("solve", EXAMPLE, "--out", tmp_path / "o", "--csv-encoding", "latin-1")
    assert done.returncode == 2 and "--csv-encoding" in done.stderr and not (tmp_path / "o").exists()


# --- CSV injection ----------------------------------------------------------------------------------


FORMULAS = ['=HYPERLINK("http://x","点我")', "+86 123", "-SUM(A1)", "@cmd", "\tTAB"]


def _dangerous() -> kecheng.Problem:
    """Names (and a group id) that Excel would run as formulas; a negative number that is data."""
    problem = district(
        [{**venue("V1"), "name": FORMULAS[3]}],
        [("V1", 1, "08:00", "12:00"), ("V1", 3, "08:00", "12:00")],
        [{"teacher_id": "T1", "name": FORMULAS[1]}],
        [("T1", 1, "08:00", "12:00"), ("T1", 3, "08:00", "12:00")],
        [group("-G1", "T1", name=FORMULAS[0], sessions=2), group("G2", "T1", name=FORMULAS[2])],
    )
    communities = [
        c if c.community_id != "C2" else {**vars_of(c), "lon": -106.5} for c in problem.communities
    ]
    return kecheng.Problem(**{**dict(problem), "communities": communities})


def vars_of(row) -> dict:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


def test_formula_like_text_is_escaped_in_csv_and_read_back_as_written(tmp_path):
    problem = _dangerous()
    write_problem(problem, tmp_path / "in")
    with open(tmp_path / "in" / "groups.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows] == ["'" + FORMULAS[0], "'" + FORMULAS[2]]
    assert rows[0]["group_id"] == "'-G1"  # an id too: it is text
    with open(tmp_path / "in" / "communities.csv", encoding="utf-8-sig", newline="") as f:
        lons = [r["lon"] for r in csv.DictReader(f)]
    assert "-106.5" in lons  # a number we write is data, never escaped
    assert kecheng.load(tmp_path / "in") == problem
    result = kecheng.solve(problem, time_limit=1, workers=1)
    result.write(tmp_path / "out")
    text = (tmp_path / "out" / "timetable.csv").read_text(encoding="utf-8-sig")
    assert "\n'-G1," in text
    assert {p.group_id for p in read_placements(tmp_path / "out" / "timetable.csv")} == {
        p.group_id for p in result.placements
    }
    assert excel_safe(-3) == -3 and excel_safe("-3") == "'-3" and excel_safe("a=b") == "a=b"


def test_formula_like_names_are_text_cells_in_the_workbook(tmp_path):
    problem = _dangerous()
    result = kecheng.solve(problem, time_limit=1, workers=1)
    write_reports(problem, result, tmp_path, {"xlsx"})
    book = openpyxl.load_workbook(tmp_path / "timetable.xlsx")
    cells = [c for row in book["timetable"].iter_rows(min_row=2) for c in row]
    shown = {c.value for c in cells}
    assert {FORMULAS[0], FORMULAS[1], FORMULAS[3], "-G1"} <= shown
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t")
    problem_book = tmp_path / "district.xlsx"
    from kecheng.writing import write_problem_xlsx

    write_problem_xlsx(problem, problem_book)
    assert kecheng.load(problem_book) == problem


# --- reading what staff hand back -------------------------------------------------------------------


def test_a_full_width_comma_separator_is_named(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "venues.csv").read_text(encoding="utf-8-sig")
    (folder / "venues.csv").write_text(text.replace(",", "，"), encoding="utf-8")
    english, chinese = run("validate", folder), run("validate", folder, lang="zh_CN.UTF-8")
    assert english.returncode == chinese.returncode == 2
    assert 'venues.csv, row 1: separates its columns with the full-width comma "，"' in english.stderr
    assert "venues.csv，第 1 行：用全角逗号“，”分隔各列" in chinese.stderr


def test_check_reads_the_workbook_kecheng_wrote_in_either_language(solved_zh, tmp_path):
    done = run("check", EXAMPLE, solved_zh / "timetable.xlsx")
    assert done.returncode == 0, done.stderr
    count = len(read_timetable(solved_zh / "timetable.csv"))
    assert f"OK: {count} sessions, no rule broken" in done.stdout
    english = tmp_path / "en"
    assert run("solve", EXAMPLE, "--out", english, "--time-limit", "1", "--formats", "xlsx").returncode == 0
    assert run("check", EXAMPLE, english / "timetable.xlsx", lang="zh_CN.UTF-8").returncode == 0
    book = tmp_path / "other.xlsx"
    shutil.copy(solved_zh / "timetable.xlsx", book)
    workbook = openpyxl.load_workbook(book)
    workbook["课表"].title = "sheet1"
    workbook.save(book)
    done = run("check", EXAMPLE, book)
    assert (
        done.returncode == 2 and 'has no sheet "timetable"' in done.stderr and "timetable.csv" in done.stderr
    )


# --- diff ---------------------------------------------------------------------------------------------


def test_diff_ends_with_a_summary_and_writes_whom_to_notify(tmp_path):
    old = tmp_path / "old.csv"
    new = tmp_path / "new.csv"
    first = run("solve", EXAMPLE, "--out", tmp_path / "w1", "--time-limit", "1", "--workers", "1")
    assert first.returncode == 0
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / "w1" / "timetable.csv").read_text(encoding="utf-8-sig")))
    )
    shutil.copy(tmp_path / "w1" / "timetable.csv", old)
    moved = dict(rows[0], start="22:30", end="23:30")  # the same session at a time nothing else has
    with open(new, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([moved, *rows[2:]])  # one moved, one removed
    notify = tmp_path / "notify.csv"
    done = run("diff", old, new, "--input", EXAMPLE, "--notify", notify, lang="zh_CN.UTF-8")
    assert done.returncode == 0, done.stderr
    problem = kecheng.load(EXAMPLE)
    *_changes, summary_line, teachers_line, venues_line, written = done.stdout.strip().splitlines()
    summary = [summary_line, teachers_line, venues_line]
    assert written == f"需要通知的名单 → {notify}"
    assert summary[0] == f"课次：保留 {len(rows) - 2}，调动 1，新增 0，取消 1"
    teacher = problem.teacher[rows[0]["teacher_id"]]
    assert summary[1].startswith("需要通知的老师") and f"{teacher.name} ({teacher.teacher_id})" in summary[1]
    assert summary[2].startswith("需要通知的场地")
    notified = pd.read_csv(notify, encoding="utf-8-sig", dtype=str)
    assert list(notified.columns) == ["kind", "id", "name", "removed", "added", "changes"]
    assert teacher.teacher_id in set(notified["id"]) and teacher.name in set(notified["name"])
    assert set(notified["kind"]) == {"teacher", "venue"}
    english = run("diff", old, new)
    assert (
        "sessions: " in english.stdout
        and "1 moved" in english.stdout
        and "teachers to notify" in english.stdout
    )


# --- the term -----------------------------------------------------------------------------------------


def test_the_term_dates_the_calendars_with_exdates_on_holidays(solved_zh):
    feeds = sorted((solved_zh / "ics" / "teachers").glob("*.ics"))
    texts = [feed.read_text(encoding="utf-8") for feed in feeds]
    assert any("EXDATE" in text for text in texts)
    monday = [t for t in texts if "DTSTART;TZID=Asia/Shanghai:20260302" in t or "BYDAY=MO" in t]
    all_text = "\n".join(texts)
    assert "UNTIL=20260710" in all_text
    assert re.search(r"EXDATE;TZID=Asia/Shanghai:20260406T\d{6}", all_text)  # 清明, Monday 6 April
    assert "停课" in all_text and "学期" in all_text  # the event text is Chinese
    assert monday or texts
    assert all("_" in feed.stem for feed in feeds)  # T0001_李明: id and name
    book = openpyxl.load_workbook(solved_zh / "timetable.xlsx")
    assert "学期日历" in book.sheetnames


def test_closures_are_read_with_a_term_and_warned_about_without_one(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLE, folder)
    venue_id = kecheng.load(EXAMPLE).venues[0].venue_id
    (folder / "closures.csv").write_text(
        f"venue_id,date,reason\n{venue_id},2026-03-18,维修\n*,2026/5/20,区运动会\n"
    )
    without = run("solve", folder, "--out", tmp_path / "a", "--time-limit", "1", "--workers", "1")
    assert without.returncode == 0 and "used only with --term" in without.stderr
    term = "2026-03-02:2026-07-10"
    out = tmp_path / "b"
    done = run(
        "solve",
        folder,
        "--out",
        out,
        "--time-limit",
        "1",
        "--workers",
        "1",
        "--formats",
        "ics",
        "--term",
        term,
    )
    assert done.returncode == 0 and "used only with --term" not in done.stderr, done.stderr
    assert "20260520" in "".join(
        p.read_text(encoding="utf-8") for p in (out / "ics" / "venues").glob("*.ics")
    )
    valid = run("validate", folder)
    assert valid.returncode == 0 and "closures: 2 closed days" in valid.stdout
    (folder / "closures.csv").write_text("venue_id,date\nNOPE,2026-13-40\n")
    bad = run("validate", folder)
    assert bad.returncode == 2
    assert 'closures.csv, row 2, column "venue_id": "NOPE" is not a venue_id in venues.csv' in bad.stderr
    assert 'closures.csv, row 2, column "date": "2026-13-40" is not a day of the calendar' in bad.stderr
    wrong = run("solve", folder, "--out", tmp_path / "c", "--term", "2026-07-10:2026-03-02")
    assert wrong.returncode == 2 and "before it starts" in wrong.stderr


def test_previous_brings_the_calendars_sequence_state(tmp_path):
    term = "2026-03-02:2026-07-10"
    week1, week2 = tmp_path / "w1", tmp_path / "w2"
    args = ("--time-limit", "1", "--workers", "1", "--formats", "ics", "--term", term)
    assert run("solve", EXAMPLE, "--out", week1, *args).returncode == 0
    assert (week1 / "ics" / "sequence.csv").is_file()
    state = (week1 / "ics" / "sequence.csv").read_text(encoding="utf-8").splitlines()
    cells = state[1].split(",")
    cells[1] = "not-a-number"  # the file was edited by hand
    (week1 / "ics" / "sequence.csv").write_text("\n".join([state[0], ",".join(cells), *state[2:]]) + "\n")
    done = run("solve", EXAMPLE, "--out", week2, "--previous", week1 / "timetable.csv", *args)
    assert done.returncode == 2 and "sequence.csv" in done.stderr and "row 2" in done.stderr


# --- the progress line ---------------------------------------------------------------------------------


def test_the_last_progress_line_shows_the_summarys_bound(capsys):
    problem = kecheng.load(EXAMPLE)
    display = SolveDisplay(5, problem.sessions_total, "log")
    result = kecheng.solve(problem, time_limit=3, seed=0, workers=2, on_progress=display)
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and lines[-1].endswith("(final)")
    assert f"objective {result.objective}" in lines[-1]
    assert not math.isnan(result.bound) and f"bound {result.bound:.0f}" in lines[-1]
    bounds = [float(b) for b in re.findall(r"bound (\d+)", "\n".join(lines))]
    assert bounds == sorted(bounds, reverse=True)  # the bound shown never rises
    with use_language("zh"):
        chinese = SolveDisplay(5, problem.sessions_total, "log")
    chinese(result.progress[-1])
    assert "已排" in capsys.readouterr().err  # made in Chinese, it speaks Chinese in any thread


def test_write_table_escapes_only_text(tmp_path):
    path = write_table(pd.DataFrame({"a": ["=1+2", "ok"], "n": [-1, 2]}), tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8-sig") == "a,n\n'=1+2,-1\nok,2\n"
