"""A booking checked in at the real `mpp run` (SPEC §8): the lean process (no OpenSSL, two malloc
arenas) verifies a real Ed25519 token with PyNaCl, loaded at the first check-in, and answers the
ticket; a code used twice and a forged token are refused. The server's resident memory before and
after the first check-in is printed (the signature library's cost in the served process)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from appliance.bookings.codes import new_code
from appliance.bookings.token import BookingClaim, key_id, new_key_pair, sign
from tests.support.live_appliance import Client, LiveAppliance, kota_metro, prepare

PASPOR = "IMIGRASI-PASPOR-BARU"
CHECK_IN = "/api/v1/bookings/check-in"


def test_the_served_process_checks_a_signed_token_in(tmp_path: Any) -> None:
    seed, public = new_key_pair()
    catalogue = kota_metro()
    catalogue["booking_keys"] = [{"kid": key_id(public), "public_key": public}]
    zone = ZoneInfo(catalogue["site"]["timezone"])
    prepared = prepare(tmp_path / "served", catalogue, tokens=(("kios", "kiosk", ()),))
    today = datetime.now(zone).date().isoformat()  # the real clock: `mpp run` keeps its own
    claim = BookingClaim(catalogue["site"]["code"], new_code(), PASPOR, today, "00:00", "23:00")
    token = sign(claim, seed)
    other_seed, _ = new_key_pair()
    with LiveAppliance(prepared) as app:
        client = Client(prepared.port, prepared.tokens["kios"], timeout=60)
        try:
            before = app.rss_kb()["VmRSS"]
            status, ticket, _ = client.request("POST", CHECK_IN, {"token": token})
            after = app.rss_kb()["VmRSS"]
            assert status == 201, ticket
            assert ticket["source"] == "booking" and ticket["service"] == PASPOR
            assert ticket["booking"]["code"] == claim.code and ticket["booking"]["via"] == "token"
            status, again, _ = client.request("POST", CHECK_IN, {"token": token})
            assert status == 409 and again["error"]["code"] == "already_checked_in"
            forged = sign(replace(claim, code=new_code()), other_seed)
            status, refused, _ = client.request("POST", CHECK_IN, {"token": forged})
            assert status == 403 and refused["error"]["code"] == "bad_signature"
        finally:
            client.close()
        assert "Traceback" not in app.log_text()
    print(f"\nmpp run VmRSS before the first check-in {before} kB, after {after} kB")
