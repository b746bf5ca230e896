"""The SKM questionnaire (`skm-questionnaire/1`) and the rules of its anonymous respondent profile.

The questionnaire ships as package data and is checked against the arithmetic in `skm` when it is
loaded: a file whose elements, scale, weight or categories differ from what `skm` computes with
would silently produce wrong reports, so it is refused instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from appliance.skm import arithmetic as skm
from appliance.skm.arithmetic import Category, SkmError

FORMAT = "skm-questionnaire/1"
DATA_FILE = "skm-permenpan-14-2017.json"
# Keys that would identify a person. The survey is anonymous (the regulation asks no name or NIK),
# so these get their own refusal rather than the generic "unknown field".
PERSONAL_KEYS = frozenset(
    {"nama", "name", "nik", "nip", "hp", "no_hp", "telepon", "phone", "email", "alamat", "address"}
)
OTHER_TEXT_MAX = 100  # the "Lainnya (sebutkan)" answer
REMARK_MAX = 1000  # saran dan masukan

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    score: int
    option: str  # the letter printed on the paper form, a-d
    label: str


@dataclass(frozen=True)
class Element:
    code: str
    order: int
    name: str
    definition: str
    question: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class ProfileField:
    """A profile question; `local_options` are common local additions not in the sample form."""

    key: str
    label: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    required: bool  # as the regulation's sample form marks it; the survey itself lets it be skipped
    free_text_option: str | None
    local_options: tuple[str, ...] = ()

    @property
    def free_text_key(self) -> str | None:
        """The key of the text that goes with the free-text option ("pekerjaan_lainnya")."""
        if self.free_text_option is None:
            return None
        return f"{self.key}_{self.free_text_option.lower()}"


@dataclass(frozen=True)
class FreeTextField:
    key: str
    label: str
    required: bool


@dataclass(frozen=True)
class Questionnaire:
    elements: tuple[Element, ...]  # in code order U1..U9, which is how answers are stored
    profile: tuple[ProfileField, ...]
    scale_labels: dict[int, str]
    regulation_short: str
    regulation_title: str = ""
    sample_order: tuple[str, ...] = skm.ELEMENTS  # the order the sample form asks (U9 before U8)
    categories: tuple[Category, ...] = ()
    free_text_fields: tuple[FreeTextField, ...] = ()

    def element(self, code: str) -> Element:
        for element in self.elements:
            if element.code == code:
                return element
        raise SkmError(f"Unsur tidak dikenal: {code}.")

    def in_sample_order(self) -> tuple[Element, ...]:
        """Elements in the order the regulation's sample questionnaire asks them."""
        return tuple(self.element(code) for code in self.sample_order)


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """Load and check a questionnaire; by default the Permenpan RB 14/2017 file shipped with us."""
    if path is None:
        text = files("appliance").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SkmError(f"Kuesioner SKM bukan JSON yang sah: {exc}") from exc
    if _get(doc, "format", str, "kuesioner") != FORMAT:
        raise SkmError(f"Kuesioner SKM: format harus {FORMAT}.")
    regulation = _get(doc, "regulation", dict, "kuesioner")
    weight = _get(doc, "weight", dict, "kuesioner")
    if _get(weight, "fraction", str, "weight") != "1/9":
        raise SkmError("Kuesioner SKM: bobot unsur harus 1/9.")
    if _get(doc, "conversion_factor", int, "kuesioner") != skm.CONVERSION_FACTOR:
        raise SkmError(f"Kuesioner SKM: faktor konversi harus {skm.CONVERSION_FACTOR}.")
    elements = tuple(
        _element(raw, i) for i, raw in enumerate(_get(doc, "unsur", list, "kuesioner"))
    )
    if tuple(e.code for e in elements) != skm.ELEMENTS:
        raise SkmError("Kuesioner SKM: unsur harus U1..U9 berurutan.")
    scale = _get(doc, "scale", dict, "kuesioner")
    perception = _get(scale, "perception", list, "scale")
    scale_labels = {
        _get(p, "score", int, "scale"): _get(p, "label", str, "scale") for p in perception
    }
    if tuple(sorted(scale_labels)) != skm.SCORES:
        raise SkmError("Kuesioner SKM: skala harus bernilai 1-4.")
    sample_order = tuple(str(c) for c in _get(doc, "sample_questionnaire_order", list, "kuesioner"))
    numbers = [_get(raw, "sample_questionnaire_no", int, raw["code"]) for raw in doc["unsur"]]
    if sorted(sample_order) != list(skm.ELEMENTS) or any(
        not 1 <= n <= len(skm.ELEMENTS) or sample_order[n - 1] != code
        for n, code in zip(numbers, skm.ELEMENTS, strict=True)
    ):
        raise SkmError("Kuesioner SKM: urutan dan nomor contoh kuesioner tidak cocok.")
    categories = tuple(_category(raw) for raw in _get(doc, "categories", list, "kuesioner"))
    if sorted(c.letter for c in categories) != sorted(skm.CATEGORY_LABELS_EN):
        raise SkmError("Kuesioner SKM: kategori harus A, B, C dan D masing-masing sekali.")
    profile = tuple(
        _profile_field(raw) for raw in _get(doc, "respondent_profile", list, "kuesioner")
    )
    keys = [f.key for f in profile]
    if len(set(keys)) != len(keys) or PERSONAL_KEYS.intersection(keys):
        raise SkmError("Kuesioner SKM: kolom profil harus unik dan bukan data pribadi.")
    return Questionnaire(
        elements=elements,
        profile=profile,
        scale_labels=scale_labels,
        regulation_short=_get(regulation, "short", str, "regulation"),
        regulation_title=_get(regulation, "title", str, "regulation"),
        sample_order=sample_order,
        categories=categories,
        free_text_fields=tuple(
            FreeTextField(
                _get(raw, "field", str, "free_text_fields"),
                _get(raw, "label", str, "free_text_fields"),
                bool(raw.get("required", False)),
            )
            for raw in doc.get("free_text_fields", [])
        ),
    )


