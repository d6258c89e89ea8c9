"""report.html: the one-screen overview for district staff, one self-contained file.

Opened from a WeChat message on a phone, often offline: so no scripts, no CDN, no web
fonts. The heat map is matplotlib SVG, inlined, with its text kept as text (svg.fonttype
"none") so the phone draws the Chinese with its own fonts: tens of KB, where plotly would
inline 3.5 MB of JavaScript. Tables and the week grids are HTML, escaped by jinja2.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import Any

import jinja2
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from kecheng.display import status_words
from kecheng.explain import reason_name
from kecheng.i18n import _, is_chinese
from kecheng.model import Problem, format_clock
from kecheng.report.frames import open_minutes, sessions, unscheduled, weekday_names
from kecheng.report.template import CJK_FONT_STACK, LABELS, TEMPLATE
from kecheng.result import Result

CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC"]
SVG_STYLE = {
    "svg.fonttype": "none",  # text stays text: the browser renders the Chinese
    "svg.hashsalt": "kecheng",  # the same input gives the same file
    "font.family": "sans-serif",
    "font.sans-serif": [*CJK_FONTS, "DejaVu Sans"],
    "font.size": 9,
}
HEAT = LinearSegmentedColormap.from_list("heat", ["#f7fbff", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"])


def render(problem: Problem, result: Result) -> bytes:
    """The whole page as UTF-8 bytes, every word in the current language (``kecheng.i18n``)."""
    placed, missing = sessions(problem, result), unscheduled(problem, result)
    env = jinja2.Environment(
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
    )
    template = env.from_string(TEMPLATE)
    page = template.render(
        figures=headline(problem, result, placed),
        heatmap=heatmap_svg(*utilisation(problem, placed)),
        streets=street_table(problem, placed),
        communities=community_grids(problem, placed, missing),
        missing=missing.to_dict("records"),
        reasons=[
            (reason_name(reason), reason, count)
            for reason, count in missing["reason"].value_counts().sort_index().items()
        ],
        weekdays=weekday_names(),
        status=status_words(result.status),
        t={key: _(text) for key, text in LABELS.items()},
        lang="zh-CN" if is_chinese() else "en",
        fonts=CJK_FONT_STACK,
        interrupted=bool(getattr(result, "interrupted", False)),
    )
    return page.encode("utf-8")


def headline(problem: Problem, result: Result, placed: pd.DataFrame) -> dict[str, Any]:
    """The figures at the top, as text ready to show."""
    booked = int((placed["end"] - placed["start"]).sum())
    opened = open_minutes(problem)
    counts = placed["group_id"].value_counts()
    full = sum(1 for g in problem.groups if counts.get(g.group_id, 0) == g.sessions_per_week)
    gap = "" if math.isnan(result.gap) else f"{result.gap:.1%}"
    return {
        "groups": f"{len(problem.groups)}",
        "groups_full": f"{full}",
        "placed": f"{result.sessions_scheduled} / {result.sessions_total}",
        "venues": f"{placed['venue_id'].nunique()} / {len(problem.venues)}",
        "teachers": f"{placed['teacher_id'].nunique()} / {len(problem.teachers)}",
        "utilisation": f"{booked / opened:.1%}" if opened else "–",
        "booked_h": f"{booked / 60:,.0f}",
        "open_h": f"{opened / 60:,.0f}",
        "gap": gap,
        "objective": f"{result.objective}",
        "bound": "" if math.isnan(result.bound) else f"{result.bound:g}",
    }


def utilisation(problem: Problem, placed: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
    """Booked ÷ open venue-minutes per (hour of day, weekday); NaN where no venue is open."""
    opened, booked = np.zeros((24, 7)), np.zeros((24, 7))

    def spread(grid: np.ndarray, weekday: int, begin: int, end: int) -> None:
        for hour in range(begin // 60, math.ceil(end / 60)):
            grid[hour, weekday - 1] += max(0, min(end, hour * 60 + 60) - max(begin, hour * 60))

    for (_venue, weekday), spans in problem.opening.items():
        for begin, end in spans:
            spread(opened, weekday, begin, end)
    for s in placed.itertuples(index=False):
        spread(booked, s.weekday, s.start, s.end)
    hours = [h for h in range(24) if opened[h].any()]
    if not hours:
        return np.full((1, 7), np.nan), [8]
    hours = list(range(hours[0], hours[-1] + 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(opened > 0, booked / np.where(opened > 0, opened, 1), np.nan)
    return share[hours], hours


def heatmap_svg(share: np.ndarray, hours: list[int]) -> str:
    """The heat map (rows = hours, columns = weekdays) as an inline <svg> element."""
    with warnings.catch_warnings():  # no CJK font here: the browser still has one
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        with matplotlib.rc_context(SVG_STYLE):
            figure = Figure(figsize=(4.6, 0.26 * len(hours) + 0.9), layout="constrained")
            ax = figure.subplots()
            cmap = HEAT.with_extremes(bad="#e6e6e6")
            top = _scale_top(share)  # a quiet district still shows where it is busiest
            image = ax.imshow(np.ma.masked_invalid(share), cmap=cmap, vmin=0, vmax=top, aspect="auto")
            for (row, column), value in np.ndenumerate(share):
                if not np.isnan(value):
                    colour = "white" if value > 0.55 * top else "#333333"
                    ax.text(column, row, f"{value:.0%}", ha="center", va="center", color=colour, fontsize=7)
            ax.set_xticks(range(7), weekday_names())
            ax.xaxis.tick_top()
            ax.set_yticks(range(len(hours)), [f"{h:02d}:00" for h in hours])
            ax.tick_params(length=0)
            ax.spines[:].set_visible(False)
            bar = figure.colorbar(image, ax=ax, orientation="horizontal", shrink=0.6, aspect=30, pad=0.02)
            ticks = np.arange(0, top + 1e-9, 0.05 if top <= 0.2 else 0.1 if top <= 0.5 else 0.25)
            bar.set_ticks(ticks, labels=[f"{t:.0%}" for t in ticks])
            bar.outline.set_visible(False)
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def _scale_top(share: np.ndarray) -> float:
    """The colour scale's top: the busiest hour rounded up to 10 %, at least 20 %, at most 100 %."""
    busiest = float(np.nanmax(share)) if np.isfinite(share).any() else 0.0
    return min(1.0, max(0.2, math.ceil(busiest * 10 - 1e-9) / 10))


