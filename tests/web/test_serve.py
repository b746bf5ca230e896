"""`mpp run` as systemd runs it: READY=1 once serving, watchdog pings while /healthz answers,
STOPPING=1 and exit 0 on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

from appliance.demo import free_port


def test_mpp_run_notifies_systemd_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "appliance.toml"
    config.write_text(
        f'[site]\ncatalogue = "lampung-timur"\n[storage]\ndatabase = "{tmp_path / "a.db"}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
    )
    mpp = [sys.executable, "-m", "appliance.cli", "--config", str(config)]
    subprocess.run([*mpp, "init"], check=True, capture_output=True)
    notify = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify))
    listener.settimeout(15)
    env = {**os.environ, "NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "2000000"}
    process = subprocess.Popen([*mpp, "run"], env=env, stderr=subprocess.PIPE)
    messages: list[str] = []
    try:
        while not any("WATCHDOG=1" in m for m in messages):
            messages.append(listener.recv(4096).decode())
        assert any("READY=1" in m for m in messages)
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate(timeout=20)[1].decode()
    listener.settimeout(2)
    try:
        while True:
            messages.append(listener.recv(4096).decode())
    except TimeoutError:
        pass
    listener.close()
    assert process.returncode == 0, stderr
    assert any("STOPPING=1" in m for m in messages)
    assert "appliance ready" in stderr
