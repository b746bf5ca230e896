"""The appliance's write lock: re-entrant, and granted in the order threads asked for it."""

from __future__ import annotations

import threading
import time

import pytest

from appliance.storage.database import FairLock


def test_waiters_get_the_lock_in_arrival_order() -> None:
    lock = FairLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for n in range(8):
        thread = threading.Thread(
            target=lambda n=n: (lock.acquire(), order.append(n), lock.release())
        )
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # let each one queue before the next arrives
    lock.release()
    for thread in threads:
        thread.join(timeout=5)
    assert order == list(range(8))


def test_a_releasing_thread_cannot_jump_the_queue() -> None:
    lock = FairLock()
    got: list[str] = []
    lock.acquire()
    waiter = threading.Thread(target=lambda: (lock.acquire(), got.append("waiter"), lock.release()))
    waiter.start()
    time.sleep(0.05)
    lock.release()
    lock.acquire()  # asks again at once, but the waiter asked first
    got.append("again")
    lock.release()
    waiter.join(timeout=5)
    assert got == ["waiter", "again"]


def test_reentrant_and_owner_checked() -> None:
    lock = FairLock()
    with lock, lock:
        pass
    with pytest.raises(RuntimeError):
        lock.release()
