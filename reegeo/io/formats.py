"""Format detection and the per-format readers behind :mod:`reegeo.io.sites`.

Each reader turns raw bytes into a :class:`RawRead`: a GeoDataFrame indexed by
the 1-based row or feature number of the original file, possibly without a CRS,
plus notes for the user. Geometry repair, CRS rules and limits that apply to
every format live in :mod:`reegeo.io.sites`.

Formats are identified by content (magic bytes, then the shape of the text),
with the suffix used only to say when the two disagree. Nothing unknown is
guessed.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from reegeo.errors import UploadError
from reegeo.io.archives import (
    ArchiveLimits,
    SafeZip,
    UnsafeArchiveError,
    UnsafeUploadError,
    is_junk,
    open_zip,
)

ACCEPTED_FORMATS: tuple[str, ...] = (
    "GeoJSON (.geojson, .json)",
    "zipped Shapefile (.zip holding .shp, .shx, .dbf and .prj)",
    "GeoPackage (.gpkg)",
    "KML (.kml)",
    "KMZ (.kmz)",
    "CSV (.csv) with latitude/longitude or WKT columns",
    "Excel (.xlsx) with latitude/longitude or WKT columns",
    "GeoParquet (.parquet)",
    "FlatGeobuf (.fgb)",
    "MapInfo TAB (a .zip holding .tab, .dat, .map and .id, or the .tab beside them)",
    "a .zip of zipped Shapefiles (as Protected Planet's WDPA downloads come)",
)

#: Display names of the formats, as reported in ``ReadResult.format``.
GEOJSON, SHAPEFILE_ZIP, GEOPACKAGE = "GeoJSON", "Shapefile (zip)", "GeoPackage"
KML, KMZ, CSV, EXCEL = "KML", "KMZ", "CSV", "Excel"
GEOPARQUET, FLATGEOBUF = "GeoParquet", "FlatGeobuf"
MAPINFO = "MapInfo TAB"
NESTED_SHAPEFILES = "Shapefiles in nested zips"
#: Most inner zips read from one archive (a WDPA download holds three).
_MAX_NESTED_ZIPS = 10

#: What each suffix promises; used only to tell the user when content and name disagree.
_SUFFIX_FORMATS: dict[str, tuple[str, ...]] = {
    ".geojson": (GEOJSON,), ".json": (GEOJSON,),
    ".zip": (SHAPEFILE_ZIP, KMZ, MAPINFO), ".tab": (MAPINFO,), ".kmz": (KMZ,), ".kml": (KML,),
    ".gpkg": (GEOPACKAGE,), ".csv": (CSV,), ".txt": (CSV,), ".tsv": (CSV,),
    ".xlsx": (EXCEL,), ".parquet": (GEOPARQUET,), ".geoparquet": (GEOPARQUET,),
    ".fgb": (FLATGEOBUF,),
}

LAT_NAMES = ("latitude", "lat", "y")
LON_NAMES = ("longitude", "lon", "lng", "long", "x")
WKT_NAMES = ("wkt", "geometry", "geom")
_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--"})
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: The files of one MapInfo table (.tab header, .dat attributes, .map geometry, .id index; .ind optional).
MAPINFO_PARTS = (".tab", ".dat", ".map", ".id", ".ind")
#: KML styling fields the LIBKML driver adds to every layer; not user attributes.
_KML_BOILERPLATE = (
    "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
    "visibility", "drawOrder", "icon", "snippet",
)
_MAGIC_SQLITE = b"SQLite format 3\x00"
_MAGIC_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC_SHP = b"\x00\x00\x27\x0a"


class LayerChoiceError(UploadError):
    """A container holds several layers and none was chosen; ``layers`` lists them."""

    def __init__(self, message: str, layers: list[str]):
        super().__init__(message)
        self.layers = layers


@dataclass
class ReadContext:
    name: str
    suffix: str
    layer: str | None
    max_features: int
    archive_limits: ArchiveLimits


@dataclass
class RawRead:
    frame: gpd.GeoDataFrame
    format: str
    notes: list[str] = field(default_factory=list)
    #: Column names the coordinates came from (CSV/Excel), for messages about swaps.
    coordinate_columns: tuple[str, str] | None = None


# ---------------------------------------------------------------- helpers


def list_rows(rows, *, limit: int = 10) -> str:
    """'rows 4, 9, 12' or 'row 4'; long lists are cut with 'and N more'."""
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit:,} more" if len(rows) > limit else ""
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}{more}"


@contextlib.contextmanager
def parser_errors(name: str, what: str, fix: str):
    """Translate whatever a third-party parser raises about a file into UploadError.

    Parsers (GDAL, pandas, pyarrow, openpyxl) signal a malformed file with many
    exception types; at this boundary they all mean "this file cannot be read".
    Our own UploadErrors pass through untouched.
    """
    try:
        yield
    except UploadError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise UploadError(f"{name}: {what}: the file is too complex to read ({type(exc).__name__}). {fix}") from exc
    except Exception as exc:  # noqa: BLE001 - translated at the boundary, see docstring
        refused = _defused_cause(exc)
        if refused is not None:
            raise UnsafeUploadError(
                f"{name}: {what}: its XML declares entities or a DTD ({type(refused).__name__}), "
                f"which are refused for safety. {fix}"
            ) from exc
        raise UploadError(f"{name}: {what} ({_parser_detail(exc, name)}). {fix}") from exc


def _defused_cause(exc: BaseException) -> DefusedXmlException | None:
    """The defusedxml refusal behind ``exc``, if a parser wrapped one (openpyxl does)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DefusedXmlException):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _parser_detail(exc: Exception, name: str) -> str:
    """The parser's own words, without our scratch paths or GDAL's driver-prefix hint."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    text = text.splitlines()[0].split("; It might help")[0]
    text = re.sub(r"""['"]?[^'"\s]*reegeo-upload-[^'"\s]*['"]?""", repr(name), text)
    return text[:300].rstrip(". ")


def _refuse_unknown(name: str, why: str) -> UploadError:
    return UploadError(
        f"{name}: {why}, so it is not read (formats are never guessed). Accepted formats: "
        + "; ".join(ACCEPTED_FORMATS)
        + ". Export the data from your GIS in one of these formats."
    )


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0D)) + head.count(0x7F)
    return controls <= len(head) // 200


