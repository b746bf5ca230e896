"""The doctor's look at the box's devices: the ticket printer (whichever driver) and the GPIO
buttons (valid pins, each bound to a service the catalogue has)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from appliance.config.sections import GpioConfig, PrinterConfig
from appliance.ops.doctor.findings import Checkup, Finding
from appliance.ops.doctor.storage import query

BCM_PINS = range(28)


def check_printer(c: Checkup) -> list[Finding]:
    p: PrinterConfig = c.config.printer
    t = c.t
    if p.driver == "none":
        msg = t("tidak ada printer (driver none)", "no printer (driver none)")
        return [Finding("printer", "info", msg)]
    if p.driver == "file":
        return [_printer_folder(c, Path(p.folder))]
    if p.driver == "network":
        try:
            with socket.create_connection((p.host, p.port), timeout=c.limits.timeout_s):
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
        return [Finding("printer", "ok", t(f"printer serial {device} ada", f"{device} present"))]
    return [_usb_printer(c, p.usb_vendor, p.usb_product)]


def _printer_folder(c: Checkup, folder: Path) -> Finding:
    t = c.t
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


def _usb_printer(c: Checkup, vendor: int, product: int) -> Finding:
    t = c.t
    wanted = (f"{vendor:04x}", f"{product:04x}")
    for device in sorted(c.sysfs_usb.glob("*")):
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


def check_buttons(c: Checkup) -> list[Finding]:
    gpio: GpioConfig = c.config.gpio
    t = c.t
    if not gpio.buttons:
        msg = t("tidak ada tombol tiket di konfigurasi", "no ticket buttons configured")
        return [Finding("buttons", "info", msg)]
    findings: list[Finding] = []
    used: set[int] = set()
    pins = [b.pin for b in gpio.buttons]
    pins += [pin for pin in (gpio.led_pin, gpio.buzzer_pin) if pin is not None]
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
                        "Pakai nomor BCM 2-27, satu pin untuk satu tombol (lihat docs/deploy.md).",
                        "Use BCM numbers 2-27, one pin per button (see docs/deploy.md).",
                    ),
                )
            )
        used.add(pin)
    services = query(c, "SELECT code FROM service WHERE active")
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
                        f"tombol GPIO{button.pin}: layanan {button.service} tidak ada di katalog",
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
