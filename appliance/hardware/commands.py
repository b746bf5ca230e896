"""`mpp press [--pin N]` and `mpp printer test|status`.

Both talk to the running appliance over its control socket (`appliance.hardware.control`): the
appliance owns the pins and the printer. `mpp printer` without a running appliance opens the
printer itself (for installation and `mpp doctor`-style checks); `mpp press` without one fails
with exit code 1, since a press needs the appliance that issues and prints.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from appliance.hardware.control import ControlUnavailable, control_path, request

if TYPE_CHECKING:
    from appliance.commands import Context, Registry


def register(registry: Registry) -> None:
    p = registry.add("press", cmd_press, help="press a ticket button of the running appliance")
    p.add_argument("--pin", type=int, help="BCM pin of the button (default: the first one)")
    p = registry.add("printer", cmd_printer, help="print a test page or show the printer status")
    p.add_argument("action", choices=["test", "status"])


def _ask(ctx: Context, message: dict[str, Any]) -> dict[str, Any]:
    from appliance.commands import CommandError

    path = control_path(ctx.config.storage.database)
    if path is None:
        raise CommandError("no control channel for an in-memory database")
    return _checked(request(path, message), CommandError)


def _checked(reply: dict[str, Any], error: type[Exception]) -> dict[str, Any]:
    if not reply.get("ok"):
        raise error(str(reply.get("error", "the appliance refused the request")))
    return reply


def cmd_press(args: argparse.Namespace, ctx: Context) -> int:
    from appliance.commands import CommandError

    try:
        reply = _ask(ctx, {"op": "press", "pin": args.pin})
    except ControlUnavailable as exc:
        raise CommandError(f"{exc}; start it with `mpp run`") from exc
    result = reply["result"]
    where = f"GPIO{result['pin']}"
    if result["outcome"] == "issued":
        print(f"{where}: ticket {result['number']} issued ({reply['via']})")
        return 0
    if result["outcome"] == "cooldown":
        print(f"{where}: press ignored (cooldown after the previous press)")
        return 1
    print(f"{where}: no ticket: {result.get('message') or result['outcome']}")
    return 1


def cmd_printer(args: argparse.Namespace, ctx: Context) -> int:
    try:
        if args.action == "status":
            status = _ask(ctx, {"op": "status"})["status"]["printer"]
            source = "appliance"
        else:
            status = _ask(ctx, {"op": "test_page"})["printer"]
            print("test page queued on the running appliance's printer")
            source = "appliance"
    except ControlUnavailable:
        status = _direct(ctx, args.action)
        source = "direct (no appliance running)"
    print(json.dumps({"source": source, **status}, indent=2, ensure_ascii=False))
    return 0 if status["state"] in ("ok", "disabled") else 1


def _direct(ctx: Context, action: str) -> dict[str, Any]:
    """Open the printer from this process: only when no appliance owns it."""
    from appliance.clock import SystemClock
    from appliance.commands import CommandError
    from appliance.hardware.build import cache_folder, make_printer
    from appliance.hardware.ports import DISABLED, MESSAGES, OK, PrinterFault
    from appliance.hardware.receipt import columns_for, printer_test_receipt
    from appliance.site import site_name, site_zone
    from appliance.storage.database import connected, open_database

    config = ctx.config
    printer = make_printer(config.printer, cache_folder(config))
    if printer is None:
        if action == "test":
            raise CommandError('printer.driver is "none": there is no printer to test')
        return {"driver": "none", "state": DISABLED, "message": MESSAGES[DISABLED]}
    try:
        printer.open()
        printer.check()
        if action == "test":
            storage = config.storage
            db = open_database(storage.database, busy_timeout_ms=storage.busy_timeout_ms)
            with connected(db):
                name, tz = site_name(db), site_zone(db)
            receipt = printer_test_receipt(
                name,
                config.printer.driver,
                SystemClock().now().astimezone(tz),
                columns_for(config.printer.paper_width_mm),
                config.web.public_url,
            )
            printer.print_receipt(receipt)
            print("test page printed")
    except PrinterFault as fault:
        return {
            "driver": printer.driver,
            "state": fault.state,
            "message": MESSAGES.get(fault.state, fault.state),
            "detail": fault.detail,
        }
    finally:
        printer.close()
    return {"driver": printer.driver, "state": OK, "message": MESSAGES[OK]}
