"""Checks across tables and time: the cluster exists, the actor belongs to it, the indicator is one of the grid's,
the date is neither in the future nor outside the cluster's campaign. Each is a join of the rows with the known
clusters, actors and indicators (polars)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache, cached_property

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from indicators.grid import load_grid
from schemas.campaign import campaign_window
from schemas.readers.chunks import TEXT
from validations.problems import combine, empty_problems, problems_frame
from validations.rules import Rules

CLUSTER_COLUMNS = ["cluster_id", "campaign_start_md", "campaign_end_md", "officer_emails", "name"]
ACTOR_COLUMNS = ["actor_id", "cluster_id", "link"]


@cache
def grid_indicator_ids() -> frozenset[str]:
    """The ids of the packaged grid's entries: the indicators a row may name (overrides change no entry's id)."""
    return frozenset(entry.id for entry in load_grid(overrides=[]).entries)


@dataclass(frozen=True)
class References:
    """The known clusters (with their calendars), actors and grid indicators, as intake checks rows against them."""

    clusters: pd.DataFrame
    actors: pd.DataFrame
    indicator_ids: frozenset[str] = field(default_factory=grid_indicator_ids)

    @classmethod
    def empty(cls) -> References:
        """No cluster, no actor known yet."""
        return cls(pd.DataFrame(columns=CLUSTER_COLUMNS, dtype="str"), pd.DataFrame(columns=ACTOR_COLUMNS, dtype="str"))

    @cached_property
    def cluster_ids(self) -> pl.Series:
        """The known cluster ids."""
        return _texts(self.clusters["cluster_id"]).drop_nulls()

    @cached_property
    def members(self) -> pl.DataFrame:
        """Each known actor's id, home cluster (`home`) and value-chain link."""
        frame = pl.from_pandas(self.actors[ACTOR_COLUMNS].astype("str")).cast(pl.String)
        return frame.drop_nulls("actor_id").unique("actor_id", keep="last").rename({"cluster_id": "home"})

    @cached_property
    def calendars(self) -> dict[str, tuple[str, str]]:
        """Each known cluster's campaign calendar: (start, end) as month-day."""
        first = self.clusters.drop_duplicates("cluster_id")
        return dict(zip(first["cluster_id"], zip(first["campaign_start_md"], first["campaign_end_md"], strict=True),
                        strict=True))  # fmt: skip

    def actors_of(self, values: pa.Array | pa.ChunkedArray | pd.Series) -> pl.DataFrame:
        """For each value (an actor id), the known actor's home cluster and link (null when unknown), in order."""
        ids = _texts(values).alias("actor_id")
        return ids.to_frame().join(self.members, on="actor_id", how="left", maintain_order="left")

    def with_rows(self, table: str, accepted: pd.DataFrame) -> References:
        """These references plus rows just accepted (a workbook's clusters sheet serves its deliveries sheet)."""
        if table == "clusters" and len(accepted):
            merged = pd.concat([self.clusters, accepted[CLUSTER_COLUMNS]], ignore_index=True)
            return replace(self, clusters=merged.drop_duplicates("cluster_id", keep="last", ignore_index=True))
        if table == "actors" and len(accepted):
            merged = pd.concat([self.actors, accepted[ACTOR_COLUMNS]], ignore_index=True)
            return replace(self, actors=merged.drop_duplicates("actor_id", keep="last", ignore_index=True))
        return self


def _texts(values: pa.Array | pa.ChunkedArray | pd.Series) -> pl.Series:
    """A text column as a polars text series (dictionary-encoded columns decoded)."""
    series = pl.from_pandas(values.astype("str")) if isinstance(values, pd.Series) else pl.from_arrow(values)
    return series.cast(pl.String)


def supplier_link(frame: pd.DataFrame | pa.Table, refs: References) -> pa.Array:
    """The value-chain link of each delivery's supplier (missing for an unknown supplier), dictionary-encoded."""
    column = frame["supplier_actor_id"] if isinstance(frame, pd.DataFrame) else frame.column("supplier_actor_id")
    return refs.actors_of(column)["link"].to_arrow().cast(TEXT).dictionary_encode()


