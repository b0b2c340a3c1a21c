"""Malaysia's geography as the code needs it: the metric grids, the bounds, polygonal parts.

Distances and areas are measured in metres in GDM2000 RSO: EPSG:3375 for
Peninsular Malaysia, EPSG:3376 for Sabah, Sarawak and Labuan. The split is
the meridian 107° E, in the sea between the two (the Peninsula ends at about
104.6° E, Sarawak begins at about 109.6° E); the engine and
``tools/build_geodata.py`` both use :func:`metric_epsg`.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = [
    "PENINSULAR_EPSG",
    "EAST_MALAYSIA_EPSG",
    "EAST_MALAYSIA_MIN_LON",
    "MALAYSIA_BOUNDS_LONLAT",
    "metric_crs_for",
    "metric_epsg",
    "polygonal_parts",
]

PENINSULAR_EPSG = 3375
EAST_MALAYSIA_EPSG = 3376
EAST_MALAYSIA_MIN_LON = 107.0
# (west, south, east, north) in degrees: the country with its waters, for sanity checks and maps.
MALAYSIA_BOUNDS_LONLAT = (99.5, 0.8, 119.5, 7.5)

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_POINTS = (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT)


def metric_crs_for(longitudes) -> np.ndarray:
    """EPSG code of the GDM2000 RSO grid to measure in, per longitude."""
    return np.where(np.asarray(longitudes) >= EAST_MALAYSIA_MIN_LON, EAST_MALAYSIA_EPSG, PENINSULAR_EPSG)


def metric_epsg(longitude: float) -> int:
    """EPSG code of the GDM2000 RSO grid for one longitude."""
    return int(metric_crs_for(longitude))


def polygonal_parts(geoms, *, keep_points: bool = False, empty=None) -> np.ndarray:
    """The polygonal part of each geometry (lines and points left by cutting or repair dropped).

    Polygons (and, with ``keep_points``, points) pass through unchanged; a
    collection becomes the (multi)polygon of its polygonal members; anything
    with no polygonal part, and missing or empty geometries, becomes ``empty``.
    """
    geoms = np.asarray(geoms, dtype=object).ravel()
    kept = _POLYGONAL + (_POINTS if keep_points else ())
    result = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            result[i] = empty
            continue
        kind = shapely.get_type_id(geom)
        if kind in kept:
            result[i] = geom
            continue
        parts = shapely.get_parts(geom) if kind == shapely.GeometryType.GEOMETRYCOLLECTION else np.array([], dtype=object)
        polygons = shapely.get_parts(parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]) if len(parts) else parts
        polygons = polygons[~shapely.is_empty(polygons)] if len(polygons) else polygons
        if not len(polygons):
            result[i] = empty
        else:
            result[i] = polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)
    return result