def _text_head(data: bytes) -> bytes:
    head = data[:65536]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.lstrip()


# ---------------------------------------------------------------- detection


def detect_format(data: bytes, ctx: ReadContext) -> tuple[str, SafeZip | None]:
    """Identify the format of ``data`` by content; return it and the checked zip if any.

    UTF-16 text has been re-encoded as UTF-8 before (see :func:`read_raw`).
    """
    name = ctx.name
    if not data:
        raise UploadError(f"{name}: the file is empty (0 bytes). Upload the file again, or export it again from your GIS.")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        archive = open_zip(data, display_name=name, limits=ctx.archive_limits)
        return _classify_zip(archive, ctx), archive
    if data.startswith(_MAGIC_SQLITE):
        return GEOPACKAGE, None
    if data.startswith(b"PAR1"):
        return GEOPARQUET, None
    if data[:3] == b"fgb" and data[4:7] == b"fgb":
        return FLATGEOBUF, None
    if data.startswith(_MAGIC_OLE):
        raise UploadError(
            f"{name}: this is an old-style Excel .xls (or other Office 97-2003) file, which is "
            "not accepted. Open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook) or .csv."
        )
    if data.startswith(_MAGIC_SHP):
        raise UploadError(
            f"{name}: this is the .shp part of a Shapefile on its own; its attributes and "
            "coordinate system live in the companion files. Zip the .shp, .shx, .dbf, .prj "
            "(and .cpg) files together and upload the .zip."
        )
    if data[:64].lstrip().lower().startswith(b"!table"):
        raise UploadError(
            f"{name}: this is the .tab header of a MapInfo table on its own; its geometry and attributes live "
            "in the .map, .dat and .id files beside it. Zip the .tab, .dat, .map and .id files together and "
            "upload the .zip (on the command line, give the .tab with the other files in the same folder)."
        )
    head = _text_head(data)
    if not head:
        raise UploadError(f"{name}: the file holds only blank space. Upload the file with your sites or layer in it.")
    if not _looks_like_text(head):
        raise _refuse_unknown(name, "the content is not a recognised geodata format")
    # "[" opens a JSON array but also a CSV header such as "[site],lat,lon": the suffix decides.
    if head[:1] == b"{" or (head[:1] == b"[" and ctx.suffix not in (".csv", ".txt", ".tsv")):
        return GEOJSON, None
    if head[:1] == b"<":
        if re.search(rb"<(\w+:)?kml[\s>]", head[:4096], re.IGNORECASE) or ctx.suffix == ".kml":
            return KML, None
        raise _refuse_unknown(name, "the content is XML but not KML (GPX, GML, HTML and other XML are not accepted)")
    return CSV, None


def _classify_zip(archive: SafeZip, ctx: ReadContext) -> str:
    names = [n for n in archive.names if not is_junk(n)]
    lower = [n.lower() for n in names]
    if "[content_types].xml" in lower and any(n.startswith("xl/") for n in lower):
        return EXCEL
    if any(n.endswith(".shp") for n in lower):
        return SHAPEFILE_ZIP
    if any(n.endswith(".tab") for n in lower):
        return MAPINFO
    if any(n.endswith(".kml") for n in lower):
        return KMZ
    if any(n.endswith(".zip") for n in lower):
        return NESTED_SHAPEFILES
    if "[content_types].xml" in lower:
        raise UploadError(
            f"{ctx.name}: this is a Word/PowerPoint or other Office document, not an Excel "
            "workbook or geodata. Save the sites as .xlsx or .csv with latitude/longitude columns."
        )
    shown = ", ".join(repr(n) for n in names[:10]) or "nothing"
    raise UploadError(
        f"{ctx.name}: the zip archive holds no Shapefile (.shp) and no KML; it contains "
        f"{shown}. Zip the .shp, .shx, .dbf and .prj files of one Shapefile, or upload the "
        "data file itself. Accepted formats: " + "; ".join(ACCEPTED_FORMATS) + "."
    )


