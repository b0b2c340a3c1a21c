"""The eligibility surface: every cell of Malaysia classified before anyone draws a site.

A square grid of ``cell_m`` metres is laid in GDM2000 RSO: EPSG:3375 over
the Peninsular states and EPSG:3376 over Sabah, Sarawak and Labuan (the same
grids :func:`reegeo.screening.engine.screen_sites` measures in). Each cell is cut
along the state boundaries, so a cell on a coast or a state border becomes one
piece per state it covers, and each piece is screened as a **polygon site**
with the current layers and rules.

Polygons, not cell centroids: a cell is prohibited when *any part* of it
touches a prohibited area and needs review when any part is within a review
buffer (or within a layer's stated accuracy of a prohibited area). That is the
conservative answer: a centroid would call a cell eligible while a reserve
smaller than the cell, or the edge of a large one, lies inside it. The price
is that "eligible" area is an underestimate at coarse resolutions; use a
smaller ``cell_m`` to see the boundary more finely.

:func:`build_surface` is a pure function of the layers, the rules and the
resolution, so callers can cache it on :func:`surface_key`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from reegeo.errors import ExportError, ScreeningError
from reegeo.geo import metric_crs_for, polygonal_parts
from reegeo.layers.model import Layer
from reegeo.messages import Catalog
from reegeo.screening.engine import screen_sites
from reegeo.screening.rules import Rule
from reegeo.vocab import UNVERIFIED_SUFFIX, VERDICTS, Progress

__all__ = [
    "build_surface",
    "surface_totals",
    "dissolve_surface",
    "surface_key",
    "surface_columns",
    "write_surface",
    "SURFACE_FORMATS",
    "DEFAULT_CELL_M",
    "MIN_CELL_M",
    "MAX_CELLS",
]

DEFAULT_CELL_M = 5_000.0
MIN_CELL_M = 100.0
# Malaysia is about 330,000 km²; its two grids' bounding boxes about 1.1 million km², so
# 1 km cells are about 1.1 million grid cells (0.9 GB at peak). The limit is checked on
# the whole grid before any cell is made, and bounds the memory to a few GB.
MAX_CELLS = 3_000_000
_TOTAL_ROW = "Malaysia"
# Cells screened per screen_sites call: bounds the memory a fine grid needs.
_SCREEN_BATCH = 50_000

_M = Catalog("screening.surface", {
    "no_states_layer": {
        "en": "the 'states' layer is missing: the surface covers the states; load the bundled layers or give {argument}",
        "ms": "lapisan 'states' tiada: permukaan meliputi negeri-negeri; muatkan lapisan yang disertakan atau berikan {argument}",
    },
    "no_suffix": {"en": "(no suffix)", "ms": "(tiada akhiran)"},
    "unknown_format": {
        "en": "surface output {file!r}: unknown format {suffix!r}; use one of {formats}",
        "ms": "output permukaan {file!r}: format {suffix!r} tidak dikenali; gunakan salah satu daripada {formats}",
    },
    "cannot_write": {
        "en": "cannot write the surface to {path} ({reason}): check the folder exists and is writable",
        "ms": "permukaan tidak dapat ditulis ke {path} ({reason}): pastikan folder itu wujud dan boleh ditulis",
    },
    "grid_too_large": {
        "en": "cell_m={cell_m:g} would make about {cells:,.0f} grid cells (at most {maximum:,} are allowed, to bound memory): give a cell size of {finest:,.0f} m or more",
        "ms": "cell_m={cell_m:g} akan menghasilkan kira-kira {cells:,.0f} sel grid (paling banyak {maximum:,} dibenarkan, untuk mengehadkan memori): berikan saiz sel {finest:,.0f} m atau lebih",
    },
    "too_many_cells": {
        "en": "cell_m={cell_m:g} would make {cells:,} grid cells (more than {maximum:,}): give a larger cell size",
        "ms": "cell_m={cell_m:g} akan menghasilkan {cells:,} sel grid (lebih daripada {maximum:,}): berikan saiz sel yang lebih besar",
    },
    "invalid_cell_m": {
        "en": "cell_m={cell_m!r}: give the cell side in metres, {minimum:g} or more (e.g. 5000 for 5 km cells)",
        "ms": "cell_m={cell_m!r}: berikan sisi sel dalam meter, {minimum:g} atau lebih (cth. 5000 untuk sel 5 km)",
    },
})


def surface_columns() -> list[str]:
    """The surface's columns, in order (without geometry)."""
    return [
        "cell_id", "state", "verdict", "violations", "flags", "area_km2",
        "dist_forest_reserves_m", "dist_water_catchments_m",
        "overlap_forest_reserves_pct", "overlap_water_catchments_pct", "metric_crs",
    ]


