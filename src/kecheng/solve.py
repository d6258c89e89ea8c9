"""``solve()``: one path from a Problem to a Result, whatever its size.

It checks the options and the locks, builds the candidates once, hands the work to the district
solve (which, above ``max_part_groups`` groups, proves its bound part by part), and is the one
place that turns what was found into a ``Result``: the
unplaced sessions explained, the objective's terms, the changes against last week, and a bound
that is never above what the candidates allow nor below what was placed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from kecheng.candidates import Candidates
from kecheng.changes import compare
from kecheng.check import check
from kecheng.cpsat import SearchSettings
from kecheng.decompose import MAX_PART_GROUPS
from kecheng.district import Outcome, solve_district
from kecheng.errors import LockError, OptionError
from kecheng.explain import unplaced_reasons
from kecheng.i18n import _, in_language
from kecheng.model import Problem
from kecheng.result import ProgressPoint, Result
from kecheng.timetable import Placement, Unplaced
from kecheng.weights import Weights


def check_options(*, time_limit: Any = 60.0, seed: Any = 0, workers: Any = 0) -> None:
    """Refuse options no solve can honour, in plain words (``OptionError``)."""
    if (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, int | float)
        or not math.isfinite(time_limit)
        or time_limit <= 0
    ):
        raise OptionError(
            _("the time limit must be a number of seconds greater than 0, not {value}").format(
                value=repr(time_limit)
            )
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise OptionError(
            _("the seed must be a whole number 0 or more, not {value}").format(value=repr(seed))
        )
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise OptionError(
            _("workers must be a whole number: 0 (every core) or more, not {value}").format(
                value=repr(workers)
            )
        )


@in_language
def solve(
    problem: Problem,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 0,
    weights: Weights | None = None,
    previous: Iterable[Placement] = (),
    locked: Iterable[Placement] = (),
    hint: bool = True,
    log: bool = False,
    on_progress: Callable[[ProgressPoint], None] | None = None,
    cp_sat: dict[str, Any] | None = None,
    warm_start: Iterable[Placement] = (),
    max_part_groups: int = MAX_PART_GROUPS,
    candidates: Candidates | None = None,
) -> Result:
    """Place the most priority-weighted sessions within ``time_limit`` seconds of search.

    Then, without giving up a single placed session: keep ``previous`` sessions where they are,
    meet time preferences, prefer near venues (see ``Weights``).

    Parameters
    ----------
    problem
        The district's week.
    time_limit
        Seconds of search (model building and first fit come on top); a number > 0.
    seed, workers
        CP-SAT's random seed (≥ 0) and threads (0: every core). With ``workers=1`` the search
        stops on CP-SAT's deterministic clock, so the same input and seed give the same timetable.
    weights
        Points of the secondary goals (``Weights()`` by default).
    previous
        Last week's timetable: sessions that still fit stay, unless moving one places more.
    locked
        Sessions kept exactly; ``LockError`` names a lock that breaks a rule.
    hint, log, cp_sat
        Warm start from first fit; CP-SAT's log on stdout; CP-SAT parameters by name.
    on_progress
        Called with each better timetable (from the search thread).
    warm_start
        Placements seeding the first fit (after locks, before ``previous``).
    max_part_groups
        Above this many groups the bound is proven part by part (``kecheng.decompose``).
    candidates
        ``Candidates(problem)``, when the caller built them already (to lint, say).
    lang
        "zh" or "en": the language of the reasons' details (default: ``kecheng.i18n.language()``).

    Returns
    -------
    Result
        Status (OPTIMAL when the placed priority is proven best), the placed priority and a
        proven bound on it; every session not placed is in ``result.unscheduled`` with a
        reason. Ctrl-C ends the search early: the best timetable so far, marked interrupted.
    """
    check_options(time_limit=time_limit, seed=seed, workers=workers)
    started = time.perf_counter()
    previous, locked, warm_start = list(previous), list(locked), list(warm_start)
    settings = SearchSettings(
        time_limit=float(time_limit),
        seed=seed,
        workers=workers,
        weights=weights or Weights(),
        hint=hint,
        log=log,
        on_progress=on_progress,
        cp_sat=dict(cp_sat or {}),
    )
    check_locks(problem, locked)
    tick = time.perf_counter()
    if candidates is None:
        candidates = Candidates(problem)
    elif candidates.problem is not problem:
        raise OptionError(_("candidates were built for another problem; pass Candidates(problem)"))
    candidates_s = time.perf_counter() - tick
    ceiling = candidates.upper_bound()
    outcome = solve_district(
        problem,
        candidates,
        settings,
        previous=previous,
        locked=locked,
        warm_start=warm_start,
        ceiling=ceiling,
        started=started,
        max_part_groups=max_part_groups,
    )
    outcome.timings["candidates_s"] = candidates_s
    result = _result(problem, candidates, outcome, settings, previous, ceiling, started)
    if on_progress is not None:  # the answer's own figures, so the last line shown matches the summary
        on_progress(
            ProgressPoint(
                result.timings["wall_s"], result.objective, result.bound, len(result.placements), "final"
            )
        )
    return result


def _result(
    problem: Problem,
    candidates: Candidates,
    outcome: Outcome,
    settings: SearchSettings,
    previous: list[Placement],
    ceiling: int,
    started: float,
) -> Result:
    """The one place a Result is built: every path reports the same fields."""
    placements = outcome.placements
    objective = problem.placed_priority(placements)
    bound = ceiling if math.isnan(outcome.bound) else min(outcome.bound, ceiling)
    bound = max(bound, objective)
    status = outcome.status
    if objective >= bound and status in ("FEASIBLE", "OPTIMAL"):
        status = "OPTIMAL"  # the placed priority reaches a valid bound: proven best
    tick = time.perf_counter()
    unplaced = unplaced_reasons(problem, placements, candidates)
    timings = dict(outcome.timings) | {"explain_s": time.perf_counter() - tick}
    timings["wall_s"] = time.perf_counter() - started
    return Result(
        status=status,
        objective=objective,
        bound=bound,
        placements=tuple(placements),
        unplaced=tuple(unplaced),
        sessions_total=problem.sessions_total,
        timings=timings,
        progress=tuple(outcome.progress),
        interrupted=outcome.interrupted,
        greedy_objective=problem.placed_priority(outcome.first_fit),
        seed=settings.seed,
        workers=settings.workers,
        time_limit=settings.time_limit,
        model_size=outcome.model_size,
        terms=objective_terms(problem, placements, settings.weights, previous),
        changes=compare(previous, placements) if previous else None,
        notes=tuple(outcome.notes),
    )


def check_locks(problem: Problem, locked: list[Placement]) -> None:
    """Locks are hard: each must obey every rule, alone and together with the others."""
    violations = check(problem, locked)
    if violations:
        lines = [f"  {v.rule}: {v.message}" for v in violations]
        raise LockError(_("locked sessions break the rules:") + "\n" + "\n".join(lines))


def lock_conflict(problem: Problem, detail: str) -> Result:
    """The result of a run whose locks cannot be kept: nothing placed, every session listed with
    the reason, so that the output folder stays consistent with the input."""
    return Result(
        status="INFEASIBLE",
        objective=0,
        bound=math.nan,
        placements=(),
        unplaced=tuple(Unplaced(g, s, "LOCK_CONFLICT", detail) for g, s in problem.sessions()),
        sessions_total=problem.sessions_total,
        timings={},
        error=detail,
    )


def objective_terms(
    problem: Problem, placements: list[Placement], weights: Weights, previous: list[Placement]
) -> dict[str, Any]:
    """Each part of the objective, recomputed from the timetable itself."""
    with_pref = [p for p in placements if problem.group[p.group_id].has_time_preference]
    met = sum(problem.group[p.group_id].prefers(p.weekday, p.start, p.end) for p in with_pref)
    own = sum(
        problem.venue[p.venue_id].community_id == problem.group[p.group_id].community_id for p in placements
    )
    walk = [problem.walk_m(p.group_id, p.venue_id) for p in placements]
    old = {(p.group_id, p.weekday, p.venue_id, p.start) for p in previous}
    kept = sum((p.group_id, p.weekday, p.venue_id, p.start) in old for p in placements)
    return {
        "placed_priority": problem.placed_priority(placements),
        "sessions_with_time_preference": len(with_pref),
        "time_preference_met": met,
        "time_preference_share": round(met / len(with_pref), 4) if with_pref else None,
        "own_community_share": round(own / len(placements), 4) if placements else None,
        "mean_walk_m": round(sum(walk) / len(walk), 1) if walk else None,
        "kept_from_previous": kept,
        "weights": weights.model_dump(),
    }
