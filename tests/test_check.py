"""The checker judges the solvers, so each rule is pinned by a pair of tiny timetables:
one that breaks exactly that rule and one, as close as possible, that keeps every rule."""

from __future__ import annotations

import random
import time
from itertools import combinations

import pandas as pd
import pytest
from builders import group
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import problems, timetables, valid_single_placements

from kecheng.check import RULES, Violation, check, format_violations
from kecheng.model import Problem, format_clock
from kecheng.timetable import TIMETABLE_COLUMNS, Placement

HOME = (29.60, 106.50)
FAR = (29.70, 106.50)  # about 11 km north of HOME
MON, TUE, WED, THU = 1, 2, 3, 4
WEEKDAYS_OPEN = (MON, TUE, WED)


def _problem() -> Problem:
    """One district holding every situation the rule cases below need."""

    opening = [("V1", MON, "08:00", "12:00"), ("V1", MON, "12:00", "18:00"), ("V1", THU, "08:00", "18:00")]
    opening += [
        (v, d, "08:00", "18:00")
        for v in ("V1", "V2", "V3", "V4", "V5")
        for d in WEEKDAYS_OPEN
        if (v, d) != ("V1", MON)
    ]
    availability = [("T1", d, "08:00", "21:00") for d in WEEKDAYS_OPEN]
    availability += [("T2", d, "08:00", "12:00") for d in WEEKDAYS_OPEN]
    availability += [(t, d, "08:00", "18:00") for t in ("T3", "T4") for d in WEEKDAYS_OPEN]
    return Problem(
        communities=[
            dict(community_id="C1", name="星光社区", street="人和街道", lat=HOME[0], lon=HOME[1]),
            dict(community_id="C2", name="远方社区", street="礼嘉街道", lat=FAR[0], lon=FAR[1]),
        ],
        venues=[
            dict(venue_id="V1", name="Hall", community_id="C1", capacity=30, features="piano;mirror"),
            dict(venue_id="V2", name="Room", community_id="C1", capacity=20),
            dict(venue_id="V3", name="Far hall", community_id="C2", capacity=50, features="piano"),
            dict(venue_id="V4", name="Big hall", community_id="C1", capacity=50, features="piano"),
            # about 670 m north of C1, by its own coordinates
            dict(
                venue_id="V5",
                name="Annex",
                community_id="C1",
                capacity=30,
                features="piano",
                lat=HOME[0] + 0.006,
                lon=HOME[1],
            ),
        ],
        opening_hours=[dict(venue_id=v, weekday=d, open=a, close=b) for v, d, a, b in opening],
        teachers=[
            dict(teacher_id="T1", name="Li"),
            dict(teacher_id="T2", name="Wang"),
            dict(teacher_id="T3", name="Zhang", max_sessions_per_week=1),
            dict(teacher_id="T4", name="Chen", max_sessions_per_day=1),
        ],
        availability=[dict(teacher_id=t, weekday=d, start=a, end=b) for t, d, a, b in availability],
        groups=[
            group("G1", "T1", size=20, sessions=2, required_features="piano"),
            group("G2", "T2", size=20),
            group("G3", "T3", sessions=2),
            group("G4", "T4"),
            group("G5", "T4"),
            group("G6", "T2", size=40, minutes=90),
            group("G7", "T1"),
            group("G8", "T1", max_walk_m=600),
        ],
        members=[
            dict(member_id=m, group_id=g)
            for m, g in [("M1", "G1"), ("M2", "G1"), ("M3", "G1"), ("M1", "G2"), ("M2", "G2")]
        ],
    )


PROBLEM = _problem()
TEACHER_OF = {g.group_id: g.teacher_id for g in PROBLEM.groups}


def at(
    group: str, session: int, venue: str, day: int, start: str, end: str, teacher: str | None = None
) -> Placement:
    """A placement written the way people read timetables."""
    h, m = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return Placement(
        group, session, venue, teacher or TEACHER_OF.get(group, "T1"), day, h * 60 + m, h2 * 60 + m2
    )


