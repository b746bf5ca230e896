"""Words the page scripts show, translated on the server and embedded as JSON in each page.

Kept in one place so the translators' `.po` file covers the scripts too, and so a page needs no
extra request for its words. Placeholders in braces are filled in by `MPP.t` in the browser.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from web.pages.booking_words import booking_strings
from web.pages.device_words import device_strings


def js_strings() -> dict[str, str]:
    """Every key the scripts in `web/static/js` ask `MPP.t` for, in the request's language."""
    return {
        **_general(),
        **_states(),
        **_kiosk(),
        **_staff(),
        **_admin(),
        **_health(),
        **_people(),
        **_catalogue(),
        **_survey(),
        **_reports(),
        **booking_strings(),
        **device_strings(),
        **_one(),
    }


def _one() -> dict[str, str]:
    """The forms for exactly one (`MPP.t` takes `<key>_one` when n is 1): Indonesian nouns do
    not change, English ones do ("1 person", not "1 people")."""
    return {
        "n_tickets_one": pgettext("one", "{n} tiket"),
        "n_people_one": pgettext("one", "{n} orang"),
        "n_services_one": pgettext("one", "{n} layanan"),
        "kiosk_services_n_one": pgettext("one", "{n} layanan"),
        "printer_printed_one": pgettext("one", "{n} tiket tercetak"),
        "printer_unprinted_one": pgettext("one", "{n} tiket belum tercetak:"),
        "sync_backlog_one": pgettext("one", "{n} kejadian belum terkirim"),
        "survey_missing_one": pgettext("one", "Masih ada {n} pertanyaan yang belum dijawab."),
        "presses_n_one": pgettext("one", "{n} kali ditekan"),
    }


def _general() -> dict[str, str]:
    return {
        "error_generic": _("Terjadi kesalahan (kode {status}). Coba lagi."),
        "error_offline": _("Tidak dapat terhubung ke server antrean. Periksa jaringan."),
        "back_home": _("Kembali ke beranda"),
        "try_again": _("Coba lagi"),
        "logout": _("Keluar"),
        "logout_everywhere": _("Keluar di semua perangkat"),
        "logout_everywhere_confirm": _("Keluar dari semua perangkat yang memakai akun ini?"),
        "need_role": _("Halaman ini memerlukan akses {role}."),
        "minutes": _("{n} menit"),
        "people_ahead": _("orang di depan"),
        "estimated_wait": _("perkiraan tunggu"),
        "priority": _("Prioritas"),
        "general": _("Umum"),
        "service": _("Layanan"),
        "transfer": _("Alihkan"),
        "none": _("Belum ada."),
        "not_available": _("Belum tersedia."),
        "yes": _("ya"),
        "no": _("tidak"),
        "weekdays": _("Minggu,Senin,Selasa,Rabu,Kamis,Jumat,Sabtu"),
        "months": _(
            "Januari,Februari,Maret,April,Mei,Juni,Juli,Agustus,September,Oktober,November,Desember"
        ),
        "login_failed": _("Nama pengguna atau kata sandi salah."),
        "login_slow": _("Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi."),
        "conn_live": _("● langsung"),
        "conn_polling": _("● memeriksa berkala"),
        "conn_reconnecting": _("● menyambung ulang"),
        "conn_connecting": _("● menyambung"),
        "conn_offline": _("● terputus"),
        "role_kiosk": _("kios"),
        "role_officer": _("petugas"),
        "role_supervisor": _("supervisor"),
        "role_admin": _("admin"),
    }


