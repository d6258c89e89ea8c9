"""The planning index: where a teacher may start a new session, as the rules the plan checks say."""

from __future__ import annotations

import numpy as np
import pytest

import kecheng
from kecheng.planning import synthetic_orders
from kecheng.planning.context import PlanContext, starts_mask


@pytest.fixture(scope="module")
def ctx() -> PlanContext:
    problem = kecheng.generate("small", 3)
    made = synthetic_orders(problem, 3)
    return PlanContext(made.plan_problem(), kecheng.greedy(made.problem))


def test_teacher_starts_at_keeps_exactly_the_starts_travel_and_day_limits_allow(ctx):
    _, _, day_left = ctx.teacher_room
    busy = sorted({t for t, _ in ctx.teacher_sessions})
    assert len(busy) >= 10  # teachers with running sessions, whose walks matter
    cut = 0
    for t in busy[:15]:
        for venue in range(0, len(ctx.venue_ids), 4):
            for duration in (4, 6):
                got = ctx.teacher_starts_at(t, venue, duration)
                free = starts_mask(ctx.teacher_free[t], duration)
                want = np.zeros_like(free)
                for day, start in zip(*np.nonzero(free), strict=True):
                    want[day, start] = day_left[t, day] >= 1 and ctx.travel_ok(
                        t, venue, int(day) + 1, int(start) * ctx.grid, (int(start) + duration) * ctx.grid
                    )
                assert (got == want).all()
                cut += int(free.sum() - got.sum())
    assert cut > 0  # some starts were ruled out by a walk or a full day


def test_teacher_open_is_free_on_days_with_a_session_left(ctx):
    _, _, day_left = ctx.teacher_room
    assert (ctx.teacher_open <= ctx.teacher_free).all()
    full = day_left < 1
    assert full.any()  # teachers whose day is full of running sessions
    assert not ctx.teacher_open[full].any()
    assert (ctx.teacher_open[~full] == ctx.teacher_free[~full]).all()


def test_teacher_starts_many_is_each_teachers_starts_in_the_order_asked(ctx):
    busy = sorted({t for t, _ in ctx.teacher_sessions})
    teachers = [busy[3], busy[0], busy[7], busy[0], len(ctx.teacher_ids) - 1]  # unsorted, one twice
    for venue in range(0, len(ctx.venue_ids), 7):
        got = ctx.teacher_starts_many(teachers, venue, 6)
        assert got.shape == (len(teachers), 7, ctx.steps)
        for row, t in zip(got, teachers, strict=True):
            assert (row == ctx.teacher_starts_at(t, venue, 6)).all()
    assert ctx.teacher_starts_many([], 0, 4).shape == (0, 7, ctx.steps)


def test_travel_minutes_are_the_problems_for_every_pair_of_venues(ctx):
    ids = ctx.venue_ids
    for a in range(len(ids)):
        row = ctx.travel_row(a)
        assert row.tolist() == [ctx.problem.travel_min(ids[a], b) for b in ids]
    assert ctx.travel_min(0, 1) == ctx.problem.travel_min(ids[0], ids[1]) > 0
