"""Screen sites on a dask cluster: the same answers as :func:`screen_sites`, partitioned.

The sites are partitioned spatially (sorted by their dask-geopandas Hilbert
distance and cut into runs, so each partition covers a compact area and
mostly one GDM2000 RSO zone), the layers and rules are broadcast once to every worker,
each partition is screened with :func:`reegeo.screening.engine.screen_sites`, and
the results are gathered on the client and put back in input order.

Every site's answer depends only on that site and the layers, so the
partitioned result is identical to the in-memory one (``tests/test_distributed.py``
compares them cell by cell). The site ids are fixed on the client before
partitioning, so the 1-based row-number fallback is the input's row number and
not the row's position inside its partition.

Limits: every worker holds a full copy of the layers (fine for national
constraint layers of up to a few hundred MB); the client holds the whole input
and the whole result (so the sites must fit in the client's memory, about
1 kB per point site with its result).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from reegeo.errors import ScreeningError
from reegeo.layers.model import Layer
from reegeo.messages import Catalog
from reegeo.screening.engine import screen_sites
from reegeo.screening.rules import Rule
from reegeo.vocab import Progress

__all__ = ["Engine", "screen_sites_dask", "DEFAULT_SITES_PER_PARTITION"]

DEFAULT_SITES_PER_PARTITION = 50_000
_POSITION = "__reegeo_position"
_ROW = "__reegeo_row"
_ROW_INDEX = "row"
_CONNECT_TIMEOUT_S = 10

_M = Catalog("screening.distributed", {
    "invalid_npartitions": {
        "en": "npartitions={npartitions!r}: give a positive whole number of partitions, or None to choose one per {per_partition} sites",
        "ms": "npartitions={npartitions!r}: berikan bilangan partisi berupa nombor bulat positif, atau None untuk memilih satu bagi setiap {per_partition} tapak",
    },
    "invalid_scheduler": {
        "en": "scheduler={scheduler!r}: give a scheduler address such as tcp://10.0.0.5:8786, a distributed.Client, or None for a local cluster",
        "ms": "scheduler={scheduler!r}: berikan alamat penjadual seperti tcp://10.0.0.5:8786, distributed.Client, atau None untuk kluster tempatan",
    },
    "scheduler_unreachable": {
        "en": "cannot reach the dask scheduler at {scheduler} ({kind}: {reason}): start one with 'dask scheduler' and workers with 'dask worker ADDRESS', or omit {argument} to use a local cluster",
        "ms": "penjadual dask di {scheduler} tidak dapat dihubungi ({kind}: {reason}): mulakan satu dengan 'dask scheduler' dan pekerja dengan 'dask worker ADDRESS', atau tinggalkan {argument} untuk menggunakan kluster tempatan",
    },
    "bad_min_sites": {
        "en": "{env}={value!r} is not a number of sites: set it to a positive whole number, e.g. {env}=20000, and restart the server.",
        "ms": "{env}={value!r} bukan bilangan tapak: tetapkan kepada nombor bulat positif, cth. {env}=20000, dan mulakan semula pelayan.",
    },
})


def screen_sites_dask(
    sites: gpd.GeoDataFrame,
    layers: Mapping[str, Layer],
    rules: Iterable[Rule],
    *,
    scheduler: object | None = None,
    npartitions: int | None = None,
    progress: Progress | None = None,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Screen sites partitioned on a dask cluster; same result as :func:`screen_sites`.

    Sites are cut into ``npartitions`` spatially compact partitions along a
    Hilbert curve (``dask_geopandas`` ``hilbert_distance``); the layers and
    rules are scattered once to every worker (broadcast); each partition is
    screened by :func:`reegeo.screening.engine.screen_sites` on a worker; the
    partition results are gathered on the client and sorted back into input
    order.

    Parameters
    ----------
    sites : GeoDataFrame
        As for :func:`screen_sites`: points and polygons in any CRS.
    layers : mapping of str to Layer
        As for :func:`screen_sites`; copied to every worker.
    rules : iterable of Rule
    scheduler : str or distributed.Client, optional
        Where to run: a scheduler address such as ``"tcp://10.0.0.5:8786"``,
        an existing ``distributed.Client``, or None (default) for a local
        cluster on this machine (one single-threaded worker process per CPU,
        up to 8), started for this call and closed after it.
    npartitions : int, optional
        Number of spatial partitions; default one per
        :data:`DEFAULT_SITES_PER_PARTITION` sites, at least one per worker
        thread.
    progress : callable, optional
        Called as ``progress(done, total)`` as partitions finish.

    Returns
    -------
    GeoDataFrame
        Exactly what ``screen_sites(sites, layers, rules)`` returns: one row
        per input site, in input order, the columns of
        :func:`reegeo.screening.engine.result_columns`, geometry in EPSG:4326.

    Raises
    ------
    ScreeningError
        For the same inputs as :func:`screen_sites`, when ``npartitions`` is
        not a positive integer, or when the scheduler cannot be reached.
    """
    rules = tuple(rules)
    if npartitions is not None and (isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1):
        raise ScreeningError(_M("invalid_npartitions", npartitions=npartitions, per_partition=DEFAULT_SITES_PER_PARTITION))
    # Validate on the client, with the input's row numbers in the messages.
    screen_sites(sites.iloc[:0], layers, rules, id_column=id_column)
    _check_geometries(sites)
    if len(sites) == 0:
        return screen_sites(sites, layers, rules, id_column=id_column)
    indexed = _with_row_index(sites)
    with _client_for(scheduler) as client:
        threads = max(1, sum(client.nthreads().values()))
        count = npartitions or max(threads, math.ceil(len(indexed) / DEFAULT_SITES_PER_PARTITION))
        parts = _spatial_partitions(indexed, min(count, len(indexed)))
        layers_future, rules_future = client.scatter([dict(layers), rules], broadcast=True)
        partitions = client.scatter(parts)
        futures = [client.submit(_screen_partition, part, layers_future, rules_future, id_column, pure=False) for part in partitions]
        results = _gather(futures, len(indexed), progress)
    combined = pd.concat([r for r in results if len(r)], ignore_index=False)
    combined = combined.sort_values(_POSITION, kind="stable").drop(columns=_POSITION).reset_index(drop=True)
    out = gpd.GeoDataFrame(combined, geometry="geometry", crs=4326)
    out.attrs.update(next((r.attrs for r in results if r.attrs), {}))
    return out


