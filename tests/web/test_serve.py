"""`mpp run` as systemd runs it: READY=1 once serving, watchdog pings while /healthz answers,
STOPPING=1 and exit 0 on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from appliance.ops.demo import free_port
from web.serve import QueueDepthLog


def _initialised(tmp_path: Path, web_extra: str = "") -> tuple[int, list[str]]:
    """A Lampung Timur appliance database in `tmp_path` on a free loopback port: the port and
    the `mpp` command line for its configuration."""
    port = free_port()
    config = tmp_path / "appliance.toml"
    config.write_text(
        f'[site]\ncatalogue = "lampung-timur"\n[storage]\ndatabase = "{tmp_path / "a.db"}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {port}\n{web_extra}'
    )
    mpp = [sys.executable, "-m", "appliance.cli", "--config", str(config)]
    subprocess.run([*mpp, "init"], check=True, capture_output=True)
    return port, mpp


def test_mpp_run_notifies_systemd_and_stops_on_sigterm(tmp_path: Path) -> None:
    port, mpp = _initialised(tmp_path)
    notify = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify))
    listener.settimeout(15)
    env = {**os.environ, "NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "2000000"}
    process = subprocess.Popen([*mpp, "run"], env=env, stderr=subprocess.PIPE)
    messages: list[str] = []
    try:
        while not any("WATCHDOG=1" in m for m in messages):
            messages.append(listener.recv(4096).decode())
        assert any("READY=1" in m for m in messages)
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate(timeout=20)[1].decode()
    listener.settimeout(2)
    try:
        while True:
            messages.append(listener.recv(4096).decode())
    except TimeoutError:
        pass
    listener.close()
    assert process.returncode == 0, stderr
    assert any("STOPPING=1" in m for m in messages)
    assert "appliance ready" in stderr


def test_sigterm_ends_the_boards_streams_so_mpp_run_stops_at_once(tmp_path: Path) -> None:
    """A board holding its stream (a TV still on) gets its stream closed as the box stops, and
    no worker thread is left for waitress to wait for: before, every stop or restart with a TV
    connected waited out waitress's 5 s ("1 thread(s) still running")."""
    port, mpp = _initialised(tmp_path)
    process = subprocess.Popen([*mpp, "run"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                board = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, "mpp run did not start"
                time.sleep(0.1)
        board.settimeout(20)
        board.sendall(b"GET /api/v1/stream HTTP/1.1\r\nHost: mpp\r\n\r\n")
        assert board.recv(64).startswith(b"HTTP/1.1 200")
        process.send_signal(signal.SIGTERM)
        received = b""
        while chunk := board.recv(4096):  # until the server ends the stream (EOF)
            received += chunk
        board.close()
        stderr = process.communicate(timeout=30)[1].decode()
    finally:
        if process.poll() is None:  # the test failed before its own SIGTERM was answered
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "still running" not in stderr, stderr


def test_busy_thread_warnings_are_said_once_per_period(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waitress's per-request "task queue depth" warning becomes one line per period with the
    deepest queue seen, and `make_server` puts it in place."""
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    log = QueueDepthLog(period_s=30.0)
    with caplog.at_level(logging.WARNING, logger="waitress.queue"):
        log.warning("Task queue depth is %d", 1)
        for depth in (3, 9, 2):
            now[0] += 5
            log.warning("Task queue depth is %d", depth)
        now[0] += 16  # 31 s after the first line
        log.warning("Task queue depth is %d", 4)
    lines = [r.getMessage() for r in caplog.records if r.name == "waitress.queue"]
    assert len(lines) == 2
    assert "up to 1 deep" in lines[0]
    assert "up to 9 deep" in lines[1]  # the deepest of the held-back ones is not lost


def test_make_server_quiets_the_per_request_queue_warning(tmp_path: Path) -> None:
    from appliance.config.load import load_config
    from appliance.runtime import build_runtime
    from web.serve import make_server

    config_path = tmp_path / "appliance.toml"
    config_path.write_text(
        f'[site]\ncatalogue = "lampung-timur"\n[storage]\ndatabase = "{tmp_path / "a.db"}"\n'
        '[web]\nhost = "127.0.0.1"\n[printer]\ndriver = "none"\n'
        '[gpio]\npin_factory = "mock"\n'
    )
    runtime = build_runtime(load_config(config_path, {}))
    server = make_server(runtime, "127.0.0.1", 0)
    try:
        assert isinstance(server.task_dispatcher.queue_logger, QueueDepthLog)
    finally:
        server.close()
        runtime.core.db.close()


def _cpu_list(status: Path) -> str:
    for line in status.read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no Cpus_allowed_list in {status}")


def _cpus_of_every_thread(pid: int) -> set[str]:
    return {_cpu_list(task / "status") for task in Path(f"/proc/{pid}/task").iterdir()}


class RunningAppliance:
    """`mpp run` on a fresh Lampung Timur database, answering /healthz."""

    def __init__(self, tmp_path: Path, web_extra: str = "") -> None:
        port, mpp = _initialised(tmp_path, web_extra)
        self.process = subprocess.Popen([*mpp, "run"], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(15)


@pytest.mark.parametrize("setting", ["last", "any"])
def test_mpp_run_keeps_every_thread_on_one_cpu(tmp_path: Path, setting: str) -> None:
    """`web.cpu = "last"` (the default) pins the process before any thread starts, so the
    waitress threads, the group-commit writer and the print worker all inherit it."""
    app = RunningAppliance(tmp_path, f'cpu = "{setting}"\n')
    try:
        allowed = sorted(os.sched_getaffinity(0))
        cpus = _cpus_of_every_thread(app.process.pid)
        assert len(list(Path(f"/proc/{app.process.pid}/task").iterdir())) > 10  # the pool
        if setting == "last":
            assert cpus == {str(allowed[-1])}
        else:  # left as it was started: what this test process may use
            assert cpus == {_cpu_list(Path("/proc/self/status"))}
    finally:
        app.stop()


def test_mpp_run_keeps_openssl_out(tmp_path: Path) -> None:
    """The appliance process serves plain HTTP: hashlib uses Python's own SHA code and
    libcrypto/libssl are never mapped (3.9 MiB of B5). A module-level `import ssl` or
    `import secrets` in any command module would bring them back."""
    app = RunningAppliance(tmp_path)
    try:
        maps = Path(f"/proc/{app.process.pid}/maps").read_text()
        assert "libcrypto" not in maps
        assert "libssl" not in maps
    finally:
        app.stop()
