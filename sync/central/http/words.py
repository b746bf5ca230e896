"""The words central's pages show that are not written in a template: the labels of a site's and
a ticket's state and of a printer, and the words the page scripts draw with.

Functions, not constants: gettext answers in the request's language, so each is read per request.
The scripts' words go into the page as JSON (`<script type="application/json" id="words">`), so
the one catalogue (`translations/`) covers them and a page needs no extra request.
"""

from __future__ import annotations

from flask_babel import gettext as _


def site_states() -> dict[str, str]:
    return {"online": _("Daring"), "offline": _("Luring"), "unknown": _("Tidak diketahui")}


def printer_labels() -> dict[str, str]:
    """A site's printer as its newest printer.fault/printer.recovered says."""
    return {
        "ok": _("siap"),
        "unknown": _("diperiksa"),
        "offline": _("tidak terhubung"),
        "no_paper": _("kertas habis"),
        "cover_open": _("penutup terbuka"),
        "error": _("gangguan"),
        "disabled": _("tidak dipakai"),
    }


def ticket_states() -> dict[str, str]:
    return {
        "waiting": _("Menunggu"),
        "called": _("Dipanggil"),
        "serving": _("Sedang dilayani"),
        "done": _("Selesai"),
        "no_show": _("Tidak hadir"),
        "cancelled": _("Dibatalkan"),
        "expired": _("Kedaluwarsa"),
    }


def script_words() -> dict[str, object]:
    """Every word static/dashboard.js, skm.js and login.js draw; `{name}` is filled in there."""
    return {
        "states": site_states(),
        "printers": printer_labels(),
        "no_sites": _("Belum ada situs yang mengirim data."),
        "twin": _(
            "Dua perangkat memakai kode situs ini ({installations}, terakhir {when}): "
            "daftarkan ulang salah satunya dengan kode situs baru."
        ),
        "as_of": _("per {when}"),
        "just_now": _("baru saja"),
        "minutes_ago": _("{n} mnt lalu"),
        "hours_ago": _("{n} jam lalu"),
        "days_ago": _("{n} hari lalu"),
        "printer": _("Printer: {state}"),
        "clock": _("Jam: {state}"),
        "clock_synced": _("sinkron"),
        "clock_not_synced": _("tidak sinkron"),
        "updated": _("Terakhir: {time}"),
        "server_answered": _("Server pusat menjawab {status}. Mencoba lagi…"),
        "unreachable_retrying": _("Server pusat tidak terjangkau. Mencoba lagi…"),
        "logout_everywhere_confirm": _("Keluar dari semua perangkat yang memakai akun ini?"),
        "sample_met": _("terpenuhi"),
        "sample_not_met": _("belum terpenuhi"),
        "yes": _("ya"),
        "no": _("tidak"),
        "not_answered": _("(tidak diisi)"),
        "skm_answered": _("Server pusat menjawab {status}."),
        "unreachable": _("Server pusat tidak terjangkau. Coba lagi."),
        "login_failed": _("Gagal masuk ({status})."),
        "wrong_password": _("Nama pengguna atau kata sandi salah."),
        "too_many_tries": _("Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi."),
    }
