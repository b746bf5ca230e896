"""A CPU cgroup limiting the processes started in it to a share of one core (B11's Pi-class
budget): cgroup v2 `cpu.max` or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, whichever this
machine has writable (root needed). Made for one run and removed afterwards.

A process joins it from its first instruction: `wrap(cmd)` prefixes a command with a shell that
writes its own pid into the group's `cgroup.procs` and then `exec`s the command (same pid), so
even the interpreter's start-up is charged to the budget, as on the small board.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


class CpuLimit:
    def __init__(self, folder: Path, version: int, mount: Path) -> None:
        self.folder, self.version, self.mount = folder, version, mount

    def describe(self) -> str:
        if self.version == 2:
            return f"cgroup v2 {self.folder}: cpu.max = {self.read('cpu.max')!r}"
        return (
            f"cgroup v1 {self.folder}: cpu.cfs_quota_us = {self.read('cpu.cfs_quota_us')}, "
            f"cpu.cfs_period_us = {self.read('cpu.cfs_period_us')}"
        )

    def read(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="ascii").strip()

    def wrap(self, cmd: list[str]) -> list[str]:
        procs = self.folder / "cgroup.procs"
        return ["sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "sh", *cmd]

    def throttled(self) -> dict[str, int]:
        """cpu.stat: periods, periods throttled, time throttled (µs) — proof the limit bit."""
        stat = dict(line.split() for line in self.read("cpu.stat").splitlines())
        if self.version == 2:
            return {
                "periods": int(stat.get("nr_periods", 0)),
                "throttled": int(stat.get("nr_throttled", 0)),
                "throttled_us": int(stat.get("throttled_usec", 0)),
            }
        return {
            "periods": int(stat.get("nr_periods", 0)),
            "throttled": int(stat.get("nr_throttled", 0)),
            "throttled_us": int(stat.get("throttled_time", 0)) // 1000,
        }

    def remove(self) -> None:
        """Move any process still in it to the parent, then remove the folder."""
        parent = self.folder.parent / "cgroup.procs"
        with contextlib.suppress(OSError):
            for pid in self.read("cgroup.procs").split():
                with contextlib.suppress(OSError):
                    parent.write_text(pid, encoding="ascii")
        for _ in range(50):
            try:
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


def _v2_mount() -> Path | None:
    for mount in (ROOT, ROOT / "unified"):
        controllers = mount / "cgroup.controllers"
        if controllers.exists() and "cpu" in controllers.read_text().split():
            return mount
    return None


def make_limit(quota_us: int, period_us: int, name: str = "") -> tuple[CpuLimit | None, str]:
    """The limit, or None and why not (nothing writable: the caller says so and skips)."""
    name = name or f"mpp-bench-{os.getpid()}"
    reasons = []
    mount = _v2_mount()
    if mount is not None:
        folder = mount / name
        try:
            subtree = (mount / "cgroup.subtree_control").read_text().split()
            if "cpu" not in subtree:
                (mount / "cgroup.subtree_control").write_text("+cpu")
            folder.mkdir()
            (folder / "cpu.max").write_text(f"{quota_us} {period_us}")
            return CpuLimit(folder, 2, mount), ""
        except OSError as exc:
            reasons.append(f"v2 at {mount}: {exc}")
            with contextlib.suppress(OSError):
                folder.rmdir()
    else:
        reasons.append("no cgroup v2 hierarchy with the cpu controller")
    for candidate in (ROOT / "cpu", ROOT / "cpu,cpuacct"):
        if not (candidate / "cpu.cfs_quota_us").exists():
            continue
        folder = candidate / name
        try:
            folder.mkdir()
            (folder / "cpu.cfs_period_us").write_text(str(period_us))
            (folder / "cpu.cfs_quota_us").write_text(str(quota_us))
            return CpuLimit(folder, 1, candidate), ""
        except OSError as exc:
            reasons.append(f"v1 at {candidate}: {exc}")
            with contextlib.suppress(OSError):
                folder.rmdir()
        break
    else:
        reasons.append("no cgroup v1 cpu hierarchy")
    return None, "; ".join(reasons)
