"""The one thread that owns the printer, fed by a queue.

Issuing only enqueues, so a printer that is unplugged, out of paper or has its cover open never
slows or fails a ticket (SPEC §3). The worker keeps the head job and tries again every `retry_s`
while the printer is faulted, reopening the device after an unplug; a job still unprinted after
`stale_after_s` is dropped rather than printed minutes later for a citizen who has walked away,
and listed in the status so staff can reprint it (the desk and counter pages show that list
with a "Cetak ulang" button, and the tickets still waiting for paper as `pending`). The queue
holds at most what the fastest receipt printer could print before a job goes stale
(`backlog_limit`): a job submitted past that would be dropped as stale anyway, so it is dropped
at once, logged and listed the same way (reason `backlog`), instead of being held in memory for
two minutes (a burst of thousands of tickets, B5 in docs/performance.md). While idle
the worker probes the printer every `probe_s` so a fault shows on the staff page and the LED
before the next citizen presses.

Only state *transitions* are reported (`on_transition`), never each retry: one `printer.fault`
event per fault, one `printer.recovered` when it clears.
"""

from __future__ import annotations

import collections
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appliance.hardware.ports import MESSAGES, OFFLINE, OK, UNKNOWN, PrinterFault, ReceiptPrinter
from appliance.hardware.receipt import Receipt

log = logging.getLogger(__name__)

Transition = Callable[[str, str, PrinterFault | None], None]  # (old state, new state, fault)


# The fastest a thermal receipt printer prints one of our receipts: about 300 mm/s for a ticket
# of 8 cm or more, plus the cut. No printer gets through more than stale_after_s / this jobs
# before the last of them goes stale.
FASTEST_RECEIPT_S = 0.25


def backlog_limit(stale_after_s: float) -> int:
    """How many jobs may wait: more could not all be printed before going stale."""
    return max(1, math.ceil(stale_after_s / FASTEST_RECEIPT_S))


@dataclass(frozen=True, slots=True)
class PrintJob:
    """One receipt to print; `build` runs on the worker thread (it may read the database) and
    should hold little: up to `backlog_limit` jobs wait at once."""

    label: str
    build: Callable[[], Receipt]
    ticket_id: int | None = None
    queued_at: float = field(default_factory=time.monotonic)


_STOP = object()


