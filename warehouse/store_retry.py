"""Writers that meet on a store without a lock (S3): the one that records second is refused (ConcurrentCommit,
nothing of it seen) and runs its whole transaction again from the store as it now is. Delta's own commit conflict
(two writers putting the same log entry, or removing the same partition file) is said the same way."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class ConcurrentCommit(RuntimeError):
    """Another writer recorded a store version since this one read the store: nothing of this one is seen."""


RETRIES = 12
"""How many times a transaction is tried before its ConcurrentCommit is let through (a dozen writers at once)."""


def retried(attempt: Callable[[], T], tries: int = RETRIES, pause_s: float = 0.2) -> T:
    """`attempt()` (one whole store transaction: it reads the store afresh, stages and commits), run again after a
    ConcurrentCommit, with a random pause growing each time (up to about 3 s) so that writers that met do not meet
    again; the last ConcurrentCommit is raised. On a local disk the lock makes the first attempt the only one."""
    for done in range(1, tries + 1):
        try:
            return attempt()
        except ConcurrentCommit:
            if done == tries:
                raise
            time.sleep(min(pause_s * 2 ** min(done, 4), 3.0) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


@contextmanager
def conflicts_refused() -> Iterator[None]:
    """Delta's own commit conflict (another writer put the same log entry first, or changed the files this commit
    removes) said as a ConcurrentCommit, which `retried` answers by running the transaction again."""
    from deltalake.exceptions import CommitFailedError

    try:
        yield
    except CommitFailedError as error:
        raise ConcurrentCommit(f"another submission was stored at the same time ({error})") from error
