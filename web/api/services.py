"""`GET /api/v1/services`: what the kiosk shows — open services, their queues and waits (null
when no counter serving it is open), and whether the site is open now and when it opens next."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from appliance.queue import views
from appliance.queue.views import ServiceView, SiteOpening
from web.context import web
from web.refusals import translated

bp = Blueprint("api_services", __name__)


def service_body(service: ServiceView) -> dict[str, Any]:
    reason = service.closed_template and translated(service.closed_template, service.closed_params)
    return {
        "code": service.code,
        "name": service.name,
        "prefix": service.prefix,
        "agency": service.agency,
        "agency_name": service.agency_name,
        "waiting": service.waiting,
        "estimated_wait_minutes": service.estimated_wait_minutes,
        "open_counters": service.open_counters,
        "open": service.open,
        "closed_reason": reason or None,
        "daily_quota": service.daily_quota,
        "quota_remaining": service.quota_remaining,
        "fee": service.fee,
        "requirements": service.requirements,
        "agency_short_name": service.agency_short_name or None,
        "agency_icon": service.agency_icon or None,
        "group": service.group or None,
        "aliases": list(service.aliases),
    }


def opening_body(opening: SiteOpening) -> dict[str, Any]:
    """The site's hours now, for the kiosk's one closed screen instead of a refusal per tile."""
    nxt = opening.next_open
    return {
        "open": opening.open,
        "reason": opening.reason,
        "next_open": nxt and {"date": nxt.date().isoformat(), "time": f"{nxt:%H:%M}"},
    }


@bp.get("/api/v1/services")
def list_services() -> Response:
    core = web().core
    found = views.services(
        core.db,
        core.engine.current_day().date,
        core.clock.now(),
        enforce_hours=core.engine.settings.enforce_hours,
        window=core.engine.settings.recent_handling_window,
    )
    items = [service_body(service) for service in found.items]
    return jsonify(
        {
            "items": items,
            "total": len(items),
            "site_name": found.site_name,
            "business_date": found.business_date.isoformat(),
            "opening": opening_body(found.opening),
            "kiosk_priority": found.kiosk_priority,
            "bookings": found.takes_bookings,
        }
    )
