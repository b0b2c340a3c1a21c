"""The dashboard in a real browser: headless Debian Chromium, network limited to localhost.

The app is started the way the README says (``python -m streamlit run app.py``)
and driven with Playwright; Chromium resolves no host but localhost. What only a browser shows: the Leaflet map drawn
from assets the app serves itself, an upload through the file input, the
verdicts on screen, the CSV download, and that a hostile site name runs no
script (issue 4).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bench.proxy import NGINX, local_proxy

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)>"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host name but localhost fails to resolve: the browser has no network beyond the app.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
START_TIMEOUT_S = 60
UI_TIMEOUT_MS = 30_000

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install -r requirements-dev.txt)")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _serving(data_dir: Path, log: Path):
    """``python -m streamlit run app.py`` on a free port with ``data_dir`` as its user data folder; yields its URL."""
    port = _free_port()
    env = dict(os.environ, REEGEO_DATA_DIR=str(data_dir))
    env.pop("REEGEO_SESSIONS_DIR", None)  # the sessions live in the data folder
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"streamlit did not start on port {port}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)
    try:
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def app_data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reegeo-data")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, app_data_dir):
    """The app served on a free port, with no installed layers."""
    with _serving(app_data_dir, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Traffic:
    """What a page asked for: bytes received from the app, requests off localhost, dialogs opened."""

    def __init__(self) -> None:
        self.local_bytes = 0
        self.local_urls: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture
def page(browser):
    """A fresh page; requests off localhost cannot resolve and are recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    traffic = Traffic()

    def requested(request):
        url = request.url
        if not url.startswith(("data:", "blob:")) and (urlparse(url).hostname or "") not in LOCAL_HOSTS:
            traffic.blocked.append(url)

    def finished(request):
        traffic.local_urls.append(request.url)
        try:
            traffic.local_bytes += max(request.sizes()["responseBodySize"], 0)
        except sync_api.Error:
            pass

    def dialog(d):
        traffic.dialogs.append(d.message)
        d.dismiss()

    page.on("request", requested)
    page.on("requestfinished", finished)
    page.on("dialog", dialog)
    page.traffic = traffic
    page.set_default_timeout(UI_TIMEOUT_MS)
    yield page
    context.close()


