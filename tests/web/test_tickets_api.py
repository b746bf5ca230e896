"""Issuing, listing, tracking and fixing tickets over HTTP."""

from __future__ import annotations

from datetime import timedelta

from tests.support.web_site import Site

TICKET_FIELDS = {
    "id",
    "number",
    "prefix",
    "sequence",
    "business_date",
    "service",
    "agency",
    "state",
    "priority",
    "priority_reason",
    "status_token",
    "issued_at",
    "called_at",
    "counter",
    "people_ahead",
    "estimated_wait_minutes",
    "source",
}


def test_kiosk_issue_returns_the_spec_ticket_shape(site: Site) -> None:
    response = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    assert response.status_code == 201
    ticket = response.json
    assert set(ticket) >= TICKET_FIELDS
    assert ticket["number"] == "A-001" and ticket["sequence"] == 1 and ticket["prefix"] == "A"
    assert ticket["state"] == "waiting" and ticket["source"] == "kiosk"
    assert ticket["people_ahead"] == 0 and ticket["issued_at"].endswith("+07:00")
    assert ticket["printed"] is False and ticket["printer"] == "disabled"  # no printer fitted
    second = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KK"}).json
    assert second["number"] == "A-002"  # one prefix, one sequence per day
    assert second["people_ahead"] == 0  # ahead counts the same service only


def test_priority_needs_the_desk_and_a_reason(site: Site) -> None:
    kiosk = site.kiosk()
    refused = kiosk.post(
        "/api/v1/tickets",
        json={"service": "DUKCAPIL-KTP", "priority": True, "priority_reason": "lansia"},
    )
    assert refused.status_code == 403 and refused.json["error"]["code"] == "priority_needs_desk"
    desk = site.staff("kepala")
    no_reason = desk.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP", "priority": True})
    assert no_reason.status_code == 400
    made = desk.post(
        "/api/v1/tickets",
        json={"service": "DUKCAPIL-KTP", "priority": True, "priority_reason": "disabilitas"},
    )
    assert made.status_code == 201
    assert made.json["priority"] is True and made.json["source"] == "desk"
    assert made.json["priority_reason"] == "disabilitas"


def test_bad_bodies_are_clear_4xx(site: Site) -> None:
    kiosk = site.kiosk()
    cases = [
        (dict(data="not json", content_type="application/json"), 400),
        (dict(data="service=X", content_type="application/x-www-form-urlencoded"), 415),
        (dict(json=["DUKCAPIL-KTP"]), 400),
        (dict(json={}), 400),
        (dict(json={"service": 12}), 400),
        (dict(json={"service": "DUKCAPIL-KTP", "priority": "yes"}), 400),
        (dict(json={"service": "DUKCAPIL-KTP", "priority_reason": "vip"}), 400),
        (dict(json={"service": "NO-SUCH"}), 404),
        (dict(json={"service": "x" * 500}), 422),  # too_long: a rule, not a shape
    ]
    for kwargs, status in cases:
        response = kiosk.post("/api/v1/tickets", **kwargs)
        assert response.status_code == status, (kwargs, response.json)
        assert set(response.json["error"]) >= {"code", "message"}
    assert site.staff("budi").get("/api/v1/tickets").json["total"] == 0  # nothing was issued


def test_closed_hours_refuse_with_the_reason(site: Site) -> None:
    site.clock.jump_to(site.clock.now().replace(hour=20))
    response = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    assert response.status_code == 422
    assert response.json["error"]["message"]
    services = site.client().get("/api/v1/services").json["items"]
    assert all(s["open"] is False and s["closed_reason"] for s in services)


def test_quota_shows_on_services_and_refuses_when_reached(site: Site) -> None:
    from appliance.storage.models import Service

    with site.core.db.write():
        Service.update(daily_quota=2).where(Service.code == "POLRES-SKCK").execute()
    kiosk = site.kiosk()
    for _ in range(2):
        assert kiosk.post("/api/v1/tickets", json={"service": "POLRES-SKCK"}).status_code == 201
    over = kiosk.post("/api/v1/tickets", json={"service": "POLRES-SKCK"})
    assert over.status_code == 422 and over.json["error"]["code"] == "quota_reached"
    skck = next(
        s for s in site.client().get("/api/v1/services").json["items"] if s["code"] == "POLRES-SKCK"
    )
    assert skck["quota_remaining"] == 0 and skck["open"] is False and skck["waiting"] == 2


