"""B1, B2 + B3, B5 and B6 measured on a served `mpp run` (BENCHMARKS.md): the load from client
processes over loopback (tests/bench/loadgen.py), each run checked on the database afterwards
(gap-free numbers, no ticket called twice, every call on every board)."""

from __future__ import annotations

import socket
import sqlite3
import statistics
import time
from collections import Counter as Tally
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench import loadgen
from tests.bench.imports import import_costs, short
from tests.bench.rows import Row
from tests.support.live_appliance import LiveAppliance, Prepared, compile_sources


@dataclass
class Sizes:
    """How big each workload is: full sizes, or `smoke()` for CI (the floor's commits and the
    pinned B10 run's tickets too)."""

    tickets: int = 20_000
    services: int = 20
    issue_clients: int = 8
    counters: int = 40
    counter_processes: int = 8
    boards: int = 5
    paced_calls: int = 200
    paced_interval_s: float = 0.1
    streams_b5: int = 10
    start_runs: int = 5
    floor_commits: int = 2_000
    b10_tickets: int = 20_000

    @classmethod
    def smoke(cls) -> Sizes:
        return cls(
            tickets=600,
            paced_calls=20,
            paced_interval_s=0.05,
            start_runs=2,
            floor_commits=300,
            b10_tickets=200,
        )


# -- checks on the database after a run ---------------------------------------------------------


