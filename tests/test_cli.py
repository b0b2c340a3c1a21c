"""The CLI: screen, layers, rules, data; exit codes and one-line messages."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import REPO
from pyproj import Geod
from shapely.geometry import Point, box

from reegeo.cli import main
from reegeo.screening.engine import result_columns

GEBENG = (103.3775, 4.0034)
KUANTAN_PORT = (103.43, 3.98)


def write_sites(path: Path, features: list[tuple[str, object]]) -> Path:
    frame = gpd.GeoDataFrame({"site_id": [f[0] for f in features]}, geometry=[f[1] for f in features], crs=4326)
    frame.to_file(path, driver="GeoJSON")
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reegeo", *args], capture_output=True, text=True, cwd=REPO, timeout=300, env=env)


@pytest.fixture
def bundled_sites(tmp_path) -> Path:
    return write_sites(tmp_path / "sites.geojson", [
        ("lynas", Point(*GEBENG)),
        ("port", Point(*KUANTAN_PORT)),
        ("sea", Point(108.0, 5.0)),
        ("parcel", box(101.50, 3.30, 101.52, 3.32)),
    ])


def test_screen_writes_csv_with_contract_columns_in_input_order(bundled_sites, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["screen", str(bundled_sites), "-o", str(out)]) == 0
    rows = read_csv(out)
    assert [r["site_id"] for r in rows] == ["lynas", "port", "sea", "parcel"]
    assert list(rows[0])[: len(result_columns())] == result_columns()
    by_id = {r["site_id"]: r for r in rows}
    assert by_id["lynas"]["state"] == "Pahang"
    assert float(by_id["lynas"]["dist_lynas_m"]) == 0
    assert by_id["sea"]["state"] == "" and "outside_malaysia" in by_id["sea"]["flags"]
    assert "forest_reserve" not in by_id["port"]["violations"].split(";")
    assert "screened 4 site(s)" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_screen_writes_gis_formats_with_the_same_properties(bundled_sites, tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    assert main(["screen", str(bundled_sites), "-o", str(out)]) == 0
    frame = gpd.read_file(out)
    assert list(frame.site_id) == ["lynas", "port", "sea", "parcel"]
    assert set(result_columns()) <= set(frame.columns)
    assert frame.crs.to_epsg() == 4326


def test_same_input_gives_byte_identical_csv_and_geojson(bundled_sites, tmp_path):
    for suffix in (".csv", ".geojson"):
        first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        main(["screen", str(bundled_sites), "-o", str(first)])
        main(["screen", str(bundled_sites), "-o", str(second)])
        assert first.read_bytes() == second.read_bytes()


def test_garbage_input_exits_2_with_one_line_and_no_traceback(tmp_path):
    junk = tmp_path / "junk.geojson"
    junk.write_text("not geojson {")
    result = run_cli("screen", str(junk), "-o", str(tmp_path / "j.csv"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reegeo: error:") and "junk.geojson" in lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["screen", "{sites}", "-o", "{tmp}/out.xlsx"], "unknown format '.xlsx'; use one of .csv"),
        (["screen", "{sites}", "-o", "{tmp}/out.csv", "--layer", "forest_reserves"], "is not NAME=PATH"),
        (["screen", "{sites}", "-o", "{tmp}/out.csv", "--layer", "forest_reserves={tmp}/missing.gpkg"], "does not exist"),
        (["screen", "{tmp}/missing.geojson", "-o", "{tmp}/out.csv"], "missing.geojson"),
        (["screen", "{sites}", "-o", "{tmp}/no/such/dir/out.csv"], "does not exist"),
        (["screen", "{sites}", "-o", "{tmp}/out.csv", "--rules", "{tmp}/bad_rules.toml"], "rule 'x', field 'severity'"),
        (["screen", "{sites}", "-o", "{tmp}/out.csv", "--max-features", "0"], "--max-features 0"),
        (["screen", "{sites}"], "the following arguments are required: -o/--output"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_exit_2_with_a_specific_message(args, expected, bundled_sites, tmp_path, capsys):
    (tmp_path / "bad_rules.toml").write_text(
        '[[rules]]\nid = "x"\nlayer = "forest_reserves"\nrelation = "intersects"\nseverity = "fatal"\n'
        'legal_basis = "b"\nmessage_en = "e"\nmessage_ms = "m"\n'
    )
    filled = [a.format(sites=bundled_sites, tmp=tmp_path) for a in args]
    assert main(filled) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert expected in err


def test_too_many_sites_names_the_limit_and_the_option(tmp_path, capsys):
    sites = write_sites(tmp_path / "many.geojson", [(str(i), Point(101.7 + i * 1e-3, 3.2)) for i in range(12)])
    assert main(["screen", str(sites), "-o", str(tmp_path / "o.csv"), "--max-features", "10"]) == 2
    assert "10" in capsys.readouterr().err


def test_layers_command_shows_provenance_and_says_which_are_approximate(capsys):
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    for name in ("states", "deposits", "lynas", "forest_reserves", "water_catchments"):
        assert f"{name}:" in out
    assert "APPROXIMATE" in out and "licence:" in out and "accuracy:" in out


def test_rules_command_lists_rules_with_legal_basis(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "forest_reserve [prohibited]: intersects forest_reserves" in out
    assert "forest_reserve_buffer [review]: within 500 m of forest_reserves" in out
    assert "National Forestry Act 1984 s.81" in out


# --- real data: ../shared/data/reference ---------------------------------------------------------


def _geodesic_distance_to_boundary_m(lon: float, lat: float, polygon_3167) -> float:
    """Geodesic distance from a point to a polygon's boundary, densified to 0.25 chain (about 5 m)."""
    boundary = shapely.segmentize(polygon_3167.boundary, 0.25)
    vertices = gpd.GeoSeries(shapely.points(shapely.get_coordinates(boundary)), crs=3167).to_crs(4326)
    geod = Geod(ellps="GRS80")
    _, _, dist = geod.inv(np.full(len(vertices), lon), np.full(len(vertices), lat), vertices.x.to_numpy(), vertices.y.to_numpy())
    return float(dist.min())


