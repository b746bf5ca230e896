"""Central's public booking API (SPEC §8) and the admin's booking routes.

Public: no account, no personal data asked, every route behind a per-address token bucket
(`ratelimit`; reads and writes have separate, stricter buckets for writes). Admin: the site's
booking key (show the public key, rotate, which re-publishes the site's catalogue with the new key
list in the same transaction) and the booking figures.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from appliance.bookings.token import MAX_TOKEN
from sync.central.bookings import book as booking
from sync.central.bookings import figures, keys
from sync.central.bookings.offer import SiteOffer, services, site_offer, slots_left
from sync.central.catalogue import PushRefused, push_catalogue
from sync.central.http.auth import require
from sync.central.http.base import central
from sync.central.http.ratelimit import Rate, TokenBuckets, retry_after
from sync.central.store import CatalogueRow
from sync.protocol import SITE_RE
from web.kit.errors import ApiError
from web.kit.inputs import json_body, query_date, query_text

PUBLIC = "/api/v1/central/public"
LIMITS = "mpp_central_booking_limits"
# A citizen reading slots clicks a few times a minute; a family books a few visits. A client
# past these is a script: reads 60 at once then 2 a second, writes 10 at once then one per 20 s.
READ_RATE = Rate(burst=60, per_second=2.0)
WRITE_RATE = Rate(burst=10, per_second=0.05)
MAX_FIGURE_DAYS = 400

bp = Blueprint("central_bookings", __name__)


def install_limits(app: Flask) -> None:
    """The buckets of this app (`BOOKING_READ_RATE` / `BOOKING_WRITE_RATE` in its config, for a
    test that needs a lower bound)."""
    read = app.config.get("BOOKING_READ_RATE", READ_RATE)
    write = app.config.get("BOOKING_WRITE_RATE", WRITE_RATE)
    app.extensions[LIMITS] = {"read": TokenBuckets(read), "write": TokenBuckets(write)}


def limit(kind: str) -> None:
    """Take a token of the caller's address from the `read` or `write` bucket, or answer 429."""
    buckets: TokenBuckets = current_app.extensions[LIMITS][kind]
    wait = buckets.take(request.remote_addr or "?")
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            "Terlalu banyak permintaan dari alamat ini; coba lagi sebentar lagi.",
            headers={"Retry-After": retry_after(wait)},
        )


def offer_of(site: str) -> SiteOffer:
    offer = site_offer(site, central().zone) if SITE_RE.fullmatch(site) else None
    if offer is None or not services(offer):
        raise ApiError(404, "unknown_site", "Situs ini belum menerima booking.")
    return offer


def refused(exc: booking.BookingRefused) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


def booking_of(token: str) -> Any:
    row = booking.find(token) if 0 < len(token) <= MAX_TOKEN else None
    if row is None:
        raise ApiError(404, "unknown_booking", "Booking tidak ditemukan.")
    return row


def booking_body(row: Any) -> dict[str, Any]:
    return booking.body(row, central().settings.now(), central().zone)


# -- public -------------------------------------------------------------------------------------


@bp.get(f"{PUBLIC}/sites/<site>/services")
def public_services(site: str) -> Response:
    limit("read")
    offer = offer_of(site)
    items = services(offer)
    now = central().settings.now()
    return jsonify(
        {
            "site": site,
            "name": offer.name,
            "timezone": offer.zone.key,
            "hours": offer.doc.get("hours", {}),
            "booking": offer.settings.to_doc(),
            "first_date": offer.today(now).isoformat(),
            "last_date": offer.last_day(now).isoformat(),
            "items": items,
            "total": len(items),
        }
    )


@bp.get(f"{PUBLIC}/sites/<site>/slots")
def public_slots(site: str) -> Response:
    limit("read")
    offer = offer_of(site)
    service = query_text("service") or ""
    if offer.service(service) is None:
        raise ApiError(404, "unknown_service", "Layanan ini tidak dapat dibooking.")
    day = query_date("date") or offer.today(central().settings.now())
    items = slots_left(offer, service, day, central().settings.now())
    return jsonify({"site": site, "service": service, "date": day.isoformat(), "items": items,
                    "total": len(items)})  # fmt: skip


