"""`sync.mqtt.Link`, the one reconnect loop of the edge, the ingest workers and the publisher,
against a real Mosquitto: what its users are told, when it gives up on a connection, how its
back-off grows and resets, and that a stop ends it at once, waiting or not."""

from __future__ import annotations

import random
import threading
import time

import pytest

from sync.mqtt import Backoff, BrokerSettings, Link, LinkHandler, Message, Session
from tests.support.broker import Mosquitto
from tests.support.proxy import free_port
from tests.support.sync_harness import wait_for

pytestmark = pytest.mark.timeout(60)


class Recorder(LinkHandler):
    """Notes every call; optionally drops or breaks the link on its turn."""

    def __init__(self, *, topic: str = "t/link") -> None:
        self.topic = topic
        self.calls: list[str] = []
        self.downs: list[str] = []
        self.messages: list[bytes] = []
        self.acked: list[int] = []
        self.drop_with: str | None = None
        self.fail_on_connect = False

    def on_connected(self, session: Session) -> None:
        if self.fail_on_connect:
            self.calls.append("connected, then broke")  # not a healthy connection
            raise RuntimeError("handler broke")
        self.calls.append("connected")
        session.subscribe(self.topic)
        self.acked.append(-session.publish(self.topic, b"hello"))

    def on_message(self, session: Session, message: Message) -> None:
        self.messages.append(message.payload)

    def on_published(self, session: Session, mid: int) -> None:
        self.acked.append(mid)

    def on_turn(self, session: Session) -> str | None:
        return self.drop_with

    def on_stopping(self, session: Session) -> None:
        self.calls.append("stopping" if session.connected() else "stopping, not connected")

    def on_down(self, reason: str) -> None:
        self.calls.append("down")
        self.downs.append(reason)


def start(link: Link, handler: LinkHandler) -> threading.Thread:
    thread = threading.Thread(target=link.run, args=(handler,), daemon=True)
    thread.start()
    return thread


def make_link(url: str, stop: threading.Event, **kwargs: object) -> Link:
    options: dict[str, object] = {
        "name": "test link",
        "stop": stop,
        "backoff": Backoff(0.05, 0.2),
        "connect_timeout_s": 1.0,
        "poll_s": 0.05,
    }
    options.update(kwargs)
    return Link(BrokerSettings(url=url, client_id=f"t-link-{time.monotonic_ns()}"), **options)  # type: ignore[arg-type]


# -- back-off ------------------------------------------------------------------------------------


def test_backoff_doubles_up_to_its_cap_with_jitter_and_resets() -> None:
    backoff = Backoff(0.5, 4.0, rng=random.Random(7))
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    for ceiling in ceilings:
        assert ceiling / 2 <= backoff.next_delay() <= ceiling
    assert backoff.attempts == len(ceilings)
    backoff.reset()
    assert 0.25 <= backoff.next_delay() <= 0.5
    # Full jitter: many sites that lost the link at once do not come back together.
    delays = {round(Backoff(0.5, 60.0).next_delay(), 6) for _ in range(50)}
    assert len(delays) > 40
    with pytest.raises(ValueError):
        Backoff(0, 1)
    with pytest.raises(ValueError):
        Backoff(2, 1)


# -- the loop --------------------------------------------------------------------------------------


def test_serves_a_connection_and_stops_with_last_words(broker: Mosquitto) -> None:
    stop = threading.Event()
    link, handler = make_link(broker.url, stop), Recorder()
    thread = start(link, handler)
    try:
        wait_for(lambda: handler.messages == [b"hello"], 10, "its own message back")
        wait_for(lambda: len(handler.acked) == 2, 10, "the PUBACK of its publish")
        assert handler.acked[0] == -handler.acked[1]  # the mid publish gave, acknowledged
        assert link.sessions == 1 and link.backoff.attempts == 0
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert handler.calls == ["connected", "stopping", "down"]
    assert handler.downs == ["stopped"]


def test_reconnects_after_the_broker_dies_and_resets_its_backoff(broker: Mosquitto) -> None:
    stop = threading.Event()
    link, handler = make_link(broker.url, stop), Recorder()
    thread = start(link, handler)
    try:
        wait_for(lambda: handler.calls == ["connected"], 10, "the first connection")
        broker.kill()
        wait_for(lambda: link.backoff.attempts >= 3, 20, "some failed reconnects")
        downs = list(handler.downs)
        assert downs[0].startswith(("disconnected", "connection lost"))
        assert any(d.startswith("no connection within 1 s") for d in downs[1:])
        broker.start()  # same port
        wait_for(lambda: handler.calls.count("connected") == 2, 20, "connected again")
        assert link.backoff.attempts == 0 and link.sessions >= 4
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_stop_ends_the_backoff_wait_at_once_and_beats_meanwhile() -> None:
    stop = threading.Event()
    beats: list[float] = []
    link = make_link(
        f"mqtt://127.0.0.1:{free_port()}",
        stop,
        backoff=Backoff(30.0, 30.0),  # a long wait after the first failure
        connect_timeout_s=0.3,
        diagnose=True,
        beat=lambda: beats.append(time.monotonic()),
    )
    handler = Recorder()
    thread = start(link, handler)
    wait_for(lambda: bool(handler.downs), 10, "the first connect given up")
    assert handler.downs[0].startswith("no connection within 0 s (broker 127.0.0.1:")
    assert "unreachable" in handler.downs[0]  # diagnosed: nothing listens there
    time.sleep(2.5)
    waiting = [b for b in beats if b > beats[-1] - 2.0]
    assert len(waiting) >= 2  # at least once a second while waiting on purpose
    stopped = time.monotonic()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - stopped < 1.5
    assert link.sessions == 1 and handler.calls == ["down"]  # never connected: no last words


def test_a_turn_that_gives_up_or_a_broken_handler_costs_one_connection(
    broker: Mosquitto,
) -> None:
    stop = threading.Event()
    link, handler = make_link(broker.url, stop), Recorder()
    handler.drop_with = "no progress"
    thread = start(link, handler)
    try:
        wait_for(lambda: handler.downs[:1] == ["no progress"], 10, "the turn's reason")
        # Broken before the turns stop giving up: a connection made in between would otherwise
        # stay up for good and no connect would be left to break (seen at a load average of 7).
        handler.fail_on_connect = True
        wait_for(lambda: "RuntimeError: handler broke" in handler.downs, 10, "the handler's error")
        handler.drop_with = None
        handler.fail_on_connect = False
        wait_for(lambda: handler.calls[-1] == "connected", 10, "a healthy connection again")
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=5)
    assert handler.downs[-1] == "stopped"
