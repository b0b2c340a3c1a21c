"""Coverage: eligible only where every prohibiting layer is complete; state-by-state imports."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

import geopandas as gpd
import pytest
from conftest import at, frame, square
from shapely.geometry import Point, box

from reegeo.cli import main
from reegeo.errors import LayerError, ReegeoError
from reegeo.layers.coverage import (
    Coverage,
    covered_sites,
    parse_states,
    unverified_counts,
    unverified_summary,
)
from reegeo.layers.folder import installed_manifest
from reegeo.layers.load import layer_from_frame, load_layers
from reegeo.layers.store import import_layer, reset_layer
from reegeo.screening.engine import screen_sites
from reegeo.screening.evidence import explain_site
from reegeo.screening.rules import default_rules
from reegeo.screening.surface import build_surface, surface_totals

VALID_STATES = ["Johor", "Kedah", "Pulau Pinang", "W.P. Kuala Lumpur", "W.P. Labuan", "Selangor"]

# Points (lon, lat) for the real-data checks, on the bundled states layer.
KEDAH_PLAIN = (100.48, 5.815)  # Gurun: no reserve drawn near it
JOHOR_TOWN = (103.70, 1.55)  # Johor Bahru outskirts


@pytest.fixture
def alpha_only_layers(test_layers):
    """The test layers with the forest reserves complete in Alpha only (Beta incomplete)."""
    reserves = test_layers["forest_reserves"]
    alpha = layer_from_frame("forest_reserves", reserves.frame, coverage=Coverage.of(["Alpha"], "Alpha survey"))
    return {**test_layers, "forest_reserves": alpha}


def _flags(result, row: int) -> list[str]:
    return [f for f in str(result["flags"].iloc[row]).split(";") if f]


def test_a_site_is_eligible_only_where_the_layer_is_complete(alpha_only_layers, rules):
    sites = frame([
        {"site_id": "alpha clear", "geometry": at(-30_000, -20_000)},
        {"site_id": "beta clear", "geometry": at(40_000, -20_000)},
        {"site_id": "straddling", "geometry": square(-2_000, -45_000, 2_000, -41_000)},
        {"site_id": "inside alpha reserve", "geometry": at(-15_000, 15_000)},
        {"site_id": "inside beta reserve", "geometry": at(25_000, -15_000)},
    ])
    result = screen_sites(sites, alpha_only_layers, rules)
    assert list(result["verdict"]) == ["eligible", "review", "review", "prohibited", "prohibited"]
    assert _flags(result, 0) == []
    assert _flags(result, 1) == ["forest_reserves_unverified"]
    assert "forest_reserves_unverified" in _flags(result, 2)  # part of it lies in Beta
    # A prohibited site is not told the data is incomplete: it is prohibited either way.
    assert all("unverified" not in f for f in _flags(result, 3) + _flags(result, 4))


def test_unverified_finding_names_layer_state_and_what_to_load(alpha_only_layers, rules):
    result = screen_sites(frame([{"site_id": "b", "geometry": at(40_000, -20_000)}]), alpha_only_layers, rules)
    (finding,) = [f for f in explain_site(result.iloc[0], rules, layers=alpha_only_layers) if f.rule_id.endswith("_unverified")]
    assert finding.severity == "review" and finding.layer == "forest_reserves"
    assert "incomplete in Beta" in finding.message and "--covers Beta" in finding.message and "JPSM" in finding.message
    assert "km from" in finding.measurement or " m from" in finding.measurement
    ms = [f for f in explain_site(result.iloc[0], rules, layers=alpha_only_layers, lang="ms") if f.rule_id.endswith("_unverified")][0]
    assert "tidak lengkap di Beta" in ms.message


def test_a_layer_with_no_coverage_clears_nothing_and_the_summary_says_so(test_layers, rules):
    nowhere = layer_from_frame("water_catchments", test_layers["water_catchments"].frame)
    assert nowhere.coverage.is_empty
    layers = {**test_layers, "water_catchments": nowhere}
    result = screen_sites(frame([{"geometry": at(-30_000, -20_000)}, {"geometry": at(30_000, 30_000)}]), layers, rules)
    assert list(result["verdict"]) == ["review", "review"]
    counts = unverified_counts(result)
    assert counts.to_dict("records") == [
        {"layer": "water_catchments", "state": "Alpha", "sites": 1},
        {"layer": "water_catchments", "state": "Beta", "sites": 1},
    ]
    assert unverified_summary(result, layers) == "2 of 2 sites could not be cleared: water_catchments incomplete in every state"


def test_covered_sites_needs_every_touched_state():
    coverage = Coverage.of(["Johor", "Pahang"])
    assert covered_sites(["Johor", "Johor;Pahang", "Johor;Melaka", "", "Kedah"], coverage).tolist() == [True, True, False, False, False]
    assert covered_sites(["", "Kedah"], Coverage.complete()).tolist() == [True, True]


def test_parse_states_takes_any_case_and_short_forms_and_refuses_unknown_names():
    assert parse_states("johor, Penang,  KUALA LUMPUR", VALID_STATES) == ("Johor", "Pulau Pinang", "W.P. Kuala Lumpur")
    assert parse_states(["labuan"], VALID_STATES) == ("W.P. Labuan",)
    assert parse_states("MY-01", VALID_STATES, codes={"MY-01": "Johor"}) == ("Johor",)
    assert parse_states("ALL", VALID_STATES) == ("all",)
    with pytest.raises(LayerError, match=r"'Jahor' is not a state.*use Johor, Kedah"):
        parse_states("Jahor, Kedah", VALID_STATES)


def test_surface_totals_separate_review_for_incomplete_data(alpha_only_layers, rules):
    surface = build_surface(alpha_only_layers, rules, cell_m=10_000)
    totals = surface_totals(surface).set_index("state")
    beta = totals.loc["Beta"]
    assert beta["eligible_km2"] == 0.0  # nothing can be cleared in Beta
    assert beta["review_data_km2"] > 0
    assert beta["review_data_km2"] + beta["review_rules_km2"] == pytest.approx(beta["review_km2"], abs=0.2)
    assert totals.loc["Alpha", "eligible_km2"] > 0


# ---------------------------------------------------------------- imports, state by state


def _reserve_file(folder: Path, name: str, polygons: list[tuple[str, tuple[float, float, float, float]]]) -> Path:
    path = folder / name
    gpd.GeoDataFrame({"name": [n for n, _ in polygons]}, geometry=[box(*b) for _, b in polygons], crs=4326).to_file(path)
    return path


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("REEGEO_DATA_DIR", str(folder))
    return folder


def _folder_digest(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".lock"}


def test_state_imports_stack_on_the_bundled_layer_and_reset_one_state(tmp_path, data_dir):
    johor = _reserve_file(tmp_path, "johor.geojson", [("Johor Test FR", (103.60, 1.80, 103.70, 1.90))])
    kedah = _reserve_file(tmp_path, "kedah.geojson", [("Kedah Test FR", (100.50, 5.80, 100.55, 5.85))])
    bundled = set(load_layers(include_installed=False)["forest_reserves"].frame["name"])

    report = import_layer("forest_reserves", johor, covers="Johor", source="Johor survey", authoritative=True)
    assert report.covers == ("Johor",) and report.outside_covers == 0
    reserves = load_layers()["forest_reserves"]
    names = set(reserves.frame["name"])
    assert "Johor Test FR" in names and "Ulu Muda FR" in names  # Kedah's sketches are kept
    assert "Panti FR" not in names  # Johor's sketch is replaced by the import
    assert reserves.coverage.states == frozenset({"Johor"}) and reserves.coverage.source_for("Johor") == "Johor survey"
    by_name = reserves.frame.set_index("name")
    assert by_name.loc["Johor Test FR", "source"] == "Johor survey" and bool(by_name.loc["Johor Test FR", "authoritative"])
    assert not bool(by_name.loc["Ulu Muda FR", "authoritative"])

    import_layer("forest_reserves", kedah, covers="kedah", source="Kedah survey")
    reserves = load_layers()["forest_reserves"]
    names = set(reserves.frame["name"])
    assert {"Johor Test FR", "Kedah Test FR"} <= names and "Bukit Enggang FR" not in names
    assert reserves.coverage.states == frozenset({"Johor", "Kedah"})

    assert reset_layer("forest_reserves", state="Kedah").removed == 1
    reserves = load_layers()["forest_reserves"]
    names = set(reserves.frame["name"])
    assert "Johor Test FR" in names and "Kedah Test FR" not in names and "Bukit Enggang FR" in names
    assert reserves.coverage.states == frozenset({"Johor"})
    assert not reset_layer("forest_reserves", state="Kedah").changed

    assert reset_layer("forest_reserves").changed
    assert set(load_layers()["forest_reserves"].frame["name"]) == bundled
    assert list(data_dir.glob("forest_reserves.*.gpkg")) == []


def test_verdicts_change_only_in_the_imported_state(tmp_path, data_dir):
    johor = _reserve_file(tmp_path, "johor.geojson", [("Johor Test FR", (103.60, 1.80, 103.70, 1.90))])
    rules = default_rules()
    sites = gpd.GeoDataFrame(
        {"site_id": ["johor inside", "johor clear", "kedah clear"]},
        geometry=[Point(103.65, 1.85), Point(*JOHOR_TOWN), Point(*KEDAH_PLAIN)], crs=4326,
    )
    before = screen_sites(sites, load_layers(), rules)
    import_layer("forest_reserves", johor, covers="Johor")
    after = screen_sites(sites, load_layers(), rules).set_index("site_id")
    assert after.loc["johor inside", "verdict"] == "prohibited"
    assert "forest_reserves_unverified" not in after.loc["johor clear", "flags"]
    assert "water_catchments_unverified" in after.loc["johor clear", "flags"]  # catchments still incomplete
    kedah_before = before.set_index("site_id").loc["kedah clear"]
    assert after.loc["kedah clear", "verdict"] == kedah_before["verdict"] == "review"
    assert after.loc["kedah clear", "flags"] == kedah_before["flags"]


def test_once_both_layers_cover_a_state_its_clear_sites_are_eligible(tmp_path, data_dir):
    reserves = _reserve_file(tmp_path, "r.geojson", [("Johor Test FR", (103.60, 1.80, 103.70, 1.90))])
    catchments = _reserve_file(tmp_path, "c.geojson", [("Johor Test Catchment", (103.30, 2.00, 103.40, 2.10))])
    import_layer("forest_reserves", reserves, covers="Johor")
    import_layer("water_catchments", catchments, covers="Johor")
    parks = _reserve_file(tmp_path, "p.geojson", [("Johor Test Park", (103.80, 2.20, 103.85, 2.25))])
    gpd.GeoDataFrame({"name": ["Johor Test Park"], "category": ["national_park"]}, geometry=[box(103.80, 2.20, 103.85, 2.25)], crs=4326).to_file(parks)
    import_layer("protected_areas", parks, covers="Johor")
    sites = gpd.GeoDataFrame(geometry=[Point(*JOHOR_TOWN), Point(*KEDAH_PLAIN)], crs=4326)
    result = screen_sites(sites, load_layers(), default_rules())
    assert list(result["verdict"]) == ["eligible", "review"]


def test_import_without_covers_adds_features_and_claims_nothing(tmp_path, data_dir):
    extra = _reserve_file(tmp_path, "extra.geojson", [("Extra FR", (103.60, 1.80, 103.70, 1.90))])
    report = import_layer("forest_reserves", extra)
    assert report.covers == ()
    reserves = load_layers()["forest_reserves"]
    assert {"Extra FR", "Panti FR"} <= set(reserves.frame["name"]) and reserves.coverage.is_empty


def test_reimporting_a_state_replaces_the_earlier_import(tmp_path, data_dir):
    first = _reserve_file(tmp_path, "a.geojson", [("First FR", (103.60, 1.80, 103.70, 1.90))])
    second = _reserve_file(tmp_path, "b.geojson", [("Second FR", (103.40, 1.60, 103.45, 1.65))])
    import_layer("forest_reserves", first, covers="Johor")
    assert import_layer("forest_reserves", second, covers="Johor").replaced == 1
    names = set(load_layers()["forest_reserves"].frame["name"])
    assert "Second FR" in names and "First FR" not in names
    assert len(list(data_dir.glob("forest_reserves.*.gpkg"))) == 1


def test_features_outside_the_covered_states_are_counted_and_kept(tmp_path, data_dir):
    mixed = _reserve_file(tmp_path, "m.geojson", [("In Johor", (103.60, 1.80, 103.70, 1.90)), ("In Kedah", (100.50, 5.80, 100.55, 5.85))])
    report = import_layer("forest_reserves", mixed, covers="Johor")
    assert report.outside_covers == 1
    reserves = load_layers()["forest_reserves"]
    assert "In Kedah" in set(reserves.frame["name"]) and not reserves.coverage.covers("Kedah")


def test_failed_imports_leave_the_folder_byte_identical(tmp_path, data_dir):
    good = _reserve_file(tmp_path, "g.geojson", [("Johor Test FR", (103.60, 1.80, 103.70, 1.90))])
    import_layer("forest_reserves", good, covers="Johor")
    before = _folder_digest(data_dir)
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": "nope"}))
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    for path, covers in ((bad, "Kedah"), (empty, "Kedah"), (good, "Atlantis")):
        with pytest.raises(ReegeoError) as raised:
            import_layer("forest_reserves", path, covers=covers)
        assert "Traceback" not in str(raised.value)
        assert _folder_digest(data_dir) == before
    assert main(["data", "import", "forest_reserves", str(good), "--covers", "Atlantis"]) == 2
    assert _folder_digest(data_dir) == before


def _import_in_process(args: tuple[str, str, str]) -> str:
    folder, path, state = args
    import os

    os.environ["REEGEO_DATA_DIR"] = folder
    from reegeo.layers.store import import_layer as run_import

    return run_import("forest_reserves", path, covers=state, source=f"survey of {state}").name


def test_concurrent_imports_all_survive(tmp_path, data_dir):
    states = {"Johor": (103.60, 1.80, 103.70, 1.90), "Kedah": (100.50, 5.80, 100.55, 5.85),
              "Perak": (101.00, 4.50, 101.05, 4.55), "Selangor": (101.40, 3.20, 101.45, 3.25),
              "Pahang": (102.50, 3.80, 102.55, 3.85), "Kelantan": (102.00, 5.50, 102.05, 5.55),
              "Terengganu": (103.00, 4.80, 103.05, 4.85), "Negeri Sembilan": (102.10, 2.80, 102.15, 2.85)}
    jobs = [(str(data_dir), str(_reserve_file(tmp_path, f"{s}.geojson", [(f"{s} Test FR", b)])), s) for s, b in states.items()]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        pool.map(_import_in_process, jobs)
    entry = installed_manifest(data_dir)["forest_reserves"]
    assert sorted(c for part in entry["parts"] for c in part["covers"]) == sorted(states)
    reserves = load_layers()["forest_reserves"]
    assert reserves.coverage.states == frozenset(states)
    assert {f"{s} Test FR" for s in states} <= set(reserves.frame["name"])


# ---------------------------------------------------------------- CLI


def test_cli_import_covers_list_layers_and_screen_note(tmp_path, data_dir, capsys):
    johor = _reserve_file(tmp_path, "johor.geojson", [("Johor Test FR", (103.60, 1.80, 103.70, 1.90))])
    assert main(["data", "import", "forest_reserves", str(johor), "--covers", "johor", "--source", "Johor survey"]) == 0
    assert "complete in Johor" in capsys.readouterr().out
    assert main(["data", "list"]) == 0
    listed = capsys.readouterr().out
    assert "coverage: complete in Johor" in listed and "complete in no state" in listed  # catchments
    assert main(["layers"]) == 0
    assert "coverage: complete in Johor" in capsys.readouterr().out
    sites = tmp_path / "sites.geojson"
    gpd.GeoDataFrame(geometry=[Point(*JOHOR_TOWN), Point(*KEDAH_PLAIN)], crs=4326).to_file(sites)
    assert main(["screen", str(sites), "-o", str(tmp_path / "out.csv")]) == 0
    err = capsys.readouterr().err
    assert "2 of 2 sites could not be cleared: forest_reserves incomplete in Kedah; protected_areas incomplete in every state; water_catchments incomplete in every state" in err
    assert main(["data", "reset", "forest_reserves", "--state", "Johor"]) == 0
    assert "about Johor" in capsys.readouterr().out


def test_cli_layer_file_for_one_run_is_complete_everywhere(tmp_path, data_dir, capsys):
    reserves = _reserve_file(tmp_path, "all.geojson", [("Somewhere FR", (103.60, 1.80, 103.70, 1.90))])
    catchments = _reserve_file(tmp_path, "c.geojson", [("Somewhere Catchment", (103.30, 2.00, 103.40, 2.10))])
    parks = tmp_path / "parks.geojson"
    gpd.GeoDataFrame({"name": ["Far Park"], "category": ["national_park"]}, geometry=[box(103.80, 2.20, 103.85, 2.25)], crs=4326).to_file(parks)
    sites = tmp_path / "sites.geojson"
    gpd.GeoDataFrame({"site_id": ["kedah"]}, geometry=[Point(*KEDAH_PLAIN)], crs=4326).to_file(sites)
    out = tmp_path / "out.csv"
    layers = [f"forest_reserves={reserves}", f"water_catchments={catchments}", f"protected_areas={parks}"]
    assert main(["screen", str(sites), "-o", str(out), *(arg for layer in layers for arg in ("--layer", layer))]) == 0
    assert "eligible" in out.read_text().splitlines()[1]


# ---------------------------------------------------------------- real data


def test_real_jupem_johor_mapinfo_import(reference_dir, data_dir, capsys):
    """JUPEM Johor's MapInfo TAB (custom Cassini, empty records) imported for Johor only."""
    tab = reference_dir / "jupem_johor_forest_res_mapinfo" / "V_forest_res.TAB"
    assert main(["data", "import", "forest_reserves", str(tab), "--covers", "Johor", "--source", "JUPEM Johor", "--accuracy-m", "10", "--authoritative"]) == 0
    captured = capsys.readouterr()
    assert "names from column NAMA_WARTA" in captured.out and "21 rows have no geometry" in captured.err
    layers = load_layers()
    reserves = layers["forest_reserves"]
    jupem = reserves.frame[reserves.frame["source"] == "JUPEM Johor"]
    assert len(jupem) > 400 and jupem.geometry.is_valid.all()
    # A point inside a real reserve (its representative point), one far from any in Johor, one in Kedah.
    inside = jupem.geometry.iloc[0].representative_point()
    metric = jupem.to_crs(3375)
    far_johor = Point(*JOHOR_TOWN)
    assert metric.distance(gpd.GeoSeries([far_johor], crs=4326).to_crs(3375).iloc[0]).min() > 1_000
    sites = gpd.GeoDataFrame({"site_id": ["inside", "johor", "kedah"]}, geometry=[inside, far_johor, Point(*KEDAH_PLAIN)], crs=4326)
    result = screen_sites(sites, layers, default_rules()).set_index("site_id")
    assert result.loc["inside", "verdict"] == "prohibited" and "forest_reserve" in result.loc["inside", "violations"].split(";")
    assert not [f for f in result.loc["johor", "flags"].split(";") if f.startswith("forest")]
    assert "forest_reserves_unverified" in result.loc["kedah", "flags"]


