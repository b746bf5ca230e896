"""The queue engine: the only writer of ticket state.

Every action changes the ticket (and counter) and appends its event to the outbox atomically:
alone it is one `BEGIN IMMEDIATE` transaction; when actions arrive together they share one
transaction, each in its own savepoint (group commit, appliance/writer.py). Listeners (printer,
board doorbell, announcements) hear about a change only after it committed, so nothing is
printed or announced for a change that rolled back.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from peewee import SqliteDatabase

from appliance.clock import Clock
from appliance.queue import events, outbox
from appliance.queue.hours import Hours, hours_from_catalogue, opening_at
from appliance.queue.numbering import BusinessDay, business_day, format_number
from appliance.queue.tickets import TicketInfo, stamp, ticket_info_by_id, ticket_info_by_token
from appliance.queue.writer import GroupCommit
from appliance.site import site_zone
from appliance.storage.database import ApplianceDatabase, connected, get_state, set_state
from appliance.storage.models import (
    CALLED,
    CANCELLED,
    DONE,
    EXPIRED,
    NO_SHOW,
    PRIORITY_REASONS,
    SERVING,
    SOURCES,
    WAITING,
    Counter,
    Service,
    Ticket,
)

log = logging.getLogger(__name__)

BUSINESS_DATE = "queue.business_date"


class QueueError(Exception):
    """A refused action, with a stable code for the API and a message for people."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(QueueError):
    status = 404


class Conflict(QueueError):
    status = 409


class Refused(QueueError):
    """Valid request that breaks a rule (closed, quota reached)."""

    status = 422


class Invalid(QueueError):
    status = 400


@dataclass(frozen=True)
class QueueSettings:
    priority_streak_limit: int = 3
    recalls_before_no_show: int = 2
    enforce_hours: bool = True
    recent_handling_window: int = 20


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


@dataclass
class _Txn:
    now: datetime
    synced: bool
    day: BusinessDay
    tz: ZoneInfo
    events: list[str] = field(default_factory=list)
    seq: int = 0
    expired: int = 0  # tickets of earlier days this transaction expired


P = ParamSpec("P")
R = TypeVar("R")


