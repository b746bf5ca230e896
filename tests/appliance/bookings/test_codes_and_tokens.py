"""Booking codes (typed at the kiosk) and tokens (scanned from the QR): what is accepted."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.bookings import codes, token
from appliance.bookings.token import BookingClaim, TokenError

CLAIM = BookingClaim("metro", "7YP5KGQJQ", "A01", "2026-12-04", "09:00", "10:00")


@given(st.text(alphabet=codes.ALPHABET, min_size=codes.BODY, max_size=codes.BODY))
def test_every_single_wrong_character_and_neighbour_swap_is_caught(body: str) -> None:
    code = body + codes._check_char(body)
    assert codes.normalise(codes.display(code).lower()) == code
    for i, other in itertools.product(range(codes.LENGTH), codes.ALPHABET):
        if other != code[i]:
            typo = code[:i] + other + code[i + 1 :]
            with pytest.raises(codes.BadCode):
                codes.normalise(typo)
    for i in range(codes.LENGTH - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            with pytest.raises(codes.BadCode):
                codes.normalise(swapped)


def test_new_codes_are_valid_and_avoid_lookalikes() -> None:
    for _ in range(200):
        code = codes.new_code()
        assert codes.normalise(code) == code
        assert not set(code) & set("01ILO")


@pytest.mark.parametrize("typed", ["", "ABC", "7YP5KGQJQX", "7YP5KGQJ0", "7YP5KGQIQ"])
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    with pytest.raises(codes.BadCode):
        codes.normalise(typed)


def test_a_signed_token_verifies_with_the_public_key_only() -> None:
    seed, public = token.new_key_pair()
    signed = token.sign(CLAIM, seed)
    assert len(signed) < 300  # fits a small QR code
    assert token.verify(signed, {token.key_id(public): public}) == CLAIM


def test_a_changed_payload_or_another_key_is_refused() -> None:
    seed, public = token.new_key_pair()
    other_seed, other_public = token.new_key_pair()
    signed = token.sign(CLAIM, seed)
    head, kid, _payload, signature = signed.split(".")
    forged = token.sign(
        BookingClaim("metro", CLAIM.code, "A01", "2026-12-05", "09:00", "10:00"), seed
    )
    swapped = ".".join([head, kid, forged.split(".")[2], signature])
    with pytest.raises(TokenError) as bad:
        token.verify(swapped, {kid: public})
    assert bad.value.code == "bad_signature"
    # A key the site does not know (a Pi's own forged key, or a rotated-out key).
    with pytest.raises(TokenError) as unknown:
        token.verify(token.sign(CLAIM, other_seed), {kid: public})
    assert unknown.value.code == "unknown_key"
    # Same kid claimed, other key's signature.
    impostor = token.sign(CLAIM, other_seed).split(".")
    with pytest.raises(TokenError) as wrong:
        token.verify(".".join([head, kid, impostor[2], impostor[3]]), {kid: public})
    assert wrong.value.code == "bad_signature"
    assert token.key_id(other_public) != kid


@pytest.mark.parametrize(
    "text", ["", "hello", "B1.x.y.z", "B2.abcd.e30.AA", "B1.abcd.!!.AA", "B1." + "a" * 700]
)
def test_garbage_is_malformed_not_a_crash(text: str) -> None:
    with pytest.raises(TokenError) as err:
        token.verify(text, {})
    assert err.value.code in {"malformed_token", "unknown_key"}
