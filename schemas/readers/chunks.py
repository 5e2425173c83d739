"""The unit intake works on: a slice of a file's rows, every cell as sent (text), with its row numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

TEXT = pa.large_string()
"""The arrow type of every cell as read (large strings convert to pandas without a copy)."""


@dataclass(frozen=True)
class Malformed:
    """A row that cannot be split into the file's columns (a separator inside a value, a cell too many)."""

    row_number: int
    text: str
    cells: int
    expected: int


@dataclass(frozen=True)
class Chunk:
    """Rows as sent: `cells` has one text column per file column (c0, c1, ...), `row_numbers` counts data rows
    from 1 (the row below the column names, or below the HXL row), blank rows not counted."""

    cells: pa.Table
    row_numbers: np.ndarray
    malformed: list[Malformed] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Rows of this chunk, well formed or not."""
        return self.cells.num_rows + len(self.malformed)


def positional_names(width: int) -> list[str]:
    """Column names of a chunk's cells: c0, c1, ..."""
    return [f"c{i}" for i in range(width)]


def text_table(rows: list[list[object]], width: int) -> pa.Table:
    """A table of text cells from Python rows (None stays missing)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    arrays = [pa.array(list(column), type=TEXT) for column in columns]
    return pa.Table.from_arrays(arrays, names=positional_names(width))
