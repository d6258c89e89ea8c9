"""Solving a district folder: what `kecheng solve` and `solve-batch` both do, in one place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import district, group, venue

from kecheng import InputError, LockError, OptionError, check, generate, load
from kecheng.reading import read_timetable
from kecheng.report import parse_formats
from kecheng.workflow import prepare, solve_folder
from kecheng.writing import write_problem

LOCK = "group_id,session,venue_id,teacher_id,weekday,start,end\n"


def folder_of(tmp_path: Path, problem, locked: str | None = None) -> Path:
    folder = tmp_path / "in"
    write_problem(problem, folder)
    if locked is not None:
        (folder / "locked.csv").write_text(LOCK + locked, encoding="utf-8")
    return folder


def small_week():
    return district(
        venues=[venue("V1"), venue("V2")],
        opening=[(v, d, "08:00", "12:00") for v in ("V1", "V2") for d in (1, 2)],
        teachers=["T1", "T2"],
        availability=[(t, d, "08:00", "12:00") for t in ("T1", "T2") for d in (1, 2)],
        groups=[group("G1", "T1", sessions=2), group("G2", "T2")],
    )


def test_locked_csv_is_kept_exactly_and_the_reports_asked_for_are_written(tmp_path):
    folder = folder_of(tmp_path, small_week(), "G1,2,V2,T1,2,10:00,11:00\n")
    out = tmp_path / "out"
    result = solve_folder(folder, out, time_limit=5, workers=1, formats="csv,xlsx,html")
    table = read_timetable(out / "timetable.csv")
    locked = table[(table.group_id == "G1") & (table.session == 2)]
    assert locked[["venue_id", "weekday", "start", "end"]].values.tolist() == [["V2", 2, "10:00", "11:00"]]
    assert {p.name for p in out.iterdir()} >= {
        "timetable.csv",
        "summary.json",
        "timetable.xlsx",
        "report.html",
    }
    assert check(load(folder), table) == [] and result.sessions_scheduled == 3


def test_locks_that_break_a_rule_leave_a_consistent_folder_and_raise(tmp_path):
    folder = folder_of(tmp_path, small_week(), "G1,1,V1,T1,1,13:00,14:00\n")
    out = tmp_path / "out"
    with pytest.raises(LockError, match=r"(?s)locked\.csv.*OPENING"):
        solve_folder(folder, out, time_limit=5, workers=1)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "INFEASIBLE" and summary["sessions_unscheduled"] == 3
    assert (out / "unscheduled.csv").read_text(encoding="utf-8").count("LOCK_CONFLICT") == 3


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"time_limit": -5}, "time limit"),
        ({"workers": -3}, "workers"),
        ({"formats": "csv,pdf"}, "unknown pdf"),
    ],
)
def test_wrong_options_fail_before_anything_is_read(tmp_path, options, words):
    with pytest.raises(OptionError, match=words):
        solve_folder(tmp_path / "nowhere", tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_the_output_may_not_be_inside_the_input(tmp_path):
    folder = folder_of(tmp_path, small_week())
    with pytest.raises(OptionError, match="inside the input"):
        solve_folder(folder, folder / "out", time_limit=2)


def test_prepare_reads_locks_previous_and_warnings(tmp_path):
    problem = generate("small", 1)
    folder = folder_of(tmp_path, problem, "")
    job = prepare(folder)
    assert job.locked == () and job.locks_file == folder / "locked.csv"
    assert job.candidates.problem is job.problem
    assert all(isinstance(w, str) and w for w in job.warnings)
    with pytest.raises(InputError):
        prepare(folder, previous=tmp_path / "missing.csv")


def test_formats_are_parsed_in_one_place():
    assert parse_formats("XLSX, html") == {"csv", "xlsx", "html"}
    assert parse_formats(["ics"]) == {"csv", "ics"}
    with pytest.raises(OptionError, match="choose from csv, html, ics, xlsx"):
        parse_formats("docx")
