"""No slot is ever overbooked: many threads, and several central processes, book at once.

On both backends. Each slot's places are taken by one conditional UPDATE (sync/central/bookings/
book.py); here every request is released together against slots of 1 and 2 places, far more
requests than places, and the database must hold exactly the places and a gap-free outbox.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from multiprocessing.synchronize import Barrier as ProcessBarrier

import pytest
from peewee import Database

from sync.central.booking_models import BookingOutboxRow, BookingRow, BookingSlotRow
from sync.central.bookings.book import BookingRefused, Request, book
from sync.central.store import open_central_database
from tests.support.booking_fixtures import JAKARTA, KTP, NOW, THURSDAY, offer_bookings
from tests.support.sync_harness import SITE

pytestmark = pytest.mark.timeout(180)

# Thursday's KTP places: 2, 2, 2, 1, 1, 1, 1 (tests/support/booking_fixtures.py)
PLACES = {"08:00": 2, "09:00": 2, "10:00": 2, "11:00": 1, "13:00": 1, "14:00": 1, "15:00": 1}


@pytest.fixture
def db(central_url: str) -> Iterator[Database]:
    opened = open_central_database(central_url)
    offer_bookings(opened)
    yield opened
    opened.close()


def attempt(db: Database, slot: str) -> str:
    """ "booked" or the refusal's code."""
    with db.connection_context():
        try:
            book(db, Request(SITE, KTP, THURSDAY, slot), NOW, JAKARTA)
        except BookingRefused as exc:
            return exc.code
    return "booked"


def at_once(jobs: list[Callable[[], str]]) -> list[str]:
    gate = threading.Barrier(len(jobs))
    results = [""] * len(jobs)

    def run(n: int) -> None:
        gate.wait()
        try:
            results[n] = jobs[n]()
        except Exception as exc:  # the outcome under test: must be none
            results[n] = repr(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def assert_exactly_the_places(db: Database, slots: dict[str, int]) -> None:
    with db.connection_context():
        booked = Counter(
            start
            for (start,) in BookingRow.select(BookingRow.slot_start)
            .where(BookingRow.business_date == THURSDAY)
            .tuples()
        )
        taken = {
            start: n
            for start, n in BookingSlotRow.select(BookingSlotRow.slot_start, BookingSlotRow.taken)
            .where(BookingSlotRow.business_date == THURSDAY)
            .tuples()
        }
        seqs = [s for (s,) in BookingOutboxRow.select(BookingOutboxRow.seq).tuples()]
    assert dict(booked) == slots
    assert taken == slots
    assert sorted(seqs) == list(range(1, sum(slots.values()) + 1))  # gap-free, no repeat


def test_threads_never_overbook_a_slot(db: Database) -> None:
    for slot in ("11:00", "08:00"):
        results = at_once([lambda s=slot: attempt(db, s) for _ in range(12)])  # type: ignore[misc]
        assert Counter(results) == {"booked": PLACES[slot], "slot_full": 12 - PLACES[slot]}
    assert_exactly_the_places(db, {"11:00": 1, "08:00": 2})


def book_in_a_process(url: str, gate: ProcessBarrier, rounds: int) -> None:
    """A central process of its own: its own database connection(s), every slot `rounds` times."""
    db = open_central_database(url)
    try:
        gate.wait(timeout=60)
        for _ in range(rounds):
            for slot in PLACES:
                assert attempt(db, slot) in ("booked", "slot_full")
    finally:
        db.close()


def test_several_processes_never_overbook_a_slot(db: Database, central_url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    gate = spawn.Barrier(4)
    workers = [
        spawn.Process(target=book_in_a_process, args=(central_url, gate, 2)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=150)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert_exactly_the_places(db, PLACES)


def test_acks_arriving_while_bookings_are_made_keep_the_marks(db: Database) -> None:
    """Ingest workers storing the site's acks while bookings are made: every change keeps its
    own seq and central's last_seq stays the newest (an ack once wrote back a stale last_seq)."""
    from sync import booking_wire, protocol
    from sync.central.bookings import outbox
    from sync.central.ingest import Ingest

    ingest = Ingest(db)
    topic = protocol.topic(SITE, protocol.BOOKINGS_ACK)
    stop = threading.Event()

    def acking() -> str:
        while not stop.is_set():
            with db.connection_context():
                through = outbox.marks(SITE)["last_seq"]
            ingest.handle(topic, booking_wire.encode_ack(through))
        return "acked"

    def booking() -> str:
        try:
            outcomes = {attempt(db, slot) for slot in PLACES for _ in range(2)}
        finally:
            stop.set()
        return "done" if outcomes == {"booked", "slot_full"} else repr(outcomes)

    results = at_once([acking, acking, booking])
    assert results == ["acked", "acked", "done"]
    assert_exactly_the_places(db, PLACES)
    with db.connection_context():
        assert outbox.marks(SITE)["last_seq"] == sum(PLACES.values())
