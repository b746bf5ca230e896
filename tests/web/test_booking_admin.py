"""The admin's booking words over HTTP (SPEC §8): a service's `booking_quota` through the piece-by-
piece editor, the site's `booking` settings through the whole catalogue (as the admin page sends
them), each refused value named by the catalogue check, and nothing changed by a refusal."""

from __future__ import annotations

from tests.support.web_site import Site


def test_a_services_booking_quota_is_edited_like_its_other_fields(site: Site) -> None:
    admin = site.staff("admin")
    changed = admin.patch("/api/v1/admin/services/DUKCAPIL-KTP", json={"booking_quota": 12})
    assert changed.status_code == 200 and changed.json["version"] == 2
    services = {s["code"]: s for s in admin.get("/api/v1/admin/catalogue").json["services"]}
    assert services["DUKCAPIL-KTP"]["booking_quota"] == 12
    assert "booking_quota" not in services["DUKCAPIL-KK"]  # absent stays absent
    closed = admin.patch("/api/v1/admin/services/DUKCAPIL-KTP", json={"booking_quota": 0})
    assert closed.status_code == 200
    services = {s["code"]: s for s in admin.get("/api/v1/admin/catalogue").json["services"]}
    assert services["DUKCAPIL-KTP"]["booking_quota"] == 0  # "not bookable", said aloud


def test_a_bad_booking_quota_is_refused_with_the_field_named(site: Site) -> None:
    admin = site.staff("admin")
    for bad in (-1, "dua", 1.5, 10_001):
        refused = admin.patch("/api/v1/admin/services/DUKCAPIL-KTP", json={"booking_quota": bad})
        assert refused.status_code == 422, bad
        assert refused.json["error"]["code"] == "invalid_catalogue"
        assert any("booking_quota" in line for line in refused.json["error"]["details"]), bad
    assert admin.get("/api/v1/admin/catalogue").json["version"] == 1


def test_the_sites_booking_settings_go_through_the_whole_catalogue(site: Site) -> None:
    admin = site.staff("admin")
    doc = admin.get("/api/v1/admin/catalogue").json
    doc.pop("version")
    doc["site"]["booking"] = {
        "slot_minutes": 30,
        "horizon_days": 7,
        "early_minutes": 20,
        "late_minutes": 10,
    }
    assert admin.put("/api/v1/admin/catalogue", json=doc).status_code == 200
    kept = admin.get("/api/v1/admin/catalogue").json["site"]["booking"]
    assert kept == {"slot_minutes": 30, "horizon_days": 7, "early_minutes": 20, "late_minutes": 10}


def test_each_bad_booking_setting_is_named(site: Site) -> None:
    admin = site.staff("admin")
    doc = admin.get("/api/v1/admin/catalogue").json
    doc.pop("version")
    doc["site"]["booking"] = {
        "slot_minutes": 2,
        "horizon_days": "14",
        "early_minutes": 30,
        "late_minutes": 999,
    }
    refused = admin.put("/api/v1/admin/catalogue", json=doc)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid_catalogue"
    details = " ".join(refused.json["error"]["details"])
    for name in ("slot_minutes", "horizon_days", "late_minutes"):
        assert f"site.booking.{name}" in details, details
    assert "early_minutes" not in details
    assert "booking" not in admin.get("/api/v1/admin/catalogue").json["site"]


def test_a_supervisor_cannot_change_the_booking_settings(site: Site) -> None:
    boss = site.staff("kepala")
    refused = boss.patch("/api/v1/admin/services/DUKCAPIL-KTP", json={"booking_quota": 5})
    assert refused.status_code == 403
