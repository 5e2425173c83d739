"""The file's fingerprint, taken beside the reading: a file already taken in changes nothing, and the ledger learns
of a new submission as soon as its hash is known (always before anything is stored)."""

from __future__ import annotations

import importlib
import sys
import threading
import time
from pathlib import Path

import blake3
from sqlalchemy import Engine

from warehouse import ledger


def file_hash(path: str | Path) -> str:
    """BLAKE3 of the file's bytes (256 bits, in hex): the same file sent twice is recognised by it. BLAKE3 rather
    than SHA-256: as safe against forged collisions, and a national file (1.4 GB) takes 0.4 s of one core instead of
    1 s, while the checks beside it need both cores. The file is read through a memory map (no copies)."""
    digest = blake3.blake3()
    if Path(path).stat().st_size:
        digest.update_mmap(str(path))
    return digest.hexdigest()


class AlreadyProcessed(Exception):
    """The same bytes were already taken in (with the same --table)."""

    def __init__(self, previous: dict) -> None:
        super().__init__(previous["submission_id"])
        self.previous = previous


class AlreadyInProgress(AlreadyProcessed):
    """The same bytes (with the same --table) are being taken in by another submission at this moment: nothing
    is done (`previous` is that submission's ledger row)."""


class Gate:
    """Hashes the file in a background thread; once the hash is known, refuses a file already processed or being
    processed, or records the submission in the ledger (its claim on the bytes: warehouse/ledger.py `claim`)."""

    def __init__(
        self,
        path: Path,
        table_hint: str,
        engine: Engine,
        submission_id: str,
        flow_run_id: str | None,
        stale_after_s: float = 3600.0,
    ):
        self.path, self.table_hint, self.engine = path, table_hint, engine
        self.submission_id, self.flow_run_id, self.stale_after_s = submission_id, flow_run_id, stale_after_s
        self.recorded = False
        self.seconds = 0.0
        self._result: dict = {}
        self._thread = threading.Thread(target=self._hash, name="intake-hash", daemon=True)
        self._thread.start()

    def _hash(self) -> None:
        started = time.perf_counter()
        try:
            self._result["digest"] = file_hash(self.path)
        except BaseException as error:  # raised in the caller's thread by check()
            self._result["error"] = error
        self.seconds = round(time.perf_counter() - started, 3)

    @property
    def digest(self) -> str:
        """The file's hash (known once `check` has recorded the submission)."""
        return self._result["digest"]

    def check(self, wait: bool = False) -> None:
        """Once the hash is known (waiting for it with `wait`): stop a repeat, or record the submission."""
        if self.recorded or (not wait and self._thread.is_alive()):
            return
        self._thread.join()
        if "error" in self._result:
            raise self._result["error"]
        digest = self._result["digest"]
        try:
            ledger.claim(
                self.engine,
                self.stale_after_s,
                submission_id=self.submission_id,
                file_name=self.path.name[:300],
                file_path=str(self.path),
                file_hash=digest,
                file_size=self.path.stat().st_size,
                table_hint=self.table_hint,
                flow_run_id=self.flow_run_id,
            )
        except ledger.Taken as taken:
            raise (AlreadyInProgress if taken.in_flight else AlreadyProcessed)(taken.row) from None
        self.recorded = True


def warm_up_expectations() -> None:
    """Import Great Expectations in the background (it takes seconds) while the file is read."""
    if "great_expectations" not in sys.modules:
        threading.Thread(target=importlib.import_module, args=("great_expectations",), daemon=True).start()
