"""The checks every read passes after its format's reader: geometry and CRS.

Geometries are repaired or refused with the rows named (lines are not sites;
empty and invalid shapes are reported); the CRS is settled (declared, else
WGS 84 only when the coordinates are plausible degrees in Malaysia), checked
against its area of use, and swapped latitude/longitude is refused.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from reegeo.errors import UploadError
from reegeo.geo import MALAYSIA_BOUNDS_LONLAT, metric_crs_for
from reegeo.io.detect import (
    RawRead,
    list_rows,
)

__all__ = ["clean_geometries", "note_outside_malaysia", "settle_crs"]

_G = shapely.GeometryType
_LINE_TYPES = (_G.LINESTRING, _G.LINEARRING, _G.MULTILINESTRING)
_MULTI_TYPES = (_G.MULTIPOINT, _G.MULTILINESTRING, _G.MULTIPOLYGON, _G.GEOMETRYCOLLECTION)


# ---------------------------------------------------------------- geometry


def _parts(geometry) -> list:
    """All single-part pieces of a geometry, collections and multi-parts flattened."""
    out, stack = [], [geometry]
    while stack:
        geom = stack.pop()
        if geom is None or geom.is_empty:
            continue
        if shapely.get_type_id(geom) in _MULTI_TYPES:
            stack.extend(reversed(shapely.get_parts(geom).tolist()))
        else:
            out.append(geom)
    return out


def _keep_dimension(geometry, dimension: int):
    """The parts of ``geometry`` of one dimension (0 points, 1 lines, 2 areas), or None."""
    parts = [p for p in _parts(geometry) if shapely.get_dimensions(p) == dimension]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    if dimension == 2:
        merged = shapely.MultiPolygon(parts)
        return merged if merged.is_valid else shapely.union_all(parts)
    if dimension == 1:
        return shapely.MultiLineString(parts)
    return shapely.MultiPoint(parts)


def clean_geometries(frame: gpd.GeoDataFrame, name: str, notes: list[str], *, sites: bool) -> gpd.GeoDataFrame:
    """Skip null/empty, refuse non-finite and (for sites) lines, drop Z/M, repair invalid."""
    geoms = np.asarray(frame.geometry.array, dtype=object)
    rows = frame.index.to_numpy()

    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        notes.append(f"{int(empty.sum()):,} {'row has' if empty.sum() == 1 else 'rows have'} no geometry "
                     f"and {'was' if empty.sum() == 1 else 'were'} skipped ({list_rows(rows[empty])}).")
        frame, geoms, rows = frame[~empty], geoms[~empty], rows[~empty]
    if len(frame) == 0:
        what = "sites (points or areas)" if sites else "features with a geometry"
        raise UploadError(f"{name}: the file holds no {what}. Check that the right file and layer were chosen and that it has coordinates.")

    with np.errstate(invalid="ignore"):
        bounds = shapely.bounds(geoms)
    not_finite = ~np.isfinite(bounds).all(axis=1)
    if not_finite.any():
        raise UploadError(
            f"{name}: {list_rows(rows[not_finite])} {'has' if not_finite.sum() == 1 else 'have'} "
            "coordinates that are not finite numbers (NaN or infinity). Fix or delete "
            f"{'that row' if not_finite.sum() == 1 else 'those rows'} and upload again."
        )

    _check_vertices(geoms, rows, name)

    has_z = shapely.has_z(geoms)
    has_m = shapely.has_m(geoms) if hasattr(shapely, "has_m") else np.zeros(len(geoms), bool)
    if has_z.any() or has_m.any():
        geoms = shapely.force_2d(geoms)
        kinds = " and ".join(k for k, on in (("heights (Z)", has_z.any()), ("measures (M)", has_m.any())) if on)
        count = int((has_z | has_m).sum())
        notes.append(f"{kinds} dropped from {count:,} {'geometry' if count == 1 else 'geometries'}; screening uses 2-D positions.")

    types = shapely.get_type_id(geoms)
    if sites:
        geoms = _site_geometries(geoms, types, rows, name, notes)

    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        dimensions = shapely.get_dimensions(geoms)
        # "structure" repair unions overlapping parts and subtracts holes; the default "linework"
        # repair took over 5 minutes and 14 GB on a multipolygon of 5,000 overlapping squares.
        repaired = shapely.make_valid(geoms[invalid], method="structure")
        geoms = geoms.copy()
        geoms[invalid] = [_keep_dimension(g, int(d)) for g, d in zip(repaired, dimensions[invalid])]
        notes.append(f"{int(invalid.sum()):,} invalid {'geometry' if invalid.sum() == 1 else 'geometries'} "
                     f"repaired ({list_rows(rows[invalid])}).")
        collapsed = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if collapsed.any():
            notes.append(f"{list_rows(rows[collapsed])}: the geometry collapsed to nothing when repaired "
                         f"(e.g. a polygon with no area) and {'was' if collapsed.sum() == 1 else 'were'} skipped.")
            frame, geoms, rows = frame[~collapsed], geoms[~collapsed], rows[~collapsed]
            if len(frame) == 0:
                raise UploadError(f"{name}: no geometry is left after repairing invalid ones. Fix the geometries in your GIS and upload again.")

    frame = frame.copy()
    frame[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs)
    return frame


# Vertices one feature and one file may have: bounds on the geometry work (repair, projection, measuring).
MAX_FEATURE_VERTICES = 1_000_000
MAX_FILE_VERTICES = 5_000_000


def _check_vertices(geoms: np.ndarray, rows: np.ndarray, name: str) -> None:
    counts = shapely.get_num_coordinates(geoms)
    heavy = counts > MAX_FEATURE_VERTICES
    if heavy.any():
        raise UploadError(
            f"{name}: {list_rows(rows[heavy])} {'has' if heavy.sum() == 1 else 'have'} more than {MAX_FEATURE_VERTICES:,} vertices "
            f"(largest {int(counts.max()):,}). Simplify the geometry in your GIS (e.g. to 1 m) or split it, and upload again."
        )
    total = int(counts.sum())
    if total > MAX_FILE_VERTICES:
        raise UploadError(
            f"{name}: the file has {total:,} vertices in all; at most {MAX_FILE_VERTICES:,} are read. "
            "Simplify the geometries in your GIS (e.g. to 1 m), or split the file, and upload again."
        )


def _site_geometries(geoms, types, rows, name: str, notes: list[str]):
    """Refuse lines; turn collections of points or areas into multi-points or multi-polygons."""
    lines = np.isin(types, _LINE_TYPES)
    collections = np.flatnonzero(types == _G.GEOMETRYCOLLECTION)
    geoms = geoms.copy()
    mixed = []
    for i in collections:
        dims = {int(shapely.get_dimensions(p)) for p in _parts(geoms[i])}
        if 1 in dims:
            lines[i] = True
            continue
        geoms[i] = _keep_dimension(geoms[i], max(dims))
        if len(dims) > 1:
            mixed.append(rows[i])
    if lines.any():
        raise UploadError(
            f"{name}: {list_rows(rows[lines])} {'is a line' if lines.sum() == 1 else 'are lines'} "
            "(LineString), but a site is a point or an area. Draw each site as a point or a "
            "polygon, or load this file as a constraint layer instead."
        )
    if mixed:
        notes.append(f"{list_rows(mixed)}: geometry collections with both points and areas; the areas were kept.")
    return geoms


# ---------------------------------------------------------------- CRS


def _centres(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    bounds = shapely.bounds(np.asarray(frame.geometry.array, dtype=object))
    return (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2


def _in_malaysia(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    west, south, east, north = MALAYSIA_BOUNDS_LONLAT
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def settle_crs(frame: gpd.GeoDataFrame, name: str, raw: RawRead, notes: list[str]) -> gpd.GeoDataFrame:
    """Keep the file's CRS; without one, take WGS84 only when coordinates fit lon/lat."""
    crs = frame.crs
    if crs is None or crs.is_geographic:
        _refuse_swapped(frame, name, raw)
    minx, miny, maxx, maxy = frame.total_bounds
    fits_lonlat = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    if crs is None:
        if not fits_lonlat:
            raise UploadError(
                f"{name}: the file has no coordinate system (CRS) and its coordinates "
                f"(x {minx:,.1f} to {maxx:,.1f}, y {miny:,.1f} to {maxy:,.1f}) are not "
                "longitude/latitude, so their meaning is unknown. Export the file again with "
                "its CRS (include the .prj in a Shapefile zip, or save as GeoPackage); "
                "projected Malaysian systems such as GDM2000 RSO (EPSG:3375/3376) and Kertau "
                "RSO (EPSG:3167/3168) are accepted. For CSV, give longitude/latitude in decimal degrees."
            )
        if raw.coordinate_columns:
            lat_col, lon_col = raw.coordinate_columns
            notes.append(f"no CRS in file: coordinates in columns {lon_col!r}/{lat_col!r} fit "
                         "longitude/latitude, taken as WGS84 (EPSG:4326).")
        else:
            notes.append("no CRS in file: coordinates fit longitude/latitude, taken as WGS84 (EPSG:4326).")
        return frame.set_crs(4326)
    if not (crs.is_geographic or crs.is_projected) or crs.is_geocentric or crs.is_vertical:
        raise UploadError(
            f"{name}: the file's coordinate system {crs.name!r} is not a horizontal 2-D system "
            "(geographic longitude/latitude or projected), so positions cannot be read from it. "
            "Export the file again in WGS84 (EPSG:4326), GDM2000 RSO (EPSG:3375/3376) or Kertau RSO (EPSG:3167/3168)."
        )
    if crs.is_geographic and not fits_lonlat:
        raise UploadError(
            f"{name}: the file says its coordinates are longitude/latitude ({crs.name}), but "
            f"they range over x {minx:,.1f} to {maxx:,.1f}, y {miny:,.1f} to {maxy:,.1f}, "
            "outside ±180/±90. The data is probably projected with a wrong or missing CRS "
            "label: set the right CRS in your GIS (e.g. EPSG:3375 or EPSG:3168) and export again."
        )
    if crs.is_projected:
        _check_within_area_of_use(crs, (minx, miny, maxx, maxy), name)
    return frame


