"""Validate one table of a submitted file chunk by chunk: every row is accepted (typed, maybe flagged with
warnings) or quarantined as sent with every reason that applies. Rows read = accepted + quarantined, always."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.cells import read_cells, to_frame
from schemas.readers.chunks import Chunk
from schemas.readers.headers import HeaderMap
from schemas.readers.source import Part
from schemas.readers.submissions import derived_cells, stable_ids
from schemas.tables import TABLE_KEYS
from validations.columns import filled_columns
from validations.contracts import contract_problems
from validations.controls import control_problems
from validations.keys import KeyTracker, key_text
from validations.outliers import outlier_frame, outlier_problems
from validations.problems import COLUMNS, WARNINGS, combine, describe, problems_frame
from validations.references import References, date_problems, reference_problems, supplier_link
from validations.rows import as_sent, compact, plain, unique_headers, warning_texts, with_warnings, without_empty_rows
from validations.rules import Rules, load_rules

EXAMPLES_PER_PROBLEM = 3
VERDICT_COLUMNS = {"_validation_status": "_validation_status", "reviewstate": "ReviewState"}
"""Where a supervisor's verdict is (metadata name -> the column as exported); the words are in rules.yaml."""


@dataclass
class PartOutcome:
    """What became of one table of a file: accepted rows (typed arrow, with `_row_number`, `_warnings` and, for
    Kobo/ODK exports, `_uuid`: the stable submission id), quarantined rows as sent, counts of each problem; its
    header map and the required columns with a cell filled (None before any row is read)."""

    table: str
    name: str
    header_rows: int
    rows_read: int = 0
    accepted: list[pa.Table] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict]] = field(default_factory=dict)
    rows_warned: int = 0
    mapping: HeaderMap | None = None
    filled: set[str] | None = None

    @property
    def rows_accepted(self) -> int:
        """Rows kept."""
        return sum(t.num_rows for t in self.accepted)

    @property
    def rows_quarantined(self) -> int:
        """Rows refused."""
        return len(self.quarantined)


@dataclass(frozen=True)
class Prepared:
    """One chunk after the checks that need no other chunk (see PartValidator.prepare): its cells as sent, row
    numbers, typed rows, problems so far, rows as they will be kept and required columns with a cell filled."""

    chunk: Chunk
    cells: pa.Table
    numbers: np.ndarray
    typed: pd.DataFrame | None = None
    problems: pd.DataFrame | None = None
    rows: pa.Table | None = None
    filled: frozenset[str] = frozenset()


