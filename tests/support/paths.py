"""Where things are: the checkout, the shared folder beside it, helper scripts run as processes."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SHARED_CATALOGUES = SHARED / "data" / "catalogues"
ISSUE_WORKER = Path(__file__).resolve().parent / "issue_worker.py"
