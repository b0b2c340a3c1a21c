"""Readers for GDAL formats and archives: GeoJSON, GeoPackage, Shapefile and MapInfo zips,
nested WDPA zips, KML/KMZ, FlatGeobuf and GeoParquet.
"""

from __future__ import annotations

import io
import re
import tempfile
import xml.etree.ElementTree as ElementTree  # builds and writes our own trees; parsing is defused
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from reegeo.errors import UploadError
from reegeo.io.archives import (
    SafeZip,
    UnsafeUploadError,
    is_junk,
    open_zip,
)
from reegeo.io.detect import (
    ACCEPTED_FORMATS,
    FLATGEOBUF,
    GEOJSON,
    GEOPACKAGE,
    GEOPARQUET,
    KML,
    KML_BOILERPLATE,
    KMZ,
    MAPINFO,
    MAPINFO_PARTS,
    MAX_NESTED_ZIPS,
    NESTED_SHAPEFILES,
    SHAPEFILE_PARTS,
    SHAPEFILE_ZIP,
    LayerChoiceError,
    RawRead,
    ReadContext,
    check_column_count,
    check_feature_count,
    free_column,
    parser_errors,
)
from reegeo.messages import Catalog, and_list, joined, located

__all__ = [
    "check_kml_safe",
    "choose_layer",
    "kml_layers",
    "mapinfo_layers",
    "read_geopackage",
    "read_geoparquet",
    "read_kml",
    "read_kmz",
    "read_mapinfo_zip",
    "read_nested_zips",
    "read_shapefile_zip",
    "read_single_gdal",
    "shapefile_layers",
    "spatial_layers_gpkg",
]


