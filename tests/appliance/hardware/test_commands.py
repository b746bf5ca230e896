"""`mpp press` and `mpp printer` against a running appliance, as separate processes.

The appliance runs in this test process (runtime built from a TOML file: file printer, mock pins);
`mpp` runs as a real subprocess and reaches it only through the control socket.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.clock import ManualClock
from appliance.config.load import load_config
from appliance.hardware.control import ControlServer, request
from appliance.runtime import Runtime, build_runtime
from appliance.storage.database import open_database
from tests.support.engine_fixtures import WEEKDAY_MORNING, build_site
from tests.support.hardware_fixtures import wait_for

REPO = Path(__file__).resolve().parents[3]

CONFIG = """
[storage]
database = "appliance.db"
[web]
public_url = "http://mpp.local:8080"
[printer]
driver = "file"
folder = "receipts"
png = true
svg = true
paper_width_mm = 58
[gpio]
pin_factory = "mock"
led_pin = 22
[[gpio.buttons]]
pin = 17
service = "INFO"
[[gpio.buttons]]
pin = 27
service = "INFO"
priority = true
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "appliance.toml"
    path.write_text(CONFIG, encoding="utf-8")
    db = open_database(tmp_path / "appliance.db")
    build_site(db)
    db.close()
    return path


@pytest.fixture
def running(config_file: Path) -> Iterator[Runtime]:
    config = load_config(config_file, {})
    runtime = build_runtime(config, clock=ManualClock(WEEKDAY_MORNING))
    runtime.hardware.start()
    yield runtime
    runtime.hardware.stop()


def mpp(config_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MPP_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "appliance.cli", "--config", str(config_file), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_press_without_a_running_appliance_fails_clearly(config_file: Path) -> None:
    done = mpp(config_file, "press")
    assert done.returncode == 1
    assert "no appliance is running" in done.stderr and "mpp run" in done.stderr


def test_press_goes_through_the_mock_pin_of_the_running_appliance(
    running: Runtime, config_file: Path
) -> None:
    socket_path = Path(running.core.config.storage.database + ".control")
    assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600
    done = mpp(config_file, "press")
    assert done.returncode == 0, done.stderr
    assert "ticket I-001 issued (mock_pin)" in done.stdout
    done = mpp(config_file, "press", "--pin", "27")
    assert "ticket I-002 issued" in done.stdout
    folder = Path(running.core.config.printer.folder)
    wait_for(lambda: len(list(folder.glob("*.txt"))) == 2, what="two receipt files")
    first = next(folder.glob("*I-001.txt")).read_text(encoding="ascii")
    assert "I - 0 0 1" in first and "[QR] http://mpp.local:8080/t/" in first
    paper = [line for line in first.splitlines() if not line.startswith("[QR]")]
    assert max(len(line) for line in paper) == 32  # 58 mm paper: 32 columns
    assert "PRIORITAS" in next(folder.glob("*I-002.txt")).read_text(encoding="ascii")
    assert next(folder.glob("*I-001.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert next(folder.glob("*I-001.svg")).read_bytes().startswith(b"<svg ")
    again = mpp(config_file, "press")  # within the 2 s cooldown (the clock is pinned)
    assert again.returncode == 1 and "cooldown" in again.stdout
    unknown = mpp(config_file, "press", "--pin", "5")
    assert unknown.returncode == 1 and "no button on GPIO5" in unknown.stderr


def test_printer_status_and_test_page_through_the_appliance(
    running: Runtime, config_file: Path
) -> None:
    done = mpp(config_file, "printer", "status")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["source"] == "appliance" and status["driver"] == "file"
    done = mpp(config_file, "printer", "test")
    assert done.returncode == 0, done.stderr
    folder = Path(running.core.config.printer.folder)
    page = wait_for(lambda: list(folder.glob("*-tes.txt")), what="test page")
    assert "TES PRINTER" in page[0].read_text(encoding="ascii")


def test_printer_commands_open_the_printer_themselves_when_no_appliance_runs(
    config_file: Path,
) -> None:
    done = mpp(config_file, "printer", "test")
    assert done.returncode == 0, done.stderr
    assert "test page printed" in done.stdout
    assert json.loads(done.stdout[done.stdout.index("{") :])["source"].startswith("direct")
    assert list((config_file.parent / "receipts").glob("*-tes.txt"))


def test_a_second_appliance_cannot_take_over_the_control_socket(
    running: Runtime, config_file: Path
) -> None:
    # A second runtime in this process would rebind the models to its own database, so the
    # second appliance is its control server alone, on the same path.
    path = Path(running.core.config.storage.database + ".control")
    with pytest.raises(RuntimeError, match="another appliance"):
        ControlServer(path, lambda request: {"ok": True}).start()
    assert mpp(config_file, "press").returncode == 0  # the first one still answers


def test_a_socket_left_by_a_dead_appliance_is_replaced(config_file: Path) -> None:
    path = config_file.parent / "appliance.db.control"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(path))  # bound, never listening: what a killed process leaves
    server = ControlServer(path, lambda request: {"ok": True, "echo": request["op"]})
    server.start()
    try:
        assert request(path, {"op": "ping"}) == {"ok": True, "echo": "ping"}
    finally:
        server.stop()
    assert not path.exists()


def test_building_touches_no_device_and_missing_hardware_does_not_stop_the_appliance(
    config_file: Path,
) -> None:
    environ = {
        "MPP_GPIO__PIN_FACTORY": "lgpio",  # not a Pi: lgpio cannot open a GPIO chip here
        "MPP_PRINTER__DRIVER": "usb",  # and no USB printer is plugged in
        "MPP_PRINTER__RETRY_S": "0.05",
    }
    config = load_config(config_file, environ)
    runtime = build_runtime(config, clock=ManualClock(WEEKDAY_MORNING))
    assert runtime.hardware.status()["gpio"]["state"] == "stopped"
    assert not Path(config.storage.database + ".control").exists()
    runtime.hardware.start()
    try:
        status = wait_for(
            lambda: (s := runtime.hardware.status())["printer"]["state"] == "offline" and s,
            what="printer offline",
        )
        assert status["gpio"]["state"] == "unavailable" and "lgpio" in status["gpio"]["message"]
        ticket = runtime.core.engine.issue("INFO", source="kiosk")
        assert ticket.number == "I-001"  # issuing goes on without GPIO and printer
        assert runtime.hardware.press(17)["via"] == "direct"
    finally:
        runtime.hardware.stop()
