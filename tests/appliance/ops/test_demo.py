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


def test_demo_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
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
    central_port = free_port()
    demo = subprocess.Popen(
        [*mpp, "demo", "--central-port", str(central_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(
            lambda: urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200,
            30,
            "appliance",
        )
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
    for name in ("mosquitto", "central", "sync", "appliance"):
        assert f"started {name}" in output
    pids = [
        int(line.split("pid ")[1].rstrip(")")) for line in output.splitlines() if "(pid " in line
    ]
    for pid in pids:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )
