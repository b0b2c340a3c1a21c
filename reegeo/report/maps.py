"""Offline maps for reports: a national overview and one small local map per site.

Drawn with matplotlib's object API (``Figure`` + Agg canvas, no pyplot and no
global ``rcParams`` changes, so concurrent app sessions cannot disturb each
other) and returned as palette PNG bytes: small, and byte-identical for the
same inputs.

Local maps are drawn in the site's GDM2000 RSO grid (EPSG:3375 / 3376), so
the scale bar is true. The base layers are drawn once per grid on one figure;
each site only moves the view and adds its own outline, buffer ring, scale bar
and north arrow, which keeps 500 maps to a few seconds.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from PIL import Image
from pyproj import Transformer

from reegeo.geo import metric_crs_for
from reegeo.i18n import layer_label, t
from reegeo.layers.coverage import incomplete_states
from reegeo.layers.model import Layer
from reegeo.screening.evidence import distance_line, format_distance
from reegeo.style import (
    INCOMPLETE_FILL,
    VERDICT_COLOURS,
    VERDICT_MARKERS,
    print_point_style,
    print_polygon_style,
)

__all__ = ["render_national_map", "SiteMapper"]

_FONT = {"family": "DejaVu Sans"}
_PNG_COLOURS = 96
_NICE_LENGTHS_M = (50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000)


# States where a constraint layer is incomplete: grey hatching over the state fill.
_INCOMPLETE_STYLE: dict[str, Any] = {"facecolor": "none", "edgecolor": INCOMPLETE_FILL, "hatch": "////", "linewidth": 0.0, "alpha": 0.55}


def render_national_map(
    results: gpd.GeoDataFrame, layers: Mapping[str, Layer], *, lang: str = "en", checked: Sequence[str] | None = None
) -> bytes:
    """PNG of every site coloured by verdict over states, forest reserves and catchments.

    States where a layer of ``checked`` (the layers prohibiting rules test;
    by default the constraint layers) is incomplete are hatched grey.

    One panel per region that holds sites (Peninsular Malaysia; Sabah, Sarawak
    and Labuan), side by side, in longitude/latitude: near the equator a
    degree is nearly the same distance both ways, so shapes stay true.
    """
    figure = Figure(figsize=(7.2, 4.3), dpi=150)
    FigureCanvasAgg(figure)
    anchors = shapely.point_on_surface(np.asarray(results.geometry.to_crs(4326).values)) if len(results) else np.array([])
    site_regions = metric_crs_for(shapely.get_x(anchors)) if len(anchors) else np.array([], dtype=int)
    state_frame = layers["states"].frame if "states" in layers else None
    state_regions = (
        metric_crs_for(shapely.get_x(shapely.point_on_surface(np.asarray(state_frame.geometry.values)))) if state_frame is not None and len(state_frame) else np.array([], dtype=int)
    )
    incomplete = incomplete_states(layers, checked)
    regions = sorted(set(site_regions.tolist())) or sorted(set(state_regions.tolist())) or [0]
    boxes = [_region_box(state_frame, state_regions, anchors[site_regions == r] if len(anchors) else anchors, r) for r in regions]
    aspects = [(b[2] - b[0]) / (b[3] - b[1]) for b in boxes]
    left, gap = 0.005, 0.01
    usable = 1 - 2 * left - gap * (len(regions) - 1)
    for box_, aspect in zip(boxes, aspects):
        width = usable * aspect / sum(aspects)
        axes = figure.add_axes((left, 0.005, width, 0.99))
        left += width + gap
        _blank_axes(axes)
        for name in ("states", "forest_reserves", "protected_areas", "water_catchments", "lynas"):
            if name in layers:
                _draw_layer(axes, name, np.asarray(layers[name].frame.geometry.values))
        if len(incomplete):
            axes.add_collection(_patches(shapely.get_parts(np.asarray(incomplete.geometry.values)), zorder=1.5, **_INCOMPLETE_STYLE))
        for verdict in ("eligible", "review", "prohibited"):  # worst drawn last, on top
            mask = (results["verdict"] == verdict).to_numpy() if len(results) else np.zeros(0, dtype=bool)
            axes.scatter(shapely.get_x(anchors[mask]), shapely.get_y(anchors[mask]), s=30, marker=VERDICT_MARKERS[verdict], c=VERDICT_COLOURS[verdict], edgecolors="white", linewidths=0.5, zorder=5)
        _set_extent(axes, box_)
    handles: list[Artist] = []
    for verdict in ("prohibited", "review", "eligible"):
        count = int((results["verdict"] == verdict).sum()) if len(results) else 0
        handles.append(Line2D([], [], marker=VERDICT_MARKERS[verdict], color="none", markerfacecolor=VERDICT_COLOURS[verdict], markeredgecolor="white", markersize=7, label=f"{t(f'verdict.{verdict}', lang)} ({count})"))
    handles += _layer_handles(layers, lang, ("forest_reserves", "protected_areas", "water_catchments", "lynas"))
    if len(incomplete):
        label = t("report.legend.incomplete", lang)
        handles.append(Patch(label=label, **{k: v for k, v in _INCOMPLETE_STYLE.items() if k != "linewidth"}))
    figure.axes[-1].legend(handles=handles, loc="upper right", frameon=True, framealpha=0.9, prop=_FONT | {"size": 6.5})
    return _png_bytes(figure)


def _region_box(states, state_regions, anchors, region) -> tuple[float, float, float, float]:
    """Bounds of a region's states and sites, padded."""
    boxes = []
    if states is not None and len(states) and np.any(state_regions == region):
        boxes.append(states[state_regions == region].total_bounds)
    if len(anchors):
        boxes.append(shapely.total_bounds(anchors))
    boxes = [b for b in boxes if np.all(np.isfinite(b))]
    if not boxes:
        return (99.5, 0.8, 119.5, 7.5)
    stacked = np.vstack(boxes)
    x0, y0, x1, y1 = stacked[:, 0].min(), stacked[:, 1].min(), stacked[:, 2].max(), stacked[:, 3].max()
    pad = max(x1 - x0, y1 - y0, 0.2) * 0.04
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


