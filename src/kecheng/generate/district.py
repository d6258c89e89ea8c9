"""A made-up district: seeded, realistic stand-ins for a district's tables.

Real rosters hold residents' names, so tests, the README demo and the scaling benchmarks run on
districts made up here instead. They follow Liangjiang New Area (see ``shared/domain.md``):
streets of clustered communities, pooled venues with the opening hours of their kind, retirees
teaching by day and working people by night, residents in one to three groups. In the original
shape they are tight on purpose — most but not all sessions fit — so a solver meets contention,
not an empty week; a ``Shape`` makes them looser, tighter, or their teachers itinerant.

The multi-district presets (``large``, ``city``) lay Liangjiang-sized districts side by side and
name each street ``区·街道`` (e.g. ``两江新区·人和街道``). Teachers near a border also take a group
just across it, as volunteers do, so the districts are coupled and a solver cannot simply split
the city along district lines.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from kecheng.generate.people import draw_groups, draw_members, draw_teachers
from kecheng.generate.places import across_borders, draw_communities, draw_venues
from kecheng.generate.preferences import PREFERENCE_SALT, with_preferences
from kecheng.generate.presets import PRESETS, scaled
from kecheng.generate.shapes import SHAPES, Shape
from kecheng.generate.slack import with_slack
from kecheng.model import Group, Problem, columns


def generate(
    preset: str = "district", seed: int = 0, *, groups: int | None = None, shape: Shape | str = "generator"
) -> Problem:
    """A made-up district, identical for the same preset, seed, ``groups`` and ``shape``.

    Parameters
    ----------
    preset
        A key of ``PRESETS``: how big, and how many districts side by side.
    seed
        Same seed, same district, in every process.
    groups
        Overrides the preset's group count and scales everything else with it (communities,
        venues, teachers, members), tiling more streets for large counts so that the density
        per community stays that of Liangjiang.
    shape
        A ``Shape`` or a key of ``SHAPES``; the default is the original shape, whose districts
        are exactly those this function made before shapes existed.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if isinstance(shape, str):
        if shape not in SHAPES:
            raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
        shape = SHAPES[shape]
    knobs = scaled(PRESETS[preset], groups)
    if shape.groups_per_teacher is not None:
        knobs = replace(knobs, teachers=max(1, round(knobs.groups / shape.groups_per_teacher)))
    rng = random.Random(seed)
    communities = draw_communities(knobs, rng)
    venues, hours = draw_venues(knobs, communities, shape.kinds, rng)
    drafts = draw_groups(knobs, shape, communities, rng)
    across = across_borders(communities) if knobs.border_share else {}
    teachers, availability = draw_teachers(knobs, shape, drafts, rng, across)
    members = draw_members(knobs, shape, communities, drafts, rng)
    # A stream of its own, so that a loose or tight week keeps every other row of the normal one.
    hours, teachers, availability = with_slack(
        shape.slack, venues, hours, teachers, availability, random.Random(seed * PREFERENCE_SALT + 3)
    )
    fields = set(columns(Group))
    plain = Problem(
        communities=tuple(communities),
        venues=tuple(venues),
        opening_hours=tuple(hours),
        teachers=tuple(teachers),
        availability=tuple(availability),
        groups=tuple(Group(**{k: v for k, v in d.items() if k in fields}) for d in drafts),
        members=tuple(members),
    )
    # A stream of their own, so that adding preferences left every other row as it was.
    preferring = random.Random(seed * PREFERENCE_SALT + 1)
    audiences = [d["activity"].audience for d in drafts]
    return replaced(plain, groups=tuple(with_preferences(plain, plain.groups, audiences, preferring)))


def replaced(problem: Problem, **tables: Any) -> Problem:
    """The problem with some tables replaced and the settings kept, validated anew."""
    return Problem(**({name: getattr(problem, name) for name in Problem.model_fields} | tables))