# Projected coordinates may lie this far (degrees) outside their CRS's area of use.
_AREA_OF_USE_MARGIN_DEG = 10.0


def _check_within_area_of_use(crs: pyproj.CRS, bounds: tuple[float, float, float, float], name: str) -> None:
    """Refuse projected coordinates that fall far outside the CRS's area of use (or nowhere on Earth)."""
    minx, miny, maxx, maxy = bounds
    transformer = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    with np.errstate(all="ignore"):
        lon, lat = transformer.transform([minx, maxx, minx, maxx], [miny, miny, maxy, maxy], errcheck=False)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    area = crs.area_of_use
    west, south, east, north = (area.west, area.south, area.east, area.north) if area else (-180.0, -90.0, 180.0, 90.0)
    margin = _AREA_OF_USE_MARGIN_DEG
    inside = (
        np.isfinite(lon).all() and np.isfinite(lat).all()
        and (lon >= west - margin).all() and (lon <= east + margin).all()
        and (lat >= south - margin).all() and (lat <= north + margin).all()
    )
    if not inside:
        where = f" (its area of use: {area.name}, {west:g} to {east:g} E, {south:g} to {north:g} N)" if area else ""
        raise UploadError(
            f"{name}: the coordinates (x {minx:,.1f} to {maxx:,.1f}, y {miny:,.1f} to {maxy:,.1f}) are far outside "
            f"what {crs.name}{where} can place. The file's CRS label is probably wrong, or the coordinates are in "
            "other units: set the right CRS in your GIS and export again."
        )


