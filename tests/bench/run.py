"""B1–B10 of BENCHMARKS.md in one command, with a table of figures at the end.

    PYTHONPATH=$PWD python -m tests.bench            # full sizes (several minutes)
    PYTHONPATH=$PWD python -m tests.bench --smoke    # every path, small sizes (< 60 s)
    PYTHONPATH=$PWD python -m tests.bench --json results.json --only B1,B2

The appliance under test is a real `mpp run` subprocess on a temporary database (no printer,
mock GPIO, opening hours not enforced); the load comes from separate client processes over
loopback (tests/bench/loadgen.py). The raw durable-commit floor (single-row INSERT commits, WAL +
synchronous=FULL, same disk) is measured in the same run and every throughput is also given as a
ratio to it, because a machine's absolute speed varies.

Benchmarks other helpers own (B4 button, B7–B9 sync) are separate scripts in this folder, run as
subprocesses; see `slots.py` for how they are found. A missing one is reported "not available".

Nothing here asserts a speed: the table says "pass" or "short" against the target, and the
correctness checks (gap-free numbers, no ticket called twice, every call on every board) are
reported beside it; tests/bench/test_smoke.py asserts only those checks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.bench import loadgen, slots
from tests.support.live_appliance import LiveAppliance, Prepared, bench_catalogue, prepare


@dataclass
class Sizes:
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


class Rows(list):  # type: ignore[type-arg]
    """The table so far; each row is printed as it lands, so a long run shows progress and a
    run stopped half-way still leaves its figures on the terminal."""

    def append(self, row: Any) -> None:
        super().append(row)
        print(f"  {row.id}: {row.figure}  [{row.verdict}]", flush=True)

    def extend(self, rows: Any) -> None:
        for row in rows:
            self.append(row)


@dataclass
class Row:
    id: str
    workload: str
    figure: str = "not available"
    target: str = ""
    verdict: str = "n/a"  # pass | short | report | n/a | error
    checks: dict[str, bool] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def checks_ok(self) -> bool:
        return all(self.checks.values())


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# -- the disk's floor --------------------------------------------------------------------------


def commit_floor(folder: Path, commits: int) -> dict[str, float]:
    """Single-row INSERT commits, WAL + synchronous=FULL, on the disk the benchmarks use."""
    path = folder / "floor.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        samples = []
        began = time.perf_counter()
        for i in range(commits):
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (v) VALUES (?)", (f"row {i}",))
            conn.execute("COMMIT")
            samples.append((time.perf_counter() - start) * 1000)
        elapsed = time.perf_counter() - began
    finally:
        conn.close()
    reopened = sqlite3.connect(str(path))  # what the file holds, not one connection's view
    try:
        (stored,) = reopened.execute("SELECT COUNT(*) FROM t").fetchone()
    finally:
        reopened.close()
    return {
        "commits": commits,
        "stored": stored,
        "per_s": commits / elapsed,
        "p50_ms": statistics.median(samples),
        "p99_ms": loadgen.percentile(samples, 99),
    }


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
    return Row(
        "B5",
        f"`mpp run` VmRSS after B1+B2 with {sizes.streams_b5} streaming clients",
        f"{rss_mb:.1f} MB = {rss_mib:.1f} MiB (peak VmHWM {mem['VmHWM'] * 1024 / 1e6:.1f} MB)",
        "<= 60 MB",
        "pass" if rss_mb <= 60 else "short",
        {"streams open": len(socks) == sizes.streams_b5},
        {"rss_kb": mem["VmRSS"], "hwm_kb": mem["VmHWM"]},
    )


def bench_start(prepared: Prepared, sizes: Sizes) -> Row:
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


# -- the run -----------------------------------------------------------------------------------


def fresh(folder: Path, name: str, sizes: Sizes) -> Prepared:
    return prepare(
        folder / name,
        bench_catalogue(sizes.services, sizes.counters),
        tokens=(("kiosk", "kiosk", ()),),
        counter_tokens=True,
        max_streams=max(24, sizes.boards + sizes.streams_b5 + 2),
    )


def guarded(rows: list[Row], id_: str, workload: str, step: Callable[[], list[Row]]) -> None:
    """Run one benchmark; a crash is a row saying so, and the others still run."""
    try:
        rows.extend(step())
    except Exception as exc:
        rows.append(
            Row(
                id_,
                workload,
                f"{type(exc).__name__}: {exc}",
                verdict="error",
                checks={"ran": False},
            )
        )


def run(sizes: Sizes, folder: Path, only: set[str] | None, smoke: bool) -> dict[str, Any]:
    wanted = lambda i: only is None or i in only  # noqa: E731
    rows: list[Row] = Rows()
    floor = commit_floor(folder, sizes.floor_commits)
    rows.append(
        Row(
            "floor",
            f"raw durable commit, {sizes.floor_commits} single-row INSERTs, WAL + FULL",
            f"{floor['per_s']:.0f} commits/s; p50 {floor['p50_ms']:.2f} ms, p99 "
            f"{floor['p99_ms']:.2f} ms",
            "(reference)",
            "report",
            {"every commit stored": floor["stored"] == sizes.floor_commits},
            data=floor,
        )
    )

    if wanted("B6"):
        guarded(rows, "B6", "start", lambda: [bench_start(fresh(folder, "b6", sizes), sizes)])

    if wanted("B1") or wanted("B2") or wanted("B3") or wanted("B5"):
        prepared = fresh(folder, "main", sizes)
        app = LiveAppliance(prepared)
        app.start()
        try:
            if wanted("B1") or wanted("B2") or wanted("B5"):
                guarded(rows, "B1", "issue", lambda: [bench_issue(prepared, app, sizes, floor)])
            else:  # B3 alone still needs a queue
                loadgen.issue_load(
                    prepared.port, prepared.tokens["kiosk"], prepared.services, sizes.paced_calls, 1
                )
            if wanted("B3"):
                guarded(rows, "B3", "board", lambda: [bench_paced_board(prepared, sizes)])
            if wanted("B2") or wanted("B5"):
                guarded(rows, "B2", "call", lambda: bench_calls(prepared, sizes, floor))
            if wanted("B5"):
                guarded(rows, "B5", "memory", lambda: [bench_memory(app, sizes)])
        finally:
            app.stop()

    providers = slots.discover(Path(__file__).parent)
    for id_ in ("B4", "B7", "B8", "B9"):
        if wanted(id_):
            rows.extend(slots.run_slot(id_, providers, smoke=smoke))

    if wanted("B10"):
        pinned = Sizes(**{**asdict(sizes), "tickets": sizes.b10_tickets})
        prepared = fresh(folder, "pinned", pinned)
        app = LiveAppliance(prepared, pin=0)
        app.start()
        try:
            guarded(
                rows,
                "B10/B1",
                "issue pinned",
                lambda: [bench_issue(prepared, app, pinned, floor, "B10/B1")],
            )
            guarded(
                rows,
                "B10/B2",
                "call pinned",
                lambda: bench_calls(prepared, pinned, floor, "B10/B2"),
            )
        finally:
            app.stop()
        rows.extend(slots.run_slot("B4", providers, smoke=smoke, pin=0, shown="B10/B4"))
        for row in rows:
            if row.id.startswith("B10/") and row.verdict in ("pass", "short"):
                row.verdict = "report"  # B10 asks only for the figures

    return {
        "machine": machine(),
        "smoke": smoke,
        "sizes": asdict(sizes),
        "rows": [asdict(r) | {"checks_ok": r.checks_ok} for r in rows],
    }


def table(report: dict[str, Any]) -> str:
    lines = []
    m = report["machine"]
    lines.append(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}"
        + ("  [SMOKE sizes: figures not comparable]" if report["smoke"] else "")
    )
    header = ("id", "figure", "target", "result", "checks")
    body = []
    for row in report["rows"]:
        failed = [name for name, ok in row["checks"].items() if not ok]
        checks = "ok" if not failed else "FAILED: " + ", ".join(failed)
        if not row["checks"]:
            checks = "-"
        body.append((row["id"], row["figure"], row["target"], row["verdict"], checks))
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    widths[1] = min(widths[1], 90)
    for r in [header, tuple("-" * w for w in widths), *body]:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the B1–B10 benchmarks (BENCHMARKS.md).")
    parser.add_argument("--smoke", action="store_true", help="small sizes for CI (< 60 s)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--only", help="comma-separated ids, e.g. B1,B2,B6")
    parser.add_argument("--tickets", type=int, help="tickets for B1/B2 (default 20,000)")
    parser.add_argument("--b10-tickets", type=int, help="tickets for the pinned B10 run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    sizes = Sizes.smoke() if args.smoke else Sizes()
    if args.tickets:
        sizes.tickets = args.tickets
    if args.b10_tickets:
        sizes.b10_tickets = args.b10_tickets
    only = {part.strip() for part in args.only.split(",")} if args.only else None
    folder = Path(tempfile.mkdtemp(prefix="mpp-bench-"))
    began = time.monotonic()
    try:
        report = run(sizes, folder, only, args.smoke)
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {folder}", file=sys.stderr)
    report["seconds"] = time.monotonic() - began
    print(table(report))
    print(f"total {report['seconds']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    ok = all(row["checks_ok"] for row in report["rows"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
