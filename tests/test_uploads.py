"""Tests of reegeo.io.sites: the generated corpus, fuzzing, and real Malaysian files."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import geopandas as gpd
import pytest
import upload_corpus as corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from reegeo.errors import ReegeoError, UploadError
from reegeo.io.detect import ACCEPTED_FORMATS, LayerChoiceError
from reegeo.io.sites import (
    ReadResult,
    UploadLimits,
    list_layers,
    read_layer,
    read_sites,
)

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reference"

#: Words that show a message tells the user what to do.
FIX_WORDS = re.compile(
    r"\b(upload|export|save|zip|choose|rename|swap|write|fix|raise|shorten|draw|check|give|"
    r"name the|split|open|add|load|set|delete|create|put)\b",
    re.IGNORECASE,
)


def assert_helpful(message: str, filename: str, *fragments: str) -> None:
    """The message names the file, contains each fragment and says what to do."""
    assert message.startswith(f"{filename}: "), message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in {message!r}"
    assert FIX_WORDS.search(message), f"no fix in {message!r}"


def read_case(case: corpus.Case, data: bytes, **kwargs) -> ReadResult:
    reader = read_sites if case.reader == "sites" else read_layer
    return reader(data, filename=case.filename, layer=case.layer, limits=case.limits, **kwargs)


# ---------------------------------------------------------------- the corpus


def test_corpus_is_large_enough():
    assert len(corpus.CASES) >= 40
    assert len(corpus.HOSTILE_CASE_IDS) >= 40
    assert len({case.id for case in corpus.CASES}) == len(corpus.CASES)


@pytest.mark.parametrize("case", corpus.CASES, ids=[case.id for case in corpus.CASES])
def test_corpus_case(case: corpus.Case, tmp_path: Path):
    data = case.build(tmp_path)
    if case.error is not None:
        with pytest.raises(case.error) as caught:
            read_case(case, data)
        assert_helpful(str(caught.value), case.filename, *case.message)
        assert isinstance(caught.value, ReegeoError)
    else:
        result = read_case(case, data)
        assert result.filename == case.filename
        assert result.frame.index.name == "row"
        assert result.frame.crs is not None
        assert result.frame.geometry.is_valid.all()
        assert not result.frame.geometry.is_empty.any()
        assert not result.frame.geometry.has_z.any()
        case.check(result)


def test_reading_from_a_path_matches_reading_bytes(tmp_path: Path):
    data = corpus.shapefile_zip(tmp_path, folder="export/")
    path = tmp_path / "upload" / "sites.zip"
    path.parent.mkdir()
    path.write_bytes(data)
    from_path, from_bytes = read_sites(path), read_sites(data, filename="sites.zip")
    assert from_path.sha256 == from_bytes.sha256
    assert from_path.frame.equals(from_bytes.frame)
    assert from_path.filename == "sites.zip"


def test_oversize_path_is_refused_before_reading(tmp_path: Path, monkeypatch):
    path = tmp_path / "huge.geojson"
    path.write_bytes(b" " * 2_000)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file must not be read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(UploadError) as caught:
        read_sites(path, limits=UploadLimits(max_bytes=1_000))
    assert_helpful(str(caught.value), "huge.geojson", "2,000 bytes", "at most 1,000 bytes", "max_bytes", "server.maxUploadSize")


def test_missing_path_is_an_upload_error(tmp_path: Path):
    with pytest.raises(UploadError) as caught:
        read_sites(tmp_path / "nope.csv")
    assert_helpful(str(caught.value), "nope.csv", "no such file")


def test_bytes_need_a_filename():
    with pytest.raises(TypeError, match="filename is required"):
        read_sites(b"name,lat,lon\n")


def test_browser_fake_path_is_reduced_to_the_name():
    result = read_sites(corpus.csv_bytes(corpus.CSV_SITES), filename="C:\\fakepath\\sites.csv")
    assert result.filename == "sites.csv"


def test_result_carries_hash_format_and_untouched_text():
    data = corpus.csv_bytes(f'name,lat,lon\n"{corpus.SCRIPT_NAME}",3.9,103.3\n')
    result = read_sites(data, filename="sites.csv")
    import hashlib

    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.format == "CSV"
    assert result.frame.loc[1, "name"] == corpus.SCRIPT_NAME  # kept as text; escaping is the renderer's job


def test_layer_choice_error_lists_layers_for_the_app(tmp_path: Path):
    data = corpus.gpkg_bytes(tmp_path, {"ports": corpus.sites_frame(), "estates": corpus.sites_frame()})
    with pytest.raises(LayerChoiceError) as caught:
        read_sites(data, filename="two.gpkg")
    assert sorted(caught.value.layers) == ["estates", "ports"]
    assert sorted(list_layers(data, filename="two.gpkg")) == ["estates", "ports"]
    assert len(read_sites(data, filename="two.gpkg", layer="ports").frame) == 2


def test_list_layers_of_other_formats(tmp_path: Path):
    two_shapefiles = corpus.zip_bytes({**corpus.shapefile_parts(tmp_path, corpus.site_areas_frame(), "ports"),
                                       **corpus.shapefile_parts(tmp_path, corpus.site_areas_frame(), "estates")})
    assert list_layers(two_shapefiles, filename="s.zip") == ["estates", "ports"]
    assert list_layers(corpus.csv_bytes(corpus.CSV_SITES), filename="s.csv") == []
    assert list_layers(corpus.geojson_bytes([corpus.feature(corpus.KUANTAN_PORT)]), filename="s.geojson") == []
    workbook = corpus.excel_bytes({"A": corpus.pd.DataFrame({"lat": [3.9]}), "B": corpus.pd.DataFrame({"lat": [3.9]})})
    assert list_layers(workbook, filename="s.xlsx") == ["A", "B"]
    with pytest.raises(UploadError):
        list_layers(corpus.XXE_KML, filename="s.kml")


def test_kml_entity_is_never_expanded(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    kml = corpus.kml_document(
        corpus.placemark("&xxe;", "<Point><coordinates>103.3,3.9</coordinates></Point>"),
        prolog=f'<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>\n',
    )
    with pytest.raises(UploadError) as caught:
        read_sites(kml, filename="x.kml")
    assert "TOP-SECRET" not in str(caught.value)


def test_archive_is_never_extracted_outside_a_temporary_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = corpus.zip_bytes({**{f"../{name}": blob for name, blob in corpus.shapefile_parts(tmp_path, corpus.site_areas_frame()).items()}})
    with pytest.raises(UploadError):
        read_sites(data, filename="sites.zip")
    assert not list(tmp_path.parent.glob("sites.*"))


def test_zip_bomb_is_refused_before_anything_is_decompressed():
    import tracemalloc

    bomb = corpus.zip_bytes({"sites.shp": b"\x00" * (64 * 1024 * 1024)})
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(UploadError):
            read_sites(bomb, filename="bomb.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # the 64 MB member was never inflated


def test_accepted_formats_are_listed_for_unknown_content():
    with pytest.raises(UploadError) as caught:
        read_sites(corpus.PNG_BYTES, filename="map.png")
    for fmt in ACCEPTED_FORMATS:
        assert fmt in str(caught.value)


# ---------------------------------------------------------------- property-based


SUFFIXES = (".geojson", ".json", ".zip", ".gpkg", ".kml", ".kmz", ".csv", ".txt", ".xlsx", ".parquet", ".fgb", "")
MAGIC_PREFIXES = (b"", b"PK\x03\x04", b"SQLite format 3\x00", b"PAR1", b"fgb\x03fgb\x01", b"{", b"[", b"<kml>",
                  b"\xef\xbb\xbfname,lat,lon\n", b"\xff\xfe")

FUZZ_SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def read_or_refuse(data: bytes, filename: str, reader=read_sites) -> None:
    # Read in this process: the fuzzing is of the parsers (the time limit's child process is tested in
    # test_bounds.py); an error must still survive the trip back from that child, so it must pickle.
    try:
        result = reader(data, filename=filename, limits=UploadLimits(max_features=2_000, max_read_s=None))
    except UploadError as error:
        assert str(error).startswith(filename.rsplit("/", 1)[-1] + ":"), str(error)
        error.__cause__ = error.__context__ = None
        assert pickle.loads(pickle.dumps(error)).describe(lang="ms") == error.describe(lang="ms")
    else:
        assert isinstance(result, ReadResult)
        assert result.frame.crs is not None


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ_SETTINGS
@given(prefix=st.sampled_from(MAGIC_PREFIXES), tail=st.binary(max_size=1_024))
def test_arbitrary_bytes_read_or_refuse(suffix: str, prefix: bytes, tail: bytes):
    read_or_refuse(prefix + tail, f"fuzz{suffix}")


@FUZZ_SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list("lat,lon;x\ty\"\n 0123456789.-=Ee+wkt()POINT")), max_size=300))
def test_arbitrary_csv_text_reads_or_refuses(text: str):
    read_or_refuse(text.encode(), "fuzz.csv")
    read_or_refuse(text.encode(), "fuzz.csv", reader=read_layer)


class Seeds(dict):
    """Valid files by name; a short repr keeps Hypothesis' failure reports readable."""

    def __repr__(self) -> str:
        return f"<{len(self)} valid seed files>"