def _refuse_swapped(frame: gpd.GeoDataFrame, name: str, raw: RawRead) -> None:
    x, y = _centres(frame)
    as_given, swapped = _in_malaysia(x, y), _in_malaysia(y, x)
    if swapped.mean() < 0.5 or as_given.mean() >= 0.5:
        return
    first = int(np.flatnonzero(swapped)[0])
    row = frame.index[first]
    if raw.coordinate_columns:
        lat_col, lon_col = raw.coordinate_columns
        raise UploadError(
            f"{name}: latitude and longitude look swapped: {int(swapped.sum()):,} of {len(frame):,} "
            f"rows fall outside Malaysia as given but inside it when exchanged (row {row}: "
            f"{lat_col!r} = {y[first]:g}, {lon_col!r} = {x[first]:g}). Column {lat_col!r} holds "
            f"longitudes and {lon_col!r} latitudes: swap the two column headers and upload again."
        )
    raise UploadError(
        f"{name}: coordinates look swapped: {int(swapped.sum()):,} of {len(frame):,} features "
        f"fall outside Malaysia as given but inside it with x and y exchanged (feature {row}: "
        f"x = {x[first]:g}, y = {y[first]:g}). The file stores (latitude, longitude), but this "
        "format requires (longitude, latitude), x first. Swap the axes in your GIS (QGIS: "
        "'Swap X and Y coordinates') and export again."
    )


# A layer's features are cut to Malaysia's area plus this margin (degrees): a world-sized
# polygon cannot be projected to the RSO grids whole and came out as if it were small.
_REGION_MARGIN_DEG = 3.0


