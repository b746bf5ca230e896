"""Which appliance this is, for central: the installation id the edge sends in its hello.

Why not only a random id in the database: a cloned SD card clones the database too, and the two
boxes would still look like one. So the id mixes a random seed kept in the database (two
installations on one machine differ) with this machine's hardware serial (a clone in another
Raspberry Pi differs). `sync.installation_id` in the configuration overrides both, for a box
whose hardware serial cannot be read or a test that runs two "boxes" on one machine.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from pathlib import Path

from appliance.storage.database import ApplianceDatabase
from appliance.storage.state import get_state, set_state

SEED = "sync.installation_seed"

# Where a hardware serial can be read, best first: the Raspberry Pi's CPU serial (in the
# device tree and /proc/cpuinfo), else the systemd machine id (cloned with the card, but set
# apart on a fresh install).
SERIAL_FILES = (
    Path("/sys/firmware/devicetree/base/serial-number"),
    Path("/proc/cpuinfo"),
    Path("/etc/machine-id"),
)


def hardware_serial(files: Sequence[Path] = SERIAL_FILES) -> str:
    """The first readable hardware serial ("" when none can be read)."""
    for path in files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if path.name == "cpuinfo":
            serials = [
                line.partition(":")[2].strip()
                for line in text.splitlines()
                if line.lower().startswith("serial")
            ]
            text = serials[0] if serials else ""
        text = text.strip("\x00\n ")
        if text:
            return text
    return ""


def installation_id(db: ApplianceDatabase, override: str = "", serial: str | None = None) -> str:
    """The id this appliance says in its hello: `override` when set, else 16 hex characters
    of sha256(seed, hardware serial); the seed is made once and kept in the state table."""
    if override:
        return override
    with db.write():
        seed = get_state(SEED)
        if not seed:
            seed = secrets.token_hex(16)
            set_state(SEED, seed)
    machine = hardware_serial() if serial is None else serial
    return hashlib.sha256(f"{seed}:{machine}".encode()).hexdigest()[:16]
