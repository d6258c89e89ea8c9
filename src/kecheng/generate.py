"""Synthetic districts: seeded, realistic stand-ins for a district's tables.

Real rosters hold residents' names, so tests, the README demo and the scaling
benchmarks run on districts made up here instead. They follow Liangjiang New Area
(see ``shared/domain.md``): streets of clustered communities, pooled venues with
the opening hours of their kind, retirees teaching by day and working people by
night, residents in one to three groups. They are tight on purpose — most but not
all sessions fit — so a solver meets contention, not an empty week.

The multi-district presets (``large``, ``city``) lay Liangjiang-sized districts side
by side and name each street ``区·街道`` (e.g. ``两江新区·人和街道``). Teachers near a
border also take a group just across it, as volunteers do, so the districts are
coupled and a solver cannot simply split the city along district lines.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import TypeAdapter

from kecheng.model import (
    MINUTES_PER_DAY,
    Availability,
    Community,
    Group,
    Membership,
    OpeningHours,
    Problem,
    Teacher,
    TimePreferences,
    Venue,
    Weekdays,
    columns,
    distance_m,
    merge_windows,
    parse_clock,
)


@dataclass(frozen=True)
class Preset:
    """How big a district to make; counts are targets the generator stays close to.

    ``districts`` > 1 splits the streets evenly into districts laid side by side;
    ``border_share`` is the chance that a teacher near a district border (within
    ``BORDER_KM``) also takes a group of their activity just across it.
    """

    streets: int
    communities: int
    groups: int
    venues: int
    teachers: int
    members: int
    districts: int = 1
    border_share: float = 0.0


COUNTS = ("streets", "communities", "groups", "venues", "teachers", "members")
"""The knobs that scale with ``groups``."""

# fmt: off
PRESETS: dict[str, Preset] = {
    "small": Preset(streets=2, communities=6, groups=60, venues=40, teachers=45, members=600),
    "district": Preset(streets=8, communities=59, groups=1000, venues=610, teachers=750, members=15_000),
    "large": Preset(streets=32, communities=236, groups=4000, venues=2440, teachers=3000, members=60_000,
                    districts=4, border_share=0.5),
    "city": Preset(streets=80, communities=590, groups=10_000, venues=6100, teachers=7500, members=150_000,
                   districts=10, border_share=0.5),
}
# fmt: on
"""Preset name → knobs. ``district`` is Liangjiang New Area at its reported size; ``large``
is four such districts sharing teachers at their borders, ``city`` ten of them."""


@dataclass(frozen=True)
class Activity:
    name: str
    category: str
    suffix: str  # what the group is called: 班, 队, 团 …
    size: tuple[int, int, int]  # low, typical, high
    sessions: tuple[int, int, int]  # weights of 1, 2, 3 sessions a week
    durations: tuple[int, ...]
    features: str  # required venue features, space-separated
    audience: str  # elder (daytime), young (evenings), family (weekends), mixed
    popularity: float


# fmt: off
ACTIVITIES: tuple[Activity, ...] = (
    Activity("太极拳", "sports", "班", (12, 20, 40), (1, 4, 5), (60, 90), "", "elder", 3.0),
    Activity("广场舞", "sports", "队", (20, 35, 60), (0, 4, 6), (60, 90), "", "mixed", 2.5),
    Activity("乒乓球", "sports", "队", (8, 12, 20), (2, 5, 2), (90, 120), "table_tennis", "mixed", 1.5),
    Activity("八段锦", "sports", "班", (10, 18, 30), (2, 5, 3), (60,), "", "elder", 2.0),
    Activity("健身气功", "sports", "班", (10, 16, 30), (3, 5, 2), (60, 90), "", "elder", 1.2),
    Activity("羽毛球", "sports", "队", (8, 12, 20), (4, 5, 1), (90, 120), "court", "young", 1.2),
    Activity("瑜伽", "sports", "班", (8, 14, 25), (3, 5, 2), (60, 90), "mirror", "young", 1.5),
    Activity("诗词", "culture", "社", (8, 15, 25), (6, 4, 0), (90,), "indoor", "elder", 1.2),
    Activity("书法", "culture", "班", (8, 14, 20), (3, 6, 1), (90, 120), "tables", "elder", 2.0),
    Activity("读书会", "culture", "", (8, 15, 25), (8, 2, 0), (90,), "indoor", "mixed", 1.2),
    Activity("川剧", "culture", "票友社", (10, 18, 30), (4, 5, 1), (120,), "indoor", "elder", 0.8),
    Activity("家庭教育讲座", "culture", "", (15, 30, 50), (1, 0, 0), (60, 90), "indoor", "family", 0.8),
    Activity("合唱", "arts", "团", (20, 35, 60), (3, 6, 1), (90, 120), "piano", "elder", 2.5),
    Activity("非洲鼓", "arts", "班", (8, 14, 20), (4, 5, 1), (60, 90), "indoor", "mixed", 1.0),
    Activity("剪纸", "arts", "班", (8, 12, 20), (5, 4, 1), (90, 120), "tables", "elder", 1.0),
    Activity("国画", "arts", "班", (8, 14, 20), (3, 6, 1), (120,), "tables", "elder", 1.5),
    Activity("民族舞", "arts", "队", (12, 20, 35), (2, 6, 2), (60, 90), "mirror", "elder", 2.0),
    Activity("葫芦丝", "arts", "班", (8, 12, 20), (4, 5, 1), (60, 90), "indoor", "elder", 1.0),
    Activity("摄影", "arts", "班", (8, 15, 25), (7, 3, 0), (90, 120), "indoor", "mixed", 0.8),
    Activity("编织", "arts", "班", (8, 12, 20), (5, 5, 0), (90, 120), "tables", "elder", 1.0),
    Activity("无人机", "science", "班", (8, 10, 15), (6, 4, 0), (90,), "outdoor", "family", 0.5),
    Activity("编程", "science", "班", (8, 10, 15), (4, 6, 0), (90, 120), "computers", "family", 0.7),
    Activity("智能手机课", "science", "", (10, 15, 25), (5, 5, 0), (60, 90), "computers", "elder", 1.2),
    Activity("机器人", "science", "班", (8, 10, 15), (5, 5, 0), (90, 120), "tables", "family", 0.5),
    Activity("理发", "services", "服务", (8, 10, 15), (6, 4, 0), (120,), "water", "elder", 0.8),
    Activity("法律咨询", "services", "", (8, 10, 15), (1, 0, 0), (120,), "tables", "mixed", 0.6),
    Activity("健康讲座", "services", "", (15, 30, 50), (1, 0, 0), (60, 90), "indoor", "elder", 1.0),
    Activity("防诈骗讲座", "services", "", (15, 25, 50), (1, 0, 0), (60,), "indoor", "elder", 0.8),
)
# fmt: on
CATEGORIES = ("sports", "culture", "arts", "science", "services")


@dataclass(frozen=True)
class VenueKind:
    labels: tuple[str, ...]  # names of the first, second … venue of this kind in a community
    capacity: tuple[int, int]
    features: Mapping[str, float]  # feature → chance a venue of this kind has it
    hours: tuple[str, ...]  # variants, e.g. "12345 08:30-11:30 14:00-17:30 | 67 09:00-12:00"
    weight: float  # how common, beyond the station and centre every community has
    own_site: float  # chance of own coordinates rather than the community's


# fmt: off
VENUE_KINDS: dict[str, VenueKind] = {
    "elderly_care": VenueKind(
        ("养老服务中心", "老年活动室", "日间照料中心"), (20, 40),
        {"indoor": 1, "tables": .9, "piano": .35, "mirror": .2, "table_tennis": .2, "water": .5},
        ("12345 08:30-17:30", "12345 08:30-11:30 14:00-17:30"), 1.3, .5),
    "practice_station": VenueKind(
        ("新时代文明实践站", "文明实践点"), (30, 80),
        {"indoor": 1, "tables": .7, "piano": .5, "mirror": .5, "computers": .25, "table_tennis": .3},
        ("1234567 08:30-11:30 14:00-17:30 18:30-21:30",
         "12345 08:30-11:30 14:00-17:30 18:30-21:00 | 67 09:00-11:30 14:00-17:00"), .3, .3),
    "community_centre": VenueKind(
        ("党群服务中心", "原社区办公室", "居民议事厅"), (20, 60),
        {"indoor": 1, "tables": .8, "computers": .35, "piano": .3, "mirror": .3, "table_tennis": .35,
         "water": .25},
        ("12345 09:00-11:30 14:00-17:30 | 6 09:00-12:00", "12345 09:00-11:30 14:00-17:30 | 24 19:00-21:00"),
        .4, .2),
    "company_room": VenueKind(
        ("闲置会议室", "培训室"), (15, 40),
        {"indoor": 1, "tables": .9, "computers": .5, "mirror": .1},
        ("12345 18:30-21:30 | 67 09:00-17:00", "1234 18:30-21:30 | 6 09:00-12:00 14:00-18:00"), 1.2, 1),
    "cafe": VenueKind(
        ("咖啡馆", "书吧"), (10, 20),
        {"indoor": 1, "tables": 1},
        ("1234567 07:00-09:30", "123456 07:00-09:30"), .8, 1),
    "square": VenueKind(
        ("社区广场", "口袋公园", "体育公园"), (60, 200),
        {"outdoor": 1, "court": .4, "table_tennis": .4},
        ("1234567 06:00-22:00",), 1.5, 1),
    "shop_front": VenueKind(
        ("临街铺面(30㎡)", "共享小屋"), (8, 15),
        {"indoor": 1, "tables": .6, "water": .4},
        ("123456 09:00-12:00 14:00-20:00", "12345 09:00-17:00"), .9, 1),
    "school_hall": VenueKind(
        ("小学礼堂", "中学体育馆"), (60, 150),
        {"indoor": 1, "piano": .8, "table_tennis": .4, "court": .6, "mirror": .3},
        ("67 08:00-12:00 14:00-18:00", "67 08:30-17:30"), .7, 1),
}

STREETS = (
    "人和街道", "大竹林街道", "礼嘉街道", "金山街道", "天宫殿街道", "翠云街道", "康美街道", "鸳鸯街道",
    "悦来街道", "回兴街道", "双凤桥街道", "双龙湖街道", "龙山街道", "龙溪街道", "龙塔街道", "宝圣湖街道",
    "王家街道", "观音岩街道", "大坪街道", "化龙桥街道", "南坪街道", "弹子石街道", "铜元局街道", "杨家坪街道",
    "谢家湾街道", "石桥铺街道", "天星桥街道", "小龙坎街道", "磁器口街道", "井口街道", "歇马街道", "天生街道",
)
PLACES = (
    "星光", "天湖", "邢家桥", "高岭", "万紫山", "民心佳园", "康庄", "青枫", "星湖", "汇祥",
    "白云湖", "龙塘", "礼悦", "金渝", "湖彩", "栖霞", "恒山", "鹿山", "卫星", "云竹",
    "长塘", "水星", "美溪", "金州", "丹鹤", "天一", "金鹏", "海棠", "悦港", "金港",
    "柏林", "松牌", "黄茅坪", "长安", "兰馨", "翠湖", "枫林", "锦绣", "和睦", "紫薇",
    "翠屏", "云湖", "碧津", "新南", "华岩", "朝晖", "东湖", "锦霞", "瑞丰", "幸福",
    "书香", "桂花", "梨园", "龙湖", "嘉园", "明月", "北城", "江畔", "映山", "玉峰",
    "清溪", "晨曦", "文星", "银杏",
)
# fmt: on
COMPANIES = ("星云科技", "渝智软件", "两江云谷", "嘉陵智造", "山城数据", "长江汽配", "金渝电子", "巴渝设计")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
OLD_NAMES = ("秀英", "桂兰", "建国", "国华", "淑珍", "玉兰", "志强", "德明", "素芬", "永福", "文华", "凤英")
YOUNG_NAMES = ("子涵", "欣怡", "浩然", "雨萱", "梓轩", "思远", "佳琪", "一鸣", "语桐", "宇航", "诗琪", "俊杰")
ORDINALS = "一二三四五六七八九十"

# Teacher profiles: weekday pool, how many of those days (low, high), window variants.
RETIREE = ("12345", (3, 5), ("08:00-11:30 14:00-17:00", "08:00-11:30", "08:30-11:30 14:30-17:30"))
RETIREE_SPORTS = ("12345", (3, 5), ("06:30-11:30 15:00-17:30", "07:00-11:30"))
EVENINGS = ("12345", (2, 4), ("18:30-21:30",))
WEEKENDS = ("67", (1, 2), ("09:00-12:00 14:00-18:00", "14:00-18:00"))
PROFESSIONAL = ("1234567", (4, 6), ("08:30-11:30 14:00-17:30 18:30-21:00", "08:30-11:30 14:00-17:30"))
TEACHER_MIX = {"elder": (80, 10, 10), "mixed": (45, 40, 15), "young": (5, 75, 20), "family": (10, 60, 30)}
"""Audience → weights of retiree, working and professional teachers."""
MAX_GROUPS_PER_TEACHER = 6
KM_PER_DEG = 111.2
SPACING_KM = 1.15  # between neighbouring communities of a street
BLOCK = 8  # streets in one Liangjiang-sized block; bigger cities tile such blocks side by side
DISTRICTS = (
    "两江新区", "渝北区", "江北区", "渝中区", "南岸区",
    "九龙坡区", "沙坪坝区", "大渡口区", "北碚区", "巴南区",
)  # fmt: skip
BORDER_KM = 5.0  # a teacher may take a group in a community this close across a district border

AFTER_SCHOOL = ";".join(f"{day}@16:00-18:30" for day in range(1, 6))
WEEKEND_DAYTIME = "6@09:00-17:00;7@09:00-17:00"
# fmt: off
PREFERENCES: dict[str, tuple[tuple[float, str, str], ...]] = {
    "elder": ((70, "morning", ""), (12, "morning;afternoon", ""), (5, "afternoon", ""), (13, "", "")),
    "young": (
        (35, "evening", ""), (15, "evening;6@09:00-12:00;7@09:00-12:00", ""),
        (10, "evening;6@14:00-18:00;7@14:00-18:00", ""), (10, "", "6;7"), (8, "evening", "1;2;3;4"),
        (22, "", ""),
    ),
    "family": (
        (35, AFTER_SCHOOL, ""), (30, WEEKEND_DAYTIME, ""), (15, f"{AFTER_SCHOOL};{WEEKEND_DAYTIME}", ""),
        (20, "", ""),
    ),
    "mixed": (
        (25, "evening", ""), (20, "morning;evening", ""), (15, "morning", ""), (10, "", "6;7"), (30, "", ""),
    ),
}
# fmt: on
"""Audience → (weight, preferred_times, preferred_weekdays) options; blank means no preference."""
REALISTIC = 0.9
"""Chance that a group's preference is drawn among those its teacher and venues can meet at all."""
PREFERENCE_SALT = 7919  # preferences draw from Random(seed * PREFERENCE_SALT + 1), the rest from Random(seed)


