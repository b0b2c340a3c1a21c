"""Explain a screening result: each rule that fired, its legal basis and what was measured.

The dashboard's evidence panel and the reports both call :func:`explain_site`
on a row of :func:`reegeo.screening.engine.screen_sites` output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely

from reegeo.i18n import layer_label, t
from reegeo.layers.coverage import remedy_text
from reegeo.layers.model import Layer
from reegeo.screening.engine import OVERLAP_LAYERS
from reegeo.screening.rules import Rule, humanise
from reegeo.vocab import (
    OUTSIDE_FLAG,
    SPANS_STATES_FLAG,
    UNCERTAIN_SUFFIX,
    UNVERIFIED_SUFFIX,
    Relation,
    Severity,
)

__all__ = [
    "CONSTRAINT_FRAME_M",
    "Finding",
    "distance_line",
    "explain_site",
    "finding_label",
    "format_distance",
    "format_area",
    "label_codes",
    "nearest_constraint",
    "permitting_bodies",
    "rule_test",
]

# A site map frames the nearest constraint with the site when it is at most this far.
CONSTRAINT_FRAME_M = 100_000.0

# One colour per verdict for the map, the charts and the reports.
_SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(Severity)}


@dataclass(frozen=True)
class Finding:
    """One rule or built-in check that fired for a site."""

    rule_id: str
    severity: str
    message: str
    legal_basis: str
    layer: str | None
    measurement: str
    label: str = ""


def format_distance(metres: float) -> str:
    """``850 m`` or ``12.3 km``."""
    if metres != metres:  # NaN
        return "n/a"
    return f"{metres:,.0f} m" if metres < 10_000 else f"{metres / 1000:,.1f} km"


def format_area(square_metres: float) -> str:
    """``4,500 m²`` or ``12.50 ha``."""
    return f"{square_metres:,.0f} m²" if square_metres < 10_000 else f"{square_metres / 10_000:,.2f} ha"


def explain_site(
    row: Mapping,
    rules: Sequence[Rule],
    *,
    layers: Mapping[str, Layer] | None = None,
    lang: str = "en",
) -> list[Finding]:
    """The findings behind one site's verdict, worst first.

    Parameters
    ----------
    row : mapping
        One row of screening results (a pandas Series or dict).
    rules : sequence of Rule
        The rules the site was screened with.
    layers : mapping of str to Layer, optional
        Used to state a layer's accuracy in boundary-uncertainty findings.
    lang : str
        ``en`` or ``ms``.
    """
    by_id = {rule.id: rule for rule in rules}
    fired = [i for column in ("violations", "flags", "advisories") for i in str(row.get(column) or "").split(";") if i]
    findings = []
    for finding_id in fired:
        if finding_id in by_id:
            rule = by_id[finding_id]
            message = rule.message(lang)
            if rule.relation == Relation.WITHIN_DISTANCE and rule.distance_m is not None:
                message += " " + t("finding.buffer", lang, distance=format_distance(rule.distance_m))
            findings.append(Finding(rule.id, rule.severity, message, rule.basis(lang), rule.layer, _measure(row, rule, lang)))
        elif finding_id == OUTSIDE_FLAG:
            findings.append(
                Finding(finding_id, Severity.REVIEW, t("flag.outside_malaysia", lang), t("flag.outside_malaysia.basis", lang), "states", "")
            )
        elif finding_id == SPANS_STATES_FLAG:
            states = str(row.get("states_spanned") or "").replace(";", ", ")
            findings.append(
                Finding(finding_id, Severity.ADVISORY, t("flag.spans_states", lang, states=states), t("flag.spans_states.basis", lang), "states", states)
            )
        elif finding_id.endswith(UNCERTAIN_SUFFIX) and finding_id[: -len(UNCERTAIN_SUFFIX)] in by_id:
            findings.append(_uncertain(row, by_id[finding_id[: -len(UNCERTAIN_SUFFIX)]], finding_id, layers, lang))
        elif finding_id.endswith(UNVERIFIED_SUFFIX):
            findings.append(_unverified(row, finding_id[: -len(UNVERIFIED_SUFFIX)], rules, layers, lang))
    findings = [replace(f, label=finding_label(f.rule_id, rules, lang)) for f in _strongest_per_layer(findings, by_id)]
    findings.sort(key=lambda f: (_SEVERITY_ORDER.get(Severity(f.severity), 9) if f.severity in _SEVERITY_ORDER else 9, f.rule_id))
    return findings


def nearest_constraint(row: Mapping) -> tuple[str, str, float] | None:
    """(layer, feature name, metres) of the constraint feature nearest a screened site; None when none was measured."""
    measured = [(name, str(row.get(f"nearest_{name}") or ""), float(row.get(f"dist_{name}_m", np.nan))) for name in OVERLAP_LAYERS]
    measured = [m for m in measured if m[2] == m[2] and m[1]]
    return min(measured, key=lambda m: (m[2], m[0])) if measured else None


def distance_line(site: shapely.Geometry, layers: Mapping[str, Layer], nearest: tuple[str, str, float] | None, epsg: int) -> shapely.LineString | None:
    """The measured shortest line from ``site`` (in ``epsg``) to the named nearest feature, in ``epsg``.

    None when there is nothing to draw: no nearest feature, the site inside
    it (0 m), or one farther than :data:`CONSTRAINT_FRAME_M`.
    """
    if nearest is None or not (0 < nearest[2] <= CONSTRAINT_FRAME_M) or nearest[0] not in layers:
        return None
    frame = layers[nearest[0]].frame
    if "name" not in frame.columns:
        return None
    named = frame[frame["name"].astype(str) == nearest[1]]
    if not len(named):
        return None
    target = shapely.union_all(np.asarray(named.geometry.to_crs(epsg).values))
    return shapely.shortest_line(site, target)


def rule_test(rule: Rule, lang: str) -> str:
    """What a rule tests, in words ("within 500 m of forest reserves")."""
    layer = layer_label(rule.layer or "", lang)
    if rule.relation == "within_distance":
        return t("report.relation.within_distance", lang, distance=format_distance(rule.distance_m or 0.0), layer=layer)
    return t(f"report.relation.{rule.relation}", lang, layer=layer)


def finding_label(code: str, rules: Sequence[Rule], lang: str = "en") -> str:
    """What a planner reads for a rule id or built-in flag ("Near a forest reserve"); ids stay in exports and tooltips."""
    by_id = {rule.id: rule for rule in rules}
    if code in by_id:
        return by_id[code].label(lang)
    if code in (OUTSIDE_FLAG, SPANS_STATES_FLAG):
        return t(f"label.{code}", lang)
    if code.endswith(UNCERTAIN_SUFFIX) and code[: -len(UNCERTAIN_SUFFIX)] in by_id:
        return t("label.uncertain", lang, rule=by_id[code[: -len(UNCERTAIN_SUFFIX)]].label(lang))
    if code.endswith(UNVERIFIED_SUFFIX):
        return humanise(t("label.unverified", lang, layer=layer_label(code[: -len(UNVERIFIED_SUFFIX)], lang)))
    return humanise(code)


def label_codes(codes: object, rules: Sequence[Rule], lang: str = "en") -> str:
    """A ``;``-separated cell of ids (``violations``, ``flags``, ``advisories``) as labels joined by ``; ``."""
    return "; ".join(finding_label(code, rules, lang) for code in str(codes or "").split(";") if code)


def _strongest_per_layer(findings: list[Finding], by_id: Mapping[str, Rule]) -> list[Finding]:
    """Say the stronger thing once: a buffer finding is dropped where a prohibiting rule fired on the same layer.

    The ``flags`` column keeps every id; this only shapes the explanation.
    """
    prohibited_layers = {f.layer for f in findings if f.severity == Severity.PROHIBITED and f.layer}
    return [
        f for f in findings
        if not (f.rule_id in by_id and by_id[f.rule_id].relation == Relation.WITHIN_DISTANCE and f.severity != Severity.PROHIBITED and f.layer in prohibited_layers)
    ]


def permitting_bodies(state: str, lang: str = "en") -> list[str]:
    """Bodies whose permits a refinery in ``state`` needs (federal and state), in ``lang``.

    A planning aid, not legal advice: it follows the split of powers in the
    Federal Constitution (land, forests and water are state matters) and the
    federal acts in the rules.
    """
    if not state:
        return []
    if state.startswith("W.P."):
        keys = ["bodies.ft_land"]
    else:
        keys = ["bodies.state_government", "bodies.land_office", "bodies.forestry", "bodies.water", "bodies.local_plan"]
    if state == "Sarawak":
        keys.append("bodies.nreb")
    elif state == "Sabah":
        keys.append("bodies.epd")
    else:
        keys.append("bodies.doe")
    keys += ["bodies.aelb", "bodies.jmg"]
    return [t(key, lang, state=state) for key in keys]


def _measure(row: Mapping, rule: Rule, lang: str) -> str:
    if rule.relation == Relation.ALWAYS:
        return t("measure.always", lang)
    layer = rule.layer or ""
    feature = str(row.get(f"nearest_{layer}") or "")
    distance = row.get(f"dist_{layer}_m")
    parts = []
    if distance is not None and distance == distance and float(distance) == 0.0:
        parts.append(t("measure.inside", lang, feature=feature))
    elif distance is not None:
        parts.append(t("measure.distance", lang, distance=format_distance(float(distance)), feature=feature))
    overlap = row.get(f"overlap_{layer}_m2")
    if overlap:
        pct = float(row.get(f"overlap_{layer}_pct") or 0.0)
        parts.append(t("measure.overlap", lang, area=format_area(float(overlap)), pct=f"{pct:.1f} %", layer=layer_label(layer, lang)))
        overlapped = overlapped_features(row, layer)
        if len(overlapped) > 1 or (overlapped and overlapped[0][0] != feature):
            shown = ", ".join(f"{name} ({format_area(area)})" for name, area in overlapped[:_MAX_OVERLAPS_SHOWN])
            more = len(overlapped) - _MAX_OVERLAPS_SHOWN
            parts.append(t("measure.overlaps", lang, features=shown) + (t("measure.overlaps_more", lang, count=more) if more > 0 else ""))
    return "; ".join(parts)


_MAX_OVERLAPS_SHOWN = 5


def overlapped_features(row: Mapping, layer: str) -> list[tuple[str, float]]:
    """Every feature of ``layer`` a polygon site overlaps, largest first, as (name, m²), from its ``overlaps_<layer>`` column."""
    listing = str(row.get(f"overlaps_{layer}") or "")
    out = []
    for item in listing.split(";"):
        name, _, area = item.rpartition(":")
        if name:
            out.append((name, _number(area)))
    return out


def _uncertain(row: Mapping, rule: Rule, finding_id: str, layers: Mapping[str, Layer] | None, lang: str) -> Finding:
    """Why a site is too close to call: its distance, the threshold, and the accuracies that add up to more than the margin."""
    layer = rule.layer or ""
    feature = str(row.get(f"nearest_{layer}") or "")
    distance = _number(row.get(f"dist_{layer}_m"), missing=float("nan"))
    threshold = float(rule.distance_m or 0.0) if rule.relation == Relation.WITHIN_DISTANCE else 0.0
    site_accuracy = _number(row.get("accuracy_m"))
    feature_accuracy = float("nan")
    layer_accuracy = float("nan")
    if layers and layer in layers:
        frame = layers[layer].frame
        layer_accuracy = float(frame["accuracy_m"].max()) if "accuracy_m" in frame.columns and len(frame) else layers[layer].accuracy_m
        named = frame[frame["name"].astype(str) == feature] if "name" in frame.columns else frame.iloc[:0]
        feature_accuracy = float(named["accuracy_m"].min()) if len(named) and "accuracy_m" in named.columns else layers[layer].accuracy_m
    where = t("flag.uncertain.inside", lang) if threshold == 0 else t("flag.uncertain.within", lang, threshold=format_distance(threshold))
    together = (feature_accuracy if feature_accuracy == feature_accuracy else 0.0) + site_accuracy
    # The nearest feature explains the call, or another, coarser feature of the layer reaches the site.
    explained = distance == distance and distance - threshold <= together
    message = t(
        "flag.uncertain" if explained else "flag.uncertain.other",
        lang,
        layer=layer_label(layer, lang),
        feature=feature,
        distance=format_distance(distance),
        threshold=format_distance(threshold),
        feature_accuracy=format_distance(feature_accuracy),
        accuracy=format_distance(layer_accuracy),
        site_accuracy=format_distance(site_accuracy),
        together=format_distance(together),
        where=where,
    )
    basis = t("flag.uncertain.basis", lang, rule=f"{rule.label(lang)}: {rule.basis(lang)}")
    return Finding(finding_id, Severity.REVIEW, message, basis, layer, _measure(row, rule, lang))


def _number(value: object, *, missing: float = 0.0) -> float:
    """A non-negative number from a cell (``missing`` when empty, negative or not a number)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return missing
    return number if number == number and number >= 0 else missing



