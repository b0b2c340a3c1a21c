"""The dashboard, headless: one AppTest per page, and the flows a planner follows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reegeo.layers.load import load_example_sites, load_layers
from reegeo.screening.engine import screen_sites
from reegeo.screening.rules import default_rules

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 60


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def _open(page: str) -> AppTest:
    at = _app().run()
    return at.switch_page(f"pages/{page}.py").run()


def _point_site(name: str, lon: float, lat: float) -> dict:
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def _geojson(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@pytest.fixture(scope="module")
def inside_reserve_and_clear_sites() -> bytes:
    """One point inside the first bundled forest reserve, one at an example site screened eligible."""
    reserve = load_layers()["forest_reserves"].frame.geometry.iloc[0].representative_point()
    examples = load_example_sites()
    gurun = examples[examples["site_id"] == "kedah-gurun"].geometry.iloc[0].representative_point()
    return _geojson(_point_site("inside reserve", reserve.x, reserve.y), _point_site("gurun", gurun.x, gurun.y))


def _shown_error(at: AppTest) -> str:
    """The first error as the user reads it (errors are escaped so Markdown never renders in them)."""
    return re.sub(r"\\(.)", r"\1", at.error[0].value)


def _workspace(at: AppTest):
    return at.session_state["workspace"]


def _screen_examples(at: AppTest) -> AppTest:
    at.switch_page("pages/screen.py").run()
    at.segmented_control(key="screen_source").set_value("examples").run()
    return at.button(key="examples_run").click().run()


@pytest.mark.parametrize("page", ["map", "screen", "rules", "sources"])
def test_page_renders_without_exception(page):
    at = _open(page)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title


def test_approximate_banner_is_in_the_sidebar():
    at = _app().run()
    assert any("Approximate layers in use" in w.value for w in at.sidebar.warning)


def test_upload_gives_verdicts(inside_reserve_and_clear_sites):
    at = _open("screen")
    at.file_uploader(key="sites_upload").upload("sites.geojson", inside_reserve_and_clear_sites, "application/geo+json").run()
    assert not at.exception and not at.error
    results = _workspace(at).results
    verdicts = dict(zip(results["site_id"], results["verdict"]))
    # The bundled layers are sketches complete in no state: they can prohibit, never clear.
    assert verdicts == {"inside reserve": "prohibited", "gurun": "review"}
    flags = dict(zip(results["site_id"], results["flags"]))
    assert flags["gurun"] == "forest_reserves_unverified;protected_areas_unverified;water_catchments_unverified"
    assert [m.label for m in at.metric] == ["Prohibited", "Needs review", "Eligible"]
    assert [m.value for m in at.metric] == ["1", "1", "0"]
    assert len(at.dataframe) == 1 and len(at.table) == 2  # the results; static tables of the sites the data could not clear and of what was checked
    unverified = at.table[0].value
    assert unverified.index[0] == "forest reserves" and unverified.iloc[0].tolist()[:2] == ["Kedah", 1]
    checked = at.table[1].value
    assert list(checked.columns) == ["Layer", "Nearest feature", "Distance", "Rule thresholds", "Data here", "Result"]
    assert checked.iloc[0]["Layer"] == "Forest reserves" and checked.iloc[0]["Result"] != ""


def test_failed_upload_keeps_earlier_results():
    at = _screen_examples(_app().run())
    before = _workspace(at).results.copy()
    at.segmented_control(key="screen_source").set_value("upload").run()
    at.file_uploader(key="sites_upload").upload("broken.geojson", b"{ this is not json", "application/geo+json").run()
    assert not at.exception
    assert at.error and "broken.geojson" in _shown_error(at)
    after = _workspace(at).results
    assert after["site_id"].tolist() == before["site_id"].tolist()
    assert at.metric, "the earlier results are still shown under the error"


def test_results_survive_navigation():
    at = _screen_examples(_app().run())
    count = len(_workspace(at).results)
    at.switch_page("pages/rules.py").run()
    at.switch_page("pages/map.py").run()
    at.switch_page("pages/screen.py").run()
    assert not at.exception
    assert len(_workspace(at).results) == count
    assert sum(int(m.value.replace(",", "")) for m in at.metric) == count


def test_rule_edit_changes_verdicts():
    at = _screen_examples(_app().run())
    assert "prohibited" in set(_workspace(at).results["verdict"])
    at.switch_page("pages/rules.py").run()
    at.selectbox(key="sev_forest_reserve").set_value("review").run()
    at.selectbox(key="sev_water_catchment").set_value("review").run()
    assert not at.exception and not at.error
    assert "prohibited" not in set(_workspace(at).results["verdict"])
    assert next(r for r in _workspace(at).rules if r.id == "forest_reserve").severity == "review"


def test_buffer_edit_changes_verdicts():
    at = _screen_examples(_app().run())
    before = _workspace(at).results["flags"].str.contains("forest_reserve_buffer").sum()
    at.switch_page("pages/rules.py").run()
    at.number_input(key="dist_forest_reserve_buffer").set_value(50_000.0).run()
    assert not at.exception and not at.error
    assert _workspace(at).results["flags"].str.contains("forest_reserve_buffer").sum() > before
    # The page is drawn again with the rule as it now is, and says what the edit did beyond the verdicts.
    shown = [m.value.replace("\\", "") for m in at.markdown]
    assert any("within 50.0 km of forest reserves" in text for text in shown), [text for text in shown if "forest reserves" in text]
    assert not any("within 500 m of forest reserves" in text for text in shown)
    assert [toast.value for toast in at.toast] and at.toast[0].value.startswith("Verdicts that changed: ")
    assert "Sites with other findings, the same verdict: " in at.toast[0].value


def test_rules_effect_counts_verdicts_and_other_findings():
    from reegeo.web.workspace import RulesEffect, rules_effect

    before = screen_sites(load_example_sites(), load_layers(), default_rules())
    after = before.copy()
    after.loc[after.index[0], "verdict"] = "eligible"  # a verdict changed (and its findings with it)
    after.loc[after.index[0], "flags"] = ""
    after.loc[after.index[1], "advisories"] = "something_new"  # same verdict, another finding
    assert rules_effect(before, after) == RulesEffect(verdicts=1, findings=1)
    assert rules_effect(before, before) == RulesEffect(0, 0)


def test_rules_upload_replaces_rules():
    at = _open("rules")
    from reegeo.screening.rules import default_rules, dump_rules, update_rule

    edited = update_rule(default_rules(), "forest_reserve_buffer", distance_m=1234.0)
    at.file_uploader(key="rules_upload").upload("rules.toml", dump_rules(edited).encode(), "application/toml").run()
    assert not at.exception and not at.error
    assert next(r for r in _workspace(at).rules if r.id == "forest_reserve_buffer").distance_m == 1234.0
    assert at.number_input(key="dist_forest_reserve_buffer").value == 1234.0


def test_bad_rules_upload_is_refused_with_the_rule_named():
    at = _open("rules")
    at.file_uploader(key="rules_upload").upload("rules.toml", b"[[rules]]\nid = 'x'\n", "application/toml").run()
    assert not at.exception
    assert at.error and "rules.toml" in _shown_error(at)


def test_language_switch_translates_pages_and_verdicts():
    at = _app().run()
    at.selectbox(key="lang_choice").set_value("ms").run()
    assert not at.exception
    assert at.title[0].value == "Peta"
    _screen_examples(at)
    assert not at.exception
    assert at.title[0].value == "Saring tapak"
    assert [m.label for m in at.metric] == ["Dilarang", "Perlu semakan", "Layak"]


def test_typed_coordinates_are_screened():
    at = _open("screen")
    at.segmented_control(key="screen_source").set_value("type").run()
    at.text_area(key="typed_sites").set_value("5.65, 100.49, Gurun\n4.0034, 103.3775, next to Lynas").run()
    at.button(key="typed_run").click().run()
    assert not at.exception and not at.error
    results = _workspace(at).results
    assert results["site_id"].tolist() == ["Gurun", "next to Lynas"]
    assert results.geometry.y.round(4).tolist() == [5.65, 4.0034] and "input_latitude" not in results.columns
    assert not any("input_latitude" in c.value for c in at.caption)  # no "your column 'latitude'" note: nothing was uploaded


def test_typed_coordinates_with_a_bad_line_name_it():
    at = _open("screen")
    at.segmented_control(key="screen_source").set_value("type").run()
    at.text_area(key="typed_sites").set_value("5.65 100.49").run()
    at.button(key="typed_run").click().run()
    assert not at.exception
    assert at.error and "line 1" in _shown_error(at)


def test_geopackage_with_several_layers_asks_which(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(100.49, 5.65)], crs=4326).to_file(path, layer="first")
    gpd.GeoDataFrame({"name": ["b", "c"]}, geometry=[Point(100.5, 5.6), Point(101.0, 4.6)], crs=4326).to_file(path, layer="second")
    at = _open("screen")
    at.file_uploader(key="sites_upload").upload("two.gpkg", path.read_bytes(), "application/geopackage+sqlite3").run()
    assert not at.exception
    choice = at.selectbox(key="sites_layer")
    assert list(choice.options) == ["first", "second"]
    choice.set_value("second").run()
    assert not at.exception
    assert _workspace(at).results["site_id"].tolist() == ["b", "c"]


def test_exports_offered_for_results():
    at = _screen_examples(_app().run())
    ws = _workspace(at)
    assert ws.export("csv").startswith(b"site_id,verdict")
    assert json.loads(ws.export("geojson"))["type"] == "FeatureCollection"
    assert ws.export("gpkg")[:16] == b"SQLite format 3\x00"


def test_drawn_polygon_is_screened():
    at = _open("screen")
    at.segmented_control(key="screen_source").set_value("draw").run()
    assert not at.exception
    at.session_state["draw_clicks"] = [(5.60, 100.45), (5.66, 100.45), (5.66, 100.52)]
    at.radio(key="draw_shape").set_value("polygon").run()
    at.text_input(key="draw_name").set_value("my parcel").run()
    at.button(key="draw_run").click().run()
    assert not at.exception and not at.error
    results = _workspace(at).results
    assert results["site_id"].tolist() == ["my parcel"]
    assert results["site_area_m2"].iloc[0] > 1e6


def test_drawn_polygon_needs_three_clicks():
    at = _open("screen")
    at.segmented_control(key="screen_source").set_value("draw").run()
    at.session_state["draw_clicks"] = [(5.60, 100.45)]
    at.radio(key="draw_shape").set_value("polygon").run()
    at.button(key="draw_run").click().run()
    assert not at.exception
    assert at.error and "at least 3 clicks" in _shown_error(at)


def test_uploaded_layer_replaces_a_constraint_for_the_session():
    """A catchment uploaded on Data sources covers an example site that needed review: it turns prohibited."""
    at = _screen_examples(_app().run())
    gurun = _workspace(at).results.set_index("site_id").loc["kedah-gurun"]
    assert gurun["verdict"] == "review" and "water_catchments_unverified" in gurun["flags"]
    site = load_example_sites().set_index("site_id").loc["kedah-gurun"].geometry.representative_point()
    square = [[site.x - 0.05, site.y - 0.05], [site.x + 0.05, site.y - 0.05], [site.x + 0.05, site.y + 0.05], [site.x - 0.05, site.y + 0.05], [site.x - 0.05, site.y - 0.05]]
    catchment = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Gazetted <b>catchment</b>"}, "geometry": {"type": "Polygon", "coordinates": [square]}}
    ]}).encode()
    at.switch_page("pages/sources.py").run()
    at.selectbox(key="layer_target").set_value("water_catchments").run()
    at.file_uploader(key="layer_upload").upload("catchment.geojson", catchment, "application/geo+json").run()
    assert not at.exception and not at.error
    ws = _workspace(at)
    uploaded = ws.layer_overrides["water_catchments"]
    assert not uploaded.authoritative and uploaded.approximate  # honest until the user says otherwise
    assert ws.results.set_index("site_id").loc["kedah-gurun", "verdict"] == "prohibited"
    at.button(key="drop_water_catchments").click().run()
    assert not at.exception
    assert _workspace(at).results.set_index("site_id").loc["kedah-gurun", "verdict"] == "review"


def test_html_report_is_built_on_request():
    at = _screen_examples(_app().run())
    at.button(key="report_download_make_html").click().run()
    assert not at.exception and not at.error
    assert _workspace(at).has_export(_workspace(at).report_key_for("html", "en"))
    assert b"<html" in _workspace(at).report("html", at.session_state["workspace"].layers_in_use(load_layers())).lower()


def test_map_page_shows_the_eligibility_surface_with_totals():
    at = _open("map")
    at.toggle(key="map_surface").set_value(True).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.select_slider(key="map_surface_km").value == 10
    totals = at.dataframe[0].value
    # Every heading in words, with its unit.
    assert {"State", "Prohibited (km²)", "Needs review (km²)", "Eligible (km²)", "Total (km²)", "Eligible (%)"} <= set(totals.columns)
    assert not [c for c in totals.columns if "_" in c]
    assert "Pahang" in set(totals["State"])
    assert totals["Prohibited (km²)"].sum() > 0


def test_error_text_from_a_file_is_shown_literally_not_as_markdown():
    at = _open("screen")
    header = b"name,[click me](https://evil.example)\n1,2\n"
    at.file_uploader(key="sites_upload").upload("sites.csv", header, "text/csv").run()
    assert at.error
    raw = at.error[0].value
    assert "](https://evil.example)" not in raw and "\\]\\(https" in raw
    assert "[click me](https://evil.example)" in _shown_error(at)


@pytest.fixture
def private_data_dir(tmp_path, monkeypatch):
    """An empty user data folder, and the server's cached layers forgotten before and after."""
    import streamlit as st

    monkeypatch.setenv("REEGEO_DATA_DIR", str(tmp_path / "data"))
    st.cache_resource.clear()
    yield tmp_path / "data"
    st.cache_resource.clear()


