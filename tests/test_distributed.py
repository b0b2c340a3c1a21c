"""The dask engine gives exactly the in-memory engine's answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import EAST, OX, OY, PENINSULA, REPO, SX, SY

from reegeo.errors import ScreeningError
from reegeo.screening.engine import screen_sites

distributed = pytest.importorskip("distributed")
from reegeo.screening.distributed import screen_sites_dask  # noqa: E402


@pytest.fixture(scope="module")
def in_process_cluster():
    """One in-process worker with two threads: no process start-up cost."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture
def client(in_process_cluster):
    with distributed.Client(in_process_cluster) as client:
        yield client


@pytest.fixture
def mixed_sites_peninsula_and_sabah() -> gpd.GeoDataFrame:
    """300 sites: points and squares around both test states and Sabah, some at sea, some named."""
    rng = np.random.default_rng(7)
    peninsula_xy = rng.uniform(-60_000, 60_000, size=(240, 2)) + (OX, OY)
    sabah_xy = rng.uniform(-35_000, 35_000, size=(60, 2)) + (SX, SY)
    peninsula = shapely.points(peninsula_xy)
    peninsula[::4] = shapely.buffer(peninsula[::4], 1_500, quad_segs=1)  # squares spanning edges
    sabah = shapely.points(sabah_xy)
    sabah[::3] = shapely.box(sabah_xy[::3, 0], sabah_xy[::3, 1], sabah_xy[::3, 0] + 2_000, sabah_xy[::3, 1] + 2_000)
    sites = pd.concat([
        gpd.GeoDataFrame(geometry=peninsula, crs=PENINSULA).to_crs(4326),
        gpd.GeoDataFrame(geometry=sabah, crs=EAST).to_crs(4326),
    ], ignore_index=True)
    sites["name"] = [f"site {i}" if i % 5 else None for i in range(len(sites))]
    return sites.sample(frac=1.0, random_state=3).reset_index(drop=True)  # zones interleaved


def test_dask_results_equal_in_memory_results(client, mixed_sites_peninsula_and_sabah, test_layers, rules):
    expected = screen_sites(mixed_sites_peninsula_and_sabah, test_layers, rules)
    actual = screen_sites_dask(mixed_sites_peninsula_and_sabah, test_layers, rules, scheduler=client, npartitions=7)
    assert set(expected["verdict"]) == {"prohibited", "review", "eligible"}
    assert expected["metric_crs"].nunique() == 2
    pd.testing.assert_frame_equal(pd.DataFrame(actual), pd.DataFrame(expected))


def test_row_number_ids_are_input_rows_not_partition_rows(client, mixed_sites_peninsula_and_sabah, test_layers, rules):
    unnamed = mixed_sites_peninsula_and_sabah.drop(columns="name")
    actual = screen_sites_dask(unnamed, test_layers, rules, scheduler=client, npartitions=5)
    assert actual["site_id"].tolist() == [str(i) for i in range(1, len(unnamed) + 1)]


def test_scheduler_given_by_address(in_process_cluster, mixed_sites_peninsula_and_sabah, test_layers, rules):
    sites = mixed_sites_peninsula_and_sabah.iloc[:40]
    expected = screen_sites(sites, test_layers, rules)
    actual = screen_sites_dask(sites, test_layers, rules, scheduler=in_process_cluster.scheduler_address, npartitions=3)
    pd.testing.assert_frame_equal(pd.DataFrame(actual), pd.DataFrame(expected))


def test_progress_reaches_total(client, mixed_sites_peninsula_and_sabah, test_layers, rules):
    calls = []
    screen_sites_dask(mixed_sites_peninsula_and_sabah, test_layers, rules, scheduler=client, npartitions=4,
                      progress=lambda done, total: calls.append((done, total)))
    assert len(calls) == 4
    assert calls[-1] == (300, 300)


def test_bad_input_is_refused_on_the_client_with_input_row_numbers(client, mixed_sites_peninsula_and_sabah, test_layers, rules):
    sites = mixed_sites_peninsula_and_sabah.copy()
    sites.loc[250, "geometry"] = shapely.linestrings([[101.0, 3.0], [101.1, 3.1]])
    with pytest.raises(ScreeningError, match=r"row\(s\) 251 "):
        screen_sites_dask(sites, test_layers, rules, scheduler=client)