def test_mapinfo_tab_as_a_zip_upload(reference_dir):
    import io
    import zipfile

    from reegeo.io.sites import read_layer

    folder = reference_dir / "jupem_johor_forest_res_mapinfo"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for part in folder.iterdir():
            bundle.write(part, arcname=f"johor/{part.name}")
    read = read_layer(buffer.getvalue(), filename="johor_reserves.zip")
    assert read.format == "MapInfo TAB" and len(read.frame) == 453
    with pytest.raises(Exception, match="MapInfo table on its own"):
        read_layer((folder / "V_forest_res.TAB").read_bytes(), filename="V_forest_res.TAB")


# ---------------------------------------------------------------- where it shows


def test_map_greys_the_states_where_data_is_incomplete(alpha_only_layers):
    from reegeo.layers.coverage import incomplete_states
    from reegeo.web.features import incomplete_geojson
    from reegeo.web.map import build_map, map_html

    incomplete = incomplete_states(alpha_only_layers)
    assert list(incomplete["state"]) == ["Beta", "Sabah Test"] or set(incomplete["state"]) == {"Beta", "Sabah Test"}
    overlay = incomplete_geojson(incomplete)
    assert len(overlay["features"]) == 2 and "forest reserves" in overlay["legend"]
    html = map_html(build_map(alpha_only_layers, incomplete=overlay))
    assert "Where the data is incomplete" in html  # its own switchable group in the layer control
    assert "Not mapped completely here: forest reserves" in html  # and a legend entry
    assert "Where the data is incomplete" not in map_html(build_map(alpha_only_layers))
    complete = {**alpha_only_layers, "forest_reserves": layer_from_frame("forest_reserves", alpha_only_layers["forest_reserves"].frame, coverage=Coverage.complete())}
    assert len(incomplete_states(complete)) == 0


