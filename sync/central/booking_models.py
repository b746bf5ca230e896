"""Central's booking tables (SPEC §8): bookings, their slots' counters, the per-site outbox, keys.

Tables added after the first release: `create_tables` makes them on an older database, so they
need no `ADDED_COLUMNS` entry (tests/sync/central/test_schema.py lists them in LATER_TABLES).
The logic on them is `sync.central.bookings`.
"""

from __future__ import annotations

from peewee import AutoField, BooleanField, CharField, IntegerField, TextField

from sync.central.base import CentralModel


class BookingRow(CentralModel):
    """One booking. `status` is what the citizen or the site did: `booked`, `cancelled`, or
    `checked_in` (from the site's `booking.checked_in` event, even after a cancellation, then
    flagged); `expired` is worked out on reading, never stored."""

    id = AutoField()
    site = CharField(max_length=64)
    code = CharField(max_length=16)
    token_hash = CharField(max_length=64, unique=True)  # sha256 hex of the signed token
    token = TextField()
    service = TextField()
    business_date = CharField(max_length=10)
    slot_start = CharField(max_length=5)
    slot_end = CharField(max_length=5)
    status = CharField(max_length=16)
    created_at = CharField(max_length=40)
    cancelled_at = CharField(max_length=40, null=True)
    checked_in_at = CharField(max_length=40, null=True)
    ticket_id = IntegerField(null=True)
    ticket_number = TextField(null=True)
    in_window = BooleanField(null=True)
    via = CharField(max_length=8, null=True)
    checked_in_after_cancel = BooleanField(default=False)

    class Meta:
        table_name = "bookings"
        indexes = ((("site", "code"), True), (("site", "business_date", "service"), False))


class BookingSlotRow(CentralModel):
    """How many places a slot has and how many are taken: the one row every booking of the slot
    updates with `taken = taken + 1 WHERE taken < places`, so no number of central processes and
    requests can overbook it."""

    id = AutoField()
    site = CharField(max_length=64)
    service = TextField()
    business_date = CharField(max_length=10)
    slot_start = CharField(max_length=5)
    places = IntegerField()
    taken = IntegerField(default=0)

    class Meta:
        table_name = "booking_slots"
        indexes = ((("site", "service", "business_date", "slot_start"), True),)


class BookingOutboxRow(CentralModel):
    """A change a site must learn (a new booking, a cancellation), gap-free `seq` per site."""

    id = AutoField()
    site = CharField(max_length=64)
    seq = IntegerField()
    kind = CharField(max_length=16)
    code = CharField(max_length=16)
    service = TextField()
    business_date = CharField(max_length=10)
    slot_start = CharField(max_length=5)
    slot_end = CharField(max_length=5)
    token = TextField()
    at = CharField(max_length=40)

    class Meta:
        table_name = "booking_outbox"
        indexes = ((("site", "seq"), True),)


class BookingSiteRow(CentralModel):
    """A site's outbox marks: the last seq written and the last the edge acknowledged."""

    site = CharField(primary_key=True, max_length=64)
    last_seq = IntegerField(default=0)
    acked_through = IntegerField(default=0)
    acked_at = CharField(max_length=40, null=True)

    class Meta:
        table_name = "booking_sites"


class BookingKeyRow(CentralModel):
    """A site's booking key pair. The private seed never leaves central (no API, page or log
    shows it). `retired_at` is set when a newer key took over; the public key stays in the
    site's config until `valid_until` (horizon_days + 1 days later)."""

    id = AutoField()
    site = CharField(max_length=64, index=True)
    kid = CharField(max_length=32, unique=True)
    public_key = CharField(max_length=64)
    seed = CharField(max_length=64)  # secret
    created_at = CharField(max_length=40)
    retired_at = CharField(max_length=40, null=True)
    valid_until = CharField(max_length=40, null=True)

    class Meta:
        table_name = "booking_keys"


BOOKING_MODELS: list[type[CentralModel]] = [
    BookingRow,
    BookingSlotRow,
    BookingOutboxRow,
    BookingSiteRow,
    BookingKeyRow,
]
BOOKING_TABLES = tuple(model._meta.table_name for model in BOOKING_MODELS)
