"""The committee message's size budget (HTML part under 100 KB, whole message under 150 KB: reports/budget.py)
measured on the national sample's largest clusters: the one with the most deliveries, and the largest of those
that sent an action plan (one in six sends none). Only those clusters are generated (`generate(only=...)`: a
cluster's data depends on the seed and its position alone), at the national parameters of season_bench.py (500
clusters, 3 campaigns, 6 700 deliveries per cluster and campaign, about 10 million in all); they are reviewed and
their messages built as the reporting flow builds them: charts, priorities, the plan's follow-up, women and young
people, Table 7 and the indicators as CSV, the link to the printable review on the site (never attached).

    .venv/bin/python benchmarks/message_size_bench.py [--clusters 500] [--deliveries 6700] [--seed 2026]

Prints each message's sizes against the budget, OK or ABOVE BUDGET, and what drives them; exits 1 when one is
above. No `--before`: a size does not depend on the machine.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLUSTERS, CAMPAIGNS, DELIVERIES, SEED, LAST_YEAR = 500, 3, 6700, 2026, 2025  # as benchmarks/season_bench.py
SITE_URL = "https://suivi.example.bj/site"  # VIGIE_SITE_URL: the messages link their printable review there


def largest(clusters: int, deliveries: int, seed: int) -> tuple[dict[int, int], int]:
    """The positions of the largest cluster and of the largest with a plan (-> their deliveries), and the total."""
    from synthetic.generator import delivery_counts
    from synthetic.plans import WITHOUT_PLAN_EVERY

    counts = delivery_counts(clusters, CAMPAIGNS, seed, LAST_YEAR, deliveries)
    order = sorted(range(len(counts)), key=lambda i: -counts[i])
    planned = next(i for i in order if i % WITHOUT_PLAN_EVERY != WITHOUT_PLAN_EVERY - 2)
    return {order[0]: counts[order[0]], planned: counts[planned]}, sum(counts)


def messages(folder: Path) -> list[dict]:
    """Review the generated clusters and build each committee's message as flows/reporting.py does."""
    import pypdf

    from flows.grids import grid_in_force
    from flows.printing import committee_message
    from flows.reporting import by_cluster, committee_contexts
    from flows.season import read_tables, validate_tables
    from flows.settings import load_settings
    from indicators.plan_review import review_plan
    from indicators.season import latest_season, review_season, season_clusters
    from reports.budget import measure
    from reports.context_panels import rows_by_cluster
    from reports.pdf import committee_pdf
    from reports.render import committee_charts
    from reports.site import pdf_site_path

    tables, _ = validate_tables.fn(read_tables.fn(str(folder)))
    season = latest_season(tables)
    reviewed, _ = season_clusters(tables, season)
    review = review_season(tables, season, reviewed, grid=grid_in_force(load_settings()))
    registry = tables["clusters"]
    plan = review_plan(review, tables.get("action_plan"), registry)
    contexts = committee_contexts("r" * 36, review, registry, rows_by_cluster(tables, review.overall), plan)
    indicators, accounts = by_cluster(review.indicators), by_cluster(review.accounts)
    out = []
    for cluster_id, context in contexts.items():
        charts = committee_charts(context)
        pdf = committee_pdf(context, charts)
        link = f"{SITE_URL}/{pdf_site_path(context)}"
        links = accounts(cluster_id)
        sent = committee_message(context, indicators(cluster_id), charts, True, link, links)
        out.append({
            "cluster_id": cluster_id, "sent": measure(sent), "pdf_bytes": len(pdf),
            "pdf_pages": len(pypdf.PdfReader(io.BytesIO(pdf)).pages),
            "attached": any(name.endswith(".pdf") for name, *_ in sent.attachments), "charts": len(charts),
            "says_where": link in sent.text and link in sent.html,
            "charts_bytes": sum(len(image[2]) for image in sent.inline_images),
            "alerts": len(context["alerts"]), "priorities": len(context["priorities"]),
            "actions": int((plan.follow_up["cluster_id"] == cluster_id).sum()), "links": len(links),
            "actors": int((tables["actors"]["cluster_id"] == cluster_id).sum()),
            "deliveries": int((tables["deliveries"]["cluster_id"] == cluster_id).sum()),
        })  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=CLUSTERS)
    parser.add_argument("--deliveries", type=int, default=DELIVERIES, help="per cluster and campaign")
    parser.add_argument("--seed", type=int, default=SEED)
    arguments = parser.parse_args()
    from reports.budget import HTML_LIMIT, MESSAGE_LIMIT
    from synthetic import generate

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vigie-size-") as work:
        os.environ["VIGIE_HOME"] = str(Path(work) / "home")  # the packaged grid, no committee file
        chosen, total = largest(arguments.clusters, arguments.deliveries, arguments.seed)
        print(f"national sample: {arguments.clusters} clusters, {total:,} deliveries; measuring positions "
              f"{', '.join(f'{i} ({n:,} deliveries)' for i, n in chosen.items())}")  # fmt: skip
        generate(Path(work) / "sample", clusters=arguments.clusters, campaigns=CAMPAIGNS, seed=arguments.seed,
                 deliveries_per_cluster_campaign=arguments.deliveries, only=list(chosen))  # fmt: skip
        found = messages(Path(work) / "sample")
    above = False
    for m in found:
        fits = m["sent"].fits()
        above |= not fits
        print(f"{m['cluster_id']}: {m['deliveries']:,} deliveries, {m['actors']} actors, {m['links']} links with "
              f"accounts, {m['alerts']} alerts, {m['priorities']} priorities, {m['actions']} actions")  # fmt: skip
        print(f"  message as sent: HTML {m['sent'].html_bytes:,} B of {HTML_LIMIT:,}, whole {m['sent'].message_bytes:,}"
              f" B of {MESSAGE_LIMIT:,}, PDF {'attached' if m['attached'] else 'linked on the site'}: "
              f"{'OK' if fits else 'ABOVE BUDGET'}")  # fmt: skip
        print(f"  the PDF on the site: {m['pdf_pages']} A4 pages, {m['pdf_bytes']:,} B; the three charts in the "
              f"message {m['charts_bytes']:,} B")  # fmt: skip
    print(f"{time.perf_counter() - started:.1f} s in all (load {os.getloadavg()[0]:.1f})")
    return 1 if above else 0


if __name__ == "__main__":
    sys.exit(main())
