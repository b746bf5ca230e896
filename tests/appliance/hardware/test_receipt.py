"""The receipt layout on its own (pure): what a citizen reads on the paper."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from appliance.hardware.receipt import (
    TicketSlip,
    ascii_safe,
    columns_for,
    indonesian_datetime,
    notice_receipt,
    printer_test_receipt,
    status_url,
    ticket_receipt,
)

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")

SLIP = TicketSlip(
    site_name="Mal Pelayanan Publik Kota Metro",
    number="A-012",
    service_name="Perekaman KTP-el dan Pencetakan Kartu Identitas Anak",
    agency_name="Dinas Kependudukan dan Pencatatan Sipil",
    issued_at=datetime(2025, 3, 12, 9, 5, tzinfo=WIB),
    people_ahead=3,
    estimated_wait_minutes=25,
    priority=False,
    priority_reason=None,
    status_url="http://mpp.local:8080/t/abcDEF123",
    footer="Terima kasih. Simpan tiket ini sampai dipanggil.",
)


def test_ticket_shows_everything_the_spec_lists() -> None:
    receipt = ticket_receipt(SLIP, 48)
    text = receipt.text()
    assert "Mal Pelayanan Publik Kota Metro" in text
    assert "Perekaman KTP-el" in text and "Dinas Kependudukan" in text
    assert "A - 0 1 2" in text  # the number, in large type
    assert "Rabu, 12 Maret 2025 09:05 WIB" in text
    assert "Antrean di depan Anda: 3 orang" in text
    assert "Perkiraan tunggu: +/- 25 menit" in text
    assert "PRIORITAS" not in text
    assert "Terima kasih" in text
    assert receipt.qr_payload() == "http://mpp.local:8080/t/abcDEF123"
    number = next(line for line in receipt.lines if line.kind == "number")
    assert number.text == "A-012" and number.scale == 6 and number.bold


def test_priority_ticket_is_marked_with_the_category_not_a_diagnosis() -> None:
    slip = replace(SLIP, priority=True, priority_reason="disabilitas")
    assert "*** PRIORITAS: Penyandang Disabilitas ***" in ticket_receipt(slip, 48).text()


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_every_line_fits_the_paper(paper_mm: int) -> None:
    columns = columns_for(paper_mm)
    receipt = ticket_receipt(replace(SLIP, number="AB-123"), columns)
    for line in receipt.lines:
        if line.kind in ("text", "number"):
            assert len(line.text) * line.scale <= columns, line
    assert receipt.columns == columns


def test_text_is_ascii_whatever_the_catalogue_says() -> None:
    slip = replace(
        SLIP,
        site_name="MPP Kota Métro – Lampung",
        service_name="Layanan “Cepat” • Paspor",
        footer="Terima kasih 🙏 semoga puas…",
    )
    text = ticket_receipt(slip, 32).text()
    text.encode("ascii")  # raises if anything else slipped through
    assert "MPP Kota Metro - Lampung" in text
    assert 'Layanan "Cepat"\n' in text and "* Paspor" in text  # wrapped at double width
    assert "semoga puas..." in text


def test_ascii_safe_drops_what_has_no_stand_in() -> None:
    assert ascii_safe("Café  ñ 日本 ok") == "Cafe  n  ok"


def test_wait_and_place_are_left_out_when_unknown_and_hours_are_spelled() -> None:
    assert "Antrean di depan" not in ticket_receipt(replace(SLIP, people_ahead=None), 48).text()
    long_wait = ticket_receipt(replace(SLIP, estimated_wait_minutes=135), 48).text()
    assert "+/- 2 jam 15 menit" in long_wait
    assert (
        "kurang dari 1 menit" in ticket_receipt(replace(SLIP, estimated_wait_minutes=0), 48).text()
    )


def test_reprint_is_marked_and_named_apart() -> None:
    receipt = ticket_receipt(replace(SLIP, reprint=True), 48)
    assert "(CETAK ULANG)" in receipt.text()
    assert receipt.name != ticket_receipt(SLIP, 48).name


def test_date_names_the_site_zone() -> None:
    moment = datetime(2025, 3, 14, 13, 30, tzinfo=WITA)
    assert indonesian_datetime(moment) == "Jumat, 14 Maret 2025 13:30 WITA"


def test_status_url_joins_the_public_url_and_token() -> None:
    assert status_url("http://mpp.local:8080/", "tok") == "http://mpp.local:8080/t/tok"


def test_notice_says_why_there_is_no_ticket() -> None:
    at = datetime(2025, 3, 15, 10, 0, tzinfo=WIB)
    text = notice_receipt("MPP Uji", "LAYANAN TUTUP", "Hari ini tutup.", at, 32, "").text()
    assert "LAYANAN TUTUP" in text and "Hari ini tutup." in text and "Sabtu" in text
    assert "Terima kasih" not in text  # an empty footer prints nothing


def test_test_page_has_a_ruler_of_the_paper_width_and_a_qr() -> None:
    at = datetime(2025, 3, 12, 9, 0, tzinfo=WIB)
    receipt = printer_test_receipt("MPP Uji", "usb", at, 32, "http://mpp.local:8080")
    assert "01234567890123456789012345678901\n" in receipt.text()
    assert receipt.qr_payload() == "http://mpp.local:8080"
