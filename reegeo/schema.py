"""Declarative checks for configuration tables (the rules file, the layer manifests).

A schema is a sequence of :class:`Field`: the field's name, the checks its value
must pass (each with the message that says what is wrong and what to do), when
it applies at all, and how its value is converted. :func:`check_table` runs
them in order and raises the caller's error for the first problem, naming the
field, so every message stays as specific as one written by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Field", "check_table"]

# (test, message): the message may use {value} (the field's value) and {entry} (the whole table).
Check = tuple[Callable[[Any], bool], str]


@dataclass(frozen=True)
class Field:
    """One field of a table and what its value must be."""

    name: str
    checks: tuple[Check, ...] = ()
    required: bool = True
    # The field applies only when this holds for the table; otherwise it must be absent.
    when: Callable[[Mapping[str, Any]], bool] | None = None
    absent: str = ""
    # Message when a required field is missing (default: the first check's message, with value None).
    missing: str = ""
    default: Any = None
    convert: Callable[[Any], Any] = field(default=lambda value: value)


def check_table(
    entry: Mapping[str, Any],
    fields: Sequence[Field],
    fail: Callable[[str, str], Exception],
    *,
    unknown: str | None = None,
    presence_first: bool = False,
) -> dict[str, Any]:
    """Check ``entry`` against ``fields``; return the converted values by field name.

    ``fail(field, problem)`` builds the error to raise. ``unknown``: the
    message for a field the schema does not know (None: unknown fields are
    allowed). ``presence_first``: report every missing required field before
    any invalid value.
    """
    if unknown is not None:
        stray = sorted(set(entry) - {f.name for f in fields})
        if stray:
            raise fail(stray[0], unknown)

    def applies(f: Field) -> bool:
        return f.when is None or f.when(entry)

    if presence_first:
        for f in fields:
            if f.required and applies(f) and f.name not in entry:
                raise fail(f.name, _missing(f, entry))
    values: dict[str, Any] = {}
    for f in fields:
        present = f.name in entry
        if not applies(f):
            if present:
                raise fail(f.name, f.absent.format(value=entry[f.name], entry=entry))
            values[f.name] = f.default
            continue
        if not present:
            if f.required:
                raise fail(f.name, _missing(f, entry))
            values[f.name] = f.default
            continue
        value = entry[f.name]
        for test, problem in f.checks:
            if not test(value):
                raise fail(f.name, problem.format(value=value, entry=entry))
        values[f.name] = f.convert(value)
    return values


def _missing(f: Field, entry: Mapping[str, Any]) -> str:
    if f.missing:
        return f.missing.format(value=None, entry=entry)
    return f.checks[0][1].format(value=None, entry=entry) if f.checks else "missing"
