"""What the browser receives for the national map, and how soon it paints.

For the bundled layers and for the synthetic 10,000-polygon layer set, the
map of :func:`reegeo.web.map.build_map` is rendered with the outlines as
stored (``tolerance_m=0``, unbounded: before), simplified at the
dashboard's default tolerance but unbounded, and as the dashboard sends it
(simplified and bounded: large layers merged, vertices capped; after). Reported: the bytes of the map page
(HTML with the GeoJSON inlined; Leaflet itself is served from local files and
not counted), the bytes of the layers' GeoJSON alone, and, in headless
Chromium (``/usr/bin/chromium`` through playwright, every request other than
``file://`` and localhost refused), the time from navigation start to the
first paint and to the layers drawn on the canvas (median of 3 loads).

Also the eligibility surface (5 km cells) as GeoJSON, per cell and merged by
state and verdict, for the dashboard's surface layer.

Usage: ``.venv/bin/python -m bench.map_payload [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
LOADS = 3
_DRAWN_JS = """
() => new Promise(resolve => {
  const check = () => {
    const canvas = document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane svg');
    if (canvas && document.readyState === 'complete') {
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    } else { setTimeout(check, 5); }
  };
  check();
})
"""


def measure(*, with_browser: bool = True) -> dict:
    from bench import data
    from reegeo.screening.rules import default_rules
    from reegeo.screening.surface import build_surface, dissolve_surface
    from reegeo.web.features import prepare_layers
    from reegeo.web.map import build_map, map_html

    default_tolerance = _default_tolerance(prepare_layers)
    rows = []
    pages = []
    for layer_set in ("bundled", "synthetic"):
        layers = data.layer_set(layer_set)
        for label, tolerance, bounded in (
            ("none (as stored, unbounded)", 0.0, False),
            (f"{default_tolerance:g} m, unbounded", default_tolerance, False),
            (f"{default_tolerance:g} m, bounded (default)", default_tolerance, True),
        ):
            display = prepare_layers(layers, tolerance_m=tolerance, bounded=bounded)
            page = map_html(build_map(display))
            geojson_bytes = sum(len(json.dumps(layer.geojson, separators=(",", ":")).encode()) for layer in display.values())
            rows.append({"layers": layer_set, "simplification": label, "html_bytes": len(page.encode()), "geojson_bytes": geojson_bytes})
            pages.append(page)

    browser_note = ""
    if with_browser:
        try:
            timings = _paint_times(pages)
        except Exception as exc:  # the browser is optional: report why it was not measured
            timings = [None] * len(pages)
            browser_note = f"First paint not measured: {type(exc).__name__}: {exc}"
        for row, timing in zip(rows, timings):
            if timing:
                row["first_paint_ms"], row["drawn_ms"] = timing

    surface = build_surface(data.layer_set("bundled"), default_rules(), cell_m=5_000)
    per_cell = len(surface.to_json(drop_id=True).encode())
    merged = dissolve_surface(surface)
    merged_simplified = merged.copy()
    merged_simplified["geometry"] = merged.geometry.to_crs(3857).simplify(default_tolerance).to_crs(4326)
    surface_rows = {
        "cells": int(len(surface)),
        "per_cell_geojson_bytes": per_cell,
        "merged_geojson_bytes": len(merged.to_json(drop_id=True).encode()),
        "merged_simplified_geojson_bytes": len(merged_simplified.to_json(drop_id=True).encode()),
    }
    note = (
        "Bytes of the standalone map page from `reegeo.web.map.build_map` (GeoJSON inlined; the Leaflet "
        "files are local and not counted) and of the layers' GeoJSON, before and after display "
        "simplification; times from navigation start in headless Chromium, median of "
        f"{LOADS} loads of a local file, no network."
    )
    return {"note": note, "rows": rows, "browser_note": browser_note, "surface_5km": surface_rows}


def _default_tolerance(prepare_layers) -> float:
    import inspect

    return float(inspect.signature(prepare_layers).parameters["tolerance_m"].default)


def _paint_times(pages: list[str]) -> list[tuple[float, float]]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} (install Debian's chromium)")
    results = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for number, page_html in enumerate(pages):
                path = Path(folder) / f"map_{number}.html"
                path.write_text(page_html, encoding="utf-8")
                samples = []
                for _ in range(LOADS):
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    context.route("**/*", _local_only)
                    page = context.new_page()
                    page.goto(path.as_uri(), wait_until="load", timeout=120_000)
                    drawn = page.evaluate(_DRAWN_JS)
                    paint = page.evaluate(
                        "() => { const e = performance.getEntriesByName('first-contentful-paint')[0]"
                        " || performance.getEntriesByName('first-paint')[0]; return e ? e.startTime : null; }"
                    )
                    samples.append((paint, drawn))
                    context.close()
                paints = [s[0] for s in samples if s[0] is not None]
                paint = statistics.median(paints) if paints else None
                # Layers are on screen once the canvas is drawn and the page has painted.
                on_screen = statistics.median(max(s[1], s[0] or 0.0) for s in samples)
                results.append((paint, on_screen))
        finally:
            browser.close()
    return results


def _local_only(route) -> None:
    url = route.request.url
    if url.startswith(("file://", "data:", "http://localhost", "http://127.0.0.1")):
        route.continue_()
    else:
        route.abort()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.map_payload", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line (for bench.run)")
    parser.add_argument("--no-browser", action="store_true", help="bytes only, no headless Chromium")
    args = parser.parse_args(argv)
    result = measure(with_browser=not args.no_browser)
    if args.json:
        print(json.dumps(result))
    else:
        for row in result["rows"]:
            print(row)
        print(result["surface_5km"])
        if result["browser_note"]:
            print(result["browser_note"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
