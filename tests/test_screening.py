"""screen_sites: relations, severities, distances, overlaps, states, CRSs, golden output."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from conftest import EAST, PENINSULA, SX, SY, at, frame, square
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point

from reegeo.errors import ScreeningError
from reegeo.io.exports import results_to_csv
from reegeo.screening.engine import result_columns, screen_sites
from reegeo.screening.rules import parse_rules

GOLDEN = Path(__file__).parent / "golden" / "screening_small.csv"


def screen_one(geometry, test_layers, rules, epsg=PENINSULA, **properties):
    sites = frame([{"site_id": "s", **properties, "geometry": geometry}], epsg)
    return screen_sites(sites, test_layers, rules).iloc[0]


def test_point_inside_reserve_is_prohibited_with_distance_zero(test_layers, rules):
    row = screen_one(at(-15_000, 15_000), test_layers, rules)
    assert row.verdict == "prohibited"
    assert row.violations == "forest_reserve"
    assert "forest_reserve_buffer" in row["flags"].split(";")
    assert row.dist_forest_reserves_m == 0
    assert row.nearest_forest_reserves == "North Reserve"
    assert row.state == "Alpha"
    assert row.overlap_forest_reserves_m2 == 0 and row.overlap_forest_reserves_pct == 0


def test_point_in_buffer_is_review_with_distance(test_layers, rules):
    row = screen_one(at(-15_000, 9_700), test_layers, rules)
    assert row.verdict == "review"
    assert row.violations == ""
    assert row["flags"] == "forest_reserve_buffer"
    assert row.dist_forest_reserves_m == pytest.approx(300, abs=0.5)


def test_point_beyond_buffer_of_exact_layer_is_eligible(test_layers, rules):
    row = screen_one(at(-15_000, 9_000), test_layers, rules)
    assert row.verdict == "eligible"
    assert row["flags"] == ""
    assert row.advisories == "aelb_licence;eia_required"
    assert row.dist_forest_reserves_m == pytest.approx(1_000, abs=0.5)
    assert row.dist_deposits_m == pytest.approx(np.hypot(20_000, 4_000), abs=0.5)
    assert row.nearest_deposits == "Clay Prospect"
    assert row.nearest_lynas == "Test Plant"


def test_point_within_layer_accuracy_is_review_as_uncertain(test_layers, rules):
    row = screen_one(at(25_000, -9_200), test_layers, rules)  # 800 m north of Fuzzy Reserve (accuracy 1000 m)
    assert row.verdict == "review"
    assert row["flags"] == "forest_reserve_uncertain"
    assert row.dist_forest_reserves_m == pytest.approx(800, abs=0.5)


def test_polygon_touching_a_boundary_is_prohibited_with_no_overlap(test_layers, rules):
    row = screen_one(square(-20_000, 9_000, -19_000, 10_000), test_layers, rules)
    assert row.verdict == "prohibited"
    assert row.dist_forest_reserves_m == 0
    assert row.overlap_forest_reserves_m2 == 0
    assert row.site_area_m2 == pytest.approx(1_000_000, rel=1e-9)


def test_polygon_overlapping_two_reserves_sums_the_overlap(test_layers, rules):
    # 2 km x 2 km centred on the North/East reserve border, half inside the reserves.
    row = screen_one(square(-11_000, 9_000, -9_000, 11_000), test_layers, rules)
    assert row.verdict == "prohibited"
    assert row.overlap_forest_reserves_m2 == pytest.approx(2_000_000, rel=1e-6)
    assert row.overlap_forest_reserves_pct == pytest.approx(50.0, abs=0.01)
    assert row.nearest_forest_reserves == "North Reserve"


def test_multipolygon_site_with_one_part_inside(test_layers, rules):
    inside = square(-16_000, 14_000, -15_000, 15_000)
    outside = square(-16_000, 0, -15_000, 1_000)
    row = screen_one(MultiPolygon([inside, outside]), test_layers, rules)
    assert row.verdict == "prohibited"
    assert row.overlap_forest_reserves_pct == pytest.approx(50.0, abs=0.01)
    assert row.site_area_m2 == pytest.approx(2_000_000, rel=1e-9)


def test_site_spanning_two_states_names_both(test_layers, rules):
    row = screen_one(square(-3_000, -1_000, 1_000, 1_000), test_layers, rules)
    assert row.state == "Alpha"  # its representative point
    assert row.states_spanned == "Alpha;Beta"
    assert "spans_states" in row.advisories.split(";")
    assert row.verdict == "eligible"


def test_site_in_sabah_is_measured_in_east_malaysia_rso(test_layers, rules):
    row = screen_one(Point(SX + 2_500, SY - 400), test_layers, rules, epsg=EAST)
    assert row.metric_crs == "EPSG:3376"
    assert row.state == "Sabah Test"
    assert row.verdict == "review"
    assert row.nearest_forest_reserves == "Crocker Test"
    assert row.dist_forest_reserves_m == pytest.approx(400, abs=0.5)


def test_site_outside_malaysia_is_flagged_and_has_no_state(test_layers, rules):
    row = screen_one(at(200_000, 0), test_layers, rules)
    assert row.state == ""
    assert row.verdict == "review"
    assert "outside_malaysia" in row["flags"].split(";")


def test_sites_in_kertau_rso_chains_give_the_same_answers(test_layers, rules):
    sites = frame([
        {"site_id": "buffer", "geometry": at(-15_000, 9_700)},
        {"site_id": "parcel", "geometry": square(-11_000, 9_000, -9_000, 11_000)},
    ])
    in_3375 = screen_sites(sites, test_layers, rules)
    in_3167 = screen_sites(sites.to_crs(3167), test_layers, rules)
    assert sites.to_crs(3167).crs.axis_info[0].unit_name == "British chain (Sears 1922 truncated)"
    assert list(in_3167.verdict) == list(in_3375.verdict)
    assert in_3167.dist_forest_reserves_m.iloc[0] == pytest.approx(300, abs=1.0)
    assert in_3167.overlap_forest_reserves_m2.iloc[1] == pytest.approx(2_000_000, rel=1e-3)


def test_output_has_one_row_per_site_in_input_order_with_contract_columns(test_layers, rules):
    sites = frame([
        {"name": "third", "geometry": at(0, 0)},
        {"name": None, "geometry": at(1_000, 0)},
        {"name": "first", "geometry": at(2_000, 0)},
    ])
    result = screen_sites(sites, test_layers, rules)
    assert list(result.site_id) == ["third", "2", "first"]
    # reegeo's columns, then the input's own (here the name the ids came from), then the geometry
    assert list(result.columns) == [*result_columns(), "name", "geometry"]
    assert result.attrs["id_column"] == "name"
    assert result.crs.to_epsg() == 4326


def test_input_columns_follow_and_a_clash_is_renamed_not_overwritten(test_layers, rules):
    sites = frame([
        {"site_id": "a", "capacity_mw": 120.5, "verdict": "their own verdict", "owner": "Syarikat X", "geometry": at(0, 0)},
        {"site_id": "b", "capacity_mw": None, "verdict": "", "owner": "Y", "geometry": at(40_000, -20_000)},
    ])
    result = screen_sites(sites, test_layers, rules)
    assert list(result.columns[len(result_columns()):]) == ["capacity_mw", "input_verdict", "owner", "geometry"]
    assert result.attrs["renamed_inputs"] == {"verdict": "input_verdict"}
    assert set(result.verdict) <= {"prohibited", "review", "eligible"}  # reegeo's verdict, not theirs
    assert list(result.input_verdict) == ["their own verdict", ""]
    assert result.capacity_mw.iloc[0] == 120.5 and list(result.owner) == ["Syarikat X", "Y"]
    assert "site_id" not in list(result.columns[len(result_columns()):])  # the id column is the site_id


def test_id_column_can_be_chosen_and_a_missing_one_is_named(test_layers, rules):
    sites = frame([{"name": "Kilang A", "lot": "PT 1234", "geometry": at(0, 0)}])
    assert list(screen_sites(sites, test_layers, rules).site_id) == ["Kilang A"]
    assert list(screen_sites(sites, test_layers, rules, id_column="lot").site_id) == ["PT 1234"]
    with pytest.raises(ScreeningError, match=r"no column 'plot'; use one of 'name', 'lot'") as raised:
        screen_sites(sites, test_layers, rules, id_column="plot")
    assert raised.value.argument == "id_column"


def test_site_id_prefers_site_id_then_id_then_name(test_layers, rules):
    sites = frame([{"name": "n", "id": 7, "geometry": at(0, 0)}])
    assert screen_sites(sites, test_layers, rules).site_id.iloc[0] == "7"


def test_within_distance_rule_can_prohibit_and_always_rule_advises(test_layers):
    rules = parse_rules(
        """
