"""A waitress server that one client on the LAN cannot stop: bounded idle, slow and many sockets.

Waitress alone stops *accepting* once `connection_limit` sockets are open (100 by default) and
closes an idle socket only after `channel_timeout` (120 s), and a slow-loris client that sends
one header byte every few seconds counts as active forever. So about a hundred idle sockets from
one phone made `/healthz`, the kiosks and the counters time out (issue 15). Here:

- a per-address cap: an address already holding `per_address` sockets gets a short 503 and its
  new socket is closed at once (the box's own loopback, the board's browser and the watchdog's
  probe, is exempt: only processes on the box can use it);
- past `max_connections` the server keeps accepting and closes the longest-idle socket instead
  (then the longest-unfinished request): a new kiosk or counter always gets in, an idle socket
  loses nothing (clients reopen keep-alive sockets by themselves);
- a request must arrive whole (headers and body) within `request_timeout_s` of its first byte,
  and a socket with no request for `idle_timeout_s` is closed. A running request (a board's
  doorbell stream) is never cut by either: waitress only counts a socket idle between requests.

The accept path is waitress 3's own `handle_accept` (server.py) with the two checks before the
channel is made; `max_connections` stays below the process's open-file limit and the loop uses
`poll()`, so no socket number can pass `select()`'s 1024.
"""

from __future__ import annotations

import logging
import resource
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from web.kit.lanes import LaneDispatcher

log = logging.getLogger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "::1"})
SPARE_FILES = 64  # files the process needs besides client sockets: database, logs, broker, …
_REFUSAL_TEXT = b"Terlalu banyak koneksi dari alamat ini. Coba lagi nanti.\n"
REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    + f"Content-Length: {len(_REFUSAL_TEXT)}\r\n\r\n".encode()
    + _REFUSAL_TEXT
)


@dataclass(frozen=True)
class Limits:
    """What one client may hold; the defaults are `[web]`'s (docs/configuration.md)."""

    max_connections: int = 500
    per_address: int = 32
    idle_timeout_s: float = 30.0
    request_timeout_s: float = 15.0
    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 4 * 1024 * 1024
    exempt: frozenset[str] = LOOPBACK


def open_file_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def connection_ceiling(limits: Limits) -> int:
    """`max_connections`, lowered to what the open-file limit leaves (never below 16)."""
    return max(16, min(limits.max_connections, open_file_limit() - SPARE_FILES))


class GuardedChannel(HTTPChannel):  # type: ignore[misc]
    """Waitress's channel, remembering when the request it is still reading began."""

    request_began: float | None = None
    counted_host: str | None = None

    def received(self, data: bytes) -> bool:
        before = self.request
        result: bool = super().received(data)
        if self.request is None:
            self.request_began = None
        elif self.request is not before:
            self.request_began = time.time()
        return result

    def del_channel(self, map: Any = None) -> None:
        host, self.counted_host = self.counted_host, None
        if host is not None:
            self.server.count_closed(host)
        super().del_channel(map)


class GuardedServer(TcpWSGIServer):  # type: ignore[misc]
    """`TcpWSGIServer` with the per-address cap, eviction and request deadline above."""

    channel_class = GuardedChannel

    def __init__(
        self,
        application: Any,
        *,
        limits: Limits,
        first_lane: Callable[[str], bool] | None = None,
        **kw: Any,
    ) -> None:
        self.limits = limits
        self.ceiling = connection_ceiling(limits)
        self.held: Counter[str] = Counter()
        self.refused = 0
        self.evicted = 0
        self._next_refusal_log = 0.0
        super().__init__(
            application,
            # waitress's own limit would stop accepting altogether: keep it out of the way
            connection_limit=self.ceiling + SPARE_FILES,
            channel_timeout=limits.idle_timeout_s,
            cleanup_interval=max(1, int(min(limits.idle_timeout_s, limits.request_timeout_s) / 4)),
            max_request_header_size=limits.max_header_bytes,
            max_request_body_size=limits.max_body_bytes,
            asyncore_use_poll=True,
            # Requests whose path `first_lane` accepts are served first (lanes.py says why).
            dispatcher=LaneDispatcher(first_lane) if first_lane is not None else None,
            **kw,
        )
        if first_lane is not None:  # waitress starts its own dispatcher's threads, not ours
            self.task_dispatcher.set_thread_count(self.adj.threads)

    def count_closed(self, host: str) -> None:
        self.held[host] -= 1
        if self.held[host] <= 0:
            del self.held[host]

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError:
            if self.adj.log_socket_errors:
                self.logger.warning("server accept() threw an exception", exc_info=True)
            return
        addr = self.fix_addr(addr)
        host = str(addr[0])
        if host not in self.limits.exempt and self.held[host] >= self.limits.per_address:
            self._refuse(conn, host)
            return
        if len(self.active_channels) >= self.ceiling and not self._evict():
            self._refuse(conn, host)
            return
        channel = self.channel_class(self, conn, addr, self.adj, map=self._map)
        channel.counted_host = host
        self.held[host] += 1

    def _evict(self) -> bool:
        """Close the longest-idle socket, else the longest-unfinished request, else the oldest
        unread answer; False if every socket is running a request (those are bounded by the
        threads and the stream cap)."""
        pool = [c for c in self.active_channels.values() if not c.requests and not c.will_close]
        if not pool:
            return False

        def rank(channel: GuardedChannel) -> tuple[int, float]:
            if channel.request_began is not None:
                return (1, channel.request_began)
            return (2 if channel.total_outbufs_len else 0, channel.last_activity)

        min(pool, key=rank).handle_close()
        self.evicted += 1
        return True

    def _refuse(self, conn: socket.socket, host: str) -> None:
        self.refused += 1
        try:
            conn.setblocking(False)
            conn.send(REFUSAL)
        except OSError:
            pass
        finally:
            conn.close()
        now = time.monotonic()
        if now >= self._next_refusal_log:  # one line a minute, however hard a client knocks
            self._next_refusal_log = now + 60.0
            log.warning(
                "refused a connection from %s (it holds %d of %d per address; %d open of %d;"
                " %d refused so far)",
                host,
                self.held[host],
                self.limits.per_address,
                len(self.active_channels),
                self.ceiling,
                self.refused,
            )

    def figures(self) -> dict[str, Any]:
        """What the status page shows: open sockets, refusals, evictions, the busiest address
        (read from a request thread; the copies below are atomic under the GIL)."""
        held = list(self.held.items())
        busiest = max(held, key=lambda item: item[1]) if held else None
        return {
            "open": len(self.active_channels),
            "limit": self.ceiling,
            "per_address": self.limits.per_address,
            "refused": self.refused,
            "evicted": self.evicted,
            "busiest": {"address": busiest[0], "open": busiest[1]} if busiest else None,
        }

    def maintenance(self, now: float) -> None:
        """Waitress closes sockets idle between requests; this also closes a socket whose
        request has been arriving for longer than `request_timeout_s` (a slow-loris client)."""
        super().maintenance(now)
        cutoff = now - self.limits.request_timeout_s
        for channel in self.active_channels.values():
            began = channel.request_began
            if began is not None and began < cutoff:
                channel.will_close = True


def guarded_server(
    application: Any,
    *,
    host: str,
    port: int,
    limits: Limits,
    first_lane: Callable[[str], bool] | None = None,
    **kw: Any,
) -> Any:
    """A guarded waitress server on host:port (IPv4 or a name), not yet running."""
    return GuardedServer(
        application, limits=limits, first_lane=first_lane, host=host, port=port, **kw
    )
