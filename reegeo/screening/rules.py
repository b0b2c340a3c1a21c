"""Screening rules: data in a TOML file, validated on load.

A rule says which layer it tests, how (``intersects``, ``within_distance`` or
``always``), how severe a hit is (``prohibited``, ``review`` or ``advisory``),
the legal basis, and what it means in English and Bahasa Malaysia.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomli_w

from reegeo.errors import RulesError
from reegeo.messages import Catalog
from reegeo.paths import DEFAULT_RULES_PATH
from reegeo.schema import Check, Field, check_table
from reegeo.vocab import RELATIONS, SEVERITIES, Relation

__all__ = [
    "RULE_SCHEMA",
    "Rule",
    "RuleChange",
    "describe_changes",
    "humanise",
    "default_rules",
    "dump_rules",
    "load_rules",
    "parse_rules",
    "parse_rules_bytes",
    "update_rule",
]


_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LAYER_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_MAX_RULES = 200
_MAX_DISTANCE_M = 200_000.0
_MAX_WHERE_VALUES = 50

_M = Catalog("screening.rules", {
    "rules_file_missing": {
        "en": "rules file {path} does not exist: give the path of a rules TOML file",
        "ms": "fail peraturan {path} tidak wujud: berikan laluan fail TOML peraturan",
    },
    "rules_file_unreadable": {
        "en": "rules file {path} cannot be read ({reason}): give a UTF-8 TOML file",
        "ms": "fail peraturan {path} tidak dapat dibaca ({reason}): berikan fail TOML UTF-8",
    },
    "default_source": {"en": "rules", "ms": "set peraturan"},
    "not_utf8": {
        "en": "{source} is not UTF-8 text (byte {byte}): save it as UTF-8 TOML",
        "ms": "{source} bukan teks UTF-8 (bait {byte}): simpan sebagai TOML UTF-8",
    },
    "not_toml": {
        "en": "{source} is not valid TOML ({reason}): fix the syntax, or start from the bundled rules (the Rules page's download, or geodata/rules.toml in the project)",
        "ms": "{source} bukan TOML yang sah ({reason}): betulkan sintaksnya, atau mulakan daripada peraturan yang disertakan (muat turun di halaman Peraturan, atau geodata/rules.toml dalam projek)",
    },
    "unknown_top_level": {
        "en": "{source}: unknown top-level key(s) {keys}: a rules file holds only [[rules]] tables",
        "ms": "{source}: kunci peringkat atas yang tidak dikenali {keys}: fail peraturan hanya mengandungi jadual [[rules]]",
    },
    "no_rules": {
        "en": "{source} has no [[rules]] tables: add at least one rule (see the bundled rules: the Rules page's download, or geodata/rules.toml in the project)",
        "ms": "{source} tiada jadual [[rules]]: tambah sekurang-kurangnya satu peraturan (lihat peraturan yang disertakan: muat turun di halaman Peraturan, atau geodata/rules.toml dalam projek)",
    },
    "too_many_rules": {
        "en": "{source} has {count} rules; at most {maximum} are allowed",
        "ms": "{source} mempunyai {count} peraturan; paling banyak {maximum} dibenarkan",
    },
    "duplicate_id": {
        "en": "{source}: rule id {id!r} is used twice: give each rule a unique id",
        "ms": "{source}: id peraturan {id!r} digunakan dua kali: berikan id yang unik kepada setiap peraturan",
    },
    "unknown_rule_id": {
        "en": "no rule has id {id!r}: known ids are {known}",
        "ms": "tiada peraturan dengan id {id!r}: id yang dikenali ialah {known}",
    },
    "edited_source": {"en": "edited rules", "ms": "peraturan yang disunting"},
    "label_empty": {
        "en": "is empty: give a short name for the rule, or leave the field out",
        "ms": "kosong: berikan nama ringkas untuk peraturan ini, atau tinggalkan medan ini",
    },
    "label_too_long": {
        "en": "longer than 80 characters: a label is a short name (the message says the rest)",
        "ms": "melebihi 80 aksara: label ialah nama ringkas (mesej menerangkan selebihnya)",
    },
    "text_missing": {
        "en": "missing or empty: every rule needs its legal basis and its message in English (en) and Bahasa Malaysia (ms)",
        "ms": "tiada atau kosong: setiap peraturan memerlukan asas undang-undang dan mesejnya dalam bahasa Inggeris (en) dan Bahasa Malaysia (ms)",
    },
    "text_too_long": {
        "en": "longer than 2000 characters: shorten it (at most 2000 are allowed)",
        "ms": "melebihi 2000 aksara: pendekkannya (paling banyak 2000 dibenarkan)",
    },
    "invalid_id": {
        "en": "{value!r} is not a valid id: use lower_snake_case letters, digits and _ (e.g. forest_reserve)",
        "ms": "{value!r} bukan id yang sah: gunakan huruf lower_snake_case, digit dan _ (cth. forest_reserve)",
    },
    "not_allowed": {
        "en": "{value!r} is not allowed; use one of {allowed}",
        "ms": "{value!r} tidak dibenarkan; gunakan salah satu daripada {allowed}",
    },
    "not_a_layer_name": {
        "en": "{value!r} is not a layer name: name a layer such as forest_reserves or water_catchments",
        "ms": "{value!r} bukan nama lapisan: namakan lapisan seperti forest_reserves atau water_catchments",
    },
    "layer_with_always": {
        "en": "a rule with relation 'always' tests no layer: remove the field",
        "ms": "peraturan dengan hubungan 'always' tidak menguji sebarang lapisan: buang medan ini",
    },
    "distance_not_a_number": {
        "en": "{value!r} is not a number: give the buffer in metres, e.g. distance_m = 500",
        "ms": "{value!r} bukan nombor: berikan zon penampan dalam meter, cth. distance_m = 500",
    },
    "distance_out_of_range": {
        "en": "{value:g} m is out of range: use more than 0 and at most {maximum:g} m",
        "ms": "{value:g} m di luar julat: gunakan lebih daripada 0 dan paling banyak {maximum:g} m",
    },
    "distance_not_taken": {
        "en": "only rules with relation 'within_distance' take a distance (this one is {entry[relation]!r}): remove the field",
        "ms": "hanya peraturan dengan hubungan 'within_distance' mengambil jarak (peraturan ini ialah {entry[relation]!r}): buang medan ini",
    },
    "where_not_a_table": {
        "en": "must be a table with one column and its values, e.g. where = {{ category = [\"national_park\"] }}",
        "ms": "mesti jadual dengan satu lajur dan nilainya, cth. where = {{ category = [\"national_park\"] }}",
    },
    "where_bad_values": {
        "en": "{value!r}: the column needs a list of 1 to {maximum} text values, e.g. [\"national_park\"]",
        "ms": "{value!r}: lajur itu memerlukan senarai 1 hingga {maximum} nilai teks, cth. [\"national_park\"]",
    },
    "where_with_always": {
        "en": "a rule with relation 'always' tests no layer, so it cannot filter one: remove the field",
        "ms": "peraturan dengan hubungan 'always' tidak menguji sebarang lapisan, jadi ia tidak boleh menapis lapisan: buang medan ini",
    },
    "rule_not_a_table": {
        "en": "{source}: rule #{position} is not a table: write it as [[rules]] with key = value lines",
        "ms": "{source}: peraturan #{position} bukan jadual: tulis sebagai [[rules]] dengan baris kunci = nilai",
    },
    "rule_by_id": {"en": "rule {id!r}", "ms": "peraturan {id!r}"},
    "rule_by_position": {"en": "rule #{position}", "ms": "peraturan #{position}"},
    "field_problem": {
        "en": "{source}: {rule}, field '{field}': {problem}",
        "ms": "{source}: {rule}, medan '{field}': {problem}",
    },
    "unknown_field": {
        "en": "unknown field; allowed fields are {fields}",
        "ms": "medan tidak dikenali; medan yang dibenarkan ialah {fields}",
    },
})
# What a rules text is called in messages when the caller gives it no name.
_DEFAULT_SOURCE = _M("default_source")


@dataclass(frozen=True)
class Rule:
    """One screening rule.

    Attributes
    ----------
    id : str
        Unique lower_snake_case identifier; it appears in the ``violations``,
        ``flags`` and ``advisories`` columns.
    layer : str or None
        Canonical name of the layer the rule tests; None for ``always``.
    relation : str
        ``intersects``, ``within_distance`` or ``always``.
    distance_m : float or None
        Buffer in metres for ``within_distance``; None otherwise.
    severity : str
        ``prohibited``, ``review`` or ``advisory``.
    legal_basis : str
        The law, order or guideline the rule encodes.
    message_en, message_ms : str
        What a hit means, in English and Bahasa Malaysia.
    where : tuple of (str, tuple of str), optional
        Test only the layer's features whose column has one of the values,
        e.g. ``where = { category = ["national_park", "wildlife_reserve"] }``;
        None tests every feature.
    """

    id: str
    layer: str | None
    relation: str
    distance_m: float | None
    severity: str
    legal_basis: str
    message_en: str
    message_ms: str
    where: tuple[str, tuple[str, ...]] | None = None
    label_en: str | None = None
    label_ms: str | None = None
    legal_basis_ms: str | None = None

    def message(self, lang: str = "en") -> str:
        """The rule's message in ``lang`` (``en`` or ``ms``)."""
        return self.message_ms if lang == "ms" else self.message_en

    def basis(self, lang: str = "en") -> str:
        """The legal basis in ``lang`` (English when no Malay text is given)."""
        return (self.legal_basis_ms if lang == "ms" else None) or self.legal_basis

    def label(self, lang: str = "en") -> str:
        """A short name a planner reads ("Forest-reserve buffer"); from the id when the rule gives none."""
        chosen = self.label_ms if lang == "ms" else self.label_en
        return chosen or self.label_en or humanise(self.id)


