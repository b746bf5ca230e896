"""What central's pages and API show, read from the stored events' projections (no HTTP here).

Every figure comes from `tickets` and `survey_responses`, which hold only each site's contiguous
prefix of events, so a number never counts a call whose issue has not arrived. A site's "today"
is its own business date: the date in the time zone the site reports (hello, config.applied), else
that of the newest catalogue central pushed to it, else central's configured zone. Names of
services, agencies and counters come from that same catalogue when there is one; otherwise the
codes are shown.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.skm.arithmetic import (
    ELEMENTS,
    Category,
    SkmError,
    categorize,
    compute,
    ikm_from_nrrs,
    validate_answers,
)
from sync.central.store import CatalogueRow, SiteRow, SurveyRow, TicketRow

IKM_DAYS = 30  # the dashboard's IKM covers this many days up to today
# Two installations taking turns on one site code within this long ago are shown as a clash.
CLASH_SHOWN_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class SiteNames:
    """Names from the newest catalogue pushed to a site (empty when none was pushed)."""

    zone: ZoneInfo
    services: Mapping[str, str]
    agencies: Mapping[str, str]
    counters: Mapping[str, str]
    site_name: str = ""


def site_names(site: str, default_zone: ZoneInfo) -> SiteNames:
    """The site's zone: the one it reports itself (hello, config.applied), else that of the
    newest catalogue central pushed to it, else `default_zone`; names from that catalogue."""
    reported = _reported_zone(site)
    row = (
        CatalogueRow.select(CatalogueRow.document)
        .where(CatalogueRow.site == site)
        .order_by(CatalogueRow.version.desc())
        .first()
    )
    return names_of(reported, None if row is None else parse_catalogue(row.document), default_zone)


def names_of(
    reported: ZoneInfo | None, catalogue: SiteNames | None, default: ZoneInfo
) -> SiteNames:
    """A site's names from its reported zone and its newest catalogue (`parse_catalogue`; None
    when none was pushed or it could not be read)."""
    if catalogue is None:
        return SiteNames(reported or default, {}, {}, {})
    if reported is None:
        return catalogue
    return replace(catalogue, zone=reported)


def parse_catalogue(document: str) -> SiteNames | None:
    """A catalogue document's zone and names, None when it cannot be read (then its codes are
    shown and the zone comes from elsewhere). A stored version never changes, so a caller may
    keep the result per (site, version) (`sync.central.summaries`)."""
    try:
        doc = json.loads(document)
        zone = ZoneInfo(str(doc["site"]["timezone"]))
    except (ValueError, KeyError, TypeError, ZoneInfoNotFoundError):
        return None

    def names(section: str) -> dict[str, str]:
        items = doc.get(section) or []
        return {str(i["code"]): str(i.get("name", i["code"])) for i in items if "code" in i}

    return SiteNames(
        zone,
        names("services"),
        names("agencies"),
        names("counters"),
        str(doc["site"].get("name", "")),
    )


def _reported_zone(site: str) -> ZoneInfo | None:
    row = SiteRow.select(SiteRow.timezone).where(SiteRow.code == site).first()
    return None if row is None else reported_zone(row.timezone)


def reported_zone(text: str | None) -> ZoneInfo | None:
    """The zone a site reports (`sites.timezone`), None when none or not a zone."""
    if not text:
        return None
    try:
        return ZoneInfo(str(text))
    except (ValueError, ZoneInfoNotFoundError):
        return None


def site_today(names: SiteNames, now: datetime) -> date:
    return now.astimezone(names.zone).date()


# -- the sites list ---------------------------------------------------------------------------
# The whole list (GET /api/v1/central/sites, /dashboard) is `sync.central.summaries`: the same
# rows as `site_summary` of every site, from a few grouped queries instead of several per site.


def site_state(row: SiteRow, link: dict[str, Any] | None) -> str:
    """ "online", "offline", or "unknown" while central's own broker link is down: a site's
    `online` is only the last word heard, and nothing is heard then."""
    if link is not None and not link["up"]:
        return "unknown"
    return "online" if row.online else "offline"


def site_summary(
    row: SiteRow, default_zone: ZoneInfo, now: datetime, link: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One site's row of the sites list, its figures read for this site alone."""
    names = site_names(row.code, default_zone)
    today = site_today(names, now)
    return summary_of(
        row,
        names,
        now,
        link,
        day_figures(row.code, today),
        ikm_summary(row.code, today - timedelta(days=IKM_DAYS - 1), today),
    )


