"""The Flask app in-process on a real SQLite file, with one token per role and staff accounts,
for the tests that try every endpoint many times (security, bad input)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.clock import ManualClock
from appliance.config.load import load_config
from appliance.runtime import Core, Runtime, build_announcer, open_core
from tests.support.catalogue_fixtures import WEEKDAY_MORNING, small_document
from tests.support.web_site import ACCOUNTS  # the same four staff as the web tests
from web.app import create_app

PASSWORD = "sandi-uji-rahasia-987"


@dataclass
class App:
    app: Flask
    core: Core
    clock: ManualClock
    tokens: dict[str, str]  # role -> bearer token (the officer token acts on L02 only)


def build(folder: Path) -> App:
    environ = {
        "MPP_STORAGE__DATABASE": str(folder / "appliance.db"),
        "MPP_WEB__PUBLIC_URL": "http://127.0.0.1:8080",
        "MPP_WEB__SECRET_KEY": "reliability-secret-key-0123456789abcdef",
    }
    clock = ManualClock(WEEKDAY_MORNING)
    core = open_core(load_config(None, environ), clock=clock)
    apply_catalogue(core.db, validate_catalogue(small_document()), clock=clock)
    for username, role, counters in ACCOUNTS:
        core.accounts.add_officer(username, PASSWORD, role, counters=counters)
    tokens = {
        "kiosk": core.accounts.create_token("t-kiosk", "kiosk"),
        "officer": core.accounts.create_token("t-officer", "officer", counters=("L02",)),
        "supervisor": core.accounts.create_token("t-supervisor", "supervisor"),
        "admin": core.accounts.create_token("t-admin", "admin"),
    }
    app = create_app(Runtime(core, announcer=build_announcer(core)))
    app.config["TESTING"] = True
    return App(app, core, clock, tokens)
