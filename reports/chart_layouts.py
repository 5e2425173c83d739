"""The three chart layouts, drawn with matplotlib (Agg): what stays the same is drawn once, what changes per cluster
is drawn on top of it.

A layout is built once per set of fixed words (chart, language, group names, campaigns): its title, legend, group
names and scale are drawn into a saved background; for each cluster only the bars, the line and the value texts
(matplotlib's "animated" artists) are updated and drawn over a copy of that background (matplotlib's blitting).
Sizes are in pixels (72 dpi: 1 point = 1 pixel), for an image shown about 330 px wide on a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 72
WIDTH = 480
FONT, TITLE_FONT, SMALL_FONT = 17, 18, 15
INK, GREY, RULE = "#222222", "#666666", "#dddddd"
CAMPAIGN_COLOURS = ("#56B4E9", "#E69F00", "#0072B2")  # Okabe-Ito sky blue, orange, blue: oldest to latest
SERIES_COLOURS = ("#009E73", "#D55E00")  # Okabe-Ito bluish green, vermillion
BAR_ROWS_PX, HEAD_PX, FOOT_PX = 19, 78, 36
ALL_COLOURS = (*CAMPAIGN_COLOURS, *SERIES_COLOURS, INK, GREY, RULE)
"""Every colour a moving part may use: the PNG palette keeps each, even one the fixed part does not show."""


@dataclass
class Layout:
    """A figure with its fixed part drawn and saved, and a function that updates its moving part from a spec."""

    figure: Figure
    update: Callable[[dict], list] = field(repr=False)
    background: object = None
    palette: object = None
    """The PNG palette of this layout (set by reports/charts.py from the fixed part, which shows every colour)."""

    def render(self, spec: dict) -> np.ndarray:
        """The chart of `spec` as an RGBA pixel array (the background restored, the moving artists drawn on it)."""
        canvas = self.figure.canvas
        if self.background is None:
            self.fixed_part()
        canvas.restore_region(self.background)
        for artist in self.update(spec):
            self.figure.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())

    def fixed_part(self) -> np.ndarray:
        """Draw and keep the fixed part (animated artists are left out of a full draw); its RGBA pixels."""
        self.figure.canvas.draw()
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
        return np.array(self.figure.canvas.buffer_rgba())


def _figure(height: int) -> Figure:
    figure = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _plain(ax) -> None:
    """No frame but the baseline, light grid lines, text in the chart's ink."""
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GREY)
    ax.tick_params(colors=GREY, labelcolor=INK, labelsize=SMALL_FONT, length=0)


def _value(ax, x: float, y: float, **style):
    return ax.text(x, y, "", fontsize=SMALL_FONT, color=INK, animated=True, **style)


def axes_layout(title: str, groups: tuple[str, ...], campaigns: tuple[str, ...], scale: str) -> Layout:
    """One block per axis: its name, then one horizontal bar per campaign, the latest campaign's score written at
    its end (the older ones read on the scale; all are in the alt text and the table beside the chart)."""
    n, step = len(campaigns), len(campaigns) + 1.5
    rows = len(groups) * step
    figure = _figure(int(HEAD_PX + FOOT_PX + rows * BAR_ROWS_PX))
    top = 1 - HEAD_PX / figure.bbox.height
    ax = figure.add_axes((0.02, FOOT_PX / figure.bbox.height, 0.96, top - FOOT_PX / figure.bbox.height))
    figure.text(0.02, 0.99, title, fontsize=TITLE_FONT, fontweight="bold", color=INK, va="top")
    ax.set_xlim(0, 4.55)
    ax.set_ylim(rows - 0.4, -0.9)
    ax.set_xticks([0, 1, 2, 3, 4], ["0", "1", "2", "3", "4"])
    ax.set_yticks([])
    ax.grid(axis="x", color=RULE)
    ax.set_axisbelow(True)
    _plain(ax)
    ax.set_xlabel(scale, fontsize=SMALL_FONT, color=GREY, loc="right", labelpad=1)
    bars, texts = [], []
    for g, group in enumerate(groups):
        ax.text(0.02, g * step, group, fontsize=FONT, color=INK, fontweight="bold", va="center")
        for k in range(n):
            y = g * step + 1 + k
            bars.append(ax.barh(y, 0, height=0.78, color=CAMPAIGN_COLOURS[k - n], animated=True)[0])
        texts.append(_value(ax, 0, g * step + n, va="center"))
    handles = [bars[k] for k in range(n)]
    figure.legend(handles, campaigns, loc="upper left", bbox_to_anchor=(0.01, 1 - 28 / figure.bbox.height),
                  ncols=n, fontsize=SMALL_FONT, frameon=False, handlelength=1, columnspacing=1)  # fmt: skip

    def update(spec: dict) -> list:
        for k, series in enumerate(spec["series"]):
            for g, value in enumerate(series["values"]):
                bars[g * n + k].set_width(value or 0)
        latest = spec["series"][-1]
        for label, value, text in zip(texts, latest["values"], latest["texts"], strict=True):
            label.set_text(text)
            label.set_x((value or 0) + 0.06)
        return [*bars, *texts]

    return Layout(figure, update)


