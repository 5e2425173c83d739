"""The registry of season metrics: each is a pure function declared with its unit, source tables and defaults.

A grid entry names a metric of this registry; the grid checks, the review and the reports read everything else
about it (unit, the table whose absence makes it "insufficient data", default parameters, the level a trend
follows) from its declaration, so adding an indicator is one grid entry and one decorated function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from indicators.inputs import Inputs

Metric = Callable[["Inputs", dict[str, Any]], pd.DataFrame]


@dataclass(frozen=True)
class MetricSpec:
    """A registered metric: its function, unit, the tables it reads (the first is the one it needs first) and its
    parameters with defaults; `level` (trends only): the metric whose value it follows, and that value's unit."""

    name: str
    function: Metric
    unit: str
    tables: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    level: tuple[Metric, str] | None = None

    @property
    def source(self) -> str:
        """The table without which a season gets no value (its missing-data reason is `no_<source>`)."""
        return self.tables[0]


METRICS: dict[str, MetricSpec] = {}
"""Metric name -> spec, filled by `@metric` as the metric modules are imported (see indicators.catalog)."""


def metric(
    unit: str,
    *tables: str,
    defaults: dict[str, Any] | None = None,
    level: tuple[Metric, str] | None = None,
    name: str | None = None,
) -> Callable[[Metric], Metric]:
    """Register the decorated function as the metric `name` (default: the function's name).

    The function takes the review's Inputs and the entry's parameters (the defaults updated with the grid
    entry's `params`) and returns one row per season it can say something about (see indicators.common.result).
    """
    if not tables:
        raise ValueError("a metric names the table(s) it reads")

    def register(function: Metric) -> Metric:
        key = name or function.__name__
        if key in METRICS and METRICS[key].function is not function:
            raise ValueError(f"metric {key!r} is already registered")
        METRICS[key] = MetricSpec(key, function, unit, tuple(tables), dict(defaults or {}), level)
        return function

    return register


def params_of(metric_name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A metric's parameters: its defaults updated with `params`."""
    return {**METRICS[metric_name].defaults, **(params or {})}


@contextmanager
def kept() -> Iterator[dict[str, MetricSpec]]:
    """The registry as it is now, restored on exit (for tests that register a metric of their own)."""
    saved = dict(METRICS)
    try:
        yield METRICS
    finally:
        METRICS.clear()
        METRICS.update(saved)
