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


# ---------------------------------------------------------------- GDAL-backed formats


def _gdal_layers(path: Path, ctx: ReadContext, what: str) -> list[tuple[str, str | None]]:
    with parser_errors(ctx.name, f"cannot be read as {what}", f"Check that it is a valid {what} file, or export it again from your GIS."):
        return [(str(n), None if g is None else str(g)) for n, g in pyogrio.list_layers(path)]


def _feature_count(path: Path, layer: str | None, ctx: ReadContext, what: str) -> int:
    with parser_errors(ctx.name, f"cannot be read as {what}", f"Check that it is a valid {what} file, or export it again from your GIS."):
        return int(pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"])


def _read_gdal(path: Path, layer: str | None, ctx: ReadContext, what: str) -> gpd.GeoDataFrame:
    with parser_errors(ctx.name, f"cannot be read as {what}", f"Check that it is a valid {what} file, or export it again from your GIS."):
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
    check_feature_count(int(info["features"]), ctx)
    check_column_count(len(info["fields"]), ctx)
    with parser_errors(ctx.name, f"cannot be read as {what}", f"Check that it is a valid {what} file, or export it again from your GIS."):
        frame = pyogrio.read_dataframe(path, layer=layer, max_features=ctx.max_features + 1)
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        raise UploadError(
            f"{ctx.name}: {what} layer {layer or ''!s} has no geometry column. "
            "Upload a layer with points or polygons."
        )
    check_feature_count(len(frame), ctx)
    return frame


def choose_layer(layers: list[str], ctx: ReadContext, what: str, unit: str = "layers") -> str:
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
        "read with {argument} (for a constraint layer, save the one you need as a file of its own).",
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
        layer = choose_layer(spatial, ctx, "GeoPackage")
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
    stem = choose_layer(sorted(layers), ctx, "zip archive", "Shapefiles")
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
    parts = _companions(archive, stem, SHAPEFILE_PARTS)
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
    if len(inner) > MAX_NESTED_ZIPS:
        raise UploadError(f"{ctx.name}: the zip holds {len(inner)} zip files; at most {MAX_NESTED_ZIPS} are read. Unpack it and upload the Shapefiles you need.")
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
    stem = choose_layer(sorted(layers), ctx, "zip archive", "MapInfo tables")
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


def check_kml_safe(data: bytes, ctx: ReadContext) -> Any:
    """Parse the XML with entity, DTD and external-reference handling forbidden; return its root element."""
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
        chosen = [choose_layer(layers, ctx, "KML", "folders")] if ctx.layer is not None else layers
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
        raise UploadError(f"{ctx.name}: the {fmt} holds no placemarks. Add the sites as placemarks (points or polygons) and save again.")
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    drop = [c for c in KML_BOILERPLATE if c in frame.columns]
    if "id" in frame.columns and frame["id"].isna().all():
        drop.append("id")
    return frame.drop(columns=drop)


def _kml_notes(folders: int, folder_column: str, skipped: int) -> list[str]:
    notes = [f"read {folders} KML folders together; the folder of each placemark is in column '{folder_column}'."] if folders > 1 else []
    if skipped:
        notes.append(f"skipped {skipped} image overlay(s), photo(s) or 3-D model(s): they are not sites.")
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
    check_column_count(len(parquet.schema_arrow.names) - 1, ctx)
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
