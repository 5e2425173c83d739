"""The review as a DHIS2 `dataValueSets` payload (JSON and its CSV form): one data value per cluster and mapped
figure, only what the mapping names, with what was left out said. Pure: frames in, dicts and text out."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import pandas as pd

from connectors.dhis2 import FIGURES, SUMMARIES, Mapping, campaign_period, dhis2_period, period_start
from schemas.campaign import campaign_window

CSV_COLUMNS = (
    "dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value", "storedby", "lastupdated",
    "comment", "followup",
)  # fmt: skip
"""DHIS2's CSV data value format, in its documented column order (its first row is a header DHIS2 skips)."""


@dataclass
class Export:
    """The data values to send, what each one is (for reading DHIS2's conflicts), and what was left out and why."""

    data_values: list[dict[str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def payload(self) -> dict:
        """The `dataValueSets` JSON body."""
        return {"dataValues": self.data_values}


def build_export(
    mapping: Mapping, indicators: pd.DataFrame, axes: pd.DataFrame, overall: pd.DataFrame, clusters: pd.DataFrame
) -> Export:
    """The data values of a season's review that the mapping names, one per cluster and mapped figure.

    `indicators` (one row per cluster, campaign and indicator: value, score, status), `axes` (per axis: score,
    coverage), `overall` (per cluster: score, coverage) and `clusters` (the registry: campaign calendars). A missing
    figure (insufficient data, no value) is left out and said: DHIS2 takes a blank value as a conflict (or, with a
    comment, as erasing the stored number) and a 0 as a real zero."""
    export = Export()
    reviewed = sorted(set(overall["cluster_id"]) | set(indicators["cluster_id"]))
    _say_unmapped(export, mapping, reviewed, indicators)
    calendars = {row["cluster_id"]: row for row in clusters.to_dict("records")}
    figures = _figures_by_cluster(indicators, axes, overall)
    windows: dict[tuple[str, str, str], list[str]] = {}
    for cluster_id in (c for c in reviewed if c in mapping.org_units):
        calendar = calendars.get(cluster_id)
        if calendar is None:
            export.left_out.append(f"{cluster_id}: not in the registry (no campaign calendar), nothing sent")
            continue
        missing = []
        for campaign, key, label, value, comment in figures.get(cluster_id, []):
            uid = _target(mapping, key)
            if uid is None:
                continue
            if value is None:
                missing.append(label)
                continue
            start_md, end_md = calendar["campaign_start_md"], calendar["campaign_end_md"]
            period = campaign_period(campaign, start_md, end_md, mapping)
            windows.setdefault((campaign, start_md, end_md), []).append(cluster_id)
            export.data_values.append(_data_value(mapping, uid, period, mapping.org_units[cluster_id], value, comment))
            export.labels.append(f"{cluster_id} {label}")
        if missing:
            export.left_out.append(
                f"{cluster_id}: no value for {', '.join(missing)} (insufficient data): left out, never sent as 0"
            )
    export.notes += _period_notes(windows, mapping)
    return export


def _say_unmapped(export: Export, mapping: Mapping, reviewed: list[str], indicators: pd.DataFrame) -> None:
    """What the mapping does not name: clusters, indicators and summary scores (never left out silently)."""
    clusters = [cluster_id for cluster_id in reviewed if cluster_id not in mapping.org_units]
    if clusters:
        export.left_out.append(f"no org unit in the mapping, nothing of theirs sent: {', '.join(clusters)}")
    ids = [i for i in dict.fromkeys(indicators["indicator_id"]) if i not in mapping.indicators]
    summaries = [name for name in SUMMARIES if name not in mapping.summaries]
    if ids or summaries:
        export.left_out.append(f"no data element in the mapping, not sent: {', '.join([*summaries, *ids])}")
    idle = sorted(set(mapping.org_units) - set(reviewed))
    if idle:
        export.notes.append(f"in the mapping but not in this season's review: {', '.join(idle)}")


def _figures_by_cluster(indicators: pd.DataFrame, axes: pd.DataFrame, overall: pd.DataFrame) -> dict[str, list]:
    """Per cluster: (campaign, mapping key, label, value or None, comment) for the overall, axis and indicator
    figures, in that order."""
    found: dict[str, list] = {}
    for row in overall.to_dict("records"):
        found.setdefault(row["cluster_id"], []).append(
            (row["campaign"], ("overall",), "overall score", _number(row["score"]), _coverage(row))
        )
    for row in axes.sort_values("axis").to_dict("records"):
        name = f"axis_{int(row['axis'])}"
        found.setdefault(row["cluster_id"], []).append(
            (row["campaign"], (name,), f"axis {int(row['axis'])} score", _number(row["score"]), _coverage(row))
        )
    for row in indicators.to_dict("records"):
        status = str(row.get("status") or "")
        for figure in FIGURES:
            found.setdefault(row["cluster_id"], []).append(
                (
                    row["campaign"],
                    (row["indicator_id"], figure),
                    f"{row['indicator_id']} {figure}",
                    _number(row[figure]),
                    f"Vigie {row['indicator_id']} {figure}" + (f", {status}" if status else ""),
                )
            )
    return found


def _target(mapping: Mapping, key: tuple[str, ...]) -> str | None:
    if len(key) == 1:
        return mapping.summaries.get(key[0])
    return mapping.indicators.get(key[0], {}).get(key[1])


def _data_value(mapping: Mapping, uid: str, period: str, org_unit: str, value: str, comment: str) -> dict[str, str]:
    data_value = {"dataElement": uid, "period": period, "orgUnit": org_unit}
    if mapping.category_option_combo:
        data_value["categoryOptionCombo"] = mapping.category_option_combo
    if mapping.attribute_option_combo:
        data_value["attributeOptionCombo"] = mapping.attribute_option_combo
    return {**data_value, "value": value, "comment": comment}


def _number(value: object) -> str | None:
    """A figure as DHIS2 reads numbers (`3`, `0.4125`, never `4e-05`); None when missing or not finite."""
    if value is None or value is pd.NA or isinstance(value, str):
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    if number == int(number):
        return str(int(number))
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _coverage(row: dict) -> str:
    kind = "overall score" if "axis" not in row else f"axis {int(row['axis'])} score"
    coverage = _number(row.get("coverage"))
    return f"Vigie {kind}" + (f", coverage {coverage}" if coverage is not None else "")


def _period_notes(windows: dict[tuple[str, str, str], list[str]], mapping: Mapping) -> list[str]:
    """One line per campaign the mapping sends to a period of its own choosing, and per campaign calendar that
    starts before the DHIS2 period it ends in."""
    sent = {window[0] for window in windows}
    notes = [
        f"campaign {campaign} is reported in DHIS2 period {period}, as the mapping's periods say"
        for campaign, period in sorted(mapping.periods.items())
        if campaign in sent
    ]
    for (campaign, start_md, end_md), clusters in sorted(windows.items()):
        if campaign in mapping.periods:
            continue
        start, end = campaign_window(campaign, start_md, end_md)
        period = dhis2_period(campaign, start_md, end_md, mapping.period_type)
        if start < period_start(period, mapping.period_type):
            notes.append(
                f"campaign {campaign} ({start} to {end}, {len(set(clusters))} cluster(s)) is reported in DHIS2 "
                f"period {period}, the one it ends in"
            )
    return notes


def as_csv(export: Export) -> str:
    """The data values in DHIS2's CSV data value format, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for value in export.data_values:
        writer.writerow(
            [
                value["dataElement"],
                value["period"],
                value["orgUnit"],
                value.get("categoryOptionCombo", ""),
                value.get("attributeOptionCombo", ""),
                value["value"],
                "",
                "",
                value.get("comment", ""),
                "",
            ]  # fmt: skip
        )
    return out.getvalue()
