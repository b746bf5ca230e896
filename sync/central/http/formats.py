"""How central's pages write times and numbers: a time in the site's own zone with its name
("03/12 19.54 WIB"), a number the Indonesian way ("84,09", "12.345"). The dashboard's script
writes the same with `Intl` (static/dashboard.js), so a redraw does not change how a cell reads;
the raw UTC ISO text and "84.09" beside "84,09" were issue 17 item 6."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.site import DEFAULT_ZONE

NOTHING = "–"


def local_time(stamp: str | None, zone: str | None) -> str:
    """An ISO moment as day/month hour.minute and the zone's short name, in `zone`."""
    if not stamp:
        return NOTHING
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # not a time: shown as it came, never dropped
    try:
        where = ZoneInfo(zone or DEFAULT_ZONE)
    except (ValueError, ZoneInfoNotFoundError):
        where = ZoneInfo(DEFAULT_ZONE)
    return moment.astimezone(where).strftime("%d/%m %H.%M %Z")


def number(value: float | int | None) -> str:
    """Indonesian: a comma before the decimals, a dot between thousands, at most three
    decimals, none when whole (as `Intl.NumberFormat('id-ID')`)."""
    if value is None:
        return NOTHING
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,"))
