"""Reliability suite: a real `mpp run` (tests/helpers/live_appliance.py) pushed past normal use.

CI runs a bounded form; `MPP_RELIABILITY=long` runs the long one (more kills, a full simulated
day). Every test reports its figures on stdout (`pytest -s` shows them).
"""

from __future__ import annotations

import os

import pytest


def long_mode() -> bool:
    return os.environ.get("MPP_RELIABILITY", "").lower() == "long"


@pytest.fixture
def scale() -> str:
    return "long" if long_mode() else "ci"
