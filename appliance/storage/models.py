"""Peewee models of the appliance database.

Models carry no database at import time; `storage.open_database` binds them at start-up.
Times are stored as ISO 8601 UTC text (sortable, readable with the sqlite3 shell).
"""

from __future__ import annotations

from typing import Any

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

# Ticket states (SPEC §3).
WAITING = "waiting"
CALLED = "called"
SERVING = "serving"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
EXPIRED = "expired"
TICKET_STATES = (WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED, EXPIRED)
ACTIVE_STATES = (CALLED, SERVING)

# Roles, weakest first.
ROLES = ("kiosk", "officer", "supervisor", "admin")

# Categories of need for priority tickets (UU 25/2009); never a diagnosis.
PRIORITY_REASONS = ("lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana")

# Where a ticket came from ("booking": a citizen who booked on central checked in, SPEC §8).
BOOKING = "booking"
SOURCES = ("button", "kiosk", "desk", "api", BOOKING)

# A booking's state as this site knows it (SPEC §8); a check-in is its own row.
BOOKED = "booked"
BOOKING_CANCELLED = "cancelled"
BOOKING_STATES = (BOOKED, BOOKING_CANCELLED)


class BaseModel(Model):  # type: ignore[misc]
    class Meta:
        legacy_table_names = False


class Site(BaseModel):
    """The one site this appliance serves (a single row)."""

    code = CharField(primary_key=True)
    name = TextField()
    region_code = TextField(default="")
    timezone = TextField()
    address = TextField(default="")
    hours = TextField()  # JSON of the catalogue's `hours`
    catalogue_version = IntegerField(default=0)


class Agency(BaseModel):
    code = CharField(primary_key=True)
    name = TextField()
    kind = TextField()
    active = BooleanField(default=True)
    position = IntegerField(default=0)  # order in the catalogue document


class Service(BaseModel):
    code = CharField(primary_key=True)
    agency = ForeignKeyField(
        Agency, column_name="agency_code", backref="services", object_id_name="agency_id"
    )
    name = TextField()
    prefix = CharField(max_length=2)
    avg_service_minutes = IntegerField()
    daily_quota = IntegerField(null=True)
    requirements = TextField(default="[]")  # JSON list of strings
    fee = TextField(default="")
    active = BooleanField(default=True)
    position = IntegerField(default=0)


class Officer(BaseModel):
    username = CharField(unique=True)
    display_name = TextField(default="")
    password_hash = TextField()
    role = CharField()
    active = BooleanField(default=True)
    created_at = TextField()


class Counter(BaseModel):
    code = CharField(primary_key=True)
    name = TextField()
    agency = ForeignKeyField(
        Agency, column_name="agency_code", backref="counters", object_id_name="agency_id"
    )
    active = BooleanField(default=True)
    position = IntegerField(default=0)
    paused = BooleanField(default=False)
    # Consecutive priority calls, for the anti-starvation limit.
    priority_streak = IntegerField(default=0)
    current_ticket_id = IntegerField(null=True)
    officer = ForeignKeyField(
        Officer,
        null=True,
        column_name="officer_id",
        on_delete="SET NULL",
        object_id_name="officer_id",
    )


class CounterService(BaseModel):
    counter = ForeignKeyField(
        Counter, column_name="counter_code", on_delete="CASCADE", object_id_name="counter_id"
    )
    service = ForeignKeyField(
        Service, column_name="service_code", on_delete="CASCADE", object_id_name="service_id"
    )

    class Meta:
        primary_key = CompositeKey("counter", "service")


class OfficerCounter(BaseModel):
    """Counters an officer may act on."""

    officer = ForeignKeyField(
        Officer, column_name="officer_id", on_delete="CASCADE", object_id_name="officer_id"
    )
    counter = ForeignKeyField(
        Counter, column_name="counter_code", on_delete="CASCADE", object_id_name="counter_id"
    )

    class Meta:
        primary_key = CompositeKey("officer", "counter")


class StaffSession(BaseModel):
    """An officer's open session (issue 15: logout must end a copied cookie too). The cookie
    carries a random id; only its SHA-256 is kept, so a copy of the database opens nothing.
    Ended sessions are deleted; expired ones are swept at the next login."""

    id = CharField(primary_key=True)  # sha256 (hex) of the session id in the cookie
    officer = ForeignKeyField(
        Officer, column_name="officer_id", on_delete="CASCADE", object_id_name="officer_id"
    )
    started_at = TextField()
    expires_at = FloatField()  # Unix time


class ApiToken(BaseModel):
    name = CharField(unique=True)
    role = CharField()
    token_hash = CharField(unique=True)  # sha256 of the token; the token itself is never stored
    created_at = TextField()
    revoked = BooleanField(default=False)
    counters = TextField(default="")  # comma-separated counter codes an officer token acts on
    officer = ForeignKeyField(
        Officer,
        null=True,
        column_name="officer_id",
        on_delete="CASCADE",
        object_id_name="officer_id",
    )


