"""Progress of long work (rows read, clusters scored, messages sent), shown on a terminal only.

The flows report; nothing shows unless a command installed a sink with `on_terminal` (when standard error is a
terminal), so a worker, a pipe or `--json` output never sees a progress line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

_sink: Callable[[str], None] | None = None
CLEAR_LINE = "\r\x1b[K"


def report(text: str) -> None:
    """Say how far the work is (one short line, replaced by the next)."""
    if _sink is not None:
        _sink(text)


@contextmanager
def on_terminal(stream: TextIO | None = None) -> Iterator[None]:
    """Show the progress reported meanwhile on `stream` (standard error), when it is a terminal."""
    global _sink
    stream = stream or sys.stderr
    if not stream.isatty():
        yield
        return
    previous = _sink

    def show(text: str) -> None:
        stream.write(f"{CLEAR_LINE}{text[:100]}")
        stream.flush()

    _sink = show
    try:
        yield
    finally:
        _sink = previous
        stream.write(CLEAR_LINE)
        stream.flush()
