"""Tickets: issuing (kiosk, desk, API), lists for staff, public tracking, reprint and fixes."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from appliance.queue import views
from appliance.queue.tickets import TicketInfo
from appliance.storage.models import PRIORITY_REASONS, TICKET_STATES
from web.auth import officer_id, principal, require
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import bool_field, code_field, json_body, query_date, query_int

bp = Blueprint("api_tickets", __name__)

STATUS_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def printer_state() -> dict[str, Any]:
    hardware = web().hardware
    if hardware is None:
        return {"state": "disabled"}
    printer: dict[str, Any] = hardware.status().get("printer", {})
    return printer


def issued_body(info: TicketInfo) -> dict[str, Any]:
    """The new ticket plus whether a receipt is on its way (the kiosk says so if not)."""
    body = info.to_dict()
    state = printer_state().get("state", "disabled")
    body["printed"] = state == "ok"
    body["printer"] = state
    return body


@bp.post("/api/v1/tickets")
@require("kiosk")
def issue() -> tuple[Response, int]:
    who = principal()
    assert who is not None
    data = json_body()
    service = code_field(data, "service")
    priority = bool_field(data, "priority")
    reason = data.get("priority_reason")
    if reason is not None and (not isinstance(reason, str) or reason not in PRIORITY_REASONS):
        raise ApiError(
            400,
            "invalid_priority_reason",
            "Kategori prioritas harus salah satu dari: " + ", ".join(PRIORITY_REASONS) + ".",
        )
    if priority and not who.at_least("supervisor"):
        raise ApiError(
            403, "priority_needs_desk", "Tiket prioritas hanya diterbitkan oleh petugas informasi."
        )
    if who.role == "kiosk":
        source = "kiosk"
    elif who.kind == "officer":
        source = "desk"
    else:
        source = "api"
    info = web().core.engine.issue(
        service,
        priority=priority,
        priority_reason=reason if priority else None,
        source=source,
        issued_by=officer_id(who),
    )
    return jsonify(issued_body(info)), 201


@bp.get("/api/v1/tickets")
@require("officer")
def list_tickets() -> Response:
    core = web().core
    state = request.args.get("state") or None
    if state is not None and state not in TICKET_STATES:
        raise ApiError(
            400, "invalid_state", "Status harus salah satu dari: " + ", ".join(TICKET_STATES)
        )
    service = request.args.get("service") or None
    day = query_date() or core.engine.current_day().date
    limit = query_int("limit", 1000, low=1, high=5000)
    offset = query_int("offset", 0)
    page = views.tickets(
        core.db,
        day,
        state=state,
        service=service,
        limit=limit,
        offset=offset,
        window=core.engine.settings.recent_handling_window,
    )
    return jsonify({"items": [i.to_dict() for i in page.items], "total": page.total})


@bp.get("/api/v1/tickets/<int:ticket_id>")
@require("officer")
def get_ticket(ticket_id: int) -> Response:
    return jsonify(web().core.engine.ticket(ticket_id).to_dict())


@bp.get("/api/v1/track/<status_token>")
def track(status_token: str) -> Response:
    if not STATUS_TOKEN.match(status_token):
        raise ApiError(404, "ticket_not_found", "Tiket tidak ditemukan.")
    info = web().core.engine.track(status_token)
    response = jsonify(info.to_dict(public=True))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/v1/tickets/<int:ticket_id>/reprint")
@require("officer")
def reprint(ticket_id: int) -> tuple[Response, int]:
    info = web().core.engine.ticket(ticket_id)  # 404 for an unknown ticket
    hardware = web().hardware
    state = printer_state().get("state", "disabled")
    if hardware is None or state == "disabled":
        raise ApiError(
            409, "printer_disabled", "Tidak ada printer yang terpasang di perangkat ini."
        )
    hardware.reprint(ticket_id)
    return jsonify({"queued": True, "number": info.number, "printer": state}), 202


@bp.post("/api/v1/tickets/<int:ticket_id>/restore")
@require("officer")
def restore(ticket_id: int) -> Response:
    who = principal()
    assert who is not None
    json_body(optional=True)
    return jsonify(web().core.engine.restore(ticket_id, officer_id=officer_id(who)).to_dict())


@bp.post("/api/v1/tickets/<int:ticket_id>/cancel")
@require("supervisor")
def cancel(ticket_id: int) -> Response:
    who = principal()
    assert who is not None
    json_body(optional=True)
    return jsonify(web().core.engine.cancel(ticket_id, officer_id=officer_id(who)).to_dict())


@bp.post("/api/v1/tickets/<int:ticket_id>/transfer")
@require("supervisor")
def transfer(ticket_id: int) -> Response:
    who = principal()
    assert who is not None
    service = code_field(json_body(), "service")
    info = web().core.engine.transfer_ticket(ticket_id, service, officer_id=officer_id(who))
    return jsonify(info.to_dict())
