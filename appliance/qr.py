"""QR codes as their matrix and as SVG, without loading Pillow.

Three places draw a QR code: the file printer's picture of a receipt, the admin's kiosk-pairing
link and central's booking page. All want vector shapes, not pixels. The pinned `qrcode` library
computes the matrix in pure Python but imports Pillow at import (for its image drawers): 7.7 MB
of resident memory that a matrix never uses, B5's whole margin on a Pi. So qrcode is imported
with Pillow deferred (`appliance.deferred`): Pillow loads only if something draws a
raster image (the file printer's optional PNG, an ESC/POS printer without a QR command).

The SVG is one stroked path of horizontal runs with relative moves: a fraction of the size of
qrcode's own SVG, which draws every module as a square (measured in docs/bookings.md).
"""

from __future__ import annotations

from typing import Any

from appliance.deferred import import_deferring

QUIET_ZONE = 2  # modules of white around the code, as on the receipts


def lean_qrcode() -> Any:
    """The `qrcode` package, imported (once per process) with Pillow deferred."""
    return import_deferring("qrcode", frozenset({"PIL"}))


def qr_matrix(text: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The modules of `text`'s QR code (medium error correction), quiet zone included: rows of
    True for dark."""
    qrcode = lean_qrcode()
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def svg_path(matrix: list[list[bool]]) -> str:
    """The dark modules in module units as a path to stroke (width 1): per row a move to its
    middle line, then each run of dark modules as a relative move and a horizontal line."""
    rows = []
    for y, line in enumerate(matrix):
        parts, x, pen = [], 0, 0
        while x < len(line):
            if not line[x]:
                x += 1
                continue
            start = x
            while x < len(line) and line[x]:
                x += 1
            parts.append(f"m{start - pen} 0h{x - start}")  # a run of dark modules, one stroke
            pen = x
        if parts:
            rows.append(f"M0 {y}.5" + "".join(parts))
    return "".join(rows)


def qr_svg(
    text: str, *, border: int = QUIET_ZONE, module_px: int | None = None, attrs: str = ""
) -> str:
    """A standalone SVG element of `text`'s QR code; `module_px` gives it a pixel size (an
    `<img>` needs one), else it fills its box; `attrs` (trusted markup) open the element."""
    matrix = qr_matrix(text, border)
    side = len(matrix)
    size = f' width="{side * module_px}" height="{side * module_px}"' if module_px else ""
    return (
        f'<svg {attrs + " " if attrs else ""}viewBox="0 0 {side} {side}"{size} '
        f'xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path stroke="#000" d="{svg_path(matrix)}"/></svg>'
    )
