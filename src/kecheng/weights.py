"""How the objective trades the secondary goals off, once placement is maximal.

Placed sessions (by priority) always come first: the solver scales them by a factor
larger than everything else can add up to, so no preference, distance or stability
gain can ever cost a placed session. Among the rest the defaults put stability
(keeping last week's session exactly) well above a met time preference, and that
above a nearer venue, so a timetable changes only where something is gained.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kecheng.i18n import _

DISTANCE_STEP_M = 250


W = TypeVar("W", bound=BaseModel)


class Weights(BaseModel):
    """Points per placed session for each secondary goal (whole numbers, ≥ 0)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stability: int = Field(default=20, ge=0, description="kept exactly as in the previous timetable")
    preference: int = Field(default=4, ge=0, description="meets its group's preferred times and weekdays")
    own_community: int = Field(default=2, ge=0, description="the venue is in the group's own community")
    distance: int = Field(
        default=1, ge=0, description=f"per {DISTANCE_STEP_M} m nearer to the group's community"
    )

    def venue_bonus(self, own_community: bool, distance_m: float, max_walk_m: float) -> int:
        """Points for a venue: own community first, then nearer ones."""
        steps_spare = int(max(0.0, max_walk_m - distance_m) // DISTANCE_STEP_M)
        return self.own_community * own_community + self.distance * steps_spare


def load_weights(path: str | Path, model: type[W] = Weights) -> W:  # type: ignore[assignment]
    """Read a .toml or .json weights file (``model``: ``Weights``, or the planner's); raise
    ValueError in plain words."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        data = data.get("weights", data)
        return model.model_validate(data)
    except FileNotFoundError:
        raise ValueError(_("{path}: no such weights file").format(path=path)) from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as err:
        kind = path.suffix.lstrip(".") or "JSON"
        raise ValueError(
            _("{path}: not a valid {kind} file ({error})").format(path=path, kind=kind, error=err)
        ) from None
    except ValidationError as err:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
        raise ValueError(
            _("{path}: {problems} (known weights: {names})").format(
                path=path, problems="; ".join(lines), names=", ".join(model.model_fields)
            )
        ) from None
