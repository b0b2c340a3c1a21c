"""WDPA (Protected Planet) downloads: a zip of zipped Shapefiles, read as they come."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from reegeo.cli import main
from reegeo.io.sites import read_layer
from reegeo.layers.load import load_layers
from reegeo.screening.engine import screen_sites
from reegeo.screening.rules import default_rules

# The WDPA attribute table (Shapefile names, as in the public download).
WDPA_FIELDS = ("WDPAID", "WDPA_PID", "PA_DEF", "NAME", "ORIG_NAME", "DESIG", "DESIG_ENG", "DESIG_TYPE", "IUCN_CAT",
               "INT_CRIT", "MARINE", "REP_M_AREA", "GIS_M_AREA", "REP_AREA", "GIS_AREA", "NO_TAKE", "NO_TK_AREA",
               "STATUS", "STATUS_YR", "GOV_TYPE", "OWN_TYPE", "MANG_AUTH", "MANG_PLAN", "VERIF", "METADATAID",
               "SUB_LOC", "PARENT_ISO", "ISO3", "SUPP_INFO", "CONS_OBJ")


def _record(wdpaid: int, name: str, desig_eng: str, status: str = "Designated", iso3: str = "MYS", rep_area: float = 0.0) -> dict:
    values = {field: "" for field in WDPA_FIELDS}
    values.update(WDPAID=float(wdpaid), WDPA_PID=str(wdpaid), PA_DEF="1", NAME=name, ORIG_NAME=name, DESIG=desig_eng,
                  DESIG_ENG=desig_eng, DESIG_TYPE="National", IUCN_CAT="II", MARINE="0", REP_M_AREA=0.0, GIS_M_AREA=0.0,
                  REP_AREA=rep_area, GIS_AREA=rep_area, NO_TAKE="Not Applicable", NO_TK_AREA=0.0, STATUS=status,
                  STATUS_YR=1990.0, GOV_TYPE="Federal or national ministry or agency", ISO3=iso3, PARENT_ISO=iso3,
                  METADATAID=1.0, VERIF="State Verified")
    return values


def _shapefile_zip(frame: gpd.GeoDataFrame, stem: str, folder: Path) -> bytes:
    frame.to_file(folder / f"{stem}.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for part in sorted(folder.glob(f"{stem}.*")):
            bundle.write(part, arcname=part.name)
    return buffer.getvalue()


@pytest.fixture
def wdpa_zip(tmp_path) -> Path:
    """WDPA_Dec2026_Public_MYS_shp.zip as the download comes: 3 inner zips, polygons and points, a PDF."""
    polygons = gpd.GeoDataFrame([
        {**_record(1, "Taman Negara Ujian", "National Park"), "geometry": box(102.30, 4.50, 102.50, 4.70)},
        {**_record(2, "Krau Ujian", "Wildlife Reserve"), "geometry": box(102.10, 3.60, 102.20, 3.70)},
        {**_record(3, "Taman Negeri Ujian", "State Park"), "geometry": box(101.70, 3.40, 101.80, 3.50)},
        {**_record(4, "Cadangan Taman", "National Park", status="Proposed"), "geometry": box(103.00, 4.00, 103.10, 4.10)},
        {**_record(5, "Singapore Test Park", "Nature Reserve", iso3="SGP"), "geometry": box(103.80, 1.35, 103.82, 1.37)},
    ], geometry="geometry", crs=4326)
    points = gpd.GeoDataFrame([
        {**_record(6, "Point Sanctuary", "Wildlife Sanctuary", rep_area=12.566), "geometry": Point(101.20, 4.20)},
        {**_record(7, "Point Unknown", "Forest Reserve", rep_area=0.0), "geometry": Point(101.30, 4.30)},
    ], geometry="geometry", crs=4326)
    inner = []
    for number in range(3):
        folder = tmp_path / f"shp_{number}"
        folder.mkdir()
        stem = "WDPA_Dec2026_Public_MYS_shp-"
        poly = polygons.iloc[[number]] if number < 2 else polygons.iloc[2:]
        inner.append((f"WDPA_Dec2026_Public_MYS_shp_{number}.zip", [
            _shapefile_zip(poly, stem + "polygons", folder),
            _shapefile_zip(points.iloc[[number]] if number < 2 else points.iloc[0:0], stem + "points", folder) if number < 2 else None,
        ]))
    path = tmp_path / "WDPA_Dec2026_Public_MYS_shp.zip"
    with zipfile.ZipFile(path, "w") as outer:
        for name, blobs in inner:
            merged = io.BytesIO()
            with zipfile.ZipFile(merged, "w") as bundle:
                for blob in blobs:
                    if blob is None:
                        continue
                    with zipfile.ZipFile(io.BytesIO(blob)) as part:
                        for member in part.namelist():
                            bundle.writestr(member, part.read(member))
            outer.writestr(name, merged.getvalue())
        outer.writestr("WDPA_sources_Dec2026.csv", "METADATAID,DATA_TITLE\n1,test\n")
        outer.writestr("Summary_table_WDPA_attributes.pdf", b"%PDF-1.4 test")
    return path


def test_the_download_reads_as_it_comes(wdpa_zip):
    read = read_layer(wdpa_zip)
    assert read.format == "Shapefiles in nested zips" and len(read.frame) == 7
    assert any("from 3 zip file(s)" in note for note in read.notes)


def test_wdpa_imports_as_protected_areas_and_feeds_the_rules(wdpa_zip, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REEGEO_DATA_DIR", str(tmp_path / "data"))
    assert main(["data", "import", "protected_areas", str(wdpa_zip), "--covers", "Pahang"]) == 0
    err = capsys.readouterr().err
    assert "1 record(s) outside Malaysia" in err and "1 point record(s) with no boundary drawn as circles" in err
    assert "1 point record(s) with no reported area dropped" in err and "status Proposed or Not Reported kept" in err
    parks = load_layers()["protected_areas"]
    by_id = parks.frame[parks.frame["wdpaid"].notna()].set_index("wdpaid")
    assert "WDPA" in parks.licence and "Protected Planet WDPA" in parks.source
    assert by_id.loc["1", "category"] == "national_park" and by_id.loc["2", "category"] == "wildlife_reserve"
    assert by_id.loc["3", "category"] == "state_park"
    assert by_id.loc["4", "category"] == "protected_area" and "(status: Proposed)" in by_id.loc["4", "name"]
    assert "5" not in by_id.index and "7" not in by_id.index
    circle = by_id.loc["6"]
    assert bool(circle["approximate"]) and "circle of the reported area" in circle["approximate_reason"]
    assert circle["accuracy_m"] == pytest.approx(2_000, rel=0.01)  # 12.566 km2 is a 2 km radius
    assert gpd.GeoSeries([circle.geometry], crs=4326).to_crs(3375).area.iloc[0] / 1e6 == pytest.approx(12.566, rel=0.01)
    sites = gpd.GeoDataFrame({"site_id": ["np", "wr", "sp", "proposed"]},
                             geometry=[Point(102.4, 4.6), Point(102.15, 3.65), Point(101.75, 3.45), Point(103.05, 4.05)], crs=4326)
    result = screen_sites(sites, load_layers(), default_rules()).set_index("site_id")
    assert "national_park" in result.loc["np", "violations"].split(";") and "national_park" in result.loc["wr", "violations"].split(";")
    assert "state_park" in result.loc["sp", "flags"] and "state_park" in result.loc["proposed", "flags"]
    assert "national_park" not in result.loc["proposed", "violations"]
