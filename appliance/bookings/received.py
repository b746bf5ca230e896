"""Storing the booking changes central sends down (SPEC §8), each exactly once.

Central numbers each site's booking changes gap-free (`seq`); the site keeps the last seq it
stored (`bookings.through` in the state table) in the same transaction as the changes, so a batch
resent after a lost ack, or delivered twice by the broker, changes nothing, and a batch that
starts past the next seq (one lost in between) is left for central's resend from the ack rather
than stored with a hole. The sync worker (sync/edge_bookings.py) decodes the wire format and acks
`through` after the commit.

A change for a booking already checked in here (its token came first) only fills in the seq and
token; a cancellation that arrives after the check-in is stored, and the check-in stands
(central flags it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from appliance.bookings import codes
from appliance.storage.models import BOOKED, BOOKING_CANCELLED, Booking
from appliance.storage.state import get_state, set_state

THROUGH = "bookings.through"


class Change(Protocol):
    """One booking change as central sent it (sync.booking_wire.BookingChange has this shape)."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def date(self) -> str: ...
    @property
    def slot_start(self) -> str: ...
    @property
    def slot_end(self) -> str: ...
    @property
    def token(self) -> str: ...


@dataclass(frozen=True)
class Stored:
    """What a batch did: how many changes were new, and the last seq now stored."""

    new: int
    through: int
    gap: bool = False  # the batch began past through + 1: nothing stored, central resends


def stored_through() -> int:
    """The last booking seq this site stored (0 before the first)."""
    return int(get_state(THROUGH) or 0)


def store_changes(changes: Iterable[Change], at: str) -> Stored:
    """Store the changes past `stored_through()`, in order, inside the caller's transaction.

    ValueError for a change that cannot be a booking (a bad code or kind): the caller rolls the
    batch back and sets it aside with that reason.
    """
    through = stored_through()
    new = 0
    for change in changes:
        if change.seq <= through:
            continue  # stored already: a resend or a duplicate delivery
        if change.seq != through + 1:
            return Stored(new, through, gap=True)
        _store(change, at)
        through = change.seq
        new += 1
    set_state(THROUGH, str(through))
    return Stored(new, through)


def _store(change: Change, at: str) -> None:
    if change.kind not in (BOOKED, BOOKING_CANCELLED):
        raise ValueError(f"seq {change.seq}: unknown kind {change.kind!r}")
    try:
        code = codes.normalise(change.code)
    except codes.BadCode as exc:
        raise ValueError(f"seq {change.seq}: bad code {change.code!r}: {exc}") from None
    values = {
        Booking.service: change.service,
        Booking.business_date: change.date,
        Booking.slot_start: change.slot_start,
        Booking.slot_end: change.slot_end,
        Booking.status: change.kind,
        Booking.seq: change.seq,
    }
    if change.token:
        values[Booking.token] = change.token
    Booking.insert(
        code=code,
        service=change.service,
        business_date=change.date,
        slot_start=change.slot_start,
        slot_end=change.slot_end,
        token=change.token,
        status=change.kind,
        seq=change.seq,
        received_at=at,
        origin="sync",
    ).on_conflict(conflict_target=[Booking.code], update=values).execute()
