"""Two appliances with one site code (a cloned SD card, issue 15 item 4): both ends say so.

Real Mosquitto, central's ingest in this process, two `mpp sync` processes on copies of one
database file with the same site code (so the same broker client id: they throw each other off,
as the cloned boxes do) and different installation ids (`sync.installation_id`; on real boxes the
hardware serial makes them differ)."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.clock import ManualClock
from appliance.config.sections import Config, StorageConfig, SyncConfig
from appliance.ops.doctor.findings import Checkup
from appliance.queue import views
from appliance.storage.database import connected
from appliance.storage.state import set_state
from sync import protocol
from sync.central.ingest import Ingest
from sync.central.reports import site_summary
from sync.central.store import SiteRow, open_central_database
from sync.doctor import check_sync_alarm
from sync.edge import ALARM, TWIN_SITE, EdgeSettings, EdgeWorker
from sync.identity import hardware_serial, installation_id
from sync.mqtt import BrokerSettings
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import WEEKDAY_MORNING, open_site
from tests.support.sync_harness import (
    FAST,
    SITE,
    Central,
    EdgeProcess,
    edge_site,
    edge_state,
    issue_many,
    wait_for,
)

pytestmark = pytest.mark.timeout(90)


def hello(name: str) -> bytes:
    return protocol.encode_hello(
        protocol.Hello(SITE, 1, 0, 0, 1, True, "2026-01-05T08:00:00+07:00", "t", "", "", name)
    )


def test_two_appliances_with_one_site_code_raise_an_alarm_on_both_ends(
    tmp_path: Path, broker: Mosquitto
) -> None:
    ahead = edge_site(tmp_path / "a" / "edge.db")
    issue_many(ahead, 20)
    (tmp_path / "b").mkdir()
    with connected(ahead.db):
        ahead.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(ahead.path, tmp_path / "b" / "edge.db")  # the cloned card
    behind = open_site(tmp_path / "b" / "edge.db", settings=FAST)
    issue_many(ahead, 60)
    issue_many(behind, 3)

    central = Central(f"sqlite:///{tmp_path}/c.db", broker.url).start()
    edges = [
        EdgeProcess(
            tmp_path / name,
            site.path,
            broker.url,
            extra_config=(f'installation_id = "box-{name}"',),
        )
        for name, site in (("a", ahead), ("b", behind))
    ]
    try:
        wait_for(lambda: all(w.sessions for w in central.workers), 10, "central connected")
        for edge in edges:
            edge.start()

        def alarmed() -> bool:
            return edge_state(behind, ALARM) is not None

        wait_for(alarmed, 40, "the alarm on the appliance that is behind")
        alarm = json.loads(edge_state(behind, ALARM) or "{}")
        assert alarm["code"] == TWIN_SITE and alarm["site"] == SITE
        assert alarm["central_through"] > alarm["last_seq"] == 23

        def clash_seen() -> bool:
            row = central.site()
            return row is not None and row.installation_clash_at is not None

        wait_for(clash_seen, 40, "central seeing two installations take turns")
    finally:
        for edge in edges:
            edge.kill()
        central.stop()

    row = central.site()
    assert row is not None
    with central.db.connection_context():
        summary = site_summary(row, ZoneInfo("Asia/Jakarta"), datetime.now(UTC))
    assert summary["twin"]["installations"] == ["box-a", "box-b"]
    assert summary["conflicts"] > 0  # the clone's own events were quarantined, as before

    # The staff status, the admin page and `mpp doctor` read the same alarm.
    progress = views.sync_progress(behind.db)
    assert progress.alarm is not None and progress.alarm["code"] == TWIN_SITE
    checkup = Checkup(
        Config(storage=StorageConfig(database=str(behind.path)), sync=SyncConfig(site=SITE)),
        clock=ManualClock(WEEKDAY_MORNING),
        lang="en",
    )
    (finding,) = check_sync_alarm(checkup)
    assert finding.level == "fail" and "another appliance uses site code" in finding.message
    assert "new site code" in finding.fix


def test_central_tells_a_replaced_box_from_twins(tmp_path: Path) -> None:
    db = open_central_database(f"sqlite:///{tmp_path}/c.db")
    ingest = Ingest(db)
    topic = protocol.topic(SITE, protocol.HELLO)
    for installation in ("old-box", "new-box", "new-box", ""):  # "" = an older edge
        ingest.handle(topic, hello(installation))
    with db.connection_context():
        row = SiteRow.get_by_id(SITE)
    assert (row.installation, row.installation_clash_at) == ("new-box", None)
    ingest.handle(topic, hello("old-box"))  # the old one is back: they take turns
    with db.connection_context():
        row = SiteRow.get_by_id(SITE)
    assert row.installation_clash_at is not None
    assert site_summary(row, ZoneInfo("Asia/Jakarta"), datetime.now(UTC))["twin"] is not None


def test_an_edge_without_installation_id_still_syncs() -> None:
    old = protocol.encode_hello(
        protocol.Hello(SITE, 1, 0, 0, 1, True, "2026-01-05T08:00:00+07:00", "0.1.0")
    )
    assert b"installation" not in old
    assert protocol.decode_hello(old).installation == ""
    with pytest.raises(protocol.ProtocolError, match="installation"):
        doc = protocol.decode_document(hello("ok"))
        doc["installation"] = "a/b"
        protocol.decode_hello(protocol.encode_document(doc))


def test_installation_id_differs_between_clones_in_other_hardware(tmp_path: Path) -> None:
    site = edge_site(tmp_path / "edge.db")
    first = installation_id(site.db, serial="10000000abcdef01")
    assert first == installation_id(site.db, serial="10000000abcdef01")  # stable on one box
    assert installation_id(site.db, serial="10000000abcdef02") != first  # the clone elsewhere
    assert installation_id(site.db, "given") == "given"
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nSerial\t\t: 10000000abcdef01\nModel\t: Pi\n")
    assert hardware_serial([tmp_path / "absent", cpuinfo]) == "10000000abcdef01"


def test_a_box_given_a_new_site_code_starts_without_the_old_codes_alarm(tmp_path: Path) -> None:
    site = edge_site(tmp_path / "edge.db")
    alarm = {"code": TWIN_SITE, "site": SITE, "central_through": 9, "last_seq": 5, "at": "x"}
    with site.db.write():
        set_state(ALARM, json.dumps(alarm))
    stopped = threading.Event()
    stopped.set()  # run() only does its start-up work
    broker = BrokerSettings(url="mqtt://127.0.0.1:1", client_id="unused")
    EdgeWorker(site.db, broker, EdgeSettings(site=SITE), site.clock, stop=stopped).run()
    assert edge_state(site, ALARM) is not None  # same code: the alarm stays
    EdgeWorker(site.db, broker, EdgeSettings(site="9998-MPP"), site.clock, stop=stopped).run()
    assert edge_state(site, ALARM) is None
