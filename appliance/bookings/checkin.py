"""Checking in a booking at the kiosk (SPEC §8): the citizen's typed code or the QR's signed token.

A typed code needs the booking to have reached this site (down/bookings). A token proves itself:
central signed it with the site's key, so it is accepted offline, even for a booking this site
never received — the booking is then stored from the token's claim, and central reconciles when
the `booking.checked_in` event arrives (a booking central had cancelled is flagged there; this
site cannot know).

The booking rules are here; the transaction is the engine's (`QueueEngine.check_in_booking`): the
booking is checked on the transaction's reads, the ticket issued by the one issuing path (source
"booking", never the walk-in quota), the check-in stored and its event written, all in one commit,
and the receipt printed and the board told after it. Inside the slot window (start −
early_minutes … end + late_minutes, site time) the ticket is called before the walk-ins of its
service; outside it, it queues as a walk-in and `CheckIn.note` says why.

Refusals are the queue's (appliance/queue/errors.py): a stable code, an Indonesian template and
its values, so the web shows them in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from appliance.bookings import codes
from appliance.bookings.keys import public_keys
from appliance.bookings.settings import BookingSettings, booking_settings
from appliance.bookings.token import BookingClaim, TokenError, verify
from appliance.queue.engine import QueueEngine
from appliance.queue.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from appliance.queue.tickets import TicketInfo, stamp
from appliance.queue.transaction import Txn
from appliance.storage.database import connected
from appliance.storage.models import BOOKING_CANCELLED, Booking, BookingCheckIn, Site, Ticket
from appliance.storage.state import BOOKING_WORDS, get_state_json

VIA_CODE = "code"
VIA_TOKEN = "token"  # noqa: S105 (how the booking came, not a secret)
EARLY = "early"
LATE = "late"


@dataclass(frozen=True)
class BookedVisit:
    """The booking as checked in: what the kiosk shows beside the ticket."""

    code: str
    service: str
    date: str
    slot_start: str
    slot_end: str
    via: str

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "display_code": codes.display(self.code),
            "service": self.service,
            "date": self.date,
            "slot_start": self.slot_start,
            "slot_end": self.slot_end,
            "via": self.via,
        }


@dataclass(frozen=True)
class WindowNote:
    """Why a booked citizen queues as a walk-in: came too early or too late for the window."""

    code: str  # EARLY | LATE
    template: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)


@dataclass(frozen=True)
class CheckIn:
    ticket: TicketInfo
    in_window: bool
    booking: BookedVisit
    note: WindowNote | None = None  # None inside the window

    def to_dict(self) -> dict[str, Any]:
        note = self.note
        return {
            "ticket": self.ticket.to_dict(),
            "in_window": self.in_window,
            "booking": self.booking.to_dict(),
            "note": {"code": note.code, "message": note.message} if note is not None else None,
        }


def check_in(engine: QueueEngine, *, code: str | None = None, token: str | None = None) -> CheckIn:
    """Check a booking in by its typed `code` or its scanned `token` (exactly one)."""
    if (code is None) == (token is None) or not (code or token or "").strip():
        raise Invalid("missing_booking", "Masukkan kode booking atau pindai kode QR-nya.")
    if token is not None:
        arrival = _Arrival(claim=_verified(engine, token), via=VIA_TOKEN, token=token.strip())
    else:
        assert code is not None
        try:
            typed = codes.normalise(code)
        except codes.BadCode:
            raise Refused(
                "bad_code",
                "Kode booking {code} tidak valid. Periksa kembali hurufnya.",
                code=code.strip()[:20],
            ) from None
        arrival = _Arrival(code=typed, via=VIA_CODE)
    ticket = engine.check_in_booking(arrival)
    assert arrival.visit is not None
    return CheckIn(ticket, arrival.in_window, arrival.visit, arrival.note)


def _verified(engine: QueueEngine, token: str) -> BookingClaim:
    """The token's claim, checked against the site's keys outside the write lock."""
    with connected(engine.db):
        keys = public_keys()
    try:
        claim = verify(token, keys)
        _well_formed(claim)
    except TokenError as exc:
        raise Forbidden(
            "bad_signature",
            "Kode QR booking ini tidak sah untuk MPP ini. Tunjukkan kepada petugas.",
            reason=exc.code,
        ) from None
    return claim


def _well_formed(claim: BookingClaim) -> None:
    """A signed claim is central's word, but its fields are read as dates, times and a code."""
    try:
        codes.normalise(claim.code)
        date.fromisoformat(claim.date)
        if time.fromisoformat(claim.slot_start) >= time.fromisoformat(claim.slot_end):
            raise ValueError("slot ends before it starts")
    except ValueError:
        raise TokenError("malformed_token", "the booking in the token is malformed") from None


def window(settings: BookingSettings, day: date, start: str, end: str) -> tuple[time, time]:
    """The slot's window on the site's clock: start − early_minutes … end + late_minutes."""
    opens = datetime.combine(day, time.fromisoformat(start)) - timedelta(
        minutes=settings.early_minutes
    )
    closes = datetime.combine(day, time.fromisoformat(end)) + timedelta(
        minutes=settings.late_minutes
    )
    return opens.time() if opens.date() == day else time.min, (
        closes.time() if closes.date() == day else time.max
    )


