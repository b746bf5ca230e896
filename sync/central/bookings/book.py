"""Booking, cancelling and reading a booking (SPEC §8), safe with many central processes.

A slot's places are a counter row (`booking_slots`) taken with one conditional statement,
`UPDATE … SET taken = taken + 1 WHERE … AND taken < places`: the database itself decides, so two
requests in two processes can never both take the last place (on PostgreSQL the second waits on
the first's row lock and sees its `taken`; SQLite takes one write lock per transaction). A
refused update is `slot_full`. Cancelling gives the place back in the same way. The booking, its
counter, its signed token and its outbox change commit together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Database, IntegrityError

from appliance.bookings import codes
from appliance.bookings.settings import BookingSettings, booking_quota
from appliance.bookings.slots import find_slot, slot_places
from appliance.bookings.token import BookingClaim, sign
from sync import booking_wire
from sync.central.booking_models import BookingRow, BookingSlotRow
from sync.central.bookings import keys, outbox
from sync.central.bookings.offer import SiteOffer, site_offer
from sync.central.store import TicketRow

BOOKED, CANCELLED, CHECKED_IN, EXPIRED = "booked", "cancelled", "checked_in", "expired"
CODE_ATTEMPTS = 8


class BookingRefused(ValueError):
    """A booking central will not make or change: a stable `code`, an HTTP status, Indonesian."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Request:
    site: str
    service: str
    date: str
    slot_start: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8", "replace")).hexdigest()


def book(db: Database, request: Request, now: datetime, default_zone: ZoneInfo) -> BookingRow:
    """Make a booking or raise BookingRefused (404 unknown_site/unknown_service, 422 bad_date /
    unknown_slot / slot_past, 409 slot_full)."""
    with db.atomic():
        offer = site_offer(request.site, default_zone)
        if offer is None:
            raise BookingRefused(404, "unknown_site", "Situs ini belum menerima booking.")
        if offer.service(request.service) is None:
            raise BookingRefused(404, "unknown_service", "Layanan ini tidak dapat dibooking.")
        day = _day(offer, request.date, now)
        slots = offer.slots(day)
        slot = find_slot(slots, request.slot_start)
        if slot is None:
            raise BookingRefused(422, "unknown_slot", "Jam ini bukan jadwal booking.")
        if offer.local(day, slot.start) <= now:
            raise BookingRefused(422, "slot_past", "Jam ini sudah lewat; pilih jam lain.")
        places = slot_places(booking_quota(offer.doc, request.service), slots)[slot]
        _take_place(request, day, places)
        key = keys.signing_key(db, request.site, now)
        at = now.isoformat(timespec="seconds")
        row = _create(request, day, slot.end_text, str(key.seed), at)
        outbox.append(request.site, booking_wire.BOOKED, row, at)
    return row


def _day(offer: SiteOffer, text: str, now: datetime) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BookingRefused(422, "bad_date", "Tanggal tidak dikenali (YYYY-MM-DD).") from None
    if not offer.today(now) <= day <= offer.last_day(now):
        raise BookingRefused(
            422,
            "bad_date",
            f"Booking dibuka untuk hari ini sampai {offer.settings.horizon_days} hari ke depan.",
        )
    return day


def _take_place(request: Request, day: date, places: int) -> None:
    where = (
        (BookingSlotRow.site == request.site)
        & (BookingSlotRow.service == request.service)
        & (BookingSlotRow.business_date == day.isoformat())
        & (BookingSlotRow.slot_start == request.slot_start)
    )
    BookingSlotRow.insert(
        site=request.site,
        service=request.service,
        business_date=day.isoformat(),
        slot_start=request.slot_start,
        places=places,
    ).on_conflict_ignore().execute()
    # The quota may have changed since the row was made: the catalogue's number counts.
    BookingSlotRow.update(places=places).where(where & (BookingSlotRow.places != places)).execute()
    taken = (
        BookingSlotRow.update(taken=BookingSlotRow.taken + 1)
        .where(where & (BookingSlotRow.taken < BookingSlotRow.places))
        .execute()
    )
    if taken != 1:
        raise BookingRefused(409, "slot_full", "Kuota jam ini sudah penuh; pilih jam lain.")


def _create(request: Request, day: date, slot_end: str, seed: str, at: str) -> BookingRow:
    for _ in range(CODE_ATTEMPTS):
        code = codes.new_code()
        claim = BookingClaim(
            request.site, code, request.service, day.isoformat(), request.slot_start, slot_end
        )
        token = sign(claim, seed)
        try:
            with BookingRow._meta.database.atomic():  # a savepoint: a clash of codes is retried
                row: BookingRow = BookingRow.create(
                    site=request.site,
                    code=code,
                    token_hash=token_hash(token),
                    token=token,
                    service=request.service,
                    business_date=day.isoformat(),
                    slot_start=request.slot_start,
                    slot_end=slot_end,
                    status=BOOKED,
                    created_at=at,
                )
            return row
        except IntegrityError:
            continue
    raise RuntimeError("no free booking code after several tries")


