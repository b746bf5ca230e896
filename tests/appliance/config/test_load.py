"""Loading the configuration (`appliance.config.load`): defaults, the TOML file, MPP_* variables
over it, secrets from files, relative paths anchored at the file's folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from appliance.config.load import ConfigError, load_config
from appliance.config.sections import (
    ButtonConfig,
    CentralConfig,
    Config,
    SyncConfig,
)
from tests.appliance.config.config_files import problems, write

# The block of SPEC.md §7 that deployment scripts and outside checks rely on (one comment cut).
SPEC_EXAMPLE = """\
[site]
catalogue = "catalogue.json"           # the mpp-catalogue/1 document `mpp init` loads
[storage]
database = "/var/lib/mpp/appliance.db"
[web]
host = "0.0.0.0"
port = 8080
public_url = "http://mpp.local:8080"   # base of the status URL in the ticket's QR code
[printer]
driver = "usb"                         # usb | serial | network | file | none
folder = "/var/lib/mpp/receipts"       # file driver: one .txt per receipt
host = "192.168.1.50"                  # network driver (port 9100 by default)
port = 9100
device = "/dev/ttyUSB0"                # serial driver
paper_width_mm = 80                    # 58 or 80
[gpio]
pin_factory = "lgpio"                  # mock in development and tests
[[gpio.buttons]]
pin = 17
service = "MPP-INFORMASI"              # a service code of the catalogue
priority = false
cooldown_s = 2.0
[sync]
broker = "mqtts://central.example.go.id:8883"   # mqtt:// for plain TCP
site = "1872-MPP"
[central]
database = "sqlite:////var/lib/mpp/central.db"  # or postgresql://…
broker = "mqtt://127.0.0.1:1883"
[central.web]
host = "0.0.0.0"
port = 8090
"""


def test_defaults_without_a_file() -> None:
    config = load_config(None, {})
    assert config == Config()
    assert config.web.port == 8080 and config.web.language == "id"
    assert config.storage.database == "/var/lib/mpp/appliance.db"
    assert config.printer.driver == "none" and config.printer.paper_width_mm == 80
    assert config.gpio.buttons == () and config.gpio.led_pin is None
    assert config.sync.broker == "" and config.central.web.port == 8090
    assert config.queue.priority_streak_limit == 3


def test_variables_that_are_not_settings_are_ignored() -> None:
    environ = {"MPP_ADMIN_PASSWORD": "x", "MPP_CONFIG": "/nowhere.toml", "PATH": "/bin"}
    assert load_config(None, environ) == Config()


def test_the_spec_example_parses(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, SPEC_EXAMPLE), {})
    assert config.site.catalogue == str(tmp_path / "catalogue.json")
    assert config.printer.driver == "usb" and config.printer.host == "192.168.1.50"
    assert config.gpio.buttons == (ButtonConfig(pin=17, service="MPP-INFORMASI", cooldown_s=2.0),)
    assert config.sync == SyncConfig(broker="mqtts://central.example.go.id:8883", site="1872-MPP")
    assert config.central.database == "sqlite:////var/lib/mpp/central.db"
    assert config.central.web.port == 8090


@pytest.mark.parametrize(
    ("in_file", "in_env", "expected"),
    [(None, None, 8080), ("8081", None, 8081), (None, "8082", 8082), ("8081", "8082", 8082)],
)
def test_environment_beats_file_beats_default(
    tmp_path: Path, in_file: str | None, in_env: str | None, expected: int
) -> None:
    path = write(tmp_path, f"[web]\nport = {in_file}\n" if in_file else "")
    environ = {"MPP_WEB__PORT": in_env} if in_env else {}
    assert load_config(path, environ).web.port == expected


def test_environment_reaches_nested_sections() -> None:
    environ = {"MPP_CENTRAL__WEB__PORT": "9000", "MPP_CENTRAL__WEB__PUBLIC_URL": "https://c.id"}
    central = load_config(None, environ).central
    assert central.web.port == 9000 and central.web.public_url == "https://c.id"
    assert central.broker == CentralConfig().broker


def test_environment_values_follow_the_field_type() -> None:
    config = load_config(
        None,
        {
            "MPP_QUEUE__ENFORCE_HOURS": "no",
            "MPP_PRINTER__PNG": "Yes",
            "MPP_PRINTER__TIMEOUT_S": "2.5",
            "MPP_PRINTER__USB_VENDOR": "0x04b8",
            "MPP_GPIO__LED_PIN": "22",
            "MPP_SITE__CODE": "1872-MPP",
        },
    )
    assert config.queue.enforce_hours is False and config.printer.png is True
    assert config.printer.timeout_s == 2.5 and config.printer.usb_vendor == 0x04B8
    assert config.gpio.led_pin == 22 and config.site.code == "1872-MPP"


@pytest.mark.parametrize("text", ["", "none", "None"])
def test_an_empty_optional_from_the_environment_is_none(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "[gpio]\nled_pin = 22\n")
    assert load_config(path, {"MPP_GPIO__LED_PIN": text}).gpio.led_pin is None


def test_buttons_from_the_environment_as_json(tmp_path: Path) -> None:
    path = write(tmp_path, "[[gpio.buttons]]\npin = 5\nservice = 'OLD'\n")
    environ = {
        "MPP_GPIO__BUTTONS": '[{"pin": 17, "service": "MPP-INFORMASI"},'
        ' {"pin": 27, "service": "MPP-INFORMASI", "priority": true, "cooldown_s": 1}]'
    }
    buttons = load_config(path, environ).gpio.buttons
    assert buttons == (
        ButtonConfig(pin=17, service="MPP-INFORMASI"),
        ButtonConfig(pin=27, service="MPP-INFORMASI", priority=True, cooldown_s=1.0),
    )


def test_secrets_from_files(tmp_path: Path) -> None:
    (tmp_path / "credentials").mkdir()
    (tmp_path / "credentials" / "broker").write_text("  broker-pass\n", encoding="utf-8")
    (tmp_path / "web-key").write_text("web-secret-key\n", encoding="utf-8")
    central = tmp_path / "central-key"
    central.write_text("central-secret\n", encoding="utf-8")
    path = write(
        tmp_path,
        "[web]\nsecret_key_file = 'web-key'\n"  # relative to the file's folder
        "[sync]\npassword_file = '$CREDENTIALS_DIRECTORY/broker'\n",
    )
    environ = {
        "CREDENTIALS_DIRECTORY": str(tmp_path / "credentials"),
        "MPP_CENTRAL__WEB__SECRET_KEY_FILE": str(central),
    }
    config = load_config(path, environ)
    assert config.web.secret_key == "web-secret-key"
    assert config.sync.password == "broker-pass"
    assert config.central.web.secret_key == "central-secret"


def test_a_secret_and_its_file_in_one_place_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("k", encoding="utf-8")
    path = write(tmp_path, "[web]\nsecret_key = 'inline'\nsecret_key_file = 'key'\n")
    (found,) = problems(path)
    assert found.startswith("web.secret_key: give secret_key or secret_key_file, not both")
    both = {"MPP_SYNC__PASSWORD": "a", "MPP_SYNC__PASSWORD_FILE": str(tmp_path / "key")}
    (found,) = problems(None, both)
    assert "not both" in found and "MPP_SYNC__PASSWORD" in found


def test_the_environment_may_replace_a_secret_given_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-credential\n", encoding="utf-8")
    path = write(tmp_path, "[web]\nsecret_key = 'from-file'\n")
    environ = {"MPP_WEB__SECRET_KEY_FILE": str(tmp_path / "key")}
    assert load_config(path, environ).web.secret_key == "from-credential"
    path = write(tmp_path, "[web]\nsecret_key_file = 'key'\n")
    assert load_config(path, {"MPP_WEB__SECRET_KEY": "plain"}).web.secret_key == "plain"


def test_unreadable_or_empty_secret_files_are_problems(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    path = write(tmp_path, "[web]\nsecret_key_file = 'missing'\n[sync]\npassword_file = 'empty'\n")
    missing, empty = problems(path)
    assert missing.startswith("web.secret_key_file: cannot read") and "missing" in missing
    assert empty.startswith("sync.password_file:") and "is empty" in empty


@pytest.mark.parametrize(
    "database", ["sqlite:////var/lib/mpp/central.db", "postgresql://mpp@db.example/mpp"]
)
def test_central_database_schemes(database: str) -> None:
    config = load_config(None, {"MPP_CENTRAL__DATABASE": database})
    assert config.central.database == database


def test_a_postgresql_database_without_its_driver_is_a_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A release without the `postgres` extra cannot open postgresql://: config check says so
    (it said OK, and `mpp central` failed at start)."""
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    with pytest.raises(ConfigError) as refused:
        load_config(None, {"MPP_CENTRAL__DATABASE": "postgresql://mpp:rahasia@db.example/mpp"})
    assert "PostgreSQL driver" in str(refused.value) and "rahasia" not in str(refused.value)
    sqlite = load_config(None, {"MPP_CENTRAL__DATABASE": "sqlite:////var/lib/mpp/central.db"})
    assert sqlite.central.database.startswith("sqlite:")


