"""Vigie installs as a product: the wheel built from the tracked files, installed into a fresh venv outside the
checkout with the versions of requirements.lock, runs `vigie schedules`, `vigie db upgrade` and `vigie serve`
against a real Prefect server of its own, and every deployment of prefect.yaml is deployed from the package."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.test_schedules import _kill_leftovers, free_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("flows/", "schemas/", "validations/", "indicators/", "warehouse/", "reports/", "synthetic/", "connectors/")
STARTUP = 300  # server start and seven deployments on two busy cores


def tracked_files() -> list[str]:
    """The files of the checkout git knows of (new ones included), as a fresh clone would have them."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    )
    return [name for name in listing.stdout.decode().splitlines() if (ROOT / name).exists()]


def build_wheel(tmp: Path, files: list[str]) -> Path:
    """Copy the tracked files aside (no stale build/ folder) and build the wheel there."""
    source = tmp / "source"
    for name in files:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target, follow_symlinks=False)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp / "dist"), str(source)], check=True
    )
    return next((tmp / "dist").glob("vigie-*.whl"))


def install(wheel: Path, venv: Path) -> Path:
    """A fresh venv with the wheel and the locked versions of its dependencies (pip's cache is reused; no byte
    compiling of the whole venv: 45 s instead of 110 s on a busy machine, the modules used compile on first import)."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check"]
    subprocess.run([*pip, "-c", str(ROOT / "requirements.lock"), str(wheel)], check=True)
    return python


def clean_env(tmp: Path) -> dict[str, str]:
    """No Prefect or Vigie setting of the caller, no path into the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIGIE_", "PYTHON"))}
    env.update(PREFECT_HOME=str(tmp / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.update(PREFECT_SERVER_UI_ENABLED="false", VIGIE_DATABASE_URL_BLOCK="vigie-database-url")
    return env


@pytest.mark.integration
def test_the_installed_wheel_deploys_every_deployment(tmp_path):
    files = tracked_files()
    wheel = build_wheel(tmp_path, files)
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assert {name for name in files if name.startswith(PACKAGES)} - shipped == set(), "package files left out"
    assert "flows/prefect.yaml" in shipped
    python = install(wheel, tmp_path / "venv")
    vigie = str(python.parent / "vigie")
    run = tmp_path / "elsewhere"
    run.mkdir()
    env = clean_env(tmp_path)
    site = subprocess.run(
        [str(python), "-c", "import flows, pathlib; print(pathlib.Path(flows.__file__).parents[1])"],
        cwd=run, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert not site.startswith(str(ROOT)), f"flows imported from the checkout: {site}"
    subprocess.run([vigie, "schedules", "--check"], cwd=run, env=env, check=True)
    subprocess.run([vigie, "db", "upgrade"], cwd=run, env={**env, "VIGIE_DATABASE_URL_BLOCK": ""}, check=True)
    deployments = serve_and_read_deployments(vigie, run, env, tmp_path / "serve.log")
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))["deployments"]
    assert {d["name"] for d in deployments} == {d["name"] for d in declared}
    for deployment in deployments:
        assert (Path(site) / deployment["entrypoint"].split(":")[0]).is_file(), deployment["entrypoint"]
        assert deployment["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == site
        variables = deployment["job_variables"]["env"]
        assert "VIGIE_HOME" not in variables, "each worker's own home (worker_own), never written into a deployment"
        assert variables["VIGIE_DATABASE_URL_BLOCK"] == "vigie-database-url"
        assert "VIGIE_DATABASE_URL" not in variables, "the database URL is never written into a deployment"


def serve_and_read_deployments(vigie: str, cwd: Path, env: dict[str, str], log: Path) -> list[dict]:
    """Run `vigie serve --no-watch` on a port of its own until it is up, read the deployments back, stop it."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    with open(log, "wb") as output:
        serve = subprocess.Popen(
            [vigie, "serve", "--no-watch", "--port", str(port)],
            cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP
        while "Prefect UI:" not in log.read_text(errors="replace"):
            assert serve.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "vigie serve did not come up in time"
            time.sleep(0.5)
        response = httpx.post(f"{api_url}/deployments/filter", json={}, timeout=30)
        response.raise_for_status()
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0, log.read_text(errors="replace")[-3000:]
        return response.json()
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        _kill_leftovers(port)
