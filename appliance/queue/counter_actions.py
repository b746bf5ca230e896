"""What an officer does at a counter: call the next ticket, recall it, start, finish, mark a
no-show, pause (with a reason) and resume. Each is one action of the engine
(appliance/queue/transaction.py). Done and no-show remember what they changed, so the officer can
undo them for a short while (appliance/queue/corrections.py).
"""

from __future__ import annotations

import json
from datetime import datetime

from appliance.queue import events
from appliance.queue import statements as sql
from appliance.queue.calling import lines_in_turn, streak_after
from appliance.queue.errors import Conflict, Invalid, NotFound
from appliance.queue.statements import CounterRow, TicketRow
from appliance.queue.tickets import TicketInfo, stamp
from appliance.queue.transaction import Change, EngineBase, Txn, on_writer
from appliance.storage.models import CALLED, DONE, NO_SHOW, SERVING, WAITING, Counter
from appliance.storage.state import delete_state, set_state

# Why a counter pauses (SPEC §3: break, prayer), shown on the admin's live view.
PAUSE_REASONS = ("istirahat", "sholat", "rapat", "gangguan", "lainnya")
# The state keys of a counter's pause (its reason and since when) and of its last undoable step.
PAUSE_KEY = "counter.pause.{counter}"
# When a counter last came back from a pause: the admin's live view says how long it has been
# open and free since then (appliance.queue.views).
OPEN_KEY = "counter.open.{counter}"
UNDO_KEY = "counter.undo.{counter}"


