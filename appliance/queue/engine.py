"""The queue engine: the only writer of ticket state.

Every action changes the ticket (and counter) and appends its event to the outbox atomically, in
one transaction of the group-commit writer, and listeners hear of it only after the commit
(appliance/queue/transaction.py). Issuing and the fixes to one ticket (transfer, restore, cancel)
are here; what an officer does at a counter is in appliance/queue/counter_actions.py, undoing it
and calling a given number in appliance/queue/corrections.py; the SQL and
the rows it reads in appliance/queue/statements.py.
"""

from __future__ import annotations

import secrets

from appliance.queue import events
from appliance.queue import statements as sql
from appliance.queue.corrections import Corrections
from appliance.queue.errors import Conflict, Invalid, NotFound, Refused
from appliance.queue.issuing import Verdict, issuing
from appliance.queue.numbering import format_number
from appliance.queue.statements import TicketRow
from appliance.queue.tickets import TicketInfo, stamp
from appliance.queue.transaction import BookingArrival, Change, Txn, on_writer
from appliance.storage.models import (
    BOOKING,
    CALLED,
    CANCELLED,
    NO_SHOW,
    PRIORITY_REASONS,
    SERVING,
    SOURCES,
    WAITING,
    Counter,
    Ticket,
)


class QueueEngine(Corrections):
    """The public engine: every action of the queue, each one transaction and one outbox row."""

    # -- issuing ----------------------------------------------------------------------------

    @on_writer
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
            raise Invalid(
                "invalid_source", "Sumber tiket tidak dikenal: {source!r}.", source=source
            )
        if priority and priority_reason not in PRIORITY_REASONS:
            raise Invalid(
                "invalid_priority_reason",
                "Tiket prioritas memerlukan kategori: {reasons}.",
                reasons=", ".join(PRIORITY_REASONS),
            )
        if not priority:
            priority_reason = None
        with self._action() as txn:
            info = self._issue(txn, service_code, priority, priority_reason, source, issued_by)
        self._notify(Change("issue", txn.seq, tuple(txn.events), info))
        return info

    @on_writer
    def check_in_booking(self, booking: BookingArrival) -> TicketInfo:
        """A booked citizen's ticket (SPEC §8), in one transaction with its check-in.

        `booking.admit(txn)` checks the booking on this transaction's reads (raising its refusal)
        and names the service and whether the citizen came inside the slot window; the ticket is
        issued by the same path as every other (source "booking", no walk-in quota), called
        before the walk-ins when in the window; `booking.record(txn, ticket)` stores the check-in
        and gives the `booking.checked_in` event's data. Printed and announced after commit, as
        every issue is.
        """
        with self._action() as txn:
            service_code, in_window = booking.admit(txn)
            info = self._issue(txn, service_code, False, None, BOOKING, None, booked=in_window)
            self._emit(txn, events.BOOKING_CHECKED_IN, booking.record(txn, info))
            info = self._info(info.id, txn)  # now with its booking slot
        self._notify(Change("issue", txn.seq, tuple(txn.events), info))
        return info

    def _issue(
        self,
        txn: Txn,
        service_code: str,
        priority: bool,
        priority_reason: str | None,
        source: str,
        issued_by: int | None,
        *,
        booked: bool = False,
    ) -> TicketInfo:
        """The one issuing path: the rule, the next number, the row and its `ticket.issued`."""
        service = self.db.execute_sql(sql.SERVICE, (service_code,)).fetchone()
        if service is None:
            raise NotFound(
                "unknown_service",
                "Layanan {service!r} tidak dikenal atau tidak aktif.",
                service=service_code,
            )
        code, agency, name, prefix, quota = service
        # A booking has its own quota, counted on central when it was made (SPEC §8).
        verdict = self._issuing(txn, code, name, None if source == BOOKING else quota)
        if not verdict.allowed:
            raise Refused(verdict.code, verdict.template, **verdict.params)
        sequence = sql.next_sequence(self.db, txn.day.date, prefix)
        number = format_number(prefix, sequence)
        token = secrets.token_urlsafe(16)
        ticket_id = self.db.execute_sql(
            sql.INSERT_TICKET,
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
                1 if booked else 0,
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
        return self._info(ticket_id, txn)

    def _issuing(self, txn: Txn, service: str, name: str, quota: int | None) -> Verdict:
        """The issuing rule (appliance/queue/issuing.py) on this transaction's reads."""

        def hours() -> str | None:
            site = self.db.execute_sql(sql.SITE_HOURS).fetchone()
            return str(site[0]) if site is not None else None

        def issued_today() -> int:
            day = txn.day.date.isoformat()
            return int(self.db.execute_sql(sql.ISSUED_TODAY, (service, day)).fetchone()[0])

        return issuing(
            enforce_hours=self.settings.enforce_hours,
            hours=hours,
            local=txn.now.astimezone(txn.tz),
            service=name,
            quota=quota,
            issued_today=issued_today,
        )

    @on_writer
    def transfer(
        self, counter_code: str, service_code: str, *, officer_id: int | None = None
    ) -> TicketInfo:
        """Move the counter's current ticket to another service, keeping its place."""
        with self._action() as txn:
            counter = sql.active_counter(self.db, counter_code)
            ticket = sql.require_current(self.db, counter, (CALLED, SERVING))
            self._remember(txn, counter, "transfer", ticket, officer_id)
            Counter.update(current_ticket_id=None).where(Counter.code == counter.code).execute()
            info = self._move(txn, ticket, service_code, officer_id)
        self._notify(Change("transfer", txn.seq, tuple(txn.events), info, counter.code))
        return info

    @on_writer
    def transfer_ticket(
        self, ticket_id: int, service_code: str, *, officer_id: int | None = None
    ) -> TicketInfo:
        """The greeter sends a waiting ticket (usually from the button) to the right service."""
        with self._action() as txn:
            ticket = sql.ticket_row(self.db, ticket_id)
            if ticket.state != WAITING:
                raise Conflict(
                    "wrong_state",
                    "Hanya tiket menunggu yang bisa dialihkan ({state}).",
                    state=ticket.state,
                )
            info = self._move(txn, ticket, service_code, officer_id)
        self._notify(Change("transfer", txn.seq, tuple(txn.events), info))
        return info

    def _move(
        self, txn: Txn, ticket: TicketRow, service_code: str, officer_id: int | None
    ) -> TicketInfo:
        target = sql.active_service(service_code)
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

    @on_writer
    def restore(self, ticket_id: int, *, officer_id: int | None = None) -> TicketInfo:
        """A no-show citizen came back the same day: back in line at their original place."""
        with self._action() as txn:
            ticket = sql.ticket_row(self.db, ticket_id)
            if ticket.state != NO_SHOW:
                raise Conflict("wrong_state", "Hanya tiket tidak hadir yang bisa dipulihkan.")
            if str(ticket.business_date) != txn.day.date.isoformat():
                raise Conflict("not_today", "Tiket dari hari lain tidak bisa dipulihkan.")
            self._requeue(txn, ticket, officer_id)
            info = self._info(ticket.id, txn)
        self._notify(Change("restore", txn.seq, tuple(txn.events), info))
        return info

    @on_writer
    def cancel(self, ticket_id: int, *, officer_id: int | None = None) -> TicketInfo:
        with self._action() as txn:
            ticket = sql.ticket_row(self.db, ticket_id)
            if ticket.state not in (WAITING, CALLED, SERVING):
                raise Conflict(
                    "wrong_state",
                    "Tiket {number} sudah {state}.",
                    number=ticket.number,
                    state=ticket.state,
                )
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

    # -- the business day ---------------------------------------------------------------------

    @on_writer
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
