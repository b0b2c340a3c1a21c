"""Run the reegeo benchmark and write ``bench/results.md`` and ``bench/results.json``.

Usage (from the repository root)::

    .venv/bin/python -m bench.run                      # the full run (several minutes)
    .venv/bin/python -m bench.run --quick              # 10k sites only, a smoke run
    .venv/bin/python -m bench.run --points 10000 100000 --polygons 10000 --no-dask

Every case (a method on one data set) runs in its own Python process, so its
peak memory is its own: the child samples its resident set size (RSS) every
5 ms while the method runs and reports the peak and the RSS just before
(data and layers loaded). Wall time is the best of ``repeat`` runs.

Methods: ``engine`` (:func:`reegeo.screening.engine.screen_sites`), ``floor`` and
``naive`` (see :mod:`bench.baselines`), ``dask``
(:func:`reegeo.screening.distributed.screen_sites_dask` on a local cluster, start-up
included) and ``surface`` (:func:`reegeo.screening.surface.build_surface`). The naive
baseline runs on the first ``N`` sites only when the whole set would take too
long; its time is then extrapolated linearly (its per-site distance loop is
linear in the sites) and marked as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"
# Most sites the naive baseline screens per layer set; beyond, it is extrapolated.
NAIVE_MAX_SITES = {"bundled": 10_000, "synthetic": 500}
LAYER_SETS = ("bundled", "synthetic")
SURFACE_CELLS_M = (10_000, 5_000, 2_000, 1_000)
METHODS = ("engine", "floor", "naive", "dask", "surface")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, nargs="*", default=[10_000, 100_000, 1_000_000], help="point-site set sizes")
    parser.add_argument("--polygons", type=int, nargs="*", default=[10_000, 100_000], help="polygon-site set sizes")
    parser.add_argument("--cells", type=int, nargs="*", default=list(SURFACE_CELLS_M), help="surface cell sizes in metres")
    parser.add_argument("--no-dask", action="store_true", help="skip the dask engine cases")
    parser.add_argument("--no-map", action="store_true", help="skip the browser map payload measurement")
    parser.add_argument("--quick", action="store_true", help="10k sites and 10 km cells only, written to results-quick.md/.json")
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=METHODS, help="methods to run (default: all)")
    parser.add_argument("--merge", action="store_true", help="keep the other cases (and the map payload, unless measured) of the existing results.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_run_child(json.loads(args.child))))
        return 0
    results_json, results_md = RESULTS_JSON, RESULTS_MD
    if args.quick:
        args.points, args.polygons, args.cells = [10_000], [10_000], [10_000]
        results_json, results_md = HERE / "results-quick.json", HERE / "results-quick.md"
    cases = _plan(args)
    _prepare_data(args)
    records = []
    for number, case in enumerate(cases, 1):
        print(f"[{number}/{len(cases)}] {_describe(case)} ...", file=sys.stderr, flush=True)
        record = _spawn(case)
        print(f"    {record.get('wall_s', float('nan')):.3f} s, peak RSS {record.get('peak_rss_mb', float('nan')):.0f} MB", file=sys.stderr, flush=True)
        records.append(record)
    map_payload = None if args.no_map else _map_payload()
    if args.merge and results_json.exists():
        records, map_payload = _merged(json.loads(results_json.read_text(encoding="utf-8")), records, map_payload)
    report = {"environment": _environment(), "cases": records, "map_payload": map_payload}
    results_json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    from bench.report import render

    results_md.write_text(render(report), encoding="utf-8")
    print(f"wrote {results_md.relative_to(ROOT)} and {results_json.relative_to(ROOT)}", file=sys.stderr)
    return 0


def _case_key(case: dict) -> tuple:
    return tuple(case.get(k) for k in ("method", "layers", "kind", "count", "cell_m"))


def _merged(previous: dict, records: list[dict], map_payload: dict | None) -> tuple[list[dict], dict | None]:
    """Previous cases updated with this run's (in the previous order, new ones last)."""
    fresh = {_case_key(c): c for c in records}
    merged = [fresh.pop(_case_key(c), c) for c in previous.get("cases", [])]
    return merged + list(fresh.values()), map_payload if map_payload is not None else previous.get("map_payload")


