"""How big a district to make: the presets and their scaling to any number of groups."""

from __future__ import annotations

from dataclasses import dataclass, replace


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


def scaled(knobs: Preset, groups: int | None) -> Preset:
    """Scale the counts; a single district stays one (its streets tile), several scale with the rest."""
    if groups is None:
        return knobs
    if groups < 1:
        raise ValueError("groups must be at least 1")
    n = {knob: max(1, round(getattr(knobs, knob) * groups / knobs.groups)) for knob in COUNTS}
    n.update(streets=min(n["streets"], n["communities"]), venues=max(n["venues"], 2 * n["communities"]))
    districts = 1 if knobs.districts == 1 else round(knobs.districts * groups / knobs.groups)
    return replace(knobs, **{**n, "groups": groups}, districts=max(1, min(districts, n["streets"])))


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into whole shares of at least ``minimum``, close to ``weights``."""
    spare = total - minimum * len(weights)
    raw = [spare * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: shares[i] - raw[i])[: spare - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]
