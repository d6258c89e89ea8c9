"""The synthetic districts: deterministic, Liangjiang-sized, and tight but mostly placeable."""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from kecheng import check, reading, solve, writing
from kecheng.candidates import group_options
from kecheng.generate import (
    ACTIVITIES,
    BORDER_KM,
    CATEGORIES,
    MAX_GROUPS_PER_TEACHER,
    PRESETS,
    SHAPES,
    SIX_KINDS,
    Shape,
    district_of,
    generate,
    shape_from,
    weekly_change,
)
from kecheng.generate.people import spread
from kecheng.model import Availability, Group, Problem, distance_m

LIANGJIANG_STREETS = {
    "人和街道",
    "大竹林街道",
    "礼嘉街道",
    "金山街道",
    "天宫殿街道",
    "翠云街道",
    "康美街道",
    "鸳鸯街道",
}


@pytest.fixture(scope="module")
def district() -> Problem:
    return generate("district", seed=0)


@pytest.fixture(scope="module")
def small() -> Problem:
    return generate("small", seed=0)


def fitting_venues(problem: Problem, *, features: bool = True) -> dict[str, list[str]]:
    """Venues each group could use: big enough, equipped, within its walk (searched within its street)."""
    by_street: dict[str, list[str]] = defaultdict(list)
    for v in problem.venues:
        by_street[problem.community[v.community_id].street].append(v.venue_id)
    found = {}
    for g in problem.groups:
        found[g.group_id] = [
            v
            for v in by_street[problem.community[g.community_id].street]
            if problem.venue[v].capacity >= g.size
            and (not features or g.required_features <= problem.venue[v].features)
            and problem.walk_m(g.group_id, v) <= g.max_walk_m
        ]
    return found


def common_days(problem: Problem, group: Group, venues: list[str]) -> int:
    """Weekdays on which the teacher and some fitting venue share a stretch as long as a session."""
    days = 0
    for day in range(1, 8):
        teacher = problem.available.get((group.teacher_id, day), [])
        days += any(
            min(t_end, v_end) - max(t_start, v_start) >= group.duration_min
            for v in venues
            for v_start, v_end in problem.opening.get((v, day), [])
            for t_start, t_end in teacher
        )
    return days


def test_same_seed_gives_the_same_district() -> None:
    assert generate("small", 7) == generate("small", 7)
    assert generate("district", 3, groups=250) == generate("district", 3, groups=250)


def test_different_seeds_give_different_districts() -> None:
    assert generate("small", 1) != generate("small", 2)


def test_small_preset_counts(small: Problem) -> None:
    assert len({c.street for c in small.communities}) == 2
    assert len(small.communities) == 6
    assert len(small.groups) == 60
    assert len(small.venues) == 40
    assert len(small.teachers) == 45
    assert 450 <= len({m.member_id for m in small.members}) <= 800


def test_district_preset_is_liangjiang(district: Problem) -> None:
    assert {c.street for c in district.communities} == LIANGJIANG_STREETS
    assert len(district.communities) == 59
    assert 900 <= len(district.groups) <= 1100
    assert len(district.venues) >= 600
    assert len(district.teachers) == 750
    per_member = Counter(m.member_id for m in district.members)
    assert 13_500 <= len(per_member) <= 16_500
    assert set(per_member.values()) <= {1, 2, 3}
    assert Counter(g.community_id for g in district.groups).keys() == district.community.keys()


def test_ids_are_zero_padded(district: Problem) -> None:
    assert district.communities[0].community_id == "C001"
    assert district.venues[0].venue_id == "V0001"
    assert sorted(t.teacher_id for t in district.teachers)[0] == "T0001"
    assert district.groups[0].group_id == "G0001"
    assert district.members[0].member_id == "M000001"


def test_all_five_categories_and_chinese_names(district: Problem, small: Problem) -> None:
    for problem in (district, small):
        assert {g.category for g in problem.groups} == set(CATEGORIES)
    group = district.groups[0]
    community = district.community[group.community_id]
    assert group.name.startswith(f"{community.street}·{community.name} ")
    assert any("太极拳" in g.name for g in district.groups)


def test_references_resolve(district: Problem) -> None:
    assert all(g.community_id in district.community for g in district.groups)
    assert all(g.teacher_id in district.teacher for g in district.groups)
    assert all(v.community_id in district.community for v in district.venues)
    assert {o.venue_id for o in district.opening_hours} == district.venue.keys()
    assert {a.teacher_id for a in district.availability} == district.teacher.keys()
    assert {m.group_id for m in district.members} == district.group.keys()
    assert all(g.size == len(district.group_members[g.group_id]) for g in district.groups)