@bp.post(f"{PUBLIC}/bookings")
def public_book() -> tuple[Response, int]:
    limit("write")
    body = json_body()
    values = {}
    for name in ("site", "service", "date", "slot_start"):
        value = body.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            raise ApiError(422, "invalid_field", f"'{name}' wajib diisi (teks).")
        values[name] = value
    return jsonify(create(booking.Request(**values))), 201


def create(wanted: booking.Request) -> dict[str, Any]:
    """Make the booking (shared with the plain-form page), or the refusal as an ApiError."""
    if not SITE_RE.fullmatch(wanted.site):
        raise ApiError(404, "unknown_site", "Situs ini belum menerima booking.")
    context = central()
    try:
        row = booking.book(context.db, wanted, context.settings.now(), context.zone)
    except booking.BookingRefused as exc:
        raise refused(exc) from None
    return booking_body(row)


@bp.get(f"{PUBLIC}/bookings/<path:token>")
def public_status(token: str) -> Response:
    limit("read")
    return jsonify(booking_body(booking_of(token)))


@bp.post(f"{PUBLIC}/bookings/<path:token>/cancel")
def public_cancel(token: str) -> Response:
    limit("write")
    return jsonify(cancel(token))


def cancel(token: str) -> dict[str, Any]:
    context = central()
    booking_of(token)
    try:
        row = booking.cancel(context.db, token, context.settings.now(), context.zone)
    except booking.BookingRefused as exc:
        raise refused(exc) from None
    return booking_body(row)


# -- admin --------------------------------------------------------------------------------------


@bp.get("/api/v1/central/sites/<site>/booking-keys")
@require("admin")
def site_booking_keys(site: str) -> Response:
    """The site's public keys (the seeds never leave central): to copy to an appliance that has
    never reached central (`mpp bookings trust-key`)."""
    if not SITE_RE.fullmatch(site):
        raise ApiError(404, "unknown_site", "Situs tidak dikenal.")
    items = [vars(k) for k in keys.site_keys(site, central().settings.now())]
    return jsonify({"site": site, "items": items, "total": len(items)})


@bp.post("/api/v1/central/sites/<site>/booking-keys/rotate")
@require("admin")
def rotate_booking_key(site: str) -> tuple[Response, int]:
    """A new signing key; the site's newest catalogue is pushed again with the new key list
    (one transaction: the key is never active without its push queued)."""
    body, status = rotate(site)
    return jsonify(body), status


def rotate(site: str) -> tuple[dict[str, Any], int]:
    """The rotation itself (shared with the staff page's form)."""
    context = central()
    newest = (
        CatalogueRow.select()
        .where(CatalogueRow.site == site)
        .order_by(CatalogueRow.version.desc())
        .first()
        if SITE_RE.fullmatch(site)
        else None
    )
    if newest is None:
        raise ApiError(
            404, "no_catalogue", "Kirim katalog ke situs ini dulu; kuncinya ikut katalog."
        )
    offer = site_offer(site, context.zone)
    horizon = offer.settings.horizon_days if offer is not None else 14
    now = context.settings.now()
    document = _document(str(newest.document))
    try:
        with context.db.atomic():
            key = keys.rotate(context.db, site, now, horizon)
            push = push_catalogue(context.db, site, document, keys_at=now)
    except PushRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message, details=list(exc.problems)) from None
    return {"site": site, "active": vars(key), "catalogue_version": push.version}, 202


def _document(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    doc.pop("version", None)  # the next version is taken
    return doc


@bp.get("/api/v1/central/reports/bookings")
@require("supervisor")
def booking_figures() -> Response:
    """Bookings made, checked in (after a cancellation among them), no-shows of bookings and
    cancelled, per site, service and day (?from=&to=&site=); default the last 30 days."""
    now = central().settings.now().astimezone(central().zone).date()
    end = query_date("to") or now
    start = query_date("from") or end - timedelta(days=29)
    if start > end or (end - start).days >= MAX_FIGURE_DAYS:
        raise ApiError(422, "invalid_period", f"Periode 1..{MAX_FIGURE_DAYS} hari.")
    site = query_text("site")
    rows = figures.booking_figures(start, end, site, central().settings.now(), central().zone)
    return jsonify({"from": start.isoformat(), "to": end.isoformat(), "items": rows,
                    "total": len(rows), "totals": figures.totals(rows)})  # fmt: skip
