"""Watch an inbox folder: each new file, once fully written, moves to inbox/processing/ and becomes a
`vigie.submission.received` event, which triggers the intake deployment (prefect.yaml). With `run_here`, the
intake flow runs in this process instead (no deployment needed). Processed files end in inbox/archive/, refused
ones in inbox/rejected/ with a reason file."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from prefect.events import emit_event

from flows.intake import ARCHIVE, PROCESSING, RECEIVED, REJECTED_DIR

PARTIAL = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp")


def waiting_files(inbox: Path) -> list[Path]:
    """Files dropped in the inbox (not hidden, not a download in progress, not an Excel lock file)."""
    if not inbox.exists():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and not p.name.lower().endswith(PARTIAL)
    )


def receive(path: Path, table: str = "", emit: Callable[..., object] = emit_event) -> Path:
    """Move a dropped file to processing/ (its own folder, its name kept) and announce it; the new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = path.parent / PROCESSING / f"{stamp}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    target = folder / path.name
    path.rename(target)
    emit(
        RECEIVED,
        resource={"prefect.resource.id": f"vigie.submission.{folder.name}", "vigie.file": path.name},
        payload={"path": str(target), "name": path.name, "table": table, "size": target.stat().st_size},
    )
    return target


class InboxWatcher:
    """Polls an inbox; a file whose size and time have not changed between two polls is complete and taken."""

    def __init__(
        self,
        inbox: Path,
        table: str = "",
        handle: Callable[[Path], object] | None = None,
        emit: Callable[..., object] = emit_event,
    ) -> None:
        self.inbox = inbox
        self.table = table
        self.handle = handle
        self.emit = emit
        self._seen: dict[Path, tuple[int, int]] = {}
        for name in (PROCESSING, ARCHIVE, REJECTED_DIR):
            (inbox / name).mkdir(parents=True, exist_ok=True)

    def poll(self) -> list[Path]:
        """One look at the inbox: take every file that has settled; return where they went (processing/...)."""
        taken = []
        current = {}
        for path in waiting_files(self.inbox):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            current[path] = (stat.st_size, stat.st_mtime_ns)
            if self._seen.get(path) == current[path]:
                target = receive(path, self.table, self.emit)
                current.pop(path)
                if self.handle is not None:
                    self.handle(target)
                taken.append(target)
        self._seen = current
        return taken

    def run(self, interval: float = 2.0, stop: threading.Event | None = None, once: bool = False) -> list[Path]:
        """Poll until `stop` is set (or, with `once`, until the files present at the start are taken)."""
        stop = stop or threading.Event()
        taken: list[Path] = []
        while not stop.is_set():
            taken += self.poll()
            if once and not waiting_files(self.inbox):
                break
            stop.wait(interval)
        return taken


def run_intake_here(table: str = "") -> Callable[[Path], object]:
    """A handler that runs the intake flow on each file in this process, filing it away afterwards."""

    def handle(path: Path) -> object:
        from flows.intake import intake

        return intake(path=str(path), table=table or None, archive=True)

    return handle
