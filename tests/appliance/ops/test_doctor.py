"""`mpp doctor`: each failing condition made real (files, TCP listeners, a tiny MQTT broker,
a corrupted SQLite file, TLS with a pinned CA) and the plain-language answer it gives."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from appliance.clock import ManualClock
from appliance.config.sections import (
    ButtonConfig,
    Config,
    GpioConfig,
    PrinterConfig,
    StorageConfig,
    SyncConfig,
)
from appliance.ops.doctor import Doctor, Finding, Limits, connect_packet, exit_code
from tests.support.engine_fixtures import WEEKDAY_MORNING, make_site
from tests.support.paths import REPO

ROOT = REPO


def levels(findings: list[Finding], check: str) -> list[str]:
    return [f.level for f in findings if f.check == check]


def only(findings: list[Finding], check: str) -> Finding:
    (finding,) = [f for f in findings if f.check == check]
    return finding


@pytest.fixture
def site_db(tmp_path: Path) -> Path:
    path = tmp_path / "appliance.db"
    make_site(path).db.close()
    return path


def doctor(config: Config, **kwargs: object) -> Doctor:
    clock = kwargs.pop("clock", ManualClock(WEEKDAY_MORNING))
    return Doctor(config, clock=clock, **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    """A port nobody listens on (bound, then closed: connecting is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


class FakeBroker:
    """Answers one CONNACK code to every CONNECT; optionally over TLS. Records the CONNECTs."""

    def __init__(self, code: int, tls: ssl.SSLContext | None = None) -> None:
        self.code = code
        self.tls = tls
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.connects: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            try:
                conn.settimeout(5)
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                data = conn.recv(1024)
                self.connects.append(data)
                conn.sendall(bytes([0x20, 2, 0, self.code]))
                conn.recv(16)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.server.close()


def make_cert(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


# -- printer -------------------------------------------------------------------------------------


def test_printer_checks(tmp_path: Path, listener: int) -> None:
    config = Config()
    assert levels(doctor(config).check_printer(), "printer") == ["info"]  # driver none

    folder = replace(config, printer=PrinterConfig(driver="file", folder=str(tmp_path / "r")))
    assert levels(doctor(folder).check_printer(), "printer") == ["ok"]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    blocked = replace(config, printer=PrinterConfig(driver="file", folder=str(blocker / "r")))
    finding = only(doctor(blocked).check_printer(), "printer")
    assert finding.level == "fail" and "chown mpp" in finding.fix

    up = replace(config, printer=PrinterConfig(driver="network", host="127.0.0.1", port=listener))
    assert levels(doctor(up).check_printer(), "printer") == ["ok"]
    down = replace(up, printer=replace(up.printer, port=free_port()))
    finding = only(doctor(down, limits=Limits(timeout_s=2)).check_printer(), "printer")
    assert finding.level == "fail" and "tidak terjangkau" in finding.message

    serial = replace(config, printer=PrinterConfig(driver="serial", device=str(tmp_path / "tty")))
    assert levels(doctor(serial).check_printer(), "printer") == ["fail"]
    (tmp_path / "tty").write_text("")
    assert levels(doctor(serial).check_printer(), "printer") == ["ok"]

    sysfs = tmp_path / "sys"
    usb = replace(
        config, printer=PrinterConfig(driver="usb", usb_vendor=0x0416, usb_product=0x5011)
    )
    finding = only(doctor(usb, sysfs_usb=sysfs, lang="en").check_printer(), "printer")
    assert finding.level == "fail" and "0416:5011" in finding.message and "lsusb" in finding.fix
    device = sysfs / "1-1.3"
    device.mkdir(parents=True)
    (device / "idVendor").write_text("0416\n")
    (device / "idProduct").write_text("5011\n")
    assert levels(doctor(usb, sysfs_usb=sysfs).check_printer(), "printer") == ["ok"]


# -- buttons, database, disk -----------------------------------------------------------------------


def test_buttons_must_use_valid_pins_and_catalogue_services(site_db: Path) -> None:
    storage = StorageConfig(database=str(site_db))
    good = Config(storage=storage, gpio=GpioConfig(buttons=(ButtonConfig(17, "KTP"),), led_pin=22))
    assert levels(doctor(good).check_buttons(), "buttons") == ["ok"]
    unknown = replace(good, gpio=GpioConfig(buttons=(ButtonConfig(17, "PASPOR"),)))
    finding = only(doctor(unknown).check_buttons(), "buttons")
    assert finding.level == "fail" and "PASPOR" in finding.message
    clash = replace(good, gpio=GpioConfig(buttons=(ButtonConfig(17, "KTP"),), led_pin=17))
    assert "fail" in levels(doctor(clash).check_buttons(), "buttons")
    bad_pin = replace(good, gpio=GpioConfig(buttons=(ButtonConfig(40, "KTP"),)))
    assert "fail" in levels(doctor(bad_pin).check_buttons(), "buttons")
    assert levels(doctor(Config(storage=storage)).check_buttons(), "buttons") == ["info"]


def test_database_missing_healthy_and_corrupted(tmp_path: Path, site_db: Path) -> None:
    missing = Config(storage=StorageConfig(database=str(tmp_path / "none.db")))
    finding = only(doctor(missing).check_database(), "database")
    assert finding.level == "fail" and "mpp init" in finding.fix
    healthy = Config(storage=StorageConfig(database=str(site_db)))
    assert levels(doctor(healthy).check_database(), "database") == ["ok"]

    corrupted = tmp_path / "corrupted.db"
    data = bytearray(site_db.read_bytes())
    data[4096 * 2 : 4096 * 5] = os.urandom(4096 * 3)
    corrupted.write_bytes(bytes(data))
    broken = Config(storage=StorageConfig(database=str(corrupted)))
    finding = only(doctor(broken).check_database(), "database")
    assert finding.level == "fail" and "restore-usb.sh" in finding.fix


def test_free_disk_thresholds(site_db: Path) -> None:
    config = Config(storage=StorageConfig(database=str(site_db)))
    assert levels(doctor(config).check_disk(), "disk") == ["ok"]
    huge = 10**12  # MB: more than any test machine has free
    assert levels(doctor(config, limits=Limits(disk_warn_mb=huge)).check_disk(), "disk") == ["warn"]
    failing = Limits(disk_warn_mb=huge, disk_fail_mb=huge)
    finding = only(doctor(config, limits=failing).check_disk(), "disk")
    assert finding.level == "fail" and "/var/lib/mpp/backups" in finding.fix


# -- broker --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "words"),
    [(0, "ok", "menerima"), (4, "fail", "kata sandi"), (5, "fail", "tidak diizinkan")],
)
def test_broker_login_answers(code: int, level: str, words: str) -> None:
    broker = FakeBroker(code)
    try:
        sync = SyncConfig(
            broker=f"mqtt://127.0.0.1:{broker.port}", site="S", username="S", password="rahasia"
        )
        finding = only(doctor(Config(sync=sync)).check_broker(), "broker")
    finally:
        broker.close()
    assert finding.level == level and words in finding.message
    assert broker.connects and broker.connects[0] == connect_packet_like(broker.connects[0])
    assert b"rahasia" in broker.connects[0] and b"MQTT\x04\xc2" in broker.connects[0]


def connect_packet_like(sent: bytes) -> bytes:
    """Rebuild the CONNECT from its own client id: the packet is exactly MQTT 3.1.1."""
    client_id = sent[14 : 14 + int.from_bytes(sent[12:14], "big")].decode()
    return connect_packet(client_id, "S", "rahasia")


def test_broker_unreachable_is_a_warning_not_a_failure() -> None:
    sync = SyncConfig(broker=f"mqtt://127.0.0.1:{free_port()}", site="S")
    finding = only(doctor(Config(sync=sync), limits=Limits(timeout_s=2)).check_broker(), "broker")
    assert finding.level == "warn" and "Antrean tetap jalan" in finding.fix


def test_broker_tls_with_the_pinned_ca(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path, "broker")
    other, _ = make_cert(tmp_path, "other")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    broker = FakeBroker(0, tls=server)
    try:
        url = f"mqtts://127.0.0.1:{broker.port}"
        pinned = SyncConfig(broker=url, site="S", username="S", ca_file=str(cert))
        finding = only(doctor(Config(sync=pinned)).check_broker(), "broker")
        assert finding.level == "ok" and "TLS" in finding.message
        wrong = replace(pinned, ca_file=str(other))
        finding = only(doctor(Config(sync=wrong), lang="en").check_broker(), "broker")
        assert finding.level == "fail" and "TLS" in finding.message and "ca_file" in finding.fix
    finally:
        broker.close()


def test_a_port_that_is_not_mqtt(listener: int) -> None:
    sync = SyncConfig(broker=f"mqtt://127.0.0.1:{listener}", site="S")
    finding = only(doctor(Config(sync=sync)).check_broker(), "broker")
    assert finding.level == "fail"


# -- clock and backlog ---------------------------------------------------------------------------


def test_clock_not_synchronised_is_a_warning() -> None:
    synced = doctor(Config(), clock=ManualClock(WEEKDAY_MORNING))
    assert levels(synced.check_clock(), "clock") == ["ok"]
    unsynced = doctor(Config(), clock=ManualClock(WEEKDAY_MORNING, synchronised=False))
    finding = only(unsynced.check_clock(), "clock")
    assert finding.level == "warn" and "NTP" in finding.fix


def test_old_backlog_warns(tmp_path: Path) -> None:
    path = tmp_path / "appliance.db"
    site = make_site(path)
    site.engine.issue("KTP")
    site.db.close()
    config = Config(
        storage=StorageConfig(database=str(path)),
        sync=SyncConfig(broker="mqtt://127.0.0.1:1", site="S"),
    )
    fresh = doctor(config, clock=ManualClock(WEEKDAY_MORNING + timedelta(hours=1)))
    assert levels(fresh.check_backlog(), "backlog") == ["ok"]
    late = ManualClock(WEEKDAY_MORNING + timedelta(hours=30))
    finding = only(doctor(config, clock=late, lang="en").check_backlog(), "backlog")
    assert finding.level == "warn" and "30 hours" in finding.message and "mpp-sync" in finding.fix
    # Without sync configured there is no backlog to speak of.
    assert doctor(replace(config, sync=SyncConfig()), clock=late).check_backlog() == []


# -- the command ---------------------------------------------------------------------------------


def run_doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "appliance.cli", "doctor", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_command_exit_codes_languages_and_json(tmp_path: Path, site_db: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env.update(
        PYTHONPATH=str(ROOT),
        MPP_STORAGE__DATABASE=str(site_db),
        MPP_PRINTER__DRIVER="file",
        MPP_PRINTER__FOLDER=str(tmp_path / "receipts"),
        MPP_GPIO__BUTTONS='[{"pin": 17, "service": "KTP"}]',
        MPP_CLOCK_SYNCED="1",
    )
    ok = run_doctor(env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Semua baik." in ok.stdout and "[ OK ]" in ok.stdout

    warned = run_doctor(env, "--disk-warn-mb", str(10**12), "--lang", "en")
    assert warned.returncode == 1 and "Warnings" in warned.stdout

    env["MPP_GPIO__BUTTONS"] = '[{"pin": 17, "service": "PASPOR"}]'
    failed = run_doctor(env, "--json")
    assert failed.returncode == 2
    report = json.loads(failed.stdout)
    assert report["exit_code"] == 2
    bad = [f for f in report["findings"] if f["level"] == "fail"]
    assert [f["check"] for f in bad] == ["buttons"] and bad[0]["fix"]
    assert exit_code([Finding("x", "info", "")]) == 0

    env["MPP_WEB__PORT"] = "eighty"
    broken = run_doctor(env)
    assert broken.returncode == 2 and "web.port" in broken.stdout
