"""`GET /api/v1/services`: what the kiosk shows — open services, their queues and waits."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify

from appliance.queue.hours import hours_from_catalogue, opening_at
from appliance.queue.numbering import zone
from appliance.queue.tickets import handling_minutes, waiting_counts
from appliance.queue.waiting import estimated_wait_minutes
from appliance.storage.database import connected
from appliance.storage.models import Agency, Counter, CounterService, Service, Site, Ticket
from web.context import web

bp = Blueprint("api_services", __name__)


@bp.get("/api/v1/services")
def list_services() -> Response:
    core = web().core
    day = core.engine.current_day()
    settings = core.engine.settings
    with connected(core.db):
        site = Site.select().first()
        opening = None
        if site is not None and settings.enforce_hours:
            opening = opening_at(
                hours_from_catalogue(json.loads(site.hours)),
                core.clock.now().astimezone(zone(site.timezone)),
            )
        agencies = {a.code: a for a in Agency.select().where(Agency.active)}
        waiting = waiting_counts(day.date)
        issued = _issued_today(day.date)
        counters = _open_counters()
        items: list[dict[str, Any]] = []
        services = Service.select().where(Service.active).order_by(Service.position, Service.code)
        for service in services:
            agency = agencies.get(service.agency_id)
            if agency is None:
                continue
            count = waiting.get(service.code, 0)
            minutes = (
                estimated_wait_minutes(
                    count,
                    counters.get(service.code, 0),
                    handling_minutes(service, settings.recent_handling_window),
                )
                if count
                else 0
            )
            open_now, reason = True, ""
            if opening is not None and not opening.open:
                open_now, reason = False, opening.message
            remaining = None
            if service.daily_quota is not None:
                remaining = max(0, service.daily_quota - issued.get(service.code, 0))
                if remaining == 0 and open_now:
                    open_now, reason = False, "Kuota harian sudah habis."
            items.append(
                {
                    "code": service.code,
                    "name": service.name,
                    "prefix": service.prefix,
                    "agency": agency.code,
                    "agency_name": agency.name,
                    "waiting": count,
                    "estimated_wait_minutes": minutes,
                    "open_counters": counters.get(service.code, 0),
                    "open": open_now,
                    "closed_reason": reason or None,
                    "daily_quota": service.daily_quota,
                    "quota_remaining": remaining,
                    "fee": service.fee,
                    "requirements": json.loads(service.requirements or "[]"),
                }
            )
        body = {
            "items": items,
            "total": len(items),
            "site_name": site.name if site is not None else "",
            "business_date": day.date.isoformat(),
        }
    return jsonify(body)


def _issued_today(day: object) -> dict[str, int]:
    from peewee import fn

    rows = (
        Ticket.select(Ticket.service, fn.COUNT(Ticket.id))
        .where((Ticket.business_date == day) & Ticket.transferred_from.is_null())
        .group_by(Ticket.service)
        .tuples()
    )
    return {str(code): int(n) for code, n in rows}


def _open_counters() -> dict[str, int]:
    from peewee import fn

    rows = (
        CounterService.select(CounterService.service, fn.COUNT(Counter.code))
        .join(Counter)
        .where(Counter.active & ~Counter.paused)
        .group_by(CounterService.service)
        .tuples()
    )
    return {str(code): int(n) for code, n in rows}
