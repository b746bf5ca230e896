"""Checking a booking in (SPEC §8) with the real engine on a real SQLite file: the QR token works
for a booking this site never received, a typed code needs the synced booking, each refusal has
its code and Indonesian words, and the ticket, the check-in and both events commit together."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest

from appliance.bookings import codes
from appliance.bookings.checkin import EARLY, LATE, check_in
from appliance.bookings.received import store_changes
from appliance.bookings.token import new_key_pair
from appliance.hardware.receipt import slip_from_ticket, ticket_receipt
from appliance.queue import events, outbox, views
from appliance.queue.errors import QueueError
from appliance.queue.tickets import TicketInfo
from appliance.storage.database import connected
from appliance.storage.models import Booking, BookingCheckIn, Ticket
from tests.appliance.bookings.conftest import KTP, TODAY, BookingSite


def received(site: BookingSite, code: str, *, kind: str = "booked", seq: int = 1) -> None:
    """The booking as down/bookings delivers it (stored the way the sync worker stores it)."""
    change = SimpleNamespace(
        seq=seq,
        kind=kind,
        code=code,
        service=KTP,
        date=TODAY,
        slot_start="09:00",
        slot_end="10:00",
        token="",
    )
    with connected(site.db), site.db.atomic():
        store_changes([change], "2025-03-11T10:00:00+07:00")


def refusal(site: BookingSite, **how: str) -> QueueError:
    with pytest.raises(QueueError) as caught:
        check_in(site.engine, **how)
    return caught.value


def test_a_token_checks_in_a_booking_never_received(booking_site: BookingSite) -> None:
    code, token = booking_site.token()

    done = check_in(booking_site.engine, token=token)

    assert done.in_window and done.note is None
    assert done.ticket.source == "booking" and done.ticket.booked
    assert done.ticket.booking_slot == "09:00-10:00"
    assert done.booking.code == code and done.booking.via == "token"
    with connected(booking_site.db):
        stored = Booking.get(Booking.code == code)
        assert (stored.origin, stored.seq, stored.status) == ("token", None, "booked")
        assert stored.token == token  # kept, as a booking sent down keeps its token
        row = BookingCheckIn.get(BookingCheckIn.code == code)
        assert (row.ticket_id, row.via, row.in_window) == (done.ticket.id, "token", True)
        issued, checked = outbox.events_between(1, outbox.last_seq())[-2:]
    assert issued.type == events.TICKET_ISSUED and issued.data["source"] == "booking"
    assert checked.type == events.BOOKING_CHECKED_IN
    assert checked.seq == issued.seq + 1 and checked.at == issued.at  # one transaction
    assert checked.data == {
        "code": code,
        "ticket_id": done.ticket.id,
        "number": done.ticket.number,
        "service": KTP,
        "date": TODAY,
        "slot_start": "09:00",
        "slot_end": "10:00",
        "in_window": True,
        "via": "token",
        "checked_in_at": checked.data["checked_in_at"],
        "business_date": TODAY,
    }


def test_a_typed_code_needs_the_synced_booking(booking_site: BookingSite) -> None:
    code, _ = booking_site.token()
    typed = codes.display(code).lower().replace("-", " ")  # as a citizen might type it

    unknown = refusal(booking_site, code=typed)
    assert (unknown.code, unknown.status) == ("unknown_booking", 404)
    assert "belum diterima" in unknown.message

    received(booking_site, code)
    done = check_in(booking_site.engine, code=typed)
    assert done.booking.via == "code" and done.ticket.source == "booking"


def test_a_code_used_twice_is_refused_with_the_first_time(booking_site: BookingSite) -> None:
    code, token = booking_site.token()
    first = check_in(booking_site.engine, token=token)
    booking_site.clock.advance(timedelta(minutes=7))

    again = refusal(booking_site, token=token)
    assert (again.code, again.status) == ("already_checked_in", 409)
    assert again.params["time"] == "09.00" and again.params["number"] == first.ticket.number
    assert again.message == (
        f"Booking {codes.display(code)} sudah check-in pukul 09.00 dengan nomor "
        f"{first.ticket.number}."
    )
    typed = refusal(booking_site, code=code)  # the code refers to the same booking now
    assert typed.code == "already_checked_in"
    with connected(booking_site.db):
        assert Ticket.select().count() == 1


def test_refusals_carry_their_codes(booking_site: BookingSite) -> None:
    _, other_site = booking_site.token(site="1111-MPP")
    _, tomorrow = booking_site.token(date="2025-03-13")
    foreign_seed, _ = new_key_pair()
    _, forged = booking_site.token(seed=foreign_seed)
    _, token = booking_site.token()
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    cases = {
        "wrong_site": (refusal(booking_site, token=other_site), 422),
        "wrong_day": (refusal(booking_site, token=tomorrow), 422),
        "bad_signature": (refusal(booking_site, token=forged), 403),
        "bad_code": (refusal(booking_site, code="ABC-DEF-GH0"), 422),
        "missing_booking": (refusal(booking_site, code="  "), 400),
    }
    for code, (error, status) in cases.items():
        assert (error.code, error.status) == (code, status), error.message
    for bad in (tampered, "B1.nope", "not a token at all"):
        assert refusal(booking_site, token=bad).code == "bad_signature"
    assert refusal(booking_site, token=forged).params["reason"] == "unknown_key"
    with connected(booking_site.db):
        assert Ticket.select().count() == 0 and BookingCheckIn.select().count() == 0


def test_a_cancelled_booking_the_site_knows_of_is_refused(booking_site: BookingSite) -> None:
    code, token = booking_site.token()
    received(booking_site, code, seq=1)
    received(booking_site, code, kind="cancelled", seq=2)
    error = refusal(booking_site, token=token)
    assert (error.code, error.status) == ("cancelled", 422)


@pytest.mark.parametrize(
    ("minutes", "in_window", "note"),
    [
        (-31, False, EARLY),  # 08:29: the window opens 08:30
        (-30, True, None),
        (75, True, None),  # 10:15: the slot ended 10:00, late_minutes 15
        (76, False, LATE),
    ],
)
def test_the_window_decides_the_line(
    booking_site: BookingSite, minutes: int, in_window: bool, note: str | None
) -> None:
    booking_site.clock.advance(timedelta(minutes=minutes))
    _, token = booking_site.token()
    done = check_in(booking_site.engine, token=token)
    assert done.in_window is in_window and done.ticket.booked is in_window
    assert (done.note.code if done.note else None) == note
    if done.note is not None:
        assert "seperti pengunjung biasa" in done.note.message
    assert done.to_dict()["in_window"] is in_window


def test_bookings_never_use_the_walk_in_quota(booking_site: BookingSite) -> None:
    with connected(booking_site.db):
        from appliance.storage.models import Service

        Service.update(daily_quota=1).where(Service.code == KTP).execute()
    _, token = booking_site.token()
    check_in(booking_site.engine, token=token)  # not counted against the walk-ins
    listed = views.services(
        booking_site.db,
        booking_site.engine.current_day().date,
        booking_site.clock.now(),
        enforce_hours=True,
        window=20,
    )
    assert next(s for s in listed.items if s.code == KTP).quota_remaining == 1  # the kiosk too
    booking_site.engine.issue(KTP, source="kiosk")
    with pytest.raises(QueueError) as full:
        booking_site.engine.issue(KTP, source="kiosk")
    assert full.value.code == "quota_reached"
    _, second = booking_site.token()
    assert check_in(booking_site.engine, token=second).ticket.source == "booking"


def test_the_receipt_says_booking_and_the_slot(booking_site: BookingSite) -> None:
    _, token = booking_site.token(slot=("09:00", "10:00"))
    booked = check_in(booking_site.engine, token=token).ticket
    walk_in = booking_site.engine.issue(KTP, source="kiosk")

    def paper(ticket: TicketInfo) -> str:
        slip = slip_from_ticket(ticket, site_name="MPP Uji", public_url="http://x", footer="")
        return ticket_receipt(slip, 32).text()

    assert "*** BOOKING 09:00-10:00 ***" in paper(booked)
    assert "BOOKING" not in paper(walk_in)


@pytest.mark.parametrize("mode", ["inline", "group-commit"])
def test_one_qr_scanned_at_eight_kiosks_at_once_gives_one_ticket(
    booking_site: BookingSite, mode: str
) -> None:
    """Each kiosk thread holds its own connection, as web request threads do; the started
    group-commit writer is `mpp run`'s, inline is a CLI tool's."""
    engine = booking_site.engine
    if mode == "group-commit":
        engine.writer.start()
    _, token = booking_site.token()
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def scan() -> None:
        with engine.db.connection_context():
            start.wait()
            try:
                check_in(engine, token=token)
                outcomes.append("ticket")
            except QueueError as refused:
                outcomes.append(refused.code)

    kiosks = [threading.Thread(target=scan) for _ in range(8)]
    for kiosk in kiosks:
        kiosk.start()
    for kiosk in kiosks:
        kiosk.join()
    engine.writer.stop()
    assert sorted(outcomes) == ["already_checked_in"] * 7 + ["ticket"]
    with connected(booking_site.db):
        assert Ticket.select().count() == 1 and BookingCheckIn.select().count() == 1
        checked = [
            e
            for e in outbox.events_between(1, outbox.last_seq())
            if e.type == events.BOOKING_CHECKED_IN
        ]
    assert len(checked) == 1
