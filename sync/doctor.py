"""sync's check for `mpp doctor`: can this box log in to the broker the way `mpp sync` does?

Contributed through the `mpp.doctor` entry-point group (pyproject.toml), so the core's doctor
never imports sync. One paho connection with the sync worker's address, login and TLS set-up
but its own client id and no will, closed with a DISCONNECT: the running sync worker is not
thrown off and no `offline` is announced. Each way it can fail has its own story: unreachable
(a warning, the queue keeps working and the data waits), TLS refused, no MQTT answer, or the
broker refusing the login.
"""

from __future__ import annotations

import json
import os
import queue
import ssl
from dataclasses import replace

from appliance.ops.doctor.findings import Checkup, Finding
from appliance.ops.doctor.storage import query
from sync.cli import edge_broker
from sync.mqtt import BrokerUrlError, Connected, ConnectFailed, Disconnected, LinkEvent, Session

# paho reports MQTT 3.1.1's CONNACK return codes 1-5 as these MQTT 5 reason codes.
REFUSALS = {
    132: ("versi protokol MQTT ditolak", "MQTT protocol version refused"),
    133: ("ID klien ditolak", "client id refused"),
    136: ("broker sedang tidak melayani", "broker unavailable"),
    134: ("nama pengguna atau kata sandi salah", "wrong username or password"),
    135: ("tidak diizinkan", "not authorised"),
}


def checks(checkup: Checkup) -> list[Finding]:
    """The `mpp.doctor` entry point."""
    return [check_broker(checkup), *check_sync_alarm(checkup)]


def check_sync_alarm(checkup: Checkup) -> list[Finding]:
    """An alarm `mpp sync` raised (sync.edge.ALARM): another appliance with this site code."""
    t = checkup.t
    rows = query(checkup, "SELECT value FROM state WHERE key = ?", ("sync.alarm",))
    if not rows:
        return []
    try:
        alarm = json.loads(str(rows[0][0]))
    except ValueError:
        return []
    if not isinstance(alarm, dict) or alarm.get("code") != "twin_site":
        return []
    site, central, last = alarm.get("site"), alarm.get("central_through"), alarm.get("last_seq")
    return [
        Finding(
            "sync-twin",
            "fail",
            t(
                f"perangkat lain memakai kode situs {site}: pusat menyimpan sampai kejadian "
                f"{central}, perangkat ini baru menulis {last} (sejak {alarm.get('at')})",
                f"another appliance uses site code {site}: central holds up to event {central}, "
                f"this one has written only {last} (since {alarm.get('at')})",
            ),
            t(
                "Kartu SD disalin? Beri salah satu perangkat kode situs baru (sync.site) dan "
                "daftarkan di broker dan pusat; lihat docs/sync.md.",
                "A copied SD card? Give one of the appliances a new site code (sync.site) and "
                "register it with the broker and central; see docs/sync.md.",
            ),
        )
    ]


def check_broker(checkup: Checkup) -> Finding:
    t = checkup.t
    if not checkup.config.sync.broker:
        msg = t("sinkronisasi ke pusat tidak diatur", "sync to central is not configured")
        return Finding("broker", "info", msg)
    settings = replace(
        edge_broker(checkup.config), client_id=f"mpp-doctor-{os.urandom(4).hex()}", will=None
    )
    try:
        host, port, tls = settings.endpoint()
    except BrokerUrlError as exc:
        return Finding("broker", "fail", str(exc), t("Periksa sync.broker.", "Check sync.broker."))
    where = f"{host}:{port}"
    inbox: queue.Queue[LinkEvent] = queue.Queue()
    try:
        session = Session(settings, inbox, 1)
    except OSError as exc:  # the CA file or the client certificate cannot be read
        return _tls_failed(checkup, where, exc)
    try:
        return _login(checkup, session, inbox, where, tls)
    finally:
        session.close()


def _login(
    checkup: Checkup, session: Session, inbox: queue.Queue[LinkEvent], where: str, tls: bool
) -> Finding:
    t = checkup.t
    timeout = checkup.limits.timeout_s
    try:
        session.connect(timeout)
    except ssl.SSLError as exc:
        return _tls_failed(checkup, where, exc)
    except OSError as exc:
        return _unreachable(checkup, where, exc)
    except ValueError as exc:  # paho refusing the address itself
        return _no_mqtt(checkup, where, str(exc))
    try:
        event = inbox.get(timeout=timeout)
    except queue.Empty:
        return _no_mqtt(checkup, where, t(f"diam {timeout:.0f} detik", f"silent {timeout:.0f} s"))
    if isinstance(event, ConnectFailed):
        reason = REFUSALS.get(event.code, (event.reason, event.reason))
        return Finding(
            "broker",
            "fail",
            t(f"broker menolak: {reason[0]}", f"the broker refused: {reason[1]}"),
            t(
                "Minta admin pusat memeriksa akun situs ini; samakan sync.username "
                "dan berkas kata sandinya.",
                "Ask the central administrator to check this site's account; match "
                "sync.username and the password file.",
            ),
        )
    if not isinstance(event, Connected):
        why = event.reason if isinstance(event, Disconnected) else type(event).__name__
        return _no_mqtt(checkup, where, why)
    scheme = "TLS" if tls else t("tanpa TLS", "no TLS")
    return Finding(
        "broker",
        "ok",
        t(
            f"broker {where} menerima login ({scheme})",
            f"broker {where} accepts the login ({scheme})",
        ),
    )


def _unreachable(checkup: Checkup, where: str, exc: OSError) -> Finding:
    t, port = checkup.t, where.rpartition(":")[2]  # the port the firewall must let out
    return Finding(
        "broker",
        "warn",
        t(f"broker {where} tidak terjangkau ({exc})", f"broker {where} unreachable ({exc})"),
        t(
            "Antrean tetap jalan; data menunggu di kotak ini. Periksa internet, "
            f"DNS dan firewall (port keluar {port}).",
            "The queue keeps working; data waits on this box. Check the internet, "
            f"DNS and firewall (outgoing port {port}).",
        ),
    )


def _tls_failed(checkup: Checkup, where: str, exc: OSError) -> Finding:
    t = checkup.t
    return Finding(
        "broker",
        "fail",
        t(f"TLS ke {where} gagal: {exc}", f"TLS to {where} failed: {exc}"),
        t(
            "Pastikan sync.ca_file berisi sertifikat CA dari pusat dan jam "
            "kotak ini benar (timedatectl).",
            "Make sure sync.ca_file holds central's CA certificate and "
            "this box's clock is right (timedatectl).",
        ),
    )


def _no_mqtt(checkup: Checkup, where: str, why: str) -> Finding:
    t = checkup.t
    return Finding(
        "broker",
        "fail",
        t(f"{where} bukan broker MQTT yang menjawab ({why})", f"{where}: no MQTT answer ({why})"),
        t("Periksa alamat sync.broker.", "Check sync.broker."),
    )
