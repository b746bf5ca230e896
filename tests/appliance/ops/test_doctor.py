"""`mpp doctor`: each failing condition made real (files, TCP listeners, a corrupted SQLite
file) and the plain-language answer it gives; checks other packages contribute (sync's broker
probe: tests/sync/test_doctor.py) slotted in, a broken one reported instead of ending the round."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
from appliance.ops.doctor.checks import check_clock, run_checks
from appliance.ops.doctor.devices import check_buttons, check_printer
from appliance.ops.doctor.findings import Checkup, Finding, Limits, exit_code
from appliance.ops.doctor.storage import check_backlog, check_database, check_disk
from tests.support.engine_fixtures import WEEKDAY_MORNING, make_site
from tests.support.listener import closing_listener
from tests.support.paths import REPO
from tests.support.proxy import free_port

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


def checkup(config: Config, **kwargs: object) -> Checkup:
    clock = kwargs.pop("clock", ManualClock(WEEKDAY_MORNING))
    return Checkup(config, clock=clock, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def listener() -> Iterator[int]:
    with closing_listener() as port:
        yield port


# -- printer -------------------------------------------------------------------------------------


def test_printer_checks(tmp_path: Path, listener: int) -> None:
    config = Config()
    assert levels(check_printer(checkup(config)), "printer") == ["info"]  # driver none

    folder = replace(config, printer=PrinterConfig(driver="file", folder=str(tmp_path / "r")))
    assert levels(check_printer(checkup(folder)), "printer") == ["ok"]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    blocked = replace(config, printer=PrinterConfig(driver="file", folder=str(blocker / "r")))
    finding = only(check_printer(checkup(blocked)), "printer")
    assert finding.level == "fail" and "chown mpp" in finding.fix

    up = replace(config, printer=PrinterConfig(driver="network", host="127.0.0.1", port=listener))
    assert levels(check_printer(checkup(up)), "printer") == ["ok"]
    down = replace(up, printer=replace(up.printer, port=free_port()))
    finding = only(check_printer(checkup(down, limits=Limits(timeout_s=2))), "printer")
    assert finding.level == "fail" and "tidak terjangkau" in finding.message

    serial = replace(config, printer=PrinterConfig(driver="serial", device=str(tmp_path / "tty")))
    assert levels(check_printer(checkup(serial)), "printer") == ["fail"]
    (tmp_path / "tty").write_text("")
    assert levels(check_printer(checkup(serial)), "printer") == ["ok"]

    sysfs = tmp_path / "sys"
    usb = replace(
        config, printer=PrinterConfig(driver="usb", usb_vendor=0x0416, usb_product=0x5011)
    )
    finding = only(check_printer(checkup(usb, sysfs_usb=sysfs, lang="en")), "printer")
    assert finding.level == "fail" and "0416:5011" in finding.message and "lsusb" in finding.fix
    device = sysfs / "1-1.3"
    device.mkdir(parents=True)
    (device / "idVendor").write_text("0416\n")
    (device / "idProduct").write_text("5011\n")
    assert levels(check_printer(checkup(usb, sysfs_usb=sysfs)), "printer") == ["ok"]


# -- buttons, database, disk -----------------------------------------------------------------------


def test_buttons_must_use_valid_pins_and_catalogue_services(site_db: Path) -> None:
    storage = StorageConfig(database=str(site_db))
    good = Config(storage=storage, gpio=GpioConfig(buttons=(ButtonConfig(17, "KTP"),), led_pin=22))
    assert levels(check_buttons(checkup(good)), "buttons") == ["ok"]
    unknown = replace(good, gpio=GpioConfig(buttons=(ButtonConfig(17, "PASPOR"),)))
    finding = only(check_buttons(checkup(unknown)), "buttons")
    assert finding.level == "fail" and "PASPOR" in finding.message
    clash = replace(good, gpio=GpioConfig(buttons=(ButtonConfig(17, "KTP"),), led_pin=17))
    assert "fail" in levels(check_buttons(checkup(clash)), "buttons")
    bad_pin = replace(good, gpio=GpioConfig(buttons=(ButtonConfig(40, "KTP"),)))
    assert "fail" in levels(check_buttons(checkup(bad_pin)), "buttons")
    assert levels(check_buttons(checkup(Config(storage=storage))), "buttons") == ["info"]


def test_database_missing_healthy_and_corrupted(tmp_path: Path, site_db: Path) -> None:
    missing = Config(storage=StorageConfig(database=str(tmp_path / "none.db")))
    finding = only(check_database(checkup(missing)), "database")
    assert finding.level == "fail" and "mpp init" in finding.fix
    healthy = Config(storage=StorageConfig(database=str(site_db)))
    assert levels(check_database(checkup(healthy)), "database") == ["ok"]

    corrupted = tmp_path / "corrupted.db"
    data = bytearray(site_db.read_bytes())
    data[4096 * 2 : 4096 * 5] = os.urandom(4096 * 3)
    corrupted.write_bytes(bytes(data))
    broken = Config(storage=StorageConfig(database=str(corrupted)))
    finding = only(check_database(checkup(broken)), "database")
    assert finding.level == "fail" and "restore-usb.sh" in finding.fix


def test_free_disk_thresholds(site_db: Path) -> None:
    config = Config(storage=StorageConfig(database=str(site_db)))
    assert levels(check_disk(checkup(config)), "disk") == ["ok"]
    huge = 10**12  # MB: more than any test machine has free
    assert levels(check_disk(checkup(config, limits=Limits(disk_warn_mb=huge))), "disk") == ["warn"]
    failing = Limits(disk_warn_mb=huge, disk_fail_mb=huge)
    finding = only(check_disk(checkup(config, limits=failing)), "disk")
    assert finding.level == "fail" and "/var/lib/mpp/backups" in finding.fix


# -- contributed checks ------------------------------------------------------------------------


def test_contributed_checks_come_after_the_box_and_a_broken_one_is_a_finding() -> None:
    def link(c: Checkup) -> list[Finding]:
        return [Finding("link", "ok", c.t("tersambung", "connected"))]

    def broken(c: Checkup) -> list[Finding]:
        raise ImportError("No module named 'paho'")

    findings = run_checks(checkup(Config(), lang="en"), [("link", link), ("broken", broken)])
    order = [f.check for f in findings]
    assert order.index("disk") < order.index("link") < order.index("broken") < order.index("clock")
    assert only(findings, "link").message == "connected"
    finding = only(findings, "broken")
    assert finding.level == "warn" and "paho" in finding.message and "Reinstall" in finding.fix
    assert order[-1] == "versions"  # the round went on


# -- clock and backlog ---------------------------------------------------------------------------


def test_clock_not_synchronised_is_a_warning() -> None:
    synced = checkup(Config(), clock=ManualClock(WEEKDAY_MORNING))
    assert levels(check_clock(synced), "clock") == ["ok"]
    unsynced = checkup(Config(), clock=ManualClock(WEEKDAY_MORNING, synchronised=False))
    finding = only(check_clock(unsynced), "clock")
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
    fresh = checkup(config, clock=ManualClock(WEEKDAY_MORNING + timedelta(hours=1)))
    assert levels(check_backlog(fresh), "backlog") == ["ok"]
    late = ManualClock(WEEKDAY_MORNING + timedelta(hours=30))
    finding = only(check_backlog(checkup(config, clock=late, lang="en")), "backlog")
    assert finding.level == "warn" and "30 hours" in finding.message and "mpp-sync" in finding.fix
    # Without sync configured there is no backlog to speak of.
    assert check_backlog(checkup(replace(config, sync=SyncConfig()), clock=late)) == []


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
