"""Read functions for the screens: each answers one question in plain data the web serialises.

The web's views call these instead of querying the models, so what a console, a board or the
status page is told is decided here, beside the engine that writes it, and a view only turns the
answer into JSON. Each opens its own connection (`connected`) and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from peewee import Database, fn

from appliance.queue import outbox
from appliance.queue import statements as sql
from appliance.queue.calling import GENERAL, PRIORITY, call_order
from appliance.queue.counter_actions import OPEN_KEY, PAUSE_KEY
from appliance.queue.hours import next_opening, opening_at
from appliance.queue.issuing import QUOTA_REACHED, issuing, parsed_hours
from appliance.queue.numbering import local_date
from appliance.queue.tickets import TicketInfo, handling_minutes, ticket_infos, waiting_counts
from appliance.queue.waiting import estimated_wait_minutes
from appliance.site import site_zone, zone
from appliance.storage.database import connected
from appliance.storage.models import (
    BOOKING,
    Agency,
    BookingKey,
    Counter,
    CounterService,
    Officer,
    Outbox,
    Service,
    Site,
    Ticket,
)
from appliance.storage.state import BOOKING_WORDS, KIOSK_WORDS, get_state, get_state_json

# -- counters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterView:
    """A counter as the consoles show it: who works it, what it serves, what it is calling."""

    code: str
    name: str
    agency: str
    agency_name: str
    services: tuple[str, ...]
    paused: bool
    current: TicketInfo | None
    officer: str | None
    pause_reason: str | None = None  # why it is paused (counter_actions.PAUSE_REASONS)
    paused_since: datetime | None = None
    # Open and free: since its last ticket of today ended or it came back from a pause today,
    # whichever is later; None when neither happened today (or no `now` was given).
    idle_since: datetime | None = None

    def state_since(self) -> datetime | None:
        """When its present state began: the pause, the ticket's start (serving) or call, or
        the free time; what the admin's live view counts the minutes from."""
        if self.paused:
            return self.paused_since
        if self.current is not None:
            if self.current.state == "serving" and self.current.started_at is not None:
                return self.current.started_at
            return self.current.called_at
        return self.idle_since


