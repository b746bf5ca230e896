"""Counters: their state for the consoles, and the officer's actions on one counter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from appliance.queue import views
from appliance.queue.views import CounterView
from web.auth import officer_id, principal, require, require_counter
from web.context import web
from web.kit.errors import ApiError
from web.kit.inputs import code_field, json_body, query_int

bp = Blueprint("api_counters", __name__)


def counter_body(counter: CounterView) -> dict[str, Any]:
    return {
        "code": counter.code,
        "name": counter.name,
        "agency": counter.agency,
        "agency_name": counter.agency_name,
        "services": list(counter.services),
        "paused": counter.paused,
        "current": counter.current.to_dict() if counter.current is not None else None,
        "officer": counter.officer,
    }


def counter_list() -> list[dict[str, Any]]:
    core = web().core
    found = views.counters(core.db, window=core.engine.settings.recent_handling_window)
    return [counter_body(counter) for counter in found]


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
