"""Benchmark of what an officer runs at the end of a national season, step by step, against its floor.

The national sample (500 clusters x 3 campaigns x 6700 deliveries, about 10 million rows) is generated once and
submitted through intake (as benchmarks/review_bench.py does), cached under `--work`. Then, in fresh processes:

- floor: the same stored files read with pyarrow and one groupby with five aggregates
  (`review_bench.py --measure floor`);
- season: `vigie -v season --campaign 2025 --no-deliver`, as typed, with no Prefect server (the temporary one
  starts in the process), in a fresh VIGIE_HOME holding a copy of the warehouse (the store is shared, read only).
  Its steps are read from the timestamps of Prefect's own log lines (each task's end), so a checkout without any
  timing code of its own is measured alike, and printed in the order they ran: start-up (process start to the
  flow run's start), read store, score, store results, contexts and charts (each committee's context and charts),
  committee dashboards (rendering and queueing; with the contexts and charts, the dashboards' target), officer
  view, site, printable reviews (the PDFs: last since December 2026, before the dashboards on older checkouts;
  VIGIE_PDF=off leaves them out), end of the flow, exit. Two lines against the floor: "through dashboards and
  site" (process start to the site published, the printable reviews taken out where they ran before it: what
  the 3x target covers) and "printable reviews". Peak memory: the largest RSS of the process tree at once
  (sampled every 0.1 s), and the step it fell in;
- delivery: `vigie deliver` of 500 of the messages that season queued (the others are set aside in that copy of
  the warehouse; all of them when a smaller run queued fewer), to the SendGrid double of the tests
  (tests/support/sendgrid_double.py: it checks every request against SendGrid's published schema), as typed,
  wall to wall.

With `--before DIR` (another checkout with its own .venv, e.g. `git worktree add --detach /tmp/before main &&
make -C /tmp/before install`), the same commands run on it too, alternated, on the same store.

    .venv/bin/python benchmarks/season_bench.py [--before DIR] [--repeat 2] [--work var/bench/season] [--pdf off]
        [--clusters 500]

`--clusters N` runs a smaller season (N clusters, the same 6 700 deliveries per cluster and campaign), its sample
and store cached apart under `--work`; the targets are for 500.

`--pdf off` runs both checkouts with VIGIE_PDF=off: the printable reviews (about a second a cluster) are then left
out, to see the other steps on a loaded machine.

Targets (issue 15): the season through the site <= 3x the floor and <= 4 GB at peak; the 500 committee dashboards
<= 20 s; 500 messages delivered to the double <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLUSTERS, CAMPAIGNS, DELIVERIES, SEED = 500, 3, 6700, 2026
TARGET_RATIO, TARGET_PEAK_GB, TARGET_DASHBOARDS_S, TARGET_DELIVERY_S, DELIVERED = 3.0, 4.0, 20.0, 60.0, 500
OFFICERS = "suivi@atda.example.bj"
STEPS = (  # (label, what ends it in Prefect's log: a task run's name, or the flow run itself); timed in run order
    ("read store", "read_store"),
    ("score", "compute_review"),
    ("store results", "store_review"),
    ("contexts and charts", "dashboard_charts"),  # checkouts before issue 17: part of the dashboards' step
    ("committee dashboards", "queue_committee_dashboards"),
    ("officer view", "queue_officer_dashboard"),
    ("site", "publish_site"),
    ("printable reviews", "printable_reviews"),  # the PDFs (VIGIE_PDF): last, or before the dashboards on main
    ("end of flow", None),
)
PRINTING, SITE = "printable reviews", "site"
LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \| \w+\s* \| (Flow|Task) run '([^']+)' - (.*)$")


def prepare(work: Path, clusters: int = CLUSTERS) -> Path:
    """The home intake filled with the sample of `clusters` (generated and submitted once); return it."""
    home = work / ("home" if clusters == CLUSTERS else f"home-{clusters}")  # the national one where it always was
    if (home / "complete").exists():
        return home
    csv_dir = work / f"csv-{clusters}x{DELIVERIES}"
    if not (csv_dir / "deliveries.csv").exists():
        from synthetic import generate

        print(f"  generating {clusters} clusters x {CAMPAIGNS} campaigns x {DELIVERIES} deliveries ...", flush=True)
        generate(csv_dir, clusters=clusters, campaigns=CAMPAIGNS, seed=SEED,
                 deliveries_per_cluster_campaign=DELIVERIES, progress=True)  # fmt: skip
    print("  submitting them to a fresh store ...", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    submit = [sys.executable, str(ROOT / "benchmarks" / "review_bench.py"), "--submit", str(csv_dir), str(home)]
    subprocess.run(submit, check=True, cwd=ROOT)
    (home / "complete").touch()
    return home


def fresh_home(work: Path, source: Path, name: str) -> dict[str, str]:
    """A new VIGIE_HOME holding a copy of the warehouse; the environment that points `vigie` at it."""
    home = work / "runs" / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    with sqlite3.connect(source / "vigie.db") as origin, sqlite3.connect(home / "vigie.db") as copy:
        origin.backup(copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIGIE_", "SENDGRID_"))}
    return env | {"VIGIE_HOME": str(home), "VIGIE_STORE_DIR": str(source / "store"), "VIGIE_OFFICER_EMAILS": OFFICERS,
                  "PREFECT_HOME": str(home / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip


def watched(command: list[str], env: dict[str, str]) -> dict:
    """Run `command` to its end, sampling the RSS of its process tree; wall time, peak (and when, seconds after the
    start), output and start time."""
    started_at, started, peak_at = datetime.now(), time.perf_counter(), 0.0
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root, peak, own = psutil.Process(process.pid), 0, 0
    out: dict[str, str] = {}
    readers = [threading.Thread(target=lambda s=s, n=n: out.__setitem__(n, s.read()))
               for n, s in (("stdout", process.stdout), ("stderr", process.stderr))]  # fmt: skip
    for reader in readers:
        reader.start()
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            sizes = [p.memory_info().rss for p in tree]
            if sum(sizes) > peak:
                peak, peak_at = sum(sizes), time.perf_counter() - started
            own = max(own, sizes[0])
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    for reader in readers:
        reader.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{out['stdout'][-2000:]}\n{out['stderr'][-3000:]}")
    return {"seconds": seconds, "peak_gb": peak / 1e9, "own_gb": own / 1e9, "peak_at": peak_at,
            "started_at": started_at, **out}  # fmt: skip


def season(checkout: Path, work: Path, home: Path, name: str, campaign: str, pdf: str | None = None) -> dict:
    """`vigie season --no-deliver` in a fresh home: wall, peak, and each step's seconds from Prefect's log
    (`pdf`: VIGIE_PDF for the run, unset by default)."""
    env = fresh_home(work, home, name) | ({"VIGIE_PDF": pdf} if pdf else {})
    run = watched([str(checkout / ".venv" / "bin" / "vigie"), "-v", "season", "--campaign", campaign,
                   "--no-deliver"], env)  # fmt: skip
    start = run["started_at"]
    origin = start.hour * 3600 + start.minute * 60 + start.second + start.microsecond / 1e6
    ends, began = {}, None
    for line in run["stderr"].splitlines():
        found = LINE.match(line)
        if not found:
            continue
        hours, minutes, seconds, millis, kind, run_name, text = found.groups()
        at = int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000 - origin
        if kind == "Flow" and text.startswith("Beginning flow run"):
            began = at
        elif text.startswith("Finished in state"):
            ends[None if kind == "Flow" else run_name.rsplit("-", 1)[0]] = at
    if began is None:
        raise SystemExit(f"no flow run in the output of vigie season:\n{run['stderr'][-3000:]}")
    found = sorted(((ends[task], label) for label, task in STEPS if task in ends), key=lambda end: end[0])
    steps, last, spans = {"start-up": began}, began, [("start-up", 0.0, began)]
    for end, label in found:  # in the order they ran
        steps[label], last = end - last, end
        spans.append((label, end - steps[label], end))
    steps["exit"] = run["seconds"] - last
    spans.append(("exit", last, run["seconds"]))
    queued = re.search(r"(\d+) messages queued", run["stderr"])
    peak_in = next((label for label, begin, end in spans if begin <= run["peak_at"] <= end), "exit")
    return {"seconds": run["seconds"], "peak_gb": run["peak_gb"], "own_gb": run["own_gb"], "steps": steps,
            "order": [label for _, label in found], "peak_in": peak_in,
            "queued": int(queued.group(1)) if queued else None, "home": env["VIGIE_HOME"]}  # fmt: skip


def through_site_s(run: dict) -> float:
    """Process start to the site published, without the printable reviews where they ran before it."""
    order, steps = run["order"], run["steps"]
    upto = order[: order.index(SITE) + 1] if SITE in order else order
    return steps["start-up"] + sum(steps[label] for label in upto if label != PRINTING)


def dashboards_s(run: dict) -> float:
    """The dashboards' seconds: contexts, charts, rendering and queueing (the printable reviews apart)."""
    steps = run["steps"]
    return steps.get("committee dashboards", 1e9) + steps.get("contexts and charts", 0.0)


