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

from collections import defaultdict

from kecheng.candidates import GroupOptions, VenueIndex, group_options, member_cliques
from kecheng.model import DAY_NAMES, Group, Placement, Problem, format_clock
from kecheng.result import Unplaced


def unplaced_reasons(
    problem: Problem,
    placements: list[Placement] | tuple[Placement, ...],
    options: dict[str, GroupOptions] | None = None,
) -> list[Unplaced]:
    """One entry per session not in placements, so nothing the user gave goes missing."""
    options = options if options is not None else group_options(problem)
    placed_count: dict[str, int] = defaultdict(int)
    for p in placements:
        placed_count[p.group_id] += 1
    context = _Context(problem, placements)
    out = []
    for group in problem.groups:
        placed = placed_count[group.group_id]
        if placed >= group.sessions_per_week:
            continue
        reason, detail = explain_session(problem, options[group.group_id], context)
        for session in range(placed + 1, group.sessions_per_week + 1):
            this_reason, this_detail = reason, detail
            if session > len(options[group.group_id].days) and reason == "CROWDED_OUT":
                this_reason, this_detail = _too_few_days(options[group.group_id])
            out.append(Unplaced(group.group_id, session, this_reason, this_detail))
    return out


class _Context:
    """The timetable indexed for the questions explain asks."""

    def __init__(self, problem: Problem, placements):
        self.problem = problem
        self.by_venue_day: dict[tuple[str, int], list[Placement]] = defaultdict(list)
        self.by_teacher_day: dict[tuple[str, int], list[Placement]] = defaultdict(list)
        self.by_group_day: dict[tuple[str, int], list[Placement]] = defaultdict(list)
        self.teacher_week: dict[str, int] = defaultdict(int)
        for p in placements:
            self.by_venue_day[p.venue_id, p.weekday].append(p)
            self.by_teacher_day[p.teacher_id, p.weekday].append(p)
            self.by_group_day[p.group_id, p.weekday].append(p)
            self.teacher_week[p.teacher_id] += 1
        self.neighbours: dict[str, set[str]] = defaultdict(set)
        for clique in member_cliques(problem):
            for g in clique:
                self.neighbours[g].update(set(clique) - {g})


def explain_session(problem: Problem, opt: GroupOptions, context: _Context) -> tuple[str, str]:
    """(reason code, detail) for the next unplaced session of opt.group."""
    group = opt.group
    if not opt.venues:
        return "NO_VENUE_FITS", _no_venue_detail(problem, group)
    if not opt.days:
        return "NO_COMMON_TIME", _no_time_detail(problem, opt)
    limit = _teacher_limit(problem, opt, context)
    if limit:
        return "TEACHER_LIMIT", limit
    return _crowded(problem, opt, context)


def _no_venue_detail(problem: Problem, group: Group) -> str:
    home = problem.community[group.community_id]
    walk = f"{group.max_walk_m:.0f} m"
    near = VenueIndex(problem).near(home.lat, home.lon, group.max_walk_m)
    if not near:
        return f"no venue within {walk} of {group.community_id}; raise max_walk_m or add a venue nearby"
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


def _no_time_detail(problem: Problem, opt: GroupOptions) -> str:
    group = opt.group
    venues = ", ".join(opt.venues[:3]) + (f" and {len(opt.venues) - 3} more" if len(opt.venues) > 3 else "")
    return (
        f"teacher {group.teacher_id} is available {_windows_text(problem.available, group.teacher_id)}; "
        f"no fitting venue ({venues}) is open {group.duration_min} min within those hours "
        f"(e.g. {opt.venues[0]}: {_windows_text(problem.opening, opt.venues[0])})"
    )


def _too_few_days(opt: GroupOptions) -> tuple[str, str]:
    days = ",".join(DAY_NAMES[d] for d in opt.days)
    return (
        "NO_COMMON_TIME",
        f"sessions must fall on different weekdays, and only {len(opt.days)} weekday(s) ({days}) have "
        f"a {opt.group.duration_min}-minute stretch when teacher {opt.group.teacher_id} and a fitting venue "
        f"are both free; {opt.group.sessions_per_week} sessions were asked for",
    )


