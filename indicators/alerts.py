"""Review alerts (critical indicator, sharp declines) from scores; thresholds from alerts.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from indicators.grid import SAFE_LOADER
from indicators.grid_checks import GridError

DEFAULT_ALERTS = Path(__file__).resolve().parent / "alerts.yaml"
RULES = {
    "critical_indicator": "max_score",
    "sharp_decline_indicator": "min_drop",
    "sharp_decline_axis": "min_drop",
}
SEVERITIES = ("high", "medium", "low")
COLUMNS = ["rule", "cluster_id", "campaign", "subject", "value", "previous", "severity"]
TOLERANCE = 1e-9  # axis scores carry one decimal: 3.3 - 2.3 must count as a drop of 1.0


def load_alert_rules(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The alert rules, checked: each known rule with enabled, its threshold and a severity."""
    file = Path(path) if path is not None else DEFAULT_ALERTS
    try:
        doc = yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise GridError(str(file), "-", f"cannot be read: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) != set(RULES):
        raise GridError(str(file), "-", f"alert rules must be exactly {', '.join(RULES)}")
    for rule, threshold in RULES.items():
        spec = doc[rule]
        ok = (
            isinstance(spec, dict)
            and isinstance(spec.get("enabled"), bool)
            and isinstance(spec.get(threshold), (int, float))
            and not isinstance(spec.get(threshold), bool)
            and spec.get("severity") in SEVERITIES
        )
        if not ok:
            raise GridError(str(file), rule, f"needs enabled (true/false), {threshold} (number), severity {SEVERITIES}")
    return doc


def find_alerts(indicators: pd.DataFrame, axes: pd.DataFrame, rules: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Alerts of the reviewed campaign's rows; one row per (rule, cluster_id, campaign, subject)."""
    found = []
    rule = rules["critical_indicator"]
    if rule["enabled"]:
        score = indicators["score"].astype("float64")
        found.append(_alerts(indicators[score <= rule["max_score"]], "critical_indicator", rule, "indicator_id"))
    rule = rules["sharp_decline_indicator"]
    if rule["enabled"]:
        drop = indicators["previous_score"].astype("float64") - indicators["score"].astype("float64")
        found.append(_alerts(indicators[drop >= rule["min_drop"]], "sharp_decline_indicator", rule, "indicator_id"))
    rule = rules["sharp_decline_axis"]
    if rule["enabled"]:
        drop = axes["previous_score"].astype("float64") - axes["score"].astype("float64")
        declined = axes[drop >= rule["min_drop"] - TOLERANCE]
        found.append(
            _alerts(declined.assign(subject="axis-" + declined["axis"].astype(str)), "sharp_decline_axis", rule)
        )
    alerts = pd.concat([frame for frame in found if len(frame)] or [pd.DataFrame(columns=COLUMNS)], ignore_index=True)
    return alerts[COLUMNS].sort_values(COLUMNS[:4]).reset_index(drop=True).astype(
        {"rule": "str", "cluster_id": "str", "campaign": "str", "subject": "str", "severity": "str",
         "value": "float64", "previous": "float64"}
    )  # fmt: skip


def _alerts(rows: pd.DataFrame, name: str, rule: dict[str, Any], subject: str = "subject") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule": name,
            "cluster_id": rows["cluster_id"].to_numpy(),
            "campaign": rows["campaign"].to_numpy(),
            "subject": rows[subject].to_numpy(),
            "value": rows["score"].astype("float64").to_numpy(),
            "previous": rows["previous_score"].astype("float64").to_numpy(dtype=float, na_value=np.nan),
            "severity": rule["severity"],
        }
    )
