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

__all__ = ["MIN_POLYGON_CLICKS", "TYPED_FILENAME", "sites_from_clicks", "sites_from_text"]


TYPED_FILENAME = "typed coordinates"
MIN_POLYGON_CLICKS = 3
_EXAMPLE = "write each site as 'latitude, longitude, name' in decimal degrees, e.g. '5.65, 100.49, Gurun'"
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
        raise UploadError(f"{TYPED_FILENAME}: nothing typed: {_EXAMPLE}, one site per line")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["latitude", "longitude", "name"])
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.replace(";", ",").split(",", 2)]
        if len(parts) < 2:
            raise UploadError(f"{TYPED_FILENAME}, line {number}: {line[:80]!r} has no comma between latitude and longitude: {_EXAMPLE}")
        lat, lon = (_number(part, number, which) for part, which in zip(parts[:2], ("latitude", "longitude")))
        if 99.0 <= lat <= 120.0 and -1.0 <= lon <= 8.0:
            raise UploadError(
                f"{TYPED_FILENAME}, line {number}: {parts[0]}, {parts[1]} reads as longitude, latitude; "
                f"type the latitude first: '{parts[1]}, {parts[0]}'"
            )
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise UploadError(f"{TYPED_FILENAME}, line {number}: {parts[0]}, {parts[1]} is not a place on Earth: {_EXAMPLE}")
        name = parts[2] if len(parts) > 2 and parts[2] else f"typed site {number}"
        writer.writerow([parts[0], parts[1], name])
    read = read_sites(buffer.getvalue().encode("utf-8"), filename=f"{TYPED_FILENAME}.csv")
    notes = tuple(re.sub(r"\brows?\b", lambda m: "line" if m.group(0) == "row" else "lines", note) for note in read.notes if not note.startswith(_FILE_NOTES))
    return replace(read, filename=TYPED_FILENAME, notes=notes)


def _number(text: str, line: int, which: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise UploadError(f"{TYPED_FILENAME}, line {line}: the {which} {text[:40]!r} is not a number: {_EXAMPLE} (not degrees-minutes-seconds)")
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
        raise UploadError(f"drawn site: shape {shape!r} is not 'point' or 'polygon'")
    if not clicks:
        raise UploadError("drawn site: no point clicked yet: click the map where the site is")
    if shape == "point":
        lat, lon = clicks[-1]
        geometry = Point(lon, lat)
    else:
        if len(clicks) < MIN_POLYGON_CLICKS:
            raise UploadError(
                f"drawn site: a polygon needs at least {MIN_POLYGON_CLICKS} clicks, got {len(clicks)}: click more corners"
            )
        geometry = Polygon([(lon, lat) for lat, lon in clicks])
        if not geometry.is_valid:
            # Crossing edges (a bow-tie): keep every enclosed area, as uploads are repaired.
            geometry = shapely.make_valid(geometry, method="structure")
            if geometry.geom_type == "GeometryCollection":
                geometry = shapely.union_all([part for part in geometry.geoms if part.geom_type in ("Polygon", "MultiPolygon")])
    frame = gpd.GeoDataFrame({"site_id": [name], "name": [name]}, geometry=[geometry], crs=4326)
    frame.index = pd.RangeIndex(1, 2, name="row")
    return frame
