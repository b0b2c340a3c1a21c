"""What a file is: detection by content, the read context and result, shared reader helpers.

Formats are identified by content (magic bytes, then the shape of the text),
with the suffix used only to say when the two disagree. Nothing unknown is
guessed. Each reader turns raw bytes into a :class:`RawRead`: a GeoDataFrame
indexed by the 1-based row or feature number of the original file, possibly
without a CRS, plus notes for the user.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import geopandas as gpd
import pandas as pd
from defusedxml import DefusedXmlException

from reegeo.errors import UploadError
from reegeo.io.archives import (
    ArchiveLimits,
    SafeZip,
    UnsafeUploadError,
    is_junk,
    open_zip,
)
from reegeo.messages import Catalog, Message, joined

_M = Catalog("io.detect", {
    "format_geojson": {"en": "GeoJSON (.geojson, .json)", "ms": "GeoJSON (.geojson, .json)"},
    "format_shapefile_zip": {
        "en": "zipped Shapefile (.zip holding .shp, .shx, .dbf and .prj)",
        "ms": "Shapefile dalam zip (.zip yang mengandungi .shp, .shx, .dbf dan .prj)",
    },
    "format_geopackage": {"en": "GeoPackage (.gpkg)", "ms": "GeoPackage (.gpkg)"},
    "format_kml": {"en": "KML (.kml)", "ms": "KML (.kml)"},
    "format_kmz": {"en": "KMZ (.kmz)", "ms": "KMZ (.kmz)"},
    "format_csv": {
        "en": "CSV (.csv) with latitude/longitude or WKT columns",
        "ms": "CSV (.csv) dengan lajur latitud/longitud atau WKT",
    },
    "format_excel": {
        "en": "Excel (.xlsx) with latitude/longitude or WKT columns",
        "ms": "Excel (.xlsx) dengan lajur latitud/longitud atau WKT",
    },
    "format_geoparquet": {"en": "GeoParquet (.parquet)", "ms": "GeoParquet (.parquet)"},
    "format_flatgeobuf": {"en": "FlatGeobuf (.fgb)", "ms": "FlatGeobuf (.fgb)"},
    "format_mapinfo": {
        "en": "MapInfo TAB (a .zip holding .tab, .dat, .map and .id, or the .tab beside them)",
        "ms": "MapInfo TAB (fail .zip yang mengandungi .tab, .dat, .map dan .id, atau fail .tab bersama fail-fail tersebut)",
    },
    "format_nested_zips": {
        "en": "a .zip of zipped Shapefiles (as Protected Planet's WDPA downloads come)",
        "ms": "fail .zip yang mengandungi Shapefile dalam zip (seperti muat turun WDPA daripada Protected Planet)",
    },
    "nested_shapefiles": {"en": "Shapefiles in nested zips", "ms": "Shapefile dalam zip bersarang"},
    "rows": {"en": ("row {shown}", "rows {shown}"), "ms": "baris {shown}"},
    "rows_and_more": {
        "en": ("row {shown} and {more:,} more", "rows {shown} and {more:,} more"),
        "ms": "baris {shown} dan {more:,} lagi",
    },
    "too_complex": {
        "en": "{file}: {what}: the file is too complex to read ({error}). {fix}",
        "ms": "{file}: {what}: fail ini terlalu kompleks untuk dibaca ({error}). {fix}",
    },
    "xml_entities": {
        "en": "{file}: {what}: its XML declares entities or a DTD ({error}), which are refused for safety. {fix}",
        "ms": "{file}: {what}: XML fail ini mengisytiharkan entiti atau DTD ({error}), yang ditolak atas sebab keselamatan. {fix}",
    },
    "parser_failed": {"en": "{file}: {what} ({detail}). {fix}", "ms": "{file}: {what} ({detail}). {fix}"},
    "refused_unknown": {
        "en": "{file}: {why}, so it is not read (formats are never guessed). Accepted formats: {formats}. "
              "Export the data from your GIS in one of these formats.",
        "ms": "{file}: {why}, maka fail ini tidak dibaca (format tidak pernah diteka). Format yang diterima: {formats}. "
              "Eksport data daripada GIS anda dalam salah satu format ini.",
    },
    "empty_file": {
        "en": "{file}: the file is empty (0 bytes). Upload the file again, or export it again from your GIS.",
        "ms": "{file}: fail ini kosong (0 bait). Muat naik fail sekali lagi, atau eksport semula daripada GIS anda.",
    },
    "old_excel": {
        "en": "{file}: this is an old-style Excel .xls (or other Office 97-2003) file, which is not accepted. "
              "Open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook) or .csv.",
        "ms": "{file}: ini ialah fail Excel .xls jenis lama (atau fail Office 97-2003 lain), yang tidak diterima. "
              "Buka fail ini dalam Excel atau LibreOffice dan simpan sebagai .xlsx (Excel Workbook) atau .csv.",
    },
    "lone_shp": {
        "en": "{file}: this is the .shp part of a Shapefile on its own; its attributes and coordinate system live "
              "in the companion files. Zip the .shp, .shx, .dbf, .prj (and .cpg) files together and upload the .zip.",
        "ms": "{file}: ini hanyalah bahagian .shp bagi sebuah Shapefile; atribut dan sistem koordinatnya terdapat "
              "dalam fail-fail pengiringnya. Zip fail .shp, .shx, .dbf, .prj (dan .cpg) bersama-sama dan muat naik "
              "fail .zip tersebut.",
    },
    "lone_tab": {
        "en": "{file}: this is the .tab header of a MapInfo table on its own; its geometry and attributes live "
              "in the .map, .dat and .id files beside it. Zip the .tab, .dat, .map and .id files together and "
              "upload the .zip (on the command line, give the .tab with the other files in the same folder).",
        "ms": "{file}: ini hanyalah pengepala .tab bagi sebuah jadual MapInfo; geometri dan atributnya terdapat "
              "dalam fail .map, .dat dan .id di sebelahnya. Zip fail .tab, .dat, .map dan .id bersama-sama dan "
              "muat naik fail .zip tersebut (pada baris perintah, berikan fail .tab bersama fail-fail lain dalam "
              "folder yang sama).",
    },
    "blank_file": {
        "en": "{file}: the file holds only blank space. Upload the file with your sites or layer in it.",
        "ms": "{file}: fail ini hanya mengandungi ruang kosong. Muat naik fail yang mengandungi tapak atau lapisan anda.",
    },
    "not_geodata": {
        "en": "the content is not a recognised geodata format",
        "ms": "kandungannya bukan format data geo yang dikenali",
    },
    "xml_not_kml": {
        "en": "the content is XML but not KML (GPX, GML, HTML and other XML are not accepted)",
        "ms": "kandungannya ialah XML tetapi bukan KML (GPX, GML, HTML dan XML lain tidak diterima)",
    },
    "office_document": {
        "en": "{file}: this is a Word/PowerPoint or other Office document, not an Excel workbook or geodata. "
              "Save the sites as .xlsx or .csv with latitude/longitude columns.",
        "ms": "{file}: ini ialah dokumen Word/PowerPoint atau dokumen Office lain, bukan buku kerja Excel atau "
              "data geo. Simpan tapak sebagai .xlsx atau .csv dengan lajur latitud/longitud.",
    },
    "nothing": {"en": "nothing", "ms": "tiada apa-apa"},
    "zip_without_data": {
        "en": "{file}: the zip archive holds no Shapefile (.shp) and no KML; it contains {shown}. Zip the .shp, "
              ".shx, .dbf and .prj files of one Shapefile, or upload the data file itself. Accepted formats: {formats}.",
        "ms": "{file}: arkib zip ini tidak mengandungi Shapefile (.shp) mahupun KML; kandungannya: {shown}. Zip fail "
              ".shp, .shx, .dbf dan .prj bagi satu Shapefile, atau muat naik fail data itu sendiri. Format yang "
              "diterima: {formats}.",
    },
    "suffix_unknown": {
        "en": "the file name ends in '{suffix}', but the content is {fmt}; read as {fmt}.",
        "ms": "nama fail berakhir dengan '{suffix}', tetapi kandungannya ialah {fmt}; dibaca sebagai {fmt}.",
    },
    "no_suffix": {
        "en": "the file name has no suffix; the content is {fmt}, read as {fmt}.",
        "ms": "nama fail tiada akhiran; kandungannya ialah {fmt}, dibaca sebagai {fmt}.",
    },
    "suffix_mismatch": {
        "en": "the file is named '{suffix}' but its content is {fmt}; read as {fmt}.",
        "ms": "fail ini dinamakan '{suffix}' tetapi kandungannya ialah {fmt}; dibaca sebagai {fmt}.",
    },
    "too_many_columns": {
        "en": "{file}: the file has {count:,} attribute columns (property names); at most {limit} are read. "
              "Keep the columns you need (or give every feature the same properties) and upload again.",
        "ms": "{file}: fail ini mempunyai {count:,} lajur atribut (nama sifat); paling banyak {limit} lajur dibaca. "
              "Kekalkan lajur yang anda perlukan (atau berikan sifat yang sama kepada setiap ciri) dan muat naik semula.",
    },
    "too_many_features": {
        "en": "{file}: the file has {count:,} {unit}; at most {limit:,} are read. "
              "Split the file or filter it to your area of interest, or raise the limit ({argument}).",
        "ms": "{file}: fail ini mempunyai {count:,} {unit}; paling banyak {limit:,} dibaca. "
              "Pecahkan fail atau tapis fail mengikut kawasan yang diminati, atau naikkan had ({argument}).",
    },
    "unit_features": {"en": "features", "ms": "ciri"},
    "unit_rows": {"en": "rows", "ms": "baris"},
    "unit_rows_or_more": {"en": "rows or more", "ms": "baris atau lebih"},
    "utf16_undecodable": {
        "en": "is marked as UTF-16 text but cannot be decoded",
        "ms": "ditandakan sebagai teks UTF-16 tetapi tidak dapat dinyahkod",
    },
    "save_as_utf8": {"en": "Save it again as UTF-8.", "ms": "Simpan semula fail ini sebagai UTF-8."},
})

__all__ = [
    "ACCEPTED_FORMATS",
    "CSV",
    "EXCEL",
    "FLATGEOBUF",
    "GEOJSON",
    "GEOPACKAGE",
    "GEOPARQUET",
    "KML",
    "KML_BOILERPLATE",
    "KMZ",
    "LayerChoiceError",
    "MAPINFO",
    "MAPINFO_PARTS",
    "MAX_NESTED_ZIPS",
    "NESTED_SHAPEFILES",
    "RawRead",
    "ReadContext",
    "SHAPEFILE_PARTS",
    "SHAPEFILE_ZIP",
    "check_feature_count",
    "detect_format",
    "free_column",
    "list_rows",
    "mismatch_note",
    "parser_errors",
    "refuse_unknown",
    "suffix_of",
    "utf16_to_utf8",
]

ACCEPTED_FORMATS: tuple[str, ...] = (
    _M("format_geojson"),
    _M("format_shapefile_zip"),
    _M("format_geopackage"),
    _M("format_kml"),
    _M("format_kmz"),
    _M("format_csv"),
    _M("format_excel"),
    _M("format_geoparquet"),
    _M("format_flatgeobuf"),
    _M("format_mapinfo"),
    _M("format_nested_zips"),
)

#: Display names of the formats, as reported in ``ReadResult.format``.
GEOJSON, SHAPEFILE_ZIP, GEOPACKAGE = "GeoJSON", "Shapefile (zip)", "GeoPackage"
KML, KMZ, CSV, EXCEL = "KML", "KMZ", "CSV", "Excel"
GEOPARQUET, FLATGEOBUF = "GeoParquet", "FlatGeobuf"
MAPINFO = "MapInfo TAB"
NESTED_SHAPEFILES: str = _M("nested_shapefiles")
#: Most inner zips read from one archive (a WDPA download holds three).
MAX_NESTED_ZIPS = 10

#: What each suffix promises; used only to tell the user when content and name disagree.
_SUFFIX_FORMATS: dict[str, tuple[str, ...]] = {
    ".geojson": (GEOJSON,), ".json": (GEOJSON,),
    ".zip": (SHAPEFILE_ZIP, KMZ, MAPINFO), ".tab": (MAPINFO,), ".kmz": (KMZ,), ".kml": (KML,),
    ".gpkg": (GEOPACKAGE,), ".csv": (CSV,), ".txt": (CSV,), ".tsv": (CSV,),
    ".xlsx": (EXCEL,), ".parquet": (GEOPARQUET,), ".geoparquet": (GEOPARQUET,),
    ".fgb": (FLATGEOBUF,),
}
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: The files of one MapInfo table (.tab header, .dat attributes, .map geometry, .id index; .ind optional).
MAPINFO_PARTS = (".tab", ".dat", ".map", ".id", ".ind")
#: KML styling fields the LIBKML driver adds to every layer; not user attributes.
KML_BOILERPLATE = (
    "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
    "visibility", "drawOrder", "icon", "snippet",
)
_MAGIC_SQLITE = b"SQLite format 3\x00"
_MAGIC_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC_SHP = b"\x00\x00\x27\x0a"


class LayerChoiceError(UploadError):
    """A container holds several layers and none was chosen; ``layers`` lists them."""

    def __init__(self, message: str, layers: list[str]):
        super().__init__(message, argument="layer")
        self.layers = layers


class ColumnChoiceError(UploadError):
    """A table's coordinate columns were not found (or a chosen one is missing); ``columns`` lists the table's columns."""

    def __init__(self, message: str, columns: list[str], *, argument: str | None = None, value: object = None):
        super().__init__(message, argument=argument, value=value)
        self.columns = columns


@dataclass
class ReadContext:
    name: str
    suffix: str
    layer: str | None
    max_features: int
    archive_limits: ArchiveLimits
    # Coordinate columns of a table chosen by the caller (x: longitude or easting; y: latitude or northing).
    x_column: str | None = None
    y_column: str | None = None


@dataclass
class RawRead:
    frame: gpd.GeoDataFrame
    format: str
    notes: list[str] = field(default_factory=list)
    #: Column names the coordinates came from (CSV/Excel), for messages about swaps.
    coordinate_columns: tuple[str, str] | None = None


# ---------------------------------------------------------------- helpers


def list_rows(rows, *, limit: int = 10) -> Message:
    """'rows 4, 9, 12' or 'row 4'; long lists are cut with 'and N more'."""
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        return _M("rows_and_more", count=len(rows), shown=shown, more=len(rows) - limit)
    return _M("rows", count=len(rows), shown=shown)


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
        raise UploadError(_M("too_complex", file=name, what=what, error=type(exc).__name__, fix=fix)) from exc
    except Exception as exc:  # noqa: BLE001 - translated at the boundary, see docstring
        refused = _defused_cause(exc)
        if refused is not None:
            raise UnsafeUploadError(_M("xml_entities", file=name, what=what, error=type(refused).__name__, fix=fix)) from exc
        raise UploadError(_M("parser_failed", file=name, what=what, detail=_parser_detail(exc, name), fix=fix)) from exc


def _defused_cause(exc: BaseException) -> DefusedXmlException | None:
    """The defusedxml refusal behind ``exc``, if a parser wrapped one (openpyxl does)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DefusedXmlException):
            return exc
        seen.add(id(exc))
        cause = exc.__cause__ or exc.__context__
        if cause is None:
            return None
        exc = cause
    return None


