"""Central's ingest in child processes: `mpp central` keeps N `mpp central --no-web` children
running beside its own HTTP server and publisher (`central.ingest_processes`).

Why processes and not more threads: one interpreter runs Python on one core at a time (the GIL).
Central's ingest costs about 0.130 s of CPU per 1,000 events, so one process tops out near 7,700
events/s however many cores the server has, and the dashboard's requests waited for the lock
behind the ingest threads (B12: sites API p99 334 ms in one process, 165 ms with the HTTP in a
process of its own; docs/performance.md).

The parent restarts a child that exits (jittered back-off, reset after a child has run a while),
stops them all on SIGTERM/SIGINT, and hands each child the read end of one pipe whose write end
only the parent holds: when the parent dies, even by SIGKILL, the children read end-of-file and
stop on their own, so no ingest process outlives its supervisor (under systemd the control group
is killed too; by hand or under another supervisor it would not be). The children run at a
lower CPU priority (nice +5) than the parent that answers the dashboard. Measured with B12 on 2
cores, back to back: 8,234-10,363 events/s in one process, 8,345-17,534 with 2 children of 2
workers; sites API p50 102-143 ms, then 29-63 ms. Only child 0 announces
central's retained status; the broker says `offline` (its will) the moment it dies and its
replacement says `online` again once connected.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sync.mqtt import Backoff

log = logging.getLogger(__name__)

# The command line of child `number`, given the fd of the pipe's read end it must watch.
ChildCommand = Callable[[int, int], Sequence[str]]


@dataclass
class _Child:
    number: int
    backoff: Backoff
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    restarts: int = 0


class IngestProcesses:
    """Start `count` children, keep them running until `stop` is set, then stop them."""

    def __init__(
        self,
        command: ChildCommand,
        count: int,
        *,
        stop: threading.Event,
        poll_s: float = 0.2,
        backoff: tuple[float, float] = (1.0, 30.0),
        stable_s: float = 60.0,
        stop_timeout_s: float = 20.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.command = command
        self.stop = stop
        self.poll_s = poll_s
        self.stable_s = stable_s  # a child that ran this long starts its back-off afresh
        # below the unit's TimeoutStopSec=30: the parent kills late children, not systemd
        self.stop_timeout_s = stop_timeout_s
        self.env = env
        self.children = [_Child(n, Backoff(*backoff)) for n in range(count)]

    def pids(self) -> list[int]:
        """The children running now (tests, logs)."""
        return [c.process.pid for c in self.children if c.process is not None]

    def run(self) -> None:
        """Supervise on the calling thread until `stop`; the children are stopped on return."""
        read_fd, write_fd = os.pipe()  # both not inheritable; read_fd is passed explicitly
        try:
            for child in self.children:
                self._start(child, read_fd)
            while not self.stop.wait(self.poll_s):
                now = time.monotonic()
                for child in self.children:
                    if child.process is None:
                        if now >= child.restart_at:
                            self._start(child, read_fd)
                    elif child.process.poll() is not None:
                        self._exited(child, now)
        finally:
            self._stop_all()
            os.close(write_fd)
            os.close(read_fd)

    def _start(self, child: _Child, read_fd: int) -> None:
        try:
            child.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                list(self.command(child.number, read_fd)),
                stdin=subprocess.DEVNULL,
                pass_fds=(read_fd,),
                env=self.env,
            )
        except OSError as exc:
            log.error("central: ingest process %d could not start: %s", child.number, exc)
            child.restart_at = time.monotonic() + child.backoff.next_delay()
            return
        child.started_at = time.monotonic()
        log.info("central: ingest process %d started (pid %d)", child.number, child.process.pid)

    def _exited(self, child: _Child, now: float) -> None:
        assert child.process is not None
        code = child.process.returncode
        ran = now - child.started_at
        if ran >= self.stable_s:
            child.backoff.reset()
        delay = child.backoff.next_delay()
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
        log.warning(
            "central: ingest process %d (pid %d) %s after %.1f s; restarting in %.1f s",
            child.number,
            child.process.pid,
            how,
            ran,
            delay,
        )
        child.process = None
        child.restarts += 1
        child.restart_at = now + delay

    def _stop_all(self) -> None:
        """SIGTERM to every child, then SIGKILL to those still there after stop_timeout_s."""
        running = [c.process for c in self.children if c.process is not None]
        for process in running:
            process.terminate()  # nothing if it already exited
        deadline = time.monotonic() + self.stop_timeout_s
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("central: ingest process pid %d killed (stop timed out)", process.pid)
                process.kill()
                process.wait()
        for child in self.children:
            child.process = None
        if running:
            log.info("central: %d ingest processes stopped", len(running))


# How much nicer than their parent the ingest children run: when a catch-up fills every core,
# the process serving the dashboard and API gets the CPU first (a request is someone waiting;
# the ingest is a backlog that drains a little later).
INGEST_NICE = 5


def start_as_child(parent_fd: int | None, stop: threading.Event) -> None:
    """What an ingest child does before it ingests: yield the CPU to the HTTP process, and stop
    when its parent is gone."""
    os.nice(INGEST_NICE)
    if parent_fd is not None:
        stop_when_parent_exits(parent_fd, stop)


def stop_when_parent_exits(fd: int, stop: threading.Event) -> threading.Thread:
    """In a child: set `stop` once the parent's end of the pipe `fd` is closed (the parent
    exited or was killed): a read returns end-of-file only when no writer is left."""

    def watch() -> None:
        try:
            while os.read(fd, 1):
                pass  # the parent never writes; a byte would only be ignored
        except OSError as exc:
            log.warning("central: parent pipe unreadable (%s); stopping", exc)
        if not stop.is_set():
            log.warning("central: the supervising mpp central is gone; stopping")
        stop.set()

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread
