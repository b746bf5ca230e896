"""The officer's console actions over HTTP, with the counter state they leave behind."""

from __future__ import annotations

from tests.support.web_site import Site


def _issue(site: Site, service: str, n: int = 1) -> list[dict]:
    return [site.kiosk().post("/api/v1/tickets", json={"service": service}).json for _ in range(n)]


def test_a_whole_visit_at_one_counter(site: Site) -> None:
    tickets = _issue(site, "DUKCAPIL-KTP", 2)
    budi = site.staff("budi")
    called = budi.post("/api/v1/counters/L02/next")
    assert called.status_code == 200 and called.json["number"] == tickets[0]["number"]
    assert called.json["state"] == "called" and called.json["counter"] == "L02"
    busy = budi.post("/api/v1/counters/L02/next")
    assert busy.status_code == 409 and busy.json["error"]["code"] == "counter_busy"
    assert budi.post("/api/v1/counters/L02/recall").json["recalls"] == 1
    assert budi.post("/api/v1/counters/L02/start").json["state"] == "serving"
    counters = {c["code"]: c for c in budi.get("/api/v1/counters").json["items"]}
    assert counters["L02"]["current"]["number"] == tickets[0]["number"]
    assert counters["L02"]["services"] == ["DUKCAPIL-KK", "DUKCAPIL-KTP"]
    assert budi.post("/api/v1/counters/L02/done").json["state"] == "done"
    assert budi.post("/api/v1/counters/L02/done").status_code == 409
    assert budi.post("/api/v1/counters/L02/next").json["number"] == tickets[1]["number"]


def test_empty_queue_is_404_queue_empty(site: Site) -> None:
    response = site.staff("budi").post("/api/v1/counters/L02/next")
    assert response.status_code == 404 and response.json["error"]["code"] == "queue_empty"


def test_pause_and_resume(site: Site) -> None:
    _issue(site, "DUKCAPIL-KTP")
    budi = site.staff("budi")
    paused = budi.post("/api/v1/counters/L02/pause")
    assert paused.status_code == 200 and paused.json["paused"] is True
    refused = budi.post("/api/v1/counters/L02/next")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "counter_paused"
    assert budi.post("/api/v1/counters/L02/pause").status_code == 409
    assert budi.post("/api/v1/counters/L02/resume").json["paused"] is False
    assert budi.post("/api/v1/counters/L02/next").status_code == 200


def test_transfer_from_the_counter_keeps_number_and_place(site: Site) -> None:
    early = _issue(site, "DUKCAPIL-KTP")[0]
    late = _issue(site, "DUKCAPIL-KK")[0]
    budi = site.staff("budi")
    budi.post("/api/v1/counters/L02/next")
    moved = budi.post("/api/v1/counters/L02/transfer", json={"service": "POLRES-SKCK"})
    assert moved.status_code == 200
    assert moved.json["number"] == early["number"] and moved.json["state"] == "waiting"
    assert budi.post("/api/v1/counters/L02/transfer", json={"service": "NOPE"}).status_code == 409
    assert budi.post("/api/v1/counters/L02/next").json["number"] == late["number"]
    sari = site.staff("sari")
    assert sari.post("/api/v1/counters/L03/next").json["number"] == early["number"]


def test_the_counters_queue_is_listed_in_call_order(site: Site) -> None:
    general = _issue(site, "DUKCAPIL-KTP")[0]["number"]
    kepala = site.staff("kepala")
    priority = [
        kepala.post(
            "/api/v1/tickets",
            json={"service": service, "priority": True, "priority_reason": "lansia"},
        ).json["number"]
        for service in ("DUKCAPIL-KK", "DUKCAPIL-KTP", "DUKCAPIL-KK", "DUKCAPIL-KTP")
    ]
    _issue(site, "MPP-INFORMASI")  # L01's service, not L02's
    budi = site.staff("budi")
    expected = [*priority[:3], general, priority[3]]  # three priority calls in a row at most

    queue = budi.get("/api/v1/counters/L02/queue")

    assert queue.status_code == 200 and queue.json["total"] == 5
    assert [t["number"] for t in queue.json["items"]] == expected
    page = budi.get("/api/v1/counters/L02/queue?limit=2&offset=3").json
    assert ([t["number"] for t in page["items"]], page["total"]) == (expected[3:], 5)
    waiting = budi.get("/api/v1/tickets?state=waiting").json["items"]  # still issue order
    assert [t["number"] for t in waiting][:2] == [general, priority[0]]
    called = []
    for _ in expected:
        called.append(budi.post("/api/v1/counters/L02/next").json["number"])
        budi.post("/api/v1/counters/L02/done")
    assert called == expected
    assert budi.get("/api/v1/counters/L02/queue").json == {"items": [], "total": 0}


