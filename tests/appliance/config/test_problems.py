"""Configuration problems (`appliance.config.convert`, `appliance.config.rules`): wrong types and
values in the file or the environment, unknown keys with a hint, clashing pins, every problem at
once, each naming where the value came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.config.load import ConfigError, load_config
from appliance.config.rules import PRIORITY_REASONS
from appliance.storage.models import PRIORITY_REASONS as MODEL_PRIORITY_REASONS
from tests.appliance.config.config_files import problems, write


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


def test_priority_reasons_match_the_models() -> None:
    assert PRIORITY_REASONS == MODEL_PRIORITY_REASONS


@pytest.mark.parametrize(
    ("name", "text"), [("MPP_VOICE__LETTER_PAUSE_MS", "5000"), ("MPP_VOICE__PAUSE_MS", "-1")]
)
def test_voice_pauses_out_of_range(name: str, text: str) -> None:
    (found,) = problems(None, {name: text})
    assert "must be 0-2000 ms" in found
