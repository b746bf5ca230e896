"""A process killed with SIGKILL while issuing leaves an intact database that kept every ticket
its caller saw committed (DESIGN: real processes killed with SIGKILL for crash tests)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter as Tally
from pathlib import Path

import pytest

from appliance.queue import events
from appliance.storage.backup import integrity_check
from appliance.storage.database import connected
from appliance.storage.models import Ticket
from tests.support.engine_fixtures import (
    WEEKDAY_MORNING,
    all_events,
    assert_gap_free,
    make_site,
    open_site,
    sequences_by_prefix,
)
from tests.support.paths import ISSUE_WORKER

WORKER = ISSUE_WORKER
SERVICES = "KTP,INFO,PBB,KK,ADUAN"


def issue_until_killed(path: Path, rng: random.Random) -> tuple[list[tuple[int, str]], int]:
    """Start a worker, let it issue for a random short while, SIGKILL it; what it printed."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(WORKER),
            str(path),
            "--at",
            WEEKDAY_MORNING.isoformat(),
            "--services",
            SERVICES,
            "--count",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        first = proc.stdout.readline()  # it is issuing now
        assert first, proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.02, 0.4))
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = (first + rest).split("\n")
    complete = lines[:-1]  # the text after the last newline may be a line cut by the kill
    seen = [(int(i), number) for i, number, _ in (line.split() for line in complete)]
    return seen, proc.returncode


@pytest.mark.slow
def test_sigkill_while_issuing_keeps_every_committed_ticket(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    make_site(path)
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    printed: list[tuple[int, str]] = []
    for _ in range(5):
        seen, returncode = issue_until_killed(path, rng)
        assert returncode == -signal.SIGKILL, f"seed {seed}"
        assert seen, f"seed {seed}: the worker committed nothing before the kill"
        printed += seen

    assert integrity_check(path) == [], f"seed {seed}"
    site = open_site(path)
    with connected(site.db):
        stored = {t.id: t.number for t in Ticket.select()}
    # Everything a caller saw committed is there; at most one more per kill was committed
    # but not yet printed.
    assert all(stored.get(i) == number for i, number in printed), f"seed {seed}"
    assert len(printed) <= len(stored) <= len(printed) + 5
    for (_, prefix), values in sequences_by_prefix(site.db).items():
        assert_gap_free(values, f"prefix {prefix} (seed {seed})")
    written = all_events(site.db)
    assert_gap_free((e.seq for e in written), f"outbox seq (seed {seed})")
    issued = Tally(e.data["ticket_id"] for e in written if e.type == events.TICKET_ISSUED)
    assert issued == Tally(list(stored)), f"seed {seed}"

    # And the appliance carries on from there.
    with connected(site.db):
        last_a = max(t.sequence for t in Ticket.select().where(Ticket.prefix == "A"))
    assert site.engine.issue("KTP").sequence == last_a + 1
