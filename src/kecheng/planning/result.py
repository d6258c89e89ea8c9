"""What ``plan`` gives back: the planned week, who got what and why, demand, figures.

``PlanResult.problem()`` is a complete ``Problem`` for the planned week (the district's tables
unchanged, groups.csv with the running groups — sizes updated where residents joined — and
the new ``N…`` groups, members.csv with everyone), so that
``kecheng.check(result.problem(), result.placements) == []`` and ``kecheng solve`` can run on it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

from kecheng.i18n import _
from kecheng.planning.base import Group, Membership, Placement, Problem, check, to_frame
from kecheng.planning.bound import Bound
from kecheng.planning.context import PlanContext, haversine_m
from kecheng.planning.outcome import Outcome
from kecheng.planning.reasons import Verdict
from kecheng.planning.verify import PlanViolation, check_plan
from kecheng.planning.week import Week

ASSIGNMENT_COLUMNS = ("resident_id", "interest_id", "rank", "group_id", "reason", "detail")
UNSCHEDULED_COLUMNS = ("group_id", "session", "reason", "detail")
NEW_SUFFIX = "（新开）"


def covering_walk_m(metres: float) -> float:
    """A group's max_walk_m that covers a venue this far from its community's centre (next 10 m)."""
    return float(max(10, math.ceil((metres + 1e-6) / 10) * 10))


@dataclass
class PlanResult:
    """The planned week and everything staff need to act on it (see the module doc)."""

    ctx: PlanContext
    week: Week
    verdicts: list[Verdict]
    demand: pd.DataFrame
    bound: Bound | None
    tiers: dict[str, int]
    method: str  # "kecheng" or "greedy"
    timings: dict[str, float] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    unplaced: tuple[tuple[str, int, str, str], ...] = ()
    week_placements: tuple[Placement, ...] | None = None  # the re-solved timetable, with ``replan``

    @property
    def outcome(self) -> Outcome:
        return self.week.outcome

    # --- the planned week ------------------------------------------------------------------

    @cached_property
    def new_groups(self) -> tuple[Group, ...]:
        ctx, pp = self.ctx, self.ctx.pp
        out = []
        for group_id, g in zip(self.week.new_ids, self.outcome.new, strict=True):
            interest = pp.interest[g.interest_id]
            homes = Counter(pp.resident[pp.orders[k].resident_id].community_id for k in g.orders)
            community_id = min(homes, key=lambda c: (-homes[c], c))
            home = ctx.problem.community[community_id]
            walk = haversine_m(home.lat, home.lon, ctx.venue_lat[[g.venue]], ctx.venue_lon[[g.venue]])[0]
            out.append(
                Group(
                    group_id=group_id,
                    name=f"{home.name} {interest.name}{NEW_SUFFIX}",
                    category=interest.category,
                    community_id=community_id,
                    size=len(g.orders),
                    sessions_per_week=len(g.sessions),
                    duration_min=interest.duration_min,
                    teacher_id=ctx.teacher_ids[g.teacher],
                    required_features=interest.required_features,
                    max_walk_m=covering_walk_m(float(walk)),
                    priority=interest.priority,
                    interest_id=interest.interest_id,
                    max_size=interest.max_size,
                )
            )
        return tuple(out)

    @cached_property
    def new_placements(self) -> tuple[Placement, ...]:
        ctx, grid = self.ctx, self.ctx.grid
        out = []
        for group, g in zip(self.new_groups, self.outcome.new, strict=True):
            for n, s in enumerate(sorted(g.sessions, key=lambda s: (s.day, s.start)), start=1):
                out.append(
                    Placement(
                        group.group_id,
                        n,
                        ctx.venue_ids[s.venue],
                        group.teacher_id,
                        s.day,
                        s.start * grid,
                        s.end * grid,
                    )
                )
        return tuple(out)

    @property
    def placements(self) -> tuple[Placement, ...]:
        """The planned week's timetable: the running groups' sessions as given, then the new ones
        (with ``replan``: the re-solved timetable)."""
        if self.week_placements is not None:
            return self.week_placements
        return self.ctx.placements + self.new_placements

    @cached_property
    def new_members(self) -> tuple[Membership, ...]:
        pp = self.ctx.pp
        out = []
        for group_id in sorted(self.week.groups):
            g = self.week.groups[group_id]
            for k in sorted(g.orders, key=lambda k: pp.orders[k].resident_id):
                out.append(Membership(member_id=pp.orders[k].resident_id, group_id=group_id))
        return tuple(out)

    def problem(self) -> Problem:
        """A complete Problem for the planned week (see the module doc)."""
        return self._problem

    @cached_property
    def _problem(self) -> Problem:
        old = self.ctx.problem
        joined = Counter(self.outcome.joins.values())
        running = tuple(
            replace(g, size=self.week.groups[g.group_id].size) if joined.get(g.group_id) else g
            for g in old.groups
        )
        tables = {name: getattr(old, name) for name in Problem.model_fields}
        tables["groups"] = running + self.new_groups
        tables["members"] = tuple(old.members) + self.new_members
        return Problem(**tables)

    def check(self) -> tuple[list, list[PlanViolation]]:
        """(``kecheng.check`` of the week's timetable, the plan's own rules): both [] when valid."""
        problem = self.problem()
        return check(problem, self.placements), check_plan(
            self.ctx.pp,
            self.ctx.placements,
            problem,
            self.placements,
            replan=bool(self.settings.get("replan")),
        )

    # --- frames ----------------------------------------------------------------------------

    @property
    def groups(self) -> pd.DataFrame:
        """groups.csv of the planned week: running groups (sizes updated), then the new ones."""
        adapter = TypeAdapter(Group)
        rows = [adapter.dump_python(g, mode="json") for g in self.problem().groups]
        frame = pd.DataFrame(rows)
        if "max_size" in frame:
            frame["max_size"] = frame["max_size"].astype("Int64")
        return frame

    @property
    def new_group_ids(self) -> tuple[str, ...]:
        """Ids of the groups this plan opens (``N0001`` …), in groups.csv order."""
        return tuple(self.week.new_ids)

    @property
    def memberships(self) -> pd.DataFrame:
        """members.csv of the planned week (member_id is the resident_id)."""
        members = self.problem().members
        return pd.DataFrame(list(members.select("member_id", "group_id")), columns=["member_id", "group_id"])

    @property
    def timetable(self) -> pd.DataFrame:
        return to_frame(self.placements)

    @property
    def unscheduled(self) -> pd.DataFrame:
        """Sessions not on the timetable (only running groups' can be: a new group opens whole)."""
        return pd.DataFrame(list(self.unplaced), columns=list(UNSCHEDULED_COLUMNS))

    @property
    def assignments(self) -> pd.DataFrame:
        """One row per order: resident_id, interest_id, rank, group_id ("" if unmet), reason, detail."""
        pp = self.ctx.pp
        rows = [
            (o.resident_id, o.interest_id, o.rank, v.group_id, v.reason, v.detail)
            for o, v in zip(pp.orders, self.verdicts, strict=True)
        ]
        return pd.DataFrame(rows, columns=list(ASSIGNMENT_COLUMNS))

    # --- figures ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        ctx, pp, week = self.ctx, self.ctx.pp, self.week
        met = [bool(v.group_id) for v in self.verdicts]
        first_rank: dict[str, int] = {}
        for o in pp.orders:
            first_rank[o.resident_id] = min(first_rank.get(o.resident_id, o.rank), o.rank)
        firsts = [k for k, o in enumerate(pp.orders) if o.rank == first_rank[o.resident_id]]
        ordering = sorted({o.resident_id for o in pp.orders})
        with_group = [r for r in ordering if week.resident_groups.get(ctx.resident_index[r])]
        newly = [
            r
            for r in ordering
            if not ctx.groups_of.get(r) and week.resident_groups.get(ctx.resident_index[r])
        ]
        fills = [g.size / g.limit for gid in week.new_ids if (g := week.groups[gid]).limit]
        walks = []
        for group_id, g in week.groups.items():
            for k in g.orders:
                walks.append(week.walk_to(ctx.resident_index[pp.orders[k].resident_id], group_id))
        per_community: dict[str, list[bool]] = defaultdict(list)
        for k, o in enumerate(pp.orders):
            per_community[pp.resident[o.resident_id].community_id].append(met[k])
        shares = {c: sum(v) / len(v) for c, v in per_community.items() if v}
        lowest = min(shares, key=lambda c: (shares[c], c)) if shares else None
        points = self.tiers.get("orders_points", 0)
        bound = self.bound
        bound_points = max(bound.points, points) if bound else None
        bound_orders = max(bound.orders, sum(met)) if bound else None
        reasons = Counter(v.reason for v in self.verdicts if v.reason)
        out: dict[str, Any] = {
            "method": self.method,
            "orders": len(pp.orders),
            "orders_met": sum(met),
            "orders_met_share": _share(sum(met), len(pp.orders)),
            "first_choices": len(firsts),
            "first_choices_met": sum(met[k] for k in firsts),
            "first_choices_met_share": _share(sum(met[k] for k in firsts), len(firsts)),
            "residents_ordering": len(ordering),
            "residents_with_group": len(with_group),
            "residents_with_group_share": _share(len(with_group), len(ordering)),
            "residents_first_group": len(newly),
            "groups_opened": len(week.new_ids),
            "joins_running": len(self.outcome.joins),
            "mean_fill": round(float(np.mean(fills)), 4) if fills else None,
            "walk_mean_m": round(float(np.mean(walks)), 1) if walks else None,
            "walk_p95_m": round(float(np.percentile(walks, 95)), 1) if walks else None,
            "lowest_community": lowest,
            "lowest_community_met_share": round(shares[lowest], 4) if lowest else None,
            "objective": dict(self.tiers),
            "bound": bound_points,
            "bound_orders": bound_orders,
            "gap": _gap(bound_points, points),
            "gap_orders": _gap(bound_orders, sum(met)),
            "reasons": dict(sorted(reasons.items())),
            "sessions_placed_new": len(self.new_placements),
            "unscheduled": len(self.unplaced),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "search": self.search,
            **self.settings,
            "versions": _versions(),
        }
        if bound is not None:
            out["bound_detail"] = {
                "orders_passing_test_1": bound.feasible_orders,
                "status": bound.status,
                "lp": bound.lp_points,
                "whole_groups": bound.whole_group_points,
                "whole_groups_iterations": bound.iterations,
                "exact_starts": bound.exact_start_points,
                "exact_starts_rounds": bound.exact_start_rounds,
                "seconds": round(bound.seconds, 2),
                "proves": _(
                    "no plan that keeps the rules (running groups where they are) meets orders worth "
                    "more than `bound` points (or more than `bound_orders` orders): the lowest of the "
                    "relaxations' bounds, see kecheng.planning.bound, kecheng.planning.lagrange and "
                    "kecheng.planning.columns"
                ),
            }
        return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _gap(bound: int | None, value: int) -> float | None:
    if bound is None:
        return None
    if bound <= 0:
        return 0.0
    return round(max(0.0, (bound - value) / bound), 4)


def _versions() -> dict[str, str]:
    out = {}
    for name in ("kecheng", "ortools"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out