def _unverified(row: Mapping, layer: str, rules: Sequence[Rule], layers: Mapping[str, Layer] | None, lang: str) -> Finding:
    """A site nothing prohibits, in a state where a prohibiting layer is incomplete: what to load."""
    touched = [s for s in str(row.get("states_spanned") or row.get("state") or "").split(";") if s]
    if layers and layer in layers:
        touched = [s for s in touched if not layers[layer].coverage.covers(s)]
    states = ", ".join(touched) or "-"
    if touched:
        message = t("flag.unverified", lang, layer=layer_label(layer, lang), states=states, remedy=remedy_text(layer, lang), name=layer)
    else:  # complete in the site's own state, but the site reaches a sliver over the boundary, into a state where it is not
        message = t("flag.unverified.edge", lang, layer=layer_label(layer, lang), remedy=remedy_text(layer, lang))
    basis_rules = "; ".join(f"{r.label(lang)}: {r.basis(lang)}" for r in rules if r.layer == layer and r.severity == Severity.PROHIBITED)
    basis = t("flag.unverified.basis", lang, rule=basis_rules or "-")
    distance = row.get(f"dist_{layer}_m")
    feature = str(row.get(f"nearest_{layer}") or "")
    measurement = ""
    if distance is not None and distance == distance and feature:
        measurement = t("measure.distance", lang, distance=format_distance(float(distance)), feature=feature)
    return Finding(layer + UNVERIFIED_SUFFIX, Severity.REVIEW, message, basis, layer, measurement)


