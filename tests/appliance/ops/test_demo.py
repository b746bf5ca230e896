"""`mpp demo` as a user runs it: appliance, loopback broker, sync and central as real processes;
a ticket reaches central; SIGTERM stops every child."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from appliance.ops.demo import find_mosquitto, free_port

pytestmark = pytest.mark.skipif(find_mosquitto() is None, reason="needs Debian's mosquitto")


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, sqlite3.Error):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _site(tmp_path: Path) -> tuple[list[str], dict[str, str], int]:
    """An initialised appliance for the demo: its `mpp` command line, environment and port."""
    port = free_port()
    config = tmp_path / "appliance.toml"
    config.write_text(
        f"""
[site]
catalogue = "kota-metro"
[storage]
database = "{tmp_path / "appliance.db"}"
[web]
host = "127.0.0.1"
port = {port}
public_url = "http://127.0.0.1:{port}"
[printer]
driver = "file"
folder = "{tmp_path / "receipts"}"
[gpio]
pin_factory = "mock"
[[gpio.buttons]]
pin = 17
service = "MPP-INFORMASI"
[queue]
enforce_hours = false
"""
    )
    mpp = [sys.executable, "-m", "appliance.cli", "--config", str(config)]
    env = {**os.environ, "MPP_ADMIN_PASSWORD": "rahasia-demo-123"}
    subprocess.run([*mpp, "init", "--admin", "admin"], env=env, check=True, capture_output=True)
    return mpp, env, port


def _healthy(url: str) -> bool:
    """GET /healthz read to the end (hanging up early makes waitress log a disconnect)."""
    with urlopen(url, timeout=5) as response:
        response.read()
        return bool(response.status == 200)


def _central_events(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "demo" / "central.db") as db:
        return [row[0] for row in db.execute("SELECT type FROM events ORDER BY seq")]


def test_demo_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
    mpp, env, port = _site(tmp_path)
    central_port = free_port()
    demo = subprocess.Popen(
        [*mpp, "demo", "--central-port", str(central_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), 30, "appliance")
        pressed = subprocess.run([*mpp, "press"], env=env, capture_output=True, text=True)
        assert pressed.returncode == 0, pressed.stdout + pressed.stderr
        central_db = tmp_path / "demo" / "central.db"

        def synced() -> bool:
            with sqlite3.connect(central_db) as db:
                types = [row[0] for row in db.execute("SELECT type FROM events ORDER BY seq")]
            return "ticket.issued" in types

        _wait(synced, 45, "the ticket at central")
        assert list((tmp_path / "receipts").glob("*.txt"))
        board = json.loads(urlopen(f"http://127.0.0.1:{port}/api/v1/board", timeout=5).read())
        assert board["waiting"][0]["waiting"] == 1
    finally:
        demo.send_signal(signal.SIGTERM)
        output = demo.communicate(timeout=30)[0].decode()
    assert demo.returncode == 0, output
    # Quiet on a fresh start: no false alarm because sync spoke before central listened, and
    # no waitress line for every health probe that hangs up early.
    assert "no ack for seq" not in output, output
    assert "Client disconnected" not in output, output
    for name in ("mosquitto", "central", "sync", "appliance"):
        assert f"started {name}" in output
    pids = [
        int(line.split("pid ")[1].rstrip(")")) for line in output.splitlines() if "(pid " in line
    ]
    for pid in pids:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )


def test_the_offline_story_can_be_tried_in_the_demo(tmp_path: Path) -> None:
    """The broker stopped: the demo keeps the appliance serving, says how to bring the broker
    back, and the ticket issued meanwhile reaches central once it is back."""
    mpp, env, port = _site(tmp_path)
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        demo = subprocess.Popen(
            [*mpp, "demo", "--central-port", str(free_port())],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    healthz = f"http://127.0.0.1:{port}/healthz"
    try:
        _wait(lambda: _healthy(healthz), 30, "appliance")
        text = log.read_text()
        broker_pid = int(text.split("started mosquitto (pid ")[1].split(")")[0])
        os.kill(broker_pid, signal.SIGTERM)  # the site's link goes down
        _wait(lambda: "carries on offline" in log.read_text(), 10, "the offline note")
        pressed = subprocess.run([*mpp, "press"], env=env, capture_output=True, text=True)
        assert pressed.returncode == 0, pressed.stdout + pressed.stderr
        assert _healthy(healthz) and demo.poll() is None
        assert "ticket.issued" not in _central_events(tmp_path)

        demo.send_signal(signal.SIGUSR1)  # what Enter does at a terminal
        _wait(lambda: log.read_text().count("started mosquitto") == 2, 10, "the broker again")
        _wait(lambda: "ticket.issued" in _central_events(tmp_path), 60, "the ticket at central")
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
    assert demo.returncode == 0, log.read_text()