def summary_of(
    row: SiteRow,
    names: SiteNames,
    now: datetime,
    link: dict[str, Any] | None,
    today: dict[str, Any],
    ikm_30_days: dict[str, Any],
) -> dict[str, Any]:
    """A site's row of the sites list from its stored row, its names and its figures
    (`day_figures`, `ikm_summary` over IKM_DAYS up to its today)."""
    return {
        "site": row.code,
        "name": row.name or names.site_name or row.code,
        "online": bool(row.online),
        "state": site_state(row, link),
        "last_contact": row.last_contact,
        "stored_through": row.stored_through,
        "events_stored": row.events_stored,
        "duplicates_ignored": row.duplicates_ignored,
        "conflicts": row.conflicts,
        "rejected_batches": row.rejected_batches,
        "backlog_reported": row.backlog_reported,
        "backlog_as_of": row.backlog_at,  # when that figure was worked out (hello or batch)
        "edge_last_seq": row.edge_last_seq,
        "config_version": row.config_version,
        "clock_synced": row.clock_synced,
        "printer": {"state": row.printer_state, "at": row.printer_at}
        if row.printer_state
        else None,
        "software": row.software,
        "timezone": names.zone.key,
        "installation": row.installation,
        "twin": twin_clash(row, now),
        "today": today,
        "ikm_30_days": ikm_30_days,
    }


def twin_clash(row: SiteRow, now: datetime) -> dict[str, Any] | None:
    """Two appliances with this site code (a cloned SD card) seen taking turns lately: their
    installation ids and when; None otherwise. The fix: re-provision one with a new code."""
    if not row.installation_clash_at:
        return None
    try:
        at = datetime.fromisoformat(row.installation_clash_at)
    except ValueError:
        return None
    if now - at > CLASH_SHOWN_FOR:
        return None
    return {
        "installations": sorted({row.installation, row.installation_other} - {None}),
        "last_clash_at": row.installation_clash_at,
    }


def day_figures(site: str, day: date) -> dict[str, Any]:
    """Issued, served, no-show, waiting now, and waiting/handling medians of one business day."""
    rows = list(
        TicketRow.select(
            TicketRow.state,
            TicketRow.issued_at,
            TicketRow.called_at,
            TicketRow.started_at,
            TicketRow.finished_at,
        )
        .where((TicketRow.site == site) & (TicketRow.business_date == day.isoformat()))
        .tuples()
    )
    return day_figures_of(day, ticket_figures(rows), ikm_summary(site, day, day))


TicketTimes = tuple[str, str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class TicketFigures:
    """A day's tickets counted by state, and the medians of waiting and handling minutes."""

    issued: int
    served: int
    no_show: int
    waiting: int
    in_service: int
    waiting_p50_minutes: float | None
    handling_p50_minutes: float | None


def ticket_figures(rows: Sequence[TicketTimes]) -> TicketFigures:
    """A day's tickets, as (state, issued_at, called_at, started_at, finished_at), counted."""
    waits: list[float] = []
    handling: list[float] = []
    for state, issued, called, started, finished in rows:
        waited = _minutes(issued, called)
        if waited is not None:
            waits.append(waited)
        if state == "done":
            took = _minutes(started or called, finished)
            if took is not None:
                handling.append(took)
    states = [r[0] for r in rows]
    return TicketFigures(
        issued=len(rows),
        served=states.count("done"),
        no_show=states.count("no_show"),
        waiting=states.count("waiting"),
        in_service=states.count("called") + states.count("serving"),
        waiting_p50_minutes=_median(waits),
        handling_p50_minutes=_median(handling),
    )


def day_figures_of(day: date, tickets: TicketFigures, skm: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "issued": tickets.issued,
        "served": tickets.served,
        "no_show": tickets.no_show,
        "waiting": tickets.waiting,
        "in_service": tickets.in_service,
        "waiting_p50_minutes": tickets.waiting_p50_minutes,
        "handling_p50_minutes": tickets.handling_p50_minutes,
        "ikm": skm["ikm"],
        "respondents": skm["respondents"],
    }


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (ValueError, TypeError):
        return None
    return seconds / 60 if seconds >= 0 else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


# -- one day's tickets ------------------------------------------------------------------------


def day_tickets(site: str, day: date) -> list[dict[str, Any]]:
    query = (
        TicketRow.select()
        .where((TicketRow.site == site) & (TicketRow.business_date == day.isoformat()))
        .order_by(TicketRow.ticket_id, TicketRow.epoch)
    )
    return [ticket_body(t) for t in query]


def ticket_body(t: TicketRow) -> dict[str, Any]:
    prefix, _, sequence = str(t.number).rpartition("-")
    return {
        "id": t.ticket_id,
        "epoch": t.epoch,  # above 0: the id issued again after a restore from backup
        "number": t.number,
        "prefix": prefix,
        "sequence": int(sequence) if sequence.isdigit() else None,
        "business_date": t.business_date,
        "service": t.service,
        "agency": t.agency,
        "state": t.state,
        "priority": bool(t.priority),
        "status_token": t.status_token,
        "source": t.source,
        "issued_at": t.issued_at,
        "called_at": t.called_at,
        "started_at": t.started_at,
        "finished_at": t.finished_at,
        "counter": t.counter,
        "recalls": t.recalls,
        "last_seq": t.last_seq,
    }


# -- SKM --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkmScope:
    """A period and unit: `site` None = every site central knows."""

    start: date
    end: date
    site: str | None = None
    service: str | None = None
    agency: str | None = None


def ikm_summary(site: str, start: date, end: date) -> dict[str, Any]:
    """The dashboard's IKM of one site: the same selection as the SKM report."""
    scope = SkmScope(start, end, site)
    responses, _ = survey_responses(site, scope)
    result = compute([r["answers"] for r in responses], served_population(site, scope))
    ikm = result.ikm if result.respondents else None
    return _ikm_body(start, end, ikm, result.category, result.respondents)


def ikm_of_totals(
    start: date, end: date, respondents: int, totals: Mapping[str, int]
) -> dict[str, Any]:
    """`ikm_summary` from its valid responses summed: how many, and per element the sum of the
    scores. Every valid response answers all nine elements (`validate_answers`), so each NRR is
    that sum over the respondents, as `compute` works it out; the population it also takes
    only sets the minimum sample, which the summary does not show."""
    ikm = (
        ikm_from_nrrs([Fraction(totals[code], respondents) for code in ELEMENTS])
        if respondents
        else None
    )
    category = categorize(ikm) if ikm is not None else None
    return _ikm_body(start, end, ikm, category, respondents)


def _ikm_body(
    start: date, end: date, ikm: Decimal | None, category: Category | None, respondents: int
) -> dict[str, Any]:
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "ikm": float(ikm) if ikm is not None else None,
        "category": category.letter if category else None,
        "category_label": category.label_id if category else None,
        "respondents": respondents,
    }


