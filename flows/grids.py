"""The grid in force: the packaged defaults, value-chain overrides, and the committees' own folder."""

from __future__ import annotations

from flows.settings import Settings
from indicators import Grid, load_grid
from indicators.grid import PACKAGED_OVERRIDES


def grid_in_force(settings: Settings) -> Grid:
    """The packaged grid with the packaged value-chain overrides and any in VIGIE_GRID_DIR (refused if malformed)."""
    overrides = [PACKAGED_OVERRIDES]
    if settings.grid_dir.is_dir():
        overrides.append(settings.grid_dir)
    return load_grid(overrides=overrides)
