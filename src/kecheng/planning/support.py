"""Where an LP over the search's own options puts groups: neighbourhoods the search does not find alone.

At 150 running groups (four shapes, seed 0) a plan within about 2 % of the bound lay one CP-SAT
neighbourhood from the search's plan, but scattered over many interests, venues and running
groups: no turn of the search found it (more time, the relaxation's best groups, a second plan).
The exact-start master of ``kecheng.planning.columns``, priced over the options' own times
(``option_families``), names it: 30 s of column generation, then one neighbourhood that frees
the plan's groups, the options the LP uses and the running groups it joins differently, gained
+1.3 to +1.8 % order points (``benchmarks/columns.py --lp-relink``). The LP does not depend on the
plan, so it is made once, before the search, and the neighbourhoods it names follow the plan as it
changes (``kecheng.planning.search``: they take the areas' turn; one worker, 150 s, 150 running
groups, four shapes and two seeds: median +37 order points, +0.7 %). On the district the LP gets a
few rounds and uses few candidates in the time it has, for ~1.2 GB (``planner.SUPPORT_PAIRS``).
There the whole-group bound's relaxed solution names them instead (``relaxed_support``): averaged
over its steps it opens groups at (interest, venue) and joins running groups much as an LP would,
for nothing (the bound runs anyway). It meets many orders the plan leaves unmet (district, seed 0,
150 s, one worker: 8 470 of the plan's 31 919 unmet order points; it leaves out 2 432 of the met).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from kecheng.planning.bound import satisfiable_orders
from kecheng.planning.columns import column_bound
from kecheng.planning.lagrange import Relaxed
from kecheng.planning.pricing import Family
from kecheng.planning.solution import Solution
from kecheng.planning.space import Space

RELAXED_LEAST = 0.5  # of the relaxed solution's averaged groups at an (interest, venue), or share of its
# steps in a running group, for what it names


@dataclass(frozen=True)
class Support:
    """The options a (possibly fractional) LP over the options uses, and its joins."""

    options: frozenset[int]  # new-group options with a column the LP uses
    joins: frozenset[tuple[int, int]]  # (order, running group's option) the LP uses
    rounds: int = 0  # of column generation

    def named(self, solution: Solution) -> set[int]:
        """The plan's groups, the options the LP uses, and the running groups that the plan and
        the LP join differently: freed together, the plan can move toward the LP's."""
        joins = {(k, o) for k, o in solution.chosen.items() if o not in solution.teacher}  # running groups'
        return set(solution.teacher) | self.options | {o for _, o in joins ^ self.joins}


def option_families(space: Space) -> list[Family]:
    """One family per (new-group option, teacher it lists), its members the option's pairs (who may
    come, by the space's rules) and its only starts the option's: one column each. Made from the
    space, not cut from every family (``families``: ~10 s more on the district)."""
    out = []
    for option in space.options:
        candidate = option.candidate
        pairs = np.asarray(space.by_option[option.index], dtype=np.int64)
        if candidate is None or len(pairs) < option.min_size:
            continue
        first = option.sessions[0]
        day = np.array([s.day - 1 for s in option.sessions], dtype=np.int64)
        step = np.array([s.start for s in option.sessions], dtype=np.int64)
        free = np.ones((len(day), len(pairs)), dtype=bool)  # a pair is free at every session
        orders, residents = space.order[pairs], space.resident[pairs]
        for t in candidate.teachers:
            out.append(
                Family(
                    t,
                    candidate.venue,
                    len(day),
                    first.end - first.start,
                    option.min_size,
                    option.capacity,
                    orders,
                    residents,
                    free,
                    day,
                    step,
                )
            )
    return out


def lp_support(space: Space, *, time_limit: float, deterministic: bool) -> Support:
    """The options and joins that ``time_limit`` seconds of column generation over the options
    use (``deterministic``: as many rounds as their sizes say fit, so reproducible; else the
    families' set-up counts too)."""
    began = time.perf_counter()
    ctx = space.ctx
    tests = satisfiable_orders(ctx)
    priced = option_families(space)
    # with one worker the set-up (test 1 and the families: ~1 s at 150 running groups) is not counted;
    # the rounds are, by ``column_bound``'s work model (0.9-1.0 of the wall clock at 150 running groups)
    left = time_limit if deterministic else max(1.0, time_limit - (time.perf_counter() - began))
    got = column_bound(
        ctx,
        tests.by_new,
        tests.joinable,
        tests.feasible,
        np.asarray(space.points, dtype=np.int64),
        time_limit=left,
        deterministic=deterministic,
        priced=priced,
        support=True,
    )
    option_of = option_index(space)
    return Support(
        frozenset(option_of[g.interest_id, g.venue, g.sessions] for g in got.used),
        frozenset((k, option_of[g]) for k, g in got.used_joins),
        got.rounds,
    )


def relaxed_support(space: Space, relaxed: Relaxed) -> Support:
    """The new-group options at each (interest, venue) where the relaxed solution averages at
    least ``RELAXED_LEAST`` groups, and the joins it takes in at least that share of its steps."""
    at = {key for key, groups in relaxed.groups.items() if groups >= RELAXED_LEAST}
    option_of = option_index(space)
    return Support(
        frozenset(o.index for o in space.options if o.is_new and (o.interest_id, o.candidate.venue) in at),
        frozenset(
            (k, option_of[group_id])
            for (k, group_id), share in relaxed.joins.items()
            if share >= RELAXED_LEAST and group_id in option_of
        ),
    )


def option_index(space: Space) -> dict:
    """Option index by (interest, venue, sessions) for new groups, by group id for running ones."""
    return {
        (o.interest_id, o.candidate.venue, o.sessions) if o.is_new else o.group_id: o.index
        for o in space.options
    }