class SiteMapper:
    """Draws local site maps, reusing one figure and the projected base layers per grid.

    Parameters
    ----------
    layers : mapping of str to Layer
        The screening layers (``states``, constraints, ``deposits``, ``lynas``,
        ``ports`` when present).
    buffer_m : float or None
        Radius of the dashed review ring drawn round each site (the largest
        ``within_distance`` rule distance); None draws no ring.
    lang : str
        Legend language.
    """

    def __init__(self, layers: Mapping[str, Layer], *, buffer_m: float | None, lang: str = "en") -> None:
        self._layers = layers
        self._buffer_m = buffer_m
        self._lang = lang
        self._figures: dict[int, tuple[Figure, object]] = {}
        self._to_grid: dict[int, Transformer] = {}
        self._legend: tuple[int, int, np.ndarray] | None = None

    def render(self, geometry: shapely.Geometry, epsg: int, *, verdict: str, nearest: tuple[str, str, float] | None = None) -> bytes | None:
        """PNG of one site (``geometry`` in EPSG:4326) in grid ``epsg``; None when it cannot be placed.

        ``nearest``: (layer, feature name, metres) of the nearest constraint;
        the map then frames the site together with that feature (up to
        :data:`~reegeo.screening.evidence.CONSTRAINT_FRAME_M` away) and draws the measured distance as a labelled line.
        """
        figure, axes = self._figure(epsg)
        transformer = self._to_grid[epsg]
        site = shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
        if site.is_empty or not np.all(np.isfinite(shapely.bounds(site))):
            return None
        added = self._site_artists(axes, site, verdict)
        line = distance_line(site, self._layers, nearest, epsg)
        if line is not None and nearest is not None:
            added += _draw_distance(axes, line, nearest, self._lang)
        x0, y0, x1, y1 = _clear_of_legend(_view(site, line), self._legend_fraction(figure))
        axes.set_xlim(x0, x1)
        axes.set_ylim(y0, y1)
        added += _scale_bar(axes, x0, y0, x1, y1)
        added += _north_arrow(axes, geometry, transformer, self._lang)
        try:
            figure.canvas.draw()
            pixels = _rgba(figure)[:, :, :3]
            return _quantized_png(_overlay(pixels, self._legend))
        finally:
            for artist in added:
                artist.remove()

    def _legend_fraction(self, figure: Figure) -> float:
        """The share of the map's width, from the right, that the legend covers."""
        if self._legend is None or not self._legend[2].size:
            return 0.0
        width_px = figure.get_size_inches()[0] * figure.dpi
        return min(0.6, (width_px - self._legend[1]) / width_px)

    def _figure(self, epsg: int):
        if epsg not in self._figures:
            figure = Figure(figsize=(3.6, 2.7), dpi=120)
            FigureCanvasAgg(figure)
            axes = figure.add_axes((0, 0, 1, 1))
            _blank_axes(axes)
            for name in ("states", "forest_reserves", "protected_areas", "water_catchments", "deposits", "lynas", "ports"):
                if name in self._layers:
                    _draw_layer(axes, name, np.asarray(self._layers[name].frame.geometry.to_crs(epsg).values))
            handles: list[Artist] = [Line2D([], [], color="#d50000", linewidth=1.4, label=t("report.legend.site", self._lang))]
            if self._buffer_m:
                handles.append(Line2D([], [], color="#d50000", linewidth=0.8, linestyle="--", label=t("report.legend.buffer", self._lang, distance=f"{self._buffer_m:,.0f} m")))
            handles += _layer_handles(self._layers, self._lang, ("forest_reserves", "protected_areas", "water_catchments", "deposits", "lynas", "ports"))
            self._legend = _legend_overlay(figure, handles)
            self._figures[epsg] = (figure, axes)
            self._to_grid[epsg] = Transformer.from_crs(4326, epsg, always_xy=True)
        return self._figures[epsg]

    def _site_artists(self, axes, site: shapely.Geometry, verdict: str) -> list:
        artists = []
        if self._buffer_m:
            ring = shapely.buffer(site, self._buffer_m, quad_segs=16)
            artists.append(axes.add_collection(_patches([ring], facecolor="none", edgecolor="#d50000", linewidth=0.8, linestyle="--", zorder=6)))
        if site.area > 0:
            artists.append(axes.add_collection(_patches([site], facecolor="#ff5252", edgecolor="#d50000", linewidth=1.4, alpha=0.45, zorder=7)))
            artists.append(axes.add_collection(_patches([site], facecolor="none", edgecolor="#d50000", linewidth=1.4, zorder=7)))
        else:
            coords = shapely.get_coordinates(site)
            artists.append(axes.scatter(coords[:, 0], coords[:, 1], s=46, marker=VERDICT_MARKERS.get(verdict, "o"), c="#d50000", edgecolors="white", linewidths=0.8, zorder=8))
        return artists



