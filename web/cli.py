"""The web package's commands for `mpp` (loaded through the `mpp.commands` entry point)."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from appliance.commands import Context
from web.lean import lean_process

log = logging.getLogger(__name__)


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
    lean_process()
    _one_cpu(ctx.config.web.cpu)
    from web.serve import serve

    return serve(ctx.config, host=args.host, port=args.port)


def register(registry: Any) -> None:
    p = registry.add("run", cmd_run, help="run the appliance: web UI and API, buttons, printer")
    p.add_argument("--host", help="listen address (default: [web] host)")
    p.add_argument("--port", type=int, help="listen port (default: [web] port)")
