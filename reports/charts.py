"""A dashboard's charts as small PNG images with their alt text, drawn once per cluster and used by the message,
the site and the PDF alike.

Drawn with matplotlib's Agg backend (reports/chart_layouts.py), then reduced to a palette PNG with Pillow: the
charts hold few colours, so 64 of them keep the text's antialiasing and cut the file to about a third.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from reports.chart_layouts import Layout

COLOURS = 64


@dataclass(frozen=True)
class Chart:
    """One chart: its name (`axes`, `overall`, `qqrp`), PNG bytes, alt text (every figure it shows) and size."""

    name: str
    png: bytes
    alt: str
    width: int
    height: int

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


def draw_charts(specs: list[dict], t: dict) -> tuple[Chart, ...]:
    """The PNG charts of a dashboard's chart specs (reports/chart_data.py), in their order."""
    return tuple(draw_chart(spec, t) for spec in specs)


def draw_chart(spec: dict, t: dict) -> Chart:
    """One chart drawn on the layout of its fixed words (built once, reused for every cluster that shares them)."""
    layout = _layout_for(spec, t)
    if layout.palette is None:
        layout.palette = palette_of(with_swatches(layout.fixed_part()))
    pixels = layout.render(spec)
    height, width = pixels.shape[:2]
    return Chart(spec["name"], encode_png(pixels, layout.palette), spec["alt"], width, height)


def with_swatches(pixels: np.ndarray) -> np.ndarray:
    """The pixels with a band of every chart colour below them, so that a palette found on them holds each one
    (the overall score's line has no legend: without its swatch it came out grey)."""
    from matplotlib.colors import to_rgba_array

    from reports.chart_layouts import ALL_COLOURS

    colours = (to_rgba_array(ALL_COLOURS) * 255).round().astype(np.uint8)
    band = np.repeat(np.repeat(colours[:, None, :], pixels.shape[1], axis=1), 8, axis=0)
    return np.concatenate([pixels, band])


def palette_of(pixels: np.ndarray):
    """A palette image of at most COLOURS colours for these RGBA pixels (fast octree quantisation)."""
    from PIL import Image

    return Image.fromarray(pixels[..., :3]).quantize(COLOURS, method=Image.Quantize.FASTOCTREE)


def encode_png(pixels: np.ndarray, palette=None) -> bytes:
    """RGBA pixels as a palette PNG: mapped to `palette` (a layout's, found once: its fixed part holds every colour
    of its bars, lines and texts) or to a palette of their own."""
    from PIL import Image

    if palette is None:
        image = palette_of(pixels)
    else:  # read the RGBA buffer as it is, then drop alpha in Pillow: slicing it in numpy copied it (1.7 ms a chart)
        height, width = pixels.shape[:2]
        rgba = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(pixels), "raw", "RGBA", 0, 1)
        image = rgba.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)  # `optimize` gains 12 % of bytes for 4 times the time
    return buffer.getvalue()


def layout_key(spec: dict, t: dict) -> tuple:
    """The kind of a spec's layout and every word of its fixed part (what its cached layout is keyed by)."""
    name, groups = spec["name"], tuple(spec["groups"])
    if name == "axes":
        return ("axes", spec["title"], groups, tuple(s["label"] for s in spec["series"]), t["chart_score"])
    if name == "overall":
        return ("overall", spec["title"], groups, tuple(spec["levels"]))
    panels = tuple((p["title"], tuple(s["label"] for s in p["series"])) for p in spec["panels"])
    return ("qqrp", spec["title"], groups, panels)


def build_layout(kind: str, *words) -> Layout:
    """A new layout of a kind with its fixed words (reports/chart_layouts.py)."""
    from reports.chart_layouts import axes_layout, overall_layout, qqrp_layout  # matplotlib: 1.3 s to import

    builders = {"axes": axes_layout, "overall": overall_layout, "qqrp": qqrp_layout}
    return builders[kind](*words)


_cached = lru_cache(maxsize=32)(build_layout)
"""One layout per kind and fixed words: a season's clusters share a handful (languages, campaign names)."""


def _layout_for(spec: dict, t: dict) -> Layout:
    return _cached(*layout_key(spec, t))
