"""Many writers at once: threads and processes racing for numbers, counters racing for tickets.

Sizes are chosen so the whole file runs in about 15 s on two slow cores (one action costs about
10 ms of Python there); they still put every writer on the write lock at the same moment.
`MPP_TEST_STRESS=5` runs the sizes of issue 2 (16 threads x 150, 4 processes x 500).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter as Tally
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.clock import ManualClock
from appliance.queue import events
from appliance.queue.engine import QueueEngine
from appliance.queue.errors import QueueError
from appliance.storage.database import connected, open_database
from appliance.storage.models import CALLED, DONE, Call, Ticket
from tests.support.engine_fixtures import (
    WEEKDAY_MORNING,
    ServiceSpec,
    all_events,
    assert_gap_free,
    build_site,
    many_counters_site,
    sequences_by_prefix,
)
from tests.support.paths import ISSUE_WORKER


def _stress() -> int:
    return max(int(os.environ.get("MPP_TEST_STRESS", "1")), 1)


# In-process writers must queue on the database's write lock, not in SQLite's busy handler: that
# handler polls with growing sleeps and is unfair, so under 16 threads one writer starved past
# the default 5 s and got "database is locked" (seen 1 in 800 issues at 5 s, 43 in 640 at 1 s,
# before `ApplianceDatabase.write`). A short timeout makes any such starvation show at once.
SHORT_BUSY_TIMEOUT_MS = 500

MIXED = (
    ServiceSpec("INFO", "MPP", "I", 5),
    ServiceSpec("ADUAN", "MPP", "I", 10),
    ServiceSpec("KTP", "DUKCAPIL", "A", 15),
    ServiceSpec("KK", "DUKCAPIL", "A", 20),
    ServiceSpec("PBB", "BAPENDA", "C", 12),
)


def _engine(path: Path, counters: int = 2) -> QueueEngine:
    db = open_database(path, busy_timeout_ms=SHORT_BUSY_TIMEOUT_MS)
    build_site(db, many_counters_site(counters, MIXED))
    return QueueEngine(db, ManualClock(WEEKDAY_MORNING))


@pytest.fixture(params=["inline", "group-commit"])
def engine_mode(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each threaded race runs twice: every action in its own transaction (CLI tools), and
    through the started group-commit writer (`mpp run`)."""
    yield str(request.param)


def _started(engine: QueueEngine, mode: str) -> QueueEngine:
    if mode == "group-commit":
        engine.writer.start()
    return engine


def _check_numbering(engine: QueueEngine, expected_total: int) -> None:
    db = engine.db
    sequences = sequences_by_prefix(db)
    assert sum(len(v) for v in sequences.values()) == expected_total
    for (day, prefix), values in sequences.items():
        assert day == "2025-03-12"
        assert_gap_free(values, f"prefix {prefix}")
    with connected(db):
        numbers = [t.number for t in Ticket.select(Ticket.number)]
        assert len(set(numbers)) == len(numbers)
    issued = [e for e in all_events(db) if e.type == events.TICKET_ISSUED]
    with connected(db):
        ids = [t.id for t in Ticket.select(Ticket.id)]
    assert Tally(e.data["ticket_id"] for e in issued) == Tally(ids)
    assert_gap_free((e.seq for e in all_events(db)), "outbox seq")


