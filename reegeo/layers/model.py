"""Constraint and context layers: the bundled ones, installed ones, and user files.

A :class:`Layer` is a GeoDataFrame in EPSG:4326 with at least the columns
``name`` and ``accuracy_m`` (metres, per feature), plus its provenance.
Bundled layers are described by ``geodata/manifest.toml``; layers installed
with ``python -m reegeo data import`` live in the user data folder (see
:func:`user_data_dir`) and take precedence over bundled ones; a file given for
one run (``--layer NAME=PATH``) takes precedence over both.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from reegeo.errors import LayerError
from reegeo.layers.coverage import ALL_STATES, Coverage
from reegeo.paths import GEODATA_DIR, MANIFEST_PATH
from reegeo.vocab import LayerStatus

__all__ = [
    "Layer",
    "LayerPart",
    "CANONICAL_LAYERS",
    "CONSTRAINT_LAYERS",
    "load_layers",
    "load_manifest",
    "load_bundled_layer",
    "layer_from_frame",
    "read_layer_file",
    "manifest_coverage",
    "read_layer_frame",
    "check_manifest_entry",
    "file_sha256",
    "find_name_column",
    "layer_from_upload",
    "load_example_sites",
]


CANONICAL_LAYERS = ("states", "deposits", "lynas", "forest_reserves", "water_catchments")
CONSTRAINT_LAYERS = ("forest_reserves", "water_catchments", "protected_areas")
USER_MANIFEST_NAME = "manifest.toml"

_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ROLES = ("constraint", "context", "sites")
_REQUIRED_FIELDS = ("title", "file", "source", "licence", "date", "accuracy_m", "authoritative")


@dataclass(frozen=True)
class LayerPart:
    """One file that contributes features to a layer (the bundled file or one import).

    Attributes
    ----------
    file : str
        The file's name (in the bundled or the user data folder).
    sha256 : str
        SHA-256 of that file.
    source, licence, date : str
        Its provenance.
    accuracy_m : float
        Its positional accuracy in metres.
    authoritative : bool
        Whether it is an authoritative boundary.
    covers : tuple of str
        The states in which it makes the layer complete (``("all",)`` for
        every state, ``()`` for none).
    features : int
        How many of its features are in the layer.
    """

    file: str
    sha256: str
    source: str = ""
    licence: str = ""
    date: str = ""
    accuracy_m: float = 0.0
    authoritative: bool = False
    covers: tuple[str, ...] = ()
    features: int = 0


@dataclass(frozen=True, eq=False)
class Layer:
    """A named layer with its features and provenance.

    Attributes
    ----------
    name : str
        Canonical name (``forest_reserves``, ``states``, ...).
    frame : GeoDataFrame
        Features in EPSG:4326 with ``name`` (str) and ``accuracy_m`` (float).
    title, source, licence, date, notes : str
        Provenance as recorded in the manifest.
    accuracy_m : float
        Layer-wide (typical) positional accuracy in metres.
    authoritative : bool
        True only for an authoritative boundary (e.g. a gazetted layer).
    approximate : bool
        True when the layer is an estimate that must be labelled as such.
    origin : str
        ``bundled``, ``installed`` or ``file`` (given for one run).
    path : Path or None
        The file the features came from.
    sha256 : str
        SHA-256 of that file (for the audit stamp), or of the features when
        built in memory; for a layer assembled from several files, of their
        hashes.
    coverage : Coverage
        The states in which the layer is complete (see :mod:`reegeo.layers.coverage`):
        where it is not, no site can be cleared against it.
    parts : tuple of LayerPart
        The files the features came from, when there are several (an
        installed layer built state by state); empty for a single file.
    """

    name: str
    frame: gpd.GeoDataFrame
    title: str = ""
    source: str = ""
    licence: str = ""
    date: str = ""
    accuracy_m: float = 0.0
    authoritative: bool = False
    approximate: bool = False
    notes: str = ""
    role: str = "constraint"
    title_ms: str = ""
    origin: str = "file"
    path: Path | None = None
    sha256: str = ""
    coverage: Coverage = field(default_factory=Coverage)
    parts: tuple[LayerPart, ...] = ()

    @property
    def feature_count(self) -> int:
        """Number of features."""
        return len(self.frame)

    def display_title(self, lang: str = "en") -> str:
        """The layer's title in ``lang`` (``ms`` when there is one), else its name."""
        return (self.title_ms if lang == "ms" and self.title_ms else self.title) or self.name

    @property
    def status(self) -> LayerStatus:
        """Authoritative, approximate, or neither (a real file not from the agency)."""
        if self.authoritative:
            return LayerStatus.AUTHORITATIVE
        return LayerStatus.APPROXIMATE if self.approximate else LayerStatus.NOT_AUTHORITATIVE

    def describe(self) -> dict[str, Any]:
        """Provenance as a flat dict (for tables, the CLI and reports)."""
        return {
            "layer": self.name,
            "title": self.title,
            "features": self.feature_count,
            "accuracy_m": self.accuracy_m,
            "authoritative": self.authoritative,
            "approximate": self.approximate,
            "origin": self.origin,
            "source": self.source,
            "licence": self.licence,
            "date": self.date,
            "notes": self.notes,
            "coverage": self.coverage.describe(),
            "file": str(self.path) if self.path else "",
            "sha256": self.sha256,
        }


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def load_layers(
    *,
    overrides: Mapping[str, str | Path] | None = None,
    include_installed: bool = True,
    roles: tuple[str, ...] = ("constraint", "context"),
) -> dict[str, Layer]:
    """Load the layers screening uses.

    Parameters
    ----------
    overrides : mapping of name to path, optional
        Files that replace (or add) layers for this run, as given with
        ``--layer NAME=PATH``. Taken as exact (accuracy 0) unless they have an
        ``accuracy_m`` column.
    include_installed : bool
        Use layers installed in :func:`user_data_dir` (default True).
    roles : tuple of str
        Which manifest roles to load; the ``examples`` sites are role
        ``sites`` and are loaded with :func:`load_example_sites`.

    Returns
    -------
    dict of str to Layer
        In manifest order, installed layers replacing bundled ones, then
        overrides.
    """
    layers: dict[str, Layer] = {}
    for name, entry in load_manifest(MANIFEST_PATH).items():
        if entry.get("role", "constraint") in roles:
            layers[name] = _layer_from_manifest(name, entry, GEODATA_DIR, origin="bundled")
    if include_installed:
        from reegeo.layers.store import load_installed

        layers.update(load_installed(layers, roles=roles))
    for name, path in (overrides or {}).items():
        layers[name] = read_layer_file(name, path)
    return layers


