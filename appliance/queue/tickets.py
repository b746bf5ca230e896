"""Reading tickets: the `TicketInfo` snapshot handed to the web, printer and board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from peewee import fn

from appliance.queue.waiting import average_handling_minutes, estimated_wait_minutes
from appliance.site import site_zone
from appliance.storage.models import (
    WAITING,
    Service,
    Ticket,
)


@dataclass(frozen=True)
class TicketInfo:
    id: int
    number: str
    prefix: str
    sequence: int
    business_date: date
    service: str
    service_name: str
    agency: str
    agency_name: str
    state: str
    priority: bool
    priority_reason: str | None
    status_token: str
    source: str
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    counter: str | None
    counter_name: str | None
    recalls: int
    transferred_from: str | None
    people_ahead: int | None
    estimated_wait_minutes: int | None
    # Checked in from a booking (SPEC §8): inside its window (called before the walk-ins), and
    # its slot as "HH:MM-HH:MM" site time.
    booked: bool = False
    booking_slot: str | None = None

    def to_dict(self, *, public: bool = False) -> dict[str, Any]:
        """JSON shape of SPEC §4; `public` drops what only staff may see."""
        data: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "prefix": self.prefix,
            "sequence": self.sequence,
            "business_date": self.business_date.isoformat(),
            "service": self.service,
            "service_name": self.service_name,
            "agency": self.agency,
            "agency_name": self.agency_name,
            "state": self.state,
            "priority": self.priority,
            "priority_reason": self.priority_reason,
            "status_token": self.status_token,
            "issued_at": _iso(self.issued_at),
            "called_at": _iso(self.called_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "counter": self.counter,
            "counter_name": self.counter_name,
            "people_ahead": self.people_ahead,
            "estimated_wait_minutes": self.estimated_wait_minutes,
            "source": self.source,
            "recalls": self.recalls,
            "transferred_from": self.transferred_from,
        }
        if self.source == "booking":
            data["booked"] = self.booked
            data["booking_slot"] = self.booking_slot
        if public:
            for key in ("id", "priority_reason", "source", "recalls", "transferred_from"):
                data.pop(key)
        return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def stamp(moment: datetime) -> str:
    """How times are stored: ISO 8601 UTC with milliseconds."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_stamp(text: str | None, tz: ZoneInfo) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(tz) if text else None