_M = Catalog("io.vector", {
    "cannot_read_as": {"en": "cannot be read as {what}", "ms": "tidak dapat dibaca sebagai {what}"},
    "check_valid_file": {
        "en": "Check that it is a valid {what} file, or export it again from your GIS.",
        "ms": "Semak bahawa ia fail {what} yang sah, atau eksport semula daripada GIS anda.",
    },
    "no_geometry_column": {
        "en": "{what} layer {layer} has no geometry column. Upload a layer with points or polygons.",
        "ms": "lapisan {what} {layer} tiada lajur geometri. Muat naik lapisan yang mempunyai titik atau poligon.",
    },
    "unit_layer": {"en": ("layer", "layers"), "ms": "lapisan"},
    "unit_shapefile": {"en": ("Shapefile", "Shapefiles"), "ms": "Shapefile"},
    "unit_mapinfo_table": {"en": ("MapInfo table", "MapInfo tables"), "ms": "jadual MapInfo"},
    "unit_folder": {"en": ("folder", "folders"), "ms": "folder"},
    "unit_sheet": {"en": ("sheet", "sheets"), "ms": "helaian"},
    "no_such_layer": {
        "en": "the {what} has no {unit} {layer!r}; it holds {shown}. Choose one of them (names are case-sensitive).",
        "ms": "{what} ini tiada {unit} {layer!r}; kandungannya: {shown}. Pilih salah satu daripadanya (nama peka huruf besar/kecil).",
    },
    "several_layers": {
        "en": "the {what} holds {count} {unit}: {shown}. Choose which one to read with {argument} "
              "(for a constraint layer, save the one you need as a file of its own).",
        "ms": "{what} ini mengandungi {count} {unit}: {shown}. Pilih yang hendak dibaca dengan {argument} "
              "(bagi lapisan kekangan, simpan yang diperlukan sebagai fail tersendiri).",
    },
    "not_sqlite": {
        "en": "the file starts like a GeoPackage but is not a readable SQLite database ({error}). Export it again from your GIS.",
        "ms": "fail ini bermula seperti GeoPackage tetapi bukan pangkalan data SQLite yang boleh dibaca ({error}). "
              "Eksport semula daripada GIS anda.",
    },
    "view_named": {"en": "view {view!r}", "ms": "paparan {view!r}"},
    "has_views": {
        "en": "the GeoPackage holds {count} view(s) ({views}), whose SQL reading would run. "
              "Export the layer into a new GeoPackage without views (e.g. ogr2ogr out.gpkg in.gpkg LAYER).",
        "ms": "GeoPackage ini mengandungi {count} paparan ({views}), yang SQL-nya akan dijalankan jika dibaca. "
              "Eksport lapisan ke dalam GeoPackage baharu tanpa paparan (cth. ogr2ogr out.gpkg in.gpkg LAYER).",
    },
    "none": {"en": "none", "ms": "tiada"},
    "no_spatial_layer": {
        "en": "the GeoPackage has no layer with geometry (tables: {tables}). Save the sites or constraint layer into it with their geometry.",
        "ms": "GeoPackage ini tiada lapisan bergeometri (jadual: {tables}). Simpan tapak atau lapisan kekangan ke dalamnya bersama geometrinya.",
    },
    "read_gpkg_layer": {"en": "read layer {layer!r} of the GeoPackage.", "ms": "lapisan {layer!r} dalam GeoPackage telah dibaca."},
    "no_features": {
        "en": "the {fmt} file holds no features. Export the layer again with its features.",
        "ms": "fail {fmt} ini tiada ciri. Eksport semula lapisan bersama ciri-cirinya.",
    },
    "zip_archive": {"en": "zip archive", "ms": "arkib zip"},
    "read_shapefile_of": {
        "en": "read the Shapefile {stem!r} of the {count} in the zip.",
        "ms": "Shapefile {stem!r} telah dibaca (satu daripada {count} dalam zip).",
    },
    "shapefile_lacks": {
        "en": "the Shapefile {stem!r} in the zip lacks its {missing} file. "
              "Zip all the files that share its name (.shp, .shx, .dbf, .prj, .cpg) together.",
        "ms": "Shapefile {stem!r} dalam zip tiada fail {missing}. "
              "Zip bersama semua fail yang berkongsi namanya (.shp, .shx, .dbf, .prj, .cpg).",
    },
    "no_prj": {
        "en": "the Shapefile {stem!r} has no .prj file, so it carries no coordinate system.",
        "ms": "Shapefile {stem!r} tiada fail .prj, jadi ia tidak membawa sistem koordinat.",
    },
    "truncated_shapefile": {
        "en": "the Shapefile {stem!r} has a truncated .shx or .dbf file. Export it again.",
        "ms": "Shapefile {stem!r} mempunyai fail .shx atau .dbf yang terpotong. Eksport semula.",
    },
    "record_counts": {
        "en": "the Shapefile {stem!r} has {shapes:,} shapes but {records:,} attribute records (.dbf): "
              "rows would be lost or matched to the wrong shapes. Export the Shapefile again from your GIS.",
        "ms": "Shapefile {stem!r} mempunyai {shapes:,} bentuk tetapi {records:,} rekod atribut (.dbf): "
              "baris akan hilang atau dipadankan dengan bentuk yang salah. Eksport semula Shapefile daripada GIS anda.",
    },
    "too_many_zips": {
        "en": "the zip holds {count} zip files; at most {limit} are read. Unpack it and upload the Shapefiles you need.",
        "ms": "zip ini mengandungi {count} fail zip; paling banyak {limit} dibaca. Buka zip itu dan muat naik Shapefile yang anda perlukan.",
    },
    "nested_no_prj": {
        "en": "the Shapefile {member}/{stem} has no .prj file: every Shapefile of a nested zip must declare its coordinate system",
        "ms": "Shapefile {member}/{stem} tiada fail .prj: setiap Shapefile dalam zip bersarang mesti menyatakan sistem koordinatnya",
    },
    "nested_no_shapefile": {
        "en": "none of the {count} zip file(s) inside holds a Shapefile. Upload the zip of one Shapefile, or the download as it came.",
        "ms": "tiada satu pun daripada {count} fail zip di dalamnya mengandungi Shapefile. "
              "Muat naik zip bagi satu Shapefile, atau fail muat turun seperti asalnya.",
    },
    "read_nested": {
        "en": "read {shapefiles} Shapefile(s) from {zips} zip file(s) inside {file}.",
        "ms": "{shapefiles} Shapefile telah dibaca daripada {zips} fail zip di dalam {file}.",
    },
    "mapinfo_lacks": {
        "en": "the MapInfo table {stem!r} lacks its {missing} file. Zip all the files that share its name (.tab, .dat, .map, .id) together.",
        "ms": "jadual MapInfo {stem!r} tiada fail {missing}. Zip bersama semua fail yang berkongsi namanya (.tab, .dat, .map, .id).",
    },
    "read_mapinfo_of": {
        "en": "read the MapInfo table {stem!r} of the {count} in the zip.",
        "ms": "jadual MapInfo {stem!r} telah dibaca (satu daripada {count} dalam zip).",
    },
    "kml_doctype": {
        "en": "the KML declares a DOCTYPE or ENTITY; such declarations can read local files or expand without bound, "
              "so they are refused. Export the KML again from Google Earth or your GIS (plain KML has no DOCTYPE).",
        "ms": "KML ini mengisytiharkan DOCTYPE atau ENTITY; pengisytiharan sebegini boleh membaca fail tempatan atau "
              "berkembang tanpa had, jadi ia ditolak. Eksport semula KML daripada Google Earth atau GIS anda "
              "(KML biasa tiada DOCTYPE).",
    },
    "kml_entities": {
        "en": "the KML uses XML entities or a DTD ({error}); these are refused for safety. "
              "Export the KML again from Google Earth or your GIS.",
        "ms": "KML ini menggunakan entiti XML atau DTD ({error}); ini ditolak demi keselamatan. "
              "Eksport semula KML daripada Google Earth atau GIS anda.",
    },
    "kml_not_well_formed": {
        "en": "the KML is not well-formed XML ({error}). Export it again from Google Earth or your GIS, "
              "or open it in a text editor to fix the reported line.",
        "ms": "KML ini bukan XML yang sempurna bentuknya ({error}). Eksport semula daripada Google Earth atau GIS anda, "
              "atau buka dalam penyunting teks untuk membetulkan baris yang dilaporkan.",
    },
    "xml_not_kml": {
        "en": "the XML root element is <{tag}>, not <kml>, so this is not a KML file. Accepted formats: {formats}.",
        "ms": "unsur akar XML ialah <{tag}>, bukan <kml>, jadi ini bukan fail KML. Format yang diterima: {formats}.",
    },
    "kml_network_link": {
        "en": "the KML contains a NetworkLink; linked content on the network is never fetched. Save the linked data "
              "itself as KML (in Google Earth: right-click, 'Save Place As') and upload that.",
        "ms": "KML ini mengandungi NetworkLink; kandungan yang dipautkan di rangkaian tidak akan diambil. Simpan data "
              "yang dipautkan itu sendiri sebagai KML (dalam Google Earth: klik kanan, 'Save Place As') dan muat naik fail itu.",
    },
    "no_placemarks": {
        "en": "the {fmt} holds no placemarks. Add the sites as placemarks (points or polygons) and save again.",
        "ms": "{fmt} ini tiada penanda tempat (placemark). Tambah tapak sebagai penanda tempat (titik atau poligon) dan simpan semula.",
    },
    "read_kml_folders": {
        "en": "read {count} KML folders together; the folder of each placemark is in column '{column}'.",
        "ms": "{count} folder KML telah dibaca bersama; folder bagi setiap penanda tempat ada dalam lajur '{column}'.",
    },
    "skipped_overlays": {
        "en": "skipped {count} image overlay(s), photo(s) or 3-D model(s): they are not sites.",
        "ms": "{count} tindanan imej, foto atau model 3-D dilangkau: ia bukan tapak.",
    },
    "parquet_fix": {
        "en": "Write it again with GeoPandas (GeoDataFrame.to_parquet) or GDAL as GeoParquet.",
        "ms": "Tulis semula sebagai GeoParquet dengan GeoPandas (GeoDataFrame.to_parquet) atau GDAL.",
    },
    "no_geo_metadata": {
        "en": "the Parquet file has no GeoParquet metadata, so its geometry column is unknown. {fix}",
        "ms": "fail Parquet ini tiada metadata GeoParquet, jadi lajur geometrinya tidak diketahui. {fix}",
    },
    "parquet_too_large": {
        "en": "the GeoParquet file decodes to {size:,} bytes, over the limit of {limit:,}. "
              "Split it into smaller files, or screen it in batches from the command line.",
        "ms": "fail GeoParquet ini dinyahkod kepada {size:,} bait, melebihi had {limit:,}. "
              "Pecahkan kepada fail yang lebih kecil, atau saring secara berkelompok dari baris perintah.",
    },
})