@pytest.fixture(scope="module")
def valid_seeds(tmp_path_factory) -> Seeds:
    work = tmp_path_factory.mktemp("seeds")
    frame = corpus.sites_frame()
    return Seeds({
        "sites.geojson": frame.to_json().encode(),
        "sites.zip": corpus.shapefile_zip(work),
        "sites.gpkg": corpus.gpkg_bytes(work, {"sites": frame}),
        "sites.kml": corpus.KML_SITES,
        "sites.kmz": corpus.zip_bytes({"doc.kml": corpus.KML_SITES}),
        "sites.csv": corpus.csv_bytes(corpus.CSV_SITES),
        "sites.xlsx": corpus.excel_bytes({"Sites": corpus.pd.DataFrame({"lat": [3.9], "lon": [103.3]})}),
        "sites.parquet": corpus.parquet_bytes(frame),
        "sites.fgb": corpus.fgb_bytes(work, frame),
    })


def mutate(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    buffer = bytearray(data)
    for position, value in flips:
        buffer[position % len(buffer)] = value
    return bytes(buffer[:cut] if cut is not None else buffer)


@pytest.mark.parametrize("seed_name", ["sites.geojson", "sites.zip", "sites.gpkg", "sites.kml", "sites.kmz",
                                       "sites.csv", "sites.xlsx", "sites.parquet", "sites.fgb"])
@FUZZ_SETTINGS
@given(flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8),
       cut=st.one_of(st.none(), st.integers(0, 1 << 16)))
