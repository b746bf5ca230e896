"""The wire protocol between an appliance and central (SPEC §6): topics and payloads.

Pure: only the standard library, no I/O. Both ends decode through here, so a payload the edge can
produce is exactly a payload central accepts, and every refusal carries a short reason that lands
in central's quarantine table or the edge's `sync.last_error`.

Payloads are self-describing: a JSON document starts with `{`; a compressed one is the byte `Z`
followed by zlib-compressed JSON. Receivers accept both, so a sender may compress any message it
likes (the edge does so above `sync.compress_over_bytes`).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance import bounded_json

VERSION = 1
PREFIX = "mpp/v1"
CENTRAL_STATUS = f"{PREFIX}/central/status"
CENTRAL_GROUP = "central"
ONLINE = b"online"
OFFLINE = b"offline"

COMPRESSED_MARK = b"Z"
MAX_PAYLOAD_BYTES = 8 * 1024 * 1024  # what central reads off the wire
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024  # after decompression (stops zip bombs)
MAX_EVENTS = 10_000  # per batch
MAX_EVENT_ID = 64
MAX_TYPE = 64

SITE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
TYPE_RE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
INSTALLATION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TIMEZONE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")

# Topic kinds below mpp/v1/sites/{site}/
EVENTS = "up/events"
HELLO = "up/hello"
STATUS = "status"
ACK = "down/ack"
CONFIG = "down/config"
BOOKINGS = "down/bookings"  # SPEC §8: central's booking outbox, in batches (sync/booking_wire.py)
BOOKINGS_ACK = "up/bookings-ack"  # the edge's {"acked_through": N} after its commit
KINDS = (EVENTS, HELLO, STATUS, ACK, CONFIG, BOOKINGS, BOOKINGS_ACK)


class ProtocolError(ValueError):
    """A message that breaks the protocol; `code` is stable, the message says what is wrong."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# -- topics -------------------------------------------------------------------------------------


def check_site(site: object) -> str:
    if not isinstance(site, str) or not SITE_RE.match(site):
        raise ProtocolError("bad_site", f"site id {site!r} is not 1-64 of A-Z a-z 0-9 _ . -")
    return site


def topic(site: str, kind: str) -> str:
    """`mpp/v1/sites/{site}/{kind}` for one of KINDS."""
    if kind not in KINDS:
        raise ValueError(f"unknown topic kind {kind!r}")
    return f"{PREFIX}/sites/{check_site(site)}/{kind}"


def up_subscription(shared_group: str | None = CENTRAL_GROUP) -> str:
    """What central subscribes to: every site's `up/#`, shared among the ingest workers."""
    base = f"{PREFIX}/sites/+/up/#"
    return f"$share/{shared_group}/{base}" if shared_group else base


def parse_topic(name: str) -> tuple[str, str]:
    """(site, kind) of a site topic; ProtocolError for anything else."""
    head = f"{PREFIX}/sites/"
    if not name.startswith(head):
        raise ProtocolError("bad_topic", f"{name!r} is not under {head}")
    site, _, kind = name[len(head) :].partition("/")
    check_site(site)
    if kind not in KINDS:
        raise ProtocolError("bad_topic", f"{name!r}: unknown kind {kind!r}")
    return site, kind


# -- envelope -----------------------------------------------------------------------------------


def encode_document(doc: Mapping[str, Any], *, compress_over: int | None = None) -> bytes:
    """JSON bytes, or `Z` + zlib(JSON) when longer than `compress_over` (None: never)."""
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()
    if compress_over is not None and len(raw) > compress_over:
        packed = COMPRESSED_MARK + zlib.compress(raw, 6)
        if len(packed) < len(raw):
            return packed
    return raw


