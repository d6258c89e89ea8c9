"""What a solve gives back: the only thing the outside world sees of the solver."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from kecheng import writing
from kecheng.changes import Changes
from kecheng.timetable import Placement, Unplaced, to_frame, unscheduled_frame


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """One improving timetable found during the search."""

    seconds: float  # since solve() started, so model build time is included
    objective: float
    bound: float
    placed: int
    source: str  # "first-fit" (the warm start), "cp-sat", "polish", "part" or "fill"


@dataclass(frozen=True)
class Result:
    """A solve's timetable and what is known about it. Built in one place (``kecheng.solve``)."""

    status: str  # OPTIMAL (placement proven best), FEASIBLE, INFEASIBLE (locks) or UNKNOWN
    objective: int  # total priority of the placed sessions
    bound: float  # a proven upper bound on the objective (never below it)
    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    sessions_total: int
    timings: dict[str, float]
    progress: tuple[ProgressPoint, ...] = ()
    greedy_objective: int = 0
    seed: int = 0
    workers: int = 0
    time_limit: float = 0.0
    model_size: dict[str, int] = field(default_factory=dict)
    terms: dict[str, Any] = field(default_factory=dict)
    changes: Changes | None = None  # against the previous timetable, when one was given
    interrupted: bool = False  # the search was stopped (Ctrl-C) before its time limit
    error: str | None = None  # why nothing could be solved (e.g. conflicting locks)
    notes: tuple[str, ...] = ()  # what the user should know (a part that fell back to first fit, …)

    @property
    def sessions_scheduled(self) -> int:
        return len(self.placements)

    @property
    def gap(self) -> float:
        """Relative distance to the bound: 0 means proven optimal."""
        if math.isnan(self.bound) or self.bound <= 0:
            return 0.0 if self.objective == self.bound or self.bound <= 0 else math.nan
        return max(0.0, (self.bound - self.objective) / self.bound)

    @property
    def timetable(self) -> pd.DataFrame:
        """One row per placed session, times as HH:MM: the shape of timetable.csv."""
        return to_frame(self.placements, None if self.changes is None else self.changes.status)

    @property
    def unscheduled(self) -> pd.DataFrame:
        """One row per session not placed, with its reason: the shape of unscheduled.csv."""
        return unscheduled_frame(self.unplaced)

    def summary(self) -> dict[str, Any]:
        """The figures of summary.json."""
        return {
            "status": self.status,
            "interrupted": self.interrupted,
            "error": self.error,
            "sessions_total": self.sessions_total,
            "sessions_scheduled": self.sessions_scheduled,
            "sessions_unscheduled": len(self.unplaced),
            "objective": self.objective,
            "bound": None if math.isnan(self.bound) else round(self.bound, 6),
            "gap": None if math.isnan(self.gap) else round(self.gap, 6),
            "greedy_objective": self.greedy_objective,
            "wall_s": round(self.timings.get("wall_s", 0.0), 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "first_solution_s": round(self.progress[0].seconds, 3) if self.progress else None,
            "progress": [
                {"s": round(p.seconds, 3), "objective": p.objective, "placed": p.placed, "source": p.source}
                for p in self.progress
            ],
            "time_limit": self.time_limit,
            "seed": self.seed,
            "workers": self.workers,
            "model_size": self.model_size,
            "unscheduled_by_reason": _count(u.reason for u in self.unplaced),
            "objective_terms": self.terms,
            "changes": None
            if self.changes is None
            else {
                "kept": self.changes.kept,
                "moved": self.changes.moved,
                "new": self.changes.new,
                "dropped": self.changes.dropped,
            },
            "notes": list(self.notes),
            "kecheng": _version("kecheng"),
            "ortools": _version("ortools"),
        }

    def write(self, folder: str | Path, csv_encoding: str | None = None) -> None:
        """timetable.csv, unscheduled.csv and summary.json, each written atomically; the CSV files
        in UTF-8 with BOM unless ``csv_encoding`` is "utf-8" or "gb18030"."""
        folder = Path(folder)
        writing.write_table(self.timetable, folder / "timetable.csv", csv_encoding)
        writing.write_table(self.unscheduled, folder / "unscheduled.csv", csv_encoding)
        writing.write_json(self.summary(), folder / "summary.json")

    def __repr__(self) -> str:
        return (
            f"Result(status={self.status}, placed={self.sessions_scheduled}/{self.sessions_total}, "
            f"objective={self.objective}, bound={self.bound:g}, wall_s={self.timings.get('wall_s', 0):.2f})"
        )


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return dict(sorted(counts.items()))


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None
