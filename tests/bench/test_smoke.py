"""The benchmark runner in its CI size: every benchmark path runs and its correctness checks
hold. Speeds are printed, never asserted (machines differ; BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import slots
from tests.support.live_appliance import REPO, child_env

# Every row of a full run: the runner's own and those of the slot scripts (B4, B7–B9).
ROWS = (
    "floor", "B6", "B1", "B3", "B2", "B2/B3", "B5", "B4", "B7", "B8", "B9",
    "B10/B1", "B10/B2", "B10/B2/B3", "B10/B4", "B13", "B2o", "B11", "B12", "B5p",
)  # fmt: skip


def _run_module(module: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_smoke_run_measures_everything_and_checks_hold(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = _run_module("tests.bench", "--smoke", "--json", str(out), timeout=480)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    rows = {row["id"]: row for row in report["rows"]}
    assert sorted(rows) == sorted(ROWS)
    for id_ in ROWS:
        row = rows[id_]
        assert row["figure"] != "not available" and row["verdict"] != "n/a", row
        assert row["verdict"] in ("pass", "short", "report"), row  # not "error"
        # "ran" only says a plain-text script exited 0; a row needs a check of its results
        checks = {name: ok for name, ok in row["checks"].items() if name != "ran"}
        assert checks, f"{id_} has no correctness check"
        assert all(checks.values()), row
        assert row["checks_ok"], row
    for name in ("numbers gap-free", "numbers unique", "every 201 stored"):
        assert rows["B1"]["checks"][name] is True
    for name in ("no ticket called twice (responses)", "no ticket called twice (database)"):
        assert rows["B2"]["checks"][name] is True
    assert rows["B2/B3"]["checks"]["every call on every board"] is True
    for id_ in ("B4", "B10/B4"):
        for name in ("one ticket per press", "one receipt per press"):
            assert rows[id_]["checks"][name] is True
    assert rows["B7"]["checks"]["central exact seq 1..N"] is True
    assert rows["B8"]["checks"]["central exact seq 1..N"] is True
    assert any(name.startswith("every site seq 1..") for name in rows["B9"]["checks"])
    assert rows["B13"]["checks"]["healthz and kiosk always answered"] is True
    for name in ("no ticket called twice (database)", "every call on every board"):
        assert rows["B2o"]["checks"][name] is True
    assert rows["B11"]["checks"]["B1: numbers gap-free"] is True
    assert rows["B11"]["checks"]["B4: one receipt per press"] is True
    assert rows["B12"]["checks"]["every poll answered 200"] is True
    assert rows["B5p"]["checks"]["kota-langsa: every receipt printed or dropped and logged"] is True
    assert "flask" in rows["B5"]["figure"]  # the breakdown of what each import costs


def test_slot_scripts_are_found_run_and_read(tmp_path: Path) -> None:
    (tmp_path / "bench_declared.py").write_text(
        'BENCHMARKS = ("B7", "B8")\nSMOKE_ARGS = ("--small",)\n'
        "import json, sys\n"
        "small = '--small' in sys.argv\n"
        'print("RESULT " + json.dumps({"id": "B7", "figure": f"small={small}", "passed": False,'
        ' "checks": {"exact": True}}))\n'
    )
    (tmp_path / "bench_button.py").write_text('print("noise")\nprint("p50 3 ms, p99 12.5 ms")\n')
    (tmp_path / "bench_other.py").write_text('print("not a slot")\n')
    found = slots.discover(tmp_path)
    assert sorted(found) == ["B4", "B7", "B8"]

    (b7,) = slots.run_slot("B7", found, smoke=True)
    assert (b7.figure, b7.verdict, b7.checks) == ("small=True", "short", {"exact": True})
    (b8,) = slots.run_slot("B8", found, smoke=False)  # declared, but printed no B8 result
    assert b8.verdict == "report" and "small=False" in b8.figure
    (b4,) = slots.run_slot("B4", found, smoke=False, pin=0, shown="B10/B4")
    assert (b4.id, b4.figure, b4.verdict) == ("B10/B4", "p50 3 ms, p99 12.5 ms", "pass")
    (b9,) = slots.run_slot("B9", found, smoke=True)
    assert (b9.figure, b9.verdict) == ("not available", "n/a")


@pytest.mark.slow
def test_ceiling_probe_runs_and_prints_its_figures() -> None:
    done = _run_module("tests.bench.bench_ceiling", "--pairs-per-counter", "3", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("HTTP floor, waitress, bare WSGI") for line in lines), lines
    assert any(line.startswith("HTTP floor, waitress + Flask") for line in lines), lines
    assert any(line.startswith("engine floor, 40 threads") for line in lines), lines
    best = [line for line in lines if line.startswith("best B2")]
    assert best and "calls/s" in best[0], lines