class PartValidator:
    """Feeds the chunks of one part (a CSV file or a sheet) through every row check, in file order."""

    def __init__(self, part: Part, refs: References, today: date, rules: Rules | None = None) -> None:
        self.part = part
        self.refs = refs
        self.today = today
        self.rules = rules or load_rules()
        self.table = part.table
        self.keys = KeyTracker(list(TABLE_KEYS[self.table]))
        self.uuids = KeyTracker(["_uuid"]) if part.mapping.has_submission_ids else None
        self.verdict_words = self.rules.verdicts(*part.mapping.verdicts)  # the form's, else rules.yaml's
        self.outcome = PartOutcome(self.table, part.name, part.header_rows, mapping=part.mapping)

    def feed(self, chunk: Chunk) -> None:
        """Check one chunk; its accepted rows and quarantined rows join the outcome."""
        self.absorb(self.prepare(chunk))

    def prepare(self, chunk: Chunk) -> Prepared:
        """Every check that needs no other chunk: types, contract, references, dates, Kobo verdicts. Safe to run
        for several chunks at once in threads; `absorb` then takes them in file order."""
        cells, numbers = without_empty_rows(chunk)
        if not cells.num_rows:
            return Prepared(chunk, cells, numbers)
        mapping = self.part.mapping
        meta = {name: cells.column(f"c{pos}").combine_chunks() for name, pos in mapping.meta.items()}
        ids = stable_ids(meta)  # kept as `_uuid`: the same submission replaces its earlier row
        canonical = pa.table({name: cells.column(f"c{pos}") for name, pos in mapping.columns.items()}
                             | derived_cells(mapping.derived, ids, meta))  # fmt: skip
        typed_arrow, parsed = read_cells(self.table, canonical)
        typed = to_frame(typed_arrow)
        found = [parsed.assign(detail=None)[COLUMNS] if len(parsed) else None]
        for column, shown in VERDICT_COLUMNS.items():
            if column in meta:
                found.extend(self._verdicts(meta[column], shown))
        found.append(control_problems(self.table, typed_arrow, self.rules))
        found.append(reference_problems(self.table, typed_arrow, self.refs, self.rules))
        found.append(date_problems(self.table, typed, self.refs, self.rules, self.today))
        problems = combine(found)
        problems = as_sent(combine([problems, contract_problems(self.table, typed, problems)]), canonical)
        filled = frozenset(filled_columns(self.table, canonical, typed_arrow))
        return Prepared(chunk, cells, numbers, typed, problems, self._rows(typed_arrow, numbers, ids), filled)

    def _rows(self, typed: pa.Table, numbers: np.ndarray, ids: pa.Array | None) -> pa.Table:
        """The chunk's typed rows as they will be kept (row numbers, Kobo uuid, the supplier's link for the outlier
        groups; low-cardinality text dictionary-encoded), before any is refused and before warnings are known."""
        rows = typed.append_column("_row_number", pa.array(numbers, pa.int32()))
        if ids is not None:
            rows = rows.append_column("_uuid", ids)
        if self.table == "deliveries":
            rows = rows.append_column("supplier_link", supplier_link(typed, self.refs))
        return compact(rows, self.table)

    def _verdicts(self, cells: pa.Array, column: str) -> list[pd.DataFrame]:
        """Rows a supervisor rejected (quarantined) or put on hold / flagged with issues (warned), by the words of
        the file's form mapping, else of rules.yaml."""
        said = pc.utf8_trim_whitespace(cells)
        verdict = pc.utf8_lower(said)
        found = []
        for code, words in zip(("supervisor_rejected", "supervisor_flagged"), self.verdict_words, strict=True):
            hit = pc.fill_null(pc.is_in(verdict, value_set=pa.array(sorted(words), pa.string())), False)
            rows = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
            if len(rows):
                found.append(problems_frame(rows, column, code, said.take(pa.array(rows)).to_pylist()))
        return found

    def absorb(self, prepared: Prepared) -> None:
        """Take a prepared chunk in file order: repeated keys (which need the chunks before), then accepted rows
        to the outcome and refused rows to quarantine."""
        chunk = prepared.chunk
        self.outcome.rows_read += prepared.cells.num_rows + len(chunk.malformed)
        for row in chunk.malformed:
            problem = {"code": "malformed", "column": None, "value": row.cells, "detail": row.expected}
            self._quarantine(row.row_number, {"(row as sent)": row.text}, [problem], None)
        if not prepared.cells.num_rows:
            return
        self.outcome.filled = (self.outcome.filled or set()) | prepared.filled
        found = [prepared.problems]
        rows, firsts = self.keys.repeats(prepared.rows, prepared.numbers)
        if len(rows):
            found.append(problems_frame(rows, None, "duplicate_key", firsts.tolist(), ", ".join(self.keys.columns)))
        if self.uuids is not None:
            rows, firsts = self.uuids.repeats(prepared.rows, prepared.numbers)
            if len(rows):
                found.append(problems_frame(rows, "_uuid", "duplicate_uuid", firsts.tolist()))
        self._split(prepared, combine(found))

    def _split(self, prepared: Prepared, problems: pd.DataFrame) -> None:
        """Quarantine the rows with a blocking problem; keep the others, with their warnings."""
        cells, typed, numbers = prepared.cells, prepared.typed, prepared.numbers
        severe = problems[~problems["code"].isin(WARNINGS)]
        bad = np.zeros(len(typed), dtype=bool)
        bad[severe["row"].to_numpy(dtype=np.int64)] = True
        self._count(problems, numbers)
        if bad.any():
            rows = np.flatnonzero(bad)
            sent = cells.take(pa.array(rows)).to_pylist()
            by_row = {row: group for row, group in severe.groupby("row", sort=False)}
            key = key_text(typed.iloc[rows], TABLE_KEYS[self.table]).tolist()
            headers = unique_headers(self.part.mapping.headers)
            for i, row in enumerate(rows.tolist()):
                record = {headers[pos]: sent[i].get(f"c{pos}") for pos in range(len(headers))}
                self._quarantine(int(numbers[row]), record, by_row[row].to_dict("records"), key[i])
        keep = pa.array(~bad) if bad.any() else None
        accepted = prepared.rows.filter(keep) if keep is not None else prepared.rows
        warnings = warning_texts(problems, bad, len(typed))
        after = accepted.column_names.index("_row_number") + 1
        accepted = accepted.add_column(after, "_warnings", warnings.filter(keep) if keep is not None else warnings)
        self.outcome.accepted.append(accepted)

    def _quarantine(self, number: int, cells: dict, problems: list[dict], key: str | None) -> None:
        reasons = list(dict.fromkeys(describe(p["code"], p["column"], p["value"], p["detail"]) for p in problems))
        self.outcome.quarantined.append(
            {
                "row_number": number,
                "line_number": number + self.part.header_rows,
                "reasons": "; ".join(reasons),
                "problems": [{k: plain(p[k]) for k in ("code", "column", "value", "detail")} for p in problems],
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
            examples.append({"row_number": number, **{k: plain(problem.get(k)) for k in ("column", "value", "detail")}})

    def finish(self, history: pd.DataFrame | None = None) -> PartOutcome:
        """Judge outliers over every accepted row (with `history`, rows already stored for the same groups) and
        return the outcome; `supplier_link` is dropped, it only served the grouping."""
        outcome = self.outcome
        table = pa.concat_tables(outcome.accepted) if outcome.accepted else None
        rule = self.rules.outliers.get(self.table)
        if table is not None and table.num_rows and rule is not None:
            table = self._flag_outliers(table, rule, history)
        if table is not None:
            table = table.drop_columns([c for c in ("supplier_link",) if c in table.column_names])
            outcome.rows_warned = table.num_rows - table.column("_warnings").null_count
            outcome.accepted = [table]
        return outcome

    def _flag_outliers(self, table: pa.Table, rule, history: pd.DataFrame | None) -> pa.Table:
        """`table` with the outlier warnings added, its rows judged together with `history` (a correction, a late
        file: rows already stored join the groups)."""
        rows, judged = outlier_frame(table, rule), None
        if history is not None and len(history):
            if "supplier_link" in rule.group_by and "supplier_link" not in history.columns:
                history = history.assign(supplier_link=supplier_link(history, self.refs).to_pandas().to_numpy())
            rows = pl.concat([rows, outlier_frame(history, rule)])
            judged = np.arange(rows.height) < table.num_rows
        flags = outlier_problems(rows, rule, self.rules.threshold, self.rules.min_group_rows,
                                 self.rules.min_relative_deviation, judged)  # fmt: skip
        if flags.empty:
            return table
        self._count(flags, table.column("_row_number").to_numpy())
        merged = with_warnings(table.column("_warnings"), flags)
        return table.set_column(table.column_names.index("_warnings"), "_warnings", merged)