# ---------------------------------------------------------------- GDAL-backed formats


def _unreadable(what: str) -> tuple[str, str]:
    """What :func:`parser_errors` says of a file GDAL cannot read as ``what`` (a format name, or a Message)."""
    return _M("cannot_read_as", what=what), _M("check_valid_file", what=what)


def _gdal_layers(path: Path, ctx: ReadContext, what: str) -> list[tuple[str, str | None]]:
    with parser_errors(ctx.name, *_unreadable(what)):
        return [(str(n), None if g is None else str(g)) for n, g in pyogrio.list_layers(path)]


def _feature_count(path: Path, layer: str | None, ctx: ReadContext, what: str) -> int:
    with parser_errors(ctx.name, *_unreadable(what)):
        return int(pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"])


def _read_gdal(path: Path, layer: str | None, ctx: ReadContext, what: str) -> gpd.GeoDataFrame:
    with parser_errors(ctx.name, *_unreadable(what)):
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
    check_feature_count(int(info["features"]), ctx)
    check_column_count(len(info["fields"]), ctx)
    with parser_errors(ctx.name, *_unreadable(what)):
        frame = pyogrio.read_dataframe(path, layer=layer, max_features=ctx.max_features + 1)
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        raise UploadError(located(ctx.name, _M("no_geometry_column", what=what, layer=layer or "")))
    check_feature_count(len(frame), ctx)
    return frame


def choose_layer(layers: list[str], ctx: ReadContext, what: str, unit: str = "layer") -> str:
    """The layer of a container to read: the chosen one, or the only one.

    ``what`` is the container (a format name, or a Message such as "zip
    archive"); ``unit`` the kind of layer it holds: ``"layer"``,
    ``"shapefile"``, ``"mapinfo_table"``, ``"folder"`` or ``"sheet"``.
    """
    shown = ", ".join(repr(n) for n in layers)
    if ctx.layer is not None:
        if ctx.layer not in layers:
            raise LayerChoiceError(
                located(ctx.name, _M("no_such_layer", what=what, unit=_M(f"unit_{unit}", count=1), layer=ctx.layer, shown=shown)),
                layers,
            )
        return ctx.layer
    if len(layers) == 1:
        return layers[0]
    raise LayerChoiceError(
        located(ctx.name, _M("several_layers", what=what, count=len(layers), unit=_M(f"unit_{unit}", count=len(layers)), shown=shown)),
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
        raise UploadError(located(ctx.name, _M("not_sqlite", error=str(exc)))) from None
    if rows:
        views = joined([_M("view_named", view=name) for _, name in rows[:5]], ", ")
        raise UploadError(located(ctx.name, _M("has_views", count=len(rows), views=views)))


def read_geopackage(data: bytes, ctx: ReadContext) -> RawRead:
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, "upload.gpkg")
        _refuse_active_sqlite(path, ctx)
        layers = _gdal_layers(path, ctx, "GeoPackage")
        spatial = [n for n, geom in layers if geom is not None]
        if not spatial:
            tables = ", ".join(repr(n) for n, _ in layers) or _M("none")
            raise UploadError(located(ctx.name, _M("no_spatial_layer", tables=tables)))
        layer = choose_layer(spatial, ctx, "GeoPackage")
        frame = _read_gdal(path, layer, ctx, "GeoPackage")
    notes: list[str] = [_M("read_gpkg_layer", layer=layer)] if len(spatial) > 1 else []
    return RawRead(_reindex(frame), GEOPACKAGE, notes)


def read_single_gdal(data: bytes, ctx: ReadContext, fmt: str) -> RawRead:
    suffix = {GEOJSON: "upload.geojson", FLATGEOBUF: "upload.fgb"}[fmt]
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, suffix)
        layers = _gdal_layers(path, ctx, fmt)
        if not layers:
            raise UploadError(located(ctx.name, _M("no_features", fmt=fmt)))
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
    stem = choose_layer(sorted(layers), ctx, _M("zip_archive"), "shapefile")
    frame, notes = _read_shapefile(archive, stem, ctx)
    if len(layers) > 1:
        notes.insert(0, _M("read_shapefile_of", stem=stem, count=len(layers)))
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
    parts = _companions(archive, stem, SHAPEFILE_PARTS)
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        raise UploadError(located(ctx.name, _M("shapefile_lacks", stem=stem, missing=and_list(list(missing)))))
    _check_record_counts(archive, parts, stem, ctx)
    notes: list[str] = []
    if ".prj" not in parts:
        notes.append(_M("no_prj", stem=stem))
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
        raise UploadError(located(ctx.name, _M("truncated_shapefile", stem=stem)))
    shapes = (len(shx) - 100) // 8
    records = int.from_bytes(dbf_head[4:8], "little")
    if shapes != records:
        raise UploadError(located(ctx.name, _M("record_counts", stem=stem, shapes=shapes, records=records)))


