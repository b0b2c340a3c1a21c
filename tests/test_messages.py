"""Tests of reegeo.messages: every library text exists in English and Bahasa Malaysia, and the reader's speak both."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import string
from dataclasses import replace
from pathlib import Path

import pytest
import upload_corpus as corpus

import reegeo
from reegeo.errors import ReegeoError, UploadError
from reegeo.io.sites import read_layer, read_sites
from reegeo.messages import Catalog, Message, and_list, in_language, joined, located, registered


def _import_every_module() -> None:
    for module in pkgutil.walk_packages(reegeo.__path__, prefix="reegeo."):
        if not module.name.endswith("__main__"):  # runs the CLI
            importlib.import_module(module.name)


def _fields(template: str | tuple[str, str]) -> set[str]:
    templates = template if isinstance(template, tuple) else (template,)
    return {field.split(".")[0].split("[")[0] for text in templates
            for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_text_has_both_languages_with_the_same_placeholders():
    _import_every_module()
    texts = registered()
    assert len(texts) > 50
    for key, entry in texts.items():
        assert entry.get("en") and entry.get("ms"), key
        assert _fields(entry["en"]) == _fields(entry["ms"]), f"{key}: placeholders differ between en and ms"


def test_a_catalog_refuses_a_missing_language_or_a_second_declaration():
    with pytest.raises(ValueError, match="lacks ms"):
        Catalog("tests.missing", {"only_english": {"en": "hello"}})
    Catalog("tests.twice", {"text": {"en": "a", "ms": "b"}})
    with pytest.raises(ValueError, match="declared twice"):
        Catalog("tests.twice", {"text": {"en": "a", "ms": "b"}})


_TEST_TEXTS = Catalog("tests.messages", {
    "rows": {"en": ("{count:,} row in {argument}", "{count:,} rows in {argument}"), "ms": "{count:,} baris dalam {argument}"},
})


def test_a_message_is_its_english_text_and_gives_malay_on_request():
    one, many = _TEST_TEXTS("rows", count=1), _TEST_TEXTS("rows", count=1200)
    assert one == "1 row in {argument}" and many == "1,200 rows in {argument}"
    assert many.in_language("ms") == "1,200 baris dalam {argument}"
    nested = located("sites.csv", many)
    assert nested == "sites.csv: 1,200 rows in {argument}"
    assert in_language(nested, "ms") == "sites.csv: 1,200 baris dalam {argument}"
    assert in_language("a plain value", "ms") == "a plain value"
    assert and_list(["Johor", "Pahang", many]).in_language("ms") == "Johor, Pahang dan 1,200 baris dalam {argument}"
    assert joined([one, many]).in_language("ms") == "1 baris dalam {argument} 1,200 baris dalam {argument}"
    assert pickle.loads(pickle.dumps(nested)).in_language("ms") == nested.in_language("ms")


def test_an_error_describes_itself_in_either_language_with_its_argument_named():
    error = UploadError(located("sites.csv", _TEST_TEXTS("rows", count=2)), argument="layer")
    assert error.describe() == "sites.csv: 2 rows in layer=NAME"
    assert error.describe({"layer": "the layer picker"}, lang="ms") == "sites.csv: 2 baris dalam the layer picker"
    assert pickle.loads(pickle.dumps(error)).describe(lang="ms") == "sites.csv: 2 baris dalam layer=NAME"


@pytest.mark.parametrize("case", corpus.CASES, ids=[case.id for case in corpus.CASES])
def test_what_the_reader_says_about_each_corpus_file_is_in_both_languages(case: corpus.Case, tmp_path: Path):
    """Every error and note of the reader is a Message: the Malay app never shows it in English."""
    reader = read_sites if case.reader == "sites" else read_layer
    data = case.build(tmp_path)
    try:
        result = reader(data, filename=case.filename, layer=case.layer, limits=replace(case.limits, max_read_s=None))
    except ReegeoError as error:
        texts = [error.what] + ([error.hint] if error.hint else [])
    else:
        texts = list(result.notes)
    for text in texts:
        assert isinstance(text, Message), f"not translatable: {text!r}"
        assert text.in_language("ms") != str(text), f"no Malay for {text.key}: {text!r}"
