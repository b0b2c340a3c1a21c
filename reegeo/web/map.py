"""Interactive maps of the layers and screening results (folium / Leaflet).

:func:`build_map` returns a plain ``folium.Map``: every layer a toggleable
overlay with a legend, candidate sites coloured by verdict with their evidence
in a popup, the Lynas plant labelled, state outlines as the background and no
tile layer unless asked for. Vector layers draw on a canvas, so thousands of
sites stay responsive.

Everything shown in a tooltip, popup, legend or layer name is HTML-escaped
here, in Python: feature and site names come from uploaded files and are
hostile until proven otherwise. folium's ``Tooltip``, ``Popup`` and
``GeoJsonTooltip`` insert text as HTML (and ``Tooltip`` into a JavaScript
template string), so they are not used; each feature carries its pre-escaped
``tip``/``popup``/``label`` and one small ``onEachFeature`` binds them.

The map loads Leaflet from the URLs in a :class:`~reegeo.web.assets.MapAssets`
(by default the installed ``xstatic-leaflet`` files); no CDN is named.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from reegeo.i18n import layer_label, t, verdict_label
from reegeo.layers.model import Layer
from reegeo.screening.evidence import explain_site, format_distance
from reegeo.screening.rules import Rule
from reegeo.style import (
    INCOMPLETE_EDGE,
    INCOMPLETE_FILL,
    VERDICT_COLOURS,
    leaflet_style,
)
from reegeo.web.assets import MapAssets, file_assets

__all__ = [
    "DisplayLayer",
    "MALAYSIA_BOUNDS",
    "prepare_layers",
    "DISPLAY_MAX_FEATURES",
    "DISPLAY_MAX_VERTICES",
    "build_map",
    "sites_geojson",
    "surface_geojson",
    "incomplete_geojson",
    "map_html",
]

# South-west and north-east corners (lat, lon) of the view that holds all of Malaysia.
MALAYSIA_BOUNDS = ((0.8, 99.6), (7.4, 119.3))
DISPLAY_CRS = 3857  # Web Mercator: the map's own display grid, used only to simplify outlines for display
# What the browser receives for a layer is bounded: above DISPLAY_MAX_FEATURES features a
# layer is drawn merged (one feature with a layer-level tooltip), and outlines are simplified
# further (doubling the tolerance) until a layer has at most DISPLAY_MAX_VERTICES vertices.
DISPLAY_MAX_FEATURES = 2_000
DISPLAY_MAX_VERTICES = 60_000
_MAX_TOLERANCE_M = 20_000.0
# Above this many sites, popups list rule ids instead of the full explained findings.
EXPLAIN_IN_POPUP_MAX_SITES = 2_000
_FOCUS_MARGIN_M = 3_000.0
_LAYER_ORDER = ("states", "forest_reserves", "water_catchments", "protected_areas", "reservoirs", "deposits", "ports", "lynas")
_TYPE_COLUMNS = ("type", "category", "deposit_type", "kind", "designation")
_STATE_COLUMNS = ("state", "negeri")
_SITE_STYLE = {"fill": True, "color": "#1d1d1d", "weight": 1.2, "fillOpacity": 0.9, "radius": 6}
_SITE_POLYGON_FILL_OPACITY = 0.55
_SURFACE_OPACITY = 0.45
# Where a constraint layer is incomplete (no site can be cleared): grey, dashed, see-through.
_INCOMPLETE_STYLE = {"color": INCOMPLETE_EDGE, "weight": 0.8, "dashArray": "4 4", "fillColor": INCOMPLETE_FILL, "fillOpacity": 0.38}
_INCOMPLETE_LEGEND_CSS = f"background:repeating-linear-gradient(45deg,{INCOMPLETE_FILL} 0 2px,#eeeeee 2px 5px);border-color:{INCOMPLETE_EDGE};border-style:dashed"
_FOCUS_STYLE = {"color": "#000000", "weight": 3.5, "radius": 9}

_BIND_JS = JsCode(
    """
    function(feature, layer) {
        var p = feature.properties || {};
        if (p.label) {
            layer.bindTooltip(p.label, {permanent: true, direction: "right", offset: [10, 0], className: "reegeo-label"});
        } else if (p.tip) {
            layer.bindTooltip(p.tip, {sticky: true});
        }
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 420}); }
    }
    """
)

_CSS = """
<style>
.leaflet-container.leaflet-container { background: #dce8f1; font-family: "Source Sans Pro", "Segoe UI", sans-serif; font-size: 12px; }
.leaflet-control-layers { font-size: 12px; line-height: 1.5; }
.leaflet-tooltip { font-size: 12px; }
.reegeo-legend { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 18px; max-width: 300px; }
.reegeo-legend b { font-size: 13px; }
.reegeo-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: middle;
  border: 1.5px solid; border-radius: 2px; }
