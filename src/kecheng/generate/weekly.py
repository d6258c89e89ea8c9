"""Next week's district: what staff face when they re-solve a week later.

New classes opened to order, a few venues closed for the week, a few teachers whose week
changed; every other row kept as it was, in its place, so that a timetable of this week can be
carried into the next (``kecheng solve --previous``).
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator

from kecheng.generate.catalogue import ACTIVITIES, MAX_GROUPS_PER_TEACHER
from kecheng.generate.district import replaced
from kecheng.generate.names import ORDINALS, ordinal
from kecheng.generate.preferences import PREFERENCE_SALT, with_preferences
from kecheng.model import (
    MINUTES_PER_DAY,
    Availability,
    Community,
    Group,
    Membership,
    Problem,
    distance_m,
    merge_windows,
    parse_clock,
)

_ORDINAL_TAIL = re.compile(f"（[{ORDINALS}]+）$")
_NUMBERED = re.compile(r"^(.*?)(\d+)$")
EVENING = (parse_clock("18:30"), parse_clock("21:00"))


def weekly_change(
    problem: Problem,
    seed: int = 0,
    *,
    new_share: float = 0.05,
    closed_venues: int = 3,
    changed_teachers: int = 10,
) -> Problem:
    """Next week's district: what staff face when they re-solve a week later.

    * ``new_share`` of the group count in new groups (ids continuing the numbering), each a new
      class of an activity already run nearby, taught by a nearby teacher of that activity with
      room for it, with a time preference like its audience's, and with members: some residents
      of its community already in other groups, the rest newcomers (new member ids);
    * ``closed_venues`` venues closed for the week: their rows stay, their opening hours go.
      They are drawn among the busy kinds (practice stations, elderly-care and community
      centres) with the longest hours, where closing one displaces groups;
    * ``changed_teachers`` teachers who teach with their availability changed: a weekday dropped,
      a window shifted by an hour, or an evening added.

    Every other row is kept as it was, in its place; the same ``seed`` gives the same week.
    """
    if new_share < 0:
        raise ValueError("new_share must be at least 0")
    if changed_teachers < 0:
        raise ValueError("changed_teachers must be at least 0")
    if not 0 <= closed_venues <= len({o.venue_id for o in problem.opening_hours}):
        raise ValueError("closed_venues must be between 0 and the number of venues with opening hours")
    rng = random.Random(seed * PREFERENCE_SALT + 2)
    groups, members = _new_groups(problem, round(len(problem.groups) * new_share), rng)
    closed = _closing(problem, closed_venues, rng)
    availability = _changed_availability(problem, changed_teachers, rng)
    return replaced(
        problem,
        groups=problem.groups + tuple(groups),
        members=problem.members + tuple(members),
        opening_hours=tuple(o for o in problem.opening_hours if o.venue_id not in closed),
        availability=availability,
    )


def _next_ids(existing: list[str], prefix: str, width: int) -> Iterator[str]:
    """Ids continuing the most common numbering among ``existing`` (e.g. G1001 after G1000)."""
    taken = set(existing)
    numbered = [m for i in existing if (m := _NUMBERED.match(i))]
    if numbered:
        prefix = Counter(m[1] for m in numbered).most_common(1)[0][0]
        same = [m for m in numbered if m[1] == prefix]
        width = len(max(same, key=lambda m: int(m[2]))[2])
        start = max(int(m[2]) for m in same) + 1
    else:
        start = 1
    for n in range(start, 10**12):
        if (candidate := f"{prefix}{n:0{width}d}") not in taken:
            yield candidate


def _label(group: Group) -> str:
    """What a group does, without community and ordinal: "太极拳班" of "人和街道·星光社区 太极拳班（二）"."""
    return _ORDINAL_TAIL.sub("", group.name.split(" ", 1)[-1])


_BY_LABEL = {f"{a.name}{a.suffix}": a for a in ACTIVITIES}


def _new_groups(problem: Problem, count: int, rng: random.Random) -> tuple[list[Group], list[Membership]]:
    """New classes modelled on existing groups: the busier a community or activity, the likelier."""
    if count <= 0 or not problem.groups:
        return [], []
    group_ids = _next_ids([g.group_id for g in problem.groups], "G", 4)
    member_ids = _next_ids([m.member_id for m in problem.members], "M", 6)
    label = {g.group_id: _label(g) for g in problem.groups}
    audience = {
        g.group_id: getattr(_BY_LABEL.get(label[g.group_id]), "audience", "mixed") for g in problem.groups
    }
    named: Counter[tuple[str, str]] = Counter((g.community_id, label[g.group_id]) for g in problem.groups)
    taught: Counter[str] = Counter(g.teacher_id for g in problem.groups)
    teaching: dict[str, list[str]] = defaultdict(list)  # label → its teachers, in order of appearance
    where: dict[str, set[str]] = defaultdict(set)  # teacher → the communities they teach in
    for g in problem.groups:
        if g.teacher_id not in teaching[label[g.group_id]]:
            teaching[label[g.group_id]].append(g.teacher_id)
        where[g.teacher_id].add(g.community_id)
    joined: dict[str, list[str]] = defaultdict(list)  # member → their groups
    for m in problem.members:
        joined[m.member_id].append(m.group_id)
    residents: dict[str, list[str]] = defaultdict(list)  # community → members living there
    for member, gs in joined.items():
        residents[problem.group[gs[0]].community_id].append(member)
    street: dict[str, list[str]] = defaultdict(list)
    for c in problem.communities:
        street[c.street].append(c.community_id)

    drafts, kinds, rows = [], [], []
    for group_id in (next(group_ids) for _ in range(count)):
        model = rng.choice(problem.groups)
        home = problem.community[model.community_id]
        if rng.random() < 0.25:
            home = problem.community[rng.choice(street[home.street])]
        what = label[model.group_id]
        act = _BY_LABEL.get(what)
        named[home.community_id, what] += 1
        nth = named[home.community_id, what]
        prefix = f"{home.street}·{home.name} " if " " in model.name else ""
        name = f"{prefix}{what}" + ordinal(nth)
        size, sessions, duration = model.size, model.sessions_per_week, model.duration_min
        if act is not None:
            low, mode, high = act.size
            size = round(rng.triangular(low, high, mode))
            sessions = rng.choices((1, 2, 3), act.sessions)[0]
            duration = rng.choice([d for d in act.durations if d % problem.grid_min == 0] or [duration])
        here = problem.community[home.community_id]

        def away(teacher_id: str, here: Community = here) -> float:
            c = problem.community
            return min(distance_m(here.lat, here.lon, c[o].lat, c[o].lon) for o in where[teacher_id])

        free = sorted((t for t in teaching[what] if taught[t] < MAX_GROUPS_PER_TEACHER), key=away)
        teacher = rng.choice(free[:3]) if free else model.teacher_id
        taught[teacher] += 1
        where[teacher].add(home.community_id)
        drafts.append(
            Group(
                group_id=group_id,
                name=name,
                category=model.category,
                community_id=home.community_id,
                size=size,
                sessions_per_week=sessions,
                duration_min=duration,
                teacher_id=teacher,
                required_features=model.required_features,
                max_walk_m=rng.choices((1000.0, 1500.0, 2000.0), (90, 7, 3))[0],
                priority=rng.choices((1, 2, 3), (85, 11, 4))[0],
            )
        )
        kinds.append(act.audience if act else "mixed")
        audience[group_id] = kinds[-1]
        if not problem.members:
            continue
        pool = [m for m in residents[home.community_id] if len(joined[m]) < 3]
        chosen: list[str] = []
        for _ in range(min(len(pool), round(size * rng.uniform(0.3, 0.6)))):
            alike = [4 if audience[joined[m][0]] == kinds[-1] else 1 for m in pool]
            chosen.append(pool.pop(rng.choices(range(len(pool)), alike)[0]))
        newcomers = [next(member_ids) for _ in range(size - len(chosen))]
        residents[home.community_id] += newcomers
        for member in chosen + newcomers:
            joined[member].append(group_id)
            rows.append(Membership(member_id=member, group_id=group_id))
    return with_preferences(problem, drafts, kinds, rng), rows


def _closing(problem: Problem, count: int, rng: random.Random) -> set[str]:
    """Venues to close: among the busy kinds, the longer-open half; any venue if there are too few."""
    minutes: Counter[str] = Counter()
    for o in problem.opening_hours:
        minutes[o.venue_id] += o.close - o.open
    busy = ("practice_station", "elderly_care", "community_centre")
    pool = [v.venue_id for v in problem.venues if v.kind in busy and minutes[v.venue_id]]
    if len(pool) < 2 * count:
        pool = [v.venue_id for v in problem.venues if minutes[v.venue_id]]
    pool = sorted(pool, key=lambda v: -minutes[v])[: max(2 * count, len(pool) // 2)]
    return set(rng.sample(pool, count))


def _changed_availability(problem: Problem, count: int, rng: random.Random) -> tuple[Availability, ...]:
    """The availability table with ``count`` teaching teachers' rows changed in one way each."""
    rows: dict[str, list[Availability]] = defaultdict(list)
    for a in problem.availability:
        rows[a.teacher_id].append(a)
    teaching = {g.teacher_id for g in problem.groups}
    pool = [t.teacher_id for t in problem.teachers if t.teacher_id in teaching and rows[t.teacher_id]]
    rng.shuffle(pool)
    changed: dict[str, list[Availability]] = {}
    for teacher_id in pool:
        if len(changed) == count:
            break
        if (new := _changed(rows[teacher_id], rng)) is not None:
            changed[teacher_id] = new
    if len(changed) < count:
        raise ValueError(f"only {len(changed)} teachers who teach have availability to change, not {count}")
    out: list[Availability] = []
    for a in problem.availability:
        if a.teacher_id not in changed:
            out.append(a)
        elif changed[a.teacher_id]:  # the teacher's new rows stand where their first row stood
            out += changed[a.teacher_id]
            changed[a.teacher_id] = []
    return tuple(out)


