"""Protected Planet's World Database on Protected Areas (WDPA) as the ``protected_areas`` layer.

A WDPA download is a zip of zipped Shapefiles (polygons and points) for the
world or one country; :mod:`reegeo.io.sites` reads it as it comes. Here the
records become reegeo's ``protected_areas`` features:

* only records whose ``ISO3`` (or ``PARENT_ISO``) contains ``MYS`` are kept;
* ``category`` (what the rules filter on) comes from ``DESIG_ENG``:
  ``national_park``, ``wildlife_reserve`` (reserves and sanctuaries),
  ``state_park`` or ``protected_area``; a ``Proposed`` or ``Not Reported``
  status is kept but labelled, and such a site is never ``national_park`` or
  ``wildlife_reserve`` (it is not gazetted: review, not prohibited);
* WDPA's point records (sites with no boundary) become circles of their
  reported area (``REP_AREA``, km²), drawn in GDM2000 RSO, marked
  approximate with that reason and an accuracy of their radius, as IBAT does.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from reegeo.errors import LayerError
from reegeo.messages import Catalog

__all__ = ["is_wdpa", "wdpa_to_protected_areas", "protected_areas_from", "WDPA_LICENCE"]

WDPA_LICENCE = "UNEP-WCMC and IUCN, Protected Planet: WDPA terms of use (non-commercial; attribution required)"
_REQUIRED = ("WDPAID", "NAME", "DESIG_ENG", "STATUS", "ISO3")
_NOT_GAZETTED = ("proposed", "not reported")

_M = Catalog("layers.wdpa", {
    "outside_malaysia": {
        "en": "WDPA: {count} record(s) outside Malaysia (ISO3 without MYS) dropped.",
        "ms": "WDPA: {count} rekod di luar Malaysia (ISO3 tanpa MYS) digugurkan.",
    },
    "no_malaysian_record": {
        "en": "the WDPA file holds no record with ISO3 'MYS': download the Malaysia extract from Protected Planet",
        "ms": "fail WDPA tidak mengandungi sebarang rekod dengan ISO3 'MYS': muat turun ekstrak Malaysia daripada Protected Planet",
    },
    "not_gazetted": {
        "en": "WDPA: {count} record(s) with status Proposed or Not Reported kept, labelled, and screened as review only.",
        "ms": "WDPA: {count} rekod berstatus Proposed atau Not Reported dikekalkan, dilabel, dan disaring sebagai semakan sahaja.",
    },
    "points_drawn": {
        "en": "WDPA: {count} point record(s) with no boundary drawn as circles of their reported area (approximate).",
        "ms": "WDPA: {count} rekod titik tanpa sempadan dilukis sebagai bulatan seluas kawasan yang dilaporkan (anggaran).",
    },
    "points_dropped": {
        "en": "WDPA: {count} point record(s) with no reported area dropped (no extent to screen against).",
        "ms": "WDPA: {count} rekod titik tanpa keluasan yang dilaporkan digugurkan (tiada kawasan untuk disaring).",
    },
})


def is_wdpa(frame: pd.DataFrame) -> bool:
    """Whether a frame has the WDPA schema (``WDPAID``, ``NAME``, ``DESIG_ENG``, ``STATUS``, ``ISO3``)."""
    columns = {str(c).upper() for c in frame.columns}
    return all(c in columns for c in _REQUIRED)


def _id_text(value: object) -> str:
    """A WDPA id as text: ``555`` rather than ``555.0`` (Shapefiles store it as a number)."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.notna(number) and float(number).is_integer():
        return str(int(number))
    return str(value)


def _category(designation: str, status: str) -> str:
    text = designation.lower()
    gazetted = status.strip().lower() not in _NOT_GAZETTED
    if gazetted and re.search(r"\bnational park\b", text):
        return "national_park"
    if gazetted and re.search(r"\bwildlife (reserve|sanctuary)\b", text):
        return "wildlife_reserve"
    if re.search(r"\bstate park\b", text):
        return "state_park"
    return "protected_area"


