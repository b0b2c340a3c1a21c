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
from reegeo.messages import Catalog, and_list

_M = Catalog("io.checks", {
    "no_geometry": {
        "en": ("{count:,} row has no geometry and was skipped ({rows}).",
               "{count:,} rows have no geometry and were skipped ({rows})."),
        "ms": "{count:,} baris tiada geometri dan dilangkau ({rows}).",
    },
    "no_sites": {
        "en": "{file}: the file holds no sites (points or areas). Check that the right file and layer were chosen "
              "and that it has coordinates.",
        "ms": "{file}: fail ini tidak mengandungi tapak (titik atau kawasan). Semak bahawa fail dan lapisan yang betul "
              "telah dipilih dan fail itu mempunyai koordinat.",
    },
    "no_features": {
        "en": "{file}: the file holds no features with a geometry. Check that the right file and layer were chosen "
              "and that it has coordinates.",
        "ms": "{file}: fail ini tidak mengandungi ciri yang mempunyai geometri. Semak bahawa fail dan lapisan yang "
              "betul telah dipilih dan fail itu mempunyai koordinat.",
    },
    "not_finite": {
        "en": ("{file}: {rows} has coordinates that are not finite numbers (NaN or infinity). Fix or delete "
               "that row and upload again.",
               "{file}: {rows} have coordinates that are not finite numbers (NaN or infinity). Fix or delete "
               "those rows and upload again."),
        "ms": "{file}: {rows} mempunyai koordinat yang bukan nombor terhingga (NaN atau infiniti). Betulkan atau "
              "padam baris tersebut dan muat naik semula.",
    },
    "heights": {"en": "heights (Z)", "ms": "ketinggian (Z)"},
    "measures": {"en": "measures (M)", "ms": "nilai ukuran (M)"},
    "dimensions_dropped": {
        "en": ("{kinds} dropped from {count:,} geometry; screening uses 2-D positions.",
               "{kinds} dropped from {count:,} geometries; screening uses 2-D positions."),
        "ms": "{kinds} dibuang daripada {count:,} geometri; saringan menggunakan kedudukan 2-D.",
    },
    "repaired": {
        "en": ("{count:,} invalid geometry repaired ({rows}).", "{count:,} invalid geometries repaired ({rows})."),
        "ms": "{count:,} geometri tidak sah telah dibaiki ({rows}).",
    },
    "collapsed": {
        "en": ("{rows}: the geometry collapsed to nothing when repaired (e.g. a polygon with no area) and was skipped.",
               "{rows}: the geometry collapsed to nothing when repaired (e.g. a polygon with no area) and were skipped."),
        "ms": "{rows}: geometri menjadi kosong apabila dibaiki (cth. poligon tanpa keluasan) dan dilangkau.",
    },
    "nothing_left": {
        "en": "{file}: no geometry is left after repairing invalid ones. Fix the geometries in your GIS and upload again.",
        "ms": "{file}: tiada geometri yang tinggal selepas geometri tidak sah dibaiki. Betulkan geometri dalam GIS "
              "anda dan muat naik semula.",
    },
    "feature_too_many_vertices": {
        "en": ("{file}: {rows} has more than {limit:,} vertices (largest {largest:,}). Simplify the geometry in "
               "your GIS (e.g. to 1 m) or split it, and upload again.",
               "{file}: {rows} have more than {limit:,} vertices (largest {largest:,}). Simplify the geometry in "
               "your GIS (e.g. to 1 m) or split it, and upload again."),
        "ms": "{file}: {rows} mempunyai lebih daripada {limit:,} bucu (terbesar {largest:,}). Permudahkan geometri "
              "dalam GIS anda (cth. kepada 1 m) atau pecahkannya, dan muat naik semula.",
    },
    "file_too_many_vertices": {
        "en": "{file}: the file has {total:,} vertices in all; at most {limit:,} are read. Simplify the geometries "
              "in your GIS (e.g. to 1 m), or split the file, and upload again.",
        "ms": "{file}: fail ini mempunyai {total:,} bucu kesemuanya; paling banyak {limit:,} dibaca. Permudahkan "
              "geometri dalam GIS anda (cth. kepada 1 m), atau pecahkan fail, dan muat naik semula.",
    },
    "lines": {
        "en": ("{file}: {rows} is a line (LineString), but a site is a point or an area. Draw each site as a "
               "point or a polygon, or load this file as a constraint layer instead.",
               "{file}: {rows} are lines (LineString), but a site is a point or an area. Draw each site as a "
               "point or a polygon, or load this file as a constraint layer instead."),
        "ms": "{file}: {rows} ialah garisan (LineString), sedangkan tapak mestilah titik atau kawasan. Lukis setiap "
              "tapak sebagai titik atau poligon, atau muatkan fail ini sebagai lapisan kekangan.",
    },
    "mixed_collections": {
        "en": "{rows}: geometry collections with both points and areas; the areas were kept.",
        "ms": "{rows}: koleksi geometri yang mengandungi titik dan kawasan; kawasan dikekalkan.",
    },
    "no_crs_not_lonlat": {
        "en": "{file}: the file has no coordinate system (CRS) and its coordinates (x {minx:,.1f} to {maxx:,.1f}, "
              "y {miny:,.1f} to {maxy:,.1f}) are not longitude/latitude, so their meaning is unknown. Export the "
              "file again with its CRS (include the .prj in a Shapefile zip, or save as GeoPackage); projected "
              "Malaysian systems such as GDM2000 RSO (EPSG:3375/3376) and Kertau RSO (EPSG:3167/3168) are "
              "accepted. For CSV, give longitude/latitude in decimal degrees.",
        "ms": "{file}: fail ini tiada sistem koordinat (CRS) dan koordinatnya (x {minx:,.1f} hingga {maxx:,.1f}, "
              "y {miny:,.1f} hingga {maxy:,.1f}) bukan longitud/latitud, maka maknanya tidak diketahui. Eksport "
              "semula fail bersama CRSnya (sertakan fail .prj dalam zip Shapefile, atau simpan sebagai GeoPackage); "
              "sistem unjuran Malaysia seperti GDM2000 RSO (EPSG:3375/3376) dan Kertau RSO (EPSG:3167/3168) "
              "diterima. Bagi CSV, berikan longitud/latitud dalam darjah perpuluhan.",
    },
    "columns_out_of_range": {
        "en": "{file}: columns {lon_col!r}/{lat_col!r} are read as longitude/latitude in degrees, but some values are "
              "outside longitude -180 to 180 or latitude -90 to 90 ({rows}; e.g. longitude {lon:g}, latitude {lat:g}). "
              "Fix or remove those rows, or pick the right columns under the upload.",
        "ms": "{file}: lajur {lon_col!r}/{lat_col!r} dibaca sebagai longitud/latitud dalam darjah, tetapi sesetengah "
              "nilai berada di luar longitud -180 hingga 180 atau latitud -90 hingga 90 ({rows}; cth. longitud {lon:g}, "
              "latitud {lat:g}). Betulkan atau buang baris itu, atau pilih lajur yang betul di bawah muat naik.",
    },
    "wgs84_assumed_for_columns": {
        "en": "no CRS in file: coordinates in columns {lon_col!r}/{lat_col!r} fit longitude/latitude, taken as WGS84 (EPSG:4326).",
        "ms": "tiada CRS dalam fail: koordinat dalam lajur {lon_col!r}/{lat_col!r} sepadan dengan longitud/latitud, "
              "dianggap sebagai WGS84 (EPSG:4326).",
    },
    "wgs84_assumed": {
        "en": "no CRS in file: coordinates fit longitude/latitude, taken as WGS84 (EPSG:4326).",
        "ms": "tiada CRS dalam fail: koordinat sepadan dengan longitud/latitud, dianggap sebagai WGS84 (EPSG:4326).",
    },
    "not_horizontal_crs": {
        "en": "{file}: the file's coordinate system {crs!r} is not a horizontal 2-D system (geographic "
              "longitude/latitude or projected), so positions cannot be read from it. Export the file again in "
              "WGS84 (EPSG:4326), GDM2000 RSO (EPSG:3375/3376) or Kertau RSO (EPSG:3167/3168).",
        "ms": "{file}: sistem koordinat fail {crs!r} bukan sistem mendatar 2-D (longitud/latitud geografi atau "
              "unjuran), maka kedudukan tidak dapat dibaca daripadanya. Eksport semula fail dalam WGS84 "
              "(EPSG:4326), GDM2000 RSO (EPSG:3375/3376) atau Kertau RSO (EPSG:3167/3168).",
    },
    "lonlat_out_of_range": {
        "en": "{file}: the file says its coordinates are longitude/latitude ({crs}), but they range over "
              "x {minx:,.1f} to {maxx:,.1f}, y {miny:,.1f} to {maxy:,.1f}, outside ±180/±90. The data is probably "
              "projected with a wrong or missing CRS label: set the right CRS in your GIS (e.g. EPSG:3375 or "
              "EPSG:3168) and export again.",
        "ms": "{file}: fail ini menyatakan koordinatnya dalam longitud/latitud ({crs}), tetapi julatnya "
              "x {minx:,.1f} hingga {maxx:,.1f}, y {miny:,.1f} hingga {maxy:,.1f}, di luar ±180/±90. Data ini "
              "mungkin dalam sistem unjuran dengan label CRS yang salah atau tiada: tetapkan CRS yang betul dalam "
              "GIS anda (cth. EPSG:3375 atau EPSG:3168) dan eksport semula.",
    },
    "area_of_use": {
        "en": " (its area of use: {area}, {west:g} to {east:g} E, {south:g} to {north:g} N)",
        "ms": " (kawasan penggunaannya: {area}, {west:g} hingga {east:g} T, {south:g} hingga {north:g} U)",
    },
    "outside_area_of_use": {
        "en": "{file}: the coordinates (x {minx:,.1f} to {maxx:,.1f}, y {miny:,.1f} to {maxy:,.1f}) are far outside "
              "what {crs}{where} can place. The file's CRS label is probably wrong, or the coordinates are in "
              "other units: set the right CRS in your GIS and export again.",
        "ms": "{file}: koordinat (x {minx:,.1f} hingga {maxx:,.1f}, y {miny:,.1f} hingga {maxy:,.1f}) jauh di luar "
              "kawasan yang boleh ditempatkan oleh {crs}{where}. Label CRS fail ini mungkin salah, atau koordinatnya "
              "dalam unit lain: tetapkan CRS yang betul dalam GIS anda dan eksport semula.",
    },
    "swapped_columns": {
        "en": "{file}: latitude and longitude look swapped: {swapped:,} of {total:,} rows fall outside Malaysia as "
              "given but inside it when exchanged (row {row}: {lat_col!r} = {y:g}, {lon_col!r} = {x:g}). Column "
              "{lat_col!r} holds longitudes and {lon_col!r} latitudes: swap the two column headers and upload again.",
        "ms": "{file}: latitud dan longitud kelihatan tertukar: {swapped:,} daripada {total:,} baris terletak di luar "
              "Malaysia seperti yang diberikan tetapi di dalamnya apabila ditukar ganti (baris {row}: {lat_col!r} = "
              "{y:g}, {lon_col!r} = {x:g}). Lajur {lat_col!r} mengandungi longitud dan {lon_col!r} mengandungi "
              "latitud: tukar kedua-dua pengepala lajur itu dan muat naik semula.",
    },
    "swapped_axes": {
        "en": "{file}: coordinates look swapped: {swapped:,} of {total:,} features fall outside Malaysia as given "
              "but inside it with x and y exchanged (feature {row}: x = {x:g}, y = {y:g}). The file stores "
              "(latitude, longitude), but this format requires (longitude, latitude), x first. Swap the axes in "
              "your GIS (QGIS: 'Swap X and Y coordinates') and export again.",
        "ms": "{file}: koordinat kelihatan tertukar: {swapped:,} daripada {total:,} ciri terletak di luar Malaysia "
              "seperti yang diberikan tetapi di dalamnya apabila x dan y ditukar ganti (ciri {row}: x = {x:g}, "
              "y = {y:g}). Fail ini menyimpan (latitud, longitud), tetapi format ini memerlukan (longitud, latitud), "
              "x dahulu. Tukar paksi dalam GIS anda (QGIS: 'Swap X and Y coordinates') dan eksport semula.",
    },
    "clipped_to_region": {
        "en": ("{count:,} feature reaches far beyond Malaysia ({rows}) and was cut to the region round it "
               "({west:g}-{east:g}° E, {south:g}-{north:g}° N).",
               "{count:,} features reach far beyond Malaysia ({rows}) and were cut to the region round it "
               "({west:g}-{east:g}° E, {south:g}-{north:g}° N)."),
        "ms": "{count:,} ciri menjangkau jauh melepasi Malaysia ({rows}) dan dipotong mengikut rantau di sekelilingnya "
              "({west:g}-{east:g}° T, {south:g}-{north:g}° U).",
    },
    "site_too_large": {
        "en": ("{file}: {rows} is larger than {limit:,.0f} km² (largest {largest:,.0f} km²): a refinery site is a "
               "few hundred hectares, so this is a district, a state or a footprint that is not a site. Upload the "
               "candidate parcels themselves, or raise the limit ({argument}).",
               "{file}: {rows} are larger than {limit:,.0f} km² (largest {largest:,.0f} km²): a refinery site is a "
               "few hundred hectares, so this is a district, a state or a footprint that is not a site. Upload the "
               "candidate parcels themselves, or raise the limit ({argument})."),
        "ms": "{file}: {rows} lebih besar daripada {limit:,.0f} km² (terbesar {largest:,.0f} km²): tapak kilang "
              "penapisan hanya beberapa ratus hektar, maka ini ialah daerah, negeri atau jejak kawasan yang bukan "
              "tapak. Muat naik petak tanah calon itu sendiri, atau naikkan had ({argument}).",
    },
    "crs_not_convertible": {
        "en": "{file}: its coordinate system ({crs}) cannot be converted to longitude/latitude ({error}). Export "
              "the file in WGS84 (EPSG:4326) or a Malaysian system such as EPSG:3375.",
        "ms": "{file}: sistem koordinatnya ({crs}) tidak dapat ditukar kepada longitud/latitud ({error}). Eksport "
              "fail dalam WGS84 (EPSG:4326) atau sistem Malaysia seperti EPSG:3375.",
    },
    "outside_malaysia": {
        "en": ("{count:,} site lies outside Malaysia, beyond the area that holds it ({west:g}-{east:g}° E, "
               "{south:g}-{north:g}° N; {rows}); check its coordinates. Sites inside that area but in the sea or a "
               "neighbouring country are flagged outside_malaysia when screened.",
               "{count:,} sites lie outside Malaysia, beyond the area that holds it ({west:g}-{east:g}° E, "
               "{south:g}-{north:g}° N; {rows}); check their coordinates. Sites inside that area but in the sea or a "
               "neighbouring country are flagged outside_malaysia when screened."),
        "ms": "{count:,} tapak terletak di luar Malaysia, melepasi kawasan yang merangkuminya ({west:g}-{east:g}° T, "
              "{south:g}-{north:g}° U; {rows}); semak koordinatnya. Tapak di dalam kawasan itu tetapi di laut atau "
              "di negara jiran ditandakan outside_malaysia semasa saringan.",
    },
})

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
        notes.append(_M("no_geometry", count=int(empty.sum()), rows=list_rows(rows[empty])))
        frame, geoms, rows = frame[~empty], geoms[~empty], rows[~empty]
    if len(frame) == 0:
        raise UploadError(_M("no_sites" if sites else "no_features", file=name))

    with np.errstate(invalid="ignore"):
        bounds = shapely.bounds(geoms)
    not_finite = ~np.isfinite(bounds).all(axis=1)
    if not_finite.any():
        raise UploadError(_M("not_finite", file=name, count=int(not_finite.sum()), rows=list_rows(rows[not_finite])))

    _check_vertices(geoms, rows, name)

    has_z = shapely.has_z(geoms)
    has_m = shapely.has_m(geoms) if hasattr(shapely, "has_m") else np.zeros(len(geoms), bool)
    if has_z.any() or has_m.any():
        geoms = shapely.force_2d(geoms)
        kinds = and_list([_M(k) for k, on in (("heights", has_z.any()), ("measures", has_m.any())) if on])
        count = int((has_z | has_m).sum())
        notes.append(_M("dimensions_dropped", kinds=kinds, count=count))

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
        notes.append(_M("repaired", count=int(invalid.sum()), rows=list_rows(rows[invalid])))
        collapsed = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if collapsed.any():
            notes.append(_M("collapsed", count=int(collapsed.sum()), rows=list_rows(rows[collapsed])))
            frame, geoms, rows = frame[~collapsed], geoms[~collapsed], rows[~collapsed]
            if len(frame) == 0:
                raise UploadError(_M("nothing_left", file=name))

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
        raise UploadError(_M("feature_too_many_vertices", file=name, count=int(heavy.sum()), rows=list_rows(rows[heavy]),
                             limit=MAX_FEATURE_VERTICES, largest=int(counts.max())))
    total = int(counts.sum())
    if total > MAX_FILE_VERTICES:
        raise UploadError(_M("file_too_many_vertices", file=name, total=total, limit=MAX_FILE_VERTICES))


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
        raise UploadError(_M("lines", file=name, count=int(lines.sum()), rows=list_rows(rows[lines])))
    if mixed:
        notes.append(_M("mixed_collections", rows=list_rows(mixed)))
    return geoms


