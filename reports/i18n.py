"""Label catalogues: every word a report shows comes from the French or the English catalogue."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from schemas.tables import labels, on_change

LANGUAGES = ("fr", "en")
_DIR = Path(__file__).with_name("i18n")


@cache
def catalogue(language: str) -> dict[str, str]:
    """The labels of `language` (French when the language is unknown); keys are identical across languages. The
    tables' names (`table_deliveries`) come from their declarations (schemas/tables.py)."""
    language = language if language in LANGUAGES else "fr"
    with open(_DIR / f"{language}.yaml", encoding="utf-8") as handle:
        return {**labels(language), **yaml.safe_load(handle)}


on_change(catalogue.cache_clear)  # a table declared later is named in the reports
