"""Processes started all at once (writers meeting on one store), each waited for."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_at_once(commands: list[list[str]], env: dict[str, str], cwd: Path) -> list[tuple[int, str, str]]:
    """Start every command at the same time, wait for all of them; each one's exit code, output and errors."""
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    started = [subprocess.Popen(command, env=env, cwd=cwd, **pipes) for command in commands]
    said = [process.communicate(timeout=900) for process in started]
    return [(process.returncode, out, err) for process, (out, err) in zip(started, said, strict=True)]