def test_installing_a_layer_for_a_state_on_data_sources(private_data_dir):
    """A reserve file installed for Kedah: the coverage table says so and Gurun's forest finding is no longer 'unverified'."""
    reserve = _geojson({"type": "Feature", "properties": {"name": "Kedah Test FR"},
                        "geometry": {"type": "Polygon", "coordinates": [[[100.60, 6.00], [100.70, 6.00], [100.70, 6.10], [100.60, 6.10], [100.60, 6.00]]]}})
    at = _screen_examples(_app().run())
    assert "forest_reserves_unverified" in _workspace(at).results.set_index("site_id").loc["kedah-gurun", "flags"]
    at.switch_page("pages/sources.py").run()
    at.selectbox(key="install_target").set_value("forest_reserves").run()
    at.multiselect(key="install_covers").set_value(["Kedah"]).run()
    at.text_input(key="install_source").input("Kedah forestry department (test)").run()
    at.file_uploader(key="install_upload").upload("kedah.geojson", reserve, "application/geo+json").run()
    at.button(key="install_run").click().run()
    assert not at.exception and not at.error
    assert at.success and "complete in: Kedah" in re.sub(r"\\(.)", r"\1", at.success[0].value)
    assert list(private_data_dir.glob("forest_reserves.*.gpkg"))
    coverage = at.dataframe[0].value.set_index("State")  # the first table: coverage per state
    assert coverage.loc["Kedah", "forest reserves"] == "complete" and coverage.loc["Johor", "forest reserves"] == "incomplete"
    gurun = _workspace(at).results.set_index("site_id").loc["kedah-gurun"]
    assert "forest_reserves_unverified" not in gurun["flags"] and "water_catchments_unverified" in gurun["flags"]