def _view(site: shapely.Geometry, line: shapely.LineString | None) -> tuple[float, float, float, float]:
    """A 4:3 view round the site and, when given, the whole line to the nearest constraint."""
    shown = site if line is None else shapely.union(site, line)
    x0, y0, x1, y1 = shapely.bounds(shown)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(2_500.0, (y1 - y0) / 2 * 1.25, (x1 - x0) / 2 * 1.25 * 3 / 4)
    return cx - half * 4 / 3, cy - half, cx + half * 4 / 3, cy + half


def _clear_of_legend(view: tuple[float, float, float, float], fraction: float) -> tuple[float, float, float, float]:
    """The view widened to the right (and heightened alike, keeping 4:3) so the legend's strip holds no site, ring or line."""
    x0, y0, x1, y1 = view
    if fraction <= 0:
        return view
    grow = 1.0 / (1.0 - fraction)
    width, height = (x1 - x0) * grow, (y1 - y0) * grow
    cy = (y0 + y1) / 2
    return x0, cy - height / 2, x0 + width, cy + height / 2


def _draw_distance(axes, line: shapely.LineString, nearest: tuple[str, str, float], lang: str) -> list:
    """The measured distance as a dashed line, its end marked, labelled with the distance (the caption names the feature)."""
    coords = shapely.get_coordinates(line)
    (ax, ay), (bx, by) = coords[0], coords[-1]
    label = format_distance(nearest[2])
    return [
        axes.plot([ax, bx], [ay, by], color="#263238", linewidth=1.0, linestyle=(0, (3, 2)), zorder=8)[0],
        axes.scatter([bx], [by], s=14, c="#263238", zorder=8),
        axes.text((ax + bx) / 2, (ay + by) / 2, label, fontsize=5.8, fontfamily="DejaVu Sans", ha="center", va="bottom", zorder=9, parse_math=False,
                  bbox={"facecolor": "white", "edgecolor": "#263238", "linewidth": 0.4, "alpha": 0.85, "pad": 1.2}),
    ]


