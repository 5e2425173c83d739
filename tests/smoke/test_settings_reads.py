"""Settings are made once per run and handed down: no module but flows/settings.py reads the environment, and
`load_settings()` is called only where a run starts (a command, a flow, a service)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("connectors", "flows", "indicators", "reports", "schemas", "synthetic", "validations", "warehouse")
SETTINGS_MODULES = {"flows/settings.py", "flows/settings_values.py"}
SETDEFAULT_ONLY = {
    "flows/cli.py": "PREFECT_SERVER_ANALYTICS_ENABLED: no telemetry from officers' machines",
    "flows/cli_errors.py": "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL before Prefect is imported (`quiet_prefect`)",
    "validations/expectations.py": "GX_ANALYTICS_ENABLED before Great Expectations is imported",
}
"""Modules that may only give a third-party library its default (`os.environ.setdefault`), never read a value."""
TOUCH_ENVIRONMENT = {
    "flows/__init__.py": "allocator and Prefect start-up defaults, unset placeholders dropped, before any import",
    "flows/serve.py": "the environment handed to the server, the deploy step, the worker and the service it starts",
}
"""Modules that work on the process environment itself, for the processes and libraries that read it."""
ENTRY_HELPERS = {
    ("flows/cli.py", "_settings"): "each `vigie` command's own settings",
    ("flows/cli_intake.py", "_settings"): "each intake command's own settings",
    ("flows/cli_outbox.py", "_engine"): "each outbox command's own warehouse",
    ("flows/cli_errors.py", "_database_url"): "the warehouse an error names, when no command's settings are at hand",
    ("flows/intake_service.py", "<module>"): "the intake service started by `vigie serve` (python -m)",
}
"""Where `load_settings()` may be called besides a Prefect flow and a click command."""


def environment_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, "setdefault" or "read") for each use of os.environ / os.getenv (or environ, getenv imported from os)."""
    names = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "os"
             for a in n.names if a.name in ("environ", "getenv", "environb")}  # fmt: skip
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        is_os = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
        if (is_os and node.attr in ("environ", "getenv", "environb")) or (
            isinstance(node, ast.Name) and node.id in names
        ):
            parent = parents.get(node)
            setdefault = isinstance(parent, ast.Attribute) and parent.attr == "setdefault"
            found.append((node.lineno, "setdefault" if setdefault else "read"))
    return found


def settings_loads(tree: ast.AST) -> list[tuple[int, str, bool]]:
    """(line, enclosing function or `<module>`, whether that function is a flow or a click command) for each
    call of load_settings()."""
    found = []

    def visit(node: ast.AST, where: str, entry: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name, is_entry(child))
                continue
            if isinstance(child, ast.Call):
                func = child.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name == "load_settings":
                    found.append((child.lineno, where, entry))
            visit(child, where, entry)

    visit(tree, "<module>", False)
    return found


def is_entry(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A Prefect flow (`@flow`, `@flow(...)`) or a click command (`@main.command()`, `@click.command()`)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
        if name in ("flow", "command"):
            return True
    return False


def production_sources() -> dict[str, ast.AST]:
    files = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
    return {p.relative_to(ROOT).as_posix(): ast.parse(p.read_text(encoding="utf-8")) for p in files}


def test_no_module_but_the_settings_reads_the_environment():
    sources = production_sources()
    assert len(sources) > 100 and "flows/intake.py" in sources, "the scan must see the packages"
    wrong = [
        f"{path}:{line}: os.environ {use}"
        for path, tree in sources.items()
        if path not in SETTINGS_MODULES and path not in TOUCH_ENVIRONMENT
        for line, use in environment_uses(tree)
        if not (use == "setdefault" and path in SETDEFAULT_ONLY)
    ]
    assert not wrong, "read the value in flows/settings.py and hand it down:\n" + "\n".join(wrong)


def test_load_settings_is_called_only_where_a_run_starts():
    sources = production_sources()
    calls = {path: settings_loads(tree) for path, tree in sources.items() if path not in SETTINGS_MODULES}
    wrong = [
        f"{path}:{line} in {where}()"
        for path, found in calls.items()
        for line, where, entry in found
        if not entry and (path, where) not in ENTRY_HELPERS
    ]
    assert not wrong, "take a Settings argument instead:\n" + "\n".join(wrong)
    assert sum(len(found) for found in calls.values()) <= 20, "one call per command, flow or service"


def test_the_allow_lists_name_files_that_exist_and_still_need_them():
    sources = production_sources()
    for path in [*SETDEFAULT_ONLY, *TOUCH_ENVIRONMENT]:
        assert environment_uses(sources[path]), f"{path} no longer touches the environment: drop it from the list"
    for path, where in ENTRY_HELPERS:
        assert any(w == where for _, w, _ in settings_loads(sources[path])), f"{path} {where}: no longer needed"


def test_the_scan_sees_every_way_of_reading_the_environment():
    reads = """
import os
from os import environ as env, getenv
a = os.environ.get("A")
b = os.getenv("B")
c = env["C"]
d = getenv("D")
e = dict(os.environ)
os.environ.setdefault("F", "1")
"""
    assert [use for _, use in environment_uses(ast.parse(reads))] == ["read"] * 5 + ["setdefault"]
    loads = """
from flows.settings import load_settings
import flows.settings
@flow(name="x")
def a():
    load_settings()
@main.command()
def b():
    flows.settings.load_settings()
def c():
    load_settings()
"""
    assert [(where, entry) for _, where, entry in settings_loads(ast.parse(loads))] == [
        ("a", True), ("b", True), ("c", False)
    ]  # fmt: skip
