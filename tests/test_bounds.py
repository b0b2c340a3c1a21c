"""Hostile but small inputs stay within bounded time and memory, through the CLI, in a process of their own.

Each case is a file that used to take minutes or gigabytes. The test asserts
the outcome (the screening, or one clear line) and a generous bound on the
child's wall time and peak memory: a bound, not a speed, so CI stays stable.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
TIME_BOUND_S = 90
MEMORY_BOUND_MB = 1_500


def _kml_with_folders(count: int) -> bytes:
    folders = "".join(
        f"<Folder><name>f{i}</name><Placemark><name>p{i}</name><Point><coordinates>{101.5 + i * 1e-4},3.2</coordinates></Point></Placemark></Folder>"
        for i in range(count)
    )
    return f'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{folders}</Document></kml>'.encode()


def _geojson(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _distinct_properties(count: int) -> bytes:
    return _geojson([{"type": "Feature", "properties": {f"p{i}": i}, "geometry": {"type": "Point", "coordinates": [101.5 + i * 1e-4, 3.2]}} for i in range(count)])


def _overlapping_parts(count: int) -> bytes:
    rng = np.random.default_rng(1)
    squares = [[[[x, y], [x + 0.05, y], [x + 0.05, y + 0.05], [x, y + 0.05], [x, y]]] for x, y in zip(101.5 + rng.random(count) * 0.1, 3.2 + rng.random(count) * 0.1)]
    return _geojson([{"type": "Feature", "properties": {"name": "parts"}, "geometry": {"type": "MultiPolygon", "coordinates": squares}}])


def _country_sized_site() -> bytes:
    ring = [[100, 1], [119, 1], [119, 7], [100, 7], [100, 1]]
    return _geojson([{"type": "Feature", "properties": {"name": "everything"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}])


CASES = [
    # (id, file name, contents, exit code, text on stderr)
    ("kml-1000-folders", "folders.kml", lambda: _kml_with_folders(1_000), 0, "read 1000 KML folders together"),
    ("geojson-2000-property-names", "props.geojson", lambda: _distinct_properties(2_000), 2, "2,000 attribute columns (property names); at most 500"),
    ("multipolygon-5000-overlapping-parts", "parts.geojson", lambda: _overlapping_parts(5_000), 0, "screened 1 site(s)"),
    ("site-the-size-of-malaysia", "huge.geojson", _country_sized_site, 2, "larger than 5,000 km²"),
]


@pytest.mark.parametrize(("case_id", "filename", "build", "code", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_handled_within_bounds(tmp_path, case_id, filename, build, code, expected):
    path = tmp_path / filename
    path.write_bytes(build())
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "reegeo", "screen", str(path), "-o", str(tmp_path / "out.csv")],
        cwd=REPO, capture_output=True, text=True, timeout=TIME_BOUND_S * 2, env={"REEGEO_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
    )
    elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\n{case_id}: {elapsed:.1f} s, peak {peak_mb:,.0f} MB")
    assert done.returncode == code, done.stderr[-2000:]
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    if code == 2:
        assert done.stderr.count("\n") == 1  # one line, nothing else
    assert elapsed < TIME_BOUND_S
    # ru_maxrss of children is the largest child so far; earlier cases were bounded too.
    assert peak_mb < MEMORY_BOUND_MB or before / 1024 >= MEMORY_BOUND_MB


def test_an_excel_sheet_over_the_row_limit_is_refused_while_streaming(monkeypatch):
    """The rows are counted as they stream; the full parse (pandas.read_excel) never starts."""
    import io

    import openpyxl
    import pandas as pd

    from reegeo.errors import UploadError
    from reegeo.io.sites import UploadLimits, read_sites

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "latitude", "longitude"])
    for i in range(3_000):
        sheet.append([f"s{i}", 3.2, 101.5])
    buffer = io.BytesIO()
    workbook.save(buffer)

    def no_full_parse(*args, **kwargs):
        raise AssertionError("the whole sheet was parsed before the row limit was checked")

    monkeypatch.setattr(pd, "read_excel", no_full_parse)
    with pytest.raises(UploadError, match=r"at most 1,000 are read"):
        read_sites(buffer.getvalue(), filename="many.xlsx", limits=UploadLimits(max_features=1_000))


# ---------------------------------------------------------------- the wall-clock limit on reading a file

def test_a_read_over_its_time_limit_is_stopped_with_a_clear_error():
    from reegeo.errors import UploadError
    from reegeo.io.bounded import call_within

    started = time.monotonic()
    with pytest.raises(UploadError) as caught:
        call_within(0.5, "slow.gpkg", time.sleep, 60)
    assert time.monotonic() - started < 30  # stopped, not waited for
    message = caught.value.describe()
    assert message.startswith("slow.gpkg: reading the file took longer than 0.5 s")
    assert "UploadLimits(max_read_s=...)" in message
    assert "0,5 s" not in caught.value.describe(lang="ms") and "membaca fail ini" in caught.value.describe(lang="ms")


def test_the_bounded_reader_gives_the_result_or_the_readers_own_error():
    from reegeo.errors import UploadError
    from reegeo.io.bounded import call_within
    from reegeo.io.sites import UploadLimits, read_sites

    data = b"name,lat,lon\nKuantan Port,3.975,103.326\n"
    bounded = read_sites(data, filename="s.csv")
    inline = read_sites(data, filename="s.csv", limits=UploadLimits(max_read_s=None))
    assert bounded.frame.equals(inline.frame) and bounded.notes == inline.notes and bounded.sha256 == inline.sha256
    with pytest.raises(UploadError, match="s.csv") as caught:
        call_within(30, "s.csv", read_sites, b"\x00\x01garbage", filename="s.csv")
    assert caught.value.describe(lang="ms") != caught.value.describe()  # the Message survived the trip
    with pytest.raises(RuntimeError, match="ValueError"):  # a bug in the child is a bug here
        call_within(30, "x", int, "not a number")
    with pytest.raises(UploadError, match="stopped by the system"):  # killed (as by the kernel's OOM killer)
        call_within(30, "big.shp", signal.raise_signal, signal.SIGKILL)


def test_the_bounded_reader_works_from_a_threaded_server():
    """With other threads running (the app's server) the child comes from the fork server, not a fork of this process."""
    import threading

    from reegeo.io.sites import read_sites

    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(read_sites(b"name,lat,lon\nA,3.9,103.3\n", filename="s.csv")))
    worker.start()
    worker.join(120)
    assert len(answers) == 1 and list(answers[0].frame["name"]) == ["A"]


