"""The web package's commands for `mpp` (loaded through the `mpp.commands` entry point)."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import logging
import os
import sys
from typing import Any

from appliance.cli import Context

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc mallopt parameter


def _lean_process() -> None:
    """Memory of a long-running appliance on a 1 GB Pi 3, before anything is imported.

    - glibc gives each busy thread its own malloc arena; with 48 waitress threads that is
      measured at about 5.5 MB more resident memory than with two arenas (docs/performance.md).
    - peewee imports psycopg when it is installed (development installs have it for central's
      PostgreSQL tests); the appliance only ever uses SQLite, and psycopg costs about 11 MB.
    - OpenSSL: this process serves plain HTTP on the LAN and opens no TLS connection (`mpp sync`,
      which talks TLS to the broker, is another process). Without `_hashlib`, hashlib and hmac
      use Python's built-in SHA code, and libcrypto is never mapped: 3.9 MiB less resident
      memory measured (libcrypto 3.4 MiB, libssl and the two modules the rest). Where `mpp sync`
      runs on the same box it still maps libcrypto, so part of that is shared pages rather than
      RAM freed; the figure B5 counts is this process's resident set.
    """
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).mallopt(M_ARENA_MAX, 2)
        except (OSError, AttributeError):  # not glibc: nothing to tune
            log.debug("mallopt unavailable")
    if "peewee" not in sys.modules:
        sys.modules.setdefault("psycopg", None)  # type: ignore[arg-type]
        sys.modules.setdefault("psycopg2", None)  # type: ignore[arg-type]
    if "hashlib" not in sys.modules:
        for name in ("_hashlib", "_ssl", "ssl"):
            sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _one_cpu(setting: str) -> None:
    """Keep the appliance process on one CPU ("last" allowed one, a number, or "any": no pin).

    One Python process does one core's worth of work at most (the GIL); spread over several
    cores, every hand-off between the request threads and the group-commit writer wakes a thread
    on another core and the GIL moves with it. Measured on the 2-core development machine, B1
    and B2 back to back: pinned 967–978 tickets/s and 584–621 calls/s, unpinned 860 and 485
    (docs/performance.md). Done before any thread starts, so every thread inherits it; the other
    cores stay free for the kiosk browser, `mpp sync` and the load.
    """
    if setting == "any" or not hasattr(os, "sched_setaffinity"):
        return
    allowed = sorted(os.sched_getaffinity(0))
    cpu = allowed[-1] if setting == "last" else int(setting)
    if cpu not in allowed:
        log.warning("web.cpu = %s is not among this process's CPUs %s; not pinned", cpu, allowed)
        return
    os.sched_setaffinity(0, {cpu})


def cmd_run(args: argparse.Namespace, ctx: Context) -> int:
    _lean_process()
    _one_cpu(ctx.config.web.cpu)
    from web.serve import serve

    return serve(ctx.config, host=args.host, port=args.port)


def register(registry: Any) -> None:
    p = registry.add("run", cmd_run, help="run the appliance: web UI and API, buttons, printer")
    p.add_argument("--host", help="listen address (default: [web] host)")
    p.add_argument("--port", type=int, help="listen port (default: [web] port)")
