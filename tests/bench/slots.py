"""Benchmarks in scripts of their own (B2o, B4, B7–B9, B11–B13), run as subprocesses.

A script `tests/bench/bench_*.py` takes part when it declares, at module level,

    BENCHMARKS = ("B7", "B8")           # ids it measures
    SMOKE_ARGS = ("--events", "2000")   # optional: arguments for the CI-sized run

(read with `ast`, the script is not imported) or is one of the KNOWN scripts below. The runner
starts `python tests/bench/<script> [SMOKE_ARGS]` (under `taskset -c 0` for B10) and reads its
stdout. For an exact row, the script prints one line per benchmark:

    RESULT {"id": "B7", "figure": "6100 events/s", "passed": true, "checks": {"exact count": true}}

Without RESULT lines the last non-empty line of stdout becomes the figure, and the target is
judged from it where a pattern below knows how (B4: "p99 N ms"). An id that no script provides is
reported "not available".
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.rows import Row
from tests.support.live_appliance import REPO, child_env

TARGETS = {
    "B4": "p99 <= 50 ms",
    "B7": ">= 5,000 events/s",
    "B8": "p99 <= 500 ms",
    "B9": "exact count, <= 60 s",
    "B13": "B2o p99 <= 50 ms; /healthz and kiosk answer; memory within B5",
    "B2o": "p99 <= 25 ms; p99.9 <= 100 ms at 400 calls/s",
    "B11": "B3 p99 <= 300 ms; B4 p99 <= 100 ms; kiosk p99 <= 50 ms; B1 >= 150/s; start <= 2 s",
    "B12": "exact; >= 20,000 events/s; sites API p99 <= 200 ms",
    "B5p": "<= 60 MB with the escpos printer rendering every receipt",
}
WORKLOADS = {
    "B4": "GPIO press -> ticket committed -> receipt bytes at the printer driver",
    "B7": "100,000 pending events -> central over loopback Mosquitto, fully acked",
    "B8": "event committed on the edge -> visible in the central DB (online)",
    "B9": "300 sites x 200 events, 3 central workers, shared subscription",
    "B13": "B2o (400 calls/s) while 300 idle + 50 slow-loris sockets hold connections",
    "B2o": "40 counters next+done, open loop (Poisson), Kota Metro, 5 boards; curve 100-800/s",
    "B11": "B6, one kiosk, B1, B3, B2o at 40/s, B4 with mpp run at 20 % of one core (cgroup)",
    "B12": "500 sites x 2,000 events into central on PostgreSQL, 4 workers, API polled",
    "B5p": "B5 (and B1) on the shipped catalogues, escpos printer to a loopback ESC/POS printer",
}
# Scripts that predate the BENCHMARKS/SMOKE_ARGS declaration.
KNOWN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bench_button.py": (("B4",), ("--presses", "30")),
}
# How to judge a plain-text figure: (pattern with one number, limit, "le" or "ge").
JUDGE = {"B4": (r"p99 ([\d.]+) ms", 50.0, "le")}


@dataclass
class Provider:
    script: Path
    ids: tuple[str, ...]
    smoke_args: tuple[str, ...]


def _declared(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("BENCHMARKS", "SMOKE_ARGS"):
                with contextlib.suppress(ValueError):
                    found[target.id] = tuple(ast.literal_eval(node.value))
    if "BENCHMARKS" not in found:
        return None
    return found["BENCHMARKS"], found.get("SMOKE_ARGS", ())


def discover(folder: Path) -> dict[str, Provider]:
    providers: dict[str, Provider] = {}
    for path in sorted(folder.glob("bench_*.py")):
        declared = _declared(path) or KNOWN.get(path.name)
        if declared is None:
            continue
        ids, smoke_args = declared
        for id_ in ids:
            providers.setdefault(id_, Provider(path, tuple(ids), tuple(smoke_args)))
    return providers


def _row(id_: str, **fields: Any) -> Any:
    return Row(id_, WORKLOADS.get(id_.split("/")[-1], id_), target=TARGETS.get(id_, ""), **fields)


# One run per (script, smoke, pin) per runner process: a script that measures two ids is run once.
_cache: dict[tuple[Path, bool, int | None], Future[tuple[int, str, str]]] = {}


def _execute(provider: Provider, smoke: bool, pin: int | None) -> tuple[int, str, str]:
    cmd = [sys.executable, str(provider.script), *(provider.smoke_args if smoke else ())]
    if pin is not None:
        cmd = ["taskset", "-c", str(pin), *cmd]
    env = child_env()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env["PYTHONPATH"]])
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=3600, check=False
    )
    return done.returncode, done.stdout, done.stderr


def _run(provider: Provider, smoke: bool, pin: int | None) -> tuple[int, str, str]:
    key = (provider.script, smoke, pin)
    if key not in _cache:
        future: Future[tuple[int, str, str]] = Future()
        future.set_result(_execute(provider, smoke, pin))
        _cache[key] = future
    return _cache[key].result()


def prefetch(
    ids: Iterable[str], providers: dict[str, Provider], *, smoke: bool, workers: int
) -> ThreadPoolExecutor:
    """Start the scripts of `ids` now, `workers` at a time, beside whatever the caller measures
    next; `run_slot` then reads their results. Only for the smoke run, whose speeds nobody
    judges: full runs keep one benchmark at a time so no figure is measured beside another."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bench-slot")
    for id_ in ids:
        provider = providers.get(id_)
        key = (provider.script, smoke, None) if provider else None
        if provider is not None and key is not None and key not in _cache:
            _cache[key] = pool.submit(_execute, provider, smoke, None)
    return pool


def run_slot(
    id_: str,
    providers: dict[str, Provider],
    *,
    smoke: bool,
    pin: int | None = None,
    shown: str | None = None,
) -> list[Any]:
    shown = shown or id_
    provider = providers.get(id_)
    if provider is None:
        row = _row(id_, verdict="n/a")
        row.id = shown
        row.target = TARGETS.get(id_, "")
        return [row]
    code, out, err = _run(provider, smoke, pin)
    if code != 0:
        tail = (err or out).strip().splitlines()[-3:]
        row = _row(
            id_,
            figure=f"{provider.script.name} exited {code}: {' | '.join(tail)}",
            verdict="error",
            checks={"ran": False},
        )
        row.id, row.target = shown, TARGETS.get(id_, "")
        return [row]
    results = []
    for line in out.splitlines():
        if line.startswith("RESULT "):
            try:
                results.append(json.loads(line[len("RESULT ") :]))
            except json.JSONDecodeError:
                continue
    mine = [r for r in results if r.get("id") == id_]
    if mine:
        r = mine[0]
        passed = r.get("passed")
        row = _row(
            id_,
            figure=str(r.get("figure", "")),
            verdict="report" if passed is None else ("pass" if passed else "short"),
            checks={str(k): bool(v) for k, v in (r.get("checks") or {}).items()},
            data=r,
        )
    else:
        lines = [ln for ln in out.splitlines() if ln.strip()]
        figure = lines[-1].strip() if lines else "(no output)"
        verdict = "report"
        if id_ in JUDGE:
            pattern, limit, how = JUDGE[id_]
            match = re.search(pattern, figure)
            if match:
                value = float(match.group(1))
                ok = value <= limit if how == "le" else value >= limit
                verdict = "pass" if ok else "short"
        row = _row(id_, figure=figure, verdict=verdict, checks={"ran": True})
    row.id, row.target = shown, TARGETS.get(id_, "")
    return [row]