def _sites_geojson(*named_points: tuple[str, float, float]) -> bytes:
    features = [
        {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        for name, lon, lat in named_points
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _inside_reserve_and_clear() -> bytes:
    from reegeo.layers.load import load_example_sites, load_layers

    reserve = load_layers()["forest_reserves"].frame.geometry.iloc[0].representative_point()
    examples = load_example_sites()
    gurun = examples[examples["site_id"] == "kedah-gurun"].geometry.iloc[0].representative_point()
    return _sites_geojson(("inside reserve", reserve.x, reserve.y), ("gurun", gurun.x, gurun.y))


def _open_screen_page(page, app_url: str) -> None:
    page.goto(app_url)
    page.get_by_role("link", name="Screen sites").click()
    page.get_by_role("heading", name="Screen sites").wait_for()


def _upload(page, filename: str, data: bytes) -> None:
    page.get_by_test_id("stMain").locator("input[type=file]").first.set_input_files({"name": filename, "mimeType": "application/geo+json", "buffer": data})


def _distinct_colours(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(image.getcolors(maxcolors=1 << 20) or [])


def test_a_bookmark_to_a_page_opens_it_on_a_fresh_server_and_a_reload_keeps_the_work(page, app_url):
    """First in this module, so the server has not run its navigation yet (a bookmark right after a restart)."""
    page.goto(f"{app_url}/screen")
    page.get_by_role("heading", name="Screen sites").wait_for()
    _upload(page, "sites.geojson", _inside_reserve_and_clear())
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    page.wait_for_function("() => new URL(window.location.href).searchParams.has('project')")
    session_url = page.url
    page.reload()
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    assert page.url == session_url
    metrics = page.locator("[data-testid='stMetric']")
    assert "1" in metrics.nth(0).inner_text()  # the prohibited site is still there, without uploading again

    # Another page opened from the sidebar: its URL carries the project again, so a reload there keeps the work too.
    project = parse_qs(urlparse(session_url).query)["project"][0]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Rules").click()
    page.get_by_role("heading", name="Rules", exact=True).wait_for()
    page.wait_for_function("(id) => new URL(window.location.href).searchParams.get('project') === id", arg=project)
    page.reload()
    page.get_by_role("heading", name="Rules", exact=True).wait_for()
    page.get_by_test_id("stSidebar").get_by_text("Prohibited:").wait_for()  # the sidebar's counts: the work is back


def _map_click(page, fx: float, fy: float) -> None:
    leaflet = page.frame_locator(MAP_FRAME).locator(".leaflet-container")
    box = leaflet.bounding_box()
    leaflet.click(position={"x": box["width"] * fx, "y": box["height"] * fy})


def test_sites_are_drawn_on_land_with_every_layer_shown(page, app_url):
    """Clicks on a state, a reserve or a park draw the site (they open no popup), as a point and as a polygon."""
    _open_screen_page(page, app_url)
    page.get_by_text("Draw on the map", exact=True).click()
    page.frame_locator(MAP_FRAME).locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane svg").first.wait_for()
    for count, (fx, fy) in enumerate(((0.18, 0.45), (0.22, 0.50), (0.20, 0.56)), start=1):  # inland Peninsula
        _map_click(page, fx, fy)
        page.get_by_text(f"{count} click(s) so far").wait_for()
    assert page.frame_locator(MAP_FRAME).locator(".leaflet-popup").count() == 0
    page.get_by_text("Polygon", exact=True).click()
    page.get_by_role("button", name="Screen these sites").click()
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    page.get_by_text("1 site screened (Draw on the map)").first.wait_for()
    area = page.get_by_text(" ha", exact=False).first
    area.wait_for()


def test_map_draws_its_layers_offline(page, app_url, tmp_path):
    sent_to_server: list[int] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent_to_server.append(len(payload))))
    started = time.monotonic()
    page.goto(app_url)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container canvas").first.wait_for()
    overlays = frame.locator(".leaflet-control-layers-overlays label")
    overlays.first.wait_for()
    assert overlays.count() >= 5
    assert "Forest reserves" in frame.locator(".reegeo-legend").inner_text()
    frame.locator(".reegeo-label", has_text="Lynas").wait_for()
    page.wait_for_timeout(800)  # let the canvas finish drawing
    shot = page.locator(MAP_FRAME).screenshot(path=str(tmp_path / "map.png"))
    elapsed = time.monotonic() - started
    assert _distinct_colours(shot) > 50, "the map looks blank"
    leaflet = [u for u in page.traffic.local_urls if u.endswith("/leaflet.js")]
    assert leaflet and all(urlparse(u).hostname in LOCAL_HOSTS for u in leaflet)
    assert not page.traffic.blocked, "the app asked the internet for something"
    # Panning and zooming stay in the browser: the app is not asked to rerun.
    page.wait_for_timeout(1000)
    before = len(sent_to_server)
    assert before > 0, "the page never spoke to the app over its websocket"
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 150, box["y"] + box["height"] / 2 + 80, steps=8)
    page.mouse.up()
    frame.locator(".leaflet-control-zoom-in").click()
    legend_row = frame.locator(".reegeo-legend details > div").first
    assert legend_row.is_visible()
    frame.locator(".reegeo-legend summary").click()  # the legend folds away, in the browser only
    legend_row.wait_for(state="hidden")
    page.wait_for_timeout(1500)
    assert len(sent_to_server) == before, "panning, zooming or folding the legend reran the app"
    print(f"\nmap page: {page.traffic.local_bytes / 1e6:.2f} MB from the app in {elapsed:.1f} s; "
          f"{len(page.traffic.blocked)} off-host request(s): {page.traffic.blocked[:3]}")


