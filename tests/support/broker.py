"""A real Mosquitto on a free 127.0.0.1 port, started and killed by the test (by its pid)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
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


def central_status(broker_url: str, timeout: float = 3.0) -> bytes | None:
    """The retained `mpp/v1/central/status` a new subscriber is given (None: nothing within
    `timeout`)."""
    import queue
    import uuid

    from sync import protocol
    from sync.mqtt import BrokerSettings, LinkEvent, Message, Session

    inbox: queue.Queue[LinkEvent] = queue.Queue()
    session = Session(BrokerSettings(broker_url, f"probe-{uuid.uuid4().hex[:8]}"), inbox, 1)
    session.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                event = inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            if type(event).__name__ == "Connected":
                session.subscribe(protocol.CENTRAL_STATUS)
            elif isinstance(event, Message):
                return event.payload
        return None
    finally:
        session.close()
