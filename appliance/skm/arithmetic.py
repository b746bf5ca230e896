"""Survei Kepuasan Masyarakat arithmetic per Permenpan RB 14/2017 (pure).

NRR per element, IKM, its category and the Krejcie-Morgan minimum sample. Everything is computed
with exact fractions and rounded half-up only where a figure is shown, because the category of a
unit is decided at the second decimal and a float (or banker's rounding) can move it across a
boundary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

ELEMENTS: tuple[str, ...] = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
SCORES: tuple[int, ...] = (1, 2, 3, 4)
CONVERSION_FACTOR = 25
# The weight the regulation prints ("0,11") instead of 1/9; kept only to explain old reports.
PRINTED_WEIGHT = Decimal("0.11")

Weight = Literal["exact", "0.11"]


class SkmError(ValueError):
    """An answer, score or figure the SKM rules do not allow (message in Indonesian)."""


@dataclass(frozen=True)
class Category:
    """A service quality band (mutu pelayanan) and the IKM interval that earns it."""

    letter: str
    label_id: str
    label_en: str
    low: Decimal
    high: Decimal


# Same table as `categories` in skm-permenpan-14-2017.json (a test keeps them equal); built in so
# this module stays free of I/O. The JSON carries no English labels, so these are the source.
CATEGORY_LABELS_EN: Mapping[str, str] = {
    "A": "Very good",
    "B": "Good",
    "C": "Poor",
    "D": "Very poor",
}
CATEGORIES: tuple[Category, ...] = (
    Category("A", "Sangat Baik", "Very good", Decimal("88.31"), Decimal("100.00")),
    Category("B", "Baik", "Good", Decimal("76.61"), Decimal("88.30")),
    Category("C", "Kurang Baik", "Poor", Decimal("65.00"), Decimal("76.60")),
    Category("D", "Tidak Baik", "Very poor", Decimal("25.00"), Decimal("64.99")),
)
IKM_MIN = Decimal("25.00")
IKM_MAX = Decimal("100.00")


@dataclass(frozen=True)
class ElementResult:
    """One element's figures; `weighted` is NRR x the weight actually applied (0 if unanswered)."""

    code: str
    respondents: int
    total: int
    nrr: Decimal
    weighted: Decimal
    distribution: tuple[int, int, int, int]  # how many answered 1, 2, 3, 4


@dataclass(frozen=True)
class SkmResult:
    """A period's SKM. With no respondents the figures are 0 and `category` is None."""

    respondents: int
    elements: tuple[ElementResult, ...]
    nrr_mean: Decimal
    ikm: Decimal
    ikm_weight_011: Decimal
    category: Category | None
    population: int
    minimum_sample: int
    sample_met: bool


@dataclass(frozen=True)
class PrintedWeightNote:
    """What the regulation's printed weight 0,11 would have reported, for a report's footnote."""

    ikm_exact: Decimal
    ikm_printed_weight: Decimal
    category_exact: Category
    category_printed_weight: Category | None  # None when 0,11 drops the figure below 25
    changes_category: bool


def round_half_up(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Round a non-negative exact value to `places` decimals, ties away from zero."""
    scaled = Fraction(value) * 10**places
    return Decimal(math.floor(scaled + Fraction(1, 2))).scaleb(-places)


def validate_answers(answers: Mapping[str, object]) -> dict[str, int]:
    """A complete submission: every element U1..U9 answered with an int 1..4, nothing else."""
    unknown = sorted(str(k) for k in answers if k not in ELEMENTS)
    if unknown:
        raise SkmError("Unsur tidak dikenal: " + ", ".join(unknown) + ".")
    missing = [code for code in ELEMENTS if answers.get(code) is None]
    if missing:
        raise SkmError("Jawaban belum lengkap, belum dijawab: " + ", ".join(missing) + ".")
    return {code: _score(code, answers[code]) for code in ELEMENTS}


def _score(code: str, value: object) -> int:
    # bool is an int subclass; True must not count as a score of 1.
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
        raise SkmError(f"Nilai {code} harus bilangan bulat 1-4, bukan {value!r}.")
    return value


def ikm_from_nrrs(nrrs: Sequence[Fraction | Decimal | int], weight: Weight = "exact") -> Decimal:
    """IKM (2 dp) from the NRRs of the answered elements.

    "exact" weighs each element 1/k (1/9 when all nine are answered), as the regulation means.
    "0.11" reproduces the figure of reports that took the printed weight literally: 1/k rounded
    to 2 decimals (0,11 for nine elements), which caps IKM at 99.00 and can change a category.
    """
    if not nrrs:
        raise SkmError("IKM memerlukan paling sedikit satu unsur yang terisi.")
    total = sum((Fraction(n) for n in nrrs), Fraction(0))
    factor = Fraction(1, len(nrrs))
    if weight == "0.11":
        factor = Fraction(round_half_up(factor, 2))
    return round_half_up(CONVERSION_FACTOR * total * factor, 2)


def categorize(ikm: Decimal, categories: Sequence[Category] = CATEGORIES) -> Category:
    """The category of an IKM, first rounded to 2 decimals; outside 25..100 is an error."""
    if isinstance(ikm, bool) or not isinstance(ikm, Decimal | int):
        raise SkmError(f"IKM harus berupa angka desimal, bukan {ikm!r}.")
    value = Decimal(ikm)
    if value.is_finite() and value >= 0:
        value = round_half_up(value, 2)
    if not (value.is_finite() and IKM_MIN <= value <= IKM_MAX):
        raise SkmError(f"IKM {value} di luar rentang 25,00-100,00.")
    # The classification rule is by lower bound (>= 88,31 -> A, ...), so no value falls in a gap.
    for category in sorted(categories, key=lambda c: c.low, reverse=True):
        if value >= category.low:
            return category
    raise SkmError(f"Tidak ada kategori untuk IKM {value}.")


def minimum_sample(population: int) -> int:
    """Krejcie-Morgan minimum respondents for a population of N (X² = 3.841, P = 0.5, d = 0.05).

    s = X²·N·P(1-P) / (d²(N-1) + X²·P(1-P)), rounded to the nearest integer (halves up), not up:
    the published 1970 table uses nearest rounding. Ceil would disagree with 45 of the table's
    90 entries (N=50: s = 44.34, table 44, ceil 45; N=500: 217.47, table 217), while
    nearest rounding reproduces every entry checked (10..1,000,000, see the tests). It also keeps
    the result <= 384 for any N, as the table's last row says (the limit is 384.1, which ceil
    would turn into 385).
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise SkmError(f"Populasi harus bilangan bulat >= 0, bukan {population!r}.")
    if population == 0:
        return 0
    chi_p = Fraction("3.841") * Fraction(1, 4)  # X²·P(1-P)
    s = chi_p * population / (Fraction(1, 400) * (population - 1) + chi_p)
    return math.floor(s + Fraction(1, 2))