def test_upload_shows_verdicts_and_downloads_csv(page, app_url):
    _open_screen_page(page, app_url)
    started = time.monotonic()
    _upload(page, "sites.geojson", _inside_reserve_and_clear())
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    print(f"\nupload to results: {time.monotonic() - started:.1f} s")
    metrics = page.locator("[data-testid='stMetric']")
    metrics.first.wait_for()
    assert metrics.count() == 3
    assert "Prohibited" in metrics.nth(0).inner_text() and "1" in metrics.nth(0).inner_text()
    # A static table of where the data could not clear a site (gurun, in Kedah), the grid of every
    # result, and a static table of what was checked at the site picked for evidence (cells wrap).
    tables = page.locator("[data-testid='stTable']")
    unverified, checked = tables.nth(0), tables.nth(1)
    grids = page.locator("[data-testid='stDataFrame']")
    grid = grids.nth(0)
    checked.wait_for()
    grid.wait_for()
    assert grids.count() == 1 and tables.count() == 2
    checked.get_by_text("Forest reserves", exact=True).first.wait_for()
    checked.get_by_text("Inside a forest reserve", exact=False).first.wait_for()  # the Result column in full
    unverified.get_by_text("Kedah", exact=True).first.wait_for(state="attached")
    # The grid draws on a canvas; its accessible table holds the cells' text.
    grid.get_by_text("inside reserve", exact=True).first.wait_for(state="attached")
    grid.get_by_text("Prohibited", exact=True).first.wait_for(state="attached")
    with page.expect_download() as download_info:
        page.locator("[data-testid='stDownloadButton'] button", has_text="CSV").click()
    csv_text = Path(download_info.value.path()).read_text(encoding="utf-8")
    header, *rows = csv_text.splitlines()
    assert header.startswith("site_id,verdict")
    assert {row.split(",")[0]: row.split(",")[1] for row in rows} == {"inside reserve": "prohibited", "gurun": "review"}  # the bundled sketches cannot clear a site
    assert not page.traffic.dialogs


def test_hostile_site_name_runs_no_script_and_shows_as_text(page, app_url):
    _open_screen_page(page, app_url)
    _upload(page, "hostile.geojson", _sites_geojson((HOSTILE, 101.2, 3.3), ("plain", 100.49, 5.65)))
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    # The evidence panel names the first site as plain text.
    page.get_by_role("heading", name=HOSTILE).wait_for()
    # Open every tooltip and popup on the zoomed evidence map: Leaflet puts their HTML in the DOM.
    frame = page.frame_locator(MAP_FRAME).last
    frame.locator(".leaflet-container canvas").first.wait_for()
    page.wait_for_timeout(500)
    opened = frame.locator("body").evaluate(
        """() => { let n = 0; map_div.eachLayer(l => {
                 if (l.getTooltip && l.getTooltip() && l.feature && l.feature.properties.verdict) { l.openTooltip(); n++; }
               }); return n; }"""
    )
    assert opened >= 1
    tooltip = frame.locator(".leaflet-tooltip", has_text="onerror").first
    tooltip.wait_for()
    assert HOSTILE in tooltip.inner_text()
    assert frame.locator(".leaflet-tooltip img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert page.traffic.dialogs == []


def test_five_thousand_sites_screen_and_map(page, app_url):
    import numpy as np

    rng = np.random.default_rng(5)
    lons, lats = rng.uniform(100.2, 103.8, 5_000), rng.uniform(1.5, 6.5, 5_000)
    csv = "name,lat,lon\n" + "\n".join(f"site {i},{lat:.5f},{lon:.5f}" for i, (lon, lat) in enumerate(zip(lons, lats)))
    _open_screen_page(page, app_url)
    started = time.monotonic()
    page.get_by_test_id("stMain").locator("input[type=file]").first.set_input_files({"name": "many.csv", "mimeType": "text/csv", "buffer": csv.encode()})
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    metrics = page.locator("[data-testid='stMetric'] [data-testid='stMetricValue']")
    metrics.first.wait_for()
    assert sum(int(text.replace(",", "")) for text in metrics.all_inner_texts()) == 5_000
    screened = time.monotonic() - started
    started = time.monotonic()
    page.get_by_role("link", name="Map").click()
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container canvas").first.wait_for()
    frame.locator(".leaflet-control-layers-overlays label", has_text="Candidate sites").wait_for()
    mapped = time.monotonic() - started
    frame.locator(".leaflet-control-zoom-in").click()  # the map answers while holding 5,000 sites
    print(f"\n5,000 sites: screened and shown in {screened:.1f} s; map with them drawn in {mapped:.1f} s")
    assert mapped < 30


def test_a_sites_own_map_frames_its_nearest_constraint(page, app_url):
    """Evidence for a site 17 km from a catchment: the map shows the measured line, labelled, and names the feature below."""
    _open_screen_page(page, app_url)
    page.get_by_text("Example sites", exact=True).click()
    page.get_by_role("button", name="Screen the bundled example sites").click()
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    # The first site's map (the shared map drawn, its overlay added) is zoomed on that site, not on Malaysia.
    _settled_zoom(page.frame_locator(MAP_FRAME).last, above=10)
    picker = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Site").last
    picker.click()
    page.keyboard.type("demo-kuantan-port")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="demo-kuantan-port").wait_for()
    evidence_map = page.frame_locator(MAP_FRAME).last
    label = evidence_map.locator(".reegeo-distance")
    label.wait_for()
    assert label.inner_text().endswith("km")
    page.get_by_text("km to Sungai Kuantan catchment", exact=False).first.wait_for()
    _settled_zoom(evidence_map, above=8)