def test_rows_are_plausible(district: Problem) -> None:
    for g in district.groups:
        assert 8 <= g.size <= 60
        assert 1 <= g.sessions_per_week <= 3
        assert g.duration_min in (60, 90, 120)
    windows = [o.bounds for o in district.opening_hours] + [a.bounds for a in district.availability]
    assert all(0 <= begin < end <= 24 * 60 for begin, end in windows)
    assert Counter(g.priority for g in district.groups).most_common(1)[0][0] == 1
    assert Counter(g.max_walk_m for g in district.groups).most_common(1)[0][0] == 1000
    taught = Counter(g.teacher_id for g in district.groups)
    assert min(taught.values()) >= 1 and max(taught.values()) >= 4  # a few teachers tour several communities


def test_communities_cluster_within_walking_reach(district: Problem) -> None:
    communities = district.communities
    assert all(29.6 <= c.lat <= 29.75 and 106.45 <= c.lon <= 106.65 for c in communities)
    nearest = [
        min(distance_m(c.lat, c.lon, o.lat, o.lon) for o in communities if o is not c) for c in communities
    ]
    assert min(nearest) >= 500 and max(nearest) <= 2500
    own_sites = [v for v in district.venues if v.lat is not None]
    assert 0 < len(own_sites) < len(district.venues)
    homes = {v.venue_id: v.community_id for v in district.venues}
    group = district.groups[0]
    assert all(district.walk_m(group.group_id, v) < 400 for v, c in homes.items() if c == group.community_id)


def test_venue_kinds_keep_their_hours(district: Problem) -> None:
    kinds = {v.venue_id: v.kind for v in district.venues}
    days = defaultdict(set)
    for o in district.opening_hours:
        days[kinds[o.venue_id]].add(o.weekday)
        if kinds[o.venue_id] == "cafe":
            assert o.close <= 10 * 60
    assert days["school_hall"] == {6, 7}
    assert days["elderly_care"] == {1, 2, 3, 4, 5}
    assert set(kinds.values()) >= {"elderly_care", "practice_station", "company_room", "cafe", "square"}


def test_elder_groups_are_mostly_taught_in_the_daytime(district: Problem) -> None:
    elder = {"太极拳", "八段锦", "合唱", "书法", "国画", "剪纸", "编织"}
    groups = [g for g in district.groups if any(a in g.name for a in elder)]

    def teaches_by_day(teacher_id: str) -> bool:
        spans = (district.available.get((teacher_id, day), []) for day in range(1, 6))
        return any(start < 12 * 60 for day_spans in spans for start, _ in day_spans)

    daytime = [teaches_by_day(g.teacher_id) for g in groups]
    assert sum(daytime) / len(daytime) >= 0.7


def test_district_is_tight_but_mostly_placeable(district: Problem) -> None:
    roomy = fitting_venues(district, features=False)
    assert sum(bool(v) for v in roomy.values()) / len(roomy) >= 0.9
    fits = fitting_venues(district)
    counts = [len(fits[g.group_id]) for g in district.groups]
    assert sum(n > 0 for n in counts) / len(counts) >= 0.9
    assert 3 <= statistics.median(counts) <= 25
    enough = [common_days(district, g, fits[g.group_id]) >= g.sessions_per_week for g in district.groups]
    assert 0.85 <= sum(enough) / len(enough) < 1.0  # most groups can meet, not every one


def test_groups_override_scales_down() -> None:
    problem = generate("district", seed=1, groups=250)
    assert len(problem.groups) == 250
    assert 12 <= len(problem.communities) <= 18
    assert 120 <= len(problem.venues) <= 180
    assert 170 <= len(problem.teachers) <= 200
    assert 3000 <= len({m.member_id for m in problem.members}) <= 4500
    fits = fitting_venues(problem)
    assert sum(bool(fits[g]) for g in fits) / len(fits) >= 0.9


def test_groups_override_tiles_more_streets() -> None:
    problem = generate("district", seed=0, groups=2500)
    assert len(problem.groups) == 2500
    assert len({c.street for c in problem.communities}) == 20
    fits = fitting_venues(problem)
    assert statistics.median(len(v) for v in fits.values()) <= 25  # density stays that of Liangjiang


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown preset"):
        generate("metropolis")
    with pytest.raises(ValueError):
        generate("small", groups=0)
    assert set(PRESETS) >= {"small", "district", "large", "city"}


