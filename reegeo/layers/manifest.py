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
        raise LayerError(f"layer manifest {path} does not exist: reinstall reegeo or reset the data folder") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayerError(f"layer manifest {path} cannot be read ({exc}): fix or remove it") from None
    layers = data.get("layers", {})
    if not isinstance(layers, dict):
        raise LayerError(f"layer manifest {path}: 'layers' must be a table of [layers.NAME] tables")
    for name, entry in layers.items():
        check_manifest_entry(path, name, entry)
    return layers


def manifest_coverage(entry: Mapping[str, Any], *, source: str = "") -> Coverage:
    """The coverage a manifest entry declares (``coverage = ["Johor"]``, ``["all"]`` or ``[]``; none when absent)."""
    states = entry.get("coverage", [])
    return Coverage.of(states, source) if states else Coverage()


def check_layer_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise LayerError(
            f"{name!r} is not a valid layer name: use lower_snake_case, e.g. "
            + ", ".join(CANONICAL_LAYERS)
        )


def _is_plain_file_name(value: Any) -> bool:
    return isinstance(value, str) and Path(value).name == value


_REQUIRED_MESSAGE = "missing; every layer needs " + ", ".join(_REQUIRED_FIELDS)
# The schema of one layer entry of a manifest (bundled or legacy installed).
MANIFEST_SCHEMA: tuple[Field, ...] = (
    Field("title", missing=_REQUIRED_MESSAGE),
    Field("file", ((_is_plain_file_name, "{value!r} must be a plain file name inside the data folder"),), missing=_REQUIRED_MESSAGE),
    Field("source", missing=_REQUIRED_MESSAGE),
    Field("licence", missing=_REQUIRED_MESSAGE),
    Field("date", missing=_REQUIRED_MESSAGE),
    Field(
        "accuracy_m",
        ((lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0, "{value!r} is not a distance in metres (0 or more)"),),
        missing=_REQUIRED_MESSAGE,
    ),
    Field("authoritative", ((lambda v: isinstance(v, bool), "must be true or false"),), missing=_REQUIRED_MESSAGE),
    Field("role", ((lambda v: v in _ROLES, "{value!r} is not one of " + ", ".join(_ROLES)),), required=False, default="constraint"),
    Field(
        "coverage",
        ((lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v), "{value!r} must be a list of state names, [\"" + ALL_STATES + "\"] or []"),),
        required=False,
        default=[],
    ),
)


def check_manifest_entry(path: Path, name: str, entry: Any) -> None:
    """Raise :class:`LayerError` naming the manifest, layer and field unless ``entry`` is a valid layer entry."""
    where = f"layer manifest {path}, layer {name!r}"
    check_layer_name(name)
    if not isinstance(entry, dict):
        raise LayerError(f"{where}: must be a table")
    check_table(entry, MANIFEST_SCHEMA, lambda field, problem: LayerError(f"{where}, field '{field}': {problem}"), presence_first=True)


# Fields of each installed part in the user data folder's manifest.
PART_FIELDS = ("id", "file", "covers", "source", "licence", "date", "accuracy_m", "authoritative", "sha256")


def checked_installed_entry(path: Path, name: str, entry: Any) -> dict[str, Any]:
    """One layer's entry of the user data folder's manifest, checked (entries of older versions converted)."""
    where = f"installed layer manifest {path}, layer {name!r}"
    if not isinstance(entry, dict):
        raise LayerError(f"{where}: must be a table")
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
        raise LayerError(f"{where}, field 'parts': must be a list of tables; remove the folder's manifest or run 'data reset {name}'")
    for number, part in enumerate(parts, start=1):
        if not isinstance(part, dict):
            raise LayerError(f"{where}, part {number}: must be a table")
        missing = [key for key in PART_FIELDS if key not in part]
        if missing:
            raise LayerError(f"{where}, part {number}: field(s) {', '.join(missing)} missing: import the file again")
        if not isinstance(part["file"], str) or Path(part["file"]).name != part["file"]:
            raise LayerError(f"{where}, part {number}, field 'file': {part['file']!r} must be a plain file name inside the data folder")
        if not (folder_file := path.parent / part["file"]).exists():
            raise LayerError(f"{where}, part {number}: file {folder_file} is missing: run 'data reset {name}' or import it again")
        if not isinstance(part["covers"], list) or not all(isinstance(s, str) for s in part["covers"]):
            raise LayerError(f"{where}, part {number}, field 'covers': must be a list of state names")
    if entry.get("base", "none") not in ("bundled", "none"):
        raise LayerError(f"{where}, field 'base': {entry.get('base')!r} is not 'bundled' or 'none'")
    return entry
