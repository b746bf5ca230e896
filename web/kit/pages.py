"""What the HTML pages of a server share: headers that keep them local and uncached, and where
a login page may send the browser back to.

Every asset is served by the server itself (the LAN of a service hall has no internet, and a
stray CDN link would hang a kiosk); the Content-Security-Policy makes the browser enforce it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response


def page_headers(policy: str) -> Callable[[Response], Response]:
    """An after-request hook: HTML answers get `policy`, no sniffing, no caching of shells."""

    def add_headers(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", policy)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return add_headers


def is_local_path(target: str) -> bool:
    """Only a path on this server (not `//elsewhere`, not a backslash trick) may be a `next`."""
    return target.startswith("/") and not target.startswith("//") and "\\" not in target
