"""The file printer's receipts (text, SVG, PNG) and the QR codes drawn without Pillow."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from appliance.hardware.file_printer import FilePrinter, render_svg
from appliance.hardware.receipt import TicketSlip, ticket_receipt
from appliance.qr import qr_matrix, svg_path
from tests.support.live_appliance import REPO, child_env

SVG = "{http://www.w3.org/2000/svg}"
URL = "http://mpp.local:8080/t/abcdefgh12345678"


def slip(number: str = "A-007") -> TicketSlip:
    return TicketSlip(
        site_name="MPP Kota Metro",
        number=number,
        service_name="Perekaman KTP-el",
        agency_name="Dinas Kependudukan dan Pencatatan Sipil",
        issued_at=datetime(2025, 3, 12, 8, 5, tzinfo=UTC),
        people_ahead=3,
        estimated_wait_minutes=12,
        priority=False,
        priority_reason=None,
        status_url=URL,
        footer="Terima kasih.",
        reprint=False,
        booking_slot=None,
    )


def cells_of(path: str) -> set[tuple[int, int]]:
    """The module cells a `svg_path` path strokes: per row `M0 y.5`, then for each run a
    relative move from the pen and a horizontal line (`m{dx} 0h{n}`)."""
    cells = set()
    rows = re.findall(r"M0 (\d+)\.5((?:m\d+ 0h\d+)+)", path)
    assert "".join(f"M0 {y}.5{runs}" for y, runs in rows) == path  # nothing else in the path
    for y, runs in rows:
        pen = 0
        for dx, n in re.findall(r"m(\d+) 0h(\d+)", runs):
            start = pen + int(dx)
            cells |= {(start + i, int(y)) for i in range(int(n))}
            pen = start + int(n)
    return cells


def test_the_svg_path_covers_exactly_the_dark_modules() -> None:
    matrix = qr_matrix(URL)
    assert len(matrix) == 29 + 2 * 2  # version 3 (29 modules) and the quiet zone
    assert not any(matrix[0]) and not any(row[0] for row in matrix)  # the quiet zone is white
    dark = {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
    assert cells_of(svg_path(matrix)) == dark
    # the finder pattern's top-left corner: a 7-module dark row, not its mirror image
    assert all(matrix[2][2 + i] for i in range(7)) and not matrix[3][3]


def test_an_svg_receipt_carries_the_text_the_number_and_the_qr(tmp_path: Path) -> None:
    receipt = ticket_receipt(slip(), 48)
    root = ET.fromstring(render_svg(receipt))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "A-007" in texts and "NOMOR ANTREAN" in texts
    assert "Antrean di depan Anda: 3 orang" in texts
    width = int(root.get("width") or 0)
    assert width == 48 * 12 + 24  # 80 mm paper as the PNG: 48 columns of 12 dots
    (qr,) = root.iter(f"{SVG}path")
    assert cells_of(qr.get("d") or "") == {
        (x, y) for y, row in enumerate(qr_matrix(URL)) for x, on in enumerate(row) if on
    }


def test_the_file_printer_writes_text_and_svg_and_keeps_a_reprint_beside(tmp_path: Path) -> None:
    printer = FilePrinter(tmp_path / "receipts", svg=True)
    printer.open()
    printer.print_receipt(ticket_receipt(slip(), 32))
    printer.print_receipt(ticket_receipt(slip(), 32))  # the same name again: a copy beside it
    names = sorted(p.name for p in (tmp_path / "receipts").iterdir())
    assert names == [
        "20250312-A-007.2.svg",
        "20250312-A-007.2.txt",
        "20250312-A-007.svg",
        "20250312-A-007.txt",
    ]
    ET.parse(tmp_path / "receipts" / "20250312-A-007.2.svg")  # whole, well-formed


_CHILD = r"""
import json, sys
from datetime import datetime, timezone
from pathlib import Path
from tests.appliance.hardware.test_file_printer import slip
from appliance.hardware.file_printer import FilePrinter, render_png
from appliance.hardware.receipt import ticket_receipt
from web.kiosk_link import qr_data_uri
def executed(name):
    return type(sys.modules.get(name)).__name__ == "module"
printer = FilePrinter(Path(sys.argv[1]), svg=True)
printer.open()
printer.print_receipt(ticket_receipt(slip(), 48))
qr_data_uri("http://mpp.local/kiosk?token=abc")
lean = {name: executed(name) for name in ("qrcode", "PIL.Image", "PIL.ImageFont")}
png = render_png(ticket_receipt(slip(), 48))  # the optional PNG: Pillow loads now
print(json.dumps({"lean": lean, "png": png[:8].hex(),
                  "after_png": executed("PIL.Image") and executed("PIL.ImageFont")}))
"""


def test_svg_receipts_and_the_pairing_qr_leave_pillow_unloaded(tmp_path: Path) -> None:
    """In a fresh interpreter (this one has Pillow already): SVG receipts and the kiosk QR draw
    with qrcode but never execute Pillow (7.7 MB); the PNG still renders when asked for."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "receipts")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=child_env(),
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["lean"] == {"qrcode": True, "PIL.Image": False, "PIL.ImageFont": False}
    assert found["png"] == "89504e470d0a1a0a" and found["after_png"] is True
