"""One pass over the deliveries: per-season sums (volumes, contracts, lots, prices, weeks) by integer codes.

The deliveries table is the big one (millions of rows): it is read column by column into numpy arrays, its
keys are factorised once, and every sum is a `np.bincount` over the season code. Nothing is copied row-wise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import flags, floats, season_windows
from indicators.keys import factorize, positions

SUMS = (
    "quantity_kg", "accepted_kg", "contract_accepted_kg", "lot_accepted_kg", "traceable_accepted_kg",
    "priced_accepted_kg", "paid_xof", "standard_known_kg", "standard_kg",
)  # fmt: skip


def aggregate_deliveries(
    frame: pd.DataFrame | None, registry: pd.DataFrame, actors: pd.DataFrame | None = None
) -> tuple[pd.DataFrame | None, pd.Series | None]:
    """Per-season delivery sums of the registry's clusters, and the accepted kg delivered under each contract_id.

    One row per (cluster_id, campaign) with deliveries: n_rows, the SUMS above (traceable_accepted_kg is NaN
    without an actors table), campaign_weeks, weeks_with_deliveries, weekly_cv (of accepted kg per campaign
    week, empty weeks included; NaN when the calendar is unknown). Rows of other clusters are skipped by a
    mask on each column, never by copying the frame.
    """
    if frame is None or frame.empty:
        return None, None
    cluster_codes, clusters = factorize(frame["cluster_id"])
    reviewed = pd.Index(clusters).isin(registry["cluster_id"])
    rows = None if reviewed.all() else np.append(reviewed, False)[cluster_codes]

    def pick(values: np.ndarray) -> np.ndarray:
        return values if rows is None else values[rows]

    campaign_codes, campaigns = factorize(frame["campaign"])
    cluster_codes, campaign_codes = pick(cluster_codes), pick(campaign_codes)
    n_campaigns = len(campaigns)
    n_seasons = len(clusters) * n_campaigns
    season = cluster_codes.astype(np.int64) * n_campaigns + campaign_codes
    season[(cluster_codes < 0) | (campaign_codes < 0)] = n_seasons  # overflow bucket, dropped

    def total(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(season, weights, minlength=n_seasons + 1)[:n_seasons]

    quantity = pick(_zero_missing(floats(frame["quantity_kg"])))
    accepted = pick(_zero_missing(floats(frame["accepted_kg"])))
    price = pick(floats(frame["unit_price_xof"]))
    priced = ~np.isnan(price)
    has_lot = pick(frame["lot_id"].notna().to_numpy())
    registered = registered_suppliers(frame, actors)
    traceable = None if registered is None else accepted * has_lot * pick(registered)  # the guide's 5.3
    contract_codes, contract_ids = factorize(frame["contract_id"])
    contract_codes = pick(contract_codes)
    has_contract = contract_codes >= 0
    sums = {
        "quantity_kg": total(quantity),
        "accepted_kg": total(accepted),
        "contract_accepted_kg": total(accepted * has_contract),
        "lot_accepted_kg": total(accepted * has_lot),
        "traceable_accepted_kg": np.full(n_seasons, np.nan) if traceable is None else total(traceable),
        "priced_accepted_kg": total(accepted * priced),
        "paid_xof": total(np.where(priced, price, 0.0) * accepted),
        "standard_known_kg": total(quantity * pick(frame["meets_standard"].notna().to_numpy())),
        "standard_kg": total(quantity * pick(flags(frame["meets_standard"]))),
    }
    index = pd.DataFrame(
        {
            "cluster_id": np.repeat(np.asarray(clusters, dtype=object), n_campaigns),
            "campaign": np.tile(np.asarray(campaigns, dtype=object), len(clusters)),
        }
    ).astype("str")
    start, end = season_windows(index.merge(registry, how="left", on="cluster_id"))
    weeks = _weeks(pick(_days(frame["delivery_date"].to_numpy())), season, accepted, start, end)
    by_season = pd.DataFrame({**index, "n_rows": total().astype(np.int64), **sums, **weeks})
    by_season = by_season[by_season["n_rows"] > 0].reset_index(drop=True)
    delivered = np.bincount(contract_codes[has_contract], accepted[has_contract], minlength=len(contract_ids))
    by_contract = pd.Series(delivered, index=contract_ids)
    return by_season, by_contract


def registered_suppliers(deliveries: pd.DataFrame, actors: pd.DataFrame | None) -> np.ndarray | None:
    """Whether each delivery's supplier is an actor registered in the delivering cluster (None without actors).

    Looked up on Arrow memory (indicators.keys): `MultiIndex.isin` on the (supplier, cluster) pairs says the same
    in one line but costs 0.1 s more per million deliveries, which the review's time target cannot spare.
    """
    if actors is None or actors.empty:
        return None
    actors = actors.drop_duplicates("actor_id")
    clusters = pd.unique(actors["cluster_id"].dropna())
    supplier = positions(actors["actor_id"], deliveries["supplier_actor_id"])  # -1: not a registered actor
    home_cluster = np.append(positions(clusters, actors["cluster_id"]), -1)[supplier]  # -1: none
    return (home_cluster >= 0) & (home_cluster == positions(clusters, deliveries["cluster_id"]))


def _weeks(day: np.ndarray, season: np.ndarray, accepted: np.ndarray, start: pd.Series, end: pd.Series) -> dict:
    """Weeks of each season's campaign, weeks with at least one delivery, and the CV of weekly accepted kg."""
    n_seasons = len(start)
    start_day = _days(start.to_numpy())
    last_day = _days(end.to_numpy()) - start_day  # the campaign's days run 0 .. last_day
    known = ~np.isnan(last_day)
    last_day = np.append(np.where(known, last_day, -1), -1)
    start_day = np.append(np.nan_to_num(start_day), 0)
    n_weeks = (last_day.astype(np.int64) + 7) // 7  # ceil((last_day + 1) / 7)
    width = max(int(n_weeks.max()), 1)
    offset = day - start_day[season]  # days into the campaign; NaN for undated deliveries
    valid = (offset >= 0) & (offset <= last_day[season])  # NaN and unknown calendars compare False
    slot = season[valid] * width + offset[valid].astype(np.int64) // 7
    counts = np.bincount(slot, minlength=(n_seasons + 1) * width)[: n_seasons * width].reshape(n_seasons, width)
    volume = np.bincount(slot, accepted[valid], minlength=(n_seasons + 1) * width)[: n_seasons * width]
    volume = volume.reshape(n_seasons, width)
    in_campaign = np.arange(width)[None, :] < n_weeks[:n_seasons, None]
    n = n_weeks[:n_seasons].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = volume.sum(axis=1) / n
        spread = np.sqrt((((volume - mean[:, None]) ** 2) * in_campaign).sum(axis=1) / n)
        cv = np.where(mean > 0, spread / mean, np.nan)
    return {
        "campaign_weeks": np.where(known, n, np.nan),
        "weeks_with_deliveries": np.where(known, (counts > 0).sum(axis=1), np.nan),
        "weekly_cv": np.where(known, cv, np.nan),
    }


def _zero_missing(values: np.ndarray) -> np.ndarray:
    """NaN as 0, in place (`values` is a fresh array)."""
    values[np.isnan(values)] = 0.0
    return values


def _days(values: np.ndarray) -> np.ndarray:
    """Datetimes as float days since the epoch, floored (NaN for NaT), without a datetime conversion."""
    values = np.asarray(values)
    if values.dtype.kind != "M":
        values = values.astype("datetime64[ns]")
    unit, count = np.datetime_data(values.dtype)
    ticks = values.view(np.int64)
    out = np.floor_divide(ticks, int(np.timedelta64(1, "D") / np.timedelta64(count, unit))).astype(float)
    out[ticks == np.iinfo(np.int64).min] = np.nan
    return out
