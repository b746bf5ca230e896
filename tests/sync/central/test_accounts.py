"""Central accounts beyond the first admin: `mpp officer … --central`, `mpp token list|revoke
--central`, and the admin API (/api/v1/central/users, /tokens), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from peewee import Database

from sync import cli
from sync.central.accounts import add_user, authenticate, token_role
from sync.central.http import CentralWebSettings, create_central_app
from sync.central.store import open_central_database

PASSWORD = "rahasia-pusat-1"


def config(tmp_path: Path, central_url: str) -> str:
    path = tmp_path / "central.toml"
    path.write_text(
        f'[storage]\ndatabase = "{tmp_path}/edge.db"\n[central]\ndatabase = "{central_url}"\n'
    )
    return str(path)


def test_cli_users_and_token_revoke(
    tmp_path: Path,
    central_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["--config", config(tmp_path, central_url)]
    monkeypatch.setenv("MPP_ADMIN_PASSWORD", PASSWORD)
    assert cli.main([*base, "init", "--central", "--admin", "pusat"]) == 0
    monkeypatch.setenv("MPP_OFFICER_PASSWORD", "kata-sandi-kepala")
    assert cli.main([*base, "officer", "add", "kepala", "--role", "supervisor", "--central"]) == 0

    def db() -> Database:
        """Opened again after each command: a command opens its own and rebinds the models,
        and a query through an older database object would use the command's connections."""
        return open_central_database(central_url)

    kepala = authenticate(db(), "kepala", "kata-sandi-kepala")
    assert kepala is not None and kepala.role == "supervisor"
    # the appliance's default role does not exist on central: a clear refusal
    assert cli.main([*base, "officer", "add", "budi", "--central"]) == 2
    monkeypatch.setenv("MPP_OFFICER_PASSWORD", "sandi-baru-kepala")
    assert cli.main([*base, "officer", "passwd", "kepala", "--central"]) == 0
    assert authenticate(db(), "kepala", "kata-sandi-kepala") is None
    assert authenticate(db(), "kepala", "sandi-baru-kepala") is not None
    assert cli.main([*base, "officer", "disable", "kepala", "--central"]) == 0
    assert authenticate(db(), "kepala", "sandi-baru-kepala") is None
    assert cli.main([*base, "officer", "disable", "pusat", "--central"]) == 1  # last admin
    capsys.readouterr()
    assert cli.main([*base, "officer", "list", "--central"]) == 0
    listing = capsys.readouterr().out
    assert "kepala" in listing and "(disabled)" in listing and "pusat" in listing

    token_args = [*base, "token", "create", "--central", "--role", "supervisor"]
    assert cli.main([*token_args, "--name", "layar"]) == 0
    token = capsys.readouterr().out.strip()
    assert token_role(db(), token) == "supervisor"
    assert cli.main([*base, "token", "revoke", "--central", "--name", "layar"]) == 0
    assert token_role(db(), token) is None
    assert cli.main([*base, "token", "revoke", "--central", "--name", "tidak-ada"]) == 1
    capsys.readouterr()
    assert cli.main([*base, "token", "list", "--central"]) == 0
    out = capsys.readouterr().out
    assert "layar" in out and "revoked" in out and token not in out


@pytest.fixture
def app(central_url: str) -> Flask:
    db = open_central_database(central_url)
    add_user(db, "pusat", PASSWORD, "admin")
    add_user(db, "kepala", PASSWORD, "supervisor")
    return create_central_app(db, CentralWebSettings(secret_key="k" * 40))


def login(app: Flask, username: str, password: str = PASSWORD) -> tuple[FlaskClient, str]:
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return client, r.json["csrf_token"]


