"""A plan in the search space's terms: which options open with which teacher, who goes where."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kecheng.planning.context import PlanContext, Session


@dataclass
class Solution:
    """``teacher``: opened new option → teacher index; ``chosen``: order index → option index."""

    teacher: dict[int, int] = field(default_factory=dict)
    chosen: dict[int, int] = field(default_factory=dict)

    def members(self) -> dict[int, list[int]]:
        """option → orders in it."""
        out: dict[int, list[int]] = defaultdict(list)
        for k, o in sorted(self.chosen.items()):
            out[o].append(k)
        return out


def overlaps(a: Session | tuple[int, int, int], sessions: list[tuple[int, int, int]]) -> bool:
    """Does a (day, start, end) overlap any of sessions (same day, intervals meeting)?"""
    day, start, end = (a.day, a.start, a.end) if isinstance(a, Session) else a
    return any(d == day and s < end and start < e for d, s, e in sessions)


def too_close(ctx: PlanContext, a: Session, b: Session) -> bool:
    """Is the gap between two sessions of one day at different venues shorter than the walk
    (plus buffer) between them, so that one teacher cannot give both?"""
    if a.day != b.day or a.venue == b.venue:
        return False
    gap = b.start - a.end if b.start >= a.end else a.start - b.end
    return gap < ctx.travel_min(a.venue, b.venue) / ctx.grid
