"""First come, first served: what a careful person with a spreadsheet would do.

Groups by priority then size (largest first, they are hardest to seat); for each
session the first weekday, the nearest fitting venue and the earliest start that
clash with nothing already placed, within the group's preferred times where it can be.
It is the baseline kecheng must beat and the timetable every search starts from, so a
full timetable exists within a second. Given placements (locks, last week's timetable)
are seated first where still valid.
"""

from __future__ import annotations

from collections.abc import Iterable

from kecheng.board import Board
from kecheng.candidates import Candidates, Spans, liked_starts
from kecheng.model import Group, Problem
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
    """First fit for every session not yet placed (a preferred time where one is free); returns how
    many it placed."""
    added, grid = 0, board.grid
    for group in sorted(board.problem.groups, key=lambda g: (-g.priority, -g.size, g.group_id)):
        opt = board.candidates[group.group_id]
        missing = group.sessions_per_week - len(board.placed[group.group_id])
        if missing <= 0 or not opt.days:
            continue
        liked = {day: liked_starts(group, day, grid) for day in opt.days} if group.has_time_preference else {}
        for _ in range(missing):
            slot = _first_slot(board, group, opt.days, liked)
            if slot is None:
                break
            board.add(group, *slot)
            added += 1
    return added


def _first_slot(
    board: Board, group: Group, days: tuple[int, ...], liked: dict[int, Spans | None]
) -> tuple[int, str, int] | None:
    """The first free (day, venue, start): in a preferred window if any is free, else anywhere."""
    opt = board.candidates[group.group_id]
    tries = [(day, liked[day]) for day in days if liked.get(day)] + [(day, None) for day in days]
    for day, within in tries:
        for venue_id in opt.venues_on(day):
            start = board.slot(group, day, venue_id, within)
            if start is not None:
                return day, venue_id, start
    return None
