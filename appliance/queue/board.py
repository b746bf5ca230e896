"""What the display boards read: the latest calls, who waits for what, each counter's number and
the one it calls next, and the site's zone and hours.

Apart from views.py (the consoles' and the kiosk's reads) because every board asks it on every
ring of the doorbell: its reads are plain SQL and head reads, never whole lines. Each function
opens its own connection (`connected`) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from peewee import Database

from appliance.queue import outbox
from appliance.queue import statements as sql
from appliance.queue.calling import GENERAL, PRIORITY, lines_in_turn
from appliance.queue.tickets import waiting_counts
from appliance.storage.database import connected
from appliance.storage.models import Agency, Counter, Service, Site, Ticket
from appliance.storage.state import delete_state, get_state, set_state

# The running text under the board (announcements, hours, the day's requirements), set by an
# administrator; one line, short enough to read as it scrolls past.
MESSAGE_KEY = "board.message"
MESSAGE_MAX = 300


@dataclass(frozen=True)
class CallView:
    """One call (or recall) of a ticket to a counter, as the boards announce it."""

    seq: int
    call_id: int
    number: str
    counter: str
    counter_name: str
    service_name: str
    recall: bool
    at: str


@dataclass(frozen=True)
class WaitingView:
    service: str
    service_name: str
    prefix: str
    waiting: int


@dataclass(frozen=True)
class LoketView:
    """A counter as the board shows it: paused or not, the number at it and the one it calls
    next, so a citizen sees where their number stands without reading a long list."""

    code: str
    name: str
    agency_name: str
    paused: bool
    serving: str | None  # the number called to it or being served there
    serving_state: str | None  # "called" | "serving"
    next: str | None  # the number its *call next* would take now


@dataclass(frozen=True)
class BoardView:
    """What every board shows: the latest calls of the day, who is waiting for what, each
    counter's number, and the site's zone and hours (for its clock and its closed state)."""

    version: int  # the outbox seq it was read at
    business_date: date
    site_name: str
    recent: list[CallView]  # newest first
    waiting: list[WaitingView]  # by service code
    lokets: list[LoketView]  # in their order on the floor
    zone: str  # the site's time zone name
    hours: str | None  # the catalogue's hours (JSON text), None before a catalogue
    message: str = ""  # the running text, "" for none


_SELECT_CALLS = (
    "SELECT c.seq, c.id, c.number, c.counter_code, c.counter_name, c.service_name, c.recall, "
    "c.at FROM call AS c "
)
_CALLS_SINCE = _SELECT_CALLS + "WHERE c.seq > ? ORDER BY c.seq LIMIT ?"
_RECENT_CALLS = _SELECT_CALLS + (
    "JOIN ticket AS t ON t.id = c.ticket_id WHERE t.business_date = ? ORDER BY c.seq DESC LIMIT ?"
)


def _call(row: tuple[Any, ...]) -> CallView:
    seq, call_id, number, counter, counter_name, service_name, recall, at = row
    return CallView(seq, call_id, number, counter, counter_name, service_name, bool(recall), at)


def calls_since(db: Database, after: int, limit: int) -> list[CallView]:
    """The calls after outbox seq `after`, in order — plain SQL because every board asks this
    on every ring of the doorbell."""
    with connected(db):
        rows = db.execute_sql(_CALLS_SINCE, (after, limit)).fetchall()
    return [_call(row) for row in rows]


def board(db: Database, day: date, *, recent: int, streak_limit: int = 3) -> BoardView:
    """The board of business day `day` with its `recent` latest calls (`streak_limit`:
    QueueSettings.priority_streak_limit, for each counter's next number)."""
    with connected(db):
        site = Site.select().first()
        calls = [_call(row) for row in db.execute_sql(_RECENT_CALLS, (day.isoformat(), recent))]
        lokets = _lokets(db, day, streak_limit)
        message = get_state(MESSAGE_KEY, "") or ""
        counts = waiting_counts(day)
        services = {
            s.code: s
            for s in Service.select(Service.code, Service.name, Service.prefix).where(
                Service.code.in_(list(counts))
            )
        }
        version = outbox.last_seq()
    waiting = [
        WaitingView(
            service=code,
            service_name=services[code].name if code in services else code,
            prefix=services[code].prefix if code in services else "",
            waiting=n,
        )
        for code, n in sorted(counts.items())
    ]
    return BoardView(
        version=version,
        business_date=day,
        site_name=site.name if site is not None else "",
        recent=calls,
        waiting=waiting,
        lokets=lokets,
        zone=str(site.timezone) if site is not None else "",
        hours=str(site.hours) if site is not None and site.hours else None,
        message=message,
    )


def _lokets(db: Database, day: date, streak_limit: int) -> list[LoketView]:
    """Every active counter with its current number and the head *call next* would take: two
    indexed head reads per counter (COUNTER_HEAD, the engine's own), never a whole line."""
    agencies = {a.code: a.name for a in Agency.select(Agency.code, Agency.name)}
    rows = list(Counter.select().where(Counter.active).order_by(Counter.position))
    current_ids = [c.current_ticket_id for c in rows if c.current_ticket_id]
    current = {
        t.id: t
        for t in Ticket.select(Ticket.id, Ticket.number, Ticket.state).where(
            Ticket.id.in_(current_ids), Ticket.state.in_(["called", "serving"])
        )
    }
    out: list[LoketView] = []
    for c in rows:
        heads = {
            line: db.execute_sql(sql.COUNTER_HEAD, (day.isoformat(), line, c.code)).fetchone()
            for line in (PRIORITY, GENERAL)
        }
        turn = lines_in_turn(int(c.priority_streak or 0), streak_limit)
        head = next((heads[line] for line in turn if heads[line] is not None), None)
        ticket = current.get(c.current_ticket_id) if c.current_ticket_id else None
        out.append(
            LoketView(
                code=c.code,
                name=c.name,
                agency_name=agencies.get(c.agency_id, c.agency_id),
                paused=bool(c.paused),
                serving=ticket.number if ticket is not None else None,
                serving_state=ticket.state if ticket is not None else None,
                next=str(head[1]) if head is not None else None,
            )
        )
    return out


def one_line(text: str) -> str:
    """The running text as it is stored: line breaks and runs of spaces become one space (it is
    one scrolling line)."""
    return " ".join(text.split())


def set_message(db: Any, line: str) -> None:
    """Set the board's running text (`one_line` already, at most MESSAGE_MAX characters: the
    web checks and says so); "" removes it."""
    with db.write():
        if line:
            set_state(MESSAGE_KEY, line)
        else:
            delete_state(MESSAGE_KEY)