def find(token: str) -> BookingRow | None:
    row: BookingRow | None = BookingRow.get_or_none(BookingRow.token_hash == token_hash(token))
    return row


def cancel(db: Database, token: str, now: datetime, default_zone: ZoneInfo) -> BookingRow:
    """Cancel and free the place; cancelling twice answers the same. 404 unknown_booking,
    409 already_checked_in / expired."""
    with db.atomic():
        row = find(token)
        if row is None:
            raise BookingRefused(404, "unknown_booking", "Booking tidak ditemukan.")
        state = status_of(row, now, default_zone)
        if state == CANCELLED:
            return row
        if state == CHECKED_IN:
            raise BookingRefused(409, "already_checked_in", "Booking ini sudah dipakai.")
        if state == EXPIRED:
            raise BookingRefused(409, "expired", "Waktu booking ini sudah lewat.")
        at = now.isoformat(timespec="seconds")
        changed = (
            BookingRow.update(status=CANCELLED, cancelled_at=at)
            .where((BookingRow.id == row.id) & (BookingRow.status == BOOKED))
            .execute()
        )
        if changed != 1:  # checked in meanwhile (an event stored since it was read)
            raise BookingRefused(409, "already_checked_in", "Booking ini sudah dipakai.")
        BookingSlotRow.update(taken=BookingSlotRow.taken - 1).where(
            (BookingSlotRow.site == row.site)
            & (BookingSlotRow.service == row.service)
            & (BookingSlotRow.business_date == row.business_date)
            & (BookingSlotRow.slot_start == row.slot_start)
            & (BookingSlotRow.taken > 0)
        ).execute()
        outbox.append(str(row.site), booking_wire.CANCELLED, row, at)
        fresh: BookingRow = BookingRow.get_by_id(row.id)
    return fresh


def status_of(row: BookingRow, now: datetime, default_zone: ZoneInfo) -> str:
    """`booked`, `checked_in`, `cancelled`, or `expired` (booked, and the slot's end plus
    late_minutes has passed in the site's time: a no-show of a booking)."""
    if row.status != BOOKED:
        return str(row.status)
    offer = site_offer(str(row.site), default_zone)
    if offer is None:
        return status_at(row, now, default_zone, BookingSettings())
    return status_at(row, now, offer.zone, offer.settings)


def status_at(row: BookingRow, now: datetime, zone: ZoneInfo, settings: BookingSettings) -> str:
    """`status_of` with the site's zone and settings already known (figures over many rows)."""
    if row.status != BOOKED:
        return str(row.status)
    end = datetime.combine(
        date.fromisoformat(row.business_date),
        datetime.strptime(row.slot_end, "%H:%M").time(),
        tzinfo=zone,
    )
    return EXPIRED if now > end + timedelta(minutes=settings.late_minutes) else BOOKED


def body(row: BookingRow, now: datetime, default_zone: ZoneInfo) -> dict[str, Any]:
    """The public answer: no personal data (central holds none)."""
    state = status_of(row, now, default_zone)
    out: dict[str, Any] = {
        "code": row.code,
        "code_display": codes.display(str(row.code)),
        "token": row.token,
        "site": row.site,
        "service": row.service,
        "date": row.business_date,
        "slot_start": row.slot_start,
        "slot_end": row.slot_end,
        "status": state,
        "created_at": row.created_at,
        "cancelled_at": row.cancelled_at,
    }
    if state == CHECKED_IN:
        out["checked_in"] = {
            "at": row.checked_in_at,
            "number": row.ticket_number,
            "in_window": row.in_window,
            "after_cancel": bool(row.checked_in_after_cancel),
            "ticket": ticket_status(str(row.site), row.ticket_id),
        }
    return out


def ticket_status(site: str, ticket_id: int | None) -> dict[str, Any] | None:
    """The checked-in ticket's public status and its page, once central's projection has it."""
    if ticket_id is None:
        return None
    ticket = (
        TicketRow.select()
        .where((TicketRow.site == site) & (TicketRow.ticket_id == ticket_id))
        .order_by(TicketRow.epoch.desc())
        .first()
    )
    if ticket is None:
        return None
    return {
        "number": ticket.number,
        "state": ticket.state,
        "status_url": f"/t/{site}/{ticket.status_token}",
    }
