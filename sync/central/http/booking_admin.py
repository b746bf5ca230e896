"""Central's bookings page for staff (`/bookings`): the booking figures per site, service and day,
and for an admin each site's public booking keys (to copy to an appliance that has never reached
central, `mpp bookings trust-key`) with the key rotation.

Server-rendered plain forms, no script: the rotation is a form POST carrying the session's CSRF
token as a field (checked here, as `web.kit.guard` checks the header for the JSON API), behind a
confirmation step (`<details>`). The JSON routes are `bookings_api`'s.
"""

from __future__ import annotations

import hmac
from datetime import date, timedelta

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from sync.central.bookings import figures, keys
from sync.central.http import bookings_api
from sync.central.http.auth import guard, session_user
from sync.central.http.base import central
from sync.central.http.language import page_language
from sync.central.store import CatalogueRow
from web.kit.errors import ApiError

bp = Blueprint("central_booking_admin", __name__, template_folder="templates")

WORDS = {
    "id": {
        "title": "Booking dari rumah", "figures": "Angka booking", "from": "Dari", "to": "Sampai",
        "site": "Situs", "all": "Semua", "show": "Tampilkan", "date": "Tanggal",
        "service": "Layanan", "made": "Dibuat", "checked_in": "Check-in", "no_show": "Tidak datang",
        "cancelled": "Dibatalkan", "after_cancel": "Check-in setelah batal", "total": "Jumlah",
        "none": "Belum ada booking pada periode ini.", "keys": "Kunci booking per situs",
        "keys_hint": "Kunci publik aktif disalin ke perangkat yang belum pernah terhubung ke pusat:"
        " mpp bookings trust-key -- <kunci>.",
        "active": "aktif", "until": "berlaku sampai", "rotate": "Putar kunci",
        "rotate_hint": "Kunci baru dipakai untuk booking berikutnya; kunci lama tetap berlaku "
        "horizon_days + 1 hari. Katalog situs dikirim ulang dengan daftar kunci.",
        "rotate_yes": "Ya, putar kunci sekarang", "rotated": "Kunci diputar; katalog versi {v} "
        "dikirim.", "no_keys": "Belum ada kunci (dibuat saat katalog pertama dikirim).",
        "back": "Dasbor",
    },
    "en": {
        "title": "Bookings from home", "figures": "Booking figures", "from": "From", "to": "To",
        "site": "Site", "all": "All", "show": "Show", "date": "Date", "service": "Service",
        "made": "Made", "checked_in": "Checked in", "no_show": "No-show",
        "cancelled": "Cancelled", "after_cancel": "Checked in after cancel", "total": "Total",
        "none": "No bookings in this period.", "keys": "Booking keys per site",
        "keys_hint": "Copy the active public key to an appliance that has never reached central:"
        " mpp bookings trust-key -- <key>.",
        "active": "active", "until": "valid until", "rotate": "Rotate key",
        "rotate_hint": "The new key signs the next bookings; the old one stays valid "
        "horizon_days + 1 days. The site's catalogue is pushed again with the key list.",
        "rotate_yes": "Yes, rotate the key now", "rotated": "Key rotated; catalogue version {v} "
        "pushed.", "no_keys": "No key yet (made with the first catalogue push).",
        "back": "Dashboard",
    },
}  # fmt: skip


@bp.get("/bookings")
def bookings_page() -> Response | str:
    who = session_user()
    if who is None:
        return redirect(url_for("central_pages.login", next="/bookings"))
    context = central()
    now = context.settings.now()
    today = now.astimezone(context.zone).date()
    start = _day(request.args.get("from"), today - timedelta(days=13))
    end = _day(request.args.get("to"), today + timedelta(days=14))
    if start > end or (end - start).days >= bookings_api.MAX_FIGURE_DAYS:
        start, end = today - timedelta(days=13), today + timedelta(days=14)
    site = request.args.get("site", "")[:64] or None
    rows = figures.booking_figures(start, end, site, now, context.zone)
    sites = sorted({str(s) for (s,) in CatalogueRow.select(CatalogueRow.site).tuples()})
    is_admin = guard.allows(who, "admin")
    return render_template(
        "booking_admin.html",
        page="bookings",
        w=WORDS[page_language()],
        rows=rows,
        totals=figures.totals(rows),
        start=start.isoformat(),
        end=end.isoformat(),
        site=site or "",
        sites=sites,
        keys={s: keys.site_keys(s, now) for s in sites} if is_admin else None,
        csrf_token=session.get("csrf", ""),
        rotated=request.args.get("rotated", ""),
    )


@bp.post("/bookings/<site>/rotate")
def rotate_page(site: str) -> Response:
    who = session_user()
    if who is None or not guard.allows(who, "admin"):
        abort(403)
    sent, expected = request.form.get("csrf_token", ""), str(session.get("csrf", ""))
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise ApiError(403, "csrf_failed", "Token CSRF tidak ada atau salah. Muat ulang halaman.")
    answer, _status = bookings_api.rotate(site)
    return redirect(url_for(".bookings_page", rotated=answer["catalogue_version"]), 303)


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default
