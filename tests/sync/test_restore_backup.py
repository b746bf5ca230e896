"""Restoring last night's backup mid-day (issue 15 item 9): the day stays whole at central.

The documented recovery (firmware-scripts/restore-usb.sh, run for real in its dry-system mode)
rewinds the outbox to the backup's last seq while central already holds the morning the lost card
sent. The events written after the restore must reach central as new events, not as conflicts:
real Mosquitto, central's ingest in this process, `mpp sync` as a process."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from appliance.queue import outbox
from appliance.storage.backup import backup
from appliance.storage.database import connected
from appliance.storage.state import set_state
from sync.central import reports
from sync.central.store import EventRow
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import EngineSite, open_site
from tests.support.sync_harness import (
    FAST,
    ROOT,
    SITE,
    Central,
    EdgeProcess,
    edge_marks,
    edge_site,
    issue_many,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


def drained(site: EngineSite) -> bool:
    last, acked = edge_marks(site)
    return acked == last


def restore_usb(root: Path, copy: Path) -> None:
    """The real restore script, its system commands only logged (MPP_ROOT: dry-system mode)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env["MPP_ROOT"] = str(root)
    subprocess.run(
        ["bash", str(ROOT / "firmware-scripts/restore-usb.sh"), str(copy), "--yes"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def central_ids(central: Central) -> list[str]:
    with central.db.connection_context():
        return [i for (i,) in EventRow.select(EventRow.event_id).order_by(EventRow.seq).tuples()]


def test_restoring_last_nights_backup_mid_day_loses_no_event_of_the_day(
    tmp_path: Path, broker: Mosquitto
) -> None:
    root = tmp_path / "root"
    database = root / "var/lib/mpp/appliance.db"
    site = edge_site(database)
    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url).start()
    edge = EdgeProcess(tmp_path, database, broker.url, batch_size=20)
    try:
        wait_for(lambda: all(w.sessions for w in central.workers), 10, "central connected")
        edge.start()
        issue_many(site, 30)  # yesterday
        wait_for(lambda: drained(site), 30, "yesterday synced")
        night, _ = edge_marks(site)
        (tmp_path / "stick").mkdir()
        nightly = tmp_path / "stick" / "nightly.db"
        backup(database, nightly)  # the nightly backup
        site.clock.advance(timedelta(days=1))
        issue_many(site, 40)  # this morning, sent to central by the card that then dies
        morning_tickets = site.tickets()[-40:]
        wait_for(lambda: drained(site), 30, "the morning synced")
        morning = central_ids(central)  # yesterday's and the morning's events
        held, _ = edge_marks(site)
        assert len(morning) == held > night + 40
        edge.kill()
        now = site.clock.now()
        site.db.close()

        restore_usb(root, nightly)  # the documented recovery, with last night's copy
        restored = open_site(database, settings=FAST, start=now)
        with connected(restored.db):
            assert outbox.last_seq() == night and outbox.restored_from() == night
        issue_many(restored, 25)  # the afternoon, numbered from night + 1 before sync is back
        afternoon_tickets = restored.tickets()[-25:]
        assert {t.id for t in afternoon_tickets} <= {t.id for t in morning_tickets}
        afternoon = [e.id for e in restored.events() if e.seq > night]
        assert len(afternoon) >= 25
        total = held + len(afternoon)

        central.stop()  # and central is down when the box comes back: its hello goes unheard

        def hellos() -> int:  # the first on connecting, then each said again unanswered
            log = edge.log.read_text()
            return log.count("sync: connected;") + log.count("saying hello again")

        before = hellos()
        edge.start()
        wait_for(
            lambda: hellos() >= before + 2, 20, "the hello said again while central does not answer"
        )
        central.start()
        wait_for(lambda: drained(restored), 40, "the afternoon synced")
        ids = central_ids(central)
        row = central.site()
        assert row is not None and row.conflicts == 0, "new events were quarantined"
        assert central.seqs() == list(range(1, total + 1))  # nothing twice, no gap
        assert ids == morning + afternoon  # every event of the day exactly once, in order
        assert row.stored_through == total
        # Central's view of the day: the morning's and the afternoon's tickets, each once, though
        # the afternoon's reuse the morning's ids (the copy's ids go on from last night's).
        day = morning_tickets[0].business_date
        with central.db.connection_context():
            view = reports.day_tickets(SITE, day)
            figures = reports.day_figures(SITE, day)
        tokens = [t["status_token"] for t in view]
        assert sorted(tokens) == sorted(t.status_token for t in morning_tickets + afternoon_tickets)
        assert figures["issued"] == len(view) == 65
        with connected(restored.db):
            assert outbox.restored_from() is None and outbox.last_seq() == total
        # Life goes on under the new numbers.
        restored.engine.issue("KTP")
        wait_for(lambda: drained(restored), 20, "the next ticket synced")
        assert central.seqs() == list(range(1, total + 2))
    finally:
        edge.kill()
        central.stop()


def test_a_restore_central_is_not_past_changes_no_number(tmp_path: Path) -> None:
    """Central behind the backup (or an older central that sends no highest_seen and holds
    nothing past it): the mark goes, the numbers stay."""
    site = edge_site(tmp_path / "edge.db")
    issue_many(site, 5)
    with site.db.write():
        set_state(outbox.RESTORED_FROM, "5")
    issue_many(site, 3)
    with site.db.write():
        assert outbox.continue_after(site.db, 5, 4) == 0
    with connected(site.db):
        assert outbox.restored_from() is None
        assert [e.seq for e in site.events()] == list(range(1, 9))
