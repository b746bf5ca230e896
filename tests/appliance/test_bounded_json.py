"""The bounded JSON parse: a depth limit, a ValueError past it, never a RecursionError."""

from __future__ import annotations

import json

import pytest

from appliance.bounded_json import MAX_DEPTH, TooDeep, deeper_than, loads


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_the_limit_itself_parses_and_one_more_is_refused() -> None:
    assert deeper_than(loads(nested(MAX_DEPTH)), MAX_DEPTH) is False
    with pytest.raises(TooDeep):
        loads(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("raw", [nested(100_000), '{"a":' * 5_000 + "1" + "}" * 5_000])
def test_a_bomb_is_a_value_error(raw: str) -> None:
    with pytest.raises(ValueError, match="nested deeper than"):
        loads(raw.encode())


def test_scalars_and_real_documents_are_untouched() -> None:
    doc = {"events": [{"seq": 1, "data": {"ticket": {"id": 1, "tags": ["a"]}}}], "v": 1}
    assert loads(json.dumps(doc)) == doc
    assert loads("3") == 3
    with pytest.raises(json.JSONDecodeError):
        loads("{")
