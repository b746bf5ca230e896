"""Central's publisher: sends the `outgoing` rows (catalogue pushes) to the broker, retained.

Why a table and not a publish from the HTTP request: the request commits the new catalogue
version and its `outgoing` row in one transaction and answers at once, whether or not the broker
is reachable; this loop (a thread of `mpp central`, web or not) owns one broker session, sends
every unpublished row in id order once connected, waits for the broker's PUBACK and only then
marks the row published. A broker outage delays a push, it never loses one. Publishing a row
twice (two central processes, a crash before the mark) is harmless: the message is retained and
the edge applies a version only when it is newer than its own.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from peewee import Database

from sync.backoff import Backoff
from sync.central.ingest import utc_now
from sync.central.store import OutgoingRow
from sync.mqtt import (
    BrokerSettings,
    Connected,
    ConnectFailed,
    Disconnected,
    LinkEvent,
    Published,
    Session,
)

log = logging.getLogger(__name__)


class CentralPublisher:
    def __init__(
        self,
        db: Database,
        broker: BrokerSettings,
        *,
        stop: threading.Event | None = None,
        poll_s: float = 1.0,
        puback_timeout_s: float = 10.0,
        connect_timeout_s: float = 15.0,
    ) -> None:
        self.db = db
        self.broker = broker
        self.stop = stop or threading.Event()
        self.poll_s = poll_s
        self.puback_timeout_s = puback_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.backoff = Backoff(0.5, 30.0)
        self.published = 0
        self.sessions = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.sessions += 1
            inbox: queue.Queue[LinkEvent] = queue.Queue()
            session = Session(self.broker, inbox, self.sessions)
            session.start()
            try:
                reason = self._serve(session, inbox)
            except Exception:  # database trouble: drop the session, try again after a pause
                log.exception("central publisher: stopped by an error")
                reason = "error"
            session.close()
            if self.stop.is_set():
                break
            delay = self.backoff.next_delay()
            log.info("central publisher: %s; reconnecting in %.1f s", reason, delay)
            self.stop.wait(delay)

    def _serve(self, session: Session, inbox: queue.Queue[LinkEvent]) -> str:
        started = time.monotonic()
        while not self.stop.is_set():
            event = self._next(inbox, session, self.connect_timeout_s)
            if event is None:
                if time.monotonic() - started > self.connect_timeout_s:
                    return "no connection in time"
                continue
            if isinstance(event, ConnectFailed):
                return f"connect refused: {event.reason}"
            if isinstance(event, Disconnected):
                return f"disconnected: {event.reason}"
            if isinstance(event, Connected):
                self.backoff.reset()
                break
        while not self.stop.is_set():
            outcome = self._drain(session, inbox)
            if outcome is not None:
                return outcome
            event = self._next(inbox, session, self.poll_s)
            if isinstance(event, Disconnected):
                return f"disconnected: {event.reason}"
        return "stopped"

    def _next(
        self, inbox: queue.Queue[LinkEvent], session: Session, wait: float
    ) -> LinkEvent | None:
        try:
            event = inbox.get(timeout=min(wait, 0.2))
        except queue.Empty:
            return None
        return event if event.session == session.number else None

    def _drain(self, session: Session, inbox: queue.Queue[LinkEvent]) -> str | None:
        """Publish every unpublished row; None when all went out, else why the link is done."""
        with self.db.connection_context():
            rows = list(
                OutgoingRow.select()
                .where(OutgoingRow.published_at.is_null())
                .order_by(OutgoingRow.id)
                .limit(100)
            )
        for row in rows:
            mid = session.publish(str(row.topic), bytes(row.payload), qos=1, retain=row.retain)
            if mid < 0:
                return "publish refused (not connected)"
            deadline = time.monotonic() + self.puback_timeout_s
            while True:
                if self.stop.is_set():
                    return "stopped"
                if time.monotonic() > deadline:
                    return "no PUBACK in time"
                event = self._next(inbox, session, deadline - time.monotonic())
                if isinstance(event, Disconnected):
                    return f"disconnected: {event.reason}"
                if isinstance(event, Published) and event.mid == mid:
                    break
            with self.db.connection_context(), self.db.atomic():
                OutgoingRow.update(published_at=utc_now()).where(OutgoingRow.id == row.id).execute()
            self.published += 1
            log.info("central: published %s (outgoing %s)", row.topic, row.id)
        return None