def people_ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same service that will be called before this one."""
    if ticket.state != WAITING:
        return 0
    return _ahead(
        Ticket._meta.database,
        ticket.id,
        str(ticket.business_date),
        ticket.service_id,
        bool(ticket.priority),
        bool(ticket.booked),
    )


# The queries below run on every issue and every waiting ticket shown; they are plain SQL because
# building them with peewee cost several times the durable commit itself (docs/engine.md).
_AHEAD_PRIORITY = (
    "SELECT COUNT(*) FROM ticket WHERE state = 'waiting' AND business_date = ? "
    "AND service_code = ? AND priority = 1 AND id < ?"
)
_AHEAD_GENERAL = (
    "SELECT COUNT(*) FROM ticket WHERE state = 'waiting' AND business_date = ? "
    "AND service_code = ? AND (priority = 1 OR booked = 1 OR id < ?)"
)
# A booked ticket inside its window: behind the priority line and the booked before it only.
_AHEAD_BOOKED = (
    "SELECT COUNT(*) FROM ticket WHERE state = 'waiting' AND business_date = ? "
    "AND service_code = ? AND (priority = 1 OR (booked = 1 AND id < ?))"
)
_OPEN_COUNTERS = (
    "SELECT COUNT(*) FROM counter_service cs JOIN counter c ON c.code = cs.counter_code "
    "WHERE cs.service_code = ? AND c.active = 1 AND c.paused = 0"
)
_RECENT_DONE = (
    "SELECT started_at, called_at, finished_at FROM ticket WHERE service_code = ? "
    "AND state = 'done' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?"
)
_TICKET = (
    "SELECT t.id, t.number, t.prefix, t.sequence, t.business_date, t.service_code, s.name, "
    "s.agency_code, a.name, t.state, t.priority, t.priority_reason, t.status_token, t.source, "
    "t.issued_at, t.called_at, t.started_at, t.finished_at, t.counter_code, c.name, t.recalls, "
    "t.transferred_from, s.avg_service_minutes, t.booked, "
    "(SELECT b.slot_start || '-' || b.slot_end FROM booking_check_in bc "
    "JOIN booking b ON b.code = bc.code WHERE bc.ticket_id = t.id) "
    "FROM ticket t JOIN service s ON s.code = t.service_code "
    "JOIN agency a ON a.code = s.agency_code "
    "LEFT JOIN counter c ON c.code = t.counter_code WHERE t.{key} = ?"
)


def _ahead(
    db: Any, ticket_id: int, day: str, service: str, priority: bool, booked: bool = False
) -> int:
    sql = _AHEAD_PRIORITY if priority else _AHEAD_BOOKED if booked else _AHEAD_GENERAL
    return int(db.execute_sql(sql, (day, service, ticket_id)).fetchone()[0])


def open_counters(service_code: str) -> int:
    db = Ticket._meta.database
    return int(db.execute_sql(_OPEN_COUNTERS, (service_code,)).fetchone()[0])


def _handling(db: Any, service_code: str, fallback: float, window: int) -> float:
    durations = []
    for started, called, finished in db.execute_sql(_RECENT_DONE, (service_code, window)):
        began = started or called
        if began and finished:
            durations.append(
                (datetime.fromisoformat(finished) - datetime.fromisoformat(began)).total_seconds()
            )
    return average_handling_minutes(durations, fallback)


def handling_minutes(service: Service, window: int) -> float:
    """Recent mean handling time of the service, falling back to the catalogue's figure."""
    return _handling(Ticket._meta.database, service.code, service.avg_service_minutes, window)


def wait_for(ticket: Ticket, service: Service, window: int) -> tuple[int, int]:
    """(people ahead, estimated minutes) for a waiting ticket."""
    ahead = people_ahead(ticket)
    minutes = estimated_wait_minutes(
        ahead, open_counters(service.code), handling_minutes(service, window)
    )
    return ahead, minutes


def ticket_info(ticket: Ticket, *, window: int = 20, tz: ZoneInfo | None = None) -> TicketInfo:
    """Snapshot of a ticket with names resolved and, while waiting, its place and wait."""
    return ticket_info_by_id(Ticket._meta.database, ticket.id, window=window, tz=tz)


def ticket_info_by_id(
    db: Any, ticket_id: int, *, window: int = 20, tz: ZoneInfo | None = None
) -> TicketInfo:
    """Like `ticket_info`, read in one joined query (plus the wait estimate while waiting)."""
    info = _read_info(db, "id", ticket_id, window, tz)
    if info is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    return info


def ticket_info_by_token(
    db: Any, status_token: str, *, window: int = 20, tz: ZoneInfo | None = None
) -> TicketInfo | None:
    return _read_info(db, "status_token", status_token, window, tz)


def _read_info(
    db: Any, key: str, value: object, window: int, tz: ZoneInfo | None
) -> TicketInfo | None:
    row = db.execute_sql(_TICKET.format(key=key), (value,)).fetchone()
    if row is None:
        return None
    if tz is None:
        tz = site_zone(db)
    ticket_id, business_date, service, state, priority, avg_minutes = (
        row[0], row[4], row[5], row[9], row[10], row[22]
    )  # fmt: skip
    ahead: int | None = None
    minutes: int | None = None
    if state == WAITING:
        ahead = _ahead(db, ticket_id, str(business_date), service, bool(priority), bool(row[23]))
        open_count = int(db.execute_sql(_OPEN_COUNTERS, (service,)).fetchone()[0])
        minutes = estimated_wait_minutes(
            ahead, open_count, _handling(db, service, avg_minutes, window)
        )
    return _snapshot(row, tz, ahead, minutes)


