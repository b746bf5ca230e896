"""Opening central's database by URL, on both backends: the URL's options reach the driver
(TLS can be required), times keep their offset, and several processes opening a fresh database
at once all succeed."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from peewee import OperationalError

from sync.central.accounts import add_user, create_token, tokens, users
from sync.central.store import open_central_database

pytestmark = pytest.mark.timeout(60)

OPEN_AT = """
import sys, time
from sync.central.store import open_central_database
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
open_central_database(sys.argv[1]).close()
"""


def test_users_and_tokens_keep_the_offset_of_their_times(central_url: str) -> None:
    db = open_central_database(central_url)
    add_user(db, "ani", "rahasia-pusat-1")
    create_token(db, "layar", "supervisor")
    now = datetime.now(UTC)
    for moment in (users(db)[0].created_at, tokens(db)[0].created_at):
        assert isinstance(moment, datetime) and moment.utcoffset() is not None, moment
        assert abs(moment - now) < timedelta(minutes=1)
    db.close()


def test_four_processes_open_a_fresh_database_at_once(central_url: str) -> None:
    start = f"{time.time() + 3:.3f}"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT, central_url, start],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = [run.communicate(timeout=50)[1] for run in runs]
    assert [(run.returncode, error) for run, error in zip(runs, errors, strict=True)] == [
        (0, "")
    ] * 4


def test_the_url_options_reach_the_server(postgres_url: str) -> None:
    named = open_central_database(postgres_url + "?application_name=mpp-central-uji")
    with named.connection_context():
        assert named.execute_sql("SHOW application_name").fetchone()[0] == "mpp-central-uji"
    named.close()
    # the test server speaks no TLS: requiring it must refuse to connect, not connect in clear
    with pytest.raises(OperationalError, match="SSL"):
        open_central_database(postgres_url + "?sslmode=require")
