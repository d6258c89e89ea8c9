"""Weekly operations: preferences, last week's timetable, locks, teacher travel, diff."""

from __future__ import annotations

import json

import pytest
from builders import HOME, district, group, venue
from typer.testing import CliRunner

from kecheng import LockError, check, solve, writing
from kecheng.changes import compare, diff, format_diff
from kecheng.cli import app
from kecheng.timetable import Placement
from kecheng.weights import Weights, load_weights

ALL_DAY = "07:00", "22:00"


def open_all_week(*venues: str) -> list:
    return [(v, d, *ALL_DAY) for v in venues for d in range(1, 8)]


def free_all_week(*teachers: str) -> list:
    return [(t, d, *ALL_DAY) for t in teachers for d in range(1, 8)]


def at(gid: str, session: int, vid: str, teacher: str, day: int, start: str, minutes: int = 60) -> Placement:
    h, m = map(int, start.split(":"))
    return Placement(gid, session, vid, teacher, day, h * 60 + m, h * 60 + m + minutes)


def test_time_preferences_are_met_when_they_cost_nothing():
    problem = district(
        venues=[venue("V1")],
        opening=open_all_week("V1"),
        teachers=["T1", "T2"],
        availability=free_all_week("T1", "T2"),
        groups=[
            group("G1", "T1", sessions=2, preferred_times="evening", preferred_weekdays="2;4"),
            group("G2", "T2", preferred_times="6@09:00-11:00"),
        ],
    )
    result = solve(problem, time_limit=5, workers=1)
    assert check(problem, result.timetable) == []
    rows = {(p.group_id, p.weekday): p for p in result.placements}
    assert sorted(day for g, day in rows if g == "G1") == [2, 4]
    assert all(p.start >= 18 * 60 and p.end <= 22 * 60 for p in result.placements if p.group_id == "G1")
    assert rows["G2", 6].start >= 9 * 60 and rows["G2", 6].end <= 11 * 60
    assert result.terms["time_preference_share"] == 1.0


def test_a_preference_never_costs_a_placed_session():
    # One venue, open 09:00-11:00 and 14:00-15:00 on Monday: only one 2-hour morning.
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", 1, "09:00", "11:00"), ("V1", 1, "14:00", "16:00")],
        teachers=["T1", "T2"],
        availability=free_all_week("T1", "T2"),
        groups=[
            group("G1", "T1", minutes=120, preferred_times="morning"),
            group("G2", "T2", minutes=120, preferred_times="morning"),
        ],
    )
    result = solve(problem, time_limit=5, workers=1)
    assert result.sessions_scheduled == 2
    assert result.terms["time_preference_met"] == 1
    assert result.terms["time_preference_share"] == 0.5


def test_own_community_then_nearer_venues_are_preferred():
    north = HOME[0] + 0.0045  # about 500 m
    problem = district(
        venues=[
            venue("FAR_OWN", lat=north, lon=HOME[1]),  # own community, 500 m
            venue("NEAR_OTHER", community="C2", lat=HOME[0] + 0.0027, lon=HOME[1]),  # other community, 300 m
            venue("NEAR_OWN_2", lat=HOME[0] + 0.0080, lon=HOME[1]),  # own community, 890 m
        ],
        opening=open_all_week("FAR_OWN", "NEAR_OTHER", "NEAR_OWN_2"),
        teachers=["T1"],
        availability=free_all_week("T1"),
        groups=[group("G1", "T1")],
    )
    result = solve(problem, time_limit=5, workers=1)
    assert [p.venue_id for p in result.placements] == ["FAR_OWN"]


def test_last_weeks_sessions_are_kept_and_only_invalid_ones_move():
    problem = district(
        venues=[venue("V1"), venue("V2")],
        opening=open_all_week("V1") + [("V2", d, *ALL_DAY) for d in (1, 2, 3)],  # V2 closes Thu-Sun
        teachers=["T1", "T2"],
        availability=free_all_week("T1", "T2"),
        groups=[group("G1", "T1", sessions=2), group("G2", "T2"), group("G3", "T2")],
    )
    previous = [
        at("G1", 1, "V1", "T1", 3, "19:15"),
        at("G1", 2, "V2", "T1", 5, "10:00"),  # V2 is closed on Fridays now
        at("G2", 1, "V2", "T2", 2, "16:45"),
        at("GONE", 1, "V1", "T9", 1, "09:00"),  # a group that no longer exists
    ]
    result = solve(problem, time_limit=5, workers=1, previous=previous)
    assert check(problem, result.timetable) == []
    kept = {(p.group_id, p.weekday, p.venue_id, p.start) for p in result.placements}
    assert ("G1", 3, "V1", 19 * 60 + 15) in kept
    assert ("G2", 2, "V2", 16 * 60 + 45) in kept
    frame = result.timetable
    changed = dict(zip(zip(frame.group_id, frame.session, strict=True), frame.changed, strict=True))
    assert sorted(changed.values()) == ["moved", "new", "no", "no"]
    assert result.summary()["changes"] == {"kept": 2, "moved": 1, "new": 1, "dropped": 1}


