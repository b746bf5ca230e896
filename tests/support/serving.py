"""A WSGI app served by waitress on a free 127.0.0.1 port inside the test process.

One way for every in-process server of the suite, because each one left behind used to cost the
process its worker threads and their SQLite connections (24 per appliance): after a few hundred
tests the process passed 1,024 file descriptors and every `select()` in it failed ("filedescriptor
out of range"), waitress's and paho's alike. Here the worker threads are shut down with the server,
so their connections close, and the loop polls instead of selecting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serving(app: Any, *, threads: int = 8, **adjustments: Any) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL."""
    from waitress import create_server

    adjustments.setdefault("channel_request_lookahead", 1)  # as `mpp run`: streams see a close
    server = create_server(
        app, host="127.0.0.1", port=0, threads=threads, asyncore_use_poll=True, **adjustments
    )

    def stop() -> None:
        _wake_streams(app)
        server.close()
        server.task_dispatcher.shutdown(timeout=5)

    with _running(server, stop) as url:
        yield url


def _wake_streams(app: Any) -> None:
    """Close the appliance's doorbell as `mpp run` does on SIGTERM: every board or console stream
    ends at once instead of sleeping to its next heartbeat (15 s) and holding its worker thread
    past the shutdown's patience (it cost every test with a streaming page 10 s)."""
    extensions = getattr(app, "extensions", {})
    context = extensions.get("mpp") if isinstance(extensions, dict) else None
    doorbell = getattr(context, "doorbell", None)
    if doorbell is not None:
        doorbell.close()


@contextmanager
def serving_central(db: Any, settings: Any) -> Iterator[str]:
    """Central's own guarded server for `db` on a free 127.0.0.1 port until the block ends;
    yields its base URL (stopped through its loop thread: sync.central.http.serve.stop_server)."""
    from sync.central.http.serve import make_server, stop_server

    server = make_server(db, settings, "127.0.0.1", 0)
    with _running(server, lambda: stop_server(server)) as url:
        yield url


@contextmanager
def _running(server: Any, stop: Callable[[], None]) -> Iterator[str]:
    """`server`'s loop on a thread of its own until the block ends, then `stop` and the join."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop()
        thread.join(timeout=5)