def reference_problems(table: str, typed: pa.Table, refs: References, rules: Rules) -> pd.DataFrame:
    """Rows naming an unknown cluster, or an actor that is not a member of the row's cluster."""
    found = []
    cluster = _texts(typed.column("cluster_id"))
    if table != "clusters":
        unknown = cluster.is_not_null() & ~cluster.is_in(refs.cluster_ids)
        if unknown.any():
            rows = np.flatnonzero(unknown.to_numpy())
            found.append(problems_frame(rows, "cluster_id", "unknown_cluster", cluster.gather(rows).to_list()))
    for column in rules.actor_columns.get(table, ()):
        actors = refs.actors_of(typed.column(column))
        wrong = actors["actor_id"].is_not_null() & (actors["home"] != cluster).fill_null(True)
        if wrong.any():
            rows = np.flatnonzero(wrong.to_numpy())
            values, clusters = actors["actor_id"].gather(rows).to_list(), cluster.gather(rows).to_list()
            found.append(problems_frame(rows, column, "unknown_actor", values, clusters))
    found.extend(_unknown_indicators(table, typed, refs, rules))
    return combine(found)


def _unknown_indicators(table: str, typed: pa.Table, refs: References, rules: Rules) -> list[pd.DataFrame]:
    """Rows naming an indicator the grid does not have (an action plan's `indicator_id`, say)."""
    found = []
    for column in rules.indicator_columns.get(table, ()):
        values = _texts(typed.column(column))
        unknown = values.is_not_null() & ~values.is_in(sorted(refs.indicator_ids))
        if unknown.any():
            rows = np.flatnonzero(unknown.to_numpy())
            found.append(problems_frame(rows, column, "unknown_indicator", values.gather(rows).to_list()))
    return found


def date_problems(table: str, typed: pd.DataFrame, refs: References, rules: Rules, today: date) -> pd.DataFrame:
    """Dates after `today` (quarantine), and dates outside the row's campaign (quarantine or warning)."""
    found = []
    limit = pd.Timestamp(today)
    for column in rules.no_future_dates.get(table, ()):
        future = (typed[column] > limit).fillna(False).to_numpy(dtype=bool)
        if future.any():
            rows = np.flatnonzero(future)
            found.append(problems_frame(rows, column, "future_date", _day_texts(typed[column].iloc[rows])))
    window = rules.campaign_dates.get(table)
    if window is not None and len(typed):
        found.append(_outside_campaign(typed, refs, window.column, window.severity, window.tolerance_days))
    return combine(found)


def _outside_campaign(typed: pd.DataFrame, refs: References, column: str, severity: str, tolerance: int):
    """Rows whose date falls outside their cluster's campaign (rows of unknown clusters are left alone)."""
    pairs = typed[["cluster_id", "campaign"]]
    windows = pairs.drop_duplicates()
    spans = [_window(cluster, campaign, refs, tolerance) for cluster, campaign in windows.itertuples(index=False)]
    windows = windows.assign(start=pd.to_datetime([s[0] for s in spans]), end=pd.to_datetime([s[1] for s in spans]))
    bounds = pairs.merge(windows, how="left", on=["cluster_id", "campaign"])
    start, end = (bounds[side].to_numpy(dtype="datetime64[ns]") for side in ("start", "end"))
    dates = typed[column].to_numpy(dtype="datetime64[ns]")
    outside = (dates < start) | (dates > end)
    if not outside.any():
        return empty_problems()
    rows = np.flatnonzero(outside)
    campaigns = pairs["campaign"].to_numpy()
    names = [f"{campaigns[r]} ({_day(start[r])} - {_day(end[r])})" for r in rows.tolist()]
    code = "outside_campaign" if severity == "row" else "late_date"
    return problems_frame(rows, column, code, _day_texts(typed[column].iloc[rows]), names)


def _window(cluster: object, campaign: object, refs: References, tolerance: int) -> tuple:
    """The first and last day of a cluster's campaign, widened by `tolerance` days (None, None when unknown)."""
    if cluster not in refs.calendars or pd.isna(campaign):
        return None, None
    try:
        first, last = campaign_window(campaign, *refs.calendars[cluster])
    except ValueError:
        return None, None  # a malformed campaign name is the contract's to report
    return first - timedelta(days=tolerance), last + timedelta(days=tolerance)


def _day(value: np.datetime64) -> str:
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def _day_texts(values: pd.Series) -> list[str]:
    return [value.strftime("%d/%m/%Y") for value in values]
