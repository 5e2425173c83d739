"""In-season monitoring (pure pandas): contract slippage and progress, and missing submissions by data deadline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from indicators.alerts import COLUMNS as ALERT_COLUMNS
from indicators.grid_checks import GridError
from schemas.campaign import campaign_ending_in, campaign_window

DEFAULT_RULES = Path(__file__).resolve().with_name("inseason.yaml")
SUPPLY_KIND = "raw_material_supplier"
PROGRESS_COLUMNS = [
    "cluster_id", "campaign", "campaign_start", "campaign_end", "days_left", "elapsed_pct", "n_deliveries",
    "quantity_kg", "accepted_kg", "contracted_kg", "contract_accepted_kg", "delivered_pct", "slippage_pts",
]  # fmt: skip
DEADLINE_COLUMNS = ["cluster_id", "value_chain", "campaign", "data_deadline", "days_late", "n_deliveries"]


def load_inseason_rules(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The in-season rules, checked: contract_slippage (enabled, max_behind_pts, severity), missing_submission."""
    file = Path(path) if path is not None else DEFAULT_RULES
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GridError(str(file), "-", f"cannot be read: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) != {"contract_slippage", "missing_submission"}:
        raise GridError(str(file), "-", "rules must be exactly contract_slippage, missing_submission")
    for rule, spec in doc.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("enabled"), bool) or spec.get("severity") is None:
            raise GridError(str(file), rule, "needs enabled (true/false) and a severity")
    behind = doc["contract_slippage"].get("max_behind_pts")
    if not isinstance(behind, (int, float)) or isinstance(behind, bool) or not 0 <= behind <= 100:
        raise GridError(str(file), "contract_slippage", "max_behind_pts must be a number of points from 0 to 100")
    return doc