def test_a_kept_session_moves_when_that_places_one_more():
    # G1 sat in the only morning slot G2 can use; G1 could also meet in the afternoon.
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", 1, "08:00", "18:00")],
        teachers=["T1", "T2"],
        availability=[("T1", 1, "08:00", "18:00"), ("T2", 1, "08:00", "10:00")],
        groups=[group("G1", "T1", minutes=120), group("G2", "T2", minutes=120)],
    )
    result = solve(problem, time_limit=5, workers=1, previous=[at("G1", 1, "V1", "T1", 1, "08:00", 120)])
    assert result.sessions_scheduled == 2
    assert result.changes.moved == 1 and result.changes.kept == 0


def test_locks_are_kept_exactly():
    problem = district(
        venues=[venue("V1"), venue("V2")],
        opening=open_all_week("V1", "V2"),
        teachers=["T1"],
        availability=free_all_week("T1"),
        groups=[group("G1", "T1", sessions=2, preferred_times="morning")],
    )
    lock = at("G1", 2, "V2", "T1", 7, "20:00")
    result = solve(problem, time_limit=5, workers=1, locked=[lock])
    assert lock in result.placements
    assert result.sessions_scheduled == 2


def test_a_lock_that_breaks_a_rule_stops_the_run_and_names_the_rule():
    problem = district(
        venues=[venue("V1", capacity=10)],
        opening=open_all_week("V1"),
        teachers=["T1"],
        availability=free_all_week("T1"),
        groups=[group("G1", "T1", size=25)],
    )
    with pytest.raises(LockError, match="CAPACITY"):
        solve(problem, time_limit=5, workers=1, locked=[at("G1", 1, "V1", "T1", 1, "09:00")])


def test_cli_lock_error_exits_2_naming_the_lock(tmp_path):
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", 1, "08:00", "12:00")],
        teachers=["T1"],
        availability=free_all_week("T1"),
        groups=[group("G1", "T1")],
    )
    folder = tmp_path / "in"
    writing.write_problem(problem, folder)
    (folder / "locked.csv").write_text(
        "group_id,session,venue_id,teacher_id,weekday,start,end\nG1,1,V1,T1,1,13:00,14:00\n", encoding="utf-8"
    )
    outcome = CliRunner().invoke(
        app, ["solve", str(folder), "--out", str(tmp_path / "out"), "--time-limit", "2"]
    )
    assert outcome.exit_code == 2
    assert "locked.csv" in outcome.output and "OPENING" in outcome.output and "G1" in outcome.output
    assert "Traceback" not in outcome.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "INFEASIBLE" and "OPENING" in summary["error"]
    unscheduled = (tmp_path / "out" / "unscheduled.csv").read_text(encoding="utf-8")
    assert "G1,1,LOCK_CONFLICT" in unscheduled  # nothing the user gave goes missing


def test_a_teacher_gets_time_to_walk_between_venues():
    # V2 is about 670 m from V1: 11 minutes on foot plus a 10-minute buffer = 21 -> 30 on the grid.
    problem = district(
        venues=[
            venue("V1", features="mirror"),
            venue("V2", features="piano", lat=HOME[0] + 0.006, lon=HOME[1]),
        ],
        opening=[("V1", 1, "09:00", "10:00"), ("V2", 1, "09:00", "12:00")],
        teachers=["T1"],
        availability=[("T1", 1, "09:00", "12:00")],
        groups=[group("G1", "T1", required_features="mirror"), group("G2", "T1", required_features="piano")],
    )
    result = solve(problem, time_limit=5, workers=1)
    assert result.status == "OPTIMAL" and result.sessions_scheduled == 2
    by_group = {p.group_id: p for p in result.placements}
    first, second = sorted(by_group.values(), key=lambda p: p.start)
    assert second.start - first.end >= 30
    assert check(problem, result.timetable) == []
    # Without travel time both would fit back to back; with a long walk only one fits.
    slow = problem.model_copy(update={"walk_speed_kmh": 0.5})
    slow_result = solve(slow, time_limit=5, workers=1)
    assert slow_result.sessions_scheduled == 1
    assert check(slow, slow_result.timetable) == []


def test_compare_and_diff_say_who_is_affected():
    old = [at("G1", 1, "V1", "T1", 1, "09:00"), at("G2", 1, "V2", "T2", 2, "10:00")]
    new = [at("G1", 1, "V1", "T1", 1, "09:00"), at("G2", 1, "V3", "T2", 2, "10:00")]
    changes = compare(old, new)
    assert (changes.kept, changes.moved, changes.new, changes.dropped) == (1, 1, 0, 0)
    found = diff(old, new)
    per = found.per
    assert set(per) == {("teacher", "T2"), ("venue", "V2"), ("venue", "V3")}
    assert per["venue", "V2"]["-"] and not per["venue", "V2"]["+"]
    assert per["teacher", "T2"]["-"] and per["teacher", "T2"]["+"]
    assert (found.kept, found.moved, found.added, found.removed) == (1, 1, 0, 0)
    assert found.notify("teacher") == ["T2"] and found.notify("venue") == ["V2", "V3"]
    text = format_diff(found)
    assert "sessions: 1 kept, 1 moved, 0 added, 0 removed" in text
    assert "teachers to notify (1): T2" in text and "venues to notify (2): V2, V3" in text


def test_weights_file_toml_and_errors(tmp_path):
    good = tmp_path / "w.toml"
    good.write_text("[weights]\nstability = 50\npreference = 0\n", encoding="utf-8")
    assert load_weights(good) == Weights(stability=50, preference=0)
    bad = tmp_path / "bad.json"
    bad.write_text('{"stabilty": 3}', encoding="utf-8")
    with pytest.raises(ValueError, match="known weights"):
        load_weights(bad)