def generate(preset: str = "district", seed: int = 0, *, groups: int | None = None) -> Problem:
    """A made-up district, identical for the same preset, seed and ``groups``.

    ``groups`` overrides the preset's group count and scales everything else with it
    (communities, venues, teachers, members), tiling more streets for large counts so
    that the density per community stays that of Liangjiang.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    knobs = _scaled(PRESETS[preset], groups)
    rng = random.Random(seed)
    communities = _communities(knobs, rng)
    venues, hours = _venues(knobs, communities, rng)
    drafts = _group_drafts(knobs, communities, rng)
    across = _across_borders(communities) if knobs.border_share else {}
    teachers, availability = _teachers(knobs, drafts, rng, across)
    members = _members(knobs, communities, drafts, rng)
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
    return _replaced(plain, groups=tuple(_with_preferences(plain, plain.groups, audiences, preferring)))


def _replaced(problem: Problem, **tables: Any) -> Problem:
    """The problem with some tables replaced and the settings kept, validated anew."""
    return Problem(**({name: getattr(problem, name) for name in Problem.model_fields} | tables))


def _scaled(knobs: Preset, groups: int | None) -> Preset:
    """Scale the counts; a single district stays one (its streets tile), several scale with the rest."""
    if groups is None:
        return knobs
    if groups < 1:
        raise ValueError("groups must be at least 1")
    n = {knob: max(1, round(getattr(knobs, knob) * groups / knobs.groups)) for knob in COUNTS}
    n.update(streets=min(n["streets"], n["communities"]), venues=max(n["venues"], 2 * n["communities"]))
    districts = 1 if knobs.districts == 1 else round(knobs.districts * groups / knobs.groups)
    return replace(knobs, **{**n, "groups": groups}, districts=max(1, min(districts, n["streets"])))


def district_of(street: str) -> str:
    """The district a generated street lies in ("" for single-district presets)."""
    return street.split("·")[0] if "·" in street else ""


def _district_name(index: int) -> str:
    again, k = divmod(index, len(DISTRICTS))
    return DISTRICTS[k] + (f"（{again + 1}）" if again else "")


def _ids(prefix: str, count: int, width: int) -> list[str]:
    width = max(width, len(str(count)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def _apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into whole shares of at least ``minimum``, close to ``weights``."""
    spare = total - minimum * len(weights)
    raw = [spare * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: shares[i] - raw[i])[: spare - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]