.reegeo-legend i.dot { border-radius: 50%; width: 11px; height: 11px; }
.reegeo-label { font-weight: 600; color: #4a0f6b; border: 1px solid #5b1280; font-size: 12px; }
.leaflet-popup-content { font-size: 12.5px; }
.leaflet-popup-content ul { padding-left: 16px; margin: 4px 0; }
</style>
"""


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
    ordered = sorted(layers, key=lambda n: (_LAYER_ORDER.index(n) if n in _LAYER_ORDER else len(_LAYER_ORDER), n))
    return {name: _display_layer(layers[name], lang=lang, tolerance_m=tolerance_m, bounded=bounded) for name in ordered}


def build_map(
    layers: Mapping[str, Layer] | Mapping[str, DisplayLayer],
    *,
    results: gpd.GeoDataFrame | None = None,
    rules: Sequence[Rule] | None = None,
    lang: str = "en",
    focus: shapely.Geometry | None = None,
    tiles: str | None = None,
    tiles_attribution: str = "",
    assets: MapAssets | None = None,
    hidden_layers: Sequence[str] = (),
    height: str = "100%",
    surface: gpd.GeoDataFrame | None = None,
    surface_label: str = "",
    incomplete: dict | None = None,
) -> folium.Map:
    """Build the map of layers and (optionally) screening results.

    Parameters
    ----------
    layers : mapping of str to Layer or DisplayLayer
        Layers to draw; pass :func:`prepare_layers` output to reuse the
        simplified outlines across reruns.
    results : GeoDataFrame, optional
        Output of :func:`reegeo.screening.engine.screen_sites`; sites are drawn
        coloured by verdict, with their findings in a popup.
    rules : sequence of Rule, optional
        The rules the results came from; with them popups explain each
        finding, without them popups list rule ids.
    lang : str
        ``en`` or ``ms`` for labels, tooltips and popups.
    focus : shapely geometry, optional
        A site (EPSG:4326) to zoom to and outline; else the view holds Malaysia.
    tiles : str, optional
        A tile URL template or a folium tile name, for a background that needs
        a network; by default there is none and state outlines are the background.
    tiles_attribution : str
        Attribution for a custom ``tiles`` URL.
    assets : MapAssets, optional
        Where the page loads Leaflet from; the installed package's files by default.
    hidden_layers : sequence of str
        Layers added to the layer control but switched off.
    height : str
        CSS height of the map.
    surface : GeoDataFrame, optional
        An eligibility surface merged for display
        (:func:`reegeo.screening.surface.dissolve_surface`), drawn under the sites and
        coloured by verdict.
    surface_label : str
        Its name in the layer control (e.g. with the cell size).
    incomplete : dict, optional
        :func:`incomplete_geojson` output: the states where a constraint
        layer is incomplete, drawn greyed over the state outlines (switchable)
        with a legend entry, so a planner sees where no site can be cleared.

    Returns
    -------
    folium.Map
    """
    assets = assets or file_assets()
    display = _as_display(layers, lang)
    fmap = folium.Map(
        location=_centre(MALAYSIA_BOUNDS),
        zoom_start=6,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        height=height,
        zoom_snap=0.25,
    )
    fmap.default_js = list(assets.js)
    fmap.default_css = list(assets.css)
    fmap.get_root().header.add_child(branca.element.Element(_CSS), name="reegeo_css")
    if tiles:
        folium.TileLayer(tiles, attr=tiles_attribution or None, name="Tiles", overlay=False, control=False).add_to(fmap)

    for name, layer in display.items():
        group = folium.FeatureGroup(name=layer.label, show=name not in hidden_layers)
        folium.GeoJson(
            _see_through(layer.geojson) if tiles and name == "states" else layer.geojson,
            marker=folium.CircleMarker(radius=float(layer.style.get("radius", 5))),
            on_each_feature=_BIND_JS,
        ).add_to(group)
        group.add_to(fmap)
        if name == "states" and incomplete and incomplete.get("features"):
            overlay = folium.FeatureGroup(name=html.escape(t("map.incomplete_layer", lang)))
            folium.GeoJson(incomplete, on_each_feature=_BIND_JS).add_to(overlay)
            overlay.add_to(fmap)

    if surface is not None and len(surface):
        group = folium.FeatureGroup(name=html.escape(surface_label or t("map.surface", lang)))
        folium.GeoJson(surface_geojson(surface, lang=lang), on_each_feature=_BIND_JS).add_to(group)
        group.add_to(fmap)

    if results is not None and len(results):
        group = folium.FeatureGroup(name=html.escape(t("map.sites", lang)))
        folium.GeoJson(
            sites_geojson(results, rules=rules, lang=lang, focus=focus),
            marker=folium.CircleMarker(radius=float(_SITE_STYLE["radius"])),
            on_each_feature=_BIND_JS,
        ).add_to(group)
        group.add_to(fmap)

    # A zoomed site map is small: its layer list folds away and it has no legend.
    folium.LayerControl(collapsed=focus is not None, position="topright").add_to(fmap)
    if focus is None:
        legend = _legend_html(
            display,
            with_sites=results is not None and len(results) > 0,
            with_surface=surface is not None and len(surface) > 0,
            lang=lang,
            incomplete=incomplete,
        )
        _Legend(legend).add_to(fmap)
    south_west, north_east = _focus_bounds(focus) if focus is not None else MALAYSIA_BOUNDS
    fmap.fit_bounds([list(south_west), list(north_east)])
    return fmap


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
        style = dict(_SITE_STYLE, radius=radius, fillColor=VERDICT_COLOURS.get(verdict, "#777777"))
        if shapely.get_type_id(geometry) != 0:
            style["fillOpacity"] = _SITE_POLYGON_FILL_OPACITY
        if focus is not None and geometry.equals(focus):
            style.update(_FOCUS_STYLE)
        site = html.escape(str(row.get("site_id", "")))
        state = html.escape(str(row.get("state") or "–"))
        label = html.escape(verdict_label(verdict, lang)) if verdict in VERDICT_COLOURS else html.escape(verdict)
        tip = f"<b>{site}</b><br>{label} · {state}"
        popup = f"<b>{site}</b><br><b style='color:{style['fillColor']}'>{label}</b> · {html.escape(t('map.state', lang))}: {state}"
        popup += _findings_html(row, rules, lang) if explain else _ids_html(row)
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
        label = verdict_label(verdict, lang) if verdict in VERDICT_COLOURS else verdict
        tip = f"<b>{html.escape(str(row['state']))}</b><br>{html.escape(label)} · {float(row['area_km2']):,.0f} km²"
        style = {"color": colour, "weight": 0.5, "fillColor": colour, "fillOpacity": _SURFACE_OPACITY}
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": {"tip": tip, "style": style}})
    return {"type": "FeatureCollection", "features": features}


def incomplete_geojson(incomplete: gpd.GeoDataFrame, *, lang: str = "en", tolerance_m: float = 500.0) -> dict:
    """The states where a constraint layer is incomplete, greyed, for :func:`build_map`'s ``incomplete``.

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
        naming the incomplete layers.
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
            labels = ", ".join(layer_label(name, lang) for name in names)
            tip = f"<b>{html.escape(str(row['state']))}</b><br>{html.escape(t('map.incomplete', lang, layers=labels))}"
            features.append({"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": {"tip": tip, "style": _INCOMPLETE_STYLE}})
    legend = html.escape(t("map.incomplete", lang, layers=", ".join(layer_label(name, lang) for name in missing)))
    return {"type": "FeatureCollection", "features": features, "legend": legend}


# ---------------------------------------------------------------- helpers


class _Legend(branca.element.MacroElement):
    """A Leaflet control in the bottom-left corner (the Strait of Malacca) holding pre-escaped legend HTML."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomleft"});
        {{ this.get_name() }}.onAdd = function() {
            var div = L.DomUtil.create("div", "reegeo-legend");
            div.innerHTML = {{ this.legend_html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str):
        super().__init__()
        self._name = "Legend"
        self.legend_html = legend_html


def _legend_html(
    display: Mapping[str, DisplayLayer], *, with_sites: bool, with_surface: bool = False, lang: str, incomplete: dict | None = None
) -> str:
    rows = [f"<b>{html.escape(t('map.legend', lang))}</b>"]
    for layer in display.values():
        style = layer.style
        shape = "dot" if layer.name in ("deposits", "ports", "lynas") else ""
        dashed = "border-style: dashed;" if layer.approximate and layer.name != "states" else ""
        rows.append(
            f"<div><i class='{shape}' style='background:{style['fillColor']};border-color:{style['color']};{dashed}'></i>"
            f"{_short_label(layer, lang)}</div>"
        )
    if with_sites:
        for verdict, colour in VERDICT_COLOURS.items():
            rows.append(
                f"<div><i class='dot' style='background:{colour};border-color:#1d1d1d'></i>"
                f"{html.escape(t('map.sites', lang))}: {html.escape(verdict_label(verdict, lang))}</div>"
            )
    if with_surface:
        for verdict, colour in VERDICT_COLOURS.items():
            rows.append(
                f"<div><i style='background:{colour};opacity:{_SURFACE_OPACITY};border-color:{colour}'></i>"
                f"{html.escape(t('map.surface', lang))}: {html.escape(verdict_label(verdict, lang))}</div>"
            )
    if incomplete and incomplete.get("features"):
        rows.append(f"<div><i style='{_INCOMPLETE_LEGEND_CSS}'></i>{incomplete['legend']}</div>")
    if any(layer.approximate for layer in display.values()):
        rows.append(f"<div style='margin-top:4px;color:#8a5300'>{html.escape(t('map.approximate_note', lang))}</div>")
    return "".join(rows)


def _short_label(layer: DisplayLayer, lang: str) -> str:
    """The layer's short name for the legend ("forest reserves"), with "(approximate)" when it is."""
    text = html.escape(layer_label(layer.name, lang))
    text = text[:1].upper() + text[1:]
    return text + (f" ({html.escape(t('map.approximate', lang))})" if layer.approximate else "")


def _as_display(layers: Mapping[str, Layer] | Mapping[str, DisplayLayer], lang: str) -> dict[str, DisplayLayer]:
    if all(isinstance(layer, DisplayLayer) for layer in layers.values()):
        return dict(layers)  # type: ignore[arg-type]
    return prepare_layers(layers, lang=lang)  # type: ignore[arg-type]


def _display_layer(layer: Layer, *, lang: str, tolerance_m: float, bounded: bool) -> DisplayLayer:
    style = leaflet_style(layer.name)
    if layer.approximate and layer.name != "states":
        style["dashArray"] = "5 4"
    title = layer.display_title(lang)
    label = html.escape(title)
    if layer.approximate and "approx" not in title.lower() and "anggaran" not in title.lower():
        label += f" ({html.escape(t('map.approximate', lang))})"
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
        tip = _feature_tip(row, layer, title, lang)
        properties: dict[str, Any] = {"tip": tip, "popup": _feature_popup(row, layer, title, lang), "style": style}
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": properties})
        if layer.name == "lynas" and _first(row, _TYPE_COLUMNS) in ("plant", ""):
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
    count = t("map.merged", lang, count=f"{layer.feature_count:,}")
    tip = f"<b>{html.escape(title)}</b><br>{html.escape(count)}"
    lines = [
        ("map.source", layer.source or "–"),
        ("map.accuracy", f"± {format_distance(layer.accuracy_m)}" + (f" ({t('map.approximate', lang)})" if layer.approximate else "")),
    ]
    popup = tip + "".join(f"<br>{html.escape(t(key, lang))}: {html.escape(str(value))}" for key, value in lines)
    return {"type": "Feature", "geometry": shapely.geometry.mapping(_rounded(geometry)), "properties": {"tip": tip, "popup": popup, "style": dict(style)}}


def _first(row: pd.Series, columns: Sequence[str]) -> str:
    for column in columns:
        value = row.get(column)
        if value is not None and not (isinstance(value, float) and np.isnan(value)) and str(value).strip():
            return str(value)
    return ""


def _feature_tip(row: pd.Series, layer: Layer, title: str, lang: str) -> str:
    name = html.escape(str(row.get("name", "")))
    kind = _first(row, _TYPE_COLUMNS)
    detail = html.escape(kind.replace("_", " ")) if kind else html.escape(title)
    return f"<b>{name}</b><br>{detail}"


def _feature_popup(row: pd.Series, layer: Layer, title: str, lang: str) -> str:
    kind = _first(row, _TYPE_COLUMNS).replace("_", " ")
    state = row.get("name") if layer.name == "states" else _first(row, _STATE_COLUMNS)
    source = _first(row, ("source",)) or layer.source
    accuracy = row.get("accuracy_m", layer.accuracy_m)
    accuracy_text = format_distance(float(accuracy)) if accuracy is not None and accuracy == accuracy else "n/a"
    lines = [
        ("map.layer", title),
        ("map.type", kind or "–"),
        ("map.state", str(state or "–")),
        ("map.source", source or "–"),
        ("map.accuracy", f"± {accuracy_text}" + (f" ({t('map.approximate', lang)})" if layer.approximate else "")),
    ]
    body = "".join(f"<br>{html.escape(t(key, lang))}: {html.escape(str(value))}" for key, value in lines)
    return f"<b>{html.escape(str(row.get('name', '')))}</b>{body}"


def _findings_html(row: pd.Series, rules: Sequence[Rule] | None, lang: str) -> str:
    findings = explain_site(row, rules or (), lang=lang)
    if not findings:
        return f"<br>{html.escape(t('map.no_findings', lang))}"
    items = []
    for finding in findings:
        measurement = f" — {html.escape(finding.measurement)}" if finding.measurement else ""
        items.append(
            f"<li><b>{html.escape(t('severity.' + finding.severity, lang))}</b> "
            f"<code>{html.escape(finding.rule_id)}</code>{measurement}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _ids_html(row: pd.Series) -> str:
    parts = []
    for column in ("violations", "flags", "advisories"):
        value = str(row.get(column) or "")
        if value:
            parts.append(f"{html.escape(column)}: {html.escape(value.replace(';', ', '))}")
    return "<br>" + "<br>".join(parts) if parts else ""


def _site_radius(count: int) -> float:
    """Smaller dots for more sites (pixels), so thousands stay readable."""
    return 6.0 if count <= 500 else 4.0 if count <= 5_000 else 3.0


def _see_through(geojson: dict) -> dict:
    """The features unfilled, so a tile background shows through the state outlines."""
    features = [
        {**feature, "properties": {**feature["properties"], "style": {**feature["properties"]["style"], "fillOpacity": 0.0}}}
        for feature in geojson["features"]
    ]
    return {**geojson, "features": features}


def _rounded(geometry: shapely.Geometry, decimals: int = 5) -> shapely.Geometry:
    """Coordinates rounded to ``decimals`` places of a degree (5 is about 1 m) to keep the page small."""
    return shapely.transform(geometry, lambda coords: np.round(coords, decimals))


def _centre(bounds: tuple[tuple[float, float], tuple[float, float]]) -> list[float]:
    (south, west), (north, east) = bounds
    return [(south + north) / 2, (west + east) / 2]


def _focus_bounds(focus: shapely.Geometry) -> tuple[tuple[float, float], tuple[float, float]]:
    """Bounds (lat, lon) of ``focus`` with a margin of ``_FOCUS_MARGIN_M`` metres on the display grid."""
    series = gpd.GeoSeries([focus], crs=4326).to_crs(DISPLAY_CRS).buffer(_FOCUS_MARGIN_M).to_crs(4326)
    west, south, east, north = series.total_bounds
    return (float(south), float(west)), (float(north), float(east))


def map_html(fmap: folium.Map) -> str:
    """The map as one standalone HTML page (for saving, or for tests)."""
    return fmap.get_root().render()
