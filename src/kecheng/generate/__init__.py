"""Synthetic districts: seeded, realistic stand-ins for a district's tables (see ``district``).

``generate(preset, seed, groups=N, shape=...)`` makes one; ``PRESETS`` say how big, ``SHAPES``
how it is shaped (itinerant teachers, long walks, loose or tight weeks); ``weekly_change`` makes
next week's version of a district.
"""

from kecheng.generate.catalogue import (
    ACTIVITIES,
    CATEGORIES,
    MAX_GROUPS_PER_TEACHER,
    VENUE_KINDS,
    Activity,
    VenueKind,
)
from kecheng.generate.district import generate
from kecheng.generate.names import DISTRICTS, district_of
from kecheng.generate.places import BORDER_KM
from kecheng.generate.preferences import PREFERENCE_SALT, PREFERENCES, REALISTIC
from kecheng.generate.presets import COUNTS, PRESETS, Preset
from kecheng.generate.shapes import KNOBS_HELP, SHAPES, SIX_KINDS, SLACKS, Shape, shape_from
from kecheng.generate.weekly import weekly_change

__all__ = [
    "ACTIVITIES",
    "BORDER_KM",
    "CATEGORIES",
    "COUNTS",
    "DISTRICTS",
    "KNOBS_HELP",
    "MAX_GROUPS_PER_TEACHER",
    "PREFERENCES",
    "PREFERENCE_SALT",
    "PRESETS",
    "REALISTIC",
    "SHAPES",
    "SIX_KINDS",
    "SLACKS",
    "VENUE_KINDS",
    "Activity",
    "Preset",
    "Shape",
    "VenueKind",
    "district_of",
    "generate",
    "shape_from",
    "weekly_change",
]
