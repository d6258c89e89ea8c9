"""Why a session is not on the timetable, in words staff can act on.

The codes come from analysis, checked in this order, the first that applies wins:

- NO_VENUE_FITS: no venue passes capacity, features and walking distance;
- NO_COMMON_TIME: no (or too few) weekdays on which the teacher's availability and a
  fitting venue's opening hours share a stretch as long as the session;
- TEACHER_LIMIT: the teacher's max sessions per week (or per day on every usable day)
  is used up by the timetable;
- CROWDED_OUT: the session fits on its own, but every fitting venue and time is held;
  the detail names the slot that the fewest other sessions block, and them;
- SEARCH_LIMIT: a free slot exists; the search ended (time limit) before using it.
"""

from __future__ import annotations

from kecheng.board import Board, board_of
from kecheng.candidates import Candidates, GroupOptions
from kecheng.model import DAY_NAMES, Group, Problem, format_clock
from kecheng.timetable import Placement, Unplaced


def unplaced_reasons(
    problem: Problem,
    placements: list[Placement] | tuple[Placement, ...],
    candidates: Candidates | None = None,
) -> list[Unplaced]:
    """One entry per session not in placements, so nothing the user gave goes missing."""
    candidates = candidates if candidates is not None else Candidates(problem)
    board = board_of(problem, candidates, placements)
    out = []
    for group in problem.groups:
        placed = len(board.placed.get(group.group_id, {}))
        if placed >= group.sessions_per_week:
            continue
        opt = candidates[group.group_id]
        reason, detail = explain_session(board, opt)
        for session in range(placed + 1, group.sessions_per_week + 1):
            this_reason, this_detail = reason, detail
            if session > len(opt.days) and reason == "CROWDED_OUT":
                this_reason, this_detail = too_few_days(opt)
            out.append(Unplaced(group.group_id, session, this_reason, this_detail))
    return out


def explain_session(board: Board, opt: GroupOptions) -> tuple[str, str]:
    """(reason code, detail) for the next unplaced session of opt.group, given the timetable on board."""
    problem, group = board.problem, opt.group
    if not opt.venues:
        return "NO_VENUE_FITS", no_venue_detail(problem, board.candidates, group)
    if not opt.days:
        return "NO_COMMON_TIME", no_time_detail(problem, opt)
    limit = _teacher_limit(board, opt)
    if limit:
        return "TEACHER_LIMIT", limit
    return _crowded(board, opt)


def no_venue_detail(problem: Problem, candidates: Candidates, group: Group) -> str:
    """Which filter (distance, capacity, features) left the group without a venue, and the nearest miss."""
    home = problem.community[group.community_id]
    walk = f"{group.max_walk_m:.0f} m"
    near = candidates.index.near(home.lat, home.lon, group.max_walk_m)
    if not near:
        return f"no venue within {walk} of {group.community_id}; raise max_walk_m or add a venue nearby"
    if nowhere := sorted(group.required_features - candidates.features):
        return f"it needs {', '.join(nowhere)}, which no venue has; add the feature to a venue or drop it"
    roomy = [(d, v) for d, v in near if problem.venue[v].capacity >= group.size]
    if not roomy:
        largest = max(near, key=lambda dv: problem.venue[dv[1]].capacity)[1]
        return (
            f"largest venue within {walk} ({largest}) holds {problem.venue[largest].capacity}, "
            f"group has {group.size}; split the group or allow a longer walk"
        )
    need = group.required_features
    best = min(roomy, key=lambda dv: (len(need - problem.venue[dv[1]].features), dv[0]))[1]
    missing = ";".join(sorted(need - problem.venue[best].features))
    return (
        f"{len(roomy)} venue(s) within {walk} hold {group.size}, none has every required feature "
        f"({';'.join(sorted(need))}); the closest match {best} lacks {missing}"
    )


def _windows_text(windows: dict[tuple[str, int], list[tuple[int, int]]], key: str) -> str:
    parts = [
        f"{DAY_NAMES[day]} " + ",".join(f"{format_clock(a)}–{format_clock(b)}" for a, b in windows[key, day])
        for day in range(1, 8)
        if (key, day) in windows
    ]
    return "; ".join(parts) or "never"


def no_time_detail(problem: Problem, opt: GroupOptions) -> str:
    """When the teacher is free, and when the fitting venues are open: they share no stretch."""
    group = opt.group
    venues = ", ".join(opt.venues[:3]) + (f" and {len(opt.venues) - 3} more" if len(opt.venues) > 3 else "")
    return (
        f"teacher {group.teacher_id} is available {_windows_text(problem.available, group.teacher_id)}; "
        f"no fitting venue ({venues}) is open {group.duration_min} min within those hours "
        f"(e.g. {opt.venues[0]}: {_windows_text(problem.opening, opt.venues[0])})"
    )


