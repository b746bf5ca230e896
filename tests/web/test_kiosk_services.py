"""`GET /api/v1/services` as the kiosk reads it: waits only when a counter can serve, and the
site's hours so the kiosk shows one closed screen that says when it opens again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from appliance.storage.models import Counter, CounterService
from tests.support.web_site import Site


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2025 on the site's clock (the 12th is a Wednesday)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta"))


def ktp(site: Site) -> dict:
    body = site.client().get("/api/v1/services").json
    return next(s for s in body["items"] if s["code"] == "DUKCAPIL-KTP")


def pause_counters_of(site: Site, service: str) -> None:
    with site.core.db.write():
        links = CounterService.select().where(CounterService.service == service)
        codes = [link.counter_id for link in links]
        Counter.update(paused=True).where(Counter.code.in_(codes)).execute()


def test_no_open_counter_gives_no_wait_figure(site: Site) -> None:
    kiosk = site.kiosk()
    for _ in range(3):
        kiosk.post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    pause_counters_of(site, "DUKCAPIL-KTP")
    service = ktp(site)
    assert service["open_counters"] == 0 and service["waiting"] == 3
    assert service["estimated_wait_minutes"] is None  # was 45: "as if one opens"


def test_an_empty_queue_at_an_open_counter_is_no_wait(site: Site) -> None:
    service = ktp(site)
    assert service["open_counters"] == 1 and service["estimated_wait_minutes"] == 0


def test_open_site_says_so(site: Site) -> None:
    body = site.client().get("/api/v1/services").json
    assert body["opening"] == {"open": True, "reason": "open", "next_open": None}


def test_after_closing_says_when_it_opens_again(site: Site) -> None:
    site.clock.jump_to(local(12, 20))  # Wednesday evening
    opening = site.client().get("/api/v1/services").json["opening"]
    assert opening["open"] is False and opening["reason"] == "after_closing"
    assert opening["next_open"] == {"date": "2025-03-13", "time": "08:00"}


def test_friday_evening_opens_again_on_monday(site: Site) -> None:
    site.clock.jump_to(local(14, 17))  # Friday, after 16:30
    opening = site.client().get("/api/v1/services").json["opening"]
    assert opening["next_open"] == {"date": "2025-03-17", "time": "08:00"}


def test_before_opening_says_today(site: Site) -> None:
    site.clock.jump_to(local(12, 6, 30))
    opening = site.client().get("/api/v1/services").json["opening"]
    assert opening["reason"] == "before_opening"
    assert opening["next_open"] == {"date": "2025-03-12", "time": "08:00"}


def test_the_kiosk_offers_booking_check_in_only_where_bookings_are_taken(site: Site) -> None:
    from appliance.bookings.token import key_id, new_key_pair
    from appliance.catalogue.store import apply_catalogue, export_catalogue, validate_catalogue

    kiosk = site.kiosk()
    assert kiosk.get("/api/v1/services").json["bookings"] is False  # no key, nothing bookable
    doc = export_catalogue(site.core.db)
    doc.pop("version")
    doc["services"][0]["booking_quota"] = 4
    apply_catalogue(site.core.db, validate_catalogue(doc), clock=site.core.clock)
    assert kiosk.get("/api/v1/services").json["bookings"] is True  # a bookable service
    doc["services"][0]["booking_quota"] = 0
    _seed, public = new_key_pair()
    doc["booking_keys"] = [{"kid": key_id(public), "public_key": public}]
    apply_catalogue(site.core.db, validate_catalogue(doc), clock=site.core.clock)
    assert kiosk.get("/api/v1/services").json["bookings"] is True  # a key: QR codes can be checked
