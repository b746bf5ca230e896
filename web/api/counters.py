"""Counters: their state for the consoles, and the officer's actions on one counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from appliance.queue import views
from appliance.queue.views import CounterView
from web.auth import officer_id, principal, require, require_counter
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import code_field, json_body, query_int, text_field

bp = Blueprint("api_counters", __name__)


def counter_body(counter: CounterView, now: datetime) -> dict[str, Any]:
    since = counter.state_since()
    return {
        "code": counter.code,
        "name": counter.name,
        "agency": counter.agency,
        "agency_name": counter.agency_name,
        "services": list(counter.services),
        "paused": counter.paused,
        "pause_reason": counter.pause_reason,
        "paused_since": counter.paused_since.isoformat(timespec="seconds")
        if counter.paused_since is not None
        else None,
        "current": counter.current.to_dict() if counter.current is not None else None,
        "officer": counter.officer,
        # how long it has been paused, serving, calling or free (the admin's live view)
        "state_since": since.isoformat(timespec="seconds") if since is not None else None,
        "state_minutes": views.minutes_since(since, now),
        # the console offers no-show once the current ticket was recalled this many times
        "recalls_before_no_show": web().core.engine.settings.recalls_before_no_show,
    }


def counter_list() -> list[dict[str, Any]]:
    core = web().core
    now = core.clock.now()
    found = views.counters(core.db, window=core.engine.settings.recent_handling_window, now=now)
    return [counter_body(counter, now) for counter in found]


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


@bp.get("/api/v1/counters/<code>/queue")
@require("officer")
def counter_queue(code: str) -> Response:
    """The tickets waiting for this counter in the order its *call next* takes them, so the
    console lists them as they will be called (the tickets list keeps issue order)."""
    core = web().core
    settings = core.engine.settings
    page = views.counter_queue(
        core.db,
        code,
        core.engine.current_day().date,
        streak_limit=settings.priority_streak_limit,
        limit=query_int("limit", 1000, low=1, high=5000),
        offset=query_int("offset", 0),
        window=settings.recent_handling_window,
    )
    return jsonify({"items": [i.to_dict() for i in page.items], "total": page.total})


def _act(code: str, action: str) -> Response:
    who = principal()
    assert who is not None
    require_counter(who, code)
    engine = web().core.engine
    actor = officer_id(who)
    if action == "transfer":
        service = code_field(json_body(), "service")
        return jsonify(engine.transfer(code, service, officer_id=actor).to_dict())
    if action == "call":
        number = text_field(json_body(), "number", max_length=16)
        assert number is not None
        return jsonify(engine.call_number(code, number, officer_id=actor).to_dict())
    data = json_body(optional=True)
    if action == "pause":
        reason = text_field(data, "reason", required=False, max_length=32)
        engine.pause(code, reason=reason, officer_id=actor)
        return jsonify(one_counter(code))
    if action == "resume":
        engine.resume(code, officer_id=actor)
        return jsonify(one_counter(code))
    method = {
        "next": engine.call_next,
        "recall": engine.recall,
        "start": engine.start,
        "done": engine.done,
        "no-show": engine.no_show,
        "undo": engine.undo,
    }[action]
    return jsonify(method(code, officer_id=actor).to_dict())


def _register(action: str) -> None:
    def view(code: str) -> Response:
        return _act(code, action)

    view.__name__ = "counter_" + action.replace("-", "_")
    guarded = require("officer")(view)
    bp.add_url_rule(f"/api/v1/counters/<code>/{action}", view.__name__, guarded, methods=["POST"])


for _action in (
    "next",
    "recall",
    "start",
    "done",
    "no-show",
    "transfer",
    "pause",
    "resume",
    "undo",
    "call",
):
    _register(_action)