def test_fetching_from_openstreetmap_on_data_sources(private_data_dir):
    from test_osm import SELANGOR_ANSWER, _json, _Server

    at = _open("sources")
    at.selectbox(key="osm_layer").set_value("forest_reserves").run()
    at.multiselect(key="osm_states").set_value(["Selangor"]).run()
    at.multiselect(key="osm_covers").set_value(["Selangor"]).run()
    with _Server({"/api/interpreter": [(200, _json(SELANGOR_ANSWER))]}) as server:
        at.text_input(key="osm_endpoint").input(f"{server.url}/api/interpreter").run()
        at.button(key="osm_run").click().run()
    assert not at.exception and not at.error
    assert at.success and "forest_reserves" in re.sub(r"\\(.)", r"\1", at.success[0].value)
    coverage = at.dataframe[0].value.set_index("State")  # the first table: coverage per state
    assert coverage.loc["Selangor", "forest reserves"] == "complete"
    assert "OpenStreetMap" in coverage.loc["Selangor", "forest reserves: source"]


def test_an_unreachable_overpass_server_shows_one_error_and_changes_nothing(private_data_dir):
    at = _open("sources")
    at.multiselect(key="osm_states").set_value(["Selangor"]).run()
    at.text_input(key="osm_endpoint").input("http://127.0.0.1:9/api/interpreter").run()
    at.button(key="osm_run").click().run()
    assert not at.exception
    assert at.error and "cannot reach the Overpass API at http://127.0.0.1:9/api/interpreter" in _shown_error(at)
    assert not private_data_dir.exists() or not list(private_data_dir.glob("*.gpkg"))