def _settled_zoom(frame, *, above: float, within_s: float = 15.0) -> float:
    """The Leaflet map's zoom once it is over ``above`` and has stayed there (no running animation takes it back)."""
    frame.locator(".leaflet-container canvas").first.wait_for()
    deadline, zoom = time.monotonic() + within_s, None
    while time.monotonic() < deadline:
        zoom = frame.locator("body").evaluate("() => map_div.getZoom()")
        if zoom > above:
            time.sleep(1.0)  # longer than Leaflet's zoom animation
            if frame.locator("body").evaluate("() => map_div.getZoom()") > above:
                return zoom
        time.sleep(0.3)
    raise AssertionError(f"the map's zoom is {zoom}, not above {above}: it does not frame the site")


def test_concurrent_sessions_all_get_their_verdicts(app_url):
    """Three planners at once (bench/app_load.py's session): every one sees its verdicts; completion, not times, is asserted."""
    import asyncio
    import threading

    from bench.app_load import _round

    outcome: dict = {}

    def run() -> None:  # its own thread: the sync Playwright of the other tests owns this one's event loop
        outcome["results"] = asyncio.run(_round(app_url, 3, 150_000))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=400)
    results = outcome.get("results")
    assert results is not None, "the sessions did not finish"
    assert [r["ok"] for r in results] == [True, True, True], results


def test_a_reload_on_another_replica_restores_the_workspace(page, app_url, app_data_dir, tmp_path):
    """Two servers sharing one data folder (replicas behind a proxy, deploy/compose.yaml): work saved on one opens on the other."""
    page.goto(f"{app_url}/screen")
    page.get_by_role("heading", name="Screen sites").wait_for()
    _upload(page, "sites.geojson", _inside_reserve_and_clear())
    page.get_by_role("heading", name="Results", exact=True).wait_for()
    page.wait_for_function("() => new URL(window.location.href).searchParams.has('project')")
    session = urlparse(page.url)
    with _serving(app_data_dir, tmp_path / "replica.log") as other:
        page.goto(f"{other}{session.path}?{session.query}")
        page.get_by_role("heading", name="Results", exact=True).wait_for()
        metrics = page.locator("[data-testid='stMetric']")
        assert "1" in metrics.nth(0).inner_text()  # the prohibited site, restored by the other server


