"""Solving a district folder: what `kecheng solve` and `solve-batch` both do, in one place."""

from __future__ import annotations

import json
from pathlib import Path

import plan_builders as pb
import pytest
from builders import district, group, venue

from kecheng import InputError, LockError, OptionError, check, generate, load
from kecheng.planning import synthetic_orders
from kecheng.reading import read_timetable
from kecheng.reading.plan import load_plan
from kecheng.report import parse_formats
from kecheng.timetable import Placement, to_frame
from kecheng.workflow import (
    OUTPUT_S_PER_ORDER,
    PLAN_FILES,
    PLAN_TIMETABLE_SHARE,
    plan_folder,
    prepare,
    solve_folder,
    suggest_folder,
)
from kecheng.writing import write_problem, write_problem_json, write_table

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


# --------------------------------------------------------------------- residents' orders (kecheng plan)


def plan_input(tmp_path: Path, pp, name: str = "plan") -> Path:
    folder = tmp_path / name
    write_problem(pp.problem, folder, tables=pp.tables())
    return folder


def across_the_border():
    """7 residents of C1 and 1 of C2 (700 m away) order I1 (min 8): exactly one group opens."""
    problem = pb.district([pb.venue("V1")], [pb.teacher("T1", "I1")], [("T1", 1, "09:00", "12:00")])
    residents = [pb.resident(f"R{n}") for n in range(1, 8)] + [pb.resident("R8", "C2")]
    return pb.plan_problem(
        problem, [pb.interest("I1")], residents, [pb.order(f"R{n}", "I1") for n in range(1, 9)]
    )


def test_plan_folder_writes_the_planned_week_as_an_input(tmp_path):
    folder = plan_input(tmp_path, across_the_border())
    out = tmp_path / "out"
    result = plan_folder(folder, out, time_limit=10, workers=1)
    assert list(result.new_group_ids) == ["N0001"]
    assert {p.name for p in out.iterdir()} == {"input", *PLAN_FILES}
    week = load(out / "input")
    assert week.group["N0001"].size == 8 and len(week.members) == 8
    assert check(week, read_timetable(out / "timetable.csv")) == []
    assert load_plan(out / "input").orders == load_plan(folder).orders  # the orders go along, for suggest
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["orders_met"], summary["groups_opened"], summary["gap"]) == (8, 1, 0.0)
    assert summary["running_timetable"] == {"source": "none"}  # no running groups: nothing solved first


def test_plan_keeps_the_running_groups_where_previous_has_them(tmp_path):
    made = synthetic_orders(generate("small", 5, groups=12), 5)
    folder = plan_input(tmp_path, made.plan_problem())
    last = tmp_path / "last"
    solve_folder(folder, last, time_limit=3, workers=1)
    before = read_timetable(last / "timetable.csv")
    out = tmp_path / "out"
    result = plan_folder(folder, out, previous=last / "timetable.csv", time_limit=8, workers=1)
    after = read_timetable(out / "timetable.csv")
    slot = ["group_id", "weekday", "venue_id", "start", "end"]
    kept = set(map(tuple, after[slot].values.tolist()))
    assert set(map(tuple, before[slot].values.tolist())) <= kept
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["running_timetable"]["source"] == "previous"
    assert summary["running_timetable"]["changes"]["moved"] == 0
    assert any("--previous" in note for note in summary["notes"])
    assert check(load(out / "input"), after) == [] and result.check() == ([], [])


def test_the_time_limit_covers_the_running_groups_the_plan_and_the_files(tmp_path):
    made = synthetic_orders(generate("small", 5, groups=12), 5)
    folder = plan_input(tmp_path, made.plan_problem())
    heard: dict[str, dict] = {}
    plan_folder(
        folder, tmp_path / "out", time_limit=20, workers=1, on_event=lambda k, f: heard.setdefault(k, f)
    )
    files = OUTPUT_S_PER_ORDER * len(made.plan_problem().orders)
    assert heard["timetable"]["seconds"] == PLAN_TIMETABLE_SHARE * 20
    assert heard["plan"]["seconds"] == pytest.approx(
        20 - PLAN_TIMETABLE_SHARE * 20 - files
    )  # one worker: as planned
    assert files > 0.01