def test_report_title_reference_author_and_scope_are_set_in_the_app():
    from reegeo.report.options import ReportOptions
    from reegeo.web.workspace import report_key

    at = _screen_examples(_app().run())
    at.text_input(key="report_download_title").input("Kuantan candidates <2027>").run()
    at.text_input(key="report_download_reference").input("UPEN/PHG/2026/117").run()
    at.text_input(key="report_download_author").input("Nur Aisyah, UPEN Pahang").run()
    at.radio(key="report_download_scope").set_value("flagged").run()
    at.button(key="report_download_make_html").click().run()
    assert not at.exception and not at.error
    ws = _workspace(at)
    options = ReportOptions("Kuantan candidates <2027>", "UPEN/PHG/2026/117", "Nur Aisyah, UPEN Pahang", "flagged")
    assert ws.report_options == options
    key = report_key("html", "en", options)
    assert ws.has_export(key) and not ws.has_export(report_key("html", "en"))
    html = ws._exports[key].decode("utf-8")
    assert "<h1>Kuantan candidates &lt;2027&gt;</h1>" in html and "Reference: UPEN/PHG/2026/117" in html
    assert "Prepared by: Nur Aisyah, UPEN Pahang" in html
    flagged = int((ws.results["verdict"] != "eligible").sum())
    assert html.count('<section class="site"') == flagged
    assert f"Site pages follow for {flagged} sites only (prohibited or needs review)" in html