def printing_s(run: dict) -> float:
    """The printable reviews' seconds (none when they were not made)."""
    return run["steps"].get(PRINTING, 0.0)


def deliver(checkout: Path, work: Path, season_home: str, store: str, name: str) -> dict:
    """`vigie deliver` of 500 of the messages a season queued (all, when it queued fewer), to the SendGrid double;
    wall and counts."""
    from tests.support.sendgrid_double import TEST_API_KEY, SendGridDouble

    env = fresh_home(work, Path(season_home), name) | {"VIGIE_STORE_DIR": store}
    with sqlite3.connect(Path(env["VIGIE_HOME"]) / "vigie.db") as db:
        kept = db.execute("select count(*) from outbox where status = 'queued'").fetchone()[0]
        db.execute("update outbox set status = 'set_aside' where status = 'queued' and id not in "
                   "(select id from outbox where status = 'queued' order by id limit ?)", (DELIVERED,))  # fmt: skip
    wanted = min(kept, DELIVERED)
    if not wanted:
        raise SystemExit("the season queued no message")
    with SendGridDouble() as double:
        env |= {"VIGIE_EMAIL_BACKEND": "sendgrid", "VIGIE_SENDGRID_HOST": double.url, "SENDGRID_API_KEY": TEST_API_KEY}
        run = watched([str(checkout / ".venv" / "bin" / "vigie"), "deliver"], env)
        accepted = len(double.accepted)
    counts = json.loads(run["stdout"].strip().splitlines()[-1])
    if counts.get("sent") != wanted or accepted != wanted:
        raise SystemExit(f"delivery: {counts}, {accepted} accepted by the double")
    return {"seconds": run["seconds"], "peak_gb": run["peak_gb"], "sent": wanted}


