"""How stored rows are matched to new ones: by natural key (`TABLE_KEYS`) or by the stable submission id `_uuid`,
and how a plain spreadsheet's correction keeps the id its stored row had."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from schemas.tables import TABLE_KEYS


def matches(old: pa.Table, new: pa.Table, table: str) -> pa.Array:
    """Stored rows whose natural key, or `_uuid`, is among the new rows'."""
    key = list(TABLE_KEYS[table])
    hit = pc.is_in(key_text(old, key), value_set=key_text(new, key).combine_chunks())
    if "_uuid" in old.column_names and "_uuid" in new.column_names:
        uuids = pc.drop_null(new.column("_uuid")).combine_chunks().cast(pa.large_string())
        stored = old.column("_uuid").cast(pa.large_string())
        hit = pc.or_(hit, pc.fill_null(pc.is_in(stored, value_set=uuids), False))
    return pc.fill_null(hit, False)


def key_text(rows: pa.Table, key: list[str]) -> pa.ChunkedArray:
    if len(key) == 1:
        return rows.column(key[0]).cast(pa.large_string())
    return pc.binary_join_element_wise(
        *[rows.column(c).cast(pa.large_string()) for c in key], pa.scalar("\x1f", pa.large_string())
    )


def keeping_ids(new: pa.Table, old: pa.Table, table: str) -> pa.Table:
    """`new` with, for each row that carries no submission id (a plain spreadsheet's), the id of the stored row of
    the same natural key: a later Kobo or ODK edit of that submission then still finds its row."""
    if "_uuid" not in old.column_names or old.column("_uuid").null_count == old.num_rows:
        return new
    if "_uuid" in new.column_names and new.column("_uuid").null_count == 0:
        return new  # every row carries its own id
    key = list(TABLE_KEYS[table])
    position = pc.index_in(key_text(new, key), value_set=key_text(old, key).combine_chunks())
    inherited = pc.take(old.column("_uuid").cast(pa.large_string()), position)
    if "_uuid" not in new.column_names:
        return new.append_column("_uuid", inherited.cast(old.schema.field("_uuid").type))
    column = new.column("_uuid")
    at = new.column_names.index("_uuid")
    return new.set_column(at, "_uuid", pc.coalesce(column, inherited.cast(column.type)))


def conform(old: pa.Table, schema: pa.Schema) -> pa.Table:
    """Stored rows in the schema of the new ones (a column the new rows add comes out empty)."""
    columns = [
        old.column(f.name).cast(f.type) if f.name in old.column_names else pa.nulls(old.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