def validate_respondent(
    q: Questionnaire, respondent: Mapping[str, object], *, enforce_required: bool = False
) -> dict[str, str]:
    """The cleaned, optional profile of one respondent: known fields and options only.

    Empty values (None, "") mean "not answered" and are dropped. The text of a free-text option
    ("pekerjaan_lainnya") is kept only with that option. Free-text fields such as `saran` are
    accepted here too. The form may skip the profile; `enforce_required` applies the sample
    form's required marks for callers that want them.
    """
    fields = {f.key: f for f in q.profile}
    companions = {f.free_text_key: f for f in q.profile if f.free_text_key}
    remarks = {f.key: f for f in q.free_text_fields}
    cleaned: dict[str, str] = {}
    for key, value in respondent.items():
        if not isinstance(key, str):
            raise SkmError(f"Kolom profil tidak dikenal: {key!r}.")
        if key.lower() in PERSONAL_KEYS:
            raise SkmError(f"Survei ini anonim: kolom {key!r} tidak diterima.")
        if key not in fields and key not in companions and key not in remarks:
            raise SkmError(f"Kolom profil tidak dikenal: {key!r}.")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            raise SkmError(f"Isian {key!r} harus berupa teks.")
        if key in fields:
            value = value.strip()
            if value not in dict(fields[key].options):
                raise SkmError(f"Pilihan {value!r} tidak tersedia untuk {fields[key].label}.")
            cleaned[key] = value
        else:
            limit = REMARK_MAX if key in remarks else OTHER_TEXT_MAX
            cleaned[key] = _free_text(key, value, limit, multiline=key in remarks)
    for key, field in companions.items():
        if key in cleaned and cleaned.get(field.key) != field.free_text_option:
            raise SkmError(f"Isian {key!r} hanya untuk pilihan {field.free_text_option}.")
    if enforce_required:
        wanted: tuple[ProfileField | FreeTextField, ...] = (*q.profile, *q.free_text_fields)
        missing = [f.label for f in wanted if f.required and f.key not in cleaned]
        if missing:
            raise SkmError("Belum diisi: " + ", ".join(missing) + ".")
    # Profile order first, then the free texts, so stored records read the same way every time.
    order = [*fields, *companions, *remarks]
    return {key: cleaned[key] for key in order if key in cleaned}


