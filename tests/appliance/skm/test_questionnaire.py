"""The shipped SKM questionnaire, its load-time checks and the anonymous respondent profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.skm import arithmetic as skm
from appliance.skm.arithmetic import SkmError
from appliance.skm.questionnaire import (
    PERSONAL_KEYS,
    Questionnaire,
    load_questionnaire,
    validate_respondent,
)


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture
def doc() -> dict[str, Any]:
    """The shipped file as a dict, to break one thing at a time."""
    from importlib.resources import files

    text = files("appliance").joinpath("data", "skm-permenpan-14-2017.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# --- the shipped file -----------------------------------------------------------------------


def test_nine_elements_with_four_scored_answers(q: Questionnaire) -> None:
    assert tuple(e.code for e in q.elements) == skm.ELEMENTS
    assert [e.order for e in q.elements] == list(range(1, 10))
    for element in q.elements:
        assert [(a.score, a.option) for a in element.answers] == [
            (1, "a"),
            (2, "b"),
            (3, "c"),
            (4, "d"),
        ]
        assert element.name and element.definition and element.question.endswith("?")
    assert q.element("U8").name.startswith("Penanganan Pengaduan")
    assert q.element("U9").name == "Sarana dan Prasarana"
    assert q.scale_labels == {1: "Tidak Baik", 2: "Kurang Baik", 3: "Baik", 4: "Sangat Baik"}
    assert q.regulation_short == "Permenpan RB 14/2017"


def test_sample_form_asks_facilities_before_complaints(q: Questionnaire) -> None:
    # Answers are stored by code; only the asking order swaps U8 and U9.
    assert [e.code for e in q.in_sample_order()][-2:] == ["U9", "U8"]
    with pytest.raises(SkmError):
        q.element("U10")


def test_categories_in_the_file_match_the_built_in_table(q: Questionnaire) -> None:
    # skm.py keeps its own copy so it stays free of I/O; this keeps the two equal.
    assert q.categories == skm.CATEGORIES


def test_profile_maps_the_file(q: Questionnaire) -> None:
    fields = {f.key: f for f in q.profile}
    assert list(fields) == ["jenis_kelamin", "pendidikan", "pekerjaan", "usia", "jam_survei"]
    assert fields["jenis_kelamin"].options == (("L", "Laki-laki"), ("P", "Perempuan"))
    assert fields["jenis_kelamin"].required and not fields["usia"].required
    assert fields["pekerjaan"].free_text_option == "LAINNYA"
    assert fields["pekerjaan"].free_text_key == "pekerjaan_lainnya"
    assert fields["pendidikan"].free_text_key is None
    assert fields["pendidikan"].local_options == ("D1-D3",)
    assert [(f.key, f.required) for f in q.free_text_fields] == [("saran", False)]


def test_load_from_a_path_gives_the_same_questionnaire(
    q: Questionnaire, doc: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "skm.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_questionnaire(path) == q


# --- files that must be refused --------------------------------------------------------------


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _drop_element(doc: dict[str, Any]) -> None:
    doc["unsur"].pop()


def _swap_sample_numbers(doc: dict[str, Any]) -> None:
    doc["unsur"][7]["sample_questionnaire_no"] = 8


def _nik_field(doc: dict[str, Any]) -> None:
    doc["respondent_profile"].append({"field": "nik", "label": "NIK", "options": []})


@pytest.mark.parametrize(
    "change",
    [
        _set(["format"], "skm-questionnaire/2"),
        _set(["weight", "fraction"], "0,11"),
        _set(["conversion_factor"], 20),
        _set(["unsur", 0, "code"], "U0"),
        _set(["unsur", 2, "answers", 3, "score"], 5),
        _set(["unsur", 2, "answers", 3, "option"], "c"),
        _set(["unsur", 4, "order"], 6),
        _set(["unsur", 4, "question"], None),
        _set(["categories", 3, "mutu"], "E"),
        _set(["categories", 3, "ikm_min"], "25"),
        _set(["scale", "perception", 0, "score"], 0),
        _set(["sample_questionnaire_order", 8], "U9"),
        _set(["respondent_profile", 0, "options", 1, "code"], "L"),
        _drop_element,
        _swap_sample_numbers,
        _nik_field,
    ],
)
def test_a_broken_file_is_refused(
    doc: dict[str, Any], tmp_path: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    change(doc)
    path = tmp_path / "skm.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SkmError):
        load_questionnaire(path)


def test_invalid_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "skm.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SkmError, match="JSON"):
        load_questionnaire(path)


# --- respondent profile ----------------------------------------------------------------------


def test_profile_may_be_skipped(q: Questionnaire) -> None:
    assert validate_respondent(q, {}) == {}
    assert validate_respondent(q, {"jenis_kelamin": None, "usia": "", "saran": "  "}) == {}


def test_profile_is_cleaned_and_ordered(q: Questionnaire) -> None:
    given_answers = {
        "saran": "  Antrean rapi.\nTerima kasih. ",
        "pekerjaan_lainnya": " Petani ",
        "pekerjaan": "LAINNYA",
        "pendidikan": "D1-D3",
        "jenis_kelamin": "P",
    }
    assert list(validate_respondent(q, given_answers).items()) == [
        ("jenis_kelamin", "P"),
        ("pendidikan", "D1-D3"),
        ("pekerjaan", "LAINNYA"),
        ("pekerjaan_lainnya", "Petani"),
        ("saran", "Antrean rapi.\nTerima kasih."),
    ]


@pytest.mark.parametrize(
    ("respondent", "fragment"),
    [
        ({"hobi": "x"}, "tidak dikenal"),
        ({"jenis_kelamin": "X"}, "tidak tersedia"),
        ({"jenis_kelamin": "l"}, "tidak tersedia"),
        ({"usia": 30}, "teks"),
        ({"pekerjaan": "PNS", "pekerjaan_lainnya": "Guru"}, "LAINNYA"),
        ({"pekerjaan_lainnya": "Guru"}, "LAINNYA"),
        ({"pekerjaan": "LAINNYA", "pekerjaan_lainnya": "x" * 101}, "100"),
        ({"pekerjaan": "LAINNYA", "pekerjaan_lainnya": "a\x00b"}, "karakter"),
        ({"saran": "x" * 1001}, "1000"),
    ],
)
def test_profile_refuses(q: Questionnaire, respondent: dict[str, object], fragment: str) -> None:
    with pytest.raises(SkmError, match=fragment):
        validate_respondent(q, respondent)


@pytest.mark.parametrize("key", [*sorted(PERSONAL_KEYS), "NIK", "Nama"])
def test_the_survey_is_anonymous(q: Questionnaire, key: str) -> None:
    with pytest.raises(SkmError, match="anonim"):
        validate_respondent(q, {key: "3171234567890001"})


def test_required_marks_apply_only_when_asked(q: Questionnaire) -> None:
    partial = {"jenis_kelamin": "L"}
    assert validate_respondent(q, partial) == partial
    with pytest.raises(SkmError, match="Pendidikan Terakhir, Pekerjaan"):
        validate_respondent(q, partial, enforce_required=True)
    full = {"jenis_kelamin": "L", "pendidikan": "SMA", "pekerjaan": "WIRAUSAHA"}
    assert validate_respondent(q, full, enforce_required=True) == full


@given(st.data())
def test_any_choice_of_offered_options_is_accepted(q: Questionnaire, data: st.DataObject) -> None:
    chosen = {
        f.key: data.draw(st.sampled_from([v for v, _ in f.options]))
        for f in q.profile
        if data.draw(st.booleans())
    }
    assert validate_respondent(q, chosen) == {
        f.key: chosen[f.key] for f in q.profile if f.key in chosen
    }