def overall_layout(title: str, campaigns: tuple[str, ...], levels: tuple[str, ...]) -> Layout:
    """The overall score as a path over the campaigns, on the 1 to 4 scale with each step's word."""
    figure = _figure(300)
    ax = figure.add_axes((0.36, 0.12, 0.62, 0.74))
    figure.text(0.02, 0.98, title, fontsize=TITLE_FONT, fontweight="bold", color=INK, va="top")
    x = np.arange(len(campaigns))
    ax.set_xlim(-0.5, len(campaigns) - 0.5)
    ax.set_ylim(0.6, 4.5)
    ax.set_xticks(x, campaigns)
    ax.set_yticks([1, 2, 3, 4], [f"{n} · {word}" for n, word in enumerate(levels, start=1)])
    ax.grid(axis="y", color=RULE)
    _plain(ax)
    (line,) = ax.plot(x, np.zeros(len(x)), color=CAMPAIGN_COLOURS[-1], lw=3, marker="o", ms=10, animated=True)
    texts = [_value(ax, i, 0, ha="center", va="bottom") for i in x]

    def update(spec: dict) -> list:
        series = spec["series"][0]
        values = np.array([np.nan if v is None else v for v in series["values"]], dtype=float)
        line.set_ydata(values)
        for label, value, text in zip(texts, values, series["texts"], strict=True):
            label.set_text(text)
            label.set_y(1 if np.isnan(value) else value + 0.14)
        return [line, *texts]

    return Layout(figure, update)


def qqrp_layout(title: str, campaigns: tuple[str, ...], panels: tuple[tuple[str, tuple[str, ...]], ...]) -> Layout:
    """Two panels of bars over the campaigns (volumes, prices), two series each, the value above each bar."""
    figure = _figure(440)
    figure.text(0.02, 0.99, title, fontsize=TITLE_FONT, fontweight="bold", color=INK, va="top")
    x, width = np.arange(len(campaigns)), 0.38
    moving: list[tuple[list, list]] = []
    for p, (panel_title, labels) in enumerate(panels):
        ax = figure.add_axes((0.02, 0.53 - p * 0.46, 0.96, 0.28))
        ax.set_title(panel_title, fontsize=FONT, color=INK, loc="left", pad=30)
        ax.set_xlim(-0.5, len(campaigns) - 0.5)
        ax.set_ylim(0, 1.3)
        ax.set_xticks(x, campaigns)
        ax.set_yticks([])
        _plain(ax)
        bars = [ax.bar(x + (s - 0.5) * width, np.zeros(len(x)), width * 0.92, color=SERIES_COLOURS[s],
                       animated=True) for s in range(len(labels))]  # fmt: skip
        ax.legend([b[0] for b in bars], labels, loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False,
                  fontsize=SMALL_FONT, handlelength=1, borderaxespad=0.1)  # fmt: skip
        texts = [[_value(ax, xi + (s - 0.5) * width, 0, ha="center", va="bottom") for xi in x] for s in range(2)]
        moving.append((bars, texts))

    def update(spec: dict) -> list:
        drawn = []
        for (bars, texts), panel in zip(moving, spec["panels"], strict=True):
            top = max((v for s in panel["series"] for v in s["values"] if v is not None), default=0) or 1
            for series, group, labels in zip(panel["series"], bars, texts, strict=True):
                for bar, label, value, text in zip(group, labels, series["values"], series["texts"], strict=True):
                    height = 0 if value is None else value / top
                    bar.set_height(height)
                    label.set_text(text)
                    label.set_y(height + 0.03)
                drawn += [*group, *labels]
        return drawn

    return Layout(figure, update)
