"""Names people give to tables, sheets and columns, brought to the contract's spelling."""

from __future__ import annotations

import re
import unicodedata

from schemas.tables import TABLE_ALIASES

GROUP_SEPARATORS = ("/", "-", ":")
"""What joins a question's groups to its name in a column title: Kobo `/`, ODK Central `-`, some tools `:`."""


class AmbiguousName(ValueError):
    """A file or sheet name names more than one table."""

    def __init__(self, name: str, tables: list[str]) -> None:
        super().__init__(f"{name!r} names several tables: {', '.join(tables)}")
        self.name = name
        self.tables = tables


def normal_name(text: object) -> str:
    """Lower case, accents removed, every run of other characters turned into one `_`, trimmed of `_`."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


def title_candidates(title: object) -> list[str]:
    """The names a column title may give, best first: the whole title, then the title with its group path
    stripped one group at a time from the left (`livraison/prix` then `prix`; `livraison-quantity_kg` then
    `quantity_kg`). Kobo joins groups with `/`, ODK Central with `-`, some tools with `:`; the same characters may
    also sit inside a label (`Prix unitaire (FCFA/kg)`), which is why the whole title is tried first."""
    text = str(title).strip()
    found = [normal_name(text)]
    while True:
        cuts = [text.find(separator) for separator in GROUP_SEPARATORS if separator in text]
        if not cuts:
            return [name for name in found if name]
        text = text[min(cuts) + 1 :]
        name = normal_name(text)
        if name not in found:
            found.append(name)


def table_from_name(name: str) -> str | None:
    """The table a file or sheet name designates (`Livraisons riz 2024.csv` -> deliveries), or None.

    Raises AmbiguousName when the name contains the names of two tables.
    """
    stem = re.sub(r"\.(csv|txt|tsv|xlsx|xlsm)$", "", str(name).strip(), flags=re.IGNORECASE)
    key = normal_name(stem)
    exact = table_from_option(key)
    if exact:
        return exact
    words = f"_{key}_"
    found = [table for table, aliases in TABLE_ALIASES.items() if any(f"_{a}_" in words for a in aliases)]
    if len(found) > 1 and "clusters" in found and "_clusters_" not in words:
        found.remove("clusters")  # "livraisons cluster riz": the word cluster describes, it does not name
    if len(found) > 1:
        raise AmbiguousName(name, found)
    return found[0] if found else None


def table_from_option(option: str) -> str | None:
    """The table named by a `--table` option, in English or French (None when it names no table)."""
    key = normal_name(option)
    return next((table for table, aliases in TABLE_ALIASES.items() if key in aliases), None)
