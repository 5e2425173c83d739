"""Render a committee dashboard of the static site as a 360 px phone shows it to docs/committee-dashboard.png with
headless Chromium (its top: score, priorities, alerts and the action plan's follow-up), its charts to
docs/committee-charts.png, and the first page of its printable review to docs/review-pdf.png.

Usage, after `make demo`:  .venv/bin/python docs/screenshot.py [--site var/site] [--cluster CL-MAI-APL-01]
Each image stays under 150 KB (the README shows them).
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
CHARTS_OUT = OUT.with_name("committee-charts.png")
PDF_OUT = OUT.with_name("review-pdf.png")
PHONE = 360
FIRST_CAMPAIGN_RGB = (86, 180, 233)  # the axes chart's oldest campaign (Okabe-Ito sky blue): where the charts are
MAX_BYTES = 150_000
DEMO_CLUSTER = "CL-MAI-APL-01"  # the demo's cluster whose priorities, alert and plan follow-up fit the first 1200 px


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
    parser.add_argument("--cluster", default=DEMO_CLUSTER, help=f"cluster id (default: {DEMO_CLUSTER})")
    args = parser.parse_args()
    pages = sorted(args.site.glob(f"cluster-{args.cluster}*.html")) or sorted(args.site.glob("cluster-*.html"))
    if not pages:
        sys.exit(f"no cluster page in {args.site}: run `make demo` first")
    for height in (1200, 1000, 800):
        size = screenshot(pages[0], OUT, width=PHONE, height=height)
        if size < MAX_BYTES:
            print(f"{OUT} ({size} bytes) from {pages[0]}")
            break
    else:
        sys.exit(f"{OUT} is {size} bytes, over {MAX_BYTES}")
    charts_shot(pages[0])
    pdfs = sorted((args.site / "pdf").glob(f"{pages[0].stem.removeprefix('cluster-')}*.pdf"))
    if pdfs:
        pdf_shot(pdfs[0])


def charts_shot(page: Path, height: int = 1500) -> None:
    """The dashboard's charts as a 360 px phone shows them: a tall shot cropped from just above the first chart."""
    import numpy as np
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="vigie-shot-") as folder:
        tall = Path(folder) / "tall.png"
        screenshot(page, tall, width=PHONE, height=5000)
        image = Image.open(tall).convert("RGB")
    rows = np.flatnonzero((np.abs(np.asarray(image, dtype=int) - FIRST_CAMPAIGN_RGB).sum(axis=2) < 10).any(axis=1))
    top = max(0, int(rows[0]) - 90) if len(rows) else 0
    save_small(image.crop((0, top, PHONE, min(image.height, top + height))), CHARTS_OUT)


def pdf_shot(pdf: Path) -> None:
    """The first page of a printable review, as an image."""
    import pypdfium2

    save_small(pypdfium2.PdfDocument(str(pdf))[0].render(scale=1.0).to_pil().convert("RGB"), PDF_OUT)


def save_small(image, out: Path) -> None:
    """Save as a palette PNG (64 colours), refusing one over MAX_BYTES."""
    image.quantize(64).save(out, optimize=True)
    if out.stat().st_size >= MAX_BYTES:
        sys.exit(f"{out} is {out.stat().st_size} bytes, over {MAX_BYTES}")
    print(f"{out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
