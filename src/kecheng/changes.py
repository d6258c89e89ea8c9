"""What changed between two timetables: for re-solving with little change, and for
telling teachers and venue keepers whom a new week affects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from kecheng.i18n import _, join, weekday
from kecheng.model import Problem, format_clock, group_label, teacher_label, venue_label
from kecheng.timetable import Placement


@dataclass(frozen=True)
class Changes:
    """Per new placement "no", "moved" or "new"; counts of moved, new, dropped."""

    status: dict[tuple[str, int], str]  # (group_id, session) → no / moved / new
    kept: int
    moved: int
    new: int
    dropped: int


def compare(previous: Iterable[Placement], current: Iterable[Placement]) -> Changes:
    """A session is kept if its group meets on the same weekday, venue and time;
    otherwise it moved (the group had a session last week that is gone) or is new.
    Previous sessions matched by nothing are dropped."""
    old_slots: dict[str, set] = defaultdict(set)
    for p in previous:
        old_slots[p.group_id].add(p.slot)
    current = list(current)
    kept_slots = {p.slot for p in current if p.slot in old_slots[p.group_id]}
    spare: dict[str, int] = {g: len(s - kept_slots) for g, s in old_slots.items()}
    status, moved, new = {}, 0, 0
    for p in sorted(current):
        if p.slot in kept_slots:
            status[p.group_id, p.session] = "no"
        elif spare.get(p.group_id, 0) > 0:
            spare[p.group_id] -= 1
            status[p.group_id, p.session] = "moved"
            moved += 1
        else:
            status[p.group_id, p.session] = "new"
            new += 1
    return Changes(status, len(kept_slots), moved, new, sum(spare.values()))


Who = tuple[str, str]
"""("teacher", teacher_id) or ("venue", venue_id): someone to tell about a change."""


@dataclass(frozen=True)
class Diff:
    """Two timetables compared for the people they affect: per teacher and per venue, the sessions
    removed and added; the counts of kept, moved, added and removed sessions."""

    per: dict[Who, dict[str, list[Placement]]]  # who → {"-": removed, "+": added}, in time order
    kept: int
    moved: int
    added: int
    removed: int

    def __bool__(self) -> bool:
        return bool(self.per)

    def notify(self, kind: str) -> list[str]:
        """The ids of one kind ("teacher" or "venue") whose week changed, sorted."""
        return sorted(ident for who, ident in self.per if who == kind)


def diff(old: Iterable[Placement], new: Iterable[Placement]) -> Diff:
    """Per teacher and per venue, the sessions removed ("-") and added ("+"); only those with a
    change appear. A session whose group meets at the same weekday, time and venue is kept; a
    group's session somewhere else is moved (removed there, added here)."""
    old, new = list(old), list(new)
    old_set, new_set = {p.slot for p in old}, {p.slot for p in new}
    found: dict[Who, dict[str, list[Placement]]] = defaultdict(lambda: {"-": [], "+": []})
    for sign, placements, other in (("-", old, new_set), ("+", new, old_set)):
        for p in sorted(placements, key=lambda p: (p.weekday, p.start, p.group_id)):
            if p.slot not in other:
                found["teacher", p.teacher_id][sign].append(p)
                found["venue", p.venue_id][sign].append(p)
    counts = compare(old, new)
    return Diff(dict(sorted(found.items())), counts.kept, counts.moved, counts.new, counts.dropped)


def _describe(p: Placement, problem: Problem | None) -> str:
    group = group_label(problem, p.group_id) if problem else p.group_id
    venue = venue_label(problem, p.venue_id) if problem else p.venue_id
    return _("{group} {weekday} {span} at {venue}").format(
        group=group, weekday=weekday(p.weekday, short=True), span=_span(p), venue=venue
    )


def _span(p: Placement) -> str:
    return f"{format_clock(p.start)}–{format_clock(p.end)}"


def who_label(who: Who, problem: Problem | None = None) -> str:
    """ "teacher 李明 (T0210)" / "venue 活动室 (V001)" in the current language."""
    kind, ident = who
    if kind == "teacher":
        return _("teacher {teacher}").format(teacher=teacher_label(problem, ident) if problem else ident)
    return _("venue {venue}").format(venue=venue_label(problem, ident) if problem else ident)


def format_diff(changes: Diff, problem: Problem | None = None) -> str:
    """Per teacher and per venue, "- " removed and "+ " added sessions, then the summary: kept,
    moved, added, removed, and whom to notify (by name when ``problem`` gives the names)."""
    lines = []
    for who, signs in changes.per.items():
        lines.append(who_label(who, problem))
        lines += [f"  - {_describe(p, problem)}" for p in signs["-"]]
        lines += [f"  + {_describe(p, problem)}" for p in signs["+"]]
    if lines:
        lines.append("")
    lines.append(
        _("sessions: {kept} kept, {moved} moved, {added} added, {removed} removed").format(
            kept=changes.kept, moved=changes.moved, added=changes.added, removed=changes.removed
        )
    )
    for kind, label in (("teacher", _("teachers to notify")), ("venue", _("venues to notify"))):
        ids = changes.notify(kind)
        named = (
            [teacher_label(problem, i) if kind == "teacher" else venue_label(problem, i) for i in ids]
            if problem
            else ids
        )
        lines.append(
            _("{label} ({n}): {names}").format(label=label, n=len(ids), names=join(named) or _("none"))
        )
    return "\n".join(lines)


NOTIFY_COLUMNS = ("kind", "id", "name", "removed", "added", "changes")


def notify_frame(changes: Diff, problem: Problem | None = None) -> pd.DataFrame:
    """Whom to notify, one row per teacher or venue whose week changed: kind (teacher/venue), id,
    name, counts of sessions removed and added, and the changes in words (the run's language)."""
    rows = []
    for (kind, ident), signs in changes.per.items():
        row = problem.teacher.get(ident) if kind == "teacher" and problem else None
        row = problem.venue.get(ident) if kind == "venue" and problem else row
        words = [f"- {_describe(p, problem)}" for p in signs["-"]] + [
            f"+ {_describe(p, problem)}" for p in signs["+"]
        ]
        rows.append(
            {
                "kind": kind,
                "id": ident,
                "name": row.name if row else "",
                "removed": len(signs["-"]),
                "added": len(signs["+"]),
                "changes": "\n".join(words),
            }
        )
    return pd.DataFrame(rows, columns=list(NOTIFY_COLUMNS))
