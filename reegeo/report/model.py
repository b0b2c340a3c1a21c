"""The content of a report, built once and laid out by the PDF and HTML writers.

Everything a report says is decided here, in plain strings and PNG bytes, so
the two formats cannot disagree. Nothing here is escaped: the HTML writer
escapes every string, the PDF writer replaces characters its font lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from reegeo.geo import metric_crs_for
from reegeo.i18n import count_sites, layer_label, t, verdict_label
from reegeo.layers.coverage import (
    coverage_text,
    prohibiting_layers,
    unverified_site_count,
    unverified_table,
)
from reegeo.layers.model import Layer
from reegeo.report.audit import Audit
from reegeo.report.maps import SiteMapper, render_national_map
from reegeo.report.options import ReportOptions
from reegeo.screening.engine import input_columns
from reegeo.screening.evidence import (
    CONSTRAINT_FRAME_M,
    Finding,
    explain_site,
    format_area,
    format_distance,
    nearest_constraint,
    permitting_bodies,
    proximity,
    rule_test,
)
from reegeo.screening.rules import Rule, RuleChange
from reegeo.screening.summary import count_by_state, verdict_counts
from reegeo.vocab import VERDICTS, Progress

__all__ = ["ReportModel", "SiteSection", "Table", "build_model"]



@dataclass(frozen=True)
class Table:
    """A heading row and body rows of plain strings."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class SiteSection:
    """Everything the report says about one site."""

    anchor: str
    site_id: str
    verdict: str
    heading: str
    verdict_text: str
    facts: tuple[tuple[str, str], ...]
    proximity: Table
    findings: tuple[Finding, ...]
    approximate_findings: frozenset[str]
    bodies: tuple[str, ...]
    map_png: bytes | None
    map_caption: str


@dataclass(frozen=True)
class ReportModel:
    """A whole report, ready to lay out."""

    lang: str
    title: str
    subtitle: str
    header_note: str
    generated: str
    disclaimer: str
    approximate_note: str
    screened: str
    scope_note: str
    verdict_table: Table
    verdict_counts: tuple[tuple[str, int], ...]
    state_table: Table
    national_png: bytes
    national_caption: str
    unverified_intro: str
    unverified: Table
    index: Table
    sites: tuple[SiteSection, ...]
    provenance_intro: str
    provenance: Table
    rules: Table
    rule_changes: Table
    audit_intro: str
    audit: Table

    def label(self, key: str, **values: object) -> str:
        """A report text in this report's language."""
        return t(key, self.lang, **values)


def build_model(
    results: gpd.GeoDataFrame,
    *,
    rules: Sequence[Rule],
    layers: Mapping[str, Layer],
    audit: Audit,
    lang: str,
    options: ReportOptions = ReportOptions(),
    progress: Progress | None = None,
) -> ReportModel:
    """Decide the content of a report (see :func:`reegeo.report.write.render_pdf`)."""
    rules = tuple(rules)
    approximate = [name for name, layer in layers.items() if layer.approximate]
    approximate_note = (
        t("report.approximate_footer", lang, layers=", ".join(layer_label(n, lang) for n in approximate)) if approximate else ""
    )
    buffers = [r.distance_m for r in rules if r.relation == "within_distance" and r.distance_m and r.layer in ("forest_reserves", "water_catchments")]
    mapper = SiteMapper(layers, buffer_m=max(buffers) if buffers else None, lang=lang)
    paged = _paged_sites(results, options.scope)
    anchors = shapely.point_on_surface(np.asarray(paged.geometry.to_crs(4326).values)) if len(paged) else np.array([])
    sections = []
    for position, (_, row) in enumerate(paged.iterrows()):
        sections.append(_site_section(position, row, anchors[position], mapper, rules, layers, lang))
        if progress is not None:
            progress(position + 1, len(paged))
    counts = tuple(verdict_counts(results).items())
    subtitle = t("report.subtitle", lang)
    if options.reference:
        subtitle += f" · {t('report.reference', lang)}: {_shortened(options.reference, _MAX_INPUT_CHARS)}"
    if options.author:
        subtitle += f" · {t('report.author', lang)}: {_shortened(options.author, _MAX_INPUT_CHARS)}"
    return ReportModel(
        lang=lang,
        title=_shortened(options.title, _MAX_ID_CHARS) if options.title else t("report.title", lang),
        subtitle=subtitle,
        header_note=f"{t('report.reference', lang)}: {_shortened(options.reference, _MAX_INPUT_CHARS)}" if options.reference else t("report.subtitle", lang),
        generated=t("report.generated", lang, time=audit.created_text, version=audit.version),
        disclaimer=t("report.disclaimer", lang),
        approximate_note=approximate_note,
        screened=t("report.screened", lang, count=count_sites(len(results), lang)),
        scope_note=t(f"report.scope.{options.scope}", lang, pages=count_sites(len(paged), lang), total=len(results)) if options.scope != "all" else "",
        verdict_table=Table(
            (t("report.col.verdict", lang), t("report.col.sites", lang)),
            tuple((verdict_label(v, lang), str(n)) for v, n in counts) + ((t("report.col.total", lang), str(len(results))),),
        ),
        verdict_counts=counts,
        state_table=_state_table(results, lang),
        national_png=render_national_map(results, layers, lang=lang, checked=prohibiting_layers(rules)),
        national_caption=t("report.national_map", lang),
        unverified_intro=_unverified_intro(results, lang),
        unverified=_unverified_table(results, lang),
        index=Table(
            (t("report.col.site", lang), t("report.col.verdict", lang), t("report.col.state", lang), t("report.col.findings", lang)),
            tuple(_index_row(section, lang) for section in sections),
        ),
        sites=tuple(sections),
        provenance_intro=t("report.provenance.intro", lang),
        provenance=_provenance_table(layers, lang),
        rules=_rules_table(rules, lang),
        rule_changes=_rule_changes_table(options.rule_changes, lang),
        audit_intro=t("report.audit.intro", lang),
        audit=_audit_table(audit, lang),
    )


