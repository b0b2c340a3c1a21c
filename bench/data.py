"""Benchmark inputs: random sites over Malaysia's land and a synthetic constraint layer.

Everything is generated from fixed seeds, so every run screens the same
data; generated sets are cached as GeoParquet in ``bench/.cache``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from reegeo.layers.load import layer_from_frame, load_layers
from reegeo.layers.model import Layer

CACHE = Path(__file__).resolve().parent / ".cache"
SEED = 20261126
SYNTHETIC_FEATURES = 10_000
_M_PER_DEG = 111_320.0


def land(layers: dict[str, Layer]) -> shapely.Geometry:
    """The union of the states (EPSG:4326), prepared for point-in-polygon tests."""
    union = shapely.union_all(layers["states"].frame.geometry.to_numpy())
    shapely.prepare(union)
    return union


def random_land_points(count: int, *, seed: int, area: shapely.Geometry) -> np.ndarray:
    """``count`` points uniform over ``area`` (lon/lat), by rejection sampling."""
    rng = np.random.default_rng(seed)
    west, south, east, north = shapely.bounds(area)
    found: list[np.ndarray] = []
    total = 0
    while total < count:
        lon = rng.uniform(west, east, count)
        lat = rng.uniform(south, north, count)
        keep = shapely.contains_xy(area, lon, lat)
        found.append(np.column_stack([lon[keep], lat[keep]]))
        total += int(keep.sum())
    return np.concatenate(found)[:count]


def blobs(centres: np.ndarray, radius_m: np.ndarray, *, seed: int, vertices: int = 12) -> np.ndarray:
    """Irregular star-convex polygons around lon/lat centres, radius in metres."""
    rng = np.random.default_rng(seed)
    n = len(centres)
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    wobble = rng.uniform(0.6, 1.0, size=(n, vertices))
    r_deg = (radius_m / _M_PER_DEG)[:, None] * wobble
    lat_scale = np.cos(np.radians(centres[:, 1]))[:, None]
    x = centres[:, 0:1] + r_deg * np.cos(angles) / lat_scale
    y = centres[:, 1:2] + r_deg * np.sin(angles)
    rings = np.stack([x, y], axis=-1)
    rings = np.concatenate([rings, rings[:, :1]], axis=1)
    return shapely.polygons(rings)


def sites(kind: str, count: int) -> gpd.GeoDataFrame:
    """``count`` random sites over land: ``points``, or ``polygons`` (parcels of ~0.5-50 ha)."""
    path = CACHE / f"sites_{kind}_{count}.parquet"
    if path.exists():
        return gpd.read_parquet(path)
    layers = load_layers(include_installed=False)
    seed = SEED + count + (1 if kind == "polygons" else 0)
    xy = random_land_points(count, seed=seed, area=land(layers))
    if kind == "points":
        geometry = shapely.points(xy)
    elif kind == "polygons":
        radius = np.random.default_rng(seed + 7).uniform(40.0, 400.0, count)
        geometry = blobs(xy, radius, seed=seed + 11, vertices=8)
    else:
        raise ValueError(f"kind {kind!r}: use points or polygons")
    frame = gpd.GeoDataFrame({"site_id": np.arange(1, count + 1).astype(str)}, geometry=geometry, crs=4326)
    CACHE.mkdir(exist_ok=True)
    frame.to_parquet(path)
    return frame


def synthetic_constraints() -> gpd.GeoDataFrame:
    """10,000 polygons (radius 200 m - 3 km) over land: a stand-in for a detailed national PRF layer."""
    path = CACHE / f"synthetic_constraints_{SYNTHETIC_FEATURES}.parquet"
    if path.exists():
        return gpd.read_parquet(path)
    layers = load_layers(include_installed=False)
    xy = random_land_points(SYNTHETIC_FEATURES, seed=SEED - 1, area=land(layers))
    radius = np.random.default_rng(SEED - 2).uniform(200.0, 3_000.0, SYNTHETIC_FEATURES)
    frame = gpd.GeoDataFrame(
        {"name": [f"Synthetic reserve {i}" for i in range(1, SYNTHETIC_FEATURES + 1)], "accuracy_m": 100.0},
        geometry=blobs(xy, radius, seed=SEED - 3, vertices=24),
        crs=4326,
    )
    CACHE.mkdir(exist_ok=True)
    frame.to_parquet(path)
    return frame


def layer_set(name: str) -> dict[str, Layer]:
    """``bundled``: the bundled layers; ``synthetic``: the same with forest_reserves = 10,000 synthetic polygons."""
    layers = load_layers(include_installed=False)
    if name == "synthetic":
        layers["forest_reserves"] = layer_from_frame("forest_reserves", synthetic_constraints(), accuracy_m=100.0, title="synthetic")
    elif name != "bundled":
        raise ValueError(f"layer set {name!r}: use bundled or synthetic")
    return layers
