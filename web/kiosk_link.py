"""A kiosk's pairing link: the address a kiosk device opens once to keep its machine token.

`/kiosk` needs a kiosk token, not a staff login (a kiosk stands alone in the hall all day). The
administrator creates one on /admin ("Token perangkat", role kiosk) and opens the link this
module makes on the kiosk itself, typed or scanned from the QR code: `kiosk.js` stores the token
and drops it from the address bar. The QR code is an SVG drawn locally (`appliance.qr`, as the
receipts' and central's), never fetched from a CDN: the LAN has no internet.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from appliance.qr import qr_svg


def kiosk_url(base: str, token: str) -> str:
    """`{base}/kiosk?token=…`; `base` is web.public_url, or the address the admin came in by."""
    return f"{base.rstrip('/')}/kiosk?token={quote(token, safe='')}"


def qr_data_uri(text: str) -> str:
    """The QR code of `text` as a `data:image/svg+xml` URI (the pages' CSP allows data: images)."""
    svg = qr_svg(text, module_px=6).encode("ascii")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
