"""How a district is shaped, beyond its size: the knobs that make the solver's life easy or hard.

The generator's original districts are one shape — a teacher's groups are neighbours in one
community, walks are 1000–2000 m, every week moderately tight — and on that shape alone a solver
looks better than it is (issue #14). A ``Shape`` says how far a district departs from it; its
defaults are that original shape, so ``generate(preset, seed)`` stays what it always was.
``SHAPES`` names the shapes the benchmark matrix measures; ``shape_from`` reads one from the
command line (``--shape NAME --set knob=value``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from kecheng.generate.catalogue import MAX_GROUPS_PER_TEACHER, VENUE_KINDS

SLACKS = ("loose", "normal", "tight")
"""Week slack: ``loose`` — every venue open and every teacher free 08:00–21:00 on all seven
days, no session limits; ``normal`` — the kinds' own hours and the teachers' own weeks;
``tight`` — as normal, with half the venues closed (no opening hours at all)."""

GRID_MIN = 15  # session lengths lie on the generator's 15-minute grid
LOOSE_HOURS = ("08:00", "21:00")
SIX_KINDS = ("elderly_care", "practice_station", "community_centre", "company_room", "square", "shop_front")
"""The six everyday kinds of the issue's itinerant district: no café (07:00–09:30 only) and no
school hall (weekends only)."""


@dataclass(frozen=True)
class Shape:
    """Knobs of a district's shape; every default is the generator's original shape.

    Parameters
    ----------
    roaming
        Share of teachers (0–1) whose groups are drawn from their activity's groups all over
        the district instead of a run of neighbouring communities: retired teachers rotating
        between communities. 1 is "any teacher, any community".
    walk_m
        ``(low, high)``: each group's walking limit is drawn uniformly in this range (metres,
        rounded to 50 m); ``None`` keeps the original mix (1000 m for 90 % of groups, 1500, 2000).
    slack
        ``"loose"``, ``"normal"`` or ``"tight"`` (see ``SLACKS``).
    groups_per_resident
        Mean number of groups (1–3) a resident joins; ``None`` derives it from the preset's
        member count (about 1.3). Every resident joins 1–3 groups either way.
    groups_per_teacher
        Mean groups per teacher, which sets the number of teachers; ``None`` keeps the preset's
        (750 teachers for 1000 groups).
    max_groups_per_teacher
        The most groups one teacher takes (1–8 in the shapes here; the original is 6).
    duration_min
        ``(low, high)``: each group's session length is drawn uniformly among the 15-minute
        steps in this range; ``None`` keeps each activity's own lengths (60–120 min).
    venue_kinds
        The kinds of venue the district has (keys of ``VENUE_KINDS``); ``None`` is all eight.
    """

    roaming: float = 0.0
    walk_m: tuple[float, float] | None = None
    slack: str = "normal"
    groups_per_resident: float | None = None
    groups_per_teacher: float | None = None
    max_groups_per_teacher: int = MAX_GROUPS_PER_TEACHER
    duration_min: tuple[int, int] | None = None
    venue_kinds: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        """Refuse knobs out of range in plain words; hold ranges and kinds as tuples."""
        for name in ("walk_m", "duration_min"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, str) or len(value) != 2):
                raise ValueError(f"{name} must be a pair (LOW, HIGH), not {value!r}")
        if self.duration_min is not None and not all(float(x).is_integer() for x in self.duration_min):
            raise ValueError(f"duration_min must be whole minutes, not {self.duration_min!r}")
        if self.walk_m is not None:
            object.__setattr__(self, "walk_m", tuple(float(x) for x in self.walk_m))
        if self.duration_min is not None:
            object.__setattr__(self, "duration_min", tuple(int(x) for x in self.duration_min))
        if self.venue_kinds is not None:
            object.__setattr__(self, "venue_kinds", tuple(self.venue_kinds))
        if not 0 <= self.roaming <= 1:
            raise ValueError(f"roaming must be between 0 and 1, not {self.roaming}")
        if self.walk_m is not None:
            low, high = self.walk_m
            if not 0 < low <= high or not math.isfinite(high):
                raise ValueError(f"walk_m must be LOW-HIGH metres with 0 < LOW <= HIGH, not {low}-{high}")
        if self.slack not in SLACKS:
            raise ValueError(f"slack must be one of {', '.join(SLACKS)}, not {self.slack!r}")
        if self.groups_per_resident is not None and not 1 <= self.groups_per_resident <= 3:
            raise ValueError(f"groups_per_resident must be between 1 and 3, not {self.groups_per_resident}")
        if self.max_groups_per_teacher < 1:
            raise ValueError(f"max_groups_per_teacher must be at least 1, not {self.max_groups_per_teacher}")
        if (
            self.groups_per_teacher is not None
            and not 1 <= self.groups_per_teacher <= self.max_groups_per_teacher
        ):
            raise ValueError(
                f"groups_per_teacher must be between 1 and max_groups_per_teacher "
                f"({self.max_groups_per_teacher}), not {self.groups_per_teacher}"
            )
        if self.duration_min is not None:
            low, high = self.duration_min
            if not (GRID_MIN <= low <= high <= 24 * 60 and low % GRID_MIN == 0 and high % GRID_MIN == 0):
                raise ValueError(
                    f"duration_min must be LOW-HIGH minutes, multiples of {GRID_MIN} with LOW <= HIGH, "
                    f"not {low}-{high}"
                )
        if self.venue_kinds is not None:
            unknown = [k for k in self.venue_kinds if k not in VENUE_KINDS]
            if unknown or not self.venue_kinds:
                raise ValueError(
                    f"venue_kinds must name kinds among {', '.join(VENUE_KINDS)}"
                    + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                )

    @property
    def kinds(self) -> list[str]:
        """The venue kinds in use, in ``VENUE_KINDS`` order (so the draws do not depend on how
        the knob was spelled)."""
        chosen = VENUE_KINDS if self.venue_kinds is None else set(self.venue_kinds)
        return [k for k in VENUE_KINDS if k in chosen]


_ITINERANT = Shape(roaming=1.0, walk_m=(800.0, 2500.0), venue_kinds=SIX_KINDS)

SHAPES: dict[str, Shape] = {
    "generator": Shape(),
    "itinerant": _ITINERANT,
    "loose": replace(_ITINERANT, slack="loose"),
    "tight": Shape(slack="tight"),
    "rotating": Shape(
        roaming=0.3,
        walk_m=(800.0, 1500.0),
        groups_per_resident=1.6,
        groups_per_teacher=2.0,
        max_groups_per_teacher=8,
        duration_min=(45, 120),
    ),
}
"""Named shapes. ``generator`` is the original (the default); ``itinerant`` is issue #14's first
row: any teacher in any community, walks of 800–2500 m, six venue kinds; ``loose`` is that district
in a week where everything is open; ``tight`` is the original with half the venues closed;
``rotating`` a realistic middle: a third of the teachers rotate between communities, walks of
800–1500 m, residents in 1.6 groups on average (up to three), teachers with two on average and up
to eight, sessions of 45–120 min."""

KNOBS_HELP = (
    "roaming (0-1: share of teachers teaching all over the district), "
    "walk_m (LOW-HIGH metres, e.g. 800-2500), slack (loose, normal or tight), "
    "groups_per_resident (1-3), groups_per_teacher (mean, sets the teacher count), "
    "max_groups_per_teacher (e.g. 8), duration_min (LOW-HIGH minutes on the 15-minute grid, e.g. 45-120), "
    "venue_kinds (comma-separated, of: " + ", ".join(VENUE_KINDS) + "); 'default' resets a knob"
)
"""What ``--set`` accepts, for the command line's help."""


