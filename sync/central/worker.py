"""One central ingest worker: a broker session on the shared subscription, feeding `Ingest`.

Several workers (threads of `mpp central`, or several processes on several machines) share
`$share/central/mpp/v1/sites/+/up/#`, so the broker spreads batches across them. Each message is
committed before its ack is published; a message whose processing fails is not acked, and the
edge sends it again. Worker 0 owns the retained `mpp/v1/central/status` (online, will offline).
Reconnecting is `sync.mqtt.Link`'s.
"""

from __future__ import annotations

import logging
import threading

from sync import protocol
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

    def on_message(self, session: Session, message: Message) -> None:
        try:
            reply = self.ingest.handle(message.topic, message.payload)
        except Exception:  # database trouble: no ack, the edge sends again
            log.exception("central: message on %s not stored", message.topic)
            return
        self.handled += 1
        if reply is not None:
            session.publish(reply.topic, reply.payload, qos=1)

    def on_stopping(self, session: Session) -> None:
        if self.announces_status:
            session.publish(protocol.CENTRAL_STATUS, protocol.OFFLINE, retain=True)