def decode_document(payload: bytes, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> dict[str, Any]:
    """The JSON object in a payload, decompressing when marked; bounded in both sizes."""
    if len(payload) > max_bytes:
        raise ProtocolError("too_large", f"{len(payload)} bytes, limit {max_bytes}")
    if payload[:1] == COMPRESSED_MARK:
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(payload[1:], MAX_DOCUMENT_BYTES + 1)
        except zlib.error as exc:
            raise ProtocolError("bad_compression", str(exc)) from None
        if len(raw) > MAX_DOCUMENT_BYTES or inflater.unconsumed_tail:
            raise ProtocolError("too_large", f"inflates past {MAX_DOCUMENT_BYTES} bytes")
        if not inflater.eof:
            raise ProtocolError("bad_compression", "truncated zlib stream")
    elif payload[:1] == b"{":
        raw = payload
    else:
        raise ProtocolError("bad_envelope", "payload is neither JSON ('{') nor compressed ('Z')")
    try:
        doc = bounded_json.loads(raw)
    except bounded_json.TooDeep as exc:  # was a RecursionError nobody caught (issue 15 item 2)
        raise ProtocolError("too_deep", str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError("bad_json", str(exc)) from None
    if not isinstance(doc, dict):
        raise ProtocolError("bad_json", "payload is not a JSON object")
    return doc


# -- batches ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    site: str
    first_seq: int
    last_seq: int
    events: tuple[dict[str, Any], ...]
    # Added after v1 (optional both ways): the newest seq the edge had written when it built the
    # batch, so central's backlog figure stays true between hellos. 0 = not sent.
    edge_last_seq: int = 0

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "v": VERSION,
            "site": self.site,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "events": list(self.events),
        }
        if self.edge_last_seq:
            doc["edge_last_seq"] = self.edge_last_seq
        return doc


def make_batch(site: str, events: Sequence[Mapping[str, Any]], *, edge_last_seq: int = 0) -> Batch:
    """A batch of wire events (`Event.to_wire()`), checked like central will check it;
    `edge_last_seq` is the outbox's newest seq (sent when > 0)."""
    if not events:
        raise ValueError("a batch needs at least one event")
    checked = tuple(check_event(e, f"events[{i}]") for i, e in enumerate(events))
    batch = Batch(check_site(site), checked[0]["seq"], checked[-1]["seq"], checked)
    _check_contiguous(batch)
    if edge_last_seq:
        batch = Batch(batch.site, batch.first_seq, batch.last_seq, checked, edge_last_seq)
        _check_edge_last_seq(batch)
    return batch


def encode_batch(batch: Batch, *, compress_over: int | None = None) -> bytes:
    return encode_document(batch.to_doc(), compress_over=compress_over)


def decode_batch(payload: bytes, *, topic_site: str | None = None) -> Batch:
    """Decode and check a batch; refuses one whose payload site is not the topic's site."""
    doc = decode_document(payload)
    _check_version(doc)
    site = check_site(doc.get("site"))
    if topic_site is not None and site != topic_site:
        raise ProtocolError(
            "site_mismatch", f"topic is for site {topic_site!r}, payload says {site!r}"
        )
    first, last = _seq(doc.get("first_seq"), "first_seq"), _seq(doc.get("last_seq"), "last_seq")
    events = doc.get("events")
    if not isinstance(events, list) or not events:
        raise ProtocolError("bad_batch", "events must be a non-empty list")
    if len(events) > MAX_EVENTS:
        raise ProtocolError("too_large", f"{len(events)} events, limit {MAX_EVENTS}")
    batch = Batch(
        site,
        first,
        last,
        tuple(check_event(e, f"events[{i}]") for i, e in enumerate(events)),
        _count(doc.get("edge_last_seq", 0), "edge_last_seq"),
    )
    _check_contiguous(batch)
    _check_edge_last_seq(batch)
    return batch


def check_event(event: object, where: str = "event") -> dict[str, Any]:
    """One wire event `{"seq", "id", "type", "at", "clock_synced", "data"}`, exactly."""
    if not isinstance(event, Mapping):
        raise ProtocolError("bad_event", f"{where} is not an object")
    keys = set(event)
    expected = {"seq", "id", "type", "at", "clock_synced", "data"}
    if keys != expected:
        extra, lacking = sorted(keys - expected), sorted(expected - keys)
        raise ProtocolError("bad_event", f"{where}: missing {lacking}, unexpected {extra}")
    seq = _seq(event["seq"], f"{where}.seq")
    ident, kind, at = event["id"], event["type"], event["at"]
    if not isinstance(ident, str) or not 0 < len(ident) <= MAX_EVENT_ID:
        raise ProtocolError("bad_event", f"{where}.id must be a string of 1-{MAX_EVENT_ID}")
    if not isinstance(kind, str) or len(kind) > MAX_TYPE or not TYPE_RE.match(kind):
        raise ProtocolError("bad_event", f"{where}.type {kind!r} is not like 'ticket.issued'")
    if not isinstance(at, str) or not 10 <= len(at) <= 40:
        raise ProtocolError("bad_event", f"{where}.at must be an ISO 8601 time")
    if not isinstance(event["clock_synced"], bool):
        raise ProtocolError("bad_event", f"{where}.clock_synced must be true or false")
    if not isinstance(event["data"], dict):
        raise ProtocolError("bad_event", f"{where}.data must be an object")
    return {
        "seq": seq,
        "id": ident,
        "type": kind,
        "at": at,
        "clock_synced": event["clock_synced"],
        "data": event["data"],
    }


def canonical_event(event: Mapping[str, Any]) -> str:
    """One text per event content, to tell a harmless resend from a conflicting one."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _check_contiguous(batch: Batch) -> None:
    if batch.last_seq < batch.first_seq:
        raise ProtocolError("bad_batch", f"last_seq {batch.last_seq} < first_seq {batch.first_seq}")
    if len(batch.events) != batch.last_seq - batch.first_seq + 1:
        raise ProtocolError(
            "not_contiguous",
            f"{len(batch.events)} events for seq {batch.first_seq}..{batch.last_seq}",
        )
    for offset, event in enumerate(batch.events):
        if event["seq"] != batch.first_seq + offset:
            raise ProtocolError(
                "not_contiguous",
                f"events[{offset}].seq is {event['seq']}, expected {batch.first_seq + offset}",
            )


def _check_edge_last_seq(batch: Batch) -> None:
    if batch.edge_last_seq and batch.edge_last_seq < batch.last_seq:
        raise ProtocolError(
            "bad_batch", f"edge_last_seq {batch.edge_last_seq} < last_seq {batch.last_seq}"
        )


def _check_version(doc: Mapping[str, Any]) -> None:
    if doc.get("v") != VERSION:
        raise ProtocolError("bad_version", f"v is {doc.get('v')!r}, this end speaks {VERSION}")


def _seq(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProtocolError("bad_seq", f"{where} must be a positive integer, got {value!r}")
    return value


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError("bad_value", f"{where} must be an integer >= 0, got {value!r}")
    return value


# -- acks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ack:
    """Central's answer: everything through `acked_through` is committed; `missing` are gaps."""

    acked_through: int
    missing: tuple[tuple[int, int], ...] = ()
    error: str | None = None
    # Added with issue 15 (optional both ways): the highest seq central holds for the site, in
    # the answer to a hello, so an appliance restored from a backup numbers its new events past
    # it. 0 = not sent (an older central: the edge takes acked_through).
    highest_seen: int = 0

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "acked_through": self.acked_through,
            "missing": [list(r) for r in self.missing],
        }
        if self.error:
            doc["error"] = self.error
        if self.highest_seen:
            doc["highest_seen"] = self.highest_seen
        return doc