def too_few_days(opt: GroupOptions) -> tuple[str, str]:
    """Sessions must fall on different weekdays, and fewer weekdays than sessions have a common time."""
    days = ",".join(DAY_NAMES[d] for d in opt.days)
    return (
        "NO_COMMON_TIME",
        f"sessions must fall on different weekdays, and only {len(opt.days)} weekday(s) ({days}) have "
        f"a {opt.group.duration_min}-minute stretch when teacher {opt.group.teacher_id} and a fitting venue "
        f"are both free; {opt.group.sessions_per_week} sessions were asked for",
    )


def _teacher_limit(board: Board, opt: GroupOptions) -> str | None:
    teacher = board.problem.teacher[opt.group.teacher_id]
    week = board.per_week.get(teacher.teacher_id, 0)
    if teacher.max_sessions_per_week is not None and week >= teacher.max_sessions_per_week:
        return (
            f"teacher {teacher.teacher_id} ({teacher.name}) already teaches "
            f"{week} sessions, their weekly maximum"
        )
    limit = teacher.max_sessions_per_day
    own_days = board.placed.get(opt.group.group_id, {})
    free_days = [d for d in opt.days if d not in own_days]
    if (
        limit is not None
        and free_days
        and all(len(board.with_teacher.get((teacher.teacher_id, d), ())) >= limit for d in free_days)
    ):
        return (
            f"teacher {teacher.teacher_id} ({teacher.name}) already teaches {limit} session(s), their daily "
            f"maximum, on every day this group could meet ({','.join(DAY_NAMES[d] for d in free_days)})"
        )
    return None


def _crowded(board: Board, opt: GroupOptions) -> tuple[str, str]:
    """Find the slot blocked by the fewest (lowest-priority) sessions and name them."""
    problem, group, grid = board.problem, opt.group, board.grid
    own_days = board.placed.get(group.group_id, {})
    best: tuple | None = None
    for (day, venue_id), spans in opt.starts.items():  # weekday by weekday, nearest venue first
        if day in own_days:
            continue  # this group already meets that day
        holders, full = board.holders(group, day, venue_id), board.day_full(group, day)
        for lo, hi in spans:
            for step in range(lo, hi + 1):
                blockers = board.blocking(holders, step, step + opt.duration) | full
                start = step * grid
                cost = (sum(problem.group[p.group_id].priority for p in blockers), len(blockers), day, start)
                if best is None or cost < best[0]:
                    best = (cost, day, venue_id, start, start + opt.duration * grid, blockers)
    if best is None:
        return "CROWDED_OUT", "every weekday it could meet is already taken by its other sessions"
    _, day, venue_id, start, end, blockers = best
    slot = f"{venue_id} on {DAY_NAMES[day]} {format_clock(start)}–{format_clock(end)}"
    if not blockers:
        return "SEARCH_LIMIT", f"{slot} is free; the search stopped (time limit) before placing it"
    names = ", ".join(f"{p.group_id} ({_why_blocks(p, venue_id, opt)})" for p in sorted(blockers))
    return "CROWDED_OUT", (
        f"fits alone, but all {len(opt.venues)} fitting venue(s) are taken "
        f"when teacher {group.teacher_id} can teach; "
        f"the easiest place to free is {slot}, held by {names}: "
        f"moving {'it' if len(blockers) == 1 else 'them'} would make room"
    )


def _why_blocks(p: Placement, venue_id: str, opt: GroupOptions) -> str:
    if p.venue_id == venue_id:
        return f"uses {venue_id}"
    if p.teacher_id == opt.group.teacher_id:
        return f"same teacher, {format_clock(p.start)}–{format_clock(p.end)} at {p.venue_id}"
    return "shares members"


def explain_group(
    problem: Problem, group_id: str, placements: list[Placement] | tuple[Placement, ...]
) -> str:
    """Plain-words answer to "why isn't my group (fully) on the timetable?"."""
    group = problem.group[group_id]
    candidates = Candidates(problem)
    opt = candidates[group_id]
    own = sorted((p for p in placements if p.group_id == group_id), key=lambda p: p.session)
    lines = [
        f"{group_id} {group.name}: {group.size} people, "
        f"{group.sessions_per_week} × {group.duration_min} min a week, "
        f"teacher {group.teacher_id}",
        f"fitting venues ({len(opt.venues)}): {', '.join(opt.venues[:8]) or 'none'}"
        + (f" and {len(opt.venues) - 8} more" if len(opt.venues) > 8 else ""),
        f"weekdays with a common time: {', '.join(DAY_NAMES[d] for d in opt.days) or 'none'}",
    ]
    for p in own:
        lines.append(
            f"session {p.session}: {DAY_NAMES[p.weekday]} "
            f"{format_clock(p.start)}–{format_clock(p.end)} at {p.venue_id}"
        )
    for u in unplaced_reasons(problem, placements, candidates):
        if u.group_id == group_id:
            lines.append(f"session {u.session} not placed — {u.reason}: {u.detail}")
    return "\n".join(lines)
