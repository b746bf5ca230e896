"""The systemd units: `systemd-analyze verify` clean, and the properties the appliance relies on.

`systemd-analyze verify` works without a running systemd (as in this container), but it checks
that every ExecStart= program exists and is executable. The units point at /opt/mpp/current,
which only exists on an installed Pi, so each unit is verified as a copy whose /opt/mpp is moved
into a temporary folder holding a stub `mpp` and the real firmware scripts. Nothing else changes.
verify exits 0 even for an unknown key or a bad value (it only warns), so any output at all
counts as a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO

ROOT = REPO
UNITS = ROOT / "systemd"
SCRIPTS = ROOT / "firmware-scripts"
ALL_UNITS = sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))


def parse_unit(path: Path) -> dict[str, list[str]]:
    """`Section.Key` -> every value (keys such as Environment= repeat)."""
    values: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        values.setdefault(f"{section}.{key}", []).append(value)
    return values


def verify(unit_dir: Path, name: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """Verify a copy of the unit (and its siblings) with /opt/mpp moved under `tmp`."""
    copies = tmp / "units"
    copies.mkdir(exist_ok=True)
    prefix = tmp / "opt" / "mpp"
    stub = prefix / "current" / "bin" / "mpp"
    stub.parent.mkdir(parents=True, exist_ok=True)
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    share = prefix / "current" / "share" / "mpp"
    share.mkdir(parents=True, exist_ok=True)
    if not (share / "firmware-scripts").exists():
        (share / "firmware-scripts").symlink_to(SCRIPTS)
    for unit in unit_dir.iterdir():
        text = unit.read_text().replace("/opt/mpp/", f"{prefix}/")
        (copies / unit.name).write_text(text)
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copies / name)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""},
        check=False,
    )


def test_the_units_are_all_there() -> None:
    assert ALL_UNITS == [
        "mpp-appliance.service",
        "mpp-backup.service",
        "mpp-backup.timer",
        "mpp-central.service",
        "mpp-display.service",
        "mpp-sync.service",
    ]


@pytest.mark.parametrize("name", ALL_UNITS)
def test_systemd_analyze_verify_is_silent(name: str, tmp_path: Path) -> None:
    assert shutil.which("systemd-analyze"), "apt-get install systemd (firmware-scripts/dev.sh)"
    result = verify(UNITS, name, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_verify_would_catch_a_mistake(tmp_path: Path) -> None:
    """The check above can fail: a misspelt hardening key and a bad Restart= value are reported."""
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (UNITS / "mpp-sync.service").read_text()
    text = text.replace("ProtectHome=yes", "ProtectHme=yes").replace(
        "Restart=always", "Restart=sometimes"
    )
    (broken / "mpp-sync.service").write_text(text)
    result = verify(broken, "mpp-sync.service", tmp_path)
    assert "Unknown key" in result.stderr and "ProtectHme" in result.stderr
    assert "sometimes" in result.stderr


@pytest.mark.parametrize("name", ["mpp-appliance.service", "mpp-sync.service"])
def test_notify_watchdog_and_no_network_dependency(name: str) -> None:
    unit = parse_unit(UNITS / name)
    assert unit["Service.Type"] == ["notify"]
    assert int(unit["Service.WatchdogSec"][0]) >= 10
    assert unit["Service.Restart"] == ["always"]
    assert unit["Service.User"] == ["mpp"]
    # The building has to work without the internet: no waiting for it.
    for key in ("Unit.After", "Unit.Wants", "Unit.Requires"):
        assert all("network-online" not in v for v in unit.get(key, []))
    assert unit["Unit.StartLimitBurst"] and unit["Unit.StartLimitIntervalSec"]
    assert "MPP_CONFIG=/etc/mpp/appliance.toml" in unit["Service.Environment"]


@pytest.mark.parametrize(
    "name", ["mpp-appliance.service", "mpp-sync.service", "mpp-central.service"]
)
def test_hardening(name: str) -> None:
    unit = parse_unit(UNITS / name)
    expected = {
        "ProtectSystem": "strict",
        "ReadWritePaths": "/var/lib/mpp",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "StateDirectory": "mpp",
        "ConfigurationDirectory": "mpp",
    }
    for key, value in expected.items():
        assert unit[f"Service.{key}"] == [value], key
    # ProtectClock would block the adjtimex read appliance.clock uses.
    assert "Service.ProtectClock" not in unit


def test_appliance_has_only_the_groups_its_hardware_needs() -> None:
    unit = parse_unit(UNITS / "mpp-appliance.service")
    assert unit["Service.SupplementaryGroups"] == ["gpio lp dialout"]
    assert "Service.PrivateDevices" not in unit  # GPIO, USB and serial devices are needed
    assert unit["Service.LoadCredential"] == ["web-secret-key:/etc/mpp/credentials/web-secret-key"]
    assert "MPP_WEB__SECRET_KEY_FILE=%d/web-secret-key" in unit["Service.Environment"]
    sync = parse_unit(UNITS / "mpp-sync.service")
    assert "Service.SupplementaryGroups" not in sync
    assert sync["Service.PrivateDevices"] == ["yes"]


def test_display_board_unit() -> None:
    unit = parse_unit(UNITS / "mpp-display.service")
    assert unit["Service.Restart"] == ["always"]
    assert unit["Unit.StartLimitIntervalSec"] == ["0"]  # never gives up
    assert unit["Service.ExecStart"][0].endswith("kiosk-browser.sh http://127.0.0.1:8080/display")
    assert unit["Install.WantedBy"] == ["graphical.target"]
    script = (SCRIPTS / "kiosk-browser.sh").read_text()
    assert "--autoplay-policy=no-user-gesture-required" in script and "--kiosk" in script


def test_backup_timer_runs_nightly_and_catches_up() -> None:
    timer = parse_unit(UNITS / "mpp-backup.timer")
    assert timer["Timer.OnCalendar"] == ["*-*-* 02:30:00"]
    assert timer["Timer.Persistent"] == ["true"]
    service = parse_unit(UNITS / "mpp-backup.service")
    assert service["Service.Type"] == ["oneshot"]
    assert service["Service.ExecStart"][0].endswith("firmware-scripts/backup-nightly.sh")
    assert "MPP_BACKUP_KEEP=14" in service["Service.Environment"]