def db_rows(db_path: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return list(conn.execute(sql, args))
    finally:
        conn.close()


def numbering_check(db_path: Path) -> dict[str, bool]:
    """Per business day and prefix: sequences 1..N, none twice; numbers unique."""
    gaps = db_rows(
        db_path,
        "SELECT business_date, prefix, COUNT(*), COUNT(DISTINCT sequence), MIN(sequence), "
        "MAX(sequence) FROM ticket GROUP BY business_date, prefix",
    )
    gap_free = all(n == distinct == hi and lo == 1 for _, _, n, distinct, lo, hi in gaps)
    (dupes,) = db_rows(
        db_path,
        "SELECT COUNT(*) FROM (SELECT number FROM ticket GROUP BY business_date, number "
        "HAVING COUNT(*) > 1)",
    )[0]
    return {"numbers gap-free": gap_free, "numbers unique": dupes == 0}


def throughput(results: list[loadgen.Result], done: int) -> tuple[float, float]:
    began = min(r.started for r in results)
    ended = max(r.ended for r in results)
    return done / (ended - began), ended - began


# -- B1: issue ---------------------------------------------------------------------------------


def bench_issue(
    prepared: Prepared, app: LiveAppliance, sizes: Sizes, floor: dict[str, float], id_: str = "B1"
) -> Row:
    before = db_rows(prepared.db_path, "SELECT COUNT(*) FROM ticket")[0][0]
    results = loadgen.issue_load(
        prepared.port,
        prepared.tokens["kiosk"],
        prepared.services,
        sizes.tickets,
        sizes.issue_clients,
    )
    issued = [item for r in results for item in r.items]
    latencies = [ms for r in results for ms in r.latencies_ms]
    rate, elapsed = throughput(results, len(issued))
    stats = loadgen.describe(latencies)
    after = db_rows(prepared.db_path, "SELECT COUNT(*) FROM ticket")[0][0]
    errors = [e for r in results for e in r.errors]
    ids = {i for i, _, _ in issued}
    stored = db_rows(prepared.db_path, "SELECT id FROM ticket")
    checks = {
        "all 201": len(issued) == sizes.tickets and not errors,
        "client numbers unique": len({n for _, n, _ in issued}) == len(issued),
        "every 201 stored": ids <= {row[0] for row in stored} and after - before == len(issued),
        **numbering_check(prepared.db_path),
    }
    row = Row(
        id_,
        f"POST /api/v1/tickets, {sizes.issue_clients} clients, {sizes.tickets} tickets over "
        f"{len(prepared.services)} services",
        f"{rate:.0f} tickets/s (x{rate / floor['per_s']:.3f} of floor); p50 {stats['p50']:.1f} ms"
        f", p99 {stats['p99']:.1f} ms",
        ">= 1,000 tickets/s; p99 <= 20 ms",
        "pass" if rate >= 1000 and stats["p99"] <= 20 else "short",
        checks,
        {
            "per_s": rate,
            "elapsed_s": elapsed,
            "latency_ms": stats,
            "statuses": loadgen.merged_statuses(results),
            "errors": errors[:10],
        },
    )
    return row


# -- B3 (paced) and B2 + B3 (under load) --------------------------------------------------------


def board_delays(
    calls: list[tuple[Any, ...]], boards: list[loadgen.Result]
) -> tuple[list[float], dict[str, bool]]:
    """Per call and board: ms from the counter holding the call-next answer to the board holding
    the call (0 when the board had it first)."""
    answered = {number: at for _, number, _, at in calls}
    delays: list[float] = []
    every = True
    once = True
    for board in boards:
        seen: dict[str, float] = {}
        tally: Tally[str] = Tally()
        for number, held, _seq in board.items:
            tally[number] += 1
            seen.setdefault(number, held)
        once = once and all(n == 1 for n in tally.values())
        every = every and set(answered) <= set(seen)
        delays += [max(0.0, (seen[n] - t) * 1000) for n, t in answered.items() if n in seen]
    board_errors = [e for b in boards for e in b.errors]
    return delays, {
        "every call on every board": every,
        "no call given to a board twice": once,
        "boards without errors": not board_errors,
    }


def bench_paced_board(prepared: Prepared, sizes: Sizes) -> Row:
    boards = loadgen.Boards(prepared.port, sizes.boards)
    code = prepared.counters[0]
    pool = loadgen.counter_load(
        prepared.port,
        {code: prepared.tokens[code]},
        processes=1,
        limit=sizes.paced_calls,
        pace_s=sizes.paced_interval_s,
    )
    counter_results = pool.collect()
    board_results = boards.stop()
    calls = [c for r in counter_results for c in r.items]
    delays, checks = board_delays(calls, board_results)
    stats = loadgen.describe(delays)
    return Row(
        "B3",
        f"1 counter calling every {sizes.paced_interval_s * 1000:.0f} ms, {sizes.boards} boards "
        f"streaming: call-next answer -> board holds the call",
        f"p50 {stats['p50']:.1f} ms, p99 {stats['p99']:.1f} ms, max {stats['max']:.1f} ms "
        f"({len(calls)} calls x {sizes.boards} boards)",
        "p99 <= 150 ms",
        "pass" if stats["p99"] <= 150 else "short",
        {"calls made": len(calls) == sizes.paced_calls, **checks},
        {"delay_ms": stats},
    )


def bench_calls(
    prepared: Prepared, sizes: Sizes, floor: dict[str, float], id_: str = "B2"
) -> list[Row]:
    waiting = db_rows(prepared.db_path, "SELECT COUNT(*) FROM ticket WHERE state='waiting'")[0][0]
    tokens = {code: prepared.tokens[code] for code in prepared.counters[: sizes.counters]}
    boards = loadgen.Boards(prepared.port, sizes.boards)
    pool = loadgen.counter_load(prepared.port, tokens, processes=sizes.counter_processes)
    results = pool.collect()
    board_results = boards.stop()
    calls = [c for r in results for c in r.items]
    latencies = [ms for r in results for ms in r.latencies_ms]
    done_ms = [ms for r in results for ms in r.extra_ms]
    errors = [e for r in results for e in r.errors]
    rate, elapsed = throughput(results, len(calls))
    stats = loadgen.describe(latencies)
    done_stats = loadgen.describe(done_ms)
    ticket_ids = [tid for tid, _, _, _ in calls]
    (twice,) = db_rows(
        prepared.db_path,
        "SELECT COUNT(*) FROM (SELECT ticket_id FROM call GROUP BY ticket_id HAVING COUNT(*) > 1)",
    )[0]
    left = db_rows(prepared.db_path, "SELECT COUNT(*) FROM ticket WHERE state='waiting'")[0][0]
    checks = {
        "no ticket called twice (responses)": len(ticket_ids) == len(set(ticket_ids)),
        "no ticket called twice (database)": twice == 0,
        "queue drained": left == 0 and len(calls) == waiting,
        "no errors": not errors,
    }
    b2 = Row(
        id_,
        f"{len(tokens)} counters next+done in a loop, queue of {waiting}, {sizes.boards} boards "
        "streaming",
        f"{rate:.0f} calls/s (x{rate / floor['per_s']:.3f} of floor); next p50 {stats['p50']:.1f}"
        f" ms, p99 {stats['p99']:.1f} ms; done p99 {done_stats['p99']:.1f} ms",
        ">= 800 calls/s; p99 <= 25 ms",
        "pass" if rate >= 800 and stats["p99"] <= 25 else "short",
        checks,
        {
            "per_s": rate,
            "elapsed_s": elapsed,
            "next_ms": stats,
            "done_ms": done_stats,
            "statuses": loadgen.merged_statuses(results),
            "errors": errors[:10],
        },
    )
    delays, board_checks = board_delays(calls, board_results)
    board_stats = loadgen.describe(delays)
    fetch = loadgen.describe([ms for b in board_results for ms in b.latencies_ms])
    b3 = Row(
        f"{id_}/B3",
        f"board delay during {id_} (same boards): call-next answer -> board holds the call",
        f"p50 {board_stats['p50']:.1f} ms, p99 {board_stats['p99']:.1f} ms, max "
        f"{board_stats['max']:.1f} ms; board fetch p99 {fetch['p99']:.1f} ms",
        "p99 <= 150 ms",
        "pass" if board_stats["p99"] <= 150 else "short",
        board_checks,
        {"delay_ms": board_stats, "board_fetch_ms": fetch},
    )
    return [b2, b3]


# -- B5 memory, B6 start -----------------------------------------------------------------------


def open_streams(port: int, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        sock.settimeout(10)
        head = sock.recv(4096)
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"stream refused: {head[:200]!r}")
        socks.append(sock)
    return socks


def bench_memory(app: LiveAppliance, sizes: Sizes) -> Row:
    socks = open_streams(app.prepared.port, sizes.streams_b5)
    try:
        time.sleep(1.0)
        mem = app.rss_kb()
    finally:
        for sock in socks:
            sock.close()
    rss_mib = mem["VmRSS"] / 1024
    rss_mb = mem["VmRSS"] * 1024 / 1e6  # the target is in MB (10^6 bytes), VmRSS in KiB
    costs = import_costs("none")  # what each big import costs (tests/bench/imports.py)
    return Row(
        "B5",
        f"`mpp run` VmRSS after B1+B2 with {sizes.streams_b5} streaming clients",
        f"{rss_mb:.1f} MB = {rss_mib:.1f} MiB (peak VmHWM {mem['VmHWM'] * 1024 / 1e6:.1f} MB);"
        f" imports: {short(costs)}",
        "<= 60 MB",
        "pass" if rss_mb <= 60 else "short",
        {"streams open": len(socks) == sizes.streams_b5},
        {"rss_kb": mem["VmRSS"], "hwm_kb": mem["VmHWM"], "imports": costs},
    )


def bench_start(prepared: Prepared, sizes: Sizes) -> Row:
    compile_sources()  # a release's bytecode, not a compile from source on every start
    times = []
    for i in range(sizes.start_runs):
        app = LiveAppliance(prepared, log_name=f"start-{i}.log")
        try:
            times.append(app.start())
        finally:
            app.stop()
    worst = max(times)
    return Row(
        "B6",
        f"`mpp run` exec -> /healthz 200 ({sizes.start_runs} starts, fresh database)",
        f"median {statistics.median(times):.2f} s, max {worst:.2f} s",
        "<= 1.5 s",
        "pass" if worst <= 1.5 else "short",
        {"started": len(times) == sizes.start_runs},
        {"seconds": times},
    )