def served_population(site: str, scope: SkmScope) -> int:
    """Done tickets of the site in the period and unit: the people the survey speaks for."""
    query = TicketRow.select(TicketRow.id).where(
        (TicketRow.site == site)
        & (TicketRow.state == "done")
        & TicketRow.business_date.between(scope.start.isoformat(), scope.end.isoformat())
    )
    if scope.service is not None:
        query = query.where(TicketRow.service == scope.service)
    if scope.agency is not None:
        query = query.where(TicketRow.agency == scope.agency)
    count: int = query.count()
    return count


def survey_responses(site: str, scope: SkmScope) -> tuple[list[dict[str, Any]], int]:
    """The site's synced responses in scope as `{"answers", "respondent"}`, and how many broke
    the SKM rules (counted, never used, never a crash). A survey names its service only, so the
    agency filter goes through the services the site's tickets carry under that agency."""
    query = SurveyRow.select(SurveyRow.answers, SurveyRow.respondent).where(
        (SurveyRow.site == site)
        & SurveyRow.business_date.between(scope.start.isoformat(), scope.end.isoformat())
    )
    if scope.service is not None:
        query = query.where(SurveyRow.service == scope.service)
    if scope.agency is not None:
        services = (
            TicketRow.select(TicketRow.service)
            .where((TicketRow.site == site) & (TicketRow.agency == scope.agency))
            .distinct()
        )
        query = query.where(SurveyRow.service.in_(services))
    return valid_responses(query.order_by(SurveyRow.seq).tuples())


def valid_responses(stored: Iterable[tuple[str, str]]) -> tuple[list[dict[str, Any]], int]:
    good: list[dict[str, Any]] = []
    invalid = 0
    for answers_text, respondent_text in stored:
        try:
            answers = json.loads(answers_text)
            if not isinstance(answers, dict):
                raise SkmError("not an object")
            clean = validate_answers(answers)
        except (ValueError, SkmError):
            invalid += 1
            continue
        good.append({"answers": clean, "respondent": _respondent(respondent_text)})
    return good, invalid


def _respondent(text: str) -> dict[str, Any]:
    """The profile as stored; anything that is not an object counts as 'not answered'."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# -- the public status ------------------------------------------------------------------------


def track(site: str, status_token: str, default_zone: ZoneInfo) -> dict[str, Any] | None:
    """The public view of one synced ticket: no personal data, nothing staff-only."""
    t = TicketRow.get_or_none((TicketRow.site == site) & (TicketRow.status_token == status_token))
    if t is None:
        return None
    names = site_names(site, default_zone)
    row = SiteRow.get_or_none(SiteRow.code == site)
    ahead = None
    if t.state == "waiting":
        same_day = (
            (TicketRow.site == site)
            & (TicketRow.business_date == t.business_date)
            & (TicketRow.service == t.service)
            & (TicketRow.state == "waiting")
        )
        if t.priority:
            before = TicketRow.priority & (TicketRow.ticket_id < t.ticket_id)
        else:
            before = TicketRow.priority | (TicketRow.ticket_id < t.ticket_id)
        ahead = TicketRow.select().where(same_day & before).count()
    return {
        "site": site,
        "site_name": (row.name if row is not None and row.name else "") or names.site_name or site,
        "number": t.number,
        "business_date": t.business_date,
        "service": t.service,
        "service_name": names.services.get(t.service, t.service),
        "agency": t.agency,
        "agency_name": names.agencies.get(t.agency or "", t.agency),
        "state": t.state,
        "priority": bool(t.priority),
        "issued_at": t.issued_at,
        "called_at": t.called_at,
        "finished_at": t.finished_at,
        "counter": t.counter,
        "counter_name": names.counters.get(t.counter or "", t.counter),
        "people_ahead": ahead,
        "synced_at": row.last_contact if row is not None else None,
        "timezone": names.zone.key,
    }