def mismatch_note(fmt: str, ctx: ReadContext) -> str | None:
    """A note when the suffix promised another format than the content holds."""
    expected = _SUFFIX_FORMATS.get(ctx.suffix)
    if expected is None:
        if ctx.suffix:
            return f"the file name ends in '{ctx.suffix}', but the content is {fmt}; read as {fmt}."
        return f"the file name has no suffix; the content is {fmt}, read as {fmt}."
    if fmt not in expected:
        return f"the file is named '{ctx.suffix}' but its content is {fmt}; read as {fmt}."
    return None


# ---------------------------------------------------------------- GDAL-backed formats


def _gdal_layers(path: Path, ctx: ReadContext, what: str) -> list[tuple[str, str | None]]:
    with parser_errors(ctx.name, f"cannot be read as {what}", f"Check that it is a valid {what} file, or export it again from your GIS."):
        return [(str(n), None if g is None else str(g)) for n, g in pyogrio.list_layers(path)]


def _feature_count(path: Path, layer: str | None, ctx: ReadContext, what: str) -> int:
    with parser_errors(ctx.name, f"cannot be read as {what}", f"Check that it is a valid {what} file, or export it again from your GIS."):
        return int(pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"])


def check_feature_count(count: int, ctx: ReadContext, unit: str = "features") -> None:
    if count > ctx.max_features:
        raise UploadError(
            f"{ctx.name}: the file has {count:,} {unit}; at most {ctx.max_features:,} are read. "
            "Split the file or filter it to your area of interest, or raise the limit "
            "(UploadLimits(max_features=...) in Python, --max-features on the command line)."
        )


def _read_gdal(path: Path, layer: str | None, ctx: ReadContext, what: str) -> gpd.GeoDataFrame:
    count = _feature_count(path, layer, ctx, what)
    check_feature_count(count, ctx)
    with parser_errors(ctx.name, f"cannot be read as {what}", f"Check that it is a valid {what} file, or export it again from your GIS."):
        frame = pyogrio.read_dataframe(path, layer=layer, max_features=ctx.max_features + 1)
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        raise UploadError(
            f"{ctx.name}: {what} layer {layer or ''!s} has no geometry column. "
            "Upload a layer with points or polygons."
        )
    check_feature_count(len(frame), ctx)
    return frame


def _choose_layer(layers: list[str], ctx: ReadContext, what: str, unit: str = "layers") -> str:
    shown = ", ".join(repr(n) for n in layers)
    if ctx.layer is not None:
        if ctx.layer not in layers:
            raise LayerChoiceError(
                f"{ctx.name}: the {what} has no {unit[:-1]} {ctx.layer!r}; it holds {shown}. "
                "Choose one of them (names are case-sensitive).",
                layers,
            )
        return ctx.layer
    if len(layers) == 1:
        return layers[0]
    raise LayerChoiceError(
        f"{ctx.name}: the {what} holds {len(layers)} {unit}: {shown}. Choose which one to "
        "read: pick it in the app, or pass --sites-layer NAME on the command line (for a "
        "constraint layer, save the one you need as a file of its own).",
        layers,
    )


def _reindex(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


def _scratch_file(tmp: str, data: bytes, filename: str) -> Path:
    path = Path(tmp) / filename
    path.write_bytes(data)
    return path


def spatial_layers_gpkg(data: bytes, ctx: ReadContext) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, "upload.gpkg")
        layers = _gdal_layers(path, ctx, "GeoPackage")
    return [n for n, geom in layers if geom is not None]


def _refuse_active_sqlite(path: Path, ctx: ReadContext) -> None:
    """Refuse a GeoPackage holding views: reading a view runs SQL the file chose (it can run forever).

    Triggers fire only on writes, and the file is opened read-only, so the
    standard ones GDAL itself adds (rtree, tile matrix) are harmless.
    """
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT type, name FROM sqlite_master WHERE type = 'view'").fetchall()
        finally:
            connection.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise UploadError(f"{ctx.name}: the file starts like a GeoPackage but is not a readable SQLite database ({exc}). Export it again from your GIS.") from None
    if rows:
        shown = ", ".join(f"{kind} {name!r}" for kind, name in rows[:5])
        raise UploadError(
            f"{ctx.name}: the GeoPackage holds {len(rows)} view(s) ({shown}), whose SQL reading would run. "
            "Export the layer into a new GeoPackage without views (e.g. ogr2ogr out.gpkg in.gpkg LAYER)."
        )


def read_geopackage(data: bytes, ctx: ReadContext) -> RawRead:
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, "upload.gpkg")
        _refuse_active_sqlite(path, ctx)
        layers = _gdal_layers(path, ctx, "GeoPackage")
        spatial = [n for n, geom in layers if geom is not None]
        if not spatial:
            raise UploadError(
                f"{ctx.name}: the GeoPackage has no layer with geometry (tables: "
                + (", ".join(repr(n) for n, _ in layers) or "none")
                + "). Save the sites or constraint layer into it with their geometry."
            )
        layer = _choose_layer(spatial, ctx, "GeoPackage")
        frame = _read_gdal(path, layer, ctx, "GeoPackage")
    notes = [f"read layer {layer!r} of the GeoPackage."] if len(spatial) > 1 else []
    return RawRead(_reindex(frame), GEOPACKAGE, notes)