def _screen_partition(part: gpd.GeoDataFrame, layers: Mapping[str, Layer], rules: tuple[Rule, ...], id_column: str | None = None) -> gpd.GeoDataFrame:
    """Screen one partition; carry each site's input position along."""
    if len(part) == 0:
        return part.iloc[:0]
    sites = part.drop(columns=[_POSITION, _ROW])
    sites.index = pd.Index(part[_ROW].to_numpy(), name=_ROW_INDEX)
    result = screen_sites(sites, layers, rules, id_column=id_column)
    result.insert(0, _POSITION, part[_POSITION].to_numpy())
    return result


def _with_row_index(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy with each site's input position and its row number as columns.

    :func:`screen_sites` takes a row index named ``row`` as the site-id
    fallback; each partition gets the input's row numbers back as that index,
    so ids stay those of the whole input, not of the partition.
    """
    frame = sites.copy()
    keep_index = frame.index.name == _ROW_INDEX and pd.api.types.is_integer_dtype(frame.index)
    frame[_ROW] = frame.index.to_numpy() if keep_index else np.arange(1, len(frame) + 1, dtype=np.int64)
    frame[_POSITION] = np.arange(len(frame), dtype=np.int64)
    return frame.reset_index(drop=True)


def _spatial_partitions(sites: gpd.GeoDataFrame, npartitions: int) -> list[gpd.GeoDataFrame]:
    """Sites cut into ``npartitions`` compact pieces along a Hilbert curve.

    The Hilbert distance of each site (dask-geopandas, over the sites' own
    bounds) is computed here on the client, which holds the sites anyway: a
    sort and a split is cheaper than a cluster-side ``spatial_shuffle``,
    which would ship every site across the cluster twice.
    """
    import dask_geopandas

    if npartitions == 1:
        return [sites]
    distance = dask_geopandas.from_geopandas(sites, npartitions=1).hilbert_distance().compute(scheduler="sync")
    order = np.argsort(distance.to_numpy(), kind="stable")
    return [sites.iloc[chunk] for chunk in np.array_split(order, npartitions)]


def _gather(futures: list, total: int, progress: Progress | None) -> list[gpd.GeoDataFrame]:
    """Partition results as they finish (a worker's exception is re-raised here)."""
    from distributed import as_completed

    results = []
    done = 0
    for _, result in as_completed(futures, with_results=True):
        results.append(result)
        done += len(result)
        if progress is not None:
            progress(done, total)
    return results


@contextlib.contextmanager
def _client_for(scheduler: object | None) -> Iterator[Any]:
    """A distributed client for ``scheduler`` (an address, a Client, or None for a local cluster)."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is None:
        workers = max(1, min(os.cpu_count() or 1, 8))
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ScreeningError(_M("invalid_scheduler", scheduler=scheduler))
    try:
        client = Client(scheduler, timeout=_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScreeningError(
            _M("scheduler_unreachable", scheduler=scheduler, kind=type(exc).__name__, reason=str(exc)),
            argument="scheduler",
        ) from None
    with client:
        yield client


def _check_geometries(sites: gpd.GeoDataFrame) -> None:
    """Refuse what screen_sites refuses, naming input rows (not partition rows)."""
    # screen_sites' own checks run on the whole frame here; they are cheap
    # (no measurement) and their messages then cite the input's row numbers.
    from reegeo.screening import engine

    engine.check_sites(sites)


SCHEDULER_ENV = "REEGEO_DASK_SCHEDULER"
MIN_DASK_SITES_ENV = "REEGEO_DASK_MIN_SITES"


@dataclass(frozen=True)
class Engine:
    """Where sites are screened: in this process, or partitioned on a dask cluster.

    ``dask``: screen sets of ``min_sites`` sites or more on the cluster at
    ``scheduler`` (None: a local cluster started for the screening); smaller
    sets screen in this process, where a cluster's overhead would cost more
    than it saves. The verdicts are the same either way. The CLI's
    ``--engine``/``--scheduler`` make one; an app server reads
    ``REEGEO_DASK_SCHEDULER`` (e.g. ``tcp://scheduler:8786``) and
    ``REEGEO_DASK_MIN_SITES`` (default 20,000) with :meth:`from_environment`.
    """

    dask: bool = False
    scheduler: str | None = None
    min_sites: int = 0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Engine:
        """The engine a server's environment asks for (in-process when no scheduler is set).

        Raises
        ------
        ScreeningError
            For a ``REEGEO_DASK_MIN_SITES`` that is not a positive whole number.
        """
        scheduler = environ.get(SCHEDULER_ENV, "").strip() or None
        raw = environ.get(MIN_DASK_SITES_ENV, "").strip()
        if raw and not (raw.isdigit() and int(raw) > 0):
            raise ScreeningError(_M("bad_min_sites", env=MIN_DASK_SITES_ENV, value=raw))
        return cls(dask=scheduler is not None, scheduler=scheduler, min_sites=int(raw) if raw else DEFAULT_SERVER_MIN_SITES)

    def screen(self, sites: gpd.GeoDataFrame, layers: Mapping[str, Layer], rules: Sequence[Rule], **options: Any) -> gpd.GeoDataFrame:
        """:func:`~reegeo.screening.engine.screen_sites`, on the cluster when this engine has one and the set is big enough."""
        if self.dask and len(sites) >= self.min_sites:
            return screen_sites_dask(sites, layers, rules, scheduler=self.scheduler, **options)
        return screen_sites(sites, layers, rules, **options)


DEFAULT_SERVER_MIN_SITES = 20_000