def test_real_forest_reserves_in_kertau_chains_agree_with_geodesic_measurement(reference_dir, tmp_path):
    frt = reference_dir / "frt_forest_reserves_epsg3167.geojson"
    reserves = gpd.read_file(frt)
    assert reserves.crs.to_epsg() == 3167
    reserves = reserves[reserves.geometry.is_valid].head(6)
    features = []
    expected_outside = {}
    expected_overlap = {}
    geod = Geod(ellps="GRS80")
    for i, (_, reserve) in enumerate(reserves.iterrows()):
        anchor = reserve.geometry.representative_point()
        inside = gpd.GeoSeries([anchor], crs=3167).to_crs(4326)[0]
        features.append((f"in{i}", inside))
        # 2 km east of the reserve's eastern extreme (100 chains is about 2 km).
        minx, miny, maxx, maxy = reserve.geometry.bounds
        east = Point(maxx + 100, (miny + maxy) / 2)
        east_ll = gpd.GeoSeries([east], crs=3167).to_crs(4326)[0]
        features.append((f"out{i}", east_ll))
        expected_outside[f"out{i}"] = _geodesic_distance_to_boundary_m(east_ll.x, east_ll.y, reserve.geometry)
        # A parcel of about 1 km x 1 km straddling the eastern edge level with the anchor.
        edge_y = anchor.y
        line = shapely.LineString([(minx - 1, edge_y), (maxx + 1, edge_y)]).intersection(reserve.geometry)
        edge_x = max(shapely.get_coordinates(line)[:, 0])
        parcel = box(edge_x - 25, edge_y - 25, edge_x + 25, edge_y + 25)
        parcel_ll = gpd.GeoSeries([parcel], crs=3167).to_crs(4326)[0]
        features.append((f"parcel{i}", parcel_ll))
        inside_ll = gpd.GeoSeries([parcel.intersection(shapely.union_all(reserves.geometry.values))], crs=3167).to_crs(4326)[0]
        expected_overlap[f"parcel{i}"] = abs(geod.geometry_area_perimeter(inside_ll)[0])
    sites = write_sites(tmp_path / "near_reserves.geojson", features)
    out = tmp_path / "out.csv"
    assert main(["screen", str(sites), "-o", str(out), "--layer", f"forest_reserves={frt}"]) == 0
    rows = {r["site_id"]: r for r in read_csv(out)}
    compared = 0
    for i in range(len(reserves)):
        assert rows[f"in{i}"]["verdict"] == "prohibited"
        assert float(rows[f"in{i}"]["dist_forest_reserves_m"]) == 0
        measured = float(rows[f"out{i}"]["dist_forest_reserves_m"])
        geodesic = expected_outside[f"out{i}"]
        if measured == 0:  # another reserve lies where we looked
            continue
        assert measured <= geodesic + 5
        assert measured == pytest.approx(geodesic, rel=0.005, abs=5)
        overlap = float(rows[f"parcel{i}"]["overlap_forest_reserves_m2"])
        assert overlap == pytest.approx(expected_overlap[f"parcel{i}"], rel=0.005)
        assert 0 < float(rows[f"parcel{i}"]["overlap_forest_reserves_pct"]) < 100
        compared += 1
    assert compared >= 4