def read_single_gdal(data: bytes, ctx: ReadContext, fmt: str) -> RawRead:
    suffix = {GEOJSON: "upload.geojson", FLATGEOBUF: "upload.fgb"}[fmt]
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, suffix)
        layers = _gdal_layers(path, ctx, fmt)
        if not layers:
            raise UploadError(f"{ctx.name}: the {fmt} file holds no features. Export the layer again with its features.")
        frame = _read_gdal(path, layers[0][0], ctx, fmt)
    return RawRead(_reindex(frame), fmt)


# ---------------------------------------------------------------- Shapefile in a zip


def shapefile_layers(archive: SafeZip) -> dict[str, str]:
    """Map a display layer name (the .shp path without suffix) to the .shp member."""
    found = {}
    for member in archive.names:
        if not is_junk(member) and member.lower().endswith(".shp"):
            found[member[:-4]] = member
    return found


def read_shapefile_zip(archive: SafeZip, ctx: ReadContext) -> RawRead:
    layers = shapefile_layers(archive)
    stem = _choose_layer(sorted(layers), ctx, "zip archive", "Shapefiles")
    frame, notes = _read_shapefile(archive, stem, ctx)
    if len(layers) > 1:
        notes.insert(0, f"read the Shapefile {stem!r} of the {len(layers)} in the zip.")
    return RawRead(_reindex(frame), SHAPEFILE_ZIP, notes)


def _companions(archive: SafeZip, stem: str, suffixes: tuple[str, ...]) -> dict[str, str]:
    """The members named ``stem`` plus one of ``suffixes`` (any case): suffix to member name."""
    parts = {}
    for member in archive.names:
        base, dot, ext = member.rpartition(".")
        if not is_junk(member) and dot and base.lower() == stem.lower() and f".{ext.lower()}" in suffixes:
            parts[f".{ext.lower()}"] = member
    return parts


def _read_shapefile(archive: SafeZip, stem: str, ctx: ReadContext) -> tuple[gpd.GeoDataFrame, list[str]]:
    parts = _companions(archive, stem, _SHAPEFILE_PARTS)
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        raise UploadError(
            f"{ctx.name}: the Shapefile {stem!r} in the zip lacks its {' and '.join(missing)} "
            "file. Zip all the files that share its name (.shp, .shx, .dbf, .prj, .cpg) together."
        )
    _check_record_counts(archive, parts, stem, ctx)
    notes = []
    if ".prj" not in parts:
        notes.append(f"the Shapefile {stem!r} has no .prj file, so it carries no coordinate system.")
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        for ext, member in parts.items():
            archive.extract(archive.find(member), Path(tmp), as_name=f"layer{ext}")
        frame = _read_gdal(Path(tmp) / "layer.shp", None, ctx, "Shapefile")
    return frame, notes


def _check_record_counts(archive: SafeZip, parts: dict[str, str], stem: str, ctx: ReadContext) -> None:
    """Refuse a Shapefile whose .dbf and .shx hold different numbers of records (rows would be dropped or shifted)."""
    shx = archive.read(archive.find(parts[".shx"]))
    dbf_head = archive.read(archive.find(parts[".dbf"]))[:8]
    if len(shx) < 100 or len(dbf_head) < 8:
        raise UploadError(f"{ctx.name}: the Shapefile {stem!r} has a truncated .shx or .dbf file. Export it again.")
    shapes = (len(shx) - 100) // 8
    records = int.from_bytes(dbf_head[4:8], "little")
    if shapes != records:
        raise UploadError(
            f"{ctx.name}: the Shapefile {stem!r} has {shapes:,} shapes but {records:,} attribute records (.dbf): "
            "rows would be lost or matched to the wrong shapes. Export the Shapefile again from your GIS."
        )