class PrintWorker:
    def __init__(
        self,
        printer: ReceiptPrinter,
        *,
        now: Callable[[], datetime],
        on_transition: Transition,
        retry_s: float = 3.0,
        stale_after_s: float = 120.0,
        probe_s: float = 30.0,
        on_printed: Callable[[PrintJob, Receipt], None] | None = None,
        max_queued: int | None = None,
    ) -> None:
        """`max_queued`: jobs waiting at most (default `backlog_limit(stale_after_s)`)."""
        self.printer = printer
        self._now = now
        self._on_transition = on_transition
        self._on_printed = on_printed
        self.retry_s = retry_s
        self.stale_after_s = stale_after_s
        self.probe_s = probe_s
        self.max_queued = backlog_limit(stale_after_s) if max_queued is None else max_queued
        self._queue: queue.Queue[Any] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._state = UNKNOWN
        self._detail = ""
        self._since = now()
        self._printed = 0
        self._dropped = 0  # receipts given up since start (stale, backlog, error)
        self._unprinted: collections.deque[dict[str, Any]] = collections.deque(maxlen=50)
        # Tickets submitted and not yet printed nor dropped, in submit order (id of the job):
        # during a fault these are the numbers citizens hold without paper.
        self._pending: dict[int, dict[str, Any]] = {}
        self._opened = False

    # -- control (any thread) -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="print-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self._queue.put(_STOP)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("print worker still busy after %.0f s (printer write blocked)", timeout)

    def submit(self, job: PrintJob) -> None:
        """Never blocks: stale jobs are dropped by the worker, and a job past `max_queued`
        waiting ones is dropped here (it would go stale before its turn)."""
        if self._queue.qsize() >= self.max_queued:
            self._give_up(job, "backlog")
            return
        if job.ticket_id is not None:
            with self._lock:
                self._pending[id(job)] = {"ticket_id": job.ticket_id, "label": job.label}
        self._queue.put(job)

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "driver": self.printer.driver,
                "state": self._state,
                "message": MESSAGES.get(self._state, self._state),
                "detail": self._detail,
                "since": self._since.isoformat(timespec="seconds"),
                "queued": self._queue.qsize(),
                "printed": self._printed,
                "dropped": self._dropped,
                "unprinted": list(self._unprinted),
                "pending": list(self._pending.values()),
                "stale_after_s": self.stale_after_s,
            }

    def pending(self, ticket_id: int) -> bool:
        """Whether the ticket is already waiting to be printed (a reprint would print it twice)."""
        with self._lock:
            return any(item["ticket_id"] == ticket_id for item in self._pending.values())

    def forget_unprinted(self, ticket_id: int) -> None:
        """A reprint was asked for: the ticket no longer waits in the unprinted list."""
        with self._lock:
            kept = [item for item in self._unprinted if item["ticket_id"] != ticket_id]
            self._unprinted.clear()
            self._unprinted.extend(kept)

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    # -- the worker thread --------------------------------------------------------------------

    def _run(self) -> None:
        self._probe()
        while not self._stop.is_set():
            wait = self.retry_s if self.state != OK else self.probe_s
            try:
                job = self._queue.get(timeout=wait)
            except queue.Empty:
                self._probe()
                continue
            if job is _STOP:
                break
            try:
                self._process(job)
            finally:
                with self._lock:
                    self._pending.pop(id(job), None)
        self.printer.close()

    def _process(self, job: PrintJob) -> None:
        receipt: Receipt | None = None
        while not self._stop.is_set():
            if time.monotonic() - job.queued_at > self.stale_after_s:
                self._give_up(job, "stale")
                return
            try:
                if receipt is None:
                    receipt = job.build()
                self._ensure_open()
                self.printer.check()
                self.printer.print_receipt(receipt)
            except PrinterFault as fault:
                self._fault(fault)
                self._stop.wait(self.retry_s)
                continue
            except Exception:  # the receipt could not be built (ticket gone, database error)
                log.exception("cannot print %s", job.label)
                self._give_up(job, "error")
                return
            with self._lock:
                self._printed += 1
            self._set_state(OK, None)
            if self._on_printed is not None:
                self._on_printed(job, receipt)
            return

    def _probe(self) -> None:
        try:
            self._ensure_open()
            self.printer.check()
        except PrinterFault as fault:
            self._fault(fault)
            return
        self._set_state(OK, None)

    def _ensure_open(self) -> None:
        if not self._opened:
            self.printer.open()
            self._opened = True

    def _fault(self, fault: PrinterFault) -> None:
        if fault.state == OFFLINE:
            self.printer.close()
            self._opened = False
        self._set_state(fault.state, fault)

    def _give_up(self, job: PrintJob, reason: str) -> None:
        log.warning("receipt %s not printed (%s); staff can reprint it", job.label, reason)
        with self._lock:
            self._dropped += 1
            self._unprinted.append(
                {
                    "ticket_id": job.ticket_id,
                    "label": job.label,
                    "reason": reason,
                    "dropped_at": self._now().isoformat(timespec="seconds"),
                }
            )

    def _set_state(self, state: str, fault: PrinterFault | None) -> None:
        with self._lock:
            old = self._state
            self._detail = fault.detail if fault is not None else ""
            if old == state:
                return
            self._state = state
            self._since = self._now()
        if fault is not None:
            log.warning("printer %s: %s (%s)", self.printer.driver, state, fault.detail)
        else:
            log.info("printer %s: %s", self.printer.driver, state)
        try:
            self._on_transition(old, state, fault)
        except Exception:  # reporting must never stop printing
            log.exception("printer transition %s -> %s not reported", old, state)
