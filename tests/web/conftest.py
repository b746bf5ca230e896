"""The web app on a real SQLite file (tests/support/web_site.py): a small catalogue, four staff
accounts and a kiosk token.

The database is built once per session (argon2 hashing is deliberately slow) and copied for
every test, so each test starts from the same state and may change it freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.web_site import Site, build_site, build_template


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return build_template(tmp_path_factory.mktemp("web-template"))


@pytest.fixture
def site(template: tuple[Path, str], tmp_path: Path) -> Iterator[Site]:
    built = build_site(template, tmp_path)
    yield built
    built.core.db.close()
