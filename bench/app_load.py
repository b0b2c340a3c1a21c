"""Load benchmark of the dashboard: N planners at once in headless Chromium against one server.

Each session opens the app, goes to Screen sites, uploads 40 points and waits
for the verdicts. Reported per N: sessions completed, p50/p95 time to a usable
Screen page and to verdicts, server CPU seconds per session (the server
process and its children only, from /proc, so browsers on the same machine do not count) and
the server's peak RSS. It measures; it asserts nothing.

Two kinds of browser: a *first visit* (an empty browser cache, so the server
also sends Streamlit's frontend files, about 6 MB in 170 requests) and a
*returning* planner (a browser that opened the app before: those files are
cached, as Streamlit marks them immutable).

    .venv/bin/python bench/app_load.py --sessions 1 5 10     # writes bench/results-app.md

Needs Debian's chromium (/usr/bin/chromium) and the playwright package.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # bench.proxy, when run as a script
CHROMIUM = "/usr/bin/chromium"
TICKS = os.sysconf("SC_CLK_TCK")
from bench.proxy import stop_process  # noqa: E402  (after the path above)

ROUND_SESSIONS = 5  # a round of fewer sessions is repeated until about this many have run


def _sites(count: int = 40) -> bytes:
    features = [
        {"type": "Feature", "properties": {"name": f"site {i}"}, "geometry": {"type": "Point", "coordinates": [101.0 + (i % 8) * 0.25, 3.0 + (i // 8) * 0.3]}}
        for i in range(count)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _own_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    # utime + stime, and the reaped children's (the reader's short-lived child processes)
    return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / TICKS


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of the server and of its live child processes (the reader's fork server)."""
    kids = [int(k) for task in Path(f"/proc/{pid}/task").glob("*") for k in _read(task / "children").split()]
    return _own_cpu_seconds(pid) + sum(_cpu_seconds(k) for k in kids)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start_server(data_dir: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, REEGEO_DATA_DIR=data_dir, REEGEO_SESSIONS_DIR=os.path.join(data_dir, "sessions"))
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.3)
    stop_process(server)
    raise SystemExit("streamlit did not start")


async def _session(browser, url: str, data: bytes, timeout_ms: int, context=None) -> dict:
    """One planner's visit; in a new browser context (an empty cache) unless ``context`` is given."""
    own = context is None
    if own:
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    started = time.monotonic()
    try:
        await page.goto(url)
        await page.get_by_role("link", name="Screen sites").click()
        await page.get_by_role("heading", name="Screen sites").wait_for()
        await page.get_by_test_id("stMain").locator("input[type=file]").first.wait_for(state="attached")
        usable = time.monotonic() - started
        await page.get_by_test_id("stMain").locator("input[type=file]").first.set_input_files({"name": "sites.geojson", "mimeType": "application/geo+json", "buffer": data})
        await page.get_by_role("heading", name="Results", exact=True).wait_for()
        return {"ok": True, "usable_s": usable, "verdicts_s": time.monotonic() - started}
    except Exception as exc:  # a timeout is a result here: the session did not complete
        return {"ok": False, "error": type(exc).__name__}
    finally:
        await (context.close() if own else page.close())


async def _round(url: str, sessions: int, timeout_ms: int, *, measure=None) -> list[dict]:
    """``sessions`` planners at once, each in a fresh browser context (a first visit)."""
    return await _visits(url, sessions, timeout_ms, returning=False, measure=measure)


