"""Central's read-then-write rules under concurrent requests, on both backends: the next
catalogue version (MAX + 1) and "never the last active administrator". On PostgreSQL both
readers used to read before either wrote: pushes failed on the unique (site, version) as 503,
and two administrators could disable each other."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from peewee import Database

from sync.central.accounts import CentralAccountError, add_user, set_active, users
from sync.central.catalogue import push_catalogue
from sync.central.store import CatalogueRow, CentralUser, open_central_database
from tests.support.catalogue_fixtures import small_document
from tests.support.sync_harness import SITE

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def db(central_url: str) -> Iterator[Database]:
    opened = open_central_database(central_url)
    yield opened
    opened.close()


def at_once(jobs: list[Callable[[], object]]) -> list[object]:
    """Run the jobs on threads released together; each one's result or exception."""
    gate = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(n: int) -> None:
        gate.wait()
        try:
            results[n] = jobs[n]()
        except Exception as exc:  # the outcome under test
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_concurrent_pushes_each_get_the_next_version(db: Database) -> None:
    doc = small_document()
    doc.pop("version", None)
    results = at_once([lambda: push_catalogue(db, SITE, doc) for _ in range(8)])
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(r.version for r in results) == list(range(1, 9))  # type: ignore[attr-defined]
    with db.connection_context():
        assert CatalogueRow.select().count() == 8


def test_two_administrators_cannot_disable_each_other_at_once(db: Database) -> None:
    add_user(db, "ani", "rahasia-pusat-1")
    add_user(db, "budi", "rahasia-pusat-1")
    for _ in range(5):
        results = at_once(
            [lambda: set_active(db, "ani", False), lambda: set_active(db, "budi", False)]
        )
        refused = [r for r in results if isinstance(r, CentralAccountError)]
        assert len(refused) == 1, results
        assert [u.username for u in users(db) if u.active] != []
        with db.connection_context():
            CentralUser.update(active=True).execute()
