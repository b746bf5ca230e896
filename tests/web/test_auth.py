"""Login, sessions, CSRF, bearer tokens, roles and the throttle on failed logins."""

from __future__ import annotations

from flask import request

from tests.support.web_site import PASSWORD, Site


def test_login_sets_a_strict_httponly_session_and_returns_csrf(site: Site) -> None:
    client = site.client()
    response = client.post("/api/v1/auth/login", json={"username": "budi", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json
    assert body["role"] == "officer" and body["counters"] == ["L02"]
    assert len(body["csrf_token"]) >= 20
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["username"] == "budi"


def test_wrong_password_is_401_and_reveals_nothing(site: Site) -> None:
    client = site.client()
    wrong = client.post("/api/v1/auth/login", json={"username": "budi", "password": "salah-sekali"})
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert client.get("/api/v1/auth/me").status_code == 401


def test_repeated_failures_are_slowed_with_429_and_retry_after(site: Site) -> None:
    client = site.client()
    codes = [
        client.post(
            "/api/v1/auth/login", json={"username": "budi", "password": "tebak-tebak"}
        ).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [401] * 5
    assert 429 in codes[5:]
    throttled = client.post("/api/v1/auth/login", json={"username": "budi", "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json["error"]["code"] == "login_throttled"


def test_state_change_without_csrf_is_refused_and_changes_nothing(site: Site) -> None:
    staff = site.staff("kepala")
    bare = staff.client.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    assert bare.status_code == 403 and bare.json["error"]["code"] == "csrf_failed"
    wrong = staff.client.post(
        "/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}, headers={"X-CSRF-Token": "nope"}
    )
    assert wrong.status_code == 403
    assert staff.get("/api/v1/tickets").json["total"] == 0
    assert staff.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).status_code == 201


def test_logout_ends_the_session(site: Site) -> None:
    staff = site.staff("budi")
    assert staff.post("/api/v1/auth/logout", json={}).status_code == 200
    assert staff.get("/api/v1/auth/me").status_code == 401


def test_bearer_token_needs_no_csrf_and_has_only_its_role(site: Site) -> None:
    kiosk = site.kiosk()
    assert kiosk.post("/api/v1/tickets", json={"service": "MPP-INFORMASI"}).status_code == 201
    assert kiosk.get("/api/v1/tickets").status_code == 403
    assert kiosk.post("/api/v1/counters/L01/next").status_code == 403
    me = kiosk.get("/api/v1/auth/me").json
    assert me["role"] == "kiosk" and "csrf_token" not in me


def test_unknown_or_malformed_tokens_are_401(site: Site) -> None:
    client = site.client()
    for header in ("Bearer mpp_not-a-real-token", "Basic abc", "Bearer "):
        response = client.get("/api/v1/auth/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "invalid_token"


def test_revoked_token_stops_working(site: Site) -> None:
    site.core.accounts.revoke_token("kiosk-lobby")
    response = site.kiosk().post("/api/v1/tickets", json={"service": "MPP-INFORMASI"})
    assert response.status_code == 401


def test_disabled_officer_loses_the_open_session_at_once(site: Site) -> None:
    staff = site.staff("budi")
    site.core.accounts.set_active("budi", False)
    assert staff.get("/api/v1/auth/me").status_code == 401


def test_officer_acts_only_on_assigned_counters(site: Site) -> None:
    site.kiosk().post("/api/v1/tickets", json={"service": "POLRES-SKCK"})
    budi = site.staff("budi")
    refused = budi.post("/api/v1/counters/L03/next")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_your_counter"
    sari = site.staff("sari")
    assert sari.post("/api/v1/counters/L03/next").status_code == 200
    assert site.staff("kepala").post("/api/v1/counters/L02/next").status_code == 404  # empty


def test_roles_below_required_get_403(site: Site) -> None:
    budi = site.staff("budi")
    assert budi.get("/api/v1/reports/daily").status_code == 403
    assert budi.get("/api/v1/admin/officers").status_code == 403
    assert budi.post("/api/v1/tickets/1/cancel").status_code in (403,)
    kepala = site.staff("kepala")
    assert kepala.get("/api/v1/reports/daily").status_code == 200
    assert kepala.get("/api/v1/admin/officers").status_code == 403
    assert site.staff("admin").get("/api/v1/admin/officers").status_code == 200


def test_staff_endpoints_without_login_are_401(site: Site) -> None:
    client = site.client()
    for path in ("/api/v1/tickets", "/api/v1/counters", "/api/v1/status", "/api/v1/reports/daily"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json["error"]["code"] == "unauthorized"


def test_session_serializer_is_built_once_and_cookieless_requests_get_an_empty_session(
    site: Site,
) -> None:
    """web.kit.guard.CookieSessions: same signed cookies as Flask's, without rebuilding the
    serializer per request; a request without a Cookie header opens an empty session."""
    app = site.app
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert first is not None and interface.get_signing_serializer(app) is first
    with app.test_request_context("/api/v1/me"):
        opened = interface.open_session(app, request)
        assert opened is not None and dict(opened) == {}
    signed = first.dumps({"officer_id": 7})
    with app.test_request_context("/", headers={"Cookie": f"mpp_session={signed}"}):
        assert dict(interface.open_session(app, request) or {}) == {"officer_id": 7}
    with app.test_request_context("/", headers={"Cookie": f"mpp_session={signed}x"}):
        assert dict(interface.open_session(app, request) or {}) == {}  # bad signature
