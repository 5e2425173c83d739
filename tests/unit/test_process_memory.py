"""Every Vigie process turns transparent huge pages off in numpy and pyarrow's allocator, before they load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import flows, numpy, pyarrow as pa; pa.allocate_buffer(1); "
    "print(numpy._core.multiarray._set_madvise_hugepage(0))"  # returns the setting in force
)


def _probe(**settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MIMALLOC_ALLOW_THP", "NUMPY_MADVISE_HUGEPAGE")}
    env.update(MIMALLOC_VERBOSE="1", **settings)
    return subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, check=True)


def test_importing_flows_first_turns_huge_pages_off():
    done = _probe()
    assert "option 'allow_thp': 0" in done.stderr  # mimalloc, pyarrow's default memory pool
    assert done.stdout.strip() == "False"  # numpy's madvise(MADV_HUGEPAGE) of large arrays


def test_a_setting_in_the_environment_wins():
    done = _probe(MIMALLOC_ALLOW_THP="1", NUMPY_MADVISE_HUGEPAGE="1")
    assert "option 'allow_thp': 1" in done.stderr and done.stdout.strip() == "True"
