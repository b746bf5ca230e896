"""A full disk and a read-only database: a clear JSON 503 at once (never a hang), nothing
corrupted, nothing half-written, and service resumes by itself when the disk is back.

Two forms run:
- the real thing: `mpp run` on its own small tmpfs (`mount -t tmpfs -o size=...`), filled to the
  last byte, then remounted read-only; needs a machine that allows `mount` (root in a container
  usually does); otherwise those two tests are skipped with the reason, and the next form still
  runs.
- in-process, everywhere: SQLite's `PRAGMA max_page_count` (no page can be added: SQLITE_FULL)
  and `PRAGMA query_only` (SQLITE_READONLY) on the request thread's connection.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.inprocess import App, build
from tests.support.live_appliance import Client, LiveAppliance, bench_catalogue, prepare
from tests.support.reliability import database_problems, rows

SERVICE = "BENCH-A"


def _mount(target: Path, options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "disk"
    target.mkdir()
    done = _mount(target, "size=6m")
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mount ({done.stderr.strip()}): in-process form")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system (unbuffered, so nothing waits in a buffer)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 20, 65536, 4096, 512, 1):
            block = b"\0" * size
            with contextlib.suppress(OSError):
                while True:
                    out.write(block)
    return filler


def issue(client: Client) -> tuple[int, Any]:
    status, body, _ = client.request("POST", "/api/v1/tickets", {"service": SERVICE})
    return status, body


def assert_storage_refusal(status: int, body: Any) -> None:
    assert status == 503, body
    assert body["error"]["code"] == "storage_unavailable", body


def live_site(disk: Path, tmp_path: Path) -> tuple[LiveAppliance, Client]:
    prepared = prepare(
        disk / "site", bench_catalogue(services=2, counters=2), tokens=(("kiosk", "kiosk", ()),)
    )
    app = LiveAppliance(prepared, log_name=str(tmp_path / "appliance.log"))
    app.start()
    return app, Client(prepared.port, prepared.tokens["kiosk"], timeout=20)


def test_a_full_disk_refuses_clearly_and_recovers(small_disk: Path, tmp_path: Path) -> None:
    app, kiosk = live_site(small_disk, tmp_path)
    try:
        confirmed = [issue(kiosk)[1]["number"] for _ in range(5)]
        filler = fill(small_disk)
        refusals = [issue(kiosk) for _ in range(20)]  # WAL pages run out within a few
        assert any(status == 503 for status, _ in refusals)
        for status, body in refusals:
            if status != 201:
                assert_storage_refusal(status, body)
            else:
                confirmed.append(body["number"])
        assert app.proc is not None and app.proc.poll() is None  # still serving
        assert kiosk.request("GET", "/healthz")[0] in (200, 503)
        filler.unlink()
        status, body = issue(kiosk)
        assert status == 201, body
        confirmed.append(body["number"])
    finally:
        kiosk.close()
        app.stop()
    db = app.prepared.db_path
    assert database_problems(db) == []
    stored = [n for (n,) in rows(db, "SELECT number FROM ticket ORDER BY id")]
    assert stored == confirmed  # every 201 kept, no refused one half-written
    print(f"disk full (tmpfs): {len(confirmed)} tickets kept, refusals were JSON 503")


def test_a_read_only_disk_at_start_fails_clearly_and_recovers(
    small_disk: Path, tmp_path: Path
) -> None:
    """A disk that turned read-only (a worn SD card does) under a stopped appliance: `mpp run`
    exits at once with the reason in its log, and starts normally once the disk is writable.
    (A live remount is refused while the database is open, so this is checked at start; the
    in-process test below covers a read-only database during service.)"""
    app, kiosk = live_site(small_disk, tmp_path)
    try:
        confirmed = [issue(kiosk)[1]["number"] for _ in range(3)]
    finally:
        kiosk.close()
        app.stop()
    remount = subprocess.run(
        ["mount", "-o", "remount,ro", str(small_disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert remount.returncode == 0, remount.stderr
    try:
        with pytest.raises(RuntimeError, match="mpp run exited 1"):  # at once, not a hang
            app.start(timeout=20)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    app.start()
    kiosk = Client(app.prepared.port, app.prepared.tokens["kiosk"], timeout=20)
    try:
        status, body = issue(kiosk)
        assert status == 201, body
        confirmed.append(body["number"])
    finally:
        kiosk.close()
        app.stop()
    db = app.prepared.db_path
    assert database_problems(db) == []
    assert [n for (n,) in rows(db, "SELECT number FROM ticket ORDER BY id")] == confirmed


def test_a_read_only_disk_at_start_is_named_in_the_log(small_disk: Path, tmp_path: Path) -> None:
    prepared = prepare(small_disk / "site", bench_catalogue(services=1, counters=1))
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    app = LiveAppliance(prepared, log_name=str(tmp_path / "appliance.log"))
    try:
        with pytest.raises(RuntimeError) as failed:
            app.start(timeout=20)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    message = str(failed.value)
    assert "Traceback" not in message
    assert "read-only" in message.lower() or "hanya-baca" in message.lower()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[App]:
    built = build(tmp_path)
    yield built
    built.core.db.close()


def kiosk_post(site: App) -> Any:
    return site.app.test_client().post(
        "/api/v1/tickets",
        json={"service": "MPP-INFORMASI"},
        headers={"Authorization": "Bearer " + site.tokens["kiosk"]},
    )


def test_no_free_page_in_process_refuses_clearly_and_recovers(site: App) -> None:
    db = site.core.db
    assert kiosk_post(site).status_code == 201
    db.connect(reuse_if_open=True)  # the test client serves on this thread's connection
    (pages,) = db.execute_sql("PRAGMA page_count").fetchone()
    db.execute_sql(f"PRAGMA max_page_count = {pages}")
    answers = []
    for _ in range(300):  # the free room inside existing pages runs out within a few tickets
        response = kiosk_post(site)
        answers.append((response.status_code, response.get_json()))
        if response.status_code != 201:
            break
    status, body = answers[-1]
    assert status == 503, answers[-3:]
    assert body["error"]["code"] == "storage_unavailable"
    db.execute_sql("PRAGMA max_page_count = 1073741823")
    again = kiosk_post(site)
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["sequence"] == len(answers) + 1  # the refused one took no number
    assert database_problems(Path(site.core.config.storage.database)) == []


def test_a_read_only_connection_in_process_refuses_clearly_and_recovers(site: App) -> None:
    db = site.core.db
    assert kiosk_post(site).status_code == 201
    db.connect(reuse_if_open=True)
    db.execute_sql("PRAGMA query_only = ON")
    refused = kiosk_post(site)
    assert refused.status_code == 503, refused.get_json()
    assert refused.get_json()["error"]["code"] == "storage_unavailable"
    db.execute_sql("PRAGMA query_only = OFF")
    again = kiosk_post(site)
    assert again.status_code == 201
    assert again.get_json()["number"].endswith("-002")
    assert database_problems(Path(site.core.config.storage.database)) == []
    assert os.path.exists(site.core.config.storage.database)