def clip_to_region(frame: gpd.GeoDataFrame, name: str, notes: list[str]) -> gpd.GeoDataFrame:
    """A layer with its features that reach far beyond Malaysia cut to the region round it (others untouched)."""
    west, south, east, north = MALAYSIA_BOUNDS_LONLAT
    region = (west - _REGION_MARGIN_DEG, south - _REGION_MARGIN_DEG, east + _REGION_MARGIN_DEG, north + _REGION_MARGIN_DEG)
    lonlat = frame.geometry.to_crs(4326) if frame.crs is not None and not frame.crs.equals(4326) else frame.geometry
    bounds = shapely.bounds(np.asarray(lonlat.values))
    beyond = (bounds[:, 0] < region[0]) | (bounds[:, 1] < region[1]) | (bounds[:, 2] > region[2]) | (bounds[:, 3] > region[3])
    inside = (bounds[:, 2] >= region[0]) & (bounds[:, 0] <= region[2]) & (bounds[:, 3] >= region[1]) & (bounds[:, 1] <= region[3])
    cut = beyond & inside & (shapely.get_dimensions(np.asarray(lonlat.values)) == 2)
    if not cut.any():
        return frame
    clipped = gpd.GeoSeries(shapely.clip_by_rect(np.asarray(lonlat.values[cut]), *region), crs=4326)
    frame = frame.copy()
    frame.loc[frame.index[cut], frame.geometry.name] = clipped.to_crs(frame.crs).values if frame.crs is not None else clipped.values
    count = int(cut.sum())
    notes.append(f"{count:,} {'feature reaches' if count == 1 else 'features reach'} far beyond Malaysia "
                 f"({list_rows(frame.index.to_numpy()[cut])}) and {'was' if count == 1 else 'were'} cut to the region round it "
                 f"({region[0]:g}-{region[2]:g}° E, {region[1]:g}-{region[3]:g}° N).")
    return frame


def check_site_areas(frame: gpd.GeoDataFrame, name: str, max_km2: float) -> None:
    """Refuse sites larger than ``max_km2``, measured in metres in their GDM2000 RSO zone (never in degrees)."""
    lonlat = frame.geometry.to_crs(4326)
    polygonal = shapely.area(np.asarray(lonlat.values)) > 0
    if not polygonal.any():
        return
    zones = metric_crs_for(shapely.get_x(shapely.point_on_surface(np.asarray(lonlat.values))))
    areas = np.zeros(len(frame))
    for epsg in set(zones[polygonal].tolist()):
        mine = polygonal & (zones == epsg)
        areas[mine] = shapely.area(np.asarray(lonlat[mine].to_crs(int(epsg)).values))
    large = areas > max_km2 * 1e6
    if large.any():
        rows = frame.index.to_numpy()
        raise UploadError(
            f"{name}: {list_rows(rows[large])} {'is' if large.sum() == 1 else 'are'} larger than {max_km2:,.0f} km² "
            f"(largest {areas.max() / 1e6:,.0f} km²): a refinery site is a few hundred hectares, so this is a district, a state or "
            "a footprint that is not a site. Upload the candidate parcels themselves, or raise the limit ({argument}).",
            argument="max_site_km2",
        )


def note_outside_malaysia(frame: gpd.GeoDataFrame, name: str, notes: list[str]) -> None:
    x, y = _centres(frame)
    if not frame.crs.equals(pyproj.CRS.from_epsg(4326)):
        try:
            transformer = pyproj.Transformer.from_crs(frame.crs, 4326, always_xy=True)
            x, y = transformer.transform(x, y, errcheck=False)
        except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError) as exc:
            raise UploadError(
                f"{name}: its coordinate system ({frame.crs.name}) cannot be converted to "
                f"longitude/latitude ({exc}). Export the file in WGS84 (EPSG:4326) or a "
                "Malaysian system such as EPSG:3375."
            ) from exc
    outside = ~_in_malaysia(np.asarray(x), np.asarray(y))
    if outside.any():
        count = int(outside.sum())
        west, south, east, north = MALAYSIA_BOUNDS_LONLAT
        notes.append(f"{count:,} {'site lies' if count == 1 else 'sites lie'} outside Malaysia, beyond the area that holds it "
                     f"({west:g}-{east:g}° E, {south:g}-{north:g}° N; {list_rows(frame.index[outside])}); check {'its' if count == 1 else 'their'} coordinates. "
                     "Sites inside that area but in the sea or a neighbouring country are flagged outside_malaysia when screened.")
