"""The benchmark report's frame: the machine it ran on and the table printed at the end."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


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
