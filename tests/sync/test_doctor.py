"""sync's broker check for `mpp doctor` (sync.doctor, through the `mpp.doctor` entry point): each
way the login can go made real — a real Mosquitto (anonymous, with a password file, over TLS
with a pinned CA), a port nobody listens on, a port that is not MQTT — and a tiny fake broker
for the CONNACK codes Mosquitto never sends, each with the plain-language answer it gives."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from appliance.clock import ManualClock
from appliance.config.sections import Config, SyncConfig
from appliance.ops.doctor.checks import contributed_checks
from appliance.ops.doctor.findings import Checkup, Finding, Limits
from sync.doctor import checks
from sync.mqtt import BrokerSettings, Connected, LinkEvent, Session
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import WEEKDAY_MORNING, make_site
from tests.support.listener import closing_listener
from tests.support.paths import REPO
from tests.support.proxy import free_port
from tests.support.sync_harness import make_password_file

pytestmark = pytest.mark.timeout(60)


def broker_finding(sync: SyncConfig, **kwargs: object) -> Finding:
    checkup = Checkup(Config(sync=sync), clock=ManualClock(WEEKDAY_MORNING), **kwargs)  # type: ignore[arg-type]
    (finding,) = [f for f in checks(checkup) if f.check == "broker"]
    return finding


class FakeBroker:
    """Answers one CONNACK code to every CONNECT; records the CONNECTs."""

    def __init__(self, code: int) -> None:
        self.code = code
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
                self.connects.append(conn.recv(1024))
                conn.sendall(bytes([0x20, 2, 0, self.code]))
                conn.recv(16)
            except OSError:
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


# -- the answers ---------------------------------------------------------------------------------


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
        finding = broker_finding(sync)
    finally:
        broker.close()
    assert finding.level == level and words in finding.message
    # MQTT 3.1.1 (level 4), clean session with user name and password, and a client id of its
    # own: the running sync worker is not thrown off.
    sent = broker.connects[0]
    assert b"rahasia" in sent and b"MQTT\x04\xc2" in sent
    assert sent[14 : 14 + int.from_bytes(sent[12:14], "big")].startswith(b"mpp-doctor-")


def test_a_real_broker_accepts_or_refuses_the_login(tmp_path: Path) -> None:
    passwd = make_password_file(tmp_path / "passwd", {"S": "rahasia-123"})
    broker = Mosquitto(
        tmp_path / "broker", extra=f"allow_anonymous false\npassword_file {passwd}\n"
    ).start()
    try:
        sync = SyncConfig(broker=broker.url, site="S", password="rahasia-123")  # user: the site
        finding = broker_finding(sync)
        assert finding.level == "ok" and "tanpa TLS" in finding.message
        finding = broker_finding(replace(sync, password="salah"), lang="en")
        assert finding.level == "fail" and "not authorised" in finding.message
        assert "password file" in finding.fix
    finally:
        broker.kill()


def test_not_configured_is_information() -> None:
    assert broker_finding(SyncConfig()).level == "info"


def test_broker_unreachable_is_a_warning_not_a_failure() -> None:
    sync = SyncConfig(broker=f"mqtt://127.0.0.1:{free_port()}", site="S")
    finding = broker_finding(sync, limits=Limits(timeout_s=2))
    assert finding.level == "warn" and "Antrean tetap jalan" in finding.fix


def test_broker_tls_with_the_pinned_ca(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path, "broker")
    other, _ = make_cert(tmp_path, "other")
    broker = Mosquitto(tmp_path / "broker", extra=f"certfile {cert}\nkeyfile {key}\n").start()
    try:
        url = f"mqtts://127.0.0.1:{broker.port}"
        pinned = SyncConfig(broker=url, site="S", username="S", ca_file=str(cert))
        finding = broker_finding(pinned)
        assert finding.level == "ok" and "TLS" in finding.message
        wrong = replace(pinned, ca_file=str(other))
        finding = broker_finding(wrong, lang="en")
        assert finding.level == "fail" and "TLS" in finding.message and "ca_file" in finding.fix
        missing = replace(pinned, ca_file=str(tmp_path / "no-such-ca.pem"))
        finding = broker_finding(missing, lang="en")
        assert finding.level == "fail" and "TLS" in finding.message and "ca_file" in finding.fix
    finally:
        broker.kill()


def test_a_port_that_is_not_mqtt() -> None:
    with closing_listener() as port:
        finding = broker_finding(SyncConfig(broker=f"mqtt://127.0.0.1:{port}", site="S"))
    assert finding.level == "fail"


# -- through the entry point, as `mpp doctor` runs it ----------------------------------------------


def test_mpp_doctor_finds_the_check_and_leaves_the_sync_session_alone(
    tmp_path: Path, broker: Mosquitto
) -> None:
    assert "sync" in [name for name, _ in contributed_checks()]
    site_db = tmp_path / "appliance.db"
    make_site(site_db).db.close()
    # The sync worker's own session, with its client id: a second client with the same id
    # would throw it off.
    inbox: queue.Queue[LinkEvent] = queue.Queue()
    edge = Session(BrokerSettings(url=broker.url, client_id="mpp-edge-S"), inbox, 1)
    edge.start()
    try:
        assert isinstance(inbox.get(timeout=5), Connected)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
        env.update(
            PYTHONPATH=str(REPO),
            MPP_STORAGE__DATABASE=str(site_db),
            MPP_SYNC__BROKER=broker.url,
            MPP_SYNC__SITE="S",
        )
        done = subprocess.run(
            [sys.executable, "-m", "appliance.cli", "doctor", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        report = json.loads(done.stdout)
        (finding,) = [f for f in report["findings"] if f["check"] == "broker"]
        assert finding["level"] == "ok", done.stdout + done.stderr
        assert edge.connected() and inbox.empty()
    finally:
        edge.close()
