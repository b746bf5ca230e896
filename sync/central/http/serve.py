"""Central's HTTP server: waitress on `[central.web] host/port`, run beside the ingest workers."""

from __future__ import annotations

from typing import Any

from peewee import Database
from waitress.server import create_server

from sync.central.http import create_central_app
from sync.central.http.base import CentralWebSettings

THREADS = 8  # the dashboard polls; no request holds a thread for long


def make_server(db: Database, settings: CentralWebSettings, host: str, port: int) -> Any:
    """A waitress server (not yet running): `.run()` serves, `.close()` stops."""
    return create_server(
        create_central_app(db, settings),
        host=host,
        port=port,
        threads=THREADS,
        ident="mpp-central",
        clear_untrusted_proxy_headers=True,
    )


def stop_server(server: Any) -> None:
    """Stop accepting, then let the worker threads finish what they hold (from another thread)."""
    server.close()
    server.task_dispatcher.shutdown(timeout=5)
