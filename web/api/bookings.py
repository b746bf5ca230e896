"""Bookings at the appliance (SPEC §8): the kiosk's check-in of a booking made on central.

`POST /api/v1/bookings/check-in` takes the typed code (`{"code"}`, any case, dashes and spaces
ignored; needs the booking synced down) or the signed token a QR scanner types (`{"token"}`;
verified with the site's public keys, so it works for a booking the site never received). The
core decides everything (appliance/bookings/checkin.py: the ticket in the same transaction as its
`booking.checked_in` event, the window, the refusals); this only reads the body, answers the
ticket as the walk-in issue does (plus `in_window` and the booking's slot) and lets the app's
handler translate a refusal (web/refusals.py). Outside the window `note` says in the page's
language why the ticket queues as a walk-in (came early or late), for the kiosk to show.

`GET /api/v1/admin/booking-keys` lists the public keys the box trusts, for the admin page.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify
from flask_babel import get_locale

from appliance.bookings.checkin import check_in as check_in_booking
from appliance.bookings.keys import TrustedKey, trusted_keys
from appliance.site import site_zone
from appliance.storage.database import connected
from web.api.tickets import issued_body
from web.auth import require
from web.context import web
from web.kit.inputs import json_body, text_field
from web.refusals import translated

bp = Blueprint("api_bookings", __name__)

CLOCK = re.compile(r"[0-2][0-9][:.][0-5][0-9]")
MAX_CODE = 32  # 9 characters, with dashes or spaces a person may type between them
MAX_TOKEN = 1024  # a token is about 210 characters; a scanner adds nothing


@bp.post("/api/v1/bookings/check-in")
@require("kiosk")
def check_in() -> tuple[Response, int]:
    data = json_body()
    code = text_field(data, "code", required=False, max_length=MAX_CODE)
    token = text_field(data, "token", required=False, max_length=MAX_TOKEN)
    result = check_in_booking(web().core.engine, code=code, token=token)
    body = issued_body(result.ticket)
    body["in_window"] = result.in_window
    body["booking"] = result.booking.to_dict()
    note = result.note
    body["note"] = (
        None
        if note is None
        else {"code": note.code, "message": translated(note.template, _clock_times(note.params))}
    )
    return jsonify(body), 201


@bp.get("/api/v1/admin/booking-keys")
@require("admin")
def booking_keys() -> Response:
    """The keys this box checks booking tokens with: from central's config or trusted by hand."""
    db = web().core.db
    with connected(db):
        keys = trusted_keys()
    zone = site_zone(db)
    items = [
        {"kid": k.kid, "public_key": k.public_key, "origin": k.origin, "since": _local(k, zone)}
        for k in keys
    ]
    return jsonify({"items": items, "total": len(items)})


def _local(key: TrustedKey, zone: ZoneInfo) -> str:
    """When the key was first trusted, on the site's clock (stored as the moment it happened)."""
    try:
        return datetime.fromisoformat(key.added_at).astimezone(zone).isoformat(timespec="seconds")
    except ValueError:
        return key.added_at


def _clock_times(params: dict[str, object]) -> dict[str, object]:
    """The note's times written the page's way: 09.00 in Indonesian, 09:00 in English (the core
    hands some as HH:MM and some as HH.MM)."""
    mark = ":" if str(get_locale() or "id") == "en" else "."
    return {
        key: f"{value[:2]}{mark}{value[3:]}"
        if isinstance(value, str) and CLOCK.fullmatch(value)
        else value
        for key, value in params.items()
    }