def street_table(problem: Problem, placed: pd.DataFrame) -> list[dict[str, Any]]:
    """Per street (of the groups' communities): groups, and sessions placed of those asked."""
    rows = []
    for street in sorted({c.street for c in problem.communities}):
        ids = {c.community_id for c in problem.communities if c.street == street}
        groups = [g for g in problem.groups if g.community_id in ids]
        asked = sum(g.sessions_per_week for g in groups)
        done = int((placed["street"] == street).sum())
        rows.append({"street": street, "groups": len(groups), "placed": done, "asked": asked})
    return rows


def community_grids(problem: Problem, placed: pd.DataFrame, missing: pd.DataFrame) -> list[dict[str, Any]]:
    """Per community (where the groups' members live): a week grid with a row per starting hour."""
    out = []
    for number, community in enumerate(sorted(problem.communities, key=lambda c: (c.street, c.community_id))):
        here = placed[placed["community_id"] == community.community_id]
        prefix = f"{community.street}·{community.name} "  # names repeat where they are: shown once
        rows: dict[int, list[list[dict[str, str]]]] = {}
        for s in here.sort_values(["start", "weekday"]).itertuples(index=False):
            cells = rows.setdefault(s.start // 60, [[] for _day in range(7)])
            cells[s.weekday - 1].append(
                {
                    "time": f"{format_clock(s.start)}–{format_clock(s.end)}",
                    "group": s.group.removeprefix(prefix),
                    "where": f"{s.venue} · {s.teacher}",
                    "category": s.category_id,
                }
            )
        out.append(
            {
                "name": community.name,
                "anchor": f"c{number + 1}",
                "street": community.street,
                "sessions": len(here),
                "missing": int((missing["community_id"] == community.community_id).sum()),
                "rows": [(f"{hour:02d}:00", cells) for hour, cells in sorted(rows.items())],
            }
        )
    return out