class _Arrival:
    """One check-in's booking side, run by the engine inside its transaction."""

    def __init__(
        self, *, via: str, claim: BookingClaim | None = None, code: str = "", token: str = ""
    ) -> None:
        self.via = via
        self.claim = claim
        self.token = token
        self.code = codes.normalise(claim.code) if claim is not None else code
        self.visit: BookedVisit | None = None
        self.in_window = False
        self.note: WindowNote | None = None
        self._stored = False

    def admit(self, txn: Txn) -> tuple[str, bool]:
        booking = Booking.get_or_none(Booking.code == self.code)
        if booking is None and self.claim is None:
            raise NotFound(
                "unknown_booking",
                "Booking {code} belum diterima MPP ini. Pindai kode QR dari halaman booking "
                "Anda, atau tanyakan petugas.",
                code=codes.display(self.code),
            )
        first = BookingCheckIn.get_or_none(BookingCheckIn.code == self.code)
        if first is not None:
            at = datetime.fromisoformat(first.at).astimezone(txn.tz)
            number = Ticket.get_by_id(first.ticket_id).number
            raise Conflict(
                "already_checked_in",
                "Booking {code} sudah check-in pukul {time} dengan nomor {number}.",
                code=codes.display(self.code),
                time=f"{at:%H.%M}",
                number=number,
                at=first.at,
            )
        if booking is not None and booking.status == BOOKING_CANCELLED:
            raise Refused(
                "cancelled", "Booking {code} sudah dibatalkan.", code=codes.display(self.code)
            )
        visit = self._visit(booking)
        self._check_site_and_day(visit, txn)
        self._stored = booking is not None
        self.visit = visit
        self.in_window, self.note = _placed(_settings(), visit, txn)
        return visit.service, self.in_window

    def _visit(self, booking: Booking | None) -> BookedVisit:
        if booking is not None:
            return BookedVisit(
                str(booking.code),
                str(booking.service),
                str(booking.business_date),
                str(booking.slot_start),
                str(booking.slot_end),
                self.via,
            )
        claim = self.claim
        assert claim is not None
        return BookedVisit(
            self.code, claim.service, claim.date, claim.slot_start, claim.slot_end, self.via
        )

    def _check_site_and_day(self, visit: BookedVisit, txn: Txn) -> None:
        site = Site.select(Site.code).scalar()
        if self.claim is not None and self.claim.site != site:
            raise Refused(
                "wrong_site",
                "Booking ini untuk MPP {site}, bukan MPP ini.",
                site=self.claim.site,
            )
        if visit.date != txn.day.date.isoformat():
            raise Refused(
                "wrong_day",
                "Booking ini untuk tanggal {date}, bukan hari ini ({today}).",
                date=visit.date,
                today=txn.day.date.isoformat(),
            )

    def record(self, txn: Txn, ticket: TicketInfo) -> dict[str, Any]:
        visit = self.visit
        assert visit is not None
        at = stamp(txn.now)
        if not self._stored and self.claim is not None:  # never received: the token vouches
            Booking.insert(
                code=visit.code,
                service=visit.service,
                business_date=visit.date,
                slot_start=visit.slot_start,
                slot_end=visit.slot_end,
                token=self.token,
                received_at=at,
                origin=VIA_TOKEN,
            ).execute()
        BookingCheckIn.insert(
            code=visit.code, ticket=ticket.id, at=at, via=self.via, in_window=self.in_window
        ).execute()
        return {
            "code": visit.code,
            "ticket_id": ticket.id,
            "number": ticket.number,
            "service": visit.service,
            "date": visit.date,
            "slot_start": visit.slot_start,
            "slot_end": visit.slot_end,
            "in_window": self.in_window,
            "via": self.via,
            "checked_in_at": at,
        }


def _settings() -> BookingSettings:
    kept = get_state_json(BOOKING_WORDS)
    return booking_settings(kept) if isinstance(kept, dict) else BookingSettings()


def _placed(
    settings: BookingSettings, visit: BookedVisit, txn: Txn
) -> tuple[bool, WindowNote | None]:
    """Inside the window, or the note that says why the citizen queues as a walk-in."""
    opens, closes = window(settings, txn.day.date, visit.slot_start, visit.slot_end)
    local = txn.now.astimezone(txn.tz).time()
    values: dict[str, object] = {
        "start": visit.slot_start,
        "end": visit.slot_end,
        "opens": f"{opens:%H.%M}",
        "closes": f"{closes:%H.%M}",
    }
    if local < opens:
        return False, WindowNote(
            EARLY,
            "Anda datang sebelum waktu booking ({start}–{end}); booking berlaku mulai pukul "
            "{opens}. Nomor Anda diantrekan seperti pengunjung biasa.",
            values,
        )
    if local > closes:
        return False, WindowNote(
            LATE,
            "Waktu booking Anda ({start}–{end}) sudah lewat (batas pukul {closes}). Nomor Anda "
            "diantrekan seperti pengunjung biasa.",
            values,
        )
    return True, None
