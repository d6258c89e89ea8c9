"""The search space's indexes: every pair under its order, option and resident."""

from __future__ import annotations

import kecheng
from kecheng.planning import synthetic_orders
from kecheng.planning.context import PlanContext
from kecheng.planning.space import build_space


def test_pairs_are_indexed_by_order_option_and_resident_in_the_order_they_come():
    problem = kecheng.generate("small", 4)
    made = synthetic_orders(problem, 4)
    space = build_space(PlanContext(made.plan_problem(), kecheng.greedy(made.problem)))
    assert len(space.order) > 1_000 and any(o.group_id for o in space.options)  # running groups too
    for index, keys in ((space.by_order, space.order), (space.by_resident, space.resident)):
        want: dict[int, list[int]] = {}
        for p, key in enumerate(keys.tolist()):
            want.setdefault(key, []).append(p)
        assert list(index.items()) == list(want.items())  # keys as they first come, pairs ascending
        assert all(type(p) is int for ps in index.values() for p in ps)
    assert len(space.by_option) == len(space.options)
    assert [p for ps in space.by_option for p in ps] == sorted(
        range(len(space.option)), key=space.option.__getitem__
    )
