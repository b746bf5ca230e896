"""Whatever a client sends, the API answers with a fitting 4xx JSON error and never a 5xx.

Schemathesis generates requests from the app's own /api/v1/openapi.json (inputs that fit the
schema and inputs that do not) against the WSGI app on a real database, as an administrator
(the widest reach) and anonymously; then the cases a fuzzer rarely finds: oversized bodies,
wrong types, unknown codes, huge ids, expired sessions. CI: 8 examples per operation and mode;
MPP_RELIABILITY=long: 60.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from tests.reliability.inprocess import PASSWORD, App, build
from tests.support.reliability import long_mode

SKIPPED = {"/api/v1/stream"}  # an endless stream by design (tested in the board tests)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    built = build(tmp_path_factory.mktemp("bad-input"))
    kiosk = built.app.test_client()
    for _ in range(3):  # something to find for ids 1..3
        kiosk.post(
            "/api/v1/tickets",
            json={"service": "MPP-INFORMASI"},
            headers={"Authorization": "Bearer " + built.tokens["kiosk"]},
        )
    yield built
    built.core.db.close()


def problems_with(status: int, path: str, body: Any) -> str | None:
    if status >= 500:
        return f"{status}"
    if status >= 400 and (path.startswith("/api/") or path == "/healthz"):
        error = body.get("error") if isinstance(body, dict) else None
        if not (
            isinstance(error, dict)
            and isinstance(error.get("code"), str)
            and isinstance(error.get("message"), str)
        ):
            return f"{status} without a JSON error: {body!r:.200}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("as_admin", [True, False], ids=["admin", "anonymous"])
def test_generated_requests_never_get_a_5xx(site: App, as_admin: bool) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path not in SKIPPED]
    assert len(operations) >= 45
    headers = {"Authorization": "Bearer " + site.tokens["admin"]} if as_admin else {}
    examples = 60 if long_mode() else 8
    found: list[str] = []
    calls = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                nonlocal calls
                calls += 1
                response = case.call(headers=headers)
                try:
                    body = response.json()
                except ValueError:
                    body = None
                problem = problems_with(response.status_code, response.request.path_url, body)
                if problem and len(found) < 20:
                    found.append(
                        f"{case.method} {response.request.path_url} body={case.body!r:.120}: "
                        f"{problem}"
                    )

            try:
                check()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing in it can be made invalid
    print(f"schemathesis: {calls} requests over {len(operations)} operations, {len(found)} bad")
    assert found == []


def send(client: FlaskClient, method: str, path: str, token: str, **kw: Any) -> Any:
    headers = {"Authorization": "Bearer " + token, **kw.pop("headers", {})}
    return client.open(path, method=method, headers=headers, **kw)


def assert_json_error(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code


def test_an_oversized_body_is_refused_with_413(site: App) -> None:
    client = site.app.test_client()
    huge = b'{"service": "' + b"A" * (3 * 1024 * 1024) + b'"}'
    response = send(
        client,
        "POST",
        "/api/v1/tickets",
        site.tokens["kiosk"],
        data=huge,
        headers={"Content-Type": "application/json"},
    )
    assert_json_error(response, 413, "too_large")
    catalogue = send(
        client,
        "PUT",
        "/api/v1/admin/catalogue",
        site.tokens["admin"],
        data=huge,
        headers={"Content-Type": "application/json"},
    )
    assert_json_error(catalogue, 413)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"service": 123}', "application/json", 400),
        (b'{"service": ["MPP-INFORMASI"]}', "application/json", 400),
        (b'{"service": "MPP-INFORMASI", "priority": "yes"}', "application/json", 400),
        (b'{"service": "MPP-INFORMASI", "priority_reason": 7}', "application/json", 400),
        (b'["MPP-INFORMASI"]', "application/json", 400),
        (b'{"service": "MPP-INFORMASI"', "application/json", 400),
        (b"service=MPP-INFORMASI", "application/x-www-form-urlencoded", 415),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b'{"service": "KODE-TIDAK-ADA"}', "application/json", 404),
        (b'{"service": "../../etc/passwd"}', "application/json", 400),
        (b"", "application/json", 400),
    ],
)
def test_wrong_ticket_bodies_get_a_clear_4xx(
    site: App, body: bytes, content_type: str, status: int
) -> None:
    response = send(
        site.app.test_client(),
        "POST",
        "/api/v1/tickets",
        site.tokens["kiosk"],
        data=body,
        headers={"Content-Type": content_type},
    )
    assert_json_error(response, status)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/tickets/99999999999999999999999999", 404),
        ("GET", "/api/v1/tickets/0", 404),
        ("POST", "/api/v1/tickets/99999999999999999999999999/cancel", 404),
        ("GET", "/api/v1/announcements/99999999999999999999999.wav", 404),
        ("GET", "/api/v1/board?since=-1", 400),
        ("GET", "/api/v1/board?since=abc", 400),
        ("GET", "/api/v1/board?since=99999999999999999999999999", 400),
        ("GET", "/api/v1/tickets?date=2025-02-30", 400),
        ("GET", "/api/v1/tickets?limit=-5", 400),
        ("GET", "/api/v1/tickets?state=flying", 400),
        ("GET", "/api/v1/reports/daily?date=yesterday", 400),
        ("POST", "/api/v1/counters/ZZZ/next", 404),
        ("POST", "/api/v1/counters/L02/transfer", 400),
        ("GET", "/api/v1/track/" + "x" * 500, 404),
        ("PATCH", "/api/v1/admin/officers/tidak-ada", 400),
        ("DELETE", "/api/v1/admin/services/TIDAK-ADA", 404),
    ],
)
def test_unknown_codes_and_bad_queries_get_a_clear_4xx(
    site: App, method: str, path: str, status: int
) -> None:
    response = send(site.app.test_client(), method, path, site.tokens["admin"])
    assert_json_error(response, status)


def test_an_expired_session_is_logged_out(site: App) -> None:
    client = site.app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "kepala", "password": PASSWORD})
    csrf = login.get_json()["csrf_token"]
    assert client.get("/api/v1/counters").status_code == 200
    with client.session_transaction() as session:
        session["started"] = time.time() - 13 * 3600  # session_hours is 12
    assert_json_error(client.get("/api/v1/counters"), 401, "unauthorized")
    response = client.post("/api/v1/counters/L02/pause", headers={"X-CSRF-Token": csrf})
    assert_json_error(response, 401, "unauthorized")
    with client.session_transaction() as session:
        assert "officer_id" not in session


def test_a_forged_session_cookie_is_ignored(site: App) -> None:
    client = site.app.test_client()
    client.set_cookie("mpp_session", "eyJvZmZpY2VyX2lkIjoxfQ.forged.signature")
    assert_json_error(client.get("/api/v1/counters"), 401, "unauthorized")


def test_the_document_itself_is_valid_enough_to_load(tmp_path: Path, site: App) -> None:
    doc = site.app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert all(p.startswith(("/api/v1/", "/healthz")) for p in doc["paths"])
