"""Central's booking routes over HTTP on both backends: the public API (SPEC §8), its rate
limit, the plain-form pages `/book/{site}` and `/b/{token}` (no script needed), the QR code, and
the admin's key and figures routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from appliance.bookings.token import verify
from sync.central.accounts import create_token
from sync.central.http import CentralWebSettings, create_central_app
from sync.central.http.booking_pages import qr_svg
from sync.central.http.ratelimit import Rate
from sync.central.store import open_central_database
from tests.support.booking_fixtures import KTP, NOW, THURSDAY, offer_bookings
from tests.support.sync_harness import SITE

PUBLIC = "/api/v1/central/public"
pytestmark = pytest.mark.timeout(120)


class Central:
    def __init__(self, app: Flask, admin: str, supervisor: str, clock: list[datetime]) -> None:
        self.app, self.admin, self.supervisor, self.clock = app, admin, supervisor, clock

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def book(self, slot: str = "09:00", **extra: str) -> Any:
        body = {"site": SITE, "service": KTP, "date": THURSDAY, "slot_start": slot, **extra}
        return self.client().post(f"{PUBLIC}/bookings", json=body)


@pytest.fixture
def central(central_url: str) -> Iterator[Central]:
    db = open_central_database(central_url)
    offer_bookings(db)
    clock = [NOW]
    settings = CentralWebSettings(secret_key="k" * 40, now=lambda: clock[0])
    app = create_central_app(
        db, settings, {"BOOKING_WRITE_RATE": Rate(burst=1000, per_second=1000.0)}
    )
    yield Central(
        app, create_token(db, "robot", "admin"), create_token(db, "layar", "supervisor"), clock
    )
    db.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_services_slots_book_status_cancel(central: Central) -> None:
    client = central.client()
    offered = client.get(f"{PUBLIC}/sites/{SITE}/services").json
    assert [s["code"] for s in offered["items"]] == [KTP, "POLRES-SKCK"]
    assert offered["booking"]["slot_minutes"] == 60 and offered["last_date"] == "2025-03-26"
    slots = client.get(f"{PUBLIC}/sites/{SITE}/slots?service={KTP}&date={THURSDAY}").json
    assert slots["items"][1] == {"start": "09:00", "end": "10:00", "remaining": 2}

    made = central.book("11:00")
    assert made.status_code == 201
    body = made.json
    assert set(body) >= {"code", "token", "site", "service", "date", "slot_start", "slot_end",
                         "status"}  # fmt: skip
    assert body["status"] == "booked" and body["slot_end"] == "12:00"
    full = central.book("11:00")
    assert full.status_code == 409 and full.json["error"]["code"] == "slot_full"

    token = body["token"]
    assert client.get(f"{PUBLIC}/bookings/{token}").json["status"] == "booked"
    cancelled = client.post(f"{PUBLIC}/bookings/{token}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert central.book("11:00").status_code == 201  # the place is free again
    assert client.get(f"{PUBLIC}/bookings/B1.nothing").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"slot_start": "12:00"}, 422, "unknown_slot"),
        ({"date": "2025-04-30"}, 422, "bad_date"),
        ({"service": "MPP-INFORMASI"}, 404, "unknown_service"),
        ({"site": "NOPE-MPP"}, 404, "unknown_site"),
        ({"slot_start": 9}, 422, "invalid_field"),
    ],
)
def test_refusals(central: Central, body: dict[str, Any], status: int, code: str) -> None:
    full = {"site": SITE, "service": KTP, "date": THURSDAY, "slot_start": "09:00", **body}
    answer = central.client().post(f"{PUBLIC}/bookings", json=full)
    assert (answer.status_code, answer.json["error"]["code"]) == (status, code)


def test_a_client_past_its_rate_gets_429_with_retry_after(central_url: str) -> None:
    db = open_central_database(central_url)
    try:
        offer_bookings(db)
        settings = CentralWebSettings(secret_key="k" * 40, now=lambda: NOW)
        app = create_central_app(
            db, settings, {"BOOKING_READ_RATE": Rate(burst=3, per_second=0.01)}
        )
        client = app.test_client()
        path = f"{PUBLIC}/sites/{SITE}/services"
        answers = [client.get(path) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].json["error"]["code"] == "rate_limited"
        assert int(answers[3].headers["Retry-After"]) >= 60
        other = client.get(path, environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200  # per address
    finally:
        db.close()


def test_the_booking_page_works_as_plain_forms(central: Central) -> None:
    client = central.client()
    page = client.get(f"/book/{SITE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html
    assert 'lang="id"' in html and "Booking kunjungan" in html and "Kartu Keluarga" in html
    listed = client.get(f"/book/{SITE}?service={KTP}&date={THURSDAY}").get_data(as_text=True)
    assert 'data-slot="09:00"' in listed and "sisa 2" in listed
    posted = client.post(
        f"/book/{SITE}", data={"service": KTP, "date": THURSDAY, "slot_start": "15:00"}
    )
    assert posted.status_code == 303
    target = posted.headers["Location"]
    assert target.startswith("/b/B1.")
    again = client.post(
        f"/book/{SITE}", data={"service": KTP, "date": THURSDAY, "slot_start": "15:00"}
    )
    assert again.status_code == 409 and "penuh" in again.get_data(as_text=True)

    mine = client.get(target).get_data(as_text=True)
    assert '<svg class="qr"' in mine and "Terbooking" in mine
    assert re.search(r'id="code">[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}<', mine)
    assert "Surat pengantar" in mine and "Gratis" in mine
    assert "Jalan Uji 1" in mine  # where to go
    assert "Datang antara 14:30 dan 16:15" in mine
    confirm = client.get(f"{target}?cancel=1").get_data(as_text=True)
    assert 'id="cancel-confirm"' in confirm
    done = client.post(f"{target}/cancel")
    assert done.status_code == 303
    assert "Dibatalkan" in client.get(target).get_data(as_text=True)
    english = client.get(f"{target}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Cancelled" in english
    assert client.get("/book/NOPE-MPP").status_code == 404


def test_the_pages_stay_light_for_a_phone_on_3g(central: Central) -> None:
    """Every byte the browser fetches (the page, its stylesheet, its icon; no script, no font,
    the QR inline): measured 4.0 KB for /book, 6.3 KB with a day's slots, 10.2 KB for /b with
    its QR code (docs/bookings.md). Bounds with room, so a heavy addition is noticed."""
    client = central.client()
    assets = 0
    for name in ("book.css", "icon.svg"):
        answer = client.get(f"/assets/{name}")
        assets += len(answer.get_data())
        answer.close()  # a static file's answer holds the file open until closed
    first = client.get(f"/book/{SITE}").get_data()
    slots = client.get(f"/book/{SITE}?service={KTP}&date={THURSDAY}").get_data()
    page = client.get(f"/b/{central.book().json['token']}").get_data()
    assert b"<script" not in first + slots + page
    assert len(first) + assets < 8_000
    assert len(slots) + assets < 12_000
    assert len(page) + assets < 16_000


def test_the_qr_code_carries_the_token_module_for_module() -> None:
    import qrcode

    token = "B1.abcdefghijkl." + "x" * 140 + "." + "y" * 86
    svg = str(qr_svg(token))
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(token)
    code.make(fit=True)
    matrix = code.get_matrix()
    drawn = [[False] * len(matrix) for _ in matrix]
    path = re.search(r' d="([^"]+)"', svg)
    assert path is not None
    for row in re.finditer(r"M0 (\d+)\.5((?:m\d+ 0h\d+)+)", path.group(1)):
        y, x = int(row.group(1)), 0
        for gap, run in re.findall(r"m(\d+) 0h(\d+)", row.group(2)):
            x += int(gap)
            for dx in range(int(run)):
                drawn[y][x + dx] = True
            x += int(run)
    assert drawn == [list(map(bool, line)) for line in matrix]


def test_admin_keys_rotation_and_figures(central: Central) -> None:
    client = central.client()
    keys = client.get(f"/api/v1/central/sites/{SITE}/booking-keys", headers=bearer(central.admin))
    assert keys.status_code == 200 and len(keys.json["items"]) == 1
    assert "seed" not in keys.get_data(as_text=True)
    refused = client.get(
        f"/api/v1/central/sites/{SITE}/booking-keys", headers=bearer(central.supervisor)
    )
    assert refused.status_code == 403
    old = central.book("08:00").json
    rotated = client.post(
        f"/api/v1/central/sites/{SITE}/booking-keys/rotate", headers=bearer(central.admin)
    )
    assert rotated.status_code == 202 and rotated.json["catalogue_version"] == 2
    listed = client.get(
        f"/api/v1/central/sites/{SITE}/booking-keys", headers=bearer(central.admin)
    ).json["items"]
    assert [k["active"] for k in listed] == [True, False]
    published = {k["kid"]: k["public_key"] for k in listed}
    assert verify(old["token"], published).code == old["code"]
    new = central.book("08:00").json
    assert new["token"].split(".")[1] == rotated.json["active"]["kid"]

    central.book("09:00")
    cancel = central.book("10:00").json
    client.post(f"{PUBLIC}/bookings/{cancel['token']}/cancel")
    central.clock[0] = NOW + timedelta(days=2)  # Thursday is over: the booked ones are no-shows
    figures = client.get(
        "/api/v1/central/reports/bookings?from=2025-03-13&to=2025-03-13",
        headers=bearer(central.supervisor),
    ).json
    assert figures["items"] == [
        {"site": SITE, "date": THURSDAY, "service": KTP, "made": 4, "checked_in": 0,
         "no_show": 3, "cancelled": 1, "booked": 0, "checked_in_after_cancel": 0,
         "in_window": 0},
    ]  # fmt: skip


def logged_in(central: Central, role: str) -> tuple[FlaskClient, str]:
    from sync.central.accounts import add_user

    name = f"{role}-user"
    add_user(central.app.extensions["mpp_central"].db, name, "rahasia-pusat-123", role)
    client = central.client()
    answer = client.post(
        "/api/v1/auth/login", json={"username": name, "password": "rahasia-pusat-123"}
    )
    return client, answer.json["csrf_token"]


def test_the_staff_bookings_page_figures_keys_and_rotation(central: Central) -> None:
    central.book("08:00")
    assert central.client().get("/bookings").status_code == 302  # to the login
    admin, csrf = logged_in(central, "admin")
    page = admin.get("/bookings").get_data(as_text=True)
    assert 'id="booking-figures"' in page and f'data-site="{SITE}"' in page
    keys = admin.get(
        f"/api/v1/central/sites/{SITE}/booking-keys", headers=bearer(central.admin)
    ).json["items"]
    assert f'value="{keys[0]["public_key"]}"' in page
    refused = admin.post(f"/bookings/{SITE}/rotate", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    rotated = admin.post(f"/bookings/{SITE}/rotate", data={"csrf_token": csrf})
    assert rotated.status_code == 303
    after = admin.get(rotated.headers["Location"]).get_data(as_text=True)
    assert 'id="rotated"' in after and after.count('class="public-key"') == 2

    supervisor, csrf = logged_in(central, "supervisor")
    seen = supervisor.get("/bookings").get_data(as_text=True)
    assert 'id="booking-figures"' in seen and "public-key" not in seen
    assert supervisor.post(f"/bookings/{SITE}/rotate", data={"csrf_token": csrf}).status_code == 403


def test_a_checked_in_booking_links_to_its_live_ticket(central: Central) -> None:
    from sync import protocol
    from sync.central.ingest import Ingest

    made = central.book("09:00").json
    at = NOW.isoformat()
    events = [
        {"seq": 1, "id": "e1", "type": "ticket.issued", "at": at, "clock_synced": True,
         "data": {"ticket_id": 7, "business_date": THURSDAY, "number": "A-001", "service": KTP,
                  "status_token": "statusTokenOf7", "source": "booking"}},
        {"seq": 2, "id": "e2", "type": "booking.checked_in", "at": at, "clock_synced": True,
         "data": {"code": made["code"], "ticket_id": 7, "number": "A-001", "service": KTP,
                  "date": THURSDAY, "slot_start": "09:00", "slot_end": "10:00",
                  "in_window": True, "via": "token", "checked_in_at": at}},
    ]  # fmt: skip
    db = central.app.extensions["mpp_central"].db
    batch = protocol.encode_batch(protocol.make_batch(SITE, events))
    Ingest(db).handle(protocol.topic(SITE, protocol.EVENTS), batch)
    status = central.client().get(f"{PUBLIC}/bookings/{made['token']}").json
    assert status["status"] == "checked_in"
    assert status["checked_in"]["ticket"]["status_url"] == f"/t/{SITE}/statusTokenOf7"
    page = central.client().get(f"/b/{made['token']}").get_data(as_text=True)
    assert "Sudah check-in" in page and "A-001" in page
    assert f'href="/t/{SITE}/statusTokenOf7"' in page and '<svg class="qr"' not in page
    assert 'id="cancel"' not in page
