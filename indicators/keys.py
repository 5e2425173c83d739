"""Text keys as integer codes, hashed on Arrow memory when the column is Arrow-backed (pandas' default text).

pandas turns Arrow text into Python objects before it hashes it (`Index.get_indexer`, `factorize`), which costs
seconds on the millions of deliveries; pyarrow's kernels hash the Arrow buffers directly, five to ten times
faster. Columns of any other kind (objects, categoricals) go through pandas, with the same results.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (int64, -1 for missing) and the distinct values in order of first appearance, like `pd.factorize`."""
    arrow = _arrow(values)
    if arrow is None:
        codes, uniques = pd.factorize(values)
        return codes.astype(np.int64, copy=False), pd.Index(uniques)
    encoded = pc.dictionary_encode(arrow)  # one hash pass; every chunk gets the final dictionary
    if encoded.num_chunks == 0:
        return np.empty(0, dtype=np.int64), pd.Index([], dtype="str")
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    codes = pa.chunked_array([chunk.indices for chunk in encoded.chunks], encoded.type.index_type)
    return _codes(codes), pd.Index(dictionary.to_pandas(), dtype="str")


def positions(labels: Sequence | pd.Index, values: pd.Series) -> np.ndarray:
    """The position of each of `values` among `labels` (int64, -1 when absent or missing), like
    `pd.Index(labels).get_indexer(values)`; labels are unique."""
    arrow = _arrow(values)
    if arrow is None:
        return pd.Index(labels).get_indexer(values).astype(np.int64, copy=False)
    known = pa.array(np.asarray(labels, dtype=object), type=arrow.type, from_pandas=True)
    return _codes(pc.index_in(arrow, value_set=known))


def _arrow(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow text behind `values`, without a copy; None when the column is not Arrow-backed text."""
    dtype = values.dtype
    text = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and pa.types.is_large_string(dtype.pyarrow_dtype)
    )
    if not text:
        return None
    found = values.array.__arrow_array__()
    return found if isinstance(found, pa.ChunkedArray) else pa.chunked_array([found])


def _codes(found: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(found, -1).to_numpy().astype(np.int64, copy=False)