@pytest.mark.slow
def test_sixteen_threads_issue_unique_gap_free_numbers(tmp_path: Path, engine_mode: str) -> None:
    engine = _started(_engine(tmp_path / "a.db"), engine_mode)
    threads, per_thread = 16, 30 * _stress()
    start = threading.Barrier(threads)
    seen: list[list[tuple[int, str]]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def issue_many(k: int) -> None:
        services = [s.code for s in MIXED]
        start.wait()
        try:
            for i in range(per_thread):
                priority = i % 5 == 4
                info = engine.issue(
                    services[(k + i) % len(services)],
                    priority=priority,
                    priority_reason="lansia" if priority else None,
                )
                seen[k].append((info.id, info.number))
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    def issue_many_holding_connection(k: int) -> None:
        # Half the threads behave like web request threads that hold their own connection.
        with engine.db.connection_context():
            issue_many(k)

    workers = [
        threading.Thread(target=issue_many_holding_connection if k % 2 else issue_many, args=(k,))
        for k in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    engine.writer.stop()

    assert errors == []
    _check_numbering(engine, threads * per_thread)
    with connected(engine.db):
        stored = {t.id: t.number for t in Ticket.select()}
    for batch in seen:
        for ticket_id, number in batch:
            assert stored[ticket_id] == number


def _start_worker(db: Path, services: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            str(ISSUE_WORKER),
            str(db),
            "--at",
            WEEKDAY_MORNING.isoformat(),
            "--services",
            services,
            "--count",
            str(count),
            "--wait-go",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_four_processes_issue_unique_gap_free_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = open_database(path)
    build_site(db, many_counters_site(2, MIXED))
    processes, per_process = 4, 100 * _stress()
    mixes = ["INFO,KTP,PBB", "ADUAN,KK,PBB", "KTP,INFO", "KK,ADUAN,PBB"]
    workers = [_start_worker(path, mixes[k], per_process) for k in range(processes)]
    try:
        for w in workers:  # every worker has the database open before any issues
            assert w.stdout is not None
            assert w.stdout.readline().strip() == "ready"
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        outputs = [w.communicate(timeout=120) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
    printed = [line.split() for out, _ in outputs for line in out.splitlines()]
    assert len(printed) == processes * per_process

    engine = QueueEngine(open_database(path), ManualClock(WEEKDAY_MORNING))
    _check_numbering(engine, processes * per_process)
    with connected(engine.db):
        stored = {t.id: t.number for t in Ticket.select()}
    assert {int(i): n for i, n, _ in printed} == stored


@pytest.mark.slow
def test_fifteen_counters_never_call_a_ticket_twice(tmp_path: Path, engine_mode: str) -> None:
    counters, issuers = 15, 3
    per_issuer, before = 15 * _stress(), 45 * _stress()
    engine = _started(_engine(tmp_path / "a.db", counters=counters), engine_mode)
    services = ["INFO", "KTP", "PBB", "KK"]
    for i in range(before):
        engine.issue(services[i % len(services)], priority=i % 6 == 0, priority_reason="anak")
    issuing_done = threading.Event()
    issuers_left = [issuers]
    tally_lock = threading.Lock()
    start = threading.Barrier(counters + issuers)
    called: dict[str, list[int]] = {f"L{c:02d}": [] for c in range(1, counters + 1)}
    errors: list[BaseException] = []

    def issue(k: int) -> None:
        start.wait()
        try:
            for i in range(per_issuer):
                engine.issue(services[(i + k) % len(services)])
        except Exception as exc:
            errors.append(exc)
        finally:
            with tally_lock:
                issuers_left[0] -= 1
                if issuers_left[0] == 0:
                    issuing_done.set()

    def serve(code: str) -> None:
        start.wait()
        step = 0
        try:
            while True:
                finished = issuing_done.is_set()  # read before asking, so empty means drained
                try:
                    info = engine.call_next(code)
                except QueueError as exc:
                    if exc.code != "queue_empty":
                        raise
                    if finished:
                        return
                    time.sleep(0.01)  # nothing yet: let the issuers in
                    continue
                assert info.state == CALLED and info.counter == code
                called[code].append(info.id)
                step += 1
                if step % 2:
                    engine.start(code)
                engine.done(code)
        except Exception as exc:
            errors.append(exc)

    workers = [threading.Thread(target=issue, args=(k,)) for k in range(issuers)]
    workers += [threading.Thread(target=serve, args=(code,)) for code in called]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    engine.writer.stop()

    every_call = [t for ids in called.values() for t in ids]
    assert len(every_call) == len(set(every_call)), "a ticket was called twice"
    assert errors == []
    total = before + issuers * per_issuer
    assert len(every_call) == total
    with connected(engine.db):
        tickets = {t.id: t for t in Ticket.select()}
        assert set(tickets) == set(every_call)
        assert all(t.state == DONE for t in tickets.values())
        for code, ids in called.items():
            assert all(tickets[i].counter_id == code for i in ids)
        calls = Tally(c.ticket_id for c in Call.select())
        assert calls == Tally(every_call)
    called_events = [e for e in all_events(engine.db) if e.type == events.TICKET_CALLED]
    assert Tally(e.data["ticket_id"] for e in called_events) == Tally(every_call)
    assert_gap_free((e.seq for e in all_events(engine.db)), "outbox seq")
