"""JSON from outside the box (an HTTP body, an MQTT payload) parsed with a bounded nesting depth.

`json.loads` recurses once per level: `[` × 100,000 raised `RecursionError`, which no caller
expected — a 503 on any JSON endpoint (the unauthenticated login too), a batch central could
neither store nor quarantine, a retained config message that failed the edge's sync every few
seconds (issue 15, item 2). Here a document deeper than `max_depth` is a `ValueError` like any
other malformed JSON, so the HTTP glue answers 400 and sync quarantines it with a reason. No
document this product exchanges is more than about six levels deep.

Pure: used by `web.kit.inputs` (handed in by each app; the kit imports no core) and by
`sync.protocol`.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class TooDeep(ValueError):
    """Nested deeper than allowed; `code` and `message` are what an HTTP client is told."""

    code = "invalid_json"

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.message = f"Isi permintaan bersarang terlalu dalam (lebih dari {max_depth} tingkat)."


def loads(raw: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing a document nested deeper than `max_depth` with `TooDeep`.

    The C parser stops a bomb at the interpreter's recursion limit by itself (cleanly, with
    `RecursionError`); anything that parses is then walked without recursion."""
    try:
        doc = json.loads(raw)
    except RecursionError:
        raise TooDeep(max_depth) from None
    if deeper_than(doc, max_depth):
        raise TooDeep(max_depth)
    return doc


def deeper_than(doc: Any, max_depth: int) -> bool:
    """True if lists and objects nest more than `max_depth` levels (a scalar is level 0)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