def _states() -> dict[str, str]:
    return {
        "state_waiting": _("Menunggu"),
        "state_called": _("Dipanggil"),
        "state_serving": _("Sedang dilayani"),
        "state_done": _("Selesai"),
        "state_no_show": _("Tidak hadir"),
        "state_cancelled": _("Dibatalkan"),
        "state_expired": _("Kedaluwarsa"),
        "reason_lansia": _("Lansia"),
        "reason_disabilitas": _("Disabilitas"),
        "reason_ibu_hamil": _("Ibu hamil"),
        "reason_anak": _("Anak"),
        "reason_korban_bencana": _("Korban bencana"),
        "status_go": _("Silakan menuju {counter}"),
        "status_serving": _("Anda sedang dilayani."),
        "status_guide_no_show": _(
            "Nomor Anda sudah dipanggil, tetapi Anda tidak datang ke loket. Silakan ke meja "
            "informasi: petugas dapat memanggil nomor Anda kembali hari ini."
        ),
        "status_guide_cancelled": _(
            "Tiket ini dibatalkan. Bila Anda masih memerlukan layanan, silakan ke meja informasi."
        ),
        "status_guide_expired": _(
            "Tiket ini dari tanggal {date} dan sudah tidak berlaku. Silakan ambil nomor baru di "
            "kiosk."
        ),
        "status_unknown": _("Tiket tidak ditemukan. Periksa kembali kode QR pada tiket Anda."),
        "updated_at": _("Terakhir diperbarui {time}."),
        "board_no_waiting": _("Tidak ada antrean menunggu"),
        **_board(),
    }


def _board() -> dict[str, str]:
    """The display board's words (web/static/js/display.js)."""
    return {
        "board_recall": _("ulang"),
        "board_paused": _("Istirahat"),
        "board_page": _("{n}/{of}"),
        "board_no_lokets": _("Belum ada loket yang memanggil"),
        "board_closed": _("Layanan sudah tutup"),
        "board_before_opening": _("Layanan belum dibuka"),
        "board_hours": _("Jam layanan {opens}–{closes}"),
        "board_message_saved": _("Teks berjalan tampil di setiap papan."),
        "board_message_removed": _("Teks berjalan dihapus dari papan."),
    }


def _kiosk() -> dict[str, str]:
    return {
        "kiosk_choose_agency": _("Silakan pilih instansi"),
        "kiosk_choose_service": _("Silakan pilih layanan"),
        "kiosk_results": _("Hasil pencarian"),
        "kiosk_no_match": _("Layanan tidak ditemukan. Coba kata lain atau tanya meja informasi."),
        "kiosk_none_open": _("Belum ada layanan yang buka."),
        "kiosk_services_n": _("{n} layanan"),
        "kiosk_waiting_n": _("{n} menunggu"),
        "kiosk_wait_about": _("± {n} menit"),
        "kiosk_closed": _("Tutup"),
        "kiosk_taking": _("Mohon tunggu, nomor sedang dibuat…"),
        "kiosk_your_number": _("Nomor antrean Anda"),
        "kiosk_take_paper": _("Silakan ambil tiket yang tercetak."),
        "kiosk_printer_down": _(
            "Printer sedang bermasalah. Catat atau foto nomor ini, lalu tunggu panggilan."
        ),
        "kiosk_listen": _("Perhatikan layar dan dengarkan panggilan nomor Anda."),
        "kiosk_refused": _("Maaf, nomor antrean tidak dapat diambil"),
        "kiosk_failed": _("Maaf, terjadi gangguan"),
        "kiosk_ask_desk": _("Silakan bertanya ke meja informasi."),
        "kiosk_counter_not_open": _("Loket belum buka"),
        "kiosk_no_queue": _("Tanpa antrean"),
        "kiosk_no_requirements": _("Tidak ada persyaratan khusus."),
        "kiosk_site_closed": _("MPP sudah tutup"),
        "kiosk_not_open_yet": _("MPP belum buka"),
        "kiosk_reopens": _("Buka kembali {day} pukul {time}"),
        "kiosk_opens_today": _("Buka hari ini pukul {time}"),
        "kiosk_key_space": _("Spasi"),
        "kiosk_key_back": _("Hapus"),
        "kiosk_key_clear": _("Kosongkan"),
        "kiosk_priority": _("Layanan prioritas"),
        "kiosk_priority_ask": _("Pilih kebutuhan Anda"),
        "kiosk_priority_go": _(
            "Silakan ke meja informasi. Petugas akan memberi nomor prioritas dan mendahulukan Anda."
        ),
        "kiosk_priority_note": _("Tidak perlu menunjukkan data pribadi di kios ini."),
        "day_mon": _("Senin"),
        "day_tue": _("Selasa"),
        "day_wed": _("Rabu"),
        "day_thu": _("Kamis"),
        "day_fri": _("Jumat"),
        "day_sat": _("Sabtu"),
        "day_sun": _("Minggu"),
        "done_button": _("Selesai"),
        "back_button": _("Kembali"),
    }


