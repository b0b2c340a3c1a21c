"""Assembling a layer from its parts: the bundled base and the parts installed state by state.

A part that covers some states replaces every other part's features inside
those states (cut along the state boundary, slivers dropped); features outside
the covered states are kept, each with its own source, licence and accuracy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from reegeo.errors import LayerError
from reegeo.geo import polygonal_parts
from reegeo.layers.coverage import ALL_STATES, Coverage
from reegeo.layers.load import layer_from_frame, read_layer_frame
from reegeo.layers.model import Layer, LayerPart
from reegeo.messages import Catalog

__all__ = ["PROVENANCE_COLUMNS", "assemble_layer", "count_outside"]
# Per-feature provenance columns an assembled layer carries.
PROVENANCE_COLUMNS = ("source", "licence", "authoritative", "part")

_M = Catalog("layers.assemble", {
    "no_states_layer": {
        "en": "layer {layer!r}: an import covers {states} but no states layer is loaded to locate them",
        "ms": "lapisan {layer!r}: satu import meliputi {states} tetapi tiada lapisan negeri dimuatkan untuk menentukan kedudukannya",
    },
})


def assemble_layer(name: str, entry: Mapping[str, Any], folder: Path, *, base: Layer | None, states: Layer | None) -> Layer:
    """Build an installed layer from its bundled base and its parts, in import order.

    Parameters
    ----------
    name : str
        The layer's name.
    entry : mapping
        Its installed manifest entry (see :func:`reegeo.layers.store.installed_manifest`).
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
    base_notes = base is not None and bool(base.notes) and any(f["part"].eq("bundled").any() for f in frames if len(f))
    part_notes = [str(part.get("notes", "")) for part in entry["parts"] if part.get("notes")]
    notes = ([base.notes] if base is not None and base_notes else []) + part_notes
    # Bahasa Malaysia: the bundled base's own texts while it still contributes; an installed part keeps its English.
    source_ms = licence_ms = notes_ms = ""
    if base is not None and any(p is parts[0] for p in used):
        if base.source_ms:
            source_ms = "; ".join(dict.fromkeys(_part_label(p, "ms", base.source_ms if p is parts[0] else p.source) for p in used))
        if base.licence_ms:
            licence_ms = "; ".join(dict.fromkeys(base.licence_ms if p is parts[0] else p.licence for p in used if p.licence))
    if base is not None and base_notes and base.notes_ms:
        notes_ms = " | ".join(n for n in [base.notes_ms, *part_notes] if n)
    last = entry["parts"][-1]["file"] if entry["parts"] else None
    return layer_from_frame(
        name,
        frame,
        layer_accuracy_m=float(frame["accuracy_m"].max()) if len(frame) else 0.0,
        title=str(entry.get("title") or (base.title if base is not None else name)),
        title_ms=str(entry.get("title_ms") or (base.title_ms if base is not None else "")),
        source="; ".join(dict.fromkeys(_part_label(p) for p in used)),
        source_ms=source_ms,
        licence="; ".join(dict.fromkeys(p.licence for p in used if p.licence)),
        licence_ms=licence_ms,
        date=max((p.date for p in used if p.date), default=""),
        authoritative=authoritative,
        approximate=not authoritative,
        notes=" | ".join(n for n in notes if n),
        notes_ms=notes_ms,
        role=str(entry.get("role", "constraint")),
        origin="installed",
        path=folder / last if last else (base.path if base is not None else None),
        sha256=digest,
        coverage=coverage,
        parts=tuple(parts),
    )


def _states_area(states: Layer | None, names: tuple[str, ...], layer: str) -> shapely.Geometry | None:
    """The union of the named states (None for every state)."""
    if ALL_STATES in names:
        return None
    if states is None:
        raise LayerError(_M("no_states_layer", layer=layer, states=", ".join(names)))
    frame = states.frame
    chosen = frame[frame["name"].astype(str).isin(names)]
    area = shapely.union_all(shapely.make_valid(np.asarray(chosen.geometry.values), method="structure"))
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


def count_outside(frame: gpd.GeoDataFrame, states: Layer, covered: tuple[str, ...], name: str) -> int:
    """Features whose representative point lies outside the covered states."""
    if not covered or covered == (ALL_STATES,) or not len(frame):
        return 0
    area = _states_area(states, covered, name)
    anchors = shapely.point_on_surface(np.asarray(frame.geometry.values))
    return int((~shapely.intersects(area, anchors)).sum())


def _part_label(part: LayerPart, lang: str = "en", source: str | None = None) -> str:
    """A part's source and the states it covers; ``source`` replaces the part's own (its Malay text)."""
    text = part.source if source is None else source
    if part.covers == (ALL_STATES,):
        return f"{text} ({'semua negeri' if lang == 'ms' else 'every state'})"
    if part.covers:
        return f"{text} ({', '.join(part.covers)})"
    return text
