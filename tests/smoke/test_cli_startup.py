"""`vigie` starts without the heavy libraries: a command loads pandas, SQLAlchemy, Prefect or Great Expectations
only when it uses them, so `vigie submit` handing a file to the intake service answers in about a second."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "sqlalchemy", "prefect", "great_expectations", "pyarrow", "matplotlib", "weasyprint")


def test_the_command_line_loads_no_heavy_library_before_a_command_needs_it():
    probe = f"import json, sys, flows.cli; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
