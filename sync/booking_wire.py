"""The booking messages on the wire (SPEC §8): central's outbox down, the edge's ack up.

Central keeps a gap-free per-site outbox of booking changes (a new booking, a cancellation) and
publishes them on `down/bookings` in batches (QoS 1); the edge stores each change exactly once,
commits, and answers `up/bookings-ack` `{"acked_through": N}`; on every hello central resends from
the last ack. A batch is contiguous from `first_seq`; the edge applies only what lies past what it
has already stored, so a resent batch is harmless.

Pure: no paho, no database. Every payload goes through `protocol.decode_document` (bounded size
and depth), so a poison message becomes a ProtocolError with a reason, never a stalled worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sync import protocol
from sync.protocol import ProtocolError

BOOKED = "booked"
CANCELLED = "cancelled"
KINDS = (BOOKED, CANCELLED)
MAX_CHANGES = 500  # per batch: a day of bookings of a big site fits in a few
MAX_PAYLOAD = 1024 * 1024
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}$")
_TEXT = 64
_TOKEN = 600


@dataclass(frozen=True)
class BookingChange:
    """One row of central's booking outbox for a site.

    `booked` carries the whole booking (with its signed token, so the edge can print or show
    it); `cancelled` needs only the code, the rest is repeated for the edge's reports.
    """

    seq: int
    kind: str
    code: str
    service: str
    date: str
    slot_start: str
    slot_end: str
    token: str = ""
    at: str = ""  # when central recorded the change (ISO 8601 with offset)

    def to_doc(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "code": self.code,
            "service": self.service,
            "date": self.date,
            "slot_start": self.slot_start,
            "slot_end": self.slot_end,
            "token": self.token,
            "at": self.at,
        }


@dataclass(frozen=True)
class BookingBatch:
    site: str
    changes: tuple[BookingChange, ...]

    @property
    def first_seq(self) -> int:
        return self.changes[0].seq

    @property
    def last_seq(self) -> int:
        return self.changes[-1].seq


def encode_batch(site: str, changes: Sequence[BookingChange]) -> bytes:
    """The `down/bookings` payload for contiguous `changes` (ValueError when they are not)."""
    if not changes:
        raise ValueError("a booking batch needs at least one change")
    for before, after in pairwise(changes):
        if after.seq != before.seq + 1:
            raise ValueError(f"booking changes not contiguous: {before.seq} then {after.seq}")
    doc = {
        "v": protocol.VERSION,
        "site": protocol.check_site(site),
        "changes": [c.to_doc() for c in changes],
    }
    return protocol.encode_document(doc, compress_over=4096)


def decode_batch(payload: bytes, *, topic_site: str | None = None) -> BookingBatch:
    """A checked batch; ProtocolError (with a code) for anything malformed or out of bounds."""
    doc = protocol.decode_document(payload, max_bytes=MAX_PAYLOAD)
    if doc.get("v") != protocol.VERSION:
        raise ProtocolError("bad_version", f"booking batch version {doc.get('v')!r}")
    site = protocol.check_site(doc.get("site"))
    if topic_site is not None and site != topic_site:
        raise ProtocolError("site_mismatch", f"topic is for {topic_site!r}, payload says {site!r}")
    raw = doc.get("changes")
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_CHANGES:
        raise ProtocolError("bad_bookings", f"changes must be a list of 1-{MAX_CHANGES}")
    changes = tuple(_change(item, i) for i, item in enumerate(raw))
    for before, after in pairwise(changes):
        if after.seq != before.seq + 1:
            raise ProtocolError(
                "bad_bookings", f"seq {before.seq} then {after.seq}: not contiguous"
            )
    return BookingBatch(site, changes)


def _change(item: object, i: int) -> BookingChange:
    where = f"changes[{i}]"
    if not isinstance(item, Mapping):
        raise ProtocolError("bad_bookings", f"{where} is not an object")
    seq = item.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ProtocolError("bad_bookings", f"{where}.seq must be a positive integer")
    kind = item.get("kind")
    if kind not in KINDS:
        raise ProtocolError("bad_bookings", f"{where}.kind must be one of {KINDS}")
    text = {}
    for name, limit in (("code", _TEXT), ("service", _TEXT), ("token", _TOKEN), ("at", _TEXT)):
        value = item.get(name, "")
        if not isinstance(value, str) or len(value) > limit:
            raise ProtocolError("bad_bookings", f"{where}.{name} must be text of <= {limit}")
        text[name] = value
    if not text["code"] or not text["service"]:
        raise ProtocolError("bad_bookings", f"{where} lacks its code or service")
    when = {}
    for name, pattern in (("date", _DATE_RE), ("slot_start", _TIME_RE), ("slot_end", _TIME_RE)):
        value = item.get(name)
        if not isinstance(value, str) or not pattern.match(value):
            raise ProtocolError("bad_bookings", f"{where}.{name} is not a date/time")
        when[name] = value
    return BookingChange(seq=seq, kind=str(kind), **text, **when)


def encode_ack(acked_through: int) -> bytes:
    """The edge's `up/bookings-ack`: every change through `acked_through` is committed."""
    if acked_through < 0:
        raise ValueError("acked_through must be >= 0")
    return protocol.encode_document({"acked_through": acked_through})


def decode_ack(payload: bytes) -> int:
    doc = protocol.decode_document(payload, max_bytes=4096)
    through = doc.get("acked_through")
    if not isinstance(through, int) or isinstance(through, bool) or through < 0:
        raise ProtocolError("bad_ack", "acked_through must be a non-negative integer")
    return through
