"""Every text an admin or a client sends is bounded by what the receipt, the board and the
reports can show; longer is a 422 naming the field (issue 15, item 7).

Before: the admin API stored a 100,000-character service name (it would be printed on every
receipt of that service and drawn on the board)."""

from __future__ import annotations

from typing import Any

from tests.support.web_site import Site

HUGE = "x" * 100_000


def new_service(**changes: Any) -> dict[str, Any]:
    service = {
        "code": "DUKCAPIL-AKTA",
        "agency": "DUKCAPIL",
        "name": "Akta Kelahiran",
        "prefix": "A",
        "avg_service_minutes": 10,
        "daily_quota": None,
        "requirements": [],
        "fee": "Gratis",
        "counters": ["L02"],
    }
    return service | changes


def test_a_huge_service_name_is_a_422_naming_the_field(site: Site) -> None:
    admin = site.staff("admin")
    refused = admin.post("/api/v1/admin/services", json=new_service(name=HUGE))
    assert refused.status_code == 422, refused.status_code
    details = " ".join(refused.json["error"]["details"])
    assert ".name: 100000 characters, at most 120" in details, details
    listed = [s["code"] for s in admin.get("/api/v1/admin/services").json["items"]]
    assert "DUKCAPIL-AKTA" not in listed
    assert admin.post("/api/v1/admin/services", json=new_service()).status_code == 201


def test_every_catalogue_text_has_a_limit(site: Site) -> None:
    admin = site.staff("admin")
    doc = admin.get("/api/v1/admin/catalogue").json
    doc["version"] = doc["version"] + 1
    doc["site"]["address"] = HUGE
    doc["agencies"][0]["name"] = HUGE
    doc["services"][0]["fee"] = HUGE
    doc["services"][0]["requirements"] = [HUGE] + ["KTP"] * 40
    doc["counters"][0]["name"] = "L" * 41
    doc["counters"][1]["code"] = "L" * 65
    refused = admin.put("/api/v1/admin/catalogue", json=doc)
    assert refused.status_code == 422
    details = " ".join(refused.json["error"]["details"])
    for expected in (
        "site.address: 100000 characters, at most 300",
        "agencies[0].name: 100000 characters, at most 160",
        "services[0].fee: 100000 characters, at most 160",
        "services[0].requirements: 41 requirements, at most 40",
        "services[0].requirements[0]: 100000 characters, at most 200",
        "counters[0].name: 41 characters, at most 40",
        "counters[1].code: 65 characters, at most 64",
    ):
        assert expected in details, (expected, details)


def test_officer_and_token_texts_are_bounded(site: Site) -> None:
    admin = site.staff("admin")
    officer = {"username": "dewi", "password": "rahasia-loket-9", "role": "officer"}
    for changes in ({"display_name": "D" * 81}, {"password": HUGE}, {"username": "u" * 33}):
        refused = admin.post("/api/v1/admin/officers", json=officer | changes)
        assert refused.status_code == 422, (changes.keys(), refused.json)
        assert refused.json["error"]["code"] == "too_long"
        assert "paling banyak" in refused.json["error"]["message"]
    made = admin.post("/api/v1/admin/officers", json=officer | {"display_name": "D" * 80})
    assert made.status_code == 201
    patched = admin.patch("/api/v1/admin/officers/dewi", json={"password": HUGE})
    assert patched.status_code == 422 and patched.json["error"]["code"] == "too_long"
    token = admin.post("/api/v1/admin/tokens", json={"name": "t" * 65, "role": "kiosk"})
    assert token.status_code == 422 and token.json["error"]["code"] == "too_long"