def test_mutated_valid_files_read_or_refuse(valid_seeds, seed_name: str, flips, cut):
    read_or_refuse(mutate(valid_seeds[seed_name], flips, cut), seed_name)


def test_valid_seeds_read(valid_seeds):
    for name, data in valid_seeds.items():
        assert len(read_sites(data, filename=name).frame) >= 1, name


# ---------------------------------------------------------------- real files


def reference(name: str) -> Path:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference data not available ({path}); it lives in ../shared/data/reference")
    return path


def test_dosm_states_invalid_geometry_is_repaired():
    result = read_layer(reference("dosm_states.geojson"))
    assert len(result.frame) == 16
    assert result.frame.crs.to_epsg() == 4326
    assert result.frame.geometry.is_valid.all()
    assert any("1 invalid geometry repaired (row" in note for note in result.notes), result.notes
    assert set(result.frame.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    assert "Selangor" in set(result.frame["state"])


def test_dosm_districts_seven_repairs():
    # Districts are not sites: the largest (Sarawak's) are refused unless the site-size limit is raised.
    with pytest.raises(UploadError, match="larger than 5,000 km²"):
        read_sites(reference("dosm_districts.geojson"))
    result = read_sites(reference("dosm_districts.geojson"), limits=UploadLimits(max_site_km2=50_000))
    assert len(result.frame) == 160
    assert any(note.startswith("7 invalid geometries repaired") for note in result.notes), result.notes


@pytest.mark.parametrize(("name", "count"), [("wpi_mys_ports.geojson", 35), ("gppd_mys_hydro_dams.geojson", 10)])
def test_point_reference_files_read_as_sites(name: str, count: int):
    result = read_sites(reference(name))
    assert len(result.frame) == count
    assert result.frame.crs.to_epsg() == 4326
    assert set(result.frame.geometry.geom_type) == {"Point"}
    assert result.format == "GeoJSON"


def test_kuantan_port_is_among_the_ports():
    frame = read_sites(reference("wpi_mys_ports.geojson")).frame
    assert frame["Main Port Name"].str.contains("Kuantan").any()


def test_power_plants_csv_reports_rows_without_coordinates():
    result = read_sites(reference("gppd_malaysia_power_plants.csv"))
    assert len(result.frame) == 50
    note = next(n for n in result.notes if "no coordinates" in n)
    assert note.startswith("18 rows have no coordinates and were skipped (rows 1, 2, 3"), note
    assert 1 not in result.frame.index and result.frame.index.min() > 1
    assert result.frame.crs.to_epsg() == 4326
    assert all(isinstance(name, str) for name in result.frame["Name"])


def test_forest_reserves_keep_kertau_rso_chains():
    result = read_layer(reference("frt_forest_reserves_epsg3167.geojson"))
    assert len(result.frame) == 27
    assert result.frame.crs.to_epsg() == 3167
    assert {"reserve", "state", "source"} <= set(result.frame.columns)
    assert result.frame.geometry.is_valid.all()


def test_code_table_without_geometry_is_refused_helpfully():
    path = reference("dosm_state_district.csv")
    with pytest.raises(UploadError) as caught:
        read_sites(path)
    assert_helpful(str(caught.value), path.name, "no coordinate columns", "'state'")


def test_kml_folders_read_together_never_overwrite_a_folder_attribute():
    kml = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Schema name="s" id="s"><SimpleField name="folder" type="string"/></Schema>
<Folder><name>A</name><Placemark><name>a1</name><ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="folder">mine</SimpleData></SchemaData></ExtendedData><Point><coordinates>101.7,3.1</coordinates></Point></Placemark></Folder>
<Folder><name>B</name><Placemark><name>b1</name><ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="folder">mine2</SimpleData></SchemaData></ExtendedData><Point><coordinates>101.8,3.2</coordinates></Point></Placemark></Folder>
</Document></kml>"""
    result = read_sites(kml, filename="two_folders.kml")
    assert list(result.frame["folder"]) == ["mine", "mine2"]
    assert list(result.frame["folder_2"]) == ["A", "B"]
    assert any("column 'folder_2'" in note for note in result.notes)


def test_csv_whose_header_starts_with_a_bracket_is_read_as_csv():
    result = read_sites(b"[site],latitude,longitude\nA,3.1,101.7\n", filename="brackets.csv")
    assert list(result.frame["[site]"]) == ["A"]
    assert result.format == "CSV"


def test_a_geopackage_with_a_view_is_refused_before_gdal_reads_it(tmp_path):
    import sqlite3

    path = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(101.7, 3.1)], crs=4326).to_file(path, layer="sites")
    with sqlite3.connect(path) as connection:
        # A view that would never finish: a recursive CTE counting without end.
        connection.execute("CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c")
    with pytest.raises(UploadError, match=r"holds 1 view\(s\) \(view 'endless'\)"):
        read_sites(path)


def test_kml_overlays_photos_and_models_are_skipped_not_sites():
    kml = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Gurun</name><Point><coordinates>100.48,5.815</coordinates></Point></Placemark>
<GroundOverlay><name>scan</name><Icon><href>scan.png</href></Icon>
<LatLonBox><north>7</north><south>1</south><east>104</east><west>99</west></LatLonBox></GroundOverlay>
<PhotoOverlay><name>photo</name><Point><coordinates>101,4</coordinates></Point></PhotoOverlay>
</Document></kml>"""
    read = read_sites(kml, filename="mixed.kml")
    assert len(read.frame) == 1
    assert any("skipped 2 image overlay(s), photo(s) or 3-D model(s)" in note for note in read.notes)


def test_a_shapefile_whose_dbf_has_fewer_records_than_shapes_is_refused(tmp_path):
    import io
    import zipfile

    gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[Point(101.7, 3.1), Point(101.8, 3.2), Point(101.9, 3.3)], crs=4326).to_file(tmp_path / "s.shp")
    dbf = bytearray((tmp_path / "s.dbf").read_bytes())
    dbf[4:8] = (2).to_bytes(4, "little")  # the header now claims 2 records for 3 shapes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for part in ("s.shp", "s.shx", "s.prj"):
            bundle.write(tmp_path / part, arcname=part)
        bundle.writestr("s.dbf", bytes(dbf))
    with pytest.raises(UploadError, match="has 3 shapes but 2 attribute records"):
        read_sites(buffer.getvalue(), filename="sites.zip")


