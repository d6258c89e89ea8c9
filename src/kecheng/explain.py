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
from kecheng.i18n import N_, _, in_language, join, labelled, ngettext, weekday
from kecheng.model import (
    Group,
    Problem,
    community_label,
    format_clock,
    group_label,
    teacher_label,
    venue_label,
)
from kecheng.timetable import Placement, Unplaced


def span(start: int, end: int) -> str:
    """ "14:00–16:00"."""
    return f"{format_clock(start)}–{format_clock(end)}"


def _venues_listed(problem: Problem, venue_ids: list[str] | tuple[str, ...], shown: int = 3) -> str:
    text = join(venue_label(problem, v) for v in venue_ids[:shown])
    more = len(venue_ids) - shown
    return text + (ngettext(" and {n} more", " and {n} more", more).format(n=more) if more > 0 else "")


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
                this_reason, this_detail = too_few_days(opt, problem)
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


def features_nowhere(features: list[str]) -> str:
    """A group's or an interest's required features that no venue of the district has."""
    return _("it needs {features}, which no venue has; add the feature to a venue or drop it").format(
        features=join(features)
    )


def no_venue_detail(problem: Problem, candidates: Candidates, group: Group) -> str:
    """Which filter (distance, capacity, features) left the group without a venue, and the nearest miss."""
    home = problem.community[group.community_id]
    walk = f"{group.max_walk_m:.0f}"
    near = candidates.index.near(home.lat, home.lon, group.max_walk_m)
    if not near:
        return _("no venue within {walk} m of {community}; raise max_walk_m or add a venue nearby").format(
            walk=walk, community=community_label(problem, group.community_id)
        )
    if nowhere := sorted(group.required_features - candidates.features):
        return features_nowhere(nowhere)
    roomy = [(d, v) for d, v in near if problem.venue[v].capacity >= group.size]
    if not roomy:
        largest = max(near, key=lambda dv: problem.venue[dv[1]].capacity)[1]
        return _(
            "largest venue within {walk} m ({venue}) holds {capacity}, group has {size}; "
            "split the group or allow a longer walk"
        ).format(
            walk=walk,
            venue=venue_label(problem, largest),
            capacity=problem.venue[largest].capacity,
            size=group.size,
        )
    need = group.required_features
    best = min(roomy, key=lambda dv: (len(need - problem.venue[dv[1]].features), dv[0]))[1]
    missing = ";".join(sorted(need - problem.venue[best].features))
    return ngettext(
        "{n} venue within {walk} m holds {size}, but it lacks a required feature ({features}): "
        "{venue} lacks {missing}",
        "{n} venues within {walk} m hold {size}, none has every required feature ({features}); "
        "the closest match {venue} lacks {missing}",
        len(roomy),
    ).format(
        n=len(roomy),
        walk=walk,
        size=group.size,
        features=";".join(sorted(need)),
        venue=venue_label(problem, best),
        missing=missing,
    )


def _windows_text(windows: dict[tuple[str, int], list[tuple[int, int]]], key: str) -> str:
    parts = [
        _("{weekday} {spans}").format(
            weekday=weekday(day, short=True), spans=join(span(a, b) for a, b in windows[key, day])
        )
        for day in range(1, 8)
        if (key, day) in windows
    ]
    return _("; ").join(parts) or _("never")


def no_time_detail(problem: Problem, opt: GroupOptions) -> str:
    """When the teacher is free, and when the fitting venues are open: they share no stretch."""
    group = opt.group
    return _(
        "teacher {teacher} is available {available}; no fitting venue ({venues}) is open "
        "{minutes} min within those hours (e.g. {venue}: {opening})"
    ).format(
        teacher=teacher_label(problem, group.teacher_id),
        available=_windows_text(problem.available, group.teacher_id),
        venues=_venues_listed(problem, opt.venues),
        minutes=group.duration_min,
        venue=venue_label(problem, opt.venues[0]),
        opening=_windows_text(problem.opening, opt.venues[0]),
    )


def too_few_days(opt: GroupOptions, problem: Problem | None = None) -> tuple[str, str]:
    """Sessions must fall on different weekdays, and fewer weekdays than sessions have a common time."""
    days = join(weekday(d, short=True) for d in opt.days)
    teacher = teacher_label(problem, opt.group.teacher_id) if problem else opt.group.teacher_id
    text = ngettext(
        "sessions must fall on different weekdays, and only {n} weekday ({days}) has a {minutes}-minute "
        "stretch when teacher {teacher} and a fitting venue are both free; {asked} sessions were asked for",
        "sessions must fall on different weekdays, and only {n} weekdays ({days}) have a {minutes}-minute "
        "stretch when teacher {teacher} and a fitting venue are both free; {asked} sessions were asked for",
        len(opt.days),
    )
    return "NO_COMMON_TIME", text.format(
        n=len(opt.days),
        days=days,
        minutes=opt.group.duration_min,
        teacher=teacher,
        asked=opt.group.sessions_per_week,
    )


