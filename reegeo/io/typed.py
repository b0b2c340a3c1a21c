"""Sites a planner types or clicks rather than uploads.

Typed lines (``latitude, longitude[, name]``) are checked line by line in
the words of typing (a line, its numbers, their order), then go through
:func:`reegeo.io.sites.read_sites` as a CSV, so they get the same checks as an
upload; map clicks become a point or a polygon.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point, Polygon

from reegeo.errors import UploadError
from reegeo.io.sites import ReadResult, read_sites
from reegeo.messages import Catalog

__all__ = ["MIN_POLYGON_CLICKS", "TYPED_FILENAME", "sites_from_clicks", "sites_from_text"]


_M = Catalog("io.typed", {
    "example": {
        "en": "write each site as 'latitude, longitude, name' in decimal degrees, e.g. '5.65, 100.49, Gurun'",
        "ms": "tulis setiap tapak sebagai 'latitud, longitud, nama' dalam darjah perpuluhan, cth. '5.65, 100.49, Gurun'",
    },
    "nothing_typed": {
        "en": "typed coordinates: nothing typed: {example}, one site per line",
        "ms": "koordinat yang ditaip: tiada apa-apa ditaip: {example}, satu tapak bagi setiap baris",
    },
    "no_comma": {
        "en": "typed coordinates, line {line}: {text!r} has no comma between latitude and longitude: {example}",
        "ms": "koordinat yang ditaip, baris {line}: {text!r} tiada koma antara latitud dan longitud: {example}",
    },
    "swapped": {
        "en": "typed coordinates, line {line}: {first}, {second} reads as longitude, latitude; type the latitude first: '{second}, {first}'",
        "ms": "koordinat yang ditaip, baris {line}: {first}, {second} terbaca sebagai longitud, latitud; taip latitud dahulu: '{second}, {first}'",
    },
    "not_on_earth": {
        "en": "typed coordinates, line {line}: {first}, {second} is not a place on Earth: {example}",
        "ms": "koordinat yang ditaip, baris {line}: {first}, {second} bukan suatu tempat di Bumi: {example}",
    },
    # A note of the CSV reader about typed lines: English says "line" where the reader says "row"
    # (``lines``); Malay says "baris" for both, so the note is shown as it is. ``:.0`` shows nothing.
    "note_in_lines": {"en": "{lines}{note:.0}", "ms": "{note}{lines:.0}"},
    "latitude": {"en": "latitude", "ms": "latitud"},
    "longitude": {"en": "longitude", "ms": "longitud"},
    "not_a_number": {
        "en": "typed coordinates, line {line}: the {which} {text!r} is not a number: {example} (not degrees-minutes-seconds)",
        "ms": "koordinat yang ditaip, baris {line}: {which} {text!r} bukan nombor: {example} (bukan darjah-minit-saat)",
    },
    "unknown_shape": {
        "en": "drawn site: shape {shape!r} is not 'point' or 'polygon'",
        "ms": "tapak yang dilukis: bentuk {shape!r} bukan 'point' atau 'polygon'",
    },
    "no_clicks": {
        "en": "drawn site: no point clicked yet: click the map where the site is",
        "ms": "tapak yang dilukis: belum ada titik diklik: klik pada peta di lokasi tapak",
    },
    "too_few_clicks": {
        "en": "drawn site: a polygon needs at least {least} clicks, got {count}: click more corners",
        "ms": "tapak yang dilukis: poligon memerlukan sekurang-kurangnya {least} klik, hanya {count} diterima: klik lebih banyak bucu",
    },
})

TYPED_FILENAME = "typed coordinates"
MIN_POLYGON_CLICKS = 3
# What the CSV reader says about columns and a CRS is true of the table it was given, not of typed lines.
_FILE_NOTES = ("coordinates from column", "no CRS in file")


def sites_from_text(text: str) -> ReadResult:
    """Read typed sites, one per line as ``latitude, longitude[, name]``.

    The lines go through :func:`reegeo.io.sites.read_sites` as a CSV, so typed
    coordinates get the same checks as an upload (swapped order, outside
    Malaysia, bad numbers by line).

    Raises
    ------
    UploadError
        When nothing is typed or a line cannot be read.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise UploadError(_M("nothing_typed", example=_M("example")))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["latitude", "longitude", "name"])
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.replace(";", ",").split(",", 2)]
        if len(parts) < 2:
            raise UploadError(_M("no_comma", line=number, text=line[:80], example=_M("example")))
        lat, lon = (_number(part, number, _M(which)) for part, which in zip(parts[:2], ("latitude", "longitude")))
        if 99.0 <= lat <= 120.0 and -1.0 <= lon <= 8.0:
            raise UploadError(_M("swapped", line=number, first=parts[0], second=parts[1]))
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise UploadError(_M("not_on_earth", line=number, first=parts[0], second=parts[1], example=_M("example")))
        name = parts[2] if len(parts) > 2 and parts[2] else f"typed site {number}"
        writer.writerow([parts[0], parts[1], name])
    read = read_sites(buffer.getvalue().encode("utf-8"), filename=f"{TYPED_FILENAME}.csv")
    notes = tuple(_in_lines(note) for note in read.notes if not note.startswith(_FILE_NOTES))
    # The typed numbers are the geometry: the results give each site's latitude and longitude themselves.
    return replace(read, frame=read.frame.drop(columns=["latitude", "longitude"]), filename=TYPED_FILENAME, notes=notes)


def _in_lines(note: str) -> str:
    """A note of the reader in the words of typing: its rows are lines (in English; Malay says "baris" for both)."""
    lines = re.sub(r"\brows?\b", lambda m: "line" if m.group(0) == "row" else "lines", note)
    return _M("note_in_lines", lines=lines, note=note)


def _number(text: str, line: int, which: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise UploadError(_M("not_a_number", line=line, which=which, text=text[:40], example=_M("example")))
    return value


def sites_from_clicks(clicks: Sequence[tuple[float, float]], *, shape: str, name: str) -> gpd.GeoDataFrame:
    """One site from map clicks (latitude, longitude): the last click as a point, or all clicks as a polygon.

    Raises
    ------
    UploadError
        When there are no clicks, too few for a polygon, or ``shape`` is unknown.
    """
    name = name.strip() or "drawn site"
    if shape not in ("point", "polygon"):
        raise UploadError(_M("unknown_shape", shape=shape))
    if not clicks:
        raise UploadError(_M("no_clicks"))
    if shape == "point":
        lat, lon = clicks[-1]
        geometry = Point(lon, lat)
    else:
        if len(clicks) < MIN_POLYGON_CLICKS:
            raise UploadError(_M("too_few_clicks", least=MIN_POLYGON_CLICKS, count=len(clicks)))
        geometry = Polygon([(lon, lat) for lat, lon in clicks])
        if not geometry.is_valid:
            # Crossing edges (a bow-tie): keep every enclosed area, as uploads are repaired.
            geometry = shapely.make_valid(geometry, method="structure")
            if geometry.geom_type == "GeometryCollection":
                geometry = shapely.union_all([part for part in geometry.geoms if part.geom_type in ("Polygon", "MultiPolygon")])
    frame = gpd.GeoDataFrame({"site_id": [name], "name": [name]}, geometry=[geometry], crs=4326)
    frame.index = pd.RangeIndex(1, 2, name="row")
    return frame