def test_a_counters_queue_needs_staff_and_a_known_counter(site: Site) -> None:
    assert site.client().get("/api/v1/counters/L02/queue").status_code == 401
    assert site.kiosk().get("/api/v1/counters/L02/queue").status_code == 403
    budi = site.staff("budi")
    unknown = budi.get("/api/v1/counters/L42/queue")
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "unknown_counter"
    assert budi.get("/api/v1/counters/L02/queue?limit=0").status_code == 400


def test_unknown_counter_is_404(site: Site) -> None:
    response = site.staff("admin").post("/api/v1/counters/L99/next")
    assert response.status_code == 404


def test_two_counters_never_get_the_same_ticket(site: Site) -> None:
    import threading

    from appliance.storage.models import Counter, CounterService

    with site.core.db.write():
        Counter.create(code="L04", name="Loket 4", agency="DUKCAPIL", position=9)
        CounterService.create(counter="L04", service="DUKCAPIL-KTP")
    _issue(site, "DUKCAPIL-KTP", 30)
    clients = {code: site.staff("kepala") for code in ("L02", "L04")}
    called: dict[str, list[str]] = {"L02": [], "L04": []}

    def work(code: str) -> None:
        client = clients[code]
        while True:
            response = client.post(f"/api/v1/counters/{code}/next")
            if response.status_code == 404:
                return
            if response.status_code == 409:  # the previous call must be handled first
                client.post(f"/api/v1/counters/{code}/start")
                continue
            assert response.status_code == 200, response.json
            called[code].append(response.json["number"])
            client.post(f"/api/v1/counters/{code}/start")

    threads = [threading.Thread(target=work, args=(code,)) for code in called]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = called["L02"] + called["L04"]
    assert len(everything) == 30 and len(set(everything)) == 30


def test_no_show_is_offered_after_the_sites_recalls(site: Site) -> None:
    _issue(site, "DUKCAPIL-KTP")
    budi = site.staff("budi")
    budi.post("/api/v1/counters/L02/next")
    counter = {c["code"]: c for c in budi.get("/api/v1/counters").json["items"]}["L02"]
    assert counter["recalls_before_no_show"] == 2  # the configuration's default
    early = budi.post("/api/v1/counters/L02/no-show")
    assert early.status_code == 409 and early.json["error"]["code"] == "recall_first"
    assert "2" in early.json["error"]["message"]
    budi.post("/api/v1/counters/L02/recall")
    budi.post("/api/v1/counters/L02/recall")
    assert budi.post("/api/v1/counters/L02/no-show").json["state"] == "no_show"


def test_undo_done_is_the_officers_own(site: Site) -> None:
    ticket = _issue(site, "DUKCAPIL-KTP")[0]
    budi, kepala = site.staff("budi"), site.staff("kepala")
    budi.post("/api/v1/counters/L02/next")
    budi.post("/api/v1/counters/L02/start")
    budi.post("/api/v1/counters/L02/done")
    other = kepala.post("/api/v1/counters/L02/undo")
    assert other.status_code == 409 and other.json["error"]["code"] == "undo_not_yours"
    undone = budi.post("/api/v1/counters/L02/undo")
    assert undone.status_code == 200
    assert (undone.json["id"], undone.json["state"]) == (ticket["id"], "serving")
    again = budi.post("/api/v1/counters/L02/undo")
    assert again.status_code == 409 and again.json["error"]["code"] == "nothing_to_undo"
    assert site.staff("sari").post("/api/v1/counters/L02/undo").status_code == 403


def test_call_a_given_number(site: Site) -> None:
    first, second = _issue(site, "DUKCAPIL-KTP", 2)
    budi = site.staff("budi")
    called = budi.post("/api/v1/counters/L02/call", json={"number": second["number"].lower()})
    assert called.status_code == 200 and called.json["id"] == second["id"]
    budi.post("/api/v1/counters/L02/done")
    bad = budi.post("/api/v1/counters/L02/call", json={"number": "zz-top"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_number"
    missing = budi.post("/api/v1/counters/L02/call", json={})
    assert missing.status_code == 400
    assert budi.post("/api/v1/counters/L02/call", json={"number": "A-999"}).status_code == 404
    assert budi.post("/api/v1/counters/L02/next").json["id"] == first["id"]


def test_pause_reason_shows_in_the_counters_state(site: Site) -> None:
    budi = site.staff("budi")
    bad = budi.post("/api/v1/counters/L02/pause", json={"reason": "tidur"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_pause_reason"
    paused = budi.post("/api/v1/counters/L02/pause", json={"reason": "sholat"})
    assert paused.json["pause_reason"] == "sholat"
    assert paused.json["paused_since"].endswith("+07:00")  # the site's time, WIB
    listed = {c["code"]: c for c in site.staff("kepala").get("/api/v1/counters").json["items"]}
    assert (listed["L02"]["paused"], listed["L02"]["pause_reason"]) == (True, "sholat")
    resumed = budi.post("/api/v1/counters/L02/resume").json
    assert (resumed["pause_reason"], resumed["paused_since"]) == (None, None)