def test_malay_coordinate_headers_are_recognised():
    result = read_sites(b"Nama,Latitud,Longitud\nKilang Gebeng,3.97,103.38\n", filename="tapak.csv")
    assert result.frame.geometry.iloc[0].x == pytest.approx(103.38) and result.frame.geometry.iloc[0].y == pytest.approx(3.97)
    result = read_sites(b"nama;lintang;bujur;latitud\nA;x;101.5;3.1\n", filename="tapak.csv")
    assert result.frame.geometry.iloc[0].x == pytest.approx(101.5) and result.frame.geometry.iloc[0].y == pytest.approx(3.1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5.65, abc, Gurun", "typed coordinates, line 1: the longitude 'abc' is not a number"),
        ("5.65, 100.49\n100.49, 5.65, swapped", "line 2: 100.49, 5.65 reads as longitude, latitude; type the latitude first: '5.65, 100.49'"),
        ("200, 100.49", "line 1: 200, 100.49 is not a place on Earth"),
        ("   \n", "typed coordinates: nothing typed"),
    ],
)
def test_typed_coordinates_are_explained_in_lines_not_columns(typed, expected):
    from reegeo.io.typed import sites_from_text

    with pytest.raises(UploadError) as caught:
        sites_from_text(typed)
    message = str(caught.value)
    assert expected in message
    for file_word in ("column", "header", ".csv", "CRS", "upload again"):
        assert file_word not in message