# ---------------------------------------------------------------- CRS


def _centres(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    bounds = shapely.bounds(np.asarray(frame.geometry.array, dtype=object))
    return (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2


def _in_malaysia(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    west, south, east, north = MALAYSIA_BOUNDS_LONLAT
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def _refuse_out_of_range_columns(frame: gpd.GeoDataFrame, name: str, raw: RawRead) -> None:
    """A table's coordinate columns that are degrees but for some rows: name those rows, not a missing CRS.

    When every row is far outside degrees (metres of a projected system, say),
    the general no-CRS message says what to do instead.
    """
    if not raw.coordinate_columns:
        return
    lon, lat = _centres(frame)
    bad = ~((-180 <= lon) & (lon <= 180) & (-90 <= lat) & (lat <= 90))
    if bad.all() and (np.abs(lon) > 1000).all():
        return
    lat_col, lon_col = raw.coordinate_columns
    first = int(np.flatnonzero(bad)[0])
    raise UploadError(_M(
        "columns_out_of_range", file=name, lon_col=lon_col, lat_col=lat_col, rows=list_rows(frame.index[bad]),
        lon=float(lon[first]), lat=float(lat[first]),
    ))


def settle_crs(frame: gpd.GeoDataFrame, name: str, raw: RawRead, notes: list[str]) -> gpd.GeoDataFrame:
    """Keep the file's CRS; without one, take WGS84 only when coordinates fit lon/lat."""
    crs = frame.crs
    if crs is None or crs.is_geographic:
        _refuse_swapped(frame, name, raw)
    minx, miny, maxx, maxy = frame.total_bounds
    fits_lonlat = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    if crs is None:
        if not fits_lonlat:
            _refuse_out_of_range_columns(frame, name, raw)
            raise UploadError(_M("no_crs_not_lonlat", file=name, minx=minx, maxx=maxx, miny=miny, maxy=maxy))
        if raw.coordinate_columns:
            lat_col, lon_col = raw.coordinate_columns
            notes.append(_M("wgs84_assumed_for_columns", lon_col=lon_col, lat_col=lat_col))
        else:
            notes.append(_M("wgs84_assumed"))
        return frame.set_crs(4326)
    if not (crs.is_geographic or crs.is_projected) or crs.is_geocentric or crs.is_vertical:
        raise UploadError(_M("not_horizontal_crs", file=name, crs=crs.name))
    if crs.is_geographic and not fits_lonlat:
        raise UploadError(_M("lonlat_out_of_range", file=name, crs=crs.name, minx=minx, maxx=maxx, miny=miny, maxy=maxy))
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
        where = _M("area_of_use", area=area.name, west=west, east=east, south=south, north=north) if area else ""
        raise UploadError(_M("outside_area_of_use", file=name, minx=minx, maxx=maxx, miny=miny, maxy=maxy, crs=crs.name, where=where))


def _refuse_swapped(frame: gpd.GeoDataFrame, name: str, raw: RawRead) -> None:
    x, y = _centres(frame)
    as_given, swapped = _in_malaysia(x, y), _in_malaysia(y, x)
    if swapped.mean() < 0.5 or as_given.mean() >= 0.5:
        return
    first = int(np.flatnonzero(swapped)[0])
    row = frame.index[first]
    if raw.coordinate_columns:
        lat_col, lon_col = raw.coordinate_columns
        raise UploadError(_M("swapped_columns", file=name, swapped=int(swapped.sum()), total=len(frame), row=row,
                             lat_col=lat_col, lon_col=lon_col, y=y[first], x=x[first]))
    raise UploadError(_M("swapped_axes", file=name, swapped=int(swapped.sum()), total=len(frame), row=row, x=x[first], y=y[first]))


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
    notes.append(_M("clipped_to_region", count=count, rows=list_rows(frame.index.to_numpy()[cut]),
                    west=region[0], east=region[2], south=region[1], north=region[3]))
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
            _M("site_too_large", file=name, count=int(large.sum()), rows=list_rows(rows[large]), limit=max_km2, largest=areas.max() / 1e6),
            argument="max_site_km2",
        )


def note_outside_malaysia(frame: gpd.GeoDataFrame, name: str, notes: list[str]) -> None:
    x, y = _centres(frame)
    if not frame.crs.equals(pyproj.CRS.from_epsg(4326)):
        try:
            transformer = pyproj.Transformer.from_crs(frame.crs, 4326, always_xy=True)
            x, y = transformer.transform(x, y, errcheck=False)
        except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError) as exc:
            raise UploadError(_M("crs_not_convertible", file=name, crs=frame.crs.name, error=str(exc))) from exc
    outside = ~_in_malaysia(np.asarray(x), np.asarray(y))
    if outside.any():
        count = int(outside.sum())
        west, south, east, north = MALAYSIA_BOUNDS_LONLAT
        notes.append(_M("outside_malaysia", count=count, west=west, east=east, south=south, north=north, rows=list_rows(frame.index[outside])))
