"""`mpp doctor`: checks the box and says, in plain words, what is wrong and how to fix it.

Written for the regency IT officer standing next to the Pi: every finding has a level (ok, info,
warn, fail), one sentence of what was found and, for problems, one line of what to do — in
Indonesian by default, English with `--lang en`. Exit code 0 all good, 1 warnings, 2 failures;
`--json` for monitoring scripts. The doctor only reads: the database is opened read-only (no
migration), the broker gets one CONNECT and a DISCONNECT with its own client id, so the running
sync worker is not thrown off.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import sqlite3
import struct
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from appliance import __version__
from appliance.clock import Clock, SystemClock
from appliance.config.load import ConfigError
from appliance.config.sections import Config, GpioConfig, PrinterConfig, SyncConfig

if TYPE_CHECKING:
    import ssl

    from appliance.cli import Context, Registry

LEVELS = ("ok", "info", "warn", "fail")
BCM_PINS = range(28)
SYSFS_USB = Path("/sys/bus/usb/devices")
CONNACK_REASONS = {
    1: ("versi protokol MQTT ditolak", "MQTT protocol version refused"),
    2: ("ID klien ditolak", "client id refused"),
    3: ("broker sedang tidak melayani", "broker unavailable"),
    4: ("nama pengguna atau kata sandi salah", "wrong username or password"),
    5: ("tidak diizinkan", "not authorised"),
}


@dataclass(frozen=True)
class Finding:
    check: str
    level: str
    message: str
    fix: str = ""


@dataclass(frozen=True)
class Limits:
    """Thresholds, adjustable so a test (or a big SD card) can move them."""

    disk_warn_mb: float = 500
    disk_fail_mb: float = 100
    backlog_hours: float = 24
    timeout_s: float = 5.0


@dataclass
class Doctor:
    config: Config
    lang: str = "id"
    limits: Limits = field(default_factory=Limits)
    clock: Clock = field(default_factory=SystemClock)
    sysfs_usb: Path = SYSFS_USB

    def t(self, indonesian: str, english: str) -> str:
        return english if self.lang == "en" else indonesian

    def run(self) -> list[Finding]:
        checks: list[Callable[[], list[Finding]]] = [
            self.check_printer,
            self.check_buttons,
            self.check_database,
            self.check_disk,
            self.check_broker,
            self.check_clock,
            self.check_backlog,
            self.check_versions,
        ]
        findings: list[Finding] = []
        for check in checks:
            findings += check()
        return findings

    # -- printer -------------------------------------------------------------------------------

    def check_printer(self) -> list[Finding]:
        p: PrinterConfig = self.config.printer
        t = self.t
        if p.driver == "none":
            msg = t("tidak ada printer (driver none)", "no printer (driver none)")
            return [Finding("printer", "info", msg)]
        if p.driver == "file":
            return [self._printer_folder(Path(p.folder))]
        if p.driver == "network":
            try:
                with socket.create_connection((p.host, p.port), timeout=self.limits.timeout_s):
                    pass
            except OSError as exc:
                return [
                    Finding(
                        "printer",
                        "fail",
                        t(
                            f"printer jaringan {p.host}:{p.port} tidak terjangkau ({exc})",
                            f"network printer {p.host}:{p.port} unreachable ({exc})",
                        ),
                        t(
                            "Nyalakan printer, periksa kabel LAN dan alamat IP-nya "
                            "(cetak halaman tes printer), lalu samakan printer.host.",
                            "Switch the printer on, check its LAN cable and IP address "
                            "(print its self-test page), then set printer.host to match.",
                        ),
                    )
                ]
            msg = t(f"printer jaringan {p.host}:{p.port} menjawab", f"{p.host}:{p.port} answers")
            return [Finding("printer", "ok", msg)]
        if p.driver == "serial":
            device = Path(p.device)
            if not device.exists():
                return [
                    Finding(
                        "printer",
                        "fail",
                        t(f"perangkat serial {device} tidak ada", f"no serial device {device}"),
                        t(
                            "Pasang kabel serial/USB printer; cek nama perangkat dengan "
                            "`ls /dev/ttyUSB* /dev/ttyACM*` dan isi printer.device.",
                            "Plug in the printer's serial/USB cable; find the device with "
                            "`ls /dev/ttyUSB* /dev/ttyACM*` and set printer.device.",
                        ),
                    )
                ]
            if not os.access(device, os.R_OK | os.W_OK):
                return [
                    Finding(
                        "printer",
                        "fail",
                        t(f"{device} tidak boleh dibuka", f"no permission on {device}"),
                        t(
                            "Pengguna layanan harus anggota grup dialout (install.sh).",
                            "The service user must be in group dialout (install.sh).",
                        ),
                    )
                ]
            return [
                Finding("printer", "ok", t(f"printer serial {device} ada", f"{device} present"))
            ]
        return [self._usb_printer(p.usb_vendor, p.usb_product)]

    def _printer_folder(self, folder: Path) -> Finding:
        t = self.t
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".doctor-{os.urandom(4).hex()}"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            return Finding(
                "printer",
                "fail",
                t(
                    f"folder struk {folder} tidak bisa ditulisi ({exc.strerror})",
                    f"receipt folder {folder} is not writable ({exc.strerror})",
                ),
                t(
                    f"Buat folder itu dan berikan ke pengguna layanan: chown mpp {folder}",
                    f"Create the folder and give it to the service user: chown mpp {folder}",
                ),
            )
        return Finding("printer", "ok", t(f"folder struk {folder} siap", f"{folder} is writable"))

    def _usb_printer(self, vendor: int, product: int) -> Finding:
        t = self.t
        wanted = (f"{vendor:04x}", f"{product:04x}")
        for device in sorted(self.sysfs_usb.glob("*")):
            try:
                found = (
                    (device / "idVendor").read_text().strip(),
                    (device / "idProduct").read_text().strip(),
                )
            except OSError:
                continue
            if found == wanted:
                return Finding(
                    "printer",
                    "ok",
                    t(f"printer USB {':'.join(wanted)} terpasang", "USB printer present"),
                )
        return Finding(
            "printer",
            "fail",
            t(
                f"printer USB {':'.join(wanted)} tidak terdeteksi",
                f"USB printer {':'.join(wanted)} not found",
            ),
            t(
                "Nyalakan printer dan pasang kabel USB-nya. Cek dengan `lsusb`: jika angkanya "
                "lain, isi printer.usb_vendor dan printer.usb_product.",
                "Switch the printer on and plug its USB cable. Check with `lsusb`: if the ids "
                "differ, set printer.usb_vendor and printer.usb_product.",
            ),
        )

    # -- buttons -------------------------------------------------------------------------------

    def check_buttons(self) -> list[Finding]:
        gpio: GpioConfig = self.config.gpio
        t = self.t
        if not gpio.buttons:
            msg = t("tidak ada tombol tiket di konfigurasi", "no ticket buttons configured")
            return [Finding("buttons", "info", msg)]
        findings: list[Finding] = []
        used: set[int] = set()
        pins = [b.pin for b in gpio.buttons] + ([gpio.led_pin] if gpio.led_pin is not None else [])
        for pin in pins:
            if pin not in BCM_PINS or pin in used:
                findings.append(
                    Finding(
                        "buttons",
                        "fail",
                        t(
                            f"pin GPIO{pin} tidak sah atau dipakai dua kali",
                            f"GPIO{pin} invalid or reused",
                        ),
                        t(
                            "Pakai nomor BCM 2-27, satu pin untuk satu tombol "
                            "(lihat docs/deploy.md).",
                            "Use BCM numbers 2-27, one pin per button (see docs/deploy.md).",
                        ),
                    )
                )
            used.add(pin)
        services = self._query("SELECT code FROM service WHERE active")
        if services is None:
            return findings
        active = {row[0] for row in services}
        for button in gpio.buttons:
            if button.service not in active:
                findings.append(
                    Finding(
                        "buttons",
                        "fail",
                        t(
                            f"tombol GPIO{button.pin}: layanan {button.service} "
                            "tidak ada di katalog",
                            f"button GPIO{button.pin}: service {button.service} "
                            "is not in the catalogue",
                        ),
                        t(
                            "Isi gpio.buttons.service dengan kode layanan yang aktif "
                            "(`mpp catalogue export`).",
                            "Set gpio.buttons.service to an active service code "
                            "(`mpp catalogue export`).",
                        ),
                    )
                )
        if not findings:
            names = ", ".join(f"GPIO{b.pin}->{b.service}" for b in gpio.buttons)
            findings.append(Finding("buttons", "ok", t(f"tombol: {names}", f"buttons: {names}")))
        return findings

    # -- database and disk ---------------------------------------------------------------------

    def _database(self) -> Path:
        return Path(self.config.storage.database)

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]] | None:
        """Read-only; None when the database cannot be read (check_database reports why)."""
        path = self._database()
        if not path.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        except sqlite3.Error:
            return None
        try:
            return list(conn.execute(sql, args))
        except sqlite3.Error:
            return None
        finally:
            conn.close()

    def check_database(self) -> list[Finding]:
        t = self.t
        path = self._database()
        if not path.exists():
            return [
                Finding(
                    "database",
                    "fail",
                    t(f"database {path} belum ada", f"no database at {path}"),
                    t("Jalankan: sudo mpp init --admin NAMA", "Run: sudo mpp init --admin NAME"),
                )
            ]
        from appliance.storage.database import integrity_check  # peewee: only when checking

        try:
            problems = integrity_check(path)
        except sqlite3.Error as exc:
            problems = [str(exc)]
        if problems:
            return [
                Finding(
                    "database",
                    "fail",
                    t(f"database rusak: {problems[0]}", f"database damaged: {problems[0]}"),
                    t(
                        "Pulihkan cadangan terakhir: sudo /opt/mpp/current/share/mpp/"
                        "firmware-scripts/restore-usb.sh /var/lib/mpp/backups/<terbaru>.db",
                        "Restore the latest backup: sudo /opt/mpp/current/share/mpp/"
                        "firmware-scripts/restore-usb.sh /var/lib/mpp/backups/<newest>.db",
                    ),
                )
            ]
        return [Finding("database", "ok", t(f"database {path} utuh", f"{path} passes its check"))]

    def check_disk(self) -> list[Finding]:
        t = self.t
        folder = self._database().parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        free_mb = shutil.disk_usage(folder).free / 1_000_000
        text = t(f"ruang kosong {free_mb:.0f} MB di {folder}", f"{free_mb:.0f} MB free on {folder}")
        fix = t(
            "Hapus cadangan lama di /var/lib/mpp/backups (salin dulu ke flashdisk) atau "
            "pakai kartu SD yang lebih besar.",
            "Delete old backups in /var/lib/mpp/backups (copy them to a USB stick first) "
            "or use a bigger SD card.",
        )
        if free_mb < self.limits.disk_fail_mb:
            return [Finding("disk", "fail", text, fix)]
        if free_mb < self.limits.disk_warn_mb:
            return [Finding("disk", "warn", text, fix)]
        return [Finding("disk", "ok", text)]

    # -- broker --------------------------------------------------------------------------------

    def check_broker(self) -> list[Finding]:
        sync: SyncConfig = self.config.sync
        t = self.t
        if not sync.broker:
            msg = t("sinkronisasi ke pusat tidak diatur", "sync to central is not configured")
            return [Finding("broker", "info", msg)]
        url = urlsplit(sync.broker)
        tls = url.scheme == "mqtts"
        host, port = url.hostname or "", url.port or (8883 if tls else 1883)
        where = f"{host}:{port}"
        try:
            raw = socket.create_connection((host, port), timeout=self.limits.timeout_s)
        except OSError as exc:
            return [
                Finding(
                    "broker",
                    "warn",
                    t(
                        f"broker {where} tidak terjangkau ({exc})",
                        f"broker {where} unreachable ({exc})",
                    ),
                    t(
                        "Antrean tetap jalan; data menunggu di kotak ini. Periksa internet, "
                        "DNS dan firewall (port keluar " + str(port) + ").",
                        "The queue keeps working; data waits on this box. Check the internet, "
                        f"DNS and firewall (outgoing port {port}).",
                    ),
                )
            ]
        conn: socket.socket = raw
        try:
            if tls:
                try:
                    conn = self._tls_context(sync).wrap_socket(raw, server_hostname=host)
                except OSError as exc:  # ssl.SSLError is one
                    raw.close()
                    return [
                        Finding(
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
                    ]
            code = mqtt_connect(conn, sync.username, sync.password, self.limits.timeout_s)
        except (OSError, ValueError) as exc:
            return [
                Finding(
                    "broker",
                    "fail",
                    t(
                        f"{where} bukan broker MQTT yang menjawab ({exc})",
                        f"{where}: no MQTT answer ({exc})",
                    ),
                    t("Periksa alamat sync.broker.", "Check sync.broker."),
                )
            ]
        finally:
            conn.close()  # the TLS socket took over the raw one's descriptor
            raw.close()
        if code != 0:
            reason = CONNACK_REASONS.get(code, (f"kode {code}", f"code {code}"))
            return [
                Finding(
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
            ]
        scheme = "TLS" if tls else t("tanpa TLS", "no TLS")
        return [
            Finding(
                "broker",
                "ok",
                t(
                    f"broker {where} menerima login ({scheme})",
                    f"broker {where} accepts the login ({scheme})",
                ),
            )
        ]

    def _tls_context(self, sync: SyncConfig) -> ssl.SSLContext:
        # Here, not at the top: `mpp run` builds this parser and keeps OpenSSL out.
        from appliance.ops.tlsclient import client_context

        return client_context(sync.ca_file, sync.cert_file, sync.key_file)

    # -- clock, backlog, versions --------------------------------------------------------------

    def check_clock(self) -> list[Finding]:
        t = self.t
        now = self.clock.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        if self.clock.synchronised():
            return [
                Finding("clock", "ok", t(f"jam tersinkron ({now})", f"clock synchronised ({now})"))
            ]
        return [
            Finding(
                "clock",
                "warn",
                t(f"jam belum tersinkron ({now})", f"clock not synchronised ({now})"),
                t(
                    "Sambungkan ke jaringan dengan server waktu (NTP), atau pasang modul RTC "
                    "DS3231, atau admin mengonfirmasi jam di halaman admin.",
                    "Connect to a network with a time server (NTP), fit a DS3231 RTC module, "
                    "or have an administrator confirm the time on the admin page.",
                ),
            )
        ]

    def check_backlog(self) -> list[Finding]:
        t = self.t
        if not self.config.sync.broker:
            return []
        acked = self._query("SELECT value FROM state WHERE key = 'outbox.acked_through'")
        if acked is None:
            return []
        through = int(str(acked[0][0])) if acked else 0
        rows = self._query("SELECT count(*), min(at) FROM outbox WHERE seq > ?", (through,))
        if not rows or not rows[0][0]:
            return [
                Finding("backlog", "ok", t("semua data sudah di pusat", "everything is at central"))
            ]
        count, oldest = int(str(rows[0][0])), datetime.fromisoformat(str(rows[0][1]))
        hours = (self.clock.now() - oldest.astimezone(UTC)).total_seconds() / 3600
        text = t(
            f"{count} kejadian menunggu dikirim, tertua {hours:.0f} jam",
            f"{count} events waiting, the oldest {hours:.0f} hours old",
        )
        if hours > self.limits.backlog_hours:
            fix = t(
                "Tidak ada data hilang, tetapi pusat tertinggal. Periksa internet dan "
                "`systemctl status mpp-sync`.",
                "Nothing is lost, but central is behind. Check the internet and "
                "`systemctl status mpp-sync`.",
            )
            return [Finding("backlog", "warn", text, fix)]
        return [Finding("backlog", "ok", text)]

    def check_versions(self) -> list[Finding]:
        python, sqlite = platform.python_version(), sqlite3.sqlite_version
        text = f"mpp {__version__}, Python {python}, SQLite {sqlite}"
        return [Finding("versions", "info", text)]


# -- MQTT 3.1.1 CONNECT / CONNACK, by hand (paho lives only in sync) ---------------------------


def _mqtt_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def connect_packet(client_id: str, username: str, password: str, keepalive: int = 10) -> bytes:
    flags = 0x02  # clean session
    payload = _mqtt_string(client_id)
    if username:
        flags |= 0x80
        payload += _mqtt_string(username)
        if password:
            flags |= 0x40
            payload += _mqtt_string(password)
    body = _mqtt_string("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive) + payload
    return b"\x10" + _remaining_length(len(body)) + body


def mqtt_connect(conn: socket.socket, username: str, password: str, timeout: float) -> int:
    """Send CONNECT, return CONNACK's return code (0 = accepted); DISCONNECT if accepted."""
    conn.settimeout(timeout)
    conn.sendall(connect_packet(f"mpp-doctor-{os.urandom(4).hex()}", username, password))
    answer = b""
    while len(answer) < 4:
        chunk = conn.recv(4 - len(answer))
        if not chunk:
            raise ValueError("connection closed before CONNACK")
        answer += chunk
    if answer[0] != 0x20 or answer[1] != 2:
        raise ValueError(f"unexpected answer {answer.hex()}")
    if answer[3] == 0:
        conn.sendall(b"\xe0\x00")
    return answer[3]