def test_typed_coordinates_notes_speak_of_lines():
    from reegeo.io.typed import sites_from_text

    read = sites_from_text("5.65, 100.49, Gurun\n1.0, 2.0, far away")
    assert read.filename == "typed coordinates"
    assert any("line 2" in note for note in read.notes)
    assert not any("column" in note or "CRS" in note for note in read.notes)


def test_a_world_sized_layer_polygon_is_cut_to_the_region_and_still_covers_malaysia():
    from reegeo.layers.load import layer_from_upload
    from reegeo.screening.engine import screen_sites
    from reegeo.screening.rules import default_rules

    world = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "world"}, "geometry": {
        "type": "Polygon", "coordinates": [[[-180, -89], [180, -89], [180, 89], [-180, 89], [-180, -89]]]}}]}).encode()
    read = read_layer(world, filename="world.geojson")
    assert any("cut to the region round it" in note for note in read.notes)
    west, south, east, north = read.frame.total_bounds
    assert (west, south, east, north) == pytest.approx((96.5, -2.2, 122.5, 10.5))
    from reegeo.layers.load import load_layers

    layers = {**load_layers(), "forest_reserves": layer_from_upload("forest_reserves", read)}
    sites = read_sites(b"name,latitude,longitude\nKuantan,3.8,103.3\nKuching,1.55,110.35\n", filename="s.csv").frame
    results = screen_sites(sites, layers, default_rules())
    assert results["verdict"].tolist() == ["prohibited", "prohibited"]  # inside it, in both RSO zones


def test_a_table_with_a_few_coordinates_out_of_range_names_the_rows_not_a_missing_crs():
    data = b"name,lat,lon\ngood,3.8,103.3\nbad,95,103.3\nworse,4.1,200\n"
    with pytest.raises(UploadError) as caught:
        read_sites(data, filename="sites.csv")
    text = str(caught.value)
    assert text.startswith("sites.csv: columns 'lon'/'lat' are read as longitude/latitude in degrees, but some values are outside")
    assert "(rows 2, 3; e.g. longitude 103.3, latitude 95)" in text
    assert "latitude 95" in text and "CRS" not in text
    assert "lajur 'lon'/'lat' dibaca sebagai longitud/latitud" in caught.value.describe(lang="ms")
    with pytest.raises(UploadError, match="has no coordinate system"):  # metres throughout: the file needs its CRS
        read_sites(b"name,x,y\na,450000,420000\nb,451000,421000\n", filename="rso.csv")
