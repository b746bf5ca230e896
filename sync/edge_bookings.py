"""The edge's side of `down/bookings` (SPEC §8): store each booking change once, then ack.

Central publishes its per-site booking outbox in contiguous batches; this stores what lies past
the last seq already stored, in one write transaction with the new `bookings.through`
(appliance/bookings/received.py), and only after that commit answers `up/bookings-ack`
`{"acked_through": N}`. A duplicate delivery, a resend after a lost ack or an old batch arriving
late changes nothing and is acked again; a batch that starts past the next seq (one lost in
between) stores nothing and acks where the site stands, so central resends from there.

On every connect it subscribes and acks where it stands, unasked: central learns at once how far
this site is (a site restored from an older backup stands behind central's last ack, and must get
the changes since again).

A payload that cannot be read (bad JSON, wrong site, seqs not contiguous, a field out of bounds)
is logged with its reason, kept as the last rejected batch in the state table for the staff
pages, and dropped; the loop goes on. A change inside a good batch that cannot be a booking is
set aside by the store with its reason and the seq moves past it.
"""

from __future__ import annotations

import json
import logging

from appliance.bookings.received import store_changes, stored_through
from appliance.clock import Clock
from appliance.storage.database import ApplianceDatabase, connected
from appliance.storage.state import set_state
from sync import booking_wire, protocol
from sync.mqtt import Session

log = logging.getLogger(__name__)

LAST_REJECTED_BATCH = "sync.bookings_rejected"


class EdgeBookings:
    def __init__(self, db: ApplianceDatabase, site: str, clock: Clock) -> None:
        self.db = db
        self.site = site
        self.clock = clock
        self.stored = 0  # changes stored by this worker (for logs and tests)

    def on_connected(self, session: Session) -> None:
        session.subscribe(protocol.topic(self.site, protocol.BOOKINGS), qos=1)
        with connected(self.db):
            through = stored_through()
        self._ack(session, through)

    def on_batch(self, session: Session, payload: bytes) -> None:
        """Store one `down/bookings` batch and ack after the commit; never raises for a payload."""
        try:
            batch = booking_wire.decode_batch(payload, topic_site=self.site)
        except protocol.ProtocolError as exc:
            self._reject(f"{exc.code}: {exc}", len(payload))
            return
        at = self.clock.now().isoformat(timespec="seconds")
        with self.db.write():
            stored = store_changes(batch.changes, at)
        self.stored += stored.new
        for reason in stored.rejected:
            log.error("sync: booking change set aside: %s", reason)
        if stored.gap:
            log.info(
                "sync: booking batch %d..%d skips past %d; asking central from there",
                batch.first_seq,
                batch.last_seq,
                stored.through,
            )
        elif stored.new:
            log.info("sync: %d booking changes stored through %d", stored.new, stored.through)
        self._ack(session, stored.through)

    def _ack(self, session: Session, through: int) -> None:
        topic = protocol.topic(self.site, protocol.BOOKINGS_ACK)
        session.publish(topic, booking_wire.encode_ack(through))

    def _reject(self, reason: str, size: int) -> None:
        log.error("sync: booking batch rejected (%d bytes): %s", size, reason)
        record = {"at": self.clock.now().isoformat(timespec="seconds"), "reason": reason[:300]}
        try:
            with self.db.write():
                set_state(LAST_REJECTED_BATCH, json.dumps(record, ensure_ascii=False))
        except Exception:  # advisory, like the worker's health: never stop the loop for it
            log.exception("sync: cannot record a rejected booking batch")
