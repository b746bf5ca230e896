"""The ESC/POS driver, checked on the bytes it produces (escpos's Dummy and a real TCP socket)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from appliance.config.sections import PrinterConfig
from appliance.hardware.escpos_printer import EscposPrinter, build_escpos_printer, render
from appliance.hardware.ports import COVER_OPEN, ERROR, NO_PAPER, OFFLINE, PrinterFault
from appliance.hardware.receipt import TicketSlip, ticket_receipt
from tests.support.escpos_fakes import PaperPrinter, TcpPrinter, decode

SLIP = TicketSlip(
    site_name="Mal Pelayanan Publik Uji",
    number="I-007",
    service_name="Informasi",
    agency_name="Front Office",
    issued_at=datetime(2025, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")),
    people_ahead=2,
    estimated_wait_minutes=5,
    priority=True,
    priority_reason="lansia",
    status_url="http://mpp.local:8080/t/Zm9vYmFyYmF6cXV4",
    footer="Simpan tiket ini.",
)


def test_bytes_decode_back_to_the_receipt_text_and_qr() -> None:
    receipt = ticket_receipt(SLIP, 48)
    decoded = decode(render(receipt))
    for expected in ("Mal Pelayanan Publik Uji", "Informasi", "Front Office", "Rabu, 12 Maret"):
        assert expected in decoded.text
    assert "Antrean di depan Anda: 2 orang" in decoded.text
    assert "*** PRIORITAS: Lansia ***" in decoded.text
    assert decoded.qr == ["http://mpp.local:8080/t/Zm9vYmFyYmF6cXV4"]
    assert (6, "I-007") in decoded.large  # the number, six times larger
    assert decoded.cuts == 1
    # the plain-text rendering and the paper say the same words
    words = [w for w in receipt.text().split() if w != "[QR]" and "://" not in w]
    printed = decoded.text.split()
    assert [w for w in words if len(w) > 1 and w not in printed] == []


def test_profile_without_native_qr_prints_an_image() -> None:
    decoded = decode(render(ticket_receipt(SLIP, 32), "TM-U220"))
    assert decoded.qr == [] and decoded.images == 1


def printer(device: PaperPrinter) -> EscposPrinter:
    return EscposPrinter("usb", lambda: device)


def test_prints_one_job_after_a_status_check() -> None:
    device = PaperPrinter()
    p = printer(device)
    p.open()
    p.check()
    p.print_receipt(ticket_receipt(SLIP, 48))
    assert len(device.jobs) == 1 and "I-007" in decode(device.jobs[0]).text


@pytest.mark.parametrize(
    ("state", "expected"),
    [("no_paper", NO_PAPER), ("cover_open", COVER_OPEN), ("jammed", ERROR), ("silent", OFFLINE)],
)
def test_status_faults_are_named(state: str, expected: str) -> None:
    device = PaperPrinter(state)
    p = printer(device)
    p.open()
    with pytest.raises(PrinterFault) as caught:
        p.check()
    assert caught.value.state == expected
    assert device.jobs == []


def test_unplugged_printer_is_offline_on_open_and_on_write() -> None:
    device = PaperPrinter("unplugged")
    with pytest.raises(PrinterFault) as caught:
        printer(device).open()
    assert caught.value.state == OFFLINE
    device.state = "ok"
    p = printer(device)
    p.open()
    device.state = "unplugged"
    with pytest.raises(PrinterFault) as caught:
        p.print_receipt(ticket_receipt(SLIP, 48))
    assert caught.value.state == OFFLINE


def test_status_query_can_be_switched_off_for_printers_that_never_answer() -> None:
    device = PaperPrinter("silent")
    p = EscposPrinter("usb", lambda: device, query_status=False)
    p.open()
    p.check()
    p.print_receipt(ticket_receipt(SLIP, 48))
    assert len(device.jobs) == 1


def test_network_driver_prints_over_a_real_socket_and_notices_a_dead_printer() -> None:
    server = TcpPrinter()
    try:
        config = PrinterConfig(driver="network", host="127.0.0.1", port=server.port, timeout_s=2)
        p = build_escpos_printer(config)
        p.open()
        p.check()
        p.print_receipt(ticket_receipt(SLIP, 48))
        assert "I-007" in decode(bytes(server.received)).text
        server.close()  # the printer dies between two jobs
        with pytest.raises(PrinterFault) as caught:
            p.check()
            p.print_receipt(ticket_receipt(SLIP, 48))
        assert caught.value.state == OFFLINE
        with pytest.raises(PrinterFault) as caught:
            p.open()  # nothing listens any more
        assert caught.value.state == OFFLINE
    finally:
        server.close()
        p.close()


def test_every_render_gives_the_same_bytes_whatever_was_rendered_before() -> None:
    """The code page encoder is shared between receipts (escpos_printer._paper)."""
    native, image = ticket_receipt(SLIP, 48), ticket_receipt(SLIP, 32)
    first = render(native)
    first_image = render(image, "TM-U220")
    assert [render(native), render(image, "TM-U220"), render(native)] == [
        first,
        first_image,
        first,
    ]
    assert decode(first).text.count("Informasi") == 1
