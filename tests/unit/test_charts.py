"""The dashboard's charts: what each shows (words and figures, from small frames) and the PNG drawn from it."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image

from reports.chart_data import chart_specs
from reports.charts import draw_chart, draw_charts
from reports.i18n import catalogue

CAMPAIGNS = ["2022-2023", "2023-2024", "2024-2025"]
AXES = [{"axis": n, "label": f"Axe numéro {n}"} for n in range(1, 7)]


def trend(campaigns: list[str], shift: float = 0.0) -> pd.DataFrame:
    """Overall (axis 0) and axis scores; axis 4 has no score in the oldest campaign."""
    return pd.DataFrame(
        [{"cluster_id": "A", "campaign": c, "axis": a,
          "score": None if (a, i) == (4, 0) else 1 + a * 0.4 + i * 0.2 + shift}
         for i, c in enumerate(campaigns) for a in range(7)]
    )  # fmt: skip


def qqrp(campaigns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"cluster_id": "A", "campaign": c, "accepted_kg": 120_000.0 + i * 30_000, "sold_kg": 90_000.0,
          "producer_price_xof": 210.0, "selling_price_xof": None if i == 0 else 300.0}
         for i, c in enumerate(campaigns)]
    )  # fmt: skip


def specs(language: str = "fr", shift: float = 0.0, campaigns: list[str] = CAMPAIGNS) -> list[dict]:
    return chart_specs(trend(campaigns, shift), qqrp(campaigns), AXES, language, catalogue(language))


def test_three_charts_each_saying_its_figures_in_its_alt_text():
    axes, overall, volumes = specs()
    assert [axes["name"], overall["name"], volumes["name"]] == ["axes", "overall", "qqrp"]
    assert axes["groups"][0] == "1. Axe numéro 1" and [s["label"] for s in axes["series"]] == CAMPAIGNS
    assert axes["series"][0]["texts"][3] == "–"  # axis 4, oldest campaign: no score, never a 0
    for text in (s for series in axes["series"] for s in series["texts"]):
        assert text in axes["alt"]
    assert overall["series"][0]["texts"] == ["1,00", "1,20", "1,40"] and "2024-2025 : 1,40" in overall["alt"]
    volume, price = volumes["panels"]
    assert volume["series"][0]["texts"] == ["120\u00a0t", "150\u00a0t", "180\u00a0t"]
    assert price["series"][1]["texts"] == ["–", "300\u00a0F", "300\u00a0F"]
    assert "120\u00a0t → 150\u00a0t → 180\u00a0t" in volumes["alt"]


def test_english_words_and_no_chart_without_two_campaigns():
    english = specs("en")
    assert english[0]["title"] == catalogue("en")["chart_axes_title"] and "1.40" in english[1]["alt"]
    assert specs(campaigns=["2024-2025"]) == []
    assert chart_specs(None, None, AXES, "fr", catalogue("fr")) == []


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_each_chart_is_a_phone_sized_png_with_ink_on_it():
    charts = draw_charts(specs(), catalogue("fr"))
    assert [c.name for c in charts] == ["axes", "overall", "qqrp"]
    for chart in charts:
        image = pixels(chart.png)
        assert image.shape[:2] == (chart.height, chart.width) and chart.width == 480
        assert (image < 128).any(axis=2).mean() > 0.01, f"{chart.name}: hardly any dark pixel (text, bars)"
        assert len(chart.png) < 20_000


def test_a_reused_layout_draws_each_cluster_afresh():
    t = catalogue("fr")
    first, other = specs()[0], specs(shift=1.0)[0]
    before = draw_chart(first, t).png
    assert draw_chart(other, t).png != before  # other scores, other bars
    assert draw_chart(first, t).png == before  # nothing of the other cluster left on the shared figure


def test_every_series_keeps_its_own_colour_in_the_palette_png():
    from reports.chart_layouts import CAMPAIGN_COLOURS, SERIES_COLOURS

    def has(image: np.ndarray, colour: str) -> bool:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        return bool((np.abs(image.astype(int) - rgb).sum(axis=2) < 12).any())

    axes, overall, volumes = (pixels(c.png) for c in draw_charts(specs(), catalogue("fr")))
    assert all(has(axes, colour) for colour in CAMPAIGN_COLOURS)
    assert has(overall, CAMPAIGN_COLOURS[-1]), "the overall score's line is drawn in its blue, not a grey"
    assert all(has(volumes, colour) for colour in SERIES_COLOURS)
