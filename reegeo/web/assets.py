"""Where the map's JavaScript and CSS come from: an installed package, never a CDN.

folium names public CDNs for Leaflet and its helpers (jQuery, Bootstrap, Font
Awesome, ...). On an agency's closed network those never load and the map is a
blank box. The map reegeo builds needs Leaflet alone, which the
``xstatic-leaflet`` package installs; this module says where its files are and
builds the URLs a page should load them from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import xstatic.pkg.leaflet as _leaflet

__all__ = ["MapAssets", "asset_folders", "assets_at", "file_assets"]


# Folder name -> (JavaScript files, CSS files) inside it, in load order.
_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "leaflet": (("leaflet.js",), ("leaflet.css",)),
}


@dataclass(frozen=True)
class MapAssets:
    """The script and stylesheet URLs a map page loads, as folium's ``(name, url)`` pairs."""

    js: tuple[tuple[str, str], ...]
    css: tuple[tuple[str, str], ...]


def asset_folders() -> dict[str, Path]:
    """Installed folders holding the map's assets, by name (``leaflet``)."""
    return {"leaflet": Path(_leaflet.BASE_DIR)}


def assets_at(base_urls: Mapping[str, str]) -> MapAssets:
    """The assets served under ``base_urls`` (folder name -> URL ending in ``/``).

    Raises
    ------
    KeyError
        When a folder of :func:`asset_folders` has no URL.
    """
    js: list[tuple[str, str]] = []
    css: list[tuple[str, str]] = []
    for folder, (scripts, sheets) in _FILES.items():
        base = base_urls[folder]
        js += [(f"{folder}_{name}", base + name) for name in scripts]
        css += [(f"{folder}_{name}", base + name) for name in sheets]
    return MapAssets(js=tuple(js), css=tuple(css))


def file_assets() -> MapAssets:
    """The assets as ``file://`` URLs of the installed package (for HTML saved and opened locally)."""
    return assets_at({name: folder.as_uri() + "/" for name, folder in asset_folders().items()})
