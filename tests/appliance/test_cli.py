"""The `mpp` command as an installer or administrator uses it, in real subprocesses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.catalogue.store import packaged_catalogue

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "catalogues"


def mpp(
    *args: str, env: dict[str, str], check: bool = True, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "appliance.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        input=input,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"mpp {' '.join(args)} failed: {result.stderr}")
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    clean.update(
        MPP_STORAGE__DATABASE=str(tmp_path / "appliance.db"),
        MPP_SITE__CATALOGUE="kota-metro",
        MPP_ADMIN_PASSWORD="admin-password-123",
    )
    return clean


def test_init_loads_catalogue_and_creates_the_admin(env: dict[str, str], tmp_path: Path) -> None:
    out = mpp("init", "--admin", "kepala", env=env).stdout
    assert "1872-MPP" in out and "administrator kepala created" in out
    listing = mpp("officer", "list", env=env).stdout
    assert listing.split()[:2] == ["kepala", "admin"]
    with sqlite3.connect(tmp_path / "appliance.db") as conn:
        (services,) = conn.execute("SELECT count(*) FROM service WHERE active").fetchone()
        (pw,) = conn.execute("SELECT password_hash FROM officer").fetchone()
    assert services == 246
    assert pw.startswith("$argon2id$") and "admin-password-123" not in pw
    # Running init again migrates nothing new and keeps the data.
    again = mpp("init", env=env).stdout
    assert "1872-MPP" in again


def test_init_again_keeps_the_admins_catalogue_edits_unless_asked(
    env: dict[str, str], tmp_path: Path
) -> None:
    mpp("init", env=env)
    database = tmp_path / "appliance.db"
    with sqlite3.connect(database) as conn:  # the admin renames a service on /admin
        conn.execute("UPDATE service SET name = 'Informasi (diubah admin)' WHERE code = ?", (INFO,))
    again = mpp("init", env=env).stdout  # dev.sh run again, or an upgrade script
    assert "kept as it is" in again and "mpp catalogue import" in again
    assert _service_name(database, INFO) == "Informasi (diubah admin)"
    asked = mpp("init", "--catalogue", "kota-metro", env=env).stdout
    assert "1872-MPP" in asked and "kept" not in asked
    assert _service_name(database, INFO) != "Informasi (diubah admin)"


def _service_name(database: Path, code: str) -> str:
    with sqlite3.connect(database) as conn:
        (name,) = conn.execute("SELECT name FROM service WHERE code = ?", (code,)).fetchone()
    return str(name)


INFO = "MPP-INFORMASI"


def test_counters_lists_the_codes_officer_add_takes(env: dict[str, str]) -> None:
    helped = " ".join(mpp("officer", "add", "--help", env=env).stdout.split())
    assert "mpp counters" in helped and "supervisor: every counter" in helped
    assert "MPP_OFFICER_PASSWORD" in helped
    mpp("init", env=env)
    listing = mpp("counters", "--services", env=env).stdout
    first = listing.split()[0]
    assert " services" in listing and INFO in listing
    env = {**env, "MPP_OFFICER_PASSWORD": "officer-password-123"}
    mpp("officer", "add", "budi", "--counter", first, env=env)
    assert first in mpp("officer", "list", env=env).stdout


def test_admin_password_is_required_without_a_terminal(env: dict[str, str]) -> None:
    del env["MPP_ADMIN_PASSWORD"]
    result = mpp("init", "--admin", "kepala", env=env, check=False, input="")
    assert result.returncode == 2
    assert "MPP_ADMIN_PASSWORD" in result.stderr


def test_weak_password_refused_with_reason(env: dict[str, str]) -> None:
    env["MPP_ADMIN_PASSWORD"] = "short"
    result = mpp("init", "--admin", "kepala", env=env, check=False)
    assert result.returncode == 1
    assert "minimal" in result.stderr


def test_officer_and_token_commands(env: dict[str, str], tmp_path: Path) -> None:
    mpp("init", env=env)
    env["MPP_OFFICER_PASSWORD"] = "petugas-loket-1"
    mpp("officer", "add", "siti", "--counter", "L01", "--counter", "L02", env=env)
    assert "siti" in mpp("officer", "list", env=env).stdout
    unknown = mpp("officer", "add", "rudi", "--counter", "L999", env=env, check=False)
    assert unknown.returncode == 1 and "L999" in unknown.stderr
    token = mpp("token", "create", "--role", "kiosk", "--name", "kiosk-1", env=env).stdout
    assert token.strip().startswith("mpp_") and len(token.strip()) > 40
    assert token.count("\n") == 1  # only the token on stdout
    with sqlite3.connect(tmp_path / "appliance.db") as conn:
        stored = [row[0] for row in conn.execute("SELECT token_hash FROM api_token")]
    assert token.strip() not in stored
    dup = mpp("token", "create", "--role", "kiosk", "--name", "kiosk-1", env=env, check=False)
    assert dup.returncode == 1


def test_catalogue_export_round_trips(env: dict[str, str], tmp_path: Path) -> None:
    mpp("init", env=env)
    out = tmp_path / "export.json"
    mpp("catalogue", "export", str(out), env=env)
    exported = json.loads(out.read_text(encoding="utf-8"))
    # What init applied: the packaged catalogue (the shared file plus its kiosk words, which
    # tests/appliance/catalogue/test_shipped.py holds equal to the shared file).
    original = json.loads(packaged_catalogue("kota-metro").read_text(encoding="utf-8"))
    assert exported.pop("version") == 1
    assert exported == original
    # Importing the export again (it carries version 1) keeps the version and the content.
    mpp("catalogue", "import", str(out), env=env)
    again = json.loads(mpp("catalogue", "export", "-", env=env).stdout)
    assert again.pop("version") == 1
    assert again == original


def test_bad_catalogue_lists_problems_with_paths(env: dict[str, str], tmp_path: Path) -> None:
    doc = json.loads((SHARED / "lampung-timur.json").read_text(encoding="utf-8"))
    doc["services"][3]["prefix"] = "a1"
    doc["counters"][0]["services"].append("NO-SUCH-SERVICE")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = mpp("catalogue", "check", str(bad), env=env, check=False)
    assert result.returncode == 1
    assert "services[3].prefix" in result.stderr
    assert "counters[0].services" in result.stderr and "NO-SUCH-SERVICE" in result.stderr


def test_bad_config_lists_every_problem(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "appliance.toml"
    config.write_text(
        '[web]\nport = "eighty"\nprot = 1\n[printer]\ndriver = "laser"\n'
        "[[gpio.buttons]]\npin = 40\nservice = 'X'\n",
        encoding="utf-8",
    )
    env["MPP_QUEUE__ENFORCE_HOURS"] = "maybe"
    result = mpp("--config", str(config), "config", "check", env=env, check=False)
    assert result.returncode == 2
    for fragment in (
        "web.port: expected int",
        "web.prot: unknown key (did you mean 'port'?)",
        "queue.enforce_hours (from MPP_QUEUE__ENFORCE_HOURS)",
        "printer.driver: 'laser' is not one of",
        "gpio.buttons[0].pin: 40 is not a BCM GPIO pin",
    ):
        assert fragment in result.stderr


def test_config_show_redacts_secrets(env: dict[str, str], tmp_path: Path) -> None:
    secret = tmp_path / "broker-password"
    secret.write_text("s3cret-broker\n", encoding="utf-8")
    env["MPP_SYNC__PASSWORD_FILE"] = str(secret)
    env["MPP_SYNC__BROKER"] = "mqtt://127.0.0.1:1883"
    env["MPP_SYNC__SITE"] = "1872-MPP"
    out = mpp("config", "show", env=env).stdout
    assert "s3cret-broker" not in out
    assert 'password = "***"' in out


def test_backup_is_verified_and_complete(env: dict[str, str], tmp_path: Path) -> None:
    mpp("init", env=env)
    target = tmp_path / "backups" / "copy.db"
    out = mpp("backup", str(target), env=env).stdout
    assert "verified" in out
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (services,) = conn.execute("SELECT count(*) FROM service").fetchone()
    assert services == 246


def test_help_lists_commands(env: dict[str, str]) -> None:
    out = mpp("--help", env=env).stdout
    for command in ("init", "config", "officer", "token", "catalogue", "backup"):
        assert command in out
