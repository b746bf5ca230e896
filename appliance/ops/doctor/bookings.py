"""`mpp doctor`'s bookings check: a site that takes bookings must be able to check them in.

A booking's QR token is verified with the site's public keys (central's `booking_keys`, or a key
trusted by hand with `mpp bookings trust-key`). A box whose catalogue makes services bookable but
that trusts no key refuses every scanned booking as `bad_signature` — at the kiosk, in front of
the citizen. This says so before the first citizen does, and says how to fix it.
"""

from __future__ import annotations

import json

from appliance.ops.doctor.findings import Checkup, Finding
from appliance.ops.doctor.storage import query


def check_bookings(c: Checkup) -> list[Finding]:
    # Imported here: `mpp` imports the doctor's checks to list its commands, and the storage
    # models bring peewee, which (imported before `mpp run` makes itself lean) loads psycopg and
    # OpenSSL into the appliance process: +12 MB of B5, seen by tests/bench (B13, B5p).
    from appliance.storage.state import BOOKING_WORDS

    t = c.t
    kept = query(c, "SELECT value FROM state WHERE key = ?", (BOOKING_WORDS,))
    if not kept:
        return []  # no database (check_database says why) or a catalogue without bookings
    try:
        quotas = json.loads(str(kept[0][0])).get("services", {})
    except (ValueError, AttributeError):
        return []
    bookable = sorted(code for code, quota in quotas.items() if quota)
    if not bookable:
        return []
    keys = query(c, "SELECT count(*) FROM booking_key") or [(0,)]
    count = int(str(keys[0][0]))
    if count == 0:
        return [
            Finding(
                "bookings",
                "warn",
                t(
                    f"{len(bookable)} layanan bisa dibooking, tetapi belum ada kunci booking:"
                    " setiap QR booking akan ditolak di kiosk",
                    f"{len(bookable)} services are bookable, but no booking key is trusted:"
                    " every booking QR will be refused at the kiosk",
                ),
                t(
                    "Sambungkan ke pusat (kunci datang bersama katalog), atau salin kunci publik"
                    " situs dari halaman admin pusat: `mpp bookings trust-key <kunci>`.",
                    "Connect to central (the keys come with the catalogue), or copy the site's"
                    " public key from central's admin page: `mpp bookings trust-key <key>`.",
                ),
            )
        ]
    return [
        Finding(
            "bookings",
            "ok",
            t(
                f"{len(bookable)} layanan bisa dibooking; {count} kunci booking dipercaya",
                f"{len(bookable)} services bookable; {count} booking keys trusted",
            ),
        )
    ]
