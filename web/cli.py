"""The web package's commands for `mpp` (loaded through the `mpp.commands` entry point)."""

from __future__ import annotations

import argparse
from typing import Any

from appliance.cli import Context


def cmd_run(args: argparse.Namespace, ctx: Context) -> int:
    from web.serve import serve

    return serve(ctx.config, host=args.host, port=args.port)


def register(registry: Any) -> None:
    p = registry.add("run", cmd_run, help="run the appliance: web UI and API, buttons, printer")
    p.add_argument("--host", help="listen address (default: [web] host)")
    p.add_argument("--port", type=int, help="listen port (default: [web] port)")
