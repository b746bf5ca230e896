"""SKM responses: only for done tickets, one per ticket, stored with exactly one event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_fixtures import EngineSite, all_events, make_site

from appliance.models import Survey
from appliance.questionnaire import load_questionnaire
from appliance.queue import Conflict, Invalid, NotFound, QueueSettings
from appliance.storage import connected
from appliance.surveys import submit_survey

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