def read_nested_zips(archive: SafeZip, ctx: ReadContext) -> RawRead:
    """Every Shapefile in the zips inside a zip (a WDPA download: polygons and points), as one frame in EPSG:4326.

    Each inner zip goes through the same safe-archive checks as the outer one.
    """
    inner = [n for n in archive.names if not is_junk(n) and n.lower().endswith(".zip")]
    if len(inner) > _MAX_NESTED_ZIPS:
        raise UploadError(f"{ctx.name}: the zip holds {len(inner)} zip files; at most {_MAX_NESTED_ZIPS} are read. Unpack it and upload the Shapefiles you need.")
    frames, notes = [], []
    for member in sorted(inner):
        nested = open_zip(archive.read(archive.find(member)), display_name=f"{ctx.name}/{member}", limits=ctx.archive_limits)
        for stem in sorted(shapefile_layers(nested)):
            frame, more = _read_shapefile(nested, stem, ctx)
            notes += more
            if frame.crs is None:
                raise UploadError(f"{ctx.name}: the Shapefile {member}/{stem} has no .prj file: every Shapefile of a nested zip must declare its coordinate system")
            frame = frame.to_crs(4326)
            frame["source_file"] = f"{member}/{stem}"
            frames.append(frame)
    if not frames:
        raise UploadError(f"{ctx.name}: none of the {len(inner)} zip file(s) inside holds a Shapefile. Upload the zip of one Shapefile, or the download as it came.")
    notes.insert(0, f"read {len(frames)} Shapefile(s) from {len(inner)} zip file(s) inside {ctx.name}.")
    combined = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs=4326)
    check_feature_count(len(combined), ctx)
    return RawRead(_reindex(combined), NESTED_SHAPEFILES, notes)


def mapinfo_layers(archive: SafeZip) -> dict[str, str]:
    """Map a display layer name (the .tab path without suffix) to the .tab member."""
    return {member[:-4]: member for member in archive.names if not is_junk(member) and member.lower().endswith(".tab")}


def read_mapinfo_zip(archive: SafeZip, ctx: ReadContext) -> RawRead:
    """A MapInfo table (.tab, .dat, .map, .id) from a zip, in the CRS its .tab declares."""
    layers = mapinfo_layers(archive)
    stem = _choose_layer(sorted(layers), ctx, "zip archive", "MapInfo tables")
    parts = _companions(archive, stem, MAPINFO_PARTS)
    missing = [ext for ext in (".dat", ".map") if ext not in parts]
    if missing:
        raise UploadError(
            f"{ctx.name}: the MapInfo table {stem!r} lacks its {' and '.join(missing)} file. "
            "Zip all the files that share its name (.tab, .dat, .map, .id) together."
        )
    notes = [f"read the MapInfo table {stem!r} of the {len(layers)} in the zip."] if len(layers) > 1 else []
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        for ext, member in parts.items():
            archive.extract(archive.find(member), Path(tmp), as_name=f"layer{ext}")
        frame = _read_gdal(Path(tmp) / "layer.tab", None, ctx, "MapInfo table")
    return RawRead(_reindex(frame), MAPINFO, notes)


# ---------------------------------------------------------------- KML / KMZ


def check_kml_safe(data: bytes, ctx: ReadContext) -> None:
    """Parse the XML with entity, DTD and external-reference handling forbidden."""
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise UnsafeUploadError(
            f"{ctx.name}: the KML declares a DOCTYPE or ENTITY; such declarations can read "
            "local files or expand without bound, so they are refused. Export the KML again "
            "from Google Earth or your GIS (plain KML has no DOCTYPE)."
        )
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeUploadError(
            f"{ctx.name}: the KML uses XML entities or a DTD ({type(exc).__name__}); these are "
            "refused for safety. Export the KML again from Google Earth or your GIS."
        ) from exc
    except (SafeElementTree.ParseError, ValueError, UnicodeError, LookupError, RecursionError) as exc:
        raise UploadError(
            f"{ctx.name}: the KML is not well-formed XML ({exc}). Export it again from Google "
            "Earth or your GIS, or open it in a text editor to fix the reported line."
        ) from exc
    tag = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
    if tag.lower() != "kml":
        raise UploadError(
            f"{ctx.name}: the XML root element is <{tag}>, not <kml>, so this is not a KML "
            "file. Accepted formats: " + "; ".join(ACCEPTED_FORMATS) + "."
        )
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "NetworkLink":
            raise UnsafeUploadError(
                f"{ctx.name}: the KML contains a NetworkLink; linked content on the network is "
                "never fetched. Save the linked data itself as KML (in Google Earth: right-click, "
                "'Save Place As') and upload that."
            )


# Image overlays, photos and 3-D models are not places: their footprints must never become sites.
_KML_NOT_PLACES = re.compile(rb"<((?:\w+:)?(GroundOverlay|PhotoOverlay|ScreenOverlay|Model))\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def read_kml(data: bytes, ctx: ReadContext, fmt: str = KML) -> RawRead:
    check_kml_safe(data, ctx)
    skipped = len(_KML_NOT_PLACES.findall(data))
    if skipped:
        data = _KML_NOT_PLACES.sub(b"", data)
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, "upload.kml")
        layers = [n for n, _ in _gdal_layers(path, ctx, "KML")]
        chosen = [_choose_layer(layers, ctx, "KML", "folders")] if ctx.layer is not None else layers
        counts = {layer: _feature_count(path, layer, ctx, "KML") for layer in chosen}
        check_feature_count(sum(counts.values()), ctx)
        frames = []
        for layer in chosen:
            if counts[layer] == 0:
                continue
            frame = _read_gdal(path, layer, ctx, "KML")
            if len(chosen) > 1:
                frame.insert(0, _free_column(frame, "folder"), layer)
            frames.append(frame)
    if not frames:
        raise UploadError(f"{ctx.name}: the {fmt} holds no placemarks. Add the sites as placemarks (points or polygons) and save again.")
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    drop = [c for c in _KML_BOILERPLATE if c in frame.columns]
    if "id" in frame.columns and frame["id"].isna().all():
        drop.append("id")
    frame = frame.drop(columns=drop)
    folder_column = _free_column(frames[0].iloc[:, 1:], "folder") if len(frames) > 1 else ""
    notes = [f"read {len(frames)} KML folders together; the folder of each placemark is in column '{folder_column}'."] if len(frames) > 1 else []
    if skipped:
        notes.append(f"skipped {skipped} image overlay(s), photo(s) or 3-D model(s): they are not sites.")
    return RawRead(_reindex(frame), fmt, notes)


