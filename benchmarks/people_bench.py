"""Benchmark of what issue 17 adds to the review: jobs and members (indicators.people), Table 7, the data
completeness and the officers' programme facts, against a floor and the whole review, measured in the same run.

The parts read only the small tables (employment, memberships, actors, operating accounts) and the per-season
delivery sums the review builds anyway, so their cost follows the number of clusters and members, not the
deliveries. The sample has few deliveries per campaign for that reason.

- floor: the least the members' shares need: memberships merged with actors and grouped by season, once;
- parts: `people_figures`, `link_accounts`, `completeness` on the review's prepared inputs, and
  `programme_facts` on its result;
- review: `review_season` on the same tables (which runs the first three inside it).

    .venv/bin/python benchmarks/people_bench.py                 # 250 clusters, 3 campaigns
    .venv/bin/python benchmarks/people_bench.py --clusters 500
Target: the three parts the review runs (people, Table 7, completeness) under 25 % of the review on this sample,
whose few deliveries make it the worst case for their share (deliveries are most of a real review's time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_SHARE = 0.25
REPEATS = 3


def best(action) -> float:
    """The best wall time of REPEATS runs of `action()`, in seconds."""
    return min(timeit.repeat(action, number=1, repeat=REPEATS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=250)
    arguments = parser.parse_args()
    from indicators import load_grid
    from indicators.completeness import completeness, minimum_rows
    from indicators.inputs import prepare
    from indicators.people import link_accounts, people_figures
    from indicators.season import campaigns_by_cluster, latest_season, review_season
    from reports.programme_context import programme_facts
    from schemas.reading import read_csv_dir
    from synthetic import generate
    from validations.contracts import check_table

    folder = tempfile.mkdtemp(prefix="vigie-people-bench-")
    generate(folder, clusters=arguments.clusters, campaigns=3, seed=17, deliveries_per_cluster_campaign=20)
    tables = {name: check_table(name, frame).accepted for name, frame in read_csv_dir(folder).items()}
    season, grid = latest_season(tables), load_grid()
    groups = campaigns_by_cluster(tables["clusters"], season)
    campaigns = {cluster_id: name for name, ids in groups.items() for cluster_id in ids}
    inp = prepare(tables, season, list(campaigns), campaigns)
    names = dict(zip(tables["clusters"]["cluster_id"], tables["clusters"]["name"], strict=True))
    review = review_season(tables, season, grid=grid)
    members = tables["memberships"].merge(tables["actors"][["actor_id", "sex"]], how="left", on="actor_id")

    figures = {
        "floor": best(lambda: members.groupby(["cluster_id", "campaign"])["sex"].agg(["size", "count"])),
        "people_figures": best(lambda: people_figures(inp)),
        "link_accounts": best(lambda: link_accounts(inp)),
        "completeness": best(lambda: completeness(inp, minimum_rows(grid))),
        "programme_facts": best(lambda: programme_facts(review, names)),
        "review": best(lambda: review_season(tables, season, grid=grid)),
    }
    inside = figures["people_figures"] + figures["link_accounts"] + figures["completeness"]
    print(f"{arguments.clusters} clusters, {len(tables['memberships']):,} memberships, best of {REPEATS}:")
    for name, seconds in figures.items():
        print(f"  {name:<16} {seconds:7.3f} s")
    share = inside / figures["review"]
    verdict = "met" if share < TARGET_SHARE else "NOT met"
    print(f"  inside the review {inside:6.3f} s = {inside / figures['floor']:.0f}x the floor, {share:.1%} of the "
          f"review (target under {TARGET_SHARE:.0%}: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
