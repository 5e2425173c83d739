"""Benchmark of a committee dashboard's charts: milliseconds per chart and per dashboard, in one run, for

- before: the hand-made PNG of grouped bars without text (reports/charts.py at BEFORE_REV, read from git),
- matplotlib drawn plainly: a new figure per chart, everything drawn each time,
- now: the charts as the reporting flow draws them (one layout per set of fixed words, reused; only the bars,
  lines and values drawn per cluster; palette PNG), and the bytes they add to a message;
- with `--pdf N`: the printable review (WeasyPrint) of a small generated cluster, N times, seconds each;
- with `--before DIR`: 500 whole dashboards (charts, HTML, text, CSV and MIME message), each in a fresh process,
  the code of DIR (a checkout with its own .venv, e.g. /work/main) and this one alternately, against issue 15's
  target of 20 s.

    .venv/bin/python benchmarks/charts_bench.py [--clusters 100] [--repeat 3] [--pdf 5] [--before DIR [--rounds 2]]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--code" in sys.argv:  # the dashboards of another checkout: its code before this one's
    ROOT = Path(sys.argv[sys.argv.index("--code") + 1]).resolve()
sys.path.insert(0, str(ROOT))
BEFORE_REV = "24b73f8"  # the last commit with the hand-made, text-less PNG
NATIONAL = 500


def sample_specs(clusters: int, seed: int = 5) -> list[list[dict]]:
    """Each cluster's chart specs from random scores and QQRP figures (campaign names of two calendars)."""
    import pandas as pd

    from reports.chart_data import chart_specs
    from reports.i18n import catalogue

    rng = random.Random(seed)
    t = catalogue("fr")
    axes = [{"axis": n, "label": t["axis_short"].format(n=n)} for n in range(1, 7)]
    out = []
    for c in range(clusters):
        campaigns = ["2022-2023", "2023-2024", "2024-2025"] if c % 2 else ["2023", "2024", "2025"]
        trend = pd.DataFrame(
            [{"cluster_id": "A", "campaign": k, "axis": a, "score": round(rng.uniform(1, 4), 1)}
             for k in campaigns for a in range(7)]
        )  # fmt: skip
        qqrp = pd.DataFrame(
            [{"cluster_id": "A", "campaign": k, "accepted_kg": rng.uniform(5e4, 5e5), "sold_kg": rng.uniform(4e4, 4e5),
              "producer_price_xof": rng.uniform(150, 400), "selling_price_xof": rng.uniform(200, 600)}
             for k in campaigns]
        )  # fmt: skip
        out.append(chart_specs(trend, qqrp, axes, "fr", t))
    return out


