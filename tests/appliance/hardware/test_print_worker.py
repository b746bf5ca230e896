"""The print worker's queue: bounded by what a printer can print before a job goes stale."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.hardware.escpos_printer import EscposPrinter
from appliance.hardware.ports import NO_PAPER, OK, PrinterFault
from appliance.hardware.print_worker import PrintJob, PrintWorker, backlog_limit
from appliance.hardware.receipt import Receipt, printer_test_receipt
from tests.support.escpos_fakes import PaperPrinter, decode
from tests.support.hardware_fixtures import make_front, wait_for

MOMENT = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)


def slip(label: str) -> Receipt:
    return printer_test_receipt("MPP", label, MOMENT, 48, "http://mpp.local/t/x")


def job(label: str, ticket_id: int) -> PrintJob:
    return PrintJob(label, lambda: slip(label), ticket_id=ticket_id)


@pytest.fixture
def paper() -> PaperPrinter:
    return PaperPrinter(state="no_paper")


@pytest.fixture
def worker(paper: PaperPrinter) -> Iterator[PrintWorker]:
    def ignore(_old: str, _new: str, _fault: PrinterFault | None) -> None:
        pass

    w = PrintWorker(
        EscposPrinter("usb", lambda: paper),
        now=lambda: MOMENT,
        on_transition=ignore,
        retry_s=0.02,
        max_queued=2,
    )
    w.start()
    yield w
    w.stop()


def test_the_default_bound_is_what_the_fastest_printer_prints_before_a_job_goes_stale() -> None:
    assert backlog_limit(120.0) == 480  # 0.25 s a receipt at best
    assert backlog_limit(0.1) == 1


def test_jobs_past_the_bound_are_dropped_at_once_logged_counted_and_listed(
    worker: PrintWorker, paper: PaperPrinter, caplog: pytest.LogCaptureFixture
) -> None:
    wait_for(lambda: worker.state == NO_PAPER, what="no paper")
    worker.submit(job("A-001", 1))
    # the worker holds A-001, retrying it while the paper is out; the queue is empty again
    wait_for(lambda: worker.status()["queued"] == 0, what="A-001 taken")
    with caplog.at_level(logging.WARNING, logger="appliance.hardware.print_worker"):
        for number, label in enumerate(("A-002", "A-003", "A-004", "A-005"), start=2):
            worker.submit(job(label, number))
    status = worker.status()
    assert status["queued"] == 2 and status["dropped"] == 2
    assert [(u["label"], u["reason"]) for u in status["unprinted"]] == [
        ("A-004", "backlog"),
        ("A-005", "backlog"),
    ]
    assert [p["label"] for p in status["pending"]] == ["A-001", "A-002", "A-003"]
    assert [r.getMessage() for r in caplog.records if "not printed" in r.getMessage()] == [
        "receipt A-004 not printed (backlog); staff can reprint it",
        "receipt A-005 not printed (backlog); staff can reprint it",
    ]

    paper.state = "ok"
    wait_for(lambda: len(paper.jobs) == 3, what="three receipts")
    wait_for(lambda: worker.state == OK, what="ok")
    texts = [decode(printed).text for printed in paper.jobs]
    assert [f"Driver: A-00{n}," in text for n, text in enumerate(texts, start=1)] == [True] * 3
    status = worker.status()
    assert status["printed"] == 3 and status["dropped"] == 2 and status["pending"] == []


def test_the_front_bounds_its_worker_by_stale_after_s(tmp_path: Path) -> None:
    front = make_front(tmp_path / "a.db", stale_after_s=30.0)
    assert front.hardware.worker is not None and front.hardware.worker.max_queued == 120
    assert front.hardware.status()["printer"]["dropped"] == 0
