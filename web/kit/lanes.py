"""Two lanes in front of waitress's threads: the building's own screens are served first.

Waitress hands each complete request to its threads first in, first out. On a LAN shared with
citizens' phones, a burst of status-page polls and survey posts would queue ahead of a kiosk's
"take a number" and an officer's "call next" (issue 15). The lanes keep first-in-first-out inside
each lane and serve the `first` lane first, but never more than `share` requests of it in a row
while the other lane waits: the public is slowed under load, never starved.

Idle and slow sockets never reach this queue (waitress reads requests on its I/O loop and
dispatches only complete ones); those are bounded in `server.py`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from waitress.task import ThreadedTaskDispatcher

DEFAULT_SHARE = 8


def task_path(task: Any) -> str:
    """The request path of a waitress task ("" for an error answer, which has no app to run)."""
    request = getattr(task, "request", None)
    path = getattr(request, "path", "")
    return path if isinstance(path, str) else ""


class Lanes:
    """The dispatcher's queue (waitress uses `append`, `popleft`, `len` and truth)."""

    def __init__(self, first: Callable[[str], bool], share: int = DEFAULT_SHARE) -> None:
        if share < 1:
            raise ValueError("share must be at least 1")
        self._is_first = first
        self.share = share
        self.first: deque[Any] = deque()
        self.rest: deque[Any] = deque()
        self._streak = 0

    def append(self, task: Any) -> None:
        (self.first if self._is_first(task_path(task)) else self.rest).append(task)

    def popleft(self) -> Any:
        if self.first and (not self.rest or self._streak < self.share):
            self._streak += 1
            return self.first.popleft()
        self._streak = 0
        return self.rest.popleft()  # IndexError when both are empty, as a deque's

    def __len__(self) -> int:
        return len(self.first) + len(self.rest)

    def __bool__(self) -> bool:
        return bool(self.first or self.rest)


class LaneDispatcher(ThreadedTaskDispatcher):  # type: ignore[misc]
    """Waitress's thread pool, taking its work from `Lanes` instead of one deque."""

    def __init__(self, first: Callable[[str], bool], share: int = DEFAULT_SHARE) -> None:
        super().__init__()
        self.queue = Lanes(first, share)
