"""The edge sync worker (`mpp sync`): the appliance's outbox to central, over MQTT.

Its only interface to the appliance is the SQLite file. It publishes contiguous batches (QoS 1,
at most `window` unacknowledged), and lets the outbox forget events only when *central* acks them
after its commit (a broker PUBACK means nothing: PITFALLS.md). Anything not acked in time is sent
again, one batch at a time until acks move again (`_check_timeouts`); central's `missing` ranges
are sent again; duplicates are harmless because central stores
each (site, seq) once. On every connect it says hello, so a central restored from an older backup
asks at once for what it lost (the newest acked events are kept for that, `retain_acked`).

Connection handling is `sync.mqtt.Link`'s: one paho session per connection; a session that
fails, drops, does not connect within `connect_timeout_s`, or makes no ack progress within
`stall_s` (this worker's `on_turn` says so) is thrown away and a new one built after a jittered,
capped exponential back-off, forever. Health goes into the appliance's state table (`sync.*` keys)
for the staff UI.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from appliance import __version__
from appliance.catalogue.store import CatalogueError, apply_catalogue, validate_catalogue
from appliance.clock import Clock
from appliance.config.sections import SyncConfig
from appliance.queue import outbox
from appliance.storage.database import ApplianceDatabase, connected
from appliance.storage.models import Site
from appliance.storage.state import delete_state, get_state, set_state
from sync import protocol
from sync.edge_bookings import EdgeBookings
from sync.mqtt import Backoff, BrokerSettings, Link, LinkHandler, Message, Session

log = logging.getLogger(__name__)

CONNECTED = "sync.connected"
LAST_CONTACT = "sync.last_contact"
LAST_ERROR = "sync.last_error"
CENTRAL_ACKED = "sync.central_acked_through"
# An alarm a person must act on (JSON): central holds more of this site than this box ever wrote,
# so another appliance uses the same site code (a cloned SD card). See docs/sync.md.
ALARM = "sync.alarm"
TWIN_SITE = "twin_site"


@dataclass(frozen=True)
class EdgeSettings:
    """How the edge worker sends; the first three are the [sync] section's (their defaults too)."""

    site: str
    batch_size: int = SyncConfig.batch_size
    window: int = SyncConfig.window
    compress_over: int = SyncConfig.compress_over_bytes
    ack_timeout_s: float = 10.0
    max_ack_timeout_s: float = 120.0
    connect_timeout_s: float = 15.0
    stall_s: float = 60.0
    poll_s: float = 0.05
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 60.0
    retain_acked: int = 20_000
    software: str = __version__
    installation: str = ""  # sync.identity.installation_id(); "" sends none (as older edges)


@dataclass
class _InFlight:
    first: int
    last: int
    sent_at: float


@dataclass
class _Connection:
    """Per-connection state, thrown away with its session."""

    session: Session
    sent_through: int
    inflight: list[_InFlight] = field(default_factory=list)
    last_progress: float = 0.0
    resent: dict[tuple[int, int], float] = field(default_factory=dict)
    heard: bool = False  # central has answered on this connection (_on_ack)
    hello_at: float = 0.0  # when the last hello went out
    hello_wait: float = 0.0  # how long an unanswered hello waits before it is said again


