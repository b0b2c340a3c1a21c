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
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import branca.element
import folium
import geopandas as gpd
import shapely
from folium.utilities import JsCode

from reegeo.geo import MALAYSIA_BOUNDS_LONLAT
from reegeo.i18n import t
from reegeo.layers.model import Layer
from reegeo.screening.rules import Rule
from reegeo.style import (
    INCOMPLETE_EDGE,
    INCOMPLETE_FILL,
)
from reegeo.web.assets import MapAssets, file_assets
from reegeo.web.features import (
    DISPLAY_CRS,
    SITE_RADIUS,
    SURFACE_OPACITY,
    DisplayLayer,
    FocusEvidence,
    as_display,
    see_through,
    sites_for_map,
    sites_geojson,
    surface_geojson,
)
from reegeo.web.popups import (
    legend_html,
)

__all__ = ["MALAYSIA_BOUNDS", "SiteOverlay", "base_map", "build_map", "layer_control_js", "map_html", "site_overlay"]

# South-west and north-east corners (lat, lon) of the view that holds all of Malaysia.
MALAYSIA_BOUNDS = ((MALAYSIA_BOUNDS_LONLAT[1], MALAYSIA_BOUNDS_LONLAT[0]), (MALAYSIA_BOUNDS_LONLAT[3], MALAYSIA_BOUNDS_LONLAT[2]))
_FOCUS_MARGIN_M = 3_000.0
_INCOMPLETE_LEGEND_CSS = f"background:repeating-linear-gradient(45deg,{INCOMPLETE_FILL} 0 2px,#eeeeee 2px 5px);border-color:{INCOMPLETE_EDGE};border-style:dashed"

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

# For drawing sites: tooltips only, so a click on land is a click for the site, never a popup.
_TIP_JS = JsCode(
    """
    function(feature, layer) {
        var p = feature.properties || {};
        if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
    }
    """
)

