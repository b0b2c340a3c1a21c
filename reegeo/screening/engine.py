"""Screen candidate sites against layers and rules.

All measurement happens in metres in GDM2000 RSO, chosen per site: EPSG:3375
(Peninsular Malaysia) or EPSG:3376 (Sabah, Sarawak and Labuan). Each layer is
queried once per batch of sites through a shapely ``STRtree``; there is no
Python loop over sites and layers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from reegeo.errors import ScreeningError
from reegeo.geo import metric_crs_for
from reegeo.layers.coverage import covered_sites, prohibiting_layers
from reegeo.layers.model import Layer
from reegeo.messages import Catalog, joined
from reegeo.screening.measure import (
    PreparedLayer,
    filtered_layer,
    locate_states,
    overlap_areas,
    prepare_layer,
    rule_target,
    touching_and_nearest,
    within_accuracy,
)
from reegeo.screening.rules import Rule
from reegeo.vocab import (
    OUTSIDE_FLAG,
    SPANS_STATES_FLAG,
    UNCERTAIN_SUFFIX,
    UNVERIFIED_SUFFIX,
    Progress,
    Relation,
    Severity,
    Verdict,
)

__all__ = [
    "DISTANCE_LAYERS",
    "INPUT_PREFIX",
    "OVERLAP_LAYERS",
    "check_layers",
    "check_sites",
    "id_column_of",
    "input_column_notes",
    "result_columns",
    "screen_sites",
]

DISTANCE_LAYERS = ("forest_reserves", "water_catchments", "protected_areas", "deposits", "lynas", "ports")
OVERLAP_LAYERS = ("forest_reserves", "water_catchments", "protected_areas")
# Columns that identify a site, best first, matched in any case (English, then Malay).
# Site geometries: points and polygons, single or multi (lines and collections are refused).
_SITE_TYPES = [shapely.GeometryType.POINT, shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOINT, shapely.GeometryType.MULTIPOLYGON]
INPUT_PREFIX = "input_"
_SITE_ID_COLUMNS = ("site_id", "id", "name", "nama", "site", "tapak", "site_name", "nama_tapak", "lot", "no_lot")
# Sites are measured in batches: large enough to keep the GEOS queries vectorised,
# small enough that progress moves about ten times in a run and memory stays bounded.
_CHUNK_MIN, _CHUNK_MAX = 1_000, 25_000

_M = Catalog("screening.engine", {
    "no_such_id_column": {
        "en": "{argument}: the sites have no column {column!r}; use one of {columns}",
        "ms": "{argument}: tapak tiada lajur {column!r}; gunakan salah satu daripada {columns}",
    },
    "no_attributes": {
        "en": "(none: the sites have no attributes)",
        "ms": "(tiada: tapak tidak mempunyai atribut)",
    },
    "ids_from_column": {"en": "site ids from column {column!r}", "ms": "id tapak daripada lajur {column!r}"},
    "ids_are_row_numbers": {
        "en": "site ids are the row numbers (no id column found)",
        "ms": "id tapak ialah nombor baris (tiada lajur id ditemui)",
    },
    "renamed_column": {"en": "{old!r} is shown as {new!r}", "ms": "{old!r} ditunjukkan sebagai {new!r}"},
    "renamed_columns": {
        "en": "your column {pairs}, because reegeo's results use that name for their own column",
        "ms": "lajur anda {pairs}, kerana keputusan reegeo menggunakan nama itu untuk lajurnya sendiri",
    },
    "negative_accuracy": {
        "en": "sites at row(s) {rows} have a negative accuracy_m: give each site's accuracy in metres, 0 or more",
        "ms": "tapak pada baris {rows} mempunyai accuracy_m negatif: berikan ketepatan setiap tapak dalam meter, 0 atau lebih",
    },
    "not_a_geodataframe": {
        "en": "sites must be a GeoDataFrame, not {kind}: read files with reegeo.io.sites.read_sites",
        "ms": "tapak mesti GeoDataFrame, bukan {kind}: baca fail dengan reegeo.io.sites.read_sites",
    },
    "no_crs": {
        "en": "the sites have no coordinate reference system: set one (e.g. sites.set_crs(4326)) or read them with reegeo.io.sites.read_sites",
        "ms": "tapak tiada sistem koordinat: tetapkan satu (cth. sites.set_crs(4326)) atau baca tapak dengan reegeo.io.sites.read_sites",
    },
    "no_geometry": {
        "en": "sites at row(s) {rows} have no geometry: remove them or give them coordinates",
        "ms": "tapak pada baris {rows} tiada geometri: buang tapak itu atau berikan koordinatnya",
    },
    "not_point_or_area": {
        "en": "sites at row(s) {rows} are {kind} geometries: a site is a point or an area (Polygon/MultiPolygon); convert lines to polygons",
        "ms": "tapak pada baris {rows} ialah geometri {kind}: tapak ialah titik atau kawasan (Polygon/MultiPolygon); tukarkan garisan kepada poligon",
    },
    "no_states_layer": {
        "en": "the 'states' layer is missing: every verdict must name the state a site lies in; load the bundled layers or give {argument}",
        "ms": "lapisan 'states' tiada: setiap keputusan mesti menamakan negeri tempat tapak terletak; muatkan lapisan yang disertakan atau berikan {argument}",
    },
    "layer_not_loaded": {
        "en": "rule {rule!r} tests layer {layer!r}, which is not loaded (loaded: {loaded}): give it with {argument} or remove the rule",
        "ms": "peraturan {rule!r} menguji lapisan {layer!r}, yang tidak dimuatkan (dimuatkan: {loaded}): berikan lapisan itu dengan {argument} atau buang peraturan itu",
    },
    "where_column_missing": {
        "en": "rule {rule!r} filters layer {layer!r} on column {column!r}, which the layer lacks (its columns: {columns}): load a layer with that column or change the rule's 'where'",
        "ms": "peraturan {rule!r} menapis lapisan {layer!r} pada lajur {column!r}, yang tiada dalam lapisan itu (lajurnya: {columns}): muatkan lapisan yang mempunyai lajur itu atau ubah 'where' peraturan itu",
    },
})


def result_columns(distance_layers: Sequence[str] = DISTANCE_LAYERS) -> list[str]:
    """The output contract's columns, in order (without geometry)."""
    columns = ["site_id", "verdict", "violations", "flags", "advisories", "state"]
    for layer in distance_layers:
        columns += [f"dist_{layer}_m", f"nearest_{layer}"]
    for layer in OVERLAP_LAYERS:
        columns += [f"overlap_{layer}_m2", f"overlap_{layer}_pct", f"overlaps_{layer}"]
    return columns + ["site_area_m2", "states_spanned", "metric_crs"]


