"""The dependency rule: the domain core and report rendering import no orchestration, database or mail API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("prefect", "sqlalchemy", "sendgrid", "alembic", "flows", "warehouse")
PURE = [
    *sorted((ROOT / "indicators").rglob("*.py")),
    *sorted((ROOT / "schemas").rglob("*.py")),
    *sorted((ROOT / "synthetic").rglob("*.py")),
    *(
        ROOT / "reports" / name
        for name in ("context.py", "render.py", "formatting.py", "message.py", "i18n.py", "formulas.py")
    ),
    *(
        ROOT / "reports" / name
        for name in (
            "context_panels.py",
            "alert_context.py",
            "officer_context.py",
            "charts.py",
            "chart_data.py",
            "chart_layouts.py",
            "pdf.py",
            "budget.py",
            "site.py",
            "recipients.py",
            "people_context.py",
            "programme_context.py",
            "spreadsheet.py",
        )
    ),  # fmt: skip
]


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_pure_modules_exist():
    assert len(PURE) > 10 and all(path.exists() for path in PURE)


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_imports_nothing_forbidden(path):
    assert not imported_roots(path) & set(FORBIDDEN), f"{path.name} imports {imported_roots(path) & set(FORBIDDEN)}"
