"""The SKM report of a scope and period, as plain data (pure).

Input is plain response dicts shaped like the `survey.submitted` event data
(`{"answers": {"U1": 1..4, ...}, "respondent": {...}}`), so the appliance (from its database)
and central (from the events of many sites) build the very same report. Output is JSON-ready:
figures are Decimal strings rounded the way the regulation prints them, never floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from appliance.skm import arithmetic as skm
from appliance.skm.questionnaire import Questionnaire

NOT_ANSWERED = ""  # profile key for respondents who skipped a question


def skm_report(
    responses: Iterable[Mapping[str, Any]],
    population: int,
    questionnaire: Questionnaire,
    *,
    scope: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """NRR per element, IKM, category, sample size and respondent profile of `responses`.

    `population` is the number of people served in the same scope and period (done tickets),
    which the Krejcie-Morgan minimum sample is measured against. `scope` (period, unit names)
    is copied into the result for the printed report.
    """
    answers: list[Mapping[str, int | None]] = []
    profiles: list[Mapping[str, Any]] = []
    remarks: list[str] = []
    remark_keys = {f.key for f in questionnaire.free_text_fields}
    for response in responses:
        answers.append(response.get("answers") or {})
        respondent = response.get("respondent") or {}
        profiles.append(respondent)
        remarks.extend(str(respondent[key]) for key in sorted(remark_keys) if respondent.get(key))
    result = skm.compute(answers, population, questionnaire.categories or skm.CATEGORIES)
    note = skm.printed_weight_note(result, questionnaire.categories or skm.CATEGORIES)
    return {
        "scope": dict(scope or {}),
        "regulation": questionnaire.regulation_short,
        "respondents": result.respondents,
        "population": result.population,
        "minimum_sample": result.minimum_sample,
        "sample_met": result.sample_met,
        "elements": [_element(questionnaire, e) for e in result.elements],
        "nrr_mean": str(result.nrr_mean),
        "ikm": str(result.ikm) if result.category else None,
        "category": _category(result.category),
        "printed_weight": None
        if note is None
        else {
            "ikm": str(note.ikm_printed_weight),
            "category": note.category_printed_weight.letter
            if note.category_printed_weight
            else None,
            "changes_category": note.changes_category,
        },
        "profile": profile_breakdown(profiles, questionnaire),
        "remarks": remarks,
    }


def _element(q: Questionnaire, e: skm.ElementResult) -> dict[str, Any]:
    element = q.element(e.code)
    return {
        "code": e.code,
        "name": element.name,
        "respondents": e.respondents,
        "total": e.total,
        "nrr": str(e.nrr) if e.respondents else None,
        "weighted_nrr": str(e.weighted) if e.respondents else None,
        # The element's NRR on the 25-100 scale ("NRR konversi"), from the exact mean.
        "ikm": str(skm.round_half_up(Fraction(e.total, e.respondents) * skm.CONVERSION_FACTOR, 2))
        if e.respondents
        else None,
        "distribution": {
            str(score): n for score, n in zip(skm.SCORES, e.distribution, strict=True)
        },
    }


def _category(category: skm.Category | None) -> dict[str, str] | None:
    if category is None:
        return None
    return {"letter": category.letter, "label": category.label_id, "label_en": category.label_en}


def profile_breakdown(
    profiles: Iterable[Mapping[str, Any]], questionnaire: Questionnaire
) -> list[dict[str, Any]]:
    """Per profile question: how many respondents chose each option ("" = not answered)."""
    fields = questionnaire.profile
    counts: dict[str, dict[str, int]] = {
        f.key: {**{code: 0 for code, _ in f.options}, NOT_ANSWERED: 0} for f in fields
    }
    for profile in profiles:
        for f in fields:
            value = profile.get(f.key)
            key = value if isinstance(value, str) and value in counts[f.key] else NOT_ANSWERED
            counts[f.key][key] += 1
    return [
        {
            "field": f.key,
            "label": f.label,
            "options": [
                {"code": code, "label": label, "count": counts[f.key][code]}
                for code, label in f.options
            ],
            "not_answered": counts[f.key][NOT_ANSWERED],
        }
        for f in fields
    ]
