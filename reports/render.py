"""Render dashboards and alerts from Jinja2 templates (HTML escaped, plain text alongside), charts and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.charts import Chart, draw_charts
from reports.formulas import neutral

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Rendered:
    """One message's content: subject, HTML part, plain-text part, attachments (filename, mime type, bytes) and
    inline images (content id, filename, PNG bytes) that the HTML shows as `cid:<content id>`."""

    subject: str
    html: str
    text: str
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    inline_images: tuple[tuple[str, str, bytes], ...] = ()


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


def committee_charts(context: dict) -> tuple[Chart, ...]:
    """The charts of a committee dashboard, drawn (draw them once per cluster: the message and the site share them)."""
    return draw_charts(context.get("charts") or [], context["t"])


def chart_images(charts: tuple[Chart, ...], src: Callable[[Chart], str]) -> dict[str, dict]:
    """Chart name -> what the template's `<img>` needs: where the image is, its alt text and size."""
    return {c.name: {"src": src(c), "alt": c.alt, "width": c.width, "height": c.height} for c in charts}


def committee_html(
    context: dict, images: dict[str, dict] | None = None, back_link: str = "", pdf_note: str = "", pdf_link: str = ""
) -> str:
    """The dashboard's HTML: in an email the charts are `cid:...` (and `pdf_note` says where the printable review
    is); on the site relative files, a back link and the link to the printable review."""
    extra = {"images": images or {}, "back_link": back_link, "pdf_note": pdf_note, "pdf_link": pdf_link}
    return environment().get_template("committee.html.j2").render({**context, **extra})


def render_committee(
    context: dict,
    indicators_csv: bytes,
    charts: tuple[Chart, ...] | None = None,
    pdf_note: str = "",
    accounts_csv: bytes | None = None,
    pdf_link: str = "",
) -> Rendered:
    """A committee dashboard as a message: subject, HTML, text, the charts inline (drawn here unless given), the
    indicators CSV, the links' operating accounts (the guide's Table 7) as a second CSV when given; `pdf_note`
    says where the printable review is, `pdf_link` its address on the site (it is never attached)."""
    t = context["t"]
    subject = t["dashboard_subject"].format(
        cluster=context["cluster"]["name"], campaign=context["campaign"], level=context["overall"]["level_label"]
    )
    charts = committee_charts(context) if charts is None else charts
    filename = f"indicateurs_{context['cluster']['cluster_id']}_{context['campaign']}.csv"
    images = chart_images(charts, lambda c: f"cid:{c.name}@vigie")
    return Rendered(
        subject=subject,
        html=committee_html(context, images, pdf_note=pdf_note, pdf_link=pdf_link),
        text=environment().get_template("committee.txt.j2").render({**context, "pdf_note": pdf_note}),
        attachments=((filename, "text/csv", indicators_csv), *_accounts_attachment(filename, accounts_csv)),
        inline_images=tuple((f"{c.name}@vigie", c.filename, c.png) for c in charts),
    )


def _accounts_attachment(filename: str, accounts_csv: bytes | None) -> tuple[tuple[str, str, bytes], ...]:
    """The Table 7 CSV beside the indicators' one (`maillons_<cluster>_<campaign>.csv`), none without it."""
    return ((filename.replace("indicateurs_", "maillons_", 1), "text/csv", accounts_csv),) if accounts_csv else ()


def render_alert(context: dict) -> Rendered:
    """An alert email: what happened, by how much, where to look, what it means."""
    env = environment()
    return Rendered(
        subject=context["subject"],
        html=env.get_template("alert.html.j2").render(**context),
        text=env.get_template("alert.txt.j2").render(**context),
    )


def officer_html(context: dict, back_link: str = "", attachment_note: bool = False) -> str:
    """The officers' dashboard HTML (email or site page)."""
    return (
        environment()
        .get_template("officer.html.j2")
        .render({**context, "back_link": back_link, "attachment_note": attachment_note})
    )


def render_officer(context: dict, clusters_csv: bytes | None) -> Rendered:
    """The officers' dashboard as a message, with every cluster's scores as CSV when given."""
    t = context["t"]
    env = environment()
    attach = clusters_csv is not None
    return Rendered(
        subject=t["officer_subject"].format(campaign=context["season"], n=context["n_clusters"]),
        html=officer_html(context, attachment_note=attach),
        text=env.get_template("officer.txt.j2").render({**context, "attachment_note": attach}),
        attachments=((f"clusters_{context['season']}.csv", "text/csv", clusters_csv),) if attach else (),
    )


def safe_csv(frame: pd.DataFrame, language: str = "fr") -> bytes:
    """CSV bytes (UTF-8 with BOM, for spreadsheets) where no cell can run as a formula.

    French: `;` between columns and a decimal comma, as French-locale Excel reads them; English: `,` and a point.
    """
    french = language == "fr"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow([neutral(column) for column in frame.columns])
    columns = [column.tolist() for _, column in frame.items()]  # itertuples cuts each column out of the frame anew
    for row in zip(*columns, strict=True):
        writer.writerow([_cell(value, french) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value, french: bool) -> str:
    """One cell's text: empty when missing, a float without exponent and with the locale's decimal mark."""
    if value is None or value is pd.NA or value != value:
        return ""
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
        return text.replace(".", ",") if french else text
    return neutral(value)
