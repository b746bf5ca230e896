"""The building's own requests are served before citizens' phones when the threads are busy.

A real guarded waitress server with one thread: a request holds the thread while public
requests and then one kiosk request queue behind it; the kiosk's goes first once the thread is
free, and the public ones keep their order and are never starved.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from types import SimpleNamespace
from typing import Any

import pytest

from web.kit.lanes import Lanes
from web.kit.server import Limits, guarded_server
from web.serve import building_first


def _task(path: str) -> Any:
    return SimpleNamespace(request=SimpleNamespace(path=path))


def test_first_lane_goes_first_but_the_other_is_not_starved() -> None:
    lanes = Lanes(building_first, share=2)
    for path in [
        "/t/a",
        "/t/b",
        "/api/v1/tickets",
        "/kiosk",
        "/healthz",
        "/api/v1/counters/1/next",
    ]:
        lanes.append(_task(path))
    order = [lanes.popleft().request.path for _ in range(len(lanes))]
    assert order == [
        "/api/v1/tickets",
        "/kiosk",
        "/t/a",  # after `share` first-lane requests in a row, one of the waiting public
        "/healthz",
        "/api/v1/counters/1/next",
        "/t/b",
    ]
    assert not lanes
    with pytest.raises(IndexError):
        lanes.popleft()


@pytest.mark.parametrize(
    ("path", "first"),
    [
        ("/t/abcdefgh", False),
        ("/survey/abcdefgh", False),
        ("/survey", False),
        ("/api/v1/track/abcdefgh", False),
        ("/api/v1/surveys", False),
        ("/api/v1/tickets", True),
        ("/api/v1/counters/L1/call-next", True),
        ("/healthz", True),
        ("/display", True),
        ("/static/js/kiosk.js", True),
    ],
)
def test_which_requests_are_the_buildings_own(path: str, first: bool) -> None:
    assert building_first(path) is first


def test_a_kiosk_request_overtakes_queued_phones_on_a_busy_server() -> None:
    release = threading.Event()
    holding = threading.Event()
    served: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/hold":
            holding.set()
            release.wait(10)
        served.append(path)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = guarded_server(
        app, host="127.0.0.1", port=0, limits=Limits(), first_lane=building_first, threads=1
    )
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    clients: list[threading.Thread] = []

    def get(path: str) -> None:
        def fetch() -> None:
            with urllib.request.urlopen(base + path, timeout=15) as answer:
                answer.read()

        thread = threading.Thread(target=fetch)
        thread.start()
        clients.append(thread)

    def queued(n: int) -> None:
        deadline = time.monotonic() + 10
        while len(server.task_dispatcher.queue) < n:
            assert time.monotonic() < deadline, "requests never reached the queue"
            time.sleep(0.01)

    try:
        get("/hold")
        assert holding.wait(10)
        for i in range(4):  # one at a time, so their order in the queue is known
            get(f"/t/phone{i}")
            queued(i + 1)
        get("/api/v1/tickets")
        queued(5)
        release.set()
        for thread in clients:
            thread.join(15)
    finally:
        release.set()
        server.close()
        server.task_dispatcher.shutdown(timeout=5)
        loop.join(5)
    assert served == [
        "/hold",
        "/api/v1/tickets",
        "/t/phone0",
        "/t/phone1",
        "/t/phone2",
        "/t/phone3",
    ]