@pytest.mark.slow
def test_city_scale_generates_quickly() -> None:
    started = time.perf_counter()
    problem = generate("district", seed=0, groups=10_000)
    assert time.perf_counter() - started < 30
    assert len(problem.groups) == 10_000


@pytest.fixture(scope="module")
def large() -> Problem:
    return generate("large", seed=0)


def districts(problem: Problem) -> dict[str, str]:
    """group_id → the district its community lies in."""
    return {g.group_id: district_of(problem.community[g.community_id].street) for g in problem.groups}


def teachers_by_district(problem: Problem) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for group_id, name in districts(problem).items():
        found[problem.group[group_id].teacher_id].add(name)
    return found


def test_large_preset_is_four_liangjiang_sized_districts(large: Problem) -> None:
    per_district = Counter(districts(large).values())
    assert list(per_district) == ["两江新区", "渝北区", "江北区", "渝中区"]
    assert all(850 <= n <= 1200 for n in per_district.values())
    assert 3900 <= len(large.groups) <= 4100
    assert len(large.teachers) == 3000
    assert len(large.venues) >= 2400
    assert 55_000 <= len({m.member_id for m in large.members}) <= 66_000
    streets = Counter(district_of(s) for s in {c.street for c in large.communities})
    assert set(streets.values()) == {8}


def test_large_districts_share_teachers_across_their_borders(large: Problem) -> None:
    """The parts are coupled: a measurable share of teachers teach on both sides of a border,
    and each of them has two groups on either side within ``BORDER_KM`` of one another."""
    spans = teachers_by_district(large)
    crossing = sorted(t for t, names in spans.items() if len(names) > 1)
    assert 0.01 <= len(crossing) / len(large.teachers) <= 0.10
    assert len({frozenset(spans[t]) for t in crossing}) >= 3  # every border, not one corner
    assert all(len(names) == 2 for names in spans.values() if len(names) > 1)
    taught: dict[str, list[Group]] = defaultdict(list)
    for g in large.groups:
        taught[g.teacher_id].append(g)
    assert taught.keys() == large.teacher.keys()  # nobody was left without a group
    assert max(len(gs) for gs in taught.values()) <= MAX_GROUPS_PER_TEACHER
    home = districts(large)
    for t in crossing:
        c = large.community
        assert any(
            distance_m(
                c[a.community_id].lat, c[a.community_id].lon, c[b.community_id].lat, c[b.community_id].lon
            )
            <= BORDER_KM * 1000
            for a in taught[t]
            for b in taught[t]
            if home[a.group_id] != home[b.group_id]
        )


def test_single_district_presets_stay_one_district(district: Problem) -> None:
    assert set(districts(district).values()) == {""}
    assert all(len(names) == 1 for names in teachers_by_district(district).values())


def test_multi_district_presets_are_deterministic_and_scale() -> None:
    problem = generate("large", 5, groups=2000)
    assert problem == generate("large", 5, groups=2000)
    assert problem != generate("large", 6, groups=2000)
    assert len(problem.groups) == 2000
    assert len(set(districts(problem).values())) == 2
    assert any(len(names) > 1 for names in teachers_by_district(problem).values())


@pytest.mark.slow
def test_city_preset_is_ten_districts_generated_in_linear_time() -> None:
    started = time.perf_counter()
    city = generate("city", seed=0)
    assert time.perf_counter() - started < 60
    per_district = Counter(districts(city).values())
    assert len(per_district) == 10
    assert all(800 <= n <= 1300 for n in per_district.values())
    assert 9_800 <= len(city.groups) <= 10_200
    assert len(city.teachers) == 7500
    crossing = [t for t, names in teachers_by_district(city).items() if len(names) > 1]
    assert 0.01 <= len(crossing) / len(city.teachers) <= 0.10


# --- Time preferences --------------------------------------------------------------------------

MORNING, EVENING = (0, 6 * 60, 12 * 60), (0, 18 * 60, 22 * 60)
AUDIENCE = {f"{a.name}{a.suffix}": a.audience for a in ACTIVITIES}


def audience(group: Group) -> str:
    return AUDIENCE[re.sub(r"（.+）$", "", group.name.split(" ", 1)[1])]


def by_audience(problem: Problem) -> dict[str, list[Group]]:
    found: dict[str, list[Group]] = defaultdict(list)
    for g in problem.groups:
        found[audience(g)].append(g)
    return found


