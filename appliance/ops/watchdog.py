"""systemd readiness and watchdog, fed by the process's own main loops.

systemd restarts a unit with `WatchdogSec=` when the process stops sending `WATCHDOG=1`. A thread
that pinged unconditionally would keep a process alive whose button loop or sync loop is stuck, so
each loop registers a heartbeat with the longest silence it may keep, and the ping thread only
pings while every heartbeat is fresh. A stuck loop therefore gets the whole process restarted.

Outside systemd (`NOTIFY_SOCKET` unset: development, tests, `mpp demo`) everything is a no-op.
The notification socket is reached through sdnotify behind the small `Notifier` port, with a
recording fake beside it for tests.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

log = logging.getLogger(__name__)


class Notifier(Protocol):
    """Sends one sd_notify message such as `READY=1`."""

    def notify(self, state: str) -> None: ...

    def close(self) -> None: ...


class SdNotifier:
    """The real port: sdnotify's datagram socket to `$NOTIFY_SOCKET`."""

    def __init__(self) -> None:
        import sdnotify

        # debug=True makes sdnotify raise instead of swallowing: we decide what to log.
        self._notifier = sdnotify.SystemdNotifier(debug=True)
        # A datagram send blocks when systemd's queue is full: never let that hang a loop.
        self._notifier.socket.settimeout(1.0)

    def notify(self, state: str) -> None:
        try:
            self._notifier.notify(state)
        except OSError as exc:
            log.debug("sd_notify %s failed: %s", state.split("=", 1)[0], exc)

    def close(self) -> None:
        sock = self._notifier.socket
        if sock is not None:
            sock.close()


class RecordingNotifier:
    """The fake: keeps every message, in order."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._lock = threading.Lock()

    def notify(self, state: str) -> None:
        with self._lock:
            self.messages.append(state)

    def close(self) -> None:
        """Nothing to release."""

    def count(self, state: str) -> int:
        with self._lock:
            return self.messages.count(state)


def system_notifier(environ: Mapping[str, str]) -> Notifier | None:
    """The socket systemd gave us, or None when not started by systemd (or unreachable)."""
    if not environ.get("NOTIFY_SOCKET"):
        return None
    try:
        return SdNotifier()
    except (OSError, TypeError) as exc:
        log.warning("cannot reach the systemd notify socket: %s", exc)
        return None


def watchdog_interval(environ: Mapping[str, str]) -> float | None:
    """Half of `WatchdogSec=` (systemd's advice), or None if no watchdog is asked of us."""
    usec = environ.get("WATCHDOG_USEC", "")
    pid = environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (e.g. our parent)
    return int(usec) / 2_000_000


class Heartbeat:
    """One loop's proof of life: call `beat()` once per turn of the loop."""

    def __init__(self, name: str, max_silence_s: float, clock: Callable[[], float]) -> None:
        if max_silence_s <= 0:
            raise ValueError("max_silence_s must be positive")
        self.name = name
        self.max_silence_s = max_silence_s
        self._clock = clock
        self._last = clock()

    def beat(self) -> None:
        self._last = self._clock()  # a float store is atomic: no lock needed

    def silent_for(self) -> float:
        return self._clock() - self._last

    def fresh(self) -> bool:
        return self.silent_for() <= self.max_silence_s


class Watchdog:
    """Tells systemd when we are ready, what we are doing, and that every loop is alive.

    `notify=None` makes every call a no-op. `interval_s=None` means no watchdog pings (systemd
    asked for none); `ready()` starts the ping thread when there is an interval.
    """

    def __init__(
        self,
        notify: Notifier | None = None,
        *,
        interval_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notifier = notify
        self._interval = interval_s
        self._clock = clock
        self._beats: dict[str, Heartbeat] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stuck: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Watchdog:
        """What systemd asked of this process (`NOTIFY_SOCKET`, `WATCHDOG_USEC`)."""
        env = os.environ if environ is None else environ
        notifier = system_notifier(env)
        return cls(notifier, interval_s=watchdog_interval(env) if notifier else None)

    @property
    def enabled(self) -> bool:
        return self._notifier is not None

    def register(self, name: str, max_silence_s: float) -> Heartbeat:
        """A loop that must beat at least every `max_silence_s` seconds."""
        heartbeat = Heartbeat(name, max_silence_s, self._clock)
        with self._lock:
            if name in self._beats:
                raise ValueError(f"heartbeat {name!r} is already registered")
            self._beats[name] = heartbeat
        return heartbeat

    def unregister(self, heartbeat: Heartbeat) -> None:
        """A loop that ended on purpose stops counting."""
        with self._lock:
            self._beats.pop(heartbeat.name, None)

    def stuck(self) -> list[str]:
        """Names of the loops silent for longer than they may be."""
        with self._lock:
            beats = list(self._beats.values())
        return [b.name for b in beats if not b.fresh()]

    def check(self) -> bool:
        """One watchdog turn: ping if every loop is alive; returns whether it pinged."""
        stuck = tuple(self.stuck())
        if stuck != self._stuck:
            self._stuck = stuck
            if stuck:
                log.error("loops not responding, withholding the watchdog: %s", ", ".join(stuck))
                self._send("STATUS=macet / stuck: " + ", ".join(stuck))
            else:
                log.info("all loops responding again")
        if stuck:
            return False
        self._send("WATCHDOG=1")
        return True

    def ready(self) -> None:
        """Start-up finished: systemd may consider the unit active (Type=notify)."""
        self._send("READY=1")
        if self._notifier is not None and self._interval and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
            self._thread.start()

    def status(self, text: str) -> None:
        """A one-line status shown by `systemctl status`."""
        self._send("STATUS=" + " ".join(text.split()))

    def stopping(self) -> None:
        """Shutting down on purpose: stop pinging so a slow stop is not a watchdog failure."""
        self._send("STOPPING=1")
        self.close()

    def close(self) -> None:
        """Stop the ping thread and release the socket; the watchdog is silent afterwards."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            notifier.close()

    def _run(self) -> None:
        assert self._interval is not None
        while True:
            self.check()
            if self._stop.wait(self._interval):
                return

    def _send(self, state: str) -> None:
        if self._notifier is not None:
            self._notifier.notify(state)
