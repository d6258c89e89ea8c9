"""Why an order is not met, from an analysis of the finished plan, in words staff can act on.

Checked in this order for each unmet order; the first that applies wins:

- ``MAX_GROUPS``: the resident is in as many groups as their ``max_groups`` allows (the detail
  names them, and whether a higher-ranked order took the place);
- ``SEARCH_LIMIT``: a group of the interest in the plan has a seat that suits them (within
  their walk, when they are free, no clash): the search ended before using it;
- ``FULL``: a group of the interest within their walk meets when they can come, but is full;
- ``TIME_CLASH``: a group of the interest within their walk has a seat, but meets when they
  are not available or when one of their groups meets;
- ``NO_TEACHER``: nobody teaches the interest with a new group left, or no such teacher is
  free on enough weekdays when they are, or the teachers who could take the group that would
  have opened are taken;
- ``NO_VENUE``: no venue within their walk has the interest's features and holds its
  ``min_size``, or none is free when they and a teacher are, or the one that would have
  hosted the group is taken then;
- ``BELOW_MIN``: a group could meet at a time and place that suits them, but too few others
  who ordered the interest (and still could join) can come: 还差 N 人开班.

The details are in the language of the moment (``kecheng.i18n``), names beside ids
("太极拳 (I01)", "星光活动室 (V0012)"); the reason codes stay English.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from kecheng.i18n import N_, _, join, labelled, ngettext, weekday
from kecheng.model import group_label as running_label
from kecheng.model import teacher_label, venue_label
from kecheng.planning.base import format_clock
from kecheng.planning.candidates import fitting_venues
from kecheng.planning.context import PlanContext, Session, starts_mask
from kecheng.planning.solution import too_close
from kecheng.planning.space import Space
from kecheng.planning.week import Week

REASONS = ("MAX_GROUPS", "SEARCH_LIMIT", "FULL", "TIME_CLASH", "NO_TEACHER", "NO_VENUE", "BELOW_MIN")
REASON_NAMES = {
    "MAX_GROUPS": N_("at their most groups"),
    "SEARCH_LIMIT": N_("search ended first"),
    "FULL": N_("groups full"),
    "TIME_CLASH": N_("time clash"),
    "NO_TEACHER": N_("no teacher"),
    "NO_VENUE": N_("no venue"),
    "BELOW_MIN": N_("too few to open"),
}
"""The reason codes in words (translated where shown; the codes themselves stay English)."""


@dataclass(frozen=True)
class Verdict:
    group_id: str  # "" when not met
    reason: str  # "" when met
    detail: str
    lacks: int = 0  # BELOW_MIN: how many more residents a group needs


def when(ctx: PlanContext, sessions: tuple[Session, ...]) -> str:
    """ "Mon/Wed 09:00–10:30" ("周一/周三 09:00–10:30"), or per day when the starts differ."""
    if not sessions:
        return _("not on the timetable")
    grid = ctx.grid
    spans = {(s.start, s.end) for s in sessions}
    if len(spans) == 1:
        start, end = next(iter(spans))
        days = "/".join(weekday(s.day, short=True) for s in sorted(sessions, key=lambda s: s.day))
        return f"{days} {format_clock(start * grid)}–{format_clock(end * grid)}"
    return join(
        [
            f"{weekday(s.day, short=True)} {format_clock(s.start * grid)}–{format_clock(s.end * grid)}"
            for s in sorted(sessions, key=lambda s: s.day)
        ]
    )


def interest_label(ctx: PlanContext, interest_id: str) -> str:
    """ "太极拳 (I01)"."""
    interest = ctx.pp.interest.get(interest_id)
    return labelled(interest.name if interest else None, interest_id)


def group_label(ctx: PlanContext, week: Week, group_id: str) -> str:
    """A running group by its name ("太极拳晨练队 (G0042)"), a new one by its interest
    ("new 太极拳 group (N0003)")."""
    if group_id in ctx.problem.group:
        return running_label(ctx.problem, group_id)
    group = week.groups.get(group_id)
    interest = ctx.pp.interest.get(group.interest_id) if group and group.interest_id else None
    name = _("new {interest} group").format(interest=interest.name) if interest else None
    return labelled(name, group_id)


def venue_of(ctx: PlanContext, venue: int) -> str:
    """ "星光活动室 (V0012)" of a venue index."""
    return venue_label(ctx.problem, ctx.venue_ids[venue])


class Explainer:
    def __init__(self, ctx: PlanContext, space: Space | None, week: Week):
        self.ctx, self.space, self.week = ctx, space, week
        pp = ctx.pp
        self.met_rank: dict[int, list[int]] = defaultdict(list)
        for k in week.group_of_order:
            self.met_rank[ctx.resident_index[pp.orders[k].resident_id]].append(pp.orders[k].rank)
        groups_left, week_left, day_left = ctx.teacher_room
        self.groups_left = groups_left.copy()
        for t, gs in week.teacher_new.items():
            self.groups_left[t] -= len(gs)
        self.week_left, self.day_left = week_left, day_left
        self._counts: dict[int, int] = {}
        self._waiting: dict[str, tuple[np.ndarray, dict[int, list[int]]]] = {}
        self._fitting: dict[str, set[int]] = {}
        self._placed: dict[str, dict[int, list[tuple[int, str]]]] = {}  # interest → venue → groups

    def verdicts(self) -> list[Verdict]:
        return [self.verdict(k) for k in range(len(self.ctx.pp.orders))]

    def verdict(self, k: int) -> Verdict:
        ctx, week = self.ctx, self.week
        order = ctx.pp.orders[k]
        r = ctx.resident_index[order.resident_id]
        if k in week.group_of_order:
            group_id = week.group_of_order[k]
            group = week.groups[group_id]
            text = (
                _("joins a new group, {when}")
                if group.is_new
                else _("joins a running group with a free seat, {when}")
            )
            return Verdict(group_id, "", text.format(when=when(ctx, group.sessions)))
        for group_id in ctx.groups_of.get(order.resident_id, ()):
            if ctx.running[group_id].interest_id == order.interest_id:
                return Verdict(group_id, "", _("already a member"))
        return self.unmet(k, r)

    # --- unmet orders --------------------------------------------------------------------

    def unmet(self, k: int, r: int) -> Verdict:
        ctx, week = self.ctx, self.week
        order = ctx.pp.orders[k]
        resident = ctx.pp.resident[order.resident_id]
        interest = ctx.pp.interest[order.interest_id]
        mine = week.resident_groups.get(r, [])
        if len(mine) >= resident.max_groups:
            better = [rank for rank in self.met_rank.get(r, []) if rank < order.rank]
            listed = join([group_label(ctx, week, g) for g in mine]) if mine else _("none")
            text = ngettext(
                "in {n} group ({groups}), their max_groups is {most}",
                "in {n} groups ({groups}), their max_groups is {most}",
                len(mine),
            ).format(n=len(mine), groups=listed, most=resident.max_groups)
            if better:
                text += _(" (a higher-ranked order took the place)")
            return Verdict("", "MAX_GROUPS", text)
        found = self._existing(r, interest.interest_id)
        if found is not None:
            return found
        return self._new_group(k, r)

    def _existing(self, r: int, interest_id: str) -> Verdict | None:
        """Groups of the interest in the plan within their walk: a seat that suits, a full one,
        or one they cannot come to."""
        ctx, week = self.ctx, self.week
        reach = set(ctx.reach[r][0].tolist())
        by_venue = self._placed_of(interest_id)
        near = sorted(
            x for v in reach & by_venue.keys() for x in by_venue[v]
        )  # as week.by_interest lists them
        full, clash = None, None
        for _position, group_id in near:
            g = week.groups[group_id]
            if not all(s.venue in reach for s in g.sessions):
                continue
            fits_time = week.available(r, g.sessions)
            other = week.clash(r, g.sessions)
            label, meets = group_label(ctx, week, group_id), when(ctx, g.sessions)
            if g.seats > 0 and fits_time and other is None:
                text = _("{group} ({when}) has a free seat that suits them; the search ended before using it")
                return Verdict("", "SEARCH_LIMIT", text.format(group=label, when=meets))
            if fits_time and other is None and full is None:
                text = _("{group} ({when}) is full ({size}/{limit})")
                full = Verdict("", "FULL", text.format(group=label, when=meets, size=g.size, limit=g.limit))
            if g.seats > 0 and clash is None:
                if not fits_time:
                    text = _("{group} meets {when}, when they are not available").format(
                        group=label, when=meets
                    )
                else:
                    text = _("{group} meets {when}, as does their group {other}").format(
                        group=label, when=meets, other=group_label(ctx, week, other)
                    )
                clash = Verdict("", "TIME_CLASH", text)
        return full or clash

    def _placed_of(self, interest_id: str) -> dict[int, list[tuple[int, str]]]:
        """The interest's groups in the plan with every session on the timetable, by the venue of
        their first session: (position in ``week.by_interest``, group id) (memoised per interest)."""
        if interest_id not in self._placed:
            week = self.week
            out: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for position, group_id in enumerate(week.by_interest.get(interest_id, ())):
                g = week.groups[group_id]
                if g.complete and g.sessions:
                    out[g.sessions[0].venue].append((position, group_id))
            self._placed[interest_id] = dict(out)
        return self._placed[interest_id]

    def _new_group(self, k: int, r: int) -> Verdict:
        ctx, week = self.ctx, self.week
        interest = ctx.pp.interest[ctx.pp.orders[k].interest_id]
        name = interest_label(ctx, interest.interest_id)
        teaching = ctx.teachers_of.get(interest.interest_id, [])
        if not teaching:
            text = _("nobody in teachers.csv teaches {interest} (its interests column)")
            return Verdict("", "NO_TEACHER", text.format(interest=name))
        with_room = ctx.teachers_with_room(interest)
        if not with_room:
            text = ngettext(
                "the {n} teacher of {interest} has no new group or weekly session left",
                "the {n} teachers of {interest} have no new group or weekly session left",
                len(teaching),
            )
            return Verdict("", "NO_TEACHER", text.format(n=len(teaching), interest=name))
        if interest.interest_id not in self._fitting:
            self._fitting[interest.interest_id] = set(fitting_venues(ctx, interest).tolist())
        fitting = self._fitting[interest.interest_id]
        reachable = [v for v in ctx.reach[r][0].tolist() if v in fitting]
        if not reachable:
            walk = round(float(ctx.resident_walk[r]))
            if interest.required_features:
                text = _("no venue within {walk} m has {features} and room for {size}").format(
                    walk=walk, features="/".join(sorted(interest.required_features)), size=interest.min_size
                )
            else:
                text = _("no venue within {walk} m has room for {size}").format(
                    walk=walk, size=interest.min_size
                )
            return Verdict("", "NO_VENUE", text)
        duration, spw = interest.duration_min // ctx.grid, interest.sessions_per_week
        mine = starts_mask(week.free_mask(r), duration)
        own = starts_mask(ctx.resident_available[r], duration)
        teachers = ctx.open_starts(duration)[with_room].any(0)
        venues = ctx.venue_starts(duration)[reachable].any(0)
        if int((own & teachers).any(-1).sum()) < spw:
            text = ngettext(
                "no teacher of {interest} with room is free when they are, on {n} weekday",
                "no teacher of {interest} with room is free when they are, on {n} weekdays",
                spw,
            )
            return Verdict("", "NO_TEACHER", text.format(interest=name, n=spw))
        if int((mine & teachers).any(-1).sum()) < spw:
            text = _("their other groups take the times when a teacher of {interest} is free")
            return Verdict("", "TIME_CLASH", text.format(interest=name))
        if int((mine & teachers & venues).any(-1).sum()) < spw:
            text = _("no venue within their walk is free when they and a teacher of {interest} are")
            return Verdict("", "NO_VENUE", text.format(interest=name))
        return self._closest(k, r, interest.min_size)

    def _closest(self, k: int, r: int, least: int) -> Verdict:
        """The candidate group with them that lacks the fewest members; what keeps it closed."""
        ctx, space = self.ctx, self.space
        best: tuple[int, int] | None = None  # (count, option)
        blocked: Verdict | None = None
        if space is not None:
            for p in space.by_order.get(k, ()):
                option = space.options[int(space.option[p])]
                if option.candidate is None:
                    continue
                count = self._joinable(option.index)
                if count >= least and blocked is None:
                    blocked = self._blocker(
                        option.candidate.venue, option.sessions, option.candidate.teachers
                    )
                    if blocked is None:
                        text = _(
                            "a group of {count} could open at {venue}, {when}; the search ended before "
                            "opening it"
                        ).format(
                            count=count,
                            venue=venue_of(ctx, option.candidate.venue),
                            when=when(ctx, option.sessions),
                        )
                        blocked = Verdict("", "SEARCH_LIMIT", text)
                if best is None or count > best[0]:
                    best = (count, option.index)
        if blocked is not None:
            return blocked
        if best is None:
            lacks = max(1, least - self._single_session_best(k, r))
            text = _(
                "{lacks} more needed (还差 {lacks} 人开班): at no weekly time and venue that suits them can "
                "{least} residents who ordered it come"
            ).format(lacks=lacks, least=least)
            return Verdict("", "BELOW_MIN", text, lacks)
        count, o = best
        option = space.options[o]
        lacks = max(1, least - count)
        text = _(
            "{lacks} more needed (还差 {lacks} 人开班): {count} of the {least} needed can come to "
            "{venue}, {when}"
        )
        text = text.format(
            lacks=lacks,
            count=count,
            least=least,
            venue=venue_of(ctx, option.candidate.venue),
            when=when(ctx, option.sessions),
        )
        return Verdict("", "BELOW_MIN", text, lacks)

    def _joinable(self, o: int) -> int:
        """How many of an option's residents could still join it (memoised per option)."""
        if o not in self._counts:
            space = self.space
            assert space is not None
            sessions = space.options[o].sessions
            self._counts[o] = sum(
                1 for q in space.by_option[o] if self._could_join(int(space.order[q]), sessions)
            )
        return self._counts[o]

    def _could_join(self, k: int, sessions: tuple[Session, ...]) -> bool:
        """Could order k still join a new group at these times (unmet, room, free, no clash)?"""
        ctx, week = self.ctx, self.week
        if k in week.group_of_order:
            return False
        order = ctx.pp.orders[k]
        r = ctx.resident_index[order.resident_id]
        if len(week.resident_groups.get(r, [])) >= ctx.pp.resident[order.resident_id].max_groups:
            return False
        return week.clash(r, sessions) is None

    def _blocker(
        self, venue: int, sessions: tuple[Session, ...], teachers: tuple[int, ...]
    ) -> Verdict | None:
        """What keeps a group that enough residents could join from opening: its venue taken by a
        new group then, or every teacher who could take it taken (None: nothing, it could open)."""
        ctx, week = self.ctx, self.week
        for s in sessions:
            for start, end, group_id in week.venue_new.get((venue, s.day), ()):
                if start < s.end and s.start < end:
                    text = _("{venue} is taken {when} by {group}").format(
                        venue=venue_of(ctx, venue),
                        when=when(ctx, (s,)),
                        group=group_label(ctx, week, group_id),
                    )
                    return Verdict("", "NO_VENUE", text)
        busy = []
        for t in teachers:
            why = self._teacher_busy(t, sessions)
            if why is None:
                return None
            busy.append(
                _("{teacher}: {why}").format(teacher=teacher_label(ctx.problem, ctx.teacher_ids[t]), why=why)
            )
        text = _(
            "enough residents could meet at {venue}, {when}, but the teachers who could take it are "
            "taken: {busy}"
        ).format(venue=venue_of(ctx, venue), when=when(ctx, sessions), busy=join(busy))
        return Verdict("", "NO_TEACHER", text)

    def _teacher_busy(self, t: int, sessions: tuple[Session, ...]) -> str | None:
        """Why teacher t cannot take a new group at these times beside their new groups, or None."""
        ctx, week = self.ctx, self.week
        if self.groups_left[t] < 1:
            return _("max_groups reached")
        mine = [(g, s) for g in week.teacher_new.get(t, ()) for s in week.groups[g].sessions]
        if self.week_left[t] - len(mine) < len(sessions):
            return _("weekly sessions used up")
        for x in sessions:
            if self.day_left[t, x.day - 1] - sum(1 for g, s in mine if s.day == x.day) < 1:
                return _("daily sessions used up on {day}").format(day=weekday(x.day))
            for g, s in mine:
                if s.day != x.day:
                    continue
                if s.start < x.end and x.start < s.end:
                    return _("teaches {group} then").format(group=group_label(ctx, week, g))
                if too_close(ctx, s, x):
                    return _("no time to walk from {group}").format(group=group_label(ctx, week, g))
        return None

    def _single_session_best(self, k: int, r: int) -> int:
        """Most residents (them included) who ordered the interest, could still join and can come
        to one session at a venue within their walk: an optimistic count for 还差 N 人."""
        ctx = self.ctx
        interest = ctx.pp.interest[ctx.pp.orders[k].interest_id]
        duration = interest.duration_min // ctx.grid
        masks, near = self._waiting_of(interest.interest_id, duration)
        mine = starts_mask(self.week.free_mask(r), duration)
        best = 1
        for v in ctx.reach[r][0].tolist():
            positions = near.get(v)
            if positions:
                counts = (masks[positions] & (mine & ctx.venue_starts(duration)[v])).sum(0)
                best = max(best, int(counts.max()))
        return best

    def _waiting_of(self, interest_id: str, duration: int) -> tuple[np.ndarray, dict[int, list[int]]]:
        """Start masks of the residents with an unmet order for the interest and room, and per
        fitting venue the positions of those who reach it (memoised per interest)."""
        if interest_id not in self._waiting:
            ctx, week = self.ctx, self.week
            residents = sorted(
                {
                    ctx.resident_index[o.resident_id]
                    for q, o in enumerate(ctx.pp.orders)
                    if o.interest_id == interest_id
                    and q not in week.group_of_order
                    and len(week.resident_groups.get(ctx.resident_index[o.resident_id], []))
                    < ctx.pp.resident[o.resident_id].max_groups
                }
            )
            masks = (
                np.stack([starts_mask(week.free_mask(x), duration) for x in residents])
                if residents
                else np.zeros((0, 7, ctx.steps), dtype=bool)
            )
            fitting = set(fitting_venues(ctx, ctx.pp.interest[interest_id]).tolist())
            near: dict[int, list[int]] = defaultdict(list)
            for pos, x in enumerate(residents):
                for v in ctx.reach[x][0].tolist():
                    if v in fitting:
                        near[v].append(pos)
            self._waiting[interest_id] = (masks, dict(near))
        return self._waiting[interest_id]
