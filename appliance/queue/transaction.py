"""What every queue action shares: its transaction, its business day, its events, its listeners.

An action runs as one unit of the group-commit writer (appliance/queue/writer.py): alone it is one
`BEGIN IMMEDIATE` transaction, together with others a savepoint of a shared one. Inside, the first
action of a new business day expires the tickets of earlier days, every event goes to the outbox
in the same transaction, and listeners (printer, board doorbell, announcements) hear about the
change only after it committed, so nothing is printed or announced for a change that rolled back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar
from zoneinfo import ZoneInfo

from appliance.clock import Clock
from appliance.config.sections import QueueConfig
from appliance.queue import events, outbox
from appliance.queue.errors import NotFound
from appliance.queue.numbering import BusinessDay, business_day
from appliance.queue.tickets import TicketInfo, stamp, ticket_info_by_id, ticket_info_by_token
from appliance.queue.writer import GroupCommit
from appliance.site import site_zone
from appliance.storage.database import ApplianceDatabase, connected
from appliance.storage.models import CALLED, EXPIRED, WAITING, Counter, Ticket
from appliance.storage.state import get_state, set_state

log = logging.getLogger(__name__)

BUSINESS_DATE = "queue.business_date"


# The engine's settings are the configuration's [queue] section itself: its fields and their
# defaults are written once, in appliance/config/sections.py.
QueueSettings = QueueConfig


@dataclass(frozen=True)
class Change:
    """What a committed action did; handed to listeners after commit."""

    action: str
    version: int  # the outbox seq of the last event written
    events: tuple[str, ...]
    ticket: TicketInfo | None = None
    counter: str | None = None
    call_id: int | None = None


Listener = Callable[[Change], None]


class BookingArrival(Protocol):
    """A booked citizen at the kiosk, as the engine's check-in action needs it (SPEC §8; the
    booking rules are in appliance/bookings/checkin.py, the transaction is the engine's)."""

    def admit(self, txn: Txn) -> tuple[str, bool]:
        """(service, inside the slot window) or raise the refusal, on the transaction's reads."""
        ...

    def record(self, txn: Txn, ticket: TicketInfo) -> dict[str, Any]:
        """Store the check-in of `ticket`; the `booking.checked_in` event's data."""
        ...


@dataclass
class Txn:
    now: datetime
    synced: bool
    day: BusinessDay
    tz: ZoneInfo
    events: list[str] = field(default_factory=list)
    seq: int = 0
    expired: int = 0  # tickets of earlier days this transaction expired


E = TypeVar("E", bound="EngineBase")
P = ParamSpec("P")
R = TypeVar("R")


def on_writer(method: Callable[Concatenate[E, P], R]) -> Callable[Concatenate[E, P], R]:
    """A public action: run as one unit of the engine's group-commit writer."""

    @functools.wraps(method)
    def act(self: E, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.writer.run(lambda: method(self, *args, **kwargs))

    return act


class EngineBase:
    """The engine's state and transaction plumbing, shared by its families of actions."""

    def __init__(
        self,
        db: ApplianceDatabase,
        clock: Clock,
        settings: QueueSettings | None = None,
        writer: GroupCommit | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings or QueueSettings()
        # Not started, the writer runs every action inline in its own transaction; `mpp run`
        # starts it so concurrent actions share commits (appliance/queue/writer.py).
        self.writer = writer or GroupCommit(db)
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(change)` after every committed action (on the acting thread)."""
        self._listeners.append(listener)

    # -- transaction plumbing -------------------------------------------------------------

    @contextmanager
    def _action(self) -> Iterator[Txn]:
        with self.writer.transaction():
            now = self.clock.now()
            tz = self._zone()
            day, new_day = self._open_day(now, tz)
            txn = Txn(now=now, synced=self.clock.synchronised(), day=day, tz=tz)
            if new_day:
                txn.expired = self._expire_before(txn)
            yield txn

    def _emit(self, txn: Txn, event_type: str, data: dict[str, Any]) -> int:
        data = {**data, "business_date": txn.day.date.isoformat()}
        txn.seq = outbox.append(self.db, event_type, data, at=txn.now, clock_synced=txn.synced)
        txn.events.append(event_type)
        return txn.seq

    def _zone(self) -> ZoneInfo:
        return site_zone(self.db)

    def _info(self, ticket_id: int, txn: Txn | None = None) -> TicketInfo:
        return ticket_info_by_id(
            self.db,
            ticket_id,
            window=self.settings.recent_handling_window,
            tz=txn.tz if txn is not None else None,
        )

    def _notify(self, change: Change) -> None:
        self.writer.after_commit(lambda: self._tell(change))

    def _tell(self, change: Change) -> None:
        for listener in self._listeners:
            try:
                listener(change)
            except Exception:  # a broken listener must never undo or block the queue
                log.exception("listener failed for %s", change.action)

    def _open_day(self, now: datetime, tz: ZoneInfo) -> tuple[BusinessDay, bool]:
        """The business day inside a write transaction, and whether it just began."""
        raw = get_state(BUSINESS_DATE)
        last = date.fromisoformat(raw) if raw else None
        day = business_day(now, tz, last)
        if last is None or day.date > last:
            set_state(BUSINESS_DATE, day.date.isoformat())
            return day, last is not None
        return day, False

    def _expire_before(self, txn: Txn) -> int:
        """Waiting and called tickets of earlier days expire; ones being served are left to
        their officer. Each expiry is its own event so central sees every state change."""
        stale = list(
            Ticket.select(Ticket.id, Ticket.number, Ticket.business_date)
            .where(Ticket.state.in_((WAITING, CALLED)) & (Ticket.business_date < txn.day.date))
            .order_by(Ticket.id)
        )
        for ticket in stale:
            Ticket.update(state=EXPIRED, finished_at=stamp(txn.now)).where(
                Ticket.id == ticket.id
            ).execute()
            self._emit(
                txn,
                events.TICKET_EXPIRED,
                {
                    "ticket_id": ticket.id,
                    "number": ticket.number,
                    "ticket_date": str(ticket.business_date),
                },
            )
        if stale:
            Counter.update(current_ticket_id=None).where(
                Counter.current_ticket_id.in_([t.id for t in stale])
            ).execute()
        return len(stale)

    # -- reads ------------------------------------------------------------------------------

    def current_day(self) -> BusinessDay:
        """The business day as it stands now, without writing."""
        with connected(self.db):  # plain SQL: asked by every board and kiosk refresh
            tz = self._zone()
            raw = get_state(BUSINESS_DATE)
            return business_day(self.clock.now(), tz, date.fromisoformat(raw) if raw else None)

    def ticket(self, ticket_id: int) -> TicketInfo:
        with connected(self.db):
            try:
                return ticket_info_by_id(
                    self.db, ticket_id, window=self.settings.recent_handling_window
                )
            except LookupError:
                raise NotFound("ticket_not_found", "Tiket tidak ditemukan.") from None

    def track(self, status_token: str) -> TicketInfo:
        with connected(self.db):
            info = ticket_info_by_token(
                self.db, status_token, window=self.settings.recent_handling_window
            )
        if info is None:
            raise NotFound("ticket_not_found", "Tiket tidak ditemukan.")
        return info