def season_at(clusters: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per cluster whose own calendar has a campaign running on `as_of`: cluster_id, campaign, start, end."""
    rows = []
    for cluster_id, start_md, end_md in zip(
        clusters["cluster_id"], clusters["campaign_start_md"], clusters["campaign_end_md"], strict=True
    ):
        for year in (as_of.year, as_of.year + 1):  # the campaign running on as_of ends this year or the next
            name = campaign_ending_in(year, start_md, end_md)
            start, end = campaign_window(name, start_md, end_md)
            if start <= as_of <= end:
                rows.append((cluster_id, name, start, end))
                break
    return pd.DataFrame(rows, columns=["cluster_id", "campaign", "campaign_start", "campaign_end"]).astype(
        {"cluster_id": "str", "campaign": "str"}
    )


def contract_progress(
    clusters: pd.DataFrame, contracts: pd.DataFrame | None, deliveries: pd.DataFrame | None, as_of: date
) -> pd.DataFrame:
    """Progress of each cluster's running campaign up to `as_of` (deliveries dated after it are ignored).

    One row per cluster in season. contracted_kg: raw-material supply contracts of the campaign signed by
    `as_of`; contract_accepted_kg: accepted kg delivered under them; delivered_pct = 100 * that / contracted
    (NaN without contracts); elapsed_pct: share of the campaign's days gone (as_of included); slippage_pts =
    elapsed_pct - delivered_pct (positive when behind).
    """
    running = season_at(clusters, as_of)
    key = ["cluster_id", "campaign"]
    stamp = pd.Timestamp(as_of)
    sums = pd.DataFrame(columns=[*key, "n_deliveries", "quantity_kg", "accepted_kg"])
    by_contract = pd.Series(dtype="float64")
    if deliveries is not None and len(deliveries):
        dated = deliveries[pd.to_datetime(deliveries["delivery_date"]) <= stamp]
        kg = dated.assign(
            quantity_kg=dated["quantity_kg"].astype("float64"), accepted_kg=dated["accepted_kg"].astype("float64")
        )
        sums = kg.groupby(key, as_index=False).agg(
            n_deliveries=("cluster_id", "size"), quantity_kg=("quantity_kg", "sum"), accepted_kg=("accepted_kg", "sum")
        )
        by_contract = kg.groupby("contract_id")["accepted_kg"].sum()
    contracted = pd.DataFrame(columns=[*key, "contracted_kg", "contract_accepted_kg"])
    if contracts is not None and len(contracts):
        signed = pd.to_datetime(contracts["signed_on"])
        supply = contracts[(contracts["counterparty_kind"] == SUPPLY_KIND) & (signed.isna() | (signed <= stamp))]
        supply = supply.assign(
            contracted_kg=supply["contracted_quantity_kg"].astype("float64"),
            contract_accepted_kg=supply["contract_id"].map(by_contract).astype("float64").fillna(0.0),
        )
        contracted = supply.groupby(key, as_index=False)[["contracted_kg", "contract_accepted_kg"]].sum()
    out = running.merge(sums.astype({"cluster_id": "str", "campaign": "str"}), how="left", on=key).merge(
        contracted.astype({"cluster_id": "str", "campaign": "str"}), how="left", on=key
    )
    start, end = pd.to_datetime(out["campaign_start"]), pd.to_datetime(out["campaign_end"])
    days = ((end - start).dt.days + 1).astype("int64")
    gone = ((stamp - start).dt.days + 1).astype("int64")
    out["days_left"] = days - gone
    out["elapsed_pct"] = (100.0 * gone / days).astype("float64")
    out["n_deliveries"] = out["n_deliveries"].fillna(0).astype("int64")
    for column in ("quantity_kg", "accepted_kg", "contracted_kg", "contract_accepted_kg"):
        out[column] = out[column].astype("float64")
    out[["quantity_kg", "accepted_kg"]] = out[["quantity_kg", "accepted_kg"]].fillna(0.0)
    has_contracts = out["contracted_kg"] > 0
    out["delivered_pct"] = (100.0 * out["contract_accepted_kg"] / out["contracted_kg"]).where(has_contracts)
    out["slippage_pts"] = (out["elapsed_pct"] - out["delivered_pct"]).astype("float64")
    return out[PROGRESS_COLUMNS].sort_values("cluster_id").reset_index(drop=True)


def slippage_alerts(progress: pd.DataFrame, rules: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """A contract_slippage alert per cluster more than max_behind_pts behind (value: delivered %, previous: elapsed %).

    Subject `raw_material_contracts`: raised once per cluster and campaign, however often the monitor runs.
    """
    rule = rules["contract_slippage"]
    behind = progress[progress["slippage_pts"] > rule["max_behind_pts"]] if rule["enabled"] else progress.iloc[:0]
    return _alerts(behind, "contract_slippage", "raw_material_contracts", behind["delivered_pct"],
                   behind["elapsed_pct"], rule["severity"])  # fmt: skip


def submission_deadlines(
    clusters: pd.DataFrame, deliveries: pd.DataFrame | None, deadlines: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """Each cluster's latest campaign whose data deadline is on or before `as_of`, with its deliveries so far.

    A campaign's data deadline is the first `data_deadline_md` (from the value chain's calendar, `deadlines`:
    value_chain, data_deadline_md) on or after its last day. Clusters of a value chain without a calendar are
    left out. days_late = days since the deadline (0 on the day); n_deliveries = 0 means nothing was sent.
    """
    chains = clusters.merge(deadlines, how="inner", on="value_chain")
    rows = []
    for cluster_id, chain, start_md, end_md, deadline_md in zip(
        chains["cluster_id"], chains["value_chain"], chains["campaign_start_md"], chains["campaign_end_md"],
        chains["data_deadline_md"], strict=True,
    ):  # fmt: skip
        for year in range(as_of.year, as_of.year - 3, -1):  # the campaign ending this year, or one of the two before
            name = campaign_ending_in(year, start_md, end_md)
            end = campaign_window(name, start_md, end_md)[1]
            deadline = _first_on_or_after(end, deadline_md)
            if deadline <= as_of:
                rows.append((cluster_id, chain, name, deadline, (as_of - deadline).days))
                break
    found = pd.DataFrame(rows, columns=DEADLINE_COLUMNS[:-1]).astype({"cluster_id": "str", "campaign": "str"})
    counts = pd.DataFrame(columns=["cluster_id", "campaign", "n_deliveries"])
    if deliveries is not None and len(deliveries):
        counts = (
            deliveries.groupby(["cluster_id", "campaign"], as_index=False)
            .size()
            .rename(columns={"size": "n_deliveries"})
        )
    counts = counts.astype({"cluster_id": "str", "campaign": "str"})
    found = found.merge(counts, how="left", on=["cluster_id", "campaign"])
    found["n_deliveries"] = found["n_deliveries"].fillna(0).astype("int64")
    found["days_late"] = found["days_late"].astype("int64")
    return found[DEADLINE_COLUMNS].sort_values("cluster_id").reset_index(drop=True)


def missing_alerts(deadlines: pd.DataFrame, window_days: int, rules: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """A missing_submission alert per cluster with no deliveries `window_days` or more after its data deadline."""
    rule = rules["missing_submission"]
    late = deadlines[(deadlines["n_deliveries"] == 0) & (deadlines["days_late"] >= window_days)]
    late = late if rule["enabled"] else late.iloc[:0]
    return _alerts(late, "missing_submission", "deliveries", late["days_late"], np.nan, rule["severity"])


def _first_on_or_after(day: date, month_day: str) -> date:
    month, dom = (int(part) for part in month_day.split("-"))
    found = date(day.year, month, dom)
    return found if found >= day else date(day.year + 1, month, dom)


def _alerts(rows: pd.DataFrame, rule: str, subject: str, value, previous, severity: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "rule": rule,
            "cluster_id": rows["cluster_id"].to_numpy(dtype=object),
            "campaign": rows["campaign"].to_numpy(dtype=object),
            "subject": subject,
            "value": np.asarray(value, dtype="float64"),
            "previous": np.broadcast_to(np.asarray(previous, dtype="float64"), (len(rows),)),
            "severity": str(severity),
        },
        columns=ALERT_COLUMNS,
    )
    return frame.astype({"rule": "str", "cluster_id": "str", "campaign": "str", "subject": "str", "severity": "str"})
