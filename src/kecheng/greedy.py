"""First come, first served: what a careful person with a spreadsheet would do.

Groups by priority then size (largest first, they are hardest to seat); for each
session the first weekday, the nearest fitting venue and the earliest start that
clash with nothing already placed. It is the baseline kecheng must beat, and its
timetable is CP-SAT's warm start, so a full timetable exists within a second.
Given placements (locks, last week's timetable) are seated first where still valid.
"""

from __future__ import annotations

from collections.abc import Iterable

from kecheng.board import Board
from kecheng.candidates import Candidates
from kecheng.model import Problem
from kecheng.timetable import Placement


def greedy(
    problem: Problem,
    candidates: Candidates | None = None,
    *,
    locked: Iterable[Placement] = (),
    previous: Iterable[Placement] = (),
) -> list[Placement]:
    """A valid timetable: locks as given, then last week's sessions where they still fit,
    then first fit for the rest. Locks are assumed valid (the solver checks them first)."""
    candidates = candidates if candidates is not None else Candidates(problem)
    board = Board(problem, candidates)
    for p in locked:
        board.place(p)
    seat(board, previous)
    fill(board)
    return board.placements()


def seat(board: Board, placements: Iterable[Placement]) -> None:
    """Seat given sessions exactly where they were, each one that still fits (others are skipped)."""
    problem, grid = board.problem, board.grid
    for p in placements:
        group = problem.group.get(p.group_id)
        if group is None or len(board.placed[p.group_id]) >= group.sessions_per_week:
            continue
        if p.start % grid or p.end - p.start != group.duration_min:
            continue
        if board.fits(group, p.weekday, p.venue_id, p.start // grid):
            board.add(group, p.weekday, p.venue_id, p.start // grid)


def fill(board: Board) -> int:
    """First fit for every session not yet placed; returns how many it placed."""
    added = 0
    for group in sorted(board.problem.groups, key=lambda g: (-g.priority, -g.size, g.group_id)):
        opt = board.candidates[group.group_id]
        for _ in range(group.sessions_per_week - len(board.placed[group.group_id])):
            slot = next(
                (
                    (day, venue_id, start)
                    for day in opt.days
                    for venue_id in opt.venues_on(day)
                    if (start := board.slot(group, day, venue_id)) is not None
                ),
                None,
            )
            if slot is None:
                break
            board.add(group, *slot)
            added += 1
    return added
