"""One central ingest worker: a broker session on the shared subscription, feeding `Ingest`.

Several workers (threads of `mpp central`, or several processes on several machines) share
`$share/central/mpp/v1/sites/+/up/#`, so the broker spreads batches across them. Each message is
committed before its ack is published; a message whose processing fails is not acked, and the
edge sends it again. Worker 0 owns the retained `mpp/v1/central/status` (online, will offline).
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from sync import protocol
from sync.backoff import Backoff
from sync.central.ingest import Ingest
from sync.mqtt import (
    BrokerSettings,
    Connected,
    ConnectFailed,
    Disconnected,
    LinkEvent,
    Message,
    Session,
)

log = logging.getLogger(__name__)


class CentralWorker:
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
        self.connect_timeout_s = connect_timeout_s
        self.backoff = Backoff(0.5, 30.0)
        self.handled = 0
        self.sessions = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.sessions += 1
            inbox: queue.Queue[LinkEvent] = queue.Queue()
            session = Session(self.broker, inbox, self.sessions)
            session.start()
            reason = self._serve(session, inbox)
            if self.stop.is_set() and self.announces_status:
                session.publish(protocol.CENTRAL_STATUS, protocol.OFFLINE, retain=True)
            session.close()
            if self.stop.is_set():
                break
            delay = self.backoff.next_delay()
            log.info(
                "central worker %s: %s; reconnecting in %.1f s",
                self.broker.client_id,
                reason,
                delay,
            )
            self.stop.wait(delay)

    def _serve(self, session: Session, inbox: queue.Queue[LinkEvent]) -> str:
        started = time.monotonic()
        is_connected = False
        while not self.stop.is_set():
            try:
                event = inbox.get(timeout=0.2)
            except queue.Empty:
                if not is_connected and time.monotonic() - started > self.connect_timeout_s:
                    return "no connection in time"
                continue
            if event.session != session.number:
                continue
            if isinstance(event, ConnectFailed):
                return f"connect refused: {event.reason}"
            if isinstance(event, Disconnected):
                return f"disconnected: {event.reason}"
            if isinstance(event, Connected):
                is_connected = True
                self.backoff.reset()
                session.subscribe(protocol.up_subscription(), qos=1)
                session.subscribe(f"{protocol.PREFIX}/sites/+/{protocol.STATUS}", qos=1)
                if self.announces_status:
                    session.publish(protocol.CENTRAL_STATUS, protocol.ONLINE, retain=True)
            elif isinstance(event, Message):
                self._handle(session, event)
        return "stopped"

    def _handle(self, session: Session, message: Message) -> None:
        try:
            reply = self.ingest.handle(message.topic, message.payload)
        except Exception:  # database trouble: no ack, the edge sends again
            log.exception("central: message on %s not stored", message.topic)
            return
        self.handled += 1
        if reply is not None:
            session.publish(reply.topic, reply.payload, qos=1)