def read_nested_zips(archive: SafeZip, ctx: ReadContext) -> RawRead:
    """Every Shapefile in the zips inside a zip (a WDPA download: polygons and points), as one frame in EPSG:4326.

    Each inner zip goes through the same safe-archive checks as the outer one.
    """
    inner = [n for n in archive.names if not is_junk(n) and n.lower().endswith(".zip")]
    if len(inner) > MAX_NESTED_ZIPS:
        raise UploadError(located(ctx.name, _M("too_many_zips", count=len(inner), limit=MAX_NESTED_ZIPS)))
    frames: list[gpd.GeoDataFrame] = []
    notes: list[str] = []
    for member in sorted(inner):
        nested = open_zip(archive.read(archive.find(member)), display_name=f"{ctx.name}/{member}", limits=ctx.archive_limits)
        for stem in sorted(shapefile_layers(nested)):
            frame, more = _read_shapefile(nested, stem, ctx)
            notes += more
            if frame.crs is None:
                raise UploadError(located(ctx.name, _M("nested_no_prj", member=member, stem=stem)))
            frame = frame.to_crs(4326)
            frame["source_file"] = f"{member}/{stem}"
            frames.append(frame)
    if not frames:
        raise UploadError(located(ctx.name, _M("nested_no_shapefile", count=len(inner))))
    notes.insert(0, _M("read_nested", shapefiles=len(frames), zips=len(inner), file=ctx.name))
    combined = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs=4326)
    check_feature_count(len(combined), ctx)
    return RawRead(_reindex(combined), NESTED_SHAPEFILES, notes)


