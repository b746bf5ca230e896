"""The only module that imports paho-mqtt: one broker session, and the one loop that keeps a link.

paho's callbacks run on paho's network thread; they only put small immutable records on a
`queue.Queue` for the owner's thread to act on (taking our own locks there has deadlocked others,
PITFALLS.md). Each `Session` is one paho client used for one connection: when it drops or gets
stuck, `Link` throws it away and builds a new one after a jittered back-off, so no message ever
waits in paho's in-memory queue across a reconnect (that queue is lost on restart and drops
silently when full). `publish` refuses when not connected instead of queueing.

`Link` is that reconnect loop, written once for the edge worker, central's ingest workers and
its publisher: they say what to do on a connection (`LinkHandler`), it says when.
"""

from __future__ import annotations

import logging
import queue
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from appliance.config.sections import SyncConfig
from appliance.ops.tlsclient import client_context

log = logging.getLogger(__name__)


class BrokerUrlError(ValueError):
    """A broker URL the link cannot use."""


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


@dataclass(frozen=True)
class BrokerSettings:
    """Where and how to connect; secrets come already resolved from the config."""

    url: str
    client_id: str
    username: str = ""
    password: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    keepalive_s: int = SyncConfig.keepalive_s  # [sync] sets the edge's; central's link keeps it
    clean_session: bool = True
    will: Will | None = None

    def endpoint(self) -> tuple[str, int, bool]:
        """(host, port, tls) from `mqtt://host:port` or `mqtts://host:port`."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise BrokerUrlError(f"broker {self.url!r}: expected mqtt://host:port or mqtts://…")
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            raise BrokerUrlError(f"broker {self.url!r}: bad port") from None
        return parts.hostname, port, tls


# -- what the session reports ------------------------------------------------------------------


@dataclass(frozen=True)
class Connected:
    session: int
    session_present: bool


@dataclass(frozen=True)
class ConnectFailed:
    session: int
    reason: str
    code: int = 0  # the broker's refusal as an MQTT 5 reason code (0: no CONNACK, e.g. DNS)


@dataclass(frozen=True)
class Disconnected:
    session: int
    reason: str


@dataclass(frozen=True)
class Message:
    session: int
    topic: str
    payload: bytes
    retain: bool


@dataclass(frozen=True)
class Published:
    session: int
    mid: int


LinkEvent = Connected | ConnectFailed | Disconnected | Message | Published


class _SelfClosingTLSSocket(ssl.SSLSocket):
    """paho leaves a socket whose TLS handshake failed (a wrong CA, a plain port) to the garbage
    collector, once per retry: this one closes itself then."""

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except BaseException:
            self.close()
            raise


class Session:
    """One paho client for one connection attempt; reports into `inbox`."""

    def __init__(self, settings: BrokerSettings, inbox: queue.Queue[LinkEvent], number: int):
        self.settings = settings
        self.number = number
        self._inbox = inbox
        host, port, tls = settings.endpoint()
        self._host, self._port = host, port
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            clean_session=settings.clean_session,
            protocol=paho.MQTTv311,
        )
        if settings.username:
            client.username_pw_set(settings.username, settings.password or None)
        if tls:
            client.tls_set_context(self._tls_context())
        if settings.will is not None:
            w = settings.will
            client.will_set(w.topic, w.payload, qos=w.qos, retain=w.retain)
        client.reconnect_delay_set(1, 1)  # our owner reconnects, with its own back-off
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        self._client = client

    # paho callbacks (network thread): only enqueue
    def _on_connect(self, _c: Any, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self._inbox.put(ConnectFailed(self.number, str(reason), int(reason.value)))
        else:
            self._inbox.put(Connected(self.number, bool(flags.session_present)))

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._inbox.put(Disconnected(self.number, str(reason)))

    def _on_message(self, _c: Any, _u: Any, msg: Any) -> None:
        self._inbox.put(Message(self.number, msg.topic, bytes(msg.payload), bool(msg.retain)))

    def _on_publish(self, _c: Any, _u: Any, mid: int, _r: Any, _p: Any) -> None:
        self._inbox.put(Published(self.number, mid))

    # owner's thread
    def start(self) -> None:
        """Begin connecting in the background (DNS and TCP errors arrive as ConnectFailed)."""
        try:
            self._client.connect_async(self._host, self._port, keepalive=self.settings.keepalive_s)
            self._client.loop_start()
        except (OSError, ValueError) as exc:
            self._inbox.put(ConnectFailed(self.number, f"{type(exc).__name__}: {exc}"))

    def connect(self, timeout_s: float) -> None:
        """Connect now and raise what stops it (OSError, ssl.SSLError is one) instead of retrying
        silently: for a one-off probe such as `mpp doctor`'s. The CONNACK arrives in the inbox."""
        self._client.connect_timeout = timeout_s
        self._client.connect(self._host, self._port, keepalive=self.settings.keepalive_s)
        self._client.loop_start()

    def connected(self) -> bool:
        return bool(self._client.is_connected())

    def diagnose(self, timeout_s: float = 5.0) -> str:
        """Why a connection does not come up, in words for the status page: paho retries a
        failed TCP or TLS connect silently, so try the same connect by hand once."""
        try:
            raw = socket.create_connection((self._host, self._port), timeout=timeout_s)
        except OSError as exc:
            return f"broker {self._host}:{self._port} unreachable: {exc}"
        with raw:
            if not self.settings.endpoint()[2]:
                return f"broker {self._host}:{self._port} accepts TCP but does not answer MQTT"
            try:
                with self._tls_context().wrap_socket(raw, server_hostname=self._host):
                    pass
            except (ssl.SSLError, OSError) as exc:
                return f"TLS with broker {self._host}:{self._port} failed: {exc}"
        return f"broker {self._host}:{self._port} accepts TLS but does not answer MQTT"

    def _tls_context(self) -> ssl.SSLContext:
        s = self.settings
        context = client_context(s.ca_file, s.cert_file, s.key_file)
        context.sslsocket_class = _SelfClosingTLSSocket
        return context

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> int:
        """Publish now; returns the mid, or -1 when not connected (nothing is queued)."""
        if not self._client.is_connected():
            return -1
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            return -1
        return int(info.mid)

    def subscribe(self, topic: str, qos: int = 1) -> bool:
        result, _mid = self._client.subscribe(topic, qos=qos)
        return bool(result == paho.MQTT_ERR_SUCCESS)

    def close(self) -> None:
        """Disconnect politely if possible and stop the network thread."""
        try:
            if self._client.is_connected():
                self._client.disconnect()
        except (OSError, ValueError):  # a socket already gone
            log.debug("disconnect failed", exc_info=True)
        self._client.loop_stop()
        # Our callbacks made a cycle (client -> bound method -> session -> client): broken, the
        # client is freed at once and closes its wake-up socket pair itself, instead of leaving
        # it to the garbage collector (a ResourceWarning per reconnect).
        client = self._client
        client.on_connect = client.on_disconnect = client.on_message = client.on_publish = None