def vars_of(p: Placement) -> dict:
    return {c: getattr(p, c) for c in TIMETABLE_COLUMNS}


# (bad timetable, the exact rule codes it breaks, a good timetable next to it)
CASES = {
    "unknown group": (
        [at("GX", 1, "V1", MON, "09:00", "10:00", "T1")],
        ["UNKNOWN"],
        [at("G7", 1, "V1", MON, "09:00", "10:00")],
    ),
    "unknown venue": (
        [at("G1", 1, "VX", MON, "09:00", "10:00")],
        ["UNKNOWN"],
        [at("G1", 1, "V1", MON, "09:00", "10:00")],
    ),
    "unknown teacher": (
        [at("G1", 1, "V1", MON, "09:00", "10:00", "TX")],
        ["UNKNOWN"],
        [at("G1", 1, "V1", MON, "09:00", "10:00")],
    ),
    "someone else's teacher": (
        [at("G1", 1, "V1", MON, "09:00", "10:00", "T2")],
        ["UNKNOWN"],
        [at("G1", 1, "V1", MON, "09:00", "10:00")],
    ),
    "weekday 8": (
        [at("G1", 1, "V1", 8, "09:00", "10:00")],
        ["UNKNOWN"],
        [at("G1", 1, "V1", TUE, "09:00", "10:00")],
    ),
    "session 3 of 2": (
        [at("G1", 3, "V1", MON, "09:00", "10:00")],
        ["UNKNOWN"],
        [at("G1", 2, "V1", MON, "09:00", "10:00")],
    ),
    "ends before it starts": (
        [at("G1", 1, "V1", MON, "10:00", "09:00")],
        ["UNKNOWN"],
        [at("G1", 1, "V1", MON, "09:00", "10:00")],
    ),
    "too many rows": (
        [at("G2", 1, "V2", MON, "09:00", "10:00"), at("G2", 2, "V2", TUE, "09:00", "10:00")],
        ["UNKNOWN", "UNKNOWN"],  # session 2 of 1, and 2 rows for a group meeting once
        [at("G2", 1, "V2", TUE, "09:00", "10:00")],
    ),
    "duplicate session": (
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G1", 1, "V1", TUE, "09:00", "10:00")],
        ["DUPLICATE_SESSION"],
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G1", 2, "V1", TUE, "09:00", "10:00")],
    ),
    "duration": (
        [at("G1", 1, "V1", MON, "09:00", "10:30")],
        ["DURATION"],
        [at("G1", 1, "V1", MON, "09:30", "10:30")],
    ),
    "capacity": (
        [at("G6", 1, "V1", MON, "09:00", "10:30")],
        ["CAPACITY"],
        [at("G6", 1, "V4", MON, "09:00", "10:30")],
    ),
    "features": (
        [at("G1", 1, "V2", MON, "09:00", "10:00")],
        ["FEATURES"],
        [at("G1", 1, "V4", MON, "09:00", "10:00")],
    ),
    "opening, after closing": (
        [at("G1", 1, "V1", MON, "17:30", "18:30")],
        ["OPENING"],
        [at("G1", 1, "V1", MON, "17:00", "18:00")],
    ),
    # V1 is open Mon 08-12 and 12-18 in two rows: the merged window covers 11:30-12:30.
    "opening, closed day": (
        [at("G1", 1, "V4", THU, "09:00", "10:00")],
        ["OPENING", "TEACHER_AVAILABILITY"],
        [at("G1", 1, "V1", MON, "11:30", "12:30")],
    ),
    "venue clash": (
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G3", 1, "V1", MON, "09:30", "10:30")],
        ["VENUE_CLASH"],
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G3", 1, "V1", MON, "10:00", "11:00")],
    ),
    "teacher availability": (
        [at("G1", 1, "V1", THU, "09:00", "10:00")],
        ["TEACHER_AVAILABILITY"],
        [at("G1", 1, "V1", WED, "09:00", "10:00")],
    ),
    "teacher clash": (
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G7", 1, "V2", MON, "09:30", "10:30")],
        ["TEACHER_CLASH"],
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G7", 1, "V2", MON, "10:15", "11:15")],
    ),
    # V4 is at C1, V5 670 m north: 11 min on foot at 4 km/h plus the 10-minute buffer.
    "teacher travel": (
        [at("G1", 1, "V4", MON, "09:00", "10:00"), at("G7", 1, "V5", MON, "10:15", "11:15")],
        ["TRAVEL"],
        [at("G1", 1, "V4", MON, "09:00", "10:00"), at("G7", 1, "V5", MON, "10:30", "11:30")],
    ),
    "teacher travel, same venue needs none": (
        [at("G1", 1, "V4", MON, "09:00", "10:00"), at("G7", 1, "V2", MON, "10:00", "11:00")],
        ["TRAVEL"],
        [at("G1", 1, "V4", MON, "09:00", "10:00"), at("G7", 1, "V4", MON, "10:00", "11:00")],
    ),
    "teacher week limit": (
        [at("G3", 1, "V2", MON, "09:00", "10:00"), at("G3", 2, "V2", TUE, "09:00", "10:00")],
        ["TEACHER_WEEK_LIMIT"],
        [at("G3", 2, "V2", TUE, "09:00", "10:00")],
    ),
    "teacher day limit": (
        [at("G4", 1, "V2", MON, "09:00", "10:00"), at("G5", 1, "V2", MON, "14:00", "15:00")],
        ["TEACHER_DAY_LIMIT"],
        [at("G4", 1, "V2", MON, "09:00", "10:00"), at("G5", 1, "V2", TUE, "14:00", "15:00")],
    ),
    "same day": (
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G1", 2, "V1", MON, "14:00", "15:00")],
        ["SAME_DAY"],
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G1", 2, "V1", TUE, "14:00", "15:00")],
    ),
    "member clash": (
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G2", 1, "V2", MON, "09:45", "10:45")],
        ["MEMBER_CLASH"],
        [at("G1", 1, "V1", MON, "09:00", "10:00"), at("G2", 1, "V2", MON, "10:00", "11:00")],
    ),
    "walk, just too far": (
        [at("G8", 1, "V5", MON, "09:00", "10:00")],
        ["WALK"],
        [at("G1", 1, "V5", MON, "09:00", "10:00")],
    ),
    "walk": (
        [at("G1", 1, "V3", MON, "09:00", "10:00")],
        ["WALK"],
        [at("G1", 1, "V4", MON, "09:00", "10:00")],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_rule_is_caught_and_its_near_miss_is_not(case: str) -> None:
    bad, rules, good = CASES[case]
    found = check(PROBLEM, bad)
    assert sorted(v.rule for v in found) == sorted(rules), format_violations(found)
    assert check(PROBLEM, good) == []


def test_every_rule_code_has_a_case() -> None:
    assert {rule for _, rules, _ in CASES.values() for rule in rules} == RULES


def test_messages_name_the_objects_and_numbers() -> None:
    [capacity] = check(PROBLEM, [at("G6", 1, "V1", MON, "09:00", "10:30")])
    assert capacity == Violation(
        "CAPACITY", "G6 session 1 at Hall (V1) on Mon 09:00–10:30: venue holds 30, group has 40", "G6", 1
    )
    [features] = check(PROBLEM, [at("G1", 2, "V2", TUE, "09:00", "10:00")])
    assert "piano" in features.message and "mirror" not in features.message
    [walk] = check(PROBLEM, [at("G1", 1, "V3", MON, "09:00", "10:00")])
    assert f"{round(PROBLEM.walk_m('G1', 'V3'))} m" in walk.message and "1000 m" in walk.message
    assert 600 < PROBLEM.walk_m("G8", "V5") < 700
    [member] = check(PROBLEM, CASES["member clash"][0])
    assert "2 member" in member.message and "M1" in member.message and "G2 session 1" in member.message
    [closed] = [v for v in check(PROBLEM, [at("G1", 1, "V4", THU, "09:00", "10:00")]) if v.rule == "OPENING"]
    assert "closed" in closed.message


def test_touching_sessions_in_one_venue_are_fine() -> None:
    timetable = [at("G1", 1, "V1", TUE, "10:00", "11:00"), at("G7", 1, "V1", TUE, "11:00", "12:00")]
    assert check(PROBLEM, timetable) == []
    # …but one minute of overlap is a clash, of the venue and of teacher T1 (both groups are T1's)
    overlapping = [timetable[0], Placement("G7", 1, "V1", "T1", TUE, 659, 719)]
    assert {v.rule for v in check(PROBLEM, overlapping)} >= {"VENUE_CLASH", "TEACHER_CLASH"}


def test_each_clash_pair_is_reported_once() -> None:
    three = [
        at("G4", 1, "V2", TUE, "09:00", "10:00"),
        at("G7", 1, "V2", TUE, "09:15", "10:15"),
        at("G3", 1, "V2", TUE, "09:30", "10:30"),
    ]
    clashes = [v for v in check(PROBLEM, three) if v.rule == "VENUE_CLASH"]
    assert len(clashes) == 3
    assert len({v.message for v in clashes}) == 3


def test_a_dataframe_with_clock_strings_is_read_like_placements() -> None:
    def frame(placements: list[Placement]) -> pd.DataFrame:
        rows = [
            {**vars_of(p), "start": format_clock(p.start), "end": format_clock(p.end)} for p in placements
        ]
        return pd.DataFrame(rows, columns=list(TIMETABLE_COLUMNS))

    bad, _, good = CASES["member clash"]
    assert check(PROBLEM, frame(good)) == []
    assert check(PROBLEM, frame(bad)) == check(PROBLEM, bad) != []
    as_ints = pd.DataFrame([vars_of(p) for p in good])
    assert check(PROBLEM, as_ints) == []
    broken = frame(good).assign(start=["9h", "10:00"])
    assert [v.rule for v in check(PROBLEM, broken)] == ["UNKNOWN"]
    with pytest.raises(ValueError, match="weekday"):
        check(PROBLEM, frame(good).drop(columns="weekday"))


def test_format_violations_gives_one_line_each() -> None:
    found = check(PROBLEM, [*CASES["too many rows"][0], at("G1", 1, "V3", WED, "09:00", "10:00")])
    text = format_violations(found)
    assert len(found) == 3 and text.count("\n") == 2
    assert text.splitlines()[0].startswith(found[0].rule + ": ")


def test_a_large_timetable_is_checked_quickly() -> None:
    """2100 sessions, 15 000 members: clash rules must not compare every pair of sessions."""
    days = (MON, TUE, WED)
    venues = [dict(venue_id=f"V{i}", name="v", community_id="C1", capacity=60) for i in range(100)]
    groups = [
        dict(
            group_id=f"G{i}",
            name="g",
            category="c",
            community_id="C1",
            size=50,
            sessions_per_week=3,
            duration_min=60,
            teacher_id=f"T{i % 200}",
        )
        for i in range(700)
    ]
    problem = Problem(
        communities=[dict(community_id="C1", name="c", street="s", lat=HOME[0], lon=HOME[1])],
        venues=venues,
        opening_hours=[
            dict(venue_id=v["venue_id"], weekday=d, open="08:00", close="22:00") for v in venues for d in days
        ],
        teachers=[dict(teacher_id=f"T{i}", name="t") for i in range(200)],
        availability=[
            dict(teacher_id=f"T{i}", weekday=d, start="08:00", end="22:00") for i in range(200) for d in days
        ],
        groups=groups,
        members=[
            dict(member_id=f"M{m}", group_id=f"G{(m + k * 37) % 700}")
            for m in range(15_000)
            for k in range(2)
        ],
    )
    # Group i meets in venue i % 100 at 8 + 2 * (i // 100) o'clock, so no venue or teacher
    # clashes; its members' other group i + 37 meets at the same hour only if i // 100 agrees.
    timetable = [
        Placement(
            f"G{i}",
            s + 1,
            f"V{i % 100}",
            f"T{i % 200}",
            days[s],
            (8 + (i // 100) * 2) * 60,
            (9 + (i // 100) * 2) * 60,
        )
        for i in range(700)
        for s in range(3)
    ]
    began = time.perf_counter()
    found = check(problem, timetable)
    elapsed = time.perf_counter() - began
    clashing = [i for i in range(700) if i // 100 == ((i + 37) % 700) // 100]
    assert [v.rule for v in found] == ["MEMBER_CLASH"] * 3 * len(clashing)
    assert elapsed < 5.0, f"{elapsed:.1f} s"


@given(st.data())
def test_random_timetables_never_crash_the_checker(data: st.DataObject) -> None:
    problem = data.draw(problems())
    timetable = data.draw(timetables(problem))
    found = check(problem, timetable)
    assert all(v.rule in RULES and v.message for v in found)
    # The report depends on what is placed, not on the order of the rows.
    shuffled = list(timetable)
    random.Random(len(timetable)).shuffle(shuffled)
    assert check(problem, shuffled) == found
    # …nor on whether it comes as placements or as a timetable.csv-like frame of "HH:MM".
    clock = lambda t: format_clock(t) if 0 <= t <= 24 * 60 else t  # noqa: E731
    rows = [{**vars_of(p), "start": clock(p.start), "end": clock(p.end)} for p in timetable]
    assert check(problem, pd.DataFrame(rows, columns=list(TIMETABLE_COLUMNS))) == found


def _readable(problem: Problem, p: Placement) -> bool:
    return (
        p.group_id in problem.group
        and p.venue_id in problem.venue
        and p.teacher_id in problem.teacher
        and 1 <= p.weekday <= 7
        and 0 <= p.start < p.end <= 24 * 60
    )


@given(st.data())
def test_clashes_match_a_brute_force_count_of_overlapping_pairs(data: st.DataObject) -> None:
    problem = data.draw(problems())
    rows = [p for p in data.draw(timetables(problem)) if _readable(problem, p)]
    expected = {"VENUE_CLASH": 0, "TEACHER_CLASH": 0, "MEMBER_CLASH": 0}
    for a, b in combinations(rows, 2):
        if a.weekday != b.weekday or not (a.start < b.end and b.start < a.end):
            continue
        expected["VENUE_CLASH"] += a.venue_id == b.venue_id
        expected["TEACHER_CLASH"] += a.teacher_id == b.teacher_id
        shared = problem.group_members.get(a.group_id, frozenset()) & problem.group_members.get(
            b.group_id, frozenset()
        )
        expected["MEMBER_CLASH"] += a.group_id != b.group_id and bool(shared)
    found = check(problem, rows)
    assert {rule: sum(v.rule == rule for v in found) for rule in expected} == expected


@given(st.data())
def test_a_session_built_to_fit_passes(data: st.DataObject) -> None:
    problem = data.draw(problems())
    options = valid_single_placements(problem)
    assume(options)
    placement = data.draw(st.sampled_from(options))
    assert check(problem, [placement]) == []
    # Shifted one grid step past its venue's or teacher's hours, it must fail.
    spans = (
        problem.opening[placement.venue_id, placement.weekday]
        + problem.available[placement.teacher_id, placement.weekday]
    )
    latest = min(hi for lo, hi in spans if lo <= placement.start and placement.end <= hi)
    shift = latest - placement.end + problem.grid_min
    if placement.end + shift <= 24 * 60:
        late = Placement(
            **{**vars_of(placement), "start": placement.start + shift, "end": placement.end + shift}
        )
        assert {v.rule for v in check(problem, [late])} & {"OPENING", "TEACHER_AVAILABILITY"}
