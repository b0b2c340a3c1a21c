"""Measuring sites against one layer: touching, nearest distance, overlap area, the state a site is in.

Every measurement is in metres in the site's GDM2000 RSO grid
(:func:`reegeo.geo.metric_crs_for`), with the layer projected once per grid and
queried through its STRtree. Geometries closer than :data:`TOUCH_TOLERANCE_M`
touch (reprojection moves shared boundaries by far less than a millimetre).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely

from reegeo.layers.model import Layer
from reegeo.screening.rules import Rule

__all__ = [
    "PreparedLayer",
    "TOUCH_TOLERANCE_M",
    "filtered_layer",
    "intersecting",
    "locate_states",
    "nearest",
    "overlap_areas",
    "prepare_layer",
    "rule_target",
    "touching_and_nearest",
    "within_accuracy",
]
# Geometries closer than this touch: reprojection round trips move shared
# boundaries by far less than a millimetre.
TOUCH_TOLERANCE_M = 0.001

@dataclass(frozen=True)
class PreparedLayer:
    """A layer projected to one metric CRS, with its spatial index."""

    geoms: np.ndarray
    names: np.ndarray
    accuracy_m: np.ndarray
    tree: shapely.STRtree


def rule_target(rule: Rule) -> str:
    """The key of what a rule tests: its layer, or its layer's features that match ``where``."""
    assert rule.layer is not None, "an 'always' rule tests no layer"
    return rule.layer if rule.where is None else f"{rule.layer}[{rule.id}]"


def filtered_layer(layer: Layer, rule: Rule) -> Layer:
    assert rule.where is not None
    column, values = rule.where
    keep = layer.frame[column].astype(str).isin(values)
    return replace(layer, frame=layer.frame[keep.to_numpy()].reset_index(drop=True))


def prepare_layer(layer: Layer, epsg: int) -> PreparedLayer:
    geoms = np.asarray(layer.frame.geometry.to_crs(epsg).values)
    # Prepared layer features make the exact intersects tests cheap; the sites stay unprepared.
    shapely.prepare(geoms)
    return PreparedLayer(
        geoms=geoms,
        names=layer.frame["name"].astype(str).to_numpy(dtype=object),
        accuracy_m=layer.frame["accuracy_m"].to_numpy(dtype=float),
        tree=shapely.STRtree(geoms),
    )


def touching_and_nearest(geoms: np.ndarray, layer: PreparedLayer) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Intersecting (site, feature) pairs, whether each site touches the layer, and metres to (0 when touching) and index of the nearest feature."""
    hits = intersecting(geoms, layer)
    touches = np.zeros(len(geoms), dtype=bool)
    touches[hits[0]] = True
    distance, feature = nearest(geoms, layer)
    touches |= distance <= TOUCH_TOLERANCE_M
    distance[touches] = 0.0
    return hits, touches, distance, feature


def intersecting(geoms: np.ndarray, layer: PreparedLayer) -> np.ndarray:
    """Pairs (site, feature) that intersect: a bounding-box query, then the exact test on prepared features."""
    pairs = layer.tree.query(geoms)
    if pairs.shape[1] == 0:
        return pairs
    return pairs[:, shapely.intersects(layer.geoms[pairs[1]], geoms[pairs[0]])]


def nearest(
    geoms: np.ndarray, layer: PreparedLayer, *, max_distance_m: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) to and index of the nearest feature; ties go to the lowest index.

    With ``max_distance_m``, sites farther than that from every feature get NaN and -1.
    """
    distance = np.full(len(geoms), np.nan)
    feature = np.full(len(geoms), -1, dtype=np.int64)
    if len(layer.geoms) == 0 or len(geoms) == 0:
        return distance, feature
    pairs, dist = layer.tree.query_nearest(geoms, max_distance=max_distance_m, return_distance=True, all_matches=True)
    order = np.lexsort((pairs[1], pairs[0]))
    site, first = np.unique(pairs[0][order], return_index=True)
    distance[site] = dist[order][first]
    feature[site] = pairs[1][order][first]
    return distance, feature


def within_accuracy(geoms: np.ndarray, site_accuracy_m: np.ndarray, layer: PreparedLayer, threshold_m: float) -> np.ndarray:
    """Sites within ``threshold_m`` + the feature's accuracy + the site's own accuracy of a feature."""
    result = np.zeros(len(geoms), dtype=bool)
    if len(layer.geoms) == 0 or not (np.any(layer.accuracy_m > 0) or np.any(site_accuracy_m > 0)):
        return result
    reach = threshold_m + float(layer.accuracy_m.max()) + float(site_accuracy_m.max(initial=0.0))
    pairs = layer.tree.query(geoms, predicate="dwithin", distance=reach)
    if pairs.shape[1] == 0:
        return result
    gap = shapely.distance(geoms[pairs[0]], layer.geoms[pairs[1]])
    close = gap <= threshold_m + layer.accuracy_m[pairs[1]] + site_accuracy_m[pairs[0]]
    result[pairs[0][close]] = True
    return result