def _free_text(key: str, value: str, limit: int, *, multiline: bool) -> str:
    text = value.strip()
    allowed = {"\n", "\r", "\t"} if multiline else set()
    if any(not ch.isprintable() and ch not in allowed for ch in text):
        raise SkmError(f"Isian {key!r} memuat karakter yang tidak diizinkan.")
    if len(text) > limit:
        raise SkmError(f"Isian {key!r} paling banyak {limit} karakter.")
    return text


def _get(obj: object, key: str, kind: type[T], where: str) -> T:
    """obj[key] of the given JSON type, or an SkmError that says where the file is wrong."""
    if not isinstance(obj, dict) or key not in obj:
        raise SkmError(f"Kuesioner SKM: {where}.{key} tidak ada.")
    value: Any = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise SkmError(f"Kuesioner SKM: {where}.{key} harus {kind.__name__}.")
    return value


def _element(raw: object, index: int) -> Element:
    code = _get(raw, "code", str, f"unsur[{index}]")
    if _get(raw, "order", int, code) != index + 1:
        raise SkmError(f"Kuesioner SKM: {code}.order harus {index + 1}.")
    answers = tuple(
        Answer(
            _get(a, "score", int, code), _get(a, "option", str, code), _get(a, "label", str, code)
        )
        for a in _get(raw, "answers", list, code)
    )
    if tuple(a.score for a in answers) != skm.SCORES or len({a.option for a in answers}) != 4:
        raise SkmError(f"Kuesioner SKM: jawaban {code} harus bernilai 1-4 dengan opsi berbeda.")
    return Element(
        code=code,
        order=index + 1,
        name=_get(raw, "name", str, code),
        definition=_get(raw, "definition", str, code),
        question=_get(raw, "question", str, code),
        answers=answers,
    )


def _profile_field(raw: object) -> ProfileField:
    key = _get(raw, "field", str, "respondent_profile")
    options = _get(raw, "options", list, key)
    values = [(_get(o, "code", str, key), _get(o, "label", str, key)) for o in options]
    free = [o["code"] for o in options if o.get("free_text") is True]
    if len({v for v, _ in values}) != len(values) or len(free) > 1:
        raise SkmError(f"Kuesioner SKM: pilihan {key} harus unik, paling banyak satu isian bebas.")
    return ProfileField(
        key=key,
        label=_get(raw, "label", str, key),
        options=tuple(values),
        required=bool(raw.get("required", False)) if isinstance(raw, dict) else False,
        free_text_option=free[0] if free else None,
        local_options=tuple(o["code"] for o in options if o.get("in_sample") is False),
    )


def _category(raw: object) -> Category:
    letter = _get(raw, "mutu", str, "categories")
    if letter not in skm.CATEGORY_LABELS_EN:
        raise SkmError(f"Kuesioner SKM: kategori {letter!r} tidak dikenal.")

    def bound(key: str) -> Decimal:
        value = raw.get(key) if isinstance(raw, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise SkmError(f"Kuesioner SKM: categories.{letter}.{key} harus angka.")
        return skm.round_half_up(Decimal(str(value)), 2)

    return Category(
        letter=letter,
        label_id=_get(raw, "kinerja", str, f"categories.{letter}"),
        label_en=skm.CATEGORY_LABELS_EN[letter],
        low=bound("ikm_min"),
        high=bound("ikm_max"),
    )
