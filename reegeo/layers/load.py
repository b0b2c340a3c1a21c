"""Loading layers: the bundled ones, installed ones, and user files.

Bundled layers are described by ``geodata/manifest.toml``; layers installed
with ``python -m reegeo data import`` live in the user data folder (see
:func:`reegeo.paths.user_data_dir`) and take precedence over bundled ones; a file
given for one run (``--layer NAME=PATH``) takes precedence over both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from reegeo.errors import LayerError
from reegeo.layers.coverage import Coverage
from reegeo.layers.manifest import check_layer_name, load_manifest, manifest_coverage
from reegeo.layers.model import Layer, feature_names, file_sha256
from reegeo.messages import Catalog, joined
from reegeo.paths import GEODATA_DIR, MANIFEST_PATH

__all__ = [
    "layer_from_frame",
    "layer_from_manifest",
    "layer_from_upload",
    "load_bundled_layer",
    "load_example_sites",
    "load_layers",
    "read_layer_file",
    "read_layer_frame",
]

_M = Catalog("layers.load", {
    "no_examples": {
        "en": "{manifest} has no 'examples' layer: reinstall reegeo",
        "ms": "{manifest} tiada lapisan 'examples': pasang semula reegeo",
    },
    "no_crs": {
        "en": "layer {layer!r} has no coordinate reference system: supply a file that declares its CRS",
        "ms": "lapisan {layer!r} tiada sistem koordinat: berikan fail yang menyatakan sistem koordinatnya",
    },
    "negative_accuracy": {
        "en": "layer {layer!r}: column accuracy_m has negative values: give accuracy in metres, 0 or more",
        "ms": "lapisan {layer!r}: lajur accuracy_m mempunyai nilai negatif: berikan ketepatan dalam meter, 0 atau lebih",
    },
    "listed_file_missing": {
        "en": "layer {layer!r}: file {path} listed in the manifest is missing: {remedy}",
        "ms": "lapisan {layer!r}: fail {path} yang disenaraikan dalam manifes tiada: {remedy}",
    },
    "reinstall": {"en": "reinstall reegeo", "ms": "pasang semula reegeo"},
    "reset_or_import": {
        "en": "run 'python -m reegeo data reset {layer}' or import it again",
        "ms": "jalankan 'python -m reegeo data reset {layer}' atau import lapisan itu semula",
    },
    "unreadable": {
        "en": "layer {layer!r}: {path} cannot be read ({reason}): restore or re-import the file",
        "ms": "lapisan {layer!r}: {path} tidak dapat dibaca ({reason}): pulihkan atau import semula fail itu",
    },
    "file_without_crs": {
        "en": "layer {layer!r}: {path} has no CRS: layer files must declare one",
        "ms": "lapisan {layer!r}: {path} tiada sistem koordinat: fail lapisan mesti menyatakannya",
    },
})


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
            layers[name] = layer_from_manifest(name, entry, GEODATA_DIR, origin="bundled")
    if include_installed:
        from reegeo.layers.store import load_installed

        layers.update(load_installed(layers, roles=roles))
    for name, path in (overrides or {}).items():
        layers[name] = read_layer_file(name, path)
    return layers


def load_bundled_layer(name: str) -> Layer | None:
    """One bundled layer by name (None when the bundled manifest has no such layer)."""
    entry = load_manifest(MANIFEST_PATH).get(name)
    return layer_from_manifest(name, entry, GEODATA_DIR, origin="bundled") if entry is not None else None


def load_example_sites() -> gpd.GeoDataFrame:
    """The bundled example candidate sites (the ``examples`` layer)."""
    manifest = load_manifest(MANIFEST_PATH)
    if "examples" not in manifest:
        raise LayerError(_M("no_examples", manifest=MANIFEST_PATH))
    path = GEODATA_DIR / manifest["examples"]["file"]
    frame = read_layer_frame(path, "examples")
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    # The screening finds each site's state itself; the authored one would only come back as input_state.
    return frame.drop(columns=[c for c in ("state",) if c in frame.columns])


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

    check_layer_name(name)
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
        notes=provenance.pop("notes", joined(list(read.notes), "; ")),
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
    check_layer_name(name)
    if frame.crs is None:
        raise LayerError(_M("no_crs", layer=name))
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].copy()
    frame = frame.to_crs(4326)
    frame["name"] = feature_names(frame, name)
    if "accuracy_m" in frame.columns:
        values = pd.to_numeric(frame["accuracy_m"], errors="coerce")
        if (values < 0).any():
            raise LayerError(_M("negative_accuracy", layer=name))
        frame["accuracy_m"] = values.fillna(float(accuracy_m)).astype(float)
    else:
        frame["accuracy_m"] = float(accuracy_m)
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        frame.loc[invalid, frame.geometry.name] = shapely.make_valid(frame.geometry[invalid].values, method="structure")
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


def layer_from_manifest(name: str, entry: Mapping[str, Any], folder: Path, *, origin: str) -> Layer:
    path = folder / entry["file"]
    if not path.exists():
        remedy = _M("reinstall") if origin == "bundled" else _M("reset_or_import", layer=name)
        raise LayerError(_M("listed_file_missing", layer=name, path=path, remedy=remedy))
    frame = read_layer_frame(path, name)
    known = {"title", "title_ms", "source", "source_ms", "licence", "licence_ms", "date", "authoritative", "approximate", "notes", "notes_ms", "role"}
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


def read_layer_frame(path: Path, name: str) -> gpd.GeoDataFrame:
    """The features of a layer file written by reegeo (bundled or installed), as stored."""
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError) as exc:
        raise LayerError(_M("unreadable", layer=name, path=path, reason=str(exc))) from None
    if frame.crs is None:
        raise LayerError(_M("file_without_crs", layer=name, path=path))
    return frame