def _on_writer(
    method: Callable[Concatenate[QueueEngine, P], R],
) -> Callable[Concatenate[QueueEngine, P], R]:
    """A public action: run as one unit of the engine's group-commit writer."""

    @functools.wraps(method)
    def act(self: QueueEngine, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.writer.run(lambda: method(self, *args, **kwargs))

    return act


class QueueEngine:
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
        # starts it so concurrent actions share commits (appliance/writer.py).
        self.writer = writer or GroupCommit(db)
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(change)` after every committed action (on the acting thread)."""
        self._listeners.append(listener)

    # -- transaction plumbing -------------------------------------------------------------

    @contextmanager
    def _action(self) -> Iterator[_Txn]:
        with self.writer.transaction():
            now = self.clock.now()
            tz = self._zone()
            day, new_day = self._open_day(now, tz)
            txn = _Txn(now=now, synced=self.clock.synchronised(), day=day, tz=tz)
            if new_day:
                txn.expired = self._expire_before(txn)
            yield txn

    def _emit(self, txn: _Txn, event_type: str, data: dict[str, Any]) -> int:
        data = {**data, "business_date": txn.day.date.isoformat()}
        txn.seq = outbox.append(self.db, event_type, data, at=txn.now, clock_synced=txn.synced)
        txn.events.append(event_type)
        return txn.seq

    def _zone(self) -> ZoneInfo:
        return site_zone(self.db)

    def _info(self, ticket_id: int, txn: _Txn | None = None) -> TicketInfo:
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

    # -- issuing ----------------------------------------------------------------------------

    @_on_writer
    def issue(
        self,
        service_code: str,
        *,
        priority: bool = False,
        priority_reason: str | None = None,
        source: str = "api",
        issued_by: int | None = None,
    ) -> TicketInfo:
        """Give the next number of the service's prefix for today, or refuse with a reason."""
        if source not in SOURCES:
            raise Invalid("invalid_source", f"Sumber tiket tidak dikenal: {source!r}.")
        if priority and priority_reason not in PRIORITY_REASONS:
            raise Invalid(
                "invalid_priority_reason",
                "Tiket prioritas memerlukan kategori: " + ", ".join(PRIORITY_REASONS) + ".",
            )
        if not priority:
            priority_reason = None
        with self._action() as txn:
            service = self.db.execute_sql(_SERVICE, (service_code,)).fetchone()
            if service is None:
                raise NotFound(
                    "unknown_service",
                    f"Layanan {service_code!r} tidak dikenal atau tidak aktif.",
                )
            code, agency, name, prefix, quota = service
            self._check_open(txn)
            if quota is not None:
                issued_today = self.db.execute_sql(
                    _ISSUED_TODAY, (code, txn.day.date.isoformat())
                ).fetchone()[0]
                if issued_today >= quota:
                    raise Refused(
                        "quota_reached",
                        f"Kuota harian layanan {name} ({quota}) "
                        "sudah habis. Silakan datang kembali besok.",
                    )
            sequence = _next_sequence(self.db, txn.day.date, prefix)
            number = format_number(prefix, sequence)
            token = secrets.token_urlsafe(16)
            ticket_id = self.db.execute_sql(
                _INSERT_TICKET,
                (
                    txn.day.date.isoformat(),
                    prefix,
                    sequence,
                    number,
                    code,
                    WAITING,
                    1 if priority else 0,
                    priority_reason,
                    token,
                    source,
                    stamp(txn.now),
                    issued_by,
                ),
            ).fetchone()[0]
            self._emit(
                txn,
                events.TICKET_ISSUED,
                {
                    "ticket_id": ticket_id,
                    "number": number,
                    "prefix": prefix,
                    "sequence": sequence,
                    "service": code,
                    "agency": agency,
                    "priority": priority,
                    "priority_reason": priority_reason,
                    "status_token": token,
                    "source": source,
                },
            )
            info = self._info(ticket_id, txn)
        self._notify(Change("issue", txn.seq, tuple(txn.events), info))
        return info

    def _check_open(self, txn: _Txn) -> None:
        if not self.settings.enforce_hours:
            return
        site = self.db.execute_sql("SELECT hours FROM site LIMIT 1").fetchone()
        if site is None:
            raise Refused("no_catalogue", "Katalog layanan belum dimuat.")
        opening = opening_at(_hours(site[0]), txn.now.astimezone(txn.tz))
        if not opening.open:
            raise Refused(opening.reason, opening.message)

    # -- counter actions ----------------------------------------------------------------------

    @_on_writer
    def call_next(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """Call the best waiting ticket for the counter's services; finishes one being served."""
        with self._action() as txn:
            counter = _active_counter(self.db, counter_code)
            if counter.paused:
                raise Conflict("counter_paused", "Loket sedang jeda. Lanjutkan dulu.")
            current = _current(self.db, counter)
            if current is not None:
                if current.state == CALLED:
                    raise Conflict(
                        "counter_busy",
                        f"{current.number} masih dipanggil: mulai layani, tandai tidak hadir, "
                        "atau panggil ulang.",
                    )
                self._finish(txn, counter, current)
            chosen = self._choose(txn, counter)
            if chosen is None:
                raise NotFound("queue_empty", "Tidak ada antrean yang menunggu.")
            updated = self.db.execute_sql(
                "UPDATE ticket SET state = ?, called_at = ?, counter_code = ?, officer_id = ? "
                "WHERE id = ? AND state = ?",
                (CALLED, stamp(txn.now), counter.code, officer_id, chosen.id, WAITING),
            ).rowcount
            if updated != 1:  # cannot happen under the write lock; refuse rather than double-call
                raise Conflict("already_called", "Tiket sudah dipanggil loket lain.")
            streak = counter.priority_streak + 1 if chosen.priority else 0
            self.db.execute_sql(
                "UPDATE counter SET current_ticket_id = ?, priority_streak = ?, officer_id = ? "
                "WHERE code = ?",
                (chosen.id, streak, officer_id, counter.code),
            )
            call_id = self._announce(txn, chosen, counter, events.TICKET_CALLED, officer_id)
            info = self._info(chosen.id, txn)
        self._notify(Change("call", txn.seq, tuple(txn.events), info, counter.code, call_id))
        return info

    def _choose(self, txn: _Txn, counter: _CounterRow) -> _TicketRow | None:
        """The oldest waiting ticket of the counter's services, priority ones first — unless
        this counter already called the limit of priority tickets in a row: then one general
        ticket goes first so nobody waits forever.

        One index seek per service and priority (`ticket_queue_head`), so the cost does not grow
        with the length of the queue; the seeks run inside SQLite, one statement per priority
        (a statement per service cost half of a call with 20 services)."""
        starving = counter.priority_streak >= self.settings.priority_streak_limit
        day = txn.day.date.isoformat()
        for priority in (0, 1) if starving else (1, 0):
            row = self.db.execute_sql(_COUNTER_HEAD, (day, priority, counter.code)).fetchone()
            if row is not None:
                return _TicketRow(*row)
        return None

    def _announce(
        self,
        txn: _Txn,
        ticket: _TicketRow,
        counter: _CounterRow,
        kind: str,
        officer_id: int | None,
    ) -> int:
        service_name = self.db.execute_sql(
            "SELECT name FROM service WHERE code = ?", (ticket.service_id,)
        ).fetchone()[0]
        seq = self._emit(
            txn,
            kind,
            {
                "ticket_id": ticket.id,
                "number": ticket.number,
                "service": ticket.service_id,
                "counter": counter.code,
                "officer_id": officer_id,
                "priority": bool(ticket.priority),
            },
        )
        row = self.db.execute_sql(
            "INSERT INTO call (seq, ticket_id, number, counter_code, counter_name, service_name, "
            "recall, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                seq,
                ticket.id,
                ticket.number,
                counter.code,
                counter.name,
                service_name,
                1 if kind == events.TICKET_RECALLED else 0,
                stamp(txn.now),
            ),
        ).fetchone()
        return int(row[0])

    @_on_writer
    def recall(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """Announce the current ticket again."""
        with self._action() as txn:
            counter = _active_counter(self.db, counter_code)
            ticket = _require_current(self.db, counter, (CALLED,))
            self.db.execute_sql(
                "UPDATE ticket SET recalls = recalls + 1 WHERE id = ?", (ticket.id,)
            )
            call_id = self._announce(txn, ticket, counter, events.TICKET_RECALLED, officer_id)
            info = self._info(ticket.id, txn)
        self._notify(Change("recall", txn.seq, tuple(txn.events), info, counter.code, call_id))
        return info

    @_on_writer
    def start(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """The citizen arrived at the counter: serving."""
        return self._counter_step(counter_code, "start", (CALLED,), SERVING, officer_id)

    @_on_writer
    def done(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """Finish the current ticket (from called too, when the officer skipped start)."""
        return self._counter_step(counter_code, "done", (CALLED, SERVING), DONE, officer_id)

    @_on_writer
    def no_show(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """The called citizen did not come."""
        return self._counter_step(counter_code, "no_show", (CALLED,), NO_SHOW, officer_id)

    def _counter_step(
        self,
        counter_code: str,
        action: str,
        allowed: tuple[str, ...],
        target: str,
        officer_id: int | None,
    ) -> TicketInfo:
        with self._action() as txn:
            counter = _active_counter(self.db, counter_code)
            ticket = _require_current(self.db, counter, allowed)
            if target == DONE:
                self._finish(txn, counter, ticket)
            else:
                if target == SERVING:
                    sql = "UPDATE ticket SET state = ?, started_at = ? WHERE id = ?"
                    event = events.TICKET_STARTED
                else:
                    sql = "UPDATE ticket SET state = ?, finished_at = ? WHERE id = ?"
                    event = events.TICKET_NO_SHOW
                    self.db.execute_sql(
                        "UPDATE counter SET current_ticket_id = NULL WHERE code = ?",
                        (counter.code,),
                    )
                self.db.execute_sql(sql, (target, stamp(txn.now), ticket.id))
                self._emit(
                    txn,
                    event,
                    {
                        "ticket_id": ticket.id,
                        "number": ticket.number,
                        "counter": counter.code,
                        "officer_id": officer_id,
                    },
                )
            info = self._info(ticket.id, txn)
        self._notify(Change(action, txn.seq, tuple(txn.events), info, counter.code))
        return info

    def _finish(self, txn: _Txn, counter: _CounterRow, ticket: _TicketRow) -> None:
        self.db.execute_sql(
            "UPDATE ticket SET state = ?, finished_at = ? WHERE id = ?",
            (DONE, stamp(txn.now), ticket.id),
        )
        self.db.execute_sql(
            "UPDATE counter SET current_ticket_id = NULL WHERE code = ?", (counter.code,)
        )
        began = ticket.started_at or ticket.called_at
        handling = (txn.now - datetime.fromisoformat(began)).total_seconds() if began else None
        self._emit(
            txn,
            events.TICKET_DONE,
            {
                "ticket_id": ticket.id,
                "number": ticket.number,
                "counter": counter.code,
                "handling_seconds": round(handling, 1) if handling is not None else None,
            },
        )

    @_on_writer
    def transfer(
        self, counter_code: str, service_code: str, *, officer_id: int | None = None
    ) -> TicketInfo:
        """Move the counter's current ticket to another service, keeping its place."""
        with self._action() as txn:
            counter = _active_counter(self.db, counter_code)
            ticket = _require_current(self.db, counter, (CALLED, SERVING))
            Counter.update(current_ticket_id=None).where(Counter.code == counter.code).execute()
            info = self._move(txn, ticket, service_code, officer_id)
        self._notify(Change("transfer", txn.seq, tuple(txn.events), info, counter.code))
        return info

    @_on_writer
    def transfer_ticket(
        self, ticket_id: int, service_code: str, *, officer_id: int | None = None
    ) -> TicketInfo:
        """The greeter sends a waiting ticket (usually from the button) to the right service."""
        with self._action() as txn:
            ticket = _ticket(self.db, ticket_id)
            if ticket.state != WAITING:
                raise Conflict(
                    "wrong_state", f"Hanya tiket menunggu yang bisa dialihkan ({ticket.state})."
                )
            info = self._move(txn, ticket, service_code, officer_id)
        self._notify(Change("transfer", txn.seq, tuple(txn.events), info))
        return info

    def _move(
        self, txn: _Txn, ticket: _TicketRow, service_code: str, officer_id: int | None
    ) -> TicketInfo:
        target = _active_service(service_code)
        if target.code == ticket.service_id:
            raise Conflict("same_service", "Tiket sudah di layanan itu.")
        Ticket.update(
            state=WAITING,
            service=target.code,
            counter=None,
            called_at=None,
            started_at=None,
            transferred_from=ticket.service_id,
        ).where(Ticket.id == ticket.id).execute()
        self._emit(
            txn,
            events.TICKET_TRANSFERRED,
            {
                "ticket_id": ticket.id,
                "number": ticket.number,
                "from_service": ticket.service_id,
                "to_service": target.code,
                "officer_id": officer_id,
            },
        )
        return self._info(ticket.id, txn)

    @_on_writer
    def restore(self, ticket_id: int, *, officer_id: int | None = None) -> TicketInfo:
        """A no-show citizen came back the same day: back in line at their original place."""
        with self._action() as txn:
            ticket = _ticket(self.db, ticket_id)
            if ticket.state != NO_SHOW:
                raise Conflict("wrong_state", "Hanya tiket tidak hadir yang bisa dipulihkan.")
            if str(ticket.business_date) != txn.day.date.isoformat():
                raise Conflict("not_today", "Tiket dari hari lain tidak bisa dipulihkan.")
            Ticket.update(state=WAITING, counter=None, called_at=None, finished_at=None).where(
                Ticket.id == ticket.id
            ).execute()
            self._emit(
                txn,
                events.TICKET_RESTORED,
                {"ticket_id": ticket.id, "number": ticket.number, "officer_id": officer_id},
            )
            info = self._info(ticket.id, txn)
        self._notify(Change("restore", txn.seq, tuple(txn.events), info))
        return info

    @_on_writer
    def cancel(self, ticket_id: int, *, officer_id: int | None = None) -> TicketInfo:
        with self._action() as txn:
            ticket = _ticket(self.db, ticket_id)
            if ticket.state not in (WAITING, CALLED, SERVING):
                raise Conflict("wrong_state", f"Tiket {ticket.number} sudah {ticket.state}.")
            Ticket.update(state=CANCELLED, finished_at=stamp(txn.now)).where(
                Ticket.id == ticket.id
            ).execute()
            Counter.update(current_ticket_id=None).where(
                Counter.current_ticket_id == ticket.id
            ).execute()
            self._emit(
                txn,
                events.TICKET_CANCELLED,
                {"ticket_id": ticket.id, "number": ticket.number, "officer_id": officer_id},
            )
            info = self._info(ticket.id, txn)
        self._notify(Change("cancel", txn.seq, tuple(txn.events), info))
        return info

    @_on_writer
    def pause(self, counter_code: str, *, officer_id: int | None = None) -> None:
        self._set_paused(counter_code, True, officer_id)

    @_on_writer
    def resume(self, counter_code: str, *, officer_id: int | None = None) -> None:
        self._set_paused(counter_code, False, officer_id)

    def _set_paused(self, counter_code: str, paused: bool, officer_id: int | None) -> None:
        with self._action() as txn:
            counter = _active_counter(self.db, counter_code)
            if bool(counter.paused) == paused:
                raise Conflict(
                    "already_paused" if paused else "not_paused",
                    "Loket sudah jeda." if paused else "Loket tidak sedang jeda.",
                )
            Counter.update(paused=paused).where(Counter.code == counter.code).execute()
            self._emit(
                txn,
                events.COUNTER_PAUSED if paused else events.COUNTER_RESUMED,
                {"counter": counter.code, "officer_id": officer_id},
            )
        action = "pause" if paused else "resume"
        self._notify(Change(action, txn.seq, tuple(txn.events), counter=counter.code))

    @_on_writer
    def close_day(self) -> int:
        """Expire every ticket still waiting or called from business days before today.

        A new business day does this by itself in its first action; this is the same by hand
        (`mpp day close`). Returns how many tickets expired.
        """
        with self._action() as txn:
            expired = txn.expired + self._expire_before(txn)
        if expired:
            self._notify(Change("close_day", txn.seq, tuple(txn.events)))
        return expired

    def _expire_before(self, txn: _Txn) -> int:
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


_SERVICE = (
    "SELECT code, agency_code, name, prefix, daily_quota FROM service WHERE code = ? AND active = 1"
)
_ISSUED_TODAY = (
    "SELECT COUNT(*) FROM ticket WHERE service_code = ? AND business_date = ? "
    "AND transferred_from IS NULL"
)
_INSERT_TICKET = (
    "INSERT INTO ticket (business_date, prefix, sequence, number, service_code, state, priority, "
    "priority_reason, status_token, source, issued_at, issued_by_id, recalls) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id"
)


@functools.lru_cache(maxsize=8)
def _hours(text: str) -> Hours:
    """Opening hours parsed once per catalogue version (keyed by their JSON text)."""
    return hours_from_catalogue(json.loads(text))


def _next_sequence(db: SqliteDatabase, day: date, prefix: str) -> int:
    row = db.execute_sql(
        'INSERT INTO "day_counter" ("business_date", "prefix", "last_sequence") VALUES (?, ?, 1) '
        'ON CONFLICT ("business_date", "prefix") DO UPDATE SET last_sequence = last_sequence + 1 '
        "RETURNING last_sequence",
        (day.isoformat(), prefix),
    ).fetchone()
    return int(row[0])


def _active_service(code: str) -> Service:
    service: Service | None = Service.get_or_none((Service.code == code) & Service.active)
    if service is None:
        raise NotFound("unknown_service", f"Layanan {code!r} tidak dikenal atau tidak aktif.")
    return service


@dataclass(frozen=True)
class _CounterRow:
    code: str
    name: str
    paused: bool
    priority_streak: int
    current_ticket_id: int | None


@dataclass(frozen=True)
class _TicketRow:
    id: int
    number: str
    state: str
    priority: bool
    service_id: str
    started_at: str | None
    called_at: str | None
    business_date: str


_SELECT_TICKET = (
    "SELECT id, number, state, priority, service_code, started_at, called_at, business_date "
    "FROM ticket "
)
_TICKET_BY_ID = _SELECT_TICKET + "WHERE id = ?"
# The oldest waiting ticket of one priority over the counter's services: for each service the
# correlated subquery seeks the head of `ticket_queue_head`, the outer query keeps the oldest.
_COUNTER_HEAD = (
    "SELECT t.id, t.number, t.state, t.priority, t.service_code, t.started_at, t.called_at, "
    "t.business_date FROM counter_service AS cs JOIN ticket AS t ON t.id = ("
    "SELECT h.id FROM ticket AS h WHERE h.service_code = cs.service_code "
    "AND h.state = 'waiting' AND h.business_date = ?1 AND h.priority = ?2 "
    "ORDER BY h.id LIMIT 1) "
    "WHERE cs.counter_code = ?3 ORDER BY t.id LIMIT 1"
)


def _active_counter(db: SqliteDatabase, code: str) -> _CounterRow:
    row = db.execute_sql(
        "SELECT code, name, paused, priority_streak, current_ticket_id FROM counter "
        "WHERE code = ? AND active = 1",
        (code,),
    ).fetchone()
    if row is None:
        raise NotFound("unknown_counter", f"Loket {code!r} tidak dikenal.")
    return _CounterRow(row[0], row[1], bool(row[2]), row[3], row[4])


def _ticket(db: SqliteDatabase, ticket_id: int) -> _TicketRow:
    row = db.execute_sql(_TICKET_BY_ID, (ticket_id,)).fetchone()
    if row is None:
        raise NotFound("ticket_not_found", "Tiket tidak ditemukan.")
    return _TicketRow(*row)


def _current(db: SqliteDatabase, counter: _CounterRow) -> _TicketRow | None:
    if counter.current_ticket_id is None:
        return None
    row = db.execute_sql(_TICKET_BY_ID, (counter.current_ticket_id,)).fetchone()
    return _TicketRow(*row) if row is not None else None


def _require_current(
    db: SqliteDatabase, counter: _CounterRow, allowed: tuple[str, ...]
) -> _TicketRow:
    ticket = _current(db, counter)
    if ticket is None:
        raise Conflict("no_current_ticket", "Loket ini tidak sedang memanggil tiket.")
    if ticket.state not in allowed:
        raise Conflict("wrong_state", f"Tiket {ticket.number} berstatus {ticket.state}.")
    return ticket
