"""The live doorbell: a version number that rings every waiting stream when anything changes.

Boards and consoles never receive data over the stream, only "something changed, now at
version N"; they fetch what they need with `since`. So a lost ring or a reconnect can neither
skip nor repeat a call (PITFALLS: waitress and SSE). Streams are capped because each one holds a
waitress thread for its whole life.
"""

from __future__ import annotations

import threading


class Doorbell:
    def __init__(self, version: int = 0) -> None:
        self._version = version
        self._rings = 0  # every ring, even one that does not move the version
        self._changed = threading.Condition()
        self.closed = False  # the server is stopping: every stream ends

    def close(self) -> None:
        """Wake every stream for the last time: each ends, so its thread is free at once.

        Without this a stopping `mpp run` waited out waitress's 5 s for the threads a board's
        stream held (asleep until its next heartbeat), at every stop and restart."""
        with self._changed:
            self.closed = True
            self._rings += 1
            self._changed.notify_all()

    @property
    def version(self) -> int:
        return self._version

    def ring(self, version: int | None = None) -> None:
        """Announce a change; `version` (the outbox seq) only ever moves forward.

        A ring without a version (a printer alert) wakes the watchers but never invents a
        version: a board takes the version as "announced up to here", so an invented one could
        make it skip the next real call.
        """
        with self._changed:
            if version is not None and version > self._version:
                self._version = version
            self._rings += 1
            self._changed.notify_all()

    @property
    def rings(self) -> int:
        return self._rings

    def wait(self, seen_rings: int, timeout: float) -> tuple[int, int]:
        """Block until a ring after `seen_rings` or `timeout`; returns (rings, version)."""
        with self._changed:
            self._changed.wait_for(lambda: self._rings != seen_rings, timeout=timeout)
            return self._rings, self._version


class StreamGate:
    """At most `limit` open streams, and `per_address` from one LAN address (the box's own
    loopback, its board browser, is exempt); past either the client is told to poll instead.

    Without the per-address part one phone opening `limit` streams turned every board in the
    building to polling (issue 15, item 1)."""

    def __init__(
        self,
        limit: int,
        per_address: int | None = None,
        exempt: frozenset[str] = frozenset({"", "127.0.0.1", "::1"}),  # "": no address known
    ) -> None:
        self.limit = limit
        self.per_address = per_address if per_address is not None else limit
        self.exempt = exempt
        self._open = 0
        self._by_address: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, address: str = "") -> bool:
        with self._lock:
            held = self._by_address.get(address, 0)
            if self._open >= self.limit:
                return False
            if address not in self.exempt and held >= self.per_address:
                return False
            self._open += 1
            self._by_address[address] = held + 1
            return True

    def leave(self, address: str = "") -> None:
        with self._lock:
            self._open = max(0, self._open - 1)
            held = self._by_address.get(address, 0) - 1
            if held > 0:
                self._by_address[address] = held
            else:
                self._by_address.pop(address, None)

    @property
    def open(self) -> int:
        return self._open
