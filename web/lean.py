"""The appliance process kept lean for a 1 GB Pi (`mpp run`), and what that asks of libraries.

`lean_process()` runs before anything heavy is imported. It keeps OpenSSL out of the process, so
the standard library's TLS names (`urllib.request.HTTPSHandler`, `http.client.HTTPSConnection`)
do not exist there; `tls_names_refuse()` gives them back as classes that refuse to connect, for a
library that only names them at import (fpdf2 does, for remote images the SKM PDF never loads).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc mallopt parameter


def lean_process() -> None:
    """Memory of a long-running appliance on a 1 GB Pi 3, before anything is imported.

    - glibc gives each busy thread its own malloc arena; with 48 waitress threads that is
      measured at about 5.5 MB more resident memory than with two arenas (docs/performance.md).
    - peewee imports psycopg when it is installed (development installs have it for central's
      PostgreSQL tests); the appliance only ever uses SQLite, and psycopg costs about 11 MB.
    - OpenSSL: this process serves plain HTTP on the LAN and opens no TLS connection (`mpp sync`,
      which talks TLS to the broker, is another process). Without `_hashlib`, hashlib and hmac
      use Python's built-in SHA code, and libcrypto is never mapped: 3.9 MiB less resident
      memory measured (libcrypto 3.4 MiB, libssl and the two modules the rest). Where `mpp sync`
      runs on the same box it still maps libcrypto, so part of that is shared pages rather than
      RAM freed; the figure B5 counts is this process's resident set.
    """
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).mallopt(M_ARENA_MAX, 2)
        except (OSError, AttributeError):  # not glibc: nothing to tune
            log.debug("mallopt unavailable")
    if "peewee" not in sys.modules:
        sys.modules.setdefault("psycopg", None)  # type: ignore[arg-type]
        sys.modules.setdefault("psycopg2", None)  # type: ignore[arg-type]
    if "hashlib" not in sys.modules:
        for name in ("_hashlib", "_ssl", "ssl"):
            sys.modules.setdefault(name, None)  # type: ignore[arg-type]


class TlsUnavailable(OSError):
    """This process was started without OpenSSL (`lean_process`)."""


def tls_names_refuse() -> None:
    """Where `ssl` is blocked, define urllib's and http.client's HTTPS classes as refusing ones.

    Importing them is then possible (fpdf2 subclasses both at import); any attempt to open an
    HTTPS connection raises `TlsUnavailable`. Where `ssl` is available nothing changes.
    """
    import http.client
    import urllib.request

    if hasattr(urllib.request, "HTTPSHandler") and hasattr(http.client, "HTTPSConnection"):
        return

    class RefusingHTTPSConnection(http.client.HTTPConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise TlsUnavailable("no TLS in the appliance process (mpp run keeps OpenSSL out)")

    class RefusingHTTPSHandler(urllib.request.AbstractHTTPHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            raise TlsUnavailable(f"no TLS in the appliance process: {req.full_url} not opened")

    if not hasattr(http.client, "HTTPSConnection"):
        http.client.HTTPSConnection = RefusingHTTPSConnection  # type: ignore[assignment, misc]
    if not hasattr(urllib.request, "HTTPSHandler"):
        urllib.request.HTTPSHandler = RefusingHTTPSHandler  # type: ignore[assignment, misc]