def test_a_threaded_servers_read_over_its_time_limit_is_stopped_and_its_child_killed():
    import threading

    from reegeo.errors import UploadError
    from reegeo.io.bounded import call_within

    caught: list = []

    def slow_read():
        try:
            call_within(1.0, "slow.kml", time.sleep, 60)
        except UploadError as error:
            caught.append(error)

    started = time.monotonic()
    worker = threading.Thread(target=slow_read)
    worker.start()
    worker.join(120)
    assert time.monotonic() - started < 60
    assert len(caught) == 1 and "longer than 1 s" in caught[0].describe()


def test_the_servers_read_time_limit_comes_from_its_environment():
    from reegeo.errors import UploadError
    from reegeo.io.sites import UploadLimits, server_limits

    assert server_limits({}) == UploadLimits()
    assert server_limits({"REEGEO_MAX_READ_S": "30"}).max_read_s == 30.0
    for bad in ("soon", "0", "-5", "inf"):
        with pytest.raises(UploadError, match="REEGEO_MAX_READ_S"):
            server_limits({"REEGEO_MAX_READ_S": bad})


def test_the_cli_stops_a_read_over_its_time_limit(tmp_path):
    rows = "".join(f"s{i},{3.0 + (i % 1000) * 1e-3},{101.5 + (i // 1000) * 1e-3}\n" for i in range(100_000))
    sites = tmp_path / "many.csv"
    sites.write_text("name,lat,lon\n" + rows, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reegeo", "screen", str(sites), "-o", str(tmp_path / "out.csv"), "--max-read-s", "0.05"],
                          cwd=REPO, capture_output=True, text=True, timeout=TIME_BOUND_S)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "longer than 0.05 s" in done.stderr and "--max-read-s S" in done.stderr
    assert not (tmp_path / "out.csv").exists()