def share(groups: list[Group], test) -> float:
    return sum(map(test, groups)) / len(groups)


def teacher_can_meet(problem: Problem, group: Group) -> bool:
    """Some session-long stretch of the teacher's week meets the group's preference."""
    return any(
        group.prefers(day, start, start + group.duration_min)
        for day in range(1, 8)
        for begin, end in problem.available.get((group.teacher_id, day), [])
        for start in range(begin, end - group.duration_min + 1, problem.grid_min)
    )


def test_preferences_follow_the_audience(district: Problem) -> None:
    groups = by_audience(district)
    elder, young, family = groups["elder"], groups["young"], groups["family"]
    assert share(elder, lambda g: MORNING in g.preferred_times) >= 0.5
    assert not any(EVENING in g.preferred_times for g in elder)
    evening_or_weekend = lambda g: EVENING in g.preferred_times or g.preferred_weekdays == {6, 7}  # noqa: E731
    assert share(young, evening_or_weekend) >= 0.3
    after_school = lambda g: any(d in range(1, 6) and a == 16 * 60 for d, a, _ in g.preferred_times)  # noqa: E731
    weekend = lambda g: any(d in (6, 7) for d, _, _ in g.preferred_times)  # noqa: E731
    assert any(map(after_school, family))
    assert share(family, weekend) >= 0.3
    assert not any(after_school(g) or weekend(g) for g in elder)
    assert 0.6 <= share(list(district.groups), lambda g: g.has_time_preference) <= 0.9  # some have none


def test_preferences_are_mostly_ones_the_teacher_can_meet(district: Problem) -> None:
    preferring = [g for g in district.groups if g.has_time_preference]
    assert share(preferring, lambda g: teacher_can_meet(district, g)) >= 0.9
    mornings = Counter(g.community_id for g in preferring if MORNING in g.preferred_times)
    assert max(mornings.values()) >= 10  # a busy community's mornings are contended


def test_preferences_leave_everything_else_as_it_was(small: Problem, monkeypatch: pytest.MonkeyPatch) -> None:
    """Preferences draw from a stream of their own: without them, every other row is the same."""
    # kecheng.generate is also the function: import the module by name
    generating = importlib.import_module("kecheng.generate.preferences")
    nothing = generating._Preference(1, (), frozenset())
    monkeypatch.setattr(generating, "_OPTIONS", dict.fromkeys(generating._OPTIONS, (nothing,)))
    plain = generate("small", 0)
    assert not any(g.has_time_preference for g in plain.groups)
    assert sum(g.has_time_preference for g in small.groups) >= 30
    cleared = {"preferred_times": (), "preferred_weekdays": frozenset()}
    assert plain.groups == tuple(replace(g, **cleared) for g in small.groups)
    assert plain.model_copy(update={"groups": small.groups}) == small


@pytest.mark.parametrize("seed", [0, 1])
def test_preferences_survive_the_csv_files(tmp_path: Path, small: Problem, seed: int) -> None:
    problem = weekly_change(small, seed)
    writing.write_problem(problem, tmp_path)
    loaded = reading.load(tmp_path)
    assert loaded == problem
    assert [g.preferred_times for g in loaded.groups] == [g.preferred_times for g in problem.groups]
    assert [g.preferred_weekdays for g in loaded.groups] == [g.preferred_weekdays for g in problem.groups]
    written = (tmp_path / "groups.csv").read_text(encoding="utf-8-sig")
    assert "morning" in written


def test_the_district_survives_the_csv_files(tmp_path: Path, district: Problem) -> None:
    writing.write_problem(district, tmp_path)
    assert reading.load(tmp_path) == district


# --- Next week ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def next_week(district: Problem) -> Problem:
    return weekly_change(district, seed=0)


def rows_of(availability: tuple[Availability, ...]) -> dict[str, list[Availability]]:
    found: dict[str, list[Availability]] = defaultdict(list)
    for a in availability:
        found[a.teacher_id].append(a)
    return found


