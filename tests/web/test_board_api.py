"""The board: state, calls to announce exactly once in order, and the SSE doorbell on a real
waitress server."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator

import pytest

from tests.support.serving import serving
from tests.support.web_site import Site


def _call(site: Site, counter: str = "L02", service: str = "DUKCAPIL-KTP") -> dict:
    site.kiosk().post("/api/v1/tickets", json={"service": service})
    staff = site.staff("kepala")
    staff.post(f"/api/v1/counters/{counter}/start")
    return staff.post(f"/api/v1/counters/{counter}/next").json


def test_board_shows_current_recent_and_waiting(site: Site) -> None:
    site.kiosk().post("/api/v1/tickets", json={"service": "POLRES-SKCK"})
    first = _call(site)
    board = site.client().get("/api/v1/board").json
    assert board["site_name"] == "Mal Pelayanan Publik Uji"
    assert board["current"]["number"] == first["number"]
    assert board["current"]["counter_name"] == "Loket 2"
    assert (
        board["current"]["audio_url"] == f"/api/v1/announcements/{board['current']['call_id']}.wav"
    )
    assert [w["service"] for w in board["waiting"]] == ["POLRES-SKCK"]
    assert board["calls"] == []  # without `since`, nothing to announce


def test_since_returns_each_call_once_in_order_including_recalls(site: Site) -> None:
    start = site.client().get("/api/v1/board").json["version"]
    first = _call(site)
    site.staff("kepala").post("/api/v1/counters/L02/recall")
    second = _call(site)
    calls = site.client().get(f"/api/v1/board?since={start}").json["calls"]
    assert [(c["number"], c["recall"]) for c in calls] == [
        (first["number"], False),
        (first["number"], True),
        (second["number"], False),
    ]
    seqs = [c["seq"] for c in calls]
    assert seqs == sorted(seqs)
    # A board that announced up to the second call asks again: only what came after.
    again = site.client().get(f"/api/v1/board?since={seqs[1]}").json["calls"]
    assert [c["seq"] for c in again] == seqs[2:]
    assert site.client().get(f"/api/v1/board?since={seqs[-1]}").json["calls"] == []
    assert site.client().get("/api/v1/board?since=abc").status_code == 400


def test_board_version_moves_with_every_change(site: Site) -> None:
    site.app.extensions["mpp"].board.max_age_s = 0.0  # no burst smoothing: every change shows
    before = site.client().get("/api/v1/board").json["version"]
    site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    after = site.client().get("/api/v1/board").json
    assert after["version"] > before
    assert after["waiting"][0]["waiting"] == 1


def test_each_call_has_its_spoken_wav(site: Site) -> None:
    import io
    import wave

    _call(site)
    board = site.client().get("/api/v1/board").json
    response = site.client().get(board["current"]["audio_url"])
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert "immutable" in response.headers["Cache-Control"]
    with wave.open(io.BytesIO(response.data)) as audio:
        assert audio.getframerate() == 16000 and audio.getnchannels() == 1
        assert audio.getnframes() / 16000 > 2.0  # chime + "nomor antrean a satu ... loket dua"
    missing = site.client().get("/api/v1/announcements/99999.wav")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "call_not_found"


@pytest.fixture
def served(site: Site) -> Iterator[tuple[Site, int]]:
    with serving(site.app, channel_request_lookahead=1) as url:
        yield site, int(url.rsplit(":", 1)[1])


def _read_event(response: http.client.HTTPResponse) -> list[str]:
    lines: list[str] = []
    while True:
        line = response.readline().decode().rstrip("\n")
        if line == "":
            if lines:
                return lines
            continue
        lines.append(line)


def test_stream_rings_with_the_new_version_after_a_call(served: tuple[Site, int]) -> None:
    site, port = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/api/v1/stream")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/event-stream")
    first = _read_event(response)
    assert first[0] == "retry: 3000" and first[1] == "event: version"
    began = int(first[2].removeprefix("data: "))
    called_at = time.monotonic()
    _call(site)
    versions = []
    while True:
        event = _read_event(response)
        if event[0] == "event: version":
            versions.append(int(event[1].removeprefix("data: ")))
            board = site.client().get(f"/api/v1/board?since={began}").json
            if board["calls"]:
                break
    assert time.monotonic() - called_at < 5
    assert versions[-1] > began
    connection.close()


def test_streams_past_the_cap_get_503_and_poll(site: Site) -> None:
    context = site.app.extensions["mpp"]
    for _ in range(context.streams.limit):
        assert context.streams.enter()
    response = site.client().get("/api/v1/stream")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "too_many_streams"
    assert response.headers["Retry-After"]
    context.streams.leave()
    assert context.streams.enter()  # a freed place is usable again


def test_a_burst_reuses_the_snapshot_but_never_the_calls(site: Site) -> None:
    """During a burst the board snapshot may lag by max_age_s; the calls to announce never do."""
    board = site.app.extensions["mpp"].board
    now = [100.0]
    board._clock = lambda: now[0]
    start = site.client().get("/api/v1/board").json
    first = _call(site)
    lagging = site.client().get(f"/api/v1/board?since={start['version']}").json
    assert [c["number"] for c in lagging["calls"]] == [first["number"]]  # announced at once
    assert lagging["current"] is None  # the snapshot is from before the call
    now[0] += board.max_age_s
    settled = site.client().get(f"/api/v1/board?since={start['version']}").json
    assert settled["current"]["number"] == first["number"]


def test_stream_rings_again_when_a_burst_settles(served: tuple[Site, int]) -> None:
    site, port = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/api/v1/stream")
    response = connection.getresponse()
    _read_event(response)  # the greeting with the current version
    doorbell = site.app.extensions["mpp"].doorbell
    doorbell.ring(doorbell.version + 1)
    rang = time.monotonic()
    first = _read_event(response)
    second = _read_event(response)
    settled = time.monotonic() - rang
    assert first[0] == second[0] == "event: version"
    assert first[1] == second[1] == f"data: {doorbell.version}"
    assert 0.2 < settled < 5  # the settle ring comes after SETTLE_S, before any heartbeat
    connection.close()


def test_board_lists_each_counter_with_its_number_its_next_and_its_pause(site: Site) -> None:
    """Per loket: the number at it, the number its call next takes now, and whether it pauses."""
    first = _call(site)  # L02 calls its only ticket
    queued = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).json
    site.staff("kepala").post("/api/v1/counters/L03/pause", json={"reason": "istirahat"})
    lokets = {row["code"]: row for row in site.client().get("/api/v1/board").json["lokets"]}
    assert lokets["L02"]["serving"] == first["number"]
    assert lokets["L02"]["serving_state"] == "called"
    assert lokets["L02"]["next"] == queued["number"]
    assert lokets["L02"]["paused"] is False
    assert lokets["L03"]["paused"] is True
    assert lokets["L03"]["serving"] is None
    assert lokets["L03"]["next"] is None  # L03 serves SKCK only; nobody waits for it


def test_board_tells_the_site_time_not_the_servers_zone(site: Site) -> None:
    """09:00 WIB on the test clock: the board's `now` is in the site's zone, with its offset."""
    board = site.client().get("/api/v1/board").json
    assert board["zone"] == "Asia/Jakarta"
    assert board["now"].startswith("2025-03-12T09:00")
    assert board["now"].endswith("+07:00")


def test_board_is_closed_after_hours_once_nobody_waits_or_is_served(site: Site) -> None:
    from datetime import timedelta

    cache = site.app.extensions["mpp"].board
    cache.max_age_s = 0.0
    first = _call(site)
    site.clock.advance(timedelta(hours=8))  # 17:00: after closing (16:00)
    board = site.client().get("/api/v1/board?since=0").json
    # Someone is still at the counter: the day is not over on the board yet.
    assert board["opening"]["reason"] == "after_closing"
    assert board["closed"] is False
    staff = site.staff("kepala")
    staff.post("/api/v1/counters/L02/start")
    staff.post("/api/v1/counters/L02/done")
    board = site.client().get("/api/v1/board").json
    assert board["closed"] is True
    assert board["opening"]["closes"] == "16:00"
    assert board["current"]["number"] == first["number"]  # kept, but the board says closed


def test_closed_state_follows_the_clock_without_any_ring(site: Site) -> None:
    """Closing time passes with no action at all: a new minute rebuilds the snapshot."""
    from datetime import timedelta

    site.app.extensions["mpp"].board.max_age_s = 0.0  # no burst smoothing in the way
    assert site.client().get("/api/v1/board").json["closed"] is False
    site.clock.advance(timedelta(hours=8))
    assert site.client().get("/api/v1/board").json["closed"] is True


def test_running_text_set_by_an_admin_reaches_every_board(site: Site) -> None:
    site.app.extensions["mpp"].board.max_age_s = 0.0
    rings = site.app.extensions["mpp"].doorbell.rings
    admin = site.staff("admin")
    answer = admin.put("/api/v1/board/message", json={"text": "Hari ini  bawa\nKTP asli."})
    assert answer.status_code == 200
    assert answer.json == {"text": "Hari ini bawa KTP asli."}  # one line
    assert site.app.extensions["mpp"].doorbell.rings > rings  # boards fetch it at once
    assert site.client().get("/api/v1/board").json["message"] == "Hari ini bawa KTP asli."
    too_long = admin.put("/api/v1/board/message", json={"text": "x" * 301})
    assert too_long.status_code == 422
    assert too_long.json["error"]["code"] == "too_long"
    assert admin.put("/api/v1/board/message", json={"text": 5}).status_code == 400
    assert site.client().get("/api/v1/board").json["message"] == "Hari ini bawa KTP asli."
    assert site.staff("kepala").put("/api/v1/board/message", json={"text": ""}).status_code == 403
    assert admin.put("/api/v1/board/message", json={"text": "  "}).json == {"text": ""}
    assert site.client().get("/api/v1/board").json["message"] == ""
