"""The world the central HTTP tests stand in: a real appliance's day (five tickets, two served,
one called, two surveys) shipped to central through `Ingest`, and central's app with a session
user and a bearer token per role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from appliance.queue import outbox
from appliance.storage.database import connected
from sync import protocol
from sync.central.ingest import Ingest
from tests.support.engine_fixtures import EngineSite

SITE = "9999-MPP"
PASSWORD = "rahasia-pusat-1"
DAY = "2025-03-12"
GOOD = {f"U{n}": 4 for n in range(1, 10)}
MIXED = {**{f"U{n}": 3 for n in range(1, 10)}, "U4": 2, "U9": 1}


@dataclass
class World:
    site: EngineSite
    ingest: Ingest
    app: Flask
    admin_token: str
    supervisor_token: str
    tickets: dict[str, Any]

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str, token: str | None = None) -> Any:
        return self.client().get(path, headers=self.bearer(token or self.supervisor_token))

    def staff(self, username: str = "pusat") -> tuple[FlaskClient, str]:
        client = self.client()
        r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.json
        return client, r.json["csrf_token"]


def ship(site: EngineSite, ingest: Ingest, after: int = 0) -> int:
    """Send the outbox after `after` to central as one batch; returns the last seq."""
    with connected(site.db):
        events = [e.to_wire() for e in outbox.pending(after, 100_000)]
    batch = protocol.make_batch(SITE, events)
    reply = ingest.handle(protocol.topic(SITE, protocol.EVENTS), protocol.encode_batch(batch))
    assert reply is not None and reply.ack.acked_through == batch.last_seq
    return batch.last_seq