def test_weekly_change_adds_five_percent_groups_with_members(district: Problem, next_week: Problem) -> None:
    old = len(district.groups)
    assert next_week.groups[:old] == district.groups
    new = next_week.groups[old:]
    assert len(new) == round(0.05 * old) == 50
    assert [g.group_id for g in new] == [f"G{n:04d}" for n in range(old + 1, old + 51)]
    for g in new:
        home = next_week.community[g.community_id]
        assert g.name.startswith(f"{home.street}·{home.name} ")
        assert audience(g)  # an activity the district runs
        assert 8 <= g.size <= 60 and 1 <= g.sessions_per_week <= 3 and g.duration_min in (60, 90, 120)
        assert g.size == len(next_week.group_members[g.group_id])
    assert len({g.name for g in next_week.groups}) == len(next_week.groups)
    assert next_week.members[: len(district.members)] == district.members
    joining = {m.member_id for m in next_week.members[len(district.members) :]}
    known = {m.member_id for m in district.members}
    assert joining & known and joining - known  # residents joining and newcomers
    assert set(Counter(m.member_id for m in next_week.members).values()) <= {1, 2, 3}
    activity = {g.group_id: re.sub(r"（.+）$", "", g.name.split(" ", 1)[1]) for g in next_week.groups}
    teaches = {(g.teacher_id, activity[g.group_id]) for g in district.groups}
    assert sum((g.teacher_id, activity[g.group_id]) in teaches for g in new) >= 45
    assert max(Counter(g.teacher_id for g in next_week.groups).values()) <= MAX_GROUPS_PER_TEACHER
    assert any(g.has_time_preference for g in new)


def test_weekly_change_closes_three_venues(district: Problem, next_week: Problem) -> None:
    assert next_week.venues == district.venues
    open_before = {o.venue_id for o in district.opening_hours}
    closed = open_before - {o.venue_id for o in next_week.opening_hours}
    assert len(closed) == 3
    assert next_week.opening_hours == tuple(o for o in district.opening_hours if o.venue_id not in closed)
    used = {v for venues in fitting_venues(district).values() for v in venues}  # by some group
    assert closed <= used


def test_weekly_change_changes_ten_teachers(district: Problem, next_week: Problem) -> None:
    assert next_week.teachers == district.teachers
    before, after = rows_of(district.availability), rows_of(next_week.availability)
    changed = {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}
    assert len(changed) == 10
    week = lambda p, t: {d: p.available.get((t, d)) for d in range(1, 8)}  # noqa: E731
    assert all(week(district, t) != week(next_week, t) for t in changed)
    assert changed <= {g.teacher_id for g in district.groups}
    kept = [a for a in district.availability if a.teacher_id not in changed]
    assert [a for a in next_week.availability if a.teacher_id not in changed] == kept


def test_weekly_change_keeps_the_rest_and_is_deterministic(district: Problem, next_week: Problem) -> None:
    assert next_week.communities == district.communities
    settings = ("grid_min", "walk_speed_kmh", "travel_buffer_min")
    assert all(getattr(next_week, s) == getattr(district, s) for s in settings)
    assert weekly_change(district, seed=0) == next_week
    assert weekly_change(district, seed=1) != next_week


def test_weekly_change_can_change_nothing(small: Problem) -> None:
    assert weekly_change(small, 4, new_share=0, closed_venues=0, changed_teachers=0) == small
    small_week = weekly_change(small, 4)
    assert len(small_week.groups) == 63
    with pytest.raises(ValueError):
        weekly_change(small, closed_venues=10_000)
    with pytest.raises(ValueError):
        weekly_change(small, changed_teachers=10_000)


# --- Shapes ------------------------------------------------------------------------------------

FINGERPRINT_COLUMNS = {
    "communities": ("community_id", "name", "street", "lat", "lon"),
    "venues": ("venue_id", "name", "community_id", "capacity", "features", "kind", "lat", "lon"),
    "opening_hours": ("venue_id", "weekday", "open", "close"),
    "teachers": ("teacher_id", "name", "community_id", "max_sessions_per_week", "max_sessions_per_day"),
    "availability": ("teacher_id", "weekday", "start", "end"),
    "groups": (
        "group_id", "name", "category", "community_id", "size", "sessions_per_week", "duration_min",
        "teacher_id", "required_features", "max_walk_m", "priority", "preferred_times", "preferred_weekdays",
    ),
    "members": ("member_id", "group_id"),
}  # fmt: skip
"""The columns the generator wrote before shapes existed: columns added to the model later (with
defaults the generator leaves alone) do not change a district's fingerprint."""


