"""Central's waitress is the guarded one too: one address's sockets are capped, `[central.web]`
limits reach it, and /healthz keeps answering (issue 15, item 1)."""

from __future__ import annotations

import http.client
import socket
import threading
from pathlib import Path

from appliance.config.sections import CentralConfig, CentralWebConfig, Config
from sync.central.http import CentralWebSettings
from sync.central.http.serve import make_server, stop_server
from sync.central.store import open_central_database


def test_central_caps_one_address_and_keeps_answering(tmp_path: Path) -> None:
    config = Config(
        central=CentralConfig(web=CentralWebConfig(secret_key="s" * 40, connections_per_address=4))
    )
    settings = CentralWebSettings.from_config(config)
    assert settings.limits.per_address == 4
    db = open_central_database(f"sqlite:///{tmp_path / 'central.db'}")
    server = make_server(db, settings, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    port = int(server.effective_port)
    held: list[socket.socket] = []
    try:
        for _ in range(150):  # more than waitress's own default limit of 100
            sock = socket.socket()
            held.append(sock)  # closed in `finally` whatever happens next
            sock.bind(("127.0.0.2", 0))
            sock.settimeout(3)
            sock.connect(("127.0.0.1", port))
        answer = held[-1].recv(4096)
        assert answer.startswith(b"HTTP/1.1 503"), answer
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        try:
            client.request("GET", "/healthz")
            assert client.getresponse().status == 200
        finally:
            client.close()
        assert server.held["127.0.0.2"] == 4
    finally:
        for sock in held:
            sock.close()
        stop_server(server)
        thread.join(timeout=10)
        db.close()