def shape_from(name: str, settings: list[str] | tuple[str, ...] = ()) -> Shape:
    """The named shape with ``knob=value`` settings applied in order, as the command line gives them.

    Raises ValueError with one plain sentence on an unknown shape or knob or a bad value, e.g.
    ``shape_from("itinerant", ["roaming=0.5", "walk_m=800-2000"])``.
    """
    if name not in SHAPES:
        raise ValueError(f"unknown shape {name!r}; choose one of: {', '.join(SHAPES)}")
    shape = SHAPES[name]
    names = [f.name for f in fields(Shape)]
    for setting in settings:
        knob, sep, text = setting.partition("=")
        knob, text = knob.strip().replace("-", "_"), text.strip()
        if not sep or not knob:
            raise ValueError(f"{setting!r} is not knob=value; for example roaming=0.5")
        if knob not in names:
            raise ValueError(f"unknown knob {knob!r} in {setting!r}; knobs are: {', '.join(names)}")
        value = getattr(Shape(), knob) if text.lower() == "default" else _parsed(knob, text)
        try:
            shape = replace(shape, **{knob: value})
        except ValueError as err:
            raise ValueError(f"{setting!r}: {err}") from None
    return shape


def _parsed(knob: str, text: str) -> Any:
    """One knob's value from its text; ValueError names the knob and what it takes."""
    try:
        if knob in ("roaming", "groups_per_resident", "groups_per_teacher"):
            return float(text)
        if knob == "max_groups_per_teacher":
            return int(text)
        if knob == "slack":
            return text.lower()
        if knob == "venue_kinds":
            return tuple(k.strip() for k in text.split(",") if k.strip())
        low, sep, high = text.replace(",", "-").partition("-")
        kind = float if knob == "walk_m" else int
        return kind(low), kind(high if sep else low)
    except ValueError:
        expected = {
            "max_groups_per_teacher": "a whole number",
            "walk_m": "LOW-HIGH metres, e.g. 800-2500",
            "duration_min": "LOW-HIGH minutes, e.g. 45-120",
        }.get(knob, "a number")
        raise ValueError(f"{knob} takes {expected}, not {text!r}") from None