PLANNER_CSV = b"Nama Tapak,E,N,Keluasan\nGebeng lot 5,103.377,4.003,12\nKemaman,103.42,4.23,30\n"


def _run_shell(at: AppTest) -> AppTest:
    """Run app.py, the shell around the pages (the sidebar counts, the session store).

    After its first run AppTest reruns a page's own file, as Streamlit's older
    multipage mode does; opening a page file first and then ``app.py`` runs
    the shell again, with the default page.
    """
    at.switch_page("pages/map.py").run()
    return at.switch_page("app.py").run()


def _picker(at: AppTest, label: str):
    return next(box for box in at.selectbox if box.label == label)


def test_column_pickers_choose_the_coordinates_and_the_ids_of_a_table():
    at = _open("screen")
    at.file_uploader(key="sites_upload").upload("tapak.csv", PLANNER_CSV, "text/csv").run()
    assert at.error and "no coordinate columns found" in _shown_error(at) and "column pickers under the upload" in _shown_error(at)
    assert _workspace(at).results is None
    assert _picker(at, "Longitude (x, easting)").options == ["(automatic)", "Nama Tapak", "E", "N", "Keluasan"]
    _picker(at, "Longitude (x, easting)").set_value("E").run()
    _picker(at, "Latitude (y, northing)").set_value("N").run()
    assert not at.exception
    ws = _workspace(at)
    assert ws.results is not None and ws.results["site_id"].tolist() == ["1", "2"]  # no id column among the usual names
    _picker(at, "Site name or id").set_value("Nama Tapak").run()
    ws = _workspace(at)
    assert ws.results["site_id"].tolist() == ["Gebeng lot 5", "Kemaman"]
    assert (ws.sites_file.x_column, ws.sites_file.y_column, ws.id_column) == ("E", "N", "Nama Tapak")
    assert any("site ids from column 'Nama Tapak'" in c.value.replace("\\", "") for c in at.caption)

    _picker(at, "Longitude (x, easting)").set_value("Nama Tapak").run()  # a wrong pick: text, not coordinates
    assert at.error and not at.exception
    assert _workspace(at).results["site_id"].tolist() == ["Gebeng lot 5", "Kemaman"]  # the earlier results stay
    assert _picker(at, "Longitude (x, easting)").options == ["(automatic)", "Nama Tapak", "E", "N", "Keluasan"]  # and the pick can be undone
    _picker(at, "Longitude (x, easting)").set_value("E").run()
    assert not at.error and _workspace(at).sites_file.x_column == "E"


