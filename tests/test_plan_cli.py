"""`kecheng plan`, `kecheng suggest` and `kecheng generate --orders` end to end (issue #16).

A small generated district with orders is planned once (module fixture); the tests read what
the command wrote as staff and other programs would: the planned week must be a kecheng input
that `kecheng solve` and `kecheng check` accept, every order must have exactly one row in
assignments.csv, and summary.json must carry the issue's figures. Bad plan input exits with
code 2 and located lines, never a traceback; Chinese comes out under --lang zh.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cli_helpers import busy_cores, invoke
from cli_helpers import read_rows as rows

from kecheng import i18n
from kecheng.planning import SuggestIndex, suggest
from kecheng.planning.reasons import REASONS as REASONS_UNMET
from kecheng.reading import read_placements
from kecheng.reading.plan import load_plan

PLAN_FILES = {"timetable.csv", "unscheduled.csv", "assignments.csv", "demand.csv", "summary.json", "input"}
SUMMARY_FIELDS = {
    "orders_met",
    "orders_met_share",
    "first_choices_met",
    "residents_with_group",
    "residents_with_group_share",
    "groups_opened",
    "mean_fill",
    "walk_mean_m",
    "walk_p95_m",
    "lowest_community",
    "lowest_community_met_share",
    "objective",
    "bound",
    "gap",
}
LOCATED = re.compile(r'^(interests|residents|orders)\.csv, row \d+, column "[^"]+"( \[\w+\])?: ')


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan") / "district"
    result = invoke("generate", folder, "--preset", "small", "--groups", "24", "--seed", "3", "--orders")
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def planned(generated: Path) -> tuple[Path, str]:
    out = generated.parent / "planned"
    result = invoke("plan", generated, "--out", out, "--time-limit", "8", "--workers", "1", "--seed", "1")
    assert result.exit_code == 0, result.output
    return out, result.output


def test_plan_with_one_worker_writes_the_same_files_in_every_process(generated: Path, tmp_path: Path):
    """Whatever the string hashing, and with two cores kept busy during the second run: one
    worker counts every budget in work done (the search, the bound), never on the wall clock."""
    outs = []
    for hash_seed, burners in (("1", 0), ("2", 2)):
        out = tmp_path / f"out{hash_seed}"
        command = [sys.executable, "-m", "kecheng", "plan", str(generated), "--out", str(out)]
        with busy_cores(burners):
            done = subprocess.run(
                [*command, "--time-limit", "5", "--workers", "1", "--seed", "2"],
                env={**os.environ, "PYTHONHASHSEED": hash_seed}, capture_output=True, text=True, check=False,
            )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outs.append(out)
    for name in ("timetable.csv", "assignments.csv", "demand.csv", "input/groups.csv", "input/members.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    first, second = (json.loads((out / "summary.json").read_text(encoding="utf-8")) for out in outs)
    assert first["bound"] == second["bound"] and first["objective"] == second["objective"]


def test_generate_orders_writes_the_three_tables_deterministically(generated: Path, tmp_path: Path):
    for name in ("interests.csv", "residents.csv", "orders.csv"):
        assert (generated / name).is_file()
    assert "with" in rows(generated / "orders.csv")[0]
    assert any(row["interests"] for row in rows(generated / "teachers.csv"))
    assert all(row["interest_id"] for row in rows(generated / "groups.csv"))
    again = tmp_path / "again"
    invoke("generate", again, "--preset", "small", "--groups", "24", "--seed", "3", "--orders")
    for name in ("interests.csv", "residents.csv", "orders.csv", "teachers.csv", "groups.csv"):
        assert (again / name).read_bytes() == (generated / name).read_bytes(), name
    other = tmp_path / "other"
    invoke("generate", other, "--preset", "small", "--groups", "24", "--seed", "4", "--orders")
    assert (other / "orders.csv").read_bytes() != (generated / "orders.csv").read_bytes()


def test_generate_orders_into_one_json_file_is_read_back_as_a_plan(tmp_path: Path):
    path = tmp_path / "district.json"
    assert invoke("generate", path, "--preset", "small", "--groups", "12", "--orders").exit_code == 0
    pp = load_plan(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(pp.orders) == len(data["orders"]) > 0
    assert sum(1 for o in pp.orders if o.with_) == sum(1 for o in data["orders"] if o.get("with"))


def test_plan_writes_its_folder_and_a_summary_line(planned: tuple[Path, str]):
    out, output = planned
    assert {p.name for p in out.iterdir()} >= PLAN_FILES
    assert re.search(r"\d+ of \d+ orders met \(\d+\.\d%\)", output), output
    assert "groups opened" in output and "gap" in output
    assert "planning" in output  # the start line (stderr, mixed in by the runner)


def test_summary_has_the_figures_the_issue_asks_for(planned: tuple[Path, str], generated: Path):
    out, _ = planned
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) >= SUMMARY_FIELDS
    orders = rows(generated / "orders.csv")
    assert summary["orders"] == len(orders)
    assert 0 <= summary["orders_met"] <= summary["orders"]
    assert summary["bound_orders"] >= summary["orders_met"]
    assert 0.0 <= summary["gap"] <= 1.0
    assert summary["checked"] == {"violations": 0, "plan_violations": 0}
    assert summary["running_timetable"]["source"] == "solved"  # no --previous: solved first, and said so
    assert any("--previous" in note for note in summary["notes"])


def test_assignments_have_one_row_per_order_with_a_reason_for_each_unmet(
    planned: tuple[Path, str], generated: Path
):
    out, _ = planned
    orders = rows(generated / "orders.csv")
    assignments = rows(out / "assignments.csv")
    assert list(assignments[0]) == ["resident_id", "interest_id", "rank", "group_id", "reason", "detail"]
    key = ("resident_id", "interest_id", "rank")
    assert Counter(tuple(r[k] for k in key) for r in assignments) == Counter(
        tuple(o[k] for k in key) for o in orders
    )
    for row in assignments:
        assert bool(row["group_id"]) != bool(row["reason"]), row
        assert row["reason"] in {"", *REASONS_UNMET}
        assert row["detail"].strip()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sum(1 for r in assignments if r["group_id"]) == summary["orders_met"]


def test_the_planned_week_is_an_input_that_solve_and_check_accept(planned: tuple[Path, str], tmp_path: Path):
    out, _ = planned
    checked = invoke("check", out / "input", out / "timetable.csv")
    assert checked.exit_code == 0, checked.output
    solved = invoke(
        "solve", out / "input", "--out", tmp_path / "again", "--time-limit", "3", "--workers", "1"
    )
    assert solved.exit_code == 0, solved.output
    assert invoke("check", out / "input", tmp_path / "again" / "timetable.csv").exit_code == 0


def test_new_groups_are_whole_within_their_sizes_and_hold_the_met_orders(
    planned: tuple[Path, str], generated: Path
):
    out, _ = planned
    groups = {g["group_id"]: g for g in rows(out / "input" / "groups.csv")}
    interests = {i["interest_id"]: i for i in rows(generated / "interests.csv")}
    members = Counter((m["member_id"], m["group_id"]) for m in rows(out / "input" / "members.csv"))
    placed = Counter(row["group_id"] for row in rows(out / "timetable.csv"))
    new = [g for g in groups.values() if g["group_id"].startswith("N")]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(new) == summary["groups_opened"]
    for g in new:
        interest = interests[g["interest_id"]]
        assert int(interest["min_size"]) <= int(g["size"]) <= int(interest["max_size"]), g
        assert placed[g["group_id"]] == int(g["sessions_per_week"]), g  # opened only if wholly timetabled
        assert sum(1 for m, gid in members if gid == g["group_id"]) == int(g["size"])
    for row in rows(out / "assignments.csv"):
        if row["group_id"]:
            assert members[row["resident_id"], row["group_id"]] == 1, row


def test_suggest_lists_what_the_library_suggests_best_first(planned: tuple[Path, str]):
    out, _ = planned
    pp = load_plan(out / "input")
    placements = read_placements(out / "timetable.csv")
    index = SuggestIndex(pp, placements)
    asked = next((r.resident_id for r in pp.residents if not index.for_resident(r.resident_id).empty), None)
    assert asked is not None, "no resident has a group to join in this plan"
    expected = list(suggest(pp, placements, asked).group_id)
    result = invoke("suggest", out / "input", "--timetable", out / "timetable.csv", "--resident", asked)
    assert result.exit_code == 0, result.output
    assert re.search(r"answered in \d+ ms", result.output)
    listed = [g for line in result.output.splitlines() for g in re.findall(r"\(([GN]\d+)\)", line)]
    assert listed == expected
    group = expected[0]
    interest_id = pp.problem.group[group].interest_id if group in pp.problem.group else None
    if interest_id:
        community = pp.problem.group[group].community_id
        near = invoke(
            "suggest", out / "input", "--timetable", out / "timetable.csv", "--interest", interest_id,
            "--community", community,
        )  # fmt: skip
        assert near.exit_code == 0 and f"({group})" in near.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--resident", "NOBODY"], "no resident 'NOBODY'"),
        ([], "give --resident R, or --interest I with --community C"),
        (["--interest", "I01"], "give --resident R, or --interest I with --community C"),
        (["--interest", "I99", "--community", "C001"], "no interest 'I99'"),
    ],
)
def test_suggest_questions_that_name_nobody_exit_2(planned: tuple[Path, str], args, words):
    out, _ = planned
    result = invoke("suggest", out / "input", "--timetable", out / "timetable.csv", *args)
    assert result.exit_code == 2 and words in result.output, result.output


def test_plan_refuses_a_district_without_orders(tmp_path: Path):
    folder = tmp_path / "district"
    invoke("generate", folder, "--preset", "small", "--groups", "6")
    result = invoke("plan", folder, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "is not an input for kecheng plan" in result.output and "kecheng solve" in result.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ bad plan input, corpus-style

CASES = {
    "unknown interest": (
        {"orders": ("R1,I1,1,", "R1,I9,1,")},
        ['orders.csv, row 2, column "interest_id": "I9" no such id in interests'],
    ),
    "unknown resident": (
        {"orders": ("R2,I1,1,", "R7,I1,1,")},
        ['orders.csv, row 3, column "resident_id": "R7" no such id in residents'],
    ),
    "rank 0": (
        {"orders": ("R1,I1,1,", "R1,I1,0,")},
        ['orders.csv, row 2, column "rank": "0" must be at least 1'],
    ),
    "min_size above max_size": (
        {"interests": (",8,20,", ",25,20,")},
        ['interests.csv, row 2, column "min_size": "25" is larger than max_size (20)'],
    ),
    "the same interest twice": (
        {"orders": ("R2,I2,2,", "R2,I1,2,")},
        ['orders.csv, row 4, column "interest_id": "I1" R2 orders I1 more than once'],
    ),
    "with an unknown resident": (
        {"orders": ("R2,I1,1,R1", "R2,I1,1,R9")},
        ['orders.csv, row 3, column "with": "R9" no such id in residents'],
    ),
    "all at once": (
        {
            "orders": ("R1,I1,1,\nR2,I1,1,R1\nR2,I2,2,", "R1,I9,0,\nR7,I1,1,R1\nR2,I2,2,"),
            "interests": (",8,20,", ",25,20,"),
        },
        [
            'interests.csv, row 2, column "min_size"',
            'orders.csv, row 2, column "interest_id": "I9"',
            'orders.csv, row 2, column "rank": "0"',
            'orders.csv, row 3, column "resident_id": "R7"',
        ],
    ),
}


def plan_folder(tmp_path: Path, changes: dict[str, tuple[str, str]]) -> Path:
    """A tiny valid plan input (two residents of C1 ordering I1 and I2), one thing broken."""
    folder = tmp_path / "in"
    folder.mkdir()
    files = {
        "communities": "community_id,name,street,lat,lon\nC1,星光社区,人和街道,29.60,106.50\n",
        "venues": "venue_id,name,community_id,capacity\nV1,活动室,C1,30\n",
        "opening_hours": "venue_id,weekday,open,close\nV1,1,08:00,12:00\n",
        "teachers": "teacher_id,name,interests,max_groups\nT1,王老师,I1;I2,2\n",
        "availability": "teacher_id,weekday,start,end\nT1,1,08:00,12:00\n",
        "groups": "group_id,name,category,community_id,size,sessions_per_week,duration_min,teacher_id\n",
        "interests": "interest_id,name,category,min_size,max_size,sessions_per_week,duration_min\n"
        "I1,太极拳,sports,8,20,1,60\nI2,合唱,arts,10,30,1,60\n",
        "residents": "resident_id,community_id\nR1,C1\nR2,C1\n",
        "orders": "resident_id,interest_id,rank,with\nR1,I1,1,\nR2,I1,1,R1\nR2,I2,2,\n",
    }
    for table, (old, new) in changes.items():
        assert old in files[table], (table, old)
        files[table] = files[table].replace(old, new, 1)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_the_tiny_plan_input_is_valid(tmp_path: Path):
    result = invoke("validate", plan_folder(tmp_path, {}))
    assert result.exit_code == 0, result.output
    assert "for kecheng plan: 2 interests, 2 residents, 3 orders" in result.output
    assert "warning" not in result.output  # no running groups is no "nothing to schedule": groups open


def test_validate_and_plan_warn_of_an_interest_needing_what_no_venue_has(tmp_path: Path):
    rows = ("min\nI1,太极拳,sports,8,20,1,60\nI2,合唱,arts,10,30,1,60\n", "min,required_features\n"
            "I1,太极拳,sports,8,20,1,60,kiln\nI2,合唱,arts,10,30,1,60,\n")  # fmt: skip
    folder = plan_folder(tmp_path, {"interests": rows})
    text = "warning: interest 太极拳 (I1): it needs kiln, which no venue has"
    assert text in invoke("validate", folder).output
    result = invoke("plan", folder, "--out", tmp_path / "out", "--time-limit", "2")
    assert result.exit_code == 0, result.output
    assert text in result.output


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_plan_input_exits_2_with_located_lines(tmp_path: Path, case: str):
    changes, expected = CASES[case]
    folder = plan_folder(tmp_path, changes)
    result = invoke("plan", folder, "--out", tmp_path / "out", "--time-limit", "2")
    assert result.exit_code == 2, result.output
    for fragment in expected:
        assert fragment in result.output, (fragment, result.output)
    problems = [line for line in result.output.splitlines() if line.startswith(("orders", "interests"))]
    assert problems and all(LOCATED.match(line) for line in problems), problems
    assert "Nothing was planned" in result.output
    assert not (tmp_path / "out").exists()
    assert invoke("validate", folder).exit_code == 2  # validate reads the orders too


# ------------------------------------------------------------------ Chinese


def test_chinese_plan_and_errors_under_lang_zh(tmp_path: Path, generated: Path):
    try:
        bad = invoke(
            "--lang", "zh", "plan", plan_folder(tmp_path, CASES["rank 0"][0]), "--out", tmp_path / "x"
        )
        assert bad.exit_code == 2
        assert "orders.csv，第 2 行，“rank”列：“0” 至少为 1" in bad.output, bad.output
        out = tmp_path / "zh"
        done = invoke("--lang", "zh", "plan", generated, "--out", out, "--time-limit", "3", "--workers", "1")
    finally:
        i18n.set_language(None)
    assert done.exit_code == 0, done.output
    assert "满足点单" in done.output and "正在规划" in done.output
    details = [row["detail"] for row in rows(out / "assignments.csv")]
    assert all(re.search(r"[\u4e00-\u9fff]", d) for d in details)
    assert any(d.startswith(("加入", "已是成员")) for d in details)
    assert {row["reason"] for row in rows(out / "assignments.csv")} <= {
        "",
        *REASONS_UNMET,
    }  # codes stay English