@pytest.mark.parametrize("npartitions", [0, -1, 2.5, True])
def test_npartitions_must_be_a_positive_whole_number(client, mixed_sites_peninsula_and_sabah, test_layers, rules, npartitions):
    with pytest.raises(ScreeningError, match="npartitions"):
        screen_sites_dask(mixed_sites_peninsula_and_sabah, test_layers, rules, scheduler=client, npartitions=npartitions)


def test_scheduler_of_the_wrong_kind_is_refused(mixed_sites_peninsula_and_sabah, test_layers, rules):
    with pytest.raises(ScreeningError, match="scheduler=42"):
        screen_sites_dask(mixed_sites_peninsula_and_sabah, test_layers, rules, scheduler=42)


def test_no_sites_give_an_empty_result(client, mixed_sites_peninsula_and_sabah, test_layers, rules):
    empty = mixed_sites_peninsula_and_sabah.iloc[:0]
    actual = screen_sites_dask(empty, test_layers, rules, scheduler=client)
    assert len(actual) == 0
    assert list(actual.columns) == list(screen_sites(empty, test_layers, rules).columns)


def test_cli_screen_with_the_dask_engine_matches_memory(in_process_cluster, tmp_path, capsys):
    from reegeo.cli import main

    sites = str(REPO / "geodata" / "examples.geojson")
    memory, dask_out = tmp_path / "memory.csv", tmp_path / "dask.csv"
    assert main(["screen", sites, "-o", str(memory)]) == 0
    assert main(["screen", sites, "-o", str(dask_out), "--engine", "dask", "--scheduler", in_process_cluster.scheduler_address]) == 0
    assert dask_out.read_bytes() == memory.read_bytes()


def test_cli_scheduler_needs_the_dask_engine(tmp_path, capsys):
    from reegeo.cli import main

    assert main(["screen", str(REPO / "geodata" / "examples.geojson"), "-o", str(tmp_path / "r.csv"), "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "needs --engine dask" in capsys.readouterr().err


def test_a_servers_workspace_screens_big_sets_on_its_cluster(in_process_cluster, mixed_sites_peninsula_and_sabah, test_layers, rules, monkeypatch):
    """REEGEO_DASK_SCHEDULER sends sets of REEGEO_DASK_MIN_SITES sites or more to the cluster; smaller ones stay here; same verdicts."""
    from reegeo.errors import ScreeningError
    from reegeo.screening import distributed as distributed_module
    from reegeo.screening.distributed import Engine
    from reegeo.web.workspace import Workspace

    engine = Engine.from_environment({"REEGEO_DASK_SCHEDULER": in_process_cluster.scheduler_address, "REEGEO_DASK_MIN_SITES": "100"})
    assert engine == Engine(dask=True, scheduler=in_process_cluster.scheduler_address, min_sites=100)
    assert Engine.from_environment({}) == Engine(dask=False, min_sites=20_000)
    with pytest.raises(ScreeningError, match="REEGEO_DASK_MIN_SITES"):
        Engine.from_environment({"REEGEO_DASK_MIN_SITES": "many"})

    sent: list[int] = []
    real = distributed_module.screen_sites_dask
    monkeypatch.setattr(distributed_module, "screen_sites_dask", lambda sites, *a, **k: sent.append(len(sites)) or real(sites, *a, **k))
    ws = Workspace(rules=tuple(rules), engine=engine)
    big = ws.screen(mixed_sites_peninsula_and_sabah, test_layers, source="big.geojson")
    small = ws.screen(mixed_sites_peninsula_and_sabah.iloc[:40], test_layers, source="small.geojson")
    assert sent == [len(mixed_sites_peninsula_and_sabah)]  # only the big set went to the cluster
    pd.testing.assert_frame_equal(pd.DataFrame(big), pd.DataFrame(screen_sites(mixed_sites_peninsula_and_sabah, test_layers, rules)))
    assert len(small) == 40