def test_data_import_list_reset_round_trip_on_real_reserves(reference_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REEGEO_DATA_DIR", str(tmp_path / "data"))
    frt = reference_dir / "frt_forest_reserves_epsg3167.geojson"
    assert main(["data", "import", "forest_reserves", str(frt), "--source", "FRT (yhlreporter/frt)", "--licence", "MIT", "--accuracy-m", "50"]) == 0
    out = capsys.readouterr().out
    assert "installed forest_reserves" in out and "EPSG:3167" in out
    manifest = (tmp_path / "data" / "manifest.toml").read_text()
    assert "original_sha256" in manifest and "MIT" in manifest
    assert main(["data", "list"]) == 0
    assert "forest_reserves: installed" in capsys.readouterr().out
    assert main(["layers"]) == 0
    assert "FRT (yhlreporter/frt)" in capsys.readouterr().out
    assert main(["data", "reset", "forest_reserves"]) == 0
    assert "bundled layer is used again" in capsys.readouterr().out
    assert main(["data", "list"]) == 0
    assert "forest_reserves: bundled" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "file", "features", "repaired"), [("districts", "dosm_districts.geojson", 160, 7), ("states", "dosm_states.geojson", 16, 1)])
def test_data_import_repairs_invalid_real_geometries_and_says_how_many(reference_dir, tmp_path, monkeypatch, capsys, name, file, features, repaired):
    monkeypatch.setenv("REEGEO_DATA_DIR", str(tmp_path / "data"))
    assert main(["data", "import", name, str(reference_dir / file), "--source", "DOSM", "--authoritative"]) == 0
    captured = capsys.readouterr()
    assert f"{features} feature(s)" in captured.out
    assert f"{repaired} invalid geometr" in captured.err and "repaired" in captured.err
    (part,) = (tmp_path / "data").glob(f"{name}.*.gpkg")
    installed = gpd.read_file(part)
    assert installed.geometry.is_valid.all() and installed.crs.to_epsg() == 4326
    assert len(installed) == features


def test_data_import_of_a_bad_file_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REEGEO_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": "nope"}))
    assert main(["data", "import", "forest_reserves", str(bad)]) == 2
    assert "bad.geojson" in capsys.readouterr().err
    assert main(["data", "import", "Bad Name", str(bad)]) == 2


def test_screen_says_which_layers_are_approximate(bundled_sites, tmp_path, capsys):
    assert main(["screen", str(bundled_sites), "-o", str(tmp_path / "o.csv")]) == 0
    err = capsys.readouterr().err
    assert "reegeo: note: Approximate layers in use:" in err and "forest_reserves" in err


