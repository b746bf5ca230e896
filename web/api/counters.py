"""Counters: their state for the consoles, and the officer's actions on one counter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from appliance.queue.tickets import ticket_infos
from appliance.storage.database import connected
from appliance.storage.models import Agency, Counter, CounterService, Officer, Ticket
from web.auth import officer_id, principal, require, require_counter
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import code_field, json_body

bp = Blueprint("api_counters", __name__)


def counter_list() -> list[dict[str, Any]]:
    core = web().core
    with connected(core.db):
        agencies = {a.code: a.name for a in Agency.select(Agency.code, Agency.name)}
        officers = {o.id: o.display_name or o.username for o in Officer.select()}
        links: dict[str, list[str]] = {}
        for link in CounterService.select().order_by(CounterService.service):
            links.setdefault(link.counter_id, []).append(link.service_id)
        counters = list(Counter.select().where(Counter.active).order_by(Counter.position))
        current_ids = [c.current_ticket_id for c in counters if c.current_ticket_id]
        current_rows = (
            list(Ticket.select().where(Ticket.id.in_(current_ids))) if current_ids else []
        )
        window = core.engine.settings.recent_handling_window
        current = {info.id: info.to_dict() for info in ticket_infos(current_rows, window=window)}
        return [
            {
                "code": c.code,
                "name": c.name,
                "agency": c.agency_id,
                "agency_name": agencies.get(c.agency_id, c.agency_id),
                "services": links.get(c.code, []),
                "paused": bool(c.paused),
                "current": current.get(c.current_ticket_id) if c.current_ticket_id else None,
                "officer": officers.get(c.officer_id) if c.officer_id else None,
            }
            for c in counters
        ]


def one_counter(code: str) -> dict[str, Any]:
    for counter in counter_list():
        if counter["code"] == code:
            return counter
    raise ApiError(404, "counter_not_found", f"Loket {code} tidak ditemukan.")


@bp.get("/api/v1/counters")
@require("officer")
def list_counters() -> Response:
    items = counter_list()
    return jsonify({"items": items, "total": len(items)})


def _act(code: str, action: str) -> Response:
    who = principal()
    assert who is not None
    require_counter(who, code)
    engine = web().core.engine
    actor = officer_id(who)
    if action == "transfer":
        service = code_field(json_body(), "service")
        return jsonify(engine.transfer(code, service, officer_id=actor).to_dict())
    json_body(optional=True)
    if action in ("pause", "resume"):
        getattr(engine, action)(code, officer_id=actor)
        return jsonify(one_counter(code))
    method = {
        "next": engine.call_next,
        "recall": engine.recall,
        "start": engine.start,
        "done": engine.done,
        "no-show": engine.no_show,
    }[action]
    return jsonify(method(code, officer_id=actor).to_dict())


def _register(action: str) -> None:
    def view(code: str) -> Response:
        return _act(code, action)

    view.__name__ = "counter_" + action.replace("-", "_")
    guarded = require("officer")(view)
    bp.add_url_rule(f"/api/v1/counters/<code>/{action}", view.__name__, guarded, methods=["POST"])


for _action in ("next", "recall", "start", "done", "no-show", "transfer", "pause", "resume"):
    _register(_action)
