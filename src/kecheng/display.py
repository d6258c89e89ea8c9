"""Showing a running solve on stderr: a live line on a terminal, or a log line per
improvement. Presentation only: it listens to ``solve(on_progress=...)``."""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.text import Text

from kecheng.i18n import N_, _, language, use_language
from kecheng.result import ProgressPoint

SOURCES = {
    "first-fit": N_("first-fit"),
    "cp-sat": N_("cp-sat"),
    "polish": N_("polish"),
    "part": N_("part"),
    "fill": N_("fill"),
    "final": N_("final"),
}
"""Where a progress point comes from (``ProgressPoint.source``), in words."""
STATUSES = {
    "OPTIMAL": N_("OPTIMAL"),
    "FEASIBLE": N_("FEASIBLE"),
    "INFEASIBLE": N_("INFEASIBLE"),
    "UNKNOWN": N_("UNKNOWN"),
    "MODEL_INVALID": N_("MODEL_INVALID"),
}
"""CP-SAT's status codes (English: the code itself; Chinese: words beside the code)."""


def status_words(status: str) -> str:
    """ "OPTIMAL" in English; "最优（OPTIMAL）" in Chinese: the code stays, as summary.json has it."""
    words = _(STATUSES[status]) if status in STATUSES else status
    return status if words == status else _("{words} ({code})").format(words=words, code=status)


def _line(point: ProgressPoint | None, elapsed: float, time_limit: float, total: int) -> str:
    head = _("{elapsed}/{limit} s").format(elapsed=f"{elapsed:5.1f}", limit=f"{time_limit:.0f}")
    if point is None:
        return _("{head}  building the model…").format(head=head)
    bound = "" if math.isnan(point.bound) else _("  bound {bound}").format(bound=f"{point.bound:.0f}")
    source = _(SOURCES[point.source]) if point.source in SOURCES else point.source
    return _("{head}  placed {placed}/{total}  objective {objective}{bound}  ({source})").format(
        head=head,
        placed=point.placed,
        total=total,
        objective=f"{point.objective:.0f}",
        bound=bound,
        source=source,
    )


class SolveDisplay:
    """Receives progress points from the search thread; renders them in rich's refresh thread.

    The language is the one in force where the display is made: the other threads render in it.
    The bound shown is the best (lowest) one known, and never below the objective: the polish
    phase reports no bound of its own, and its first timetable was proven by the phase before."""

    def __init__(self, time_limit: float, sessions_total: int, mode: str):
        self.time_limit, self.total, self.mode = time_limit, sessions_total, mode
        self.language = language()
        self.started = time.perf_counter()
        self.latest: ProgressPoint | None = None
        self.bound = math.nan
        self._lock = threading.Lock()
        self._console = Console(file=sys.stderr)

    def __call__(self, point: ProgressPoint) -> None:
        with self._lock:
            if not math.isnan(point.bound):
                self.bound = point.bound if math.isnan(self.bound) else min(self.bound, point.bound)
            if point.source == "final":  # the answer: its bound is the one summary.json reports
                self.bound = point.bound
            self.latest = ProgressPoint(
                point.seconds, point.objective, self.bound, point.placed, point.source
            )
            if self.mode == "log":
                with use_language(self.language):
                    line = _line(self.latest, point.seconds, self.time_limit, self.total)
                print(line, file=sys.stderr, flush=True)

    def render(self) -> Text:
        with self._lock, use_language(self.language):
            return Text(_line(self.latest, time.perf_counter() - self.started, self.time_limit, self.total))


@contextmanager
def showing(
    time_limit: float, sessions_total: int, *, quiet: bool, log: bool
) -> Iterator[SolveDisplay | None]:
    """A live line when stderr is a terminal, log lines with log=True, else nothing."""
    if quiet:
        yield None
        return
    if log:
        yield SolveDisplay(time_limit, sessions_total, "log")
        return
    if not sys.stderr.isatty():
        yield None
        return
    display = SolveDisplay(time_limit, sessions_total, "live")
    with Live(get_renderable=display.render, console=display._console, refresh_per_second=4, transient=True):
        yield display