async def _visits(url: str, sessions: int, timeout_ms: int, *, returning: bool, measure=None) -> list[dict]:
    """``sessions`` concurrent visits; ``returning``: each browser has made the visit once before (not measured).

    ``measure`` (a context manager factory) is entered around the measured visits only.
    """
    import contextlib

    from playwright.async_api import async_playwright

    data = _sites()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            contexts = [None] * sessions
            if returning:
                contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(sessions)]
                await asyncio.gather(*(_session(browser, url, data, timeout_ms, context) for context in contexts))
            with (measure or contextlib.nullcontext)():
                return await asyncio.gather(*(_session(browser, url, data, timeout_ms, context) for context in contexts))
        finally:
            await browser.close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--timeout-s", type=float, default=180.0)
    parser.add_argument(
        "--browsers", nargs="+", choices=["first", "returning", "proxied"], default=["first", "returning", "proxied"],
        help="first visits (empty cache), returning planners, first visits through deploy/nginx.conf (needs nginx)",
    )
    parser.add_argument("-o", "--output", type=Path, default=REPO / "bench" / "results-app.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="reegeo-bench-") as data_dir:
        server, url = _start_server(data_dir)
        with contextlib.ExitStack() as running:
            running.callback(stop_process, server)  # last: after the proxy in front of it
            asyncio.run(_round(url, 1, int(args.timeout_s * 1000)))  # warm-up: loads and caches what every session shares
            if "proxied" in args.browsers:
                from bench.proxy import local_proxy

                proxy_url = running.enter_context(local_proxy([url], Path(data_dir) / "proxy"))
                asyncio.run(_round(proxy_url, 1, int(args.timeout_s * 1000)))  # warm-up: the proxy keeps the frontend files
            for kind in args.browsers:
                for n in args.sessions:
                    target = proxy_url if kind == "proxied" else url
                    cpu, rss, results = [], [], []
                    for _ in range(max(1, ROUND_SESSIONS // n)):  # small rounds repeated: one session's CPU is noisy
                        taken: dict = {}

                        @contextlib.contextmanager
                        def measure(taken=taken):
                            taken["cpu"], taken["rss"] = _cpu_seconds(server.pid), _rss_mb(server.pid)
                            yield
                            taken["cpu"], taken["rss"] = _cpu_seconds(server.pid) - taken["cpu"], _rss_mb(server.pid) - taken["rss"]

                        results += asyncio.run(_visits(target, n, int(args.timeout_s * 1000), returning=kind == "returning", measure=measure))
                        cpu.append(taken["cpu"] / n)
                        rss.append(taken["rss"] / n)
                    done = [r for r in results if r["ok"]]
                    rows.append({
                        "browser": kind, "sessions": n, "rounds": len(cpu), "completed": len(done), "started": len(results),
                        "usable_p50": _percentile([r["usable_s"] for r in done], 50), "usable_p95": _percentile([r["usable_s"] for r in done], 95),
                        "verdicts_p50": _percentile([r["verdicts_s"] for r in done], 50), "verdicts_p95": _percentile([r["verdicts_s"] for r in done], 95),
                        "cpu_per_session": statistics.median(cpu), "cpu_range": (min(cpu), max(cpu)), "peak_rss_mb": _peak_rss_mb(server.pid),
                        "rss_per_session_mb": statistics.median(rss),
                    })
                    print(rows[-1], file=sys.stderr)
    lines = [
        "# Dashboard load benchmark",
        "",
        f"`bench/app_load.py` on this machine ({os.cpu_count()} CPUs); browsers run on the same machine, so wall times include their load. "
        "Each session: open the app, Screen sites, upload 40 points, wait for verdicts. Server CPU is the Streamlit process and its child processes (the upload reader), not the browsers. After one warm-up session. "
        "A *first visit* has an empty browser cache, so the server also sends Streamlit's frontend files (about 6 MB in 170 requests); a *returning* browser has opened the app before (those visits are not measured) and has them cached; *proxied* is a first visit through `deploy/nginx.conf` (this machine's nginx in front of the same server), which keeps those files.",
        "",
        "Fewer than five sessions are run in repeated rounds (five sessions in all): the CPU is the median round's, with the range. "
        "RSS kept is the change in the server's resident memory over a round, per session (memory freed by earlier sessions is reused, so it can be below zero).",
        "",
        "| browser | sessions | completed | usable page p50 / p95 (s) | verdicts p50 / p95 (s) | server CPU per session (s) | server peak RSS (MB) | RSS kept per session (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        spread = f" ({r['cpu_range'][0]:.2f}-{r['cpu_range'][1]:.2f})" if r["rounds"] > 1 else ""
        lines.append(
            f"| {r['browser']} | {r['sessions']} | {r['completed']} of {r['started']} | {r['usable_p50']:.1f} / {r['usable_p95']:.1f} | {r['verdicts_p50']:.1f} / {r['verdicts_p95']:.1f} "
            f"| {r['cpu_per_session']:.2f}{spread} | {r['peak_rss_mb']:,.0f} | {r['rss_per_session_mb']:.1f} |"
        )
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
