"""What the browser receives: layers, sites, the surface and incomplete states as GeoJSON.

Outlines are simplified for display on the Web Mercator grid and bounded (a
layer above :data:`DISPLAY_MAX_FEATURES` features is drawn merged, and
simplified further until it has at most :data:`DISPLAY_MAX_VERTICES` vertices);
only escaped text, the verdict and the style go with each feature, never the
raw attributes of an uploaded file.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from reegeo.i18n import t
from reegeo.layers.model import Layer
from reegeo.screening.engine import OVERLAP_LAYERS
from reegeo.screening.evidence import distance_line, format_distance, nearest_constraint
from reegeo.screening.rules import Rule
from reegeo.style import (
    INCOMPLETE_EDGE,
    INCOMPLETE_FILL,
    VERDICT_COLOURS,
    leaflet_style,
)
from reegeo.vocab import VERDICTS, Relation
from reegeo.web.popups import (
    TYPE_COLUMNS,
    feature_popup,
    feature_tip,
    first_value,
    incomplete_legend,
    incomplete_tip,
    merged_popup,
    merged_tip,
    site_popup,
    site_tip,
    surface_tip,
)

__all__ = [
    "DISPLAY_CRS",
    "DISPLAY_MAX_FEATURES",
    "DISPLAY_MAX_VERTICES",
    "DisplayLayer",
    "EXPLAIN_IN_POPUP_MAX_SITES",
    "MAP_MAX_SITES",
    "FocusEvidence",
    "LAYER_ORDER",
    "SITE_RADIUS",
    "SITE_STYLE",
    "SURFACE_OPACITY",
    "as_display",
    "focus_evidence",
    "incomplete_geojson",
    "prepare_layers",
    "see_through",
    "sites_for_map",
    "sites_geojson",
    "surface_geojson",
]
# Drawing order, bottom to top (also the order of the layer control and the legend).
LAYER_ORDER = ("states", "forest_reserves", "water_catchments", "protected_areas", "reservoirs", "deposits", "ports", "lynas")
DISPLAY_CRS = 3857  # Web Mercator: the map's own display grid, used only to simplify outlines for display
# What the browser receives for a layer is bounded: above DISPLAY_MAX_FEATURES features a
# layer is drawn merged (one feature with a layer-level tooltip), and outlines are simplified
# further (doubling the tolerance) until a layer has at most DISPLAY_MAX_VERTICES vertices.
DISPLAY_MAX_FEATURES = 2_000
DISPLAY_MAX_VERTICES = 60_000
_MAX_TOLERANCE_M = 20_000.0
# Above this many sites, popups list rule ids instead of the full explained findings.
EXPLAIN_IN_POPUP_MAX_SITES = 2_000
# At most this many sites go on a map (the worst verdicts first): 100,000 would be a 60 MB page
# that takes a server minutes to build; the table, the downloads and the reports hold every site.
MAP_MAX_SITES = 5_000
SITE_RADIUS = 6.0
SITE_STYLE = {"fill": True, "color": "#1d1d1d", "weight": 1.2, "fillOpacity": 0.9, "radius": SITE_RADIUS}
_SITE_POLYGON_FILL_OPACITY = 0.55
SURFACE_OPACITY = 0.45
# Where a constraint layer is incomplete (no site can be cleared): grey, dashed, see-through.
_INCOMPLETE_STYLE = {"color": INCOMPLETE_EDGE, "weight": 0.8, "dashArray": "4 4", "fillColor": INCOMPLETE_FILL, "fillOpacity": 0.38}
_FOCUS_STYLE = {"color": "#000000", "weight": 3.5, "radius": 9}


@dataclass(frozen=True)
class DisplayLayer:
    """A layer simplified for display, with escaped tooltip and popup text per feature.

    Attributes
    ----------
    name : str
        The layer's canonical name.
    label : str
        Its name in the layer control and legend (HTML-escaped; says "approximate" when it is).
    geojson : dict
        FeatureCollection in EPSG:4326 whose properties are ``tip``, ``popup``
        (and ``label`` for features labelled permanently) and ``style``.
    style : dict
        Leaflet path options of the layer.
    approximate : bool
    """

    name: str
    label: str
    geojson: dict
    style: Mapping[str, Any]
    approximate: bool


def prepare_layers(
    layers: Mapping[str, Layer],
    *,
    lang: str = "en",
    tolerance_m: float = 60.0,
    bounded: bool = True,
) -> dict[str, DisplayLayer]:
    """Simplify layers for display and write their escaped tooltips and popups.

    The result does not change between reruns, so a dashboard caches it per
    language. Outlines are simplified by ``tolerance_m`` metres on the display
    grid (Web Mercator); measurement never uses them. With ``bounded`` (the
    default) what the browser receives is bounded whatever the layer's size:
    a layer of more than :data:`DISPLAY_MAX_FEATURES` features is drawn
    merged, with one layer-level tooltip, and outlines are simplified further
    until the layer has at most :data:`DISPLAY_MAX_VERTICES` vertices.

    Parameters
    ----------
    layers : mapping of str to Layer
        As :func:`reegeo.layers.model.load_layers` returns them.
    lang : str
        ``en`` or ``ms``.
    tolerance_m : float
        Simplification tolerance for display, in metres.
    bounded : bool
        Bound the features and vertices sent per layer (False only to measure
        the unbounded page).

    Returns
    -------
    dict of str to DisplayLayer
        Background first (``states``), then constraints, then context layers.
    """
    ordered = sorted(layers, key=lambda n: (LAYER_ORDER.index(n) if n in LAYER_ORDER else len(LAYER_ORDER), n))
    return {name: _display_layer(layers[name], lang=lang, tolerance_m=tolerance_m, bounded=bounded) for name in ordered}


def sites_for_map(results: gpd.GeoDataFrame, limit: int | None = None) -> gpd.GeoDataFrame:
    """The sites a map draws: all of them, or ``limit`` (by default :data:`MAP_MAX_SITES`) of them, prohibited first, then needs review, then eligible, each in input order."""
    limit = MAP_MAX_SITES if limit is None else limit
    if len(results) <= limit:
        return results
    rank = results["verdict"].astype(str).map({str(v): i for i, v in enumerate(VERDICTS)}).fillna(len(VERDICTS))
    order = np.lexsort((np.arange(len(results)), rank.to_numpy()))
    return results.iloc[np.sort(order[:limit])]  # drawn in input order


def sites_geojson(
    results: gpd.GeoDataFrame,
    *,
    rules: Sequence[Rule] | None = None,
    lang: str = "en",
    focus: shapely.Geometry | None = None,
) -> dict:
    """Screening results as a FeatureCollection styled by verdict, with escaped tooltip and popup.

    Only the escaped text, the verdict and the style are sent to the browser,
    never the raw attributes of the uploaded file.
    """
    results = results.to_crs(4326) if results.crs is not None else results
    explain = rules is not None and len(results) <= EXPLAIN_IN_POPUP_MAX_SITES
    radius = _site_radius(len(results))
    geometries = results.geometry.values
    features = []
    for position, (_, row) in enumerate(results.iterrows()):
        geometry = geometries[position]
        if geometry is None or geometry.is_empty:
            continue
        verdict = str(row.get("verdict", ""))
        style = dict(SITE_STYLE, radius=radius, fillColor=VERDICT_COLOURS.get(verdict, "#777777"))
        if shapely.get_type_id(geometry) != 0:
            style["fillOpacity"] = _SITE_POLYGON_FILL_OPACITY
        if focus is not None and geometry.equals(focus):
            style.update(_FOCUS_STYLE)
        tip = site_tip(row, lang)
        popup = site_popup(row, colour=str(style["fillColor"]), rules=rules, explain=explain, lang=lang)
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(_rounded(geometry)),
                "properties": {"verdict": verdict, "tip": tip, "popup": popup, "style": style},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def surface_geojson(surface: gpd.GeoDataFrame, *, lang: str = "en") -> dict:
    """A merged eligibility surface as a FeatureCollection coloured by verdict, with escaped tooltips."""
    surface = surface.to_crs(4326)
    features = []
    for geometry, (_, row) in zip(surface.geometry.values, surface.iterrows()):
        if geometry is None or geometry.is_empty:
            continue
        verdict = str(row["verdict"])
        colour = VERDICT_COLOURS.get(verdict, "#777777")
        tip = surface_tip(str(row["state"]), verdict, float(row["area_km2"]), lang)
        style = {"color": colour, "weight": 0.5, "fillColor": colour, "fillOpacity": SURFACE_OPACITY}
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": {"tip": tip, "style": style}})
    return {"type": "FeatureCollection", "features": features}


def incomplete_geojson(incomplete: gpd.GeoDataFrame, *, lang: str = "en", tolerance_m: float = 500.0) -> dict:
    """The states where a constraint layer is incomplete, greyed, for :func:`reegeo.web.map.build_map`'s ``incomplete``.

    Parameters
    ----------
    incomplete : GeoDataFrame
        :func:`reegeo.layers.coverage.incomplete_states` output.
    lang : str
    tolerance_m : float
        Display simplification of the state outlines, in metres.

    Returns
    -------
    dict
        A FeatureCollection (escaped tooltips) with a ``legend`` entry
        naming the incomplete layers (plain text).
    """
    features = []
    missing: list[str] = []
    if len(incomplete):
        outlines = _simplified(incomplete.geometry.to_crs(DISPLAY_CRS), tolerance_m, bounded=True)
        for geometry, (_, row) in zip(outlines, incomplete.iterrows()):
            names = [name for name in str(row["layers"]).split(";") if name]
            missing += [name for name in names if name not in missing]
            if geometry is None or geometry.is_empty:
                continue
            tip = incomplete_tip(str(row["state"]), names, lang)
            features.append({"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": {"tip": tip, "style": _INCOMPLETE_STYLE}})
    legend = incomplete_legend(missing, lang)
    return {"type": "FeatureCollection", "features": features, "legend": legend}


def as_display(layers: Mapping[str, Layer] | Mapping[str, DisplayLayer], lang: str) -> dict[str, DisplayLayer]:
    if all(isinstance(layer, DisplayLayer) for layer in layers.values()):
        return dict(layers)  # type: ignore[arg-type]
    return prepare_layers(layers, lang=lang)  # type: ignore[arg-type]


def _display_layer(layer: Layer, *, lang: str, tolerance_m: float, bounded: bool) -> DisplayLayer:
    style = leaflet_style(layer.name)
    if layer.approximate and layer.name != "states":
        style["dashArray"] = "5 4"
    title = layer.display_title(lang)
    label = title
    if layer.approximate and "approx" not in title.lower() and "anggaran" not in title.lower():
        label += f" ({t('map.approximate', lang)})"
    label = html.escape(label)
    frame = layer.frame
    outlines = frame.geometry.to_crs(DISPLAY_CRS)
    if bounded and len(frame) > DISPLAY_MAX_FEATURES:
        merged = _collected(_simplified(outlines, tolerance_m, bounded=True))
        return DisplayLayer(
            name=layer.name,
            label=label,
            geojson={"type": "FeatureCollection", "features": [_merged_feature(merged, layer, title, style, lang)]},
            style=style,
            approximate=layer.approximate,
        )
    simplified = _simplified(outlines, tolerance_m, bounded=bounded)
    features = []
    for position, (_, row) in enumerate(frame.iterrows()):
        geometry = simplified[position]
        if geometry is None or geometry.is_empty:
            continue
        popup = feature_popup(row, layer_name=layer.name, title=title, source=layer.text("source", lang), accuracy_m=layer.accuracy_m, approximate=layer.approximate, lang=lang)
        properties: dict[str, Any] = {"tip": feature_tip(row, title), "popup": popup, "style": style}
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": properties})
        if layer.name == "lynas" and first_value(row, TYPE_COLUMNS) in ("plant", ""):
            # Mark the plant itself with a labelled dot; its residue facilities keep their tooltips.
            anchor = shapely.point_on_surface(geometry)
            features.append(
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(_rounded(anchor)),
                    "properties": {"label": f"★ {html.escape(str(row.get('name', '')))}", "popup": properties["popup"], "style": style},
                }
            )
    return DisplayLayer(
        name=layer.name,
        label=label,
        geojson={"type": "FeatureCollection", "features": features},
        style=style,
        approximate=layer.approximate,
    )


def _simplified(outlines: gpd.GeoSeries, tolerance_m: float, *, bounded: bool) -> np.ndarray:
    """Outlines (display grid) simplified by ``tolerance_m``, and further while over the vertex budget; EPSG:4326."""
    tolerance = tolerance_m
    while True:
        simplified = outlines.simplify(tolerance, preserve_topology=True) if tolerance > 0 else outlines
        too_many = int(shapely.get_num_coordinates(simplified.values).sum()) > DISPLAY_MAX_VERTICES
        if not (bounded and too_many) or tolerance >= _MAX_TOLERANCE_M:
            return simplified.to_crs(4326).values
        tolerance = max(tolerance * 2, 50.0)


def _collected(geometries: np.ndarray) -> shapely.Geometry:
    """All outlines as one geometry, without dissolving them (overlaps are harmless on screen)."""
    parts = shapely.get_parts(geometries[~shapely.is_empty(geometries)])
    if len(parts) and np.all(shapely.get_type_id(parts) == 3):
        return shapely.multipolygons(parts)
    if len(parts) and np.all(shapely.get_type_id(parts) == 0):
        return shapely.multipoints(parts)
    return shapely.geometrycollections(parts)


def _merged_feature(geometry: shapely.Geometry, layer: Layer, title: str, style: Mapping[str, Any], lang: str) -> dict:
    """One feature for a whole large layer, with a layer-level tooltip and popup."""
    tip = merged_tip(title, layer.feature_count, lang)
    popup = merged_popup(title, layer.feature_count, source=layer.text("source", lang), accuracy_m=layer.accuracy_m, approximate=layer.approximate, lang=lang)
    return {"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": {"tip": tip, "popup": popup, "style": dict(style)}}


def _site_radius(count: int) -> float:
    """Smaller dots for more sites (pixels), so thousands stay readable."""
    return 6.0 if count <= 500 else 4.0 if count <= 5_000 else 3.0


def see_through(geojson: dict) -> dict:
    """The features unfilled, so a tile background shows through the state outlines."""
    features = [
        {**feature, "properties": {**feature["properties"], "style": {**feature["properties"]["style"], "fillOpacity": 0.0}}}
        for feature in geojson["features"]
    ]
    return {**geojson, "features": features}


def _rounded(geometry: shapely.Geometry, decimals: int = 5) -> shapely.Geometry:
    """Coordinates rounded to ``decimals`` places of a degree (5 is about 1 m) to keep the page small."""
    return shapely.transform(geometry, lambda coords: np.round(coords, decimals))


@dataclass(frozen=True)
class FocusEvidence:
    """What a site's own map shows beside the site (EPSG:4326): the measured line to the nearest constraint, labelled, and the buffer ring."""

    line: shapely.LineString | None
    label: str
    ring: shapely.Geometry | None
    ring_label: str
    distance: str = ""


