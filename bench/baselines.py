"""The two baselines the engine is measured against, on the same data.

``floor``: the bare spatial-index work that produces the same answers, and
nothing else: project the sites to their GDM2000 RSO zone, then per layer one
STRtree ``intersects`` query (bounding boxes, then the prepared feature's
test), one ``query_nearest`` (distance and feature),
one ``dwithin`` query at the layer's accuracy (the uncertainty check), the
overlap areas of polygon sites, and the states of the sites' representative
points. No ids, no strings, no verdicts, no DataFrame.

``naive``: what a GIS analyst would write with geopandas: per layer an
``sjoin`` for intersection, a per-site ``GeoSeries.distance(...).min()`` for
the nearest feature, ``overlay`` for polygon overlaps, and an ``sjoin`` of
representative points with the states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from reegeo.geo import metric_crs_for
from reegeo.layers.model import Layer
from reegeo.screening.engine import DISTANCE_LAYERS, OVERLAP_LAYERS
from reegeo.screening.rules import Rule


def _zones(sites: gpd.GeoDataFrame) -> tuple[gpd.GeoSeries, np.ndarray]:
    lonlat = sites.geometry.to_crs(4326)
    return lonlat, metric_crs_for(shapely.get_x(shapely.point_on_surface(lonlat.to_numpy())))


def floor(sites: gpd.GeoDataFrame, layers: Mapping[str, Layer], rules: Sequence[Rule]) -> dict[str, np.ndarray]:
    """Bare STRtree queries giving the engine's measurements (see module docstring)."""
    prohibited_layers = {r.layer for r in rules if r.severity == "prohibited" and r.layer}
    out: dict[str, np.ndarray] = {}
    lonlat, zones = _zones(sites)
    for epsg in sorted(set(zones.tolist())):
        idx = np.flatnonzero(zones == epsg)
        geoms = lonlat.iloc[idx].to_crs(epsg).to_numpy()
        polygonal = shapely.get_type_id(geoms) != 0
        for name in [*DISTANCE_LAYERS, "states"]:
            frame = layers[name].frame
            targets = frame.geometry.to_crs(epsg).to_numpy()
            tree = shapely.STRtree(targets)
            shapely.prepare(targets)
            if name == "states":
                out[f"{epsg}_state"] = _intersecting(tree, targets, shapely.point_on_surface(geoms))
                out[f"{epsg}_spanned"] = _intersecting(tree, targets, geoms[polygonal])
                continue
            hits = _intersecting(tree, targets, geoms)
            out[f"{epsg}_{name}_nearest"] = tree.query_nearest(geoms, return_distance=True)
            if name in prohibited_layers:
                reach = float(frame["accuracy_m"].max())
                out[f"{epsg}_{name}_near"] = tree.query(geoms, predicate="dwithin", distance=reach) if reach > 0 else hits
            if name in OVERLAP_LAYERS:
                keep = polygonal[hits[0]]
                out[f"{epsg}_{name}_overlap"] = shapely.area(shapely.intersection(geoms[hits[0][keep]], targets[hits[1][keep]]))
    return out


def _intersecting(tree: shapely.STRtree, targets: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """(site, feature) pairs that intersect: bounding-box candidates, then the prepared feature's test.

    Faster than ``tree.query(geoms, predicate="intersects")``, which tests
    each site against the unprepared (large) feature: for 100,000 points
    against the states, 0.04 s instead of 0.8 s, the same pairs.
    """
    pairs = tree.query(geoms)
    return pairs[:, shapely.intersects(targets[pairs[1]], geoms[pairs[0]])]


def naive(sites: gpd.GeoDataFrame, layers: Mapping[str, Layer], rules: Sequence[Rule]) -> pd.DataFrame:
    """geopandas sjoin/overlay per layer plus a per-site distance loop (see module docstring)."""
    lonlat, zones = _zones(sites)
    parts = []
    for epsg in sorted(set(zones.tolist())):
        zone = gpd.GeoDataFrame({"site": np.flatnonzero(zones == epsg)}, geometry=lonlat.iloc[zones == epsg].to_numpy(), crs=4326).to_crs(epsg)
        result = pd.DataFrame({"site": zone["site"].to_numpy()})
        states = layers["states"].frame.to_crs(epsg)[["name", "geometry"]]
        points = zone.set_geometry(zone.geometry.representative_point())
        joined = gpd.sjoin(points, states, predicate="intersects", how="left")
        result["state"] = joined.groupby(level=0)["name"].first().reindex(zone.index).to_numpy()
        polygons = zone[zone.geom_type != "Point"]
        for name in DISTANCE_LAYERS:
            layer = layers[name].frame.to_crs(epsg)[["name", "geometry"]]
            hit = gpd.sjoin(zone, layer, predicate="intersects", how="inner")
            result[f"in_{name}"] = zone.index.isin(hit.index)
            distance, nearest = [], []
            for geometry in zone.geometry:  # the per-site loop an analyst writes
                d = layer.distance(geometry)
                distance.append(d.min())
                nearest.append(layer["name"].iloc[int(np.argmin(d.to_numpy()))])
            result[f"dist_{name}_m"] = distance
            result[f"nearest_{name}"] = nearest
            if name in OVERLAP_LAYERS and len(polygons):
                pieces = gpd.overlay(polygons, layer, how="intersection", keep_geom_type=True)
                area = pieces.dissolve(by="site").area if len(pieces) else pd.Series(dtype=float)
                result[f"overlap_{name}_m2"] = result["site"].map(area).fillna(0.0).to_numpy()
        parts.append(result)
    return pd.concat(parts).sort_values("site").reset_index(drop=True)