def _canonical(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(map(_canonical, value))
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return repr(value) if isinstance(value, float) else value


def fingerprint(problem: Problem) -> str:
    """sha256 of every generated cell and the settings, in row order."""
    tables = {
        name: [[_canonical(getattr(row, c)) for c in cols] for row in getattr(problem, name)]
        for name, cols in FINGERPRINT_COLUMNS.items()
    }
    tables["settings"] = [problem.grid_min, repr(problem.walk_speed_kmh), problem.travel_buffer_min]
    text = json.dumps(tables, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


ORIGINAL = {
    ("small", 1): "afc35b29258e47f207f4b357e6feef9512e1d0b743a534499f43f8c8e58ccc0d",
    ("district", 0): "5ea2f44adf4eecb70f6012380cbb70b293fd559350cd71211a93d4ce1471a0ef",
}
"""Fingerprints of the generator's districts taken before shapes were added (generate.py at be40ad5)."""


def test_the_original_shape_makes_the_original_districts(small: Problem, district: Problem) -> None:
    assert fingerprint(generate("small", 1)) == ORIGINAL["small", 1]
    assert fingerprint(district) == ORIGINAL["district", 0]
    assert fingerprint(generate("district", 0, shape="generator")) == ORIGINAL["district", 0]
    assert fingerprint(generate("district", 0, shape=Shape())) == ORIGINAL["district", 0]
    assert fingerprint(weekly_change(district, 0)) == (
        "a227a46d02af6b62da85b2965e1d35d0efc62b69eee85e2236fe40e170ccc625"
    )
    assert fingerprint(small) != fingerprint(generate("small", 1))  # the fingerprint sees a change


def test_the_bundled_example_is_the_original_small_district() -> None:
    assert reading.load(Path(__file__).parents[1] / "examples" / "small") == generate("small", 1)


SHAPE_FINGERPRINTS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_generate import fingerprint
from kecheng.generate import SHAPES, generate
print(json.dumps({name: fingerprint(generate("district", 4, groups=150, shape=name)) for name in SHAPES}))
"""


def test_every_shape_is_deterministic_across_processes() -> None:
    """Same seed, same district, whatever the string hashing of the process (no set order leaks)."""
    runs = []
    for hash_seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", SHAPE_FINGERPRINTS, str(Path(__file__).parent)],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONHASHSEED": hash_seed},
        )
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    assert runs[0].keys() == SHAPES.keys()
    assert len(set(runs[0].values())) == len(SHAPES)  # every shape is a different district


@pytest.fixture(scope="module")
def itinerant() -> Problem:
    return generate("district", seed=0, shape="itinerant")


@pytest.fixture(scope="module")
def rotating() -> Problem:
    return generate("district", seed=0, shape="rotating")


def spans_m(problem: Problem) -> list[float]:
    """Per teacher with two or more groups: the greatest distance between their groups' communities."""
    taught: dict[str, list[str]] = defaultdict(list)
    for g in problem.groups:
        taught[g.teacher_id].append(g.community_id)
    c = problem.community
    return [
        max(distance_m(c[a].lat, c[a].lon, c[b].lat, c[b].lon) for a in homes for b in homes)
        for homes in taught.values()
        if len(homes) > 1
    ]


def far_share(problem: Problem, metres: float = 5000) -> float:
    spans = spans_m(problem)
    return sum(s > metres for s in spans) / len(spans)


def test_roaming_teachers_teach_all_over_the_district(
    district: Problem, itinerant: Problem, rotating: Problem
) -> None:
    """Neighbouring runs stay within a few kilometres; roaming teachers' groups lie across the district."""
    assert far_share(district) <= 0.25
    assert statistics.median(spans_m(district)) < 3000
    assert far_share(itinerant) >= 0.7  # a random pair of the district's communities: mostly > 5 km apart
    assert statistics.median(spans_m(itinerant)) > 8000
    several = [len({g.community_id for g in gs}) > 1 for gs in _taught(itinerant).values() if len(gs) > 1]
    assert sum(several) / len(several) >= 0.95
    assert far_share(district) + 0.15 <= far_share(rotating) <= far_share(itinerant) - 0.15
    # a teacher still teaches one activity, within one district
    activity = {g.group_id: re.sub(r"（.+）$", "", g.name.split(" ", 1)[1]) for g in itinerant.groups}
    assert all(len({activity[g.group_id] for g in gs}) == 1 for gs in _taught(itinerant).values())


def _taught(problem: Problem) -> dict[str, list[Group]]:
    found: dict[str, list[Group]] = defaultdict(list)
    for g in problem.groups:
        found[g.teacher_id].append(g)
    return found


def test_walks_lie_in_the_range_and_reach_dozens_of_venues(district: Problem, itinerant: Problem) -> None:
    walks = [g.max_walk_m for g in itinerant.groups]
    assert all(800 <= w <= 2500 and w % 50 == 0 for w in walks)
    assert min(walks) <= 900 and max(walks) >= 2400
    assert 1500 <= statistics.median(walks) <= 1800  # uniform over the range
    reach = lambda p: [len(o.venues) for o in group_options(p).values()]  # noqa: E731
    assert statistics.median(reach(itinerant)) >= 2 * statistics.median(reach(district))
    assert max(reach(itinerant)) >= 36  # a long walk sees dozens of venues


def test_venue_kinds_are_the_ones_asked_for(itinerant: Problem) -> None:
    assert {v.kind for v in itinerant.venues} == set(SIX_KINDS)
    assert len(itinerant.venues) == 610
    only = generate("small", 0, shape=Shape(venue_kinds=("square", "cafe")))
    assert {v.kind for v in only.venues} == {"square", "cafe"}


def test_a_loose_week_opens_everything_to_everyone(itinerant: Problem) -> None:
    loose = generate("district", seed=0, shape="loose")
    days = defaultdict(set)
    for o in loose.opening_hours:
        assert (o.open, o.close) == (8 * 60, 21 * 60)
        days[o.venue_id].add(o.weekday)
    assert days.keys() == loose.venue.keys() and all(d == set(range(1, 8)) for d in days.values())
    assert len(loose.opening_hours) == 7 * len(loose.venues)
    free = defaultdict(set)
    for a in loose.availability:
        assert (a.start, a.end) == (8 * 60, 21 * 60)
        free[a.teacher_id].add(a.weekday)
    assert free.keys() == loose.teacher.keys() and all(d == set(range(1, 8)) for d in free.values())
    assert all(t.max_sessions_per_week is None and t.max_sessions_per_day is None for t in loose.teachers)
    assert any(t.max_sessions_per_day is not None for t in itinerant.teachers)
    # the same district as the itinerant one, in a looser week
    assert (loose.communities, loose.venues, loose.members) == (
        itinerant.communities,
        itinerant.venues,
        itinerant.members,
    )
    cleared = {"preferred_times": (), "preferred_weekdays": frozenset()}
    assert [replace(g, **cleared) for g in loose.groups] == [replace(g, **cleared) for g in itinerant.groups]
    # every session with a fitting venue has a time: the week is no constraint
    options = group_options(loose).values()
    assert all(o.max_sessions == o.group.sessions_per_week for o in options if o.venues)


def test_a_tight_week_closes_half_the_venues(district: Problem) -> None:
    tight = generate("district", seed=0, shape="tight")
    open_ = {o.venue_id for o in tight.opening_hours}
    assert len(tight.venues) - len(open_) == len(tight.venues) // 2
    assert tight.opening_hours == tuple(o for o in district.opening_hours if o.venue_id in open_)
    assert (tight.venues, tight.teachers, tight.availability, tight.members) == (
        district.venues,
        district.teachers,
        district.availability,
        district.members,
    )
    kinds = Counter(tight.venue[v].kind for v in tight.venue.keys() - open_)
    assert len(kinds) >= 6  # drawn among all venues, not one kind
    placeable = lambda p: sum(o.max_sessions for o in group_options(p).values())  # noqa: E731
    assert placeable(tight) < 0.95 * placeable(district)


def test_residents_join_as_many_groups_as_asked() -> None:
    one = generate("district", 0, groups=250, shape=Shape(groups_per_resident=1))
    assert set(Counter(one.members.column("member_id")).values()) == {1}
    many = generate("district", 0, groups=250, shape=Shape(groups_per_resident=2.5))
    per_member = Counter(many.members.column("member_id"))
    assert set(per_member.values()) == {1, 2, 3}
    assert statistics.mean(per_member.values()) >= 2.0
    for problem in (one, many):
        assert all(g.size == len(problem.group_members[g.group_id]) for g in problem.groups)


def test_residents_mean_follows_the_knob(rotating: Problem, district: Problem) -> None:
    mean = lambda p: statistics.mean(Counter(p.members.column("member_id")).values())  # noqa: E731
    assert 1.25 <= mean(district) <= 1.45
    assert 1.5 <= mean(rotating) <= 1.6


def test_teachers_take_one_to_eight_groups(rotating: Problem) -> None:
    taught = Counter(g.teacher_id for g in rotating.groups)
    assert len(rotating.teachers) == 500 == len(taught)  # two groups per teacher on average
    assert min(taught.values()) == 1 and max(taught.values()) == 8
    assert len(set(taught.values())) == 8  # every load from one to eight occurs
    capped = generate("district", 0, groups=250, shape=Shape(max_groups_per_teacher=2, groups_per_teacher=2))
    assert set(Counter(g.teacher_id for g in capped.groups).values()) <= {1, 2}


def test_session_lengths_lie_on_the_grid_in_the_range(rotating: Problem) -> None:
    lengths = Counter(g.duration_min for g in rotating.groups)
    assert set(lengths) == {45, 60, 75, 90, 105, 120}
    assert min(lengths.values()) >= 100  # drawn evenly


@pytest.mark.parametrize(
    ("preset", "groups"), [("small", None), ("district", 250), ("large", 2000), ("city", 1500)]
)
def test_shapes_work_with_every_preset_size(preset: str, groups: int | None) -> None:
    for name in ("itinerant", "rotating"):
        problem = generate(preset, 2, groups=groups, shape=name)
        assert len(problem.groups) == (groups or PRESETS[preset].groups)
        assert all(g.teacher_id in problem.teacher for g in problem.groups)
        if PRESETS[preset].districts > 1:  # roaming stays within a district; only border crossers leave it
            assert max(len(names) for names in teachers_by_district(problem).values()) <= 2
            assert len(set(districts(problem).values())) > 1


@pytest.mark.parametrize("name", ["generator", "itinerant", "loose", "tight", "rotating"])
def test_every_shape_is_solvable_and_checks(name: str) -> None:
    problem = generate("small", 3, shape=name)
    result = solve(problem, time_limit=2, seed=0, workers=1)
    assert result.status in ("OPTIMAL", "FEASIBLE")
    assert result.sessions_scheduled > 0.5 * problem.sessions_total or name == "tight"
    assert result.sessions_scheduled > 0
    assert check(problem, result.timetable) == []


def test_shape_from_reads_the_command_line() -> None:
    assert shape_from("generator", []) == Shape()
    shape = shape_from(
        "itinerant", ["roaming=0.5", "walk-m=800-2000", "slack=Tight", "venue_kinds=square,cafe"]
    )
    assert shape == replace(
        SHAPES["itinerant"],
        roaming=0.5,
        walk_m=(800.0, 2000.0),
        slack="tight",
        venue_kinds=("square", "cafe"),
    )
    assert shape_from(
        "rotating", ["duration_min=60-90", "max_groups_per_teacher=4", "groups_per_teacher=1.5"]
    ) == (
        replace(SHAPES["rotating"], duration_min=(60, 90), max_groups_per_teacher=4, groups_per_teacher=1.5)
    )
    assert shape_from("itinerant", ["walk_m=default"]).walk_m is None
    assert shape_from("generator", ["walk_m=1200"]).walk_m == (1200.0, 1200.0)


@pytest.mark.parametrize(
    ("name", "settings", "message"),
    [
        ("metropolis", [], "unknown shape 'metropolis'; choose one of: generator"),
        ("generator", ["roaming"], "'roaming' is not knob=value"),
        ("generator", ["speed=3"], "unknown knob 'speed'"),
        ("generator", ["roaming=lots"], "roaming takes a number, not 'lots'"),
        ("generator", ["roaming=1.5"], "roaming must be between 0 and 1"),
        ("generator", ["walk_m=2500-800"], "walk_m must be LOW-HIGH metres"),
        ("generator", ["walk_m=far"], "walk_m takes LOW-HIGH metres"),
        ("generator", ["slack=relaxed"], "slack must be one of loose, normal, tight"),
        ("generator", ["duration_min=50-120"], "multiples of 15"),
        ("generator", ["groups_per_resident=4"], "between 1 and 3"),
        ("generator", ["max_groups_per_teacher=2.5"], "a whole number"),
        ("generator", ["groups_per_teacher=7"], "between 1 and max_groups_per_teacher (6)"),
        ("generator", ["venue_kinds=castle"], "unknown: castle"),
    ],
)
def test_shape_from_refuses_bad_settings_in_plain_words(name: str, settings: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        shape_from(name, settings)


def test_generate_refuses_an_unknown_shape() -> None:
    with pytest.raises(ValueError, match="unknown shape 'round'"):
        generate("small", 0, shape="round")


def test_spread_keeps_its_mean() -> None:
    for extra in (0, 0.3, 1, 1 / 0.7, 1.6, 2):
        chances = spread(extra)
        assert min(chances) >= 0 and math.isclose(sum(chances), 1)
        assert math.isclose(chances[1] + 2 * chances[2], extra)