# -- the reconnect loop ------------------------------------------------------------------------


class Backoff:
    """Jittered, capped exponential back-off between connections.

    Full jitter: hundreds of sites that lost the same link must not all come back in the same
    second."""

    def __init__(self, base_s: float = 0.5, cap_s: float = 60.0, rng: random.Random | None = None):
        if base_s <= 0 or cap_s < base_s:
            raise ValueError("need 0 < base_s <= cap_s")
        self.base_s = base_s
        self.cap_s = cap_s
        self.attempts = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt: uniform in [ceiling/2, ceiling]."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.attempts, 30))
        self.attempts += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempts = 0


class LinkHandler:
    """What a `Link`'s owner does with a connection; every method is optional.

    All run on the owner's thread (the one calling `Link.run`), never on paho's. An exception
    from any of them ends the connection (logged), and the link reconnects after its back-off."""

    def on_connected(self, session: Session) -> None:
        """The broker accepted us: subscribe, say hello."""

    def on_message(self, session: Session, message: Message) -> None:
        """A message on a subscribed topic."""

    def on_published(self, session: Session, mid: int) -> None:
        """The broker acknowledged publish `mid` (QoS 1)."""

    def on_turn(self, session: Session) -> str | None:
        """Once per loop turn while connected: do due work; return why to drop the link."""
        return None

    def on_stopping(self, session: Session) -> None:
        """`stop` is set and the session is still open: last words (a retained `offline`)."""

    def on_down(self, reason: str) -> None:
        """The session is closed, for `reason` ("stopped" on a clean stop)."""


