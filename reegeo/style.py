"""One palette for every map and report: verdict colours and how each layer is drawn.

The web map (:mod:`reegeo.web.map`, Leaflet) and the report maps
(:mod:`reegeo.report.maps`, matplotlib) both take their colours from here, so a
forest reserve is the same green on screen and on paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reegeo.vocab import Severity, Verdict

__all__ = [
    "VERDICT_COLOURS",
    "SEVERITY_COLOURS",
    "NEUTRAL_COLOUR",
    "VERDICT_MARKERS",
    "LayerStyle",
    "LAYER_STYLES",
    "OTHER_STYLE",
    "INCOMPLETE_FILL",
    "INCOMPLETE_EDGE",
    "layer_style",
    "leaflet_style",
    "print_polygon_style",
    "print_point_style",
]

VERDICT_COLOURS: dict[str, str] = {Verdict.PROHIBITED: "#c62828", Verdict.REVIEW: "#f29100", Verdict.ELIGIBLE: "#2e9e44"}
SEVERITY_COLOURS: dict[str, str] = {
    Severity.PROHIBITED: VERDICT_COLOURS[Verdict.PROHIBITED],
    Severity.REVIEW: VERDICT_COLOURS[Verdict.REVIEW],
    Severity.ADVISORY: "#1d4e5f",
}
# Text and rules that carry no verdict.
NEUTRAL_COLOUR = "#5b6770"
# Marker shapes per verdict on printed maps, so verdicts read in black and white too.
VERDICT_MARKERS: dict[str, str] = {Verdict.PROHIBITED: "X", Verdict.REVIEW: "^", Verdict.ELIGIBLE: "o"}

# Where a constraint layer is incomplete (no site there can be cleared): grey, hatched or dashed.
INCOMPLETE_FILL = "#8e8e8e"
INCOMPLETE_EDGE = "#6d6d6d"


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn: outline and fill, and a marker for point features."""

    edge: str
    fill: str
    fill_opacity: float
    weight: float = 1.0
    radius: float = 5.0
    marker: str = "o"
    # On paper a fill needs more body than on a screen over a light basemap.
    print_opacity: float | None = None
    hatch: str | None = None
    print_size: float = 14.0


LAYER_STYLES: dict[str, LayerStyle] = {
    "states": LayerStyle(edge="#8a94a3", fill="#f6f3ea", fill_opacity=1.0, radius=4),
    # Olive, not the eligible verdict's green, so a reserve never reads as "eligible" on the surface.
    "forest_reserves": LayerStyle(edge="#4f5d16", fill="#8f9c3a", fill_opacity=0.45, weight=1.2, print_opacity=0.75),
    "water_catchments": LayerStyle(edge="#1f5fa8", fill="#5aa0e0", fill_opacity=0.35, weight=1.2, print_opacity=0.6, hatch="///"),
    "protected_areas": LayerStyle(edge="#6a3d9a", fill="#cab2d6", fill_opacity=0.3, weight=1.4, print_opacity=0.7),
    "reservoirs": LayerStyle(edge="#08519c", fill="#2171b5", fill_opacity=0.5),
    "deposits": LayerStyle(edge="#7a4b1e", fill="#d08c3c", fill_opacity=0.85, weight=1.5, marker="D"),
    "ports": LayerStyle(edge="#1b2f5c", fill="#ffffff", fill_opacity=1.0, weight=2, marker="P", print_size=22),
    "lynas": LayerStyle(edge="#5b1280", fill="#b04fd6", fill_opacity=0.6, weight=3, radius=9, marker="s", print_size=22),
}
OTHER_STYLE = LayerStyle(edge="#555555", fill="#999999", fill_opacity=0.3, weight=1.2)


def layer_style(name: str) -> LayerStyle:
    """The style of a layer by name; a neutral grey for layers without one."""
    return LAYER_STYLES.get(name, OTHER_STYLE)


def leaflet_style(name: str) -> dict[str, Any]:
    """Leaflet path options for a layer."""
    style = layer_style(name)
    return {"fill": True, "color": style.edge, "weight": style.weight, "fillColor": style.fill, "fillOpacity": style.fill_opacity, "radius": style.radius}


def print_polygon_style(name: str) -> dict[str, Any]:
    """matplotlib patch options for a layer's polygons on a printed map."""
    style = layer_style(name)
    options: dict[str, Any] = {
        "facecolor": style.fill,
        "edgecolor": style.edge,
        "linewidth": 0.5 if name == "states" else 0.4,
        "alpha": style.print_opacity if style.print_opacity is not None else min(1.0, style.fill_opacity + 0.3),
    }
    if style.hatch:
        options["hatch"] = style.hatch
    return options


def print_point_style(name: str) -> dict[str, Any]:
    """matplotlib scatter options (marker, colour, size) for a layer's points on a printed map."""
    style = layer_style(name)
    return {"marker": style.marker, "color": style.edge, "s": style.print_size}
