"""The words of the kiosk's booking check-in (web/static/js/kiosk-booking.js) and of the admin's
booking settings (admin-catalogue.js), kept apart from strings.py so that module stays small.

Each refusal of the check-in has a plain lead and a sentence saying what to do next: the server's
message carries the particulars (the time of the first check-in, the booking's date), these say
where the citizen goes from here.
"""

from __future__ import annotations

from flask_babel import gettext as _


def booking_strings() -> dict[str, str]:
    """Every booking key the scripts ask `MPP.t` for, in the request's language."""
    return {**_kiosk(), **_admin()}


def _kiosk() -> dict[str, str]:
    return {
        "kiosk_keyboard": _("Papan ketik"),
        "checkin_title": _("Check-in booking"),
        "checkin_help": _(
            "Arahkan QR di halaman booking Anda ke pemindai, atau ketik kode booking "
            "(9 huruf dan angka, mis. ABC-DEF-GHJ), lalu tekan Check-in."
        ),
        "checkin_field": _("Kode booking"),
        "checkin_submit": _("Check-in"),
        "checkin_checking": _("Mohon tunggu, booking sedang diperiksa…"),
        "checkin_again": _("Coba lagi"),
        "checkin_badge": _("Booking"),
        "checkin_in_window": _(
            "Booking pukul {start}–{end}: Anda dipanggil lebih dulu daripada antrean tanpa booking."
        ),
        "checkin_unknown": _("Kode belum dikenal di sini"),
        "checkin_unknown_next": _(
            "Booking yang baru dibuat mungkin belum sampai ke sini, tetapi QR-nya tetap bisa "
            "dipakai: pindai QR dari halaman booking Anda atau tanya petugas."
        ),
        "checkin_bad_signature": _("QR ini tidak dapat dipastikan asli"),
        "checkin_bad_signature_next": _(
            "Buka lagi halaman booking Anda dan pindai QR-nya, atau ketik kodenya. Bila tetap "
            "gagal, tanya petugas."
        ),
        "checkin_already": _("Kode ini sudah dipakai"),
        "checkin_already_next": _(
            "Satu booking hanya untuk satu nomor. Bila Anda belum memegang nomornya, tanya petugas."
        ),
        "checkin_wrong_site": _("Booking ini untuk MPP lain"),
        "checkin_wrong_site_next": _(
            "Periksa tempat di halaman booking Anda, atau ambil nomor biasa di kios ini."
        ),
        "checkin_wrong_day": _("Booking ini bukan untuk hari ini"),
        "checkin_wrong_day_next": _(
            "Datanglah pada tanggal booking Anda, atau ambil nomor biasa untuk hari ini."
        ),
        "checkin_cancelled": _("Booking ini sudah dibatalkan"),
        "checkin_cancelled_next": _("Ambil nomor biasa di kios ini, atau booking lagi dari rumah."),
        "checkin_bad_code": _("Kode booking tidak sesuai"),
        "checkin_bad_code_next": _(
            "Periksa lagi: 9 huruf dan angka, tanpa 0, 1, I, L dan O. Atau pindai QR-nya."
        ),
    }


def _admin() -> dict[str, str]:
    return {
        "booking_quota": _("Kuota booking per hari"),
        "booking_quota_hint": _(
            "Kunjungan yang bisa dipesan dari rumah per hari, di luar kuota harian. 0: tidak bisa "
            "di-booking."
        ),
        "booking_none": _("Belum ada layanan yang bisa di-booking."),
        "booking_saved": _("Pengaturan booking disimpan."),
        "booking_no_keys": _(
            "Belum ada kunci booking: kios belum bisa memeriksa QR booking. Kunci datang dari "
            "pusat bersama konfigurasi, atau tambahkan dengan `mpp bookings trust-key`."
        ),
        "booking_key_id": _("Kunci (kid)"),
        "booking_key_since": _("Dipercaya sejak"),
        "booking_report_none": _("Belum ada booking pada periode ini."),
        "booking_date": _("Tanggal"),
        "booking_made": _("Booking"),
        "booking_checked_in": _("Check-in"),
        "booking_in_window": _("Tepat waktu"),
        "booking_no_show": _("Tidak datang"),
        "booking_cancelled": _("Dibatalkan"),
    }
