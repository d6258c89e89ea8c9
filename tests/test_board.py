"""The occupancy board: one answer to "may this session go here?" and "who is in the way?"."""

from __future__ import annotations

from builders import district, group, venue

from kecheng.board import Board, board_of, first_free
from kecheng.candidates import Candidates
from kecheng.timetable import Placement

MORNING = [("V1", 1, "08:00", "12:00"), ("V2", 1, "08:00", "12:00")]


def two_venues(availability=(("T1", 1, "09:00", "11:00"), ("T2", 1, "08:00", "12:00"))):
    problem = district(
        venues=[venue("V1"), venue("V2")],
        opening=MORNING,
        teachers=["T1", "T2"],
        availability=list(availability),
        groups=[group("G1", "T1"), group("G2", "T2"), group("G3", "T2")],
        members=[("M1", "G1"), ("M1", "G3")],
    )
    return problem, Candidates(problem)


def test_first_free_jumps_past_busy_intervals():
    assert first_free(((0, 10),), 2, [(0, 3), (4, 6)]) == 6
    assert first_free(((0, 2),), 2, [(0, 3)]) is None  # starts 0..2 all hit (0, 3)
    assert first_free(((0, 3),), 2, [(0, 3)]) == 3  # touching is fine
    assert first_free(((0, 10),), 2, [(5, 6)]) == 0


def test_fits_refuses_a_start_outside_the_teachers_hours_even_on_an_empty_board():
    problem, candidates = two_venues()
    board = Board(problem, candidates)
    g1 = problem.group["G1"]
    assert board.fits(g1, 1, "V1", 9 * 4)  # 09:00, inside 09:00-11:00
    assert not board.fits(g1, 1, "V1", 8 * 4)  # 08:00: the venue is open, the teacher is not
    assert not board.fits(g1, 1, "V1", 10 * 4 + 1)  # 10:15 would end at 11:15
    assert not board.fits(g1, 2, "V1", 9 * 4)  # no hours on Tuesday
    assert board.slot(g1, 1, "V1") == 9 * 4


def test_blockers_name_the_venue_the_teacher_and_the_shared_members():
    problem, candidates = two_venues()
    at_v1 = Placement("G2", 1, "V1", "T2", 1, 9 * 60, 10 * 60)
    board = board_of(problem, candidates, [at_v1])
    g1, g3 = problem.group["G1"], problem.group["G3"]
    assert board.blockers(g1, 1, "V1", 9 * 4) == {at_v1}  # the venue is taken
    assert board.blockers(g1, 1, "V2", 9 * 4) == set()  # another venue is free
    assert board.blockers(g3, 1, "V2", 9 * 4) == {at_v1}  # G3's teacher T2 is at V1 then
    g1_there = Placement("G1", 1, "V2", "T1", 1, 10 * 60, 11 * 60)
    board.place(g1_there)
    assert g1_there in board.blockers(g3, 1, "V1", 10 * 4)  # G3 shares a member with G1
    assert not board.fits(g3, 1, "V1", 10 * 4)


def test_a_teachers_walk_between_venues_blocks_the_minutes_around_a_session():
    far = venue("V2", community="C2")
    problem = district(
        venues=[venue("V1"), far],
        opening=[("V1", 1, "08:00", "12:00"), ("V2", 1, "08:00", "18:00")],
        teachers=["T1"],
        availability=[("T1", 1, "08:00", "18:00")],
        groups=[group("G1", "T1", community_id="C1"), group("G2", "T1", community_id="C2")],
    )
    candidates = Candidates(problem)
    board = board_of(problem, candidates, [Placement("G1", 1, "V1", "T1", 1, 8 * 60, 9 * 60)])
    walk = problem.travel_min("V1", "V2")
    assert walk > 60
    g2 = problem.group["G2"]
    start = board.slot(g2, 1, "V2")
    assert start is not None and start * 15 >= 9 * 60 + walk > (start - 1) * 15  # the first step after