def read_kmz(archive: SafeZip, ctx: ReadContext) -> RawRead:
    kml_members = [n for n in archive.names if not is_junk(n) and n.lower().endswith(".kml")]
    # The KMZ convention: doc.kml, else the first .kml at the root, else the first one.
    by_preference = sorted(kml_members, key=lambda n: (n.lower() != "doc.kml", "/" in n, kml_members.index(n)))
    member = by_preference[0]
    data = archive.read(archive.find(member))
    return read_kml(data, ctx, KMZ)


# ---------------------------------------------------------------- tables: CSV and Excel


def _decode_text(data: bytes, ctx: ReadContext) -> tuple[str, list[str]]:
    if b"\x00" in data:
        raise _refuse_unknown(ctx.name, "the content has NUL bytes, so it is not a text (CSV) file")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    return text, [f"the file is not UTF-8; its text was read as {encoding}. Save it as 'CSV UTF-8' if names look wrong."]


def _delimiter(text: str) -> str:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes, ctx: ReadContext) -> RawRead:
    text, notes = _decode_text(data, ctx)
    if not text.strip():
        raise UploadError(f"{ctx.name}: the file is empty. Upload a CSV with a header row and one row per site.")
    sep = _delimiter(text)
    with parser_errors(
        ctx.name, "cannot be read as CSV",
        "Check that every row has the same number of columns and quotes are closed, or save it again from Excel as 'CSV UTF-8'.",
    ):
        table = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=True, engine="python",
        )
    if not isinstance(table.index, pd.RangeIndex):
        # Every row has more fields than the header: pandas would silently shift the columns.
        header = len(table.columns)
        raise UploadError(
            f"{ctx.name}: row 1 has more fields than the header's {header} ({', '.join(map(str, table.columns))}): "
            "a value probably holds the separator (e.g. 'Kuantan Port, Pahang'). Put such values in double quotes, "
            "or save the file again from Excel as 'CSV UTF-8'."
        )
    return _table_to_frame(table, ctx, CSV, notes)


def excel_sheets(archive_bytes: bytes, ctx: ReadContext) -> list[str]:
    with parser_errors(ctx.name, "cannot be read as an Excel workbook", "Open it in Excel and save it again as .xlsx, or save the sheet as CSV."):
        return [str(s) for s in pd.ExcelFile(io.BytesIO(archive_bytes), engine="openpyxl").sheet_names]


def read_excel(data: bytes, ctx: ReadContext) -> RawRead:
    sheets = excel_sheets(data, ctx)
    if not sheets:
        raise UploadError(f"{ctx.name}: the workbook has no sheets. Put the sites on the first sheet and save again.")
    notes = []
    if ctx.layer is not None:
        sheet = _choose_layer(sheets, ctx, "workbook", "sheets")
    else:
        sheet = sheets[0]
        if len(sheets) > 1:
            notes.append(f"read the first sheet {sheet!r} of {len(sheets)}; choose another sheet as the layer to read it instead.")
    with parser_errors(ctx.name, "cannot be read as an Excel workbook", "Open it in Excel and save it again as .xlsx, or save the sheet as CSV."):
        table = pd.read_excel(
            io.BytesIO(data), sheet_name=sheet, dtype=str, keep_default_na=False,
            na_filter=False, engine="openpyxl",
        )
    return _table_to_frame(table, ctx, EXCEL, notes)


def _find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    keyed = {}
    for column in columns:
        keyed.setdefault(column.strip().lower(), column)
    for wanted in names:
        if wanted in keyed:
            return keyed[wanted]
    return None


def _is_missing(value: str) -> bool:
    return value.strip().lower() in _MISSING_TOKENS