def test_a_reload_restores_the_workspace_and_a_saved_project_opens(tmp_path, monkeypatch):
    from reegeo.project import project_to_bytes
    from reegeo.screening.rules import update_rule

    monkeypatch.setenv("REEGEO_SESSIONS_DIR", str(tmp_path / "sessions"))
    at = _screen_examples(_app().run())
    at.switch_page("pages/rules.py").run()
    at.text_input(key="rule_note_author").input("Hafiz").run()
    at.text_input(key="rule_note_reason").input("JPBD guideline").run()
    at.number_input(key="dist_forest_reserve_buffer").set_value(3000.0).run()
    ws = _workspace(at)
    assert ws.rule_changes[-1].author == "Hafiz" and ws.rule_changes[-1].reason == "JPBD guideline"
    _run_shell(at)  # the shell runs after the page and keeps the workspace on the server
    session_id = at.query_params.get("project")
    session_id = session_id[0] if isinstance(session_id, list) else session_id
    assert session_id and (tmp_path / "sessions" / f"{session_id}.reegeo").exists()
    from reegeo.project import read_project

    saved = read_project(at.session_state["project_bytes"][1])  # what the sidebar's "Save project" offers
    assert saved.sites is not None and saved.rule_changes == ws.rule_changes and saved.rules is not None

    reloaded = _app()
    reloaded.query_params["project"] = session_id
    reloaded.run()
    assert not reloaded.exception
    restored = _workspace(reloaded)
    assert restored.results["verdict"].tolist() == ws.results["verdict"].tolist()
    assert restored.rules == ws.rules and restored.rule_changes == ws.rule_changes

    fresh = _app().run()  # another browser: opens the saved project file from the sidebar
    data = project_to_bytes(ws.to_project(lang="ms"))
    fresh.file_uploader(key="project_open").upload("kerja.reegeo", data, "application/zip").run()
    assert not fresh.exception and not fresh.error
    opened = _workspace(fresh)
    assert opened.results["site_id"].tolist() == ws.results["site_id"].tolist()
    assert fresh.session_state["lang"] == "ms" and opened.rules == update_rule(ws.rules, "forest_reserve_buffer", distance_m=3000.0)

    broken = _app().run()
    broken.file_uploader(key="project_open").upload("kerja.reegeo", b"PK\x03\x04 broken", "application/zip").run()
    assert broken.error and _workspace(broken).results is None and not broken.exception


def test_a_cached_map_sends_what_st_folium_would_send(monkeypatch):
    """The map rendered once and shared (pages._ui.show_cached_map) gives the component what st_folium gives it."""
    import streamlit_folium

    from pages import _ui
    from reegeo.web.map import build_map

    layers = load_layers()
    sent: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs) or {})
    streamlit_folium.st_folium(build_map(layers, lang="ms"), key="m", height=500, use_container_width=True, returned_objects=[])
    _ui.show_cached_map(_ui.map_content("test", "ms"), lambda: build_map(layers, lang="ms"), key="m", height=500)
    _ui.show_cached_map(_ui.map_content("test", "ms"), lambda: pytest.fail("rendered twice"), key="m", height=500)

    folium_ids = re.compile(r"_[0-9a-f]{32}")  # folium's random element ids differ between two builds
    direct, cached, again = ({k: folium_ids.sub("_ID", v) if isinstance(v, str) else v for k, v in call.items() if k != "on_change"} for call in sent)
    assert cached == again
    assert {k: v for k, v in cached.items() if k != "key"} == {k: v for k, v in direct.items() if k != "key"}
    assert "Hutan" in cached["script"]


def test_a_sessions_sites_go_on_top_of_the_shared_map(monkeypatch):
    """The layers are rendered once per server; a session's sites and evidence travel beside them, with the layer control."""
    import streamlit_folium

    from pages import _ui
    from reegeo.web.map import base_map, site_overlay

    layers = load_layers()
    results = screen_sites(load_example_sites(), layers, default_rules())
    sent: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs) or {})
    shared = _ui.map_content("test overlay", "en")
    for position in (0, 1, 1):
        site = results.iloc[[position]]
        _ui.show_cached_map(
            shared,
            (lambda: base_map(layers, site_map=True, deferred_control=True)) if position == 0 else (lambda: pytest.fail("layers rendered twice")),
            key="site",
            overlay=lambda site=site: site_overlay(site, rules=default_rules(), focus=site.geometry.iloc[0]),
            overlay_content=_ui.map_content("session", position),
        )
    first, second, again = sent
    assert first["script"] == second["script"] and first["key"] == second["key"]  # the same shared map: the browser keeps it
    assert "reegeoOverlays.push" in first["script"] and "L.control.layers" not in first["script"]
    for call, position in ((first, 0), (second, 1)):
        name = results["site_id"].iloc[position]
        assert name in call["feature_group"] and all(other not in call["feature_group"] for other in results["site_id"] if other != name)
        assert "overlays[\"Candidate sites\"] = feature_group_feature_group_0" in call["layer_control"]
        assert "fitBounds" in call["layer_control"]
    assert second == again


