"""Read the sites and layers planners upload, and refuse hostile files clearly.

One reader serves the app's upload widget, the CLI's SITES argument and
``--layer``, and ``data import``. It takes whatever a GIS or a spreadsheet gives:
GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV or Excel with coordinate or
WKT columns, GeoParquet and FlatGeobuf, identified by content as well as by name.

Every problem with a file raises :class:`~reegeo.errors.UploadError` (or a
subclass) whose message names the file, the row or feature where relevant, what
is wrong and what to do. Everything that was repaired, assumed or skipped is
reported in :attr:`ReadResult.notes`; nothing is changed silently.

Examples
--------
>>> result = read_sites("candidates.csv")                     # doctest: +SKIP
>>> result.frame.loc[3, "name"], result.notes                  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from reegeo.errors import UploadError
from reegeo.geo import MALAYSIA_BOUNDS_LONLAT
from reegeo.io.archives import ArchiveLimits, UnsafeArchiveError, UnsafeUploadError
from reegeo.io.formats import (
    ACCEPTED_FORMATS,
    MAPINFO_PARTS,
    LayerChoiceError,
    RawRead,
    ReadContext,
    layer_names,
    list_rows,
    read_raw,
    suffix_of,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "LayerChoiceError",
    "ReadResult",
    "UnsafeArchiveError",
    "UnsafeUploadError",
    "UploadError",
    "UploadLimits",
    "list_layers",
    "read_layer",
    "read_sites",
]

#: Malaysia's extent as (min lon, min lat, max lon, max lat), generous by a few km.

_POINT, _LINESTRING, _LINEARRING, _POLYGON = 0, 1, 2, 3
_MULTIPOINT, _MULTILINESTRING, _MULTIPOLYGON, _COLLECTION = 4, 5, 6, 7
_LINE_TYPES = (_LINESTRING, _LINEARRING, _MULTILINESTRING)


@dataclass(frozen=True)
class UploadLimits:
    """Bounds on what one upload may hold; every bound has a message saying how to raise it.

    Parameters
    ----------
    max_bytes
        Size of the file as uploaded (also ``server.maxUploadSize`` in ``.streamlit/config.toml``).
    max_features
        Features or data rows (the CLI's ``--max-features``).
    max_attribute_chars
        Characters in one text cell (and in one column name).
    max_archive_members
        Members of a zip, KMZ or xlsx archive.
    max_uncompressed_bytes
        Total size of an archive's members once decompressed.
    max_compression_ratio
        Largest accepted ratio of uncompressed to compressed size of one archive member
        over 1 MiB (ordinary data compresses far less than a zip bomb's ~1000 to 1).
    """

    max_bytes: int = 50 * 1024 * 1024
    max_features: int = 100_000
    max_attribute_chars: int = 2_000
    max_archive_members: int = 2_000
    max_uncompressed_bytes: int = 512 * 1024 * 1024
    max_compression_ratio: int = 250


@dataclass(frozen=True)
class ReadResult:
    """A file read as sites or as a layer.

    Attributes
    ----------
    frame
        CRS always set; geometries valid, 2-D and non-empty; attribute columns kept
        (text as ``str``). The index (named ``"row"``) is the 1-based row or feature
        number in the original file — for CSV and Excel row 1 is the first row after
        the header — so skipped rows keep the user's numbering.
    notes
        Plain-language notes on what was repaired, assumed or skipped.
    filename
        The display name of the file.
    sha256
        Hex digest of the raw bytes as given.
    format
        Format found by content, e.g. ``"GeoJSON"``, ``"Shapefile (zip)"``, ``"CSV"``.
    """

    frame: gpd.GeoDataFrame
    notes: tuple[str, ...]
    filename: str
    sha256: str
    format: str


# ---------------------------------------------------------------- public API


def read_sites(
    source: str | os.PathLike | bytes,
    *,
    filename: str | None = None,
    layer: str | None = None,
    limits: UploadLimits = UploadLimits(),
) -> ReadResult:
    """Read candidate sites: points and areas (multi-part and mixed are fine).

    Parameters
    ----------
    source
        A path to read from disk, or the raw bytes of an upload.
    filename
        The uploaded file's name; required when ``source`` is bytes, optional display
        name otherwise.
    layer
        Layer to read from a container: a GeoPackage layer, a Shapefile in a zip
        holding several, a KML folder or an Excel sheet (see :func:`list_layers`).
    limits
        Bounds on size, feature count, text length and archives.

    Returns
    -------
    ReadResult

    Raises
    ------
    UploadError
        For anything wrong with the file, including lines (a site is a point or an
        area), coordinates that look swapped, no CRS with coordinates that are not
        longitude/latitude, and several layers with none chosen
        (:class:`LayerChoiceError`, whose ``layers`` lists them).
    """
    return _read(source, filename=filename, layer=layer, limits=limits, sites=True)


def read_layer(
    source: str | os.PathLike | bytes,
    *,
    filename: str | None = None,
    layer: str | None = None,
    limits: UploadLimits = UploadLimits(),
) -> ReadResult:
    """Read a constraint layer: like :func:`read_sites`, but any geometry type is allowed.

    Null and empty geometries are skipped and reported; invalid ones are repaired.
    The file's CRS is kept (reprojection is the engine's job).
    """
    return _read(source, filename=filename, layer=layer, limits=limits, sites=False)


def list_layers(source: str | os.PathLike | bytes, *, filename: str | None = None) -> list[str]:
    """Names of the layers a user can choose from in ``source``.

    Spatial layers of a GeoPackage, Shapefiles in a zip, KML folders, Excel sheets;
    ``[]`` for single-layer formats (GeoJSON, CSV, GeoParquet, FlatGeobuf).
    """
    data, name = _load_bytes(source, filename, UploadLimits())
    return layer_names(data, _context(name, None, UploadLimits()))


# ---------------------------------------------------------------- pipeline


def _read(source, *, filename, layer, limits: UploadLimits, sites: bool) -> ReadResult:
    data, name = _load_bytes(source, filename, limits)
    digest = hashlib.sha256(data).hexdigest()
    raw = read_raw(data, _context(name, layer, limits))
    notes = list(raw.notes)
    frame = _geometry_column_named(raw.frame)
    _check_attributes(frame, name, limits)
    frame = _clean_geometries(frame, name, notes, sites=sites)
    frame = _settle_crs(frame, name, raw, notes)
    if sites:
        _note_outside_malaysia(frame, name, notes)
    frame.index.name = "row"
    return ReadResult(frame=frame, notes=tuple(notes), filename=name, sha256=digest, format=raw.format)


def _context(name: str, layer: str | None, limits: UploadLimits) -> ReadContext:
    return ReadContext(
        name=name,
        suffix=suffix_of(name),
        layer=layer,
        max_features=limits.max_features,
        archive_limits=ArchiveLimits(
            max_members=limits.max_archive_members,
            max_uncompressed_bytes=limits.max_uncompressed_bytes,
            max_compression_ratio=limits.max_compression_ratio,
        ),
    )


def _display_name(filename: str) -> str:
    # Browsers may send "C:\\fakepath\\sites.csv"; show only the last part.
    return PurePosixPath(filename.replace("\\", "/")).name or filename


def _size_text(size: int) -> str:
    return f"{size:,} bytes" if size < 1_000_000 else f"{size / 1e6:,.1f} MB"


def _too_large(name: str, size: int, limits: UploadLimits) -> UploadError:
    return UploadError(
        f"{name}: the file is {_size_text(size)}; at most {_size_text(limits.max_bytes)} "
        "is accepted. Upload a smaller extract (only the area of interest), or raise the "
        "limit (UploadLimits(max_bytes=...) in Python; server.maxUploadSize in "
        ".streamlit/config.toml for the app)."
    )


def _load_bytes(source, filename: str | None, limits: UploadLimits) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not filename:
            raise TypeError("filename is required when source is bytes (it gives the suffix and the name in messages)")
        name = _display_name(filename)
        data = bytes(source)
        if len(data) > limits.max_bytes:
            raise _too_large(name, len(data), limits)
        return data, name
    path = Path(source)
    name = _display_name(filename) if filename else path.name
    if path.suffix.lower() == ".tab" and path.is_file():
        return _mapinfo_bundle(path, name, limits), name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UploadError(f"{name}: {str(path)!r} is a folder, not a file. Give the path of the data file itself (zip a Shapefile's files first).")
        if size > limits.max_bytes:
            raise _too_large(name, size, limits)
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError as exc:
        raise UploadError(f"{name}: no such file ({str(path)!r}). Check the path and its spelling.") from exc
    except PermissionError as exc:
        raise UploadError(f"{name}: the file cannot be opened (permission denied). Check its permissions.") from exc
    except IsADirectoryError as exc:
        raise UploadError(f"{name}: {str(path)!r} is a folder, not a file. Give the path of the data file itself.") from exc
    if len(data) > limits.max_bytes:
        raise _too_large(name, len(data), limits)
    return data, name


def _mapinfo_bundle(path: Path, name: str, limits: UploadLimits) -> bytes:
    """A MapInfo .tab given by path, zipped in memory with the .dat, .map and .id files beside it.

    The companions are found case-insensitively (``V_forest_res.TAB`` with
    ``V_forest_res.DAT``); the zip then goes through the same reader (and
    archive checks) as an uploaded one.
    """
    companions = sorted(
        p for p in path.parent.iterdir()
        if p.is_file() and p.stem.lower() == path.stem.lower() and p.suffix.lower() in MAPINFO_PARTS
    )
    size = sum(p.stat().st_size for p in companions)
    if size > limits.max_bytes:
        raise _too_large(name, size, limits)
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
            for part in companions:
                # A fixed timestamp: the same files give the same bytes, so the same SHA-256.
                member = zipfile.ZipInfo(path.stem + part.suffix.lower(), date_time=(1980, 1, 1, 0, 0, 0))
                bundle.writestr(member, part.read_bytes())
    except PermissionError as exc:
        raise UploadError(f"{name}: a file of the MapInfo table cannot be opened (permission denied). Check its permissions.") from exc
    return buffer.getvalue()


def _geometry_column_named(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.geometry.name != "geometry" and "geometry" not in frame.columns:
        frame = frame.rename_geometry("geometry")
    return frame


def _check_attributes(frame: gpd.GeoDataFrame, name: str, limits: UploadLimits) -> None:
    limit = limits.max_attribute_chars
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        if len(str(column)) > limit:
            raise UploadError(
                f"{name}: a column name is {len(str(column)):,} characters long (starting "
                f"{str(column)[:40]!r}); at most {limit:,} are accepted. Shorten the column name."
            )
        series = frame[column]
        if series.dtype.kind not in "OSU" and str(series.dtype) not in ("str", "string"):
            continue
        if series.dtype.kind in "OSU":
            lengths = np.fromiter((len(v) if isinstance(v, str) else 0 for v in series), dtype=np.int64, count=len(series))
        else:
            lengths = series.str.len().fillna(0).to_numpy(dtype=np.int64)
        over = np.flatnonzero(lengths > limit)
        if over.size:
            row = frame.index[over[0]]
            raise UploadError(
                f"{name}: row {row}, column {str(column)!r} holds {lengths[over[0]]:,} characters; "
                f"at most {limit:,} are accepted in one cell ({over.size:,} "
                f"{'cell is' if over.size == 1 else 'cells are'} too long). Shorten the text or "
                "drop the column, or raise the limit (UploadLimits(max_attribute_chars=...))."
            )


# ---------------------------------------------------------------- geometry


def _parts(geometry) -> list:
    """All single-part pieces of a geometry, collections and multi-parts flattened."""
    out, stack = [], [geometry]
    while stack:
        geom = stack.pop()
        if geom is None or geom.is_empty:
            continue
        if shapely.get_type_id(geom) in (_MULTIPOINT, _MULTILINESTRING, _MULTIPOLYGON, _COLLECTION):
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


def _clean_geometries(frame: gpd.GeoDataFrame, name: str, notes: list[str], *, sites: bool) -> gpd.GeoDataFrame:
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
        repaired = shapely.make_valid(geoms[invalid])
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


def _site_geometries(geoms, types, rows, name: str, notes: list[str]):
    """Refuse lines; turn collections of points or areas into multi-points or multi-polygons."""
    lines = np.isin(types, _LINE_TYPES)
    collections = np.flatnonzero(types == _COLLECTION)
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


def _settle_crs(frame: gpd.GeoDataFrame, name: str, raw: RawRead, notes: list[str]) -> gpd.GeoDataFrame:
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


def _note_outside_malaysia(frame: gpd.GeoDataFrame, name: str, notes: list[str]) -> None:
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
        notes.append(f"{count:,} {'site lies' if count == 1 else 'sites lie'} outside Malaysia "
                     f"({list_rows(frame.index[outside])}); check {'its' if count == 1 else 'their'} coordinates.")
