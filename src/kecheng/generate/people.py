"""Who a district is: its interest groups, their volunteer teachers and the residents in them.

Groups per community vary (a pilot community runs 34 clubs) and follow the activities'
popularity; each district's groups of one activity are shared among its teachers of that
activity — a run of neighbouring communities each, or, for the share ``Shape.roaming``, groups
drawn from all over the district; residents fill the seats, joining one to three groups, mostly
at home and of one audience.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from kecheng.generate.catalogue import (
    ACTIVITIES,
    CATEGORIES,
    EVENINGS,
    PROFESSIONAL,
    RETIREE,
    RETIREE_SPORTS,
    TEACHER_MIX,
    WEEKENDS,
    Activity,
    hours,
)
from kecheng.generate.names import OLD_NAMES, SURNAMES, YOUNG_NAMES, district_of, ids, ordinal
from kecheng.generate.presets import Preset, apportion
from kecheng.generate.shapes import GRID_MIN, Shape
from kecheng.model import Availability, Community, Membership, Teacher


def draw_groups(
    knobs: Preset, shape: Shape, communities: list[Community], rng: random.Random
) -> list[dict[str, Any]]:
    """Groups per community vary (a pilot community runs 34 clubs); activities follow popularity.

    Drafts are dicts: the group's columns plus its ``activity`` and ``district``, which the
    teachers and members are drawn from."""
    counts = apportion(knobs.groups, [rng.lognormvariate(0, 0.35) for _ in communities], minimum=1)
    homes = [c for c, n in zip(communities, counts, strict=True) for _ in range(n)]
    acts = rng.choices(ACTIVITIES, [a.popularity for a in ACTIVITIES], k=len(homes))
    for category in sorted(set(CATEGORIES) - {a.category for a in acts}):  # every category shows up
        acts[rng.randrange(len(acts))] = rng.choice([a for a in ACTIVITIES if a.category == category])
    group_ids, seen, drafts = iter(ids("G", knobs.groups, 4)), defaultdict(int), []
    for home, act in zip(homes, acts, strict=True):
        seen[home.community_id, act.name] += 1
        nth = seen[home.community_id, act.name]
        low, mode, high = act.size
        drafts.append(
            {
                "group_id": next(group_ids),
                "name": f"{home.street}·{home.name} {act.name}{act.suffix}" + ordinal(nth),
                "category": act.category,
                "community_id": home.community_id,
                "size": round(rng.triangular(low, high, mode)),
                "sessions_per_week": rng.choices((1, 2, 3), act.sessions)[0],
                "duration_min": rng.choice(act.durations),
                "required_features": frozenset(act.features.split()),
                "priority": rng.choices((1, 2, 3), (85, 11, 4))[0],
                "max_walk_m": rng.choices((1000.0, 1500.0, 2000.0), (90, 7, 3))[0],
                "activity": act,
                "district": district_of(home.street),
            }
        )
        if shape.walk_m is not None or shape.duration_min is not None:
            _reshaped(drafts[-1], shape, rng)
    return drafts


def _reshaped(draft: dict[str, Any], shape: Shape, rng: random.Random) -> None:
    """Redraw a draft's walking limit and session length within the shape's ranges (drawn after
    the original ones, so that with neither knob set the draws are the original draws)."""
    if shape.walk_m is not None:
        low, high = shape.walk_m
        draft["max_walk_m"] = float(min(max(round(rng.uniform(low, high) / 50) * 50, low), high))
    if shape.duration_min is not None:
        low, high = shape.duration_min
        draft["duration_min"] = GRID_MIN * rng.randint(low // GRID_MIN, high // GRID_MIN)


def _split(n: int, teachers: int, most: int, rng: random.Random) -> list[int]:
    """n groups among teachers, 1–``most`` each; extras go preferentially to busy teachers, making
    a few stars."""
    sizes = [1] * teachers
    for _ in range(n - teachers):
        open_ = [i for i, s in enumerate(sizes) if s < most]
        sizes[rng.choices(open_, [sizes[i] ** 1.5 for i in open_])[0]] += 1
    return sizes


def _shares(target: int, sizes: list[int], most: int) -> list[int]:
    """Teachers per activity: proportional to its groups, summing to ``target`` where possible."""
    least = [-(-s // most) for s in sizes]
    target = min(sum(sizes), max(target, sum(least)))
    shares = [max(lo, min(s, t)) for lo, s, t in zip(least, sizes, apportion(target, sizes), strict=True)]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]) * max(1, len(sizes)):
        gap = target - sum(shares)
        if (gap > 0 and shares[i] < sizes[i]) or (gap < 0 and shares[i] > least[i]):
            shares[i] += 1 if gap > 0 else -1
    return shares


def _available(profile: tuple, rng: random.Random) -> list[tuple[int, int, int]]:
    """Some of the profile's weekdays, each with one of its window variants."""
    pool, (low, high), windows = profile
    days = sorted(rng.sample(pool, min(len(pool), rng.randint(low, high))))
    return hours(f"{''.join(days)} {rng.choice(windows)}")


