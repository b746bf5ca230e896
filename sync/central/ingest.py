"""Central's ingest: check a batch, store each event exactly once per (site, seq), then ack.

One transaction per message: events, counters, quarantine rows and projections commit together,
and the ack is computed from what was committed, so an ack never claims more than the database
holds. A repeated (site, seq) with the same content is a harmless resend (counted); with different
content it is quarantined and counted as a conflict, never silently dropped or overwritten.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from peewee import Database, DataError, PostgresqlDatabase

from sync import booking_wire, protocol
from sync.central.bookings import outbox as booking_outbox
from sync.central.projection import apply_events
from sync.central.store import EventRow, QuarantineRow, SiteRow, write_rows
from sync.protocol import Ack, ProtocolError

log = logging.getLogger(__name__)

QUARANTINE_PAYLOAD_CHARS = 16_384


# A site's printer from its newest printer.* event (the state when the event's data has none).
PRINTER_EVENTS = {"printer.fault": "error", "printer.recovered": "ok"}


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Reply:
    """What to publish after a commit: an ack to one site."""

    site: str
    ack: Ack

    @property
    def topic(self) -> str:
        return protocol.topic(self.site, protocol.ACK)

    @property
    def payload(self) -> bytes:
        return protocol.encode_ack(self.ack)


class Ingest:
    def __init__(self, db: Database, now: Callable[[], str] = utc_now) -> None:
        self.db = db
        self.now = now

    def handle(self, topic: str, payload: bytes) -> Reply | None:
        """Process one MQTT message from a site; returns the ack to send, if any."""
        try:
            site, kind = protocol.parse_topic(topic)
        except ProtocolError as exc:
            log.warning("ignored message on %r: %s", topic, exc)
            return None
        try:
            if kind == protocol.EVENTS:
                return self.ingest_batch(site, payload)
            if kind == protocol.HELLO:
                return self.hello(site, payload)
            if kind == protocol.BOOKINGS_ACK:
                self.booking_ack(site, payload)
                return None
        except DataError as exc:  # well-formed, but not storable here (a NUL on PostgreSQL)
            unstorable = ProtocolError("unstorable", str(exc).splitlines()[0][:300])
            return self._refuse(site, payload, unstorable)
        if kind == protocol.STATUS:
            self.status(site, payload)
        return None

    # -- batches --------------------------------------------------------------------------------

    def ingest_batch(self, site: str, payload: bytes) -> Reply:
        try:
            batch = protocol.decode_batch(payload, topic_site=site)
        except ProtocolError as exc:
            return self._refuse(site, payload, exc)
        with self.db.connection_context(), self.db.atomic():
            row = self._site_for_update(site)
            existing = {
                values[0]: _wire_from(values)
                for values in EventRow.select(*_WIRE_FIELDS)
                .where(
                    (EventRow.site == site)
                    & (EventRow.seq.between(batch.first_seq, batch.last_seq))
                )
                .tuples()
            }
            received = self.now()
            fresh: list[dict[str, Any]] = []
            stored: dict[int, dict[str, Any]] = {}  # what the database now holds, by seq
            for event in batch.events:
                old = existing.get(event["seq"])
                if old is None:
                    fresh.append(_row(site, event, received))
                    stored[event["seq"]] = event
                elif protocol.canonical_event(old) == protocol.canonical_event(event):
                    row.duplicates_ignored += 1
                    stored[event["seq"]] = event
                else:
                    row.conflicts += 1
                    QuarantineRow.create(
                        site=site,
                        seq=event["seq"],
                        reason=f"conflict: seq {event['seq']} already stored with other content "
                        f"(stored id {old['id']}, new id {event['id']})",
                        payload=protocol.canonical_event(event)[:QUARANTINE_PAYLOAD_CHARS],
                        received_at=received,
                    )
                    log.warning(
                        "site %s seq %s: conflicting duplicate quarantined", site, event["seq"]
                    )
            _insert_events(fresh)
            row.events_stored += len(fresh)
            row.highest_seen = max(row.highest_seen, batch.last_seq)
            row.last_contact = received
            ack = self._advance(row, row.highest_seen, stored)
            row.edge_last_seq = max(
                int(row.edge_last_seq or 0), batch.edge_last_seq, batch.last_seq
            )
            _count_backlog(row, received)
            row.save()
        return Reply(site, ack)

    def _refuse(self, site: str, payload: bytes, exc: ProtocolError) -> Reply:
        """A poison batch: keep it for a person, count it, answer with the current state."""
        log.warning("site %s: batch refused: %s", site, exc)
        with self.db.connection_context(), self.db.atomic():
            row = self._site_for_update(site)
            QuarantineRow.create(
                site=site,
                seq=None,
                reason=str(exc)[:500].replace("\x00", "\\x00"),
                payload=_readable(payload),
                received_at=self.now(),
            )
            row.rejected_batches += 1
            row.last_contact = self.now()
            ack = self._current_ack(row, row.highest_seen)
            row.save()
        return Reply(site, Ack(ack.acked_through, ack.missing, str(exc)[:200]))

    def _advance(
        self, row: SiteRow, highest: int, arrived: Mapping[int, dict[str, Any]] | None = None
    ) -> Ack:
        """Move stored_through over the contiguous run, project it, and say what is missing.

        `arrived`: this message's events that the database holds as they came (new ones and
        duplicates of the same content, never a quarantined conflict), by seq. When they hold
        the whole run (the usual case: a batch that follows the last), it is projected from
        them instead of being read back."""
        through = row.stored_through
        above = [
            seq
            for (seq,) in EventRow.select(EventRow.seq)
            .where((EventRow.site == row.code) & (EventRow.seq > through))
            .order_by(EventRow.seq)
            .tuples()
        ]
        new_through = through
        for seq in above:
            if seq != new_through + 1:
                break
            new_through = seq
        if new_through > through:
            run = range(through + 1, new_through + 1)
            if arrived is not None and all(seq in arrived for seq in run):
                events = [arrived[seq] for seq in run]
            else:
                query = (
                    EventRow.select(*_WIRE_FIELDS)
                    .where((EventRow.site == row.code) & (EventRow.seq.between(run[0], run[-1])))
                    .order_by(EventRow.seq)
                    .tuples()
                )
                events = [_wire_from(values) for values in query]
            apply_events(row.code, events)
            for wire in events:
                if wire["type"] == "config.applied":
                    _learn_identity(
                        row, wire["data"].get("timezone"), wire["data"].get("site_name")
                    )
                    _learn_config_version(row, wire["data"].get("version"))
                elif wire["type"] in PRINTER_EVENTS:  # the dashboard's device health
                    data = wire["data"]
                    state = data.get("state") if isinstance(data, dict) else None
                    row.printer_state = str(state or PRINTER_EVENTS[wire["type"]])[:32]
                    row.printer_at = wire["at"]
            row.stored_through = new_through
        rest = [seq for seq in above if seq > new_through]
        return Ack(new_through, tuple(protocol.gaps(new_through, rest, highest)))

    def _current_ack(self, row: SiteRow, highest: int) -> Ack:
        return self._advance(row, highest)

    def _site_for_update(self, site: str) -> SiteRow:
        SiteRow.insert(code=site).on_conflict_ignore().execute()
        query = SiteRow.select().where(SiteRow.code == site)
        if isinstance(self.db, PostgresqlDatabase):
            query = query.for_update()
        row: SiteRow = query.get()
        return row

    # -- hello and status -----------------------------------------------------------------------

    def hello(self, site: str, payload: bytes) -> Reply:
        """Record the site's own view and answer with an ack, so a central restored from an
        older backup tells the edge at once which ranges to send again."""
        try:
            hello = protocol.decode_hello(payload, topic_site=site)
        except ProtocolError as exc:
            return self._refuse(site, payload, exc)
        with self.db.connection_context(), self.db.atomic():
            row = self._site_for_update(site)
            row.online = True
            row.last_contact = self.now()
            row.edge_last_seq = hello.last_seq
            row.config_version = hello.config_version
            row.clock_synced = hello.clock_synced
            row.software = hello.software
            _learn_identity(row, hello.timezone, hello.site_name)
            _learn_installation(row, hello.installation, row.last_contact)
            ack = self._current_ack(row, max(row.highest_seen, hello.last_seq))
            ack = replace(ack, highest_seen=row.highest_seen)  # for an edge restored from backup
            row.backlog_reported, row.backlog_at = hello.pending, row.last_contact
            row.save()
            booking_outbox.resend(site, row.last_contact, hello=True)  # SPEC §8
        return Reply(site, ack)

    def booking_ack(self, site: str, payload: bytes) -> None:
        """The edge committed the booking changes through N (`up/bookings-ack`); an ack that
        stops short of what was sent and moves nothing has the rest queued again."""
        try:
            through = booking_wire.decode_ack(payload)
        except ProtocolError as exc:
            log.warning("site %s: booking ack refused: %s", site, exc)
            return
        with self.db.connection_context(), self.db.atomic():
            at = self.now()
            if booking_outbox.record_ack(site, through, at):
                booking_outbox.resend(site, at)

    def status(self, site: str, payload: bytes) -> None:
        online = payload == protocol.ONLINE
        if not online and payload != protocol.OFFLINE:
            return
        with self.db.connection_context(), self.db.atomic():
            row = self._site_for_update(site)
            row.online = online
            if online:
                row.last_contact = self.now()
            row.save()


def _readable(payload: bytes) -> str:
    """The refused payload as text a person can read and every backend can store: as it came
    when it is UTF-8 without NUL (PostgreSQL's text refuses NUL, and compressed payloads nearly
    always hold one), else `base64:` and the bytes; truncated either way."""
    try:
        text = payload.decode("utf-8")[:QUARANTINE_PAYLOAD_CHARS]
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" not in text:
        return text
    kept = payload[: QUARANTINE_PAYLOAD_CHARS // 4 * 3 - 6]
    return "base64:" + base64.b64encode(kept).decode("ascii")


def _learn_identity(row: SiteRow, timezone: object, name: object) -> None:
    """What the site says its zone and name are (sent since hello/config.applied carried them;
    older edges send neither and central keeps what it had). A zone this machine does not know
    is ignored, never stored."""
    if isinstance(timezone, str) and timezone and protocol.valid_timezone(timezone):
        row.timezone = timezone
    if isinstance(name, str) and name.strip():
        row.name = name.strip()[:200]


def _learn_installation(row: SiteRow, installation: str, at: str) -> None:
    """Which appliance said this hello. A site whose hellos come back to the installation
    before the last one is two boxes with one site code (a cloned SD card): they throw each
    other off the broker and take turns, so that turn is a clash, shown on the dashboard. One
    change alone is a replaced box. An edge without an installation id changes nothing."""
    if not installation:
        return
    if row.installation and installation != row.installation:
        if installation == row.installation_other:
            row.installation_clash_at = at
            log.error("site %s: installations %s and %s take turns", row.code, installation,
                      row.installation)  # fmt: skip
        row.installation_other = row.installation
    row.installation = installation


def _count_backlog(row: SiteRow, at: str) -> None:
    """After a batch: what the site has written that central does not yet hold in order, the
    edge's newest seq (every batch's `edge_last_seq`, or the batch's own last seq from an edge
    that does not send it) minus stored_through, with the time it was worked out. The hello's
    `pending` (the figure on connect) alone went stale: thousands after a full drain, a handful
    during a new backlog."""
    row.backlog_reported = max(int(row.edge_last_seq or 0) - int(row.stored_through), 0)
    row.backlog_at = at


def _learn_config_version(row: SiteRow, version: object) -> None:
    """A catalogue version the site applied (its `config.applied`), so the next automatic push
    version is above it; the hello alone is only as new as the last connect."""
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        row.config_version = max(int(row.config_version or 0), version)


def _row(site: str, event: dict[str, Any], received: str) -> dict[str, Any]:
    return {
        "site": site,
        "seq": event["seq"],
        "event_id": event["id"],
        "type": event["type"],
        "at": event["at"],
        "clock_synced": event["clock_synced"],
        "data": json.dumps(
            event["data"], separators=(",", ":"), ensure_ascii=False, sort_keys=True
        ),
        "received_at": received,
    }


_COLUMNS = ("site", "seq", "event_id", "type", "at", "clock_synced", "data", "received_at")
_WIRE_FIELDS = (EventRow.seq, EventRow.event_id, EventRow.type, EventRow.at,
                EventRow.clock_synced, EventRow.data)  # fmt: skip


def _insert_events(rows: list[dict[str, Any]]) -> None:
    """All new events of a message in multi-row INSERTs (`store.write_rows`)."""
    write_rows(EventRow, _COLUMNS, [tuple(r[c] for c in _COLUMNS) for r in rows])


def _wire_from(values: tuple[Any, ...]) -> dict[str, Any]:
    seq, event_id, kind, at, clock_synced, data = values
    return {
        "seq": seq,
        "id": event_id,
        "type": kind,
        "at": at,
        "clock_synced": bool(clock_synced),
        "data": json.loads(data),
    }
