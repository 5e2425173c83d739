"""Operator entry points: Prefect flows (wiring only), the command line and settings."""

import os

# Transparent huge pages off for the allocators of numpy and pyarrow (mimalloc), unless the environment says
# otherwise. On the virtual machines Vigie runs on, a fresh 2 MB page costs 1.2 to 2 s per GB to fault in (the
# host backs it cold) against 0.4 s per GB for ordinary pages: a national intake spent 3 s more in the kernel with
# them (benchmarks/intake_bench.py). Both are read when the library loads, so this must run before pyarrow and
# numpy are imported; every entry point (the CLI, the flows of prefect.yaml) imports this package first.
os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

# The temporary Prefect server a flow starts without PREFECT_API_URL gets 20 s by default, which a busy 2-core
# machine often misses; Vigie waits longer unless the environment says otherwise (read when Prefect loads).
EPHEMERAL_STARTUP_TIMEOUT = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
os.environ.setdefault(EPHEMERAL_STARTUP_TIMEOUT, "120")


def _drop_unresolved_placeholders() -> None:
    """A deployment made by `prefect deploy` with a declared variable unset carries the literal `{{ $NAME }}`
    (prefect.yaml, worker_env): that variable is unset, so Vigie's default applies."""
    for name, value in list(os.environ.items()):
        if name.startswith("VIGIE_") and value.replace(" ", "") == "{{$" + name + "}}":
            del os.environ[name]


_drop_unresolved_placeholders()
