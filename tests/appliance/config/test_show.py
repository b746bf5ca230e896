"""Showing the configuration (`appliance.config.show`): secrets redacted, and TOML rendered so
that it parses and loads back to the same data."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.config.load import load_config
from appliance.config.sections import (
    ButtonConfig,
    CentralConfig,
    Config,
    GpioConfig,
    SiteConfig,
    SyncConfig,
    WebConfig,
)
from appliance.config.show import config_to_dict, redact_url, render_toml
from tests.appliance.config.config_files import write


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


def test_a_password_inside_a_url_is_redacted() -> None:
    config = Config(central=CentralConfig(database="postgresql://mpp:p%40ss:w@db.lan:5432/mpp"))
    assert section(config_to_dict(config), "central")["database"] == (
        "postgresql://mpp:***@db.lan:5432/mpp"
    )
    assert section(config_to_dict(config, redact=False), "central")["database"] == (
        "postgresql://mpp:p%40ss:w@db.lan:5432/mpp"
    )
    assert redact_url("postgresql://mpp@db/mpp?sslmode=require") == (
        "postgresql://mpp@db/mpp?sslmode=require"
    )
    assert redact_url("sqlite:////var/lib/mpp/central.db") == "sqlite:////var/lib/mpp/central.db"
