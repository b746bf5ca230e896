"""The load generator: client processes separate from the appliance, talking HTTP over loopback.

Each client process keeps its own keep-alive `http.client` connections and times every request
with `time.monotonic()` (system-wide on Linux, so a counter's response time and a board's
"I have it" time from two processes can be compared for B3). Results go back to the runner over
a multiprocessing queue as plain lists.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import re
import select
import socket
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from typing import Any

from tests.support.live_appliance import Client

SPAWN = mp.get_context("spawn")


@dataclass
class Result:
    """What one client process measured."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    items: list[Any] = field(default_factory=list)  # issued tickets / calls / board sightings
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    extra_ms: list[float] = field(default_factory=list)  # secondary latencies (done)


def _issue_process(
    port: int, token: str, services: list[str], count: int, offset: int, out: Any
) -> None:
    client = Client(port, token)
    result = Result(started=time.monotonic())
    tally: Tally[int] = Tally()
    for i in range(count):
        service = services[(offset + i) % len(services)]
        begin = time.monotonic()
        try:
            status, body, _ = client.request("POST", "/api/v1/tickets", {"service": service})
        except OSError as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            client.close()
            continue
        result.latencies_ms.append((time.monotonic() - begin) * 1000)
        tally[status] += 1
        if status == 201:
            result.items.append((body["id"], body["number"], body["service"]))
        elif len(result.errors) < 20:
            result.errors.append(f"{status}: {body}")
    result.ended = time.monotonic()
    result.statuses = dict(tally)
    client.close()
    out.put(result)


def _counter_loop(
    port: int, token: str, counter: str, limit: int, pace_s: float, result: Result, lock: Any
) -> None:
    client = Client(port, token, timeout=120)
    calls = 0
    while limit <= 0 or calls < limit:
        begin = started = time.monotonic()  # `started`: the pace covers next + done + pause
        try:
            status, body, _ = client.request("POST", f"/api/v1/counters/{counter}/next")
        except OSError as exc:
            with lock:
                result.errors.append(f"{counter} next {type(exc).__name__}: {exc}")
            client.close()
            continue
        answered = time.monotonic()
        with lock:
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 200:
                result.latencies_ms.append((answered - begin) * 1000)
                result.items.append((body["id"], body["number"], counter, answered))
            elif not (status == 404 and body["error"]["code"] == "queue_empty"):
                result.errors.append(f"{counter} next {status}: {body}")
        if status != 200:
            break
        calls += 1
        begin = time.monotonic()
        try:
            status, body, _ = client.request("POST", f"/api/v1/counters/{counter}/done")
        except OSError as exc:  # a timeout is a finding, not the end of the run
            with lock:
                result.errors.append(f"{counter} done {type(exc).__name__}: {exc}")
            client.close()
            continue
        with lock:
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.extra_ms.append((time.monotonic() - begin) * 1000)
            if status != 200:
                result.errors.append(f"{counter} done {status}: {body}")
        if pace_s:
            time.sleep(max(0.0, pace_s - (time.monotonic() - started)))
    client.close()


def _counter_process(
    port: int, tokens: dict[str, str], limit: int, pace_s: float, out: Any
) -> None:
    """One thread per counter (a counter is one officer: one request at a time)."""
    result = Result(started=time.monotonic())
    lock = threading.Lock()
    threads = [
        threading.Thread(
            target=_counter_loop, args=(port, token, code, limit, pace_s, result, lock)
        )
        for code, token in tokens.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.ended = time.monotonic()
    out.put(result)


_DATA = re.compile(rb"data: (\d+)\n")


def _board_process(port: int, stop: Any, ready: Any, out: Any) -> None:
    """A display board: an SSE doorbell stream, and on each ring a board fetch with `since`.

    Records (call number, monotonic time the board held it) for every call it is given.
    """
    result = Result(started=time.monotonic())
    fetcher = Client(port)
    status, body, _ = fetcher.request("GET", "/api/v1/board")
    since = int(body["version"])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        f"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    buffer = b""
    header_done = False
    ready.release()
    try:
        while not stop.is_set():
            readable, _, _ = select.select([sock], [], [], 0.2)
            if not readable:
                continue
            chunk = sock.recv(65536)
            if not chunk:
                result.errors.append("stream closed by the server")
                break
            buffer += chunk
            if not header_done:
                head, sep, rest = buffer.partition(b"\r\n\r\n")
                if not sep:
                    continue
                if b" 200 " not in head.split(b"\r\n", 1)[0]:
                    result.errors.append("stream refused: " + head.decode(errors="replace"))
                    break
                header_done, buffer = True, rest
            *events, buffer = buffer.split(b"\n\n")
            if not any(_DATA.search(event + b"\n") for event in events):
                continue
            more = True
            while more:
                begin = time.monotonic()
                status, body, _ = fetcher.request("GET", f"/api/v1/board?since={since}")
                held = time.monotonic()
                result.latencies_ms.append((held - begin) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status != 200:
                    result.errors.append(f"board {status}: {body}")
                    break
                for call in body["calls"]:
                    result.items.append((call["number"], held, call["seq"]))
                    since = max(since, int(call["seq"]))
                more = bool(body.get("more"))
    finally:
        sock.close()
        fetcher.close()
    result.ended = time.monotonic()
    out.put(result)


class Pool:
    """Client processes started together; `collect()` waits for every result."""

    def __init__(self) -> None:
        self.queue: Any = SPAWN.Queue()
        self.processes: list[Any] = []

    def start(self, target: Any, *args: Any) -> None:
        process = SPAWN.Process(target=target, args=(*args, self.queue), daemon=True)
        process.start()
        self.processes.append(process)

    def collect(self, timeout: float = 3600.0) -> list[Result]:
        results = [self.queue.get(timeout=timeout) for _ in self.processes]
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()
        return results


def issue_load(
    port: int, token: str, services: list[str], total: int, clients: int
) -> list[Result]:
    pool = Pool()
    per, extra = divmod(total, clients)
    for i in range(clients):
        pool.start(_issue_process, port, token, services, per + (1 if i < extra else 0), i)
    return pool.collect()


def counter_load(
    port: int, tokens: dict[str, str], *, processes: int, limit: int = 0, pace_s: float = 0.0
) -> Pool:
    """Counters spread over `processes` client processes; returns the started pool."""
    pool = Pool()
    codes = sorted(tokens)
    for i in range(processes):
        share = {code: tokens[code] for code in codes[i::processes]}
        if share:
            pool.start(_counter_process, port, share, limit, pace_s)
    return pool


class Boards:
    """`count` streaming board processes, running until `stop()`."""

    def __init__(self, port: int, count: int) -> None:
        self.stop_event = SPAWN.Event()
        ready = SPAWN.Semaphore(0)
        self.pool = Pool()
        for _ in range(count):
            self.pool.start(_board_process, port, self.stop_event, ready)
        for _ in range(count):
            if not ready.acquire(timeout=60):
                raise RuntimeError("a board client did not start")
        time.sleep(0.3)  # the stream's first event is on its way

    def stop(self) -> list[Result]:
        time.sleep(0.5)  # let the last rings arrive
        self.stop_event.set()
        return self.pool.collect()


def merged_statuses(results: list[Result]) -> dict[int, int]:
    total: Tally[int] = Tally()
    for result in results:
        total.update(result.statuses)
    return dict(sorted(total.items()))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def describe(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
    }


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)
