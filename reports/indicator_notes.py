"""What a committee reads beside a score: who assessed it and why, the levels behind a trend, prices per product."""

from __future__ import annotations

import pandas as pd

from reports.formatting import measure, missing

TREND_CAMPAIGNS = 3
GAP = 2  # levels between the computed and the assessed score from which the report shows both


def assessor(who: object) -> str:
    """`comité de coordination` -> `le comité de coordination`; a name is kept as written."""
    text = " ".join(str(who).split())
    return f"le {text}" if text.casefold().startswith(("comité", "comite", "coach")) else text


def assessment_notes(row: dict, language: str, t: dict) -> tuple[str | None, str]:
    """(status text naming who assessed, or None to keep the generic one; a note: evidence, both sides if apart)."""
    assessed, computed, who = row.get("assessed_score"), row.get("computed_score"), row.get("assessed_by")
    if missing(assessed):
        return None, ""
    name = assessor(who) if not missing(who) and str(who).strip() else None
    status = t["status_assessed_by"].format(who=name) if name and row.get("status") == "assessed" else None
    notes = []
    if not missing(computed) and abs(int(computed) - int(assessed)) >= GAP:
        notes.append(
            t["assessment_differs"].format(
                computed=int(computed),
                computed_word=t[f"score_{int(computed)}"],
                assessed=int(assessed),
                assessed_word=t[f"score_{int(assessed)}"],
            )  # fmt: skip
        )
        if row.get("status") != "assessed" and name:
            notes.append(
                t["assessment_beside"].format(
                    who=name[:1].upper() + name[1:], assessed=int(assessed), assessed_word=t[f"score_{int(assessed)}"]
                )
            )
    evidence = row.get("assessment_evidence")
    if not missing(evidence) and str(evidence).strip() and (row.get("status") == "assessed" or notes):
        notes.append(t["assessment_evidence"].format(evidence=" ".join(str(evidence).split())))
    return status, " ".join(notes)


def level_series(history: pd.DataFrame | None, language: str, t: dict) -> dict[str, str]:
    """Indicator id -> the level its trend follows over the last campaigns (`Part vendue conforme : 88 % → 63 %`)."""
    if history is None or history.empty or "level" not in history:
        return {}
    rows = history[history["level"].notna()].assign(campaign=lambda f: f["campaign"].astype(str))
    out = {}
    for indicator, group in rows.groupby("indicator_id"):
        group = group.sort_values("campaign").tail(TREND_CAMPAIGNS)
        if len(group) < 2 or f"levels_{indicator}" not in t:
            continue
        values = [measure(v, u, language) for v, u in zip(group["level"], group["level_unit"], strict=True)]
        out[str(indicator)] = f"{t[f'levels_{indicator}']} : {' → '.join(values)}"
    return out


def price_items(panel: dict, prices: pd.DataFrame | None, language: str, t: dict) -> list[tuple[str, str]]:
    """The price lines: what producers were paid for the cluster's product, then each sold product's price, per
    kg of that product where comparable, else said not comparable (never two unlike prices side by side)."""
    raw_product = None if prices is None or prices.empty else str(prices["raw_product"].iloc[0])
    paid = measure(panel.get("producer_price_xof"), "xof_per_kg", language)
    label = t["qqrp_producer_price_of"].format(product=raw_product) if raw_product else t["qqrp_producer_price"]
    items = [(label, paid)]
    if prices is None or prices.empty:
        return [*items, (t["qqrp_selling_price"], measure(panel.get("selling_price_xof"), "xof_per_kg", language))]
    for row in prices.to_dict("records"):
        price = measure(row["selling_price_xof"], "xof_per_kg", language)
        if missing(row.get("raw_kg_per_kg")):
            value = t["qqrp_price_not_comparable"].format(price=price)
        elif float(row["raw_kg_per_kg"]) == 1.0:
            value = t["qqrp_price_same"].format(price=price)
        else:
            raw = measure(row["raw_price_xof"], "xof", language)
            value = t["qqrp_price_converted"].format(price=price, raw=raw, raw_product=row["raw_product"])
        items.append((t["qqrp_sold_price_of"].format(product=row["product"]), value))
    return items