def test_settings_csv_cannot_hold_go_to_input_json(tmp_path):
    pp = across_the_border()
    tables = {name: getattr(pp.problem, name) for name in type(pp.problem).model_fields}
    coarse = type(pp.problem)(**(tables | {"grid_min": 30}))
    path = tmp_path / "plan.json"
    write_problem_json(coarse, path, pp.tables())
    out = tmp_path / "out"
    plan_folder(path, out, time_limit=5, workers=1)
    assert load(out / "input.json").grid_min == 30
    notes = json.loads((out / "summary.json").read_text(encoding="utf-8"))["notes"]
    assert any("grid_min" in note and "input.json" in note for note in notes)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"time_limit": -1}, "time limit"),
        ({"workers": -2}, "workers"),
        ({"csv_encoding": "latin-1"}, "latin-1"),
    ],
)
def test_wrong_plan_options_fail_before_anything_is_read(tmp_path, options, words):
    with pytest.raises(OptionError, match=words):
        plan_folder(tmp_path / "nowhere", tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_a_wrong_weights_file_or_an_out_inside_the_input_stop_a_plan(tmp_path):
    weights = tmp_path / "plan_weights.toml"
    weights.write_text("[weights]\nfirst_group = 2\nfriends = 3\n", encoding="utf-8")
    with pytest.raises(OptionError, match="known weights"):
        plan_folder(tmp_path / "nowhere", tmp_path / "out", weights=weights)
    folder = plan_input(tmp_path, across_the_border())
    with pytest.raises(OptionError, match="inside the input"):
        plan_folder(folder, folder / "out")
    with pytest.raises(InputError, match="not an input for kecheng plan"):
        plan_folder(folder_of(tmp_path, small_week()), tmp_path / "out2")


def suggest_case(tmp_path: Path) -> tuple[Path, Path]:
    """G1 (Mon 09:00, a seat) near C1; G2 at C3, 11 km away. R1 is free, R2 is not in the morning."""
    running = dict(category="arts", sessions_per_week=1, duration_min=60, max_walk_m=20000.0, size=10)
    problem = pb.district(
        [pb.venue("V1"), pb.venue("V3", community="C3")],
        [pb.teacher("T1", "I1"), pb.teacher("T2", "I1")],
        [("T1", 1, "09:00", "10:00"), ("T2", 2, "09:00", "10:00")],
        groups=[
            dict(
                group_id="G1",
                name="太极晨练",
                community_id="C1",
                teacher_id="T1",
                interest_id="I1",
                **running,
            ),
            dict(
                group_id="G2",
                name="远方太极",
                community_id="C3",
                teacher_id="T2",
                interest_id="I1",
                **running,
            ),
        ],
    )
    residents = [pb.resident("R1"), pb.resident("R2", available="afternoon")]
    pp = pb.plan_problem(problem, [pb.interest("I1")], residents, [pb.order(r, "I1") for r in ("R1", "R2")])
    timetable = tmp_path / "timetable.csv"
    write_table(
        to_frame([Placement("G1", 1, "V1", "T1", 1, 540, 600), Placement("G2", 1, "V3", "T2", 2, 540, 600)]),
        timetable,
    )
    return plan_input(tmp_path, pp), timetable


def test_suggest_folder_answers_a_resident_and_a_community(tmp_path):
    folder, timetable = suggest_case(tmp_path)
    found = suggest_folder(folder, timetable, resident_id="R1")
    assert list(found.frame.group_id) == ["G1"] and found.seconds < 1.0
    row = found.table.iloc[0]
    assert row["group"] == "太极晨练 (G1)" and row["when"] == "Mon 09:00–10:00" and row["ordered_rank"] == 1
    assert suggest_folder(folder, timetable, resident_id="R2").frame.empty  # not free in the morning
    near = suggest_folder(folder, timetable, interest_id="I1", community_id="C3")
    assert list(near.frame.group_id) == ["G2"] and "C3" in near.about
    zh = suggest_folder(folder, timetable, resident_id="R1", lang="zh")
    assert zh.table.iloc[0]["when"] == "周一 09:00–10:00"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ({}, "give --resident"),
        ({"resident_id": "R1", "interest_id": "I1", "community_id": "C1"}, "give --resident"),
        ({"interest_id": "I1"}, "give --resident"),
        ({"resident_id": "R9"}, "no resident 'R9'"),
        ({"interest_id": "I1", "community_id": "C9"}, "no community 'C9'"),
    ],
)
def test_suggest_questions_that_name_nobody(tmp_path, question, words):
    folder, timetable = suggest_case(tmp_path)
    with pytest.raises(OptionError, match=words):
        suggest_folder(folder, timetable, **question)


def test_suggest_refuses_a_timetable_of_another_district(tmp_path):
    folder, timetable = suggest_case(tmp_path)
    write_table(to_frame([Placement("G1", 1, "V9", "T1", 1, 540, 600)]), timetable)
    with pytest.raises(InputError, match="V9"):
        suggest_folder(folder, timetable, resident_id="R1")