def overlap_areas(geoms: np.ndarray, areas: np.ndarray, layer: PreparedLayer, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area (m²) of each site inside the union of the layer's features, and every feature it overlaps.

    The listing is ``name:area_m2;...``, largest first (features of one name
    summed, areas in whole m²); empty for points and sites overlapping nothing.
    """
    overlap = np.zeros(len(geoms))
    listing = np.full(len(geoms), "", dtype=object)
    polygonal = areas[hits[0]] > 0
    site_idx, feature_idx = hits[0][polygonal], hits[1][polygonal]
    if len(site_idx) == 0:
        return overlap, listing
    pieces = shapely.intersection(geoms[site_idx], layer.geoms[feature_idx])
    piece_areas = shapely.area(pieces)
    for site in np.unique(site_idx):
        mine = site_idx == site
        by_name: dict[str, float] = {}
        for name, area in zip(layer.names[feature_idx[mine]], piece_areas[mine]):
            if area >= 0.5:
                by_name[str(name)] = by_name.get(str(name), 0.0) + float(area)
        ranked = sorted(by_name.items(), key=lambda item: (-item[1], item[0]))
        listing[site] = ";".join(f"{name.replace(';', ',').replace(':', ' ')}:{area:.0f}" for name, area in ranked)
    counts = np.bincount(site_idx, minlength=len(geoms))
    single = counts[site_idx] == 1
    overlap[site_idx[single]] = shapely.area(pieces[single])
    # Sites over several features: union the pieces so overlapping features count once.
    for site in np.unique(site_idx[~single]):
        overlap[site] = shapely.area(shapely.union_all(pieces[site_idx == site]))
    return overlap, listing


def locate_states(geoms: np.ndarray, states: PreparedLayer) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """State of each site's representative point, the states it spans, every state it touches, outside and spanning masks.

    A site spans a state when its part in that state is wider than the state
    outline's stated accuracy: a sliver over a generalised boundary (a
    Kuantan district polygon poking 1 km into Terengganu on a 2 km-accurate
    layer) does not make it a two-state site. ``touched`` keeps every state
    it touches at all, slivers included, for the coverage check, which must
    not clear a site on the strength of a boundary that uncertain.
    """
    n = len(geoms)
    anchors = shapely.point_on_surface(geoms)
    state = np.full(n, "", dtype=object)
    if len(states.geoms):
        pairs = intersecting(anchors, states)
        order = np.lexsort((pairs[1], pairs[0]))
        site, first = np.unique(pairs[0][order], return_index=True)
        state[site] = states.names[pairs[1][order][first]]
        # Coastal sites can fall just outside a generalised coastline: take the
        # nearest state when it is within that state's stated accuracy.
        missing = np.flatnonzero(state == "")
        reach = float(states.accuracy_m.max())
        if len(missing) and reach > 0:
            distance, feature = nearest(anchors[missing], states, max_distance_m=reach)
            ok = (feature >= 0) & (distance <= states.accuracy_m[np.maximum(feature, 0)])
            state[missing[ok]] = states.names[feature[ok]]
    spanned = np.full(n, "", dtype=object)
    touched_all = np.full(n, "", dtype=object)
    is_spanning = np.zeros(n, dtype=bool)
    if len(states.geoms):
        touched = intersecting(geoms, states)
        touched_names = states.names[touched[1]]
        counts = np.bincount(touched[0], minlength=n)
        single = counts[touched[0]] == 1
        spanned[touched[0][single]] = touched_names[single]
        touched_all[touched[0][single]] = touched_names[single]
        # Few sites touch several features: join their distinct state names.
        for site in np.unique(touched[0][~single]):
            mine = touched[1][touched[0] == site]
            names = sorted(set(states.names[mine]))
            touched_all[site] = ";".join(names)
            wide = sorted({str(states.names[f]) for f in mine if states.names[f] == state[site] or _wider_than(geoms[site], states, f)})
            spanned[site] = ";".join(wide or names)
            is_spanning[site] = len(wide) > 1
    spanned = np.where(spanned == "", state, spanned)
    touched_all = np.where(touched_all == "", state, touched_all)
    return state, spanned, touched_all, state == "", is_spanning


def _wider_than(site: shapely.Geometry, states: PreparedLayer, feature: int) -> bool:
    """Whether the site's part in state ``feature`` is wider than that outline's accuracy (not a sliver over its boundary)."""
    piece = shapely.intersection(site, states.geoms[feature])
    if shapely.area(piece) <= 0:
        return False
    tolerance = float(states.accuracy_m[feature])
    return tolerance <= 0 or not shapely.is_empty(shapely.buffer(piece, -tolerance))
