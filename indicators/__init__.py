"""The pure domain core: season metrics, the scoring grid, the end-of-season review, QQRP and alerts."""

from indicators.bands import grid_for, resolve_bands
from indicators.grid import LEVELS, Grid, GridEntry, load_grid
from indicators.grid_checks import GridError
from indicators.inputs import REVIEW_COLUMNS
from indicators.review import Review, run_review

__all__ = [
    "LEVELS",
    "REVIEW_COLUMNS",
    "Grid",
    "GridEntry",
    "GridError",
    "Review",
    "grid_for",
    "load_grid",
    "resolve_bands",
    "run_review",
]