# -- output and command --------------------------------------------------------------------------


def exit_code(findings: list[Finding]) -> int:
    levels = {f.level for f in findings}
    return 2 if "fail" in levels else 1 if "warn" in levels else 0


MARKS = {"ok": "[ OK ]", "info": "[INFO]", "warn": "[WARN]", "fail": "[GAGAL]"}
MARKS_EN = {**MARKS, "fail": "[FAIL]"}


def render(findings: list[Finding], lang: str) -> str:
    marks = MARKS_EN if lang == "en" else MARKS
    lines = []
    for f in findings:
        lines.append(f"{marks[f.level]:7} {f.check:9} {f.message}")
        if f.fix:
            lines.append(f"{'':17} -> {f.fix}")
    code = exit_code(findings)
    summary = {
        0: ("Semua baik.", "All good."),
        1: ("Ada peringatan: antrean jalan, tetapi periksa di atas.", "Warnings: see above."),
        2: ("Ada masalah yang harus diperbaiki (lihat di atas).", "Problems to fix (see above)."),
    }[code]
    lines.append(summary[1] if lang == "en" else summary[0])
    return "\n".join(lines) + "\n"


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> int:
    limits = Limits(
        disk_warn_mb=args.disk_warn_mb,
        disk_fail_mb=args.disk_fail_mb,
        backlog_hours=args.backlog_hours,
        timeout_s=args.timeout,
    )
    try:
        config = ctx.config
    except ConfigError as exc:
        text = "; ".join(exc.problems)
        findings = [
            Finding(
                "config",
                "fail",
                text,
                "Perbaiki /etc/mpp/appliance.toml lalu `mpp config check`."
                if args.lang == "id"
                else "Fix /etc/mpp/appliance.toml, then `mpp config check`.",
            )
        ]
    else:
        findings = Doctor(config, lang=args.lang, limits=limits).run()
    if args.json:
        json.dump(
            {"exit_code": exit_code(findings), "findings": [asdict(f) for f in findings]},
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(findings, args.lang))
    return exit_code(findings)


def register(registry: Registry) -> None:
    p = registry.add(
        "doctor", cmd_doctor, help="check printer, buttons, database, disk, broker, clock"
    )
    p.add_argument("--lang", choices=["id", "en"], default="id")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--disk-warn-mb", type=float, default=Limits.disk_warn_mb)
    p.add_argument("--disk-fail-mb", type=float, default=Limits.disk_fail_mb)
    p.add_argument(
        "--backlog-hours", type=float, default=Limits.backlog_hours, help="warn past this age"
    )
    p.add_argument("--timeout", type=float, default=Limits.timeout_s, help="network seconds")
