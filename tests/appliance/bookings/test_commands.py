"""`mpp bookings` as an administrator uses it, in real subprocesses on a real database: trusting
a key by hand makes the kiosk accept QR codes signed with it, the keys and a day's bookings are
listed, and a bad key is refused with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from appliance.bookings.checkin import check_in
from appliance.bookings.token import key_id, new_key_pair
from appliance.queue.engine import QueueEngine
from appliance.storage.database import connected
from appliance.storage.models import BookingKey
from tests.support.appliance_bookings import TODAY, bookable_site, signed_booking


def mpp(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env["MPP_STORAGE__DATABASE"] = str(db)
    result = subprocess.run(
        [sys.executable, "-m", "appliance.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"mpp {' '.join(args)} failed: {result.stderr}")
    return result


def test_trust_a_key_by_hand_then_check_in_with_it(tmp_path: Path) -> None:
    path = tmp_path / "appliance.db"
    db, clock, _config_seed = bookable_site(path)
    with connected(db):
        BookingKey.delete().execute()  # a site that never reached central: no keys
    seed, public = new_key_pair()

    assert "no booking keys" in mpp(path, "bookings", "keys").stdout
    out = mpp(path, "bookings", "trust-key", "--", public).stdout
    assert f"trusted booking key {key_id(public)} (admin" in out
    mpp(path, "bookings", "trust-key", "--", public)  # again: harmless
    (line,) = mpp(path, "bookings", "keys").stdout.splitlines()
    assert line.split()[:2] == [key_id(public), "admin"] and line.endswith(public)

    code, token = signed_booking(seed)
    ticket = check_in(QueueEngine(db, clock), token=token).ticket
    listing = mpp(path, "bookings", "list", "--date", TODAY).stdout
    assert code[:3] in listing and f"checked in 09:00 {ticket.number} via token" in listing
    assert "in window" in listing
    assert (
        "no bookings for 2025-03-13" in mpp(path, "bookings", "list", "--date", "2025-03-13").stdout
    )

    assert mpp(path, "bookings", "forget-key", key_id(public)).returncode == 0
    assert "no booking keys" in mpp(path, "bookings", "keys").stdout


def test_a_bad_key_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "appliance.db"
    bookable_site(path)
    refused = mpp(path, "bookings", "trust-key", "not-a-key", check=False)
    assert refused.returncode == 1
    assert "not a booking public key" in refused.stderr and "Ed25519" in refused.stderr


def test_help_names_every_action(tmp_path: Path) -> None:
    text = mpp(tmp_path / "none.db", "bookings", "--help").stdout
    for action in ("trust-key", "keys", "forget-key", "list", "Central's admin page"):
        assert action in text
    assert "--date" in mpp(tmp_path / "none.db", "bookings", "list", "--help").stdout
