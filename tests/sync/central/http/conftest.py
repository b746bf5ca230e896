"""The central HTTP suite's fixture: the `world` (tests/sync/central/http/world.py) built for
each test on a fresh central database, on SQLite and on PostgreSQL (`central_url`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from appliance.queue.transaction import QueueSettings
from appliance.skm.questionnaire import load_questionnaire
from appliance.skm.surveys import submit_survey
from sync import protocol
from sync.central.accounts import add_user, create_token
from sync.central.http import CentralWebSettings, create_central_app
from sync.central.ingest import Ingest
from sync.central.store import open_central_database
from tests.support.engine_fixtures import make_site
from tests.sync.central.http.world import GOOD, MIXED, PASSWORD, SITE, World, ship


@pytest.fixture
def world(tmp_path: Path, central_url: str) -> World:
    site = make_site(tmp_path / "edge.db", settings=QueueSettings(enforce_hours=False))
    engine, clock = site.engine, site.clock
    t1 = engine.issue("KTP")
    t2 = engine.issue("KTP")
    t3 = engine.issue("KK")
    t4 = engine.issue("INFO")
    t5 = engine.issue("KTP")
    clock.advance(timedelta(minutes=5))
    engine.call_next("L02")  # t1
    clock.advance(timedelta(minutes=1))
    engine.start("L02")
    clock.advance(timedelta(minutes=7))
    engine.done("L02")
    engine.call_next("L03")  # t2, 13 minutes after issue
    engine.recall("L03")
    clock.advance(timedelta(minutes=2))
    engine.start("L03")
    clock.advance(timedelta(minutes=10))
    engine.done("L03")
    engine.call_next("L01")  # t4, still called
    q = load_questionnaire()
    submit_survey(site.db, clock, q, t1.status_token, GOOD, {})
    submit_survey(site.db, clock, q, t2.status_token, MIXED, {})

    db = open_central_database(central_url)
    ingest = Ingest(db)
    ship(site, ingest)
    ingest.handle(protocol.topic(SITE, protocol.STATUS), protocol.ONLINE)
    add_user(db, "pusat", PASSWORD, "admin")
    add_user(db, "kepala", PASSWORD, "supervisor")
    settings = CentralWebSettings(secret_key="k" * 40, now=lambda: clock.now())
    app = create_central_app(db, settings)
    return World(
        site,
        ingest,
        app,
        create_token(db, "robot", "admin"),
        create_token(db, "layar", "supervisor"),
        {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5},
    )