class Link:
    """Keeps one broker link up until `stop`: a new `Session` per connection, each given
    `connect_timeout_s` to come up, each failure followed by a jittered, capped back-off
    (reset once a connection is accepted), forever.

    `beat` is called at least once a second, waiting included: waiting on purpose is not being
    stuck (the edge's systemd watchdog). With `diagnose`, a connection that does not come up in
    time is explained (TCP or TLS, see `Session.diagnose`) for a status page; that costs one more
    connect of up to 5 s, so only the edge asks for it."""

    def __init__(
        self,
        settings: BrokerSettings,
        *,
        name: str,
        stop: threading.Event,
        backoff: Backoff,
        connect_timeout_s: float = 15.0,
        poll_s: float = 0.2,
        diagnose: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        beat: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.name = name  # says whose link it is in the log
        self.stop = stop
        self.backoff = backoff
        self.connect_timeout_s = connect_timeout_s
        self.poll_s = poll_s
        self.diagnose = diagnose
        self.monotonic = monotonic
        self.beat = beat
        self.sessions = 0

    def run(self, handler: LinkHandler) -> None:
        """Connect, serve `handler`, reconnect after a back-off; return once `stop` is set."""
        while not self.stop.is_set():
            self.sessions += 1
            inbox: queue.Queue[LinkEvent] = queue.Queue()
            session = Session(self.settings, inbox, self.sessions)
            session.start()
            try:
                reason = self._serve(session, inbox, handler)
            except Exception as exc:  # a bug or a database problem must not end the loop
                log.exception("%s: session failed", self.name)
                reason = f"{type(exc).__name__}: {exc}"
            if self.stop.is_set():
                handler.on_stopping(session)
            session.close()
            handler.on_down(reason)
            if self.stop.is_set():
                break
            delay = self.backoff.next_delay()
            log.info("%s: %s; reconnecting in %.1f s", self.name, reason, delay)
            self._pause(delay)

    def _serve(self, session: Session, inbox: queue.Queue[LinkEvent], handler: LinkHandler) -> str:
        """Hand the session's events to `handler` until the connection is over; say why."""
        started = self.monotonic()
        up = False
        while not self.stop.is_set():
            self.beat()
            try:
                event: LinkEvent | None = inbox.get(timeout=self.poll_s)
            except queue.Empty:
                event = None
            if event is not None and event.session != session.number:
                continue  # a late word from a session already thrown away
            if isinstance(event, ConnectFailed):
                return f"connect refused: {event.reason}"
            if isinstance(event, Disconnected):
                return f"disconnected: {event.reason}"
            if isinstance(event, Connected):
                up = True
                self.backoff.reset()
                handler.on_connected(session)
            elif isinstance(event, Message) and up:
                handler.on_message(session, event)
            elif isinstance(event, Published) and up:
                handler.on_published(session, event.mid)
            if not up:
                if self.monotonic() - started > self.connect_timeout_s:
                    return self._not_connected(session)
                continue
            if not session.connected():
                return "connection lost"
            reason = handler.on_turn(session)
            if reason is not None:
                return reason
        return "stopped"

    def _not_connected(self, session: Session) -> str:
        reason = f"no connection within {self.connect_timeout_s:.0f} s"
        return f"{reason} ({session.diagnose()})" if self.diagnose else reason

    def _pause(self, delay: float) -> None:
        deadline = self.monotonic() + delay
        while not self.stop.is_set() and self.monotonic() < deadline:
            self.beat()
            self.stop.wait(min(1.0, max(0.0, deadline - self.monotonic())))
