"""Configuration: defaults, TOML file, MPP_* variables, secret files, every problem at once."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.config.load import ConfigError, load_config
from appliance.config.rules import PRIORITY_REASONS
from appliance.config.sections import (
    ButtonConfig,
    CentralConfig,
    Config,
    GpioConfig,
    SiteConfig,
    SyncConfig,
    WebConfig,
)
from appliance.config.show import config_to_dict, render_toml
from appliance.storage.models import PRIORITY_REASONS as MODEL_PRIORITY_REASONS

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


def write(folder: Path, text: str, name: str = "appliance.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | None, environ: dict[str, str] | None = None) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ or {})
    return caught.value.problems


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


def test_unknown_keys_get_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "[web]\nprot = 1\n[printr]\ndriver = 'usb'\n")
    environ = {"MPP_SYNC__BROKR": "mqtt://x", "MPP_WEBB__PORT": "1"}
    found = problems(path, environ)
    assert f"web.prot: unknown key (did you mean 'port'?) (in {path})" in found
    assert f"printr: unknown key (did you mean 'printer'?) (in {path})" in found
    assert "sync.brokr (from MPP_SYNC__BROKR): unknown key (did you mean 'broker'?)" in found
    assert "webb (from MPP_WEBB__PORT): unknown key (did you mean 'web'?)" in found


def test_a_malformed_setting_variable_is_a_problem() -> None:
    (found,) = problems(None, {"MPP_GPIO__BUTTONS__0__PIN": "17"})
    assert found.startswith("MPP_GPIO__BUTTONS__0__PIN: not a MPP_<SECTION>__<KEY>")


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[web]\nport = "eighty"\nlanguage = "fr"\n[printer]\ndriver = "laser"\n'
        "paper_width_mm = 76\n[queue]\npriority_streak_limit = 0\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"MPP_QUEUE__ENFORCE_HOURS": "maybe"})
    error = caught.value
    assert len(error.problems) == 6
    assert str(error).splitlines() == [f"- {p}" for p in error.problems]
    text = str(error)
    for fragment in (
        "web.port: expected int, got a string 'eighty'",
        "web.language: 'fr' is not one of id, en",
        "printer.driver: 'laser' is not one of usb, serial, network, file, none",
        "printer.paper_width_mm: 76 is not one of 58, 80",
        "queue.priority_streak_limit: must be at least 1, got 0",
        "queue.enforce_hours (from MPP_QUEUE__ENFORCE_HOURS): expected bool, got 'maybe'",
    ):
        assert fragment in text
    assert f"(in {path})" in text


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[web]\nport = "8080"', "web.port: expected int, got a string '8080'"),
        ("[web]\nport = 8080.0", "web.port: expected int, got float 8080.0"),
        ("[web]\nport = true", "web.port: expected int, got a boolean True"),
        ("[printer]\npng = 1", "printer.png: expected bool, got an integer 1"),
        ("[printer]\ntimeout_s = true", "printer.timeout_s: expected float, got a boolean"),
        ("[printer]\ntimeout_s = nan", "printer.timeout_s: expected a finite number"),
        ("[gpio]\nled_pin = 'none'", "gpio.led_pin: expected int, got a string 'none'"),
        ("web = 5", "web: expected a table, got an integer"),
        ("[gpio]\nbuttons = 17", "gpio.buttons: expected a list of tables"),
        ("[[gpio.buttons]]\npin = 17", "gpio.buttons[0].service: required"),
    ],
)
def test_wrong_types_in_the_file(tmp_path: Path, toml: str, expected: str) -> None:
    (found,) = problems(write(tmp_path, toml + "\n"))
    assert found.startswith(expected)


def test_an_integer_is_accepted_for_a_float(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[printer]\ntimeout_s = 3\n"), {})
    assert config.printer.timeout_s == 3.0 and isinstance(config.printer.timeout_s, float)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("MPP_WEB__PORT", "8080x", "expected int, got '8080x'"),
        ("MPP_WEB__PORT", "8_080", "expected int"),
        ("MPP_WEB__PORT", "80.0", "expected int"),
        ("MPP_QUEUE__ENFORCE_HOURS", "2", "expected bool, got '2'"),
        ("MPP_PRINTER__TIMEOUT_S", "nan", "expected float"),
        ("MPP_PRINTER__TIMEOUT_S", "5s", "expected float"),
        ("MPP_GPIO__BUTTONS", "[{pin: 17}]", "not valid JSON"),
        ("MPP_GPIO__BUTTONS", '{"pin": 17}', "expected a list of tables"),
        ("MPP_CENTRAL__WEB", "8090", "expected a table, got a string"),
    ],
)
def test_wrong_values_in_the_environment(name: str, text: str, expected: str) -> None:
    (found,) = problems(None, {name: text})
    assert f"(from {name}): {expected}" in found


def test_duplicate_and_impossible_pins(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[gpio]\nled_pin = 27\n"
        "[[gpio.buttons]]\npin = 17\nservice = 'A'\n"
        "[[gpio.buttons]]\npin = 17\nservice = 'B'\n"
        "[[gpio.buttons]]\npin = 27\nservice = 'C'\n"
        "[[gpio.buttons]]\npin = 40\nservice = 'D'\n",
    )
    found = problems(path)
    assert len(found) == 3
    assert found[0].startswith("gpio.buttons[1].pin: pin 17 is already used by gpio.buttons[0]")
    assert found[1].startswith("gpio.buttons[3].pin: 40 is not a BCM GPIO pin (0-27)")
    assert found[2].startswith("gpio.led_pin: pin 27 is already used by gpio.buttons[2].pin")


def test_problems_keep_the_written_index_after_a_bad_button(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[[gpio.buttons]]\npin = 'x'\nservice = 'A'\n"
        "[[gpio.buttons]]\npin = 17\nservice = 'B'\n"
        "[[gpio.buttons]]\npin = 17\nservice = 'C'\npriority_reason = 'vip'\n",
    )
    found = problems(path)
    assert found[0].startswith("gpio.buttons[0].pin: expected int")
    assert any(p.startswith("gpio.buttons[2].priority_reason: 'vip' is not one of") for p in found)
    assert any(
        p.startswith("gpio.buttons[2].pin: pin 17 is already used by gpio.buttons[1].pin")
        for p in found
    )


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[web]\nport = 0", "web.port: 0 is not a port (1-65535)"),
        ("[central.web]\nport = 70000", "central.web.port: 70000 is not a port"),
        ("[gpio]\npin_factory = 'rpigpio'", "gpio.pin_factory: 'rpigpio' is not one of"),
        ("[gpio]\nbounce_s = -0.1", "gpio.bounce_s: must be at least 0"),
        ("[[gpio.buttons]]\npin = 17\nservice = 'A'\ncooldown_s = -1", "cooldown_s: must be at"),
        ("[[gpio.buttons]]\npin = 17\nservice = ' '", "gpio.buttons[0].service: a service code"),
        ("[printer]\ntimeout_s = 0", "printer.timeout_s: must be greater than 0"),
        ("[printer]\ndriver = 'network'", "printer.host: required by the network printer"),
        ("[printer]\nusb_vendor = 0x10000", "printer.usb_vendor: 0x10000 is not a USB id"),
        ("[storage]\nbusy_timeout_ms = 0", "storage.busy_timeout_ms: must be at least 1"),
        ("[web]\nmax_streams = 48", "web.max_streams: must be below web.threads (48)"),
        ("[web]\ncpu = 'first'", "web.cpu: 'first' is not 'last', 'any' or a CPU number"),
        ("[web]\ncpu = '-1'", "web.cpu: '-1' is not 'last', 'any' or a CPU number"),
        ("[web]\npublic_url = 'mpp.local'", "web.public_url: 'mpp.local' must be an http://"),
        ("[central.web]\npublic_url = 'ftp://c'", "central.web.public_url: 'ftp://c' must be"),
        ("[sync]\nbroker = 'tcp://x:1883'\nsite = 'S'", "sync.broker: 'tcp://x:1883' must look"),
        ("[sync]\nbroker = 'mqtt://:1883'\nsite = 'S'", "sync.broker: 'mqtt://:1883' must look"),
        ("[sync]\nbroker = 'mqtt://x:port'\nsite = 'S'", "sync.broker: 'mqtt://x:port' has a bad"),
        ("[sync]\nbroker = 'mqtt://x'", "sync.site: required when sync.broker is set"),
        ("[sync]\nsite = 'a/b'", "sync.site: 'a/b' must not contain spaces, '/', '+' or '#'"),
        ("[sync]\ncert_file = '/c.pem'", "sync.key_file: give sync.cert_file and sync.key_file"),
        ("[central]\nbroker = ''", "central.broker: '' must look like mqtt://"),
        ("[central]\ndatabase = 'mysql://db'", "central.database: 'mysql://db' must be sqlite"),
        ("[logging]\nlevel = 'info'", "logging.level: 'info' is not one of DEBUG, INFO"),
        ("[queue]\nrecent_handling_window = 0", "queue.recent_handling_window: must be at least"),
    ],
)
def test_values_out_of_range(tmp_path: Path, toml: str, expected: str) -> None:
    path = write(tmp_path, toml + "\n")
    (found,) = problems(path)
    assert expected in found
    assert found.endswith(f"(in {path})")


def test_rules_name_the_variable_that_set_the_value() -> None:
    environ = {"MPP_PRINTER__DRIVER": "network", "MPP_PRINTER__HOST": ""}
    (found,) = problems(None, environ)
    assert found == "printer.host (from MPP_PRINTER__HOST): required by the network printer driver"
    config = load_config(None, {**environ, "MPP_PRINTER__HOST": "10.0.0.9"})
    assert config.printer.driver == "network" and config.printer.host == "10.0.0.9"


def test_a_value_refused_for_its_type_is_reported_once(tmp_path: Path) -> None:
    # The refused host keeps its default "", which the network driver would also refuse.
    (found,) = problems(write(tmp_path, "[printer]\ndriver = 'network'\nhost = 5\n"))
    assert found.startswith("printer.host: expected str, got an integer 5")


@pytest.mark.parametrize(
    "database", ["sqlite:////var/lib/mpp/central.db", "postgresql://mpp@db.example/mpp"]
)
def test_central_database_schemes(database: str) -> None:
    config = load_config(None, {"MPP_CENTRAL__DATABASE": database})
    assert config.central.database == database


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


def section(data: dict[str, object], *names: str) -> dict[str, object]:
    for name in names:
        child = data[name]
        assert isinstance(child, dict)
        data = child
    return data


def test_config_to_dict_redacts_secrets() -> None:
    config = Config(
        web=WebConfig(secret_key="web-secret"),
        sync=SyncConfig(broker="mqtt://b", site="S", username="edge", password="broker-secret"),
    )
    shown = config_to_dict(config)
    assert section(shown, "web") == {
        **section(config_to_dict(Config()), "web"),
        "secret_key": "***",
    }
    assert section(shown, "sync")["password"] == "***"
    assert section(shown, "sync")["username"] == "edge"
    assert section(shown, "central")["password"] == ""
    assert section(shown, "central", "web")["secret_key"] == ""
    text = render_toml(shown)
    assert "web-secret" not in text and "broker-secret" not in text
    assert 'password = "***"' in text
    plain = config_to_dict(config, redact=False)
    assert section(plain, "web")["secret_key"] == "web-secret"
    assert section(plain, "sync")["password"] == "broker-secret"


def without_none(value: object) -> object:
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


ROUND_TRIP = Config(
    site=SiteConfig(catalogue="/etc/mpp/catalogue.json", code='Kota "Metro" \\ Lampung\tñ'),
    web=WebConfig(secret_key="k\x7fey\n"),
    gpio=GpioConfig(
        pin_factory="mock",
        buttons=(
            ButtonConfig(pin=17, service="MPP-INFORMASI"),
            ButtonConfig(pin=27, service="MPP-INFORMASI", priority=True, priority_reason="anak"),
        ),
        led_pin=22,
    ),
)


@pytest.mark.parametrize("config", [Config(), ROUND_TRIP], ids=["defaults", "busy"])
def test_render_toml_parses_back_to_the_same_data(config: Config) -> None:
    data = config_to_dict(config, redact=False)
    assert tomllib.loads(render_toml(data)) == without_none(data)


def test_rendered_config_loads_back_to_the_same_config(tmp_path: Path) -> None:
    config = dataclasses.replace(ROUND_TRIP, site=SiteConfig(catalogue="kota-metro"))
    path = write(tmp_path, render_toml(config_to_dict(config, redact=False)))
    assert load_config(path, {}) == config


def test_render_toml_writes_arrays_of_tables() -> None:
    text = render_toml(config_to_dict(ROUND_TRIP))
    assert text.count("[[gpio.buttons]]") == 2
    assert text.index("[gpio]") < text.index("[[gpio.buttons]]") < text.index("[queue]")
    assert "led_pin = 22" in text


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_any_string_survives_render_toml(text: str) -> None:
    data = {"site": {"code": text, "notes": [text, 1, 2.5, True]}}
    assert tomllib.loads(render_toml(data)) == data


def test_priority_reasons_match_the_models() -> None:
    assert PRIORITY_REASONS == MODEL_PRIORITY_REASONS


def test_voice_clips_folder_is_a_path_relative_to_the_file(tmp_path: Path) -> None:
    assert load_config(None, {}).voice.clips == ""
    path = write(tmp_path, '[voice]\nclips = "rekaman"\n')
    assert load_config(path, {}).voice.clips == str(tmp_path / "rekaman")
    assert load_config(path, {"MPP_VOICE__CLIPS": "/srv/voice"}).voice.clips == "/srv/voice"
    assert any("voice.clips" in p for p in problems(write(tmp_path, "[voice]\nclips = 3\n")))
