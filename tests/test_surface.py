"""The eligibility surface on tiny hand-made layers (see conftest.py)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import EAST, PENINSULA, at

from reegeo.errors import ExportError, ScreeningError
from reegeo.screening.surface import (
    build_surface,
    dissolve_surface,
    surface_columns,
    surface_key,
    surface_totals,
    write_surface,
)

# Alpha and Beta are 50 km x 100 km, Sabah Test 60 km x 60 km (conftest).
STATE_AREAS_KM2 = {"Alpha": 5_000.0, "Beta": 5_000.0, "Sabah Test": 3_600.0}


@pytest.fixture
def surface_10km(test_layers, rules):
    return build_surface(test_layers, rules, cell_m=10_000)


def _cell_containing(surface: gpd.GeoDataFrame, point_3375) -> gpd.GeoSeries:
    point = gpd.GeoSeries([point_3375], crs=PENINSULA).to_crs(4326).iloc[0]
    rows = surface[shapely.contains(surface.geometry.to_numpy(), point)]
    assert len(rows) == 1, f"expected one cell around {point_3375}, found {len(rows)}"
    return rows.iloc[0]


def test_cell_inside_a_reserve_is_prohibited(test_layers, rules):
    # North Reserve spans x -20..-10 km, y 10..20 km; the 2 km cell around its centre lies inside it.
    surface = build_surface(test_layers, rules, cell_m=2_000)
    cell = _cell_containing(surface, at(-15_000, 15_000))
    assert cell["verdict"] == "prohibited"
    assert "forest_reserve" in cell["violations"].split(";")
    assert cell["overlap_forest_reserves_pct"] == pytest.approx(100.0)


def test_cell_partly_touching_a_reserve_is_prohibited(test_layers, rules):
    # With 30 km cells the Fuzzy Reserve (x 20..30 km, y -20..-10 km) fills a third of a cell's width.
    surface = build_surface(test_layers, rules, cell_m=30_000)
    cell = _cell_containing(surface, at(25_000, -15_000))
    assert cell["verdict"] == "prohibited"
    assert 0 < cell["overlap_forest_reserves_pct"] < 100


def test_cell_far_from_every_constraint_is_eligible(surface_10km):
    cell = _cell_containing(surface_10km, at(35_000, 5_000))
    assert cell["verdict"] == "eligible", cell.to_dict()


def test_sabah_cells_are_gridded_in_east_malaysia_rso(surface_10km):
    sabah = surface_10km[surface_10km["state"] == "Sabah Test"]
    assert set(sabah["metric_crs"]) == {f"EPSG:{EAST}"}
    assert set(sabah["cell_id"].str.split(":").str[1]) == {str(EAST)}
    assert "prohibited" in set(sabah["verdict"])  # Crocker Test reserve


def test_totals_add_up_to_each_state_area(surface_10km):
    totals = surface_totals(surface_10km).set_index("state")
    for state, area in STATE_AREAS_KM2.items():
        assert totals.loc[state, "total_km2"] == pytest.approx(area, rel=1e-3)
        parts = totals.loc[state, ["prohibited_km2", "review_km2", "eligible_km2"]].sum()
        assert parts == pytest.approx(totals.loc[state, "total_km2"], abs=0.2)
    assert totals.loc["Malaysia", "total_km2"] == pytest.approx(sum(STATE_AREAS_KM2.values()), rel=1e-3)


def test_cells_on_a_state_border_are_cut_per_state(test_layers, rules):
    # 30 km cells aligned to the grid straddle the Alpha/Beta border at x = OX.
    surface = build_surface(test_layers, rules, cell_m=30_000)
    per_cell = surface.groupby("cell_id")["state"].nunique()
    assert (per_cell == 2).any()
    totals = surface_totals(surface).set_index("state")
    assert totals.loc["Alpha", "total_km2"] == pytest.approx(5_000, rel=1e-3)


def test_surface_columns_and_crs(surface_10km):
    assert list(surface_10km.columns) == [*surface_columns(), "geometry"]
    assert surface_10km.crs.to_epsg() == 4326


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_surface_written_as_geopackage_and_geoparquet(surface_10km, tmp_path, suffix):
    path = write_surface(surface_10km, tmp_path / f"surface{suffix}")
    back = gpd.read_parquet(path) if suffix == ".parquet" else gpd.read_file(path, layer="eligibility_surface")
    assert len(back) == len(surface_10km)
    assert back["verdict"].tolist() == surface_10km["verdict"].tolist()
    assert back.crs.to_epsg() == 4326


def test_unknown_output_suffix_is_refused(surface_10km, tmp_path):
    with pytest.raises(ExportError, match=r"'\.csv'.*\.gpkg, \.parquet"):
        write_surface(surface_10km, tmp_path / "surface.csv")


@pytest.mark.parametrize("cell_m", [0, 50, -5_000, float("nan"), "5000", True])
def test_cell_size_must_be_metres_of_at_least_100(test_layers, rules, cell_m):
    with pytest.raises(ScreeningError, match="cell_m"):
        build_surface(test_layers, rules, cell_m=cell_m)


def test_surface_key_changes_with_resolution_and_rules(test_layers, rules):
    key = surface_key(test_layers, rules, cell_m=5_000)
    assert key == surface_key(test_layers, rules, cell_m=5_000)
    assert key != surface_key(test_layers, rules, cell_m=2_000)
    assert key != surface_key(test_layers, rules[:2], cell_m=5_000)


def test_cli_surface_writes_the_file_and_prints_totals(tmp_path, capsys):
    from reegeo.cli import main

    out = tmp_path / "surface.gpkg"
    assert main(["surface", "-o", str(out), "--cell-m", "25000"]) == 0
    printed = capsys.readouterr()
    assert "Malaysia" in printed.out and "eligible_km2" in printed.out
    assert len(gpd.read_file(out, layer="eligibility_surface")) > 0


def test_cli_surface_refuses_an_unknown_suffix(tmp_path, capsys):
    from reegeo.cli import main

    assert main(["surface", "-o", str(tmp_path / "surface.shp")]) == 2
    assert "unknown format '.shp'" in capsys.readouterr().err


def test_dissolved_surface_keeps_the_area_per_state_and_verdict(surface_10km):
    merged = dissolve_surface(surface_10km)
    assert merged.groupby(["state", "verdict"]).size().max() == 1
    expected = surface_10km.groupby(["state", "verdict"])["area_km2"].sum()
    assert merged.set_index(["state", "verdict"])["area_km2"].to_dict() == pytest.approx(expected.to_dict())
    assert "Alpha: prohibited" in set(merged["name"])


def test_a_grid_too_fine_for_memory_is_refused_before_any_cell_is_made(capsys):
    from reegeo.cli import main

    assert main(["surface", "-o", "unused.gpkg", "--cell-m", "200"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "give a cell size of 700 m or more" in err
    assert not Path("unused.gpkg").exists()
