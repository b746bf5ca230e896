"""`mpp run`'s lean process: OpenSSL kept out, and libraries that name TLS classes still import."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import REPO

WITHOUT_OPENSSL = """
import sys
from web.lean import lean_process, tls_names_refuse, TlsUnavailable
lean_process()
tls_names_refuse()
import fpdf  # names urllib.request.HTTPSHandler and http.client.HTTPSConnection at import
import urllib.request
assert "ssl" not in sys.modules or sys.modules["ssl"] is None
try:
    urllib.request.urlopen("https://127.0.0.1:9/", timeout=1)
except TlsUnavailable as exc:
    print("refused:", exc)
"""


def test_tls_names_import_and_refuse_without_openssl() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_OPENSSL],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused: no TLS in the appliance process")


def test_tls_names_untouched_where_ssl_exists() -> None:
    import http.client
    import urllib.request

    from web.lean import tls_names_refuse

    before = (urllib.request.HTTPSHandler, http.client.HTTPSConnection)
    tls_names_refuse()
    assert (urllib.request.HTTPSHandler, http.client.HTTPSConnection) == before
