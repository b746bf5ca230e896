"""How long each counter has been in its present state (issue 17 item 4): the admin's live view
says "Melayani A-012 · 6 menit", "Istirahat · 12 menit". The minutes come from the device's clock
(`state_minutes`), counted from the call, the start, the pause, or the last ticket's end / the
resume for a free counter; a free counter with nothing today has no figure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.web_site import Site


def _l02(site: Site) -> dict[str, Any]:
    items = site.staff("budi").get("/api/v1/counters").json["items"]
    found: dict[str, Any] = next(c for c in items if c["code"] == "L02")
    return found


def test_minutes_in_each_state_by_the_devices_clock(site: Site) -> None:
    budi = site.staff("budi")
    assert _l02(site)["state_minutes"] is None  # free, nothing at this counter today
    site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    budi.post("/api/v1/counters/L02/next")
    site.clock.advance(timedelta(minutes=2, seconds=30))
    called = _l02(site)
    assert called["current"]["state"] == "called" and called["state_minutes"] == 2
    budi.post("/api/v1/counters/L02/start")
    site.clock.advance(timedelta(minutes=6))
    serving = _l02(site)
    assert serving["current"]["state"] == "serving" and serving["state_minutes"] == 6
    assert serving["state_since"] == serving["current"]["started_at"]
    budi.post("/api/v1/counters/L02/done")
    site.clock.advance(timedelta(minutes=3))
    assert _l02(site)["state_minutes"] == 3  # free since the ticket ended
    budi.post("/api/v1/counters/L02/pause", json={"reason": "istirahat"})
    site.clock.advance(timedelta(minutes=12))
    paused = _l02(site)
    assert paused["pause_reason"] == "istirahat" and paused["state_minutes"] == 12
    budi.post("/api/v1/counters/L02/resume")
    site.clock.advance(timedelta(minutes=1))
    assert _l02(site)["state_minutes"] == 1  # free since the resume, not the older end


def test_yesterdays_end_gives_no_figure_today(site: Site) -> None:
    budi = site.staff("budi")
    site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    budi.post("/api/v1/counters/L02/next")
    budi.post("/api/v1/counters/L02/done")
    site.clock.advance(timedelta(days=1))
    assert _l02(site)["state_minutes"] is None