def test_a_rule_on_the_states_layer_is_measured_like_any_layer(bundled_sites, tmp_path):
    rules = tmp_path / "states_rule.toml"
    rules.write_text(
        '[[rules]]\nid = "coastal"\nlayer = "states"\nrelation = "within_distance"\ndistance_m = 1\n'
        'severity = "advisory"\nlegal_basis = "b"\nmessage_en = "e"\nmessage_ms = "m"\n'
    )
    out = tmp_path / "o.csv"
    assert main(["screen", str(bundled_sites), "-o", str(out), "--rules", str(rules)]) == 0
    rows = {r["site_id"]: r for r in read_csv(out)}
    assert rows["lynas"]["advisories"] == "coastal" and float(rows["lynas"]["dist_states_m"]) == 0
    assert rows["sea"]["advisories"] == "" and float(rows["sea"]["dist_states_m"]) > 1


def test_unwritable_gpkg_output_exits_2(bundled_sites, tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "out.gpkg").mkdir()  # a folder where the file should go
    assert main(["screen", str(bundled_sites), "-o", str(folder / "out.gpkg")]) == 2
    assert "out.gpkg" in capsys.readouterr().err


def test_output_that_would_overwrite_an_input_or_the_data_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REEGEO_DATA_DIR", str(tmp_path / "data"))
    sites = tmp_path / "sites.geojson"
    sites.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"site_id": "a"}, "geometry": {"type": "Point", "coordinates": [101.7, 3.1]}}]}))
    before = sites.read_bytes()
    (tmp_path / "data").mkdir()
    for output in (sites, tmp_path / "data" / "out.csv", Path("geodata") / "out.csv"):
        assert main(["screen", str(sites), "-o", str(output)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("reegeo: error: -o ")
    assert sites.read_bytes() == before and not (tmp_path / "data" / "out.csv").exists()


def test_a_report_to_an_unwritable_folder_is_one_line_and_leaves_no_file(tmp_path, capsys):
    import os
    import stat

    sites = tmp_path / "sites.geojson"
    sites.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"site_id": "a"}, "geometry": {"type": "Point", "coordinates": [101.7, 3.1]}}]}))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write to a read-only folder (root): the permission check cannot fail here")
        for name in ("r.html", "r.csv"):
            assert main(["screen", str(sites), "-o", str(locked / name)]) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert err[-1].startswith("reegeo: error: cannot write") and "Traceback" not in "\n".join(err)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(stat.S_IRWXU)


