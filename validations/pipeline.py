"""Validate one table of a submitted file chunk by chunk: every row is accepted (typed, maybe flagged with
warnings) or quarantined as sent with every reason that applies. Rows read = accepted + quarantined, always."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.cells import read_cells, to_frame
from schemas.readers.chunks import TEXT, Chunk
from schemas.readers.source import Part
from schemas.tables import TABLE_KEYS
from validations.contracts import contract_problems
from validations.keys import KeyTracker, key_text
from validations.outliers import outlier_problems
from validations.problems import COLUMNS, WARNINGS, combine, describe, problems_frame
from validations.references import References, date_problems, reference_problems, supplier_link
from validations.rules import Rules, load_rules

EXAMPLES_PER_PROBLEM = 3
NOT_APPROVED = "validation_status_not_approved"


@dataclass
class PartOutcome:
    """What became of one table of a file: accepted rows (typed arrow, with `_row_number`, `_warnings` and, for
    Kobo exports, `_uuid`), quarantined rows as sent, and counts of each problem."""

    table: str
    name: str
    header_rows: int
    rows_read: int = 0
    accepted: list[pa.Table] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict]] = field(default_factory=dict)
    rows_warned: int = 0

    @property
    def rows_accepted(self) -> int:
        """Rows kept."""
        return sum(t.num_rows for t in self.accepted)

    @property
    def rows_quarantined(self) -> int:
        """Rows refused."""
        return len(self.quarantined)


class PartValidator:
    """Feeds the chunks of one part (a CSV file or a sheet) through every row check, in file order."""

    def __init__(self, part: Part, refs: References, today: date, rules: Rules | None = None) -> None:
        self.part = part
        self.refs = refs
        self.today = today
        self.rules = rules or load_rules()
        self.table = part.table
        self.keys = KeyTracker(list(TABLE_KEYS[self.table]))
        self.uuids = KeyTracker(["_uuid"]) if "_uuid" in part.mapping.meta else None
        self.outcome = PartOutcome(self.table, part.name, part.header_rows)

    def feed(self, chunk: Chunk) -> None:
        """Check one chunk; its accepted rows and quarantined rows join the outcome."""
        cells, numbers = _without_empty_rows(chunk)
        self.outcome.rows_read += cells.num_rows + len(chunk.malformed)
        for row in chunk.malformed:
            problem = {"code": "malformed", "column": None, "value": row.cells, "detail": row.expected}
            self._quarantine(row.row_number, {"(row as sent)": row.text}, [problem], None)
        if not cells.num_rows:
            return
        mapping = self.part.mapping
        canonical = pa.table({name: cells.column(f"c{pos}") for name, pos in mapping.columns.items()})
        typed_arrow, parsed = read_cells(self.table, canonical)
        typed = to_frame(typed_arrow)
        meta = {name: cells.column(f"c{pos}").combine_chunks() for name, pos in mapping.meta.items()}
        problems = combine(
            [
                parsed.assign(detail=None)[COLUMNS] if len(parsed) else None,
                *self._row_checks(typed_arrow, typed, numbers, meta),
            ]
        )
        problems = combine([problems, contract_problems(self.table, typed, problems)])
        problems = _as_sent(problems, canonical)
        self._split(cells, typed_arrow, typed, numbers, problems, meta)

    def _row_checks(self, typed_arrow, typed: pd.DataFrame, numbers: np.ndarray, meta: dict) -> list[pd.DataFrame]:
        """Problems beyond the contract: repeated keys, Kobo verdicts, references, dates."""
        found = []
        rows, firsts = self.keys.repeats(typed_arrow, numbers)
        if len(rows):
            found.append(problems_frame(rows, None, "duplicate_key", firsts.tolist(), ", ".join(self.keys.columns)))
        if self.uuids is not None:
            uuid = pc.utf8_trim_whitespace(meta["_uuid"])
            uuid = pc.if_else(pc.equal(uuid, ""), pa.scalar(None, TEXT), uuid)
            rows, firsts = self.uuids.repeats(pa.table({"_uuid": uuid}), numbers)
            if len(rows):
                found.append(problems_frame(rows, "_uuid", "duplicate_uuid", firsts.tolist()))
        if "_validation_status" in meta:
            status = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(meta["_validation_status"]), NOT_APPROVED), False)
            rows = np.flatnonzero(status.to_numpy(zero_copy_only=False))
            if len(rows):
                found.append(problems_frame(rows, "_validation_status", "kobo_not_approved", NOT_APPROVED))
        self._positions: dict = {}
        found.append(reference_problems(self.table, typed_arrow, self.refs, self.rules, self._positions))
        found.append(date_problems(self.table, typed, self.refs, self.rules, self.today))
        return found

    def _split(self, cells, typed_arrow, typed, numbers, problems, meta) -> None:
        """Quarantine the rows with a blocking problem; keep the others, with their warnings."""
        severe = problems[~problems["code"].isin(WARNINGS)]
        bad = np.zeros(len(typed), dtype=bool)
        bad[severe["row"].to_numpy(dtype=np.int64)] = True
        self._count(problems, numbers)
        if bad.any():
            rows = np.flatnonzero(bad)
            sent = cells.take(pa.array(rows)).to_pylist()
            by_row = {row: group for row, group in severe.groupby("row", sort=False)}
            key = key_text(typed.iloc[rows], TABLE_KEYS[self.table]).tolist()
            headers = _unique_headers(self.part.mapping.headers)
            for i, row in enumerate(rows.tolist()):
                record = {headers[pos]: sent[i].get(f"c{pos}") for pos in range(len(headers))}
                self._quarantine(int(numbers[row]), record, by_row[row].to_dict("records"), key[i])
        keep = pa.array(~bad) if bad.any() else None
        accepted = typed_arrow.filter(keep) if keep is not None else typed_arrow
        extra = {
            "_row_number": pa.array(numbers),
            "_warnings": _warning_texts(problems, bad, len(typed)),
        }
        if "_uuid" in meta:
            extra["_uuid"] = pc.utf8_trim_whitespace(meta["_uuid"])
        if self.table == "deliveries":
            extra["supplier_link"] = supplier_link(typed_arrow, self.refs, self._positions.get("supplier_actor_id"))
        for name, values in extra.items():
            accepted = accepted.append_column(name, values.filter(keep) if keep is not None else values)
        accepted = _compact(accepted)
        self.outcome.accepted.append(accepted)

    def _quarantine(self, number: int, cells: dict, problems: list[dict], key: str | None) -> None:
        reasons = list(dict.fromkeys(describe(p["code"], p["column"], p["value"], p["detail"]) for p in problems))
        self.outcome.quarantined.append(
            {
                "row_number": number,
                "line_number": number + self.part.header_rows,
                "reasons": "; ".join(reasons),
                "problems": [{k: _plain(p[k]) for k in ("code", "column", "value", "detail")} for p in problems],
                "cells": cells,
                "row_key": key,
            }
        )
        if not problems or problems[0]["code"] == "malformed":
            self._example("malformed", number, problems[0] if problems else {})

    def _count(self, problems: pd.DataFrame, numbers: np.ndarray) -> None:
        if problems.empty:
            return
        for code, group in problems.groupby("code", sort=False):
            self.outcome.counts[code] += int(group["row"].nunique())
            for record in group.drop_duplicates("row").head(EXAMPLES_PER_PROBLEM).to_dict("records"):
                self._example(code, int(numbers[record["row"]]), record)

    def _example(self, code: str, number: int, problem: dict) -> None:
        if code == "malformed":
            self.outcome.counts[code] += 1
        examples = self.outcome.examples.setdefault(code, [])
        if len(examples) < EXAMPLES_PER_PROBLEM:
            examples.append(
                {"row_number": number, **{k: _plain(problem.get(k)) for k in ("column", "value", "detail")}}
            )

    def finish(self, history: pd.DataFrame | None = None) -> PartOutcome:
        """Judge outliers over every accepted row (with `history`, rows already stored for the same groups) and
        return the outcome; `supplier_link` is dropped, it only served the grouping."""
        outcome = self.outcome
        table = pa.concat_tables(outcome.accepted) if outcome.accepted else None
        rule = self.rules.outliers.get(self.table)
        if table is not None and table.num_rows and rule is not None:
            table = self._flag_outliers(table, rule, history)
        if table is not None:
            if "supplier_link" in table.column_names:
                table = table.drop_columns(["supplier_link"])
            outcome.rows_warned = table.num_rows - table.column("_warnings").null_count
            outcome.accepted = [table]
        return outcome

    def _flag_outliers(self, table: pa.Table, rule, history: pd.DataFrame | None) -> pa.Table:
        columns = [c for c in (*rule.group_by, *rule.columns) if c in table.column_names]
        frame = _numpy_frame(table.select(columns))
        judged = np.ones(table.num_rows, dtype=bool)
        if history is not None and len(history):
            if "supplier_link" in rule.group_by and "supplier_link" not in history.columns:
                links = supplier_link(history, self.refs).to_pandas().astype("str")
                history = history.assign(supplier_link=links.to_numpy())
            frame = pd.concat([frame, history[columns].astype({c: frame[c].dtype for c in columns})], ignore_index=True)
            judged = np.concatenate([judged, np.zeros(len(history), dtype=bool)])
        flags = outlier_problems(
            frame, rule, self.rules.threshold, self.rules.min_group_rows, self.rules.min_relative_deviation, judged
        )
        if flags.empty:
            return table
        numbers = table.column("_row_number").to_numpy()
        self._count(flags, numbers)
        texts = _warning_texts(flags, np.zeros(table.num_rows, dtype=bool), table.num_rows)
        current = table.column("_warnings").combine_chunks()
        merged = pc.coalesce(pc.binary_join_element_wise(current, texts, pa.scalar("; ", TEXT)), current, texts)
        return table.set_column(table.column_names.index("_warnings"), "_warnings", merged)


def _numpy_frame(rows: pa.Table) -> pd.DataFrame:
    """Grouping columns as category codes and values as floats: what the outlier rule needs, cheaply."""
    columns = {}
    for name in rows.column_names:
        column = rows.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(TEXT)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            encoded = pc.dictionary_encode(column.combine_chunks())
            columns[name] = pd.Categorical.from_codes(
                pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()
            )
        else:
            columns[name] = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    return pd.DataFrame(columns)


LOW_CARDINALITY = ("campaign", "cluster_id", "product", "supplier_link", "link", "kind", "market_kind",
                   "counterparty_kind", "resource_kind", "service_kind", "actor_type", "unit")  # fmt: skip
"""Columns with few distinct values: kept dictionary-encoded while a file's rows wait to be stored."""


