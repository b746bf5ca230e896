"""`mpp bookings`: the site's booking keys and the bookings it holds (SPEC §8).

`trust-key` is for a site that has never reached central: the admin copies the site's public key
from central's admin page and trusts it here, so the kiosk accepts booking QR codes at once. Once
the site is online, central's config documents carry the keys (`booking_keys`) and replace the
ones that came from config; a key trusted by hand stays until `forget-key`.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appliance.commands import Context, Registry

DESCRIPTION = """\
The booking keys this appliance checks booking QR codes with, and the bookings made on central
for this site (received down the wire, or first seen as a QR code at the kiosk)."""

EPILOG = """\
examples:
  mpp bookings trust-key -- PUBLIC_KEY             trust central's public key for this site
  mpp bookings keys                                the trusted keys and where they came from
  mpp bookings list --date 2025-03-13              that day's bookings and their check-ins

Central's admin page shows the site's public key. A site that reaches central gets the keys
with its configuration by itself; trust-key is for one that has not yet (docs/bookings.md)."""


def register(registry: Registry) -> None:
    parser = registry.add(
        "bookings",
        cmd_bookings,
        help="booking keys and the bookings this site holds",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="bookings_action", required=True, metavar="ACTION")
    trust = actions.add_parser(
        "trust-key",
        help="trust a public key for booking QR codes (copied from central's admin page)",
        description="Trust a booking public key by hand: an Ed25519 key, 43 characters of "
        "base64url, as central's admin page shows it. Trusting it again changes nothing. A key "
        "that starts with '-' goes after `--`: mpp bookings trust-key -- -AbC...",
    )
    trust.add_argument("public_key", help="the site's public booking key")
    actions.add_parser(
        "keys",
        help="list the trusted keys (kid, origin config|admin, since)",
        description="The public keys booking QR codes are checked with: `config` ones came "
        "with central's configuration, `admin` ones were trusted by hand.",
    )
    forget = actions.add_parser(
        "forget-key",
        help="stop trusting a key (a config key returns with central's next configuration)",
        description="Remove a trusted key by its kid (see `mpp bookings keys`).",
    )
    forget.add_argument("kid")
    listing = actions.add_parser(
        "list",
        help="the bookings of a day, with their check-ins",
        description="The bookings this site holds for one business day: code, service, slot, "
        "status (booked, cancelled), and the check-in (time, ticket number, inside the window "
        "or not). Then any booking changes from central that were set aside, with the reason.",
    )
    listing.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")


def cmd_bookings(args: argparse.Namespace, ctx: Context) -> int:
    from appliance.bookings import keys
    from appliance.commands import CommandError
    from appliance.runtime import open_core
    from appliance.storage.database import connected

    core = open_core(ctx.config)
    db = core.db
    action = args.bookings_action
    if action == "trust-key":
        try:
            with connected(db), db.write():
                key = keys.trust_key(
                    args.public_key, core.clock.now().isoformat(timespec="seconds")
                )
        except keys.BadKey as exc:
            raise CommandError(f"not a booking public key: {exc}") from None
        print(f"trusted booking key {key.kid} ({key.origin}, since {key.added_at})")
    elif action == "forget-key":
        with connected(db), db.write():
            if not keys.forget_key(args.kid):
                raise CommandError(f"no trusted key {args.kid!r} (see `mpp bookings keys`)")
        print(f"booking key {args.kid} no longer trusted")
    elif action == "keys":
        with connected(db):
            trusted = keys.trusted_keys()
        for key in trusted:
            print(f"{key.kid:14} {key.origin:7} {key.added_at:26} {key.public_key}")
        if not trusted:
            print("no booking keys: booking QR codes cannot be checked in yet")
    else:
        from appliance.bookings.listing import day_bookings, describe

        day = args.date or core.engine.current_day().date
        with connected(db):
            rows, rejected = day_bookings(day)
        for line in describe(rows, rejected, day):
            print(line)
    return 0
