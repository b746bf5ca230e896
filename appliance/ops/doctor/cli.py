"""`mpp doctor [--lang en] [--json] …`: runs every check and prints what it found.

Registered by the core's parser, which `mpp run` builds too: nothing here imports `ssl` or a
contributed check before the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from appliance.config.load import ConfigError
from appliance.ops.doctor.checks import run_checks
from appliance.ops.doctor.findings import Checkup, Finding, Limits, exit_code
from appliance.ops.doctor.render import render, render_json

if TYPE_CHECKING:
    from appliance.commands import Context, Registry


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> int:
    limits = Limits(
        disk_warn_mb=args.disk_warn_mb,
        disk_fail_mb=args.disk_fail_mb,
        backlog_hours=args.backlog_hours,
        timeout_s=args.timeout,
    )
    try:
        config = ctx.config
    except ConfigError as exc:
        text = "; ".join(exc.problems)
        findings = [
            Finding(
                "config",
                "fail",
                text,
                "Perbaiki /etc/mpp/appliance.toml lalu `mpp config check`."
                if args.lang == "id"
                else "Fix /etc/mpp/appliance.toml, then `mpp config check`.",
            )
        ]
    else:
        findings = run_checks(Checkup(config, lang=args.lang, limits=limits))
    sys.stdout.write(render_json(findings) if args.json else render(findings, args.lang))
    return exit_code(findings)


def register(registry: Registry) -> None:
    p = registry.add(
        "doctor", cmd_doctor, help="check printer, buttons, database, disk, broker, clock"
    )
    p.add_argument("--lang", choices=["id", "en"], default="id")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--disk-warn-mb", type=float, default=Limits.disk_warn_mb)
    p.add_argument("--disk-fail-mb", type=float, default=Limits.disk_fail_mb)
    p.add_argument(
        "--backlog-hours", type=float, default=Limits.backlog_hours, help="warn past this age"
    )
    p.add_argument("--timeout", type=float, default=Limits.timeout_s, help="network seconds")
