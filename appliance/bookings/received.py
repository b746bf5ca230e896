"""Storing the booking changes central sends down (SPEC §8), each exactly once.

Central numbers each site's booking changes gap-free (`seq`); the site keeps the last seq it
stored (`bookings.through` in the state table) in the same transaction as the changes, so a batch
resent after a lost ack, or delivered twice by the broker, changes nothing, and a batch that
starts past the next seq (one lost in between) is left for central's resend from the ack rather
than stored with a hole. The sync worker (sync/edge_bookings.py) decodes the wire format and acks
`through` after the commit.

A change that cannot be a booking (a bad code, an unknown kind) is set aside with its reason
(`bookings.rejected`, the newest `KEEP_REJECTED`, shown by `mpp bookings list`) and the seq moves
past it: one bad row from central must not stop every later booking from arriving.

A change for a booking already checked in here (its token came first) only fills in the seq and
token; a cancellation that arrives after the check-in is stored, and the check-in stands
(central flags it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from appliance.bookings import codes
from appliance.storage.models import BOOKED, BOOKING_CANCELLED, Booking
from appliance.storage.state import get_state, get_state_json, set_state

THROUGH = "bookings.through"
REJECTED = "bookings.rejected"
# The last `down/bookings` payload the sync worker could not read at all (JSON {at, reason}):
# written by sync/edge_bookings.py, shown by `mpp bookings list`.
REJECTED_BATCH = "sync.bookings_rejected"
KEEP_REJECTED = 50


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
    rejected: tuple[str, ...] = ()  # why each change set aside was


def stored_through() -> int:
    """The last booking seq this site stored (0 before the first)."""
    return int(get_state(THROUGH) or 0)


def store_changes(changes: Iterable[Change], at: str) -> Stored:
    """Store the changes past `stored_through()`, in order, inside the caller's transaction."""
    through = stored_through()
    new = 0
    rejected: list[str] = []
    for change in changes:
        if change.seq <= through:
            continue  # stored already: a resend or a duplicate delivery
        if change.seq != through + 1:
            return Stored(new, through, gap=True, rejected=tuple(rejected))
        try:
            _store(change, at)
            new += 1
        except ValueError as exc:
            rejected.append(str(exc))
            _set_aside(change, str(exc), at)
        through = change.seq
    set_state(THROUGH, str(through))
    return Stored(new, through, rejected=tuple(rejected))


def rejected_changes() -> list[dict[str, Any]]:
    """The changes set aside, newest last: {seq, code, reason, at}."""
    kept = get_state_json(REJECTED, [])
    return list(kept) if isinstance(kept, list) else []


def rejected_batch() -> dict[str, Any] | None:
    kept = get_state_json(REJECTED_BATCH)
    return kept if isinstance(kept, dict) else None


def _set_aside(change: Change, reason: str, at: str) -> None:
    kept = rejected_changes()
    kept.append({"seq": change.seq, "code": change.code[:64], "reason": reason, "at": at})
    set_state(REJECTED, json.dumps(kept[-KEEP_REJECTED:], ensure_ascii=False))


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
