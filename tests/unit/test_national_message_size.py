"""The committee message's size budget on the national sample's largest clusters (500 clusters, about 10 million
deliveries): the largest, and the largest that sent a plan, generated alone and reviewed, their messages built as
the reporting flow builds them (benchmarks/message_size_bench.py, which prints the figures). The worst case of
every alert and 24 overdue actions is tests/unit/test_render_sizes.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "message_size_bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("message_size_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_national_samples_largest_committee_messages_fit_the_budget(vigie_home, tmp_path):
    from reports.budget import HTML_LIMIT, MESSAGE_LIMIT
    from synthetic import generate

    bench = _bench()
    chosen, total = bench.largest(bench.CLUSTERS, bench.DELIVERIES, bench.SEED)
    assert 9_500_000 < total < 10_500_000, "the national sample: about 10 million deliveries"
    generate(tmp_path, clusters=bench.CLUSTERS, campaigns=bench.CAMPAIGNS, seed=bench.SEED,
             deliveries_per_cluster_campaign=bench.DELIVERIES, only=list(chosen))  # fmt: skip
    found = {m["deliveries"]: m for m in bench.messages(tmp_path)}
    assert sorted(found) == sorted(chosen.values()), "each cluster generated alone has its national deliveries"
    assert max(found) > 3 * bench.DELIVERIES, "the largest cluster is well above the average one"
    planned = found[min(chosen.values())] if len(chosen) > 1 else found[max(found)]
    assert planned["actions"] >= 3 and planned["priorities"] >= 1, "the plan's follow-up and priorities are shown"
    for m in found.values():
        assert m["sent"].html_bytes < HTML_LIMIT and m["sent"].message_bytes < MESSAGE_LIMIT, m
        assert m["charts"] == 3 and m["links"] >= 1
        assert not m["attached"] and m["says_where"], "the printable review is never attached: the message links it"
        assert 2 <= m["pdf_pages"] <= 4, "the printable review of the largest clusters holds on two to four pages"