def compute(
    responses: Iterable[Mapping[str, int | None]],
    population: int,
    categories: Sequence[Category] = CATEGORIES,
) -> SkmResult:
    """SKM over stored responses; an element left out (or None) counts only where answered.

    A respondent is a response with at least one answer; an empty response or an invalid score
    is refused rather than skipped, because stored data is validated on the way in.
    """
    minimum = minimum_sample(population)
    counts = {code: [0, 0, 0, 0] for code in ELEMENTS}
    respondents = 0
    for response in responses:
        unknown = sorted(str(k) for k in response if k not in ELEMENTS)
        if unknown:
            raise SkmError("Unsur tidak dikenal: " + ", ".join(unknown) + ".")
        answered = {c: _score(c, v) for c, v in response.items() if v is not None}
        if not answered:
            raise SkmError("Respons tanpa satu pun jawaban.")
        respondents += 1
        for code, score in answered.items():
            counts[code][score - 1] += 1

    nrrs: dict[str, Fraction] = {}
    for code in ELEMENTS:
        n = sum(counts[code])
        if n:
            nrrs[code] = Fraction(sum(s * c for s, c in zip(SCORES, counts[code], strict=True)), n)
    weight = Fraction(1, len(nrrs)) if nrrs else Fraction(0)
    elements = tuple(_element(code, counts[code], nrrs.get(code), weight) for code in ELEMENTS)
    if not nrrs:
        # Zero respondents never "meet" a sample, even when the population (and so the minimum)
        # is zero: a report must not call an empty survey sufficient.
        zero = Decimal("0.00")
        return SkmResult(
            0, elements, Decimal("0.0000"), zero, zero, None, population, minimum, False
        )
    values = list(nrrs.values())
    ikm = ikm_from_nrrs(values)
    return SkmResult(
        respondents=respondents,
        elements=elements,
        nrr_mean=round_half_up(sum(values, Fraction(0)) / len(values), 4),
        ikm=ikm,
        ikm_weight_011=ikm_from_nrrs(values, weight="0.11"),
        category=categorize(ikm, categories),
        population=population,
        minimum_sample=minimum,
        sample_met=respondents >= minimum,
    )


def _element(code: str, counts: list[int], nrr: Fraction | None, weight: Fraction) -> ElementResult:
    n = sum(counts)
    total = sum(s * c for s, c in zip(SCORES, counts, strict=True))
    exact = nrr if nrr is not None else Fraction(0)
    return ElementResult(
        code=code,
        respondents=n,
        total=total,
        nrr=round_half_up(exact, 4),
        weighted=round_half_up(exact * weight, 4),
        distribution=(counts[0], counts[1], counts[2], counts[3]),
    )


def printed_weight_note(
    result: SkmResult, categories: Sequence[Category] = CATEGORIES
) -> PrintedWeightNote | None:
    """Compare the exact IKM with the 0,11-weighted one; None when there is nothing to compare."""
    if result.category is None:
        return None
    printed = result.ikm_weight_011
    printed_category = categorize(printed, categories) if printed >= IKM_MIN else None
    return PrintedWeightNote(
        ikm_exact=result.ikm,
        ikm_printed_weight=printed,
        category_exact=result.category,
        category_printed_weight=printed_category,
        changes_category=printed_category != result.category,
    )