def _cross_borders(
    plans: list[list[dict[str, Any]]],
    across: dict[str, list[str]],
    share: float,
    most: int,
    rng: random.Random,
) -> None:
    """Some teachers with a group near a district border take one more of their activity across it,
    from a teacher there who keeps at least one: loads move, no teacher is left without a group."""
    owner: dict[int, list[dict[str, Any]]] = {id(d): plan for plan in plans for d in plan}
    there: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for plan in plans:
        for d in plan:
            there[d["community_id"], d["activity"].name].append(d)
    changed: set[int] = set()  # plans that gave or took a group: each moves at most once
    for plan in plans:
        if len(plan) >= most or id(plan) in changed:
            continue
        if not any(d["community_id"] in across for d in plan) or rng.random() >= share:
            continue
        act = plan[0]["activity"].name
        offers = [
            g
            for d in plan
            for c in across.get(d["community_id"], ())
            for g in there[c, act]
            if id(owner[id(g)]) not in changed and owner[id(g)] is not plan and len(owner[id(g)]) >= 2
        ]
        if offers:
            taken = rng.choice(offers)
            donor = owner[id(taken)]
            donor[:] = [d for d in donor if d is not taken]
            plan.append(taken)
            owner[id(taken)] = plan
            changed |= {id(plan), id(donor)}


def draw_teachers(
    knobs: Preset,
    shape: Shape,
    drafts: list[dict[str, Any]],
    rng: random.Random,
    across: dict[str, list[str]],
) -> tuple[list[Teacher], list[Availability]]:
    """Teachers per district and activity, each taking neighbouring communities' groups, or (the
    share ``shape.roaming``) groups from all over the district; the busiest are professionals.
    Only ``_cross_borders`` lets a teacher cross a district border. Sets each draft's teacher_id."""
    most = shape.max_groups_per_teacher
    by_activity: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for d in drafts:  # drafts run in community order, so a teacher's groups are neighbours
        by_activity[d["district"], d["activity"].name].append(d)
    names = list(by_activity)
    shares = _shares(knobs.teachers, [len(by_activity[n]) for n in names], most)
    plans = []
    for name, share in zip(names, shares, strict=True):
        chunks = _split(len(by_activity[name]), share, most, rng)
        rng.shuffle(chunks)
        plans += _assigned(by_activity[name], chunks, shape.roaming, rng)
    rng.shuffle(plans)
    if across:
        _cross_borders(plans, across, knobs.border_share, most, rng)
    teachers, availability = [], []
    for teacher_id, taught in zip(ids("T", len(plans), 4), plans, strict=True):
        act: Activity = taught[0]["activity"]
        kind = "p" if len(taught) >= 4 else rng.choices("rwp", TEACHER_MIX[act.audience])[0][0]
        caps: dict[str, int] = {}
        demand = sum(d["sessions_per_week"] for d in taught)
        if kind == "r":  # retirees: weekday daytime, sometimes a Saturday morning
            rows = _available(RETIREE_SPORTS if act.category == "sports" else RETIREE, rng)
            rows += hours("6 09:00-11:30") if rng.random() < 0.2 else []
            caps = {"max_sessions_per_day": 2} if rng.random() < 0.15 else {}
        elif kind == "w":  # working people: evenings and weekends
            rows = _available(EVENINGS, rng) + _available(WEEKENDS, rng)
            caps = {"max_sessions_per_day": 1} if rng.random() < 0.3 else {}
        else:  # professionals: invited widely, often by more communities than they can serve
            rows = _available(PROFESSIONAL, rng)
            if rng.random() < 0.5:
                caps = {
                    "max_sessions_per_week": max(1, demand - rng.randint(0, 2)),
                    "max_sessions_per_day": 3,
                }
        given = OLD_NAMES if kind == "r" else YOUNG_NAMES if kind == "w" else OLD_NAMES + YOUNG_NAMES
        home = None if kind == "p" else taught[0]["community_id"]
        name = rng.choice(SURNAMES) + rng.choice(given)
        teachers.append(Teacher(teacher_id=teacher_id, name=name, community_id=home, **caps))
        availability += [Availability(teacher_id=teacher_id, weekday=d, start=b, end=e) for d, b, e in rows]
        for d in taught:
            d["teacher_id"] = teacher_id
    return teachers, availability


