"""Real boundaries from OpenStreetMap through the Overpass API, state by state.

:func:`fetch_osm` asks an Overpass server (the public one, a mirror or an
agency's own instance) for the candidate elements of one layer inside one
state's OSM area (``ISO3166-2=MY-xx``), with ``[out:json]`` and ``out geom``,
and turns the answer into polygons:

* every element is classified **by its own tags** (:func:`classify_tags`):
  whatever a server returns, only what is a Permanent Reserved Forest, a park
  or wildlife reserve, or a reservoir is kept, as the layer asked for;
* closed ways become polygons; multipolygon relations are assembled from
  their member ways (outer rings may be split over several ways, inner rings
  are holes); invalid results are repaired with ``make_valid`` and only their
  polygonal parts kept;
* each feature keeps its OSM type and id, its name and the tags that decided
  its class, and is cut to the state (the states layer's polygon widened by
  that layer's stated accuracy, so a generalised outline does not trim a real
  reserve).

OSM's completeness varies by state: nothing here claims coverage; the
caller decides (``data fetch-osm ... --covers``).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from reegeo import __version__
from reegeo.errors import FetchError
from reegeo.geo import metric_epsg, polygonal_parts
from reegeo.messages import Catalog

__all__ = [
    "OSM_LAYERS",
    "DEFAULT_ENDPOINT",
    "ENDPOINT_ENV",
    "OSM_LICENCE",
    "OsmFetch",
    "build_query",
    "classify_tags",
    "elements_to_frame",
    "fetch_osm",
    "fetch_and_install",
]

DEFAULT_ENDPOINT = "https://overpass-api.de/api/interpreter"
ENDPOINT_ENV = "REEGEO_OVERPASS_URL"
OSM_LICENCE = "OpenStreetMap contributors, ODbL 1.0"
#: The layers that can be fetched.
OSM_LAYERS = ("forest_reserves", "protected_areas", "reservoirs")
_RETRY_STATUSES = (429, 502, 503, 504)
_MAX_BODY_BYTES = 512 * 1024 * 1024

_RESERVE_NAME = re.compile(r"\b(hutan\s+simpan(an)?(\s+kekal)?|h\.?\s?s\.?\s?k\.?|forest\s+reserve|permanent\s+reserved?\s+forest)\b", re.I)
_NATIONAL_PARK = re.compile(r"\b(taman\s+negara|national\s+park)\b", re.I)
_STATE_PARK = re.compile(r"\b(taman\s+negeri|state\s+park)\b", re.I)
_WILDLIFE = re.compile(r"\b(wildlife\s+(reserve|sanctuary)|hidupan\s+liar|santuari)\b", re.I)
_NOT_PROTECTED = re.compile(r"\b(hutan\s+lipur|recreational\s+forest|eco\s*park)\b", re.I)
_PLANTATION = re.compile(r"^\s*ladang\b|\bplantation\b|\bestate\b", re.I)
_NAME_KEYS = ("name", "name:ms", "name:en", "official_name", "protection_title")

_M = Catalog("layers.osm", {
    "not_fetchable": {
        "en": "layer {layer!r} cannot be fetched from OpenStreetMap: use one of {layers}",
        "ms": "lapisan {layer!r} tidak boleh diambil daripada OpenStreetMap: gunakan salah satu daripada {layers}",
    },
    "fetching": {
        "en": "fetching {layer} for {state} ({code}) from {endpoint} ({number}/{total})",
        "ms": "mengambil {layer} bagi {state} ({code}) daripada {endpoint} ({number}/{total})",
    },
    "fetched": {
        "en": "{state}: {count} element(s) returned, {kept} kept as {layer}",
        "ms": "{state}: {count} elemen diterima, {kept} dikekalkan sebagai {layer}",
    },
    "retry_status": {
        "en": "the server answered HTTP {status}; trying again in {wait:g} s",
        "ms": "pelayan menjawab HTTP {status}; mencuba semula dalam {wait:g} s",
    },
    "refused": {
        "en": "the Overpass API at {endpoint} refused the request (HTTP {status} {reason}): {advice}, "
              "or use {argument} (or {env}) for a mirror or your agency's own instance",
        "ms": "Overpass API di {endpoint} menolak permintaan (HTTP {status} {reason}): {advice}, "
              "atau gunakan {argument} (atau {env}) untuk pelayan cermin atau pelayan agensi anda sendiri",
    },
    "busy": {"en": "it is busy; try again later", "ms": "pelayan itu sibuk; cuba lagi kemudian"},
    "check_endpoint": {"en": "check the endpoint", "ms": "semak alamat pelayan itu"},
    "unreachable": {
        "en": "cannot reach the Overpass API at {endpoint} ({reason}): check the network connection, "
              "or use {argument} (or {env}) for a reachable mirror or your agency's own instance",
        "ms": "Overpass API di {endpoint} tidak dapat dihubungi ({reason}): semak sambungan rangkaian, "
              "atau gunakan {argument} (atau {env}) untuk pelayan cermin yang boleh dihubungi atau pelayan agensi anda sendiri",
    },
    "too_large": {
        "en": "the Overpass API at {endpoint} sent more than {limit} MB: fetch fewer states at a time",
        "ms": "Overpass API di {endpoint} menghantar lebih daripada {limit} MB: ambil lebih sedikit negeri pada satu masa",
    },
    "retry_cut_off": {
        "en": "the answer was cut off; trying again in {wait:g} s",
        "ms": "jawapan terputus; mencuba semula dalam {wait:g} s",
    },
    "cut_off": {"en": "a cut-off JSON answer", "ms": "jawapan JSON yang terputus"},
    "not_json": {"en": "something that is not JSON ({text!r})", "ms": "sesuatu yang bukan JSON ({text!r})"},
    "bad_answer": {
        "en": "the Overpass API at {endpoint} sent {what}: try again later, or use {argument} (or {env}) for another server",
        "ms": "Overpass API di {endpoint} menghantar {what}: cuba lagi kemudian, atau gunakan {argument} (atau {env}) untuk pelayan lain",
    },
    "no_elements": {
        "en": "the Overpass API at {endpoint} sent JSON without an 'elements' list: is it an Overpass interpreter URL (ending in /api/interpreter)?",
        "ms": "Overpass API di {endpoint} menghantar JSON tanpa senarai 'elements': adakah ia URL interpreter Overpass (berakhir dengan /api/interpreter)?",
    },
    "unfinished": {
        "en": "the Overpass API at {endpoint} did not finish the query ({remark}): try again later or fetch one state at a time",
        "ms": "Overpass API di {endpoint} tidak menyiapkan pertanyaan ({remark}): cuba lagi kemudian atau ambil satu negeri pada satu masa",
    },
    "covers_not_fetched": {
        "en": "{argument} {states}: not fetched; a state can only be covered by what is fetched for it: fetch {first} too",
        "ms": "{argument} {states}: tidak diambil; negeri hanya boleh diliputi oleh data yang diambil baginya: ambil {first} juga",
    },
    "no_iso_code": {
        "en": "{argument} {state}: the states layer has no ISO 3166-2 code for it, so its OSM area cannot be named",
        "ms": "{argument} {state}: lapisan negeri tiada kod ISO 3166-2 baginya, jadi kawasan OSMnya tidak dapat dinamakan",
    },
    "covered_empty": {
        "en": "OpenStreetMap at {endpoint} returned no {layer} for {states}: nothing installed; "
              "a state cannot be declared complete with no features (drop it from {argument})",
        "ms": "OpenStreetMap di {endpoint} tidak memulangkan sebarang {layer} bagi {states}: tiada apa-apa dipasang; "
              "negeri tidak boleh diisytiharkan lengkap tanpa ciri (keluarkannya daripada {argument})",
    },
    "nothing_returned": {
        "en": "OpenStreetMap at {endpoint} returned no {layer} for {states}: nothing installed",
        "ms": "OpenStreetMap di {endpoint} tidak memulangkan sebarang {layer} bagi {states}: tiada apa-apa dipasang",
    },
})

# What each layer asks the server for; the answer is classified again by tags.
_SELECTORS = {
    "forest_reserves": (
        'wr["boundary"="protected_area"](area.s);',
        'wr["leisure"="nature_reserve"](area.s);',
        'wr["boundary"="forest"](area.s);',
        'wr["landuse"="forest"]["name"~"Hutan Simpan|HSK|H\\\\.S\\\\.K|Forest Reserve",i](area.s);',
    ),
    "protected_areas": (
        'wr["boundary"="national_park"](area.s);',
        'wr["boundary"="protected_area"](area.s);',
        'wr["leisure"="nature_reserve"](area.s);',
    ),
    "reservoirs": (
        'wr["landuse"="reservoir"](area.s);',
        'wr["water"="reservoir"](area.s);',
    ),
}


@dataclass(frozen=True)
class OsmFetch:
    """What :func:`fetch_osm` got for one state.

    ``frame`` holds the classified polygons (EPSG:4326) with ``name``,
    ``category``, ``osm_type``, ``osm_id``, ``osm_tags`` and ``state``;
    ``elements`` counts the elements the server returned, ``kept`` those
    kept; ``query`` is the Overpass QL sent.
    """

    state: str
    frame: gpd.GeoDataFrame
    elements: int
    kept: int
    query: str


def build_query(layer: str, iso_code: str, *, timeout_s: int = 180) -> str:
    """The Overpass QL for ``layer`` inside the state whose ISO 3166-2 code is ``iso_code``."""
    if layer not in _SELECTORS:
        raise FetchError(_M("not_fetchable", layer=layer, layers=", ".join(OSM_LAYERS)))
    body = "\n  ".join(_SELECTORS[layer])
    return f'[out:json][timeout:{int(timeout_s)}];\narea["ISO3166-2"="{iso_code}"]->.s;\n(\n  {body}\n);\nout geom;\n'


def _names(tags: Mapping[str, str]) -> str:
    return " | ".join(str(tags[k]) for k in _NAME_KEYS if tags.get(k))


def classify_tags(layer: str, tags: Mapping[str, str]) -> tuple[str, str] | None:
    """Whether an element with ``tags`` belongs to ``layer``, judged by its own tags.

    Returns
    -------
    (category, reason) or None
        ``category`` is what the rules filter on (``permanent_reserved_forest``;
        ``national_park``, ``wildlife_reserve``, ``state_park``,
        ``protected_area``; ``reservoir``); ``reason`` names the tags that
        decided it. None when the element is not of the layer (a plain
        ``landuse=forest``, a wood, a plantation, a recreational forest, ...).
    """
    names = _names(tags)
    boundary, leisure, landuse = tags.get("boundary", ""), tags.get("leisure", ""), tags.get("landuse", "")
    protect_class = str(tags.get("protect_class", "")).strip()
    if layer == "reservoirs":
        if landuse == "reservoir" or tags.get("water") == "reservoir":
            return "reservoir", "landuse=reservoir" if landuse == "reservoir" else "water=reservoir"
        return None
    if _NOT_PROTECTED.search(names) or _PLANTATION.search(names) or landuse in ("farmland", "orchard", "plantation"):
        return None
    if layer == "forest_reserves":
        areal = boundary in ("protected_area", "forest") or leisure == "nature_reserve" or landuse == "forest"
        if not areal:
            return None
        if _RESERVE_NAME.search(names):
            return "permanent_reserved_forest", "name: " + names
        if boundary == "protected_area" and protect_class == "6":
            return "permanent_reserved_forest", "boundary=protected_area, protect_class=6"
        return None
    if layer == "protected_areas":
        if _RESERVE_NAME.search(names) and not (_NATIONAL_PARK.search(names) or _WILDLIFE.search(names) or _STATE_PARK.search(names)):
            return None  # a forest reserve: the forest_reserves layer's
        if boundary == "national_park" or _NATIONAL_PARK.search(names) or (boundary == "protected_area" and protect_class == "2"):
            return "national_park", "boundary=national_park" if boundary == "national_park" else ("name: " + names if names else "protect_class=2")
        if _WILDLIFE.search(names):
            return "wildlife_reserve", "name: " + names
        if _STATE_PARK.search(names):
            return "state_park", "name: " + names
        if boundary == "protected_area" and protect_class in ("1", "1a", "1b", "3", "4", "5"):
            return "protected_area", f"boundary=protected_area, protect_class={protect_class}"
        if leisure == "nature_reserve":
            return "protected_area", "leisure=nature_reserve"
        return None
    raise FetchError(_M("not_fetchable", layer=layer, layers=", ".join(OSM_LAYERS)))


def _line(points: Any) -> LineString | None:
    if not isinstance(points, list):
        return None
    coords = [(float(p["lon"]), float(p["lat"])) for p in points if isinstance(p, dict) and "lat" in p and "lon" in p]
    return LineString(coords) if len(coords) >= 2 else None


def _way_polygon(element: Mapping[str, Any]) -> shapely.Geometry | None:
    line = _line(element.get("geometry"))
    if line is None or len(line.coords) < 4 or line.coords[0] != line.coords[-1]:
        return None  # an open way is no area
    return Polygon(line.coords)


def _relation_polygon(element: Mapping[str, Any]) -> shapely.Geometry | None:
    outer: list[LineString] = []
    inner: list[LineString] = []
    for member in element.get("members", []) or []:
        if not isinstance(member, dict) or member.get("type") != "way":
            continue
        line = _line(member.get("geometry"))
        if line is None:
            continue
        (inner if member.get("role") == "inner" else outer).append(line)
    if not outer:
        return None
    shells = shapely.polygonize(np.asarray(shapely.get_parts(shapely.line_merge(shapely.union_all(outer)))))
    area = shapely.union_all(shapely.get_parts(shells))
    if inner:
        holes = shapely.polygonize(np.asarray(shapely.get_parts(shapely.line_merge(shapely.union_all(inner)))))
        area = area.difference(shapely.union_all(shapely.get_parts(holes)))
    return area


def _polygonal(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    if geometry is None or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry, method="structure")
    polygons = polygonal_parts([geometry])[0]
    return polygons if polygons is not None and polygons.area > 0 else None


def elements_to_frame(elements: Iterable[Mapping[str, Any]], layer: str, *, state: str = "") -> gpd.GeoDataFrame:
    """Classify Overpass ``out geom`` elements and assemble their polygons (EPSG:4326).

    Nodes, open ways, members without geometry and elements whose tags are
    not of ``layer`` are dropped.
    """
    rows = []
    for element in elements:
        if not isinstance(element, dict) or element.get("type") not in ("way", "relation"):
            continue
        tags = element.get("tags") or {}
        if not isinstance(tags, dict):
            continue
        decided = classify_tags(layer, {str(k): str(v) for k, v in tags.items()})
        if decided is None:
            continue
        geometry = _polygonal(_way_polygon(element) if element["type"] == "way" else _relation_polygon(element))
        if geometry is None:
            continue
        category, reason = decided
        name = next((str(tags[k]) for k in ("name", "name:ms", "name:en", "official_name") if tags.get(k)), f"OSM {element['type']} {element.get('id')}")
        rows.append({
            "name": name,
            "category": category,
            "osm_type": element["type"],
            "osm_id": int(element.get("id", 0)),
            "osm_tags": reason,
            "state": state,
            "geometry": geometry,
        })
    columns = ["name", "category", "osm_type", "osm_id", "osm_tags", "state"]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    return frame.drop_duplicates(subset=["osm_type", "osm_id"]).reset_index(drop=True)


def fetch_osm(
    layer: str,
    states: Sequence[tuple[str, str, shapely.Geometry]],
    *,
    endpoint: str = DEFAULT_ENDPOINT,
    clip_margin_m: float = 0.0,
    timeout_s: float = 180.0,
    retries: int = 4,
    backoff_s: float = 5.0,
    progress: Callable[[str], None] | None = None,
) -> list[OsmFetch]:
    """Fetch ``layer`` for each state from an Overpass server, one state at a time.

    Parameters
    ----------
    layer : str
        One of :data:`OSM_LAYERS`.
    states : sequence of (name, ISO 3166-2 code, polygon)
        The states to fetch, with their polygon (EPSG:4326) to cut to.
    endpoint : str
        The Overpass interpreter URL.
    clip_margin_m : float
        Widen each state's polygon by this many metres before cutting (the
        states layer's accuracy, so a generalised outline trims nothing real).
    timeout_s : float
        Per request, and the server-side ``[timeout:]``.
    retries, backoff_s : int, float
        Tries again after HTTP 429/502/503/504 or a cut-off answer, waiting
        ``backoff_s``, then twice as long each time.
    progress : callable, optional
        Called with one line per step (for stderr).

    Raises
    ------
    FetchError
        The server cannot be reached, refuses, or answers with something
        that is not a complete Overpass JSON answer: naming the endpoint and
        what to try.
    """
    results = []
    for number, (name, code, polygon) in enumerate(states, start=1):
        query = build_query(layer, code, timeout_s=int(timeout_s))
        if progress is not None:
            progress(_M("fetching", layer=layer, state=name, code=code, endpoint=endpoint, number=number, total=len(states)))
        answer = _post(endpoint, query, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s, progress=progress)
        elements = answer.get("elements", [])
        frame = elements_to_frame(elements, layer, state=name)
        frame = _clip(frame, polygon, clip_margin_m)
        if progress is not None:
            progress(_M("fetched", state=name, count=len(elements), kept=len(frame), layer=layer))
        results.append(OsmFetch(name, frame, len(elements), len(frame), query))
    return results


def _clip(frame: gpd.GeoDataFrame, polygon: shapely.Geometry, margin_m: float) -> gpd.GeoDataFrame:
    if not len(frame) or polygon is None:
        return frame
    area = gpd.GeoSeries([polygon], crs=4326)
    if margin_m > 0:
        epsg = metric_epsg(polygon.representative_point().x)
        area = area.to_crs(epsg).buffer(margin_m).to_crs(4326)
    cut = shapely.intersection(np.asarray(frame.geometry.values), area.iloc[0])
    frame = frame.copy()
    frame[frame.geometry.name] = [_polygonal(g) for g in cut]
    return frame[frame.geometry.notna()].reset_index(drop=True)


def _post(endpoint: str, query: str, *, timeout_s: float, retries: int, backoff_s: float, progress) -> dict:
    data = urllib.parse.urlencode({"data": query}).encode("utf-8")
    request = urllib.request.Request(endpoint, data=data, headers={"User-Agent": f"reegeo/{__version__}", "Accept": "application/json"})
    wait = backoff_s
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                body = response.read(_MAX_BODY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in _RETRY_STATUSES and not last:
                _pause(progress, _M("retry_status", status=exc.code, wait=wait), wait)
                wait *= 2
                continue
            advice = _M("busy") if exc.code in _RETRY_STATUSES else _M("check_endpoint")
            raise FetchError(
                _M("refused", endpoint=endpoint, status=exc.code, reason=str(exc.reason), advice=advice, env=ENDPOINT_ENV),
                argument="endpoint",
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(_M("unreachable", endpoint=endpoint, reason=str(reason), env=ENDPOINT_ENV), argument="endpoint") from None
        if len(body) > _MAX_BODY_BYTES:
            raise FetchError(_M("too_large", endpoint=endpoint, limit=_MAX_BODY_BYTES // 2**20))
        try:
            answer = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            text = body[:200].decode("utf-8", "replace")
            looks_cut = body.lstrip().startswith(b"{")
            if looks_cut and not last:
                _pause(progress, _M("retry_cut_off", wait=wait), wait)
                wait *= 2
                continue
            what = _M("cut_off") if looks_cut else _M("not_json", text=" ".join(text.split())[:120])
            raise FetchError(_M("bad_answer", endpoint=endpoint, what=what, env=ENDPOINT_ENV), argument="endpoint") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("elements"), list):
            raise FetchError(_M("no_elements", endpoint=endpoint))
        remark = str(answer.get("remark") or "")
        if "error" in remark.lower() or "timed out" in remark.lower():
            raise FetchError(_M("unfinished", endpoint=endpoint, remark=" ".join(remark.split())[:160]))
        return answer
    raise AssertionError("unreachable")


def _pause(progress, message: str, seconds: float) -> None:
    if progress is not None:
        progress(message)
    time.sleep(seconds)


def fetch_and_install(
    layer: str,
    states: Sequence[str] | str,
    *,
    covers: Sequence[str] | str | None = None,
    endpoint: str = DEFAULT_ENDPOINT,
    accuracy_m: float = 20.0,
    timeout_s: float = 180.0,
    progress: Callable[[str], None] | None = None,
    data_dir: Any = None,
) -> tuple[Any, list[OsmFetch]]:
    """Fetch ``layer`` for ``states`` from OpenStreetMap and install it in the user data folder.

    ``covers`` (a subset of ``states``, or ``all`` for all of them) are the
    states whose OSM mapping the caller accepts as complete; a state that
    returned nothing cannot be among them. Provenance: "OpenStreetMap
    contributors, ODbL 1.0", the endpoint, the query, the element count; not
    authoritative.

    Returns
    -------
    (ImportReport, list of OsmFetch)

    Raises
    ------
    FetchError, LayerError
        Nothing in the data folder changes then.
    """
    import pandas as pd

    from reegeo.layers.coverage import parse_states, state_names
    from reegeo.layers.load import load_layers
    from reegeo.layers.store import install_frame

    states_layer = load_layers(roles=("context",))["states"]
    valid, codes = state_names(states_layer)
    wanted = parse_states(states, valid, codes=codes, argument="states")
    wanted = tuple(valid) if wanted == ("all",) else wanted
    covered = parse_states(covers, valid, codes=codes, argument="covers") if covers else ()
    covered = wanted if covered == ("all",) else covered
    stray = sorted(set(covered) - set(wanted))
    if stray:
        raise FetchError(_M("covers_not_fetched", states=", ".join(stray), first=stray[0]), argument="covers")
    iso = {name: code for code, name in codes.items()}
    missing = [s for s in wanted if s not in iso]
    if missing:
        raise FetchError(_M("no_iso_code", state=missing[0]), argument="states")
    polygons = states_layer.frame.set_index("name")
    fetched = fetch_osm(
        layer, [(s, iso[s], polygons.loc[s, "geometry"]) for s in wanted], endpoint=endpoint,
        clip_margin_m=states_layer.accuracy_m, timeout_s=timeout_s, progress=progress,
    )
    empty = [f.state for f in fetched if f.kept == 0 and f.state in covered]
    if empty:
        raise FetchError(_M("covered_empty", endpoint=endpoint, layer=layer, states=", ".join(empty)), argument="covers")
    combined = gpd.GeoDataFrame(pd.concat([f.frame for f in fetched], ignore_index=True), geometry="geometry", crs=4326)
    if not len(combined):
        raise FetchError(_M("nothing_returned", endpoint=endpoint, layer=layer, states=", ".join(wanted)))
    combined = combined.drop_duplicates(subset=["osm_type", "osm_id"]).reset_index(drop=True)
    report = install_frame(
        layer, combined, covers=list(covered) or None,
        source=f"OpenStreetMap via Overpass ({endpoint}), {', '.join(wanted)}",
        licence=OSM_LICENCE, accuracy_m=accuracy_m, authoritative=False,
        notes="fetched " + ", ".join(f"{f.state}: {f.elements} elements, {f.kept} kept" for f in fetched),
        extra={"endpoint": endpoint, "query": fetched[0].query, "elements": sum(f.elements for f in fetched), "fetched_states": list(wanted)},
        data_dir=data_dir,
    )
    return report, fetched
