"""The staff status carries the alarm `mpp sync` raises when another appliance uses this site
code (issue 15 item 4), for the admin page to show in words (`sync_twin`)."""

from __future__ import annotations

import json

from appliance.storage.state import set_state
from tests.support.web_site import Site


def test_staff_status_carries_the_twin_site_alarm(site: Site) -> None:
    officer = site.staff("budi")
    assert officer.get("/api/v1/status").json["sync"]["alarm"] is None
    alarm = {"code": "twin_site", "site": "9999-MPP", "central_through": 120, "last_seq": 80,
             "at": "2026-01-05T10:00:00+07:00"}  # fmt: skip
    with site.core.db.write():
        set_state("sync.alarm", json.dumps(alarm))
    assert officer.get("/api/v1/status").json["sync"]["alarm"] == alarm
    with site.core.db.write():
        set_state("sync.alarm", "not json")  # never a 500 for a broken state row
    assert officer.get("/api/v1/status").json["sync"]["alarm"] is None
