"""Where the site is in time, and what it is called: its zone and its name.

One reader of the site's zone, so the queue (business day), the hardware (receipt times), the
reports and the web agree on "now at the site", and a site without a loaded catalogue falls back
the same way everywhere. It sits at the top, beside the clock, because all of them read it; it
imports nothing of the appliance, so the queue can use it without a circle, and the pure
catalogue check can use its zone names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from peewee import Database

# The zone of a site whose catalogue is not loaded yet: western Indonesia, where most malls are.
DEFAULT_ZONE = "Asia/Jakarta"
# The three Indonesian time zones, by their local abbreviation.
TIME_ZONES = {
    "WIB": DEFAULT_ZONE,
    "WITA": "Asia/Makassar",
    "WIT": "Asia/Jayapura",
}
DEFAULT_SITE_NAME = "Mal Pelayanan Publik"
_TIMEZONE = "SELECT timezone FROM site LIMIT 1"
_NAME = "SELECT name FROM site LIMIT 1"


def zone(name: str) -> ZoneInfo:
    """A time zone from an IANA name or WIB/WITA/WIT."""
    return ZoneInfo(TIME_ZONES.get(name.upper(), name))


def site_zone(db: Database) -> ZoneInfo:
    """The catalogue's zone (IANA name or WIB/WITA/WIT); `DEFAULT_ZONE` before one is loaded."""
    found = db.execute_sql(_TIMEZONE).fetchone()
    return zone(found[0] if found else DEFAULT_ZONE)


def site_name(db: Database) -> str:
    """The catalogue's site name, as printed on receipts; a generic one before it is loaded."""
    found = db.execute_sql(_NAME).fetchone()
    return str(found[0]) if found else DEFAULT_SITE_NAME