def _parse_number(value: str) -> float:
    value = value.strip()
    if _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _table_to_frame(table: pd.DataFrame, ctx: ReadContext, fmt: str, notes: list[str]) -> RawRead:
    trimmed = [str(c).strip() for c in table.columns]
    clashes = sorted({c for c in trimmed if trimmed.count(c) > 1})
    if clashes:
        raise UploadError(
            f"{ctx.name}: the header has the column name(s) {', '.join(repr(c) for c in clashes)} more than once "
            "(spaces around names are ignored). Give every column a different name and upload again."
        )
    table.columns = trimmed
    check_feature_count(len(table), ctx, unit="rows")
    table = table.reset_index(drop=True)
    table.index = pd.RangeIndex(1, len(table) + 1, name="row")
    table = table.astype(object).where(table.notna(), "")
    columns = list(table.columns)
    wkt_col = _find_column(columns, WKT_NAMES)
    lat_col, lon_col = _find_column(columns, LAT_NAMES), _find_column(columns, LON_NAMES)
    if wkt_col is not None and lat_col is not None and lon_col is not None:
        if all(_is_missing(str(v)) for v in table[wkt_col]):
            notes.append(f"column {wkt_col!r} is empty; coordinates taken from {lat_col!r}/{lon_col!r}.")
            wkt_col = None
    if wkt_col is not None:
        geometry, missing = _wkt_geometries(table[wkt_col], wkt_col, ctx)
        attributes = table.drop(columns=[wkt_col])
        pair = None
    elif lat_col is not None and lon_col is not None:
        geometry, missing = _point_geometries(table, lat_col, lon_col, ctx)
        attributes = table
        pair = (lat_col, lon_col)
    else:
        have = ", ".join(repr(c) for c in columns[:20]) or "no columns"
        half = ""
        if lat_col is not None:
            half = f" There is a latitude column ({lat_col!r}) but no longitude column."
        elif lon_col is not None:
            half = f" There is a longitude column ({lon_col!r}) but no latitude column."
        raise UploadError(
            f"{ctx.name}: no coordinate columns found (columns: {have}).{half} Name the "
            "coordinate columns 'latitude' and 'longitude' (also accepted: lat/y and "
            "lon/lng/long/x, any case) in decimal degrees, or give a 'wkt' column with "
            "geometries such as POINT (103.36 3.81)."
        )
    if missing:
        lacking = "geometry" if wkt_col is not None else "coordinates"
        notes.append(f"{len(missing):,} {'row has' if len(missing) == 1 else 'rows have'} no {lacking} and "
                     f"{'was' if len(missing) == 1 else 'were'} skipped ({list_rows(missing)}).")
    frame = gpd.GeoDataFrame(attributes, geometry=geometry, crs=None)
    frame = frame.drop(index=missing)
    return RawRead(frame, fmt, notes, coordinate_columns=pair)


def _point_geometries(table: pd.DataFrame, lat_col: str, lon_col: str, ctx: ReadContext):
    missing, bad = [], []
    xs = np.full(len(table), np.nan)
    ys = np.full(len(table), np.nan)
    for i, (row, lat, lon) in enumerate(zip(table.index, table[lat_col], table[lon_col])):
        lat, lon = str(lat), str(lon)
        if _is_missing(lat) or _is_missing(lon):
            missing.append(row)
            continue
        ys[i], xs[i] = _parse_number(lat), _parse_number(lon)
        if math.isnan(xs[i]) or math.isnan(ys[i]):
            bad.append((row, lat, lon))
    if bad:
        examples = "; ".join(f"row {r}: {lat[:40]!r}, {lon[:40]!r}" for r, lat, lon in bad[:5])
        raise UploadError(
            f"{ctx.name}: {len(bad):,} {'row has' if len(bad) == 1 else 'rows have'} coordinates that are not numbers in columns "
            f"{lat_col!r}/{lon_col!r} ({list_rows([b[0] for b in bad])}; e.g. {examples}). "
            "Write them as decimal degrees, e.g. 3.8077 and 103.3260 (not degrees-minutes-seconds), "
            "or leave both cells empty to skip the row."
        )
    geometry = shapely.points(xs, ys)
    return gpd.GeoSeries(geometry, index=table.index), missing


def _wkt_geometries(values: pd.Series, column: str, ctx: ReadContext):
    missing, bad, geometries = [], [], []
    for row, text in values.items():
        text = str(text)
        if _is_missing(text):
            missing.append(row)
            geometries.append(None)
            continue
        try:
            geometries.append(shapely.from_wkt(text.strip(), on_invalid="raise"))
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            bad.append((row, text, exc))
            geometries.append(None)
    if bad:
        row, text, exc = bad[0]
        raise UploadError(
            f"{ctx.name}: {len(bad):,} {'row has' if len(bad) == 1 else 'rows have'} a {column!r} value that is not valid WKT "
            f"({list_rows([b[0] for b in bad])}; row {row}: {text[:60]!r}). Write geometries "
            "as WKT, e.g. POINT (103.36 3.81) or POLYGON ((103.3 3.8, 103.4 3.8, 103.4 3.9, "
            "103.3 3.8)), or leave the cell empty to skip the row."
        )
    return gpd.GeoSeries(geometries, index=values.index), missing


# ---------------------------------------------------------------- GeoParquet


