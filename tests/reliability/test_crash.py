"""`mpp run` SIGKILLed at random moments under issue and call load over HTTP, again and again.

After every kill the database must pass SQLite's integrity check, keep every ticket whose 201
a client received (with that number) and every call whose 200 it received, never have given a
number twice, and keep the outbox seq gap-free. CI: 10 kills; MPP_RELIABILITY=long: 50.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from pathlib import Path

import pytest

from tests.support.live_appliance import Client, LiveAppliance, bench_catalogue, prepare
from tests.support.reliability import database_problems, long_mode, rows

ISSUERS = 4
COUNTERS = ("B01", "B02")


class Load:
    """Kiosks issuing and counters calling until the server dies; what they were promised."""

    def __init__(self, port: int, tokens: dict[str, str], services: list[str]) -> None:
        self.port = port
        self.tokens = tokens
        self.services = services
        self.issued: list[tuple[int, str]] = []  # (id, number) of every 201 received
        self.called: list[int] = []  # ticket ids of every call-next 200 received
        self.other: list[str] = []  # answers that are neither success nor a connection error
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def issue(self, seed: int) -> None:
        client = Client(self.port, self.tokens["kiosk"], timeout=10)
        rng = random.Random(seed)
        while not self.stop.is_set():
            try:
                status, body, _ = client.request(
                    "POST", "/api/v1/tickets", {"service": rng.choice(self.services)}
                )
            except (OSError, http.client.HTTPException):
                break  # the server is gone
            with self.lock:
                if status == 201:
                    self.issued.append((body["id"], body["number"]))
                else:
                    self.other.append(f"issue {status} {body}")
        client.close()

    def call(self, counter: str) -> None:
        client = Client(self.port, self.tokens[counter], timeout=10)
        while not self.stop.is_set():
            try:
                status, body, _ = client.request("POST", f"/api/v1/counters/{counter}/next")
                if status == 200:
                    with self.lock:
                        self.called.append(body["id"])
                    client.request("POST", f"/api/v1/counters/{counter}/done")
                elif status == 404 and body["error"]["code"] == "queue_empty":
                    time.sleep(0.01)
                elif status == 409 and body["error"]["code"] == "counter_busy":
                    # called before the last kill, its done never came: finish it now
                    client.request("POST", f"/api/v1/counters/{counter}/done")
                else:
                    with self.lock:
                        self.other.append(f"next {status} {body}")
            except (OSError, http.client.HTTPException):
                break
        client.close()

    def threads(self) -> list[threading.Thread]:
        made = [threading.Thread(target=self.issue, args=(i,)) for i in range(ISSUERS)]
        made += [threading.Thread(target=self.call, args=(c,)) for c in COUNTERS]
        return made


@pytest.mark.slow
def test_sigkill_under_load_loses_nothing_confirmed(tmp_path: Path) -> None:
    kills = 50 if long_mode() else 10
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    prepared = prepare(
        tmp_path / "site",
        bench_catalogue(services=5, counters=len(COUNTERS)),
        tokens=(("kiosk", "kiosk", ()),),
        counter_tokens=True,
    )
    promised: list[tuple[int, str]] = []
    called: list[int] = []
    for round_ in range(kills):
        app = LiveAppliance(prepared, log_name="crash.log")
        app.start()
        load = Load(prepared.port, prepared.tokens, prepared.services)
        threads = load.threads()
        try:
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.05, 0.8))
        finally:
            assert app.kill() == -9
            load.stop.set()
            for thread in threads:
                thread.join(30)
        assert not load.other, f"seed {seed} round {round_}: {load.other[:5]}"
        promised += load.issued
        called += load.called

        problems = database_problems(prepared.db_path)
        assert problems == [], f"seed {seed} round {round_}: {problems}"
        stored = dict(rows(prepared.db_path, "SELECT id, number FROM ticket"))
        lost = [(i, n) for i, n in promised if stored.get(i) != n]
        assert lost == [], f"seed {seed} round {round_}: confirmed tickets lost {lost[:5]}"
        waiting = {
            i for (i,) in rows(prepared.db_path, "SELECT id FROM ticket WHERE state = 'waiting'")
        }
        uncalled = [i for i in called if i in waiting]
        assert uncalled == [], f"seed {seed} round {round_}: confirmed calls lost {uncalled[:5]}"

    numbers = [n for _, n in promised]
    assert len(numbers) == len(set(numbers)), f"seed {seed}: a number was given twice"
    assert len(called) == len(set(called)), f"seed {seed}: a ticket was called twice"
    print(
        f"crash: {kills} SIGKILLs, {len(promised)} confirmed tickets and {len(called)} confirmed "
        f"calls all kept, seed {seed}"
    )
