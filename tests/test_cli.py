"""The command line end to end: exit codes, the files it writes, and what staff read.

Most commands run in-process through typer's CliRunner; the solve of the bundled
example runs once as a real process of the installed ``kecheng`` script, so the
exit code and the absence of a traceback are those a user would see.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cli_helpers import busy_cores, invoke, read_rows

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "small"
TABLE_FILES = {
    "communities.csv",
    "venues.csv",
    "opening_hours.csv",
    "teachers.csv",
    "availability.csv",
    "groups.csv",
    "members.csv",
}
OUTPUT_FILES = {"timetable.csv", "unscheduled.csv", "summary.json"}


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under folder (hidden ones too) → hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def clock(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"


def rule_lines(output: str, rule: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"{rule}:")]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example solved by the installed console script, in a real process."""
    script = Path(sys.executable).parent / "kecheng"
    if not script.exists():
        found = shutil.which("kecheng")
        assert found, "the kecheng console script is not installed next to the interpreter"
        script = Path(found)
    out = tmp_path_factory.mktemp("solved") / "out"
    before = snapshot(EXAMPLE)
    proc = subprocess.run(
        [str(script), "solve", str(EXAMPLE), "--out", str(out), "--time-limit", "5", "--workers", "2"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith(("OPTIMAL:", "FEASIBLE:")), proc.stdout
    assert snapshot(EXAMPLE) == before, "solve changed its input folder"
    return out


def test_solve_writes_the_three_files_with_a_consistent_summary(solved: Path):
    assert {p.name for p in solved.iterdir()} >= OUTPUT_FILES
    summary = json.loads((solved / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] in {"OPTIMAL", "FEASIBLE"}
    asked = sum(int(row["sessions_per_week"]) for row in read_rows(EXAMPLE / "groups.csv"))
    assert summary["sessions_total"] == asked
    assert summary["sessions_scheduled"] + summary["sessions_unscheduled"] == asked
    timetable, unscheduled = read_rows(solved / "timetable.csv"), read_rows(solved / "unscheduled.csv")
    assert len(timetable) == summary["sessions_scheduled"]
    assert len(unscheduled) == summary["sessions_unscheduled"]
    assert summary["sessions_scheduled"] > 0
    assert summary["bound"] is None or summary["objective"] <= summary["bound"] + 1e-6
    assert summary["objective"] >= summary["greedy_objective"]
    assert Counter(row["reason"] for row in unscheduled) == Counter(summary["unscheduled_by_reason"])


def test_every_session_asked_for_is_placed_or_explained_exactly_once(solved: Path):
    asked = Counter(
        (row["group_id"], session)
        for row in read_rows(EXAMPLE / "groups.csv")
        for session in range(1, int(row["sessions_per_week"]) + 1)
    )
    given = Counter(
        (row["group_id"], int(row["session"]))
        for name in ("timetable.csv", "unscheduled.csv")
        for row in read_rows(solved / name)
    )
    assert given == asked
    assert all(row["detail"].strip() for row in read_rows(solved / "unscheduled.csv"))


def test_check_accepts_the_solved_timetable(solved: Path):
    result = invoke("check", EXAMPLE, solved / "timetable.csv")
    assert result.exit_code == 0, result.output
    rows = len(read_rows(solved / "timetable.csv"))
    assert f"OK: {rows} sessions, no rule broken" in result.output


def test_check_names_a_venue_clash(solved: Path, tmp_path: Path):
    rows = read_rows(solved / "timetable.csv")
    # Move the second session into the first one's venue, day and start, keeping its own length.
    a, b = next((a, b) for a in rows for b in rows if a["group_id"] != b["group_id"])
    length = minutes(b["end"]) - minutes(b["start"])
    b.update(venue_id=a["venue_id"], weekday=a["weekday"], start=a["start"])
    b["end"] = clock(minutes(a["start"]) + length)
    write_rows(tmp_path / "timetable.csv", rows)

    result = invoke("check", EXAMPLE, tmp_path / "timetable.csv")
    assert result.exit_code == 1, result.output
    clashes = rule_lines(result.output, "VENUE_CLASH")
    assert any(a["group_id"] in line and b["group_id"] in line for line in clashes), result.output
    assert re.search(r"\n\d+ violations? in \d+ sessions\n", result.output), result.output


def test_check_names_a_venue_too_small(solved: Path, tmp_path: Path):
    capacity = {row["venue_id"]: int(row["capacity"]) for row in read_rows(EXAMPLE / "venues.csv")}
    size = {row["group_id"]: int(row["size"]) for row in read_rows(EXAMPLE / "groups.csv")}
    smallest = min(capacity, key=capacity.__getitem__)
    rows = read_rows(solved / "timetable.csv")
    victim = next(row for row in rows if size[row["group_id"]] > capacity[smallest])
    victim["venue_id"] = smallest
    write_rows(tmp_path / "timetable.csv", rows)

    result = invoke("check", EXAMPLE, tmp_path / "timetable.csv")
    assert result.exit_code == 1, result.output
    lines = rule_lines(result.output, "CAPACITY")
    assert any(victim["group_id"] in line and smallest in line for line in lines), result.output


def test_check_of_a_timetable_that_is_not_there_is_an_input_error(tmp_path: Path):
    result = invoke("check", EXAMPLE, tmp_path / "timetable.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_validate_accepts_the_example():
    result = invoke("validate", EXAMPLE)
    assert result.exit_code == 0, result.output
    groups = len(read_rows(EXAMPLE / "groups.csv"))
    assert result.output.startswith("OK:")
    assert f"{groups} groups" in result.output


def test_validate_reports_every_broken_cell_with_file_row_and_column(tmp_path: Path):
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE, broken)
    venues = read_rows(broken / "venues.csv")
    venues[2]["capacity"] = "abc"  # spreadsheet row 4 (the header is row 1)
    write_rows(broken / "venues.csv", venues)
    groups = read_rows(broken / "groups.csv")
    groups[4]["teacher_id"] = "T-NOBODY"  # spreadsheet row 6
    write_rows(broken / "groups.csv", groups)

    result = invoke("validate", broken)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    assert any(
        line.startswith('venues.csv, row 4, column "capacity"') and '"abc"' in line for line in lines
    ), result.output
    assert any(
        line.startswith('groups.csv, row 6, column "teacher_id"') and '"T-NOBODY"' in line for line in lines
    ), result.output
    assert "Traceback" not in result.output


def test_solve_refuses_to_write_into_its_input(tmp_path: Path):
    folder = tmp_path / "input"
    shutil.copytree(EXAMPLE, folder)
    before = snapshot(folder)
    for out in (folder, folder / "results"):
        result = invoke("solve", folder, "--out", out, "--time-limit", "2", "--workers", "2")
        assert result.exit_code == 2, result.output
        assert "choose another --out" in result.output
    assert snapshot(folder) == before
    assert not (folder / "results").exists()


def test_solve_to_an_out_that_is_a_file_is_a_plain_error(tmp_path: Path):
    out = tmp_path / "timetable.csv"
    out.write_text("keep me\n", encoding="utf-8")
    result = invoke("solve", EXAMPLE, "--out", out, "--time-limit", "1", "--workers", "2")
    assert result.exit_code == 2, result.output
    assert out.read_text(encoding="utf-8") == "keep me\n"


def test_solve_of_a_missing_input_is_a_plain_error(tmp_path: Path):
    out = tmp_path / "out"
    result = invoke("solve", tmp_path / "nowhere", "--out", out, "--time-limit", "2", "--workers", "2")
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "nowhere" in result.output and "does not exist" in result.output
    assert not out.exists()


def test_validate_of_a_missing_input_is_a_plain_error(tmp_path: Path):
    result = invoke("validate", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_generate_writes_seven_valid_tables_and_is_deterministic(tmp_path: Path):
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = invoke("generate", out, "--preset", "small", "--seed", "3")
        assert result.exit_code == 0, result.output
    assert {p.name for p in first.iterdir()} == TABLE_FILES
    assert snapshot(first) == snapshot(second)
    assert all(read_rows(first / name) for name in TABLE_FILES - {"members.csv"})

    result = invoke("validate", first)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK:")


def test_generate_with_another_seed_differs(tmp_path: Path):
    for seed in (3, 4):
        assert invoke("generate", tmp_path / str(seed), "--preset", "small", "--seed", seed).exit_code == 0
    assert snapshot(tmp_path / "3") != snapshot(tmp_path / "4")


def test_generate_rejects_an_unknown_preset(tmp_path: Path):
    result = invoke("generate", tmp_path / "out", "--preset", "enormous")
    assert result.exit_code == 2
    assert "unknown preset" in result.output
    assert not (tmp_path / "out").exists()


def test_same_input_and_seed_with_one_worker_give_the_same_files_in_every_process(tmp_path: Path):
    """Whatever Python's string hashing (PYTHONHASHSEED), the model is built in one order; and however
    busy the machine is, one worker stops on CP-SAT's deterministic clock (the second run shares
    the machine with two processes that keep every core of a CI runner busy)."""
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"out{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-m", "kecheng", "solve", str(EXAMPLE), "--out", str(out)]
        with busy_cores(2 if hash_seed == "2" else 0):
            done = subprocess.run(
                [*command, "--time-limit", "6", "--workers", "1", "--seed", "3", "-q"],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outs.append(out)
    for name in ("timetable.csv", "unscheduled.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--time-limit", "-5"], "time limit must be a number of seconds greater than 0, not -5"),
        (["--time-limit", "0"], "time limit must be a number of seconds greater than 0"),
        (["--time-limit", "nan"], "not nan"),
        (["--workers", "-3"], "workers must be a whole number: 0 (every core) or more, not -3"),
        (["--seed", "-1"], "seed must be a whole number 0 or more"),
        (["--formats", "csv,pdf"], "--formats: unknown pdf"),
    ],
)
def test_wrong_options_exit_2_with_a_plain_message_and_write_nothing(tmp_path: Path, option, words):
    result = invoke("solve", EXAMPLE, "--out", tmp_path / "out", *option)
    assert result.exit_code == 2 and words in result.output
    assert not (tmp_path / "out").exists()


def test_version_and_python_dash_m(tmp_path: Path):
    from kecheng import __version__

    assert invoke("--version").output.strip() == f"kecheng {__version__}"
    done = subprocess.run([sys.executable, "-m", "kecheng", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"kecheng {__version__}"