def read_geoparquet(data: bytes, ctx: ReadContext) -> RawRead:
    import pyarrow.parquet as pq

    fix = "Write it again with GeoPandas (GeoDataFrame.to_parquet) or GDAL as GeoParquet."
    with parser_errors(ctx.name, "cannot be read as Parquet", fix):
        parquet = pq.ParquetFile(io.BytesIO(data))
        count = parquet.metadata.num_rows
        metadata = parquet.schema_arrow.metadata or {}
    if b"geo" not in metadata:
        raise UploadError(
            f"{ctx.name}: the Parquet file has no GeoParquet metadata, so its geometry column "
            f"is unknown. {fix}"
        )
    check_feature_count(count, ctx)
    decoded = sum(parquet.metadata.row_group(i).total_byte_size for i in range(parquet.metadata.num_row_groups))
    if decoded > ctx.archive_limits.max_uncompressed_bytes:
        raise UploadError(
            f"{ctx.name}: the GeoParquet file decodes to {decoded:,} bytes, over the limit of "
            f"{ctx.archive_limits.max_uncompressed_bytes:,}. Split it into smaller files, or screen it in batches from the command line."
        )
    with parser_errors(ctx.name, "cannot be read as GeoParquet", fix):
        # A full validation catches damaged data (e.g. invalid UTF-8 text) here,
        # not later when a column is first looked at.
        parquet.read().validate(full=True)
        frame = gpd.read_parquet(io.BytesIO(data))
    return RawRead(_reindex(frame), GEOPARQUET)


# ---------------------------------------------------------------- dispatch


def _free_column(frame: pd.DataFrame, wanted: str) -> str:
    """``wanted``, or ``wanted_2``, ``wanted_3``... whichever the frame does not have yet."""
    name, number = wanted, 1
    while name in frame.columns:
        number += 1
        name = f"{wanted}_{number}"
    return name


def _utf16_to_utf8(data: bytes, ctx: ReadContext) -> bytes:
    """Text saved as UTF-16 (Excel's "Unicode text", some KML tools) re-encoded as UTF-8."""
    with parser_errors(ctx.name, "is marked as UTF-16 text but cannot be decoded", "Save it again as UTF-8."):
        text = data.decode("utf-16")
    text = re.sub(r"""(<\?xml[^>]*encoding=)["']utf-16(le|be)?["']""", r'\1"UTF-8"', text, count=1, flags=re.IGNORECASE)
    return text.encode("utf-8")


def read_raw(data: bytes, ctx: ReadContext) -> RawRead:
    """Detect the format of ``data`` and read it with the matching reader."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = _utf16_to_utf8(data, ctx)
    fmt, archive = detect_format(data, ctx)
    if fmt == SHAPEFILE_ZIP:
        raw = read_shapefile_zip(archive, ctx)
    elif fmt == MAPINFO:
        raw = read_mapinfo_zip(archive, ctx)
    elif fmt == NESTED_SHAPEFILES:
        raw = read_nested_zips(archive, ctx)
    elif fmt == KMZ:
        raw = read_kmz(archive, ctx)
    elif fmt == EXCEL:
        raw = read_excel(data, ctx)
    elif fmt == GEOPACKAGE:
        raw = read_geopackage(data, ctx)
    elif fmt == KML:
        raw = read_kml(data, ctx)
    elif fmt == GEOPARQUET:
        raw = read_geoparquet(data, ctx)
    elif fmt == CSV:
        raw = read_csv(data, ctx)
    else:
        raw = read_single_gdal(data, ctx, fmt)
    note = mismatch_note(fmt, ctx)
    if note:
        raw.notes.insert(0, note)
    return raw


def layer_names(data: bytes, ctx: ReadContext) -> list[str]:
    """Layers a user can choose from: GeoPackage layers, Shapefiles in a zip, KML folders, sheets."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = _utf16_to_utf8(data, ctx)
    fmt, archive = detect_format(data, ctx)
    if fmt == GEOPACKAGE:
        return spatial_layers_gpkg(data, ctx)
    if fmt == SHAPEFILE_ZIP:
        return sorted(shapefile_layers(archive))
    if fmt == MAPINFO:
        return sorted(mapinfo_layers(archive))
    if fmt == EXCEL:
        return excel_sheets(data, ctx)
    if fmt in (KML, KMZ):
        kml = data if fmt == KML else None
        if kml is None:
            members = [n for n in archive.names if not is_junk(n) and n.lower().endswith(".kml")]
            members.sort(key=lambda n: (n.lower() != "doc.kml", "/" in n))
            kml = archive.read(archive.find(members[0]))
        check_kml_safe(kml, ctx)
        with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
            path = _scratch_file(tmp, kml, "upload.kml")
            return [n for n, _ in _gdal_layers(path, ctx, "KML")]
    return []


def suffix_of(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


__all__ = [
    "ACCEPTED_FORMATS", "MAPINFO_PARTS", "LayerChoiceError", "RawRead", "ReadContext", "UnsafeArchiveError",
    "UnsafeUploadError", "layer_names", "list_rows", "read_raw", "suffix_of", "parser_errors",
]
