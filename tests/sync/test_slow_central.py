"""A central that does not answer for a while (down, or behind a national backlog): the edge sends
again one batch at a time, not its whole window each ack timeout, and still loses nothing.

Every batch the edge publishes is seen by a second subscriber on the real broker (a plain,
non-shared subscription gets a copy of each), and read with the protocol's own decoder."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import pytest

from sync import protocol
from sync.mqtt import BrokerSettings, Connected, Message, Session
from tests.support.broker import Mosquitto
from tests.support.engine_fixtures import EngineSite
from tests.support.sync_harness import (
    SITE,
    Central,
    EdgeProcess,
    assert_exact,
    edge_marks,
    edge_site,
    issue_many,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)


class Spy:
    """Every `up/events` batch of the site on the broker, as (first seq, last seq), in order."""

    def __init__(self, broker_url: str) -> None:
        self.inbox: queue.Queue[object] = queue.Queue()
        self.session = Session(BrokerSettings(broker_url, "test-spy"), self.inbox, 1)
        self.session.start()
        deadline = time.monotonic() + 10
        while not isinstance(self.inbox.get(timeout=max(deadline - time.monotonic(), 0.1)),
                             Connected):  # fmt: skip
            pass
        self.session.subscribe(protocol.topic(SITE, protocol.EVENTS), qos=1)
        time.sleep(0.3)  # the SUBACK before the edge publishes
        self.batches: list[tuple[int, int]] = []

    def read(self) -> list[tuple[int, int]]:
        while True:
            try:
                event = self.inbox.get_nowait()
            except queue.Empty:
                return self.batches
            if isinstance(event, Message):
                batch = protocol.decode_batch(event.payload, topic_site=SITE)
                self.batches.append((batch.first_seq, batch.last_seq))

    def close(self) -> None:
        self.session.close()


def test_a_silent_central_is_sent_one_batch_again_not_the_whole_window(
    tmp_path: Path, broker: Mosquitto
) -> None:
    site: EngineSite = edge_site(tmp_path / "edge.db")
    issue_many(site, 1200)  # with the ack timeout of 2 s below, 6 batches of 200, window 4
    spy = Spy(broker.url)
    edge = EdgeProcess(tmp_path, site.path, broker.url, batch_size=200, window=4)
    central = Central(f"sqlite:///{tmp_path}/central.db", broker.url)
    try:
        edge.start()
        # Central silent: the ack is due 2 s after the first batch; wait for what follows it.
        wait_for(lambda: len(spy.read()) >= 5, 20, "a batch sent again after the ack timeout")
        time.sleep(1)  # the old rule sent 201, 601 and 801 again right behind it
        sent = list(spy.read())
        assert [first for first, _ in sent[:4]] == [1, 201, 401, 601], sent
        # Only the oldest unacked batch, not the window 1, 201, 401, 601 again.
        assert sent[4:] == [(1, 200)], sent

        central.start()
        wait_for(lambda: edge_marks(site)[1] == edge_marks(site)[0], 60, "the drain")
        assert_exact(central, site)
    finally:
        edge.kill()
        central.stop()
        spy.close()
