"""SKM arithmetic (Permenpan RB 14/2017): NRR, IKM, categories, the 0,11 trap, sample size."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.skm.arithmetic import (
    CATEGORIES,
    ELEMENTS,
    SkmError,
    categorize,
    compute,
    ikm_from_nrrs,
    minimum_sample,
    printed_weight_note,
    validate_answers,
)


def row(*scores: int) -> dict[str, int]:
    return dict(zip(ELEMENTS, scores, strict=True))


def D(text: str) -> Decimal:
    return Decimal(text)


# --- hand-worked examples -------------------------------------------------------------------


def test_four_respondents_worked_by_hand() -> None:
    responses = [
        row(4, 3, 3, 4, 3, 4, 4, 3, 3),
        row(3, 3, 2, 4, 3, 3, 4, 2, 3),
        row(4, 4, 3, 4, 4, 4, 4, 3, 4),
        row(3, 3, 3, 4, 3, 3, 3, 2, 3),
    ]
    result = compute(responses, population=4)
    # Totals per element, /4 respondents:
    # U1 4+3+4+3=14 -> 3.5    U2 3+3+4+3=13 -> 3.25   U3 3+2+3+3=11 -> 2.75
    # U4 4+4+4+4=16 -> 4.0    U5 3+3+4+3=13 -> 3.25   U6 4+3+4+3=14 -> 3.5
    # U7 4+4+4+3=15 -> 3.75   U8 3+2+3+2=10 -> 2.5    U9 3+3+4+3=13 -> 3.25
    totals = [14, 13, 11, 16, 13, 14, 15, 10, 13]
    nrrs = [
        "3.5000",
        "3.2500",
        "2.7500",
        "4.0000",
        "3.2500",
        "3.5000",
        "3.7500",
        "2.5000",
        "3.2500",
    ]
    assert [e.code for e in result.elements] == list(ELEMENTS)
    assert [e.total for e in result.elements] == totals
    assert [e.respondents for e in result.elements] == [4] * 9
    assert [e.nrr for e in result.elements] == [D(n) for n in nrrs]
    # Weighted NRR = NRR/9: 3.5/9 = 0.38888.. -> 0.3889; 2.75/9 = 0.30555.. -> 0.3056
    assert result.elements[0].weighted == D("0.3889")
    assert result.elements[2].weighted == D("0.3056")
    # Distribution of U3 (scores 1,2,3,4): one 2, three 3s; U8: two 2s, two 3s.
    assert result.elements[2].distribution == (0, 1, 3, 0)
    assert result.elements[7].distribution == (0, 2, 2, 0)
    # Sum of NRR = 29.75; mean = 29.75/9 = 3.30555.. -> 3.3056
    assert result.nrr_mean == D("3.3056")
    # IKM = 25 x 29.75 / 9 = 743.75/9 = 82.6388.. -> 82.64, category B (76.61-88.30)
    assert result.ikm == D("82.64")
    assert result.category is not None and result.category.letter == "B"
    assert result.category.label_id == "Baik" and result.category.label_en == "Good"
    # With the printed weight: 29.75 x 0.11 = 3.2725; x 25 = 81.8125 -> 81.81
    assert result.ikm_weight_011 == D("81.81")
    # Krejcie-Morgan for N=4: 0.96025*4 / (0.0025*3 + 0.96025) = 3.841/0.96775 = 3.97 -> 4
    assert (result.respondents, result.minimum_sample, result.sample_met) == (4, 4, True)


def test_non_terminating_nrr_is_rounded_half_up_to_four_places() -> None:
    # U1: 4+4+3 = 11, /3 = 3.66666.. -> 3.6667; every other element 4.
    responses = [row(4, 4, 4, 4, 4, 4, 4, 4, 4), row(4, 4, 4, 4, 4, 4, 4, 4, 4)]
    responses.append(row(3, 4, 4, 4, 4, 4, 4, 4, 4))
    result = compute(responses, population=3)
    assert result.elements[0].nrr == D("3.6667")
    # Sum = 11/3 + 8x4 = 107/3; IKM = 25 x 107/27 = 2675/27 = 99.074.. -> 99.07 (A)
    assert result.ikm == D("99.07")
    assert result.category == CATEGORIES[0]


def test_unanswered_element_is_left_out_of_the_mean() -> None:
    # Nobody answered U8 (no complaint made): weight becomes 1/8 over the other eight.
    first = {code: 4 for code in ELEMENTS if code != "U8"}
    second = {**{code: 3 for code in ELEMENTS if code != "U8"}, "U8": None}
    result = compute([first, second], population=2)
    u8 = result.elements[7]
    assert (u8.respondents, u8.total, u8.nrr, u8.weighted) == (0, 0, D("0.0000"), D("0.0000"))
    assert u8.distribution == (0, 0, 0, 0)
    # Each other NRR = (4+3)/2 = 3.5; IKM = 25 x (8 x 3.5)/8 = 87.50; weighted = 3.5/8 = 0.4375
    assert result.ikm == D("87.50")
    assert result.elements[0].weighted == D("0.4375")
    # "0.11" for eight elements is 1/8 rounded to 2 places = 0.13: 28 x 0.13 x 25 = 91.00
    assert result.ikm_weight_011 == D("91.00")


def test_element_answered_by_some_respondents_averages_over_those_only() -> None:
    # U8 answered 2 by one respondent of two: its NRR is 2/1 = 2, not 2/2.
    result = compute([row(4, 4, 4, 4, 4, 4, 4, 2, 4), {c: 4 for c in ELEMENTS if c != "U8"}], 2)
    assert (result.elements[7].respondents, result.elements[7].nrr) == (1, D("2.0000"))
    # Sum = 8x4 + 2 = 34; IKM = 25 x 34/9 = 94.444.. -> 94.44
    assert result.ikm == D("94.44")
    assert result.respondents == 2


def test_no_respondents_gives_no_category_and_an_unmet_sample() -> None:
    result = compute([], population=0)
    assert result.category is None and result.respondents == 0
    assert (result.ikm, result.nrr_mean, result.ikm_weight_011) == (D("0"), D("0"), D("0"))
    assert (result.minimum_sample, result.sample_met) == (0, False)
    assert printed_weight_note(result) is None


def test_ikm_is_rounded_half_up_not_to_even() -> None:
    # Sum = 8 x 3.2 + 3.245 = 28.845; 25 x 28.845 = 721.125; /9 = 80.125 exactly -> 80.13
    # (banker's rounding would give 80.12).
    assert ikm_from_nrrs([D("3.2")] * 8 + [D("3.245")]) == D("80.13")


# --- the published-weight trap ---------------------------------------------------------------


def test_printed_weight_of_all_three_and_a_half() -> None:
    # Exact: 25 x 9 x 3.5 / 9 = 87.50. With 0,11: 9 x 3.5 x 0.11 = 3.465; x 25 = 86.625 -> 86.63
    assert ikm_from_nrrs([D("3.5")] * 9) == D("87.50")
    assert ikm_from_nrrs([D("3.5")] * 9, weight="0.11") == D("86.63")
    result = compute([row(*[4] * 9), row(*[3] * 9)], population=2)
    assert (result.ikm, result.ikm_weight_011) == (D("87.50"), D("86.63"))


def test_printed_weight_changes_the_category() -> None:
    # One respondent: 4,4,4,4,4,3,3,3,3. Sum of NRR = 5x4 + 4x3 = 32.
    # Exact: 25 x 32/9 = 800/9 = 88.888.. -> 88.89 -> A (>= 88.31)
    # 0,11:  32 x 0.11 = 3.52; x 25 = 88.00 -> B
    result = compute([row(4, 4, 4, 4, 4, 3, 3, 3, 3)], population=1)
    assert (result.ikm, result.ikm_weight_011) == (D("88.89"), D("88.00"))
    note = printed_weight_note(result)
    assert note is not None and note.changes_category
    assert note.category_exact.letter == "A"
    assert note.category_printed_weight is not None
    assert note.category_printed_weight.letter == "B"


def test_printed_weight_can_fall_below_the_scale() -> None:
    # All 1s: exact 25 x 9/9 = 25.00 (D); 0,11: 9 x 0.11 x 25 = 24.75, below any category.
    result = compute([row(*[1] * 9)], population=1)
    assert (result.ikm, result.ikm_weight_011) == (D("25.00"), D("24.75"))
    note = printed_weight_note(result)
    assert note is not None and note.category_printed_weight is None and note.changes_category
    # And all 4s: the printed weight caps the figure at 99.00 instead of 100.00.
    assert compute([row(*[4] * 9)], 1).ikm_weight_011 == D("99.00")


# --- categories ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ikm", "letter"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
        ("88.305", "A"),  # rounds half up to 88.31 first
        ("88.3049", "B"),  # rounds to 88.30
        ("76.605", "B"),
        ("64.995", "C"),
    ],
)
def test_category_boundaries(ikm: str, letter: str) -> None:
    assert categorize(D(ikm)).letter == letter


def test_boundaries_through_nrrs() -> None:
    # Sum 31.79: 25 x 31.79/9 = 88.3055.. -> 88.31 (A); sum 31.788: 88.30 exactly (B)
    assert ikm_from_nrrs([D("3.5")] * 8 + [D("3.79")]) == D("88.31")
    assert categorize(ikm_from_nrrs([D("3.5")] * 8 + [D("3.79")])).letter == "A"
    assert categorize(ikm_from_nrrs([D("3.5")] * 8 + [D("3.788")])).letter == "B"


@pytest.mark.parametrize("ikm", ["24.99", "100.01", "-1", "NaN", "Infinity"])
def test_category_outside_the_scale_is_refused(ikm: str) -> None:
    with pytest.raises(SkmError):
        categorize(D(ikm))


def test_category_labels() -> None:
    assert [(c.letter, c.label_id, c.label_en) for c in CATEGORIES] == [
        ("A", "Sangat Baik", "Very good"),
        ("B", "Baik", "Good"),
        ("C", "Kurang Baik", "Poor"),
        ("D", "Tidak Baik", "Very poor"),
    ]


# --- validation ------------------------------------------------------------------------------


def test_validate_answers_accepts_a_complete_submission_in_element_order() -> None:
    answers = {code: 3 for code in reversed(ELEMENTS)}
    assert list(validate_answers(answers)) == list(ELEMENTS)


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ({**row(*[3] * 9), "U10": 3}, "U10"),
        ({c: 3 for c in ELEMENTS if c not in ("U8", "U9")}, "U8, U9"),
        ({**row(*[3] * 9), "U8": None}, "U8"),
        ({**row(*[3] * 9), "U3": 5}, "U3"),
        ({**row(*[3] * 9), "U3": 0}, "U3"),
        ({**row(*[3] * 9), "U3": "3"}, "U3"),
        ({**row(*[3] * 9), "U3": True}, "U3"),
        ({**row(*[3] * 9), "U3": 3.0}, "U3"),
    ],
)
def test_validate_answers_refuses(answers: dict[str, object], fragment: str) -> None:
    with pytest.raises(SkmError, match=fragment):
        validate_answers(answers)


@pytest.mark.parametrize("bad", [{"U0": 3}, {"U1": 7}, {}, {"U1": None}])
def test_compute_refuses_bad_stored_responses(bad: dict[str, int | None]) -> None:
    with pytest.raises(SkmError):
        compute([row(*[3] * 9), bad], population=10)


@pytest.mark.parametrize("population", [-1, True])
def test_population_must_be_a_count(population: int) -> None:
    with pytest.raises(SkmError):
        compute([], population)


# --- Krejcie-Morgan ------------------------------------------------------------------------

# The published table (Krejcie & Morgan 1970, Table 1), N -> S.
KREJCIE_MORGAN = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 35: 32, 40: 36, 45: 40, 50: 44, 55: 48, 60: 52,
    65: 56, 70: 59, 75: 63, 80: 66, 85: 70, 90: 73, 95: 76, 100: 80, 110: 86, 120: 92, 130: 97,
    140: 103, 150: 108, 160: 113, 170: 118, 180: 123, 190: 127, 200: 132, 210: 136, 220: 140,
    230: 144, 240: 148, 250: 152, 260: 155, 270: 159, 280: 162, 290: 165, 300: 169, 320: 175,
    340: 181, 360: 186, 380: 191, 400: 196, 420: 201, 440: 205, 460: 210, 480: 214, 500: 217,
    550: 226, 600: 234, 650: 242, 700: 248, 750: 254, 800: 260, 850: 265, 900: 269, 950: 274,
    1000: 278, 1100: 285, 1200: 291, 1300: 297, 1400: 302, 1500: 306, 1600: 310, 1700: 313,
    1800: 317, 1900: 320, 2000: 322, 2200: 327, 2400: 331, 2600: 335, 2800: 338, 3000: 341,
    3500: 346, 4000: 351, 4500: 354, 5000: 357, 6000: 361, 7000: 364, 8000: 367, 9000: 368,
    10000: 370, 15000: 375, 20000: 377, 30000: 379, 40000: 380, 50000: 381, 75000: 382,
    1000000: 384,
}  # fmt: skip


@pytest.mark.parametrize(("population", "sample"), sorted(KREJCIE_MORGAN.items()))
def test_minimum_sample_reproduces_the_published_table(population: int, sample: int) -> None:
    assert minimum_sample(population) == sample


def test_minimum_sample_small_populations() -> None:
    # N=50: 0.96025 x 50 / (0.0025 x 49 + 0.96025) = 48.0125/1.08275 = 44.34 -> 44 (ceil gives 45)
    assert [minimum_sample(n) for n in (0, 1, 2, 50)] == [0, 1, 2, 44]


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**6))
def test_minimum_sample_is_monotone_and_bounded(population: int, more: int) -> None:
    sample = minimum_sample(population)
    assert sample <= minimum_sample(population + more)
    assert 0 <= sample <= population and sample <= 384


# --- invariants ----------------------------------------------------------------------------

scores = st.integers(min_value=1, max_value=4)
full_response = st.fixed_dictionaries({code: scores for code in ELEMENTS})
partial_response = st.dictionaries(st.sampled_from(ELEMENTS), scores, min_size=1)


@given(st.lists(partial_response, min_size=1, max_size=25))
def test_ikm_stays_within_the_scale(responses: list[dict[str, int]]) -> None:
    result = compute(responses, population=len(responses))
    assert D("25.00") <= result.ikm <= D("100.00")
    assert result.category is not None
    assert result.category.low <= result.ikm <= result.category.high
    assert result.respondents == len(responses)


@given(st.lists(full_response, min_size=1, max_size=25))
def test_printed_weight_never_reports_more_than_the_exact_weight(
    responses: list[dict[str, int]],
) -> None:
    result = compute(responses, population=100)
    assert result.ikm_weight_011 <= result.ikm


@given(st.lists(full_response, min_size=1, max_size=25), st.data())
def test_raising_one_answer_never_lowers_ikm(
    responses: list[dict[str, int]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(responses) - 1))
    code = data.draw(st.sampled_from(ELEMENTS))
    raised = data.draw(st.integers(min_value=responses[index][code], max_value=4))
    changed = [dict(r) for r in responses]
    changed[index][code] = raised
    before, after = compute(responses, 50), compute(changed, 50)
    assert after.ikm >= before.ikm
    assert after.elements[ELEMENTS.index(code)].nrr >= before.elements[ELEMENTS.index(code)].nrr


@given(st.lists(partial_response, min_size=1, max_size=25).flatmap(st.permutations).map(list))
def test_order_of_respondents_does_not_matter(responses: list[dict[str, int]]) -> None:
    assert compute(responses, 30) == compute(sorted(responses, key=repr), 30)


# --- more hand-worked cases and properties (issue 6) -------------------------------------------


def test_everyone_answering_baik_is_category_c_not_b() -> None:
    # A unit where every answer is 3 ("Baik") gets IKM 25 x 3 = 75.00, which the table puts in
    # C (65.00-76.60, "Kurang Baik"): the bands are on the converted scale, not the answer labels.
    result = compute([row(*[3] * 9)] * 5, population=5)
    assert result.ikm == D("75.00") and result.category is not None
    assert result.category.letter == "C"


def test_the_printed_weight_on_a_realistic_report() -> None:
    # Ten respondents. Element totals 35, 33, 31, 38, 33, 35, 36, 30, 32 (sum 303):
    # NRRs 3.5, 3.3, 3.1, 3.8, 3.3, 3.5, 3.6, 3.0, 3.2; sum of NRR = 30.3.
    # Exact:      25 x 30.3 / 9   = 84.1666.. -> 84.17 (B)
    # With 0,11:  30.3 x 0.11 = 3.333; x 25 = 83.325 -> 83.33 (still B, 0.84 lower)
    totals = [35, 33, 31, 38, 33, 35, 36, 30, 32]
    responses = []
    for i in range(10):
        # Respondent i answers 4 on an element while i < total - 30, else 3.
        responses.append(row(*[4 if i < t - 30 else 3 for t in totals]))
    result = compute(responses, population=10)
    assert [e.total for e in result.elements] == totals
    assert result.ikm == D("84.17") and result.ikm_weight_011 == D("83.33")
    assert result.category is not None and result.category.letter == "B"
    note = printed_weight_note(result)
    assert note is not None and not note.changes_category


exact_ikm_cases = st.lists(full_response, min_size=1, max_size=30)


@given(exact_ikm_cases)
def test_ikm_is_25_times_the_exact_mean_rounded_half_up(responses: list[dict[str, int]]) -> None:
    # An oracle written with Decimal arithmetic only (no Fraction, no appliance rounding).
    from decimal import ROUND_HALF_UP, getcontext

    getcontext().prec = 50
    n = Decimal(len(responses))
    mean_nrr = sum(Decimal(sum(r[c] for r in responses)) / n for c in ELEMENTS) / Decimal(9)
    expected = (Decimal(25) * mean_nrr).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    # 50 digits cannot hit a .xx5 tie by accident unless the exact value is one.
    assert compute(responses, 100).ikm == expected


@given(st.decimals(min_value=D("25.00"), max_value=D("100.00"), places=2))
def test_every_two_decimal_ikm_has_exactly_its_band(ikm: Decimal) -> None:
    bands = [c for c in CATEGORIES if c.low <= ikm <= c.high]
    assert len(bands) == 1 and categorize(ikm) == bands[0]


@given(st.lists(full_response, min_size=1, max_size=20), st.integers(min_value=1, max_value=4))
def test_one_more_respondent_moves_ikm_toward_their_own_score(
    responses: list[dict[str, int]], score: int
) -> None:
    before = compute(responses, 50).ikm
    after = compute([*responses, row(*[score] * 9)], 50).ikm
    own = D(25 * score)
    # Adding a respondent who answers `score` everywhere pulls IKM toward 25 x score, never past.
    if before <= own:
        assert before - D("0.01") <= after <= own
    else:
        assert own <= after <= before + D("0.01")


@given(st.lists(full_response, min_size=1, max_size=20))
def test_nrr_mean_and_weighted_nrrs_agree_with_ikm(responses: list[dict[str, int]]) -> None:
    result = compute(responses, 50)
    # NRR mean is kept to 4 places: x 25 it is within 0.00125 of the exact IKM, which is within
    # 0.005 of the shown one. Nine weighted NRRs at 4 places add up to 9 x 0.00005 x 25 more.
    assert abs(result.nrr_mean * 25 - result.ikm) <= D("0.01")
    assert abs(sum(e.weighted for e in result.elements) * 25 - result.ikm) <= D("0.02")
    assert D("1") <= result.nrr_mean <= D("4")
