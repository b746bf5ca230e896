"""Opening the appliance database: durable pragmas, bound models, migrations.

`synchronous=FULL` because WAL with NORMAL lost confirmed events in a simulated power cut
(PITFALLS.md); every transaction takes the write lock at BEGIN (`lock_type=IMMEDIATE`) because a
deferred read-then-write fails with "database is locked" under concurrency.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee
from peewee import SqliteDatabase

from appliance.storage import migrations
from appliance.storage.failures import StorageError
from appliance.storage.models import MODELS


class FairLock:
    """A re-entrant lock granted in arrival order, handed directly to the next waiter.

    `threading.RLock` lets a releasing thread take the lock straight back, so under 40 busy
    counters one officer's click waited over 30 s (measured in the B2 benchmark). Here waiters
    queue, and a release wakes exactly the next one (waking them all to compare numbers made
    every release a stampede for the GIL).
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[tuple[int, threading.Lock]] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None and not self._waiters:
                self._owner, self._depth = me, 1
                return
            baton = threading.Lock()
            baton.acquire()
            self._waiters.append((me, baton))
        baton.acquire()  # released by the thread that hands the lock over (owner already set)

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a FairLock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner, baton = self._waiters.popleft()
                self._depth = 1
                baton.release()
            else:
                self._owner = None

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class ApplianceDatabase(SqliteDatabase):  # type: ignore[misc]
    """SQLite with an in-process write lock.

    Writers of one process queue on a lock instead of SQLite's busy handler: that handler polls
    with growing sleeps and is unfair, so under 16 request threads one writer could starve past
    the busy timeout ("database is locked"). Other processes (the sync worker, a CLI command)
    still meet the file lock and the busy timeout.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.write_lock = FairLock()

    @contextmanager
    def write(self) -> Iterator[None]:
        """One IMMEDIATE write transaction on this thread's connection."""
        with self.write_lock, connected(self), self.atomic():
            yield


def explain_storage_failure(path: str | Path, exc: BaseException) -> str:
    """Why the database at `path` failed: read-only disk, full disk, permissions, or SQLite's
    own words — checked on the folder, because SQLite only says "unable to open"."""
    folder = Path(path).resolve().parent
    reasons = []
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            reasons.append(f"the disk holding {folder} is mounted read-only (hanya-baca)")
    except OSError:
        pass
    try:
        free = shutil.disk_usage(folder).free
        if free < 1024 * 1024:
            reasons.append(f"the disk holding {folder} is full ({free} bytes free)")
    except OSError:
        pass
    if not reasons and folder.exists() and not os.access(folder, os.W_OK):
        reasons.append(f"this user may not write to {folder}")
    cause = "; ".join(reasons) if reasons else str(exc)
    return f"cannot use the database {path}: {cause}"


def open_database(path: str | Path, *, busy_timeout_ms: int = 5000) -> ApplianceDatabase:
    """Open (creating if needed) the database file, bind the models and apply migrations.

    Raises StorageError naming the cause (read-only or full disk, permissions) instead of
    SQLite's bare "unable to open database file"."""
    try:
        return _open_database(path, busy_timeout_ms)
    except (OSError, sqlite3.Error, peewee.DatabaseError) as exc:
        raise StorageError(explain_storage_failure(path, exc)) from exc


def _open_database(path: str | Path, busy_timeout_ms: int) -> ApplianceDatabase:
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = ApplianceDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "synchronous": "full",
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
            # Every waitress thread keeps a connection, and SQLite's default 2 MiB page cache
            # each would cost more than the whole appliance may use on a Pi 3 (B5); the file
            # itself stays in the OS page cache. 64 KiB measured no slower than 512 KiB.
            "cache_size": -64,
        },
        timeout=busy_timeout_ms / 1000,
        lock_type="IMMEDIATE",
        check_same_thread=False,
    )
    db.bind(MODELS)
    with db.connection_context():
        migrations.migrate(db)
    return db


@contextmanager
def connected(db: SqliteDatabase) -> Iterator[SqliteDatabase]:
    """Use the calling thread's connection, opening it if needed and keeping it open.

    Opening a connection costs more than a whole durable commit (the pragmas run each time), so
    worker threads keep theirs; request threads close theirs at the end of each request.
    """
    if db.is_closed():
        db.connect(reuse_if_open=True)
    yield db
