"""The group-commit writer (appliance/writer.py) on a real SQLite file: batching, a refusal that
undoes only itself, a failed commit that confirms nothing, after-commit work on the caller's
thread, nesting, and stopping with work still queued."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import peewee
import pytest

from appliance.queue.writer import GroupCommit
from appliance.storage.database import ApplianceDatabase, connected, open_database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[ApplianceDatabase]:
    database = open_database(tmp_path / "w.db")
    with connected(database):
        database.execute_sql("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        database.execute_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        database.execute_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER "
            "REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    yield database
    database.close()


@pytest.fixture
def writer(db: ApplianceDatabase) -> Iterator[GroupCommit]:
    group = GroupCommit(db)
    group.start()
    yield group
    group.stop()


def _notes(db: ApplianceDatabase) -> list[str]:
    with connected(db):
        return [row[0] for row in db.execute_sql("SELECT text FROM note ORDER BY id")]


def _add(db: ApplianceDatabase, text: str) -> Callable[[], int]:
    def work() -> int:
        cursor = db.execute_sql("INSERT INTO note (text) VALUES (?) RETURNING id", (text,))
        return int(cursor.fetchone()[0])

    return work


class Gate:
    """Holds the writer inside one action until released, so others queue up behind it."""

    def __init__(self, db: ApplianceDatabase) -> None:
        self.db = db
        self.entered = threading.Event()
        self.release = threading.Event()

    def work(self) -> str:
        self.entered.set()
        assert self.release.wait(10)
        self.db.execute_sql("INSERT INTO note (text) VALUES ('gate')")
        return "gate"


def _in_threads(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[threading.Thread]]:
    """Start each call on its own thread; results land in the returned list by index
    (an exception instance when it raised)."""
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    return results, threads


def _wait_queued(writer: GroupCommit, count: int) -> None:
    for _ in range(1000):
        if writer.queued >= count:
            return
        time.sleep(0.005)
    raise AssertionError(f"{count} actions never queued")


def test_not_started_runs_inline_in_its_own_transaction(db: ApplianceDatabase) -> None:
    group = GroupCommit(db)
    threads: list[int] = []

    def work() -> int:
        threads.append(threading.get_ident())
        with group.transaction():
            assert db.in_transaction()
            added = _add(db, "inline")()
        group.after_commit(lambda: threads.append(-1 if not db.in_transaction() else -2))
        return added

    assert group.run(work) == 1
    assert threads == [threading.get_ident(), -1]  # after-commit ran at once, committed
    assert _notes(db) == ["inline"]
    assert group.batches == 0


def test_actions_that_queue_up_share_one_commit(db: ApplianceDatabase, writer: GroupCommit) -> None:
    gate = Gate(db)
    first, first_threads = _in_threads([lambda: writer.run(gate.work)])
    assert gate.entered.wait(10)
    results, threads = _in_threads([lambda i=i: writer.run(_add(db, f"n{i}")) for i in range(10)])
    _wait_queued(writer, 10)
    batches_before = writer.batches
    gate.release.set()
    for thread in first_threads + threads:
        thread.join(10)
    assert first == ["gate"]
    assert sorted(results) == list(range(2, 12))  # every caller got its own row's id
    assert writer.batches == batches_before + 2  # the gate's batch, then all ten together
    assert writer.actions == 11
    assert sorted(_notes(db)) == sorted(["gate"] + [f"n{i}" for i in range(10)])


def test_a_refused_action_rolls_back_only_itself(
    db: ApplianceDatabase, writer: GroupCommit
) -> None:
    gate = Gate(db)

    def refused() -> None:
        _add(db, "refused")()
        raise LookupError("queue_empty")

    _first, first_threads = _in_threads([lambda: writer.run(gate.work)])
    assert gate.entered.wait(10)
    results, threads = _in_threads(
        [
            lambda: writer.run(_add(db, "before")),
            lambda: writer.run(refused),
            lambda: writer.run(_add(db, "after")),
        ]
    )
    _wait_queued(writer, 3)
    gate.release.set()
    for thread in first_threads + threads:
        thread.join(10)
    assert isinstance(results[1], LookupError)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert sorted(_notes(db)) == ["after", "before", "gate"]


def test_a_failed_commit_confirms_nothing_and_runs_no_listener(
    db: ApplianceDatabase, writer: GroupCommit
) -> None:
    """A deferred foreign key fails at COMMIT, after every action of the batch ran."""
    gate = Gate(db)
    heard: list[str] = []

    def noted(text: str) -> Callable[[], int]:
        def work() -> int:
            writer.after_commit(lambda: heard.append(text))
            return _add(db, text)()

        return work

    def orphan() -> None:
        db.execute_sql("INSERT INTO child (parent_id) VALUES (999)")
        writer.after_commit(lambda: heard.append("orphan"))

    _first, first_threads = _in_threads([lambda: writer.run(gate.work)])
    assert gate.entered.wait(10)
    results, threads = _in_threads([lambda: writer.run(noted("kept?")), lambda: writer.run(orphan)])
    _wait_queued(writer, 2)
    gate.release.set()
    for thread in first_threads + threads:
        thread.join(10)
    assert all(isinstance(r, peewee.IntegrityError) for r in results), results
    assert heard == []
    assert _notes(db) == ["gate"]  # the gate's own batch committed before
    assert writer.run(_add(db, "later")) > 0  # the writer goes on after the failure
    assert _notes(db) == ["gate", "later"]


def test_after_commit_runs_on_the_callers_thread_once_durable(
    db: ApplianceDatabase, writer: GroupCommit
) -> None:
    seen: list[tuple[int, list[str]]] = []

    def work() -> None:
        assert threading.get_ident() != caller  # the action itself runs on the writer
        _add(db, "x")()
        # A listener reading with another connection sees the row: it runs after the commit.
        writer.after_commit(lambda: seen.append((threading.get_ident(), _notes(db))))

    caller = threading.get_ident()
    writer.run(work)
    assert seen == [(caller, ["x"])]


def test_an_action_inside_an_action_joins_its_transaction(
    db: ApplianceDatabase, writer: GroupCommit
) -> None:
    def outer() -> int:
        inner = writer.run(_add(db, "inner"))
        with writer.transaction():
            _add(db, "outer")()
        return inner

    assert writer.run(outer) == 1
    assert _notes(db) == ["inner", "outer"]
    assert writer.actions == 1


def test_stop_finishes_queued_actions_then_runs_inline(db: ApplianceDatabase) -> None:
    group = GroupCommit(db)
    group.start()
    gate = Gate(db)
    _first, first_threads = _in_threads([lambda: group.run(gate.work)])
    assert gate.entered.wait(10)
    results, threads = _in_threads([lambda i=i: group.run(_add(db, f"q{i}")) for i in range(3)])
    _wait_queued(group, 3)
    stopper, stop_threads = _in_threads([group.stop])
    gate.release.set()
    for thread in first_threads + threads + stop_threads:
        thread.join(10)
    assert sorted(results) == [2, 3, 4]
    assert stopper == [None]
    assert not group.running
    assert group.run(_add(db, "inline")) == 5
    assert sorted(_notes(db)) == ["gate", "inline", "q0", "q1", "q2"]