# Layers of a site's proximity table: the constraints first, then the context a planner weighs.
PROXIMITY_LAYERS = ("forest_reserves", "water_catchments", "protected_areas", "lynas", "deposits", "ports")


def proximity(
    row: Mapping, rules: Sequence[Rule], layers: Mapping[str, Layer] | None = None, *, lang: str = "en"
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """What was checked at a site, layer by layer, eligible sites included (IBAT's proximity report is the bar).

    Returns
    -------
    header, rows
        One row per layer of :data:`PROXIMITY_LAYERS` (and any other layer a
        rule tests): the layer, the nearest feature, the distance, the rules'
        thresholds, what the data is worth there (approximate, complete or
        incomplete in the site's states), and the result (the rule ids that
        fired, ``clear``, or ``not verified``).
    """
    header = tuple(t(f"proximity.col.{c}", lang) for c in ("layer", "nearest", "distance", "rules", "data", "result"))
    fired = {i for column in ("violations", "flags", "advisories") for i in str(row.get(column) or "").split(";") if i}
    touched = [s for s in str(row.get("states_spanned") or row.get("state") or "").split(";") if s]
    tested = [r.layer for r in rules if r.layer and r.layer not in PROXIMITY_LAYERS]
    rows = []
    for name in (*PROXIMITY_LAYERS, *dict.fromkeys(tested)):
        if f"dist_{name}_m" not in row:
            continue
        layer = layers.get(name) if layers else None
        distance = _number(row.get(f"dist_{name}_m"), missing=float("nan"))
        feature = str(row.get(f"nearest_{name}") or "")
        if layer is None or distance != distance:
            rows.append((layer_label(name, lang), "–", t("report.not_loaded", lang), "–", "–", "–"))
            continue
        distance_text = t("proximity.inside", lang) if distance == 0 else format_distance(distance)
        own = [r for r in rules if r.layer == name]
        thresholds = "; ".join(_threshold_text(r, lang) for r in own) or t("proximity.context", lang)
        incomplete = [s for s in touched if not layer.coverage.covers(s)]
        data = [t("map.approximate", lang)] if layer.approximate else []
        if own and any(r.severity == Severity.PROHIBITED for r in own):
            data.append(t("proximity.incomplete", lang, states=", ".join(incomplete)) if incomplete else t("proximity.complete", lang))
        hits = sorted(i for i in fired if i in {r.id for r in own} or i in {f"{r.id}{UNCERTAIN_SUFFIX}" for r in own} or i == name + UNVERIFIED_SUFFIX)
        if hits:
            result = "; ".join(finding_label(i, rules, lang) for i in hits)
        elif not own:
            result = "–"
        else:
            result = t("proximity.unverified", lang) if incomplete and any(r.severity == Severity.PROHIBITED for r in own) else t("proximity.clear", lang)
        label = layer_label(name, lang)
        rows.append((label[:1].upper() + label[1:], feature or "–", distance_text, thresholds, "; ".join(data) or "–", result))
    return header, tuple(rows)


def _threshold_text(rule: Rule, lang: str) -> str:
    """``prohibited: touching (national park, wildlife reserve)`` or ``review: within 500 m``."""
    test = t("proximity.touching", lang) if rule.relation == Relation.INTERSECTS else t("proximity.within", lang, distance=format_distance(rule.distance_m or 0.0))
    only = f" ({', '.join(v.replace('_', ' ') for v in rule.where[1])})" if rule.where else ""
    return f"{t('severity.' + rule.severity, lang)}: {test}{only}"