class EdgeWorker(LinkHandler):
    def __init__(
        self,
        db: ApplianceDatabase,
        broker: BrokerSettings,
        settings: EdgeSettings,
        clock: Clock,
        *,
        stop: threading.Event | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        beat: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.broker = broker
        self.settings = settings
        self.clock = clock
        self.stop = stop or threading.Event()
        self.monotonic = monotonic
        self.link = Link(
            broker,
            name="sync",
            stop=self.stop,
            backoff=Backoff(settings.backoff_base_s, settings.backoff_cap_s),
            connect_timeout_s=settings.connect_timeout_s,
            poll_s=settings.poll_s,
            diagnose=True,  # the staff status page says whether TCP or TLS is the trouble
            monotonic=monotonic,
            beat=beat,  # proof of progress for the systemd watchdog, waiting included
        )
        self.ack_timeout = settings.ack_timeout_s
        # Batches allowed in flight now: `window`, down to 1 after an ack timeout and one more
        # with each ack that moves (_check_timeouts), so a central that is only slow (hundreds
        # of sites' days arriving together after an outage) is sent one batch again, not all.
        self.window = settings.window
        self.central_through = 0
        self._connection: _Connection | None = None
        self._unrecoverable_reported: set[tuple[int, int]] = set()
        # The restore mark (outbox.RESTORED_FROM) while central has not yet said where it stands:
        # nothing is sent until it has, so no new event goes out under a number central holds.
        self._restored_from: int | None = None
        self.bookings = EdgeBookings(db, settings.site, clock)  # down/bookings (SPEC §8)

    @property
    def sessions(self) -> int:
        return self.link.sessions

    def run(self) -> None:
        """Connect, sync, and reconnect with back-off until `stop` is set."""
        self._health(connected=False)
        self._forget_alarm_of_another_site()
        self.link.run(self)

    # -- the link's calls -----------------------------------------------------------------------

    def on_connected(self, session: Session) -> None:
        self._connection = self._hello(session)

    def on_message(self, session: Session, message: Message) -> None:
        if self._connection is not None:
            self._on_message(self._connection, message)

    def on_turn(self, session: Session) -> str | None:
        connection = self._connection
        if connection is None:
            return None
        now = self.monotonic()
        self._hello_again_if_unanswered(connection, now)
        self._check_timeouts(connection, now)
        if connection.inflight and now - connection.last_progress > self.settings.stall_s:
            return f"no progress from central for {self.settings.stall_s:.0f} s"
        self._pump(connection)
        return None

    def on_stopping(self, session: Session) -> None:
        """A clean stop sends no will, so say it ourselves."""
        session.publish(
            protocol.topic(self.settings.site, protocol.STATUS), protocol.OFFLINE, retain=True
        )

    def on_down(self, reason: str) -> None:
        self._connection = None
        self._health(connected=False, error=reason)

    # -- connect and hello ----------------------------------------------------------------------

    def _hello(self, session: Session) -> _Connection:
        site = self.settings.site
        session.subscribe(protocol.topic(site, protocol.ACK), qos=1)
        session.subscribe(protocol.topic(site, protocol.CONFIG), qos=1)
        self.bookings.on_connected(session)
        session.publish(protocol.topic(site, protocol.STATUS), protocol.ONLINE, retain=True)
        acked, pending = self._say_hello(session)
        log.info("sync: connected; %d events pending after seq %d", pending, acked)
        self._health(connected=True)
        now = self.monotonic()
        return _Connection(
            session,
            sent_through=acked,
            last_progress=now,
            hello_at=now,
            hello_wait=self.settings.ack_timeout_s,
        )

    def _hello_again_if_unanswered(self, conn: _Connection, now: float) -> None:
        """Central has not answered on this connection and nothing in flight will make it: say
        hello again, waiting twice as long each time. After a broker restart the site and
        central reconnect together, and a hello (with the booking ack said beside it) that
        reaches the broker before central's subscription is lost; a site with no events to
        send would then never hear central, and bookings central sent while the broker was
        down would never be asked for again (tests/sync/central/test_bookings_wire.py). A site
        restored from a backup waits for this answer before it sends anything, so the same
        rule says its hello again when central was down at the first."""
        if conn.heard or conn.inflight or now - conn.hello_at < conn.hello_wait:
            return
        log.info("sync: no answer from central within %.0f s; saying hello again", conn.hello_wait)
        self._say_hello(conn.session)
        conn.hello_at = now
        conn.hello_wait = min(conn.hello_wait * 2, self.settings.max_ack_timeout_s)

    def _say_hello(self, session: Session) -> tuple[int, int]:
        """Publish the hello (where this site stands); the outbox's acked mark and pending."""
        site = self.settings.site
        with connected(self.db):
            acked, last = outbox.acked_through(), outbox.last_seq()
            config_version = _applied_version()
            timezone, site_name = _site_identity()
            self._restored_from = outbox.restored_from()
        hello = protocol.Hello(
            site=site,
            first_unacked=acked + 1,
            last_seq=last,
            pending=max(last - acked, 0),
            config_version=config_version,
            clock_synced=self.clock.synchronised(),
            clock=self.clock.now().isoformat(timespec="seconds"),
            software=self.settings.software,
            timezone=timezone,
            site_name=site_name,
            installation=self.settings.installation,
        )
        session.publish(protocol.topic(site, protocol.HELLO), protocol.encode_hello(hello))
        return acked, hello.pending

    # -- sending --------------------------------------------------------------------------------

    def _pump(self, conn: _Connection) -> None:
        """Publish new batches while fewer than `self.window` wait for central's ack."""
        if self._restored_from is not None:
            return  # restored from a backup: the hello's answer first (_continue_after_restore)
        while len(conn.inflight) < self.window:
            with connected(self.db):
                events = outbox.pending(conn.sent_through, self.settings.batch_size)
            if not events:
                return
            if events[0].seq != conn.sent_through + 1:
                log.warning(
                    "sync: outbox starts at %d, expected %d", events[0].seq, conn.sent_through + 1
                )
            if not self._send(conn, [e.to_wire() for e in events]):
                return
            conn.sent_through = events[-1].seq

    def _send(self, conn: _Connection, events: list[dict[str, Any]]) -> bool:
        with connected(self.db):
            written = outbox.last_seq()  # so central's backlog figure is true between hellos
        try:
            batch = protocol.make_batch(
                self.settings.site, events, edge_last_seq=max(written, events[-1]["seq"])
            )
        except (ValueError, protocol.ProtocolError) as exc:
            self._health(error=f"outbox event cannot be sent: {exc}"[:200])
            log.error("sync: cannot build a batch from seq %s: %s", events[0]["seq"], exc)
            return False
        payload = protocol.encode_batch(batch, compress_over=self.settings.compress_over)
        mid = conn.session.publish(protocol.topic(self.settings.site, protocol.EVENTS), payload)
        if mid < 0:
            return False
        if not conn.inflight:
            # The stall clock runs from the moment central owes us something: a batch entering
            # an empty window after a quiet hour must not count the quiet hour as no progress.
            conn.last_progress = self.monotonic()
        conn.inflight.append(_InFlight(batch.first_seq, batch.last_seq, self.monotonic()))
        return True

    def _check_timeouts(self, conn: _Connection, now: float) -> None:
        """No ack for the oldest batch in time: send again from the oldest unacked, one batch at
        a time until acks move, waiting longer. An ack that does not come is more often a central
        working through its queue than a lost message, and sending the whole window again put
        four times the work in front of a central already behind (B12: 868,000 duplicates for
        1,000,000 events). A batch that was lost is still sent again: the oldest by this
        timeout, one behind it as a `missing` range once a later batch arrives; the rest as
        acks open the window again."""
        if not conn.inflight or now - conn.inflight[0].sent_at < self.ack_timeout:
            return
        with connected(self.db):
            acked = outbox.acked_through()
        log.info(
            "sync: no ack for seq %d..%d within %.0f s; sending again from %d",
            conn.inflight[0].first,
            conn.inflight[0].last,
            self.ack_timeout,
            acked + 1,
        )
        conn.inflight.clear()
        conn.sent_through = acked
        self.ack_timeout = min(self.ack_timeout * 2, self.settings.max_ack_timeout_s)
        self.window = 1

    # -- receiving ------------------------------------------------------------------------------

    def _on_message(self, conn: _Connection, message: Message) -> None:
        try:
            _site, kind = protocol.parse_topic(message.topic)
            if kind == protocol.ACK:
                self._on_ack(conn, protocol.decode_ack(message.payload))
            elif kind == protocol.CONFIG:
                self._on_config(message.payload)
            elif kind == protocol.BOOKINGS:
                self.bookings.on_batch(conn.session, message.payload)
        except protocol.ProtocolError as exc:
            log.warning("sync: bad message on %s: %s", message.topic, exc)
            self._health(error=f"bad message from central: {exc}"[:200])

    def _on_ack(self, conn: _Connection, ack: protocol.Ack) -> None:
        if self._restored_from is not None:
            self._continue_after_restore(conn, ack)
        if not conn.heard:
            # The first answer proves central listens on this connection; the booking ack said
            # on connect may have gone to a broker that central had not subscribed to yet (both
            # reconnecting after a broker restart), and nothing else would say it again.
            conn.heard = True
            self.bookings.on_central_heard(conn.session)
        now = self.monotonic()
        progressed = ack.acked_through > self.central_through
        self.central_through = ack.acked_through
        with self.db.write():
            written = outbox.last_seq()
            if ack.acked_through > written:
                self._twin_alarm(ack.acked_through, written)
            outbox.record_ack(self.db, ack.acked_through, keep=self.settings.retain_acked)
            set_state(CENTRAL_ACKED, str(ack.acked_through))
            set_state(LAST_CONTACT, self.clock.now().isoformat(timespec="seconds"))
            if ack.error:
                set_state(LAST_ERROR, f"central refused a message: {ack.error}"[:200])
        if progressed or not conn.inflight:
            conn.last_progress = now
            self.ack_timeout = self.settings.ack_timeout_s
        if progressed:
            self.window = min(self.window + 1, self.settings.window)
        conn.inflight = [b for b in conn.inflight if b.last > ack.acked_through]
        self._resend_missing(conn, ack, now)

    def _resend_missing(self, conn: _Connection, ack: protocol.Ack, now: float) -> None:
        limit = conn.inflight[0].first - 1 if conn.inflight else conn.sent_through
        for first, last in ack.missing:
            last = min(last, limit)
            if first > last:
                continue
            if now - conn.resent.get((first, last), -1e9) < self.ack_timeout:
                continue  # asked again by the acks of the batches already in flight
            conn.resent[(first, last)] = now
            with connected(self.db):
                events = [e.to_wire() for e in outbox.events_between(first, last)]
            have = events[0]["seq"] if events else last + 1
            if have > first:
                self._report_lost(first, have - 1)
            log.info(
                "sync: central is missing %d..%d; sending %d events again", first, last, len(events)
            )
            for start in range(0, len(events), self.settings.batch_size):
                if not self._send(conn, events[start : start + self.settings.batch_size]):
                    return

    def _continue_after_restore(self, conn: _Connection, ack: protocol.Ack) -> None:
        """The first answer after a restore from backup: number the events written since the
        restore past everything central holds (the lost card sent some after the backup), then
        send as usual. Central's events between the backup and the new ones stay as they are."""
        mark = self._restored_from
        assert mark is not None
        highest = max(ack.acked_through, ack.highest_seen)
        with self.db.write():
            moved = outbox.continue_after(self.db, mark, highest)
        self._restored_from = None
        if moved:
            conn.sent_through = highest  # below: central's; gaps there come as `missing`
            log.warning(
                "sync: restored from a backup ending at seq %d; central holds up to %d, so the "
                "events written since the restore now follow it (moved by %d)",
                mark,
                highest,
                moved,
            )
        else:
            log.info("sync: restored from a backup ending at seq %d; central is not past it", mark)

    def _twin_alarm(self, central_through: int, written: int) -> None:
        """Central has stored this site's events past the newest this box ever wrote: they
        came from another appliance with the same site code. Not a success: an alarm for staff,
        the admin page and `mpp doctor` (called inside the ack's write transaction)."""
        alarm = {
            "code": TWIN_SITE,
            "site": self.settings.site,
            "central_through": central_through,
            "last_seq": written,
            "at": self.clock.now().isoformat(timespec="seconds"),
        }
        log.error(
            "sync: central holds site %s through seq %d but this appliance wrote only %d: another "
            "appliance uses this site code (a copied SD card?); re-provision one with a new code",
            self.settings.site,
            central_through,
            written,
        )
        set_state(ALARM, json.dumps(alarm, sort_keys=True))
        set_state(
            LAST_ERROR,
            f"another appliance uses site code {self.settings.site}: central holds seq "
            f"{central_through}, this box wrote {written}"[:200],
        )

    def _forget_alarm_of_another_site(self) -> None:
        """A box re-provisioned with a new site code starts without its old code's alarm."""
        try:
            with self.db.write():
                raw = get_state(ALARM)
                if raw and json.loads(raw).get("site") != self.settings.site:
                    delete_state(ALARM)
        except (ValueError, AttributeError):
            log.warning("sync: unreadable %s dropped", ALARM)
            with self.db.write():
                delete_state(ALARM)

    def _report_lost(self, first: int, last: int) -> None:
        if (first, last) in self._unrecoverable_reported:
            return
        self._unrecoverable_reported.add((first, last))
        message = f"central lacks seq {first}..{last}, already deleted here after its ack"
        log.error("sync: %s", message)
        self._health(error=message)

    def _on_config(self, payload: bytes) -> None:
        """Apply a pushed catalogue once, atomically, only when newer than the applied one."""
        version, doc = protocol.decode_config(payload)
        with connected(self.db):
            applied = _applied_version()
        if version <= applied:
            log.debug("sync: catalogue version %d already applied (have %d)", version, applied)
            return
        try:
            catalogue = validate_catalogue(doc)
            with self.db.write():
                apply_catalogue(self.db, catalogue, clock=self.clock)
        except CatalogueError as exc:
            log.error("sync: pushed catalogue version %d refused: %s", version, exc)
            self._health(error=f"catalogue {version} refused: {exc}"[:200])
            return
        log.info("sync: catalogue version %d applied", version)

    # -- health ---------------------------------------------------------------------------------

    def _health(self, *, connected: bool | None = None, error: str | None = None) -> None:
        try:
            with self.db.write():
                if connected is not None:
                    set_state(CONNECTED, "1" if connected else "0")
                if error is not None:
                    set_state(LAST_ERROR, error[:200])
        except Exception:  # health is advisory; never let it stop the sync loop
            log.exception("sync: cannot record health")


def _applied_version() -> int:
    site = Site.select(Site.catalogue_version).first()
    return int(site.catalogue_version) if site is not None else 0


def _site_identity() -> tuple[str, str]:
    """(time zone, name) of the applied catalogue's site, for the hello ("" when none yet)."""
    site = Site.select(Site.timezone, Site.name).first()
    if site is None:
        return "", ""
    return str(site.timezone or ""), str(site.name or "")[:200]
