"""Installed layers: authoritative or newer layers that replace the bundled ones.

``python -m reegeo data import NAME PATH`` validates a file, reprojects it to
EPSG:4326, repairs invalid geometries, picks the name field and installs it as
a GeoPackage in the user data folder (:func:`reegeo.layers.user_data_dir`,
overridable with ``$REEGEO_DATA_DIR``) with its provenance and the SHA-256 of
the original file in that folder's ``manifest.toml``. The bundled files are
never touched; ``data reset NAME`` returns to the bundled layer.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from reegeo.errors import LayerError
from reegeo.layers import (
    USER_MANIFEST_NAME,
    file_sha256,
    find_name_column,
    layer_from_frame,
    load_manifest,
    user_data_dir,
)
from reegeo.uploads import UploadLimits, read_layer

__all__ = ["ImportReport", "import_layer", "reset_layer", "installed_manifest"]


@dataclass(frozen=True)
class ImportReport:
    """What ``import_layer`` did."""

    name: str
    path: Path
    features: int
    name_field: str
    notes: tuple[str, ...]
    sha256: str
    source_crs: str


def installed_manifest(data_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The installed layers' manifest entries (empty when nothing is installed)."""
    path = (data_dir or user_data_dir()) / USER_MANIFEST_NAME
    return load_manifest(path) if path.exists() else {}


def import_layer(
    name: str,
    path: str | Path,
    *,
    source: str | None = None,
    licence: str | None = None,
    accuracy_m: float | None = None,
    title: str | None = None,
    authoritative: bool = False,
    layer: str | None = None,
    max_features: int = 2_000_000,
    data_dir: Path | None = None,
) -> ImportReport:
    """Validate ``path`` and install it as layer ``name``.

    Parameters
    ----------
    name : str
        Canonical layer name (``forest_reserves``, ``water_catchments``, ...)
        or a new one.
    path : str or Path
        Any format the upload reader accepts, in any CRS.
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
        The user data folder; :func:`reegeo.layers.user_data_dir` by default.

    Raises
    ------
    UploadError, LayerError
        When the file cannot be read or the name is invalid.
    """
    path = Path(path)
    folder = data_dir or user_data_dir()
    limits = UploadLimits(max_features=max_features, max_bytes=max(UploadLimits().max_bytes, 1024**3))
    result = read_layer(path, layer=layer, limits=limits)
    source_crs = result.frame.crs.to_string() if result.frame.crs is not None else ""
    built = layer_from_frame(name, result.frame, accuracy_m=float(accuracy_m or 0.0))
    frame = built.frame
    if accuracy_m is not None:
        frame["accuracy_m"] = float(accuracy_m)
    name_field = find_name_column(result.frame) or ""

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LayerError(f"cannot create the data folder {folder} ({exc}): set REEGEO_DATA_DIR to a folder you can write") from None
    target = folder / f"{name}.gpkg"
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        staged = Path(scratch) / target.name
        frame.to_file(staged, layer=name, driver="GPKG", engine="pyogrio")
        os.replace(staged, target)

    entries = installed_manifest(folder)
    entries[name] = {
        "title": title or f"{name} (imported from {path.name})",
        "file": target.name,
        "role": "constraint" if name in ("forest_reserves", "water_catchments") else "context",
        "source": source or f"user file {path.name}",
        "licence": licence or "not stated (set with --licence)",
        "date": dt.date.today().isoformat(),
        "accuracy_m": float(accuracy_m) if accuracy_m is not None else float(frame["accuracy_m"].max() if len(frame) else 0.0),
        "authoritative": bool(authoritative),
        "approximate": not authoritative,
        "notes": "; ".join(result.notes) or "imported without repairs",
        "original_file": path.name,
        "original_sha256": result.sha256,
        "original_crs": source_crs,
        "name_field": name_field,
        "features": len(frame),
        "sha256": "",
    }
    entries[name]["sha256"] = file_sha256(target)
    _write_manifest(folder, entries)
    return ImportReport(name, target, len(frame), name_field, result.notes, result.sha256, source_crs)


def reset_layer(name: str, *, data_dir: Path | None = None) -> bool:
    """Remove an installed layer so the bundled one is used again.

    Returns
    -------
    bool
        True when an installed layer was removed, False when none was installed.
    """
    folder = data_dir or user_data_dir()
    entries = installed_manifest(folder)
    if name not in entries:
        return False
    entry = entries.pop(name)
    (folder / entry["file"]).unlink(missing_ok=True)
    _write_manifest(folder, entries)
    return True


def _write_manifest(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    text = "# Layers installed with 'python -m reegeo data import'. Remove with 'data reset NAME'.\n\n"
    text += tomli_w.dumps({"layers": entries})
    tomllib.loads(text)  # never write a manifest that cannot be read back
    staged = folder / (USER_MANIFEST_NAME + ".tmp")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, folder / USER_MANIFEST_NAME)