def test_relative_paths_in_the_file_are_relative_to_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = write(
        folder,
        "[site]\ncatalogue = 'sites/metro.json'\n"
        "[storage]\ndatabase = 'data/appliance.db'\n"
        "[printer]\nfolder = 'receipts'\ndevice = 'ttyUSB0'\n"
        "[sync]\nca_file = '/etc/ssl/ca.pem'\n"
        "cert_file = 'tls/edge.pem'\nkey_file = 'tls/edge.key'\n"
        "[central]\ndatabase = 'sqlite:///central.db'\nca_file = 'ca.pem'\n",
    )
    config = load_config(path, {})
    assert config.site.catalogue == str(folder / "sites" / "metro.json")
    assert config.storage.database == str(folder / "data" / "appliance.db")
    assert config.printer.folder == str(folder / "receipts")
    assert config.printer.device == "ttyUSB0"  # a device name, not a path to anchor
    assert config.sync.ca_file == "/etc/ssl/ca.pem"
    assert config.sync.cert_file == str(folder / "tls" / "edge.pem")
    assert config.sync.key_file == str(folder / "tls" / "edge.key")
    assert config.central.database == f"sqlite:///{folder / 'central.db'}"
    assert config.central.ca_file == str(folder / "ca.pem")


def test_a_packaged_catalogue_name_and_environment_paths_stay_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, "[site]\ncatalogue = 'kota-metro'\n")
    assert load_config(path, {}).site.catalogue == "kota-metro"
    environ = {"MPP_STORAGE__DATABASE": "rel/appliance.db"}
    assert load_config(path, environ).storage.database == "rel/appliance.db"


def test_a_relative_config_path_anchors_at_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "etc").mkdir()
    write(tmp_path / "etc", "[storage]\ndatabase = 'appliance.db'\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(os.path.join("etc", "appliance.toml"), {})
    assert config.storage.database == str(tmp_path / "etc" / "appliance.db")


def test_file_errors(tmp_path: Path) -> None:
    (missing,) = problems(tmp_path / "nope.toml")
    assert "configuration file not found" in missing
    (broken,) = problems(write(tmp_path, "[web\nport = 1\n"))
    assert "not valid TOML" in broken


def test_voice_clips_folder_is_a_path_relative_to_the_file(tmp_path: Path) -> None:
    assert load_config(None, {}).voice.clips == ""
    path = write(tmp_path, '[voice]\nclips = "rekaman"\n')
    assert load_config(path, {}).voice.clips == str(tmp_path / "rekaman")
    assert load_config(path, {"MPP_VOICE__CLIPS": "/srv/voice"}).voice.clips == "/srv/voice"
    assert any("voice.clips" in p for p in problems(write(tmp_path, "[voice]\nclips = 3\n")))