def build_surface(
    layers: Mapping[str, Layer],
    rules: Iterable[Rule],
    *,
    cell_m: float = DEFAULT_CELL_M,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Classify every cell of a national grid as prohibited, review or eligible.

    Parameters
    ----------
    layers : mapping of str to Layer
        As for :func:`reegeo.screening.engine.screen_sites`; the ``states`` layer
        defines the land that is gridded.
    rules : iterable of Rule
    cell_m : float
        Side of a grid cell in metres (default 5,000; at least 100). Cells
        are aligned to multiples of ``cell_m`` in EPSG:3375 (Peninsular
        Malaysia) and EPSG:3376 (Sabah, Sarawak, Labuan).
    progress : callable, optional
        Called as ``progress(done, total)`` while cells are screened.

    Returns
    -------
    GeoDataFrame
        One row per piece of a cell inside one state (a cell on a state
        border gives one row per state), with the columns of
        :func:`surface_columns` and polygons in EPSG:4326. ``cell_id`` is
        ``EPSG:x:y``, the cell's lower-left corner in metres; ``area_km2`` is
        the piece's area measured in its grid.

    Raises
    ------
    ScreeningError
        When ``cell_m`` is not a number of metres of at least
        :data:`MIN_CELL_M`, the grid would exceed :data:`MAX_CELLS` cells,
        or the layers and rules cannot be screened.
    """
    rules = tuple(rules)
    _check_cell_m(cell_m)
    if "states" not in layers:
        raise ScreeningError(_M("no_states_layer"), argument="layers", value="states")
    pieces = _grid_pieces(layers["states"].frame, float(cell_m))
    if len(pieces) == 0:
        return gpd.GeoDataFrame(columns=surface_columns(), geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    screened = _screen_in_batches(pieces, layers, rules, progress)
    surface = pd.DataFrame({
        "cell_id": pieces["cell_id"].to_numpy(),
        "state": pieces["state"].to_numpy(),
        "verdict": screened["verdict"].to_numpy(),
        "violations": screened["violations"].to_numpy(),
        "flags": screened["flags"].to_numpy(),
        "area_km2": pieces["area_km2"].to_numpy(),
    })
    for column in surface_columns()[6:]:
        surface[column] = screened[column].to_numpy() if column in screened.columns else np.nan
    return gpd.GeoDataFrame(surface, geometry=screened.geometry.to_numpy(), crs=4326)


def surface_totals(surface: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area (km²) per state and verdict, with a ``Malaysia`` total row.

    Returns
    -------
    DataFrame
        Columns ``state``, ``prohibited_km2``, ``review_km2``,
        ``eligible_km2``, ``total_km2``, ``eligible_pct``, and the review
        area split by why: ``review_data_km2`` (only because a prohibiting
        layer is incomplete there: ``<layer>_unverified``) and
        ``review_rules_km2`` (a buffer, a boundary's uncertainty or another
        review rule fired); one row per state (alphabetical) and a last row
        ``Malaysia``.
    """
    table = surface.pivot_table(index="state", columns="verdict", values="area_km2", aggfunc="sum", fill_value=0.0, observed=False)
    table = table.reindex(columns=list(VERDICTS), fill_value=0.0).sort_index()
    data_only = (surface["verdict"] == "review") & surface["flags"].fillna("").map(_only_unverified)
    by_data = surface[data_only].groupby("state")["area_km2"].sum().reindex(table.index, fill_value=0.0)
    table.loc[_TOTAL_ROW] = table.sum(axis=0)
    by_data.loc[_TOTAL_ROW] = by_data.sum()
    table.columns = [f"{verdict}_km2" for verdict in VERDICTS]
    table["total_km2"] = table.sum(axis=1)
    table["review_data_km2"] = by_data.reindex(table.index, fill_value=0.0)
    table["review_rules_km2"] = (table["review_km2"] - table["review_data_km2"]).clip(lower=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["eligible_pct"] = np.where(table["total_km2"] > 0, table["eligible_km2"] / table["total_km2"] * 100.0, 0.0)
    table = table.round({**{c: 1 for c in table.columns if c.endswith("_km2")}, "eligible_pct": 2})
    return table.rename_axis("state").reset_index()


def _only_unverified(flags: str) -> bool:
    """True when every review flag is ``<layer>_unverified`` (the data, not a rule, keeps the cell from eligible)."""
    ids = [flag for flag in str(flags).split(";") if flag]
    return bool(ids) and all(flag.endswith(UNVERIFIED_SUFFIX) for flag in ids)


def dissolve_surface(surface: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The surface merged into one (multi)polygon per state and verdict, for display.

    A map of one feature per cell grows with the square of the resolution
    (about 9 MB of GeoJSON at 5 km); merged, the surface is a few hundred kB
    whatever the cell size, and the boundary between verdicts is unchanged.

    Returns
    -------
    GeoDataFrame
        Columns ``state``, ``verdict``, ``name`` (``"<state>: <verdict>"``,
        so :func:`reegeo.layers.model.layer_from_frame` can wrap it as a layer),
        ``area_km2`` and geometry (EPSG:4326); sorted by state, then
        prohibited, review, eligible.
    """
    grouped = surface.dissolve(by=["state", "verdict"], aggfunc={"area_km2": "sum"}, as_index=False)
    grouped["order"] = grouped["verdict"].map({v: i for i, v in enumerate(VERDICTS)})
    grouped = grouped.sort_values(["state", "order"]).reset_index(drop=True)
    grouped["name"] = grouped["state"] + ": " + grouped["verdict"]
    return grouped[["state", "verdict", "name", "area_km2", "geometry"]]


def _write_gpkg(surface: gpd.GeoDataFrame, path: Path) -> None:
    surface.to_file(path, layer="eligibility_surface", driver="GPKG", engine="pyogrio")


def _write_parquet(surface: gpd.GeoDataFrame, path: Path) -> None:
    surface.to_parquet(path, index=False)


SURFACE_FORMATS = {".gpkg": _write_gpkg, ".parquet": _write_parquet, ".geoparquet": _write_parquet}


def write_surface(surface: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write the surface as GeoPackage (layer ``eligibility_surface``) or GeoParquet.

    The suffix picks the format: ``.gpkg``, ``.parquet`` or ``.geoparquet``.

    Raises
    ------
    ExportError
        For any other suffix, or when the file cannot be written.
    """
    path = Path(path)
    writer = SURFACE_FORMATS.get(path.suffix.lower())
    if writer is None:
        raise ExportError(
            _M("unknown_format", file=path.name, suffix=path.suffix or _M("no_suffix"), formats=", ".join(sorted(SURFACE_FORMATS)))
        )
    if path.exists() and path.suffix.lower() == ".gpkg":
        path.unlink()  # a GeoPackage would otherwise gain a second copy of the layer
    try:
        writer(surface, path)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ExportError(_M("cannot_write", path=path, reason=str(exc))) from None
    return path


def surface_key(layers: Mapping[str, Layer], rules: Iterable[Rule], *, cell_m: float = DEFAULT_CELL_M) -> str:
    """A cache key: equal keys mean :func:`build_surface` gives the same surface.

    Built from each layer's name and SHA-256 (of its file or features), the
    rules (every field) and ``cell_m``.
    """
    digest = hashlib.sha256()
    for name in sorted(layers):
        digest.update(f"{name}={layers[name].sha256}\n".encode())
    for rule in rules:
        digest.update(repr(rule).encode())
    digest.update(f"cell_m={float(cell_m)!r}".encode())
    return digest.hexdigest()


def _screen_in_batches(pieces: gpd.GeoDataFrame, layers: Mapping[str, Layer], rules: tuple[Rule, ...], progress: Progress | None) -> gpd.GeoDataFrame:
    """screen_sites over runs of cells, so memory is bounded by the batch, not the grid."""
    total = len(pieces)
    results = []
    for start in range(0, total, _SCREEN_BATCH):
        batch = pieces.iloc[start : start + _SCREEN_BATCH]
        relay = None if progress is None else (lambda done, _, offset=start: progress(offset + done, total))
        results.append(screen_sites(batch, layers, rules, progress=relay))
    return pd.concat(results, ignore_index=True) if len(results) > 1 else results[0]


def _grid_pieces(states: gpd.GeoDataFrame, cell_m: float) -> gpd.GeoDataFrame:
    """Grid cells cut by the states, per GDM2000 RSO zone, with state, id and area."""
    anchors = shapely.point_on_surface(states.geometry.to_numpy())
    zones = metric_crs_for(shapely.get_x(anchors))
    _check_grid_size(states, zones, cell_m)
    frames = []
    for epsg in sorted(set(zones.tolist())):
        zone_states = states[zones == epsg]
        geoms = np.asarray(zone_states.geometry.to_crs(epsg).to_numpy())
        cells, corners = _cells(shapely.total_bounds(geoms), cell_m)
        tree = shapely.STRtree(geoms)
        cell_idx, state_idx = tree.query(cells, predicate="intersects")
        shapely.prepare(geoms)
        inside = shapely.contains_properly(geoms[state_idx], cells[cell_idx])
        pieces = cells[cell_idx].copy()
        cut = ~inside
        pieces[cut] = polygonal_parts(shapely.intersection(cells[cell_idx[cut]], geoms[state_idx[cut]]), empty=shapely.Polygon())
        area = shapely.area(pieces)
        keep = area > 0
        cell_idx, state_idx, pieces, area = cell_idx[keep], state_idx[keep], pieces[keep], area[keep]
        frames.append(gpd.GeoDataFrame({
            "cell_id": [f"EPSG:{epsg}:{x:.0f}:{y:.0f}" for x, y in corners[cell_idx]],
            "state": zone_states["name"].to_numpy()[state_idx],
            "area_km2": area / 1e6,
        }, geometry=pieces, crs=epsg).to_crs(4326))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _check_grid_size(states: gpd.GeoDataFrame, zones: np.ndarray, cell_m: float) -> None:
    """Refuse, before any cell is made, a grid of more than :data:`MAX_CELLS` cells, naming the finest size that fits."""
    area_m2 = 0.0
    for epsg in sorted(set(zones.tolist())):
        x0, y0, x1, y1 = shapely.total_bounds(np.asarray(states[zones == epsg].geometry.to_crs(epsg).to_numpy()))
        area_m2 += (x1 - x0 + cell_m) * (y1 - y0 + cell_m)
    cells = area_m2 / (cell_m * cell_m)
    if cells > MAX_CELLS:
        finest = math.ceil(math.sqrt(area_m2 / MAX_CELLS) / 100.0) * 100.0
        raise ScreeningError(_M("grid_too_large", cell_m=cell_m, cells=cells, maximum=MAX_CELLS, finest=finest))


def _cells(bounds: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Square cells aligned to multiples of cell_m covering bounds; and their lower-left corners."""
    x0 = math.floor(bounds[0] / cell_m) * cell_m
    y0 = math.floor(bounds[1] / cell_m) * cell_m
    xs = np.arange(x0, bounds[2], cell_m)
    ys = np.arange(y0, bounds[3], cell_m)
    if len(xs) * len(ys) > MAX_CELLS:
        raise ScreeningError(_M("too_many_cells", cell_m=cell_m, cells=len(xs) * len(ys), maximum=MAX_CELLS))
    grid_x, grid_y = np.meshgrid(xs, ys)
    gx, gy = grid_x.ravel(), grid_y.ravel()
    return shapely.box(gx, gy, gx + cell_m, gy + cell_m), np.column_stack([gx, gy])


def _check_cell_m(cell_m: object) -> None:
    if isinstance(cell_m, bool) or not isinstance(cell_m, (int, float)) or not math.isfinite(cell_m) or cell_m < MIN_CELL_M:
        raise ScreeningError(_M("invalid_cell_m", cell_m=cell_m, minimum=MIN_CELL_M))
