"""Texts the library writes for people (errors, reader notes), in English and Bahasa Malaysia.

A module declares its texts once, as a :class:`Catalog` of templates, and
builds each text with it::

    _M = Catalog("io.checks", {
        "no_geometry": {
            "en": ("{count:,} row has no geometry", "{count:,} rows have no geometry"),
            "ms": "{count:,} baris tiada geometri",
        },
    })
    note = _M("no_geometry", count=3)    # a Message: '3 rows have no geometry'
    note.in_language("ms")               # '3 baris tiada geometri'

A :class:`Message` *is* the English string (a ``str`` subclass), so code and
tests that treat texts as strings keep working and the CLI prints English. A
boundary that speaks another language (the app) asks for
:meth:`Message.in_language`, or :func:`in_language` for any text. Values that are
Messages themselves (a list of rows, a file's problem) are given in the same
language. A template that is a pair is ``(one, other)``, chosen by the
``count`` value. ``{argument}`` stays in the text for
:meth:`reegeo.errors.ReegeoError.describe` to fill in.

The registry below is filled once, when the modules that declare texts are
imported, and only read after that.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

__all__ = ["LANGUAGES", "Catalog", "Deferred", "Message", "and_list", "in_language", "joined", "located", "registered"]

LANGUAGES = ("en", "ms")

Template = str | tuple[str, str]

_REGISTRY: dict[str, Mapping[str, Template]] = {}


class Catalog:
    """The texts of one module: ``{name: {"en": template, "ms": template}}``, keys prefixed ``<prefix>.``.

    Calling it builds a :class:`Message`. A name declared twice, or a text
    lacking a language, is an error at import time.
    """

    def __init__(self, prefix: str, texts: Mapping[str, Mapping[str, Template]]) -> None:
        self.prefix = prefix
        for name, entry in texts.items():
            key = f"{prefix}.{name}"
            missing = [lang for lang in LANGUAGES if not entry.get(lang)]
            if missing:
                raise ValueError(f"text {key!r} lacks {', '.join(missing)}")
            if key in _REGISTRY:
                raise ValueError(f"text {key!r} is declared twice")
            _REGISTRY[key] = entry

    def __call__(self, name: str, /, **values: Any) -> Message:
        return Message(f"{self.prefix}.{name}", **values)

    def later(self, name: str, /, **values: Any) -> Deferred:
        """The text ``name``, to be filled in by ``.format(**more)`` (as :mod:`reegeo.schema` fills a check's message)."""
        return Deferred(self, name, **values)


class Message(str):
    """A text in English that can be given in Bahasa Malaysia too (see the module docstring)."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Message:
        if key not in _REGISTRY:
            raise KeyError(f"no text {key!r} is declared")
        text = super().__new__(cls, _render(key, "en", values))
        text.key, text.values = key, values
        return text

    def in_language(self, lang: str) -> str:
        """This text in ``lang`` (``en`` or ``ms``), its Message values likewise."""
        return _render(self.key, lang, self.values)

    def __reduce__(self):  # pickled (Dask, session copies) as its key and values, not its English text
        return _rebuild, (self.key, self.values)


class Deferred(str):
    """A catalog text whose other values come later: ``.format(value=..., entry=...)`` gives the :class:`Message`.

    :func:`reegeo.schema.check_table` fills in a failed check's message with
    ``problem.format(value=..., entry=...)``; a ``Deferred`` answers with the
    catalog's Message, so the error speaks either language. As a string it is
    the English template.
    """

    catalog: Catalog
    name: str
    values: dict[str, Any]

    def __new__(cls, catalog: Catalog, name: str, /, **values: Any) -> Deferred:
        template = _REGISTRY[f"{catalog.prefix}.{name}"]["en"]
        text = super().__new__(cls, template if isinstance(template, str) else template[1])
        text.catalog, text.name, text.values = catalog, name, values
        return text

    def format(self, *args: Any, **kwargs: Any) -> Message:  # noqa: ARG002 - str.format's signature
        return self.catalog(self.name, **self.values, **kwargs)


def _rebuild(key: str, values: dict[str, Any]) -> Message:
    return Message(key, **values)


def in_language(text: object, lang: str) -> str:
    """``text`` in ``lang`` when it is a :class:`Message`; any other text as it is (a file name, a value)."""
    return text.in_language(lang) if isinstance(text, Message) else str(text)


def registered() -> dict[str, Mapping[str, Template]]:
    """Every declared text by key (for the tests that check both languages and their placeholders)."""
    return dict(_REGISTRY)


class _KeepArgument(string.Formatter):
    """Formats a template; ``{argument}`` is left for :meth:`ReegeoError.describe`."""

    def get_value(self, key, args, kwargs):  # noqa: ANN001 - string.Formatter's signature
        if key == "argument" and key not in kwargs:
            return "{argument}"
        return super().get_value(key, args, kwargs)


_FORMATTER = _KeepArgument()


def _render(key: str, lang: str, values: Mapping[str, Any]) -> str:
    entry = _REGISTRY[key]
    template = entry.get(lang) or entry["en"]
    if isinstance(template, tuple):
        template = template[0] if values.get("count") == 1 else template[1]
    shown = {name: in_language(value, lang) if isinstance(value, Message) else value for name, value in values.items()}
    return _FORMATTER.format(template, **shown)


_BASE = Catalog("text", {
    "located": {"en": "{where}: {text}", "ms": "{where}: {text}"},
    "pair": {"en": "{first} and {last}", "ms": "{first} dan {last}"},
    "list": {"en": "{head}, {last}", "ms": "{head}, {last}"},
    "joined": {"en": "{first}{separator}{rest}", "ms": "{first}{separator}{rest}"},
})


def located(where: object, text: object) -> Message:
    """``"<where>: <text>"`` (a file, a row, a rule before its message), ``text`` translated when a Message."""
    return _BASE("located", where=where, text=text)


def joined(texts: list[object], separator: str = " ") -> Message | str:
    """Texts one after the other (sentences, notes), each given in the language asked for."""
    if not texts:
        return ""
    message: object = texts[-1]
    for text in reversed(texts[:-1]):
        message = _BASE("joined", first=text, separator=separator, rest=message)
    return message if isinstance(message, Message) else _BASE("joined", first=message, separator="", rest="")


def and_list(items: list[object]) -> Message | str:
    """``"a, b and c"`` / ``"a, b dan c"``; the items as they are (names, numbers) or Messages."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0] if isinstance(items[0], Message) else _BASE("joined", first=items[0], separator="", rest="")
    message = _BASE("pair", first=items[-2], last=items[-1])
    for item in reversed(items[:-2]):
        message = _BASE("list", head=item, last=message)
    return message
