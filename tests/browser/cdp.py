"""A minimal Chromium DevTools client over --remote-debugging-pipe: open pages, collect console errors and
failed loads, read image states, take screenshots. No port, no websocket library, no outside network."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
    "--remote-debugging-pipe",
)  # fmt: skip
IMAGES_JS = "JSON.stringify(Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]))"
LINKS_JS = "JSON.stringify(Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')))"


def _high(fd: int) -> int:
    """The same pipe end moved to a descriptor above 9, so that putting it on 3 or 4 never clobbers the other."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


def find_chromium() -> str | None:
    """The Chromium executable on PATH (Debian's `chromium`, or the usual other names), None when absent."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    """What loading one page showed: console errors, failed requests, requested URLs, images, links, dialogs."""

    url: str
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    images: list[tuple[str, bool, int]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


class Chromium:
    """One headless Chromium with a fresh profile, driven through the DevTools protocol on fds 3 and 4."""

    def __init__(self, executable: str, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="vigie-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        to_chrome_r, from_chrome_w = (_high(fd) for fd in (to_chrome_r, from_chrome_w))
        # bash puts the pipe ends on fds 3 and 4, as --remote-debugging-pipe expects (dash refuses fds above 9)
        script = f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w} {to_chrome_r}<&- {from_chrome_w}>&-'
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close(): it lives as long as the browser)
        bash = shutil.which("bash") or "/bin/bash"
        self.process = subprocess.Popen(
            [bash, "-c", script, executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer, self._next_id, self.events = b"", 0, []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=self.session)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send a command and wait for its answer (events read meanwhile are kept in `events`)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def open(self, url: str, width: int = 412, height: int = 900) -> PageReport:
        """Load `url` in a phone-sized viewport until its load event; report errors, requests, images, links."""
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True}, self.session)  # fmt: skip
        self.events = []
        self.call("Page.navigate", {"url": url}, self.session)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read())
        self.call("Runtime.evaluate", {"expression": "1"}, self.session)  # lets late console events arrive first
        report = PageReport(url)
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                report.errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                report.errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                report.errors.append(f"{params['entry']['text']} {params['entry'].get('url', '')}".strip())
            elif method == "Network.requestWillBeSent":
                report.requested.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                report.failed.append(params.get("errorText", "failed"))
        report.images = [tuple(i) for i in self.evaluate(IMAGES_JS)]
        report.links = self.evaluate(LINKS_JS)
        report.dialogs = [e["params"].get("message", "") for e in self.events
                          if e.get("method") == "Page.javascriptDialogOpening"]  # fmt: skip
        return report

    def screenshot(self, path: Path, width: int = 412, height: int = 1800, scale: float = 1.0) -> int:
        """Save a PNG of the page's top `height` pixels; return its size in bytes."""
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}
        data = self.call("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True},
                         self.session)["data"]  # fmt: skip
        payload = base64.b64decode(data)
        path.write_bytes(payload)
        return len(payload)

    def close(self) -> None:
        """Close the browser, its pipes and its profile."""
        try:
            os.write(self._to_chrome, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def evaluate(self, expression: str):
        """The JSON value of a JavaScript expression that returns JSON text, in the open page."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session)
        return json.loads(result["result"]["value"])

    def _read(self) -> dict:
        """The next NUL-terminated JSON message from Chromium (a clear error on timeout or exit)."""
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_chrome], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError(f"Chromium did not answer within {self.timeout} s")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                self.log.seek(0)
                raise RuntimeError(f"Chromium exited: {self.log.read()[-2000:].decode('utf-8', 'replace')}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)
