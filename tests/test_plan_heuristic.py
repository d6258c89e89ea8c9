"""The first plan: lazy greedy, and the same scored by the bound's prices."""

from __future__ import annotations

import numpy as np
import plan_builders as pb

from kecheng.planning import PlanWeights
from kecheng.planning.context import PlanContext
from kecheng.planning.cpsat import tiers
from kecheng.planning.heuristic import construct
from kecheng.planning.space import build_space

V1 = pb.HOME
V2 = (29.6063, 106.50)  # about 700 m north of V1
MIDDLE = (29.60315, 106.50)  # about 350 m from each venue
SOUTH = (29.5946, 106.50)  # about 600 m south of V1, 1 300 m from V2: beyond a 1 000 m walk


def two_venues_one_hour():
    """V1 and V2 are open Monday 09:00-10:00 only; T1 and T2 (one group each) teach I1 then.
    R1 and R2 live between the venues, R3-R5 south of V1: V2 is within reach of R1 and R2 alone.
    The best plan: R3-R5 at V1, R1 and R2 at V2 (five orders); the plain greedy fills V1 with the
    nearest three (R1, R2 and one more), and V2 cannot open (three orders)."""
    venues = [pb.venue("V1", lat=V1[0], lon=V1[1]), pb.venue("V2", "C2", lat=V2[0], lon=V2[1])]
    problem = pb.district(
        venues,
        [pb.teacher("T1", "I1"), pb.teacher("T2", "I1")],
        [("T1", 1, "09:00", "10:00"), ("T2", 1, "09:00", "10:00")],
        opening=[("V1", 1, "09:00", "10:00"), ("V2", 1, "09:00", "10:00")],
    )
    where = {"R1": MIDDLE, "R2": MIDDLE, "R3": SOUTH, "R4": SOUTH, "R5": SOUTH}
    residents = [pb.resident(r, lat=lat, lon=lon) for r, (lat, lon) in where.items()]
    orders = [pb.order(r, "I1") for r in where]
    pp = pb.plan_problem(problem, [pb.interest("I1", min_size=2, max_size=3)], residents, orders)
    return build_space(PlanContext(pp, []))


def test_prices_on_the_orders_other_groups_need_leave_them_to_those_groups():
    space = two_venues_one_hour()
    weights = PlanWeights()
    plain = construct(space)
    assert len(plain.chosen) == 3 and len(plain.teacher) == 1  # V1 took R1 and R2: V2 could not open
    by_order = np.zeros(len(space.points))
    by_order[:2] = 0.9 * space.points[:2]  # R1's and R2's orders: another group needs them
    guided = construct(space, (by_order, np.zeros(len(space.ctx.resident_ids))))
    assert len(guided.chosen) == 5 and len(guided.teacher) == 2
    assert tiers(space, guided, weights) > tiers(space, plain, weights)


def test_without_prices_nothing_changes():
    space = two_venues_one_hour()
    zero = (np.zeros(len(space.points)), np.zeros(len(space.ctx.resident_ids)))
    plain, priced = construct(space), construct(space, zero)
    assert plain.chosen == priced.chosen and plain.teacher == priced.teacher