def mapinfo_layers(archive: SafeZip) -> dict[str, str]:
    """Map a display layer name (the .tab path without suffix) to the .tab member."""
    return {member[:-4]: member for member in archive.names if not is_junk(member) and member.lower().endswith(".tab")}


def read_mapinfo_zip(archive: SafeZip, ctx: ReadContext) -> RawRead:
    """A MapInfo table (.tab, .dat, .map, .id) from a zip, in the CRS its .tab declares."""
    layers = mapinfo_layers(archive)
    stem = choose_layer(sorted(layers), ctx, _M("zip_archive"), "mapinfo_table")
    parts = _companions(archive, stem, MAPINFO_PARTS)
    missing = [ext for ext in (".dat", ".map") if ext not in parts]
    if missing:
        raise UploadError(located(ctx.name, _M("mapinfo_lacks", stem=stem, missing=and_list(list(missing)))))
    notes: list[str] = [_M("read_mapinfo_of", stem=stem, count=len(layers))] if len(layers) > 1 else []
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        for ext, member in parts.items():
            archive.extract(archive.find(member), Path(tmp), as_name=f"layer{ext}")
        frame = _read_gdal(Path(tmp) / "layer.tab", None, ctx, _M("unit_mapinfo_table", count=1))
    return RawRead(_reindex(frame), MAPINFO, notes)


# ---------------------------------------------------------------- KML / KMZ


def check_kml_safe(data: bytes, ctx: ReadContext) -> Any:
    """Parse the XML with entity, DTD and external-reference handling forbidden; return its root element."""
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise UnsafeUploadError(located(ctx.name, _M("kml_doctype")))
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeUploadError(located(ctx.name, _M("kml_entities", error=type(exc).__name__))) from exc
    except (SafeElementTree.ParseError, ValueError, UnicodeError, LookupError, RecursionError) as exc:
        raise UploadError(located(ctx.name, _M("kml_not_well_formed", error=str(exc)))) from exc
    tag = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
    if tag.lower() != "kml":
        raise UploadError(located(ctx.name, _M("xml_not_kml", tag=tag, formats=joined(list(ACCEPTED_FORMATS), "; "))))
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "NetworkLink":
            raise UnsafeUploadError(located(ctx.name, _M("kml_network_link")))
    return root


