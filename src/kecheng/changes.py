"""What changed between two timetables: for re-solving with little change, and for
telling teachers and venue keepers whom a new week affects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kecheng.model import DAY_NAMES, format_clock
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


def _describe(p: Placement) -> str:
    return (
        f"{p.group_id} {DAY_NAMES[p.weekday]} {format_clock(p.start)}–{format_clock(p.end)} at {p.venue_id}"
    )


def diff(old: Iterable[Placement], new: Iterable[Placement]) -> dict[str, dict[str, list[str]]]:
    """Per teacher and per venue ("teacher T0001" / "venue V0001"), the sessions
    removed ("-") and added ("+"); only those with a change appear."""
    old, new = list(old), list(new)
    old_set, new_set = {p.slot for p in old}, {p.slot for p in new}
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"-": [], "+": []})
    for sign, placements, other in (("-", old, new_set), ("+", new, old_set)):
        for p in sorted(placements, key=lambda p: (p.weekday, p.start, p.group_id)):
            if p.slot not in other:
                found[f"teacher {p.teacher_id}"][sign].append(_describe(p))
                found[f"venue {p.venue_id}"][sign].append(_describe(p))
    return dict(sorted(found.items()))


def format_diff(changes: dict[str, dict[str, list[str]]]) -> str:
    lines = []
    for who, signs in changes.items():
        lines.append(who)
        lines += [f"  - {line}" for line in signs["-"]] + [f"  + {line}" for line in signs["+"]]
    return "\n".join(lines)
