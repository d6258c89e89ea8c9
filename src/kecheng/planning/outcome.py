"""A finished plan in plain terms, whoever made it: new groups and who joins which group.

Both the optimiser and the staff-by-hand baseline end here, so the result, the reasons and
the checks treat them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kecheng.planning.context import Session
from kecheng.planning.solution import Solution
from kecheng.planning.space import Space


@dataclass(frozen=True)
class NewGroup:
    """A group to open: interest, teacher (index), weekly sessions (one venue), members' orders."""

    interest_id: str
    teacher: int
    venue: int
    sessions: tuple[Session, ...]
    orders: tuple[int, ...]  # order indices of its members


@dataclass
class Outcome:
    """New groups (in a stable order) and running-group joins (order → running group id)."""

    new: list[NewGroup] = field(default_factory=list)
    joins: dict[int, str] = field(default_factory=dict)

    def met(self) -> dict[int, tuple[str, int]]:
        """order → ("new", index into new) or ("running", -1)."""
        out: dict[int, tuple[str, int]] = {k: ("running", -1) for k in self.joins}
        for n, g in enumerate(self.new):
            for k in g.orders:
                out[k] = ("new", n)
        return out


def from_solution(space: Space, solution: Solution) -> Outcome:
    """The optimiser's solution as an Outcome; new groups ordered by interest, venue, times."""
    members = solution.members()
    out = Outcome()
    for o, t in solution.teacher.items():
        option = space.options[o]
        assert option.candidate is not None
        out.new.append(
            NewGroup(
                option.interest_id,
                t,
                option.candidate.venue,
                option.sessions,
                tuple(sorted(members.get(o, []))),
            )
        )
    out.new.sort(key=lambda g: (g.interest_id, g.venue, g.sessions, g.teacher))
    for k, o in solution.chosen.items():
        option = space.options[o]
        if option.group_id is not None:
            out.joins[k] = option.group_id
    return out