def _offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    lat2 = lat + north_km / KM_PER_DEG
    return round(lat2, 6), round(lon + east_km / (KM_PER_DEG * math.cos(math.radians(lat))), 6)


def _communities(knobs: Preset, rng: random.Random) -> list[Community]:
    """Streets on a 4×2 grid per block (district); a street's communities on a jittered hex lattice
    ~1 km apart."""
    per_street = _apportion(knobs.communities, [rng.uniform(0.8, 1.2) for _ in range(knobs.streets)])
    per_block = BLOCK if knobs.districts == 1 else -(-knobs.streets // knobs.districts)
    lattice = [(i + j / 2, j * math.sqrt(3) / 2) for i in range(-5, 6) for j in range(-5, 6)]
    ids, out = iter(_ids("C", knobs.communities, 3)), []
    places = (p + (ORDINALS[n % 10] if n else "") for n in range(10**6) for p in PLACES)
    for s, count in enumerate(per_street):
        block, j = divmod(s, per_block)
        lat = 29.6375 + (j // 4) * 0.075 + (block // 4) * 0.16 + rng.uniform(-0.01, 0.01)
        lon = 106.475 + (j % 4) * 0.05 + (block % 4) * 0.21 + rng.uniform(-0.01, 0.01)
        again = s // len(STREETS)
        street = STREETS[s % len(STREETS)] + (f"（{again + 1}）" if again else "")
        label = street if knobs.districts == 1 else f"{_district_name(block)}·{street}"
        spots = sorted(lattice, key=lambda p: math.hypot(*p) + rng.uniform(0, 0.3))[:count]
        for k, (x, y) in enumerate(spots):  # the first community carries the street's name
            name = street.removesuffix("街道") if k == 0 and not again else next(places)
            jitter = rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)
            c_lat, c_lon = _offset(lat, lon, SPACING_KM * y + jitter[0], SPACING_KM * x + jitter[1])
            out.append(
                Community(community_id=next(ids), name=f"{name}社区", street=label, lat=c_lat, lon=c_lon)
            )
    return out


def _across_borders(communities: list[Community]) -> dict[str, list[str]]:
    """Community → communities of other districts within ``BORDER_KM``, nearest first.

    Bucketed on a grid of ``BORDER_KM`` cells, so it stays linear in the communities.
    """
    cell = BORDER_KM / KM_PER_DEG  # degrees; longitude cells are narrower in km, which only adds checks

    def key(c: Community) -> tuple[int, int]:
        return math.floor(c.lat / cell), math.floor(c.lon / cell)

    grid: dict[tuple[int, int], list[Community]] = defaultdict(list)
    for c in communities:
        grid[key(c)].append(c)
    out: dict[str, list[str]] = {}
    for c in communities:
        (i, j), home = key(c), district_of(c.street)
        near = [
            (distance_m(c.lat, c.lon, o.lat, o.lon), o.community_id)
            for di in (-1, 0, 1)
            for dj in (-2, -1, 0, 1, 2)
            for o in grid.get((i + di, j + dj), ())
            if district_of(o.street) != home
        ]
        if near := sorted(x for x in near if x[0] <= BORDER_KM * 1000):
            out[c.community_id] = [o for _, o in near]
    return out


def _hours(spec: str) -> list[tuple[int, int, int]]:
    """'12345 08:30-11:30 14:00-17:30 | 67 09:00-12:00' → (weekday, start, end) rows."""
    rows = []
    for part in spec.split("|"):
        days, *spans = part.split()
        for day in days:
            for span in spans:
                begin, end = span.split("-")
                rows.append((int(day), parse_clock(begin), parse_clock(end)))
    return rows


def _venues(
    knobs: Preset, communities: list[Community], rng: random.Random
) -> tuple[list[Venue], list[OpeningHours]]:
    """Each community has a practice station and a party-service centre; the rest is drawn by kind."""
    counts = _apportion(knobs.venues, [rng.uniform(0.6, 1.4) for _ in communities], minimum=2)
    kinds = list(VENUE_KINDS)
    ids = iter(_ids("V", knobs.venues, 4))
    venues, hours = [], []
    for community, count in zip(communities, counts, strict=True):
        park = rng.random() < 0.35  # next to an industrial park: more idle company rooms
        weights = [VENUE_KINDS[k].weight * (3 if park and k == "company_room" else 1) for k in kinds]
        drawn = ["practice_station", "community_centre", *rng.choices(kinds, weights, k=count - 2)]
        seen: dict[str, int] = defaultdict(int)
        for key in drawn:
            kind, venue_id = VENUE_KINDS[key], next(ids)
            seen[key] += 1
            again, nth = divmod(seen[key] - 1, len(kind.labels))
            owner = rng.choice(COMPANIES) if key == "company_room" else ""
            name = f"{community.name.removesuffix('社区')}{owner}{kind.labels[nth]}"
            name += f"（{ORDINALS[again % 10]}）" if again else ""
            lat = lon = None
            if rng.random() < kind.own_site:  # somewhere within ~300 m of the community centre
                r, a = 0.3 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
                lat, lon = _offset(community.lat, community.lon, r * math.sin(a), r * math.cos(a))
            venues.append(
                Venue(
                    venue_id=venue_id,
                    name=name,
                    community_id=community.community_id,
                    capacity=rng.randint(*kind.capacity),
                    features=frozenset(f for f, p in kind.features.items() if rng.random() < p),
                    kind=key,
                    lat=lat,
                    lon=lon,
                )
            )
            for day, begin, end in _hours(rng.choice(kind.hours)):
                hours.append(OpeningHours(venue_id=venue_id, weekday=day, open=begin, close=end))
    return venues, hours


def _group_drafts(knobs: Preset, communities: list[Community], rng: random.Random) -> list[dict[str, Any]]:
    """Groups per community vary (a pilot community runs 34 clubs); activities follow popularity."""
    counts = _apportion(knobs.groups, [rng.lognormvariate(0, 0.35) for _ in communities], minimum=1)
    homes = [c for c, n in zip(communities, counts, strict=True) for _ in range(n)]
    acts = rng.choices(ACTIVITIES, [a.popularity for a in ACTIVITIES], k=len(homes))
    for category in sorted(set(CATEGORIES) - {a.category for a in acts}):  # every category shows up
        acts[rng.randrange(len(acts))] = rng.choice([a for a in ACTIVITIES if a.category == category])
    ids, seen, drafts = iter(_ids("G", knobs.groups, 4)), defaultdict(int), []
    for home, act in zip(homes, acts, strict=True):
        seen[home.community_id, act.name] += 1
        nth = seen[home.community_id, act.name]
        low, mode, high = act.size
        drafts.append(
            {
                "group_id": next(ids),
                "name": f"{home.street}·{home.name} {act.name}{act.suffix}"
                + (f"（{ORDINALS[(nth - 1) % 10]}）" if nth > 1 else ""),
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
    return drafts


def _split(n: int, teachers: int, rng: random.Random) -> list[int]:
    """n groups among teachers, 1–6 each; extras go preferentially to busy teachers, making a few stars."""
    sizes = [1] * teachers
    for _ in range(n - teachers):
        open_ = [i for i, s in enumerate(sizes) if s < MAX_GROUPS_PER_TEACHER]
        sizes[rng.choices(open_, [sizes[i] ** 1.5 for i in open_])[0]] += 1
    return sizes


def _shares(target: int, sizes: list[int]) -> list[int]:
    """Teachers per activity: proportional to its groups, summing to ``target`` where possible."""
    least = [-(-s // MAX_GROUPS_PER_TEACHER) for s in sizes]
    target = min(sum(sizes), max(target, sum(least)))
    shares = [max(lo, min(s, t)) for lo, s, t in zip(least, sizes, _apportion(target, sizes), strict=True)]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]) * max(1, len(sizes)):
        gap = target - sum(shares)
        if (gap > 0 and shares[i] < sizes[i]) or (gap < 0 and shares[i] > least[i]):
            shares[i] += 1 if gap > 0 else -1
    return shares


def _available(profile: tuple, rng: random.Random) -> list[tuple[int, int, int]]:
    pool, (low, high), windows = profile
    days = sorted(rng.sample(pool, min(len(pool), rng.randint(low, high))))
    return _hours(f"{''.join(days)} {rng.choice(windows)}")


def _cross_borders(
    plans: list[list[dict[str, Any]]], across: dict[str, list[str]], share: float, rng: random.Random
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
        if len(plan) >= MAX_GROUPS_PER_TEACHER or id(plan) in changed:
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


def _teachers(
    knobs: Preset, drafts: list[dict[str, Any]], rng: random.Random, across: dict[str, list[str]]
) -> tuple[list[Teacher], list[Availability]]:
    """Teachers per district and activity, each taking neighbouring communities' groups; the busiest
    are professionals. Only ``_cross_borders`` lets a teacher cross a district border."""
    by_activity: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for d in drafts:  # drafts run in community order, so a teacher's groups are neighbours
        by_activity[d["district"], d["activity"].name].append(d)
    names = list(by_activity)
    shares = _shares(knobs.teachers, [len(by_activity[n]) for n in names])
    plans = []
    for name, share in zip(names, shares, strict=True):
        taught = iter(by_activity[name])
        chunks = _split(len(by_activity[name]), share, rng)
        rng.shuffle(chunks)
        plans += [[next(taught) for _ in range(size)] for size in chunks]
    rng.shuffle(plans)
    if across:
        _cross_borders(plans, across, knobs.border_share, rng)
    teachers, availability = [], []
    for teacher_id, taught in zip(_ids("T", len(plans), 4), plans, strict=True):
        act: Activity = taught[0]["activity"]
        kind = "p" if len(taught) >= 4 else rng.choices("rwp", TEACHER_MIX[act.audience])[0][0]
        caps: dict[str, int] = {}
        demand = sum(d["sessions_per_week"] for d in taught)
        if kind == "r":  # retirees: weekday daytime, sometimes a Saturday morning
            rows = _available(RETIREE_SPORTS if act.category == "sports" else RETIREE, rng)
            rows += _hours("6 09:00-11:30") if rng.random() < 0.2 else []
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


def _members(
    knobs: Preset, communities: list[Community], drafts: list[dict[str, Any]], rng: random.Random
) -> list[Membership]:
    """Residents fill every group's seats, joining 1–3 groups, mostly at home and of one audience."""
    seats = {d["group_id"]: d["size"] for d in drafts}
    local: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in drafts:
        local[d["community_id"]].append(d)
    street: dict[str, list[str]] = defaultdict(list)
    for c in communities:
        street[c.street].append(c.community_id)
    extra = min(max(sum(seats.values()) / knobs.members - 1, 0.0), 1 / 0.7)  # mean groups a member - 1
    spread = (1 - 0.7 * extra, 0.4 * extra, 0.3 * extra)
    joined: list[tuple[int, str]] = []
    resident = 0
    for c in communities:
        while open_ := [d for d in local[c.community_id] if seats[d["group_id"]]]:
            resident += 1
            first = rng.choices(open_, [seats[d["group_id"]] for d in open_])[0]
            chosen = [first]
            for _ in range(rng.choices((0, 1, 2), spread)[0]):
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


# --- Time preferences --------------------------------------------------------------------------

_TIMES = TypeAdapter(TimePreferences)
_DAYS = TypeAdapter(Weekdays)


@dataclass(frozen=True)
class _Preference:
    weight: float
    times: tuple[tuple[int, int, int], ...]
    weekdays: frozenset[int]

    def days_met(self, duration: int, free: Mapping[int, list[tuple[int, int]]]) -> int:
        """Weekdays on which ``free`` time (teacher and venue) within this preference fits a session."""
        days = 0
        for day, spans in free.items():
            if self.weekdays and day not in self.weekdays:
                continue
            wanted = (
                [(a, b) for d, a, b in self.times if d in (0, day)] if self.times else [(0, MINUTES_PER_DAY)]
            )
            days += any(min(e, b) - max(s, a) >= duration for s, e in spans for a, b in wanted)
        return days


_OPTIONS = {
    audience: tuple(
        _Preference(w, _TIMES.validate_python(t), _DAYS.validate_python(d)) for w, t, d in options
    )
    for audience, options in PREFERENCES.items()
}


def _venues_near(problem: Problem, reach_m: float) -> dict[str, list[tuple[str, float]]]:
    """Community → (venue, metres) within ``reach_m``, found on a grid of cells at least that wide."""
    if not problem.communities or not problem.venues:
        return {}
    cell = max(reach_m, 1.0) / (KM_PER_DEG * 1000)  # degrees of latitude
    widest = max(abs(c.lat) for c in problem.communities)
    lon_cell = cell / max(math.cos(math.radians(min(widest + 1, 89.0))), 0.01)

    def key(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / cell), math.floor(lon / lon_cell)

    grid: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
    for v in problem.venues:
        lat, lon = problem.venue_location(v.venue_id)
        grid[key(lat, lon)].append((v.venue_id, lat, lon))
    out: dict[str, list[tuple[str, float]]] = {}
    for c in problem.communities:
        i, j = key(c.lat, c.lon)
        out[c.community_id] = [
            (venue_id, metres)
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            for venue_id, lat, lon in grid.get((i + di, j + dj), ())
            if (metres := distance_m(c.lat, c.lon, lat, lon)) <= reach_m
        ]
    return out


def _free_time(
    problem: Problem, group: Group, near: Mapping[str, list[tuple[str, float]]]
) -> dict[int, list[tuple[int, int]]]:
    """Weekday → stretches when the group's teacher is available and a venue that fits it is open
    (the fitting venues' hours merged: close enough to tell a meetable preference from one that is not)."""
    fitting = [
        venue_id
        for venue_id, metres in near.get(group.community_id, ())
        if metres <= group.max_walk_m
        and problem.venue[venue_id].capacity >= group.size
        and group.required_features <= problem.venue[venue_id].features
    ]
    free = {}
    for day in range(1, 8):
        teacher = problem.available.get((group.teacher_id, day), [])
        if not teacher or not fitting:
            continue
        opening = merge_windows(span for v in fitting for span in problem.opening.get((v, day), []))
        free[day] = [(max(a, c), min(b, d)) for a, b in teacher for c, d in opening if min(b, d) > max(a, c)]
    return free


def _with_preferences(
    problem: Problem, groups: tuple[Group, ...] | list[Group], audiences: list[str], rng: random.Random
) -> list[Group]:
    """The groups with a time preference drawn for their audience (unknown audiences count as mixed).

    With chance ``REALISTIC`` the draw is among the options the group's teacher and some venue
    in its reach can meet on at least one weekday (no preference always qualifies); otherwise,
    and when nothing qualifies, it keeps its first draw, which may be one nobody can meet.
    """
    near = _venues_near(problem, max((g.max_walk_m for g in groups), default=0.0))
    out = []
    for group, audience in zip(groups, audiences, strict=True):
        options = _OPTIONS.get(audience, _OPTIONS["mixed"])
        weights = [o.weight for o in options]
        pick = rng.choices(options, weights)[0]
        if rng.random() < REALISTIC:
            free = _free_time(problem, group, near)
            meetable = [
                o for o in options if not (o.times or o.weekdays) or o.days_met(group.duration_min, free)
            ]
            if meetable and pick not in meetable:
                pick = rng.choices(meetable, [o.weight for o in meetable])[0]
        fields = {name: getattr(group, name) for name in columns(Group)}
        out.append(Group(**(fields | {"preferred_times": pick.times, "preferred_weekdays": pick.weekdays})))
    return out


# --- Next week ---------------------------------------------------------------------------------

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
    return _replaced(
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
        name = f"{prefix}{what}" + (f"（{ORDINALS[(nth - 1) % 10]}）" if nth > 1 else "")
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
    return _with_preferences(problem, drafts, kinds, rng), rows


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