def _compact(rows: pa.Table) -> pa.Table:
    """The rows with their low-cardinality text columns dictionary-encoded (a national file's accepted rows take
    a quarter less memory; the store writes them back as plain text)."""
    for name in LOW_CARDINALITY:
        if name in rows.column_names and not pa.types.is_dictionary(rows.schema.field(name).type):
            rows = rows.set_column(rows.column_names.index(name), name, pc.dictionary_encode(rows.column(name)))
    return rows


def _without_empty_rows(chunk: Chunk) -> tuple[pa.Table, np.ndarray]:
    """The chunk without rows whose every cell is empty (spreadsheets leave such rows behind)."""
    cells = chunk.cells
    if not cells.num_rows or not cells.num_columns:
        return cells, chunk.row_numbers
    empty = None
    for column in cells.columns:
        blank = pc.or_kleene(pc.is_null(column), pc.equal(pc.utf8_trim_whitespace(column), ""))
        blank = pc.fill_null(blank, True)
        empty = blank if empty is None else pc.and_(empty, blank)
        if not pc.any(empty).as_py():
            return cells, chunk.row_numbers
    keep = pc.invert(empty)
    return cells.filter(keep), chunk.row_numbers[keep.to_numpy(zero_copy_only=False)]


def _as_sent(problems: pd.DataFrame, canonical: pa.Table) -> pd.DataFrame:
    """Problems whose value is the cell as the sender wrote it."""
    if problems.empty:
        return problems
    out = problems.copy()
    for column in out["column"].dropna().unique():
        if column not in canonical.column_names:
            continue
        here = (out["column"] == column).to_numpy()
        rows = out.loc[here, "row"].to_numpy(dtype=np.int64)
        out.loc[here, "value"] = canonical.column(column).take(pa.array(rows)).to_pylist()
    return out


