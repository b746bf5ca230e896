"""A real `mpp run` in a subprocess, on a temporary database, for benchmarks and reliability tests.

`prepare()` writes a config, applies a catalogue and makes accounts/tokens with the core API
(before the server starts, as an installer would with the CLI); `LiveAppliance` starts
`python -m appliance.cli --config FILE run` on a free 127.0.0.1 port, waits for /healthz, reads
its resident memory and stops or SIGKILLs it by its own pid. Plain module (no pytest), so the
benchmark runner can use it too.
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "bench-sandi-rahasia-123"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kota_metro() -> dict[str, Any]:
    from appliance.catalogue.store import packaged_catalogue

    doc: dict[str, Any] = json.loads(packaged_catalogue("kota-metro").read_text(encoding="utf-8"))
    return doc


def bench_catalogue(services: int = 20, counters: int = 40) -> dict[str, Any]:
    """Kota Metro's site and hours with `services` one-letter-prefix services and `counters`
    counters that each serve all of them (so any counter may call any ticket)."""
    if services > 26:
        raise ValueError("one-letter prefixes: at most 26 services")
    base = kota_metro()
    doc = {k: copy.deepcopy(base[k]) for k in ("format", "site", "hours")}
    doc["agencies"] = [{"code": "MPP", "name": "Front Office MPP", "kind": "opd"}]
    codes = [f"BENCH-{chr(65 + i)}" for i in range(services)]
    doc["services"] = [
        {
            "code": code,
            "agency": "MPP",
            "name": f"Layanan uji {chr(65 + i)}",
            "prefix": chr(65 + i),
            "avg_service_minutes": 5,
            "daily_quota": None,
            "requirements": [],
            "fee": "Gratis",
        }
        for i, code in enumerate(codes)
    ]
    doc["counters"] = [
        {"code": f"B{n:02d}", "name": f"Loket {n}", "agency": "MPP", "services": codes}
        for n in range(1, counters + 1)
    ]
    return doc


@dataclass
class Prepared:
    folder: Path
    config_path: Path
    db_path: Path
    port: int
    services: list[str]
    counters: list[str]
    tokens: dict[str, str] = field(default_factory=dict)  # name -> token
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def write_config(folder: Path, port: int, *, max_streams: int = 24, **sections: Any) -> Path:
    db_path = folder / "appliance.db"
    lines = [
        "[storage]",
        f'database = "{db_path}"',
        "[web]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f'public_url = "http://127.0.0.1:{port}"',
        f'secret_key = "{SECRET_KEY}"',
        f"max_streams = {max_streams}",
        *(f"{key} = {json.dumps(value)}" for key, value in sections.pop("web", {}).items()),
        "[printer]",
        *(
            f"{key} = {json.dumps(value)}"
            for key, value in {"driver": "none", **sections.pop("printer", {})}.items()
        ),
        "[gpio]",
        'pin_factory = "mock"',
        "[queue]",
        "enforce_hours = false",
    ]
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {json.dumps(value)}")
    path = folder / "appliance.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def prepare(
    folder: Path,
    catalogue: dict[str, Any],
    *,
    tokens: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
    officers: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
    counter_tokens: bool = False,
    max_streams: int = 24,
    port: int | None = None,
    **sections: Any,
) -> Prepared:
    """A database with the catalogue applied, the given tokens and officers (password
    PASSWORD), and with `counter_tokens` one officer token per counter named after it."""
    from appliance.catalogue.store import apply_catalogue, validate_catalogue
    from appliance.config.load import load_config
    from appliance.runtime import open_core

    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config_path = write_config(folder, port, max_streams=max_streams, **sections)
    config = load_config(config_path, {})
    core = open_core(config)
    try:
        checked = validate_catalogue(catalogue)
        apply_catalogue(core.db, checked, clock=core.clock)
        made: dict[str, str] = {}
        for name, role, counters in tokens:
            made[name] = core.accounts.create_token(name, role, counters=counters)
        counter_codes = [c["code"] for c in catalogue["counters"]]
        if counter_tokens:
            for code in counter_codes:
                made[code] = core.accounts.create_token(code, "officer", counters=(code,))
        for username, role, counters in officers:
            core.accounts.add_officer(username, PASSWORD, role, counters=counters)
        core.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        core.db.close()
    return Prepared(
        folder=folder,
        config_path=config_path,
        db_path=Path(config.storage.database),
        port=port,
        services=[s["code"] for s in catalogue["services"]],
        counters=counter_codes,
        tokens=made,
    )


def compile_sources() -> None:
    """Byte-compile the product's packages into `__pycache__`, as `pip install` does for a
    release. A start measured without it compiles about 115 modules from source every time (in
    a shell with PYTHONDONTWRITEBYTECODE, or a fresh clone): measured at 20 % of a core on
    2026-12-04, three starts each, twice: a median 3.0-3.4 s from source, 2.1-2.6 s with the
    bytecode a release has."""
    import compileall

    for package in ("appliance", "web", "sync"):
        compileall.compile_dir(REPO / package, quiet=1)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


class LiveAppliance:
    """One `mpp run` process; `pin` runs it under `taskset -c PIN`."""

    def __init__(
        self,
        prepared: Prepared,
        *,
        pin: int | None = None,
        log_name: str = "",
        verbose: bool = False,
    ) -> None:
        self.prepared = prepared
        self.verbose = verbose
        self.pin = pin
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = prepared.folder / (log_name or "appliance.log")
        self.started_at = 0.0
        self.ready_after_s = 0.0

    @property
    def url(self) -> str:
        return self.prepared.url

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "appliance.cli", "--config", str(self.prepared.config_path)]
        cmd += ["-v", "run"] if self.verbose else ["run"]
        if self.pin is not None:
            cmd = ["taskset", "-c", str(self.pin), *cmd]
        return cmd

    def start(self, timeout: float = 30.0) -> float:
        """Start and wait for /healthz 200; returns seconds from exec to the first 200."""
        log = self.log_path.open("ab")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self.command(), stdout=log, stderr=subprocess.STDOUT, env=child_env(), cwd=REPO
        )
        log.close()
        deadline = self.started_at + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mpp run exited {self.proc.returncode}:\n{self.log_text()}")
            if healthz(self.prepared.port) == 200:
                self.ready_after_s = time.monotonic() - self.started_at
                return self.ready_after_s
            time.sleep(0.005)
        self.kill()
        raise RuntimeError(f"mpp run not healthy after {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def rss_kb(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) of the server process, in kB."""
        out: dict[str, int] = {}
        text = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
        return out

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it does not stop in time)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def kill(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait()

    def __enter__(self) -> LiveAppliance:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def healthz(port: int) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status
        finally:
            conn.close()
    except OSError:
        return None


class Client:
    """A keep-alive JSON client (one connection, reconnecting after errors)."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = "Bearer " + token
        self.cookie = ""
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        data = (
            body
            if isinstance(body, bytes)
            else (json.dumps(body).encode() if body is not None else None)
        )
        sent = dict(self.headers, **(headers or {}))
        if self.cookie:
            sent["Cookie"] = self.cookie
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=sent)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2 or method != "GET":
                    raise
        got = {k.lower(): v for k, v in response.getheaders()}
        if "set-cookie" in got:
            self.cookie = got["set-cookie"].split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        ctype = got.get("content-type", "")
        parsed: Any = raw
        if ctype.startswith("application/json"):
            parsed = json.loads(raw) if raw else None
        return response.status, parsed, got

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