def minutes_since(since: datetime | None, now: datetime) -> int | None:
    """Whole minutes from `since` to `now` (0 for a moment ahead of the clock)."""
    if since is None:
        return None
    return max(int((now - since).total_seconds() // 60), 0)


def counters(db: Database, *, window: int, now: datetime | None = None) -> list[CounterView]:
    """The active counters in their order on the floor (`window`: see QueueSettings); with
    `now`, each free counter's `idle_since`."""
    with connected(db):
        agencies = {a.code: a.name for a in Agency.select(Agency.code, Agency.name)}
        officers = {o.id: o.display_name or o.username for o in Officer.select()}
        links: dict[str, list[str]] = {}
        for link in CounterService.select().order_by(CounterService.service):
            links.setdefault(link.counter_id, []).append(link.service_id)
        rows = list(Counter.select().where(Counter.active).order_by(Counter.position))
        current_ids = [c.current_ticket_id for c in rows if c.current_ticket_id]
        current_rows = (
            list(Ticket.select().where(Ticket.id.in_(current_ids))) if current_ids else []
        )
        current = {info.id: info for info in ticket_infos(current_rows, window=window)}
        free = [c.code for c in rows if not c.paused and not c.current_ticket_id]
        idle = _idle_since(db, free, now) if now is not None and free else {}
        return [
            CounterView(
                code=c.code,
                name=c.name,
                agency=c.agency_id,
                agency_name=agencies.get(c.agency_id, c.agency_id),
                services=tuple(links.get(c.code, [])),
                paused=bool(c.paused),
                current=current.get(c.current_ticket_id) if c.current_ticket_id else None,
                officer=officers.get(c.officer_id) if c.officer_id else None,
                **_pause(db, c.code) if c.paused else {},
                idle_since=idle.get(c.code),
            )
            for c in rows
        ]


def _idle_since(db: Database, codes: list[str], now: datetime) -> dict[str, datetime]:
    """For free counters: the later of their last ticket of today ending and their last
    resume today (counter_actions.OPEN_KEY). Today is the site's date."""
    tz = site_zone(db)
    today = local_date(now, tz)
    ends: dict[str, datetime] = {}
    query = (
        Ticket.select(Ticket.counter, fn.MAX(Ticket.finished_at))
        .where(
            (Ticket.business_date == today)
            & Ticket.counter.in_(codes)
            & Ticket.finished_at.is_null(False)
        )
        .group_by(Ticket.counter)
    )
    for code, finished in query.tuples():
        ends[code] = datetime.fromisoformat(finished).astimezone(tz)
    prefix = OPEN_KEY.format(counter="")
    kept = db.execute_sql("SELECT key, value FROM state WHERE key LIKE ?", (prefix + "%",))
    wanted = set(codes)
    for key, value in kept.fetchall():  # one read for every counter's last resume
        code, fact = str(key)[len(prefix) :], json.loads(value)
        since = fact.get("since") if isinstance(fact, dict) else None
        if code in wanted and isinstance(since, str):
            opened = datetime.fromisoformat(since).astimezone(tz)
            if opened.date() == today and opened > ends.get(code, opened - timedelta(seconds=1)):
                ends[code] = opened
    return {code: at for code, at in ends.items() if at.date() == today}


def _pause(db: Database, code: str) -> dict[str, Any]:
    """The reason and start (in the site's zone) of a counter's pause, as `pause` keeps them."""
    kept = get_state_json(PAUSE_KEY.format(counter=code))
    if not isinstance(kept, dict):
        return {}  # paused before reasons were kept
    since = kept.get("since")
    return {
        "pause_reason": kept.get("reason"),
        "paused_since": datetime.fromisoformat(since).astimezone(site_zone(db)) if since else None,
    }


def counter_name(db: Database, code: str) -> str | None:
    """The counter's name, None for a code the catalogue does not know."""
    with connected(db):
        counter = Counter.get_or_none(Counter.code == code)
        return str(counter.name) if counter is not None else None


def officer_display_name(db: Database, officer_id: int) -> str:
    """How an officer is named on screen; "" for an unknown id or one without a display name."""
    with connected(db):
        officer = Officer.get_or_none(Officer.id == officer_id)
        return str(officer.display_name) if officer is not None else ""


# -- services (the kiosk) -------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceView:
    """A service as the kiosk offers it: its queue, its wait, and whether it issues now.

    When it does not, `closed_template` and `closed_params` say why, apart like a refusal's
    (appliance/queue/errors.py), so the kiosk can say it in its own language.
    """

    code: str
    name: str
    prefix: str
    agency: str
    agency_name: str
    waiting: int
    estimated_wait_minutes: int | None  # None: no counter serving it is open, nobody can say
    open_counters: int
    open: bool
    closed_template: str
    closed_params: Mapping[str, object]
    daily_quota: int | None
    quota_remaining: int | None
    fee: str
    requirements: list[object]
    # The catalogue's optional kiosk words (appliance/catalogue/kiosk.py); "" / [] when absent.
    agency_short_name: str = ""
    agency_icon: str = ""
    group: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteOpening:
    """Whether the site issues tickets now, as the kiosk's closed screen needs it: `reason` is
    hours.Opening's ("open", "break", "before_opening", "after_closing", "closed_today"),
    `next_open` when it opens next (local, naive), None when open or never."""

    open: bool
    reason: str
    next_open: datetime | None


@dataclass(frozen=True)
class ServiceList:
    items: list[ServiceView]
    site_name: str
    business_date: date
    opening: SiteOpening = SiteOpening(True, "open", None)
    kiosk_priority: bool = (
        True  # the kiosk shows the priority button (catalogue site.kiosk_priority)
    )
    takes_bookings: bool = False  # the kiosk offers "Sudah booking?" (_takes_bookings)


def services(
    db: Database, day: date, now: datetime, *, enforce_hours: bool, window: int
) -> ServiceList:
    """The active services of active agencies in the catalogue's order, on business day `day`
    at moment `now` (`window`: see QueueSettings)."""
    with connected(db):
        site = Site.select().first()
        hours = str(site.hours) if site is not None else None
        local = now.astimezone(zone(site.timezone)) if site is not None else now
        agencies = {a.code: a for a in Agency.select().where(Agency.active)}
        waiting = waiting_counts(day)
        issued = _issued_on(day)
        counters = _open_counters()
        words = _kiosk_words()
        items: list[ServiceView] = []
        rows = Service.select().where(Service.active).order_by(Service.position, Service.code)
        for service in rows:
            agency = agencies.get(service.agency_id)
            if agency is None:
                continue
            count = waiting.get(service.code, 0)
            serving = counters.get(service.code, 0)
            minutes: int | None = None  # no counter open: no figure the kiosk could stand behind
            if serving:
                handling = handling_minutes(service, window) if count else 0.0
                minutes = estimated_wait_minutes(count, serving, handling)
            verdict = issuing(
                enforce_hours=enforce_hours,
                hours=lambda: hours,
                local=local,
                service=service.name,
                quota=service.daily_quota,
                issued_today=_counted(issued, service.code),
            )
            open_now, template, params = verdict.allowed, verdict.template, dict(verdict.params)
            if verdict.code == QUOTA_REACHED:  # the kiosk's card says it in fewer words
                template, params = "Kuota harian sudah habis.", {}
            remaining = None
            said = words.get("agencies", {}).get(agency.code, {})
            extra = words.get("services", {}).get(service.code, {})
            if service.daily_quota is not None:
                remaining = max(0, service.daily_quota - issued.get(service.code, 0))
            items.append(
                ServiceView(
                    code=service.code,
                    name=service.name,
                    prefix=service.prefix,
                    agency=agency.code,
                    agency_name=agency.name,
                    waiting=count,
                    estimated_wait_minutes=minutes,
                    open_counters=counters.get(service.code, 0),
                    open=open_now,
                    closed_template=template,
                    closed_params=params,
                    daily_quota=service.daily_quota,
                    quota_remaining=remaining,
                    fee=service.fee,
                    requirements=json.loads(service.requirements or "[]"),
                    agency_short_name=str(said.get("short_name", "")),
                    agency_icon=str(said.get("icon", "")),
                    group=str(extra.get("group", "")),
                    aliases=tuple(str(a) for a in extra.get("aliases", ())),
                )
            )
        opening = site_opening(enforce_hours=enforce_hours, hours=hours, local=local)
        priority = bool(words.get("site", {}).get("kiosk_priority", True))
        name = site.name if site is not None else ""
        return ServiceList(items, name, day, opening, priority, _takes_bookings())


def _takes_bookings() -> bool:
    """A key to check a scanned booking with, or a bookable service: a site without bookings
    does not show its citizens a "Sudah booking?" they cannot use."""
    if BookingKey.select().exists():
        return True
    try:
        kept = get_state_json(BOOKING_WORDS, {})
    except ValueError:
        return False
    quotas = kept.get("services", {}) if isinstance(kept, dict) else {}
    return any(quota for quota in quotas.values() if isinstance(quota, int))


def _kiosk_words() -> dict[str, Any]:
    """The catalogue's kiosk words as the store kept them; none before a catalogue has them."""
    try:
        kept = get_state_json(KIOSK_WORDS, {})
    except ValueError:
        return {}
    return kept if isinstance(kept, dict) else {}


def site_opening(*, enforce_hours: bool, hours: str | None, local: datetime) -> SiteOpening:
    """The site's hours now; always open when the hours are not enforced (or not loaded)."""
    if not enforce_hours or hours is None:
        return SiteOpening(True, "open", None)
    parsed = parsed_hours(hours)
    now = opening_at(parsed, local)
    if now.open:
        return SiteOpening(True, now.reason, None)
    return SiteOpening(False, now.reason, next_opening(parsed, local))


def _counted(issued: Mapping[str, int], service: str) -> Callable[[], int]:
    return lambda: issued.get(service, 0)


def _issued_on(day: date) -> dict[str, int]:
    """Tickets issued per service on `day`, transfers in and bookings not counted (as the
    walk-in quota counts: statements.ISSUED_TODAY)."""
    rows = (
        Ticket.select(Ticket.service, fn.COUNT(Ticket.id))
        .where(
            (Ticket.business_date == day)
            & Ticket.transferred_from.is_null()
            & (Ticket.source != BOOKING)
        )
        .group_by(Ticket.service)
        .tuples()
    )
    return {str(code): int(n) for code, n in rows}


def _open_counters() -> dict[str, int]:
    """Active, unpaused counters per service they serve."""
    rows = (
        CounterService.select(CounterService.service, fn.COUNT(Counter.code))
        .join(Counter)
        .where(Counter.active & ~Counter.paused)
        .group_by(CounterService.service)
        .tuples()
    )
    return {str(code): int(n) for code, n in rows}


# -- tickets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketPage:
    """One page of a day's tickets, and how many match in all."""

    items: list[TicketInfo]
    total: int


def tickets(
    db: Database,
    day: date,
    *,
    state: str | None = None,
    service: str | None = None,
    limit: int,
    offset: int = 0,
    window: int,
) -> TicketPage:
    """The tickets of business day `day` in issue order, optionally of one state and one
    service."""
    with connected(db):
        query = Ticket.select().where(Ticket.business_date == day)
        if state:
            query = query.where(Ticket.state == state)
        if service:
            query = query.where(Ticket.service == service)
        total = query.count()
        rows = list(query.order_by(Ticket.id).limit(limit).offset(offset))
        return TicketPage(ticket_infos(rows, window=window), total)


def counter_queue(
    db: Database,
    code: str,
    day: date,
    *,
    streak_limit: int,
    limit: int,
    offset: int = 0,
    window: int,
) -> TicketPage:
    """The tickets waiting for counter `code` on business day `day`, in the order its *call
    next* will take them if nothing else changes (a new priority ticket, or another counter
    calling one of them, reorders what is left): its two lines read with the engine's own
    statement, merged by the engine's own rule (appliance.queue.calling) from the counter's
    current priority streak. `streak_limit`: QueueSettings.priority_streak_limit. An unknown
    counter is refused as *call next* refuses it (NotFound `unknown_counter`)."""
    with connected(db):
        counter = sql.active_counter(db, code)
        lines = {
            line: list(Ticket.raw(sql.COUNTER_LINE, day.isoformat(), line, counter.code))
            for line in (PRIORITY, GENERAL)
        }
        order = call_order(lines[PRIORITY], lines[GENERAL], counter.priority_streak, streak_limit)
        page = order[offset : offset + limit]
        return TicketPage(ticket_infos(page, window=window), len(order))


# -- sync -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncProgress:
    """How far central has the outbox, as `mpp sync` last recorded it in the database."""

    connected: bool
    last_contact: str | None
    last_error: str | None
    backlog: int
    last_seq: int
    acked_through: int
    oldest_pending_at: str | None
    # An alarm `mpp sync` raised for a person (sync.alarm): {"code": "twin_site", "site",
    # "central_through", "last_seq", "at"} when another appliance uses this site code.
    alarm: dict[str, Any] | None = None


def sync_progress(db: Database) -> SyncProgress:
    with connected(db):
        acked = outbox.acked_through()
        oldest = Outbox.select(Outbox.at).where(Outbox.seq > acked).order_by(Outbox.seq).first()
        return SyncProgress(
            connected=get_state("sync.connected") == "1",
            last_contact=get_state("sync.last_contact"),
            last_error=get_state("sync.last_error"),
            backlog=outbox.backlog(),
            last_seq=outbox.last_seq(),
            acked_through=acked,
            oldest_pending_at=oldest.at if oldest is not None else None,
            alarm=_sync_alarm(),
        )


def _sync_alarm() -> dict[str, Any] | None:
    try:
        alarm = get_state_json("sync.alarm")
    except ValueError:  # written by `mpp sync` as JSON; anything else is not an alarm to show
        return None
    return alarm if isinstance(alarm, dict) else None
