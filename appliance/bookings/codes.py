"""The booking code a citizen reads out or types at the kiosk (SPEC §8).

Nine characters from an alphabet without the letters people confuse with digits (no 0/O, 1/I/L),
the last one a check character, so a mistyped code is refused at the kiosk as "check the code"
instead of looked up and reported unknown. The check is a weighted sum modulo 31 (the alphabet's
size, a prime): it catches every single wrong character and every swap of two neighbours.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY = 8
LENGTH = BODY + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_SEPARATORS = str.maketrans("", "", " -._\t")


class BadCode(ValueError):
    """A typed code that cannot be a booking code (wrong length, character or check)."""


def _check_char(body: str) -> str:
    total = sum((i + 1) * _VALUE[ch] for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh random code with its check character (8 random characters: 31^8 ≈ 8.5e11)."""
    body = "".join(choice(ALPHABET) for _ in range(BODY))
    return body + _check_char(body)


def normalise(typed: str) -> str:
    """The code in `typed` (any case, with spaces or dashes); BadCode when it cannot be one."""
    code = typed.upper().translate(_SEPARATORS)
    if len(code) != LENGTH:
        raise BadCode(f"a booking code has {LENGTH} characters, got {len(code)}")
    bad = "".join(sorted({ch for ch in code if ch not in _VALUE}))
    if bad:
        hint = " (0, 1, I, L and O are never used)" if set(bad) & set("01ILO") else ""
        raise BadCode(f"characters {bad!r} are not in booking codes{hint}")
    if _check_char(code[:BODY]) != code[BODY]:
        raise BadCode("the code's check character does not match: a character was mistyped")
    return code


def display(code: str) -> str:
    """The code in groups of three, as printed and read out: `ABC-DEF-GHJ`."""
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))
