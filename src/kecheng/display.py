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

from kecheng.result import ProgressPoint


def _line(point: ProgressPoint | None, elapsed: float, time_limit: float, total: int) -> str:
    head = f"{elapsed:5.1f}/{time_limit:.0f} s"
    if point is None:
        return f"{head}  building the model…"
    bound = "" if math.isnan(point.bound) else f"  bound {point.bound:.0f}"
    return f"{head}  placed {point.placed}/{total}  objective {point.objective:.0f}{bound}  ({point.source})"


class SolveDisplay:
    """Receives progress points from the search thread; renders them on the main thread."""

    def __init__(self, time_limit: float, sessions_total: int, mode: str):
        self.time_limit, self.total, self.mode = time_limit, sessions_total, mode
        self.started = time.perf_counter()
        self.latest: ProgressPoint | None = None
        self.bound = math.nan
        self._lock = threading.Lock()
        self._console = Console(file=sys.stderr)

    def __call__(self, point: ProgressPoint) -> None:
        with self._lock:
            if not math.isnan(point.bound):
                self.bound = point.bound
            self.latest = ProgressPoint(
                point.seconds, point.objective, self.bound, point.placed, point.source
            )
            if self.mode == "log":
                print(
                    _line(self.latest, point.seconds, self.time_limit, self.total),
                    file=sys.stderr,
                    flush=True,
                )

    def render(self) -> Text:
        with self._lock:
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
