"""Reports from the appliance database: load a scope and period, hand it to the pure builders.

The figures themselves are computed by `skm_report` and `operations_report` over plain dicts,
so central can produce the same reports from synced events. Everything here only reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from appliance.bookings.settings import booking_settings
from appliance.reports.bookings import booking_figures
from appliance.reports.operations import operations_report
from appliance.site import site_zone
from appliance.skm.arithmetic import SkmError
from appliance.skm.questionnaire import Questionnaire
from appliance.skm.report import skm_report
from appliance.storage.database import ApplianceDatabase, connected
from appliance.storage.models import (
    DONE,
    Agency,
    Booking,
    Counter,
    Officer,
    Service,
    Site,
    Survey,
    Ticket,
)
from appliance.storage.state import BOOKING_WORDS, get_state_json

MAX_DAYS = 366 * 3  # a report period longer than this is a typo, not a request


@dataclass(frozen=True)
class Scope:
    """A report's period and unit: the whole site, one agency, or one service."""

    start: date
    end: date
    service: str | None = None
    agency: str | None = None

    def check(self) -> None:
        if self.end < self.start:
            raise SkmError("Tanggal akhir periode sebelum tanggal awal.")
        if (self.end - self.start).days >= MAX_DAYS:
            raise SkmError(f"Periode laporan paling panjang {MAX_DAYS} hari.")


class UnknownUnit(LookupError):
    """The scope names a service or agency this site does not have."""


def _unit(scope: Scope) -> dict[str, Any]:
    """The scope's names, for headings; raises UnknownUnit for a code that does not exist."""
    site = Site.select().first()
    unit: dict[str, Any] = {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "site": site.code if site else "",
        "site_name": site.name if site else "",
        "agency": None,
        "agency_name": None,
        "service": None,
        "service_name": None,
    }
    if scope.service:
        service = Service.get_or_none(Service.code == scope.service)
        if service is None:
            raise UnknownUnit(f"Layanan {scope.service!r} tidak dikenal.")
        if scope.agency and service.agency_id != scope.agency:
            raise UnknownUnit(f"Layanan {scope.service!r} bukan milik instansi {scope.agency!r}.")
        unit.update(service=service.code, service_name=service.name)
        agency = Agency.get_by_id(service.agency_id)
        unit.update(agency=agency.code, agency_name=agency.name)
    elif scope.agency:
        agency = Agency.get_or_none(Agency.code == scope.agency)
        if agency is None:
            raise UnknownUnit(f"Instansi {scope.agency!r} tidak dikenal.")
        unit.update(agency=agency.code, agency_name=agency.name)
    return unit


def _services_in(scope: Scope) -> list[str] | None:
    """Service codes of the scope; None for the whole site."""
    if scope.service:
        return [scope.service]
    if scope.agency:
        return [s.code for s in Service.select(Service.code).where(Service.agency == scope.agency)]
    return None


def survey_responses(db: ApplianceDatabase, scope: Scope) -> list[dict[str, Any]]:
    """The stored responses of the scope, shaped like `survey.submitted` event data."""
    with connected(db):
        query = Survey.select().where(Survey.business_date.between(scope.start, scope.end))
        services = _services_in(scope)
        if services is not None:
            query = query.where(Survey.service.in_(services))
        return [
            {
                "service": row.service_id,
                "business_date": str(row.business_date),
                "answers": json.loads(row.answers),
                "respondent": json.loads(row.respondent),
            }
            for row in query.order_by(Survey.id)
        ]


def served_population(db: ApplianceDatabase, scope: Scope) -> int:
    """People served in the scope and period (done tickets): the survey's population."""
    with connected(db):
        query = Ticket.select().where(
            Ticket.business_date.between(scope.start, scope.end) & (Ticket.state == DONE)
        )
        services = _services_in(scope)
        if services is not None:
            query = query.where(Ticket.service.in_(services))
        return int(query.count())


def build_skm_report(
    db: ApplianceDatabase, questionnaire: Questionnaire, scope: Scope
) -> dict[str, Any]:
    """The SKM report of one scope (see `skm_report`); UnknownUnit/SkmError for a bad scope."""
    scope.check()
    with connected(db):
        unit = _unit(scope)
    responses = survey_responses(db, scope)
    return skm_report(responses, served_population(db, scope), questionnaire, scope=unit)


def build_operations_report(
    db: ApplianceDatabase, scope: Scope, *, now: datetime | None = None
) -> dict[str, Any]:
    """Operations of the scope and period: counts, times, arrivals, per counter and officer,
    and the bookings per service and day (a booking's window closed by `now`: a no-show)."""
    scope.check()
    with connected(db):
        unit = _unit(scope)
        zone = site_zone(db)
        officers = {
            o.id: (o.display_name or o.username)
            for o in Officer.select(Officer.id, Officer.username, Officer.display_name)
        }
        service_names = {s.code: s.name for s in Service.select(Service.code, Service.name)}
        agency_of = {s.code: s.agency_id for s in Service.select(Service.code, Service.agency)}
        counter_names = {c.code: c.name for c in Counter.select(Counter.code, Counter.name)}
        query = Ticket.select().where(Ticket.business_date.between(scope.start, scope.end))
        services = _services_in(scope)
        if services is not None:
            query = query.where(Ticket.service.in_(services))
        tickets = [
            {
                "state": t.state,
                "service": t.service_id,
                "agency": agency_of.get(t.service_id, ""),
                "counter": t.counter_id,
                "officer": officers.get(t.officer_id) if t.officer_id else None,
                "business_date": str(t.business_date),
                "issued_at": t.issued_at,
                "called_at": t.called_at,
                "started_at": t.started_at,
                "finished_at": t.finished_at,
            }
            for t in query.order_by(Ticket.id)
        ]
        bookings = _bookings(scope, services, zone, now or datetime.now(UTC))
    report = operations_report(
        tickets, zone, service_names=service_names, counter_names=counter_names
    )
    return {"scope": unit, **report, "bookings": booking_figures(bookings, service_names)}


_BOOKINGS = (
    "SELECT b.business_date, b.service_code, b.status, b.slot_end, c.id IS NOT NULL, c.in_window "
    "FROM booking b LEFT JOIN booking_check_in c ON c.code = b.code "
    "WHERE b.business_date BETWEEN ? AND ?"
)


def _bookings(
    scope: Scope, services: list[str] | None, zone: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    """The bookings of the period as `booking_figures` takes them."""
    kept = get_state_json(BOOKING_WORDS)
    late = timedelta(minutes=booking_settings(kept if isinstance(kept, dict) else {}).late_minutes)
    local = now.astimezone(zone).replace(tzinfo=None)
    rows = Booking._meta.database.execute_sql(
        _BOOKINGS, (scope.start.isoformat(), scope.end.isoformat())
    )
    found = []
    for day, service, status, slot_end, checked_in, in_window in rows:
        if services is not None and service not in services:
            continue
        closes = datetime.combine(date.fromisoformat(str(day)), time.fromisoformat(slot_end))
        found.append(
            {
                "date": str(day),
                "service": service,
                "status": status,
                "checked_in": bool(checked_in),
                "in_window": bool(in_window),
                "window_closed": closes + late < local,
            }
        )
    return found