def floor(home: Path) -> dict:
    """The floor, in a fresh process: review_bench's pyarrow read of the same files and one groupby."""
    command = [sys.executable, str(ROOT / "benchmarks" / "review_bench.py"), "--measure", "floor", str(home / "store")]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="another checkout of Vigie (with its .venv) to compare with")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "season")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement, alternated")
    parser.add_argument("--campaign", default="2025")
    parser.add_argument("--no-delivery", action="store_true", help="measure the season only")
    parser.add_argument("--pdf", choices=("on", "off"), help="VIGIE_PDF for both checkouts (default: theirs)")
    parser.add_argument("--clusters", type=int, default=CLUSTERS, help="a smaller season (the targets are for 500)")
    args = parser.parse_args()
    checkouts = {"now": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    work = args.work.resolve()
    home = prepare(work, args.clusters)
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    floors, seasons, deliveries = [], {n: [] for n in checkouts}, {n: [] for n in checkouts}
    for run in range(args.repeat):  # alternated, so a slow spell of the machine touches each alike
        floors.append(floor(home))
        for name, checkout in checkouts.items():
            seasons[name].append(season(checkout, work, home, f"{name}-{run}", args.campaign, args.pdf))
            if not args.no_delivery:
                deliveries[name].append(
                    deliver(checkout, work, seasons[name][-1]["home"], str(home / "store"), f"{name}-{run}-deliver")
                )
            print(
                f"  run {run + 1} {name}: season {seasons[name][-1]['seconds']:.1f} s"
                + (f", delivery {deliveries[name][-1]['seconds']:.1f} s" if deliveries[name] else ""),
                flush=True,
            )
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    base = min(f["seconds"] for f in floors)
    each = ", ".join(f"{f['seconds']:.2f}" for f in floors)
    print(
        f"\nfloor (pyarrow read of the store + one groupby): best {base:.2f} s ({each}), "
        f"peak {max(f['peak_gb'] for f in floors):.2f} GB"
    )
    for name in checkouts:
        print(f"{name} ran: start-up, {', '.join(seasons[name][0]['order'])}, exit")
    order = seasons["now"][0]["order"]
    labels = ["start-up", *order, *(label for label, _ in STEPS if label not in order), "exit"]
    print(f"\n{'seconds, each run':<28}" + "".join(f"{name:>24}" for name in checkouts))
    for label in labels:
        cells = [", ".join(f"{r['steps'].get(label, float('nan')):.1f}" for r in seasons[n]) for n in checkouts]
        print(f"{label:<28}" + "".join(f"{cell:>24}" for cell in cells))
    rows = {
        "total (wall)": lambda r: f"{r['seconds']:.1f}",
        "through dashboards and site": lambda r: f"{through_site_s(r):.1f} ({through_site_s(r) / base:.1f}x)",
        "printable reviews": lambda r: f"{printing_s(r):.1f} ({printing_s(r) / base:.1f}x)",
        "read store .. site": lambda r: f"{through_site_s(r) - r['steps']['start-up']:.1f}",
        "peak GB (tree)": lambda r: f"{r['peak_gb']:.2f}",
        "peak GB (vigie)": lambda r: f"{r['own_gb']:.2f}",
        "peak in step": lambda r: r["peak_in"],
    }  # fmt: skip
    print(f"{'against the floor (x):':<28}")
    for label, value in rows.items():
        cells = [", ".join(value(r) for r in seasons[n]) for n in checkouts]
        print(f"{label:<28}" + "".join(f"{cell:>24}" for cell in cells))
    if not args.no_delivery:
        cells = [", ".join(f"{r['seconds']:.1f}" for r in deliveries[n]) for n in checkouts]
        sent = deliveries["now"][0]["sent"]
        print(f"{f'deliver {sent} (wall)':<28}" + "".join(f"{cell:>24}" for cell in cells))
    print("\ntargets (best run of each):")
    for name in checkouts:
        best = min(seasons[name], key=lambda r: r["seconds"])
        work_s = through_site_s(best) - best["steps"]["start-up"]
        verdicts = [
            ("season wall (with the PDFs)", best["seconds"] / base, TARGET_RATIO, "x floor"),
            ("through dashboards and site", min(through_site_s(r) for r in seasons[name]) / base, TARGET_RATIO,
             "x floor"),
            ("season read..site", work_s / base, TARGET_RATIO, "x floor"),
            ("peak", max(r["peak_gb"] for r in seasons[name]), TARGET_PEAK_GB, "GB"),
            ("dashboards", min(dashboards_s(r) for r in seasons[name]), TARGET_DASHBOARDS_S, "s"),
        ]  # fmt: skip
        if deliveries[name]:
            fastest = min(r["seconds"] for r in deliveries[name])
            verdicts.append((f"deliver {deliveries[name][0]['sent']}", fastest, TARGET_DELIVERY_S, "s"))
        said = "; ".join(f"{what} {value:.2f} {unit} (<= {target:g}) {'OK' if value <= target else 'ABOVE TARGET'}"
                         for what, value, target, unit in verdicts)  # fmt: skip
        print(
            f"{name:>6}: {said}; queued {best['queued']}; median wall "
            f"{statistics.median(r['seconds'] for r in seasons[name]):.1f} s"
        )


if __name__ == "__main__":
    main()
