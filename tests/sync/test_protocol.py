"""The wire protocol: topics, self-describing (optionally compressed) payloads, strict checks."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import protocol
from sync.protocol import Ack, Hello, ProtocolError


def event(seq: int, **over: Any) -> dict[str, Any]:
    base = {
        "seq": seq,
        "id": f"e{seq:08d}",
        "type": "ticket.issued",
        "at": "2025-03-12T09:00:00.000+00:00",
        "clock_synced": True,
        "data": {"ticket_id": seq, "number": f"A-{seq:03d}"},
    }
    return {**base, **over}


def batch_bytes(first: int, n: int, site: str = "1872-MPP", **kw: Any) -> bytes:
    return protocol.encode_batch(
        protocol.make_batch(site, [event(s) for s in range(first, first + n)]), **kw
    )


# -- topics ------------------------------------------------------------------------------------


def test_topics_round_trip() -> None:
    for kind in protocol.KINDS:
        name = protocol.topic("1872-MPP", kind)
        assert name.startswith("mpp/v1/sites/1872-MPP/")
        assert protocol.parse_topic(name) == ("1872-MPP", kind)
    assert protocol.up_subscription() == "$share/central/mpp/v1/sites/+/up/#"


@pytest.mark.parametrize("site", ["", "a/b", "+", "#", "x" * 65, "-lead", "sp ace", 7])
def test_bad_site_ids_refused(site: object) -> None:
    with pytest.raises(ProtocolError) as err:
        protocol.check_site(site)
    assert err.value.code == "bad_site"


@pytest.mark.parametrize(
    "name", ["other/v1/sites/S/up/events", "mpp/v1/sites/S/up/other", "mpp/v1/sites/a+b/status"]
)
def test_foreign_topics_refused(name: str) -> None:
    with pytest.raises(ProtocolError):
        protocol.parse_topic(name)


# -- batches -----------------------------------------------------------------------------------


def test_small_batch_is_plain_json_large_is_compressed() -> None:
    small = batch_bytes(1, 2, compress_over=4096)
    assert small[:1] == b"{"
    assert json.loads(small)["first_seq"] == 1
    big = batch_bytes(1, 200, compress_over=4096)
    assert big[:1] == b"Z"
    assert len(big) < len(batch_bytes(1, 200))
    decoded = protocol.decode_batch(big, topic_site="1872-MPP")
    assert (decoded.first_seq, decoded.last_seq, len(decoded.events)) == (1, 200, 200)


def test_topic_site_must_match_payload_site() -> None:
    with pytest.raises(ProtocolError) as err:
        protocol.decode_batch(batch_bytes(1, 3), topic_site="OTHER")
    assert err.value.code == "site_mismatch"


def doc_with(**over: Any) -> bytes:
    doc = {"v": 1, "site": "S", "first_seq": 1, "last_seq": 2, "events": [event(1), event(2)]}
    doc.update(over)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "bad_envelope"),
        (b"garbage", "bad_envelope"),
        (b"{not json", "bad_json"),
        (b"Z" + b"not zlib", "bad_compression"),
        (b"Z" + zlib.compress(b"[1,2]"), "bad_json"),
        (b"Z" + zlib.compress(b"{}")[:-3], "bad_compression"),
        (doc_with(v=2), "bad_version"),
        (doc_with(site="a/b"), "bad_site"),
        (doc_with(events=[]), "bad_batch"),
        (doc_with(first_seq=0), "bad_seq"),
        (doc_with(first_seq=True), "bad_seq"),
        (doc_with(last_seq=3), "not_contiguous"),
        (doc_with(events=[event(1), event(3)]), "not_contiguous"),
        (doc_with(events=[event(2), event(1)]), "not_contiguous"),
        (doc_with(first_seq=2, last_seq=1), "bad_batch"),
        (doc_with(events=[event(1), {**event(2), "extra": 1}]), "bad_event"),
        (doc_with(events=[event(1), event(2, type="Ticket Issued")]), "bad_event"),
        (doc_with(events=[event(1), event(2, id="")]), "bad_event"),
        (doc_with(events=[event(1), event(2, clock_synced=1)]), "bad_event"),
        (doc_with(events=[event(1), event(2, data=[])]), "bad_event"),
        (doc_with(events=[event(1), event(2, at=5)]), "bad_event"),
        (doc_with(events=[event(1), "x"]), "bad_event"),
    ],
)
def test_bad_batches_refused_with_reason(payload: bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as err:
        protocol.decode_batch(payload, topic_site="S")
    assert err.value.code == code
    assert err.value.message


def test_size_limits() -> None:
    with pytest.raises(ProtocolError) as err:
        protocol.decode_document(b"{" + b" " * protocol.MAX_PAYLOAD_BYTES + b"}")
    assert err.value.code == "too_large"
    bomb = b"Z" + zlib.compress(b'{"a":"' + b"x" * (protocol.MAX_DOCUMENT_BYTES + 10) + b'"}')
    assert len(bomb) < 100_000
    with pytest.raises(ProtocolError) as err:
        protocol.decode_document(bomb)
    assert err.value.code == "too_large"


def test_make_batch_refuses_what_central_would() -> None:
    with pytest.raises(ValueError):
        protocol.make_batch("S", [])
    with pytest.raises(ProtocolError):
        protocol.make_batch("S", [event(1), event(3)])


events_strategy = st.integers(1, 10**9).flatmap(
    lambda first: st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["ticket.issued", "survey.submitted", "config.applied"]),
                "clock_synced": st.booleans(),
                "data": st.dictionaries(
                    st.text(max_size=8),
                    st.one_of(st.integers(), st.text(max_size=20), st.none(), st.booleans()),
                    max_size=5,
                ),
            }
        ),
        min_size=1,
        max_size=40,
    ).map(
        lambda parts: [
            {
                "seq": first + i,
                "id": f"id{first + i}",
                "at": "2025-03-12T09:00:00.000+07:00",
                **p,
            }
            for i, p in enumerate(parts)
        ]
    )
)


@given(events_strategy, st.sampled_from([None, 0, 64, 4096]))
def test_batch_round_trip(events: list[dict[str, Any]], compress_over: int | None) -> None:
    batch = protocol.make_batch("1872-MPP", events)
    payload = protocol.encode_batch(batch, compress_over=compress_over)
    assert payload[:1] in (b"{", b"Z")
    decoded = protocol.decode_batch(payload, topic_site="1872-MPP")
    assert decoded == batch
    assert [protocol.canonical_event(e) for e in decoded.events] == [
        protocol.canonical_event(e) for e in events
    ]


# -- acks, gaps, hello, config -----------------------------------------------------------------


def test_ack_round_trip_and_shape() -> None:
    ack = Ack(10, ((12, 14), (20, 20)))
    payload = protocol.encode_ack(ack)
    assert json.loads(payload) == {"acked_through": 10, "missing": [[12, 14], [20, 20]]}
    assert protocol.decode_ack(payload) == ack
    with_error = Ack(3, (), "bad_json: x")
    assert protocol.decode_ack(protocol.encode_ack(with_error)) == with_error


@pytest.mark.parametrize(
    "doc",
    [
        {"acked_through": -1, "missing": []},
        {"acked_through": 5, "missing": [[3, 4]]},
        {"acked_through": 5, "missing": [[9, 7]]},
        {"acked_through": 5, "missing": [[9]]},
        {"missing": []},
    ],
)
def test_bad_acks_refused(doc: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError):
        protocol.decode_ack(json.dumps(doc).encode())


def test_gaps() -> None:
    assert protocol.gaps(0, [], 0) == []
    assert protocol.gaps(5, [], 9) == [(6, 9)]
    assert protocol.gaps(5, [7, 8, 11], 11) == [(6, 6), (9, 10)]
    assert protocol.gaps(5, [6, 7], 7) == []


@given(st.integers(0, 50), st.sets(st.integers(1, 120)), st.integers(0, 130))
def test_gaps_cover_exactly_the_absent(through: int, present: set[int], highest: int) -> None:
    above = sorted(s for s in present if s > through)
    ranges = protocol.gaps(through, above, highest)
    missing = {s for a, b in ranges for s in range(a, b + 1)}
    top = max([highest, *above], default=highest)
    assert missing == {s for s in range(through + 1, top + 1) if s not in present}


def test_hello_round_trip_and_site_check() -> None:
    hello = Hello("S", 11, 40, 30, 3, False, "2025-03-12T09:00:00+07:00", "0.1.0")
    payload = protocol.encode_hello(hello)
    assert protocol.decode_hello(payload, topic_site="S") == hello
    with pytest.raises(ProtocolError) as err:
        protocol.decode_hello(payload, topic_site="T")
    assert err.value.code == "site_mismatch"
    with pytest.raises(ProtocolError):
        protocol.decode_hello(payload.replace(b'"pending":30', b'"pending":-1'))


def test_config_needs_a_version() -> None:
    doc = {"format": "mpp-catalogue/1", "version": 4, "x": "y" * 40_000}
    payload = protocol.encode_config(doc)
    assert payload[:1] == b"Z"
    assert protocol.decode_config(payload) == (4, doc)
    with pytest.raises(ValueError):
        protocol.encode_config({"format": "mpp-catalogue/1"})
    with pytest.raises(ProtocolError):
        protocol.decode_config(b'{"version": "4"}')
