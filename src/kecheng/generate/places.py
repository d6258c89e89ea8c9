"""Where a district is: streets of clustered communities, and the venues pooled in each.

Streets lie on a 4×2 grid per Liangjiang-sized block; a street's communities on a jittered hex
lattice about a kilometre apart; each community has a practice station and a party-service
centre, and venues of the other kinds drawn by how common they are.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from kecheng.generate.catalogue import VENUE_KINDS, hours
from kecheng.generate.names import COMPANIES, ORDINALS, PLACES, STREETS, district_name, district_of, ids
from kecheng.generate.presets import Preset, apportion
from kecheng.model import Community, OpeningHours, Venue, distance_m

KM_PER_DEG = 111.2
SPACING_KM = 1.15  # between neighbouring communities of a street
BLOCK = 8  # streets in one Liangjiang-sized block; bigger cities tile such blocks side by side
BORDER_KM = 5.0  # a teacher may take a group in a community this close across a district border


def offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    """The point ``north_km`` and ``east_km`` away, rounded to 6 decimals (about 0.1 m)."""
    lat2 = lat + north_km / KM_PER_DEG
    return round(lat2, 6), round(lon + east_km / (KM_PER_DEG * math.cos(math.radians(lat))), 6)


def draw_communities(knobs: Preset, rng: random.Random) -> list[Community]:
    """Streets on a 4×2 grid per block (district); a street's communities on a jittered hex lattice
    ~1 km apart."""
    per_street = apportion(knobs.communities, [rng.uniform(0.8, 1.2) for _ in range(knobs.streets)])
    per_block = BLOCK if knobs.districts == 1 else -(-knobs.streets // knobs.districts)
    lattice = [(i + j / 2, j * math.sqrt(3) / 2) for i in range(-5, 6) for j in range(-5, 6)]
    community_ids, out = iter(ids("C", knobs.communities, 3)), []
    places = (p + (ORDINALS[n % 10] if n else "") for n in range(10**6) for p in PLACES)
    for s, count in enumerate(per_street):
        block, j = divmod(s, per_block)
        lat = 29.6375 + (j // 4) * 0.075 + (block // 4) * 0.16 + rng.uniform(-0.01, 0.01)
        lon = 106.475 + (j % 4) * 0.05 + (block % 4) * 0.21 + rng.uniform(-0.01, 0.01)
        again = s // len(STREETS)
        street = STREETS[s % len(STREETS)] + (f"（{again + 1}）" if again else "")
        label = street if knobs.districts == 1 else f"{district_name(block)}·{street}"
        spots = sorted(lattice, key=lambda p: math.hypot(*p) + rng.uniform(0, 0.3))[:count]
        for k, (x, y) in enumerate(spots):  # the first community carries the street's name
            name = street.removesuffix("街道") if k == 0 and not again else next(places)
            jitter = rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)
            c_lat, c_lon = offset(lat, lon, SPACING_KM * y + jitter[0], SPACING_KM * x + jitter[1])
            out.append(
                Community(
                    community_id=next(community_ids), name=f"{name}社区", street=label, lat=c_lat, lon=c_lon
                )
            )
    return out


def across_borders(communities: list[Community]) -> dict[str, list[str]]:
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


def draw_venues(
    knobs: Preset, communities: list[Community], kinds: list[str], rng: random.Random
) -> tuple[list[Venue], list[OpeningHours]]:
    """Each community has a practice station and a party-service centre (when ``kinds`` has them);
    the rest is drawn among ``kinds`` by how common each is."""
    counts = apportion(knobs.venues, [rng.uniform(0.6, 1.4) for _ in communities], minimum=2)
    always = [k for k in ("practice_station", "community_centre") if k in kinds]
    venue_ids = iter(ids("V", knobs.venues, 4))
    venues, opening = [], []
    for community, count in zip(communities, counts, strict=True):
        park = rng.random() < 0.35  # next to an industrial park: more idle company rooms
        weights = [VENUE_KINDS[k].weight * (3 if park and k == "company_room" else 1) for k in kinds]
        drawn = [*always, *rng.choices(kinds, weights, k=count - len(always))]
        seen: dict[str, int] = defaultdict(int)
        for key in drawn:
            kind, venue_id = VENUE_KINDS[key], next(venue_ids)
            seen[key] += 1
            again, nth = divmod(seen[key] - 1, len(kind.labels))
            owner = rng.choice(COMPANIES) if key == "company_room" else ""
            name = f"{community.name.removesuffix('社区')}{owner}{kind.labels[nth]}"
            name += f"（{ORDINALS[again % 10]}）" if again else ""
            lat = lon = None
            if rng.random() < kind.own_site:  # somewhere within ~300 m of the community centre
                r, a = 0.3 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
                lat, lon = offset(community.lat, community.lon, r * math.sin(a), r * math.cos(a))
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
            for day, begin, end in hours(rng.choice(kind.hours)):
                opening.append(OpeningHours(venue_id=venue_id, weekday=day, open=begin, close=end))
    return venues, opening