def _assigned(
    groups: list[dict[str, Any]], chunks: list[int], roaming: float, rng: random.Random
) -> list[list[dict[str, Any]]]:
    """One activity's groups (in community order) dealt to its teachers, ``chunks`` groups each.

    A teacher who stays takes a run of neighbouring groups; each teacher roams with chance
    ``roaming`` and then takes groups drawn at random from the whole list. With ``roaming`` 0
    no number is drawn, so the original districts stay as they were.
    """
    if not roaming:
        taught = iter(groups)
        return [[next(taught) for _ in range(size)] for size in chunks]
    roams = [rng.random() < roaming for _ in chunks]
    picked = rng.sample(range(len(groups)), sum(size for size, r in zip(chunks, roams, strict=True) if r))
    chosen = set(picked)
    wandering = iter(picked)
    staying = (i for i in range(len(groups)) if i not in chosen)
    return [
        [groups[next(wandering if r else staying)] for _ in range(size)]
        for size, r in zip(chunks, roams, strict=True)
    ]


def spread(extra: float) -> tuple[float, float, float]:
    """Chances that a resident joins 0, 1 or 2 groups beyond their first, for a mean of ``extra``
    (0–2): mostly one group when it is small, two or three as it grows."""
    extra = min(max(extra, 0.0), 2.0)
    if extra <= 1 / 0.7:
        return (1 - 0.7 * extra, 0.4 * extra, 0.3 * extra)
    return (0.0, 2 - extra, extra - 1)


def draw_members(
    knobs: Preset,
    shape: Shape,
    communities: list[Community],
    drafts: list[dict[str, Any]],
    rng: random.Random,
) -> list[Membership]:
    """Residents fill every group's seats, joining 1–3 groups, mostly at home and of one audience.

    How many groups a resident joins follows ``shape.groups_per_resident`` when set, else the
    preset's member count; the mean achieved is a little lower, as nearby seats run out."""
    seats = {d["group_id"]: d["size"] for d in drafts}
    local: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in drafts:
        local[d["community_id"]].append(d)
    street: dict[str, list[str]] = defaultdict(list)
    for c in communities:
        street[c.street].append(c.community_id)
    if shape.groups_per_resident is None:  # mean groups a member - 1
        extra = min(max(sum(seats.values()) / knobs.members - 1, 0.0), 1 / 0.7)
    else:
        extra = shape.groups_per_resident - 1
    extras = spread(extra)
    joined: list[tuple[int, str]] = []
    resident = 0
    for c in communities:
        while open_ := [d for d in local[c.community_id] if seats[d["group_id"]]]:
            resident += 1
            first = rng.choices(open_, [seats[d["group_id"]] for d in open_])[0]
            chosen = [first]
            for _ in range(rng.choices((0, 1, 2), extras)[0]):
                near = c.community_id if rng.random() < 0.85 else rng.choice(street[c.street])
                pool = [d for d in local[near] if seats[d["group_id"]] and all(d is not e for e in chosen)]
                if pool:
                    same = first["activity"].audience
                    alike = [
                        seats[d["group_id"]] * (4 if d["activity"].audience == same else 1) for d in pool
                    ]
                    chosen.append(rng.choices(pool, alike)[0])
            for d in chosen:
                seats[d["group_id"]] -= 1
                joined.append((resident, d["group_id"]))
    width = max(6, len(str(resident)))
    return [Membership(member_id=f"M{n:0{width}d}", group_id=g) for n, g in joined]
