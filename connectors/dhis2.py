"""DHIS2's side of the review: the officer's mapping of DHIS2 ids (checked) and the DHIS2 period of a campaign.
Pure: no HTTP, no database (the payload is in connectors/dhis2_payload.py, the import summary in dhis2_summary.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from schemas.campaign import campaign_window

UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
"""A DHIS2 uid: 11 characters, a letter first, letters and digits."""
FINANCIAL_STARTS = {"Feb": 2, "April": 4, "July": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11}
"""DHIS2's financial-year period types (`FinancialJuly`, ...) by the suffix of their periods (`2024July`) and the
month they start in. Feb, Aug and Sep exist only in recent DHIS2 versions."""
PERIOD_TYPES = ("Yearly", *(f"Financial{suffix}" for suffix in FINANCIAL_STARTS))
SUMMARIES = ("overall", *(f"axis_{axis}" for axis in range(1, 7)))
"""The review's figures above the indicators: the overall score and the six axis scores."""
FIGURES = ("score", "value")
"""What an indicator may send: its score (1 to 4) and its raw value (the metric the score was read from)."""
TOP_KEYS = ("data_elements", "org_units", "period_type", "periods", "category_option_combo", "attribute_option_combo")
CAMPAIGN = re.compile(r"^\d{4}(-\d{4})?$")
"""A cluster campaign as Vigie names it: `2024-2025` (over two years) or `2025`."""


class MappingError(ValueError):
    """The DHIS2 mapping file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Mapping:
    """Which DHIS2 object receives which Vigie figure: only what is named here leaves Vigie."""

    indicators: dict[str, dict[str, str]]
    """Indicator id -> {"score": uid, "value": uid} (either or both)."""
    summaries: dict[str, str]
    """`overall` or `axis_N` -> the uid of the data element receiving that score."""
    org_units: dict[str, str]
    """Cluster id -> the uid of its organisation unit."""
    period_type: str = "Yearly"
    periods: dict[str, str] = field(default_factory=dict)
    """Campaign -> the DHIS2 period the officer chose for it, instead of the one it ends in (`2024-2025: 2024`)."""
    category_option_combo: str | None = None
    attribute_option_combo: str | None = None


def load_mapping(path: str | Path, indicator_ids: list[str]) -> Mapping:
    """The mapping in the YAML file at `path`, checked (see parse_mapping)."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f'{path}: no DHIS2 mapping; write one (README, "Reporting to DHIS2") and run again')
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not readable YAML ({str(error).splitlines()[0]})") from None
    return parse_mapping(doc, indicator_ids, source=str(path))


def parse_mapping(doc: object, indicator_ids: list[str], source: str = "dhis2.yaml") -> Mapping:
    """The mapping of a parsed YAML document; a MappingError names the first entry Vigie cannot use."""
    if not isinstance(doc, dict):
        raise MappingError(f"{source}: expected a mapping with data_elements, org_units and period_type")
    unknown = sorted(set(map(str, doc)) - set(TOP_KEYS))
    if unknown:
        raise MappingError(f"{source}: unknown key(s) {', '.join(unknown)}; expected {', '.join(TOP_KEYS)}")
    elements = _section(doc, "data_elements", source)
    indicators: dict[str, dict[str, str]] = {}
    summaries: dict[str, str] = {}
    for key, target in elements.items():
        key = str(key)
        if key in SUMMARIES:
            summaries[key] = _uid(target, f"{source}: data_elements.{key}")
        elif key in indicator_ids:
            indicators[key] = _figures(target, f"{source}: data_elements.{key}")
        else:
            raise MappingError(
                f"{source}: data_elements.{key}: not an indicator of the grid ({', '.join(indicator_ids)}) "
                f"nor one of {', '.join(SUMMARIES)}"
            )
    org_units = {
        str(cluster): _uid(uid, f"{source}: org_units.{cluster}")
        for cluster, uid in _section(doc, "org_units", source).items()
    }
    _no_reuse([uid for figures in indicators.values() for uid in figures.values()] + [*summaries.values()], source)
    _no_reuse(list(org_units.values()), source, what="organisation unit")
    return Mapping(
        indicators=indicators,
        summaries=summaries,
        org_units=org_units,
        period_type=(period_type := _period_type(doc.get("period_type"), source)),
        periods=_periods(doc.get("periods"), period_type, source),
        **{
            name: _uid(doc[name], f"{source}: {name}") if doc.get(name) is not None else None
            for name in ("category_option_combo", "attribute_option_combo")
        },
    )


