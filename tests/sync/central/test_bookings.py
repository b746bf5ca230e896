"""Central's bookings on both backends: slots and places, booking, cancelling, status, the
site's keys in its config and their rotation, the gap-free outbox and its acks, check-ins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from peewee import Database

from appliance.bookings import codes
from appliance.bookings.token import verify
from sync import booking_wire, protocol
from sync.central.booking_models import BookingOutboxRow, BookingSlotRow
from sync.central.bookings import book as booking
from sync.central.bookings import keys, outbox
from sync.central.bookings.book import BookingRefused, Request
from sync.central.bookings.offer import services, site_offer, slots_left
from sync.central.catalogue import push_catalogue
from sync.central.ingest import Ingest
from sync.central.store import CatalogueRow, OutgoingRow, open_central_database
from tests.support.booking_fixtures import (
    JAKARTA,
    KTP,
    NOW,
    SKCK,
    THURSDAY,
    bookable_document,
    offer_bookings,
)
from tests.support.sync_harness import SITE

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def db(central_url: str) -> Iterator[Database]:
    opened = open_central_database(central_url)
    offer_bookings(opened)
    yield opened
    opened.close()


def make(
    db: Database, slot: str = "09:00", day: str = THURSDAY, service: str = KTP
) -> dict[str, Any]:
    with db.connection_context():
        row = booking.book(db, Request(SITE, service, day, slot), NOW, JAKARTA)
        return booking.body(row, NOW, JAKARTA)


def refusal(db: Database, **kwargs: str) -> BookingRefused:
    with pytest.raises(BookingRefused) as caught:
        make(db, **kwargs)
    return caught.value


def test_only_services_with_a_quota_are_offered_with_requirements_and_fee(db: Database) -> None:
    with db.connection_context():
        offer = site_offer(SITE, JAKARTA)
        assert offer is not None
        offered = services(offer)
    assert [s["code"] for s in offered] == [KTP, SKCK]
    assert offered[0]["requirements"] == ["Kartu Keluarga", "Surat pengantar"]
    assert offered[1]["fee"] == "Rp30.000 (PNBP)"


def test_slots_show_the_places_left_and_a_booking_takes_one(db: Database) -> None:
    with db.connection_context():
        offer = site_offer(SITE, JAKARTA)
        assert offer is not None
        before = slots_left(offer, KTP, date.fromisoformat(THURSDAY), NOW)
    assert [(s["start"], s["remaining"]) for s in before] == [
        ("08:00", 2), ("09:00", 2), ("10:00", 2), ("11:00", 1),
        ("13:00", 1), ("14:00", 1), ("15:00", 1),
    ]  # fmt: skip
    made = make(db, "09:00")
    assert made["status"] == "booked" and made["slot_end"] == "10:00"
    with db.connection_context():
        after = slots_left(offer, KTP, date.fromisoformat(THURSDAY), NOW)
        today = slots_left(offer, KTP, NOW.date(), NOW)
    assert [s["remaining"] for s in after][1] == 1
    assert next(s["start"] for s in today) == "10:00"  # 08:00 and 09:00 have begun


def test_the_token_is_signed_by_the_key_the_config_carries(db: Database) -> None:
    made = make(db)
    assert codes.normalise(made["code"]) == made["code"]
    with db.connection_context():
        doc = json.loads(CatalogueRow.select().order_by(CatalogueRow.version.desc()).get().document)
    published = {k["kid"]: k["public_key"] for k in doc["booking_keys"]}
    claim = verify(made["token"], published)
    assert (claim.site, claim.code, claim.service, claim.date, claim.slot_start) == (
        SITE, made["code"], KTP, THURSDAY, "09:00",
    )  # fmt: skip
    assert "seed" not in json.dumps(doc)


def test_a_full_slot_is_refused_and_a_cancellation_frees_its_place(db: Database) -> None:
    first = make(db, "11:00")
    assert refusal(db, slot="11:00").code == "slot_full"
    with db.connection_context():
        cancelled = booking.cancel(db, first["token"], NOW, JAKARTA)
        again = booking.cancel(db, first["token"], NOW, JAKARTA)  # twice: the same answer
    assert cancelled.status == again.status == "cancelled"
    assert make(db, "11:00")["status"] == "booked"
    with db.connection_context():
        slot = BookingSlotRow.get(BookingSlotRow.slot_start == "11:00")
    assert (slot.places, slot.taken) == (1, 1)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"service": "MPP-INFORMASI"}, "unknown_service"),
        ({"day": "2025-03-11"}, "bad_date"),
        ({"day": "2025-03-27"}, "bad_date"),
        ({"day": "13-03-2025"}, "bad_date"),
        ({"slot": "12:00"}, "unknown_slot"),
        ({"day": "2025-03-12", "slot": "08:00"}, "slot_past"),
        ({"day": "2025-03-15"}, "unknown_slot"),
    ],
)
def test_refusals(db: Database, kwargs: dict[str, str], code: str) -> None:
    assert refusal(db, **kwargs).code == code


def test_status_expires_after_the_slot_and_late_minutes(db: Database) -> None:
    made = make(db, "15:00")
    with db.connection_context():
        row = booking.find(made["token"])
        assert row is not None
        end = NOW + timedelta(days=1, hours=7)  # Thursday 16:00
        assert booking.status_of(row, end + timedelta(minutes=15), JAKARTA) == "booked"
        assert booking.status_of(row, end + timedelta(minutes=16), JAKARTA) == "expired"
        with pytest.raises(BookingRefused) as caught:
            booking.cancel(db, made["token"], end + timedelta(hours=1), JAKARTA)
    assert caught.value.code == "expired"


def test_the_outbox_is_gap_free_and_resent_from_the_last_ack(db: Database) -> None:
    made = [make(db, slot) for slot in ("08:00", "09:00", "10:00")]
    with db.connection_context():
        booking.cancel(db, made[1]["token"], NOW, JAKARTA)
        seqs = [(r.seq, r.kind) for r in BookingOutboxRow.select().order_by(BookingOutboxRow.seq)]
        sent = [r for r in OutgoingRow.select() if r.topic.endswith(protocol.BOOKINGS)]
    assert seqs == [(1, "booked"), (2, "booked"), (3, "booked"), (4, "cancelled")]
    batches = [booking_wire.decode_batch(bytes(r.payload), topic_site=SITE) for r in sent]
    assert [b.first_seq for b in batches] == [1, 2, 3, 4] and not any(r.retain for r in sent)
    assert batches[0].changes[0].token == made[0]["token"]
    assert batches[3].changes[0].token == "" and batches[3].changes[0].code == made[1]["code"]

    ingest = Ingest(db)
    hello = protocol.encode_document(
        {"v": 1, "site": SITE, "first_unacked": 1, "last_seq": 0, "pending": 0,
         "config_version": 1, "clock_synced": True, "clock": NOW.isoformat(), "software": "t"}
    )  # fmt: skip
    with db.connection_context():
        queued_before = OutgoingRow.select().count()
    ingest.handle(protocol.topic(SITE, protocol.HELLO), hello)
    with db.connection_context():  # a site that never acked a booking: an older appliance
        assert OutgoingRow.select().count() == queued_before
    ack_topic = protocol.topic(SITE, protocol.BOOKINGS_ACK)
    ingest.handle(ack_topic, booking_wire.encode_ack(2))
    with db.connection_context():
        assert outbox.marks(SITE)["acked_through"] == 2
        OutgoingRow.update(published_at="x").execute()
    ingest.handle(protocol.topic(SITE, protocol.HELLO), hello)
    with db.connection_context():
        queued = [r for r in OutgoingRow.select().where(OutgoingRow.published_at.is_null())]
    resent = [booking_wire.decode_batch(bytes(r.payload)) for r in queued]
    assert [(b.first_seq, b.last_seq) for b in resent] == [(3, 4)]
    # an ack that moves nothing while changes remain: the rest is queued again
    ingest.handle(ack_topic, booking_wire.encode_ack(2))
    ingest.handle(ack_topic, booking_wire.encode_ack(9))  # never past what was written
    with db.connection_context():
        assert OutgoingRow.select().where(OutgoingRow.published_at.is_null()).count() == 2
        assert outbox.marks(SITE)["acked_through"] == 4
    # a site restored from an older backup acks where it stands: sent again from there
    ingest.handle(ack_topic, booking_wire.encode_ack(1))
    with db.connection_context():
        assert outbox.marks(SITE)["acked_through"] == 1
        last = OutgoingRow.select().order_by(OutgoingRow.id.desc()).get()
    resent_again = booking_wire.decode_batch(bytes(last.payload))
    assert (resent_again.first_seq, resent_again.last_seq) == (2, 4)


def test_rotation_keeps_the_old_key_for_the_horizon_and_a_day(db: Database) -> None:
    old = make(db)
    with db.connection_context(), db.atomic():
        before = keys.site_keys(SITE, NOW)
        new = keys.rotate(db, SITE, NOW, horizon_days=14)
    with db.connection_context():
        now_keys = keys.site_keys(SITE, NOW)
        later = keys.site_keys(SITE, NOW + timedelta(days=15, seconds=1))
    assert len(before) == 1 and new.kid != before[0].kid
    assert [k.kid for k in now_keys] == [new.kid, before[0].kid]
    assert [k.kid for k in later] == [new.kid]
    made = make(db, "10:00")
    assert made["token"].split(".")[1] == new.kid and old["token"].split(".")[1] == before[0].kid
    push_catalogue(db, SITE, bookable_document(), keys_at=NOW)
    with db.connection_context():
        doc = json.loads(CatalogueRow.select().order_by(CatalogueRow.version.desc()).get().document)
    assert [k["kid"] for k in doc["booking_keys"]] == [new.kid, before[0].kid]


def checked_in_event(seq: int, code: str, ticket_id: int) -> dict[str, Any]:
    return {
        "seq": seq, "id": f"e{seq}", "type": "booking.checked_in", "at": NOW.isoformat(),
        "clock_synced": True,
        "data": {"code": code, "ticket_id": ticket_id, "number": "A-001", "service": KTP,
                 "date": THURSDAY, "slot_start": "09:00", "slot_end": "10:00",
                 "in_window": True, "via": "token", "checked_in_at": NOW.isoformat()},
    }  # fmt: skip


def test_check_ins_from_the_events_even_after_a_cancellation(db: Database) -> None:
    kept, dropped = make(db, "09:00"), make(db, "09:00")
    with db.connection_context():
        booking.cancel(db, dropped["token"], NOW, JAKARTA)
    issued = {
        "seq": 1, "id": "e1", "type": "ticket.issued", "at": NOW.isoformat(),
        "clock_synced": True,
        "data": {"ticket_id": 7, "business_date": THURSDAY, "number": "A-001", "service": KTP,
                 "status_token": "statusTokenOf7", "source": "booking"},
    }  # fmt: skip
    events = [
        issued,  # the same transaction on the site, so the same batch here
        checked_in_event(2, kept["code"], 7),
        checked_in_event(3, dropped["code"], 8),
        checked_in_event(4, "UNKNWN234", 9),
    ]
    batch = protocol.encode_batch(protocol.make_batch(SITE, events))
    Ingest(db).handle(protocol.topic(SITE, protocol.EVENTS), batch)
    with db.connection_context():
        first = booking.body(booking.find(kept["token"]), NOW, JAKARTA)  # type: ignore[arg-type]
        second = booking.body(booking.find(dropped["token"]), NOW, JAKARTA)  # type: ignore[arg-type]
    assert first["status"] == "checked_in" and first["checked_in"]["number"] == "A-001"
    assert first["checked_in"]["after_cancel"] is False
    assert first["checked_in"]["ticket"] == {
        "number": "A-001", "state": "waiting", "status_url": f"/t/{SITE}/statusTokenOf7",
    }  # fmt: skip
    assert second["checked_in"]["ticket"] is None  # central has no ticket 8 (yet)
    assert second["status"] == "checked_in" and second["checked_in"]["after_cancel"] is True
