"""How central's pages write times and numbers: a time in the site's own zone with its name
("03/12 19.54 WIB"), a number the Indonesian way ("84,09", "12.345"); on an English page
"03/12 19:54 WIB" and "84.09", "12,345". The dashboard's script writes the same with `Intl`
(static/dashboard.js), so a redraw does not change how a cell reads; the raw UTC ISO text and
"84.09" beside "84,09" were issue 17 item 6."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.site import DEFAULT_ZONE

NOTHING = "–"


def local_time(stamp: str | None, zone: str | None, lang: str = "id") -> str:
    """An ISO moment as day/month hour.minute (hour:minute in English) and the zone's short
    name, in `zone`."""
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
    return moment.astimezone(where).strftime("%d/%m %H:%M %Z" if lang == "en" else "%d/%m %H.%M %Z")


def number(value: float | int | None, lang: str = "id") -> str:
    """Indonesian: a comma before the decimals, a dot between thousands, at most three
    decimals, none when whole (as `Intl.NumberFormat('id-ID')`); English the other way round
    (as `Intl.NumberFormat('en-GB')`)."""
    if value is None:
        return NOTHING
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")
    return text if lang == "en" else text.translate(str.maketrans(",.", ".,"))