def _site_section(position, row, anchor, mapper: SiteMapper, rules, layers, lang) -> SiteSection:
    site_id = _shortened(str(row["site_id"]))
    verdict = str(row["verdict"])
    state = str(row.get("state") or "")
    area = float(row.get("site_area_m2") or 0.0)
    crs = str(row.get("metric_crs") or "")
    facts = [
        (t("report.state", lang), state or t("report.no_state", lang)),
    ]
    spanned = str(row.get("states_spanned") or "")
    if ";" in spanned:
        facts.append((t("report.states_spanned", lang), spanned.replace(";", ", ")))
    facts += [
        (t("report.coordinates", lang), f"{anchor.y:.5f}, {anchor.x:.5f}"),
        (t("report.area", lang), format_area(area) if area > 0 else t("report.point_site", lang)),
        (t("report.measured_in", lang), _crs_name(crs)),
    ]
    # The planner's own attributes of the site (capacity, owner, lot...), as given.
    for column, label in _input_facts(input_columns(row.index), lang)[:_MAX_INPUT_FACTS]:
        value = row.get(column)
        if value is not None and not (isinstance(value, float) and np.isnan(value)) and str(value).strip():
            facts.append((label, _shortened(str(value), _MAX_INPUT_CHARS)))
    findings = tuple(explain_site(row, rules, layers=layers, lang=lang))
    approximate_findings = frozenset(f.rule_id for f in findings if f.layer in layers and layers[f.layer].approximate)
    nearest = nearest_constraint(row)
    epsg = int(crs.split(":")[1]) if crs.startswith("EPSG:") else int(metric_crs_for([anchor.x])[0])
    map_png = mapper.render(row.geometry, epsg, verdict=verdict, nearest=nearest)
    return SiteSection(
        anchor=f"site-{position + 1}",
        site_id=site_id,
        verdict=verdict,
        heading=t("report.site", lang, site_id=site_id),
        verdict_text=t(f"report.verdict_text.{verdict}", lang),
        facts=tuple(facts),
        proximity=Table(*proximity(row, rules, layers, lang=lang)),
        findings=findings,
        approximate_findings=approximate_findings,
        bodies=tuple(permitting_bodies(state, lang)) or (t("report.no_bodies", lang),),
        map_png=map_png,
        map_caption=_map_caption(epsg, nearest, lang) if map_png else t("report.no_map", lang),
    )


# A site id longer than this is cut in the report's headings and tables (the CSV keeps it whole).
_MAX_ID_CHARS = 160
# A site page lists at most this many of the input's own attributes, each cut to this many characters.
_MAX_INPUT_FACTS, _MAX_INPUT_CHARS = 20, 120


def _input_facts(columns: Sequence[str], lang: str) -> list[tuple[str, str]]:
    """The input's columns to list on a site page, each with its label, in the report's language.

    A column ``X`` with a Bahasa Malaysia twin ``X_ms`` (the convention of
    reegeo's own data, e.g. ``source``/``source_ms``) is one fact: an English
    report lists ``X``, a Malay one ``X_ms`` under the label ``X``.
    """
    present = set(columns)
    twins = {column[: -len("_ms")] for column in columns if column.endswith("_ms") and column[: -len("_ms")] in present}
    facts = []
    for column in columns:
        if column in twins:
            facts.append((f"{column}_ms" if lang == "ms" else column, column))
        elif not (column.endswith("_ms") and column[: -len("_ms")] in twins):
            facts.append((column, column))
    return facts


def _map_caption(epsg: int, nearest: tuple[str, str, float] | None, lang: str) -> str:
    caption = t("report.local_map", lang, crs=_crs_name(f"EPSG:{epsg}"))
    if nearest is not None and 0 < nearest[2] <= CONSTRAINT_FRAME_M:
        caption += " " + t("report.map.line", lang, measured=t("report.map.distance_to", lang, distance=format_distance(nearest[2]), feature=nearest[1]))
    return caption


