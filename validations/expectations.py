"""Great Expectations suites (validations/expectations/<table>.json) on the accepted rows of a submission,
with Data Docs built on disk. Table-level checks: a failed expectation is a warning in the report, never a
refused row. Great Expectations is imported here only (it costs seconds to import)."""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pyarrow as pa

from schemas.tables import TABLES, on_change

SUITES = Path(__file__).with_name("expectations")
SAMPLE_ROWS = 200_000
"""Above this many rows a table is checked on an evenly spaced sample (shares and ranges hold on a sample; every
row has already passed the row checks)."""


def suite_path(table: str) -> Path | None:
    """Where the suite of `table` is kept (None when its declaration has none)."""
    declared = TABLES.get(table)
    return SUITES / f"{table}.json" if declared is not None and declared.has_suite else None


@cache
def suite_data(table: str) -> dict | None:
    """The stored suite of `table` (None when it has none)."""
    path = suite_path(table)
    return json.loads(path.read_text(encoding="utf-8")) if path is not None else None


def suite_columns(table: str) -> list[str]:
    """The columns the suite of `table` looks at (only those are handed to Great Expectations: it hashes and
    converts whatever it is given)."""
    named = (e["kwargs"].get("column") for e in (suite_data(table) or {}).get("expectations", []))
    return list(dict.fromkeys(name for name in named if name))


def sample(rows: pa.Table, limit: int = SAMPLE_ROWS) -> pa.Table:
    """At most `limit` rows, evenly spaced (deterministic)."""
    if rows.num_rows <= limit:
        return rows
    wanted = (np.arange(limit) * (rows.num_rows / limit)).astype(np.int64)
    picked, start = [], 0  # batch by batch: taking from the whole table would first copy it into one piece
    for batch in rows.to_batches():
        here = wanted[(wanted >= start) & (wanted < start + batch.num_rows)] - start
        if len(here):
            picked.append(batch.take(pa.array(here)))
        start += batch.num_rows
    return pa.Table.from_batches(picked, rows.schema)


def run_suites(frames: dict[str, pa.Table], docs_dir: Path | None, run_name: str) -> tuple[list[dict], str | None]:
    """Validate each table against its suite; return one result per expectation and the Data Docs index."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    tables = {table: rows for table, rows in frames.items() if suite_data(table)}
    if not tables:
        return [], None
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    if docs_dir is not None:
        context.add_data_docs_site(site_name="vigie", site_config=_site(docs_dir))
    source = context.data_sources.add_pandas("intake")
    results = []
    for table, rows in tables.items():
        data = dict(suite_data(table))
        suite = context.suites.add(gx.ExpectationSuite(**data))
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("accepted")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{table}-{run_name}", data=batch, suite=suite)
        )
        wanted = [c for c in suite_columns(table) if c in rows.column_names] or rows.column_names[:1]
        frame = sample(rows.select(wanted)).to_pandas()
        outcome = definition.run(
            batch_parameters={"dataframe": frame},
            result_format="SUMMARY",
            run_id=RunIdentifier(run_name=f"{run_name}-{table}"),
        )
        results.extend(_results(table, outcome, rows.num_rows, len(frame)))
    docs = None
    if docs_dir is not None:
        context.build_data_docs(site_names=["vigie"])
        docs = _pages(context, Path(docs_dir))
    return results, docs


def _pages(context, docs_dir: Path) -> str:
    """Where this submission's detail is: its validation page when it checked one table (the context is this
    submission's alone, so its results are this submission's), else the site's index. The index lists only the
    latest submission's pages, so a report that pointed there would show another file's detail once a later
    file came in; each page stays where it was written."""
    pages = [
        url["site_url"]
        for key in context.validation_results_store.list_keys()
        for url in context.get_docs_sites_urls(resource_identifier=key, site_name="vigie")
        if url.get("site_url")
    ]
    if len(pages) == 1 and pages[0].startswith("file://"):
        page = Path(unquote(urlparse(pages[0]).path))
        if page.is_file():
            return str(page)
    return str(docs_dir / "index.html")


def _results(table: str, outcome, rows: int, checked: int) -> list[dict]:
    found = []
    for result in outcome.results:
        config = result.expectation_config
        found.append(
            {
                "table": table,
                "expectation": config.type,
                "column": config.kwargs.get("column"),
                "success": bool(result.success),
                "unexpected_percent": _percent(result.result.get("unexpected_percent")),
                "observed": result.result.get("observed_value"),
                "notes": (config.meta or {}).get("notes", ""),
                "notes_fr": (config.meta or {}).get("notes_fr") or (config.meta or {}).get("notes", ""),
                "rows": rows,
                "rows_checked": checked,
            }
        )
    return found


def _percent(value: object) -> float | None:
    return None if value is None else round(float(value), 2)


def _site(docs_dir: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "KeepingSiteIndexBuilder", "module_name": "validations.gx_site"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    }


on_change(suite_data.cache_clear)  # a table declared again is read afresh
