"""Render a committee dashboard of the static site to docs/committee-dashboard.png with headless Chromium.

Usage, after `make demo`:  .venv/bin/python docs/screenshot.py [--site var/site] [--cluster CL-ANA-ZEE-01]
The image shows a phone-width view of the top of the dashboard and stays under 150 KB (the README shows it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)  # fmt: skip
OUT = Path(__file__).resolve().with_name("committee-dashboard.png")
MAX_BYTES = 150_000


def screenshot(page: Path, out: Path, width: int = 412, height: int = 1300) -> int:
    """Save a `width` x `height` PNG of `page`; return its size in bytes."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        sys.exit("Chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="vigie-shot-") as profile:
        subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--screenshot={out}", page.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return out.stat().st_size


def main() -> None:
    """Pick the cluster's page (default: the first in the site) and shoot it, shorter until small enough."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("var/site"))
    parser.add_argument("--cluster", default=None, help="cluster id (default: the first page of the site)")
    args = parser.parse_args()
    pages = sorted(args.site.glob(f"cluster-{args.cluster or ''}*.html"))
    if not pages:
        sys.exit(f"no cluster page in {args.site}: run `make demo` first")
    for height in (1300, 1100, 900):
        size = screenshot(pages[0], OUT, height=height)
        if size < MAX_BYTES:
            print(f"{OUT} ({size} bytes) from {pages[0]}")
            return
    sys.exit(f"{OUT} is {size} bytes, over {MAX_BYTES}")


if __name__ == "__main__":
    main()
