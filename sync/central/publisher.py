"""Central's publisher: sends the `outgoing` rows (catalogue pushes) to the broker, retained.

Why a table and not a publish from the HTTP request: the request commits the new catalogue
version and its `outgoing` row in one transaction and answers at once, whether or not the broker
is reachable; this loop (a thread of `mpp central`, web or not) owns one broker session, sends
every unpublished row in id order once connected, waits for the broker's PUBACK and only then
marks the row published. A broker outage delays a push, it never loses one. Publishing a row
twice (two central processes, a crash before the mark) is harmless: the message is retained and
the edge applies a version only when it is newer than its own. Reconnecting is
`sync.mqtt.Link`'s.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from peewee import Database, DatabaseError, InterfaceError

from sync.central.ingest import utc_now
from sync.central.store import OutgoingRow
from sync.mqtt import Backoff, BrokerSettings, Link, LinkHandler, Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Awaiting:
    """A row sent and not yet acknowledged by the broker."""

    row_id: int
    topic: str
    mid: int
    deadline: float


class CentralPublisher(LinkHandler):
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
        self.link = Link(
            broker,
            name="central publisher",
            stop=self.stop,
            backoff=Backoff(0.5, 30.0),
            connect_timeout_s=connect_timeout_s,
            poll_s=min(poll_s, 0.2),  # a PUBACK's deadline and a stop are looked at this often
        )
        self.published = 0
        self._due: list[OutgoingRow] = []
        self._awaiting: _Awaiting | None = None
        # A database outage is waited out here, with the broker session kept: dropping it made
        # the link reconnect twice a second, a traceback each time, for as long as it lasted.
        self.database_backoff = Backoff(0.5, 30.0)
        self._database_retry_at = 0.0

    @property
    def sessions(self) -> int:
        return self.link.sessions

    def run(self) -> None:
        self.link.run(self)

    def on_turn(self, session: Session) -> str | None:
        """One row at a time: send the next unpublished one once the last one's PUBACK came."""
        now = time.monotonic()
        if self._awaiting is not None:
            return "no PUBACK in time" if now > self._awaiting.deadline else None
        if not self._due:
            if now < self._database_retry_at:
                return None
            try:
                with self.db.connection_context():
                    self._due = list(
                        OutgoingRow.select()
                        .where(OutgoingRow.published_at.is_null())
                        .order_by(OutgoingRow.id)
                        .limit(100)
                    )
            except (DatabaseError, InterfaceError) as exc:
                self._database_down(exc, now)
                return None
            self._database_up()
            if not self._due:
                return None
        row = self._due.pop(0)
        mid = session.publish(str(row.topic), bytes(row.payload), qos=1, retain=row.retain)
        if mid < 0:
            return "publish refused (not connected)"
        self._awaiting = _Awaiting(row.id, str(row.topic), mid, now + self.puback_timeout_s)
        return None

    def on_published(self, session: Session, mid: int) -> None:
        sent = self._awaiting
        if sent is None or mid != sent.mid:
            return
        mark = OutgoingRow.update(published_at=utc_now()).where(OutgoingRow.id == sent.row_id)
        self._awaiting = None
        try:
            with self.db.connection_context(), self.db.atomic():
                mark.execute()
        except (DatabaseError, InterfaceError) as exc:  # sent again later: retained, harmless
            self._due = []
            self._database_down(exc, time.monotonic())
            return
        self.published += 1
        log.info("central: published %s (outgoing %s)", sent.topic, sent.row_id)

    def _database_down(self, exc: Exception, now: float) -> None:
        delay = self.database_backoff.next_delay()
        self._database_retry_at = now + delay
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.warning(
            "central publisher: database unreachable (%s); pushes wait, next try in %.1f s",
            first_line,
            delay,
        )

    def _database_up(self) -> None:
        if self.database_backoff.attempts:
            log.info("central publisher: database reachable again")
            self.database_backoff.reset()

    def on_down(self, reason: str) -> None:
        """Unacknowledged rows stay unpublished: the next connection sends them again."""
        self._due = []
        self._awaiting = None
