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

import contextlib
import datetime as dt
import fcntl
import hashlib
import tempfile
import tomllib
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import tomli_w

from reegeo.atomic import write_atomically
from reegeo.errors import LayerError
from reegeo.geo import polygonal_parts
from reegeo.io.sites import UploadLimits, read_layer
from reegeo.layers.coverage import ALL_STATES, Coverage, parse_states, state_names
from reegeo.layers.model import (
    USER_MANIFEST_NAME,
    Layer,
    LayerPart,
    check_manifest_entry,
    file_sha256,
    find_name_column,
    layer_from_frame,
    load_bundled_layer,
    load_manifest,
    read_layer_frame,
)
from reegeo.layers.wdpa import protected_areas_from
from reegeo.paths import MANIFEST_PATH, user_data_dir

__all__ = [
    "ImportReport",
    "ResetReport",
    "import_layer",
    "install_frame",
    "import_layer_bytes",
    "reset_layer",
    "installed_manifest",
    "load_installed",
    "assemble_layer",
]

_LOCK_NAME = ".lock"
_CONSTRAINT_NAMES = ("forest_reserves", "water_catchments")
# Per-feature provenance columns an assembled layer carries.
_PROVENANCE_COLUMNS = ("source", "licence", "authoritative", "part")


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


def installed_manifest(data_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The installed layers' manifest entries (empty when nothing is installed), in the current form.

    Entries written by older reegeo versions (one file replacing the whole
    layer) are read as one part that covers the states their ``coverage``
    lists (none when absent) and starts from no bundled features.
    """
    folder = data_dir or user_data_dir()
    path = folder / USER_MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayerError(f"installed layer manifest {path} cannot be read ({exc}): fix it or remove the folder {folder}") from None
    layers = data.get("layers", {})
    if not isinstance(layers, dict):
        raise LayerError(f"installed layer manifest {path}: 'layers' must be a table of [layers.NAME] tables")
    return {name: _checked_entry(path, name, entry) for name, entry in layers.items()}


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


def assemble_layer(name: str, entry: Mapping[str, Any], folder: Path, *, base: Layer | None, states: Layer | None) -> Layer:
    """Build an installed layer from its bundled base and its parts, in import order.

    Parameters
    ----------
    name : str
        The layer's name.
    entry : mapping
        Its installed manifest entry (see :func:`installed_manifest`).
    folder : Path
        The user data folder holding the part files.
    base : Layer or None
        The bundled layer it starts from, or None.
    states : Layer or None
        The states layer whose polygons cut coverage; needed when a part
        covers some states.

    Returns
    -------
    Layer
        Origin ``installed``; ``coverage`` the union of the parts'
        ``covers``; ``parts`` every file that contributed.
    """
    frames: list[gpd.GeoDataFrame] = []
    parts: list[LayerPart] = []
    coverage = Coverage()
    if base is not None:
        frames.append(_with_provenance(base.frame, source=base.source, licence=base.licence, authoritative=base.authoritative, part="bundled"))
        parts.append(LayerPart(base.path.name if base.path else "(bundled)", base.sha256, base.source, base.licence, base.date, base.accuracy_m, base.authoritative, tuple(base.coverage.to_list()), len(base.frame)))
        coverage = base.coverage
    for part in entry["parts"]:
        frame = layer_from_frame(name, read_layer_frame(folder / part["file"], name), accuracy_m=float(part["accuracy_m"])).frame
        covers = tuple(part.get("covers", []))
        excluded = tuple(part.get("excluded", []))
        if covers:
            area = _states_area(states, covers, name)
            frames = [_clip_out(f, area) for f in frames]
        if excluded:
            frame = _clip_out(frame, _states_area(states, excluded, name))
        frames.append(_with_provenance(frame, source=part["source"], licence=part["licence"], authoritative=bool(part["authoritative"]), part=part["id"]))
        parts.append(LayerPart(part["file"], part["sha256"], part["source"], part["licence"], part["date"], float(part["accuracy_m"]), bool(part["authoritative"]), covers, len(frame)))
        if covers:
            coverage = coverage.union(Coverage.of(covers, part["source"]))
    frame = _concat(frames)
    # Count what each part still contributes once later parts have cut it.
    remaining = frame["part"].value_counts() if len(frame) else pd.Series(dtype=int)
    ids = ["bundled"] * (base is not None) + [part["id"] for part in entry["parts"]]
    parts = [replace(p, features=int(remaining.get(i, 0))) for p, i in zip(parts, ids)]
    used = [p for p in parts if p.features > 0] or parts
    authoritative = bool(used) and all(p.authoritative for p in used)
    digest = hashlib.sha256("\n".join(f"{p.file}:{p.sha256}" for p in parts).encode("utf-8")).hexdigest()
    notes = [base.notes] if base is not None and base.notes and any(f["part"].eq("bundled").any() for f in frames if len(f)) else []
    notes += [str(part.get("notes", "")) for part in entry["parts"] if part.get("notes")]
    last = entry["parts"][-1]["file"] if entry["parts"] else None
    return layer_from_frame(
        name,
        frame,
        layer_accuracy_m=float(frame["accuracy_m"].max()) if len(frame) else 0.0,
        title=str(entry.get("title") or (base.title if base is not None else name)),
        title_ms=str(entry.get("title_ms") or (base.title_ms if base is not None else "")),
        source="; ".join(dict.fromkeys(_part_label(p) for p in used)),
        licence="; ".join(dict.fromkeys(p.licence for p in used if p.licence)),
        date=max((p.date for p in used if p.date), default=""),
        authoritative=authoritative,
        approximate=not authoritative,
        notes=" | ".join(n for n in notes if n),
        role=str(entry.get("role", "constraint")),
        origin="installed",
        path=folder / last if last else (base.path if base is not None else None),
        sha256=digest,
        coverage=coverage,
        parts=tuple(parts),
    )


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
    frame = frame.drop(columns=[c for c in _PROVENANCE_COLUMNS if c in frame.columns])
    outside = _count_outside(frame, states, covered, name)

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


_PART_FIELDS = ("id", "file", "covers", "source", "licence", "date", "accuracy_m", "authoritative", "sha256")


def _checked_entry(path: Path, name: str, entry: Any) -> dict[str, Any]:
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
        missing = [key for key in _PART_FIELDS if key not in part]
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


def _states_in_use(folder: Path) -> Layer:
    """The states layer screening would use (installed, else bundled), without assembling any other layer."""
    bundled = load_bundled_layer("states")
    entry = installed_manifest(folder).get("states")
    if entry is not None:
        return assemble_layer("states", entry, folder, base=bundled if entry.get("base") == "bundled" else None, states=bundled)
    if bundled is None:
        raise LayerError(f"no states layer: {MANIFEST_PATH} lists none; reinstall reegeo")
    return bundled


def _states_area(states: Layer | None, names: tuple[str, ...], layer: str) -> shapely.Geometry | None:
    """The union of the named states (None for every state)."""
    if ALL_STATES in names:
        return None
    if states is None:
        raise LayerError(f"layer {layer!r}: an import covers {', '.join(names)} but no states layer is loaded to locate them")
    frame = states.frame
    chosen = frame[frame["name"].astype(str).isin(names)]
    area = shapely.union_all(shapely.make_valid(np.asarray(chosen.geometry.values)))
    return area


def _clip_out(frame: gpd.GeoDataFrame, area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    """``frame`` without what lies in ``area`` (None: everywhere): features inside dropped, straddling ones cut."""
    if not len(frame):
        return frame
    if area is None:
        return frame.iloc[0:0]
    shapely.prepare(area)
    geoms = np.asarray(frame.geometry.values)
    touching = shapely.intersects(area, geoms)
    if not touching.any():
        return frame
    inside = touching & shapely.within(geoms, area)
    cut = touching & ~inside
    result = frame.copy()
    if cut.any():
        pieces = polygonal_parts(shapely.difference(geoms[cut], area), keep_points=True)
        result.loc[result.index[cut], result.geometry.name] = _without_slivers(pieces)
    keep = ~inside & ~(result.geometry.isna() | result.geometry.is_empty).to_numpy()
    return result[keep]


# Parts of a cut feature smaller than this are slivers left along the state boundary.
_SLIVER_M2 = 10_000.0


def _without_slivers(geoms: np.ndarray) -> np.ndarray:
    """Drop the parts of cut polygons under :data:`_SLIVER_M2`, measured in each one's GDM2000 RSO grid."""
    from reegeo.geo import metric_crs_for

    out = []
    for geom in geoms:
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            out.append(geom)
            continue
        parts = shapely.get_parts(geom)
        epsg = int(metric_crs_for([geom.representative_point().x])[0])
        areas = gpd.GeoSeries(parts, crs=4326).to_crs(epsg).area.to_numpy()
        kept = parts[areas >= _SLIVER_M2]
        out.append(shapely.union_all(kept) if len(kept) else None)
    return np.asarray(out, dtype=object)


def _with_provenance(frame: gpd.GeoDataFrame, *, source: str, licence: str, authoritative: bool, part: str) -> gpd.GeoDataFrame:
    result = frame.copy()
    if "source" not in result.columns:
        result["source"] = source
    else:
        result["source"] = result["source"].where(result["source"].notna() & (result["source"].astype(str) != ""), source)
    result["licence"] = licence
    result["authoritative"] = authoritative
    result["part"] = part
    return result


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)] or frames[:1]
    if not frames:
        return gpd.GeoDataFrame({"name": [], "accuracy_m": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    combined = pd.concat([f.to_crs(4326) for f in frames], ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry=combined.geometry.name, crs=4326)


def _count_outside(frame: gpd.GeoDataFrame, states: Layer, covered: tuple[str, ...], name: str) -> int:
    """Features whose representative point lies outside the covered states."""
    if not covered or covered == (ALL_STATES,) or not len(frame):
        return 0
    area = _states_area(states, covered, name)
    anchors = shapely.point_on_surface(np.asarray(frame.geometry.values))
    return int((~shapely.intersects(area, anchors)).sum())


def _crs_label(crs: Any) -> str:
    """``EPSG:3168``, or the name and method of a CRS without a code (``unnamed, Cassini-Soldner``)."""
    if crs is None:
        return ""
    code = crs.to_epsg()
    if code:
        return f"EPSG:{code}"
    method = crs.coordinate_operation.method_name if crs.coordinate_operation is not None else ""
    return ", ".join(part for part in (crs.name, method) if part) + " (no EPSG code)"


def _part_label(part: LayerPart) -> str:
    if part.covers == (ALL_STATES,):
        return f"{part.source} (every state)"
    if part.covers:
        return f"{part.source} ({', '.join(part.covers)})"
    return part.source


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LayerError(f"cannot create the data folder {folder} ({exc.strerror}): set REEGEO_DATA_DIR to a folder you can write") from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the data folder's lock: one writer at a time, so no update is lost."""
    try:
        handle = open(folder / _LOCK_NAME, "a+b")
    except OSError as exc:
        raise LayerError(f"cannot lock the data folder {folder} ({exc.strerror}): set REEGEO_DATA_DIR to a folder you can write") from None
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomically(target: Path, write: Any) -> None:
    """:func:`reegeo.atomic.write_atomically`, with a failure as one :class:`LayerError`."""
    try:
        write_atomically(target, write)
    except OSError as exc:
        raise LayerError(f"cannot write {target} ({exc.strerror or exc}): free some space or set REEGEO_DATA_DIR to a folder you can write") from None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerError(f"cannot write {target} ({exc}): free some space or set REEGEO_DATA_DIR to a folder you can write") from None


def _write_manifest(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    text = (
        "# Layers installed with 'python -m reegeo data import'. Each layer is the bundled one (base = \"bundled\")\n"
        "# with its parts applied in order; a part's covers are the states it makes complete.\n"
        "# Remove with 'data reset NAME [--state STATE]'.\n\n"
    )
    text += tomli_w.dumps({"layers": entries})
    tomllib.loads(text)  # never write a manifest that cannot be read back

    def write(staged: Path) -> None:
        staged.write_text(text, encoding="utf-8")

    _write_atomically(folder / USER_MANIFEST_NAME, write)
