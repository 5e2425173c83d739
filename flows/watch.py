"""Watch an inbox folder: each new file, once fully written, moves to inbox/processing/ and becomes a
`vigie.submission.received` event, which triggers the intake deployment (prefect.yaml). With `run_here`, the
intake flow runs in this process instead (no deployment needed). Processed files end in inbox/archive/, refused
ones in inbox/rejected/ with a reason file. A symlink, a fifo or a device dropped in the inbox is never opened: it
goes to rejected/ as it is. A file whose intake fails goes to rejected/ with the error, and the watch goes on."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from prefect.events import emit_event

from flows.inbox import ARCHIVE, PROCESSING, REJECTED_DIR, move_inside, refusal
from flows.intake import RECEIVED

PARTIAL = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp")
logger = logging.getLogger(__name__)


def waiting_files(inbox: Path) -> list[Path]:
    """Regular files dropped in the inbox (not hidden, not a download in progress, not an Excel lock file)."""
    return [p for p in _dropped(inbox) if not p.is_symlink() and p.is_file()]


def odd_entries(inbox: Path) -> list[Path]:
    """What was dropped in the inbox that is no regular file: symlinks, fifos, devices, sockets (never opened)."""
    return [p for p in _dropped(inbox) if p.is_symlink() or not (p.is_file() or p.is_dir())]


def _dropped(inbox: Path) -> list[Path]:
    if not inbox.exists():
        return []
    return sorted(
        p for p in inbox.iterdir() if not p.name.startswith((".", "~$")) and not p.name.lower().endswith(PARTIAL)
    )


def receive(path: Path, table: str = "", emit: Callable[..., object] = emit_event, trigger: bool = True) -> Path:
    """Move a dropped file to processing/ (its own folder, its name kept) and announce it; the new path. Without
    `trigger`, the event names the file as `vigie.inbox.*`, which the intake deployment's trigger does not match
    (the watcher starts the run itself, on this worker's own queue)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = path.parent / PROCESSING / f"{stamp}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    target = folder / path.name
    path.rename(target)
    emit(
        RECEIVED,
        resource={
            "prefect.resource.id": f"vigie.{'submission' if trigger else 'inbox'}.{folder.name}",
            "vigie.file": path.name,
        },  # fmt: skip
        payload={"path": str(target), "name": path.name, "table": table, "size": target.stat().st_size},
    )
    return target


class InboxWatcher:
    """Polls an inbox; a file whose size and time have not changed between two polls is complete and taken, then
    announced (`trigger`: to the intake deployment's trigger) and handed to `handle` when one is given."""

    def __init__(
        self,
        inbox: Path,
        table: str = "",
        handle: Callable[[Path], object] | None = None,
        emit: Callable[..., object] = emit_event,
        trigger: bool = True,
    ) -> None:
        self.inbox = inbox
        self.table = table
        self.handle = handle
        self.emit = emit
        self.trigger = trigger
        self._seen: dict[Path, tuple[int, int]] = {}
        for name in (PROCESSING, ARCHIVE, REJECTED_DIR):
            (inbox / name).mkdir(parents=True, exist_ok=True)

    def poll(self) -> list[Path]:
        """One look at the inbox: take every file that has settled; return where they went (processing/...). An
        entry that is no regular file is refused as it is; a file whose intake fails is refused with the error."""
        for entry in odd_entries(self.inbox):
            move_inside(entry, self.inbox, REJECTED_DIR, f"{refusal(entry, follow=False)}\n")
            logger.warning("%s refused: not a regular file", entry.name)
        taken = []
        current = {}
        for path in waiting_files(self.inbox):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            current[path] = (stat.st_size, stat.st_mtime_ns)
            if self._seen.get(path) == current[path]:
                current.pop(path)
                taken.append(self._take(path))
        self._seen = current
        return [target for target in taken if target is not None]

    def _take(self, path: Path) -> Path | None:
        """Move a settled file to processing/, announce it and handle it; where it went (None if it vanished)."""
        target = None
        try:
            target = receive(path, self.table, self.emit, self.trigger)
            if self.handle is not None:
                self.handle(target)
        except Exception as error:  # one file's failure never stops the watch: the next files still get in
            logger.warning("%r: intake failed: %s: %s", path.name, type(error).__name__, error)
            left = target if target is not None else path
            if left.exists() or left.is_symlink():
                note = f"{path.name} : la prise en charge a échoué ({type(error).__name__} : {error})\n"
                move_inside(left, self.inbox, REJECTED_DIR, note)
        return target

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


def run_intake_here(table: str = "", inbox: Path | None = None) -> Callable[[Path], object]:
    """A handler that runs the intake flow on each file the watcher took, filing it away afterwards inside `inbox`
    (default: the watcher's, which holds the file in processing/<folder>/)."""

    def handle(path: Path) -> object:
        from flows.intake import intake

        return intake(path=str(path), table=table or None, archive=True, inbox=str(inbox or path.parents[2]))

    return handle


def run_on_queue(queue: str, table: str = "") -> Callable[[Path], object]:
    """A handler that starts the intake deployment's run of each file the watcher took on the work queue `queue`
    (VIGIE_INTAKE_QUEUE, this worker's own), without waiting for it: the file is in this worker's inbox, so no
    other worker of the pool may take the run."""

    def handle(path: Path) -> object:
        from prefect.deployments import run_deployment

        parameters = {"path": str(path), "table": table, "archive": True}
        return run_deployment(INTAKE_DEPLOYMENT, parameters=parameters, work_queue_name=queue, timeout=0,
                              as_subflow=False)  # fmt: skip

    return handle


INTAKE_DEPLOYMENT = "intake/intake"
