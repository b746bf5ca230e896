"""The doctor's look at storage: the database (there, intact), the free disk around it, and the
outbox backlog waiting for central. Only reads: SQLite opened read-only, no migration."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from appliance.ops.doctor.findings import Checkup, Finding


def database_path(c: Checkup) -> Path:
    return Path(c.config.storage.database)


def query(c: Checkup, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]] | None:
    """Read-only; None when the database cannot be read (check_database reports why)."""
    path = database_path(c)
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        return list(conn.execute(sql, args))
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def check_database(c: Checkup) -> list[Finding]:
    t = c.t
    path = database_path(c)
    if not path.exists():
        return [
            Finding(
                "database",
                "fail",
                t(f"database {path} belum ada", f"no database at {path}"),
                t("Jalankan: sudo mpp init --admin NAMA", "Run: sudo mpp init --admin NAME"),
            )
        ]
    from appliance.storage.backup import integrity_check  # sqlite3 only: imported when checking

    try:
        problems = integrity_check(path)
    except sqlite3.Error as exc:
        problems = [str(exc)]
    if problems:
        return [
            Finding(
                "database",
                "fail",
                t(f"database rusak: {problems[0]}", f"database damaged: {problems[0]}"),
                t(
                    "Pulihkan cadangan terakhir: sudo /opt/mpp/current/share/mpp/"
                    "firmware-scripts/restore-usb.sh /var/lib/mpp/backups/<terbaru>.db",
                    "Restore the latest backup: sudo /opt/mpp/current/share/mpp/"
                    "firmware-scripts/restore-usb.sh /var/lib/mpp/backups/<newest>.db",
                ),
            )
        ]
    return [Finding("database", "ok", t(f"database {path} utuh", f"{path} passes its check"))]


def check_disk(c: Checkup) -> list[Finding]:
    t = c.t
    folder = database_path(c).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free_mb = shutil.disk_usage(folder).free / 1_000_000
    text = t(f"ruang kosong {free_mb:.0f} MB di {folder}", f"{free_mb:.0f} MB free on {folder}")
    fix = t(
        "Hapus cadangan lama di /var/lib/mpp/backups (salin dulu ke flashdisk) atau "
        "pakai kartu SD yang lebih besar.",
        "Delete old backups in /var/lib/mpp/backups (copy them to a USB stick first) "
        "or use a bigger SD card.",
    )
    if free_mb < c.limits.disk_fail_mb:
        return [Finding("disk", "fail", text, fix)]
    if free_mb < c.limits.disk_warn_mb:
        return [Finding("disk", "warn", text, fix)]
    return [Finding("disk", "ok", text)]


def check_backlog(c: Checkup) -> list[Finding]:
    t = c.t
    if not c.config.sync.broker:
        return []
    acked = query(c, "SELECT value FROM state WHERE key = 'outbox.acked_through'")
    if acked is None:
        return []
    through = int(str(acked[0][0])) if acked else 0
    rows = query(c, "SELECT count(*), min(at) FROM outbox WHERE seq > ?", (through,))
    if not rows or not rows[0][0]:
        return [
            Finding("backlog", "ok", t("semua data sudah di pusat", "everything is at central"))
        ]
    count, oldest = int(str(rows[0][0])), datetime.fromisoformat(str(rows[0][1]))
    hours = (c.clock.now() - oldest.astimezone(UTC)).total_seconds() / 3600
    text = t(
        f"{count} kejadian menunggu dikirim, tertua {hours:.0f} jam",
        f"{count} events waiting, the oldest {hours:.0f} hours old",
    )
    if hours > c.limits.backlog_hours:
        fix = t(
            "Tidak ada data hilang, tetapi pusat tertinggal. Periksa internet dan "
            "`systemctl status mpp-sync`.",
            "Nothing is lost, but central is behind. Check the internet and "
            "`systemctl status mpp-sync`.",
        )
        return [Finding("backlog", "warn", text, fix)]
    return [Finding("backlog", "ok", text)]
