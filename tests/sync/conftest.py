"""Sync suite setup: make `tests/` importable (engine_fixtures) when run on its own."""

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parents[1])
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