def humanise(code: str) -> str:
    """``forest_reserve_buffer`` as "Forest reserve buffer": a readable name for a code that has no label."""
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class RuleChange:
    """One edit of the rules in force: what changed, who changed it and why (kept in a project, shown in reports).

    Attributes
    ----------
    rule_id : str
        The rule edited, or ``*`` for the whole rule set (reset, or replaced from a file).
    change : str
        What changed, e.g. ``severity: prohibited -> review`` or ``distance_m: 500 -> 1000``.
    author, reason : str
        Who made the change and why, as they typed it (may be empty).
    time : str
        When, as ISO 8601 UTC.
    """

    rule_id: str
    change: str
    author: str = ""
    reason: str = ""
    time: str = ""


def describe_changes(before: Iterable[Rule], after: Iterable[Rule]) -> list[tuple[str, str]]:
    """``(rule_id, change)`` for every field that differs between two rule sets with the same ids."""
    old = {rule.id: rule for rule in before}
    changes = []
    for rule in after:
        previous = old.get(rule.id)
        if previous is None:
            changes.append((rule.id, "added"))
            continue
        for name, label in (("severity", "severity"), ("distance_m", "buffer distance")):
            was, now = getattr(previous, name), getattr(rule, name)
            if was != now:
                show = (lambda v: f"{v:,.0f} m") if name == "distance_m" else str
                changes.append((rule.id, f"{label}: {show(was) if was is not None else '-'} -> {show(now) if now is not None else '-'}"))
    return changes


