"""English counts say "1 person", "1 ticket": `MPP.t` takes a word's `_one` form when n is 1,
and Indonesian, whose nouns do not change, reads the same either way."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import Appliance

pytestmark = pytest.mark.browser

SAY = "([key, n]) => MPP.t(key, {n: n})"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            {
                1: ["1 person", "1 ticket", "pressed 1 time"],
                2: ["2 people", "2 tickets", "pressed 2 times"],
            },
        ),
        (
            "id",
            {
                1: ["1 orang", "1 tiket", "1 kali ditekan"],
                2: ["2 orang", "2 tiket", "2 kali ditekan"],
            },
        ),
    ],
)
def test_counts_of_one_in_each_language(
    appliance: Appliance, public: Any, lang: str, expected: dict[int, list[str]]
) -> None:
    page = public.new_page()
    page.goto(f"{appliance.url}/login?lang={lang}")
    for n, words in expected.items():
        said = [page.evaluate(SAY, [key, n]) for key in ("n_people", "n_tickets", "presses_n")]
        assert said == words
