"""Arrow buffers as numpy views, for the key hashes of validations/keys.py (the last user; it goes next)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def cell_buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Where each cell's bytes start and end (int64, one more than cells), and the bytes (string or large string)."""
    kind = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(text.buffers()[1], dtype=kind)[text.offset : text.offset + len(text) + 1]
    data = text.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return offsets.astype(np.int64, copy=False), data  # a large string's offsets are used as they are, not copied