def _teacher_limit(problem: Problem, opt: GroupOptions, context: _Context) -> str | None:
    teacher = problem.teacher[opt.group.teacher_id]
    if teacher.max_sessions_per_week is not None and (
        context.teacher_week[teacher.teacher_id] >= teacher.max_sessions_per_week
    ):
        return (
            f"teacher {teacher.teacher_id} ({teacher.name}) already teaches "
            f"{context.teacher_week[teacher.teacher_id]} sessions, their weekly maximum"
        )
    limit = teacher.max_sessions_per_day
    own_days = {day for (g, day) in context.by_group_day if g == opt.group.group_id}
    free_days = [d for d in opt.days if d not in own_days]
    if (
        limit is not None
        and free_days
        and all(len(context.by_teacher_day[teacher.teacher_id, d]) >= limit for d in free_days)
    ):
        return (
            f"teacher {teacher.teacher_id} ({teacher.name}) already teaches {limit} session(s), their daily "
            f"maximum, on every day this group could meet ({','.join(DAY_NAMES[d] for d in free_days)})"
        )
    return None


def _crowded(problem: Problem, opt: GroupOptions, context: _Context) -> tuple[str, str]:
    """Find the slot blocked by the fewest (lowest-priority) sessions and name them."""
    gid, grid = opt.group.group_id, problem.grid_min
    best: tuple | None = None
    for (day, venue_id), spans in opt.starts.items():
        if context.by_group_day.get((gid, day)):
            continue  # this group already meets that day
        teacher_day = context.by_teacher_day.get((opt.group.teacher_id, day), [])
        daily = problem.teacher[opt.group.teacher_id].max_sessions_per_day
        at_limit = set(teacher_day) if daily is not None and len(teacher_day) >= daily else set()
        # (placement, margin): a teacher's session elsewhere blocks the walk there too
        holders = [(p, 0) for p in context.by_venue_day.get((venue_id, day), [])]
        holders += [(p, problem.travel_min(venue_id, p.venue_id)) for p in teacher_day]
        holders += [
            (p, 0) for other in context.neighbours[gid] for p in context.by_group_day.get((other, day), [])
        ]
        for lo, hi in spans:
            for step in range(lo, hi + 1):
                start, end = step * grid, (step + opt.duration) * grid
                blockers = {p for p, gap in holders if p.start - gap < end and start < p.end + gap} | at_limit
                cost = (sum(problem.group[p.group_id].priority for p in blockers), len(blockers), day, start)
                if best is None or cost < best[0]:
                    best = (cost, day, venue_id, start, end, blockers)
    if best is None:
        return "CROWDED_OUT", "every weekday it could meet is already taken by its other sessions"
    _, day, venue_id, start, end, blockers = best
    slot = f"{venue_id} on {DAY_NAMES[day]} {format_clock(start)}–{format_clock(end)}"
    if not blockers:
        return "SEARCH_LIMIT", f"{slot} is free; the search stopped (time limit) before placing it"
    names = ", ".join(f"{p.group_id} ({_why_blocks(p, venue_id, opt, context)})" for p in sorted(blockers))
    return "CROWDED_OUT", (
        f"fits alone, but all {len(opt.venues)} fitting venue(s) are taken "
        f"when teacher {opt.group.teacher_id} can teach; "
        f"the easiest place to free is {slot}, held by {names}: "
        f"moving {'it' if len(blockers) == 1 else 'them'} would make room"
    )


def _why_blocks(p: Placement, venue_id: str, opt: GroupOptions, context: _Context) -> str:
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
    options = group_options(problem)
    opt = options[group_id]
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
    for u in unplaced_reasons(problem, placements, options):
        if u.group_id == group_id:
            lines.append(f"session {u.session} not placed — {u.reason}: {u.detail}")
    return "\n".join(lines)