def test_a_bad_cluster_setting_is_shown_and_the_server_screens_here(monkeypatch):
    """REEGEO_DASK_MIN_SITES that is not a number: every page says what to fix, and sites are screened in the app's process."""
    from pages import _ui

    monkeypatch.setenv("REEGEO_DASK_MIN_SITES", "many")
    _ui.server_engine.clear()
    try:
        at = _screen_examples(_app().run())
        assert len(at.error) == 1 and _shown_error(at).startswith("REEGEO_DASK_MIN_SITES='many' is not a number of sites")
        assert len(_workspace(at).results) == len(load_example_sites())
        assert not _workspace(at).engine.dask
    finally:
        _ui.server_engine.clear()


def test_a_workspace_keeps_its_built_exports_within_a_byte_bound(monkeypatch):
    """Exports and reports are kept for reruns, but a session's kept files stay under EXPORTS_MAX_BYTES: the oldest go first, the newest always stays."""
    from reegeo.web import workspace as workspace_module

    ws = workspace_module.Workspace(rules=default_rules())
    ws.screen(load_example_sites(), load_layers(), source="examples")
    layers = load_layers()
    report = workspace_module.report_key("html", "en")
    built = {"csv": ws.export("csv"), "geojson": ws.export("geojson"), report: ws.report("html", layers)}
    assert all(ws.has_export(key) for key in built)
    assert len(built["csv"]) < len(built["geojson"]) < len(built[report])  # so dropping the oldest is not dropping the biggest
    assert ws.export("csv") is built["csv"]  # kept: given from the cache

    ws._exports.clear()
    monkeypatch.setattr(workspace_module, "EXPORTS_MAX_BYTES", len(built["geojson"]) + len(built[report]))
    assert ws.export("csv") == built["csv"] and ws.export("geojson") == built["geojson"]
    assert len(ws.report("html", layers)) == len(built[report])  # (stamped with the time it was made) the three are over the bound: the oldest (csv) goes
    assert list(ws._exports) == ["geojson", report]
    assert ws.export("csv") == built["csv"]  # built again: now geojson is the oldest and goes
    assert list(ws._exports) == [report, "csv"]

    monkeypatch.setattr(workspace_module, "EXPORTS_MAX_BYTES", 1)
    assert ws.export("geojson") == built["geojson"] and list(ws._exports) == ["geojson"]  # bigger than the bound, kept alone


def test_an_export_of_results_that_changed_while_it_was_built_is_not_kept(monkeypatch):
    """A download builds its file in a worker thread; if the session rescreens meanwhile, the file of the old results is not served later."""
    from dataclasses import replace

    from reegeo.web import workspace as workspace_module

    ws = workspace_module.Workspace(rules=default_rules())
    ws.screen(load_example_sites(), load_layers(), source="examples")
    csv = workspace_module.EXPORTS["csv"]
    old_results = ws.results

    def built_while_the_session_rescreens(results):
        data = csv.to_bytes(results)
        ws.screen(load_example_sites().iloc[:3], load_layers(), source="three examples")  # what the script thread does meanwhile
        return data

    monkeypatch.setitem(workspace_module.EXPORTS, "csv", replace(csv, to_bytes=built_while_the_session_rescreens))
    assert ws.export("csv") == csv.to_bytes(old_results)  # the click gets the file it asked for
    assert not ws.has_export("csv")  # but it is not kept for the new results
    monkeypatch.setitem(workspace_module.EXPORTS, "csv", csv)
    assert len(ws.results) == 3 and ws.export("csv") == csv.to_bytes(ws.results) and ws.has_export("csv")


def test_the_shared_map_is_keyed_by_what_it_draws(monkeypatch):
    """A planner's edited buffer distance does not give them a national map of their own (the map draws no buffer),
    but a layer claimed complete in other states does (its incomplete-coverage overlay differs)."""
    from dataclasses import replace

    from pages import _ui
    from reegeo.layers.coverage import Coverage
    from reegeo.screening.rules import update_rule
    from reegeo.web import map as map_module

    built: list[bool] = []
    real_base_map = map_module.base_map
    monkeypatch.setattr(map_module, "base_map", lambda *args, **kwargs: built.append(True) or real_base_map(*args, **kwargs))
    first = _app().run()
    assert not first.exception
    before = len(built)
    edited = _app().run()
    _workspace(edited).rules = update_rule(_workspace(edited).rules, "forest_reserve_buffer", distance_m=4321.0)
    edited.run()
    assert not edited.exception and len(built) == before  # the same shared map: nothing rendered for the other rules

    layers = load_layers()
    monkeypatch.setattr(_ui, "layers", lambda: layers)
    as_bundled = _ui.layers_token()
    claimed = {**layers, "forest_reserves": replace(layers["forest_reserves"], coverage=Coverage.of(["Kedah"], "my file"))}
    monkeypatch.setattr(_ui, "layers", lambda: claimed)
    assert _ui.layers_token() != as_bundled  # same file, other claims: another map