def before_module():
    """The hand-made chart module as it was at BEFORE_REV."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE_REV}:reports/charts.py"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    namespace: dict = {"__name__": "charts_before"}
    exec(compile(source, "charts_before.py", "exec"), namespace)
    return namespace


def timed(work, items) -> float:
    started = time.perf_counter()
    for item in items:
        work(item)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf", type=int, default=0, help="also time this many printable reviews (PDF)")
    parser.add_argument("--before", type=Path, help="a checkout to time 500 whole dashboards against, alternately")
    parser.add_argument("--rounds", type=int, default=2, help="with --before: rounds of both")
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)  # read before the imports (see ROOT)
    parser.add_argument("--dashboards-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dashboards_only:
        return print(" ".join(f"{s:.2f}" for s in time_dashboards(NATIONAL)))
    if args.before:
        return compare_dashboards(args.before.resolve(), args.rounds)
    from reports.charts import build_layout, draw_charts, encode_png, layout_key
    from reports.i18n import catalogue

    t = catalogue("fr")
    dashboards = sample_specs(args.clusters)
    grouped_bars = before_module()["grouped_bars"]

    def plain(specs: list[dict]) -> None:  # a fresh figure per chart: what a plain matplotlib call costs
        for spec in specs:
            encode_png(build_layout(*layout_key(spec, t)).render(spec))

    def before(specs: list[dict]) -> None:
        scores = specs[0]["series"]
        grouped_bars([[s["values"][i] for s in scores] for i in range(6)])

    draw_charts(dashboards[0], t)  # the layouts built once, as in a season
    runs = {"before (hand PNG, no text)": [], "matplotlib, plain": [], "now (layouts reused)": []}
    for _ in range(args.repeat):
        runs["before (hand PNG, no text)"].append(timed(before, dashboards) / len(dashboards))
        few = dashboards[: max(5, len(dashboards) // 10)]  # slow: a tenth of the clusters is enough
        runs["matplotlib, plain"].append(timed(plain, few) / len(few))
        runs["now (layouts reused)"].append(timed(lambda s: draw_charts(s, t), dashboards) / len(dashboards))
    sizes = [sum(len(c.png) for c in draw_charts(s, t)) for s in dashboards[:20]]
    print(f"{args.clusters} dashboards, best of {args.repeat} runs")
    for name, seconds in runs.items():
        per_dashboard = min(seconds)
        charts = 1 if name.startswith("before") else 3
        print(f"  {name:28s} {per_dashboard * 1000 / charts:7.1f} ms a chart, {per_dashboard * 1000:7.1f} ms a "
              f"dashboard ({charts} chart{'s' if charts > 1 else ''}), {per_dashboard * NATIONAL:5.1f} s for "
              f"{NATIONAL} dashboards")  # fmt: skip
    print(f"  PNG bytes a dashboard (3 charts): median {statistics.median(sizes):,.0f}, max {max(sizes):,}")
    if args.pdf:
        time_pdfs(args.pdf)


def time_dashboards(count: int) -> tuple[float, float]:
    """Seconds (wall, then CPU: the machine is shared) to render `count` whole committee dashboards in this
    process: each one's 3 charts (random scores of `sample_specs`), HTML and text, indicators CSV and MIME message
    (one copy, and a second for every other one, as a national season's 744 messages for 500 committees). The
    context is the test suite's sample cluster."""
    from reports.message import mime_copies
    from reports.render import committee_charts, render_committee
    from reports.spreadsheet import indicators_csv
    from tests.unit.test_reports_dashboard import context_of, first_cluster, review_sample

    review, cluster_id = review_sample()[0], first_cluster()
    context, mine = context_of(cluster_id, "fr"), review.indicators[review.indicators["cluster_id"] == cluster_id]
    specs = sample_specs(count)
    started, cpu = time.perf_counter(), time.process_time()
    for n, charts in enumerate(specs):
        own = {**context, "charts": charts}
        rendered = render_committee(own, indicators_csv(mine, "fr"), committee_charts(own))
        mime_copies(rendered, "vigie@example.org", ["comite@example.org", "coach@example.org"][: 1 + n % 2])
    return time.perf_counter() - started, time.process_time() - cpu


def compare_dashboards(before: Path, rounds: int) -> None:
    """500 whole dashboards, the code of `before` (its own .venv) and this checkout's alternately, fresh processes."""
    runs: dict[str, list[tuple[float, ...]]] = {"before": [], "now": []}
    for _ in range(rounds):
        for name, python, code in (("before", before / ".venv/bin/python", before), ("now", sys.executable, ROOT)):
            command = [str(python), __file__, "--dashboards-only", "--code", str(code)]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            runs[name].append(tuple(float(s) for s in out.split()))
    print(f"{NATIONAL} whole dashboards (charts, HTML, text, CSV, MIME), {rounds} rounds alternated, target 20 s:")
    for name, seconds in runs.items():
        figures = ", ".join(f"{wall:.1f} s ({cpu:.1f} s CPU)" for wall, cpu in seconds)
        best = min(wall for wall, _ in seconds)
        print(f"  {name:7s} {figures}: best {best:.1f} s, {'within' if best <= 20 else 'above'} 20 s")


def time_pdfs(count: int) -> None:
    """Seconds per printable review of the test suite's small sample cluster (the first one also loads fonts)."""
    from reports.pdf import committee_pdf
    from reports.render import committee_charts
    from tests.unit.test_reports_dashboard import context_of, first_cluster

    context = context_of(first_cluster(), "fr")
    charts = committee_charts(context)
    seconds, pdf = [], b""
    for _ in range(count + 1):
        started = time.perf_counter()
        pdf = committee_pdf(context, charts)
        seconds.append(time.perf_counter() - started)
    each = statistics.median(seconds[1:])
    print(f"  printable review: first {seconds[0]:.2f} s, then median {each:.2f} s a cluster ({len(pdf):,} bytes), "
          f"{each * NATIONAL:.0f} s for {NATIONAL} clusters")  # fmt: skip


if __name__ == "__main__":
    main()