def test_services_show_waiting_and_estimated_wait(site: Site) -> None:
    kiosk = site.kiosk()
    for _ in range(3):
        kiosk.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    body = site.client().get("/api/v1/services").json
    assert body["site_name"] == "Mal Pelayanan Publik Uji" and body["total"] == 4
    ktp = next(s for s in body["items"] if s["code"] == "DUKCAPIL-KTP")
    assert ktp["waiting"] == 3 and ktp["open_counters"] == 1
    assert ktp["estimated_wait_minutes"] == 3 * 15  # 3 ahead of a newcomer, one counter, 15 min


def test_list_filters_and_counts(site: Site) -> None:
    kiosk = site.kiosk()
    for service in ("DUKCAPIL-KTP", "DUKCAPIL-KTP", "POLRES-SKCK"):
        kiosk.post("/api/v1/tickets", json={"service": service})
    staff = site.staff("budi")
    assert staff.get("/api/v1/tickets").json["total"] == 3
    ktp = staff.get("/api/v1/tickets?service=DUKCAPIL-KTP").json
    assert ktp["total"] == 2 and [t["people_ahead"] for t in ktp["items"]] == [0, 1]
    assert staff.get("/api/v1/tickets?state=done").json["total"] == 0
    assert staff.get("/api/v1/tickets?state=bogus").status_code == 400
    assert staff.get("/api/v1/tickets?date=2025-13-40").status_code == 400
    assert staff.get("/api/v1/tickets?date=2025-03-11").json["total"] == 0
    assert staff.get("/api/v1/tickets?limit=0").status_code == 400


def test_track_is_public_and_hides_staff_fields(site: Site) -> None:
    ticket = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).json
    public = site.client().get(f"/api/v1/track/{ticket['status_token']}")
    assert public.status_code == 200
    assert public.json["number"] == "A-001"
    assert "id" not in public.json and "source" not in public.json
    assert site.client().get("/api/v1/track/unknown-token-123").status_code == 404
    assert site.client().get("/api/v1/track/%3Cscript%3E").status_code == 404


def test_reprint_without_a_printer_says_so(site: Site) -> None:
    ticket = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).json
    staff = site.staff("budi")
    response = staff.post(f"/api/v1/tickets/{ticket['id']}/reprint")
    assert response.status_code == 409 and response.json["error"]["code"] == "printer_disabled"
    assert staff.post("/api/v1/tickets/9999/reprint").status_code == 404


def test_no_show_restore_cancel_and_greeter_transfer(site: Site) -> None:
    kiosk = site.kiosk()
    first = kiosk.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).json
    second = kiosk.post("/api/v1/tickets", json={"service": "MPP-INFORMASI"}).json
    budi = site.staff("budi")
    assert budi.post("/api/v1/counters/L02/next").json["number"] == first["number"]
    for _ in range(2):  # the site's recalls_before_no_show
        budi.post("/api/v1/counters/L02/recall")
    assert budi.post("/api/v1/counters/L02/no-show").json["state"] == "no_show"
    restored = budi.post(f"/api/v1/tickets/{first['id']}/restore")
    assert restored.status_code == 200 and restored.json["state"] == "waiting"
    assert budi.post(f"/api/v1/tickets/{first['id']}/restore").status_code == 409
    assert budi.post(f"/api/v1/tickets/{first['id']}/cancel").status_code == 403
    kepala = site.staff("kepala")
    assert kepala.post(f"/api/v1/tickets/{first['id']}/cancel").json["state"] == "cancelled"
    moved = kepala.post(f"/api/v1/tickets/{second['id']}/transfer", json={"service": "POLRES-SKCK"})
    assert moved.status_code == 200
    assert moved.json["service"] == "POLRES-SKCK" and moved.json["number"] == second["number"]
    assert kepala.post(f"/api/v1/tickets/{second['id']}/transfer", json={}).status_code == 400
    assert (
        budi.post(
            f"/api/v1/tickets/{second['id']}/transfer", json={"service": "DUKCAPIL-KK"}
        ).status_code
        == 403
    )


def test_new_business_day_starts_numbers_again(site: Site) -> None:
    kiosk = site.kiosk()
    assert kiosk.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).json["number"] == "A-001"
    site.clock.advance(timedelta(days=1))
    assert kiosk.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).json["number"] == "A-001"
