"""The appliance's web app on a real SQLite file, for the Flask test client.

A small catalogue, four staff accounts and a kiosk token, built once (`build_template`, argon2
hashing is deliberately slow) and copied for every test (`build_site`), so each test starts from
the same state. Plain module, no pytest: tests/web/conftest.py holds the fixtures, and the
reliability suite reuses the same staff.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.clock import ManualClock
from appliance.config.load import load_config
from appliance.runtime import Core, Runtime, build_announcer, open_core
from tests.support.catalogue_fixtures import WEEKDAY_MORNING, small_document
from web.app import create_app

PASSWORD = "sandi-rahasia-123"
ACCOUNTS = (
    ("admin", "admin", ()),
    ("kepala", "supervisor", ()),
    ("budi", "officer", ("L02",)),
    ("sari", "officer", ("L03",)),
)


@dataclass
class Site:
    app: Flask
    core: Core
    clock: ManualClock
    kiosk_token: str
    folder: Path

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def staff(self, username: str) -> StaffClient:
        client = StaffClient(self.app.test_client())
        client.login(username)
        return client

    def kiosk(self) -> FlaskClient:
        client = self.app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + self.kiosk_token
        return client


class StaffClient:
    """A logged-in browser: sends the CSRF token on every state-changing request."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf = ""

    def login(self, username: str, password: str = PASSWORD) -> Any:
        response = self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.json
        self.csrf = response.json["csrf_token"]
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._send("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self._send("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self._send("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self._send("DELETE", path, **kwargs)


def web_config(folder: Path, **extra: str) -> Any:
    """The configuration of a site whose database is `folder`/appliance.db; `extra` are more
    MPP_* variables."""
    environ = {
        "MPP_STORAGE__DATABASE": str(folder / "appliance.db"),
        "MPP_WEB__PUBLIC_URL": "http://127.0.0.1:8080",
        "MPP_WEB__SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        **extra,
    }
    return load_config(None, environ)


def build_template(folder: Path) -> tuple[Path, str]:
    """The database every test copies, in `folder`; returns the folder and the kiosk token."""
    core = open_core(web_config(folder), clock=ManualClock(WEEKDAY_MORNING))
    apply_catalogue(core.db, validate_catalogue(small_document()), clock=core.clock)
    for username, role, counters in ACCOUNTS:
        core.accounts.add_officer(username, PASSWORD, role, counters=counters)
    token = core.accounts.create_token("kiosk-lobby", "kiosk")
    core.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    core.db.close()
    return folder, token


def build_site(template: tuple[Path, str], folder: Path, **config: str) -> Site:
    source, token = template
    shutil.copy(source / "appliance.db", folder / "appliance.db")
    clock = ManualClock(WEEKDAY_MORNING)
    core = open_core(web_config(folder, **config), clock=clock)
    app = create_app(Runtime(core, announcer=build_announcer(core)))
    app.config["TESTING"] = True
    return Site(app, core, clock, token, folder)