def _scale_bar(axes, x0: float, y0: float, x1: float, y1: float) -> list:
    width = x1 - x0
    length = max((n for n in _NICE_LENGTHS_M if n <= width / 4), default=_NICE_LENGTHS_M[0])
    height = (y1 - y0) * 0.018
    left, bottom = x0 + width * 0.04, y0 + (y1 - y0) * 0.06
    artists = [
        axes.add_patch(Rectangle((left, bottom), length / 2, height, facecolor="black", edgecolor="black", linewidth=0.5, zorder=9)),
        axes.add_patch(Rectangle((left + length / 2, bottom), length / 2, height, facecolor="white", edgecolor="black", linewidth=0.5, zorder=9)),
    ]
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    artists.append(axes.text(left + length / 2, bottom + height * 1.6, label, ha="center", va="bottom", fontsize=6, fontfamily="DejaVu Sans", zorder=9, parse_math=False, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.6}))
    return artists


def _north_arrow(axes, geometry: shapely.Geometry, transformer: Transformer, lang: str) -> list:
    """An arrow to true north (grid north differs from it by the RSO convergence)."""
    anchor = shapely.point_on_surface(geometry)
    (xa, xb), (ya, yb) = transformer.transform([anchor.x, anchor.x], [anchor.y, anchor.y + 0.01])
    dx, dy = xb - xa, yb - ya
    norm = float(np.hypot(dx, dy)) or 1.0
    ux, uy = dx / norm, dy / norm
    base = (0.07, 0.72)
    tip = (base[0] + ux * 0.09 * 0.75, base[1] + uy * 0.09)
    arrow = axes.annotate("", xy=tip, xytext=base, xycoords="axes fraction", textcoords="axes fraction", arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2, "mutation_scale": 9}, zorder=9)
    letter = axes.text(tip[0] + ux * 0.03, tip[1] + uy * 0.04, t("report.north", lang), transform=axes.transAxes, ha="center", va="center", fontsize=7, fontweight="bold", fontfamily="DejaVu Sans", parse_math=False, zorder=9)
    return [arrow, letter]


def _draw_layer(axes, name: str, geoms: np.ndarray) -> None:
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        return
    parts = shapely.get_parts(geoms)
    kinds = shapely.get_type_id(parts)
    polygons, points, lines = parts[kinds == 3], parts[kinds == 0], parts[(kinds == 1) | (kinds == 2)]
    style = print_polygon_style(name)
    if len(polygons):
        axes.add_collection(_patches(polygons, zorder=1 if name == "states" else 2, **style))
    if len(lines):
        segments = [shapely.get_coordinates(line) for line in lines]
        axes.add_collection(LineCollection(segments, colors=style["edgecolor"], linewidths=0.8, zorder=3))
    if len(points):
        marker = print_point_style(name)
        axes.scatter(shapely.get_x(points), shapely.get_y(points), marker=marker["marker"], c=marker["color"], s=marker["s"], edgecolors="white", linewidths=0.4, zorder=4)


def _patches(polygons, **style) -> PatchCollection:
    """Polygons (with holes) as one collection; rings oriented so holes stay empty."""
    patches = []
    for polygon in shapely.get_parts(shapely.orient_polygons(np.asarray(polygons, dtype=object))):
        if shapely.get_type_id(polygon) != 3:
            continue
        rings = [shapely.get_exterior_ring(polygon)] + [shapely.get_interior_ring(polygon, i) for i in range(shapely.get_num_interior_rings(polygon))]
        paths = [MplPath(shapely.get_coordinates(ring), closed=True) for ring in rings]
        patches.append(PathPatch(MplPath.make_compound_path(*paths)))
    hatch = style.pop("hatch", None)
    collection = PatchCollection(patches, match_original=False, **style)
    if hatch:
        collection.set_hatch(hatch)
    return collection


