"""CPU seconds a process tree has used, from /proc: to say what a benchmark's rate costs each
component (central, PostgreSQL, the broker) and so how many cores a target rate needs.

A process's own user + system time, the time of its children it has waited for (PostgreSQL's
backends that ended), and that of its children still running. Linux only; the benchmark reads
it before and after the measured part."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return found


def tree_cpu_s(pid: int) -> float:
    """User + system seconds of `pid`, its reaped children and its live descendants."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # fields[11..14] are utime, stime, cutime, cstime (stat fields 14-17)
    own = sum(int(v) for v in fields[11:15]) / TICKS
    return own + sum(tree_cpu_s(child) for child in _children(pid))


def own_cpu_s(pid: int) -> float:
    """User + system seconds of `pid` itself (not its children)."""
    fields = _stat(pid)
    return 0.0 if fields is None else sum(int(v) for v in fields[11:13]) / TICKS


def postmaster_pid(data_directory: str) -> int:
    """The PostgreSQL server's pid from `postmaster.pid` in its data directory."""
    return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
