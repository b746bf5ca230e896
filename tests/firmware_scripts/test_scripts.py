"""The firmware scripts, run for real into a temporary root (MPP_ROOT).

System commands (apt-get, systemctl, useradd, chown, udevadm, raspi-config) are recorded in the
dry-run log instead of run (MPP_DRY_SYSTEM, on by default with MPP_ROOT); everything else is
real: venvs, pip installs of a real wheel, symlinks, files, SQLite backups, the voice clips.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from appliance.accounts import Accounts
from appliance.storage.backup import integrity_check
from tests.support.engine_fixtures import WEEKDAY_MORNING, make_site
from tests.support.paths import ISSUE_WORKER as WORKER
from tests.support.paths import REPO as ROOT
from tests.support.wheel_builder import build_wheel

SCRIPTS = ROOT / "firmware-scripts"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    return {v: build_wheel(ROOT, v, out) for v in ("0.1.0", "0.2.0")}


def base_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env.update(
        MPP_ROOT=str(root),
        MPP_PIP_OPTS="--no-deps --no-index",
        MPP_PYTHON=shutil.which("python3", path="/usr/bin:/usr/local/bin") or "python3",
        MPP_DISPLAY_USER="papan",
        MPP_VOICE_CLIPS="0",
    )
    return env


def run(
    script: str, *args: str, env: dict[str, str], check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(SCRIPTS / script), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{script} {args} failed ({result.returncode}):\n{result.stderr}")
    return result


def dry_log(root: Path) -> list[str]:
    path = root / "var/log/mpp-dry-system.log"
    return path.read_text().splitlines() if path.exists() else []


def mpp_bin(tmp_path: Path, database: Path) -> Path:
    """The `mpp` the scripts call: this checkout's CLI on the test's database."""
    script = tmp_path / "mpp"
    script.write_text(
        "#!/bin/sh\n"
        f"export MPP_STORAGE__DATABASE='{database}'\n"
        f"export PYTHONPATH='{ROOT}'\n"
        f"exec '{sys.executable}' -m appliance.cli \"$@\"\n"
    )
    script.chmod(0o755)
    return script


# -- every script --------------------------------------------------------------------------------


def all_scripts() -> list[Path]:
    return sorted(SCRIPTS.glob("*.sh"))


def test_shellcheck_is_clean_on_every_script() -> None:
    assert shutil.which("shellcheck"), "apt-get install shellcheck (firmware-scripts/dev.sh)"
    result = subprocess.run(
        ["shellcheck", "-x", *[str(p.relative_to(ROOT)) for p in all_scripts()]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", [p.name for p in all_scripts() if p.name != "lib.sh"])
def test_every_script_is_strict_and_has_help(script: str) -> None:
    text = (SCRIPTS / script).read_text()
    assert "set -euo pipefail" in text
    result = run(script, "--help", env=dict(os.environ))
    assert result.stdout.strip(), f"{script} --help printed nothing"


# -- install, update, rollback, uninstall --------------------------------------------------------


def test_install_into_a_temporary_root(tmp_path: Path, wheels: dict[str, Path]) -> None:
    root = tmp_path / "root"
    env = base_env(root) | {"MPP_VOICE_CLIPS": "1"}
    # Started from a folder holding an `appliance` package, as from a checkout.
    cwd = tmp_path / "checkout"
    shutil.copytree(ROOT / "appliance", cwd / "appliance", ignore=shutil.ignore_patterns("voice"))
    run("install.sh", str(wheels["0.1.0"]), env=env, cwd=cwd)

    prefix = root / "opt/mpp"
    assert os.readlink(prefix / "current") == "releases/0.1.0"
    version = subprocess.run(
        [str(prefix / "current/bin/mpp"), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == "mpp 0.1.0"
    assert (prefix / "current/share/mpp/firmware-scripts/backup-nightly.sh").exists()

    # The units, exactly as shipped (default paths), plus the display user's drop-in.
    units = root / "etc/systemd/system"
    for unit in (ROOT / "systemd").iterdir():
        assert (units / unit.name).read_text() == unit.read_text()
    assert (units / "mpp-display.service.d/user.conf").read_text() == "[Service]\nUser=papan\n"

    # Configuration written once, private; a random session key only root can read.
    config = root / "etc/mpp/appliance.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert 'database = "/var/lib/mpp/appliance.db"' in config.read_text()
    secret = root / "etc/mpp/credentials/web-secret-key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text()) == 64
    assert stat.S_IMODE((root / "etc/mpp/credentials").stat().st_mode) == 0o750
    assert "chown root:mpp /etc/mpp /etc/mpp/credentials" in dry_log(root)

    rule = (root / "etc/udev/rules.d/60-mpp-printer.rules").read_text()
    assert 'ENV{ID_USB_INTERFACES}=="*:0701*"' in rule and 'GROUP="lp"' in rule
    assert 'ATTRS{idVendor}=="0416", ATTRS{idProduct}=="5011"' in rule
    assert "dtparam=watchdog=on" in (root / "boot/firmware/config.txt").read_text()
    assert (
        "RuntimeWatchdogSec=14s"
        in (root / "etc/systemd/system.conf.d/mpp-watchdog.conf").read_text()
    )
    assert "SystemMaxUse=64M" in (root / "etc/systemd/journald.conf.d/mpp.conf").read_text()
    assert (root / "etc/systemd/timesyncd.conf.d/mpp.conf").exists()
    wrapper = (root / "usr/local/bin/mpp").read_text()
    assert "runuser -u mpp -- /opt/mpp/current/bin/mpp" in wrapper

    # Voice clips made by make-voice-clips.sh inside the release's package (the wheel has
    # none), not in the folder the installer was started from.
    site = next((prefix / "releases/0.1.0/lib").glob("python3*/site-packages"))
    voice = site / "appliance/data/voice"
    assert (voice / "chime.wav").exists() and (voice / "nomor_antrean.wav").exists()
    assert not (cwd / "appliance/data/voice").exists()

    log = dry_log(root)
    assert any(
        line.startswith("env DEBIAN_FRONTEND=noninteractive apt-get install") for line in log
    )
    assert any(line.startswith("useradd --system") and line.endswith(" mpp") for line in log)
    assert r"usermod --groups gpio\,lp\,dialout mpp" in log
    assert "systemctl enable mpp-appliance.service mpp-backup.timer mpp-display.service" in log
    assert "systemctl enable systemd-timesyncd.service" in log
    assert "systemctl enable fake-hwclock.service" in log
    assert "raspi-config nonint do_boot_behaviour B4" in log

    # Again, with the administrator's edits, sync configured and an RTC: edits survive, nothing
    # is duplicated, the release is not rebuilt, mpp-sync gets enabled.
    edited = config.read_text().replace(
        'broker = ""', 'broker = "mqtts://central.example.go.id:8883"'
    )
    config.write_text(edited)
    key = secret.read_text()
    again = run("install.sh", str(wheels["0.1.0"]), env=env | {"MPP_RTC": "ds3231"})
    assert "release 0.1.0 is already installed" in again.stderr
    assert config.read_text() == edited and secret.read_text() == key
    boot = (root / "boot/firmware/config.txt").read_text().splitlines()
    assert boot.count("dtparam=watchdog=on") == 1
    assert "dtoverlay=i2c-rtc,ds3231" in boot
    assert "systemctl disable fake-hwclock.service" in dry_log(root)
    assert (
        "systemctl enable mpp-appliance.service mpp-backup.timer mpp-sync.service "
        "mpp-display.service" in dry_log(root)
    )


def test_update_switches_and_rollback_switches_back(
    tmp_path: Path, wheels: dict[str, Path]
) -> None:
    root = tmp_path / "root"
    env = base_env(root) | {"MPP_DISPLAY": "0"}
    run("install.sh", str(wheels["0.1.0"]), env=env)
    database = root / "var/lib/mpp/appliance.db"
    site = make_site(database)
    site.engine.issue("KTP")
    site.db.close()
    env["MPP_BIN"] = str(mpp_bin(tmp_path, database))
    prefix = root / "opt/mpp"

    def installed_version() -> str:
        out = subprocess.run(
            [
                str(prefix / "current/bin/python"),
                "-I",  # not the checkout's own mpp_appliance.egg-info in the working folder
                "-c",
                "import importlib.metadata as m; print(m.version('mpp-appliance'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    run("update.sh", str(wheels["0.2.0"]), env=env)
    assert os.readlink(prefix / "current") == "releases/0.2.0"
    assert os.readlink(prefix / "previous") == "releases/0.1.0"
    assert installed_version() == "0.2.0"
    backups = list((root / "var/lib/mpp/backups").glob("before-update-0.1.0-*.db"))
    assert len(backups) == 1 and integrity_check(backups[0]) == []
    assert (
        "systemctl try-restart mpp-appliance.service mpp-sync.service mpp-central.service "
        "mpp-display.service" in dry_log(root)
    )

    same = run("update.sh", str(wheels["0.2.0"]), env=env)
    assert "already current" in same.stderr

    run("rollback.sh", env=env)
    assert os.readlink(prefix / "current") == "releases/0.1.0"
    assert installed_version() == "0.1.0"
    listing = run("rollback.sh", "--list", env=env).stdout.splitlines()
    assert listing == ["0.1.0 (current)", "0.2.0 (previous)"]
    run("rollback.sh", env=env)  # twice: forward again
    assert os.readlink(prefix / "current") == "releases/0.2.0"
    missing = run("rollback.sh", "9.9.9", env=env, check=False)
    assert missing.returncode == 1 and "not installed" in missing.stderr
    assert os.readlink(prefix / "current") == "releases/0.2.0"


def test_a_git_ref_source_is_named_after_its_commit(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.fail("the firmware scripts' git:REF source needs a git checkout")
    script = (
        f'. "{SCRIPTS}/lib.sh"; dir=$(resolve_source git:HEAD); release_name "$dir"; echo;'
        ' ls "$dir"; rm -rf "$dir"'
    )
    out = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True, env=base_env(tmp_path)
    ).stdout.splitlines()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out[0] == f"0.1.0-g{head}"
    assert "pyproject.toml" in out and "appliance" in out


def test_uninstall_keeps_data_unless_purge(tmp_path: Path, wheels: dict[str, Path]) -> None:
    root = tmp_path / "root"
    env = base_env(root)
    run("install.sh", str(wheels["0.1.0"]), env=env)
    (root / "var/lib/mpp/appliance.db").write_bytes(b"data")
    run("uninstall.sh", env=env)
    assert not (root / "opt/mpp").exists()
    assert not (root / "etc/systemd/system/mpp-appliance.service").exists()
    assert not (root / "etc/udev/rules.d/60-mpp-printer.rules").exists()
    assert not (root / "usr/local/bin/mpp").exists()
    assert (root / "var/lib/mpp/appliance.db").read_bytes() == b"data"
    assert (root / "etc/mpp/appliance.toml").exists()
    run("uninstall.sh", "--purge", env=env)
    assert not (root / "var/lib/mpp").exists() and not (root / "etc/mpp").exists()
    assert "userdel mpp" in dry_log(root)


# -- backups -------------------------------------------------------------------------------------


class Issuer:
    """A separate process issuing tickets through appliance.queue.engine until stopped."""

    def __init__(self, database: Path) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                str(database),
                "--at",
                WEEKDAY_MORNING.isoformat(),
                "--services",
                "KTP,INFO,KK",
                "--count",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.strip())

    def committed(self) -> dict[int, str]:
        """Every ticket whose commit the caller has seen so far: id -> number."""
        with self._lock:
            return {int(i): n for i, n, _ in (line.split() for line in self.lines)}

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.committed()) < count:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            assert time.monotonic() < deadline, "the issuing process stalled"
            time.sleep(0.01)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def test_usb_backup_while_serving_then_restore(tmp_path: Path) -> None:
    root = tmp_path / "root"
    database = root / "var/lib/mpp/appliance.db"
    site = make_site(database)
    # A session open when the backup is taken (logged out afterwards, say): the restored copy
    # must not open it again.
    accounts = Accounts(site.db, site.clock)
    officer = accounts.add_officer("budi", "sandi-rahasia-123", "officer")
    accounts.start_session(officer.id, "0" * 64, time.time() + 3600)
    site.db.close()
    stick = tmp_path / "stick"
    stick.mkdir()
    env = base_env(root) | {"MPP_BIN": str(mpp_bin(tmp_path, database))}

    issuer = Issuer(database)
    try:
        issuer.wait_for(50)
        before = issuer.committed()
        result = run("backup-usb.sh", str(stick), env=env)
        issuer.wait_for(len(before) + 20)  # it kept issuing during and after the backup
    finally:
        issuer.stop()
    after = issuer.committed()
    copy = Path(result.stdout.strip())
    assert copy.parent == stick / "mpp-backup" and copy.exists()
    assert (copy.parent / (copy.name + ".sha256")).exists()
    assert integrity_check(copy) == []
    with sqlite3.connect(copy) as conn:
        in_copy = dict(conn.execute("SELECT id, number FROM ticket"))
    conn.close()
    assert all(in_copy.get(i) == number for i, number in before.items())
    assert len(in_copy) < len(after)  # tickets after the backup are not in it

    # A damaged copy is refused before anything is touched.
    damaged = tmp_path / "damaged.db"
    data = bytearray(copy.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)
    damaged.write_bytes(bytes(data))
    size_before = database.stat().st_size
    refused = run("restore-usb.sh", str(damaged), "--yes", env=env, check=False)
    assert refused.returncode == 1
    assert database.stat().st_size == size_before
    assert "systemctl stop" not in "\n".join(dry_log(root))
    # So is a copy whose checksum no longer matches.
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    shutil.copy(copy, tampered / copy.name)
    (tampered / (copy.name + ".sha256")).write_text(f"{'0' * 64}  {copy.name}\n")
    mismatch = run("restore-usb.sh", str(tampered / copy.name), "--yes", env=env, check=False)
    assert mismatch.returncode == 1 and "checksum" in mismatch.stderr

    run("restore-usb.sh", str(copy), "--yes", env=env)
    assert integrity_check(database) == []
    with sqlite3.connect(database) as conn:
        restored = dict(conn.execute("SELECT id, number FROM ticket"))
    conn.close()
    assert restored == in_copy
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM staff_session").fetchone() == (1,)
    conn.close()
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM staff_session").fetchone() == (0,)
    conn.close()
    aside = list((root / "var/lib/mpp/backups").glob("before-restore-*.db"))
    assert len(aside) == 1
    with sqlite3.connect(aside[0]) as conn:
        (kept,) = conn.execute("SELECT count(*) FROM ticket").fetchone()
    conn.close()
    # The replaced database is kept whole (its WAL moved with it); SIGTERM may have landed
    # between one last commit and its print.
    assert len(after) <= kept <= len(after) + 1
    log = dry_log(root)
    assert log.index("systemctl stop mpp-sync.service mpp-appliance.service") < log.index(
        "systemctl start mpp-appliance.service"
    )


def test_nightly_backup_keeps_the_newest(tmp_path: Path) -> None:
    root = tmp_path / "root"
    database = root / "var/lib/mpp/appliance.db"
    make_site(database).db.close()
    backups = root / "var/lib/mpp/backups"
    backups.mkdir(parents=True)
    for day in ("20240101", "20240102", "20240103"):
        (backups / f"appliance-{day}-023000.db").write_bytes(b"old")
    (backups / "before-update-0.1.0-20240101-000000.db").write_bytes(b"keep me")
    env = base_env(root) | {"MPP_BIN": str(mpp_bin(tmp_path, database)), "MPP_BACKUP_KEEP": "2"}
    run("backup-nightly.sh", env=env)
    nightly = sorted(p.name for p in backups.glob("appliance-*.db"))
    assert len(nightly) == 2 and nightly[0] == "appliance-20240103-023000.db"
    assert integrity_check(backups / nightly[1]) == []
    assert (backups / "before-update-0.1.0-20240101-000000.db").exists()
    bad = run("backup-nightly.sh", env=env | {"MPP_BACKUP_KEEP": "zero"}, check=False)
    assert bad.returncode == 1 and "MPP_BACKUP_KEEP" in bad.stderr


def test_kiosk_launcher_finds_the_session_and_waits_for_the_appliance(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    wayland = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server = socket.socket()
    try:
        os.chdir(runtime)  # short relative path: AF_UNIX names are limited to 108 bytes
        wayland.bind("wayland-1")
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        env = dict(os.environ) | {
            "XDG_RUNTIME_DIR": str(runtime),
            "MPP_KIOSK_DRY": "1",
            "MPP_KIOSK_BROWSER": "true",
            "MPP_KIOSK_WAIT": "10",
        }
        out = run("kiosk-browser.sh", f"http://127.0.0.1:{port}/display", env=env).stdout
    finally:
        os.chdir(ROOT)
        wayland.close()
        server.close()
    assert "--kiosk" in out and "--autoplay-policy=no-user-gesture-required" in out
    assert "--ozone-platform=wayland" in out
    assert out.strip().endswith(f"http://127.0.0.1:{port}/display")
