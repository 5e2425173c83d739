"""Every reason a metric can give for missing data has its words in French and in English: a committee never
reads a code such as `no_sales`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import indicators.catalog  # noqa: F401 (registers the metrics)
from indicators.registry import METRICS

ROOT = Path(__file__).resolve().parents[2]
CODE = "".join(path.read_text("utf-8") for path in sorted((ROOT / "indicators").glob("*.py")))


def reasons() -> set[str]:
    """The reasons the metrics give: `no_<table>` for each table a metric needs, the literal `no_...` reasons,
    the like-for-like growth reasons of each quantity compared, and `no_<kind>_needs` of each resource kind."""
    found = {f"no_{table}" for spec in METRICS.values() for table in spec.tables}
    found |= set(re.findall(r'"(no_[a-z_]+)"', CODE)) | {"too_few_rows", "not_computed", "plan_date_missing"}
    for what in re.findall(r'return like_for_like_growth\(.*?"([a-z_]+)",?\s*\)', CODE, flags=re.S):
        found |= {f"no_{what}", f"no_previous_{what}", f"no_common_{what}", f"{what}_coverage_low",
                  f"previous_{what}_not_positive"}  # fmt: skip
    grid = yaml.safe_load((ROOT / "indicators" / "grid.yaml").read_text("utf-8"))
    kinds = {e["params"]["resource_kind"] for e in grid["entries"] if "resource_kind" in (e.get("params") or {})}
    return found | {f"no_{kind}_needs" for kind in kinds}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_reason_of_missing_data_has_its_words(language):
    words = yaml.safe_load((ROOT / "reports" / "i18n" / f"{language}.yaml").read_text("utf-8"))
    found = reasons()
    assert {"no_sales", "no_jobs", "no_material_needs", "value_added_coverage_low"} <= found
    assert sorted(r for r in found if f"reason_{r}" not in words) == []
