"""The site's own facts that every part of the box reads: its time zone and its name.

One reader, so the queue (business day), the hardware (receipt times), the reports and the web
agree on "now at the site", and a site without a loaded catalogue falls back the same way
everywhere. It sits beside the composition root rather than in `queue/numbering.py`, which stays
pure (no database).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from peewee import Database

from appliance.queue.numbering import DEFAULT_ZONE, zone

DEFAULT_SITE_NAME = "Mal Pelayanan Publik"
_TIMEZONE = "SELECT timezone FROM site LIMIT 1"
_NAME = "SELECT name FROM site LIMIT 1"


def site_zone(db: Database) -> ZoneInfo:
    """The catalogue's zone (IANA name or WIB/WITA/WIT); `DEFAULT_ZONE` before one is loaded."""
    found = db.execute_sql(_TIMEZONE).fetchone()
    return zone(found[0] if found else DEFAULT_ZONE)


def site_name(db: Database) -> str:
    """The catalogue's site name, as printed on receipts; a generic one before it is loaded."""
    found = db.execute_sql(_NAME).fetchone()
    return str(found[0]) if found else DEFAULT_SITE_NAME
