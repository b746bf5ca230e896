"""Central's HTTP server: waitress on `[central.web] host/port`, run beside the ingest workers."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from peewee import Database

from sync.central.http import MAX_BODY_BYTES, create_central_app
from sync.central.http.base import CentralWebSettings
from web.kit.server import guarded_server

THREADS = 8  # the dashboard polls; no request holds a thread for long
# What citizens reach from the internet (bookings, a ticket's live status): served after the
# administrators' pages and API when the threads are busy (web/kit/lanes.py).
PUBLIC_PATHS = ("/book/", "/b/", "/t/", "/api/v1/central/public/")


def administrators_first(path: str) -> bool:
    return not path.startswith(PUBLIC_PATHS)


def make_server(db: Database, settings: CentralWebSettings, host: str, port: int) -> Any:
    """A waitress server (not yet running): `.run()` serves, `.close()` stops; one client can
    hold only so many sockets, idle or slow ones are closed (web/kit/server.py)."""
    limits = replace(settings.limits, max_body_bytes=MAX_BODY_BYTES + 64 * 1024)
    return guarded_server(
        create_central_app(db, settings),
        host=host,
        port=port,
        limits=limits,
        first_lane=administrators_first,
        threads=THREADS,
        ident="mpp-central",
        clear_untrusted_proxy_headers=True,
    )


def stop_server(server: Any, timeout: float = 5.0) -> None:
    """Stop a server running in another thread, then let its worker threads finish.

    Every socket is closed by the server's own loop thread (a thunk through its trigger), so the
    loop ends with an empty map. Closing the listening socket from here instead raced the loop's
    `select()`: an open keep-alive channel's descriptor could go away under it (EBADF, an
    exception in the server thread; seen once in the dashboard's browser test)."""
    closed = threading.Event()

    def close_all() -> None:
        for dispatcher in list(server._map.values()):
            dispatcher.close()
        closed.set()

    server.trigger.pull_trigger(close_all)
    if not closed.wait(timeout):  # the loop is not running: nobody else touches the sockets
        server.close()
    server.task_dispatcher.shutdown(timeout=timeout)
