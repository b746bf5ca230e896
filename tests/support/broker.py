"""A real Mosquitto on a free 127.0.0.1 port, started and killed by the test (by its pid)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.proxy import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Mosquitto:
    def __init__(self, workdir: Path, *, port: int | None = None, extra: str = "") -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "mosquitto.log"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def config_text(self) -> str:
        base = f"listener {self.port} 127.0.0.1\npersistence false\nmax_queued_messages 100000\n"
        if os.geteuid() == 0:  # else mosquitto drops to its own user, who cannot read tmp_path
            base += "user root\n"
        if "allow_anonymous" not in self.extra:
            base += "allow_anonymous true\n"
        return base + self.extra

    def start(self) -> Mosquitto:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(self.config_text())
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Listener:
    """A plain subscriber of its own on `topic`, for a test to see what the broker routed there.

    Once `start` returns the subscription is in force: the listener publishes a marker to a
    topic of its own after subscribing, and a broker handles one client's packets in order."""

    def __init__(self, broker_url: str, topic: str) -> None:
        import queue
        import uuid

        from sync.mqtt import BrokerSettings, LinkEvent, Session

        self.topic = topic
        name = f"listener-{uuid.uuid4().hex[:12]}"
        self._marker = f"probe/{name}"
        self._inbox: queue.Queue[LinkEvent] = queue.Queue()
        self._session = Session(BrokerSettings(broker_url, name), self._inbox, 1)
        self.payloads: list[bytes] = []

    def start(self, timeout: float = 10.0) -> Listener:
        from sync.mqtt import Connected, Message

        self._session.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = self._next(deadline)
            if isinstance(event, Connected):
                self._session.subscribe(self.topic)
                self._session.subscribe(self._marker)
                self._session.publish(self._marker, b"")
            elif isinstance(event, Message) and event.topic == self._marker:
                return self
            elif isinstance(event, Message):
                self.payloads.append(event.payload)
        self.close()
        raise AssertionError(f"listener on {self.topic!r} not subscribed within {timeout} s")

    def wait_for(self, wanted: Callable[[bytes], bool], timeout: float) -> bytes | None:
        """The first payload (seen before or arriving within `timeout`) that is `wanted`."""
        from sync.mqtt import Message

        deadline = time.monotonic() + timeout
        while True:
            for payload in self.payloads:
                if wanted(payload):
                    return payload
            if time.monotonic() >= deadline:
                return None
            event = self._next(deadline)
            if isinstance(event, Message) and event.topic != self._marker:
                self.payloads.append(event.payload)

    def _next(self, deadline: float) -> object:
        import queue

        try:
            return self._inbox.get(timeout=max(0.01, min(0.1, deadline - time.monotonic())))
        except queue.Empty:
            return None

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Listener:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()


def central_status(broker_url: str, timeout: float = 3.0) -> bytes | None:
    """The retained `mpp/v1/central/status` a new subscriber is given (None: nothing within
    `timeout`)."""
    from sync import protocol

    with Listener(broker_url, protocol.CENTRAL_STATUS) as listener:
        return listener.wait_for(lambda _payload: True, timeout)
