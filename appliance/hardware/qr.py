"""QR codes as their matrix and as SVG, without loading Pillow.

Two places draw a QR code in `mpp run`: the file printer's picture of a receipt and the admin's
kiosk-pairing link. Both want vector shapes, not pixels. qrcode computes the matrix in pure
Python but imports Pillow at import (for its image drawers): 7.7 MB of resident memory that a
matrix never uses, B5's whole margin on a Pi. So qrcode is imported with Pillow deferred
(`appliance.hardware.deferred`): Pillow loads only if something draws a raster image (the file
printer's optional PNG, an ESC/POS printer without a QR command of its own).
"""

from __future__ import annotations

from typing import Any

from appliance.hardware.deferred import import_deferring

QUIET_ZONE = 2  # modules of white around the code, as on the receipts


def lean_qrcode() -> Any:
    """The `qrcode` package, imported (once per process) with Pillow deferred."""
    return import_deferring("qrcode", frozenset({"PIL"}))


def qr_matrix(text: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The modules of `text`'s QR code, quiet zone included: rows of True for dark."""
    code = lean_qrcode().QRCode(border=border)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def svg_path(matrix: list[list[bool]]) -> str:
    """The dark modules as one SVG path in module units, a rectangle per horizontal run."""
    parts: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            run = x
            while run < len(row) and row[run]:
                run += 1
            parts.append(f"M{x} {y}h{run - x}v1h{x - run}z")
            x = run
    return "".join(parts)


def qr_svg(text: str, module_px: int = 6) -> str:
    """A standalone SVG image of `text`'s QR code, `module_px` pixels a module."""
    matrix = qr_matrix(text)
    side = len(matrix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side * module_px}"'
        f' height="{side * module_px}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{svg_path(matrix)}" fill="#000"/></svg>'
    )
