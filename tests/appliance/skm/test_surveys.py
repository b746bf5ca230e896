"""SKM responses: only for done tickets, one per ticket, stored with exactly one event."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from appliance.clock import ManualClock
from appliance.queue.errors import Conflict, Invalid, NotFound
from appliance.queue.transaction import QueueSettings
from appliance.skm.questionnaire import load_questionnaire
from appliance.skm.surveys import submit_survey
from appliance.storage.database import connected, open_database
from appliance.storage.models import Survey
from tests.support.engine_fixtures import WEEKDAY_MORNING, EngineSite, all_events, make_site

ANSWERS = {f"U{i}": 3 for i in range(1, 10)}


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    return make_site(tmp_path / "a.db", settings=QueueSettings(enforce_hours=False))


def _done_ticket(site: EngineSite) -> str:
    """Issue a KTP ticket, then call and finish the oldest one at L02; its token."""
    site.engine.issue("KTP")
    called = site.engine.call_next("L02")
    site.engine.done("L02")
    return called.status_token


def test_done_ticket_gets_one_response_and_one_event(site: EngineSite) -> None:
    q = load_questionnaire()
    token = _done_ticket(site)
    before = len(all_events(site.db))
    result = submit_survey(site.db, site.clock, q, token, ANSWERS, {})
    assert result.answers == ANSWERS
    events = all_events(site.db)[before:]
    assert [e.type for e in events] == ["survey.submitted"]
    assert events[0].data["answers"] == ANSWERS
    assert token not in json.dumps(events[0].data)  # central never gets the status token
    with pytest.raises(Conflict) as second:
        submit_survey(site.db, site.clock, q, token, ANSWERS, {})
    assert second.value.code == "already_submitted"
    with connected(site.db):
        assert Survey.select().count() == 1
    assert len(all_events(site.db)) == before + 1


def test_refusals_change_nothing(site: EngineSite) -> None:
    q = load_questionnaire()
    waiting = site.engine.issue("KTP").status_token
    before = len(all_events(site.db))
    with pytest.raises(Conflict) as not_done:
        submit_survey(site.db, site.clock, q, waiting, ANSWERS, {})
    assert not_done.value.code == "not_done"
    with pytest.raises(NotFound):
        submit_survey(site.db, site.clock, q, "no-such-token", ANSWERS, {})
    token = _done_ticket(site)
    after_done = len(all_events(site.db))
    with pytest.raises(Invalid):
        submit_survey(site.db, site.clock, q, token, {**ANSWERS, "U9": 5}, {})
    with pytest.raises(Invalid):
        submit_survey(site.db, site.clock, q, token, ANSWERS, {"nik": "1234567890123456"})
    assert after_done > before
    assert len(all_events(site.db)) == after_done
    with connected(site.db):
        assert Survey.select().count() == 0


def test_response_row_names_no_ticket_and_the_ticket_only_knows_it_was_rated(
    site: EngineSite,
) -> None:
    q = load_questionnaire()
    token = _done_ticket(site)
    submit_survey(site.db, site.clock, q, token, ANSWERS, {"jenis_kelamin": "L"})
    with connected(site.db):
        row = site.db.execute_sql("SELECT * FROM survey").fetchone()
        assert token not in repr(row)
        columns = [c[1] for c in site.db.execute_sql("PRAGMA table_info(survey)")]
        assert not any("ticket" in c for c in columns)
        assert site.db.execute_sql("SELECT surveyed FROM ticket").fetchone() == (1,)


def test_migration_0002_keeps_old_responses_and_marks_their_tickets(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    site = make_site(path, settings=QueueSettings(enforce_hours=False))
    token = _done_ticket(site)
    other = _done_ticket(site)
    site.db.close()
    # Rebuild the release-1 survey table with one response linked to the first ticket, and take
    # out what later migrations add to the ticket table (0005: booked, in the queue-head index).
    raw = sqlite3.connect(path)
    raw.executescript(
        """
        DROP TABLE survey;
        CREATE TABLE "survey" ("id" INTEGER NOT NULL PRIMARY KEY, "ticket_id" INTEGER NOT NULL,
          "service_code" VARCHAR(255) NOT NULL, "business_date" DATE NOT NULL,
          "answers" TEXT NOT NULL, "respondent" TEXT NOT NULL, "submitted_at" TEXT NOT NULL);
        ALTER TABLE ticket DROP COLUMN surveyed;
        DROP INDEX ticket_queue_head;
        ALTER TABLE ticket DROP COLUMN booked;
        """
    )
    first_id = raw.execute("SELECT id FROM ticket WHERE status_token = ?", (token,)).fetchone()[0]
    raw.execute(
        "INSERT INTO survey VALUES (7, ?, 'KTP', '2025-03-12', ?, '{}', 'x')",
        (first_id, json.dumps(ANSWERS)),
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    db = open_database(path)
    with connected(db):
        assert [r[0] for r in db.execute_sql("SELECT id FROM survey")] == [7]
        flags = dict(db.execute_sql("SELECT status_token, surveyed FROM ticket").fetchall())
        assert flags == {token: 1, other: 0}
    q = load_questionnaire()
    clock = ManualClock(WEEKDAY_MORNING)
    with pytest.raises(Conflict):
        submit_survey(db, clock, q, token, ANSWERS, {})
    assert submit_survey(db, clock, q, other, ANSWERS, {}).id == 8