def load_bundled_layer(name: str) -> Layer | None:
    """One bundled layer by name (None when the bundled manifest has no such layer)."""
    entry = load_manifest(MANIFEST_PATH).get(name)
    return _layer_from_manifest(name, entry, GEODATA_DIR, origin="bundled") if entry is not None else None


def load_example_sites() -> gpd.GeoDataFrame:
    """The bundled example candidate sites (the ``examples`` layer)."""
    manifest = load_manifest(MANIFEST_PATH)
    if "examples" not in manifest:
        raise LayerError(f"{MANIFEST_PATH} has no 'examples' layer: reinstall reegeo")
    path = GEODATA_DIR / manifest["examples"]["file"]
    frame = read_layer_frame(path, "examples")
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


def read_layer_file(name: str, path: str | Path, **provenance: Any) -> Layer:
    """Read a user-supplied layer file (any format the upload reader accepts).

    The features' names come from a ``name`` column or else the first text
    column; accuracy is 0 (taken as exact) unless the file has an
    ``accuracy_m`` column or ``accuracy_m`` is given. A file given for one run
    is taken as complete in every state (the user asserts it) unless
    ``coverage`` says otherwise.

    Raises
    ------
    LayerError, UploadError
        When the name is not a valid layer name or the file cannot be read.
    """
    from reegeo.io.sites import read_layer

    _check_layer_name(name)
    path = Path(path)
    from reegeo.layers.wdpa import protected_areas_from

    read = read_layer(path)
    frame, notes, defaults = protected_areas_from(name, read.frame, read.filename)
    read = replace(read, frame=frame, notes=(*read.notes, *notes))
    return layer_from_upload(name, read, path=path, **{**defaults, **provenance})