def _changed(rows: list[Availability], rng: random.Random) -> list[Availability] | None:
    """One teacher's rows with one change that alters their week, or None if none does."""

    def week(rs: list[Availability]) -> dict[int, list[tuple[int, int]]]:
        days: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r in rs:
            days[r.weekday].append(r.bounds)
        return {d: merge_windows(spans) for d, spans in days.items()}

    def row(like: Availability, **change: int) -> Availability:
        values = {
            "teacher_id": like.teacher_id,
            "weekday": like.weekday,
            "start": like.start,
            "end": like.end,
        }
        return Availability(**(values | change))

    before = week(rows)
    ways = ["drop", "shift", "evening"]
    rng.shuffle(ways)
    for way in ways:
        new = None
        if way == "drop" and len(before) >= 2:
            day = rng.choice(sorted(before))
            new = [r for r in rows if r.weekday != day]
        elif way == "shift":
            i, step = rng.randrange(len(rows)), rng.choice((-60, 60))
            r = rows[i]
            if not 0 <= r.start + step < r.end + step <= MINUTES_PER_DAY:
                step = -step
            if 0 <= r.start + step < r.end + step <= MINUTES_PER_DAY:
                new = [*rows[:i], row(r, start=r.start + step, end=r.end + step), *rows[i + 1 :]]
        elif way == "evening":
            begin, end = EVENING
            free = [
                d for d in range(1, 8) if not any(min(b, end) > max(a, begin) for a, b in before.get(d, []))
            ]
            if free:
                weekdays = [d for d in free if d <= 5] or free
                new = sorted(
                    [*rows, row(rows[0], weekday=rng.choice(weekdays), start=begin, end=end)],
                    key=lambda r: (r.weekday, r.start),
                )
        if new is not None and week(new) != before:
            return new
    return None