def _parser_detail(exc: Exception, name: str) -> str:
    """The parser's own words, without our scratch paths or GDAL's driver-prefix hint."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    text = text.splitlines()[0].split("; It might help")[0]
    text = re.sub(r"""['"]?[^'"\s]*reegeo-upload-[^'"\s]*['"]?""", repr(name), text)
    return text[:300].rstrip(". ")


def refuse_unknown(name: str, why: str) -> UploadError:
    return UploadError(_M("refused_unknown", file=name, why=why, formats=joined(list(ACCEPTED_FORMATS), "; ")))


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

    UTF-16 text has been re-encoded as UTF-8 before (see :func:`reegeo.io.formats.read_raw`).
    """
    name = ctx.name
    if not data:
        raise UploadError(_M("empty_file", file=name))
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
        raise UploadError(_M("old_excel", file=name))
    if data.startswith(_MAGIC_SHP):
        raise UploadError(_M("lone_shp", file=name))
    if data[:64].lstrip().lower().startswith(b"!table"):
        raise UploadError(_M("lone_tab", file=name))
    head = _text_head(data)
    if not head:
        raise UploadError(_M("blank_file", file=name))
    if not _looks_like_text(head):
        raise refuse_unknown(name, _M("not_geodata"))
    # "[" opens a JSON array but also a CSV header such as "[site],lat,lon": the suffix decides.
    if head[:1] == b"{" or (head[:1] == b"[" and ctx.suffix not in (".csv", ".txt", ".tsv")):
        return GEOJSON, None
    if head[:1] == b"<":
        if re.search(rb"<(\w+:)?kml[\s>]", head[:4096], re.IGNORECASE) or ctx.suffix == ".kml":
            return KML, None
        raise refuse_unknown(name, _M("xml_not_kml"))
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
        raise UploadError(_M("office_document", file=ctx.name))
    shown = ", ".join(repr(n) for n in names[:10]) or _M("nothing")
    raise UploadError(_M("zip_without_data", file=ctx.name, shown=shown, formats=joined(list(ACCEPTED_FORMATS), "; ")))


def mismatch_note(fmt: str, ctx: ReadContext) -> Message | None:
    """A note when the suffix promised another format than the content holds."""
    expected = _SUFFIX_FORMATS.get(ctx.suffix)
    if expected is None:
        if ctx.suffix:
            return _M("suffix_unknown", suffix=ctx.suffix, fmt=fmt)
        return _M("no_suffix", fmt=fmt)
    if fmt not in expected:
        return _M("suffix_mismatch", suffix=ctx.suffix, fmt=fmt)
    return None


# Columns (attribute fields) one file may have: a file of thousands of distinct property names
# costs rows x columns cells to read (2,000 features x 2,000 names took 1.8 GB).
MAX_COLUMNS = 500


def check_column_count(count: int, ctx: ReadContext) -> None:
    if count > MAX_COLUMNS:
        raise UploadError(_M("too_many_columns", file=ctx.name, count=count, limit=MAX_COLUMNS))


# What a file counts in, for callers that name it in English ("rows"): given in the reader's language.
_UNITS: dict[str, Message] = {
    "features": _M("unit_features"),
    "rows": _M("unit_rows"),
    "rows or more": _M("unit_rows_or_more"),
}


def check_feature_count(count: int, ctx: ReadContext, unit: str = "features") -> None:
    if count > ctx.max_features:
        shown = unit if isinstance(unit, Message) else _UNITS.get(unit, unit)
        raise UploadError(
            _M("too_many_features", file=ctx.name, count=count, unit=shown, limit=ctx.max_features),
            argument="max_features",
        )


# ---------------------------------------------------------------- dispatch


def free_column(frame: pd.DataFrame, wanted: str) -> str:
    """``wanted``, or ``wanted_2``, ``wanted_3``... whichever the frame does not have yet."""
    name, number = wanted, 1
    while name in frame.columns:
        number += 1
        name = f"{wanted}_{number}"
    return name


def utf16_to_utf8(data: bytes, ctx: ReadContext) -> bytes:
    """Text saved as UTF-16 (Excel's "Unicode text", some KML tools) re-encoded as UTF-8."""
    with parser_errors(ctx.name, _M("utf16_undecodable"), _M("save_as_utf8")):
        text = data.decode("utf-16")
    text = re.sub(r"""(<\?xml[^>]*encoding=)["']utf-16(le|be)?["']""", r'\1"UTF-8"', text, count=1, flags=re.IGNORECASE)
    return text.encode("utf-8")


def suffix_of(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()