def layer_from_upload(
    name: str,
    read: Any,
    *,
    authoritative: bool = False,
    accuracy_m: float | None = None,
    path: Path | None = None,
    coverage: Coverage | None = None,
    **provenance: Any,
) -> Layer:
    """A :class:`Layer` from a file read by :func:`reegeo.io.sites.read_layer`, with honest provenance.

    Not authoritative unless said so; approximate exactly when not
    authoritative; the provenance names the file and its SHA-256. Complete
    in every state unless ``coverage`` says otherwise: whoever supplies a
    file for a run or a session asserts that it is complete.
    """
    if coverage is None:
        coverage = Coverage.complete(f"{read.filename} (given for this run)")
    return layer_from_frame(
        name,
        read.frame,
        accuracy_m=float(accuracy_m or 0.0),
        title=provenance.pop("title", f"{name} (from {read.filename})"),
        source=provenance.pop("source", f"user file {read.filename} (sha256 {read.sha256[:12]}...)"),
        licence=provenance.pop("licence", "as supplied by the user"),
        origin=provenance.pop("origin", "file"),
        path=path,
        sha256=read.sha256,
        authoritative=authoritative,
        approximate=not authoritative,
        notes=provenance.pop("notes", "; ".join(read.notes)),
        coverage=coverage,
        **provenance,
    )


def layer_from_frame(
    name: str,
    frame: gpd.GeoDataFrame,
    *,
    accuracy_m: float = 0.0,
    layer_accuracy_m: float | None = None,
    **metadata: Any,
) -> Layer:
    """Build a :class:`Layer` from a GeoDataFrame in any CRS.

    The frame is reprojected to EPSG:4326, given a ``name`` column (from
    ``name``, else the first text column, else ``"<layer> #<n>"``) and an
    ``accuracy_m`` column (kept when present and valid, else ``accuracy_m``).
    The layer's own (typical) accuracy is ``layer_accuracy_m``, else the
    largest feature accuracy.
    """
    _check_layer_name(name)
    if frame.crs is None:
        raise LayerError(f"layer {name!r} has no coordinate reference system: supply a file that declares its CRS")
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].copy()
    frame = frame.to_crs(4326)
    frame["name"] = _feature_names(frame, name)
    if "accuracy_m" in frame.columns:
        values = pd.to_numeric(frame["accuracy_m"], errors="coerce")
        if (values < 0).any():
            raise LayerError(f"layer {name!r}: column accuracy_m has negative values: give accuracy in metres, 0 or more")
        frame["accuracy_m"] = values.fillna(float(accuracy_m)).astype(float)
    else:
        frame["accuracy_m"] = float(accuracy_m)
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        frame.loc[invalid, frame.geometry.name] = shapely.make_valid(frame.geometry[invalid].values)
    frame = frame.reset_index(drop=True)
    if not metadata.get("sha256"):
        digest = hashlib.sha256()
        for blob in shapely.to_wkb(frame.geometry.values):
            digest.update(blob)
        digest.update("\n".join(frame["name"]).encode("utf-8"))
        metadata["sha256"] = digest.hexdigest()
    if layer_accuracy_m is None:
        layer_accuracy_m = float(frame["accuracy_m"].max()) if len(frame) else float(accuracy_m)
    return Layer(name=name, frame=frame, accuracy_m=float(layer_accuracy_m), **metadata)


def _layer_from_manifest(name: str, entry: Mapping[str, Any], folder: Path, *, origin: str) -> Layer:
    path = folder / entry["file"]
    if not path.exists():
        raise LayerError(
            f"layer {name!r}: file {path} listed in the manifest is missing: "
            + ("reinstall reegeo" if origin == "bundled" else f"run 'python -m reegeo data reset {name}' or import it again")
        )
    frame = read_layer_frame(path, name)
    known = {"title", "title_ms", "source", "licence", "date", "authoritative", "approximate", "notes", "role"}
    metadata = {key: entry[key] for key in known if key in entry}
    return layer_from_frame(
        name,
        frame,
        accuracy_m=float(entry["accuracy_m"]),
        layer_accuracy_m=float(entry["accuracy_m"]),
        origin=origin,
        path=path,
        sha256=file_sha256(path),
        coverage=manifest_coverage(entry, source=str(entry.get("source", ""))),
        **metadata,
    )