# Image overlays, photos and 3-D models are not places: their footprints must never become sites.
_KML_NOT_PLACES = re.compile(rb"<((?:\w+:)?(GroundOverlay|PhotoOverlay|ScreenOverlay|Model))\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# A placeholder field for the folder of a flattened KML, renamed once the file is read.
_FOLDER_FIELD = "reegeo_kml_folder_7f3a"


def _flatten_folders(root: Any) -> bytes | None:
    """The KML with its folders unwrapped and each placemark's folder name kept as a field; None when the placemarks share one folder.

    GDAL reads each KML folder as a layer and parses the whole file again for
    each one (a file of 1,000 folders took minutes); unwrapped, it is read once.
    """
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""

    def q(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    parents = {child: parent for parent in root.iter() for child in parent}
    homes = {}
    for placemark in (e for e in root.iter() if _local(e.tag) == "Placemark"):
        home = parents.get(placemark)
        while home is not None and _local(home.tag) not in ("Folder", "Document"):
            home = parents.get(home)
        homes[placemark] = home
    if len(set(homes.values())) <= 1:
        return None
    # GDAL reads typed SchemaData fields declared in a Schema, or else untyped Data: add the folder the same way.
    schemas = {e.get("id", ""): e for e in root.iter() if _local(e.tag) == "Schema"}
    declared: set[str] = set()
    for placemark, home in homes.items():
        folder = "" if home is None else (home.findtext(q("name")) or "").strip()
        extended = placemark.find(q("ExtendedData"))
        if extended is None:
            extended = ElementTree.Element(q("ExtendedData"))
            placemark.insert(0, extended)
        typed = extended.find(q("SchemaData"))
        schema_id = (typed.get("schemaUrl", "") if typed is not None else "").lstrip("#")
        if typed is not None and schema_id in schemas:
            if schema_id not in declared:
                schemas[schema_id].append(ElementTree.Element(q("SimpleField"), {"name": _FOLDER_FIELD, "type": "string"}))
                declared.add(schema_id)
            ElementTree.SubElement(typed, q("SimpleData"), {"name": _FOLDER_FIELD}).text = folder
        else:
            field = ElementTree.Element(q("Data"), {"name": _FOLDER_FIELD})
            ElementTree.SubElement(field, q("value")).text = folder
            extended.insert(0, field)
    for folder in reversed([e for e in root.iter() if _local(e.tag) == "Folder"]):  # innermost first
        parent = parents[folder]
        position = list(parent).index(folder)
        parent.remove(folder)
        for offset, child in enumerate(c for c in list(folder) if _local(c.tag) in ("Placemark", "Folder", "Style", "StyleMap")):
            parent.insert(position + offset, child)
            parents[child] = parent
    if namespace:
        ElementTree.register_namespace("", namespace)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def read_kml(data: bytes, ctx: ReadContext, fmt: str = KML) -> RawRead:
    root = check_kml_safe(data, ctx)
    placemarks = sum(1 for e in root.iter() if _local(e.tag) == "Placemark")
    check_feature_count(placemarks, ctx)  # before GDAL parses anything
    skipped = len(_KML_NOT_PLACES.findall(data))
    if skipped:
        data = _KML_NOT_PLACES.sub(b"", data)
        root = check_kml_safe(data, ctx)  # the tree without the overlays (parsed again only then)
    flattened = _flatten_folders(root) if ctx.layer is None else None
    if flattened is not None:
        return _read_flattened_kml(flattened, ctx, fmt, skipped)
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, "upload.kml")
        layers = [n for n, _ in _gdal_layers(path, ctx, "KML")]
        chosen = [choose_layer(layers, ctx, "KML", "folder")] if ctx.layer is not None else layers
        counts = {layer: _feature_count(path, layer, ctx, "KML") for layer in chosen}
        check_feature_count(sum(counts.values()), ctx)
        frames = []
        for layer in chosen:
            if counts[layer] == 0:
                continue
            frame = _read_gdal(path, layer, ctx, "KML")
            if len(chosen) > 1:
                frame.insert(0, free_column(frame, "folder"), layer)
            frames.append(frame)
    frame = _placemarks(frames, ctx, fmt)
    folder_column = free_column(frames[0].iloc[:, 1:], "folder") if len(frames) > 1 else ""
    return RawRead(_reindex(frame), fmt, _kml_notes(len(frames), folder_column, skipped))


def _read_flattened_kml(data: bytes, ctx: ReadContext, fmt: str, skipped: int) -> RawRead:
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, data, "upload.kml")
        layers = [n for n, _ in _gdal_layers(path, ctx, "KML")]
        frames = [f for f in (_read_gdal(path, layer, ctx, "KML") for layer in layers) if len(f)]
    frame = _placemarks(frames, ctx, fmt)
    folders = frame.pop(_FOLDER_FIELD).fillna("").astype(str) if _FOLDER_FIELD in frame.columns else pd.Series("", index=frame.index)
    folder_column = free_column(frame, "folder")
    frame.insert(0, folder_column, folders)
    return RawRead(_reindex(frame), fmt, _kml_notes(folders.nunique(), folder_column, skipped))