def _snapshot(
    row: tuple[Any, ...], tz: ZoneInfo, ahead: int | None, minutes: int | None
) -> TicketInfo:
    """A TicketInfo from one row of `_TICKET` and the wait figures computed for it."""
    (
        ticket_id, number, prefix, sequence, business_date, service, service_name, agency,
        agency_name, state, priority, priority_reason, status_token, source, issued_at, called_at,
        started_at, finished_at, counter, counter_name, recalls, transferred_from, _avg, booked,
        booking_slot,
    ) = row  # fmt: skip
    issued = parse_stamp(issued_at, tz)
    assert issued is not None
    return TicketInfo(
        id=ticket_id,
        number=number,
        prefix=prefix,
        sequence=sequence,
        business_date=_as_date(business_date),
        service=service,
        service_name=service_name,
        agency=agency,
        agency_name=agency_name,
        state=state,
        priority=bool(priority),
        priority_reason=priority_reason,
        status_token=status_token,
        source=source,
        issued_at=issued,
        called_at=parse_stamp(called_at, tz),
        started_at=parse_stamp(started_at, tz),
        finished_at=parse_stamp(finished_at, tz),
        counter=counter,
        counter_name=(counter_name or counter) if counter else None,
        recalls=recalls,
        transferred_from=transferred_from,
        people_ahead=ahead,
        estimated_wait_minutes=minutes,
        booked=bool(booked),
        booking_slot=booking_slot,
    )


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def waiting_counts(business_date: date) -> dict[str, int]:
    """Waiting tickets per service code for one business day."""
    rows = (
        Ticket.select(Ticket.service, fn.COUNT(Ticket.id).alias("n"))
        .where((Ticket.state == WAITING) & (Ticket.business_date == business_date))
        .group_by(Ticket.service)
        .tuples()
    )
    return {str(code): int(n) for code, n in rows}


def ticket_infos(tickets: list[Ticket], *, window: int = 20) -> list[TicketInfo]:
    """Snapshots of many tickets at once, for lists: names, places and waits computed per
    service in a few queries instead of several per ticket."""
    if not tickets:
        return []
    db = Ticket._meta.database
    tz = site_zone(db)
    rows: dict[int, tuple[Any, ...]] = {}
    ids = [t.id for t in tickets]
    for start in range(0, len(ids), 500):  # SQLite caps the number of bound parameters
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql = _TICKET.format(key="id").replace("= ?", f"IN ({marks})")
        rows.update((row[0], row) for row in db.execute_sql(sql, chunk))
    places: dict[int, int] = {}
    waits: dict[str, tuple[int, float]] = {}
    days = sorted({str(row[4]) for row in rows.values()})
    for row in rows.values():
        service, state, avg_minutes = row[5], row[9], row[22]
        if state != WAITING or service in waits:
            continue
        queue = (
            Ticket.select(Ticket.id)
            .where(
                (Ticket.state == WAITING)
                & (Ticket.service == service)
                & (Ticket.business_date.in_(days))
            )
            .order_by(Ticket.priority.desc(), Ticket.booked.desc(), Ticket.id)
        )
        for place, waiting in enumerate(queue):
            places[waiting.id] = place
        open_count = int(db.execute_sql(_OPEN_COUNTERS, (service,)).fetchone()[0])
        waits[service] = (open_count, _handling(db, service, avg_minutes, window))
    result = []
    for ticket_id in ids:
        row = rows[ticket_id]
        ahead: int | None = None
        minutes: int | None = None
        if row[9] == WAITING:
            ahead = places.get(ticket_id, 0)
            open_count, handling = waits[row[5]]
            minutes = estimated_wait_minutes(ahead, open_count, handling)
        result.append(_snapshot(row, tz, ahead, minutes))
    return result
