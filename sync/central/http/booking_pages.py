"""The citizen's booking pages: `/book/{site}` and `/b/{token}` (SPEC §8).

Phone first and light: server-rendered plain forms (no script at all, so they work with
JavaScript off and on a cheap Android over 3G), one small stylesheet, the QR code as inline SVG
(the pinned `qrcode` library, no image request). Indonesian first, English on `?lang=en`
(`language.page_language`). The same rate limits as the public API (`bookings_api.limit`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from appliance import qr
from sync.central.bookings import book as booking
from sync.central.bookings.offer import SiteOffer, services, site_offer, slots_left
from sync.central.http import bookings_api
from sync.central.http.base import central
from sync.central.http.booking_words import DAYS, MONTHS, REFUSALS_EN, WORDS
from sync.central.http.language import page_language
from sync.protocol import SITE_RE
from web.kit.errors import ApiError

bp = Blueprint("central_booking_pages", __name__, template_folder="templates")


def words() -> tuple[str, dict[str, str]]:
    lang = page_language()
    return lang, WORDS[lang]


def day_label(day: date, lang: str) -> str:
    """ "Kamis, 13 Maret 2025" (English: "Thursday, 13 March 2025")."""
    return f"{DAYS[lang][day.weekday()]}, {day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def open_days(offer: SiteOffer, now: datetime) -> list[date]:
    """The days in the horizon on which the site has slots at all."""
    first = offer.today(now)
    days = [first + timedelta(days=n) for n in range(offer.settings.horizon_days + 1)]
    return [d for d in days if offer.slots(d)]


@bp.get("/book/<site>")
def book_page(site: str) -> tuple[str, int]:
    bookings_api.limit("read")
    return _book_page(site, error=None)


@bp.post("/book/<site>")
def book_form(site: str) -> Response | tuple[str, int]:
    bookings_api.limit("write")
    wanted = booking.Request(
        site,
        request.form.get("service", "")[:64],
        request.form.get("date", "")[:10],
        request.form.get("slot_start", "")[:5],
    )
    try:
        made = bookings_api.create(wanted)
    except ApiError as exc:
        if exc.status == 404 and exc.code == "unknown_site":
            raise
        return _book_page(site, error=exc)
    target = url_for(".booking_page", token=made["token"], lang=request.args.get("lang"))
    return redirect(target, code=303)


def _book_page(site: str, error: ApiError | None) -> tuple[str, int]:
    lang, w = words()
    offer = site_offer(site, central().zone) if SITE_RE.fullmatch(site) else None
    offered = services(offer) if offer is not None else []
    if offer is None or not offered:
        return render_template("book.html", w=w, lang=lang, offer=None, site=site), 404
    now = central().settings.now()
    days = open_days(offer, now)
    values = request.form if request.method == "POST" else request.args
    service = values.get("service", "")
    chosen = next((s for s in offered if s["code"] == service), None)
    day = _date(values.get("date", ""))
    slots: list[dict[str, Any]] | None = None
    if chosen is not None and day is not None:
        slots = slots_left(offer, service, day, now)
    message = None
    if error is not None:
        message = error.message if lang == "id" else REFUSALS_EN.get(error.code, error.message)
    page = render_template(
        "book.html",
        w=w,
        lang=lang,
        offer=offer,
        site=site,
        services=offered,
        chosen=chosen,
        days=[(d.isoformat(), day_label(d, lang)) for d in days],
        day=day.isoformat() if day else "",
        day_text=day_label(day, lang) if day else "",
        slots=slots,
        error=message,
    )
    return page, (error.status if error is not None else 200)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@bp.get("/b/<path:token>")
def booking_page(token: str) -> tuple[str, int]:
    bookings_api.limit("read")
    lang, w = words()
    row = booking.find(token) if len(token) <= 600 else None
    if row is None:
        return render_template("booking.html", w=w, lang=lang, found=None), 404
    context = central()
    body = booking.body(row, context.settings.now(), context.zone)
    offer = site_offer(str(row.site), context.zone)
    service = offer.service(str(row.service)) if offer is not None else None
    window = None
    if offer is not None:
        start = datetime.strptime(str(row.slot_start), "%H:%M")
        end = datetime.strptime(str(row.slot_end), "%H:%M")
        early = start - timedelta(minutes=offer.settings.early_minutes)
        late = end + timedelta(minutes=offer.settings.late_minutes)
        window = w["window"].format(early=f"{early:%H:%M}", late=f"{late:%H:%M}")
    return render_template(
        "booking.html",
        w=w,
        lang=lang,
        found=body,
        token=token,
        site_name=offer.name if offer is not None else row.site,
        address=str(offer.doc.get("site", {}).get("address") or "") if offer is not None else "",
        service=service or {"name": row.service, "requirements": [], "fee": ""},
        day_text=day_label(date.fromisoformat(str(row.business_date)), lang),
        window=window,
        qr=qr_svg(str(row.token)) if body["status"] == "booked" else None,
        confirm=request.args.get("cancel") == "1",
    ), 200


@bp.post("/b/<path:token>/cancel")
def cancel_form(token: str) -> Response:
    bookings_api.limit("write")
    bookings_api.cancel(token)
    return redirect(url_for(".booking_page", token=token, lang=request.args.get("lang")), 303)


def qr_svg(text: str) -> Markup:
    """The token as a QR code (`appliance.qr`: medium error correction, drawn as inline SVG)
    with the standard four-module quiet zone."""
    attrs = 'class="qr" role="img" aria-label="QR"'
    return Markup(qr.qr_svg(text, border=4, attrs=attrs))  # noqa: S704 numbers only, made there
