"""Putting a counter right: the officer undoes their last no-show, done or transfer for a short
while after it, and calls a given number (a citizen who was missed and came back).

What undo means per step, each one action with its own event:
- no-show: the ticket is restored to the queue at its original place (`ticket.restored`, with
  `undo: true`), as the desk's restore does; the counter stays free.
- done: the ticket is back at the counter in the state it had (serving, or called when the
  officer finished without starting), unfinished (`ticket.undone`). Only while the counter has
  not called anyone since and the citizen has not rated the service yet.
- transfer: the ticket leaves the other service's queue and is back at the counter, in its old
  service and state with its call times (`ticket.undone`). Only while nobody has called it
  there and the counter is still free.
Undo is the same officer's (a token without an officer: the same token kind), within
UNDO_WINDOW_S seconds of the step; a later undoable step at the counter replaces the earlier.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from appliance.queue import events
from appliance.queue import statements as sql
from appliance.queue.counter_actions import UNDO_KEY, CounterActions
from appliance.queue.errors import Conflict, Invalid, NotFound
from appliance.queue.statements import CounterRow, TicketRow
from appliance.queue.tickets import TicketInfo
from appliance.queue.transaction import Change, Txn, on_writer
from appliance.storage.models import DONE, NO_SHOW, WAITING, Counter, Ticket
from appliance.storage.state import delete_state, get_state

# Long enough to notice a wrong key and press "Urungkan"; short enough that nobody undoes a step
# the citizen has already walked away from.
UNDO_WINDOW_S = 30

_NUMBER = re.compile(r"^\s*([A-Za-z]{1,2})\s*-?\s*(\d{1,4})\s*$")


class Corrections(CounterActions):
    @on_writer
    def undo(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """Undo the counter's last no-show, done or transfer (see the module's docstring)."""
        with self._action() as txn:
            counter = sql.active_counter(self.db, counter_code)
            key = UNDO_KEY.format(counter=counter.code)
            raw = get_state(key)
            if raw is None:
                raise Conflict("nothing_to_undo", "Tidak ada langkah yang bisa diurungkan.")
            memo: dict[str, Any] = json.loads(raw)
            if memo["officer_id"] != officer_id:
                raise Conflict(
                    "undo_not_yours", "Hanya petugas yang melakukannya yang bisa mengurungkan."
                )
            age = (txn.now - datetime.fromisoformat(memo["at"])).total_seconds()
            if not 0 <= age <= UNDO_WINDOW_S:
                raise Conflict(
                    "undo_expired",
                    "Batas waktu mengurungkan ({seconds} detik) sudah lewat.",
                    seconds=UNDO_WINDOW_S,
                )
            ticket = sql.ticket_row(self.db, memo["ticket_id"])
            if memo["action"] == "no_show":
                self._undo_no_show(txn, counter, ticket, officer_id)
            else:
                self._undo_step(txn, counter, ticket, memo, officer_id)
            delete_state(key)
            info = self._info(ticket.id, txn)
        self._notify(Change("undo", txn.seq, tuple(txn.events), info, counter.code))
        return info

    def _undo_no_show(
        self, txn: Txn, counter: CounterRow, ticket: TicketRow, officer_id: int | None
    ) -> None:
        if ticket.state != NO_SHOW:
            raise _stale(ticket)
        self._requeue(txn, ticket, officer_id, counter=counter.code, undo=True)

    def _undo_step(
        self,
        txn: Txn,
        counter: CounterRow,
        ticket: TicketRow,
        memo: dict[str, Any],
        officer_id: int | None,
    ) -> None:
        if memo["action"] == "done":
            surveyed = self.db.execute_sql(sql.SURVEYED, (ticket.id,)).fetchone()[0]
            fits = ticket.state == DONE and not surveyed
            undid = events.TICKET_DONE
        else:
            fits = ticket.state == WAITING and ticket.service_id != memo["service"]
            undid = events.TICKET_TRANSFERRED
        if not fits or sql.current_ticket(self.db, counter) is not None:
            raise _stale(ticket)
        Ticket.update(
            state=memo["state"],
            service=memo["service"],
            transferred_from=memo["transferred_from"],
            counter=counter.code,
            called_at=memo["called_at"],
            started_at=memo["started_at"],
            finished_at=None,
        ).where(Ticket.id == ticket.id).execute()
        Counter.update(current_ticket_id=ticket.id).where(Counter.code == counter.code).execute()
        self._emit(
            txn,
            events.TICKET_UNDONE,
            {
                "ticket_id": ticket.id,
                "number": ticket.number,
                "counter": counter.code,
                "officer_id": officer_id,
                "undid": undid,
                "state": memo["state"],
                "service": memo["service"],
                "from_service": ticket.service_id,
            },
        )

    def _requeue(
        self, txn: Txn, ticket: TicketRow, officer_id: int | None, **extra: object
    ) -> None:
        """A no-show back in line at its original place (`ticket.restored`)."""
        Ticket.update(state=WAITING, counter=None, called_at=None, finished_at=None).where(
            Ticket.id == ticket.id
        ).execute()
        self._emit(
            txn,
            events.TICKET_RESTORED,
            {"ticket_id": ticket.id, "number": ticket.number, "officer_id": officer_id, **extra},
        )

    @on_writer
    def call_number(
        self, counter_code: str, number: str, *, officer_id: int | None = None
    ) -> TicketInfo:
        """Call one given ticket of today: waiting for one of the counter's services, or a
        no-show who came back (restored and called in the same action)."""
        with self._action() as txn:
            counter = sql.active_counter(self.db, counter_code)
            prefix, sequence = _parse(number)
            found = self.db.execute_sql(
                sql.TICKET_BY_NUMBER, (txn.day.date.isoformat(), prefix, sequence)
            ).fetchone()
            if found is None:
                raise NotFound(
                    "ticket_not_found", "Nomor {number} tidak ada hari ini.", number=number
                )
            ticket = sql.ticket_row(self.db, found[0])
            if ticket.state not in (WAITING, NO_SHOW):
                raise Conflict(
                    "wrong_state",
                    "Tiket {number} berstatus {state}.",
                    number=ticket.number,
                    state=ticket.state,
                )
            served = self.db.execute_sql(sql.SERVES, (counter.code, ticket.service_id))
            if served.fetchone() is None:
                raise Conflict(
                    "not_this_counter",
                    "{number} antre untuk layanan yang tidak dilayani loket ini.",
                    number=ticket.number,
                )
            self._ready_to_call(txn, counter)
            if ticket.state == NO_SHOW:
                self._requeue(txn, ticket, officer_id, counter=counter.code)
            call_id = self._call(txn, counter, ticket, officer_id)
            info = self._info(ticket.id, txn)
        self._notify(Change("call", txn.seq, tuple(txn.events), info, counter.code, call_id))
        return info


def _parse(number: str) -> tuple[str, int]:
    """`A-012`, `a12` or `A 12` → ("A", 12)."""
    match = _NUMBER.match(number)
    if match is None:
        raise Invalid(
            "invalid_number", "Nomor {number!r} tidak dikenali; tulis seperti A-012.", number=number
        )
    return match.group(1).upper(), int(match.group(2))


def _stale(ticket: TicketRow) -> Conflict:
    return Conflict(
        "undo_stale",
        "{number} sudah berubah sejak itu; langkahnya tidak bisa diurungkan lagi.",
        number=ticket.number,
    )