def _warning_texts(problems: pd.DataFrame, bad: np.ndarray, rows: int) -> pa.Array:
    """For each row, its warnings in words (None without any); rows in `bad` get none, they are quarantined."""
    texts = np.full(rows, None, dtype=object)
    warnings = problems[problems["code"].isin(WARNINGS)]
    if warnings.empty:
        return pa.array(texts, type=TEXT)
    said = [describe(*p) for p in warnings[["code", "column", "value", "detail"]].itertuples(index=False, name=None)]
    joined = pd.Series(said, index=warnings["row"].to_numpy()).groupby(level=0, sort=False).agg("; ".join)
    keep = ~bad[joined.index.to_numpy()]
    texts[joined.index.to_numpy()[keep]] = joined.to_numpy()[keep]
    return pa.array(texts, type=TEXT)


def _unique_headers(headers: list[str]) -> list[str]:
    """Column titles made unique (`notes`, `notes (2)`), so a row can be kept as a mapping."""
    seen: Counter = Counter()
    unique = []
    for header in headers:
        seen[header] += 1
        unique.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return unique


def _plain(value: object) -> object:
    """JSON-friendly scalars."""
    if value is None or isinstance(value, str | bool | int | float):
        return None if isinstance(value, float) and value != value else value
    if hasattr(value, "item"):
        return value.item()
    try:
        return None if pd.isna(value) else str(value)
    except (TypeError, ValueError):
        return str(value)
