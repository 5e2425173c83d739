"""The printable review for the committee's general assembly: an A4 PDF of the dashboard's context (2 to 4
pages), drawn by WeasyPrint from the print template and its CSS, with the same charts as the message."""

from __future__ import annotations

import base64
from functools import cache

from reports.charts import Chart
from reports.render import TEMPLATES, Rendered, chart_images, environment, render_committee

PRINT_TEMPLATE = "committee_print.html.j2"
PRINT_CSS = TEMPLATES / "committee_print.css"


def committee_pdf(context: dict, charts: tuple[Chart, ...]) -> bytes:
    """The review of one cluster as PDF bytes, in the cluster's language (the context's)."""
    from weasyprint import HTML  # 0.5 s to import: only where a PDF is made

    stylesheet, fonts = print_style()
    html = print_html(context, charts)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(stylesheets=[stylesheet], font_config=fonts)


@cache
def print_style():
    """The print stylesheet and its font configuration, parsed once per process: parsing them for each PDF cost 10
    to 19 % of a printable review (0.39-0.44 s against 0.35-0.36 s, the test sample's first cluster, load 1)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return CSS(filename=str(PRINT_CSS), font_config=fonts), fonts


def print_html(context: dict, charts: tuple[Chart, ...]) -> str:
    """The print template rendered, the charts inside it as data URIs (the PDF needs no other file)."""
    images = chart_images(charts, lambda c: "data:image/png;base64," + base64.b64encode(c.png).decode("ascii"))
    # `printed`: the plan's action texts whole (the message shortens them)
    return environment().get_template(PRINT_TEMPLATE).render({**context, "images": images, "printed": True})


def with_pdf_link(
    context: dict,
    indicators_csv: bytes,
    charts: tuple[Chart, ...],
    printed: bool,
    site_link: str | None,
    accounts_csv: bytes | None = None,
) -> Rendered:
    """The committee's message, never with its printable review attached (committees read on phones with thin
    bandwidth): when one is printed (`printed`), the message links to it on the published site (`site_link`,
    VIGIE_SITE_URL), or without a site address says it is on the site and whom to ask. `accounts_csv`: the
    Table 7 CSV, attached when given."""
    if not printed:
        return render_committee(context, indicators_csv, charts, accounts_csv=accounts_csv)
    t = context["t"]
    if site_link:
        note = t["pdf_on_site"].format(link=site_link)
        return render_committee(context, indicators_csv, charts, pdf_note=note, accounts_csv=accounts_csv,
                                pdf_link=site_link)  # fmt: skip
    return render_committee(context, indicators_csv, charts, pdf_note=t["pdf_ask"], accounts_csv=accounts_csv)
