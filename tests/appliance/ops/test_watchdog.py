"""The systemd watchdog: readiness, status, and pings only while every loop is alive.

The notify socket is a real AF_UNIX datagram socket bound by the test and handed over through
NOTIFY_SOCKET, exactly as systemd does it.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.ops.watchdog import RecordingNotifier, Watchdog, system_notifier, watchdog_interval


class NotifySocket:
    """What systemd listens on: collects the datagrams a service sends."""

    def __init__(self) -> None:
        # AF_UNIX paths are limited to 108 bytes: pytest's tmp_path can be longer.
        self.dir = Path(tempfile.mkdtemp(prefix="mpp-notify-"))
        self.path = self.dir / "notify"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.settimeout(0.05)

    def drain(self, limit: int = 50) -> list[str]:
        """What has arrived, up to `limit` datagrams (a pinging thread never lets it run dry)."""
        messages = []
        while len(messages) < limit:
            try:
                messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                break
        return messages

    def wait_for(self, wanted: str, timeout: float = 10.0) -> list[str]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen += self.drain()
            if wanted in seen:
                return seen
        raise AssertionError(f"{wanted!r} never arrived; got {seen}")

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)
        self.dir.rmdir()


@pytest.fixture
def notify_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[NotifySocket]:
    server = NotifySocket()
    monkeypatch.setenv("NOTIFY_SOCKET", str(server.path))
    yield server
    server.close()


def test_ready_status_and_pings_reach_the_real_socket(notify_socket: NotifySocket) -> None:
    environ = {
        "NOTIFY_SOCKET": str(notify_socket.path),
        "WATCHDOG_USEC": "100000",
        "WATCHDOG_PID": str(os.getpid()),
    }
    watchdog = Watchdog.from_environment(environ)
    assert watchdog.enabled
    loop = watchdog.register("buttons", max_silence_s=60)
    try:
        watchdog.status("memuat katalog\n(loading)")
        watchdog.ready()
        seen = notify_socket.wait_for("WATCHDOG=1")
        loop.beat()
        assert seen[:2] == ["STATUS=memuat katalog (loading)", "READY=1"]
        # The thread keeps pinging at half of WatchdogSec while the loop lives.
        assert notify_socket.wait_for("WATCHDOG=1").count("WATCHDOG=1") >= 1
    finally:
        watchdog.stopping()
    assert "STOPPING=1" in notify_socket.drain()
    # After stopping, no more pings.
    time.sleep(0.2)
    assert "WATCHDOG=1" not in notify_socket.drain()


def test_a_stuck_loop_withholds_the_pings_until_it_beats_again(
    notify_socket: NotifySocket,
) -> None:
    now = [100.0]
    # Checked turn by turn on a hand-moved clock (no ping thread).
    notifier = system_notifier({"NOTIFY_SOCKET": str(notify_socket.path)})
    assert notifier is not None
    watchdog = Watchdog(notifier, interval_s=None, clock=lambda: now[0])
    buttons = watchdog.register("buttons", max_silence_s=5)
    printer = watchdog.register("print-worker", max_silence_s=30)

    assert watchdog.check() is True
    now[0] += 6  # the button loop has been silent for 6 s, more than its 5
    printer.beat()
    assert watchdog.stuck() == ["buttons"]
    assert watchdog.check() is False
    assert watchdog.check() is False
    messages = notify_socket.wait_for("STATUS=macet / stuck: buttons")
    assert messages.count("WATCHDOG=1") == 1  # only the first, healthy turn pinged
    assert messages.count("STATUS=macet / stuck: buttons") == 1  # said once, not every turn

    buttons.beat()
    assert watchdog.check() is True
    assert notify_socket.wait_for("WATCHDOG=1") == ["WATCHDOG=1"]

    watchdog.unregister(buttons)
    now[0] += 1000  # a loop that ended on purpose no longer counts; the printer one does
    assert watchdog.stuck() == ["print-worker"]
    watchdog.close()
    assert watchdog.check() is False  # closed: silent, and it does not raise


def test_the_thread_stops_pinging_when_a_loop_hangs(notify_socket: NotifySocket) -> None:
    watchdog = Watchdog.from_environment(
        {"NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "100000"}
    )
    hang = threading.Event()
    stopped = threading.Event()

    def main_loop() -> None:
        heartbeat = watchdog.register("sync", max_silence_s=0.3)
        while not stopped.is_set():
            if not hang.is_set():
                heartbeat.beat()
            time.sleep(0.01)

    worker = threading.Thread(target=main_loop)
    worker.start()
    try:
        watchdog.ready()
        notify_socket.wait_for("WATCHDOG=1")
        hang.set()
        notify_socket.wait_for("STATUS=macet / stuck: sync")
        # From now on the pings stay away: systemd would restart the process.
        time.sleep(0.3)
        assert "WATCHDOG=1" not in notify_socket.drain(limit=1000)
        hang.clear()
        notify_socket.wait_for("WATCHDOG=1")
    finally:
        stopped.set()
        worker.join()
        watchdog.close()


def test_without_notify_socket_everything_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    watchdog = Watchdog.from_environment({"WATCHDOG_USEC": "1000"})
    assert not watchdog.enabled
    beat = watchdog.register("loop", 1)
    watchdog.ready()
    watchdog.status("ok")
    beat.beat()
    assert watchdog.check() is True
    watchdog.stopping()
    assert all(t.name != "watchdog" for t in threading.enumerate())


def test_fake_notifier_and_interval_rules() -> None:
    fake = RecordingNotifier()
    watchdog = Watchdog(fake)
    watchdog.register("a", 1)
    with pytest.raises(ValueError, match="already registered"):
        watchdog.register("a", 1)
    with pytest.raises(ValueError):
        watchdog.register("b", 0)
    watchdog.ready()
    watchdog.check()
    assert fake.messages == ["READY=1", "WATCHDOG=1"]

    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