def test_reports_count_unverified_sites_and_state_coverage(alpha_only_layers, rules):
    from datetime import datetime

    from reegeo.report.audit import build_audit
    from reegeo.report.write import render_html

    sites = frame([{"site_id": "beta clear", "geometry": at(40_000, -20_000)}, {"site_id": "alpha clear", "geometry": at(-30_000, -20_000)}])
    result = screen_sites(sites, alpha_only_layers, rules)
    audit = build_audit(b"sites", None, alpha_only_layers, sites_name="sites.geojson", created=datetime(2026, 3, 1, 12))
    html = render_html(result, rules=rules, layers=alpha_only_layers, audit=audit).decode("utf-8")
    assert "Sites the data could not clear" in html
    assert "1 of 2 sites could not be cleared" in html
    assert "then load it for Beta on the Data sources page" in html
    assert "complete in Alpha" in html  # provenance table and audit stamp
    assert "Layer forest_reserves (complete in Alpha)" in html
    ms = render_html(result, rules=rules, layers=alpha_only_layers, audit=audit, lang="ms").decode("utf-8")
    assert "Tapak yang tidak dapat disahkan bebas oleh data" in ms and "lengkap di Alpha" in ms


@pytest.mark.slow
def test_an_import_killed_at_any_point_leaves_the_folder_consistent(tmp_path, data_dir):
    """kill -9 during imports: the manifest always names complete part files with their recorded hashes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import REPO

    from reegeo.layers.model import file_sha256

    many = tmp_path / "many.geojson"
    boxes = [box(103.3 + 0.01 * (i % 40), 1.6 + 0.01 * (i // 40), 103.305 + 0.01 * (i % 40), 1.605 + 0.01 * (i // 40)) for i in range(1_200)]
    gpd.GeoDataFrame({"name": [f"R{i}" for i in range(len(boxes))]}, geometry=boxes, crs=4326).to_file(many)
    env = dict(os.environ, REEGEO_DATA_DIR=str(data_dir))
    for delay_s in (0.4, 0.8, 1.2, 1.6, 2.0, 2.6):
        process = subprocess.Popen(
            [sys.executable, "-m", "reegeo", "data", "import", "forest_reserves", str(many), "--covers", "Johor"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(delay_s)
        process.send_signal(signal.SIGKILL)
        process.wait()
        entries = installed_manifest(data_dir)
        for part in entries.get("forest_reserves", {}).get("parts", []):
            assert file_sha256(data_dir / part["file"]) == part["sha256"]
        reserves = load_layers()["forest_reserves"]  # always loadable: the old layer or the new one
        assert reserves.coverage.is_empty or reserves.coverage.states == frozenset({"Johor"})