class DayCounter(BaseModel):
    """The last number given per prefix and business day (the gap-free numbering source)."""

    business_date = DateField()
    prefix = CharField(max_length=2)
    last_sequence = IntegerField()

    class Meta:
        primary_key = CompositeKey("business_date", "prefix")


class Ticket(BaseModel):
    business_date = DateField()
    prefix = CharField(max_length=2)
    sequence = IntegerField()
    number = CharField()
    service = ForeignKeyField(
        Service, column_name="service_code", backref="tickets", object_id_name="service_id"
    )
    state = CharField(default=WAITING)
    priority = BooleanField(default=False)
    priority_reason = CharField(null=True)
    status_token = CharField(unique=True)
    source = CharField()
    issued_at = TextField()
    called_at = TextField(null=True)
    started_at = TextField(null=True)
    finished_at = TextField(null=True)
    counter = ForeignKeyField(
        Counter, null=True, column_name="counter_code", object_id_name="counter_id"
    )
    officer = ForeignKeyField(
        Officer,
        null=True,
        column_name="officer_id",
        on_delete="SET NULL",
        object_id_name="officer_id",
    )
    recalls = IntegerField(default=0)
    transferred_from = CharField(null=True)
    surveyed = BooleanField(default=False)  # an SKM response was given (which one is not kept)
    issued_by = ForeignKeyField(
        Officer,
        null=True,
        column_name="issued_by_id",
        on_delete="SET NULL",
        backref="+",
        object_id_name="issued_by_id",
    )
    # Checked in from a booking inside its slot window: called before the walk-ins of its
    # service (appliance/queue/calling.py). A booking checked in outside it queues as a walk-in.
    booked = BooleanField(default=False)

    class Meta:
        indexes = (
            (("business_date", "prefix", "sequence"), True),
            (("state", "service", "business_date"), False),
        )


class Call(BaseModel):
    """One call or recall, announced once on every board; `seq` is its outbox event's seq."""

    seq = IntegerField(unique=True)
    ticket = ForeignKeyField(
        Ticket, column_name="ticket_id", backref="calls", object_id_name="ticket_id"
    )
    number = CharField()
    counter = ForeignKeyField(Counter, column_name="counter_code", object_id_name="counter_id")
    counter_name = TextField()
    service_name = TextField()
    recall = BooleanField(default=False)
    at = TextField()


class Survey(BaseModel):
    """An anonymous SKM response: no link to a ticket (the ticket's `surveyed` flag refuses a
    second response), only the service and business day it rates."""

    service = ForeignKeyField(Service, column_name="service_code", object_id_name="service_id")
    business_date = DateField()
    answers = TextField()  # JSON {"U1": 1..4, ...}
    respondent = TextField(default="{}")  # JSON of the optional anonymous profile
    submitted_at = TextField()  # to the hour only: the minute would point back at the ticket


class Outbox(BaseModel):
    """Events waiting for central's ack, in the order they happened."""

    seq = IntegerField(primary_key=True)
    event_id = CharField(unique=True)
    type = CharField()
    at = TextField()
    clock_synced = BooleanField()
    data = TextField()  # JSON


class Booking(BaseModel):
    """A booking made on central for this site: received down the wire (`seq` is its last change
    in central's per-site outbox), or first seen as the signed token at the kiosk (`seq` null)."""

    code = CharField(primary_key=True)  # normalised, 9 characters (appliance/bookings/codes.py)
    service = CharField(column_name="service_code")  # plain text: the catalogue may have moved on
    business_date = DateField()
    slot_start = CharField(max_length=5)  # "HH:MM", site time
    slot_end = CharField(max_length=5)
    token = TextField(default="")
    status = CharField(default=BOOKED)
    seq = IntegerField(null=True)
    received_at = TextField()
    origin = CharField(default="sync")  # "sync" (down/bookings) | "token" (claim at check-in)

    class Meta:
        indexes = ((("business_date", "service"), False),)


class BookingCheckIn(BaseModel):
    """A booking checked in at this site: once per code, with the ticket it was given."""

    code = CharField(unique=True)
    ticket = ForeignKeyField(Ticket, column_name="ticket_id", object_id_name="ticket_id")
    at = TextField()
    via = CharField()  # "code" (typed) | "token" (scanned QR)
    in_window = BooleanField()


class BookingKey(BaseModel):
    """A public key this site accepts booking tokens signed with (SPEC §8)."""

    kid = CharField(primary_key=True)
    public_key = TextField()
    origin = CharField()  # "config" (central's booking_keys) | "admin" (`mpp bookings trust-key`)
    added_at = TextField()


class State(BaseModel):
    """Small key/value facts the appliance must not forget (last seq, business date, sync state)."""

    key = CharField(primary_key=True)
    value = TextField()


MODELS: tuple[type[Any], ...] = (
    Site,
    Agency,
    Service,
    Officer,
    Counter,
    CounterService,
    OfficerCounter,
    StaffSession,
    ApiToken,
    DayCounter,
    Ticket,
    Call,
    Survey,
    Outbox,
    State,
    Booking,
    BookingCheckIn,
    BookingKey,
)