def focus_evidence(row: Mapping, layers: Mapping[str, Layer], rules: Sequence[Rule], *, lang: str = "en") -> FocusEvidence:
    """The evidence drawn on one site's map: the same line and buffer as the report's site map (see :func:`reegeo.screening.evidence.distance_line`)."""
    crs = str(row.get("metric_crs") or "")
    geometry = row.get("geometry")
    if geometry is None or not crs.startswith("EPSG:"):
        return FocusEvidence(None, "", None, "")  # nothing to draw
    epsg = int(crs.split(":")[1])
    to_grid = gpd.GeoSeries([geometry], crs=4326).to_crs(epsg)
    site = to_grid.iloc[0]
    nearest = nearest_constraint(row)
    line = distance_line(site, layers, nearest, epsg)
    buffers = [r.distance_m for r in rules if r.relation == Relation.WITHIN_DISTANCE and r.distance_m and r.layer in OVERLAP_LAYERS]
    ring = shapely.buffer(site, max(buffers), quad_segs=16).boundary if buffers else None
    back = {k: v for k, v in (("line", line), ("ring", ring)) if v is not None}
    shown = dict(zip(back, gpd.GeoSeries(list(back.values()), crs=epsg).to_crs(4326))) if back else {}
    label = t("report.map.distance_to", lang, distance=format_distance(nearest[2]), feature=nearest[1]) if line is not None and nearest else ""
    ring_label = t("report.legend.buffer", lang, distance=f"{max(buffers):,.0f} m") if buffers else ""
    distance = format_distance(nearest[2]) if line is not None and nearest else ""
    return FocusEvidence(shown.get("line"), label, shown.get("ring"), ring_label, distance)
