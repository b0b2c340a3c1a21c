"""A corpus of malformed, hostile and awkward uploads, generated on the fly.

Nothing here is a committed binary: every file is built from a few lines of
Python into a working folder (pytest's ``tmp_path``). Each :class:`Case` says
which reader to use and what must happen: a specific error whose message names
the file (and row) and says what to do, or a result with specific repairs.

The builders double as seeds for the property-based tests (mutated valid files).
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box

from reegeo.io.detect import LayerChoiceError
from reegeo.io.sites import (
    ReadResult,
    UnsafeArchiveError,
    UnsafeUploadError,
    UploadError,
    UploadLimits,
)

# ---------------------------------------------------------------- small named data

KUANTAN_PORT = Point(103.3260, 3.9750)            # lon, lat
GEBENG_ESTATE = box(103.36, 3.95, 103.40, 3.99)   # an industrial estate, roughly
BINTULU_PORT = Point(113.0700, 3.2600)
BOWTIE = Polygon([(103.30, 3.80), (103.40, 3.90), (103.40, 3.80), (103.30, 3.90)])
ZERO_AREA_POLYGON = Polygon([(103.3, 3.8), (103.4, 3.8), (103.5, 3.8)])
PAHANG_RIVER = LineString([(103.30, 3.50), (103.45, 3.53)])

MALAY_NAME = "Kawasan Perindustrian Gebeng, Kuantan"
CHINESE_NAME = "关丹格本工业区"
ACCENTED_NAME = "Café Pékan — Ñ"
FORMULA_NAMES = ("=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)")
SCRIPT_NAME = "<img src=x onerror=alert(1)>"

#: Kertau RSO / RSO Malaya (chains), EPSG:3167: a point near Kuantan, from pyproj.
_KERTAU_CHAINS = (29874.0, 19150.0)


def sites_frame(crs=4326) -> gpd.GeoDataFrame:
    """Two sites, a port (point) and an estate (area), with Malay and Chinese names."""
    return gpd.GeoDataFrame(
        {"name": [MALAY_NAME, CHINESE_NAME], "area_ha": [0.0, 1800.5]},
        geometry=[KUANTAN_PORT, GEBENG_ESTATE], crs=crs,
    )


def site_areas_frame(crs=4326) -> gpd.GeoDataFrame:
    """Two areas (Shapefiles hold one geometry type), with Malay and Chinese names."""
    return gpd.GeoDataFrame(
        {"name": [MALAY_NAME, CHINESE_NAME], "area_ha": [1800.5, 12.0]},
        geometry=[GEBENG_ESTATE, KUANTAN_PORT.buffer(0.01)], crs=crs,
    )


def _write(frame: gpd.GeoDataFrame, path: Path, driver: str, **kwargs) -> bytes:
    frame.to_file(path, driver=driver, **kwargs)
    return path.read_bytes()


def geojson_bytes(features: list[dict], crs: str | None = None) -> bytes:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def feature(geometry, **properties) -> dict:
    geom = None if geometry is None else shapely.geometry.mapping(geometry)
    return {"type": "Feature", "properties": properties, "geometry": geom}


def zip_bytes(members: dict[str, bytes] | list[tuple[zipfile.ZipInfo | str, bytes]],
              compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in items:
            archive.writestr(name, data)
    return buffer.getvalue()


def shapefile_parts(work: Path, frame: gpd.GeoDataFrame, stem: str = "sites", **kwargs) -> dict[str, bytes]:
    folder = work / f"shp-{stem}-{len(list(work.glob('shp-*')))}"
    folder.mkdir(parents=True)
    frame.to_file(folder / f"{stem}.shp", driver="ESRI Shapefile", **kwargs)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def shapefile_zip(work: Path, frame=None, *, folder: str = "", drop: tuple[str, ...] = (), **kwargs) -> bytes:
    parts = shapefile_parts(work, site_areas_frame() if frame is None else frame, **kwargs)
    return zip_bytes({f"{folder}{name}": data for name, data in parts.items() if not name.endswith(drop)})


def kml_document(body: str, prolog: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + prolog
        + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>' + body + "</Document></kml>"
    ).encode("utf-8")


def placemark(name: str, geometry_kml: str) -> str:
    return f"<Placemark><name>{name}</name>{geometry_kml}</Placemark>"


KML_SITES = kml_document(
    placemark("Kuantan Port", "<Point><coordinates>103.326,3.975</coordinates></Point>")
    + placemark(
        CHINESE_NAME,
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>103.36,3.95 103.40,3.95 "
        "103.40,3.99 103.36,3.99 103.36,3.95</coordinates></LinearRing></outerBoundaryIs></Polygon>",
    )
)

XXE_KML = kml_document(
    placemark("&xxe;", "<Point><coordinates>103.326,3.975</coordinates></Point>"),
    prolog='<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
)

BILLION_LAUGHS_KML = kml_document(
    placemark("&lol9;", "<Point><coordinates>103.326,3.975</coordinates></Point>"),
    prolog="<!DOCTYPE kml [<!ENTITY lol \"lol\">"
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>\n",
)

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, table in sheets.items():
            table.to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


def gpkg_bytes(work: Path, layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    path = work / f"layers-{len(list(work.glob('layers-*.gpkg')))}.gpkg"
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    return path.read_bytes()


def gpkg_with_table(work: Path) -> bytes:
    """A GeoPackage with one spatial layer and one plain attribute table."""
    import pyogrio

    path = work / "with-table.gpkg"
    sites_frame().to_file(path, layer="sites", driver="GPKG")
    pyogrio.write_dataframe(pd.DataFrame({"code": ["06"], "state": ["Pahang"]}), path, layer="codes", driver="GPKG")
    return path.read_bytes()


def xlsx_with_entity() -> bytes:
    """A real workbook whose first sheet's XML declares an external entity."""
    workbook = excel_bytes({"Sites": pd.DataFrame({"lat": [3.9], "lon": [103.3]})})
    source = zipfile.ZipFile(io.BytesIO(workbook))
    members = []
    for info in source.infolist():
        data = source.read(info)
        if info.filename == "xl/worksheets/sheet1.xml":
            data = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + data
        members.append((info.filename, data))
    return zip_bytes(members)


