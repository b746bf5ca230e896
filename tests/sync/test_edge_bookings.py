"""The edge's `down/bookings` (SPEC §8) through a real Mosquitto and a real `mpp sync` process:
each booking change is stored exactly once and acked after the commit — duplicates, a resend
from an old ack and a batch out of order change nothing — a poison batch is set aside with its
reason and the next good batch still goes through, and the booking keys of a pushed config
document reach the appliance's key store.

The test itself plays central's part on the wire (publishing batches, reading acks) with the
same MQTT session class the workers use."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from appliance.bookings import codes
from appliance.bookings.keys import public_keys
from appliance.bookings.received import rejected_changes, stored_through
from appliance.bookings.token import key_id, new_key_pair
from appliance.storage.database import connected
from appliance.storage.models import Booking
from appliance.storage.state import get_state
from sync import booking_wire, protocol
from sync.booking_wire import BookingChange
from sync.edge_bookings import LAST_REJECTED_BATCH
from sync.mqtt import BrokerSettings, Connected, LinkEvent, Message, Published, Session
from tests.support.appliance_bookings import KTP, SITE, TODAY, bookable_document, bookable_site
from tests.support.broker import Mosquitto
from tests.support.sync_harness import EdgeProcess, wait_for

pytestmark = pytest.mark.timeout(120)


class CentralWire:
    """Central's end of the booking topics, driven by the test: publish, collect acks."""

    def __init__(self, broker_url: str) -> None:
        self.inbox: queue.Queue[LinkEvent] = queue.Queue()
        self.session = Session(
            BrokerSettings(url=broker_url, client_id="test-central"), self.inbox, 1
        )
        self.acks: list[int] = []

    def __enter__(self) -> CentralWire:
        self.session.start()
        assert isinstance(self.inbox.get(timeout=5), Connected)
        self.session.subscribe(protocol.topic(SITE, protocol.BOOKINGS_ACK), qos=1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def publish(self, kind: str, payload: bytes) -> None:
        mid = self.session.publish(protocol.topic(SITE, kind), payload)
        assert mid > 0
        self._drain(lambda event: isinstance(event, Published) and event.mid == mid)

    def send(self, changes: list[BookingChange]) -> None:
        self.publish(protocol.BOOKINGS, booking_wire.encode_batch(SITE, changes))

    def ack_after(self, count: int, timeout: float = 20) -> int:
        """The acked_through of the `count`-th ack since the start (waiting for it)."""
        wait_for(lambda: self._drain(lambda _e: False) or len(self.acks) >= count, timeout, "ack")
        return self.acks[count - 1]

    def _drain(self, until: object) -> bool:
        while True:
            try:
                event = self.inbox.get(timeout=0.05)
            except queue.Empty:
                return False
            if isinstance(event, Message):
                self.acks.append(booking_wire.decode_ack(event.payload))
            if callable(until) and until(event):
                return True


def change(seq: int, code: str, kind: str = "booked") -> BookingChange:
    return BookingChange(
        seq=seq,
        kind=kind,
        code=code,
        service=KTP,
        date=TODAY,
        slot_start="10:00",
        slot_end="11:00",
        token=f"B1.token-of-{code}" if kind == "booked" else "",
        at="2025-03-11T20:00:00+07:00",
    )


def bookings(db: SqliteDatabase) -> dict[str, tuple[str, int | None]]:
    with connected(db):
        return {b.code: (b.status, b.seq) for b in Booking.select()}


def test_each_change_is_stored_once_and_acked_after_commit(
    tmp_path: Path, broker: Mosquitto
) -> None:
    db, _clock, _seed = bookable_site(tmp_path / "edge.db")
    booked = [codes.new_code() for _ in range(12)]
    edge = EdgeProcess(tmp_path, tmp_path / "edge.db", broker.url)
    with CentralWire(broker.url) as central:
        edge.start()
        try:
            assert central.ack_after(1) == 0  # on connect: where the site stands

            central.send([change(i + 1, booked[i]) for i in range(3)])
            assert central.ack_after(2) == 3
            central.send([change(i + 1, booked[i]) for i in range(3)])  # a duplicate delivery
            assert central.ack_after(3) == 3
            central.send([change(6, booked[5]), change(7, booked[6])])  # 4 and 5 lost: a gap
            assert central.ack_after(4) == 3
            central.send([change(i + 1, booked[i]) for i in range(3, 7)])  # resent from the ack
            assert central.ack_after(5) == 7
            central.send([change(i + 1, booked[i]) for i in range(1, 5)])  # an old batch, late
            assert central.ack_after(6) == 7
            central.send([change(8, booked[0], "cancelled")])
            assert central.ack_after(7) == 8
        finally:
            edge.stop()

    stored = bookings(db)
    assert set(stored) == set(booked[:7])
    assert stored[booked[0]] == ("cancelled", 8)
    assert all(stored[c] == ("booked", i + 1) for i, c in enumerate(booked[1:7], start=1))
    with connected(db):
        assert stored_through() == 8
        assert Booking.get(Booking.code == booked[3]).token == f"B1.token-of-{booked[3]}"


def test_a_poison_batch_is_set_aside_and_the_loop_goes_on(
    tmp_path: Path, broker: Mosquitto
) -> None:
    db, _clock, _seed = bookable_site(tmp_path / "edge.db")
    good = codes.new_code()
    edge = EdgeProcess(tmp_path, tmp_path / "edge.db", broker.url)
    with CentralWire(broker.url) as central:
        edge.start()
        try:
            assert central.ack_after(1) == 0
            central.publish(protocol.BOOKINGS, b"{not json")
            other = booking_wire.encode_batch("1111-MPP", [change(1, good)])
            central.publish(protocol.BOOKINGS, other)  # another site's batch on our topic
            central.publish(
                protocol.BOOKINGS,
                protocol.encode_document(
                    {"v": protocol.VERSION, "site": SITE, "changes": [{"seq": "one"}]}
                ),
            )
            # a readable batch whose second change cannot be a booking (a code with 0 and O)
            central.send([change(1, good), change(2, "0O0O0O0O0")])
            assert central.ack_after(2) == 2  # the poison payloads got no ack; this one did

            def reason() -> str:
                with connected(db):
                    return get_state(LAST_REJECTED_BATCH) or ""

            wait_for(lambda: "bad_bookings" in reason(), 10, "the rejected batch recorded")
            central.send([change(3, codes.new_code())])
            assert central.ack_after(3) == 3  # not stalled
        finally:
            edge.stop()

    stored = bookings(db)
    assert len(stored) == 2 and stored[good] == ("booked", 1)  # seq 1 and 3; seq 2 set aside
    with connected(db):
        (aside,) = rejected_changes()
    assert aside["seq"] == 2 and "bad code" in aside["reason"]
    listing = subprocess.run(
        [sys.executable, "-m", "appliance.cli", "bookings", "list", "--date", TODAY],
        env={**os.environ, "MPP_STORAGE__DATABASE": str(tmp_path / "edge.db")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "seq 2 0O0O0O0O0: seq 2: bad code" in listing, listing
    assert "(whole batch): bad_bookings" in listing, listing
    log = (tmp_path / "edge.log").read_text()
    assert log.count("booking batch rejected") == 3, log
    assert "site_mismatch" in log and "bad_bookings" in log


def test_the_keys_of_a_pushed_config_reach_the_key_store(tmp_path: Path, broker: Mosquitto) -> None:
    db, _clock, _seed = bookable_site(tmp_path / "edge.db")
    _, rotated = new_key_pair()
    doc = bookable_document(rotated, version=2)
    edge = EdgeProcess(tmp_path, tmp_path / "edge.db", broker.url)
    with CentralWire(broker.url) as central:
        edge.start()
        try:
            assert central.ack_after(1) == 0
            central.publish(protocol.CONFIG, protocol.encode_config(doc))

            def rotated_in() -> bool:
                with connected(db):
                    return public_keys() == {key_id(rotated): rotated}

            wait_for(rotated_in, 20, "the pushed key in the key store")
        finally:
            edge.stop()
