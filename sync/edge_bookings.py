"""The edge's side of `down/bookings` (SPEC §8): store each booking change once, then ack.

Central publishes its per-site booking outbox in contiguous batches; this stores what lies past
the last seq already stored, in one write transaction with the new `bookings.through`
(appliance/bookings/received.py), and only after that commit answers `up/bookings-ack`
`{"acked_through": N}`. A duplicate delivery, a resend after a lost ack or an old batch arriving
late changes nothing and is acked again; a batch that starts past the next seq (one lost in
between) stores nothing and acks where the site stands, so central resends from there — once
per `GAP_ACK_S` for the same mark: while central's live stream runs ahead of its resend, every
live batch is a gap, and an ack for each would ask for the same resend again and again.

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
import time
from collections.abc import Callable

from appliance.bookings.received import REJECTED_BATCH, store_changes, stored_through
from appliance.clock import Clock
from appliance.storage.database import ApplianceDatabase, connected
from appliance.storage.state import set_state
from sync import booking_wire, protocol
from sync.mqtt import Session

log = logging.getLogger(__name__)

LAST_REJECTED_BATCH = REJECTED_BATCH
GAP_ACK_S = 5.0  # a gap at the same mark is acked again only after this long (the ack was lost)


class EdgeBookings:
    def __init__(
        self,
        db: ApplianceDatabase,
        site: str,
        clock: Clock,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.site = site
        self.clock = clock
        self.monotonic = monotonic
        self.stored = 0  # changes stored by this worker (for logs and tests)
        self._gap_acked: tuple[int, float] | None = None  # (mark, when) of the last gap's ack

    def on_connected(self, session: Session) -> None:
        self._gap_acked = None
        session.subscribe(protocol.topic(self.site, protocol.BOOKINGS), qos=1)
        self._ack_where_stored(session)

    def on_central_heard(self, session: Session) -> None:
        """Central answered on this connection: say again where the site stands, in case the
        ack of `on_connected` reached the broker before central's subscription did (it would
        wait for the next reconnect otherwise: tests/sync/central/test_bookings_wire.py)."""
        self._ack_where_stored(session)

    def _ack_where_stored(self, session: Session) -> None:
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
        if stored.new:
            log.info("sync: %d booking changes stored through %d", stored.new, stored.through)
        if stored.gap and not stored.new:
            now = self.monotonic()
            last = self._gap_acked
            if last is not None and last[0] == stored.through and now - last[1] < GAP_ACK_S:
                return  # central was asked already; its resend is on the way
            self._gap_acked = (stored.through, now)
            log.info(
                "sync: booking batch %d..%d skips past %d; asking central from there",
                batch.first_seq,
                batch.last_seq,
                stored.through,
            )
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
