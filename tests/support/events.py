"""A stand-in for `prefect.events.emit_event` that keeps the events instead of sending them."""

from __future__ import annotations


class Events:
    """Collects emitted events instead of sending them."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict, dict]] = []

    def __call__(self, event: str, resource: dict, payload: dict | None = None, **_: object) -> None:
        self.seen.append((event, resource, payload or {}))

    def named(self, name: str) -> list[tuple[str, dict, dict]]:
        return [e for e in self.seen if e[0] == name]