MAX_MISSING_RANGES = 100


def encode_ack(ack: Ack) -> bytes:
    return encode_document(ack.to_doc())


def decode_ack(payload: bytes) -> Ack:
    doc = decode_document(payload, max_bytes=64 * 1024)
    through = _count(doc.get("acked_through"), "acked_through")
    raw = doc.get("missing", [])
    if not isinstance(raw, list) or len(raw) > MAX_MISSING_RANGES:
        raise ProtocolError("bad_ack", f"missing must be a list of <= {MAX_MISSING_RANGES} ranges")
    ranges: list[tuple[int, int]] = []
    for i, pair in enumerate(raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ProtocolError("bad_ack", f"missing[{i}] must be [first, last]")
        a, b = _seq(pair[0], f"missing[{i}][0]"), _seq(pair[1], f"missing[{i}][1]")
        if b < a or a <= through:
            raise ProtocolError("bad_ack", f"missing[{i}] {a}..{b} is empty or already acked")
        ranges.append((a, b))
    error = doc.get("error")
    highest = _count(doc.get("highest_seen", 0), "highest_seen")
    return Ack(through, tuple(ranges), error if isinstance(error, str) else None, highest)


def gaps(stored_through: int, seqs_above: Iterable[int], highest: int) -> list[tuple[int, int]]:
    """Ranges in (stored_through, highest] not among `seqs_above` (sorted ascending)."""
    result: list[tuple[int, int]] = []
    expected = stored_through + 1
    for seq in seqs_above:
        if seq < expected:
            continue
        if seq > expected:
            result.append((expected, seq - 1))
        expected = seq + 1
    if expected <= highest:
        result.append((expected, highest))
    return result[:MAX_MISSING_RANGES]


# -- hello --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hello:
    """What the edge says on every connect, so central can see backlog and health."""

    site: str
    first_unacked: int
    last_seq: int
    pending: int
    config_version: int
    clock_synced: bool
    clock: str
    software: str
    # Added after v1 went out (optional both ways, so old edges and old centrals still talk):
    # the site's IANA time zone and name from its applied catalogue, so central knows a WITA/WIT
    # site's "today" without having pushed a catalogue. "" = not sent.
    timezone: str = ""
    site_name: str = ""
    # Added with issue 15 (optional both ways): which appliance is speaking, so central can tell
    # two boxes with one site code (a cloned SD card) apart. "" = not sent (an older edge).
    installation: str = ""

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "v": VERSION,
            "site": self.site,
            "first_unacked": self.first_unacked,
            "last_seq": self.last_seq,
            "pending": self.pending,
            "config_version": self.config_version,
            "clock_synced": self.clock_synced,
            "clock": self.clock,
            "software": self.software,
        }
        if self.timezone:
            doc["timezone"] = self.timezone
        if self.site_name:
            doc["site_name"] = self.site_name
        if self.installation:
            doc["installation"] = self.installation
        return doc