def test_admin_api_manages_users(app: Flask) -> None:
    admin, csrf = login(app, "pusat")
    h = {"X-CSRF-Token": csrf}
    new = {"username": "analis", "password": "analis-pusat-1", "role": "supervisor"}
    assert admin.post("/api/v1/central/users", json=new).status_code == 403  # no CSRF
    r = admin.post("/api/v1/central/users", json=new, headers=h)
    assert r.status_code == 201 and r.json == {
        "username": "analis",
        "role": "supervisor",
        "active": True,
    }
    assert admin.post("/api/v1/central/users", json=new, headers=h).status_code == 409
    for bad in (
        {**new, "username": "X Y"},
        {**new, "username": "pendek", "password": "short"},
        {**new, "username": "peran", "role": "kiosk"},
    ):
        r = admin.post("/api/v1/central/users", json=bad, headers=h)
        assert r.status_code == 422 and r.json["error"]["code"] == "refused", bad
    assert admin.post("/api/v1/central/users", json={}, headers=h).status_code == 400
    listing = admin.get("/api/v1/central/users").json
    assert [u["username"] for u in listing["items"]] == ["analis", "kepala", "pusat"]
    assert all("password" not in str(u) and "hash" not in str(u) for u in listing["items"])

    analis, _ = login(app, "analis", "analis-pusat-1")
    assert analis.get("/api/v1/central/sites").status_code == 200
    assert analis.get("/api/v1/central/users").status_code == 403  # supervisors do not manage
    r = admin.post("/api/v1/central/users/analis/disable", headers=h)
    assert r.status_code == 200 and r.json["active"] is False
    assert analis.get("/api/v1/central/sites").status_code == 401  # session ends at once
    refused = app.test_client().post(
        "/api/v1/auth/login", json={"username": "analis", "password": "analis-pusat-1"}
    )
    assert refused.status_code == 401
    assert admin.post("/api/v1/central/users/analis/enable", headers=h).status_code == 200
    login(app, "analis", "analis-pusat-1")
    r = admin.post("/api/v1/central/users/pusat/disable", headers=h)
    assert r.status_code == 409  # the last active admin
    r = admin.post(
        "/api/v1/central/users/analis/password", json={"password": "ganti-sandi-99"}, headers=h
    )
    assert r.status_code == 200
    login(app, "analis", "ganti-sandi-99")
    assert admin.post("/api/v1/central/users/nobody/enable", headers=h).status_code == 404


def test_admin_api_creates_lists_and_revokes_tokens(app: Flask) -> None:
    admin, csrf = login(app, "pusat")
    h = {"X-CSRF-Token": csrf}
    r = admin.post("/api/v1/central/tokens", json={"name": "layar-kota"}, headers=h)
    assert r.status_code == 201 and r.json["role"] == "supervisor"
    token = r.json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/central/sites", headers=bearer).status_code == 200
    assert (
        admin.post("/api/v1/central/tokens", json={"name": "layar-kota"}, headers=h).status_code
        == 409
    )
    listing = admin.get("/api/v1/central/tokens").json["items"]
    assert listing == [
        {
            "name": "layar-kota",
            "role": "supervisor",
            "revoked": False,
            "created_at": listing[0]["created_at"],
        }
    ]
    assert token not in str(listing)
    r = admin.post("/api/v1/central/tokens/layar-kota/revoke", headers=h)
    assert r.status_code == 200 and r.json["revoked"] is True
    gone = app.test_client().get("/api/v1/central/sites", headers=bearer)
    assert gone.status_code == 401 and gone.json["error"]["code"] == "invalid_token"
    assert admin.get("/api/v1/central/tokens").json["items"][0]["revoked"] is True
    assert admin.post("/api/v1/central/tokens/nope/revoke", headers=h).status_code == 404
    # an admin token may manage too; a supervisor token may not
    admin_token = create_token_via(admin, h, "robot", "admin")
    sup_token = create_token_via(admin, h, "papan", "supervisor")
    as_admin = app.test_client().get(
        "/api/v1/central/users", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert as_admin.status_code == 200
    as_sup = app.test_client().get(
        "/api/v1/central/tokens", headers={"Authorization": f"Bearer {sup_token}"}
    )
    assert as_sup.status_code == 403
    anonymous = app.test_client().post("/api/v1/central/tokens", json={"name": "x"})
    assert anonymous.status_code == 401


def create_token_via(client: FlaskClient, headers: dict[str, str], name: str, role: str) -> str:
    r = client.post("/api/v1/central/tokens", json={"name": name, "role": role}, headers=headers)
    assert r.status_code == 201, r.json
    token: str = r.json["token"]
    return token
