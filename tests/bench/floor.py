"""The disk's floor: raw durable commits on the disk the benchmarks use, the reference every
throughput is also given as a ratio to."""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path

from tests.bench import loadgen


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