def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """Read and validate a rules TOML file.

    Parameters
    ----------
    path : str or Path, optional
        The rules file; the bundled ``geodata/rules.toml`` when omitted.

    Returns
    -------
    tuple of Rule
        In file order.

    Raises
    ------
    RulesError
        When the file is missing, is not TOML, or a rule is invalid; the
        message names the file, the rule and the field.
    """
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(_M("rules_file_missing", path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(_M("rules_file_unreadable", path=path, reason=str(exc))) from None
    return parse_rules(text, source=str(path))


def default_rules() -> tuple[Rule, ...]:
    """The bundled rules (``geodata/rules.toml``)."""
    return load_rules(DEFAULT_RULES_PATH)


def parse_rules_bytes(data: bytes, *, source: str = _DEFAULT_SOURCE) -> tuple[Rule, ...]:
    """Parse rules from an uploaded file's bytes (UTF-8, as TOML requires).

    Raises
    ------
    RulesError
        When the bytes are not UTF-8, or as :func:`parse_rules`.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulesError(_M("not_utf8", source=source, byte=exc.start)) from None
    return parse_rules(text, source=source)


def parse_rules(text: str, *, source: str = _DEFAULT_SOURCE) -> tuple[Rule, ...]:
    """Parse and validate rules from TOML text.

    Parameters
    ----------
    text : str
        TOML with one ``[[rules]]`` table per rule.
    source : str
        Name of the file or upload, used in error messages.

    Raises
    ------
    RulesError
        Naming ``source``, the rule (by id, or by position when it has none)
        and the offending field.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(_M("not_toml", source=source, reason=str(exc))) from None
    unknown_top = sorted(set(data) - {"rules"})
    if unknown_top:
        raise RulesError(_M("unknown_top_level", source=source, keys=", ".join(unknown_top)))
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RulesError(_M("no_rules", source=source))
    if len(entries) > _MAX_RULES:
        raise RulesError(_M("too_many_rules", source=source, count=len(entries), maximum=_MAX_RULES))
    rules = tuple(_parse_rule(entry, position, source) for position, entry in enumerate(entries, start=1))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RulesError(_M("duplicate_id", source=source, id=rule.id))
        seen.add(rule.id)
    return rules


def dump_rules(rules: Iterable[Rule]) -> str:
    """Write rules as TOML text that :func:`parse_rules` reads back unchanged."""
    tables = []
    for rule in rules:
        table: dict[str, Any] = {"id": rule.id}
        if rule.layer is not None:
            table["layer"] = rule.layer
        table["relation"] = rule.relation
        if rule.distance_m is not None:
            table["distance_m"] = float(rule.distance_m)
        table["severity"] = rule.severity
        table["legal_basis"] = rule.legal_basis
        table["message_en"] = rule.message_en
        table["message_ms"] = rule.message_ms
        if rule.where is not None:
            table["where"] = {rule.where[0]: list(rule.where[1])}
        for name in ("label_en", "label_ms", "legal_basis_ms"):
            if getattr(rule, name):
                table[name] = getattr(rule, name)
        tables.append(table)
    header = "# reegeo screening rules (see geodata/rules.toml for the field reference)\n\n"
    return header + tomli_w.dumps({"rules": tables})


def update_rule(
    rules: Iterable[Rule],
    rule_id: str,
    *,
    severity: str | None = None,
    distance_m: float | None = None,
) -> tuple[Rule, ...]:
    """Return a copy of ``rules`` with one rule's severity and/or buffer changed.

    Raises
    ------
    RulesError
        When no rule has ``rule_id``, or the new values are invalid.
    """
    rules = tuple(rules)
    if rule_id not in {rule.id for rule in rules}:
        raise RulesError(_M("unknown_rule_id", id=rule_id, known=", ".join(r.id for r in rules)))
    updated = []
    for rule in rules:
        if rule.id == rule_id:
            changes: dict[str, Any] = {}
            if severity is not None:
                changes["severity"] = severity
            if distance_m is not None:
                changes["distance_m"] = distance_m
            candidate = replace(rule, **changes)
            rule = _parse_rule(_rule_table(candidate), 1, _M("edited_source"))
        updated.append(rule)
    return tuple(updated)


def _rule_table(rule: Rule) -> dict[str, Any]:
    table = {field: getattr(rule, field) for field in (f.name for f in RULE_SCHEMA) if getattr(rule, field) is not None}
    if rule.where is not None:
        table["where"] = {rule.where[0]: list(rule.where[1])}
    return table


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_where(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1


def _where_values(value: Mapping) -> bool:
    ((_, values),) = value.items()
    return isinstance(values, list) and 0 < len(values) <= _MAX_WHERE_VALUES and all(isinstance(v, str) and v for v in values)


_LABEL_CHECKS: tuple[Check, ...] = (
    (_is_text, _M.later("label_empty")),
    (lambda v: len(v) <= 80, _M.later("label_too_long")),
)
_TEXT_CHECKS: tuple[Check, ...] = (
    (_is_text, _M.later("text_missing")),
    (lambda v: len(v) <= 2000, _M.later("text_too_long")),
)
# The schema of one [[rules]] table, checked in this order (the first problem is reported).
RULE_SCHEMA: tuple[Field, ...] = (
    Field("id", ((lambda v: isinstance(v, str) and bool(_ID_PATTERN.match(v)), _M.later("invalid_id")),)),
    Field("relation", ((lambda v: v in RELATIONS, _M.later("not_allowed", allowed=", ".join(RELATIONS))),)),
    Field("severity", ((lambda v: v in SEVERITIES, _M.later("not_allowed", allowed=", ".join(SEVERITIES))),)),
    Field(
        "layer",
        ((lambda v: isinstance(v, str) and bool(_LAYER_PATTERN.match(v)), _M.later("not_a_layer_name")),),
        when=lambda e: e.get("relation") != Relation.ALWAYS,
        absent=_M.later("layer_with_always"),
    ),
    Field(
        "distance_m",
        (
            (_is_number, _M.later("distance_not_a_number")),
            (lambda v: 0 < v <= _MAX_DISTANCE_M, _M.later("distance_out_of_range", maximum=_MAX_DISTANCE_M)),
        ),
        when=lambda e: e.get("relation") == Relation.WITHIN_DISTANCE,
        absent=_M.later("distance_not_taken"),
        convert=float,
    ),
    Field("legal_basis", _TEXT_CHECKS, convert=str.strip),
    Field("message_en", _TEXT_CHECKS, convert=str.strip),
    Field("message_ms", _TEXT_CHECKS, convert=str.strip),
    Field(
        "where",
        (
            (_is_where, _M.later("where_not_a_table")),
            (_where_values, _M.later("where_bad_values", maximum=_MAX_WHERE_VALUES)),
        ),
        required=False,
        when=lambda e: e.get("relation") != Relation.ALWAYS,
        absent=_M.later("where_with_always"),
        convert=lambda v: next((str(column), tuple(values)) for column, values in v.items()),
    ),
    Field("label_en", _LABEL_CHECKS, required=False, convert=str.strip),
    Field("label_ms", _LABEL_CHECKS, required=False, convert=str.strip),
    Field("legal_basis_ms", _TEXT_CHECKS, required=False, convert=str.strip),
)


def _parse_rule(entry: Any, position: int, source: str) -> Rule:
    if not isinstance(entry, Mapping):
        raise RulesError(_M("rule_not_a_table", source=source, position=position))
    raw_id = entry.get("id")
    label = _M("rule_by_id", id=raw_id) if isinstance(raw_id, str) and raw_id else _M("rule_by_position", position=position)

    def fail(field: str, problem: str) -> RulesError:
        return RulesError(_M("field_problem", source=source, rule=label, field=field, problem=problem))

    unknown = _M("unknown_field", fields=", ".join(f.name for f in RULE_SCHEMA))
    values = check_table(entry, RULE_SCHEMA, fail, unknown=unknown)
    return Rule(**values)
