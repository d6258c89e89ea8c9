"""Tiny hand-made districts whose right answer can be stated in a sentence."""

from __future__ import annotations

from typing import Any

from kecheng.model import Problem

HOME = (29.60, 106.50)
FAR = (29.70, 106.50)  # about 11 km north of HOME


def venue(vid: str, capacity: int = 30, features: str = "", community: str = "C1", **kw: Any) -> dict:
    return dict(venue_id=vid, name=vid, community_id=community, capacity=capacity, features=features, **kw)


def group(gid: str, teacher: str, size: int = 10, sessions: int = 1, minutes: int = 60, **kw: Any) -> dict:
    base = dict(
        group_id=gid,
        name=gid,
        category="arts",
        community_id="C1",
        size=size,
        sessions_per_week=sessions,
        duration_min=minutes,
        teacher_id=teacher,
    )
    return base | kw


def district(
    venues: list[dict],
    opening: list[tuple[str, int, str, str]],
    teachers: list[dict] | list[str],
    availability: list[tuple[str, int, str, str]],
    groups: list[dict],
    members: list[tuple[str, str]] = (),
) -> Problem:
    """Communities C1 (home) and C2 (far away); everything else as given."""
    return Problem(
        communities=[
            dict(community_id="C1", name="星光社区", street="人和街道", lat=HOME[0], lon=HOME[1]),
            dict(community_id="C2", name="远方社区", street="礼嘉街道", lat=FAR[0], lon=FAR[1]),
        ],
        venues=venues,
        opening_hours=[dict(venue_id=v, weekday=d, open=a, close=b) for v, d, a, b in opening],
        teachers=[t if isinstance(t, dict) else dict(teacher_id=t, name=t) for t in teachers],
        availability=[dict(teacher_id=t, weekday=d, start=a, end=b) for t, d, a, b in availability],
        groups=groups,
        members=[dict(member_id=m, group_id=g) for m, g in members],
    )