def parquet_bytes(frame: gpd.GeoDataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def plain_parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"name": ["a"], "lat": [3.9], "lon": [103.3]}).to_parquet(buffer)
    return buffer.getvalue()


def fgb_bytes(work: Path, frame: gpd.GeoDataFrame) -> bytes:
    return _write(frame, work / f"sites-{len(list(work.glob('sites-*.fgb')))}.fgb", "FlatGeobuf")


def nameless_member_zip() -> bytes:
    """A zip whose first member has an empty name (zipfile refuses to write one, so patch it)."""
    data = bytearray(zip_bytes({"E": b"x", "sites.shp": b"x"}, compression=zipfile.ZIP_STORED))
    for signature, name_at in ((b"PK\x03\x04", 26), (b"PK\x01\x02", 28)):
        start = data.index(signature)
        data[start + name_at:start + name_at + 2] = (0).to_bytes(2, "little")
        extra = int.from_bytes(data[start + name_at + 2:start + name_at + 4], "little") + 1
        data[start + name_at + 2:start + name_at + 4] = extra.to_bytes(2, "little")  # the old name byte becomes "extra"
    return bytes(data)


def symlink_member(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def encrypted_zip(name: str) -> bytes:
    """A zip whose one member is flagged as encrypted (zipfile cannot write real ones)."""
    data = bytearray(zip_bytes({name: b"not really encrypted"}, compression=zipfile.ZIP_STORED))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    return bytes(data)


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One generated upload and what reading it must do.

    ``error`` set: reading raises it, its message contains the file name, every
    string in ``message`` (case-insensitive) and a fix. Otherwise ``check`` is
    called with the :class:`ReadResult`.
    """

    id: str
    filename: str
    build: Callable[[Path], bytes]
    error: type[UploadError] | None = None
    message: tuple[str, ...] = ()
    check: Callable[[ReadResult], None] | None = None
    reader: str = "sites"
    layer: str | None = None
    limits: UploadLimits = field(default_factory=UploadLimits)


def _names(result: ReadResult, column: str = "name") -> list[str]:
    return list(result.frame[column])


def _has_note(result: ReadResult, *fragments: str) -> bool:
    return any(all(f.lower() in note.lower() for f in fragments) for note in result.notes)


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def _check_two_sites(result: ReadResult) -> None:
    _expect(len(result.frame) == 2, f"expected 2 sites, got {len(result.frame)}")
    _expect(result.frame.crs is not None, "CRS must be set")


def _check_names(*expected: str, column: str = "name"):
    def check(result: ReadResult) -> None:
        _expect(_names(result, column) == list(expected), f"names {_names(result, column)!r} != {list(expected)!r}")
    return check


def _check_all(*checks):
    def check(result: ReadResult) -> None:
        for one in checks:
            one(result)
    return check


def _check_note(*fragments: str):
    def check(result: ReadResult) -> None:
        _expect(_has_note(result, *fragments), f"no note with {fragments!r} in {result.notes!r}")
    return check


def _check_rows(*rows: int):
    def check(result: ReadResult) -> None:
        _expect(list(result.frame.index) == list(rows), f"rows {list(result.frame.index)} != {list(rows)}")
    return check


def _check_epsg(code: int):
    def check(result: ReadResult) -> None:
        _expect(result.frame.crs.to_epsg() == code, f"CRS {result.frame.crs} is not EPSG:{code}")
    return check


def _check_format(fmt: str):
    def check(result: ReadResult) -> None:
        _expect(result.format == fmt, f"format {result.format!r} != {fmt!r}")
    return check


def _check_2d_valid(result: ReadResult) -> None:
    geoms = result.frame.geometry
    _expect(not geoms.has_z.any(), "Z must be dropped")
    _expect(geoms.is_valid.all(), "geometries must be valid")
    _expect(not geoms.is_empty.any(), "no empty geometries")


CSV_SITES = "name,latitude,longitude\nKuantan Port,3.975,103.326\nBintulu Port,3.26,113.07\n"
BIG_LIMITS = UploadLimits()

CASES: list[Case] = [
    # ---- archives: hostile members, checked before anything is extracted
    Case("zip-bomb-ratio", "sites.zip",
         lambda w: zip_bytes({"sites.shp": b"\x00" * (24 * 1024 * 1024)}),
         UnsafeArchiveError, ("compressed", "zip bomb", "sites.shp")),
    Case("zip-bomb-total-size", "sites.zip",
         lambda w: zip_bytes({"sites.shp": bytes(range(256)) * 4096, "sites.dbf": bytes(range(256)) * 4096}),
         UnsafeArchiveError, ("unpack to", "zip bomb"),
         limits=UploadLimits(max_uncompressed_bytes=1_000_000)),
    Case("zip-path-traversal", "sites.zip",
         lambda w: zip_bytes({"../../../tmp/evil.shp": b"x", "sites.dbf": b"x"}),
         UnsafeArchiveError, ("../../../tmp/evil.shp", "path traversal")),
    Case("zip-backslash-traversal", "sites.zip",
         lambda w: zip_bytes({"..\\..\\evil.shp": b"x"}), UnsafeArchiveError, ("traversal",)),
    Case("zip-absolute-path", "sites.zip",
         lambda w: zip_bytes({"/etc/cron.d/evil.shp": b"x"}), UnsafeArchiveError, ("absolute path",)),
    Case("zip-windows-drive-path", "sites.zip",
         lambda w: zip_bytes({"C:/Windows/evil.shp": b"x"}), UnsafeArchiveError, ("absolute path",)),
    Case("zip-symlink-member", "sites.zip",
         lambda w: zip_bytes([symlink_member("sites.dbf", "/etc/passwd"), ("sites.shp", b"x")]),
         UnsafeArchiveError, ("symbolic link", "sites.dbf")),
    Case("zip-too-many-members", "sites.zip",
         lambda w: zip_bytes({f"part{i}.txt": b"" for i in range(2_001)}),
         UnsafeArchiveError, ("2,001 members", "2,000")),
    Case("zip-member-without-name", "sites.zip",
         lambda w: nameless_member_zip(), UnsafeArchiveError, ("empty name",)),
    Case("zip-encrypted-member", "sites.zip",
         lambda w: encrypted_zip("sites.shp"), UnsafeArchiveError, ("password",)),
    Case("zip-damaged", "sites.zip",
         lambda w: b"PK\x03\x04" + b"\x14\x00" * 40, UploadError, ("cannot be opened", "zip again")),
    Case("zip-without-shapefile", "sites.zip",
         lambda w: zip_bytes({"readme.txt": b"sites are in the other email"}),
         UploadError, ("no shapefile", "readme.txt")),
    Case("zip-shapefile-without-dbf", "sites.zip",
         lambda w: shapefile_zip(w, drop=(".dbf",)), UploadError, ("lacks", ".dbf")),
    Case("zip-two-shapefiles", "sites.zip",
         lambda w: zip_bytes({**shapefile_parts(w, site_areas_frame(), "ports"),
                              **shapefile_parts(w, site_areas_frame(), "estates")}),
         LayerChoiceError, ("2 Shapefiles", "'estates'", "'ports'", "choose", "layer=NAME")),
    Case("zip-two-shapefiles-one-chosen", "sites.zip",
         lambda w: zip_bytes({**shapefile_parts(w, site_areas_frame(), "ports"),
                              **shapefile_parts(w, site_areas_frame().iloc[:1], "estates")}),
         check=_check_all(_check_names(MALAY_NAME), _check_note("estates")), layer="estates"),
    Case("zip-shapefile-in-subfolder", "export.zip",
         lambda w: shapefile_zip(w, folder="Export_Output/"),
         check=_check_all(_check_two_sites, _check_names(MALAY_NAME, CHINESE_NAME),
                          _check_format("Shapefile (zip)"))),
    Case("zip-shapefile-with-macos-junk", "sites.zip",
         lambda w: zip_bytes({**shapefile_parts(w, site_areas_frame()), "__MACOSX/._sites.shp": b"\x00\x05\x16\x07"}),
         check=_check_two_sites),
    Case("zip-shapefile-cp1252-with-cpg", "sites.zip",
         lambda w: shapefile_zip(w, gpd.GeoDataFrame({"name": [ACCENTED_NAME]}, geometry=[KUANTAN_PORT], crs=4326),
                                 encoding="cp1252"),
         check=_check_names(ACCENTED_NAME)),
    Case("zip-shapefile-latin1-without-cpg", "sites.zip",
         lambda w: shapefile_zip(w, gpd.GeoDataFrame({"name": ["Pékan Café"]}, geometry=[KUANTAN_PORT], crs=4326),
                                 encoding="ISO-8859-1", drop=(".cpg",)),
         check=_check_names("Pékan Café")),
    Case("zip-shapefile-no-prj-projected", "sites.zip",
         lambda w: shapefile_zip(w, site_areas_frame().to_crs(3375), drop=(".prj",)),
         UploadError, ("no coordinate system", ".prj", "EPSG:3375")),
    Case("zip-shapefile-no-prj-lonlat", "sites.zip",
         lambda w: shapefile_zip(w, drop=(".prj",)),
         check=_check_all(_check_epsg(4326), _check_note("no CRS", "EPSG:4326"), _check_note(".prj"))),
    Case("zip-shapefile-epsg3167-chains", "reserves.zip",
         lambda w: shapefile_zip(w, site_areas_frame().to_crs(3167)),
         check=_check_all(_check_epsg(3167), _check_two_sites), reader="layer"),
    Case("zip-office-document", "sites.zip",
         lambda w: zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
         UploadError, ("not an excel", ".xlsx")),

    # ---- KML and KMZ: no entities, no network
    Case("kml-xxe-external-entity", "sites.kml", lambda w: XXE_KML, UnsafeUploadError, ("DOCTYPE", "export the kml again")),
    Case("kml-billion-laughs", "sites.kml", lambda w: BILLION_LAUGHS_KML, UnsafeUploadError, ("ENTITY",)),
    Case("kml-xxe-utf16", "sites.kml", lambda w: XXE_KML.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
         UnsafeUploadError, ("DOCTYPE",)),
    Case("kmz-with-xxe", "sites.kmz", lambda w: zip_bytes({"doc.kml": XXE_KML}), UnsafeUploadError, ("DOCTYPE",)),
    Case("kml-network-link", "sites.kml",
         lambda w: kml_document("<NetworkLink><Link><href>http://169.254.169.254/latest</href></Link></NetworkLink>"),
         UnsafeUploadError, ("NetworkLink", "never fetched")),
    Case("kml-not-well-formed", "sites.kml",
         lambda w: KML_SITES[:-40], UploadError, ("not well-formed",)),
    Case("xml-gpx-not-kml", "track.kml",
         lambda w: b'<?xml version="1.0"?><gpx version="1.1"><wpt lat="3.9" lon="103.3"/></gpx>',
         UploadError, ("<gpx>", "not a kml", "geojson")),
    Case("kml-sites", "sites.kml", lambda w: KML_SITES,
         check=_check_all(_check_two_sites, _check_names("Kuantan Port", CHINESE_NAME, column="Name"), _check_format("KML"))),
    Case("kmz-sites", "sites.kmz", lambda w: zip_bytes({"doc.kml": KML_SITES, "files/icon.png": PNG_BYTES}),
         check=_check_all(_check_two_sites, _check_format("KMZ"))),
    Case("kml-3d-coordinates", "sites.kml",
         lambda w: kml_document(placemark("Tower", "<Point><coordinates>103.326,3.975,120</coordinates></Point>")),
         check=_check_all(_check_2d_valid, _check_note("heights (Z) dropped"))),
    Case("kml-line-as-site", "sites.kml",
         lambda w: kml_document(placemark("Pipeline", "<LineString><coordinates>103.3,3.5 103.45,3.53</coordinates></LineString>")),
         UploadError, ("row 1", "is a line", "a site is a point or an area", "constraint layer")),
    Case("kml-folders", "sites.kml",
         lambda w: kml_document(
             "<Folder><name>Ports</name>" + placemark("Kuantan", "<Point><coordinates>103.326,3.975</coordinates></Point>") + "</Folder>"
             "<Folder><name>Estates</name>" + placemark("Gebeng", "<Point><coordinates>103.38,3.97</coordinates></Point>") + "</Folder>"),
         check=_check_all(_check_names("Ports", "Estates", column="folder"), _check_note("folder"))),

    # ---- CSV
    Case("csv-formula-like-names", "sites.csv",
         lambda w: pd.DataFrame({"name": FORMULA_NAMES, "lat": [3.9] * 4, "lon": [103.3] * 4}).to_csv(index=False).encode(),
         check=_check_names(*FORMULA_NAMES)),
    Case("csv-script-in-name", "sites.csv",
         lambda w: csv_bytes(f'name,lat,lon\n"{SCRIPT_NAME}",3.9,103.3\n'), check=_check_names(SCRIPT_NAME)),
    Case("csv-no-coordinate-columns", "sites.csv",
         lambda w: csv_bytes("site,state\nGebeng,Pahang\n"),
         UploadError, ("no coordinate columns", "'site', 'state'", "latitude", "wkt")),
    Case("csv-latitude-without-longitude", "sites.csv",
         lambda w: csv_bytes("name,Latitude,Easting\nGebeng,3.9,103.3\n"),
         UploadError, ("'Latitude'", "no longitude column")),
    Case("csv-swapped-latitude-longitude", "sites.csv",
         lambda w: csv_bytes("name,Latitude,Longitude\nKuantan,103.326,3.975\nBintulu,113.07,3.26\n"),
         UploadError, ("swapped", "row 1", "'Latitude'", "swap the two column headers")),
    Case("csv-missing-coordinates", "sites.csv",
         lambda w: csv_bytes("name,lat,lon\nA,3.9,103.3\nB,,\nC,3.8,103.2\nD,NA,\n"),
         check=_check_all(_check_rows(1, 3), _check_note("2 rows have no coordinates", "rows 2, 4"))),
    Case("csv-dms-coordinates", "sites.csv",
         lambda w: csv_bytes("name,lat,lon\nA,3.9,103.3\nB,3°58'N,103°19'E\n"),
         UploadError, ("row 2", "not numbers", "decimal degrees")),
    Case("csv-infinite-coordinate", "sites.csv",
         lambda w: csv_bytes("name,lat,lon\nA,inf,103.3\n"), UploadError, ("row 1", "not numbers")),
    Case("csv-bad-wkt", "sites.csv",
         lambda w: csv_bytes('name,wkt\nA,POINT (103.3 3.9)\nB,"POLYGON ((103 3, 104 3"\n'),
         UploadError, ("row 2", "not valid wkt", "POINT (103.36 3.81)")),
    Case("csv-wkt-points-and-polygons", "sites.csv",
         lambda w: csv_bytes(f'name,WKT\nport,{KUANTAN_PORT.wkt}\nestate,"{GEBENG_ESTATE.wkt}"\nnothing,\n'),
         check=_check_all(_check_names("port", "estate"), _check_note("1 row has no geometry", "row 3"))),
    Case("csv-utf8-bom", "sites.csv",
         lambda w: ("\ufeffname,Latitude,Longitude\n" + f'"{MALAY_NAME}",3.9,103.3\n{CHINESE_NAME},3.95,103.38\n').encode("utf-8"),
         check=_check_all(_check_names(MALAY_NAME, CHINESE_NAME),
                          lambda r: _expect(list(r.frame.columns)[:3] == ["name", "Latitude", "Longitude"], str(list(r.frame.columns))))),
    Case("csv-semicolon-decimal-comma", "sites.csv",
         lambda w: csv_bytes("name;lat;lon\nKuantan;3,975;103,326\n"),
         check=lambda r: _expect(abs(r.frame.geometry.iloc[0].x - 103.326) < 1e-9, "decimal comma")),
    Case("csv-cp1252", "sites.csv",
         lambda w: csv_bytes(f"name,lat,lon\n{ACCENTED_NAME.replace('—', '-')},3.9,103.3\n", "cp1252"),
         check=_check_all(_check_names(ACCENTED_NAME.replace("—", "-")), _check_note("not UTF-8", "cp1252"))),
    Case("csv-utf16-tab", "sites.txt",
         lambda w: csv_bytes(f"name\tLAT\tLNG\n{CHINESE_NAME}\t3.9\t103.3\n", "utf-16"),
         check=_check_names(CHINESE_NAME)),
    Case("csv-unclosed-quote", "sites.csv",
         lambda w: csv_bytes('name,lat,lon\n"Kuantan,3.9,103.3\nB,3.8,103.2\n'),
         UploadError, ()),
    Case("csv-header-only", "sites.csv", lambda w: csv_bytes("name,lat,lon\n"), UploadError, ("no sites",)),
    Case("csv-projected-xy-without-crs", "sites.csv",
         lambda w: csv_bytes("name,x,y\nA,412345.6,345678.9\n"),
         UploadError, ("no coordinate system", "not longitude/latitude", "EPSG:3375")),
    Case("csv-site-outside-malaysia", "sites.csv",
         lambda w: csv_bytes("name,lat,lon\nKuantan,3.975,103.326\nSingapore-ish,1.0,98.0\nBintulu,3.26,113.07\n"),
         check=_check_note("outside Malaysia", "row 2")),
    Case("csv-overlong-attribute", "sites.csv",
         lambda w: csv_bytes("name,notes,lat,lon\nA,short,3.9,103.3\nB," + "x" * 2_001 + ",3.8,103.2\n"),
         UploadError, ("row 2", "'notes'", "2,001 characters", "shorten")),
    Case("csv-too-many-features", "sites.csv",
         lambda w: csv_bytes("name,lat,lon\n" + "".join(f"s{i},3.9,103.3\n" for i in range(6))),
         UploadError, ("6 rows", "at most 5", "max_features"), limits=UploadLimits(max_features=5)),
    Case("csv-oversize", "sites.csv", lambda w: csv_bytes(CSV_SITES * 10),
         UploadError, ("bytes; at most 100 bytes", "raise the limit"), limits=UploadLimits(max_bytes=100)),

    # ---- identification by content
    Case("empty-file", "sites.geojson", lambda w: b"", UploadError, ("empty",)),
    Case("blank-file", "sites.csv", lambda w: b" \n\n\t \n", UploadError, ("blank",)),
    Case("png-named-csv", "sites.csv", lambda w: PNG_BYTES, UploadError, ("not a recognised", "GeoPackage (.gpkg)", "FlatGeobuf")),
    Case("png-named-geojson", "sites.geojson", lambda w: PNG_BYTES, UploadError, ("accepted formats",)),
    Case("geojson-named-csv", "sites.csv", lambda w: geojson_bytes([feature(KUANTAN_PORT, name="Kuantan")]),
         check=_check_all(_check_format("GeoJSON"), _check_note("named '.csv'", "GeoJSON"))),
    Case("csv-named-gpkg", "sites.gpkg", lambda w: csv_bytes(CSV_SITES),
         check=_check_all(_check_format("CSV"), _check_note("'.gpkg'", "CSV"))),
    Case("legacy-xls", "sites.xls", lambda w: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
         UploadError, (".xls", "save it as .xlsx")),
    Case("bare-shp", "sites.shp", lambda w: shapefile_parts(w, site_areas_frame())["sites.shp"],
         UploadError, ("companion files", "zip the .shp")),
    Case("json-not-geojson", "sites.json", lambda w: b'{"hello": "world"}', UploadError, ("GeoJSON", "'sites.json' not recognized")),
    Case("geojson-truncated", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, name="Kuantan")])[:-15], UploadError, ("GeoJSON",)),

    # ---- geometry: null, invalid, 3-D, lines, mixed
    Case("geojson-null-geometries", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, name="a"), feature(None, name="b"),
                                  feature(Polygon(), name="c"), feature(GEBENG_ESTATE, name="d")]),
         check=_check_all(_check_rows(1, 4), _check_note("2 rows have no geometry", "rows 2, 3"))),
    Case("geojson-only-null-geometries", "sites.geojson",
         lambda w: geojson_bytes([feature(None, name="a")]), UploadError, ("no sites",)),
    Case("geojson-self-intersecting", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, name="port"), feature(BOWTIE, name="bowtie"),
                                  feature(BOWTIE, name="bowtie2")]),
         check=_check_all(_check_2d_valid, _check_note("2 invalid geometries repaired", "rows 2, 3"),
                          lambda r: _expect(r.frame.geometry.iloc[1].geom_type == "MultiPolygon", "polygonal repair"))),
    Case("geojson-zero-area-polygon", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, name="port"), feature(ZERO_AREA_POLYGON, name="flat")]),
         check=_check_all(_check_rows(1), _check_note("row 2", "collapsed"))),
    Case("geojson-3d", "sites.geojson",
         lambda w: geojson_bytes([feature(Point(103.3, 3.9, 25.0), name="a"),
                                  feature(Polygon([(103.3, 3.9, 1), (103.4, 3.9, 1), (103.4, 4.0, 1)]), name="b")]),
         check=_check_all(_check_2d_valid, _check_note("heights (Z) dropped from 2"))),
    Case("geojson-lines-as-sites", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, name="a"), feature(PAHANG_RIVER, name="river")]),
         UploadError, ("row 2", "a site is a point or an area")),
    Case("geojson-lines-as-layer", "rivers.geojson",
         lambda w: geojson_bytes([feature(PAHANG_RIVER, name="Sungai Pahang")]),
         check=_check_names("Sungai Pahang"), reader="layer"),
    Case("geojson-collection-with-line", "sites.geojson",
         lambda w: geojson_bytes([feature(shapely.GeometryCollection([KUANTAN_PORT, PAHANG_RIVER]), name="a")]),
         UploadError, ("row 1", "a site is a point or an area")),
    Case("geojson-mixed-points-polygons-multipoints", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, name="a"), feature(GEBENG_ESTATE, name="b"),
                                  feature(MultiPoint([(103.3, 3.9), (103.31, 3.91)]), name="c")]),
         check=_check_rows(1, 2, 3)),
    Case("geojson-swapped-axes", "sites.geojson",
         lambda w: geojson_bytes([feature(Point(3.975, 103.326), name="a"), feature(Point(3.26, 113.07), name="b")]),
         UploadError, ("swapped", "feature 1", "longitude, latitude")),
    Case("geojson-projected-numbers-labelled-wgs84", "sites.geojson",
         lambda w: geojson_bytes([feature(Point(412345.6, 345678.9), name="a")]),
         UploadError, ("outside ±180", "EPSG:3375")),
    Case("geojson-epsg3167", "reserves.geojson",
         lambda w: geojson_bytes([feature(box(*_KERTAU_CHAINS, _KERTAU_CHAINS[0] + 50, _KERTAU_CHAINS[1] + 50), reserve="Hutan Simpan")],
                                 crs="urn:ogc:def:crs:EPSG::3167"),
         check=_check_epsg(3167), reader="layer"),
    Case("geojson-timbalai-rso", "sites.geojson",
         lambda w: sites_frame().to_crs(29873).to_json().encode(),
         check=_check_all(_check_two_sites, _check_epsg(29873))),
    Case("geojson-too-many-features", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, name=str(i)) for i in range(12)]),
         UploadError, ("12 features", "at most 10", "max_features"), limits=UploadLimits(max_features=10)),
    Case("kml-too-many-placemarks", "sites.kml",
         lambda w: kml_document("".join(placemark(f"p{i}", "<Point><coordinates>103.3,3.9</coordinates></Point>") for i in range(4))),
         UploadError, ("4 features", "at most 3"), limits=UploadLimits(max_features=3)),
    Case("utf16-kml", "sites.kml",
         lambda w: KML_SITES.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
         check=_check_all(_check_two_sites, _check_format("KML"))),
    Case("csv-empty-geometry-column-with-coordinates", "sites.csv",
         lambda w: csv_bytes("name,geometry,lat,lon\nA,,3.9,103.3\n"),
         check=_check_all(_check_rows(1), _check_note("'geometry' is empty"))),
    Case("gpkg-spatial-layer-and-attribute-table", "sites.gpkg",
         gpkg_with_table,
         check=_check_all(_check_two_sites, _check_format("GeoPackage"))),
    Case("geojson-overlong-column-name", "sites.geojson",
         lambda w: geojson_bytes([feature(KUANTAN_PORT, **{"n" * 3000: "x"})]), UploadError, ("column name", "shorten")),

    # ---- containers and binary formats
    Case("gpkg-two-layers", "sites.gpkg",
         lambda w: gpkg_bytes(w, {"ports": sites_frame(), "estates": sites_frame().to_crs(3375)}),
         LayerChoiceError, ("2 layers", "'ports'", "'estates'", "choose")),
    Case("gpkg-layer-chosen-epsg3375", "sites.gpkg",
         lambda w: gpkg_bytes(w, {"ports": sites_frame(), "estates": sites_frame().to_crs(3375)}),
         check=_check_all(_check_epsg(3375), _check_two_sites, _check_note("'estates'")), layer="estates"),
    Case("gpkg-missing-layer", "sites.gpkg",
         lambda w: gpkg_bytes(w, {"ports": sites_frame()}), LayerChoiceError, ("no layer 'sites'", "'ports'"), layer="sites"),
    Case("gpkg-utm48n", "sites.gpkg",
         lambda w: gpkg_bytes(w, {"sites": sites_frame().to_crs(32648)}),
         check=_check_all(_check_epsg(32648), _check_format("GeoPackage"))),
    Case("gpkg-truncated", "sites.gpkg",
         lambda w: gpkg_bytes(w, {"sites": sites_frame()})[:3000], UploadError, ("GeoPackage",)),
    Case("geoparquet", "sites.parquet", lambda w: parquet_bytes(sites_frame().to_crs(3376)),
         check=_check_all(_check_epsg(3376), _check_names(MALAY_NAME, CHINESE_NAME), _check_format("GeoParquet"))),
    Case("parquet-without-geo-metadata", "sites.parquet", lambda w: plain_parquet_bytes(),
         UploadError, ("no geoparquet metadata", "to_parquet")),
    Case("flatgeobuf-epsg3168", "sites.fgb", lambda w: fgb_bytes(w, sites_frame().to_crs(3168)),
         check=_check_all(_check_epsg(3168), _check_format("FlatGeobuf"))),
    Case("excel-sites", "sites.xlsx",
         lambda w: excel_bytes({"Sites": pd.DataFrame({"Name": [MALAY_NAME, CHINESE_NAME], "Lat": [3.9, 3.95], "Long": [103.3, 103.38]}),
                                "Notes": pd.DataFrame({"x": ["see email"]})}),
         check=_check_all(_check_names(MALAY_NAME, CHINESE_NAME, column="Name"), _check_note("first sheet 'Sites'"),
                          _check_format("Excel"))),
    Case("excel-with-xxe", "sites.xlsx", lambda w: xlsx_with_entity(), UnsafeUploadError, ("entities", "Excel")),
    Case("geoparquet-geometry-column-named-geom", "sites.parquet",
         lambda w: parquet_bytes(sites_frame().rename_geometry("geom")),
         check=_check_all(_check_two_sites, lambda r: _expect(r.frame.geometry.name == "geometry", r.frame.geometry.name))),
    Case("geojson-with-utf8-bom", "sites.geojson",
         lambda w: b"\xef\xbb\xbf" + geojson_bytes([feature(KUANTAN_PORT, name=CHINESE_NAME)]),
         check=_check_names(CHINESE_NAME)),
    Case("excel-no-coordinates", "sites.xlsx",
         lambda w: excel_bytes({"Sheet1": pd.DataFrame({"site": ["Gebeng"]})}), UploadError, ("no coordinate columns",)),
]


HOSTILE_CASE_IDS = [case.id for case in CASES if case.error is not None or case.id.startswith(("csv-formula", "csv-script"))]
