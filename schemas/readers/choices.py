"""Text columns whose contract names the words people type for each code (an action's status: « fait », « en
cours »): each cell is read as its code, compared without case, accents or `_`/`-`; a cell that is neither a code
nor one of its words becomes missing and is reported (`not_<column>`), never guessed."""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas.tables import CONTRACTS, on_change


@cache
def contract_words(table: str) -> dict[str, dict[str, str]]:
    """Column -> {compared word -> code} for the contract columns that declare `metadata={"words": ...}`."""
    found = {}
    for name, column in CONTRACTS[table].to_schema().columns.items():
        words = (column.metadata or {}).get("words")
        if words:
            found[name] = {compared(word): code for code, said in words.items() for word in (code, *said)}
    return found


def compared(word: str) -> str:
    """A word as it is compared: lower case, accents dropped, `_` and `-` as spaces, spaces collapsed."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("_", " ").replace("-", " ").split())


def read_words(text: pa.Array, words: dict[str, str]) -> tuple[pa.Array, pa.Array | None]:
    """Each cell's code (missing stays missing), and the mask of cells no word matches (None when all match). Only
    the column's distinct values are compared."""
    encoded = pc.dictionary_encode(text)
    codes = [words.get(compared(value)) for value in encoded.dictionary.to_pylist()]
    values = pa.array(codes, pa.string()).take(encoded.indices)
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    unread = np.array([code is None for code in codes], dtype=bool)
    bad = (indices >= 0) & (unread[np.maximum(indices, 0)] if len(unread) else False)
    return values.cast(text.type), pa.array(bad) if bad.any() else None


on_change(contract_words.cache_clear)  # a table declared again is read afresh
