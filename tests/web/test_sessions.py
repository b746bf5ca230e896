"""Sessions end on the server: a copy of the session cookie taken before logout, a password
change, a disabled account or "log out everywhere" no longer opens anything. And a guesser on one
address cannot keep an officer from logging in on another (issue 15, items 3 and 6).

The cookie is the real one the login set, copied into a second client as a thief would."""

from __future__ import annotations

import logging
import time

import pytest
from flask.testing import FlaskClient

from tests.support.web_site import PASSWORD, Site, StaffClient

COOKIE = "mpp_session"
NEW_PASSWORD = "sandi-baru-yang-panjang"


def copy_of(site: Site, staff: StaffClient) -> StaffClient:
    """Another browser holding the very same cookie (and CSRF token) as `staff`."""
    cookie = staff.client.get_cookie(COOKIE)
    assert cookie is not None
    thief = StaffClient(site.client())
    thief.client.set_cookie(COOKIE, cookie.value)
    thief.csrf = staff.csrf
    return thief


def test_a_cookie_copied_before_logout_is_dead_after_it(site: Site) -> None:
    budi = site.staff("budi")
    thief = copy_of(site, budi)
    assert thief.get("/api/v1/auth/me").status_code == 200  # the copy works while budi is in
    assert budi.post("/api/v1/auth/logout", json={}).status_code == 200
    assert thief.get("/api/v1/auth/me").status_code == 401
    assert thief.get("/api/v1/tickets").status_code == 401
    refused = thief.post("/api/v1/counters/L02/next")
    assert refused.status_code == 401 and refused.json["error"]["code"] == "unauthorized"


def test_logout_ends_only_the_session_it_is_sent_from(site: Site) -> None:
    desk, phone = site.staff("budi"), site.staff("budi")
    assert desk.post("/api/v1/auth/logout", json={}).status_code == 200
    assert desk.get("/api/v1/auth/me").status_code == 401
    assert phone.get("/api/v1/auth/me").status_code == 200


def test_a_password_change_ends_every_session_of_that_officer(site: Site) -> None:
    budi = site.staff("budi")
    thief = copy_of(site, budi)
    admin = site.staff("admin")
    changed = admin.patch("/api/v1/admin/officers/budi", json={"password": NEW_PASSWORD})
    assert changed.status_code == 200
    assert budi.get("/api/v1/auth/me").status_code == 401
    assert thief.get("/api/v1/auth/me").status_code == 401
    assert admin.get("/api/v1/auth/me").status_code == 200  # other officers keep theirs
    again = StaffClient(site.client())
    again.login("budi", NEW_PASSWORD)
    assert again.get("/api/v1/auth/me").json["username"] == "budi"


def test_an_admin_changing_their_own_password_stays_logged_in_here_only(site: Site) -> None:
    admin, elsewhere = site.staff("admin"), site.staff("admin")
    changed = admin.patch("/api/v1/admin/officers/admin", json={"password": NEW_PASSWORD})
    assert changed.status_code == 200
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    me = admin.get("/api/v1/auth/me")
    assert me.status_code == 200
    admin.csrf = me.json["csrf_token"]  # a fresh session comes with a fresh token
    assert admin.get("/api/v1/admin/officers").status_code == 200
    assert admin.post("/api/v1/auth/logout", json={}).status_code == 200


def test_the_cli_password_change_ends_sessions_too(site: Site) -> None:
    budi = site.staff("budi")
    site.core.accounts.set_password("budi", NEW_PASSWORD)
    assert budi.get("/api/v1/auth/me").status_code == 401


def test_a_disabled_then_enabled_officer_does_not_get_old_sessions_back(site: Site) -> None:
    budi = site.staff("budi")
    thief = copy_of(site, budi)
    admin = site.staff("admin")
    assert admin.patch("/api/v1/admin/officers/budi", json={"active": False}).status_code == 200
    assert admin.patch("/api/v1/admin/officers/budi", json={"active": True}).status_code == 200
    assert budi.get("/api/v1/auth/me").status_code == 401
    assert thief.get("/api/v1/auth/me").status_code == 401


def test_log_out_everywhere_ends_all_of_my_sessions(site: Site) -> None:
    desk, phone = site.staff("budi"), site.staff("budi")
    thief = copy_of(site, phone)
    sari = site.staff("sari")
    ended = desk.post("/api/v1/auth/logout-everywhere", json={})
    assert ended.status_code == 200
    assert ended.json == {"logged_out": True, "sessions_ended": 2}
    for client in (desk, phone, thief):
        assert client.get("/api/v1/auth/me").status_code == 401
    assert sari.get("/api/v1/auth/me").status_code == 200


def test_log_out_everywhere_needs_the_csrf_token(site: Site) -> None:
    budi = site.staff("budi")
    bare = budi.client.post("/api/v1/auth/logout-everywhere", json={})
    assert bare.status_code == 403 and bare.json["error"]["code"] == "csrf_failed"
    assert budi.get("/api/v1/auth/me").status_code == 200


def test_a_machine_token_has_no_sessions_to_end(site: Site) -> None:
    refused = site.kiosk().post("/api/v1/auth/logout-everywhere", json={})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "not_a_session"


def test_an_admin_logs_another_officer_out_everywhere(site: Site) -> None:
    budi = site.staff("budi")
    thief = copy_of(site, budi)
    admin = site.staff("admin")
    ended = admin.post("/api/v1/admin/officers/budi/logout-everywhere", json={})
    assert ended.status_code == 200
    assert ended.json == {"username": "budi", "sessions_ended": 1}
    assert budi.get("/api/v1/auth/me").status_code == 401
    assert thief.get("/api/v1/auth/me").status_code == 401
    assert admin.get("/api/v1/auth/me").status_code == 200
    missing = admin.post("/api/v1/admin/officers/nobody/logout-everywhere", json={})
    assert missing.status_code == 404
    kepala = site.staff("kepala")
    assert kepala.post("/api/v1/admin/officers/budi/logout-everywhere").status_code == 403


def test_a_cookie_signed_without_a_server_session_is_refused(site: Site) -> None:
    """A validly signed cookie of the old form (the officer's id and nothing the server keeps),
    such as one taken before this release, opens nothing."""
    serializer = site.app.session_interface.get_signing_serializer(site.app)  # type: ignore[attr-defined]
    assert serializer is not None
    budi_id = next(o.id for o, _ in site.core.accounts.officers() if o.username == "budi")
    forged = serializer.dumps({"officer_id": budi_id, "csrf": "x" * 24, "started": time.time()})
    client = site.client()
    client.set_cookie(COOKIE, forged)
    assert client.get("/api/v1/auth/me").status_code == 401


def from_address(site: Site, address: str) -> FlaskClient:
    client = site.client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_guesser_on_one_address_cannot_lock_the_admin_out_of_another(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    guesser = from_address(site, "192.168.1.66")
    guess = "tebakan-salah-xyz"
    with caplog.at_level(logging.WARNING):
        codes = [
            guesser.post(
                "/api/v1/auth/login", json={"username": "admin", "password": guess}
            ).status_code
            for _ in range(8)
        ]
    assert codes[:5] == [401] * 5 and 429 in codes[5:]
    assert "192.168.1.66" in caplog.text and "admin" in caplog.text
    assert guess not in caplog.text  # the attempt is logged, never the password
    owner = from_address(site, "192.168.1.10")
    login = owner.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert login.status_code == 200
    # the guesser's own address stays slowed, even with the right password
    still = guesser.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert still.status_code == 429
