"""What a plan under construction has taken so far, on top of the running timetable.

Used by the constructive heuristic (the master's warm start) and by the staff-by-hand
baseline: "may this group open here, with this teacher, and may this resident join it?"
Masks in ``PlanContext`` hold what the running groups take; the board adds the new groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from kecheng.planning.context import PlanContext, Session
from kecheng.planning.solution import too_close


class PlanBoard:
    def __init__(self, ctx: PlanContext):
        self.ctx = ctx
        self.room = ctx.resident_room.copy()
        groups, week, day = ctx.teacher_room
        self.groups_left, self.week_left, self.day_left = groups.copy(), week.copy(), day.copy()
        self.resident_taken: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        self.venue_taken: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        self.teacher_taken: dict[tuple[int, int], list[Session]] = defaultdict(list)

    # --- questions -------------------------------------------------------------------------

    def venue_ok(self, venue: int, sessions: Sequence[Session]) -> bool:
        free = self.ctx.venue_free[venue]
        for s in sessions:
            if not free[s.day - 1, s.start : s.end].all():
                return False
            if any(a < s.end and s.start < b for a, b in self.venue_taken.get((venue, s.day), ())):
                return False
        return True

    def teacher_ok(self, teacher: int, sessions: Sequence[Session], *, checked: bool = False) -> bool:
        """Free at every session (availability, running and new sessions, travel), with a new group,
        the week's and each day's sessions left. ``checked``: availability and running sessions
        were checked already (candidates)."""
        ctx = self.ctx
        if self.groups_left[teacher] < 1 or self.week_left[teacher] < len(sessions):
            return False
        free = ctx.teacher_free[teacher]
        for s in sessions:
            if self.day_left[teacher, s.day - 1] < 1:
                return False
            if not checked:
                if not free[s.day - 1, s.start : s.end].all():
                    return False
                start, end = s.start * ctx.grid, s.end * ctx.grid
                if not ctx.travel_ok(teacher, s.venue, s.day, start, end):
                    return False
            for x in self.teacher_taken.get((teacher, s.day), ()):
                if (x.start < s.end and s.start < x.end) or too_close(ctx, s, x):
                    return False
        return True

    def resident_ok(self, resident: int, sessions: Sequence[Session], *, checked: bool = False) -> bool:
        """Room for one more group and free at every session; ``checked``: their availability,
        running groups and walk were checked already."""
        if self.room[resident] < 1:
            return False
        taken = self.resident_taken.get(resident, ())
        for s in sessions:
            if not checked and not self.ctx.resident_free[resident, s.day - 1, s.start : s.end].all():
                return False
            if any(d == s.day and a < s.end and s.start < b for d, a, b in taken):
                return False
        return True

    # --- changes ---------------------------------------------------------------------------

    def open(self, teacher: int, sessions: Sequence[Session]) -> None:
        self.groups_left[teacher] -= 1
        self.week_left[teacher] -= len(sessions)
        for s in sessions:
            self.day_left[teacher, s.day - 1] -= 1
            self.venue_taken[s.venue, s.day].append((s.start, s.end))
            self.teacher_taken[teacher, s.day].append(s)

    def join(self, resident: int, sessions: Sequence[Session]) -> None:
        self.room[resident] -= 1
        self.resident_taken[resident] += [(s.day, s.start, s.end) for s in sessions]
