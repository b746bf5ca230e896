"""One central ingest worker: a broker session on the shared subscription, feeding `Ingest`.

Several workers (threads of `mpp central`, of its ingest child processes, or of processes on
several machines) share `$share/central/mpp/v1/sites/+/up/#`, so the broker spreads batches
across them. Each message is committed before its ack is published; a message whose processing
fails is not acked, and the edge sends it again. Worker 0 (of child 0, with ingest processes)
owns the retained `mpp/v1/central/status` (online, will offline).
Reconnecting is `sync.mqtt.Link`'s.
"""

from __future__ import annotations

import logging
import threading
import time

from peewee import DatabaseError, InterfaceError

from sync import protocol
from sync.central.brokerlink import record_link
from sync.central.ingest import Ingest
from sync.mqtt import Backoff, BrokerSettings, Link, LinkHandler, Message, Session

log = logging.getLogger(__name__)


class CentralWorker(LinkHandler):
    def __init__(
        self,
        broker: BrokerSettings,
        ingest: Ingest,
        *,
        announces_status: bool,
        stop: threading.Event | None = None,
        connect_timeout_s: float = 15.0,
    ) -> None:
        self.broker = broker
        self.ingest = ingest
        self.announces_status = announces_status
        self.stop = stop or threading.Event()
        self.link = Link(
            broker,
            name=f"central worker {broker.client_id}",
            stop=self.stop,
            backoff=Backoff(0.5, 30.0),
            connect_timeout_s=connect_timeout_s,
        )
        self.handled = 0
        # A site's `online`/`offline` that arrived while the database was down, newest per
        # topic, stored once it is back: unlike a batch, nobody sends a status again.
        self.unstored_status: dict[str, bytes] = {}
        self.database_backoff = Backoff(0.5, 30.0)
        self._database_retry_at = 0.0
        # What this worker last stored of its broker link (the announcing worker only), so only
        # a change is written and "since" stays the moment the link went down.
        self.link_recorded: bool | None = None

    @property
    def sessions(self) -> int:
        return self.link.sessions

    def run(self) -> None:
        self.link.run(self)

    def on_connected(self, session: Session) -> None:
        session.subscribe(protocol.up_subscription(), qos=1)
        session.subscribe(f"{protocol.PREFIX}/sites/+/{protocol.STATUS}", qos=1)
        if self.announces_status:
            session.publish(protocol.CENTRAL_STATUS, protocol.ONLINE, retain=True)
        self._record_link(up=True)

    def on_message(self, session: Session, message: Message) -> None:
        is_status = message.topic.endswith(f"/{protocol.STATUS}")
        try:
            reply = self.ingest.handle(message.topic, message.payload)
        except (DatabaseError, InterfaceError) as exc:  # an outage: no ack, the edge sends again
            log.warning("central: message on %s not stored (database: %s)", message.topic, exc)
            if is_status:
                self.unstored_status[message.topic] = message.payload
            return
        except Exception:  # a bug: no ack either
            log.exception("central: message on %s not stored", message.topic)
            return
        if is_status:
            self.unstored_status.pop(message.topic, None)  # a newer word than the one kept
        self.handled += 1
        if reply is not None:
            session.publish(reply.topic, reply.payload, qos=1)

    def on_turn(self, session: Session) -> str | None:
        """Store the statuses an outage held back, oldest topic first, with a back-off."""
        now = time.monotonic()
        if not self.unstored_status or now < self._database_retry_at:
            return None
        for topic, payload in list(self.unstored_status.items()):
            try:
                self.ingest.handle(topic, payload)
            except (DatabaseError, InterfaceError):
                self._database_retry_at = now + self.database_backoff.next_delay()
                return None
            del self.unstored_status[topic]
        self.database_backoff.reset()
        log.info("central: statuses held during the database outage stored")
        return None

    def on_down(self, reason: str) -> None:
        self._record_link(up=False)

    def _record_link(self, *, up: bool) -> None:
        """For the dashboard's banner (sync.central.brokerlink); a database outage only delays
        it: the next connect or drop writes it again."""
        if not self.announces_status or self.link_recorded is up:
            return
        try:
            record_link(self.ingest.db, up, self.ingest.now())
        except (DatabaseError, InterfaceError) as exc:
            log.warning("central: broker link state not stored (database: %s)", exc)
            return
        self.link_recorded = up

    def on_stopping(self, session: Session) -> None:
        if self.announces_status:
            session.publish(protocol.CENTRAL_STATUS, protocol.OFFLINE, retain=True)
