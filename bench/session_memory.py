"""What one dashboard session holds in memory, by number of sites: the part that is not shared.

The layers, the display-simplified layers and the rendered national maps are
built once per server and shared by every session (``pages/_ui.py``). A
session holds its own sites and results, the uploaded file, the project file
the session store keeps, its map overlay (at most ``MAP_MAX_SITES`` sites)
and the exports it built (at most ``EXPORTS_MAX_BYTES``). This script does what
the Screen sites page does for an upload of N point sites (read, screen, keep
the project file, build the Map page's overlay, make the CSV) in a fresh process
per N, after a warm-up session, and measures what the session's objects hold
after the work: the growth of the process's resident memory (with the
allocator's free memory given back first, so it counts GEOS geometries and
numpy arrays too) and, of that, the Python heap (tracemalloc); and the peak
resident growth while screening. It measures; it asserts nothing.

    .venv/bin/python bench/session_memory.py --sites 40 5000 100000   # writes bench/results-memory.md
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
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


def _resident_mb() -> tuple[float, float]:
    """This process's resident memory and its peak so far (MB), after handing the allocator's free memory back."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def _session(count: int, layers, rules) -> tuple:
    """What the Screen sites page keeps for an upload of ``count`` sites, and its sizes."""
    import folium
    import streamlit_folium

    from reegeo.io.sites import read_sites
    from reegeo.project import project_to_bytes
    from reegeo.web.map import site_overlay
    from reegeo.web.workspace import Workspace

    raw = _csv(count)
    ws = Workspace(rules=tuple(rules))
    ws.screen_upload(read_sites(raw, filename="sites.csv"), layers, raw=raw)
    project = project_to_bytes(ws.to_project(lang="en"))
    overlay = site_overlay(ws.results, rules=ws.rules)
    groups = "".join(streamlit_folium._get_feature_group_string(g, folium.Map(tiles=None), idx=i) for i, g in enumerate(overlay.groups))
    csv = ws.export("csv")
    sizes = {"upload_mb": len(raw) / 1e6, "project_mb": len(project) / 1e6, "overlay_mb": len(groups) / 1e6, "csv_mb": len(csv) / 1e6, "map_sites": overlay.sites_shown}
    return (ws, raw, project, groups), sizes  # what the session keeps between runs (the CSV is kept by ws)


def _measure(count: int) -> dict:
    """One session of ``count`` sites in this process, after a warm-up session; run in a fresh process per count."""
    from reegeo.layers.load import load_layers
    from reegeo.screening.rules import default_rules

    layers, rules = load_layers(), default_rules()
    warm, _ = _session(40, layers, rules)  # imports, caches and prepared layers: shared by every session
    del warm
    rss_before, _ = _resident_mb()
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) counts from here, not from loading the layers
    tracemalloc.start()
    heap_before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    held, sizes = _session(count, layers, rules)
    elapsed = time.perf_counter() - started
    gc.collect()
    heap = tracemalloc.get_traced_memory()[0] - heap_before
    tracemalloc.stop()
    rss_after, peak = _resident_mb()
    del held
    return {"sites": count, "held_mb": rss_after - rss_before, "heap_mb": heap / 1e6, "peak_mb": peak - rss_before, "seconds": elapsed, **sizes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[40, 5_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process measuring one count
    parser.add_argument("-o", "--output", type=Path, default=REPO / "bench" / "results-memory.md")
    args = parser.parse_args()
    os.environ.setdefault("REEGEO_DATA_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "reegeo-bench-memory"))
    if args.one is not None:
        print(json.dumps(_measure(args.one)))
        return 0
    rows = []
    for count in args.sites:
        child = subprocess.run([sys.executable, __file__, "--one", str(count)], capture_output=True, text=True, check=True)
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(rows[-1], file=sys.stderr)
    lines = [
        "# Memory one dashboard session holds",
        "",
        "`bench/session_memory.py`: what the Screen sites page keeps for an upload of N point sites (the workspace with its sites and results, "
        "the uploaded file, the project file for the session store, the Map page's overlay, one CSV export), measured in a fresh process per N "
        "after a warm-up session. *Held* is the growth of resident memory after the work, with the allocator's free memory handed back first "
        "(it counts GEOS geometries and numpy arrays); *Python heap* is the part tracemalloc sees; *peak* is the highest resident growth while "
        "reading and screening. The layers and the national maps are shared by every session and not counted.",
        "",
        "| sites | held by the session (MB) | of which Python heap (MB) | peak while screening (MB) | upload (MB) | project file (MB) "
        "| map overlay (MB, sites drawn) | CSV export (MB) | time (s) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['sites']:,} | {r['held_mb']:.1f} | {r['heap_mb']:.1f} | {r['peak_mb']:.0f} | {r['upload_mb']:.1f} | {r['project_mb']:.1f} "
            f"| {r['overlay_mb']:.1f} ({r['map_sites']:,}) | {r['csv_mb']:.1f} | {r['seconds']:.1f} |"
        )
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