def test_a_failed_write_leaves_the_earlier_output_whole(tmp_path, monkeypatch):
    from reegeo.io import exports

    out = tmp_path / "results.csv"
    out.write_text("earlier results\n")
    sites = tmp_path / "sites.geojson"
    sites.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"site_id": "a"}, "geometry": {"type": "Point", "coordinates": [101.7, 3.1]}}]}))

    def broken(results, path):
        Path(path).write_text("half a fi")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(exports.TABLE_FORMATS, ".csv", broken)
    assert main(["screen", str(sites), "-o", str(out)]) == 2
    assert out.read_text() == "earlier results\n" and sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "sites.geojson"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("collide.csv", "name,name ,lat,lon\na,b,3.1,101.7\n", "the header has the column name(s) 'name' more than once"),
        ("shifted.csv", "name,lat,lon\nKuantan Port, Pahang,3.975,103.326\n", "row 1 has more fields than the header's 3"),
        ("huge.geojson", json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3375"}},
                                     "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1e12, 1e12]}}]}),
         "far outside what GDM2000 / Peninsula RSO"),
        ("geocentric.geojson", json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4978"}},
                                           "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-1.3e6, 6.2e6]}}]}),
         "is not a horizontal 2-D system"),
    ],
)
def test_awkward_inputs_are_one_clear_line(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    assert main(["screen", str(path), "-o", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not (tmp_path / "out.csv").exists()


def test_site_ids_come_from_upper_case_and_malay_columns(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("NAMA,Latitud,Longitud,SITE_ID\nGurun,5.815,100.48,K-1\n".replace("Latitud", "lat").replace("Longitud", "lon"))
    out = tmp_path / "out.csv"
    assert main(["screen", str(path), "-o", str(out)]) == 0
    assert out.read_text().splitlines()[1].startswith("K-1,")
    path.write_text("Nama,lat,lon\nGurun,5.815,100.48\n")
    assert main(["screen", str(path), "-o", str(out)]) == 0
    assert out.read_text().splitlines()[1].startswith("Gurun,")


def test_a_2000_character_site_name_still_makes_a_pdf(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("name,lat,lon\n" + "x" * 1999 + ",3.1,101.7\n")
    assert main(["screen", str(path), "-o", str(tmp_path / "r.pdf")]) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_input_columns_reach_every_output_format_with_formulas_neutralised(tmp_path):
    import sqlite3

    sites = tmp_path / "plants.csv"
    sites.write_text(
        "Nama,Latitude,Longitude,Capacity_MW,Owner,verdict,Commissioned\n"
        "Kilang Gebeng,3.97,103.38,120.5,=HYPERLINK(\"http://x\"),theirs,2019-05-01\n"
        "Tapak Kedah,5.65,100.49,,Syarikat Y,,2021-01-15\n",
        encoding="utf-8",
    )
    csv_out, geojson_out, gpkg_out = tmp_path / "r.csv", tmp_path / "r.geojson", tmp_path / "r.gpkg"
    for out in (csv_out, geojson_out, gpkg_out):
        done = run_cli("screen", str(sites), "-o", str(out))
        code, err = done.returncode, done.stderr
        assert code == 0, err
    assert "site ids from column 'Nama'" in err
    assert "your column 'verdict' is shown as 'input_verdict'" in err
    header, first, _ = csv_out.read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    assert columns[:2] == ["site_id", "verdict"]
    assert {"Nama", "Capacity_MW", "Owner", "input_verdict", "Commissioned"} <= set(columns)
    assert first.startswith("Kilang Gebeng,") and "'=HYPERLINK" in first  # a formula is text, not a formula
    feature = json.loads(geojson_out.read_text(encoding="utf-8"))["features"][0]["properties"]
    assert feature["Capacity_MW"] == "120.5" and feature["input_verdict"] == "theirs"  # CSV cells kept as written and feature["Nama"] == "Kilang Gebeng"
    with sqlite3.connect(gpkg_out) as db:
        gpkg_columns = [row[1] for row in db.execute("PRAGMA table_info(screening)")]
        owner = db.execute("SELECT Owner FROM screening ORDER BY fid").fetchall()
    assert {"Nama", "Capacity_MW", "Owner", "input_verdict"} <= set(gpkg_columns)
    assert owner[1] == ("Syarikat Y",)


def test_id_column_flag_picks_the_ids_and_a_missing_one_is_one_line(tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text("name,lot,lat,lon\nKilang A,PT 1234,3.97,103.38\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    done = run_cli("screen", str(sites), "-o", str(out), "--id-column", "lot")
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("PT 1234,")
    done = run_cli("screen", str(sites), "-o", str(out), "--id-column", "plot")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "reegeo: error: --id-column plot: the sites have no column 'plot'; use one of 'name', 'lot', 'lat', 'lon'"
    )
    assert "Traceback" not in done.stderr


def test_coordinate_columns_can_be_chosen(tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text("Tapak,Timur,Utara\nKilang A,103.38,3.97\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    done = run_cli("screen", str(sites), "-o", str(out), "--x-column", "Timur", "--y-column", "Utara")
    assert done.returncode == 0, done.stderr
    assert "coordinates from column 'Timur' (x) and 'Utara' (y), as chosen" in done.stderr
    row = next(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert row["site_id"] == "Kilang A" and row["state"] == "Pahang"
    done = run_cli("screen", str(sites), "-o", str(out), "--x-column", "East", "--y-column", "Utara")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "reegeo: error: sites.csv: --x-column East: the table has no column 'East'; use one of 'Tapak', 'Timur', 'Utara'"
    )


def test_data_import_names_its_own_layer_flag(tmp_path):
    import os

    gpkg = tmp_path / "two.gpkg"
    one = gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.box(101.0, 3.0, 101.1, 3.1)], crs=4326)
    one.to_file(gpkg, layer="first", driver="GPKG")
    one.to_file(gpkg, layer="second", driver="GPKG")
    done = run_cli("data", "import", "forest_reserves", str(gpkg), env={**os.environ, "REEGEO_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 2
    assert "--file-layer LAYER" in done.stderr and "--sites-layer" not in done.stderr
