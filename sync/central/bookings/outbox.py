"""The per-site booking outbox (SPEC §8): gap-free changes, sent down, resent from the last ack.

Each new booking or cancellation takes the site's next seq in the transaction that makes it (the
`booking_sites` row is updated first, so on PostgreSQL a second transaction waits on its row lock
and a rolled-back one leaves no gap) and queues a one-change `down/bookings` batch as an
`outgoing` row, which the publisher sends (QoS 1, not retained) once the broker takes it. The
edge stores each change once, commits, and answers `up/bookings-ack`; what it has not acknowledged
is queued again from the last ack on every hello, in batches of at most `BATCH` changes, and when
an ack shows the edge stopped short of what was sent (a batch it could not use after a gap, or the
ack the edge sends unasked on connect, from where it stands).
"""

from __future__ import annotations

from typing import Any

from peewee import PostgresqlDatabase

from sync import booking_wire, protocol
from sync.booking_wire import BookingChange
from sync.central.base import database
from sync.central.booking_models import BookingOutboxRow, BookingRow, BookingSiteRow
from sync.central.store import OutgoingRow

BATCH = 200  # changes per resent batch (booking_wire.MAX_CHANGES is the wire's bound)


def append(site: str, kind: str, booking: BookingRow, at: str) -> int:
    """Write the change and queue its batch (inside the booking's transaction); its seq."""
    BookingSiteRow.insert(site=site).on_conflict_ignore().execute()
    BookingSiteRow.update(last_seq=BookingSiteRow.last_seq + 1).where(
        BookingSiteRow.site == site
    ).execute()
    seq = int(BookingSiteRow.get_by_id(site).last_seq)
    row = BookingOutboxRow.create(
        site=site,
        seq=seq,
        kind=kind,
        code=booking.code,
        service=booking.service,
        business_date=booking.business_date,
        slot_start=booking.slot_start,
        slot_end=booking.slot_end,
        token=booking.token if kind == booking_wire.BOOKED else "",
        at=at,
    )
    _queue(site, [_change(row)], at)
    return seq


def resend(site: str, at: str, *, hello: bool = False) -> int:
    """Queue every change past the site's last ack again; how many (inside a transaction).

    On a `hello` only for a site that has acked bookings before: an appliance older than
    bookings never will, and its every reconnect would queue the whole outbox again. A newer
    edge acks where it stands on every connect, unasked, and that ack sends the rest."""
    marks = BookingSiteRow.get_or_none(BookingSiteRow.site == site)
    if marks is None or marks.acked_through >= marks.last_seq:
        return 0
    if hello and marks.acked_at is None:
        return 0
    rows = list(
        BookingOutboxRow.select()
        .where((BookingOutboxRow.site == site) & (BookingOutboxRow.seq > marks.acked_through))
        .order_by(BookingOutboxRow.seq)
    )
    changes = [_change(row) for row in rows]
    for start in range(0, len(changes), BATCH):
        _queue(site, changes[start : start + BATCH], at)
    return len(changes)


def record_ack(site: str, acked_through: int, at: str) -> bool:
    """Keep the edge's ack (never past what was written). An ack below central's mark is taken
    too: the site stands there (restored from an older backup, or an old ack arriving late), and
    a resend is harmless where a skipped change would be lost. True when the edge is short of the
    last change and this ack moved nothing forward: send the rest again."""
    marks = _locked(site)
    if marks is None:
        return False
    through = min(acked_through, int(marks.last_seq))
    stalled = bool(through <= marks.acked_through and through < marks.last_seq)
    marks.acked_through = through
    marks.acked_at = at
    # Only the ack's own columns: writing the whole row put back the last_seq read above over
    # one a booking committed meanwhile (seen on PostgreSQL: central's mark fell behind).
    marks.save(only=[BookingSiteRow.acked_through, BookingSiteRow.acked_at])
    return stalled


def _locked(site: str) -> BookingSiteRow | None:
    """The site's marks, its row locked to the end of the transaction on PostgreSQL (a booking's
    `last_seq + 1` waits, and so does another worker's ack); SQLite's write lock does that."""
    query = BookingSiteRow.select().where(BookingSiteRow.site == site)
    if isinstance(database.obj, PostgresqlDatabase):
        query = query.for_update()
    row: BookingSiteRow | None = query.first()
    return row


def marks(site: str) -> dict[str, Any]:
    row = BookingSiteRow.get_or_none(BookingSiteRow.site == site)
    return {
        "last_seq": int(row.last_seq) if row else 0,
        "acked_through": int(row.acked_through) if row else 0,
        "acked_at": row.acked_at if row else None,
    }


def _change(row: BookingOutboxRow) -> BookingChange:
    return BookingChange(
        seq=int(row.seq),
        kind=str(row.kind),
        code=str(row.code),
        service=str(row.service),
        date=str(row.business_date),
        slot_start=str(row.slot_start),
        slot_end=str(row.slot_end),
        token=str(row.token),
        at=str(row.at),
    )


def _queue(site: str, changes: list[BookingChange], at: str) -> None:
    OutgoingRow.create(
        site=site,
        topic=protocol.topic(site, protocol.BOOKINGS),
        payload=booking_wire.encode_batch(site, changes),
        retain=False,
        created_at=at,
    )
