"""`/healthz` for supervisors of the process, `/api/v1/status` for the people in the building:
printer, buttons, sync backlog and last contact, clock, disk, version."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

from appliance import __version__
from appliance.queue import views
from appliance.queue.numbering import local_date
from appliance.site import site_zone
from appliance.storage.database import connected
from web.auth import require
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import json_body

bp = Blueprint("api_status", __name__)

DISK_LOW_BYTES = 500 * 1024 * 1024


@bp.get("/healthz")
def healthz() -> Response:
    core = web().core
    try:
        with connected(core.db):
            core.db.execute_sql("SELECT 1").fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure here means "cannot serve"
        raise ApiError(503, "not_ready", f"Basis data tidak dapat dibuka: {exc}") from None
    return jsonify({"ok": True, "version": __version__})


def sync_status() -> dict[str, Any]:
    core = web().core
    progress = views.sync_progress(core.db)
    return {
        "configured": bool(core.config.sync.broker),
        "connected": progress.connected,
        "last_contact": progress.last_contact,
        "last_error": progress.last_error,
        "backlog": progress.backlog,
        "last_seq": progress.last_seq,
        "acked_through": progress.acked_through,
        "oldest_pending_at": progress.oldest_pending_at,
        "alarm": progress.alarm,  # e.g. twin_site: another appliance uses this site code
    }


def clock_status() -> dict[str, Any]:
    core = web().core
    now = core.clock.now()
    with connected(core.db):
        tz = site_zone(core.db)
    day = core.engine.current_day()
    return {
        "synchronised": core.clock.synchronised(),
        "zone": tz.key,  # `now` is the site's wall clock; the admin confirms in this zone
        "now": now.astimezone(tz).isoformat(timespec="seconds"),
        "business_date": day.date.isoformat(),
        # The wall clock says an earlier day than the one already used: it went backwards.
        "clock_behind": local_date(now, tz) < day.date,
    }


def disk_status() -> dict[str, Any]:
    folder = Path(web().core.config.storage.database).parent
    try:
        usage = shutil.disk_usage(folder)
    except OSError:
        return {"free_bytes": None, "low": None}
    return {
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "low": usage.free < DISK_LOW_BYTES,
    }


@bp.get("/api/v1/status")
@require("officer")
def status() -> Response:
    context = web()
    hardware: dict[str, Any] = (
        context.hardware.status()
        if context.hardware is not None
        else {"printer": {"driver": "none", "state": "disabled"}, "buttons": []}
    )
    body = {
        "printer": hardware.get("printer"),
        "buttons": hardware.get("buttons", []),
        # the box's speaker that says the button's numbers (None: no speaker configured)
        "speaker": hardware.get("speaker"),
        "sync": sync_status(),
        "clock": clock_status(),
        "disk": disk_status(),
        "streams": {"open": context.streams.open, "limit": context.streams.limit},
        # sockets held, refused past the per-address cap, idle ones closed for a newcomer:
        # a phone flooding the LAN shows here with its address (web/kit/server.py)
        "connections": context.connections() if context.connections is not None else None,
        "version": __version__,
        "python": sys.version.split()[0],
        "pid": os.getpid(),
    }
    return jsonify(body)


@bp.post("/api/v1/admin/clock")
@require("admin")
def confirm_clock() -> Response:
    """An administrator looked at a watch: trust this date and time from now on."""
    data = json_body()
    raw = data.get("now")
    if not isinstance(raw, str):
        raise ApiError(400, "missing_field", "Kolom 'now' (ISO 8601 dengan zona waktu) wajib.")
    try:
        actual = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            400, "invalid_time", "Waktu harus ISO 8601, mis. 2025-03-12T09:00:00+07:00."
        ) from None
    if actual.tzinfo is None:
        raise ApiError(400, "invalid_time", "Waktu harus menyertakan zona waktu (+07:00).")
    confirm = getattr(web().core.clock, "confirm", None)
    if confirm is None:
        raise ApiError(409, "clock_fixed", "Jam perangkat ini tidak dapat diubah dari browser.")
    offset = confirm(actual)
    return jsonify(
        {
            "confirmed": actual.astimezone(UTC).isoformat(),
            "offset_seconds": offset.total_seconds(),
            "clock": clock_status(),
        }
    )