def manifest_coverage(entry: Mapping[str, Any], *, source: str = "") -> Coverage:
    """The coverage a manifest entry declares (``coverage = ["Johor"]``, ``["all"]`` or ``[]``; none when absent)."""
    states = entry.get("coverage", [])
    return Coverage.of(states, source) if states else Coverage()


def read_layer_frame(path: Path, name: str) -> gpd.GeoDataFrame:
    """The features of a layer file written by reegeo (bundled or installed), as stored."""
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError) as exc:
        raise LayerError(f"layer {name!r}: {path} cannot be read ({exc}): restore or re-import the file") from None
    if frame.crs is None:
        raise LayerError(f"layer {name!r}: {path} has no CRS: layer files must declare one")
    return frame


# Columns that name features, best first (any case): English, Malay (JUPEM / JPSM), WDPA.
_NAME_COLUMNS = ("name", "nama", "nama_warta", "nama_hutan", "reserve", "reserve_name", "name_eng", "orig_name", "label")


def find_name_column(frame: gpd.GeoDataFrame) -> str | None:
    """The column that names features: ``name``, ``nama``, ``nama_warta``, ``reserve``, ... (any case), else the first text column."""
    lower = {str(column).lower(): column for column in frame.columns}
    for wanted in _NAME_COLUMNS:
        column = lower.get(wanted)
        if column is not None and frame[column].map(lambda v: isinstance(v, str) and v.strip() != "").any():
            return column
    for candidate in frame.columns:
        if candidate != frame.geometry.name and frame[candidate].map(lambda v: isinstance(v, str)).any():
            return candidate
    return None


def _feature_names(frame: gpd.GeoDataFrame, layer: str) -> pd.Series:
    fallback = pd.Series([f"{layer} #{i}" for i in range(1, len(frame) + 1)], index=frame.index, dtype=object)
    column = find_name_column(frame)
    if column is None:
        return fallback
    names = frame[column].map(lambda v: str(v).strip() if isinstance(v, str) or (v is not None and v == v) else "")
    return names.where(names != "", fallback).astype(object)


def _check_layer_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise LayerError(
            f"{name!r} is not a valid layer name: use lower_snake_case, e.g. "
            + ", ".join(CANONICAL_LAYERS)
        )


def check_manifest_entry(path: Path, name: str, entry: Any) -> None:
    """Raise :class:`LayerError` naming the manifest, layer and field unless ``entry`` is a valid layer entry."""
    where = f"layer manifest {path}, layer {name!r}"
    _check_layer_name(name)
    if not isinstance(entry, dict):
        raise LayerError(f"{where}: must be a table")
    for key in _REQUIRED_FIELDS:
        if key not in entry:
            raise LayerError(f"{where}, field '{key}': missing; every layer needs {', '.join(_REQUIRED_FIELDS)}")
    accuracy = entry["accuracy_m"]
    if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) or accuracy < 0:
        raise LayerError(f"{where}, field 'accuracy_m': {accuracy!r} is not a distance in metres (0 or more)")
    if not isinstance(entry["authoritative"], bool):
        raise LayerError(f"{where}, field 'authoritative': must be true or false")
    role = entry.get("role", "constraint")
    if role not in _ROLES:
        raise LayerError(f"{where}, field 'role': {role!r} is not one of {', '.join(_ROLES)}")
    coverage = entry.get("coverage", [])
    if not isinstance(coverage, list) or not all(isinstance(state, str) and state for state in coverage):
        raise LayerError(
            f"{where}, field 'coverage': {coverage!r} must be a list of state names, [\"{ALL_STATES}\"] or []"
        )
    file_name = entry["file"]
    if not isinstance(file_name, str) or Path(file_name).name != file_name:
        raise LayerError(f"{where}, field 'file': {file_name!r} must be a plain file name inside the data folder")
