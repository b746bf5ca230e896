"""The business day: midnight in each Indonesian zone, a clock that jumps backwards (SPEC §3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.queue import events
from appliance.queue.errors import QueueError
from appliance.queue.transaction import Change, QueueSettings
from appliance.storage.database import connected
from appliance.storage.models import DONE, EXPIRED, NO_SHOW, SERVING, WAITING, Ticket
from tests.support.engine_fixtures import WIB, WIT, WITA, EngineSite, SiteSpec, make_site

ZONES = {
    "WIB": ("Asia/Jakarta", WIB),
    "WITA": ("Asia/Makassar", WITA),
    "WIT": ("Asia/Jayapura", WIT),
}

# Hours are not what these tests are about: issue at any time of day.
ANY_TIME = QueueSettings(enforce_hours=False, recalls_before_no_show=0)


def states(site: EngineSite) -> dict[int, str]:
    with connected(site.db):
        return {t.id: t.state for t in Ticket.select()}


@pytest.mark.parametrize("label", sorted(ZONES))
@pytest.mark.parametrize("zone_name_style", ["iana", "abbreviation"])
def test_midnight_restarts_numbers_and_expires_yesterdays_queue(
    tmp_path: Path, label: str, zone_name_style: str
) -> None:
    iana, tz = ZONES[label]
    spec = SiteSpec(timezone=iana if zone_name_style == "iana" else label)
    before_midnight = datetime(2025, 3, 12, 23, 59, tzinfo=tz)
    site = make_site(tmp_path / "a.db", spec, start=before_midnight, settings=ANY_TIME)
    engine = site.engine

    ids = [engine.issue("KTP").id for _ in range(5)]
    other_prefix = engine.issue("INFO")
    assert other_prefix.number == "I-001"
    assert engine.call_next("L03").id == ids[0]
    engine.done("L03")
    assert engine.call_next("L03").id == ids[1]
    engine.start("L03")
    assert engine.call_next("L02").id == ids[2]
    engine.no_show("L02")
    assert engine.call_next("L02").id == ids[3]
    roles = {
        "done": ids[0],
        "serving": ids[1],
        "no_show": ids[2],
        "called": ids[3],
        "waiting": ids[4],
        "waiting_other_prefix": other_prefix.id,
    }
    assert engine.current_day().date == date(2025, 3, 12)
    seq_before = site.events()[-1].seq

    site.clock.advance(timedelta(minutes=1))  # 00:00 local, still 12 March in UTC for WITA/WIT
    assert engine.current_day().date == date(2025, 3, 13)
    fresh = engine.issue("KTP")
    assert (fresh.number, fresh.sequence, fresh.business_date) == ("A-001", 1, date(2025, 3, 13))
    assert engine.issue("INFO").number == "I-001"

    after = states(site)
    assert after[roles["waiting"]] == EXPIRED
    assert after[roles["waiting_other_prefix"]] == EXPIRED
    assert after[roles["called"]] == EXPIRED
    assert after[roles["serving"]] == SERVING  # left to its officer
    assert after[roles["done"]] == DONE
    assert after[roles["no_show"]] == NO_SHOW

    new_events = [e for e in site.events() if e.seq > seq_before]
    expired = [e for e in new_events if e.type == events.TICKET_EXPIRED]
    assert sorted(e.data["ticket_id"] for e in expired) == sorted(
        [roles["waiting"], roles["waiting_other_prefix"], roles["called"]]
    )
    assert all(e.data["ticket_date"] == "2025-03-12" for e in expired)
    assert all(e.data["business_date"] == "2025-03-13" for e in expired)
    # The expiries come first, in the same transaction as the first action of the day.
    assert [e.type for e in new_events[:3]] == [events.TICKET_EXPIRED] * 3
    assert new_events[3].type == events.TICKET_ISSUED
    assert new_events[3].data["ticket_id"] == fresh.id

    # The counter that had a called ticket is free again; the serving one still has its ticket.
    assert engine.call_next("L02").id == fresh.id
    with pytest.raises(QueueError) as busy:
        engine.call_next("L02")
    assert busy.value.code == "counter_busy"
    finished = engine.done("L03")
    assert finished.id == roles["serving"] and finished.state == DONE

    # Nothing expires twice.
    assert engine.close_day() == 0
    later = [e for e in site.events() if e.type == events.TICKET_EXPIRED]
    assert len(later) == 3


@pytest.mark.parametrize("label", sorted(ZONES))
def test_utc_midnight_is_not_the_business_day_boundary(tmp_path: Path, label: str) -> None:
    iana, tz = ZONES[label]
    offset = datetime(2025, 3, 12, tzinfo=tz).utcoffset()
    assert offset is not None
    # The local time at which UTC changes date: 07:00 WIB, 08:00 WITA, 09:00 WIT.
    utc_midnight_local = datetime(2025, 3, 12, 0, 0, tzinfo=ZoneInfo("UTC")).astimezone(tz)
    site = make_site(
        tmp_path / "a.db",
        SiteSpec(timezone=iana),
        start=utc_midnight_local - timedelta(minutes=1),
        settings=ANY_TIME,
    )
    assert site.engine.issue("KTP").number == "A-001"
    site.clock.advance(timedelta(minutes=2))
    second = site.engine.issue("KTP")
    assert second.number == "A-002"
    assert second.business_date == date(2025, 3, 12)


def test_first_action_of_the_day_refused_still_expires_exactly_once(tmp_path: Path) -> None:
    """A refused action rolls its expiries back; the next successful one does them, once."""
    site = make_site(tmp_path / "a.db", start=datetime(2025, 3, 12, 15, 0, tzinfo=WIB))
    yesterday = [site.engine.issue("KTP").id for _ in range(2)]
    site.clock.jump_to(datetime(2025, 3, 13, 7, 0, tzinfo=WIB))  # before opening
    with pytest.raises(QueueError) as refused:
        site.engine.issue("KTP")
    assert refused.value.code == "before_opening"
    with pytest.raises(QueueError) as empty:
        site.engine.call_next("L02")
    assert empty.value.code == "queue_empty"
    site.engine.pause("L05")  # the first action of the day that commits
    assert all(states(site)[t] == EXPIRED for t in yesterday)
    site.clock.jump_to(datetime(2025, 3, 13, 8, 0, tzinfo=WIB))
    assert site.engine.issue("KTP").number == "A-001"
    expired = [e for e in site.events() if e.type == events.TICKET_EXPIRED]
    assert sorted(e.data["ticket_id"] for e in expired) == yesterday


def test_close_day_by_hand_expires_earlier_days_only(tmp_path: Path) -> None:
    site = make_site(tmp_path / "a.db", settings=ANY_TIME)
    old = site.engine.issue("KTP").id
    assert site.engine.close_day() == 0  # today's tickets stay
    site.clock.advance(timedelta(days=1))
    today = site.engine.issue("KTP").id  # this action already expires yesterday's
    assert states(site) == {old: EXPIRED, today: WAITING}
    assert site.engine.close_day() == 0


def test_close_day_is_what_expires_when_no_other_action_ran(tmp_path: Path) -> None:
    """`mpp day close` after midnight, before any other action: it reports what it expired."""
    site = make_site(tmp_path / "a.db", settings=ANY_TIME)
    old = [site.engine.issue("KTP").id for _ in range(3)]
    changes: list[Change] = []
    site.engine.subscribe(changes.append)
    site.clock.advance(timedelta(days=1))
    assert site.engine.close_day() == 3
    assert [c.action for c in changes] == ["close_day"]
    assert changes[0].events == (events.TICKET_EXPIRED,) * 3
    assert changes[0].version == site.events()[-1].seq
    assert all(states(site)[t] == EXPIRED for t in old)


def test_clock_jumping_backwards_keeps_the_date_and_continues_numbers(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "a.db", start=datetime(2025, 3, 12, 10, 0, tzinfo=WIB), settings=ANY_TIME
    )
    engine, clock = site.engine, site.clock
    assert [engine.issue("KTP").number for _ in range(3)] == ["A-001", "A-002", "A-003"]
    waiting_before = engine.issue("KK")

    # A power cut; the Pi boots with the time fake-hwclock saved last week, unsynchronised.
    clock.jump_to(datetime(2025, 3, 5, 10, 30, tzinfo=WIB))
    clock.set_synchronised(False)
    day = engine.current_day()
    assert day.date == date(2025, 3, 12) and day.clock_behind
    behind = engine.issue("KTP")
    assert (behind.number, behind.business_date) == ("A-005", date(2025, 3, 12))
    assert engine.ticket(waiting_before.id).state == WAITING  # nothing expired by the jump
    called = engine.call_next("L02")
    assert called.business_date == date(2025, 3, 12)

    # A backward jump of one minute across midnight must not reuse numbers either.
    clock.jump_to(datetime(2025, 3, 11, 23, 59, tzinfo=WIB))
    assert engine.issue("KTP").number == "A-006"

    unsynced = [e for e in site.events() if e.at >= "2025-03-05" and e.at < "2025-03-12"]
    assert unsynced and all(not e.clock_synced for e in unsynced)

    # NTP puts the clock right: same day, numbers go on, events trusted again.
    clock.jump_to(datetime(2025, 3, 12, 11, 0, tzinfo=WIB))
    clock.set_synchronised(True)
    assert not engine.current_day().clock_behind
    right = engine.issue("KTP")
    assert right.number == "A-007"
    assert site.events()[-1].clock_synced is True
    with connected(site.db):
        numbers = [t.number for t in Ticket.select().where(Ticket.prefix == "A")]
    assert len(numbers) == len(set(numbers))

    # The next real day restarts.
    clock.jump_to(datetime(2025, 3, 13, 9, 0, tzinfo=WIB))
    assert engine.issue("KTP").number == "A-001"


def test_events_record_whether_the_clock_was_synchronised(tmp_path: Path) -> None:
    site = make_site(tmp_path / "a.db", synchronised=False)
    ticket = site.engine.issue("KTP")
    site.clock.set_synchronised(True)
    site.engine.call_next("L02")
    site.clock.set_synchronised(False)
    site.engine.start("L02")
    assert [(e.type, e.clock_synced) for e in site.events()] == [
        (events.TICKET_ISSUED, False),
        (events.TICKET_CALLED, True),
        (events.TICKET_STARTED, False),
    ]
    assert site.events()[0].data["ticket_id"] == ticket.id


def test_a_no_show_of_another_day_cannot_be_restored(tmp_path: Path) -> None:
    site = make_site(tmp_path / "a.db", settings=ANY_TIME)
    engine = site.engine
    first = engine.issue("KTP")
    engine.call_next("L02")
    engine.no_show("L02")
    site.clock.advance(timedelta(days=1))
    with pytest.raises(QueueError) as refused:
        engine.restore(first.id)
    assert refused.value.code == "not_today"
    assert engine.ticket(first.id).state == NO_SHOW
