"""Reading any supported file: one table from format to reader and layer lister.

:func:`read_raw` detects the format (:mod:`reegeo.io.detect`) and reads it with
the matching reader (:mod:`reegeo.io.vector` for GDAL formats and archives,
:mod:`reegeo.io.tables` for CSV and Excel); :func:`layer_names` lists the
layers a user can choose from. Geometry repair, CRS rules and limits that apply
to every format live in :mod:`reegeo.io.sites`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reegeo.io.archives import SafeZip
from reegeo.io.detect import (
    CSV,
    EXCEL,
    GEOPACKAGE,
    GEOPARQUET,
    KML,
    KMZ,
    MAPINFO,
    NESTED_SHAPEFILES,
    SHAPEFILE_ZIP,
    RawRead,
    ReadContext,
    detect_format,
    mismatch_note,
    utf16_to_utf8,
)
from reegeo.io.tables import excel_sheets, read_csv, read_excel
from reegeo.io.vector import (
    kml_layers,
    mapinfo_layers,
    read_geopackage,
    read_geoparquet,
    read_kml,
    read_kmz,
    read_mapinfo_zip,
    read_nested_zips,
    read_shapefile_zip,
    read_single_gdal,
    shapefile_layers,
    spatial_layers_gpkg,
)

__all__ = ["Reader", "READERS", "layer_names", "may_have_layers", "read_raw"]



@dataclass(frozen=True)
class Reader:
    """How to read one format, and how to list the layers a user can choose from (if any)."""

    read: Callable[[bytes, SafeZip | None, ReadContext, str], RawRead]
    layers: Callable[[bytes, SafeZip | None, ReadContext, str], list[str]] | None = None


def _zip(archive: SafeZip | None) -> SafeZip:
    """The archive of a zip-based format (detection opened it)."""
    assert archive is not None, "zip-based formats are detected from an opened archive"
    return archive


def _no_layers(data: bytes, archive: SafeZip | None, ctx: ReadContext, fmt: str) -> list[str]:
    return []


READERS: dict[str, Reader] = {
    SHAPEFILE_ZIP: Reader(lambda d, a, c, f: read_shapefile_zip(_zip(a), c), lambda d, a, c, f: sorted(shapefile_layers(_zip(a)))),
    MAPINFO: Reader(lambda d, a, c, f: read_mapinfo_zip(_zip(a), c), lambda d, a, c, f: sorted(mapinfo_layers(_zip(a)))),
    NESTED_SHAPEFILES: Reader(lambda d, a, c, f: read_nested_zips(_zip(a), c)),
    KMZ: Reader(lambda d, a, c, f: read_kmz(_zip(a), c), lambda d, a, c, f: kml_layers(None, a, c)),
    KML: Reader(lambda d, a, c, f: read_kml(d, c), lambda d, a, c, f: kml_layers(d, None, c)),
    EXCEL: Reader(lambda d, a, c, f: read_excel(d, c), lambda d, a, c, f: excel_sheets(d, c)),
    GEOPACKAGE: Reader(lambda d, a, c, f: read_geopackage(d, c), lambda d, a, c, f: spatial_layers_gpkg(d, c)),
    GEOPARQUET: Reader(lambda d, a, c, f: read_geoparquet(d, c)),
    CSV: Reader(lambda d, a, c, f: read_csv(d, c)),
}
# Every other detected format (GeoJSON, FlatGeobuf) is one GDAL layer.
_SINGLE_GDAL = Reader(lambda d, a, c, f: read_single_gdal(d, c, f))


def _detect(data: bytes, ctx: ReadContext) -> tuple[bytes, str, SafeZip | None, Reader]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = utf16_to_utf8(data, ctx)
    fmt, archive = detect_format(data, ctx)
    return data, fmt, archive, READERS.get(fmt, _SINGLE_GDAL)


def read_raw(data: bytes, ctx: ReadContext) -> RawRead:
    """Detect the format of ``data`` and read it with the matching reader."""
    data, fmt, archive, reader = _detect(data, ctx)
    raw = reader.read(data, archive, ctx, fmt)
    note = mismatch_note(fmt, ctx)
    if note:
        raw.notes.insert(0, note)
    return raw


def may_have_layers(data: bytes, ctx: ReadContext) -> bool:
    """Whether ``data`` is a kind of file that can hold several layers (a GeoPackage, a zip, KML, a workbook)."""
    return _detect(data, ctx)[3].layers is not None


def layer_names(data: bytes, ctx: ReadContext) -> list[str]:
    """Layers a user can choose from: GeoPackage layers, Shapefiles in a zip, KML folders, sheets."""
    data, fmt, archive, reader = _detect(data, ctx)
    return (reader.layers or _no_layers)(data, archive, ctx, fmt)
