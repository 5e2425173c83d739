"""Streaming CSV output: one open file per table, chunks appended as pyarrow tables, header written once."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from schemas.tables import CONTRACTS, columns_of

_ARROW_TYPES = {
    "Float64": pa.float64(),
    "Int64": pa.int64(),
    "boolean": pa.bool_(),
    "datetime64[ns]": pa.date32(),
}
_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536)


def arrow_schema(table: str) -> pa.Schema:
    """The arrow schema of a table's CSV: contract column order, dates as date32, strings otherwise."""
    columns = CONTRACTS[table].to_schema().columns
    return pa.schema([(name, _ARROW_TYPES.get(str(columns[name].dtype), pa.string())) for name in columns_of(table)])


def _array(values: Any, kind: pa.DataType) -> pa.Array:
    """An arrow array of type `kind` from an arrow array, a numpy array or a list (None/NaN/NaT = null)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == kind else pc.cast(values, kind)
    if kind == pa.date32():
        values = np.asarray(values, dtype="datetime64[D]")
    return pa.array(values, type=kind, from_pandas=True)


class CsvTables:
    """Writes every table as `<out_dir>/<table>.csv` and counts rows; use as a context manager."""

    def __init__(self, out_dir: Path, tables: list[str]) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.rows: dict[str, int] = {table: 0 for table in tables}
        self._schemas = {table: arrow_schema(table) for table in tables}
        self._files = {}
        self._writers = {}
        for table in tables:
            sink = pa.OSFile(str(out_dir / f"{table}.csv"), "wb")
            sink.write((",".join(self._schemas[table].names) + "\n").encode("utf-8"))
            self._files[table] = sink
            self._writers[table] = pacsv.CSVWriter(sink, self._schemas[table], write_options=_OPTIONS)

    def write(self, table: str, columns: dict[str, Any]) -> None:
        """Append rows given as columns (every contract column, any extra one is an error)."""
        schema = self._schemas[table]
        if set(columns) != set(schema.names):
            raise ValueError(f"{table}: columns {sorted(set(columns) ^ set(schema.names))} do not match")
        arrays = [_array(columns[field.name], field.type) for field in schema]
        chunk = pa.Table.from_arrays(arrays, schema=schema)
        if chunk.num_rows:
            self._writers[table].write_table(chunk)
            self.rows[table] += chunk.num_rows

    def close(self) -> None:
        """Flush and close every file."""
        for table, writer in self._writers.items():
            writer.close()
            self._files[table].close()

    def __enter__(self) -> CsvTables:
        """The writer itself."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Close every file, even on error."""
        self.close()
