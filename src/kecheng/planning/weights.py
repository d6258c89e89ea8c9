"""How ``plan`` trades its goals off: five tiers, strictly one before the next.

1. orders met, each worth ``order_points`` (a higher-ranked order outweighs all lower-ranked
   orders of the same resident together);
2. residents who had no group and get at least one (``first_group`` points each);
3. ``with`` pairs placed in the same group (``together`` points per pair);
4. fewer new groups for the same members, i.e. fuller groups (``group`` points lost per group);
5. shorter walks (``walk`` points lost per started ``WALK_STEP_M`` metres, per new membership;
   residents have no soft time preferences — their ``available`` is hard — so walks are all
   there is to prefer here).

Tiers 1-2 are maximised first (tier 1 scaled past everything tier 2 can add, so nothing in
tier 2 can cost an order); then, with those values held, tiers 3-5 in the same way.
A weight of 0 switches a tier off.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kecheng.weights import load_weights

WALK_STEP_M = 100


class PlanWeights(BaseModel):
    """Points per unit of each tier below the first (whole numbers, ≥ 0); see the module doc."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rank_base: int | None = Field(
        default=None, ge=1, description="order points base; None: 1 + most orders tied at one rank"
    )
    first_group: int = Field(default=1, ge=0, description="a resident without a group gets one")
    together: int = Field(default=1, ge=0, description="a `with` pair in the same group")
    group: int = Field(default=1, ge=0, description="cost of one more new group")
    walk: int = Field(default=1, ge=0, description=f"cost per {WALK_STEP_M} m walked by a new member")


def load_plan_weights(path: str | Path) -> PlanWeights:
    """Read a .toml or .json file (optionally under a ``[weights]`` table); ValueError in plain words."""
    return load_weights(path, PlanWeights)
