"""The kiosk's booking check-in over HTTP (SPEC §8): `POST /api/v1/bookings/check-in` with a real
token signed by `appliance.bookings.token.sign` (the site trusts its public key through the
catalogue's `booking_keys`, as central delivers it) or a typed code of a booking synced down, on a
real SQLite file. Every refusal with its status and code, the ticket's shape, the window, and the
admin's list of trusted keys."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from appliance.bookings.codes import display, new_code
from appliance.bookings.token import BookingClaim, key_id, new_key_pair, sign
from appliance.catalogue.store import apply_catalogue, export_catalogue, validate_catalogue
from appliance.storage.database import connected
from appliance.storage.models import Booking, Outbox, Service
from tests.support.web_site import Site

SITE = "9999-MPP"  # the small catalogue's site
TODAY = "2025-03-12"  # the test clock: Wednesday 09:00 WIB
KTP = "DUKCAPIL-KTP"
CHECK_IN = "/api/v1/bookings/check-in"


@pytest.fixture
def seed(site: Site) -> str:
    """A booking key pair; the site trusts its public key (central's config document)."""
    private, public = new_key_pair()
    doc = export_catalogue(site.core.db)
    doc.pop("version")
    doc["booking_keys"] = [{"kid": key_id(public), "public_key": public}]
    apply_catalogue(site.core.db, validate_catalogue(doc), clock=site.core.clock)
    return private


def token(
    seed: str,
    *,
    code: str | None = None,
    site: str = SITE,
    day: str = TODAY,
    start: str = "09:00",
    end: str = "10:00",
) -> str:
    claim = BookingClaim(site, code or new_code(), KTP, day, start, end)
    return sign(claim, seed)


def synced(site: Site, *, status: str = "booked", start: str = "09:00") -> str:
    """A booking as it arrives down the wire: stored before anyone checks it in."""
    code = new_code()
    with site.core.db.write():
        Booking.insert(
            code=code,
            service=KTP,
            business_date=TODAY,
            slot_start=start,
            slot_end="10:00" if start == "09:00" else "12:00",
            token="",
            status=status,
            seq=1,
            received_at="2025-03-10T10:00:00+07:00",
            origin="sync",
        ).execute()
    return code


def refusal(response: object) -> tuple[int, str]:
    return response.status_code, response.json["error"]["code"]  # type: ignore[attr-defined]


def test_a_scanned_token_in_its_window_gets_a_booked_ticket(site: Site, seed: str) -> None:
    answer = site.kiosk().post(CHECK_IN, json={"token": token(seed)})
    assert answer.status_code == 201, answer.json
    ticket = answer.json
    assert ticket["source"] == "booking" and ticket["state"] == "waiting"
    assert ticket["service"] == KTP and ticket["number"] == "A-001"
    assert ticket["in_window"] is True and ticket["note"] is None
    booking = ticket["booking"]
    assert booking["slot_start"] == "09:00" and booking["slot_end"] == "10:00"
    assert booking["date"] == TODAY and booking["via"] == "token"
    assert booking["display_code"] == display(booking["code"])
    assert ticket["printed"] is False and ticket["printer"] == "disabled"
    with connected(site.core.db):
        types = [e.type for e in Outbox.select().order_by(Outbox.seq)]
        event = Outbox.get(Outbox.type == "booking.checked_in")
    assert types[-2:] == ["ticket.issued", "booking.checked_in"]  # one transaction, in order
    data = json.loads(event.data)
    assert data["ticket_id"] == ticket["id"] and data["in_window"] is True


def test_a_typed_code_with_dashes_in_any_case_finds_a_synced_booking(site: Site) -> None:
    code = synced(site)
    typed = display(code).lower()  # "abc-def-ghj" as a citizen types it
    answer = site.kiosk().post(CHECK_IN, json={"code": typed})
    assert answer.status_code == 201, answer.json
    assert answer.json["booking"]["code"] == code and answer.json["booking"]["via"] == "code"
    assert answer.json["source"] == "booking"


def test_outside_its_window_it_queues_as_a_walk_in_and_says_why(site: Site, seed: str) -> None:
    early = site.kiosk().post(CHECK_IN, json={"token": token(seed, start="11:00", end="12:00")})
    assert early.status_code == 201
    assert early.json["in_window"] is False and early.json["note"]["code"] == "early"
    assert "sebelum waktu booking (11.00–12.00)" in early.json["note"]["message"]
    assert "10.30" in early.json["note"]["message"]  # the window opens 30 minutes early
    english = site.kiosk().post(
        CHECK_IN + "?lang=en", json={"token": token(seed, start="07:00", end="08:00")}
    )
    assert english.status_code == 201 and english.json["note"]["code"] == "late"
    message = english.json["note"]["message"]
    assert message.startswith("Your booking time (07:00–08:00) has passed (the limit was 08:15)")


def test_bookings_never_use_the_walk_in_quota(site: Site, seed: str) -> None:
    with site.core.db.write():
        Service.update(daily_quota=1).where(Service.code == KTP).execute()
    kiosk = site.kiosk()
    assert kiosk.post("/api/v1/tickets", json={"service": KTP}).status_code == 201
    assert refusal(kiosk.post("/api/v1/tickets", json={"service": KTP})) == (422, "quota_reached")
    assert kiosk.post(CHECK_IN, json={"token": token(seed)}).status_code == 201


def test_a_code_used_twice_is_refused_with_the_first_time(site: Site, seed: str) -> None:
    scanned = token(seed)
    first = site.kiosk().post(CHECK_IN, json={"token": scanned})
    assert first.status_code == 201
    site.clock.advance(timedelta(minutes=12))
    again = site.kiosk().post(CHECK_IN, json={"token": scanned})
    assert refusal(again) == (409, "already_checked_in")
    message = again.json["error"]["message"]
    assert "pukul 09.00" in message and first.json["number"] in message
    typed = site.kiosk().post(CHECK_IN, json={"code": first.json["booking"]["code"]})
    assert refusal(typed) == (409, "already_checked_in")  # the token stored the booking


def test_each_refusal_has_its_status_and_code(site: Site, seed: str) -> None:
    kiosk = site.kiosk()
    _, stranger = new_key_pair()
    other_seed, _ = new_key_pair()
    good = token(seed)
    cases = {
        "unknown code": ({"code": new_code()}, (404, "unknown_booking")),
        "mistyped code": ({"code": "ABC-DEF-GH1"}, (422, "bad_code")),
        "short code": ({"code": "ABCD"}, (422, "bad_code")),
        "untrusted key": ({"token": token(other_seed)}, (403, "bad_signature")),
        "tampered": ({"token": good[:-3] + ("AAA" if good[-3:] != "AAA" else "BBB")}, None),
        "not a token": ({"token": "B1.abc"}, (403, "bad_signature")),
        "other site": ({"token": token(seed, site="0001-MPP")}, (422, "wrong_site")),
        "other day": ({"token": token(seed, day="2025-03-13")}, (422, "wrong_day")),
        "cancelled": ({"code": synced(site, status="cancelled")}, (422, "cancelled")),
    }
    for name, (body, expected) in cases.items():
        answer = kiosk.post(CHECK_IN, json=body)
        if expected is None:
            expected = (403, "bad_signature")
        assert refusal(answer) == expected, (name, answer.json)
        assert answer.json["error"]["message"], name
    assert stranger  # a public key alone signs nothing
    with connected(site.core.db):
        assert Outbox.select().where(Outbox.type == "booking.checked_in").count() == 0


def test_refusals_come_in_the_pages_language(site: Site, seed: str) -> None:
    answer = site.kiosk().post(CHECK_IN + "?lang=en", json={"code": new_code()})
    assert refusal(answer) == (404, "unknown_booking")
    assert "Booking" in answer.json["error"]["message"]
    assert "belum" not in answer.json["error"]["message"]


def test_bounded_input(site: Site) -> None:
    kiosk = site.kiosk()
    assert refusal(kiosk.post(CHECK_IN, json={})) == (400, "missing_booking")
    both = kiosk.post(CHECK_IN, json={"code": "ABC", "token": "B1.x"})
    assert refusal(both) == (400, "missing_booking")
    assert refusal(kiosk.post(CHECK_IN, json={"code": 12})) == (400, "invalid_field")
    assert refusal(kiosk.post(CHECK_IN, json={"token": "B1." + "x" * 2000})) == (422, "too_long")
    assert refusal(kiosk.post(CHECK_IN, json={"code": "A" * 40})) == (422, "too_long")
    assert kiosk.post(CHECK_IN, data="{", content_type="application/json").status_code == 400
    assert refusal(site.client().post(CHECK_IN, json={"code": new_code()}))[0] == 401


def test_the_admin_sees_the_trusted_keys_and_the_kiosk_does_not(site: Site, seed: str) -> None:
    listed = site.staff("admin").get("/api/v1/admin/booking-keys")
    assert listed.status_code == 200 and listed.json["total"] == 1
    key = listed.json["items"][0]
    assert key["origin"] == "config" and key["since"] == "2025-03-12T09:00:00+07:00"
    assert key["kid"] == key_id(key["public_key"])
    assert site.kiosk().get("/api/v1/admin/booking-keys").status_code == 403