_CSS = """
<style>
.leaflet-container.leaflet-container { background: #dce8f1; font-family: "Source Sans Pro", "Segoe UI", sans-serif; font-size: 12px; }
.leaflet-control-layers { font-size: 12px; line-height: 1.5; }
.leaflet-tooltip { font-size: 12px; }
.reegeo-distance { position: absolute; transform: translate(-50%, -50%); display: inline-block; white-space: nowrap; background: rgba(255,255,255,.9); border: 1px solid #1d1d1d; border-radius: 3px; padding: 1px 5px; font-size: 12px; font-weight: 600; }
.reegeo-legend { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 18px; max-width: 300px; }
.reegeo-legend b { font-size: 13px; }
.reegeo-legend summary { cursor: pointer; }
.reegeo-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: middle;
  border: 1.5px solid; border-radius: 2px; }
.reegeo-legend i.dot { border-radius: 50%; width: 11px; height: 11px; }
.reegeo-label { font-weight: 600; color: #4a0f6b; border: 1px solid #5b1280; font-size: 12px; }
.leaflet-popup-content { font-size: 12.5px; }
.leaflet-popup-content ul { padding-left: 16px; margin: 4px 0; }
</style>
"""


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
    height: str = "100%",
    surface: gpd.GeoDataFrame | None = None,
    surface_label: str = "",
    incomplete: dict | None = None,
    drawing: bool = False,
    evidence: FocusEvidence | None = None,
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
    drawing : bool
        A map to click sites on: features show tooltips but open no popup,
        and there is no legend over the land.
    evidence : FocusEvidence, optional
        With ``focus``: the buffer ring and the labelled line to the nearest
        constraint (:func:`focus_evidence`); the view then frames that line too.

    Returns
    -------
    folium.Map
        The same map as :func:`base_map` with :func:`site_overlay` on top and a layer control.
    """
    overlay = site_overlay(results, rules=rules, lang=lang, focus=focus, evidence=evidence)
    fmap = base_map(
        layers, lang=lang, tiles=tiles, tiles_attribution=tiles_attribution, assets=assets, height=height,
        surface=surface, surface_label=surface_label, incomplete=incomplete, drawing=drawing,
        with_sites=results is not None and len(results) > 0, site_map=focus is not None, view=overlay.bounds,
    )
    for group in overlay.groups:
        group.add_to(fmap)
    folium.LayerControl(collapsed=overlay.collapsed, position="topright").add_to(fmap)
    return fmap


def base_map(
    layers: Mapping[str, Layer] | Mapping[str, DisplayLayer],
    *,
    lang: str = "en",
    tiles: str | None = None,
    tiles_attribution: str = "",
    assets: MapAssets | None = None,
    height: str = "100%",
    surface: gpd.GeoDataFrame | None = None,
    surface_label: str = "",
    incomplete: dict | None = None,
    drawing: bool = False,
    with_sites: bool = False,
    site_map: bool = False,
    deferred_control: bool = False,
    view: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> folium.Map:
    """The part of a map that is the same for every planner: the layers, the surface, the legend, the view of Malaysia.

    A server builds it once per language and layer set and shares it; a
    session's own sites and evidence go on top (:func:`site_overlay`).

    Parameters
    ----------
    layers, lang, tiles, tiles_attribution, assets, height, surface, surface_label, incomplete, drawing
        As for :func:`build_map`.
    with_sites : bool
        The legend lists the site verdicts (the map will show sites).
    site_map : bool
        A small map zoomed on one site: no legend.
    deferred_control : bool
        No layer control here: each overlay group registers itself (in the
        page's ``window.reegeoOverlays``) for the control that
        :func:`layer_control_js` adds with the session's overlays.
    view : ((south, west), (north, east)), optional
        The view the map opens on; all of Malaysia by default.

    Returns
    -------
    folium.Map
    """
    assets = assets or file_assets()
    display = as_display(layers, lang)
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
    root: Any = fmap.get_root()  # a branca Figure, which has a header
    root.header.add_child(branca.element.Element(_CSS), name="reegeo_css")
    if deferred_control:
        _Registry().add_to(fmap)
    if tiles:
        folium.TileLayer(tiles, attr=tiles_attribution or None, name="Tiles", overlay=False, control=False).add_to(fmap)

    def add(group: folium.FeatureGroup) -> None:
        group.add_to(fmap)
        if deferred_control:
            _Register(group).add_to(fmap)

    bind = _TIP_JS if drawing else _BIND_JS
    for name, layer in display.items():
        group = folium.FeatureGroup(name=layer.label, show=True)
        folium.GeoJson(
            see_through(layer.geojson) if tiles and name == "states" else layer.geojson,
            marker=folium.CircleMarker(radius=float(layer.style.get("radius", 5))),
            on_each_feature=bind,
        ).add_to(group)
        add(group)
        if name == "states" and incomplete and incomplete.get("features"):
            overlay = folium.FeatureGroup(name=html.escape(t("map.incomplete_layer", lang)))
            folium.GeoJson(incomplete, on_each_feature=_BIND_JS).add_to(overlay)
            add(overlay)

    if surface is not None and len(surface):
        group = folium.FeatureGroup(name=html.escape(surface_label or t("map.surface", lang)))
        folium.GeoJson(surface_geojson(surface, lang=lang), on_each_feature=_BIND_JS).add_to(group)
        add(group)

    # A zoomed site map is small: it has no legend.
    if not site_map and not drawing:
        legend = _legend_html(display, with_sites=with_sites, with_surface=surface is not None and len(surface) > 0, lang=lang, incomplete=incomplete)
        _Legend(legend).add_to(fmap)
    _FitBounds(view or MALAYSIA_BOUNDS).add_to(fmap)
    return fmap


@dataclass(frozen=True)
class SiteOverlay:
    """A session's own part of a map: its sites and the evidence at one site, the view that frames them."""

    groups: list[folium.FeatureGroup] = field(default_factory=list)
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
    collapsed: bool = False  # the layer control folds away (a small map zoomed on one site)
    sites_shown: int = 0  # of sites_total: a map draws at most MAP_MAX_SITES (the worst verdicts first)
    sites_total: int = 0


def site_overlay(
    results: gpd.GeoDataFrame | None = None,
    *,
    rules: Sequence[Rule] | None = None,
    lang: str = "en",
    focus: shapely.Geometry | None = None,
    evidence: FocusEvidence | None = None,
) -> SiteOverlay:
    """The sites coloured by verdict and, at ``focus``, the buffer ring and the line to the nearest constraint.

    Parameters are as for :func:`build_map`. The groups are drawn above the
    :func:`base_map` layers, in this order; ``bounds`` (lat, lon corners) frame
    ``focus`` and the line, or is None for the view of Malaysia.
    """
    groups = []
    shown = sites_for_map(results) if results is not None else None
    if shown is not None and len(shown):
        group = folium.FeatureGroup(name=html.escape(t("map.sites", lang)))
        folium.GeoJson(
            sites_geojson(shown, rules=rules, lang=lang, focus=focus),
            marker=folium.CircleMarker(radius=SITE_RADIUS),
            on_each_feature=_BIND_JS,
        ).add_to(group)
        groups.append(group)

    framed = focus
    if focus is not None and evidence is not None:
        group = folium.FeatureGroup(name=html.escape(t("map.measured", lang)))
        if evidence.ring is not None:
            folium.GeoJson(
                shapely.geometry.mapping(evidence.ring),
                style_function=lambda _: {"color": "#d50000", "weight": 1.5, "dashArray": "6 4", "fill": False},
                tooltip=html.escape(evidence.ring_label),
            ).add_to(group)
        if evidence.line is not None:
            folium.GeoJson(
                shapely.geometry.mapping(evidence.line), style_function=lambda _: {"color": "#1d1d1d", "weight": 2, "dashArray": "2 4"},
                tooltip=html.escape(evidence.label),
            ).add_to(group)
            middle = evidence.line.interpolate(0.5, normalized=True)
            folium.Marker(
                [middle.y, middle.x],
                icon=folium.DivIcon(html=f"<div class='reegeo-distance'>{html.escape(evidence.distance)}</div>", icon_size=(0, 0), icon_anchor=(0, 0)),
            ).add_to(group)
            framed = shapely.union(focus, evidence.line)
        groups.append(group)
    return SiteOverlay(
        groups=groups, bounds=_focus_bounds(framed) if framed is not None else None, collapsed=focus is not None,
        sites_shown=len(shown) if shown is not None else 0, sites_total=len(results) if results is not None else 0,
    )


def layer_control_js(
    overlay_vars: Sequence[tuple[str, str]], *, collapsed: bool, bounds: tuple[tuple[float, float], tuple[float, float]] | None = None, map_var: str = "map_div"
) -> str:
    """JavaScript that adds the layer control to a :func:`base_map` built with ``deferred_control``.

    The control lists the base map's registered groups, then ``overlay_vars``
    (their layer name, already HTML-escaped, and the JavaScript variable that
    holds each group); ``bounds`` ((south, west), (north, east)) frame the
    view. It becomes ``window.layer_control``, which the map component removes
    before it adds a new one.
    """
    lines = [
        "(function () {",
        "  var overlays = {};",
        "  (window.reegeoOverlays || []).forEach(function (entry) { overlays[entry[0]] = entry[1]; });",
        *(f"  overlays[{json.dumps(label)}] = {var};" for label, var in overlay_vars),
        f"  window.layer_control = L.control.layers({{}}, overlays, {{position: \"topright\", collapsed: {json.dumps(collapsed)}, autoZIndex: true}}).addTo({map_var});",
    ]
    if bounds is not None:
        (south, west), (north, east) = bounds
        lines.append(f"  {map_var}.fitBounds({json.dumps([[south, west], [north, east]])}, {{animate: false}});")
    lines.append("})();")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- helpers


class _FitBounds(branca.element.MacroElement):
    """The opening view, set at once: an animated zoom still running would undo a later view (an overlay's, say) when it ends."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: tuple[tuple[float, float], tuple[float, float]]):
        super().__init__()
        self._name = "FitBounds"
        self.bounds = [list(corner) for corner in bounds]


class _Registry(branca.element.MacroElement):
    """Starts the page's list of overlay groups afresh (a redrawn map registers its groups again)."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        window.reegeoOverlays = [];
        {% endmacro %}
        """
    )


class _Register(branca.element.MacroElement):
    """Puts one overlay group (its escaped name and the group) on the page's list, for :func:`layer_control_js`."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        window.reegeoOverlays.push([{{ this.label|tojson }}, {{ this.group.get_name() }}]);
        {% endmacro %}
        """
    )

    def __init__(self, group: folium.FeatureGroup):
        super().__init__()
        self._name = "Register"
        self.group = group
        self.label = group.layer_name


class _Legend(branca.element.MacroElement):
    """A Leaflet control holding pre-escaped legend HTML, folded with a click on its heading.

    Bottom right: at the view of Malaysia that is Kalimantan, outside the
    country, where the bottom left covered the southern Peninsula.
    """

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function() {
            var div = L.DomUtil.create("div", "reegeo-legend");
            div.innerHTML = {{ this.legend_html|tojson }};
            L.DomEvent.disableClickPropagation(div);  // folding the legend does not click the map (or draw a site)
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
    return legend_html(
        [{"name": layer.name, "approximate": layer.approximate, "style": layer.style} for layer in display.values()],
        with_sites=with_sites,
        with_surface=with_surface,
        surface_opacity=SURFACE_OPACITY,
        incomplete={"text": incomplete["legend"], "css": _INCOMPLETE_LEGEND_CSS} if incomplete and incomplete.get("features") else None,
        lang=lang,
    )


def _centre(bounds: tuple[tuple[float, float], tuple[float, float]]) -> list[float]:
    (south, west), (north, east) = bounds
    return [(south + north) / 2, (west + east) / 2]


def _focus_bounds(focus: shapely.Geometry) -> tuple[tuple[float, float], tuple[float, float]]:
    """Bounds (lat, lon) of ``focus`` with a margin on the display grid: ``_FOCUS_MARGIN_M``, or a third of its extent if more.

    The wide margin keeps a site at the end of a framed distance line clear of the map's corners and controls.
    """
    shown = gpd.GeoSeries([focus], crs=4326).to_crs(DISPLAY_CRS)
    x0, y0, x1, y1 = shown.total_bounds
    series = shown.buffer(max(_FOCUS_MARGIN_M, max(x1 - x0, y1 - y0) / 3)).to_crs(4326)
    west, south, east, north = series.total_bounds
    return (float(south), float(west)), (float(north), float(east))


def map_html(fmap: folium.Map) -> str:
    """The map as one standalone HTML page (for saving, or for tests)."""
    return fmap.get_root().render()
