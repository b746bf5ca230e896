"""The engine's SQL and the small rows it reads inside a write transaction.

Plain SQL because the engine's statements run on every action under the write lock, and building
them with peewee cost several times the durable commit itself (docs/engine.md). The helpers raise
the engine's refusals for an unknown counter, ticket or service, so every action words them alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peewee import SqliteDatabase

from appliance.queue.errors import Conflict, NotFound
from appliance.storage.models import Service

SERVICE = (
    "SELECT code, agency_code, name, prefix, daily_quota FROM service WHERE code = ? AND active = 1"
)
# The walk-in quota counts walk-ins only: a booked citizen's ticket has its own quota (SPEC §8).
ISSUED_TODAY = (
    "SELECT COUNT(*) FROM ticket WHERE service_code = ? AND business_date = ? "
    "AND transferred_from IS NULL AND source != 'booking'"
)
INSERT_TICKET = (
    "INSERT INTO ticket (business_date, prefix, sequence, number, service_code, state, priority, "
    "priority_reason, status_token, source, issued_at, issued_by_id, booked, recalls) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id"
)
NEXT_SEQUENCE = (
    'INSERT INTO "day_counter" ("business_date", "prefix", "last_sequence") VALUES (?, ?, 1) '
    'ON CONFLICT ("business_date", "prefix") DO UPDATE SET last_sequence = last_sequence + 1 '
    "RETURNING last_sequence"
)
SITE_HOURS = "SELECT hours FROM site LIMIT 1"
SERVICE_NAME = "SELECT name FROM service WHERE code = ?"

CALL_TICKET = (
    "UPDATE ticket SET state = ?, called_at = ?, counter_code = ?, officer_id = ? "
    "WHERE id = ? AND state = ?"
)
SEAT_CALLED = (
    "UPDATE counter SET current_ticket_id = ?, priority_streak = ?, officer_id = ? WHERE code = ?"
)
INSERT_CALL = (
    "INSERT INTO call (seq, ticket_id, number, counter_code, counter_name, service_name, "
    "recall, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
COUNT_RECALL = "UPDATE ticket SET recalls = recalls + 1 WHERE id = ?"
RECALLS = "SELECT recalls FROM ticket WHERE id = ?"
TRANSFERRED_FROM = "SELECT transferred_from FROM ticket WHERE id = ?"
SURVEYED = "SELECT surveyed FROM ticket WHERE id = ?"
TICKET_BY_NUMBER = "SELECT id FROM ticket WHERE business_date = ? AND prefix = ? AND sequence = ?"
SERVES = "SELECT 1 FROM counter_service WHERE counter_code = ? AND service_code = ?"
START_TICKET = "UPDATE ticket SET state = ?, started_at = ? WHERE id = ?"
FINISH_TICKET = "UPDATE ticket SET state = ?, finished_at = ? WHERE id = ?"
FREE_COUNTER = "UPDATE counter SET current_ticket_id = NULL WHERE code = ?"

_ACTIVE_COUNTER = (
    "SELECT code, name, paused, priority_streak, current_ticket_id FROM counter "
    "WHERE code = ? AND active = 1"
)
_SELECT_TICKET = (
    "SELECT id, number, state, priority, service_code, started_at, called_at, business_date "
    "FROM ticket "
)
_TICKET_BY_ID = _SELECT_TICKET + "WHERE id = ?"
# A counter's line of one priority: the tickets of its services (counter ?3) waiting on business
# day ?1 with priority ?2, oldest first (`h` a ticket, `cs` the counter's service links).
_LINE = (
    "h.service_code = cs.service_code AND h.state = 'waiting' AND h.business_date = ?1 "
    "AND h.priority = ?2"
)
# The head of that line, what *call next* takes: for each service the correlated subquery seeks
# the head of `ticket_queue_head`, the outer query keeps the oldest. Within a line, tickets
# checked in from a booking inside its window (`booked`) go first (appliance/queue/calling.py).
COUNTER_HEAD = (
    "SELECT t.id, t.number, t.state, t.priority, t.service_code, t.started_at, t.called_at, "  # noqa: S608 constants
    "t.business_date FROM counter_service AS cs JOIN ticket AS t ON t.id = ("
    f"SELECT h.id FROM ticket AS h WHERE {_LINE} ORDER BY h.booked DESC, h.id LIMIT 1) "
    "WHERE cs.counter_code = ?3 ORDER BY t.booked DESC, t.id LIMIT 1"
)
# The whole line in the order repeated COUNTER_HEADs take it (the counter's queue as listed).
COUNTER_LINE = (
    "SELECT h.* FROM counter_service AS cs JOIN ticket AS h "  # noqa: S608 constants
    f"ON {_LINE} WHERE cs.counter_code = ?3 ORDER BY h.booked DESC, h.id"
)


@dataclass(frozen=True)
class CounterRow:
    code: str
    name: str
    paused: bool
    priority_streak: int
    current_ticket_id: int | None


@dataclass(frozen=True)
class TicketRow:
    """A row of `_SELECT_TICKET` (and of `COUNTER_HEAD`, which selects the same columns)."""

    id: int
    number: str
    state: str
    priority: bool
    service_id: str
    started_at: str | None
    called_at: str | None
    business_date: str


def next_sequence(db: SqliteDatabase, day: date, prefix: str) -> int:
    row = db.execute_sql(NEXT_SEQUENCE, (day.isoformat(), prefix)).fetchone()
    return int(row[0])


def active_service(code: str) -> Service:
    service: Service | None = Service.get_or_none((Service.code == code) & Service.active)
    if service is None:
        raise NotFound(
            "unknown_service", "Layanan {service!r} tidak dikenal atau tidak aktif.", service=code
        )
    return service


def active_counter(db: SqliteDatabase, code: str) -> CounterRow:
    row = db.execute_sql(_ACTIVE_COUNTER, (code,)).fetchone()
    if row is None:
        raise NotFound("unknown_counter", "Loket {counter!r} tidak dikenal.", counter=code)
    return CounterRow(row[0], row[1], bool(row[2]), row[3], row[4])


def ticket_row(db: SqliteDatabase, ticket_id: int) -> TicketRow:
    row = db.execute_sql(_TICKET_BY_ID, (ticket_id,)).fetchone()
    if row is None:
        raise NotFound("ticket_not_found", "Tiket tidak ditemukan.")
    return TicketRow(*row)


def current_ticket(db: SqliteDatabase, counter: CounterRow) -> TicketRow | None:
    if counter.current_ticket_id is None:
        return None
    row = db.execute_sql(_TICKET_BY_ID, (counter.current_ticket_id,)).fetchone()
    return TicketRow(*row) if row is not None else None


def require_current(db: SqliteDatabase, counter: CounterRow, allowed: tuple[str, ...]) -> TicketRow:
    ticket = current_ticket(db, counter)
    if ticket is None:
        raise Conflict("no_current_ticket", "Loket ini tidak sedang memanggil tiket.")
    if ticket.state not in allowed:
        raise Conflict(
            "wrong_state",
            "Tiket {number} berstatus {state}.",
            number=ticket.number,
            state=ticket.state,
        )
    return ticket