[[rules]]
id = "near_deposit"
layer = "deposits"
relation = "within_distance"
distance_m = 2000
severity = "prohibited"
legal_basis = "test basis"
message_en = "near"
message_ms = "dekat"

[[rules]]
id = "note"
relation = "always"
severity = "advisory"
legal_basis = "test"
message_en = "n"
message_ms = "n"
"""
    )
    sites = frame([{"geometry": at(5_000, 6_500)}, {"geometry": at(5_000, 8_000)}])
    result = screen_sites(sites, test_layers, rules)
    assert list(result.verdict) == ["prohibited", "eligible"]
    assert list(result.violations) == ["near_deposit", ""]
    assert list(result.advisories) == ["note", "note"]


def test_review_rule_on_extra_layer_adds_its_distance_columns(test_layers):
    test_layers = dict(test_layers)
    test_layers["ports"] = test_layers["deposits"].__class__(name="ports", frame=test_layers["deposits"].frame)
    rules = parse_rules(
        '[[rules]]\nid = "port"\nlayer = "ports"\nrelation = "within_distance"\ndistance_m = 100\n'
        'severity = "review"\nlegal_basis = "b"\nmessage_en = "e"\nmessage_ms = "m"\n'
    )
    result = screen_sites(frame([{"geometry": at(5_000, 5_050)}]), test_layers, rules)
    assert result.verdict.iloc[0] == "review"
    assert result.dist_ports_m.iloc[0] == pytest.approx(50, abs=0.1)


def test_distances_and_areas_agree_with_geodesic_measurement(test_layers, rules):
    geod = Geod(ellps="GRS80")
    site = at(-15_000, 9_000)
    sites = frame([{"geometry": site}, {"geometry": square(-30_000, 0, -25_000, 4_000)}])
    result = screen_sites(sites, test_layers, rules)
    # Nearest point of North Reserve is straight north, on its southern edge.
    ll = gpd.GeoSeries([site, at(-15_000, 10_000)], crs=PENINSULA).to_crs(4326)
    _, _, geodesic_m = geod.inv(ll.x[0], ll.y[0], ll.x[1], ll.y[1])
    assert result.dist_forest_reserves_m.iloc[0] == pytest.approx(geodesic_m, rel=0.005, abs=5)
    polygon_ll = gpd.GeoSeries([sites.geometry[1]], crs=PENINSULA).to_crs(4326)[0]
    geodesic_area = abs(geod.geometry_area_perimeter(polygon_ll)[0])
    assert result.site_area_m2.iloc[1] == pytest.approx(geodesic_area, rel=0.005)


def test_lines_are_refused_with_the_row(test_layers, rules):
    from shapely.geometry import LineString

    sites = frame([{"geometry": at(0, 0)}, {"geometry": LineString([at(0, 0), at(1, 1)])}])
    with pytest.raises(ScreeningError, match=r"row\(s\) 2 .*point or an area"):
        screen_sites(sites, test_layers, rules)


def test_sites_without_crs_are_refused(test_layers, rules):
    sites = gpd.GeoDataFrame(geometry=[Point(101.7, 3.5)])
    with pytest.raises(ScreeningError, match="no coordinate reference system"):
        screen_sites(sites, test_layers, rules)


def test_rule_on_missing_layer_names_rule_and_layer(test_layers):
    rules = parse_rules(
        '[[rules]]\nid = "x"\nlayer = "parcels"\nrelation = "intersects"\nseverity = "review"\n'
        'legal_basis = "b"\nmessage_en = "e"\nmessage_ms = "m"\n'
    )
    with pytest.raises(ScreeningError, match=r"rule .x. tests layer .parcels.*layers\[.parcels.\]") as raised:
        screen_sites(frame([{"geometry": at(0, 0)}]), test_layers, rules)
    # The library names its own argument; the CLI and the app name their flag and page.
    assert (raised.value.argument, raised.value.value) == ("layers", "parcels")
    from reegeo.cli import CLI_ARGUMENTS

    assert "give it with --layer parcels=PATH or remove the rule" in raised.value.describe(CLI_ARGUMENTS)


def test_errors_keep_their_argument_when_pickled():
    import pickle

    from reegeo.errors import ScreeningError as Error

    error = pickle.loads(pickle.dumps(Error("omit {argument} to use a local cluster", argument="scheduler")))
    assert str(error) == "omit scheduler= to use a local cluster"
    assert error.describe({"scheduler": "--scheduler"}) == "omit --scheduler to use a local cluster"


def test_progress_is_reported(test_layers, rules):
    calls = []
    screen_sites(frame([{"geometry": at(i, 0)} for i in range(5)]), test_layers, rules, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (5, 5)


def test_same_input_gives_identical_output(test_layers, rules):
    sites = frame([{"geometry": at(i * 997.0, i * 13.0)} for i in range(-20, 20)])
    first = results_to_csv(screen_sites(sites, test_layers, rules))
    second = results_to_csv(screen_sites(sites, test_layers, rules))
    assert first == second


def golden_sites():
    return frame([
        {"site_id": "inside_north", "geometry": at(-15_000, 15_000)},
        {"site_id": "buffer_north", "geometry": at(-15_000, 9_700)},
        {"site_id": "clear", "geometry": at(-15_000, 9_000)},
        {"site_id": "fuzzy_edge", "geometry": at(25_000, -9_200)},
        {"site_id": "two_reserves", "geometry": square(-11_000, 9_000, -9_000, 11_000)},
        {"site_id": "two_states", "geometry": square(-3_000, -1_000, 1_000, 1_000)},
        {"site_id": "catchment", "geometry": at(-35_000, -35_000)},
        {"site_id": "near_plant", "geometry": at(40_500, 39_000)},
        {"site_id": "offshore", "geometry": at(200_000, 0)},
    ])


def test_golden_csv_for_a_small_fixed_set(test_layers, rules):
    """Regenerate with REEGEO_REGENERATE_GOLDEN=1 after an intended change."""
    csv_bytes = results_to_csv(screen_sites(golden_sites(), test_layers, rules))
    if os.environ.get("REEGEO_REGENERATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(csv_bytes)
    assert GOLDEN.exists(), "golden file missing: run with REEGEO_REGENERATE_GOLDEN=1"
    assert csv_bytes.decode() == GOLDEN.read_text(encoding="utf-8")


def test_progress_moves_several_times_for_a_few_thousand_sites(test_layers, rules):
    calls = []
    sites = frame([{"geometry": at(i % 1000, i // 1000)} for i in range(5_000)])
    screen_sites(sites, test_layers, rules, progress=lambda d, t: calls.append(d))
    assert len(calls) >= 3 and calls[-1] == 5_000 and calls == sorted(calls)


def test_a_site_with_a_rough_position_is_uncertain_near_an_exact_layer(test_layers, rules):
    sites = frame([
        {"site_id": "exact", "geometry": at(-15_000, 8_000)},
        {"site_id": "rough", "accuracy_m": 2_500.0, "geometry": at(-15_000, 8_000)},
    ])
    result = screen_sites(sites, test_layers, rules).set_index("site_id")
    assert result.loc["exact", "verdict"] == "eligible"  # 2 km from an exact reserve
    assert result.loc["rough", "verdict"] == "review"
    assert result.loc["rough", "flags"] == "forest_reserve_uncertain"


def test_negative_site_accuracy_is_refused_with_the_row(test_layers, rules):
    sites = frame([{"accuracy_m": 5.0, "geometry": at(0, 0)}, {"accuracy_m": -1.0, "geometry": at(1, 0)}])
    with pytest.raises(ScreeningError, match=r"row\(s\) 2 have a negative accuracy_m"):
        screen_sites(sites, test_layers, rules)


def test_where_filters_a_rule_to_some_features_of_its_layer(test_layers, rules):
    sites = frame([
        {"site_id": "in national park", "geometry": at(45_000, -45_000)},
        {"site_id": "in state park", "geometry": at(-45_000, 45_000)},
    ])
    result = screen_sites(sites, test_layers, rules).set_index("site_id")
    assert result.loc["in national park", "verdict"] == "prohibited"
    assert result.loc["in national park", "violations"] == "national_park"
    assert "state_park" not in result.loc["in national park", "flags"]
    assert result.loc["in state park", "verdict"] == "review"
    assert result.loc["in state park", "violations"] == ""
    assert "state_park" in result.loc["in state park", "flags"].split(";")
    assert result.loc["in state park", "dist_protected_areas_m"] == 0.0


def test_where_on_a_column_the_layer_lacks_is_refused(test_layers, rules):
    from reegeo.errors import ScreeningError
    from reegeo.layers.load import layer_from_frame

    bare = layer_from_frame("protected_areas", test_layers["protected_areas"].frame.drop(columns=["category"]))
    with pytest.raises(ScreeningError, match=r"rule 'national_park' filters layer 'protected_areas' on column 'category'"):
        screen_sites(frame([{"geometry": at(0, 0)}]), {**test_layers, "protected_areas": bare}, rules)


def test_a_polygon_site_lists_every_feature_it_overlaps_largest_first(test_layers, rules):
    from reegeo.screening.evidence import explain_site, overlapped_features

    # North Reserve is the square (-20 km, 10 km)-(-10 km, 20 km): a site across its south edge and beyond
    site = square(-16_000, 9_000, -14_000, 12_000)
    result = screen_sites(frame([{"site_id": "parcel", "geometry": site}]), test_layers, rules)
    listing = overlapped_features(result.iloc[0], "forest_reserves")
    assert [name for name, _ in listing] == ["North Reserve"]
    assert listing[0][1] == pytest.approx(2_000 * 2_000, rel=1e-3)
    assert result.overlaps_water_catchments.iloc[0] == ""
    finding = next(f for f in explain_site(result.iloc[0], rules) if f.rule_id == "forest_reserve")
    assert "400.00 ha" in finding.measurement


def test_the_largest_overlap_is_named_even_when_another_feature_is_nearest_by_name_order(test_layers, rules):
    from reegeo.layers.load import layer_from_frame
    from reegeo.screening.evidence import explain_site

    reserves = frame([
        {"name": "Gunung Stong", "accuracy_m": 0.0, "geometry": square(-1_000, -1_000, 1_000, 0)},
        {"name": "Taman Negara", "accuracy_m": 0.0, "geometry": square(-1_000, 0, 1_000, 5_000)},
    ])
    layers = {**test_layers, "forest_reserves": layer_from_frame("forest_reserves", reserves)}
    result = screen_sites(frame([{"geometry": square(-500, -500, 500, 4_000)}]), layers, rules)
    assert result.overlaps_forest_reserves.iloc[0] == "Taman Negara:4000000;Gunung Stong:500000"
    finding = next(f for f in explain_site(result.iloc[0], rules) if f.rule_id == "forest_reserve")
    assert "overlaps Taman Negara (400.00 ha), Gunung Stong (50.00 ha)" in finding.measurement


def test_a_sliver_over_a_generalised_state_boundary_is_not_spanning_it(test_layers, rules):
    """States good to 2 km: a site 1 km over the line stays a one-state site; 10 km over, it spans both."""
    from reegeo.layers.coverage import Coverage
    from reegeo.layers.load import layer_from_frame

    states = test_layers["states"]
    fuzzy = {**test_layers, "states": layer_from_frame("states", states.frame.assign(accuracy_m=2_000.0), accuracy_m=2_000.0, title="generalised states")}
    sliver = screen_one(square(-20_000, -5_000, 1_000, 5_000), fuzzy, rules)
    assert (sliver.state, sliver.states_spanned) == ("Alpha", "Alpha")
    assert "spans_states" not in sliver.advisories.split(";")
    wide = screen_one(square(-20_000, -5_000, 10_000, 5_000), fuzzy, rules)
    assert wide.states_spanned == "Alpha;Beta" and "spans_states" in wide.advisories.split(";")
    # Coverage is still strict: complete in Alpha only, the sliver into Beta keeps the site from being cleared.
    alpha_only = {**fuzzy, "forest_reserves": layer_from_frame("forest_reserves", test_layers["forest_reserves"].frame, coverage=Coverage.of(["Alpha"], "test"))}
    row = screen_one(square(-25_000, -48_000, 1_000, -44_000), alpha_only, rules)
    assert row.verdict == "review" and "forest_reserves_unverified" in row["flags"].split(";")
    from reegeo.screening.evidence import explain_site

    finding = next(f for f in explain_site(row, rules, layers=alpha_only) if f.rule_id == "forest_reserves_unverified")
    assert "reaches a little way over its state's boundary" in finding.message
    inside_alpha = screen_one(square(-25_000, -48_000, -15_000, -44_000), alpha_only, rules)
    assert "forest_reserves_unverified" not in inside_alpha["flags"].split(";")
