"""First fit: valid by construction, last week's sessions seated only where they still fit."""

from __future__ import annotations

from builders import district, group, venue

from kecheng import check, generate
from kecheng.greedy import greedy
from kecheng.timetable import Placement


def test_last_weeks_session_outside_the_teachers_new_hours_is_moved_not_kept():
    """The venue is still open at 08:00 and the teacher still comes that day, but from 10:00 now."""
    problem = district(
        venues=[venue("V1")],
        opening=[("V1", 1, "08:00", "12:00")],
        teachers=["T1"],
        availability=[("T1", 1, "10:00", "12:00")],
        groups=[group("G1", "T1")],
    )
    last_week = [Placement("G1", 1, "V1", "T1", 1, 8 * 60, 9 * 60)]
    placed = greedy(problem, previous=last_week)
    assert placed == [Placement("G1", 1, "V1", "T1", 1, 10 * 60, 11 * 60)]
    assert check(problem, placed) == []


def test_first_fit_of_a_generated_district_passes_the_checker():
    problem = generate("small", 2)
    placed = greedy(problem)
    assert placed and check(problem, placed) == []
    sessions = {(p.group_id, p.session) for p in placed}
    assert len(sessions) == len(placed)