def _section(doc: dict, name: str, source: str) -> dict:
    section = doc.get(name)
    if not isinstance(section, dict) or not section:
        raise MappingError(f"{source}: {name} must be a non-empty mapping")
    return section


def _uid(value: object, where: str) -> str:
    if not isinstance(value, str) or not UID.match(value):
        raise MappingError(
            f"{where}: {value!r} is not a DHIS2 uid (11 letters and digits, a letter first, e.g. fbfJHSPpUQD)"
        )
    return value


def _figures(target: object, where: str) -> dict[str, str]:
    if not isinstance(target, dict) or not target or set(map(str, target)) - set(FIGURES):
        raise MappingError(f"{where}: expected {{score: <uid>, value: <uid>}} (either or both)")
    return {str(figure): _uid(uid, f"{where}.{figure}") for figure, uid in target.items()}


def _no_reuse(uids: list[str], source: str, what: str = "data element") -> None:
    """Two Vigie figures sent to one DHIS2 object would overwrite each other."""
    twice = sorted({uid for uid in uids if uids.count(uid) > 1})
    if twice:
        raise MappingError(f"{source}: {what} {', '.join(twice)} is named more than once")


def _period_type(value: object, source: str) -> str:
    if value is None:
        return "Yearly"
    by_lower = {name.lower(): name for name in PERIOD_TYPES}
    if not isinstance(value, str) or value.lower() not in by_lower:
        raise MappingError(f"{source}: period_type {value!r}: expected one of {', '.join(PERIOD_TYPES)}")
    return by_lower[value.lower()]


def _periods(value: object, period_type: str, source: str) -> dict[str, str]:
    """The per-campaign period overrides, each a period of the mapping's period type (`2025`, `2024July`)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f'{source}: periods must map a campaign to a DHIS2 period, e.g. "2024-2025": "2024"')
    suffix = "" if period_type == "Yearly" else period_type.removeprefix("Financial")
    shape = re.compile(rf"^\d{{4}}{suffix}$")
    periods = {}
    for campaign, period in value.items():
        campaign, period = str(campaign), str(period)
        if not CAMPAIGN.match(campaign):
            raise MappingError(f"{source}: periods.{campaign}: not a campaign (2024-2025 or 2025)")
        if not shape.match(period):
            raise MappingError(
                f"{source}: periods.{campaign}: {period!r} is not a {period_type} period (e.g. 2025{suffix})"
            )
        periods[campaign] = period
    return periods


def campaign_period(campaign: str, start_md: str, end_md: str, mapping: Mapping) -> str:
    """The campaign's DHIS2 period: the officer's override when the mapping names one, else the one it ends in."""
    return mapping.periods.get(campaign) or dhis2_period(campaign, start_md, end_md, mapping.period_type)


def dhis2_period(campaign: str, start_md: str, end_md: str, period_type: str) -> str:
    """The DHIS2 period in which a cluster's campaign ends (`2024-2025` ending 06-30 -> `2025`, or `2024July`)."""
    end = campaign_window(campaign, start_md, end_md)[1]
    if period_type == "Yearly":
        return str(end.year)
    suffix = period_type.removeprefix("Financial")
    start_month = FINANCIAL_STARTS[suffix]
    return f"{end.year if end.month >= start_month else end.year - 1}{suffix}"


def period_start(period: str, period_type: str) -> date:
    """The first day of a yearly or financial-year DHIS2 period."""
    year = int(period[:4])
    return date(year, 1 if period_type == "Yearly" else FINANCIAL_STARTS[period_type.removeprefix("Financial")], 1)
