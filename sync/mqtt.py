"""The only module that imports paho-mqtt: one broker session, its events handed to a queue.

paho's callbacks run on paho's network thread; they only put small immutable records on a
`queue.Queue` for the owner's thread to act on (taking our own locks there has deadlocked others,
PITFALLS.md). Each `Session` is one paho client used for one connection: when it drops or gets
stuck the owner throws it away and builds a new one after its own jittered back-off, so no message
ever waits in paho's in-memory queue across a reconnect (that queue is lost on restart and drops
silently when full). `publish` refuses when not connected instead of queueing.
"""

from __future__ import annotations

import logging
import queue
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

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
    keepalive_s: int = 30
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
            self._inbox.put(ConnectFailed(self.number, str(reason)))
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
        return client_context(s.ca_file, s.cert_file, s.key_file)

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
