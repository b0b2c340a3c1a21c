"""OpenStreetMap through the Overpass API, against a local server serving answers authored here.

No test touches the network: every request goes to a ``http.server`` on
127.0.0.1 started by the test.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from reegeo.cli import main
from reegeo.errors import FetchError
from reegeo.layers.load import load_layers
from reegeo.layers.osm import build_query, classify_tags, elements_to_frame, fetch_osm
from reegeo.screening.engine import screen_sites
from reegeo.screening.rules import default_rules


def ring(x0: float, y0: float, x1: float, y1: float) -> list[dict]:
    """A closed rectangle as Overpass ``out geom`` points."""
    return [{"lat": y, "lon": x} for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]


def open_line(points: list[tuple[float, float]]) -> list[dict]:
    return [{"lat": y, "lon": x} for x, y in points]


# Selangor, around 101.5 E 3.3 N.
RESERVE_WAY = {"type": "way", "id": 11, "tags": {"boundary": "protected_area", "protect_class": "6", "name": "Hutan Simpan Kekal Ujian"}, "geometry": ring(101.50, 3.30, 101.55, 3.35)}
# A multipolygon whose outer ring is split over two ways, with a hole.
RESERVE_RELATION = {
    "type": "relation", "id": 21,
    "tags": {"type": "multipolygon", "landuse": "forest", "name": "Hutan Simpan Bukit Ujian"},
    "members": [
        {"type": "way", "ref": 1, "role": "outer", "geometry": open_line([(101.60, 3.40), (101.70, 3.40), (101.70, 3.50)])},
        {"type": "way", "ref": 2, "role": "outer", "geometry": open_line([(101.70, 3.50), (101.60, 3.50), (101.60, 3.40)])},
        {"type": "way", "ref": 3, "role": "inner", "geometry": ring(101.64, 3.44, 101.66, 3.46)},
    ],
}
DECOYS = [
    {"type": "way", "id": 31, "tags": {"landuse": "forest"}, "geometry": ring(101.40, 3.10, 101.45, 3.15)},
    {"type": "way", "id": 32, "tags": {"natural": "wood", "name": "Some Wood"}, "geometry": ring(101.40, 3.20, 101.45, 3.25)},
    {"type": "way", "id": 33, "tags": {"landuse": "forest", "name": "Ladang Hutan Simpan Sawit"}, "geometry": ring(101.30, 3.10, 101.35, 3.15)},
    {"type": "way", "id": 34, "tags": {"boundary": "protected_area", "name": "Hutan Lipur Sungai Tekala"}, "geometry": ring(101.30, 3.20, 101.35, 3.25)},
    {"type": "way", "id": 35, "tags": {"boundary": "protected_area", "name": "Hutan Simpan Terbuka"}, "geometry": open_line([(101.2, 3.1), (101.3, 3.1)])},
    {"type": "node", "id": 36, "lat": 3.3, "lon": 101.5, "tags": {"name": "Hutan Simpan Node"}},
]
PARKS = [
    {"type": "way", "id": 41, "tags": {"boundary": "national_park", "name": "Taman Negara Ujian"}, "geometry": ring(101.50, 3.60, 101.55, 3.65)},
    {"type": "way", "id": 42, "tags": {"leisure": "nature_reserve", "name": "Santuari Hidupan Liar Ujian"}, "geometry": ring(101.56, 3.60, 101.60, 3.65)},
    {"type": "way", "id": 43, "tags": {"boundary": "protected_area", "name": "Taman Negeri Ujian"}, "geometry": ring(101.61, 3.60, 101.65, 3.65)},
]
SELANGOR_ANSWER = {"version": 0.6, "generator": "test", "elements": [RESERVE_WAY, RESERVE_RELATION, *DECOYS, *PARKS]}


class _Server:
    """Serves a script of (status, body) answers per path; the last one repeats."""

    def __init__(self, script: dict[str, list[tuple[int, bytes]]]):
        self.script = {path: list(answers) for path, answers in script.items()}
        self.queries: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length", 0))
                outer.queries.append(parse_qs(self.rfile.read(length).decode())["data"][0])
                answers = outer.script.get(self.path) or [(404, b"not found")]
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if body.startswith(b"{") else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _json(answer: dict) -> bytes:
    return json.dumps(answer).encode()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("REEGEO_DATA_DIR", str(folder))
    monkeypatch.delenv("REEGEO_OVERPASS_URL", raising=False)
    return folder


def _selangor():
    states = load_layers(include_installed=False)["states"].frame.set_index("name")
    return [("Selangor", "MY-10", states.loc["Selangor", "geometry"])]


def test_query_asks_for_the_state_area_in_json_with_geometry():
    query = build_query("forest_reserves", "MY-10", timeout_s=90)
    assert query.startswith("[out:json][timeout:90];") and 'area["ISO3166-2"="MY-10"]' in query and query.rstrip().endswith("out geom;")


def test_classification_is_by_the_elements_own_tags():
    assert classify_tags("forest_reserves", {"boundary": "protected_area", "protect_class": "6"})[0] == "permanent_reserved_forest"
    assert classify_tags("forest_reserves", {"landuse": "forest", "name": "HSK Ayer Hitam"})[0] == "permanent_reserved_forest"
    assert classify_tags("forest_reserves", {"landuse": "forest"}) is None
    assert classify_tags("forest_reserves", {"natural": "wood", "name": "Forest Reserve"}) is None
    assert classify_tags("forest_reserves", {"landuse": "forest", "name": "Ladang Hutan Simpan"}) is None
    assert classify_tags("protected_areas", {"boundary": "national_park", "name": "Taman Negara"})[0] == "national_park"
    assert classify_tags("protected_areas", {"boundary": "protected_area", "name": "Hutan Lipur Kanching"}) is None
    assert classify_tags("protected_areas", {"leisure": "nature_reserve", "name": "Wildlife Sanctuary X"})[0] == "wildlife_reserve"
    assert classify_tags("reservoirs", {"natural": "water", "water": "reservoir"})[0] == "reservoir"
    # A server that returns a park for a forest-reserve query does not turn it into a reserve.
    assert classify_tags("forest_reserves", {"boundary": "national_park", "name": "Taman Negara"}) is None


def test_elements_become_polygons_with_split_outer_rings_and_holes():
    frame = elements_to_frame(SELANGOR_ANSWER["elements"], "forest_reserves", state="Selangor").set_index("osm_id")
    assert sorted(frame.index) == [11, 21]
    relation = frame.loc[21]
    assert relation["name"] == "Hutan Simpan Bukit Ujian" and relation["osm_type"] == "relation"
    outer, hole = box(101.60, 3.40, 101.70, 3.50), box(101.64, 3.44, 101.66, 3.46)
    assert relation.geometry.area == pytest.approx(outer.area - hole.area, rel=1e-9)
    assert not relation.geometry.contains(Point(101.65, 3.45))
    parks = elements_to_frame(SELANGOR_ANSWER["elements"], "protected_areas").set_index("osm_id")
    assert parks["category"].to_dict() == {41: "national_park", 42: "wildlife_reserve", 43: "state_park"}


def test_fetch_osm_installs_selangor_and_clears_or_prohibits_there(data_dir, capsys):
    with _Server({"/api/interpreter": [(200, _json(SELANGOR_ANSWER))]}) as server:
        code = main(["data", "fetch-osm", "forest_reserves", "--state", "selangor", "--covers", "Selangor", "--endpoint", f"{server.url}/api/interpreter"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "fetching forest_reserves for Selangor (MY-10)" in captured.err
    assert "installed forest_reserves: 2 feature(s) from OpenStreetMap" in captured.out
    assert 'area["ISO3166-2"="MY-10"]' in server.queries[0]
    assert main(["data", "list"]) == 0
    listed = capsys.readouterr().out
    assert "OpenStreetMap contributors, ODbL 1.0" in listed and "complete in Selangor" in listed
    layers = load_layers()
    reserves = layers["forest_reserves"]
    assert reserves.coverage.states == frozenset({"Selangor"})
    osm = reserves.frame[reserves.frame["licence"] == "OpenStreetMap contributors, ODbL 1.0"]
    assert set(osm["name"]) == {"Hutan Simpan Kekal Ujian", "Hutan Simpan Bukit Ujian"} and (osm["accuracy_m"] == 20).all()
    assert "Selangor State Park" not in set(reserves.frame["name"])  # the sketch in Selangor is replaced
    sites = gpd.GeoDataFrame({"site_id": ["inside", "far"]}, geometry=[Point(101.52, 3.32), Point(101.35, 2.95)], crs=4326)
    result = screen_sites(sites, layers, default_rules()).set_index("site_id")
    assert result.loc["inside", "verdict"] == "prohibited"
    assert not [f for f in result.loc["far", "flags"].split(";") if f.startswith("forest")]


def test_fetch_osm_retries_after_429_and_504(data_dir):
    script = [(429, b"rate limited"), (504, b"<html>Gateway Timeout</html>"), (200, _json(SELANGOR_ANSWER))]
    with _Server({"/i": script}) as server:
        lines: list[str] = []
        (result,) = fetch_osm("forest_reserves", _selangor(), endpoint=f"{server.url}/i", backoff_s=0.01, progress=lines.append)
    assert result.kept == 2 and result.elements == len(SELANGOR_ANSWER["elements"])
    assert len(server.queries) == 3 and any("HTTP 429" in line for line in lines)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([(200, b'{"elements": [{"type": "way", "id": 1, "geom')], "cut-off JSON answer"),
        ([(200, b"<html><body>Error: runtime error: Query timed out</body></html>")], "not JSON"),
        ([(400, b"<html>bad query</html>")], "refused the request (HTTP 400"),
        ([(429, b"busy")], "HTTP 429"),
        ([(200, b'{"elements": [], "remark": "runtime error: Query ran out of memory"}')], "did not finish the query"),
    ],
)
def test_bad_answers_exit_2_with_one_line_and_change_nothing(data_dir, capsys, answers, expected):
    with _Server({"/i": answers}) as server:
        with pytest.raises(FetchError, match=expected.replace("(", r"\(")):
            fetch_osm("forest_reserves", _selangor(), endpoint=f"{server.url}/i", retries=1, backoff_s=0.01)
        if answers[0][0] != 429 and expected != "cut-off JSON answer":  # the CLI waits seconds between retries
            assert main(["data", "fetch-osm", "forest_reserves", "--state", "Selangor", "--endpoint", f"{server.url}/i"]) == 2
            err = capsys.readouterr().err
            assert err.count("\n") >= 1 and "Traceback" not in err and err.splitlines()[-1].startswith("reegeo: error:")
    assert not data_dir.exists() or not list(data_dir.glob("*.gpkg"))


def test_unreachable_endpoint_names_it_and_what_to_try(data_dir, capsys):
    with _Server({}) as server:
        url = server.url
    assert main(["data", "fetch-osm", "forest_reserves", "--state", "Selangor", "--endpoint", f"{url}/api/interpreter"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"cannot reach the Overpass API at {url}/api/interpreter" in err and "--endpoint" in err
    assert not data_dir.exists() or not list(data_dir.glob("*.gpkg"))


def test_an_empty_answer_cannot_declare_a_state_complete(data_dir, capsys):
    with _Server({"/i": [(200, _json({"elements": []}))]}) as server:
        assert main(["data", "fetch-osm", "forest_reserves", "--state", "Selangor", "--covers", "Selangor", "--endpoint", f"{server.url}/i"]) == 2
    assert "returned no forest_reserves for Selangor" in capsys.readouterr().err
    assert not data_dir.exists() or not list(data_dir.glob("*.gpkg"))


def test_covers_must_be_among_the_fetched_states(data_dir, capsys):
    assert main(["data", "fetch-osm", "forest_reserves", "--state", "Selangor", "--covers", "Johor", "--endpoint", "http://127.0.0.1:9/i"]) == 2
    assert "--covers Johor: not fetched" in capsys.readouterr().err


def test_protected_areas_from_osm_feed_the_park_rules(data_dir, capsys):
    with _Server({"/i": [(200, _json(SELANGOR_ANSWER))]}) as server:
        assert main(["data", "fetch-osm", "protected_areas", "--state", "Selangor", "--covers", "Selangor", "--endpoint", f"{server.url}/i"]) == 0
    layers = load_layers()
    sites = gpd.GeoDataFrame({"site_id": ["np", "sp"]}, geometry=[Point(101.52, 3.62), Point(101.63, 3.62)], crs=4326)
    result = screen_sites(sites, layers, default_rules()).set_index("site_id")
    assert result.loc["np", "violations"] == "national_park"
    assert "state_park" in result.loc["sp", "flags"].split(";") and result.loc["sp", "verdict"] == "review"
