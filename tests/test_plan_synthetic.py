"""Synthetic orders: deterministic per seed, at the district's scale, shaped like 点单 surveys."""

from __future__ import annotations

from collections import Counter

import pytest

from kecheng import generate
from kecheng.planning import synthetic_orders
from kecheng.planning.synthetic import CATALOGUE, NICHE


@pytest.fixture(scope="module")
def small():
    return generate("small", 3)


def test_same_seed_same_tables_other_seed_other_tables(small):
    a, b, c = synthetic_orders(small, 1), synthetic_orders(small, 1), synthetic_orders(small, 2)
    assert a.orders == b.orders and a.residents == b.residents and a.problem.teachers == b.problem.teachers
    assert a.orders != c.orders
    a.plan_problem()  # the tables fit together


def test_shape(small):
    made = synthetic_orders(small, 0)
    pp = made.plan_problem()
    assert len(made.interests) == 40
    assert all(g.interest_id is not None for g in made.problem.groups)
    ranks = Counter(o.rank for o in made.orders)
    assert set(ranks) <= {1, 2, 3} and ranks[1] > ranks[2] > ranks[3] > 0
    per_resident = Counter(o.resident_id for o in made.orders)
    assert max(per_resident.values()) <= 3
    held = {(m.member_id, made.problem.group[m.group_id].interest_id) for m in made.problem.members}
    assert not any((o.resident_id, o.interest_id) in held for o in made.orders)  # nobody orders what they do
    assert any(o.with_ for o in made.orders)
    for o in made.orders:
        if o.with_:
            assert pp.resident[o.with_].community_id == pp.resident[o.resident_id].community_id
    newcomers = [
        r for r in made.residents if r.resident_id not in {m.member_id for m in made.problem.members}
    ]
    assert 0.2 < len(newcomers) / len(made.residents) < 0.6
    assert any(t.interests for t in made.problem.teachers) and any(
        t.max_groups for t in made.problem.teachers
    )


def test_district_scale():
    made = synthetic_orders(generate("district", 0), 0)
    assert 13_000 <= len(made.residents) <= 17_000
    assert 22_000 <= len(made.orders) <= 28_000
    by_interest = Counter(o.interest_id for o in made.orders)
    niche = [i.interest_id for i, k in zip(made.interests, CATALOGUE, strict=True) if k.popularity < NICHE]
    popular = [i.interest_id for i, k in zip(made.interests, CATALOGUE, strict=True) if k.popularity >= 2]
    where: dict[str, set[str]] = {}
    resident = {r.resident_id: r for r in made.residents}
    for o in made.orders:
        where.setdefault(o.interest_id, set()).add(resident[o.resident_id].community_id)
    assert min(len(where[i]) for i in popular) >= 55  # popular interests everywhere (59 communities)
    assert sum(by_interest[i] for i in popular) > sum(by_interest[i] for i in niche)
    assert min(len(where.get(i, ())) for i in niche) < 40  # niche ones mostly in a few streets
