"""The link over TLS as a site uses it: a real Mosquitto TLS listener with certificates made by
the test (openssl), the edge and central pinned to the site's CA, with client certificates.

A broker whose certificate comes from another CA is refused by the edge: nothing is sent, the
staff status says why, and the outbox keeps every event for later.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import Mosquitto
from tests.support.sync_harness import (
    Central,
    EdgeProcess,
    assert_exact,
    edge_marks,
    edge_site,
    edge_state,
    issue_many,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    key, cert = folder / f"{name}.key", folder / f"{name}.crt"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert), cwd=folder,
    )  # fmt: skip
    return key, cert


def make_cert(
    folder: Path, name: str, ca: tuple[Path, Path], *, ip: str | None = None
) -> tuple[Path, Path]:
    key, csr, cert = folder / f"{name}.key", folder / f"{name}.csr", folder / f"{name}.crt"
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
        "-keyout", str(key), "-out", str(csr), cwd=folder,
    )  # fmt: skip
    extensions = folder / f"{name}.ext"
    extensions.write_text(f"subjectAltName = IP:{ip}\n" if ip else "basicConstraints = CA:FALSE\n")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca[1]), "-CAkey", str(ca[0]),
        "-CAcreateserial", "-days", "2", "-out", str(cert), "-extfile", str(extensions), cwd=folder,
    )  # fmt: skip
    return key, cert


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path / "pki"
    folder.mkdir()
    ca = make_ca(folder, "mpp-ca")
    return {
        "ca": ca,
        "other_ca": make_ca(folder, "stranger-ca"),
        "broker": make_cert(folder, "broker", ca, ip="127.0.0.1"),
        "site": make_cert(folder, "site-9999", ca),
        "central": make_cert(folder, "central", ca),
    }


@pytest.fixture
def tls_broker(tmp_path: Path, pki: dict[str, tuple[Path, Path]]) -> Iterator[Mosquitto]:
    key, cert = pki["broker"]
    broker = Mosquitto(
        tmp_path / "broker",
        extra=(
            f"cafile {pki['ca'][1]}\ncertfile {cert}\nkeyfile {key}\n"
            "require_certificate true\nuse_identity_as_username true\n"
        ),
    ).start()
    yield broker
    broker.stop()


def _edge(tmp_path: Path, db: Path, port: int, ca: Path, client: tuple[Path, Path]) -> EdgeProcess:
    return EdgeProcess(
        tmp_path,
        db,
        f"mqtts://127.0.0.1:{port}",
        extra_config=(
            f'ca_file = "{ca}"',
            f'cert_file = "{client[1]}"',
            f'key_file = "{client[0]}"',
        ),
    )


def test_sync_over_tls_with_pinned_ca_and_client_certificates(
    tmp_path: Path, tls_broker: Mosquitto, pki: dict[str, tuple[Path, Path]]
) -> None:
    site = edge_site(tmp_path / "edge.db")
    issue_many(site, 150)
    central = Central(
        f"sqlite:///{tmp_path}/central.db",
        f"mqtts://127.0.0.1:{tls_broker.port}",
        tls={
            "ca_file": str(pki["ca"][1]),
            "cert_file": str(pki["central"][1]),
            "key_file": str(pki["central"][0]),
        },
    ).start()
    edge = _edge(tmp_path, tmp_path / "edge.db", tls_broker.port, pki["ca"][1], pki["site"])
    edge.start()
    try:

        def drained() -> bool:
            last, acked = edge_marks(site)
            return acked == last and central.stored_through() == last

        wait_for(drained, 60, "every event over TLS stored at central and acked to the edge")
        assert_exact(central, site)
    finally:
        edge.stop()
        central.stop()


def test_a_broker_from_another_ca_is_refused_and_nothing_is_lost(
    tmp_path: Path, tls_broker: Mosquitto, pki: dict[str, tuple[Path, Path]]
) -> None:
    site = edge_site(tmp_path / "edge.db")
    issue_many(site, 20)
    edge = _edge(tmp_path, tmp_path / "edge.db", tls_broker.port, pki["other_ca"][1], pki["site"])
    edge.start()
    try:
        wait_for(lambda: bool(edge_state(site, "sync.last_error")), 30, "the refusal on status")
        error = edge_state(site, "sync.last_error") or ""
        assert "certificate" in error.lower() or "ssl" in error.lower() or "tls" in error.lower()
        assert edge_state(site, "sync.connected") == "0"
    finally:
        edge.stop()
    from appliance.queue import outbox
    from appliance.storage.database import connected

    with connected(site.db):
        assert outbox.acked_through() == 0 and outbox.backlog() == outbox.last_seq() > 0
