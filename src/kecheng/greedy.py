"""First come, first served: what a careful person with a spreadsheet would do.

Groups by priority then size (largest first, they are hardest to seat); for each
session the first weekday, the nearest fitting venue and the earliest start that
clash with nothing already placed. It is the baseline kecheng must beat, and its
timetable is CP-SAT's warm start, so a full timetable exists within seconds.
"""

from __future__ import annotations

from collections import defaultdict

from kecheng.candidates import GroupOptions, Spans, group_options, member_cliques
from kecheng.model import Placement, Problem


def first_free(spans: Spans, duration: int, busy: list[tuple[int, int]]) -> int | None:
    """Earliest start in spans whose [start, start + duration) misses every busy interval."""
    busy = sorted(busy)
    for lo, hi in spans:
        start = lo
        for begin, end in busy:
            if start > hi:
                break
            if begin < start + duration and start < end:
                start = end
        if start <= hi and all(not (b < start + duration and start < e) for b, e in busy):
            return start
    return None


def greedy(problem: Problem, options: dict[str, GroupOptions] | None = None) -> list[Placement]:
    """A valid (never optimal-by-design) timetable, placements in input-group order."""
    options = options if options is not None else group_options(problem)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for clique in member_cliques(problem):
        for g in clique:
            neighbours[g].update(clique)
    busy: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)  # ("v"/"t"/"g" + id, day)
    per_week: dict[str, int] = defaultdict(int)
    per_day: dict[tuple[str, int], int] = defaultdict(int)
    order = sorted(problem.groups, key=lambda g: (-g.priority, -g.size, g.group_id))
    grid = problem.grid_min
    placed: dict[str, list[Placement]] = defaultdict(list)

    for group in order:
        opt = options[group.group_id]
        teacher = problem.teacher[group.teacher_id]
        used_days: set[int] = set()
        for session in range(1, group.sessions_per_week + 1):
            for day in opt.days:
                if day in used_days or not _teacher_has_room(teacher, day, per_week, per_day):
                    continue
                shared = busy["t" + teacher.teacher_id, day] + [
                    span for other in neighbours[group.group_id] for span in busy["g" + other, day]
                ]
                slot = _first_slot(opt, day, shared, busy)
                if slot is None:
                    continue
                venue_id, start = slot
                span = (start, start + opt.duration)
                for key in ("v" + venue_id, "t" + teacher.teacher_id, "g" + group.group_id):
                    busy[key, day].append(span)
                per_week[teacher.teacher_id] += 1
                per_day[teacher.teacher_id, day] += 1
                used_days.add(day)
                placed[group.group_id].append(
                    Placement(
                        group.group_id,
                        session,
                        venue_id,
                        teacher.teacher_id,
                        day,
                        span[0] * grid,
                        span[1] * grid,
                    )
                )
                break
    return [p for g in problem.groups for p in placed[g.group_id]]


def _first_slot(
    opt: GroupOptions, day: int, shared: list[tuple[int, int]], busy: dict
) -> tuple[str, int] | None:
    for venue_id in opt.venues_on(day):
        start = first_free(opt.starts[day, venue_id], opt.duration, shared + busy["v" + venue_id, day])
        if start is not None:
            return venue_id, start
    return None


def _teacher_has_room(teacher, day: int, per_week: dict, per_day: dict) -> bool:
    if (
        teacher.max_sessions_per_week is not None
        and per_week[teacher.teacher_id] >= teacher.max_sessions_per_week
    ):
        return False
    return (
        teacher.max_sessions_per_day is None
        or per_day[teacher.teacher_id, day] < teacher.max_sessions_per_day
    )