class CounterActions(EngineBase):
    @on_writer
    def call_next(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """Call the best waiting ticket for the counter's services; finishes one being served."""
        with self._action() as txn:
            counter = sql.active_counter(self.db, counter_code)
            self._ready_to_call(txn, counter)
            chosen = self._choose(txn, counter)
            if chosen is None:
                raise NotFound("queue_empty", "Tidak ada antrean yang menunggu.")
            call_id = self._call(txn, counter, chosen, officer_id)
            info = self._info(chosen.id, txn)
        self._notify(Change("call", txn.seq, tuple(txn.events), info, counter.code, call_id))
        return info

    def _ready_to_call(self, txn: Txn, counter: CounterRow) -> None:
        """A counter may call when it is not paused and not still calling someone; a ticket
        being served is finished by the call."""
        if counter.paused:
            raise Conflict("counter_paused", "Loket sedang jeda. Lanjutkan dulu.")
        current = sql.current_ticket(self.db, counter)
        if current is not None:
            if current.state == CALLED:
                raise Conflict(
                    "counter_busy",
                    "{number} masih dipanggil: mulai layani, tandai tidak hadir, "
                    "atau panggil ulang.",
                    number=current.number,
                )
            self._finish(txn, counter, current)

    def _call(
        self, txn: Txn, counter: CounterRow, chosen: TicketRow, officer_id: int | None
    ) -> int:
        """Seat a waiting ticket at the counter as called and announce it; the call's id."""
        updated = self.db.execute_sql(
            sql.CALL_TICKET,
            (CALLED, stamp(txn.now), counter.code, officer_id, chosen.id, WAITING),
        ).rowcount
        if updated != 1:  # cannot happen under the write lock; refuse rather than double-call
            raise Conflict("already_called", "Tiket sudah dipanggil loket lain.")
        streak = streak_after(counter.priority_streak, bool(chosen.priority))
        self.db.execute_sql(sql.SEAT_CALLED, (chosen.id, streak, officer_id, counter.code))
        return self._announce(txn, chosen, counter, events.TICKET_CALLED, officer_id)

    def _choose(self, txn: Txn, counter: CounterRow) -> TicketRow | None:
        """The oldest waiting ticket of the counter's services, priority ones first — unless
        this counter already called the limit of priority tickets in a row: then one general
        ticket goes first so nobody waits forever.

        One index seek per service and priority (`ticket_queue_head`), so the cost does not grow
        with the length of the queue; the seeks run inside SQLite, one statement per priority
        (a statement per service cost half of a call with 20 services)."""
        day = txn.day.date.isoformat()
        for priority in lines_in_turn(counter.priority_streak, self.settings.priority_streak_limit):
            row = self.db.execute_sql(sql.COUNTER_HEAD, (day, priority, counter.code)).fetchone()
            if row is not None:
                return TicketRow(*row)
        return None

    def _announce(
        self,
        txn: Txn,
        ticket: TicketRow,
        counter: CounterRow,
        kind: str,
        officer_id: int | None,
    ) -> int:
        service_name = self.db.execute_sql(sql.SERVICE_NAME, (ticket.service_id,)).fetchone()[0]
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
            sql.INSERT_CALL,
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

    @on_writer
    def recall(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """Announce the current ticket again."""
        with self._action() as txn:
            counter = sql.active_counter(self.db, counter_code)
            ticket = sql.require_current(self.db, counter, (CALLED,))
            self.db.execute_sql(sql.COUNT_RECALL, (ticket.id,))
            call_id = self._announce(txn, ticket, counter, events.TICKET_RECALLED, officer_id)
            info = self._info(ticket.id, txn)
        self._notify(Change("recall", txn.seq, tuple(txn.events), info, counter.code, call_id))
        return info

    @on_writer
    def start(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """The citizen arrived at the counter: serving."""
        return self._counter_step(counter_code, "start", (CALLED,), SERVING, officer_id)

    @on_writer
    def done(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """Finish the current ticket (from called too, when the officer skipped start)."""
        return self._counter_step(counter_code, "done", (CALLED, SERVING), DONE, officer_id)

    @on_writer
    def no_show(self, counter_code: str, *, officer_id: int | None = None) -> TicketInfo:
        """The called citizen did not come: offered once the ticket was recalled
        `recalls_before_no_show` times (SPEC §3), so one key cannot send a citizen who is
        still walking to the counter out of the queue."""
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
            counter = sql.active_counter(self.db, counter_code)
            ticket = sql.require_current(self.db, counter, allowed)
            if target == NO_SHOW:
                self._require_recalls(ticket)
            if target in (DONE, NO_SHOW):
                self._remember(txn, counter, action, ticket, officer_id)
            if target == DONE:
                self._finish(txn, counter, ticket)
            else:
                if target == SERVING:
                    statement = sql.START_TICKET
                    event = events.TICKET_STARTED
                else:
                    statement = sql.FINISH_TICKET
                    event = events.TICKET_NO_SHOW
                    self.db.execute_sql(sql.FREE_COUNTER, (counter.code,))
                self.db.execute_sql(statement, (target, stamp(txn.now), ticket.id))
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

    def _require_recalls(self, ticket: TicketRow) -> None:
        needed = self.settings.recalls_before_no_show
        recalls = int(self.db.execute_sql(sql.RECALLS, (ticket.id,)).fetchone()[0])
        if recalls < needed:
            raise Conflict(
                "recall_first",
                "Panggil ulang {number} dulu: tidak hadir baru bisa ditandai setelah "
                "{needed} kali panggil ulang (sudah {recalls}).",
                number=ticket.number,
                needed=needed,
                recalls=recalls,
            )

    def _finish(self, txn: Txn, counter: CounterRow, ticket: TicketRow) -> None:
        self.db.execute_sql(sql.FINISH_TICKET, (DONE, stamp(txn.now), ticket.id))
        self.db.execute_sql(sql.FREE_COUNTER, (counter.code,))
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

    def _remember(
        self, txn: Txn, counter: CounterRow, action: str, ticket: TicketRow, officer_id: int | None
    ) -> None:
        """Keep what the counter's last undoable step changed (appliance/queue/corrections.py)."""
        transferred_from = self.db.execute_sql(sql.TRANSFERRED_FROM, (ticket.id,)).fetchone()[0]
        memo = {
            "action": action,
            "ticket_id": ticket.id,
            "officer_id": officer_id,
            "at": stamp(txn.now),
            "state": ticket.state,
            "service": ticket.service_id,
            "transferred_from": transferred_from,
            "called_at": ticket.called_at,
            "started_at": ticket.started_at,
        }
        set_state(UNDO_KEY.format(counter=counter.code), json.dumps(memo))

    @on_writer
    def pause(
        self, counter_code: str, *, reason: str | None = None, officer_id: int | None = None
    ) -> None:
        """Stop being offered tickets, for a reason the admin sees (PAUSE_REASONS)."""
        if reason is not None and reason not in PAUSE_REASONS:
            raise Invalid(
                "invalid_pause_reason",
                "Alasan jeda harus salah satu dari: {reasons}.",
                reasons=", ".join(PAUSE_REASONS),
            )
        self._set_paused(counter_code, True, officer_id, reason)

    @on_writer
    def resume(self, counter_code: str, *, officer_id: int | None = None) -> None:
        self._set_paused(counter_code, False, officer_id, None)

    def _set_paused(
        self, counter_code: str, paused: bool, officer_id: int | None, reason: str | None
    ) -> None:
        with self._action() as txn:
            counter = sql.active_counter(self.db, counter_code)
            if bool(counter.paused) == paused:
                raise Conflict(
                    "already_paused" if paused else "not_paused",
                    "Loket sudah jeda." if paused else "Loket tidak sedang jeda.",
                )
            Counter.update(paused=paused).where(Counter.code == counter.code).execute()
            key = PAUSE_KEY.format(counter=counter.code)
            data: dict[str, object] = {"counter": counter.code, "officer_id": officer_id}
            if paused:
                data["reason"] = reason
                set_state(key, json.dumps({"reason": reason, "since": stamp(txn.now)}))
            else:
                delete_state(key)
                opened = json.dumps({"since": stamp(txn.now)})
                set_state(OPEN_KEY.format(counter=counter.code), opened)
            self._emit(txn, events.COUNTER_PAUSED if paused else events.COUNTER_RESUMED, data)
        action = "pause" if paused else "resume"
        self._notify(Change(action, txn.seq, tuple(txn.events), counter=counter.code))