def _staff() -> dict[str, str]:
    return {
        "counter_none": _("Anda belum ditugaskan ke loket mana pun. Hubungi admin."),
        "queue_empty": _("Tidak ada antrean yang menunggu."),
        "no_current": _("Belum ada tiket dipanggil"),
        "called_at": _("Dipanggil {time}"),
        "recalls_n": _("dipanggil ulang {n}×"),
        "called_toast": _("Memanggil {number}"),
        "transferred_toast": _("{number} dialihkan ke {service}"),
        "pause": _("Jeda"),
        "resume": _("Lanjutkan"),
        "desk_issued": _("Tiket diterbitkan"),
        "desk_move_title": _("Alihkan {number} ke layanan"),
        **_corrections(),
    }


def _corrections() -> dict[str, str]:
    """The counter's undo, its no-show rule and pause reasons, the desk's restore."""
    return {
        "noshow_after": _("Tidak hadir bisa ditandai setelah {n}× lagi panggil ulang."),
        "undo_done": _("{number} selesai."),
        "undo_no_show": _("{number} ditandai tidak hadir."),
        "undone_toast": _("Diurungkan: {number} ({state})."),
        "pause_reason_istirahat": _("Istirahat"),
        "pause_reason_sholat": _("Sholat"),
        "pause_reason_rapat": _("Rapat"),
        "pause_reason_gangguan": _("Gangguan"),
        "pause_reason_lainnya": _("Lainnya"),
        "restore": _("Pulihkan"),
        "restored_toast": _("{number} kembali mengantre ({n} orang di depan)."),
        "no_shows_none": _("Tidak ada yang tidak hadir hari ini."),
        "counter_paused_for": _("Jeda: {reason}"),
        "counter_paused_plain": _("Jeda"),
        "counter_serving": _("Melayani {number}"),
        "counter_calling": _("Memanggil {number}"),
        "counter_idle": _("Siap, tidak ada tiket"),
        "counter_officer": _("petugas {name}"),
    }


def _admin() -> dict[str, str]:
    return {
        "stat_issued": _("Diterbitkan"),
        "stat_served": _("Dilayani"),
        "stat_no_show": _("Tidak hadir"),
        "stat_services_active": _("Layanan aktif"),
        "stat_waiting": _("Menunggu sekarang"),
        # Every count with its unit: a figure on its own ("12") left the reader to guess.
        "n_tickets": _("{n} tiket"),
        "n_people": _("{n} orang"),
        "n_services": _("{n} layanan"),
        "col_waiting_people": _("Menunggu sekarang (orang)"),
        "col_issued_tickets": _("Diterbitkan (tiket)"),
        "col_served_people": _("Dilayani (orang)"),
        "col_no_show_people": _("Tidak hadir (orang)"),
        "no_tickets_today": _("Belum ada tiket hari ini."),
        "chart_label": _("Tiket diterbitkan dan dilayani per layanan hari ini"),
        "health_printer": _("Printer"),
        "health_buttons": _("Tombol"),
        "health_sync": _("Sinkronisasi"),
        "health_clock": _("Jam"),
        "health_disk": _("Disk"),
        "health_disk_free": _("Sisa disk"),
        "health_version": _("Versi"),
        "clock_device_says": _("Perangkat menunjukkan {time}."),
        "clock_both": _(
            "Jam perangkat: {device} ({zone}, UTC{offset}). Jam komputer ini: {browser}"
            " (UTC{browser_offset})."
        ),
        "clock_in_zone": _("dalam zona situs {zone} (UTC{offset})"),
        "clock_invalid": _("Tanggal dan jam tidak valid."),
        "clock_confirm_q": _("Setel jam perangkat ke {time}?"),
        "clock_confirmed": _("Tanggal dan jam dikonfirmasi."),
        "catalogue_ready": _(
            "Siap diimpor: {agencies} instansi, {services} layanan, {counters} loket."
        ),
        "catalogue_not_json": _("Berkas ini bukan JSON yang valid."),
        "catalogue_done": _("Katalog berhasil diimpor."),
        "col_username": _("Pengguna"),
        "col_name": _("Nama"),
        "col_role": _("Peran"),
        "col_counters": _("Loket"),
        "col_active": _("Aktif"),
        "col_created": _("Dibuat"),
        "col_revoked": _("Dicabut"),
        # Plain words and the unit, not p50/p90: half the citizens waited at most the median,
        # nine in ten at most the second figure.
        "col_wait_p50": _("Waktu tunggu median (menit)"),
        "col_wait_p90": _("Waktu tunggu 9 dari 10 warga (menit)"),
        "col_handling_p50": _("Lama dilayani median (menit)"),
        "col_handling_p90": _("Lama dilayani 9 dari 10 warga (menit)"),
        # The report's own field names, so a table built from its keys reads right too.
        "col_wait_p50_minutes": _("Waktu tunggu median (menit)"),
        "col_wait_p90_minutes": _("Waktu tunggu 9 dari 10 warga (menit)"),
        "col_handling_p50_minutes": _("Lama dilayani median (menit)"),
        "col_handling_p90_minutes": _("Lama dilayani 9 dari 10 warga (menit)"),
        "chart_served_of": _("{served}/{issued} tiket dilayani"),
    }


