"""Render dashboards from Jinja2 templates (HTML escaped, plain text alongside) and the indicators CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Rendered:
    """One message's content: subject, HTML part, plain-text part and attachments (filename, mime type, bytes)."""

    subject: str
    html: str
    text: str
    attachments: tuple[tuple[str, str, bytes], ...] = ()


@cache
def environment() -> Environment:
    """The template environment: HTML is autoescaped, any missing variable is an error."""
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def render_committee(context: dict, indicators_csv: bytes) -> Rendered:
    """A committee dashboard as a message: subject, HTML, text, and the cluster's indicators as CSV."""
    t = context["t"]
    subject = t["dashboard_subject"].format(
        cluster=context["cluster"]["name"], campaign=context["campaign"], level=context["overall"]["level_label"]
    )
    env = environment()
    filename = f"indicateurs_{context['cluster']['cluster_id']}_{context['campaign']}.csv"
    return Rendered(
        subject=subject,
        html=env.get_template("committee.html.j2").render(**context),
        text=env.get_template("committee.txt.j2").render(**context),
        attachments=((filename, "text/csv", indicators_csv),),
    )


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, for spreadsheets) where no cell can run as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_neutral(column) for column in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(["" if value is None or value is pd.NA or value != value else _neutral(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _neutral(value) -> str:
    """Text of a cell, prefixed with a quote when a spreadsheet would read it as a formula."""
    text = str(value)
    if isinstance(value, str) and text.startswith(CSV_FORMULA_START):
        return "'" + text
    return text