def wdpa_to_protected_areas(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """WDPA records (polygons and points, any CRS) as ``protected_areas`` features in EPSG:4326.

    Returns
    -------
    GeoDataFrame, list of str
        The features (``name``, ``category``, ``designation``, ``iucn_cat``,
        ``status``, ``status_yr``, ``gis_area_km2``, ``wdpaid``,
        ``approximate``, ``approximate_reason``, ``accuracy_m`` where a
        circle was drawn) and notes saying what was kept, dropped and drawn.

    Raises
    ------
    LayerError
        When no record is in Malaysia.
    """
    upper = {str(c).upper(): c for c in frame.columns}
    column = lambda name: frame[upper[name]] if name in upper else pd.Series([""] * len(frame), index=frame.index)  # noqa: E731
    iso = column("ISO3").astype(str) + ";" + column("PARENT_ISO").astype(str)
    malaysian = iso.str.contains("MYS", regex=False).to_numpy()
    notes: list[str] = []
    if (~malaysian).any():
        notes.append(_M("outside_malaysia", count=int((~malaysian).sum())))
    frame = frame[malaysian].to_crs(4326)
    if not len(frame):
        raise LayerError(_M("no_malaysian_record"))
    upper = {str(c).upper(): c for c in frame.columns}
    status = column("STATUS").astype(str).to_numpy()
    designation = column("DESIG_ENG").astype(str).to_numpy()
    result = gpd.GeoDataFrame(
        {
            "name": column("NAME").astype(str).to_numpy(),
            "category": [_category(d, s) for d, s in zip(designation, status)],
            "designation": designation,
            "iucn_cat": column("IUCN_CAT").astype(str).to_numpy(),
            "status": status,
            "status_yr": pd.to_numeric(column("STATUS_YR"), errors="coerce").to_numpy(),
            "gis_area_km2": pd.to_numeric(column("GIS_AREA"), errors="coerce").to_numpy(),
            "wdpaid": [_id_text(v) for v in column("WDPAID")],
            "approximate": False,
            "approximate_reason": "",
        },
        geometry=np.asarray(frame.geometry.values),
        crs=4326,
    )
    labelled = np.isin(np.char.lower(status.astype(str)), _NOT_GAZETTED)
    if labelled.any():
        result.loc[labelled, "name"] = result.loc[labelled, "name"] + " (status: " + result.loc[labelled, "status"] + ")"
        notes.append(_M("not_gazetted", count=int(labelled.sum())))
    result, drawn, dropped = _points_as_circles(result, pd.to_numeric(column("REP_AREA"), errors="coerce").to_numpy())
    if drawn:
        notes.append(_M("points_drawn", count=drawn))
    if dropped:
        notes.append(_M("points_dropped", count=dropped))
    return result, notes


def _points_as_circles(frame: gpd.GeoDataFrame, reported_km2: np.ndarray) -> tuple[gpd.GeoDataFrame, int, int]:
    from reegeo.geo import metric_crs_for

    kinds = shapely.get_type_id(np.asarray(frame.geometry.values))
    points = np.isin(kinds, (0, 4))
    if not points.any():
        return frame, 0, 0
    usable = points & np.isfinite(reported_km2) & (reported_km2 > 0)
    frame = frame.copy()
    frame["accuracy_m"] = np.nan
    geoms = np.asarray(frame.geometry.values).copy()
    for position in np.flatnonzero(usable):
        centre = shapely.centroid(geoms[position])
        epsg = int(metric_crs_for([centre.x])[0])
        radius_m = float(np.sqrt(reported_km2[position] * 1e6 / np.pi))
        circle = gpd.GeoSeries([centre], crs=4326).to_crs(epsg).buffer(radius_m, quad_segs=16).to_crs(4326).iloc[0]
        geoms[position] = circle
        frame.iloc[position, frame.columns.get_loc("approximate")] = True
        frame.iloc[position, frame.columns.get_loc("approximate_reason")] = (
            f"WDPA point record: a circle of the reported area ({reported_km2[position]:,.1f} km2, radius {radius_m:,.0f} m), not a boundary"
        )
        frame.iloc[position, frame.columns.get_loc("accuracy_m")] = radius_m
    frame = frame.set_geometry(gpd.GeoSeries(geoms, crs=4326, index=frame.index))
    keep = ~(points & ~usable)
    return frame[keep].reset_index(drop=True), int(usable.sum()), int((points & ~usable).sum())


def protected_areas_from(name: str, frame: gpd.GeoDataFrame, filename: str) -> tuple[gpd.GeoDataFrame, list[str], dict[str, str]]:
    """``frame`` as layer ``name``: WDPA records mapped when the layer is ``protected_areas`` and the file is WDPA.

    Returns the frame, notes on the mapping, and default provenance
    (``source``, ``licence``) for the caller to use where none is given.
    """
    if name != "protected_areas" or not is_wdpa(frame):
        return frame, [], {}
    mapped, notes = wdpa_to_protected_areas(frame)
    return mapped, notes, {"source": f"Protected Planet WDPA ({filename})", "licence": WDPA_LICENCE}
