"""What a site offers to book: its bookable services and each day's slots with places left.

Central knows a site's catalogue from the newest version it pushed there (`catalogue_versions`);
its hours, `booking` settings and each service's `booking_quota` decide the slots
(`appliance.bookings.slots`, the same rules the appliance uses for a booking's window). A site
central never pushed a catalogue to offers nothing. The day is the site's own (its zone).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from appliance.bookings.settings import BookingSettings, booking_quota, booking_settings
from appliance.bookings.slots import Slot, day_slots, slot_places
from appliance.queue.hours import hours_from_catalogue
from sync.central import reports
from sync.central.booking_models import BookingSlotRow
from sync.central.store import CatalogueRow


@dataclass(frozen=True)
class SiteOffer:
    site: str
    doc: dict[str, Any]
    zone: ZoneInfo
    settings: BookingSettings

    @property
    def name(self) -> str:
        return str(self.doc.get("site", {}).get("name") or self.site)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def last_day(self, now: datetime) -> date:
        return self.today(now) + timedelta(days=self.settings.horizon_days)

    def slots(self, day: date) -> list[Slot]:
        hours = hours_from_catalogue(self.doc.get("hours") or {})
        return day_slots(hours, day, self.settings.slot_minutes)

    def service(self, code: str) -> dict[str, Any] | None:
        for item in self.doc.get("services") or []:
            if item.get("code") == code and booking_quota(self.doc, code) > 0:
                found: dict[str, Any] = item
                return found
        return None

    def local(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone)


def site_offer(site: str, default_zone: ZoneInfo) -> SiteOffer | None:
    row = (
        CatalogueRow.select(CatalogueRow.document)
        .where(CatalogueRow.site == site)
        .order_by(CatalogueRow.version.desc())
        .first()
    )
    if row is None:
        return None
    doc = json.loads(row.document)
    zone = reports.site_names(site, default_zone).zone
    return SiteOffer(site, doc, zone, booking_settings(doc))


def services(offer: SiteOffer) -> list[dict[str, Any]]:
    """The bookable services with what a citizen must bring and pay, and the site's hours."""
    agencies = {a.get("code"): a.get("name", "") for a in offer.doc.get("agencies") or []}
    out = []
    for item in offer.doc.get("services") or []:
        quota = booking_quota(offer.doc, str(item.get("code")))
        if quota <= 0:
            continue
        out.append(
            {
                "code": item["code"],
                "name": item.get("name", item["code"]),
                "agency": item.get("agency"),
                "agency_name": agencies.get(item.get("agency"), ""),
                "requirements": list(item.get("requirements") or []),
                "fee": item.get("fee", ""),
                "booking_quota": quota,
            }
        )
    return out


def slots_left(offer: SiteOffer, service: str, day: date, now: datetime) -> list[dict[str, Any]]:
    """`[{"start", "end", "remaining"}]` of a bookable day; slots already begun are left out."""
    if offer.service(service) is None or not offer.today(now) <= day <= offer.last_day(now):
        return []
    slots = offer.slots(day)
    places = slot_places(booking_quota(offer.doc, service), slots)
    taken = {
        str(start): int(count)
        for start, count in BookingSlotRow.select(BookingSlotRow.slot_start, BookingSlotRow.taken)
        .where(
            (BookingSlotRow.site == offer.site)
            & (BookingSlotRow.service == service)
            & (BookingSlotRow.business_date == day.isoformat())
        )
        .tuples()
    }
    return [
        {
            "start": slot.start_text,
            "end": slot.end_text,
            "remaining": max(places[slot] - taken.get(slot.start_text, 0), 0),
        }
        for slot in slots
        if offer.local(day, slot.start) > now
    ]
