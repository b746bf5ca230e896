"""B1–B13 of BENCHMARKS.md in one command, with a table of figures at the end.

    PYTHONPATH=$PWD python -m tests.bench            # full sizes (several minutes)
    PYTHONPATH=$PWD python -m tests.bench --smoke    # every path, small sizes (< 60 s)
    PYTHONPATH=$PWD python -m tests.bench --json results.json --only B1,B2

The appliance under test is a real `mpp run` subprocess on a temporary database (no printer,
mock GPIO, opening hours not enforced); the load comes from separate client processes over
loopback (tests/bench/loadgen.py). The raw durable-commit floor (single-row INSERT commits, WAL +
synchronous=FULL, same disk) is measured in the same run and every throughput is also given as a
ratio to it, because a machine's absolute speed varies.

B2o, B4, B7–B9 and B11–B13 are separate scripts in this folder (bench_*.py), run as
subprocesses; see `slots.py` for how they are found. A missing one is reported "not available".

Nothing here asserts a speed: the table says "pass" or "short" against the target, and the
correctness checks (gap-free numbers, no ticket called twice, every call on every board) are
reported beside it; tests/bench/test_smoke.py asserts only those checks.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.bench import loadgen, slots
from tests.bench.floor import commit_floor
from tests.bench.report import machine, table
from tests.bench.rows import Row, Rows
from tests.bench.served import (
    Sizes,
    bench_calls,
    bench_issue,
    bench_memory,
    bench_paced_board,
    bench_start,
)
from tests.support.live_appliance import LiveAppliance, Prepared, bench_catalogue, prepare

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
    providers = slots.discover(Path(__file__).parent)
    scripted = ("B2o", "B4", "B5p", "B7", "B8", "B9", "B11", "B12", "B13")
    # The smoke run checks correctness only: its scripts run beside the runner's own steps.
    pool = (
        slots.prefetch(filter(wanted, scripted), providers, smoke=True, workers=2)
        if smoke
        else None
    )
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

    for id_ in scripted:
        if wanted(id_):
            rows.extend(slots.run_slot(id_, providers, smoke=smoke))
    if pool is not None:
        pool.shutdown()

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the B1–B13 benchmarks (BENCHMARKS.md).")
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
