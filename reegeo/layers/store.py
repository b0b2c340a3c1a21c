"""Installed layers: authoritative or newer data, state by state, on top of the bundled layers.

``python -m reegeo data import NAME PATH --covers STATES`` validates a file,
reprojects it to EPSG:4326, repairs invalid geometries, picks the name field
and installs it as one *part* of layer ``NAME`` in the user data folder
(:func:`reegeo.paths.user_data_dir`, overridable with ``$REEGEO_DATA_DIR``),
with its provenance and the SHA-256 of the original file in that folder's
``manifest.toml``.

State by state, as real data arrives: a layer is assembled, when loaded, from
the bundled features (for a bundled layer) and then each part in the order it
was imported. A part that covers some states replaces the features of
everything before it inside those states and makes the layer complete there
(:class:`reegeo.layers.coverage.Coverage`); features it has outside them are kept but
extend nothing. A part without ``covers`` only adds features. Every feature
keeps its own ``source``, ``licence``, ``accuracy_m`` and ``authoritative``.

The folder is changed under a lock and by write-then-rename, file by file: a
part file is complete before the manifest names it, and the manifest is
replaced in one step, so a reader sees the old layer or the new one, and two
imports at once both survive. The bundled files are never touched;
``data reset NAME`` returns to the bundled layer and ``data reset NAME
--state S`` removes what the imports say about one state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from reegeo.errors import LayerError
from reegeo.io.sites import UploadLimits, read_layer
from reegeo.layers.assemble import PROVENANCE_COLUMNS, assemble_layer, count_outside
from reegeo.layers.coverage import ALL_STATES, parse_states, state_names
from reegeo.layers.folder import (
    _locked,
    _make_folder,
    _write_atomically,
    _write_manifest,
    installed_manifest,
)
from reegeo.layers.load import layer_from_frame, load_bundled_layer
from reegeo.layers.manifest import (
    USER_MANIFEST_NAME,
    load_manifest,
)
from reegeo.layers.model import Layer, file_sha256, find_name_column
from reegeo.layers.wdpa import protected_areas_from
from reegeo.messages import Catalog
from reegeo.paths import MANIFEST_PATH, user_data_dir

__all__ = [
    "ImportReport",
    "ResetReport",
    "import_layer",
    "import_layer_bytes",
    "install_frame",
    "load_installed",
    "reset_layer",
]
_CONSTRAINT_NAMES = ("forest_reserves", "water_catchments")

_M = Catalog("layers.store", {
    "no_states_layer": {
        "en": "no states layer: {manifest} lists none; reinstall reegeo",
        "ms": "tiada lapisan negeri: {manifest} tidak menyenaraikannya; pasang semula reegeo",
    },
})


@dataclass(frozen=True)
class ImportReport:
    """What ``import_layer`` did.

    ``covers`` are the states the import makes complete (``("all",)`` for
    every state, ``()`` for none); ``outside_covers`` counts its features
    that lie outside them (kept, but they extend no coverage);
    ``replaced`` counts earlier imports it superseded.
    """

    name: str
    path: Path
    features: int
    name_field: str
    notes: tuple[str, ...]
    sha256: str
    source_crs: str
    covers: tuple[str, ...] = ()
    outside_covers: int = 0
    replaced: int = 0


@dataclass(frozen=True)
class ResetReport:
    """What ``reset_layer`` did: parts removed, parts narrowed (another state still covered), and whether anything changed."""

    name: str
    state: str | None
    removed: int
    narrowed: int

    @property
    def changed(self) -> bool:
        """True when the installed layer changed."""
        return bool(self.removed or self.narrowed)


def load_installed(
    layers: Mapping[str, Layer],
    *,
    roles: tuple[str, ...] = ("constraint", "context"),
    data_dir: Path | None = None,
) -> dict[str, Layer]:
    """The installed layers, each assembled on top of its bundled layer in ``layers``.

    ``states`` is assembled first, so coverage is cut along the state
    boundaries in use.
    """
    folder = data_dir or user_data_dir()
    entries = installed_manifest(folder)
    result: dict[str, Layer] = {}
    for name in sorted(entries, key=lambda n: n != "states"):
        entry = entries[name]
        if entry.get("role", "constraint") not in roles:
            continue
        states = result.get("states") or layers.get("states") or load_bundled_layer("states")
        base = (layers.get(name) or load_bundled_layer(name)) if entry.get("base") == "bundled" else None
        result[name] = assemble_layer(name, entry, folder, base=base, states=states)
    return result


def import_layer(
    name: str,
    path: str | Path,
    *,
    covers: str | tuple[str, ...] | list[str] | None = None,
    source: str | None = None,
    licence: str | None = None,
    accuracy_m: float | None = None,
    title: str | None = None,
    authoritative: bool = False,
    layer: str | None = None,
    max_features: int = 2_000_000,
    data_dir: Path | None = None,
) -> ImportReport:
    """Validate ``path`` and install it as a part of layer ``name``.

    Parameters
    ----------
    name : str
        Canonical layer name (``forest_reserves``, ``water_catchments``, ...)
        or a new one.
    path : str or Path
        Any format the upload reader accepts, in any CRS.
    covers : str or sequence of str, optional
        The states in which the file is complete (``"Johor, Pulau Pinang"``,
        ``["Johor"]`` or ``"all"``): inside them its features replace the
        layer's earlier features and sites there can be cleared. ``None``
        adds the features and claims no coverage. The ``states`` layer is
        always replaced whole.
    source, licence, title : str, optional
        Provenance to record; the file name when not given.
    accuracy_m : float, optional
        Positional accuracy in metres; else the file's ``accuracy_m`` column,
        else 0 (taken as exact).
    authoritative : bool
        Whether the layer is an authoritative boundary (e.g. a JPSM gazette map).
    layer : str, optional
        Which layer of a multi-layer file (e.g. a GeoPackage) to import.
    max_features : int
        Most features to accept (national layers can be large).
    data_dir : Path, optional
        The user data folder; :func:`reegeo.paths.user_data_dir` by default.

    Raises
    ------
    UploadError, LayerError
        When the file cannot be read, a state is unknown or the folder
        cannot be written; the folder is then unchanged.
    """
    path = Path(path)
    folder = data_dir or user_data_dir()
    states = _states_in_use(folder)
    covered = _covered(name, covers, states)
    limits = UploadLimits(max_features=max_features, max_bytes=max(UploadLimits().max_bytes, 1024**3))
    result = read_layer(path, layer=layer, limits=limits)
    frame, more, defaults = protected_areas_from(name, result.frame, path.name)
    notes = [*result.notes, *more]
    source, licence = source or defaults.get("source"), licence or defaults.get("licence")
    return _install(
        name, frame, covered=covered, states=states, folder=folder, title=title,
        part={
            "source": source or f"user file {path.name}",
            "licence": licence or "not stated",
            "authoritative": bool(authoritative),
            "notes": "; ".join(notes) or "imported without repairs",
            "original_file": path.name,
            "original_sha256": result.sha256,
            "original_crs": _crs_label(result.frame.crs),
            "name_field": find_name_column(result.frame) or "",
        },
        accuracy_m=accuracy_m, notes=tuple(notes),
    )


def import_layer_bytes(name: str, data: bytes, filename: str, **options: Any) -> ImportReport:
    """:func:`import_layer` for a file held in memory (an upload in the app), read from a temporary copy.

    ``filename`` gives the format's suffix and the name in messages and provenance.
    """
    safe = Path(str(filename).replace("\\", "/")).name or "upload"
    with tempfile.TemporaryDirectory(prefix="reegeo-import-") as scratch:
        path = Path(scratch) / safe
        path.write_bytes(data)
        return import_layer(name, path, **options)


def install_frame(
    name: str,
    frame: gpd.GeoDataFrame,
    *,
    covers: str | tuple[str, ...] | list[str] | None = None,
    source: str,
    licence: str,
    accuracy_m: float | None = None,
    authoritative: bool = False,
    title: str | None = None,
    notes: str = "",
    extra: Mapping[str, Any] | None = None,
    data_dir: Path | None = None,
) -> ImportReport:
    """Install features built in memory (e.g. fetched from OpenStreetMap) as a part of layer ``name``.

    As :func:`import_layer`, with the provenance given here; ``extra``
    (endpoint, query, element count, ...) is recorded in the part's
    manifest entry.
    """
    folder = data_dir or user_data_dir()
    states = _states_in_use(folder)
    covered = _covered(name, covers, states)
    digest = hashlib.sha256()
    for blob in shapely.to_wkb(np.asarray(frame.geometry.values)):
        digest.update(blob)
    part = {"source": source, "licence": licence, "authoritative": bool(authoritative), "notes": notes or "built in memory",
            "original_file": "", "original_sha256": digest.hexdigest(), "original_crs": _crs_label(frame.crs),
            "name_field": find_name_column(frame) or "", **dict(extra or {})}
    return _install(name, frame, covered=covered, states=states, folder=folder, title=title, part=part, accuracy_m=accuracy_m, notes=())


def _covered(name: str, covers: Any, states: Layer) -> tuple[str, ...]:
    valid, codes = state_names(states)
    if name == "states":
        return (ALL_STATES,)
    return parse_states(covers, valid, codes=codes) if covers else ()


def _install(
    name: str,
    source_frame: gpd.GeoDataFrame,
    *,
    covered: tuple[str, ...],
    states: Layer,
    folder: Path,
    title: str | None,
    part: dict[str, Any],
    accuracy_m: float | None,
    notes: tuple[str, ...] | list[str],
) -> ImportReport:
    frame = layer_from_frame(name, source_frame, accuracy_m=float(accuracy_m or 0.0)).frame
    if accuracy_m is not None:
        frame["accuracy_m"] = float(accuracy_m)
    frame = frame.drop(columns=[c for c in PROVENANCE_COLUMNS if c in frame.columns])
    outside = count_outside(frame, states, covered, name)

    _make_folder(folder)
    part_id = uuid.uuid4().hex[:12]
    target = folder / f"{name}.{part_id}.gpkg"
    _write_atomically(target, lambda staged: frame.to_file(staged, layer=name, driver="GPKG", engine="pyogrio"))
    part = {
        "id": part_id,
        "file": target.name,
        "covers": list(covered),
        "date": dt.date.today().isoformat(),
        "accuracy_m": float(accuracy_m) if accuracy_m is not None else float(frame["accuracy_m"].max() if len(frame) else 0.0),
        **part,
        "features": len(frame),
        "outside_covers": outside,
        "sha256": file_sha256(target),
    }
    try:
        with _locked(folder):
            entries = installed_manifest(folder)
            entry = entries.get(name) or _new_entry(name, title)
            if title:
                entry["title"] = title
            kept = [p for p in entry["parts"] if not _superseded(p, covered)]
            dropped = [p for p in entry["parts"] if _superseded(p, covered)]
            entry["parts"] = [*kept, part]
            entries[name] = entry
            _write_manifest(folder, entries)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    for old in dropped:
        (folder / old["file"]).unlink(missing_ok=True)
    return ImportReport(name, target, len(frame), part["name_field"], tuple(notes), part["original_sha256"], part["original_crs"], covered, outside, len(dropped))


def reset_layer(name: str, *, state: str | None = None, data_dir: Path | None = None) -> ResetReport:
    """Remove an installed layer, or what its imports say about one state.

    Parameters
    ----------
    name : str
        The layer.
    state : str, optional
        Remove only this state's imports: every part that covers it stops
        covering it (a part that covered only this state is removed), and its
        features there are no longer used, so the state is as before those
        imports. Without it, the whole installed layer is removed and the
        bundled one is used again.

    Raises
    ------
    LayerError
        When ``state`` is not a state of the states layer, or the folder
        cannot be written.
    """
    folder = data_dir or user_data_dir()
    canonical = None
    if state is not None:
        valid, codes = state_names(_states_in_use(folder))
        canonical = parse_states(state, valid, codes=codes, argument="state")
        if canonical == (ALL_STATES,):
            canonical = None
    if not (folder / USER_MANIFEST_NAME).exists():
        return ResetReport(name, state, 0, 0)
    removed_files: list[str] = []
    narrowed = 0
    with _locked(folder):
        entries = installed_manifest(folder)
        if name not in entries:
            return ResetReport(name, state, 0, 0)
        entry = entries[name]
        if canonical is None:
            removed_files = [p["file"] for p in entry["parts"]]
            del entries[name]
        else:
            target = canonical[0]
            kept = []
            for part in entry["parts"]:
                covers = list(part.get("covers", []))
                if target not in covers and covers != [ALL_STATES]:
                    kept.append(part)
                    continue
                if covers == [ALL_STATES]:
                    kept.append(part)  # an "all" import cannot be narrowed by state
                    continue
                covers.remove(target)
                if covers:
                    part["covers"] = covers
                    part["excluded"] = sorted({*part.get("excluded", []), target})
                    kept.append(part)
                    narrowed += 1
                else:
                    removed_files.append(part["file"])
            entry["parts"] = kept
            if kept or entry.get("base") == "bundled":
                entries[name] = entry
            if not kept:
                del entries[name]
        _write_manifest(folder, entries)
    for file_name in removed_files:
        (folder / file_name).unlink(missing_ok=True)
    return ResetReport(name, state, len(removed_files), narrowed)


def _superseded(part: Mapping[str, Any], covered: tuple[str, ...]) -> bool:
    """An earlier part is replaced whole by a new import that covers every state it covered."""
    earlier = tuple(part.get("covers", []))
    if not covered or not earlier:
        return False
    return covered == (ALL_STATES,) or (ALL_STATES not in earlier and set(earlier) <= set(covered))


def _new_entry(name: str, title: str | None) -> dict[str, Any]:
    bundled = load_manifest(MANIFEST_PATH)
    base = "bundled" if name in bundled and name != "states" else "none"
    role = bundled.get(name, {}).get("role") or ("constraint" if name in _CONSTRAINT_NAMES else "context")
    entry: dict[str, Any] = {"role": role, "base": base, "parts": []}
    if title:
        entry["title"] = title
    elif name in bundled:
        entry["title"] = str(bundled[name]["title"]).replace(", approximate", "").replace(" (approximate)", "")
        if bundled[name].get("title_ms"):
            entry["title_ms"] = str(bundled[name]["title_ms"]).replace(" (anggaran)", "")
    else:
        entry["title"] = name.replace("_", " ").capitalize()
    return entry


def _crs_label(crs: Any) -> str:
    """``EPSG:3168``, or the name and method of a CRS without a code (``unnamed, Cassini-Soldner``)."""
    if crs is None:
        return ""
    code = crs.to_epsg()
    if code:
        return f"EPSG:{code}"
    method = crs.coordinate_operation.method_name if crs.coordinate_operation is not None else ""
    return ", ".join(part for part in (crs.name, method) if part) + " (no EPSG code)"


def _states_in_use(folder: Path) -> Layer:
    """The states layer screening would use (installed, else bundled), without assembling any other layer."""
    bundled = load_bundled_layer("states")
    entry = installed_manifest(folder).get("states")
    if entry is not None:
        return assemble_layer("states", entry, folder, base=bundled if entry.get("base") == "bundled" else None, states=bundled)
    if bundled is None:
        raise LayerError(_M("no_states_layer", manifest=MANIFEST_PATH))
    return bundled