def _health() -> dict[str, str]:
    return {
        "printer_ok": _("Siap"),
        "printer_unknown": _("Diperiksa"),
        "printer_offline": _("Tidak terhubung"),
        "printer_no_paper": _("Kertas habis"),
        "printer_cover_open": _("Penutup terbuka"),
        "printer_error": _("Gangguan"),
        "printer_disabled": _("Tidak dipakai"),
        "printer_printed": _("{n} tiket tercetak"),
        "printer_queued": _("{n} dalam antrean cetak"),
        "printer_unprinted": _("{n} tiket belum tercetak:"),
        "printer_reprint_hint": _("Cetak ulang dari halaman loket atau meja informasi."),
        "printer_dropped": _(
            "{n} tiket tidak tercetak: dibatalkan setelah {minutes} menit menunggu printer"
            " (agar tidak tercetak terlambat untuk warga yang sudah pergi):"
        ),
        "printer_fault_back": _("Printer siap kembali. Cetak ulang nomor yang belum tercetak."),
        "printer_fault_pending": _(
            "{n} nomor menunggu kertas: {numbers}. Tercetak otomatis saat printer siap,"
            " atau dibatalkan setelah {minutes} menit."
        ),
        "printer_fault_dropped": _(
            "{n} nomor tidak tercetak (lebih dari {minutes} menit). Cetak ulang saat warga datang:"
        ),
        "printer_reprint": _("Cetak ulang"),
        "printer_reprint_sent": _("Tiket {number} dikirim ke printer."),
        "since_time": _("sejak {time}"),
        "buttons_none": _("Tidak ada tombol tiket yang diatur."),
        "presses_n": _("{n} kali ditekan"),
        "last_press": _("terakhir {time}"),
        "sync_off": _("Tidak diatur"),
        "sync_connected": _("Terhubung ke pusat"),
        "sync_disconnected": _("Tidak terhubung ke pusat"),
        "sync_last_contact": _("kontak terakhir: {time}"),
        "sync_backlog": _("{n} kejadian belum terkirim"),
        "sync_oldest": _("tertua {time}"),
        "sync_twin": _(
            "Perangkat lain memakai kode situs {site} (kartu SD disalin?): pusat sudah menyimpan "
            "sampai kejadian {central}, perangkat ini baru menulis {last}. Daftarkan ulang salah "
            "satunya dengan kode situs baru."
        ),
        # sync.last_error, said for the officer (web/static/js/admin.js maps the raw line).
        "sync_err_stall": _(
            "Pusat tidak menjawab selama {n} detik. Data tetap tersimpan di sini dan dikirim "
            "ulang otomatis."
        ),
        "sync_err_no_connection": _(
            "Belum tersambung ke pusat dalam {n} detik. Perangkat mencoba lagi otomatis."
        ),
        "sync_err_refused": _(
            "Pusat menolak sambungan. Periksa kode situs dan kata sandi sinkronisasi."
        ),
        "sync_err_disconnected": _("Sambungan ke pusat terputus. Perangkat mencoba lagi otomatis."),
        "sync_err_message_refused": _(
            "Pusat menolak satu kiriman. Hubungi pengelola pusat dengan rincian di bawah."
        ),
        "sync_err_twin": _("Perangkat lain memakai kode situs yang sama dengan perangkat ini."),
        "sync_err_unsendable": _(
            "Satu kejadian tidak dapat dikirim ke pusat. Hubungi pengelola dengan rincian di bawah."
        ),
        "sync_err_lost": _(
            "Pusat kehilangan sebagian kejadian yang sudah dihapus di sini. "
            "Hubungi pengelola pusat."
        ),
        "sync_err_catalogue": _(
            "Katalog versi {n} dari pusat ditolak; katalog yang lama tetap dipakai."
        ),
        "sync_err_stopped": _("Sinkronisasi dihentikan."),
        "sync_err_other": _("Gangguan sinkronisasi. Perangkat mencoba lagi otomatis."),
        "technical_detail": _("Rincian teknis"),
        "never": _("belum pernah"),
        "clock_synced": _("Tersinkron"),
        "clock_unsynced": _("Belum tersinkron"),
        "clock_behind": _(
            "Jam perangkat mundur dari tanggal kerja yang sudah dipakai. "
            "Konfirmasi tanggal dan jam."
        ),
        "business_date": _("Tanggal kerja: {date}"),
        "disk_free": _("{free} GB kosong dari {total} GB"),
        "disk_low": _("Hampir penuh"),
        "disk_ok": _("Cukup"),
        "disk_unknown": _("Tidak dapat dibaca"),
    }


