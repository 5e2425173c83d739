"""A local S3 server for the tests: moto's standalone server in a subprocess on a free loopback port (in a thread
of the test process it would deadlock: delta-rs waits on it while holding the interpreter)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

BUCKET = "vigie"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "vigie-test-key", "AWS_SECRET_ACCESS_KEY": "vigie-test-secret-9f2c"}


@dataclass
class S3Server:
    """A running moto server: its endpoint and the environment that points a store at it."""

    process: subprocess.Popen
    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": "us-east-1"}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_s3(timeout: float = 30.0) -> S3Server:
    """Start moto_server on a free port, wait until it answers, create the bucket."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.put(f"{endpoint}/{BUCKET}", timeout=2).raise_for_status()
            return S3Server(process, endpoint)
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the local S3 server (moto_server) did not start") from None
            time.sleep(0.1)
