"""Reading catalogue files (`load_catalogue`): bad JSON named by line and column, missing and
undecodable files, keys given twice, a BOM; a file's problems are its document's problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appliance.catalogue.store import (
    CatalogueError,
    load_catalogue,
)
from tests.support.catalogue_fixtures import (
    small_document,
)


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "mpp-catalogue/1",\n  "site": {,\n}\n', encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(caught.value).startswith(f"{path}: invalid JSON at line 3, column 12: ")


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no such file"):
        load_catalogue(tmp_path / "nothing.json")
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"name": "Kantor Camat Sukadana é"}'.encode("latin-1"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(latin)


def test_keys_given_twice_are_problems_and_a_bom_is_fine(tmp_path: Path) -> None:
    text = json.dumps(small_document(), ensure_ascii=False)
    path = tmp_path / "c.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # as Notepad saves it
    assert load_catalogue(path).doc == small_document()
    path.write_text(text.replace('"fee": "Gratis"', '"fee": "Gratis", "fee": "Rp0"', 1))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems == (
        f'{path}: key "fee" given twice in one object ("Gratis", then "Rp0")',
    )


def test_file_problems_are_the_document_problems(tmp_path: Path) -> None:
    doc = small_document()
    doc["services"][0]["prefix"] = "i"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems == ('services[0].prefix: "i" is not 1-2 uppercase letters',)