def _get(url: str, cookie: str = "") -> tuple[str, str, dict]:
    """One GET: the replica that answered, the reegeo_replica cookie it set, and the headers."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        headers = dict(response.headers)
        set_cookie = next((v for k, v in response.headers.items() if k.lower() == "set-cookie" and v.startswith("reegeo_replica=")), "")
        return response.headers.get("X-Test-Replica", ""), set_cookie.split(";")[0], headers


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (.ci/run installs Debian's nginx)")
def test_behind_the_proxy_a_browser_stays_on_its_replica_and_survives_losing_it(page, tmp_path):
    """deploy/nginx.conf end to end, with two replicas on one shared data folder (deploy/compose.yaml's layout).

    A first request gets a cookie; with it every request goes to one replica.
    Streamlit's frontend files are kept by the proxy. A planner's work goes
    through the proxy (page and websocket); when their replica stops, a reload
    lands on the other one, which restores the work from the shared store.
    """
    shared = tmp_path / "data"
    shared.mkdir()
    (tmp_path / "proxy").mkdir()
    with contextlib.ExitStack() as first, contextlib.ExitStack() as second:
        replicas = [first.enter_context(_serving(shared, tmp_path / "a.log")), second.enter_context(_serving(shared, tmp_path / "b.log"))]
        stops = {urlparse(replicas[0]).port: first, urlparse(replicas[1]).port: second}
        with local_proxy(replicas, tmp_path / "proxy", replica_header=True) as proxy:
            fresh = [_get(f"{proxy}/_stcore/health") for _ in range(16)]
            assert all(cookie.startswith("reegeo_replica=") for _, cookie, _ in fresh)
            assert {int(replica.rsplit(":", 1)[1]) for replica, _, _ in fresh} == set(stops), "new browsers are spread over the replicas"
            replica, cookie, _ = fresh[0]
            assert {_get(f"{proxy}/_stcore/health", cookie)[0] for _ in range(8)} == {replica}, "a browser with the cookie stays on its replica"

            index = urllib.request.urlopen(f"{proxy}/", timeout=10).read().decode()
            script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', index).group(1)
            assert _get(f"{proxy}/{script}")[2].get("X-Cache-Status") in {"MISS", "EXPIRED"}
            assert _get(f"{proxy}/{script}")[2].get("X-Cache-Status") == "HIT", "the proxy keeps Streamlit's frontend files"

            page.goto(f"{proxy}/screen")
            page.get_by_role("heading", name="Screen sites").wait_for()
            _upload(page, "sites.geojson", _inside_reserve_and_clear())
            page.get_by_role("heading", name="Results", exact=True).wait_for()
            page.wait_for_function("() => new URL(window.location.href).searchParams.has('project')")
            own = next(c["value"] for c in page.context.cookies() if c["name"] == "reegeo_replica")
            serving = int(_get(f"{proxy}/_stcore/health", f"reegeo_replica={own}")[0].rsplit(":", 1)[1])
            stops[serving].close()  # that replica goes away (a restart, a crash)
            page.reload()
            page.get_by_role("heading", name="Results", exact=True).wait_for()
            assert "1" in page.locator("[data-testid='stMetric']").nth(0).inner_text()  # the prohibited site, restored by the other replica
            assert int(_get(f"{proxy}/_stcore/health", f"reegeo_replica={own}")[0].rsplit(":", 1)[1]) != serving


def test_the_malay_app_shows_streamlits_upload_button_in_malay(page, app_url):
    page.goto(f"{app_url}/screen")
    page.get_by_role("heading", name="Screen sites").wait_for()
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
    page.get_by_text("Bahasa Malaysia", exact=True).click()
    page.get_by_role("heading", name="Saring tapak").wait_for()
    label = page.get_by_test_id("stMain").get_by_test_id("stFileUploaderDropzone").locator("[data-testid='stMarkdownContainer'] p").first
    label.wait_for()
    shown = label.evaluate("p => getComputedStyle(p, '::after').content")
    assert shown == '"Muat naik"'
    assert label.evaluate("p => getComputedStyle(p).fontSize") == "0px"  # Streamlit's English text is hidden
