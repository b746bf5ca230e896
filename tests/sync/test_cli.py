"""`mpp init --central`, `mpp token create --central` and `mpp sync` refusals, via sync.cli.main."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import cli
from sync.central.accounts import authenticate, token_role
from sync.central.store import open_central_database


def config(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "central.toml"
    path.write_text(
        f'[storage]\ndatabase = "{tmp_path}/edge.db"\n'
        f'[central]\ndatabase = "sqlite:///{tmp_path}/central.db"\n' + extra
    )
    return str(path)


def test_init_central_creates_db_and_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MPP_ADMIN_PASSWORD", "sangat-rahasia-1")
    assert cli.main(["--config", config(tmp_path), "init", "--central", "--admin", "pusat"]) == 0
    assert "pusat" in capsys.readouterr().out
    db = open_central_database(f"sqlite:///{tmp_path}/central.db")
    assert authenticate(db, "pusat", "sangat-rahasia-1") is not None
    assert authenticate(db, "pusat", "salah-sandi-123") is None
    # a second admin of the same name is refused with a message, not a traceback
    assert cli.main(["--config", config(tmp_path), "init", "--central", "--admin", "pusat"]) == 1


def test_init_central_says_how_the_ingest_will_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--config", config(tmp_path), "init", "--central"]) == 0
    assert "2 ingest workers as threads of its HTTP process" in capsys.readouterr().out
    extra = "workers = 1\ningest_processes = 3\n"
    assert cli.main(["--config", config(tmp_path, extra), "init", "--central"]) == 0
    assert "3 ingest processes x 1 workers beside its HTTP process" in capsys.readouterr().out


def test_token_create_central_prints_only_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", config(tmp_path), "token", "create", "--central"]
    assert cli.main([*args, "--role", "admin", "--name", "dashboard"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("mppc_") and "\n" not in token
    db = open_central_database(f"sqlite:///{tmp_path}/central.db")
    assert token_role(db, token) == "admin"
    assert token_role(db, token + "x") is None
    assert cli.main([*args, "--role", "kiosk", "--name", "k"]) == 2


def test_sync_without_broker_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", config(tmp_path), "sync"]) == 2
    assert "sync.broker" in capsys.readouterr().err


def test_central_modes_are_exclusive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--config", config(tmp_path), "central", "--no-web", "--web-only"])
    assert stopped.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_the_central_database_password_is_never_printed(
    tmp_path: Path,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`mpp init --central` and `mpp config show` print central's database URL with its password
    as *** (the test server trusts loopback, so any password is accepted)."""
    with_password = postgres_url.replace("postgresql://mpp@", "postgresql://mpp:sandi-db-rahasia@")
    path = tmp_path / "central.toml"
    path.write_text(
        f'[storage]\ndatabase = "{tmp_path}/edge.db"\n[central]\ndatabase = "{with_password}"\n'
    )
    monkeypatch.setenv("MPP_ADMIN_PASSWORD", "sangat-rahasia-1")
    assert cli.main(["--config", str(path), "init", "--central", "--admin", "pusat"]) == 0
    assert cli.main(["--config", str(path), "config", "show"]) == 0
    out = capsys.readouterr().out
    assert "in production set central.ingest_processes" in out  # a PostgreSQL central
    assert "sandi-db-rahasia" not in out
    assert with_password.replace("sandi-db-rahasia", "***") in out
