"""Conversion of sold products to the raw material they are made of (indicators/products.yaml), for prices."""

from __future__ import annotations

from pathlib import Path

import yaml

from indicators.grid import SAFE_LOADER
from indicators.grid_checks import GridError

DEFAULT_PRODUCTS = Path(__file__).resolve().parent / "products.yaml"
Conversions = dict[tuple[str, str], float]
"""(value chain, sold product), both normalised -> kg of the cluster's raw material per kg sold."""


def normalise(name: object) -> str:
    """A product or value-chain name compared without case or extra spaces."""
    return " ".join(str(name).split()).casefold()


def load_conversions(path: str | Path | None = None) -> Conversions:
    """The checked conversion ratios: each a positive number, under a value chain, per sold product."""
    file = Path(path) if path is not None else DEFAULT_PRODUCTS
    try:
        doc = yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise GridError(str(file), "-", f"cannot be read: {exc}") from exc
    chains = (doc or {}).get("conversions") if isinstance(doc, dict) else None
    if not isinstance(chains, dict):
        raise GridError(str(file), "-", "needs `conversions:` mapping value chains to {sold product: kg per kg}")
    found: Conversions = {}
    for chain, products in chains.items():
        if not isinstance(products, dict):
            raise GridError(str(file), str(chain), "must map each sold product to the kg of raw material per kg")
        for product, ratio in products.items():
            if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not ratio > 0:
                raise GridError(str(file), f"{chain}/{product}", f"the ratio must be a positive number, got {ratio!r}")
            found[(normalise(chain), normalise(product))] = float(ratio)
    return found
