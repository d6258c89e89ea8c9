"""Residents' orders for a generated district: interests, residents, orders, teachers' interests.

Seeded and deterministic, at the scale of the district it is given (the ``district`` preset:
~15 000 residents placing ~25 000 orders over 40 interests). It follows what the press reports
of 点单 surveys (see ``shared/domain.md``):

- residents are the district's group members (about half of them order something new) and
  newcomers who are in no group yet; they live around their community's centre and walk
  600-2000 m; elders come by day, working people evenings and weekends, families after school
  and at weekends (``available`` is hard), a third any time;
- 1-3 orders each, ranked; most for interests that are popular everywhere, a few for niche
  ones asked for in a few streets only; nobody orders what they already do;
- some households and friends order together (``with``);
- the running groups get their ``interest_id``; teachers teach their running groups' interest
  and sometimes a second of the same category, and take 0-3 new groups (``max_groups``).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, replace

from kecheng.planning.base import Group, Problem, Teacher
from kecheng.planning.model import Interest, Order, PlanProblem, Resident

SALT = 104_729  # orders draw from Random(seed * SALT + 3): the district's own stream stays untouched


@dataclass(frozen=True)
class _Kind:
    name: str
    category: str
    size: tuple[int, int]  # min_size, max_size
    sessions: int
    duration: int
    features: str
    audience: str  # elder, young, family, mixed
    popularity: float  # orders drawn in proportion; below NICHE only in a few streets


# fmt: off
CATALOGUE: tuple[_Kind, ...] = (
    _Kind("太极拳", "sports", (12, 40), 2, 60, "", "elder", 3.0),
    _Kind("广场舞", "sports", (20, 60), 3, 60, "", "mixed", 2.5),
    _Kind("乒乓球", "sports", (8, 20), 2, 90, "table_tennis", "mixed", 1.5),
    _Kind("八段锦", "sports", (10, 30), 2, 60, "", "elder", 2.0),
    _Kind("健身气功", "sports", (10, 30), 2, 60, "", "elder", 1.2),
    _Kind("羽毛球", "sports", (8, 20), 2, 90, "court", "young", 1.2),
    _Kind("瑜伽", "sports", (8, 25), 2, 60, "mirror", "young", 1.5),
    _Kind("诗词", "culture", (8, 25), 1, 90, "indoor", "elder", 1.2),
    _Kind("书法", "culture", (8, 20), 2, 90, "tables", "elder", 2.0),
    _Kind("读书会", "culture", (8, 25), 1, 90, "indoor", "mixed", 1.2),
    _Kind("川剧", "culture", (10, 30), 2, 120, "indoor", "elder", 0.8),
    _Kind("家庭教育讲座", "culture", (15, 50), 1, 60, "indoor", "family", 0.8),
    _Kind("合唱", "arts", (20, 60), 2, 90, "piano", "elder", 2.5),
    _Kind("非洲鼓", "arts", (8, 20), 2, 60, "indoor", "mixed", 1.0),
    _Kind("剪纸", "arts", (8, 20), 1, 90, "tables", "elder", 1.0),
    _Kind("国画", "arts", (8, 20), 2, 120, "tables", "elder", 1.5),
    _Kind("民族舞", "arts", (12, 35), 2, 60, "mirror", "elder", 2.0),
    _Kind("葫芦丝", "arts", (8, 20), 2, 60, "indoor", "elder", 1.0),
    _Kind("摄影", "arts", (8, 25), 1, 90, "indoor", "mixed", 0.8),
    _Kind("编织", "arts", (8, 20), 1, 90, "tables", "elder", 1.0),
    _Kind("无人机", "science", (8, 15), 1, 90, "outdoor", "family", 0.5),
    _Kind("编程", "science", (8, 15), 2, 90, "computers", "family", 0.7),
    _Kind("智能手机课", "science", (10, 25), 1, 60, "computers", "elder", 1.2),
    _Kind("机器人", "science", (8, 15), 1, 90, "tables", "family", 0.5),
    _Kind("理发", "services", (8, 15), 1, 120, "water", "elder", 0.8),
    _Kind("法律咨询", "services", (8, 15), 1, 120, "tables", "mixed", 0.6),
    _Kind("健康讲座", "services", (15, 50), 1, 60, "indoor", "elder", 1.0),
    _Kind("防诈骗讲座", "services", (15, 50), 1, 60, "indoor", "elder", 0.8),
    # asked for in surveys, not run anywhere yet
    _Kind("象棋", "culture", (8, 20), 1, 120, "tables", "elder", 1.2),
    _Kind("围棋", "culture", (8, 16), 1, 120, "tables", "family", 0.6),
    _Kind("茶艺", "culture", (8, 15), 1, 90, "tables;water", "mixed", 0.7),
    _Kind("插花", "arts", (8, 15), 1, 90, "tables;water", "mixed", 0.8),
    _Kind("古筝", "arts", (8, 15), 2, 60, "indoor", "elder", 0.7),
    _Kind("二胡", "arts", (8, 15), 2, 60, "indoor", "elder", 0.6),
    _Kind("英语口语", "culture", (8, 20), 2, 60, "indoor", "young", 0.9),
    _Kind("亲子手工", "arts", (8, 20), 1, 90, "tables", "family", 0.8),
    _Kind("健步走", "sports", (10, 40), 3, 60, "outdoor", "elder", 1.5),
    _Kind("舞龙舞狮", "sports", (12, 30), 2, 90, "outdoor", "mixed", 0.4),
    _Kind("心理健康讲座", "services", (15, 50), 1, 60, "indoor", "mixed", 0.7),
    _Kind("烘焙", "services", (8, 12), 1, 120, "water;tables", "young", 0.6),
)
# fmt: on
NICHE = 0.85  # popularity below this: ordered in a few streets only

AFTER_SCHOOL = ";".join(f"{d}@16:00-18:30" for d in range(1, 6))
WEEKENDS = "6@09:00-17:00;7@09:00-17:00"
AVAILABILITY = {  # audience → (available, weight)
    "elder": (("", 40), ("morning;afternoon", 30), ("morning", 20), ("afternoon", 10)),
    "young": (("evening;6@09:00-18:00;7@09:00-18:00", 55), ("evening", 25), ("", 20)),
    "family": ((f"{AFTER_SCHOOL};{WEEKENDS}", 50), (WEEKENDS, 30), ("", 20)),
}
AUDIENCES = (("elder", 55), ("young", 25), ("family", 20))
WALKS = ((600.0, 10), (1000.0, 70), (1500.0, 15), (2000.0, 5))
ORDERS_PER_RESIDENT = ((1, 50), (2, 33), (3, 17))
ORDERING_MEMBERS = 0.55  # share of group members who order something new
NEWCOMERS = 0.45  # newcomers per group member (people in no group yet)
WITH_SHARE = 0.05  # residents ordering together with someone of their community
TEACHER_NEW_GROUPS = ((0, 30), (1, 40), (2, 22), (3, 8))
SECOND_INTEREST = 0.25
HOME_SPREAD_M = 450.0


@dataclass(frozen=True)
class SyntheticOrders:
    """What ``synthetic_orders`` makes: the district with teachers' interests and groups'
    ``interest_id`` filled in, and the three new tables."""

    problem: Problem
    interests: tuple[Interest, ...]
    residents: tuple[Resident, ...]
    orders: tuple[Order, ...]

    def plan_problem(self) -> PlanProblem:
        return PlanProblem(self.problem, self.interests, self.residents, self.orders)


def _pick(rng: random.Random, options: tuple[tuple[object, float], ...]) -> object:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def interest_of(name: str, interests: tuple[Interest, ...]) -> str | None:
    """The interest a running group is of, read from its name (longest interest name in it)."""
    found = [i for i in interests if i.name in name]
    return max(found, key=lambda i: (len(i.name), i.interest_id)).interest_id if found else None


def synthetic_orders(problem: Problem, seed: int = 0) -> SyntheticOrders:
    """Interests, residents and orders for ``problem`` (a generated district), the same for the same seed."""
    rng = random.Random(seed * SALT + 3)
    interests = tuple(
        Interest(
            interest_id=f"I{n:02d}",
            name=k.name,
            category=k.category,
            min_size=k.size[0],
            max_size=k.size[1],
            sessions_per_week=k.sessions,
            duration_min=k.duration,
            required_features=frozenset(k.features.split(";")) - {""},
            priority=1,
        )
        for n, k in enumerate(CATALOGUE, start=1)
    )
    kind = {i.interest_id: k for i, k in zip(interests, CATALOGUE, strict=True)}
    groups = tuple(replace(g, interest_id=interest_of(g.name, interests)) for g in problem.groups)
    teachers = _teachers(problem, groups, interests, kind, rng)
    district = Problem(
        **(
            {name: getattr(problem, name) for name in Problem.model_fields}
            | {"groups": groups, "teachers": teachers}
        )
    )
    residents, audiences, held = _residents(district, rng)
    orders = _orders(district, residents, audiences, held, interests, kind, rng)
    return SyntheticOrders(district, interests, tuple(residents), tuple(orders))


def _teachers(
    problem: Problem,
    groups: tuple[Group, ...],
    interests: tuple[Interest, ...],
    kind: dict[str, _Kind],
    rng: random.Random,
) -> tuple[Teacher, ...]:
    """Each teacher teaches their groups' interests, sometimes one more of the category; new
    interests find their teachers among those of the same category."""
    taught: dict[str, set[str]] = defaultdict(set)
    for g in groups:
        if g.interest_id is not None:
            taught[g.teacher_id].add(g.interest_id)
    by_category: dict[str, list[str]] = defaultdict(list)
    for i in interests:
        by_category[i.category].append(i.interest_id)
    running = {g.interest_id for g in groups}
    out = []
    for t in problem.teachers:
        mine = set(taught.get(t.teacher_id, ()))
        if mine and rng.random() < SECOND_INTEREST:
            category = kind[min(mine)].category
            mine.add(rng.choice(by_category[category]))
        out.append([t, mine, _pick(rng, TEACHER_NEW_GROUPS)])
    for i in interests:  # interests nobody runs yet: a few teachers of the category can take them
        if i.interest_id in running:
            continue
        pool = [row for row in out if any(kind[x].category == i.category for x in row[1])]
        wanted = max(3, round(len(problem.teachers) / 75 * kind[i.interest_id].popularity))
        for row in rng.sample(pool, min(wanted, len(pool))):
            row[1].add(i.interest_id)
    return tuple(replace(t, interests=frozenset(mine), max_groups=new) for t, mine, new in out)


def _offset(lat: float, lon: float, metres: float, rng: random.Random) -> tuple[float, float]:
    r, a = metres * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    north, east = r * math.sin(a), r * math.cos(a)
    return (
        round(lat + north / 111_200, 6),
        round(lon + east / (111_200 * math.cos(math.radians(lat))), 6),
    )


def _residents(
    problem: Problem, rng: random.Random
) -> tuple[list[Resident], dict[str, str], dict[str, set[str]]]:
    """Members who order (living in their first group's community) and newcomers, community by community."""
    first_group: dict[str, str] = {}
    joined: dict[str, list[str]] = defaultdict(list)
    for member, group in problem.members.select("member_id", "group_id"):
        first_group.setdefault(member, group)
        joined[member].append(group)
    members = sorted(first_group)
    held = {m: {problem.group[g].interest_id for g in joined[m]} - {None} for m in members}
    people: list[tuple[str, str, int]] = []  # resident_id, community_id, groups already
    for m in members:
        if rng.random() < ORDERING_MEMBERS:
            people.append((m, problem.group[first_group[m]].community_id, len(joined[m])))
    weights = [
        len([g for g in problem.groups if g.community_id == c.community_id]) + 1 for c in problem.communities
    ]
    width = max(6, len(str(len(members) + 1)))
    newcomers = round(NEWCOMERS * len(members))
    homes = rng.choices([c.community_id for c in problem.communities], weights, k=newcomers)
    for n, home in enumerate(homes, start=len(members) + 1):
        people.append((f"M{n:0{width}d}", home, 0))
    residents, audiences = [], {}
    for resident_id, community_id, already in people:
        home = problem.community[community_id]
        lat, lon = _offset(home.lat, home.lon, HOME_SPREAD_M, rng)
        audience = audiences[resident_id] = _pick(rng, AUDIENCES)
        max_groups = (
            max(2, already + rng.choice((1, 1, 2))) if already else _pick(rng, ((2, 70), (1, 15), (3, 15)))
        )
        residents.append(
            Resident(
                resident_id=resident_id,
                community_id=community_id,
                lat=lat,
                lon=lon,
                max_walk_m=_pick(rng, WALKS),
                max_groups=max_groups,
                available=_pick(rng, AVAILABILITY[audience]),
            )
        )
    return residents, audiences, {r: held.get(r, set()) for r, _, _ in people}


def _orders(
    problem: Problem,
    residents: list[Resident],
    audiences: dict[str, str],
    held: dict[str, set[str]],
    interests: tuple[Interest, ...],
    kind: dict[str, _Kind],
    rng: random.Random,
) -> list[Order]:
    """1-3 ranked orders per resident, drawn from their community's taste; some with a partner."""
    streets = sorted({c.street for c in problem.communities})
    niche_streets = {
        i.interest_id: set(rng.sample(streets, max(1, round(len(streets) * rng.uniform(0.15, 0.35)))))
        for i in interests
        if kind[i.interest_id].popularity < NICHE
    }
    taste: dict[tuple[str, str], float] = {}
    for c in problem.communities:
        for i in interests:
            k = kind[i.interest_id]
            local = rng.lognormvariate(0, 0.45)
            if i.interest_id in niche_streets:
                local *= 2.5 if c.street in niche_streets[i.interest_id] else 0.02
            taste[c.community_id, i.interest_id] = k.popularity * local
    audience_fit = {"elder": {"elder": 3, "mixed": 1.5}, "young": {"young": 3, "mixed": 1.5, "family": 0.7}}
    audience_fit["family"] = {"family": 3, "mixed": 1.5, "young": 0.7}

    chosen: dict[str, list[str]] = {}
    for r in residents:
        audience = audiences[r.resident_id]
        pool = [i.interest_id for i in interests if i.interest_id not in held[r.resident_id]]
        weights = [taste[r.community_id, i] * audience_fit[audience].get(kind[i].audience, 0.5) for i in pool]
        count = _pick(rng, ORDERS_PER_RESIDENT)
        picks: list[str] = []
        while len(picks) < count and pool:
            k = rng.choices(range(len(pool)), weights)[0]
            picks.append(pool.pop(k))
            weights.pop(k)
        chosen[r.resident_id] = picks

    partner: dict[tuple[str, str], str] = {}
    by_community: dict[str, list[str]] = defaultdict(list)
    for r in residents:
        by_community[r.community_id].append(r.resident_id)
    for community_id in sorted(by_community):
        people = list(by_community[community_id])
        rng.shuffle(people)
        pairs = round(len(people) * WITH_SHARE / 2)
        for a, b in zip(people[0 : 2 * pairs : 2], people[1 : 2 * pairs : 2], strict=True):
            if not chosen[a] or chosen[a][0] in held[b]:
                continue
            interest = chosen[a][0]
            if interest not in chosen[b]:
                if len(chosen[b]) >= 3:
                    chosen[b][-1] = interest
                else:
                    chosen[b].append(interest)
            partner[a, interest], partner[b, interest] = b, a

    orders = []
    for r in residents:
        for rank, interest in enumerate(chosen[r.resident_id], start=1):
            mate = partner.get((r.resident_id, interest))
            orders.append(Order(resident_id=r.resident_id, interest_id=interest, rank=rank, with_=mate))
    return orders
