"""Layers: bundled manifest, installed layers, user files; screening on the bundled data."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from reegeo.errors import LayerError
from reegeo.layers.load import layer_from_frame, load_example_sites, load_layers
from reegeo.layers.manifest import load_manifest
from reegeo.layers.model import CANONICAL_LAYERS
from reegeo.layers.store import import_layer, reset_layer
from reegeo.screening.engine import screen_sites
from reegeo.screening.rules import default_rules


@pytest.fixture(scope="module")
def bundled():
    return load_layers(include_installed=False)


def test_every_canonical_layer_is_bundled_with_provenance(bundled):
    for name in CANONICAL_LAYERS:
        layer = bundled[name]
        assert layer.feature_count > 0
        assert layer.source and layer.licence and layer.date
        assert layer.accuracy_m > 0
        assert layer.origin == "bundled" and len(layer.sha256) == 64
        assert layer.frame.crs.to_epsg() == 4326
        assert {"name", "accuracy_m"} <= set(layer.frame.columns)
    assert not bundled["forest_reserves"].authoritative and bundled["forest_reserves"].approximate


def test_site_at_lynas_is_in_pahang_at_distance_zero_and_port_is_not_in_a_reserve(bundled):
    sites = gpd.GeoDataFrame(
        {"site_id": ["lynas", "port"]}, geometry=[Point(103.3775, 4.0034), Point(103.43, 3.98)], crs=4326
    )
    result = screen_sites(sites, bundled, default_rules()).set_index("site_id")
    assert result.loc["lynas", "state"] == "Pahang"
    assert result.loc["lynas", "dist_lynas_m"] == 0
    assert result.loc["port", "state"] == "Pahang"
    assert "forest_reserve" not in result.loc["port", "violations"].split(";")
    assert result.loc["port", "dist_forest_reserves_m"] > 0


@pytest.mark.parametrize("layer_name", ["forest_reserves", "water_catchments"])
def test_a_site_inside_each_bundled_constraint_is_prohibited(bundled, layer_name):
    features = bundled[layer_name].frame
    sites = gpd.GeoDataFrame({"site_id": features["name"]}, geometry=features.geometry.representative_point(), crs=4326)
    result = screen_sites(sites, bundled, default_rules())
    rule = "forest_reserve" if layer_name == "forest_reserves" else "water_catchment"
    assert (result.verdict == "prohibited").all()
    assert result.violations.str.split(";").map(lambda ids: rule in ids).all()
    assert (result.state != "").all()


def test_example_sites_load_and_screen(bundled):
    examples = load_example_sites()
    assert len(examples) >= 7 and examples.index.name == "row"
    result = screen_sites(examples, bundled, default_rules())
    assert list(result.site_id) == list(examples["site_id"])
    assert set(result.verdict) <= {"prohibited", "review", "eligible"}
    assert "prohibited" in set(result.verdict)


def test_layer_from_frame_picks_names_and_accuracy():
    frame = gpd.GeoDataFrame(
        {"code": [1, 2], "label": ["Hutan A", None]}, geometry=[box(0, 0, 1, 1), box(2, 2, 3, 3)], crs=3375
    )
    layer = layer_from_frame("forest_reserves", frame, accuracy_m=25.0)
    assert list(layer.frame["name"]) == ["Hutan A", "forest_reserves #2"]
    assert list(layer.frame["accuracy_m"]) == [25.0, 25.0]
    assert layer.accuracy_m == 25.0 and layer.frame.crs.to_epsg() == 4326


def test_layer_from_frame_refuses_bad_names_and_no_crs():
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(0, 0)])
    with pytest.raises(LayerError, match="no coordinate reference system"):
        layer_from_frame("deposits", frame)
    with pytest.raises(LayerError, match="not a valid layer name"):
        layer_from_frame("Forest Reserves", frame.set_crs(4326))


def test_installed_layer_covers_its_state_until_reset(tmp_path, monkeypatch):
    monkeypatch.setenv("REEGEO_DATA_DIR", str(tmp_path))
    source = tmp_path / "reserve.geojson"
    gpd.GeoDataFrame({"reserve": ["Hutan Simpan Ujian"]}, geometry=[box(103.37, 3.99, 103.39, 4.01)], crs=4326).to_file(source)
    report = import_layer("forest_reserves", source, covers="pahang", source="test", licence="CC0", accuracy_m=10, authoritative=True)
    assert report.features == 1 and report.name_field == "reserve" and report.covers == ("Pahang",)
    layers = load_layers()
    reserves = layers["forest_reserves"]
    assert reserves.origin == "installed" and reserves.coverage.covers("Pahang") and not reserves.coverage.covers("Kedah")
    # The bundled sketches elsewhere remain, so the layer as a whole is not authoritative.
    assert not reserves.authoritative and "Ulu Muda FR" in set(reserves.frame["name"])
    lynas = gpd.GeoDataFrame(geometry=[Point(103.3775, 4.0034)], crs=4326)
    assert screen_sites(lynas, layers, default_rules()).verdict.iloc[0] == "prohibited"
    assert reset_layer("forest_reserves").changed
    assert load_layers()["forest_reserves"].origin == "bundled"
    assert not reset_layer("forest_reserves").changed


def test_broken_manifest_names_the_layer_and_field(tmp_path):
    manifest = tmp_path / "manifest.toml"
    manifest.write_text('[layers.forest_reserves]\ntitle = "x"\nfile = "x.gpkg"\n')
    with pytest.raises(LayerError, match=r"layer 'forest_reserves', field 'source': missing"):
        load_manifest(manifest)
    manifest.write_text(
        '[layers.forest_reserves]\ntitle = "x"\nfile = "../x.gpkg"\nsource = "s"\nlicence = "l"\n'
        'date = "d"\naccuracy_m = 1\nauthoritative = false\n'
    )
    with pytest.raises(LayerError, match="field 'file'"):
        load_manifest(manifest)


def test_a_layer_error_and_a_project_error_speak_malay(tmp_path):
    from reegeo.errors import UploadError
    from reegeo.project import read_project

    manifest = tmp_path / "manifest.toml"
    manifest.write_text('[layers.forest_reserves]\ntitle = "x"\nfile = "x.gpkg"\n')
    with pytest.raises(LayerError) as layer_error:
        load_manifest(manifest)
    assert layer_error.value.describe(lang="ms").endswith("lapisan 'forest_reserves', medan 'source': tiada; setiap lapisan memerlukan "
                                                          "title, file, source, licence, date, accuracy_m, authoritative")
    with pytest.raises(UploadError) as project_error:
        read_project(b"not a zip", filename="kerja.reegeo")
    assert project_error.value.describe(lang="ms") == "kerja.reegeo bukan projek reegeo (zip .reegeo yang disimpan daripada panel Projek aplikasi)"
