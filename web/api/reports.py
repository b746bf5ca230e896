"""Reports for supervisors: today's operations per service (more live in the SKM report)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from appliance.models import CANCELLED, DONE, EXPIRED, NO_SHOW, Service, Ticket
from appliance.storage import connected
from web.auth import require
from web.context import web
from web.inputs import query_date

bp = Blueprint("api_reports", __name__)


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 1000) * len(ordered) // 1000))  # ceil(fraction × n)
    return ordered[min(rank, len(ordered)) - 1]


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return seconds / 60.0 if seconds >= 0 else None


def daily_rows(day: object) -> list[dict[str, Any]]:
    names = {
        s.code: (s.name, s.agency_id)
        for s in Service.select(Service.code, Service.name, Service.agency)
    }
    per: dict[str, dict[str, Any]] = {}
    waits: dict[str, list[float]] = {}
    handles: dict[str, list[float]] = {}
    for t in Ticket.select().where(Ticket.business_date == day).order_by(Ticket.id):
        row = per.setdefault(
            t.service_id,
            {"issued": 0, "served": 0, "no_show": 0, "expired": 0, "cancelled": 0, "waiting": 0},
        )
        row["issued"] += 1
        if t.state == DONE:
            row["served"] += 1
        elif t.state == NO_SHOW:
            row["no_show"] += 1
        elif t.state == EXPIRED:
            row["expired"] += 1
        elif t.state == CANCELLED:
            row["cancelled"] += 1
        elif t.state == "waiting":
            row["waiting"] += 1
        wait = _minutes(t.issued_at, t.called_at)
        if wait is not None:
            waits.setdefault(t.service_id, []).append(wait)
        handle = _minutes(t.started_at or t.called_at, t.finished_at) if t.state == DONE else None
        if handle is not None:
            handles.setdefault(t.service_id, []).append(handle)
    result = []
    for code in sorted(per):
        name, agency = names.get(code, (code, ""))
        result.append(
            {
                "service": code,
                "service_name": name,
                "agency": agency,
                **per[code],
                "wait_p50_minutes": percentile(waits.get(code, []), 0.5),
                "wait_p90_minutes": percentile(waits.get(code, []), 0.9),
                "handling_p50_minutes": percentile(handles.get(code, []), 0.5),
                "handling_p90_minutes": percentile(handles.get(code, []), 0.9),
            }
        )
    return result


@bp.get("/api/v1/reports/daily")
@require("supervisor")
def daily() -> Response:
    core = web().core
    day = query_date() or core.engine.current_day().date
    with connected(core.db):
        items = daily_rows(day)
    return jsonify({"date": day.isoformat(), "items": items, "total": len(items)})
