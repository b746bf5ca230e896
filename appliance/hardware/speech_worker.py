"""The one thread that speaks issued numbers through the box's speaker, fed by a queue.

A blind citizen pressing the ticket button has no screen to read: the box says "Nomor antrean
A dua belas" as the ticket prints. Like printing, speaking happens after the ticket is
committed and off the acting thread: `submit` only enqueues, so a player that fails, hangs until
its timeout or is missing never delays or fails a ticket. A number still unspoken after
`stale_after_s` is dropped (saying it later would tell the next citizen a number that is not
theirs), and at most `max_queued` numbers wait; a press past that is not spoken.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appliance.hardware.ports import Speaker, SpeakerFault

log = logging.getLogger(__name__)

WavFor = Callable[[str], bytes]  # a ticket number -> the WAV that says it


@dataclass(frozen=True)
class SpeechJob:
    number: str
    queued_at: float  # on the worker's monotonic clock


_STOP = object()


class SpeechWorker:
    def __init__(
        self,
        speaker: Speaker,
        wav_for: WavFor,
        *,
        stale_after_s: float = 20.0,
        max_queued: int = 8,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.speaker = speaker
        self._monotonic = monotonic
        self._wav_for = wav_for
        self.stale_after_s = stale_after_s
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queued)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._spoken = 0
        self._dropped = 0
        self._last_error = ""

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="speech-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the sound being played (the player's own timeout bounds it)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        with contextlib.suppress(queue.Full):  # full: the worker sees the event after its job
            self._queue.put_nowait(_STOP)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("speech worker still busy after %.0f s (player blocked)", timeout)

    def submit(self, number: str) -> None:
        """Never blocks: a full queue drops the number (and says so in the log)."""
        try:
            self._queue.put_nowait(SpeechJob(number, self._monotonic()))
        except queue.Full:
            self._drop(number, "too many numbers waiting to be spoken")

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "driver": self.speaker.driver,
                "spoken": self._spoken,
                "dropped": self._dropped,
                "last_error": self._last_error,
            }

    def _run(self) -> None:
        while not self._stop.is_set():
            job = self._queue.get()
            if job is _STOP:
                break
            if self._monotonic() - job.queued_at > self.stale_after_s:
                self._drop(job.number, f"not spoken within {self.stale_after_s:g} s")
                continue
            self._speak(job.number)

    def _speak(self, number: str) -> None:
        try:
            wav = self._wav_for(number)
            self.speaker.play(wav, number)
        except SpeakerFault as fault:
            self._fail(number, str(fault))
            return
        except Exception as exc:  # the clips could not be joined: the ticket stands regardless
            log.exception("cannot speak %s", number)
            self._fail(number, str(exc))
            return
        with self._lock:
            self._spoken += 1
            self._last_error = ""

    def _fail(self, number: str, why: str) -> None:
        log.warning("speaker %s: %s not spoken: %s", self.speaker.driver, number, why)
        with self._lock:
            self._dropped += 1
            self._last_error = why

    def _drop(self, number: str, why: str) -> None:
        log.warning("speaker: %s not spoken: %s", number, why)
        with self._lock:
            self._dropped += 1
