"""What a district is made of: its activities, its kinds of venue and its kinds of teacher.

The tables follow Liangjiang New Area (``shared/domain.md``): tai chi every morning, choir
in the elderly-care centre, coding for families at weekends; venues pooled from stations,
squares, idle company rooms and cafés, each kind with the opening hours it has; retirees
teaching by day, working people by night, professionals invited widely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kecheng.model import parse_clock


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

# fmt: on

# Teacher profiles: weekday pool, how many of those days (low, high), window variants.
RETIREE = ("12345", (3, 5), ("08:00-11:30 14:00-17:00", "08:00-11:30", "08:30-11:30 14:30-17:30"))
RETIREE_SPORTS = ("12345", (3, 5), ("06:30-11:30 15:00-17:30", "07:00-11:30"))
EVENINGS = ("12345", (2, 4), ("18:30-21:30",))
WEEKENDS = ("67", (1, 2), ("09:00-12:00 14:00-18:00", "14:00-18:00"))
PROFESSIONAL = ("1234567", (4, 6), ("08:30-11:30 14:00-17:30 18:30-21:00", "08:30-11:30 14:00-17:30"))
TEACHER_MIX = {"elder": (80, 10, 10), "mixed": (45, 40, 15), "young": (5, 75, 20), "family": (10, 60, 30)}
"""Audience → weights of retiree, working and professional teachers."""
MAX_GROUPS_PER_TEACHER = 6
"""The most groups one teacher takes in the original shape (``Shape.max_groups_per_teacher``)."""


def hours(spec: str) -> list[tuple[int, int, int]]:
    """'12345 08:30-11:30 14:00-17:30 | 67 09:00-12:00' → (weekday, start, end) rows."""
    rows = []
    for part in spec.split("|"):
        days, *spans = part.split()
        for day in days:
            for span in spans:
                begin, end = span.split("-")
                rows.append((int(day), parse_clock(begin), parse_clock(end)))
    return rows