def _people() -> dict[str, str]:
    return {
        "save": _("Simpan"),
        "cancel": _("Batal"),
        "edit": _("Ubah"),
        "delete": _("Hapus"),
        "active": _("Aktif"),
        "disabled": _("Nonaktif"),
        "revoked": _("Dicabut"),
        "col_state": _("Status"),
        "all_counters": _("semua loket"),
        "no_counter": _("belum ada loket"),
        "filter_placeholder": _("Saring…"),
        "edit_counters": _("Ubah loket"),
        "counters_of": _("Loket untuk {name}"),
        "counters_hint": _("Petugas hanya dapat memanggil antrean di loket yang dicentang."),
        "officer_counters_saved": _("Loket {name} disimpan."),
        "reset_password": _("Setel ulang kata sandi"),
        "reset_password_of": _("Kata sandi baru untuk {name}"),
        "new_password": _("Kata sandi baru"),
        "password_rule": _("Minimal {n} karakter dan tidak boleh memuat nama pengguna."),
        "password_saved": _("Kata sandi {name} diganti. Sampaikan kepada petugas secara langsung."),
        "disable": _("Nonaktifkan"),
        "enable": _("Aktifkan"),
        "disable_q": _("Nonaktifkan akun {name}? Petugas ini tidak dapat masuk lagi."),
        "enable_q": _("Aktifkan kembali akun {name}?"),
        "officer_disabled": _("Akun {name} dinonaktifkan."),
        "officer_enabled": _("Akun {name} diaktifkan."),
        "end_sessions": _("Keluarkan dari semua perangkat"),
        "end_sessions_q": _(
            "Akhiri semua sesi {name}? Petugas ini harus masuk lagi di setiap perangkat."
        ),
        "sessions_ended": _("Sesi {name} diakhiri: {n}."),
        "officer_added": _("Petugas {name} ditambahkan."),
        "token_created": _("Token {name} dibuat."),
        "token_revoked": _("Token {name} dicabut."),
        "revoke": _("Cabut"),
        "revoke_q": _("Cabut token {name}? Perangkat yang memakainya langsung berhenti bekerja."),
        "revoke_kiosk_note": _("Kios yang memakai token ini akan kembali ke halaman login."),
        "copied": _("Disalin."),
        "copy_manually": _("Teks sudah dipilih; tekan Ctrl+C untuk menyalin."),
    }


