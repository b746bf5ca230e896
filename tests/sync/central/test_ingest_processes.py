"""`mpp central --ingest-processes N` as production runs it: a real `mpp central` subprocess
(HTTP and publisher) supervising N ingest children on a real Mosquitto, a real `mpp sync`
feeding it. A child killed with SIGKILL is started again and the site's events are stored
exactly once; the children run nicer than the parent; SIGTERM to the parent stops every child;
SIGKILL to the parent makes the children stop on their own (they watch a pipe only the parent
writes to)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from sync import protocol
from tests.support.broker import Mosquitto, central_status
from tests.support.engine_fixtures import EngineSite
from tests.support.sync_harness import (
    Central,
    EdgeProcess,
    assert_exact,
    edge_marks,
    edge_site,
    issue_many,
    wait_for,
)
from tests.sync.central.test_e2e import CentralProcess

pytestmark = pytest.mark.timeout(90)


class Supervisor(CentralProcess):
    """`python -m sync.cli --config … central` with `ingest_processes = N` and one worker each,
    HTTP on a free loopback port; its children found through /proc, every pid signalled by
    number."""

    def __init__(self, workdir: Path, db_url: str, broker_url: str, processes: int) -> None:
        super().__init__(
            workdir, broker_url, db_url, f"workers = 1\ningest_processes = {processes}\n"
        )
        self.processes = processes

    def start(self) -> Supervisor:
        super().start()
        wait_for(lambda: len(self.children()) == self.processes, 20, "every ingest child")
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def children(self) -> dict[int, int]:
        """{child number: pid} of the ingest children running now."""
        try:
            pids = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return {}
        found = {}
        for pid in map(int, pids):
            argv = command_line(pid)
            for arg in argv:
                if arg.startswith("--ingest-child="):
                    found[int(arg.partition("=")[2])] = pid
        return found

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def gone(pid: int) -> bool:
    """Exited (a zombie not yet reaped by whoever adopted it counts as exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] in "ZX"


def kill_all(pids: list[int]) -> None:
    """Clean up after a failed test: only the pids this test started."""
    for pid in pids:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def site(tmp_path: Path) -> EngineSite:
    s = edge_site(tmp_path / "edge.db")
    issue_many(s, 600)
    return s


def test_a_killed_child_is_restarted_and_nothing_is_lost_or_doubled(
    tmp_path: Path, site: EngineSite, broker: Mosquitto, postgres_url: str
) -> None:
    supervisor = Supervisor(tmp_path, postgres_url, broker.url, 2)
    central = Central(postgres_url, broker.url)  # only to read what central stored
    edge = EdgeProcess(tmp_path, site.path, broker.url, batch_size=10, window=2)
    started: list[int] = []
    try:
        first = supervisor.start().children()
        started += first.values()
        wait_for(lambda: central_status(broker.url) == protocol.ONLINE, 10, "child 0 online")
        edge.start()
        last, _ = edge_marks(site)
        wait_for(lambda: central.stored_through() > 0, 20, "the first batches stored")
        assert central.stored_through() < last, "ingest finished before the kill: more events"
        os.kill(first[0], signal.SIGKILL)  # the child that announces central's status
        # One read of /proc per try: child 0 may come and go between two reads.
        wait_for(lambda: supervisor.children().get(0, first[0]) != first[0], 10, "child 0 again")
        again = supervisor.children()
        started += again.values()
        assert again[1] == first[1]  # the other child went on
        wait_for(lambda: edge_marks(site)[1] == last, 45, "every event acked")
        assert_exact(central, site)  # seq 1..last once each, stored_through = last
        assert central_status(broker.url) == protocol.ONLINE  # the new child 0 said it again
        log = supervisor.log.read_text()
        assert f"ingest process 0 (pid {first[0]}) killed by SIGKILL" in log
        assert supervisor.healthy()
    finally:
        edge.kill()
        supervisor.kill()
        kill_all(started)
        central.db.close()


def test_sigterm_to_the_parent_stops_every_child(tmp_path: Path, broker: Mosquitto) -> None:
    supervisor = Supervisor(tmp_path, f"sqlite:///{tmp_path}/central.db", broker.url, 2)
    pids: list[int] = []
    try:
        pids = list(supervisor.start().children().values())
        wait_for(lambda: central_status(broker.url) == protocol.ONLINE, 10, "child 0 online")
        nice = min(19, os.getpriority(os.PRIO_PROCESS, supervisor.pid) + 5)
        wait_for(lambda: all(os.getpriority(os.PRIO_PROCESS, p) == nice for p in pids), 10, "nice")
        assert supervisor.process is not None
        supervisor.process.send_signal(signal.SIGTERM)
        assert supervisor.process.wait(timeout=20) == 0
        assert all(gone(pid) for pid in pids)
        assert central_status(broker.url) == protocol.OFFLINE  # child 0 said so on its way out
        assert "restarting" not in supervisor.log.read_text()
    finally:
        supervisor.kill()
        kill_all(pids)


def test_the_children_stop_on_their_own_when_the_parent_is_killed(
    tmp_path: Path, broker: Mosquitto
) -> None:
    supervisor = Supervisor(tmp_path, f"sqlite:///{tmp_path}/central.db", broker.url, 2)
    pids: list[int] = []
    try:
        pids = list(supervisor.start().children().values())
        supervisor.kill()  # SIGKILL: no handler runs, no child is told
        wait_for(lambda: all(gone(pid) for pid in pids), 15, "the orphaned children to exit")
        assert "the supervising mpp central is gone" in supervisor.log.read_text()
    finally:
        supervisor.kill()
        kill_all(pids)
