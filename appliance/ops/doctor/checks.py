"""Every check of `mpp doctor`, in the order it reports them: the box's own and those other
packages contribute through the `mpp.doctor` entry-point group (sync's broker probe), which the
core finds by name and never imports (DESIGN.md). A contributed check that cannot be loaded or
breaks is itself a finding: the doctor always finishes its round."""

from __future__ import annotations

import platform
import sqlite3
from collections.abc import Sequence
from importlib.metadata import EntryPoint, entry_points

from appliance import __version__
from appliance.ops.doctor.bookings import check_bookings
from appliance.ops.doctor.devices import check_buttons, check_printer
from appliance.ops.doctor.findings import Check, Checkup, Finding
from appliance.ops.doctor.storage import check_backlog, check_database, check_disk

GROUP = "mpp.doctor"


def run_checks(
    checkup: Checkup, contributed: Sequence[tuple[str, Check]] | None = None
) -> list[Finding]:
    """The box first, then the links to the outside (contributed), then time and versions."""
    if contributed is None:
        contributed = contributed_checks()
    first: list[Check] = [check_printer, check_buttons, check_database, check_disk]
    last: list[Check] = [check_clock, check_backlog, check_bookings, check_versions]
    findings = [finding for check in first for finding in check(checkup)]
    for name, plug_in in contributed:
        findings += _contributed(checkup, name, plug_in)
    findings += [finding for check in last for finding in check(checkup)]
    return findings


def contributed_checks() -> list[tuple[str, Check]]:
    """(name, check) of each `mpp.doctor` entry point, by name."""
    return [(ep.name, _loaded_when_run(ep)) for ep in sorted(entry_points(group=GROUP))]


def _loaded_when_run(ep: EntryPoint) -> Check:
    """Imported only when run, so that an import error (paho missing) is a finding too."""

    def check(checkup: Checkup) -> list[Finding]:
        loaded: Check = ep.load()
        return loaded(checkup)

    return check


def _contributed(checkup: Checkup, name: str, check: Check) -> list[Finding]:
    t = checkup.t
    try:
        return check(checkup)
    except Exception as exc:  # noqa: BLE001 - a broken plug-in must not hide the other findings
        return [
            Finding(
                name,
                "warn",
                t(
                    f"pemeriksaan {name} tidak bisa dijalankan ({type(exc).__name__}: {exc})",
                    f"the {name} check could not run ({type(exc).__name__}: {exc})",
                ),
                t(
                    "Pasang ulang versi mpp ini (`mpp --version`) dan laporkan pesan ini.",
                    "Reinstall this mpp version (`mpp --version`) and report this message.",
                ),
            )
        ]


def check_clock(c: Checkup) -> list[Finding]:
    t = c.t
    now = c.clock.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    if c.clock.synchronised():
        return [Finding("clock", "ok", t(f"jam tersinkron ({now})", f"clock synchronised ({now})"))]
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


def check_versions(c: Checkup) -> list[Finding]:
    python, sqlite = platform.python_version(), sqlite3.sqlite_version
    text = f"mpp {__version__}, Python {python}, SQLite {sqlite}"
    return [Finding("versions", "info", text)]
