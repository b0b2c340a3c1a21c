"""The manifest schema: ``geodata/manifest.toml`` and the user data folder's ``manifest.toml``.

Each entry names a layer's file, role, source, licence, date, accuracy and
coverage; :func:`check_manifest_entry` refuses an entry that lacks one, naming
the file, the layer, the field and the fix.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reegeo.errors import LayerError
from reegeo.layers.coverage import ALL_STATES, Coverage
from reegeo.layers.model import CANONICAL_LAYERS
from reegeo.messages import Catalog, located
from reegeo.paths import MANIFEST_PATH
from reegeo.schema import Field, check_table

__all__ = [
    "MANIFEST_SCHEMA",
    "PART_FIELDS",
    "USER_MANIFEST_NAME",
    "check_layer_name",
    "check_manifest_entry",
    "checked_installed_entry",
    "load_manifest",
    "manifest_coverage",
]
USER_MANIFEST_NAME = "manifest.toml"

_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ROLES = ("constraint", "context", "sites")
_REQUIRED_FIELDS = ("title", "file", "source", "licence", "date", "accuracy_m", "authoritative")

_M = Catalog("layers.manifest", {
    "manifest_missing": {
        "en": "layer manifest {path} does not exist: reinstall reegeo or reset the data folder",
        "ms": "manifes lapisan {path} tidak wujud: pasang semula reegeo atau tetapkan semula folder data",
    },
    "manifest_unreadable": {
        "en": "layer manifest {path} cannot be read ({reason}): fix or remove it",
        "ms": "manifes lapisan {path} tidak dapat dibaca ({reason}): betulkan atau buang manifes itu",
    },
    "layers_not_table": {
        "en": "layer manifest {path}: 'layers' must be a table of [layers.NAME] tables",
        "ms": "manifes lapisan {path}: 'layers' mesti berupa jadual yang mengandungi jadual [layers.NAME]",
    },
    "invalid_layer_name": {
        "en": "{layer!r} is not a valid layer name: use lower_snake_case, e.g. {examples}",
        "ms": "{layer!r} bukan nama lapisan yang sah: gunakan lower_snake_case, cth. {examples}",
    },
    "required_field_missing": {
        "en": "missing; every layer needs {fields}",
        "ms": "tiada; setiap lapisan memerlukan {fields}",
    },
    "plain_file_name": {
        "en": "{value!r} must be a plain file name inside the data folder",
        "ms": "{value!r} mesti berupa nama fail biasa di dalam folder data",
    },
    "not_a_distance": {
        "en": "{value!r} is not a distance in metres (0 or more)",
        "ms": "{value!r} bukan jarak dalam meter (0 atau lebih)",
    },
    "true_or_false": {"en": "must be true or false", "ms": "mesti true atau false"},
    "not_a_role": {"en": "{value!r} is not one of {roles}", "ms": "{value!r} bukan salah satu daripada {roles}"},
    "not_a_coverage": {
        "en": "{value!r} must be a list of state names, [\"{all}\"] or []",
        "ms": "{value!r} mesti berupa senarai nama negeri, [\"{all}\"] atau []",
    },
    "manifest_layer": {"en": "layer manifest {path}, layer {layer!r}", "ms": "manifes lapisan {path}, lapisan {layer!r}"},
    "must_be_table": {"en": "must be a table", "ms": "mesti berupa jadual"},
    "field_problem": {"en": "{where}, field '{field}': {problem}", "ms": "{where}, medan '{field}': {problem}"},
    "installed_layer": {
        "en": "installed layer manifest {path}, layer {layer!r}",
        "ms": "manifes lapisan terpasang {path}, lapisan {layer!r}",
    },
    "parts_not_list": {
        "en": "{where}, field 'parts': must be a list of tables; remove the folder's manifest or run 'data reset {layer}'",
        "ms": "{where}, medan 'parts': mesti berupa senarai jadual; buang manifes folder itu atau jalankan 'data reset {layer}'",
    },
    "part": {"en": "{where}, part {number}", "ms": "{where}, bahagian {number}"},
    "part_fields_missing": {
        "en": "field(s) {fields} missing: import the file again",
        "ms": "medan {fields} tiada: import fail itu semula",
    },
    "part_file_missing": {
        "en": "file {path} is missing: run 'data reset {layer}' or import it again",
        "ms": "fail {path} tiada: jalankan 'data reset {layer}' atau import fail itu semula",
    },
    "list_of_states": {"en": "must be a list of state names", "ms": "mesti berupa senarai nama negeri"},
    "not_a_base": {"en": "{value!r} is not 'bundled' or 'none'", "ms": "{value!r} bukan 'bundled' atau 'none'"},
})


def load_manifest(path: str | Path = MANIFEST_PATH) -> dict[str, dict[str, Any]]:
    """Read and validate a layer manifest.

    Returns
    -------
    dict
        Layer name to its manifest entry.

    Raises
    ------
    LayerError
        Naming the manifest, the layer and the field that is wrong.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LayerError(_M("manifest_missing", path=path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayerError(_M("manifest_unreadable", path=path, reason=str(exc))) from None
    layers = data.get("layers", {})
    if not isinstance(layers, dict):
        raise LayerError(_M("layers_not_table", path=path))
    for name, entry in layers.items():
        check_manifest_entry(path, name, entry)
    return layers


def manifest_coverage(entry: Mapping[str, Any], *, source: str = "") -> Coverage:
    """The coverage a manifest entry declares (``coverage = ["Johor"]``, ``["all"]`` or ``[]``; none when absent)."""
    states = entry.get("coverage", [])
    return Coverage.of(states, source) if states else Coverage()


def check_layer_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise LayerError(_M("invalid_layer_name", layer=name, examples=", ".join(CANONICAL_LAYERS)))


def _is_plain_file_name(value: Any) -> bool:
    return isinstance(value, str) and Path(value).name == value


_REQUIRED_MESSAGE = _M.later("required_field_missing", fields=", ".join(_REQUIRED_FIELDS))
# The schema of one layer entry of a manifest (bundled or legacy installed).
MANIFEST_SCHEMA: tuple[Field, ...] = (
    Field("title", missing=_REQUIRED_MESSAGE),
    Field("file", ((_is_plain_file_name, _M.later("plain_file_name")),), missing=_REQUIRED_MESSAGE),
    Field("source", missing=_REQUIRED_MESSAGE),
    Field("licence", missing=_REQUIRED_MESSAGE),
    Field("date", missing=_REQUIRED_MESSAGE),
    Field(
        "accuracy_m",
        ((lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0, _M.later("not_a_distance")),),
        missing=_REQUIRED_MESSAGE,
    ),
    Field("authoritative", ((lambda v: isinstance(v, bool), _M.later("true_or_false")),), missing=_REQUIRED_MESSAGE),
    Field("role", ((lambda v: v in _ROLES, _M.later("not_a_role", roles=", ".join(_ROLES))),), required=False, default="constraint"),
    Field(
        "coverage",
        ((lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v), _M.later("not_a_coverage", all=ALL_STATES)),),
        required=False,
        default=[],
    ),
)


def check_manifest_entry(path: Path, name: str, entry: Any) -> None:
    """Raise :class:`LayerError` naming the manifest, layer and field unless ``entry`` is a valid layer entry."""
    where = _M("manifest_layer", path=path, layer=name)
    check_layer_name(name)
    if not isinstance(entry, dict):
        raise LayerError(located(where, _M("must_be_table")))
    check_table(entry, MANIFEST_SCHEMA, lambda field, problem: LayerError(_M("field_problem", where=where, field=field, problem=problem)), presence_first=True)


# Fields of each installed part in the user data folder's manifest.
PART_FIELDS = ("id", "file", "covers", "source", "licence", "date", "accuracy_m", "authoritative", "sha256")


def checked_installed_entry(path: Path, name: str, entry: Any) -> dict[str, Any]:
    """One layer's entry of the user data folder's manifest, checked (entries of older versions converted)."""
    where = _M("installed_layer", path=path, layer=name)
    if not isinstance(entry, dict):
        raise LayerError(located(where, _M("must_be_table")))
    if "parts" not in entry:
        # Written by an older reegeo: one file replacing the whole layer.
        check_manifest_entry(path, name, entry)
        part = {
            "id": "legacy",
            "file": entry["file"],
            "covers": list(entry.get("coverage", [])),
            "source": entry["source"],
            "licence": entry["licence"],
            "date": entry["date"],
            "accuracy_m": float(entry["accuracy_m"]),
            "authoritative": bool(entry["authoritative"]),
            "sha256": entry.get("sha256", ""),
            "notes": entry.get("notes", ""),
        }
        return {"title": entry["title"], "role": entry.get("role", "constraint"), "base": "none", "parts": [part]}
    parts = entry["parts"]
    if not isinstance(parts, list):
        raise LayerError(_M("parts_not_list", where=where, layer=name))
    for number, part in enumerate(parts, start=1):
        at = _M("part", where=where, number=number)
        if not isinstance(part, dict):
            raise LayerError(located(at, _M("must_be_table")))
        missing = [key for key in PART_FIELDS if key not in part]
        if missing:
            raise LayerError(located(at, _M("part_fields_missing", fields=", ".join(missing))))
        if not isinstance(part["file"], str) or Path(part["file"]).name != part["file"]:
            raise LayerError(_M("field_problem", where=at, field="file", problem=_M("plain_file_name", value=part["file"])))
        if not (folder_file := path.parent / part["file"]).exists():
            raise LayerError(located(at, _M("part_file_missing", path=folder_file, layer=name)))
        if not isinstance(part["covers"], list) or not all(isinstance(s, str) for s in part["covers"]):
            raise LayerError(_M("field_problem", where=at, field="covers", problem=_M("list_of_states")))
    if entry.get("base", "none") not in ("bundled", "none"):
        raise LayerError(_M("field_problem", where=where, field="base", problem=_M("not_a_base", value=entry.get("base"))))
    return entry
