"""What each big import costs `mpp run` in resident memory: B5's breakdown.

A fresh child interpreter imports the `mpp` command and builds its parser (`appliance.cli` with
every command's module: whatever it loads comes before `mpp run` makes itself lean, so psycopg or
OpenSSL showing up there is a regression), prepares itself as `mpp run` does
(`web.lean.lean_process()`: two malloc arenas, no OpenSSL, no psycopg) and imports the server's
parts one group at a time in the order the server does, reading VmRSS after each; a printer's group
also renders one receipt (the first receipt is where the file printer loads qrcode, and Pillow for
a PNG; escpos is imported as the printer's build does, `appliance.hardware.escpos_import`, into an
empty cache: a first start).
A group's cost is the growth
after it, so a library shared by two groups is charged to the first. The figure is the child's,
not the server's (no threads, no requests), and tells where the memory goes and what a change
moved; the served process's own VmRSS stays B5's figure.

    PYTHONPATH=$PWD python -m tests.bench.imports [none|file|file-png|escpos]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from typing import Any

from tests.support.live_appliance import REPO, child_env

COMMON: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("flask", ("flask",)),
    ("waitress", ("waitress",)),
    ("peewee + sqlite3", ("peewee",)),
    ("appliance core", ("appliance.runtime",)),
    ("web app", ("web.serve", "web.app")),
)
PRINTERS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "none": (),
    "file": (("file printer + first SVG receipt", ("appliance.hardware.file_printer",)),),
    "file-png": (("file printer + first PNG receipt", ("appliance.hardware.file_printer",)),),
    "escpos": (("escpos + first receipt", ("appliance.hardware.escpos_printer",)),),
}

_CHILD = r"""
import importlib, json, sys
def loaded():  # None: blocked by lean_process(); a _LazyModule: not executed yet (escpos_import)
    return {
        m.split(".")[0]
        for m, mod in list(sys.modules.items())
        if mod is not None and type(mod).__name__ != "_LazyModule"
    }
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
stages, printer, cache = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
out = [["interpreter", rss(), []]]
before_mods, before = loaded(), rss()
import appliance.cli  # what `mpp` loads before `mpp run` makes itself lean
appliance.cli.build_parser()  # `mpp` builds its parser (every command's module) before running
from web.lean import lean_process
lean_process()
new = sorted(loaded() - before_mods)
out.append(["mpp command, then lean", rss() - before, new])
for label, modules in stages:
    before_mods = loaded()
    before = rss()
    if label.startswith("escpos"):  # as `mpp run` imports it (appliance.hardware.build)
        from pathlib import Path
        from appliance.hardware.escpos_import import import_escpos
        import_escpos(Path(cache))
    for name in modules:
        importlib.import_module(name)
    if label.endswith("receipt"):
        from datetime import datetime, timezone
        from appliance.hardware.receipt import printer_test_receipt
        receipt = printer_test_receipt(
            "MPP", printer, datetime.now(timezone.utc), 48, "http://127.0.0.1/t/abcdefgh12345678"
        )
        if printer == "file":  # as development runs it (svg = true)
            from appliance.hardware.file_printer import render_svg
            render_svg(receipt)
        elif printer == "file-png":  # png = true
            from appliance.hardware.file_printer import render_png
            render_png(receipt)
        else:
            from appliance.hardware.escpos_printer import render
            render(receipt, None)
    new = sorted(loaded() - before_mods)
    out.append([label, rss() - before, new])
print(json.dumps(out))
"""


def import_costs(printer: str = "none") -> list[dict[str, Any]]:
    """[{"stage", "kb", "new"}]: the interpreter's own VmRSS first, then each group's growth."""
    stages = [*COMMON, *PRINTERS[printer]]
    with tempfile.TemporaryDirectory(prefix="mpp-imports-") as cache:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(stages), printer, cache],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=child_env(),
            timeout=120,
            check=True,
        )
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    return [{"stage": label, "kb": kb, "new": new} for label, kb, new in rows]


def short(costs: list[dict[str, Any]]) -> str:
    """`interpreter 9.1, flask 6.0, … MB` (MB = 10^6 bytes, as B5's target)."""
    return ", ".join(f"{c['stage']} {c['kb'] * 1024 / 1e6:.1f}" for c in costs) + " MB"


if __name__ == "__main__":
    for cost in import_costs(sys.argv[1] if len(sys.argv) > 1 else "none"):
        print(f"{cost['stage']:38} {cost['kb'] * 1024 / 1e6:6.1f} MB  {' '.join(cost['new'])}")