def _layer_handles(layers: Mapping[str, Layer], lang: str, names: tuple[str, ...]) -> list[Artist]:
    handles: list[Artist] = []
    for name in names:
        if name not in layers or not len(layers[name].frame):
            continue
        label = layer_label(name, lang) + (" *" if layers[name].approximate else "")
        kinds = set(shapely.get_type_id(shapely.get_parts(np.asarray(layers[name].frame.geometry.values))).tolist())
        if 3 in kinds:
            style = print_polygon_style(name)
            handles.append(Patch(facecolor=style["facecolor"], edgecolor=style["edgecolor"], hatch=style.get("hatch"), alpha=style.get("alpha", 1.0), label=label))
        else:
            marker = print_point_style(name)
            handles.append(Line2D([], [], marker=marker["marker"], color="none", markerfacecolor=marker["color"], markeredgecolor="white", markersize=5, label=label))
    return handles




def _set_extent(axes, box_: tuple[float, float, float, float]) -> None:
    """Show ``box_``, widened on its short side so a degree is equally long both ways."""
    x0, y0, x1, y1 = box_
    figure_w, figure_h = axes.figure.get_size_inches()
    position = axes.get_position()
    ratio = (position.width * figure_w) / (position.height * figure_h)
    if (x1 - x0) / (y1 - y0) < ratio:
        grow = ((y1 - y0) * ratio - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = ((x1 - x0) / ratio - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    axes.set_xlim(x0, x1)
    axes.set_ylim(y0, y1)


def _blank_axes(axes) -> None:
    axes.set_axis_off()
    axes.set_facecolor("#eaf2f8")
    axes.patch.set_visible(True)


def _rgba(figure: Figure) -> np.ndarray:
    """The drawn figure's pixels (height x width x RGBA) from its Agg canvas."""
    canvas: Any = figure.canvas
    return np.asarray(canvas.buffer_rgba())


def _png_bytes(figure: Figure) -> bytes:
    """The figure as a palette PNG (far smaller than RGBA, and deterministic)."""
    figure.canvas.draw()
    return _quantized_png(_rgba(figure)[:, :, :3])


def _quantized_png(pixels: np.ndarray) -> bytes:
    image = Image.fromarray(np.ascontiguousarray(pixels), mode="RGB")
    palette = image.quantize(colors=_PNG_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", compress_level=7)
    return out.getvalue()


def _legend_overlay(figure: Figure, handles: list) -> tuple[int, int, np.ndarray]:
    """The local-map legend drawn once, as an RGBA patch and its top-left pixel.

    Drawing a legend is most of the cost of a small map; it is the same for
    every site, so it is rendered once and blended onto each map.
    """
    width_in, height_in = figure.get_size_inches()
    sheet = Figure(figsize=(width_in, height_in), dpi=figure.dpi)
    FigureCanvasAgg(sheet)
    sheet.patch.set_alpha(0.0)
    sheet.legend(handles=handles, loc="upper right", prop=_FONT | {"size": 5.2}, framealpha=0.88, borderpad=0.4, labelspacing=0.3, handlelength=1.5)
    sheet.canvas.draw()
    rgba = _rgba(sheet).copy()
    rows, cols = np.nonzero(rgba[:, :, 3])
    if not len(rows):
        return 0, 0, rgba[:0, :0]
    top, left = int(rows.min()), int(cols.min())
    return top, left, rgba[top : int(rows.max()) + 1, left : int(cols.max()) + 1]


def _overlay(pixels: np.ndarray, legend: tuple[int, int, np.ndarray] | None) -> np.ndarray:
    """``pixels`` (RGB) with the legend patch alpha-blended at its place."""
    out = pixels.copy()
    if legend is None or not legend[2].size:
        return out
    top, left, patch = legend
    region = out[top : top + patch.shape[0], left : left + patch.shape[1]].astype(np.float32)
    alpha = patch[:, :, 3:4].astype(np.float32) / 255.0
    blended = patch[:, :, :3].astype(np.float32) * alpha + region * (1.0 - alpha)
    out[top : top + patch.shape[0], left : left + patch.shape[1]] = np.round(blended).astype(np.uint8)
    return out
