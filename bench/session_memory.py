"""What one dashboard session holds in memory, by number of sites: the part that is not shared.

The layers, the display-simplified layers and the rendered national maps are
built once per server and shared by every session (``pages/_ui.py``). A
session holds its own sites and results, the uploaded file, the project file
the session store keeps, its map overlay (at most ``MAP_MAX_SITES`` sites)
and the exports it built (at most ``EXPORTS_MAX_BYTES``). This script does what
the Screen sites page does for an upload of N point sites (read, screen, keep
the project file, build the Map page's overlay, make the CSV), and measures the
Python heap the session's objects hold (tracemalloc, after the work; not the
peak while screening). It measures; it asserts nothing.

    .venv/bin/python bench/session_memory.py --sites 40 5000 100000   # writes bench/results-memory.md
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _csv(count: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(count)
    lons, lats = rng.uniform(100.2, 103.8, count), rng.uniform(1.5, 6.5, count)
    return ("name,lat,lon\n" + "\n".join(f"site {i},{lat:.5f},{lon:.5f}" for i, (lon, lat) in enumerate(zip(lons, lats)))).encode()


def _session(count: int, layers, rules) -> dict:
    import folium
    import streamlit_folium

    from reegeo.io.sites import read_sites
    from reegeo.project import project_to_bytes
    from reegeo.web.map import site_overlay
    from reegeo.web.workspace import Workspace

    raw = _csv(count)
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    before = tracemalloc.get_traced_memory()[0]
    ws = Workspace(rules=tuple(rules))
    ws.screen_upload(read_sites(raw, filename="sites.csv"), layers, raw=raw)
    project = project_to_bytes(ws.to_project(lang="en"))
    overlay = site_overlay(ws.results, rules=ws.rules)
    groups = "".join(streamlit_folium._get_feature_group_string(g, folium.Map(tiles=None), idx=i) for i, g in enumerate(overlay.groups))
    csv = ws.export("csv")
    elapsed = time.perf_counter() - started
    held = (ws, project, groups)  # what the session keeps between runs
    gc.collect()
    current = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del held
    return {
        "sites": count, "held_mb": current / 1e6, "upload_mb": len(raw) / 1e6, "project_mb": len(project) / 1e6,
        "overlay_mb": len(groups) / 1e6, "csv_mb": len(csv) / 1e6, "map_sites": overlay.sites_shown, "seconds": elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[40, 5_000, 100_000])
    parser.add_argument("-o", "--output", type=Path, default=REPO / "bench" / "results-memory.md")
    args = parser.parse_args()
    os.environ.setdefault("REEGEO_DATA_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "reegeo-bench-memory"))
    from reegeo.layers.load import load_layers
    from reegeo.screening.rules import default_rules

    layers, rules = load_layers(), default_rules()
    rows = []
    for count in args.sites:
        rows.append(_session(count, layers, rules))
        print(rows[-1], file=sys.stderr)
    lines = [
        "# Memory one dashboard session holds",
        "",
        "`bench/session_memory.py`: what the Screen sites page keeps for an upload of N point sites (the workspace with its sites and results, "
        "the uploaded file, the project file for the session store, the Map page's overlay, one CSV export), as Python heap after the work "
        "(tracemalloc). The layers and the national maps are shared by every session and not counted.",
        "",
        "| sites | held by the session (MB) | of which: upload (MB) | project file (MB) | map overlay (MB, sites drawn) | CSV export (MB) | time (s) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['sites']:,} | {r['held_mb']:.1f} | {r['upload_mb']:.1f} | {r['project_mb']:.1f} | {r['overlay_mb']:.1f} ({r['map_sites']:,}) "
            f"| {r['csv_mb']:.1f} | {r['seconds']:.1f} |"
        )
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
