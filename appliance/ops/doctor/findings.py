"""What a check of `mpp doctor` gets and what it gives: a `Checkup` in, `Finding`s out.

A package contributing a check through the `mpp.doctor` entry-point group needs only this module:
the entry point names a function `(Checkup) -> list[Finding]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from appliance.clock import Clock, SystemClock
from appliance.config.sections import Config

LEVELS = ("ok", "info", "warn", "fail")
SYSFS_USB = Path("/sys/bus/usb/devices")


@dataclass(frozen=True)
class Finding:
    check: str
    level: str
    message: str
    fix: str = ""


@dataclass(frozen=True)
class Limits:
    """Thresholds, adjustable so a test (or a big SD card) can move them."""

    disk_warn_mb: float = 500
    disk_fail_mb: float = 100
    backlog_hours: float = 24
    timeout_s: float = 5.0


@dataclass(frozen=True)
class Checkup:
    """What every check is given: the box's configuration, the reader's language, the limits,
    the clock, and where the USB devices are listed (a test's folder instead of sysfs)."""

    config: Config
    lang: str = "id"
    limits: Limits = field(default_factory=Limits)
    clock: Clock = field(default_factory=SystemClock)
    sysfs_usb: Path = SYSFS_USB

    def t(self, indonesian: str, english: str) -> str:
        return english if self.lang == "en" else indonesian


Check = Callable[[Checkup], list[Finding]]


def exit_code(findings: list[Finding]) -> int:
    levels = {f.level for f in findings}
    return 2 if "fail" in levels else 1 if "warn" in levels else 0