def test_the_map_page_says_when_it_draws_only_some_of_the_sites(monkeypatch):
    from reegeo.web import features

    at = _screen_examples(_app().run())
    at.switch_page("pages/map.py").run()
    assert not any("The map shows" in c.value for c in at.caption)  # 11 sites: all drawn, nothing to say
    monkeypatch.setattr(features, "MAP_MAX_SITES", 3)
    at.run()
    assert not at.exception
    assert any(c.value.startswith("The map shows 3 of 11 sites: the prohibited sites first") for c in at.caption), [c.value for c in at.caption]


def test_hostile_names_reach_the_shared_maps_overlay_escaped(monkeypatch):
    """A site id and a layer feature name that are markup, sent through the overlay path (feature group, evidence, layer control)."""
    import streamlit_folium

    from pages import _ui
    from reegeo.layers.load import layer_from_frame
    from reegeo.web.features import focus_evidence
    from reegeo.web.map import base_map, site_overlay

    hostile_site, hostile_reserve = "<img src=x onerror=alert(1)>", "</script><script>alert('reserve')</script>"
    layers = load_layers()
    layers.update({
        name: layer_from_frame(name, layers[name].frame.assign(name=hostile_reserve), title=f"{name} {hostile_reserve}", approximate=True)
        for name in ("forest_reserves", "water_catchments", "protected_areas")
    })
    results = screen_sites(load_example_sites().iloc[:3].assign(site_id=["a", hostile_site, "c"]), layers, default_rules())
    row = results.iloc[1]  # outside every constraint: its map draws the labelled line to the nearest
    evidence = focus_evidence(row, layers, default_rules())
    assert hostile_reserve in evidence.label  # the line is labelled with the feature's name: it must arrive escaped
    sent: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs) or {})
    _ui.show_cached_map(
        _ui.map_content("hostile overlay"),
        lambda: base_map(layers, site_map=True, deferred_control=True),
        key="hostile",
        overlay=lambda: site_overlay(results.iloc[[1]], rules=default_rules(), focus=row.geometry, evidence=evidence),
        overlay_content="hostile",
    )
    (call,) = sent
    for script in (call["script"], call["feature_group"], call["layer_control"]):
        assert "<img" not in script and "<script>alert" not in script.lower(), script[:200]
    assert "&lt;img src=x onerror=alert(1)&gt;" in call["feature_group"] or "\\u0026lt;img" in call["feature_group"]
    assert "&lt;/script&gt;" in call["feature_group"] or "\\u0026lt;/script\\u0026gt;" in call["feature_group"]


def test_data_sources_say_where_each_layer_comes_from_in_the_apps_language():
    at = _app().run()
    at.session_state["lang"] = "ms"
    at.switch_page("pages/sources.py").run()
    assert not at.exception
    heads = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert heads and all("disertakan" in head and "bundled" not in head for head in heads), heads[:2]


def test_a_filtered_table_says_the_downloads_hold_every_site():
    at = _screen_examples(_app().run())
    assert not any("not only the" in c.value for c in at.caption)
    at.multiselect(key="filter_verdict").set_value(["prohibited"]).run()
    assert not at.exception
    assert any(c.value == "The downloads and reports hold all 11 sites, not only the 1 the filters show." for c in at.caption)


def test_what_was_checked_is_a_static_table_with_uploaded_names_escaped(monkeypatch):
    """st.table reads cells as Markdown: a feature name that is Markdown shows as typed."""
    from pages import _ui
    from reegeo.layers.load import layer_from_frame

    layers = load_layers()
    marked = "**Hutan** [x](http://evil.example)"
    reserves = layer_from_frame("forest_reserves", layers["forest_reserves"].frame.assign(name=marked), title="reserves", approximate=True)
    monkeypatch.setattr(_ui, "server_layers", lambda: {**layers, "forest_reserves": reserves})
    at = _screen_examples(_app().run())
    assert not at.exception
    checked = at.table[-1].value  # the last static table: the evidence for the first site
    assert len(checked) == len(layers) - 1  # every layer but the states
    cells = checked.astype(str).to_numpy().ravel().tolist()
    assert _ui.literal(marked) in cells and marked not in cells