def _shortened(text: str, limit: int = _MAX_ID_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _index_row(section: SiteSection, lang: str) -> tuple[str, ...]:
    fired = "; ".join(f.label for f in section.findings if f.severity != "advisory") or "-"
    return (section.site_id, verdict_label(section.verdict, lang), section.facts[0][1], fired)


def _state_table(results: gpd.GeoDataFrame, lang: str) -> Table:
    header = (t("report.col.state", lang), *(verdict_label(v, lang) for v in VERDICTS), t("report.col.total", lang))
    if not len(results):
        return Table(header, ())
    counts = count_by_state(results, outside_label=t("report.no_state", lang))
    rows = [(str(state), *(str(int(n)) for n in values), str(int(sum(values)))) for state, values in zip(counts.index, counts.to_numpy())]
    return Table(header, tuple(rows))


def _unverified_intro(results: gpd.GeoDataFrame, lang: str) -> str:
    count = unverified_site_count(results)
    return t("coverage.unverified_intro", lang, count=f"{count:,}", total=count_sites(len(results), lang)) if count else ""


def _unverified_table(results: gpd.GeoDataFrame, lang: str) -> Table:
    """Sites not cleared for lack of complete data, per layer and state, with what to load."""
    table = unverified_table(results, lang)
    return Table(tuple(table.columns), tuple(tuple(str(v) for v in row) for row in table.itertuples(index=False)))


def _provenance_table(layers: Mapping[str, Layer], lang: str) -> Table:
    header = tuple(t(f"report.col.{c}", lang) for c in ("layer", "source", "licence", "date", "accuracy", "status", "coverage"))
    rows = []
    for name, layer in layers.items():
        rows.append((
            f"{layer.display_title(lang)} [{name}], {layer.feature_count}",
            layer.text("source", lang) or "-",
            layer.text("licence", lang) or "-",
            layer.date or "-",
            format_distance(layer.accuracy_m),
            t(f"report.status.{layer.status}", lang),
            coverage_text(layer.coverage, lang) if layer.role == "constraint" else "-",
        ))
    return Table(header, tuple(rows))


def _rules_table(rules: Sequence[Rule], lang: str) -> Table:
    header = tuple(t(f"report.col.{c}", lang) for c in ("rule", "severity", "test")) + (t("report.legal_basis", lang),)
    rows = [(f"{rule.label(lang)} ({rule.id})", t(f"severity.{rule.severity}", lang), rule_test(rule, lang), rule.basis(lang)) for rule in rules]
    return Table(header, tuple(rows))



def _paged_sites(results: gpd.GeoDataFrame, scope: str) -> gpd.GeoDataFrame:
    """The sites that get a page of their own: all, the prohibited and review ones, or none (a summary)."""
    if scope == "summary":
        return results.iloc[0:0]
    if scope == "flagged":
        return results[results["verdict"] != "eligible"]
    return results


def _rule_changes_table(changes: Sequence[RuleChange], lang: str) -> Table:
    header = tuple(t(f"report.col.{c}", lang) for c in ("rule", "change", "author", "reason", "time"))
    everything = t("report.all_rules", lang)
    rows = tuple(
        (everything if c.rule_id == "*" else c.rule_id, c.change, c.author or "-", c.reason or "-", c.time.replace("T", " ")[:19] or "-")
        for c in changes
    )
    return Table(header, rows)


def _audit_table(audit: Audit, lang: str) -> Table:
    header = (t("report.col.item", lang), t("report.col.file", lang), t("report.col.sha256", lang))
    rows = [
        (t("report.audit.sites", lang), audit.sites_file, audit.sites_sha256),
        (t("report.audit.rules", lang), audit.rules_file, audit.rules_sha256),
    ]
    for stamp in audit.layers:
        if stamp.covers is None:
            label = t("report.audit.layer", lang, name=stamp.name)
            rows.append((f"{label} ({stamp.coverage})" if stamp.coverage else label, stamp.file, stamp.sha256))
        else:
            covers = {(): t("report.coverage_none", lang), ("all",): t("report.coverage_all", lang)}.get(stamp.covers, ", ".join(stamp.covers))
            rows.append((t("report.audit.part", lang, name=stamp.name, covers=covers), stamp.file, stamp.sha256))
    rows += [
        (t("report.audit.version", lang), "reegeo", audit.version),
        (t("report.audit.time", lang), "", audit.created_text),
    ]
    return Table(header, tuple(rows))






def _crs_name(crs: str) -> str:
    names = {"EPSG:3375": "GDM2000 / Peninsula RSO (EPSG:3375)", "EPSG:3376": "GDM2000 / East Malaysia BRSO (EPSG:3376)"}
    return names.get(crs, crs or "-")