def encode_hello(hello: Hello) -> bytes:
    return encode_document(hello.to_doc())


def decode_hello(payload: bytes, *, topic_site: str | None = None) -> Hello:
    doc = decode_document(payload, max_bytes=64 * 1024)
    _check_version(doc)
    site = check_site(doc.get("site"))
    if topic_site is not None and site != topic_site:
        raise ProtocolError(
            "site_mismatch", f"topic is for site {topic_site!r}, payload says {site!r}"
        )
    clock_synced, clock, software = doc.get("clock_synced"), doc.get("clock"), doc.get("software")
    if not isinstance(clock_synced, bool):
        raise ProtocolError("bad_hello", "clock_synced must be true or false")
    if not isinstance(clock, str) or len(clock) > 40:
        raise ProtocolError("bad_hello", "clock must be an ISO 8601 time")
    if not isinstance(software, str) or len(software) > 64:
        raise ProtocolError("bad_hello", "software must be a short version string")
    timezone, site_name = doc.get("timezone", ""), doc.get("site_name", "")
    if not isinstance(timezone, str) or (timezone and not valid_timezone(timezone)):
        raise ProtocolError("bad_hello", "timezone must be an IANA zone name such as Asia/Makassar")
    if not isinstance(site_name, str) or len(site_name) > 200:
        raise ProtocolError("bad_hello", "site_name must be text of at most 200 characters")
    installation = doc.get("installation", "")
    if not isinstance(installation, str) or (
        installation and not INSTALLATION_RE.fullmatch(installation)
    ):
        raise ProtocolError("bad_hello", "installation must be 1-64 of A-Z a-z 0-9 _ -")
    return Hello(
        site=site,
        first_unacked=_seq(doc.get("first_unacked"), "first_unacked"),
        last_seq=_count(doc.get("last_seq"), "last_seq"),
        pending=_count(doc.get("pending"), "pending"),
        config_version=_count(doc.get("config_version"), "config_version"),
        clock_synced=clock_synced,
        clock=clock,
        software=software,
        timezone=timezone,
        site_name=site_name,
        installation=installation,
    )


def valid_timezone(name: str) -> bool:
    """An IANA zone this machine knows (a bad one is refused, never stored)."""
    if len(name) > 64 or not TIMEZONE_RE.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# -- catalogue push -----------------------------------------------------------------------------


def encode_config(catalogue: Mapping[str, Any]) -> bytes:
    """A versioned `mpp-catalogue/1` document for `down/config` (retained)."""
    version = catalogue.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("a pushed catalogue needs an integer version >= 1")
    return encode_document(catalogue, compress_over=16 * 1024)


def decode_config(payload: bytes) -> tuple[int, dict[str, Any]]:
    """(version, document) of a pushed catalogue; the catalogue itself is checked by the core."""
    doc = decode_document(payload)
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProtocolError("bad_config", "pushed catalogue has no integer version >= 1")
    return version, doc
