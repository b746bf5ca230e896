"""Group commit: the queue actions of many request threads run on one writer thread, many of
them in one transaction, so one durable commit (one fsync) confirms them all.

Why: with 40 busy counters the request threads queued on the write lock, and each holder, after
its fsync, had to win the GIL back from thirty others — an action worth 0.35 ms of work held the
lock about 1.4 ms (BENCHMARKS B2). One writer thread keeps the work in one place, pays one commit
per batch, and hands no lock from thread to thread.

What stays true:
- each action succeeds or fails alone: it runs in a savepoint of the batch transaction, and a
  refused action (queue empty, quota reached…) rolls back only itself;
- nothing is confirmed before it is durable: the caller wakes after its batch has committed, and
  if the commit fails every action of the batch gets the error and none of their after-commit
  work runs;
- after-commit work (listeners: printer, board doorbell, sync) runs on the caller's thread, as
  it did without the writer, so a slow listener delays only its own request;
- a batch never waits to fill up: the writer takes what is queued when it is free, so at low
  load a batch is one action and nothing is added to its latency.

Before `start()` and after `stop()` everything runs inline on the calling thread, each action
in its own IMMEDIATE transaction: that is what CLI commands use. `mpp run` starts it.

Tried instead and measured worse: a leader/follower scheme without a writer thread (the first
waiting request thread commits the batch on its own connection): fewer hand-offs when alone, but
B1 817–892 against 936–958 tickets/s and B2 432–446 against 488–497 calls/s, run back to back;
the writes then also spread over every request thread's connection and statement cache.
"""

from __future__ import annotations

import copy
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import peewee

from appliance.storage.database import ApplianceDatabase, connected

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 64  # actions per transaction: bounds how long an admin's write waits for the lock
# The writer's connection does every queue write, so it alone keeps a page cache big enough for
# the ticket indexes of a busy day (request threads keep the small default of storage.py):
# measured 0.371 -> 0.338 ms of CPU per issue at 5,000 tickets, the ticket INSERT 55 -> 30 µs.
WRITER_CACHE_KIB = 2048


class _Action:
    __slots__ = ("after", "done", "error", "result", "work")

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work
        self.done = threading.Event()  # set once the batch is durable (or failed)
        self.result: Any = None
        self.error: BaseException | None = None
        self.after: list[Callable[[], None]] = []


_STOP = object()


class GroupCommit:
    """Runs write actions on one thread, batching those that queue up into one transaction."""

    def __init__(self, db: ApplianceDatabase, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._state = threading.Lock()  # guards _running against a racing stop()
        self._running = False
        self._thread: threading.Thread | None = None
        self._current: _Action | None = None  # the action the writer is running now
        self.batches = 0  # counters for tests and the benchmark notes
        self.actions = 0

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        with self._state:
            if self._running:
                return
            self._running = True
            self._thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the actions already queued, then run inline again."""
        with self._state:
            if not self._running:
                return
            self._running = False
            self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._running

    @property
    def queued(self) -> int:
        """Actions waiting for the writer (not counting the batch it is running)."""
        return self._queue.qsize()

    # -- what actions call ------------------------------------------------------------------

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` as one action and return its result (or raise its error) once durable."""
        if self._in_writer_thread():
            return work()  # an action inside an action: already in the batch's transaction
        action = _Action(work)
        with self._state:
            queued = self._running
            if queued:
                self._queue.put(action)
        if not queued:
            return work()
        action.done.wait()
        if action.error is not None:
            raise action.error
        for after in action.after:
            after()
        result: T = action.result
        return result

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The write transaction of one action: inside a batch, the action's savepoint is
        already open; inline, an IMMEDIATE transaction under the write lock."""
        if self._in_writer_thread():
            yield
            return
        with self.db.write():
            yield

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` once the current action is durable, on the thread that asked for it. Call it
        after the action's `transaction()` block: inline that block has committed, so `fn` runs
        now; on the writer it waits for the batch's commit."""
        current = self._current if self._in_writer_thread() else None
        if current is None:
            fn()
        else:
            current.after.append(fn)

    # -- the writer thread --------------------------------------------------------------------

    def _in_writer_thread(self) -> bool:
        thread = self._thread
        return thread is not None and thread.ident == threading.get_ident()

    def _loop(self) -> None:
        try:
            with connected(self.db):
                self.db.execute_sql(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        except (sqlite3.Error, peewee.PeeweeException, OSError) as exc:  # only a speed-up
            log.warning("writer page cache not enlarged: %s", exc)
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                batch.append(more)
            self._commit(batch)

    def _run_in_savepoint(self, action: _Action) -> None:
        """One action in its own savepoint, so a refusal undoes only itself. Plain SQL with a
        fixed name rather than peewee's `atomic()` (a uuid and two context objects per action);
        actions never nest their savepoints across each other."""
        sql = self.db.execute_sql
        sql("SAVEPOINT action")
        try:
            action.result = action.work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, never kills the writer
            action.error = exc
            action.after.clear()
            sql("ROLLBACK TO action")
        sql("RELEASE action")

    def _commit(self, batch: list[_Action]) -> None:
        try:
            with self.db.write():
                for action in batch:
                    self._current = action
                    self._run_in_savepoint(action)
        except BaseException as exc:  # noqa: BLE001 - BEGIN or COMMIT failed: nothing is stored
            log.error("write batch of %d actions failed: %s", len(batch), exc)
            for action in batch:
                if action.error is None:
                    action.error = copy.copy(exc)
                action.after.clear()
        finally:
            self._current = None
            self.batches += 1
            self.actions += len(batch)
            for action in batch:
                action.done.set()
