"""Administration: the catalogue (whole and piece by piece), officers and tokens, the clock."""

from __future__ import annotations

from tests.support.catalogue_fixtures import small_document
from tests.support.web_site import PASSWORD, Site


def test_catalogue_round_trip_and_versioning(site: Site) -> None:
    admin = site.staff("admin")
    doc = admin.get("/api/v1/admin/catalogue").json
    assert doc["format"] == "mpp-catalogue/1" and len(doc["services"]) == 4
    doc["services"][0]["name"] = "Informasi Umum"
    doc.pop("version")
    applied = admin.put("/api/v1/admin/catalogue", json=doc)
    assert applied.status_code == 200
    assert applied.json["version"] == 2 and applied.json["updated"]["services"] == 1
    names = {s["code"]: s["name"] for s in site.client().get("/api/v1/services").json["items"]}
    assert names["MPP-INFORMASI"] == "Informasi Umum"


def test_invalid_catalogue_lists_every_problem_and_changes_nothing(site: Site) -> None:
    admin = site.staff("admin")
    doc = small_document()
    doc["services"][0]["prefix"] = "abc"
    doc["counters"][0]["services"] = ["NOPE"]
    response = admin.put("/api/v1/admin/catalogue", json=doc)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_catalogue"
    assert len(response.json["error"]["details"]) >= 2
    assert admin.get("/api/v1/admin/catalogue").json["version"] == 1


def test_older_catalogue_version_is_refused(site: Site) -> None:
    admin = site.staff("admin")
    doc = small_document()
    doc["version"] = 5
    assert admin.put("/api/v1/admin/catalogue", json=doc).status_code == 200
    doc["version"] = 3
    assert admin.put("/api/v1/admin/catalogue", json=doc).status_code == 422


def test_service_crud_goes_through_catalogue_versions(site: Site) -> None:
    admin = site.staff("admin")
    new = {
        "code": "DUKCAPIL-AKTA",
        "agency": "DUKCAPIL",
        "name": "Akta Kelahiran",
        "prefix": "A",
        "avg_service_minutes": 10,
        "daily_quota": None,
        "requirements": [],
        "fee": "Gratis",
    }
    unserved = admin.post("/api/v1/admin/services", json=new)
    assert unserved.status_code == 422 and "counter" in str(unserved.json["error"]["details"])
    new["counters"] = ["L02"]
    created = admin.post("/api/v1/admin/services", json=new)
    assert created.status_code == 201 and created.json["added"]["services"] == 1
    assert admin.post("/api/v1/admin/services", json=new).status_code == 409
    assert (
        admin.patch("/api/v1/admin/services/DUKCAPIL-AKTA", json={"daily_quota": 20}).status_code
        == 200
    )
    listed = {s["code"]: s for s in admin.get("/api/v1/admin/services").json["items"]}
    assert listed["DUKCAPIL-AKTA"]["daily_quota"] == 20
    l02 = next(c for c in admin.get("/api/v1/admin/counters").json["items"] if c["code"] == "L02")
    assert "DUKCAPIL-AKTA" in l02["services"]
    bad = admin.patch("/api/v1/admin/services/DUKCAPIL-AKTA", json={"prefix": "a1"})
    assert bad.status_code == 422
    assert admin.delete("/api/v1/admin/services/DUKCAPIL-AKTA").status_code == 200
    assert admin.delete("/api/v1/admin/services/DUKCAPIL-AKTA").status_code == 404
    assert admin.get("/api/v1/admin/catalogue").json["version"] == 4


def test_removed_service_keeps_its_issued_tickets_readable(site: Site) -> None:
    ticket = site.kiosk().post("/api/v1/tickets", json={"service": "POLRES-SKCK"}).json
    admin = site.staff("admin")
    doc = admin.get("/api/v1/admin/catalogue").json
    doc["counters"] = [c for c in doc["counters"] if c["code"] != "L03"]
    doc["services"] = [s for s in doc["services"] if s["code"] != "POLRES-SKCK"]
    doc["agencies"] = [a for a in doc["agencies"] if a["code"] != "POLRES"]
    doc.pop("version")
    assert admin.put("/api/v1/admin/catalogue", json=doc).status_code == 200
    tracked = site.client().get(f"/api/v1/track/{ticket['status_token']}")
    assert tracked.status_code == 200 and tracked.json["service_name"] == "SKCK"
    codes = [s["code"] for s in site.client().get("/api/v1/services").json["items"]]
    assert "POLRES-SKCK" not in codes


def test_officers_and_tokens(site: Site) -> None:
    admin = site.staff("admin")
    made = admin.post(
        "/api/v1/admin/officers",
        json={
            "username": "dewi",
            "password": "rahasia-loket-9",
            "role": "officer",
            "counters": ["L01"],
        },
    )
    assert made.status_code == 201 and made.json["counters"] == ["L01"]
    weak = admin.post("/api/v1/admin/officers", json={"username": "eko", "password": "123"})
    assert weak.status_code == 422
    assert admin.post("/api/v1/admin/officers", json={"username": "eko"}).status_code == 400
    assert admin.patch("/api/v1/admin/officers/dewi", json={"counters": ["L01", "L02"]}).json[
        "counters"
    ] == ["L01", "L02"]
    assert admin.patch("/api/v1/admin/officers/nobody", json={}).status_code == 404
    assert admin.patch("/api/v1/admin/officers/admin", json={"active": False}).status_code == 409
    token = admin.post("/api/v1/admin/tokens", json={"name": "kiosk-2", "role": "kiosk"})
    assert token.status_code == 201 and token.json["token"].startswith("mpp_")
    listed = admin.get("/api/v1/admin/tokens").json["items"]
    assert {t["name"] for t in listed} == {"kiosk-lobby", "kiosk-2"}
    assert all("token" not in t for t in listed)
    assert admin.delete("/api/v1/admin/tokens/kiosk-2").json["revoked"] is True
    unknown = admin.delete("/api/v1/admin/tokens/no-such-token")
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "token_not_found"
    client = site.client()
    refused = client.get(
        "/api/v1/auth/me", headers={"Authorization": "Bearer " + token.json["token"]}
    )
    assert refused.status_code == 401
    assert PASSWORD


def test_clock_confirmation_is_admin_only_and_validated(site: Site) -> None:
    kepala = site.staff("kepala")
    assert (
        kepala.post("/api/v1/admin/clock", json={"now": "2025-03-12T09:00:00+07:00"}).status_code
        == 403
    )
    admin = site.staff("admin")
    assert admin.post("/api/v1/admin/clock", json={"now": "kemarin"}).status_code == 400
    assert admin.post("/api/v1/admin/clock", json={"now": "2025-03-12T09:00:00"}).status_code == 400
    # The test clock is a ManualClock, which cannot be confirmed from a browser.
    assert (
        admin.post("/api/v1/admin/clock", json={"now": "2025-03-12T09:00:00+07:00"}).status_code
        == 409
    )


def test_status_reports_printer_sync_clock_disk(site: Site) -> None:
    status = site.staff("budi").get("/api/v1/status").json
    assert status["printer"]["state"] == "disabled"
    assert status["sync"]["backlog"] >= 1 and status["sync"]["connected"] is False
    assert status["clock"]["business_date"] == "2025-03-12"
    assert status["clock"]["clock_behind"] is False
    assert status["disk"]["free_bytes"] > 0
    assert site.client().get("/healthz").json["ok"] is True