def _plan(args: argparse.Namespace) -> list[dict]:
    cases = []
    for layers in LAYER_SETS:
        for kind, sizes in (("points", args.points), ("polygons", args.polygons)):
            for count in sizes:
                repeat = 3 if count <= 10_000 else (2 if count <= 100_000 else 1)
                base = {"kind": kind, "count": count, "layers": layers}
                cases.append({**base, "method": "engine", "repeat": repeat})
                cases.append({**base, "method": "floor", "repeat": repeat})
                sample = min(count, NAIVE_MAX_SITES[layers])
                if count == min(sizes):
                    cases.append({**base, "method": "naive", "repeat": 1, "sample": sample})
                if not args.no_dask and count >= 100_000:
                    cases.append({**base, "method": "dask", "repeat": 1})
        for cell_m in args.cells:
            cases.append({"method": "surface", "layers": layers, "cell_m": cell_m, "repeat": 1 if cell_m < 5_000 else 2})
    return [case for case in cases if case["method"] in args.methods]


def _prepare_data(args: argparse.Namespace) -> None:
    from bench import data

    data.synthetic_constraints()
    for kind, sizes in (("points", args.points), ("polygons", args.polygons)):
        for count in sizes:
            data.sites(kind, count)


def _describe(case: dict) -> str:
    if case["method"] == "surface":
        return f"surface {case['cell_m']} m cells, {case['layers']} layers"
    sample = f" (first {case['sample']:,})" if case.get("sample", case["count"]) < case["count"] else ""
    return f"{case['method']}: {case['count']:,} {case['kind']}{sample}, {case['layers']} layers"


def _spawn(case: dict) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--child", json.dumps(case)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        return {**case, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_child(case: dict) -> dict:
    import psutil

    from bench import baselines, data
    from reegeo.screening.rules import default_rules

    rules = default_rules()
    layers = data.layer_set(case["layers"])
    if case["method"] == "surface":
        from reegeo.screening.surface import build_surface

        def work():
            return build_surface(layers, rules, cell_m=float(case["cell_m"]))
    else:
        sites = data.sites(case["kind"], case["count"])
        if "sample" in case:
            sites = sites.iloc[: case["sample"]].copy()
        work = _method(case["method"], sites, layers, rules, baselines)

    process = psutil.Process()
    before = process.memory_info().rss
    peak = [before]
    running = threading.Event()
    running.set()

    def sample_rss() -> None:
        while running.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    times = []
    output = None
    for _ in range(case["repeat"]):
        start = time.perf_counter()
        output = work()
        times.append(time.perf_counter() - start)
    running.clear()
    sampler.join()
    record = {
        **case,
        "wall_s": min(times),
        "wall_s_all": times,
        "rss_before_mb": before / 2**20,
        "peak_rss_mb": peak[0] / 2**20,
        "peak_delta_mb": (peak[0] - before) / 2**20,
    }
    if case["method"] == "surface":
        record["cells"] = int(len(output))
        record["area_km2"] = float(output["area_km2"].sum())
        record["verdict_km2"] = output.groupby("verdict")["area_km2"].sum().round(1).to_dict()
    elif case["method"] in ("engine", "dask"):
        record["verdicts"] = output["verdict"].value_counts().to_dict()
    return record


def _method(name: str, sites, layers, rules, baselines):
    from reegeo.screening.engine import screen_sites

    if name == "engine":
        return lambda: screen_sites(sites, layers, rules)
    if name == "floor":
        return lambda: baselines.floor(sites, layers, rules)
    if name == "naive":
        return lambda: baselines.naive(sites, layers, rules)
    if name == "dask":
        from reegeo.screening.distributed import screen_sites_dask

        return lambda: screen_sites_dask(sites, layers, rules)
    raise ValueError(f"method {name!r}")


def _map_payload() -> dict | None:
    print("map payload: bytes and first paint in headless Chromium ...", file=sys.stderr, flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bench.map_payload", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _environment() -> dict:
    import geopandas
    import psutil
    import shapely

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "geopandas": geopandas.__version__,
    }


if __name__ == "__main__":
    sys.exit(main())