def screen_sites(
    sites: gpd.GeoDataFrame,
    layers: Mapping[str, Layer],
    rules: Iterable[Rule],
    *,
    progress: Progress | None = None,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Screen candidate sites against layers and rules.

    Each site is measured in metres in GDM2000 RSO (EPSG:3375 for Peninsular
    Malaysia, EPSG:3376 for Sabah, Sarawak and Labuan, chosen by the site's
    representative point). For every rule, the site fires it when it
    intersects (``intersects``) or lies within ``distance_m`` of
    (``within_distance``) any feature of the rule's layer; ``always`` rules
    fire for every site. The verdict is the worst severity among fired
    prohibited and review rules; advisories never change it.

    Two checks are built in, as ``review`` flags:

    * ``outside_malaysia``: the site's representative point is in no state
      (nor within the states layer's accuracy of one);
    * ``<rule>_uncertain``: a prohibiting rule did not fire, but the site is
      within the accuracy (metres) of a feature of the rule's layer, plus the
      site's own ``accuracy_m`` when it has one, so the approximate boundary
      (or position) may put it inside.

    * ``<layer>_unverified``: no prohibiting rule fired, but a layer that a
      prohibiting rule tests is not complete in every state the site touches
      (its :class:`~reegeo.layers.coverage.Coverage`), so the absence of a recorded
      reserve or catchment clears nothing. ``eligible`` therefore needs
      complete data at the site.

    A site that spans several states gets the advisory ``spans_states``
    (permits from each state).

    Parameters
    ----------
    sites : GeoDataFrame
        Points and polygons (multi-part too) in any CRS. The site id comes
        from the first column named (any case) ``site_id``, ``id``, ``name``, ``nama``, ``site``, ``tapak``, ``site_name``, ``nama_tapak``, ``lot`` or ``no_lot``,
        else the 1-based row number (the index when it is named ``row``, as
        the upload reader gives it).
    layers : mapping of str to Layer
        Must include ``states`` and every layer a rule tests.
    rules : iterable of Rule
    progress : callable, optional
        Called as ``progress(done, total)`` as batches of sites finish.
    id_column : str, optional
        The column holding the site ids, instead of the first of the usual names.

    Returns
    -------
    GeoDataFrame
        One row per input site, in input order, with the columns of
        :func:`result_columns`, then every column of the input (a name
        reegeo uses is prefixed ``input_``; ``attrs["renamed_inputs"]`` says
        which), and the site geometry in EPSG:4326. ``attrs["id_column"]``
        names the column the ids came from ("" for row numbers).

    Raises
    ------
    ScreeningError
        When sites have no CRS, have empty or line geometries, or a rule
        tests a layer that is not loaded.
    """
    rules = tuple(rules)
    check_sites(sites)
    check_layers(layers, rules)
    distance_layers = list(DISTANCE_LAYERS) + sorted(
        {r.layer for r in rules if r.layer and r.layer not in DISTANCE_LAYERS}
    )
    total = len(sites)
    id_column = id_column_of(sites, id_column)
    site_ids = _site_ids(sites, id_column)
    site_accuracy_m = _site_accuracy(sites)
    sites_ll = sites.geometry.to_crs(4326)
    anchor_lon = shapely.get_x(shapely.point_on_surface(sites_ll.values))
    zones = metric_crs_for(anchor_lon)

    columns: dict[str, np.ndarray] = _empty_columns(total, distance_layers)
    fired = {rule.id: np.zeros(total, dtype=bool) for rule in rules}
    uncertain = {rule.id: np.zeros(total, dtype=bool) for rule in rules if rule.severity == Severity.PROHIBITED and rule.layer}
    outside = np.zeros(total, dtype=bool)
    spans = np.zeros(total, dtype=bool)
    touched = np.full(total, "", dtype=object)  # every state a site touches, slivers included (for coverage)

    done = 0
    chunk = int(np.clip(total // 10, _CHUNK_MIN, _CHUNK_MAX))
    for epsg in sorted(set(zones.tolist())):
        in_zone = np.flatnonzero(zones == epsg)
        projected = sites.geometry.iloc[in_zone].to_crs(epsg).values
        prepared = {name: prepare_layer(layers[name], epsg) for name in _needed_layers(layers, rules, distance_layers)}
        for rule in rules:
            if rule.where is not None and rule.layer is not None:
                prepared[rule_target(rule)] = prepare_layer(filtered_layer(layers[rule.layer], rule), epsg)
        for start in range(0, len(in_zone), chunk):
            positions = in_zone[start : start + chunk]
            geoms = np.asarray(projected[start : start + chunk])
            _measure_batch(
                geoms, positions, epsg, prepared, rules, distance_layers, site_accuracy_m,
                columns, fired, uncertain, outside, spans, touched,
            )
            done += len(positions)
            if progress is not None:
                progress(done, total)

    for rule in rules:
        if rule.relation == Relation.ALWAYS:
            fired[rule.id][:] = True
    incomplete = {
        name: ~covered_sites(touched, layers[name].coverage) & ~outside
        for name in prohibiting_layers(rules)
    }
    verdict, violations, flags, advisories = _verdicts(rules, fired, uncertain, outside, spans, total, incomplete)
    data = {"site_id": site_ids, "verdict": verdict, "violations": violations, "flags": flags, "advisories": advisories}
    data.update(columns)
    reserved = result_columns(distance_layers)
    inputs, renamed = _input_columns(sites, reserved, id_column)
    data.update(inputs)
    frame = pd.DataFrame(data, columns=reserved + list(inputs))
    result = gpd.GeoDataFrame(frame, geometry=np.asarray(sites_ll.values), crs=4326)
    result.attrs["id_column"] = id_column or ""
    result.attrs["renamed_inputs"] = renamed
    return result


def _needed_layers(layers: Mapping[str, Layer], rules: Sequence[Rule], distance_layers: Sequence[str]) -> list[str]:
    needed = {"states"} | {name for name in distance_layers if name in layers} | {r.layer for r in rules if r.layer}
    return sorted(needed)


def _measure_batch(
    geoms: np.ndarray,
    positions: np.ndarray,
    epsg: int,
    prepared: Mapping[str, PreparedLayer],
    rules: Sequence[Rule],
    distance_layers: Sequence[str],
    site_accuracy_m: np.ndarray,
    columns: dict[str, np.ndarray],
    fired: dict[str, np.ndarray],
    uncertain: dict[str, np.ndarray],
    outside: np.ndarray,
    spans: np.ndarray,
    touched: np.ndarray,
) -> None:
    areas = shapely.area(geoms)
    columns["site_area_m2"][positions] = np.round(areas, 1)
    columns["metric_crs"][positions] = f"EPSG:{epsg}"

    state, spanned, touched_all, is_outside, is_spanning = locate_states(geoms, prepared["states"])
    columns["state"][positions] = state
    columns["states_spanned"][positions] = spanned
    touched[positions] = touched_all
    outside[positions] = is_outside
    spans[positions] = is_spanning

    nearest: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    intersecting: dict[str, np.ndarray] = {}
    for name in distance_layers:
        if name not in prepared:
            continue
        layer = prepared[name]
        hits, touches, distance, feature = touching_and_nearest(geoms, layer)
        nearest[name] = (distance, feature)
        intersecting[name] = touches
        columns[f"dist_{name}_m"][positions] = np.round(distance, 1)
        columns[f"nearest_{name}"][positions] = np.where(feature >= 0, layer.names[np.maximum(feature, 0)], "")
        if name in OVERLAP_LAYERS:
            overlap, listing = overlap_areas(geoms, areas, layer, hits)
            columns[f"overlaps_{name}"][positions] = listing
            columns[f"overlap_{name}_m2"][positions] = np.round(overlap, 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(areas > 0, np.clip(overlap / areas * 100.0, 0.0, 100.0), 0.0)
            columns[f"overlap_{name}_pct"][positions] = np.round(share, 2)

    for rule in rules:
        if rule.where is not None:
            _, touches, distance, feature = touching_and_nearest(geoms, prepared[rule_target(rule)])
            intersecting[rule_target(rule)], nearest[rule_target(rule)] = touches, (distance, feature)
    for rule in rules:
        if rule.relation == Relation.ALWAYS:
            continue
        target = rule_target(rule)
        distance, _ = nearest[target]
        if rule.relation == Relation.INTERSECTS:
            hit = intersecting[target]
            threshold = 0.0
        else:
            assert rule.distance_m is not None, "a within_distance rule has a distance"
            hit = np.nan_to_num(distance, nan=np.inf) <= rule.distance_m
            threshold = rule.distance_m
        fired[rule.id][positions] = hit
        if rule.id in uncertain:
            uncertain[rule.id][positions] = ~hit & within_accuracy(geoms, site_accuracy_m[positions], prepared[target], threshold)


def _verdicts(
    rules: Sequence[Rule],
    fired: Mapping[str, np.ndarray],
    uncertain: Mapping[str, np.ndarray],
    outside: np.ndarray,
    spans: np.ndarray,
    total: int,
    incomplete: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    by_severity: dict[str, list[tuple[str, np.ndarray]]] = {severity: [] for severity in Severity}
    for rule in rules:
        by_severity[rule.severity].append((rule.id, fired[rule.id]))
    prohibited = _join_ids(by_severity[Severity.PROHIBITED], total) != ""
    for rule_id, mask in uncertain.items():
        by_severity[Severity.REVIEW].append((rule_id + UNCERTAIN_SUFFIX, mask))
    for layer, mask in incomplete.items():
        # Only a site nothing prohibits needs telling that the data could not clear it.
        by_severity[Severity.REVIEW].append((layer + UNVERIFIED_SUFFIX, mask & ~prohibited))
    by_severity[Severity.REVIEW].append((OUTSIDE_FLAG, outside))
    by_severity[Severity.ADVISORY].append((SPANS_STATES_FLAG, spans))

    joined = {severity: _join_ids(entries, total) for severity, entries in by_severity.items()}
    review = joined[Severity.REVIEW] != ""
    verdict = np.where(prohibited, Verdict.PROHIBITED.value, np.where(review, Verdict.REVIEW.value, Verdict.ELIGIBLE.value)).astype(object)
    return verdict, joined[Severity.PROHIBITED], joined[Severity.REVIEW], joined[Severity.ADVISORY]


def _join_ids(entries: list[tuple[str, np.ndarray]], total: int) -> np.ndarray:
    """Per site, the sorted ids whose mask is set, joined with ';'."""
    result = np.full(total, "", dtype=object)
    for rule_id, mask in sorted(entries, key=lambda item: item[0]):
        rows = np.flatnonzero(mask)
        if len(rows):
            current = result[rows]
            result[rows] = np.where(current == "", rule_id, current + ";" + rule_id)
    return result


def _empty_columns(total: int, distance_layers: Sequence[str]) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {
        "state": np.full(total, "", dtype=object),
        "states_spanned": np.full(total, "", dtype=object),
        "metric_crs": np.full(total, "", dtype=object),
        "site_area_m2": np.zeros(total),
    }
    for name in distance_layers:
        columns[f"dist_{name}_m"] = np.full(total, np.nan)
        columns[f"nearest_{name}"] = np.full(total, "", dtype=object)
    for name in OVERLAP_LAYERS:
        columns[f"overlap_{name}_m2"] = np.zeros(total)
        columns[f"overlap_{name}_pct"] = np.zeros(total)
        columns[f"overlaps_{name}"] = np.full(total, "", dtype=object)
    return columns


def id_column_of(sites: gpd.GeoDataFrame, id_column: str | None = None) -> str | None:
    """The column the site ids come from: ``id_column`` when given, else the first of the usual names (any case)."""
    attributes = [c for c in sites.columns if c != sites.geometry.name]
    if id_column is not None:
        if id_column not in attributes:
            raise ScreeningError(
                _M("no_such_id_column", column=id_column, columns=", ".join(repr(str(c)) for c in attributes) or _M("no_attributes")),
                argument="id_column",
                value=id_column,
            )
        return id_column
    by_lower: dict[str, str] = {}
    for column in attributes:
        by_lower.setdefault(str(column).strip().lower(), column)
    for wanted in _SITE_ID_COLUMNS:
        if wanted in by_lower:
            return by_lower[wanted]
    return None


def input_columns(columns: Iterable[object]) -> list[str]:
    """Which of a result's ``columns`` are the input's own (they follow reegeo's, which end with ``metric_crs``)."""
    names = [str(c) for c in columns if str(c) != "geometry"]
    return names[names.index("metric_crs") + 1 :] if "metric_crs" in names else []


def input_column_notes(results: gpd.GeoDataFrame) -> list[str]:
    """What the user should know about their columns in ``results``: the id column, and any renamed."""
    notes: list[str] = []
    id_column = results.attrs.get("id_column")
    if id_column is not None and id_column != "site_id":  # site_id is the obvious case: no note
        notes.append(_M("ids_from_column", column=id_column) if id_column else _M("ids_are_row_numbers"))
    renamed = results.attrs.get("renamed_inputs") or {}
    if renamed:
        pairs = joined([_M("renamed_column", old=old, new=new) for old, new in renamed.items()], ", ")
        notes.append(_M("renamed_columns", pairs=pairs))
    return notes


def _site_ids(sites: gpd.GeoDataFrame, column: str | None) -> np.ndarray:
    if sites.index.name == "row" and pd.api.types.is_integer_dtype(sites.index):
        fallback = sites.index.astype(str).to_numpy(dtype=object)
    else:
        fallback = np.arange(1, len(sites) + 1).astype(str).astype(object)
    if column is None:
        return fallback
    text = sites[column].map(_id_text).to_numpy(dtype=object)
    return np.where(text == "", fallback, text)


def _input_columns(sites: gpd.GeoDataFrame, reserved: Sequence[str], id_column: str | None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The input's own columns, to follow reegeo's; a name reegeo uses gets ``input_`` in front."""
    taken = set(reserved) | {"longitude", "latitude", "geometry"}
    out: dict[str, np.ndarray] = {}
    renamed: dict[str, str] = {}
    for column in sites.columns:
        if column == sites.geometry.name or (column == id_column and str(column) == "site_id"):
            continue
        name = str(column)
        while name in taken or name in out:
            name = INPUT_PREFIX + name
        if name != str(column):
            renamed[str(column)] = name
        out[name] = sites[column].to_numpy()
    return out, renamed


def _site_accuracy(sites: gpd.GeoDataFrame) -> np.ndarray:
    """Each site's own positional accuracy in metres (its ``accuracy_m`` column; 0 when absent)."""
    if "accuracy_m" not in sites.columns:
        return np.zeros(len(sites))
    values = pd.to_numeric(sites["accuracy_m"], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(values < 0)
    if len(bad):
        rows = ", ".join(str(i + 1) for i in bad[:10])
        raise ScreeningError(_M("negative_accuracy", rows=rows))
    return np.nan_to_num(values, nan=0.0)


def _id_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_sites(sites: gpd.GeoDataFrame) -> None:
    """Raise :class:`ScreeningError` unless ``sites`` can be screened.

    Sites need a CRS and a point or polygon geometry on every row; the
    message names the rows (1-based) that fail.
    """
    if not isinstance(sites, gpd.GeoDataFrame):
        raise ScreeningError(_M("not_a_geodataframe", kind=type(sites).__name__))
    if sites.crs is None:
        raise ScreeningError(_M("no_crs"))
    geometry = sites.geometry
    missing = np.flatnonzero((geometry.isna() | geometry.is_empty).to_numpy())
    if len(missing):
        rows = ", ".join(str(i + 1) for i in missing[:10])
        raise ScreeningError(_M("no_geometry", rows=rows))
    kinds = shapely.get_type_id(geometry.values)
    lines = np.flatnonzero(~np.isin(kinds, _SITE_TYPES))
    if len(lines):
        rows = ", ".join(str(i + 1) for i in lines[:10])
        raise ScreeningError(_M("not_point_or_area", rows=rows, kind=geometry.iloc[lines[0]].geom_type))


def check_layers(layers: Mapping[str, Layer], rules: Sequence[Rule]) -> None:
    """Raise :class:`ScreeningError` unless ``layers`` hold ``states`` and every layer a rule tests."""
    if "states" not in layers:
        raise ScreeningError(
            _M("no_states_layer"),
            argument="layers",
            value="states",
        )
    for rule in rules:
        if rule.layer and rule.layer not in layers:
            raise ScreeningError(
                _M("layer_not_loaded", rule=rule.id, layer=rule.layer, loaded=", ".join(sorted(layers))),
                argument="layers",
                value=rule.layer,
            )
        if rule.where is not None and rule.layer is not None and rule.where[0] not in layers[rule.layer].frame.columns:
            columns = ", ".join(str(c) for c in layers[rule.layer].frame.columns if c != layers[rule.layer].frame.geometry.name)
            raise ScreeningError(_M("where_column_missing", rule=rule.id, layer=rule.layer, column=rule.where[0], columns=columns))
