"""The TLS client side of the site's link to the MPP broker, configured in one place.

`mpp sync` connects with it, its status page diagnoses a failed connection with it, and
`mpp doctor` probes the broker with it, so all three trust the same CA and present the same
client certificate. Import it only where TLS is used: `mpp run` keeps OpenSSL out of its process
(web/cli.py), and this module imports `ssl`.
"""

from __future__ import annotations

import ssl


def client_context(ca_file: str, cert_file: str, key_file: str) -> ssl.SSLContext:
    """Verify the broker against `ca_file` (the system's CAs when empty) and its host name;
    present `cert_file`/`key_file` when the site has a client certificate."""
    context = ssl.create_default_context(cafile=ca_file or None)
    if cert_file:
        context.load_cert_chain(cert_file, key_file or None)
    return context
