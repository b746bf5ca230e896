"""The core's refusals in the page's language.

A `QueueError` carries a stable code, an Indonesian template and the values that fill it
(appliance/queue/errors.py). The translation catalogue's message ids are the Indonesian texts, so
the template is looked up as it is and the same values fill the translation: an English page gets
"The daily quota of SKCK (40) is used up…", a script still tests the code. The kiosk's
reasons a service does not issue now come the same way (web.api.services). A template the
catalogue lacks (or whose translation does not fit its values) stays Indonesian rather than fail.

The templates are data to the extractor, so they are listed here, where `pybabel extract` finds
them (web/translations/babel.cfg); a test fails when the core raises a template this list lacks.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext

from appliance.queue.errors import QueueError


def N_(text: str) -> str:  # the marker name pybabel looks for by default
    return text


# fmt: off
REFUSALS: tuple[str, ...] = (
    # appliance/queue: issuing and opening hours
    N_("Sumber tiket tidak dikenal: {source!r}."),
    N_("Tiket prioritas memerlukan kategori: {reasons}."),
    N_("Layanan {service!r} tidak dikenal atau tidak aktif."),
    N_("Kuota harian layanan {service} ({quota}) sudah habis. Silakan datang kembali besok."),
    N_("Katalog layanan belum dimuat."),
    N_("Layanan tutup hari ini."),
    N_("Layanan belum dibuka. Buka pukul {opens}."),
    N_("Layanan sudah tutup. Tutup pukul {closes}."),
    N_("{label} sampai pukul {until}; antrean tetap dicatat."),
    N_("Layanan buka."),
    N_("Kuota harian sudah habis."),  # the kiosk's reason a service with a quota is closed
    # appliance/queue: a counter's actions
    N_("Loket {counter!r} tidak dikenal."),
    N_("Loket sedang jeda. Lanjutkan dulu."),
    N_("{number} masih dipanggil: mulai layani, tandai tidak hadir, atau panggil ulang."),
    N_("Tidak ada antrean yang menunggu."),
    N_("Tiket sudah dipanggil loket lain."),
    N_("Loket ini tidak sedang memanggil tiket."),
    N_("Loket sudah jeda."),
    N_("Loket tidak sedang jeda."),
    N_(
        "Panggil ulang {number} dulu: tidak hadir baru bisa ditandai setelah {needed} kali "
        "panggil ulang (sudah {recalls})."
    ),
    N_("Alasan jeda harus salah satu dari: {reasons}."),
    # appliance/queue: a counter's corrections (undo, a given number)
    N_("Tidak ada langkah yang bisa diurungkan."),
    N_("Hanya petugas yang melakukannya yang bisa mengurungkan."),
    N_("Batas waktu mengurungkan ({seconds} detik) sudah lewat."),
    N_("{number} sudah berubah sejak itu; langkahnya tidak bisa diurungkan lagi."),
    N_("Nomor {number!r} tidak dikenali; tulis seperti A-012."),
    N_("Nomor {number} tidak ada hari ini."),
    N_("{number} antre untuk layanan yang tidak dilayani loket ini."),
    # appliance/queue: one ticket
    N_("Tiket tidak ditemukan."),
    N_("Tiket {number} berstatus {state}."),
    N_("Tiket {number} sudah {state}."),
    N_("Hanya tiket menunggu yang bisa dialihkan ({state})."),
    N_("Tiket sudah di layanan itu."),
    N_("Hanya tiket tidak hadir yang bisa dipulihkan."),
    N_("Tiket dari hari lain tidak bisa dipulihkan."),
    # appliance/bookings: a booking's check-in at the kiosk, and why it queues as a walk-in
    N_("Masukkan kode booking atau pindai kode QR-nya."),
    N_("Kode booking {code} tidak valid. Periksa kembali hurufnya."),
    N_("Kode QR booking ini tidak sah untuk MPP ini. Tunjukkan kepada petugas."),
    N_(
        "Booking {code} belum diterima MPP ini. Pindai kode QR dari halaman booking Anda, atau "
        "tanyakan petugas."
    ),
    N_("Booking {code} sudah check-in pukul {time} dengan nomor {number}."),
    N_("Booking {code} sudah dibatalkan."),
    N_("Booking ini untuk MPP {site}, bukan MPP ini."),
    N_("Booking ini untuk tanggal {date}, bukan hari ini ({today})."),
    N_(
        "Anda datang sebelum waktu booking ({start}–{end}); booking berlaku mulai pukul "
        "{opens}. Nomor Anda diantrekan seperti pengunjung biasa."
    ),
    N_(
        "Waktu booking Anda ({start}–{end}) sudah lewat (batas pukul {closes}). Nomor Anda "
        "diantrekan seperti pengunjung biasa."
    ),
    # appliance/skm and appliance/voice
    N_("Survei dapat diisi setelah layanan selesai."),
    N_("Survei untuk tiket ini sudah diisi. Terima kasih."),
    N_("Panggilan {call} tidak ditemukan."),
)
# fmt: on


def refusal_message(error: QueueError) -> str:
    """`error`'s message in the request's language (Indonesian when there is no translation)."""
    return translated(error.template, error.params)


def translated(template: str, params: Mapping[str, object]) -> str:
    """An Indonesian template of the core, in the request's language, filled with `params`."""
    text = str(gettext(template))
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):  # a translation naming a value the core lacks
        return template.format(**params)