def _placemarks(frames: list[gpd.GeoDataFrame], ctx: ReadContext, fmt: str) -> gpd.GeoDataFrame:
    """The placemarks read from a KML's layers as one frame, without KML's display fields."""
    if not frames:
        raise UploadError(located(ctx.name, _M("no_placemarks", fmt=fmt)))
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    drop = [c for c in KML_BOILERPLATE if c in frame.columns]
    if "id" in frame.columns and frame["id"].isna().all():
        drop.append("id")
    return frame.drop(columns=drop)


def _kml_notes(folders: int, folder_column: str, skipped: int) -> list[str]:
    notes: list[str] = [_M("read_kml_folders", count=int(folders), column=folder_column)] if folders > 1 else []
    if skipped:
        notes.append(_M("skipped_overlays", count=skipped))
    return notes


def read_kmz(archive: SafeZip, ctx: ReadContext) -> RawRead:
    kml_members = [n for n in archive.names if not is_junk(n) and n.lower().endswith(".kml")]
    # The KMZ convention: doc.kml, else the first .kml at the root, else the first one.
    by_preference = sorted(kml_members, key=lambda n: (n.lower() != "doc.kml", "/" in n, kml_members.index(n)))
    member = by_preference[0]
    data = archive.read(archive.find(member))
    return read_kml(data, ctx, KMZ)


# ---------------------------------------------------------------- GeoParquet


def read_geoparquet(data: bytes, ctx: ReadContext) -> RawRead:
    import pyarrow.parquet as pq

    fix = _M("parquet_fix")
    with parser_errors(ctx.name, _M("cannot_read_as", what="Parquet"), fix):
        parquet = pq.ParquetFile(io.BytesIO(data))
        count = parquet.metadata.num_rows
        metadata = parquet.schema_arrow.metadata or {}
    if b"geo" not in metadata:
        raise UploadError(located(ctx.name, _M("no_geo_metadata", fix=fix)))
    check_feature_count(count, ctx)
    check_column_count(len(parquet.schema_arrow.names) - 1, ctx)
    decoded = sum(parquet.metadata.row_group(i).total_byte_size for i in range(parquet.metadata.num_row_groups))
    if decoded > ctx.archive_limits.max_uncompressed_bytes:
        raise UploadError(located(ctx.name, _M("parquet_too_large", size=decoded, limit=ctx.archive_limits.max_uncompressed_bytes)))
    with parser_errors(ctx.name, _M("cannot_read_as", what="GeoParquet"), fix):
        # A full validation catches damaged data (e.g. invalid UTF-8 text) here,
        # not later when a column is first looked at.
        parquet.read().validate(full=True)
        frame = gpd.read_parquet(io.BytesIO(data))
    return RawRead(_reindex(frame), GEOPARQUET)


def kml_layers(kml: bytes | None, archive: SafeZip | None, ctx: ReadContext) -> list[str]:
    """The folders (layers) of a KML file, or of the main KML in a KMZ ``archive``."""
    if kml is None:
        assert archive is not None, "a KMZ is listed from its archive"
        members = [n for n in archive.names if not is_junk(n) and n.lower().endswith(".kml")]
        members.sort(key=lambda n: (n.lower() != "doc.kml", "/" in n))
        kml = archive.read(archive.find(members[0]))
    check_kml_safe(kml, ctx)
    with tempfile.TemporaryDirectory(prefix="reegeo-upload-") as tmp:
        path = _scratch_file(tmp, kml, "upload.kml")
        return [n for n, _ in _gdal_layers(path, ctx, "KML")]
