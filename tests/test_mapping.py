"""Maps: layers and sites drawn, hostile names escaped, no CDN named."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from conftest import at, frame, square

from reegeo.layers.load import layer_from_frame
from reegeo.screening.engine import screen_sites
from reegeo.style import VERDICT_COLOURS
from reegeo.web.features import prepare_layers, sites_geojson
from reegeo.web.map import build_map, map_html

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT_BREAKER = "</script><script>alert('x')</script>`${alert(2)}`"
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "code.jquery.com", "netdna.bootstrapcdn.com", "googleapis")


@pytest.fixture
def hostile_sites():
    """A point inside North Reserve and a square far from everything, both with hostile names."""
    return frame([
        {"site_id": HOSTILE, "geometry": at(-15_000, 15_000)},
        {"site_id": SCRIPT_BREAKER, "geometry": square(30_000, 20_000, 31_000, 21_000)},
    ])


@pytest.fixture
def hostile_layers(test_layers):
    """The test layers with a forest reserve and a Lynas feature whose names are markup."""
    layers = dict(test_layers)
    reserves = layers["forest_reserves"].frame.copy()
    reserves.loc[0, "name"] = HOSTILE
    layers["forest_reserves"] = layer_from_frame("forest_reserves", reserves, title=f"reserves {SCRIPT_BREAKER}", approximate=True)
    lynas = layers["lynas"].frame.copy()
    lynas["type"] = "plant"
    layers["lynas"] = layer_from_frame("lynas", lynas, title="Lynas")
    return layers


@pytest.fixture
def hostile_results(hostile_sites, hostile_layers, rules):
    return screen_sites(hostile_sites, hostile_layers, rules)


def test_map_draws_every_layer_as_a_toggleable_group(test_layers):
    html = map_html(build_map(test_layers))
    overlays = re.search(r"overlays\s*:\s*\{(.*?)\}", html, re.S).group(1)
    names = re.findall(r'"([^"]+)"\s*:\s*feature_group_', overlays)
    # One toggle per layer (plus the sites when there are results), named by the layer's title.
    assert len(names) == len(test_layers)
    for layer in test_layers.values():
        assert any(name.startswith(layer.display_title("en")) for name in names), (layer.name, names)
    assert "L.control.layers" in html
    assert "reegeo-legend" in html
    assert "preferCanvas" in html and '"preferCanvas": true' in html


def test_no_tile_layer_unless_asked(test_layers):
    assert "L.tileLayer" not in map_html(build_map(test_layers))
    with_tiles = map_html(build_map(test_layers, tiles="OpenStreetMap"))
    assert "L.tileLayer" in with_tiles
    assert '"fillOpacity": 0.0' in with_tiles, "state fills would hide the tiles"


def test_rendered_html_names_no_cdn(test_layers, hostile_results, rules):
    html = map_html(build_map(test_layers, results=hostile_results, rules=rules))
    for host in CDN_HOSTS:
        assert host not in html
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert loaded and all(url.startswith("file://") for url in loaded), loaded


def test_assets_can_be_served_from_the_app(test_layers):
    from reegeo.web.assets import assets_at

    html = map_html(build_map(test_layers, assets=assets_at({"leaflet": "../assets/"})))
    assert '<script src="../assets/leaflet.js"></script>' in html
    assert 'href="../assets/leaflet.css"' in html


def test_hostile_names_are_escaped_everywhere(hostile_layers, hostile_results, rules):
    html = map_html(build_map(hostile_layers, results=hostile_results, rules=rules))
    assert "<img" not in html
    assert "</script><script>alert" not in html
    # The HTML-escaped name, inside HTML-safe JSON, is what reaches Leaflet's innerHTML.
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


def test_site_features_carry_only_escaped_text(hostile_results, rules):
    document = sites_geojson(hostile_results, rules=rules)
    for feature in document["features"]:
        properties = feature["properties"]
        assert set(properties) == {"verdict", "tip", "popup", "style"}
        for text in (properties["tip"], properties["popup"]):
            assert "<img" not in text and "<script" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in document["features"][0]["properties"]["tip"]


def test_sites_are_coloured_by_verdict(hostile_results, rules):
    document = sites_geojson(hostile_results, rules=rules)
    by_verdict = {f["properties"]["verdict"]: f["properties"]["style"]["fillColor"] for f in document["features"]}
    assert by_verdict["prohibited"] == VERDICT_COLOURS["prohibited"]
    assert set(by_verdict.values()) <= set(VERDICT_COLOURS.values())


def test_popups_explain_findings_with_their_rule(hostile_results, rules):
    popup = sites_geojson(hostile_results, rules=rules)["features"][0]["properties"]["popup"]
    assert "forest_reserve" in popup and "prohibited" in popup


def test_lynas_plant_is_labelled_permanently(hostile_layers):
    display = prepare_layers(hostile_layers)
    labels = [f["properties"]["label"] for f in display["lynas"].geojson["features"] if "label" in f["properties"]]
    assert labels == ["★ Test Plant"]


def test_approximate_layers_say_so_in_their_name(hostile_layers):
    display = prepare_layers(hostile_layers)
    assert display["forest_reserves"].label.endswith("(approximate)")
    assert display["forest_reserves"].style["dashArray"]
    assert "approximate" not in display["water_catchments"].label
    assert "anggaran" in prepare_layers(hostile_layers, lang="ms")["forest_reserves"].label


def test_malay_popup_of_a_bundled_forest_reserve_shows_its_malay_source():
    from html import escape

    from reegeo.layers.load import load_bundled_layer

    reserves = load_bundled_layer("forest_reserves")
    assert reserves is not None
    row = reserves.frame.set_index("name").loc["Ayer Hitam FR"]
    popups = {lang: next(f["properties"]["popup"] for f in prepare_layers({"forest_reserves": reserves}, lang=lang)["forest_reserves"].geojson["features"] if "Ayer Hitam FR" in f["properties"]["popup"]) for lang in ("en", "ms")}
    assert "antara Puchong dan UPM Serdang" in row["source_ms"]
    assert escape(row["source_ms"]) in popups["ms"] and escape(row["source"]) not in popups["ms"]
    assert escape(row["source"]) in popups["en"] and escape(row["source_ms"]) not in popups["en"]


def test_background_states_come_first(test_layers):
    assert next(iter(prepare_layers(test_layers))) == "states"


def test_focus_zooms_to_the_site(test_layers, hostile_results):
    site = hostile_results.geometry.iloc[0]
    html = map_html(build_map(test_layers, results=hostile_results, focus=site))
    bounds = re.search(r"fitBounds\(\s*\[\[([-\d.]+),\s*([-\d.]+)\],\s*\[([-\d.]+),\s*([-\d.]+)\]\]", html)
    south, west, north, east = map(float, bounds.groups())
    assert south < site.y < north and west < site.x < east
    assert north - south < 0.2  # a few kilometres, not the whole country


def test_many_sites_build_quickly(test_layers, rules):

    import numpy as np

    rng = np.random.default_rng(7)
    points = [at(float(x), float(y)) for x, y in rng.uniform(-45_000, 45_000, size=(5_000, 2))]
    sites = gpd.GeoDataFrame({"site_id": [f"s{i}" for i in range(5_000)]}, geometry=points, crs=3375)
    results = screen_sites(sites, test_layers, rules)
    html = map_html(build_map(test_layers, results=results, rules=rules))
    assert html.count('"verdict"') == 5_000


def test_a_large_layer_is_sent_merged_and_within_the_vertex_budget(test_layers):
    import numpy as np
    import shapely

    from reegeo.web.features import DISPLAY_MAX_FEATURES, DISPLAY_MAX_VERTICES

    rng = np.random.default_rng(7)
    count = DISPLAY_MAX_FEATURES + 500
    centres = rng.uniform(-40_000, 40_000, size=(count, 2))
    detailed = [at(x, y).buffer(300, quad_segs=32) for x, y in centres]  # 129 vertices each
    big = layer_from_frame("forest_reserves", frame([{"name": f"{HOSTILE} {i}", "geometry": g} for i, g in enumerate(detailed)]))
    layers = {**test_layers, "forest_reserves": big}
    bounded = prepare_layers(layers)["forest_reserves"].geojson["features"]
    unbounded = prepare_layers(layers, bounded=False)["forest_reserves"].geojson["features"]
    assert len(unbounded) == count and len(bounded) == 1
    merged = shapely.geometry.shape(bounded[0]["geometry"])
    assert shapely.get_num_coordinates(merged) <= DISPLAY_MAX_VERTICES
    assert len(shapely.get_parts(merged)) == count  # every reserve is still drawn
    assert f"{count:,} features" in bounded[0]["properties"]["tip"]
    assert HOSTILE not in map_html(build_map(prepare_layers(layers)))


def test_small_layers_are_sent_feature_by_feature_as_before(test_layers):
    assert prepare_layers(test_layers) == prepare_layers(test_layers, bounded=False)


def test_surface_layer_is_drawn_by_verdict_with_escaped_states(test_layers, rules):
    from reegeo.screening.surface import build_surface, dissolve_surface

    surface = dissolve_surface(build_surface(test_layers, rules, cell_m=10_000))
    surface.loc[0, "state"] = HOSTILE
    page = map_html(build_map(test_layers, surface=surface, surface_label="Eligibility surface (10 km cells)"))
    assert HOSTILE not in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    assert "Eligibility surface (10 km cells)" in page
    assert VERDICT_COLOURS["prohibited"] in page


def test_column_kinds_mark_only_numeric_measurements_as_numbers():
    import pandas as pd

    from reegeo.web.tables import chart_height, column_kinds

    table = pd.DataFrame({"dist_ports_m": [1.0], "overlap_forest_reserves_m2": [2.0], "overlap_forest_reserves_pct": [3.0],
                          "height_m": ["12 m"], "site_id": ["a"]})
    assert column_kinds(table) == {"dist_ports_m": "metres", "overlap_forest_reserves_m2": "square_metres",
                                   "overlap_forest_reserves_pct": "percent", "height_m": "text", "site_id": "text"}
    assert chart_height(1) == 220 and chart_height(16) == 28 * 16 + 80


def test_the_verdict_chart_stacks_each_states_sites_by_verdict(test_layers, rules):
    from reegeo.layers.load import load_example_sites
    from reegeo.screening.engine import screen_sites
    from reegeo.screening.summary import count_by_state
    from reegeo.style import VERDICT_COLOURS
    from reegeo.vocab import VERDICTS
    from reegeo.web.tables import chart_height, verdict_chart

    results = screen_sites(load_example_sites(), test_layers, rules)
    counts = count_by_state(results, outside_label="(none)")
    labels = {v: f"<{v}>" for v in VERDICTS}
    data, spec = verdict_chart(counts, labels=labels, colours=VERDICT_COLOURS, state_title="Negeri", sites_title="Tapak", verdict_title="Keputusan")
    assert data["sites"].sum() == len(results) and (data["sites"] > 0).all()
    for state, verdict in zip(results["state"].fillna("(none)").replace("", "(none)"), results["verdict"]):
        assert ((data["state"] == state) & (data["verdict"] == labels[verdict])).any()
    encoding = spec["encoding"]
    assert encoding["y"]["sort"] == list(counts.index) and encoding["y"]["title"] == "Negeri" and encoding["x"]["title"] == "Tapak"
    assert encoding["color"]["scale"] == {"domain": [labels[v] for v in VERDICTS], "range": [VERDICT_COLOURS[v] for v in VERDICTS]}
    assert spec["height"] == chart_height(len(counts))
    assert [tip["title"] for tip in encoding["tooltip"]] == ["Negeri", "Keputusan", "Tapak"]


def test_the_surface_eligible_green_is_not_the_forest_reserves_colour():
    from reegeo.style import VERDICT_COLOURS, layer_style

    def rgb(colour: str) -> tuple[int, ...]:
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    eligible, forest = rgb(VERDICT_COLOURS["eligible"]), rgb(layer_style("forest_reserves").fill)
    assert sum((a - b) ** 2 for a, b in zip(eligible, forest)) ** 0.5 > 90


def test_a_sites_own_map_frames_its_nearest_constraint_with_the_measured_line(test_layers, rules):
    from pyproj import Geod

    from reegeo.web.features import focus_evidence

    # 6 km south of North Reserve (x -20..-10 km, y 10..20 km): nothing within a buffer, so nothing fires there.
    results = screen_sites(frame([{"site_id": "south", "geometry": at(-15_000, 4_000)}]), test_layers, rules)
    row = results.iloc[0]
    drawn = focus_evidence(row, test_layers, rules, lang="en")
    assert drawn.line is not None and drawn.label == "6,000 m to North Reserve" and drawn.distance == "6,000 m"
    (lon0, lat0), (lon1, lat1) = drawn.line.coords
    assert Geod(ellps="GRS80").inv(lon0, lat0, lon1, lat1)[2] == pytest.approx(6_000, rel=0.01)
    assert drawn.ring is not None and "buffer" in drawn.ring_label
    html = map_html(build_map(test_layers, results=results, rules=rules, focus=row.geometry, evidence=drawn))
    assert "reegeo-distance" in html and "6,000 m to North Reserve" in html
    bounds = re.search(r"fitBounds\(\s*\[\[([-\d.]+),\s*([-\d.]+)\],\s*\[([-\d.]+),\s*([-\d.]+)\]\]", html)
    south, _, north, _ = (float(v) for v in bounds.groups())
    assert south < row.geometry.y and north > lat1  # the view holds the site and the reserve's edge
    inside = focus_evidence(screen_sites(frame([{"geometry": at(-15_000, 15_000)}]), test_layers, rules).iloc[0], test_layers, rules)
    assert inside.line is None and inside.label == ""  # inside the reserve: 0 m, nothing to draw


def test_a_map_draws_at_most_its_limit_of_sites_the_worst_first(test_layers, rules, monkeypatch):
    import pandas as pd

    from reegeo.layers.load import load_example_sites
    from reegeo.screening.engine import screen_sites
    from reegeo.web import features
    from reegeo.web.features import sites_for_map
    from reegeo.web.map import site_overlay

    results = screen_sites(load_example_sites(), test_layers, rules).iloc[:8].reset_index(drop=True)
    mixed = results.assign(verdict=["eligible", "review", "prohibited", "eligible", "prohibited", "review", "review", "eligible"])
    assert list(sites_for_map(mixed, limit=3).index) == [1, 2, 4]  # both prohibited, then the first needing review; in input order
    assert list(sites_for_map(mixed, limit=6).index) == [0, 1, 2, 4, 5, 6]  # then the first eligible
    assert sites_for_map(mixed, limit=8) is mixed

    many = pd.concat([mixed] * 3, ignore_index=True)
    assert (site_overlay(many, rules=rules).sites_shown, site_overlay(many, rules=rules).sites_total) == (24, 24)
    monkeypatch.setattr(features, "MAP_MAX_SITES", 6)
    overlay = site_overlay(many, rules=rules)
    assert (overlay.sites_shown, overlay.sites_total) == (6, 24)
    assert set(sites_for_map(many)["verdict"]) == {"prohibited"}  # the default limit is read when called
