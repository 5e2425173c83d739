"""The `vigie` console script: the command group of flows.cli, with one line instead of a traceback when the
temporary Prefect server does not start in time."""

from __future__ import annotations

import sys

from flows import EPHEMERAL_STARTUP_TIMEOUT

EPHEMERAL_TIMEOUT_MESSAGE = "Timed out while attempting to connect to ephemeral Prefect API server"


def is_startup_timeout(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, is Prefect's temporary-server start-up timeout."""
    while error is not None:
        if isinstance(error, RuntimeError) and str(error).startswith(EPHEMERAL_TIMEOUT_MESSAGE):
            return True
        error = error.__cause__ or error.__context__
    return False


def startup_timeout_message() -> str:
    """The one line printed when the temporary server did not answer in time."""
    from flows.settings import ephemeral_startup_seconds

    seconds = ephemeral_startup_seconds()
    return (
        f"vigie: the temporary Prefect server did not start within {seconds} s; set {EPHEMERAL_STARTUP_TIMEOUT} "
        "higher, or start a server (`vigie serve`) and set PREFECT_API_URL"
    )


def main() -> None:
    """Run the `vigie` command; exit 1 with one line if the temporary Prefect server did not start."""
    from flows.cli import main as cli

    try:
        cli()
    except Exception as error:
        if not is_startup_timeout(error):
            raise
        sys.exit(startup_timeout_message())