def _catalogue() -> dict[str, str]:
    return {
        "catalogue_version": _("versi {n}"),
        "catalogue_now_version": _("Katalog sekarang versi {n}."),
        "more_rows": _("{n} baris lagi; persempit pencarian."),
        "and_more": _("dan {n} lainnya"),
        "col_code": _("Kode"),
        "col_prefix": _("Awalan"),
        "col_quota": _("Kuota"),
        "col_avg": _("Menit"),
        "col_kind": _("Jenis"),
        "col_services": _("Layanan"),
        "agency": _("Instansi"),
        "daily_quota": _("Kuota harian"),
        "quota_hint": _("Kosongkan bila tanpa batas."),
        "avg_minutes": _("Rata-rata waktu layanan (menit)"),
        "fee": _("Biaya"),
        "requirements": _("Persyaratan"),
        "requirements_hint": _("Satu persyaratan per baris."),
        "served_by": _("Dilayani di loket"),
        "code_hint": _("Huruf besar, angka dan tanda hubung; tidak dapat diubah kemudian."),
        "prefix_hint": _("1–2 huruf besar; satu awalan untuk satu instansi."),
        "add_service": _("Tambah layanan"),
        "edit_service": _("Ubah layanan {name}"),
        "service_added": _("Layanan {name} ditambahkan."),
        "service_saved": _("Layanan {name} disimpan."),
        "delete_service_q": _("Hapus layanan {name}? Tiket yang sudah ada tetap tersimpan."),
        "add_counter": _("Tambah loket"),
        "edit_counter": _("Ubah {name}"),
        "counter_added": _("{name} ditambahkan."),
        "counter_saved": _("{name} disimpan."),
        "delete_counter_q": _("Hapus {name}?"),
        "add_agency": _("Tambah instansi"),
        "edit_agency": _("Ubah instansi {name}"),
        "agency_added": _("Instansi {name} ditambahkan."),
        "agency_saved": _("Instansi {name} disimpan."),
        "delete_agency_q": _("Hapus instansi {name}? Layanan dan loketnya harus dihapus dahulu."),
        "deleted": _("{code} dihapus."),
        "open_on": _("Buka hari {day}"),
        "opens_at": _("Jam buka hari {day}"),
        "closes_at": _("Jam tutup hari {day}"),
        "break_from": _("Mulai istirahat"),
        "break_to": _("Akhir istirahat"),
        "break_label": _("Keterangan"),
        "break_default": _("Istirahat"),
        "hours_saved": _("Jam buka disimpan."),
    }


def _survey() -> dict[str, str]:
    return {
        "survey_missing": _("Masih ada {n} pertanyaan yang belum dijawab."),
        "survey_already": _("Survei untuk tiket ini sudah diisi. Terima kasih."),
        "survey_tablet_setup": _(
            "Tablet ini belum diatur untuk loket {counter}. Minta admin membuat token perangkat "
            "untuk loket ini lalu buka /survey?counter={counter}&token=…"
        ),
    }


def _reports() -> dict[str, str]:
    return {
        "skm_respondents": _("Responden"),
        "skm_population": _("Populasi"),
        "skm_minimum": _("Sampel minimum"),
        "skm_met": _("terpenuhi"),
        "skm_not_met": _("belum terpenuhi"),
        "skm_ikm": _("IKM"),
        "skm_category": _("Mutu"),
        "skm_no_respondents": _("Belum ada responden pada periode ini."),
        "skm_chart_label": _("Nilai per unsur (NRR konversi, 25-100)"),
        "skm_element": _("Unsur"),
        "skm_nrr": _("NRR"),
        "skm_converted": _("Konversi"),
        "ops_arrivals": _("Kedatangan per jam (tiket)"),
        "ops_expired": _("Kedaluwarsa"),
        "col_counter": _("Loket"),
        "col_officer": _("Petugas"),
        "all_agencies": _("Semua instansi"),
        "all_services": _("Semua layanan"),
    }