def _teacher_limit(board: Board, opt: GroupOptions) -> str | None:
    teacher = board.problem.teacher[opt.group.teacher_id]
    week = board.per_week.get(teacher.teacher_id, 0)
    if teacher.max_sessions_per_week is not None and week >= teacher.max_sessions_per_week:
        return _("teacher {teacher} already teaches {n} sessions this week, their weekly maximum").format(
            teacher=labelled(teacher.name, teacher.teacher_id), n=week
        )
    limit = teacher.max_sessions_per_day
    own_days = board.placed.get(opt.group.group_id, {})
    free_days = [d for d in opt.days if d not in own_days]
    if (
        limit is not None
        and free_days
        and all(len(board.with_teacher.get((teacher.teacher_id, d), ())) >= limit for d in free_days)
    ):
        return _(
            "teacher {teacher} already teaches {n} sessions, their daily maximum, "
            "on every day this group could meet ({days})"
        ).format(
            teacher=labelled(teacher.name, teacher.teacher_id),
            n=limit,
            days=join(weekday(d, short=True) for d in free_days),
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
        return "CROWDED_OUT", _("every weekday it could meet is already taken by its other sessions")
    _cost, day, venue_id, start, end, blockers = best
    slot = _("{venue} on {weekday} {span}").format(
        venue=venue_label(problem, venue_id), weekday=weekday(day), span=span(start, end)
    )
    if not blockers:
        return "SEARCH_LIMIT", _("{slot} is free; the search stopped (time limit) before placing it").format(
            slot=slot
        )
    names = join(
        _("{group} ({why})").format(
            group=group_label(problem, p.group_id), why=_why_blocks(problem, p, venue_id, opt)
        )
        for p in sorted(blockers)
    )
    text = ngettext(
        "fits alone, but all {n} fitting venues are taken when teacher {teacher} can teach; "
        "the easiest place to free is {slot}, held by {holders}: moving it would make room",
        "fits alone, but all {n} fitting venues are taken when teacher {teacher} can teach; "
        "the easiest place to free is {slot}, held by {holders}: moving them would make room",
        len(blockers),
    )
    return "CROWDED_OUT", text.format(
        n=len(opt.venues), teacher=teacher_label(problem, group.teacher_id), slot=slot, holders=names
    )


def _why_blocks(problem: Problem, p: Placement, venue_id: str, opt: GroupOptions) -> str:
    if p.venue_id == venue_id:
        return _("uses {venue}").format(venue=venue_id)
    if p.teacher_id == opt.group.teacher_id:
        return _("same teacher, {span} at {venue}").format(
            span=span(p.start, p.end), venue=venue_label(problem, p.venue_id)
        )
    return _("shares members")


@in_language
def explain_group(
    problem: Problem, group_id: str, placements: list[Placement] | tuple[Placement, ...]
) -> str:
    """Plain-words answer to "why isn't my group (fully) on the timetable?"."""
    group = problem.group[group_id]
    candidates = Candidates(problem)
    opt = candidates[group_id]
    own = sorted((p for p in placements if p.group_id == group_id), key=lambda p: p.session)
    community = community_label(problem, group.community_id)
    lines = [
        _("{community} {group}: {size} people, {sessions} × {minutes} min a week, teacher {teacher}").format(
            community=community,
            group=group_label(problem, group_id),
            size=group.size,
            sessions=group.sessions_per_week,
            minutes=group.duration_min,
            teacher=teacher_label(problem, group.teacher_id),
        ),
        _("fitting venues ({n}): {venues}").format(
            n=len(opt.venues), venues=_venues_listed(problem, opt.venues, 8) if opt.venues else _("none")
        ),
        _("weekdays with a common time: {days}").format(
            days=join(weekday(d, short=True) for d in opt.days) or _("none")
        ),
    ]
    for p in own:
        lines.append(
            _("session {session}: {weekday} {span} at {venue}").format(
                session=p.session,
                weekday=weekday(p.weekday),
                span=span(p.start, p.end),
                venue=venue_label(problem, p.venue_id),
            )
        )
    for u in unplaced_reasons(problem, placements, candidates):
        if u.group_id == group_id:
            lines.append(
                _("session {session} not placed — {reason} ({code}): {detail}").format(
                    session=u.session, reason=reason_name(u.reason), code=u.reason, detail=u.detail
                )
            )
    return "\n".join(lines)


REASON_NAMES = {
    "NO_VENUE_FITS": N_("no venue fits"),
    "NO_COMMON_TIME": N_("teacher and venues share no time"),
    "TEACHER_LIMIT": N_("teacher's limit reached"),
    "CROWDED_OUT": N_("crowded out"),
    "SEARCH_LIMIT": N_("search ran out of time"),
    "LOCK_CONFLICT": N_("locks conflict"),
}
"""Reason code (stays English in unscheduled.csv) → its name in words, translated where shown."""


def reason_name(code: str) -> str:
    """A reason code in words: "CROWDED_OUT" → "crowded out" / "场地时段已被占满"."""
    return _(REASON_NAMES[code]) if code in REASON_NAMES else code
