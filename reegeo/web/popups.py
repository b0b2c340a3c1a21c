"""The text the web map shows: tooltips, popups and the legend, from autoescaping templates.

Everything a feature or site says comes from files and people outside reegeo,
so every value is escaped by Jinja2's autoescaping; nothing here builds HTML by
string concatenation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import pandas as pd

from reegeo.i18n import layer_label, t, verdict_label
from reegeo.screening.evidence import explain_site, format_distance, label_codes
from reegeo.screening.rules import Rule
from reegeo.style import VERDICT_COLOURS

__all__ = [
    "TYPE_COLUMNS",
    "STATE_COLUMNS",
    "first_value",
    "feature_tip",
    "feature_popup",
    "merged_tip",
    "merged_popup",
    "site_tip",
    "site_popup",
    "surface_tip",
    "incomplete_tip",
    "incomplete_legend",
    "layer_title",
    "legend_html",
]

TYPE_COLUMNS = ("type", "category", "deposit_type", "kind", "designation")
STATE_COLUMNS = ("state", "negeri")

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_T = {
    "tip": _ENV.from_string("<b>{{ title }}</b><br>{{ detail }}"),
    "lines": _ENV.from_string("<b>{{ title }}</b>{% for label, value in lines %}<br>{{ label }}: {{ value }}{% endfor %}"),
    "more": _ENV.from_string("{% for label, value in lines %}<br>{{ label }}: {{ value }}{% endfor %}"),
    "site_tip": _ENV.from_string("<b>{{ site }}</b><br>{{ verdict }} · {{ state }}"),
    "site_popup": _ENV.from_string(
        "<b>{{ site }}</b><br><b style='color:{{ colour }}'>{{ verdict }}</b> · {{ state_label }}: {{ state }}"
        "{% if findings is not none %}"
        "{% if findings %}<ul>{% for f in findings %}<li><b>{{ f.severity }}</b> <span title='{{ f.rule_id }}'>{{ f.label }}</span>"
        "{% if f.measurement %} — {{ f.measurement }}{% endif %}</li>{% endfor %}</ul>"
        "{% else %}<br>{{ no_findings }}{% endif %}"
        "{% else %}{% for column, value in ids %}<br>{{ column }}: {{ value }}{% endfor %}{% endif %}"
    ),
    "legend": _ENV.from_string(
        "<details open><summary><b>{{ heading }}</b></summary>"
        "{% for row in rows %}<div><i class='{{ row.shape }}' style='{{ row.css }}'></i>{{ row.text }}</div>{% endfor %}"
        "{% if note %}<div style='margin-top:4px;color:#8a5300'>{{ note }}</div>{% endif %}"
        "</details>"
    ),
}


def first_value(row: pd.Series, columns: Sequence[str]) -> str:
    """The first non-empty value of ``columns`` in ``row``, as text ('' when none)."""
    for column in columns:
        value = row.get(column)
        if value is not None and not (isinstance(value, float) and value != value) and str(value).strip():
            return str(value)
    return ""


def _accuracy_text(accuracy_m: Any, approximate: bool, lang: str) -> str:
    text = format_distance(float(accuracy_m)) if accuracy_m is not None and accuracy_m == accuracy_m else "n/a"
    return f"± {text}" + (f" ({t('map.approximate', lang)})" if approximate else "")


def feature_tip(row: pd.Series, title: str) -> str:
    """A layer feature's tooltip: its name and its type (or the layer's title)."""
    kind = first_value(row, TYPE_COLUMNS)
    return _T["tip"].render(title=str(row.get("name", "")), detail=kind.replace("_", " ") if kind else title)


def feature_popup(row: pd.Series, *, layer_name: str, title: str, source: str, accuracy_m: float, approximate: bool, lang: str) -> str:
    """A layer feature's popup: layer, type, state, source and accuracy."""
    kind = first_value(row, TYPE_COLUMNS).replace("_", " ")
    state = row.get("name") if layer_name == "states" else first_value(row, STATE_COLUMNS)
    lines = [
        (t("map.layer", lang), title),
        (t("map.type", lang), kind or "–"),
        (t("map.state", lang), str(state or "–")),
        (t("map.source", lang), first_value(row, ("source_ms", "source") if lang == "ms" else ("source",)) or source or "–"),
        (t("map.accuracy", lang), _accuracy_text(row.get("accuracy_m", accuracy_m), approximate, lang)),
    ]
    return _T["lines"].render(title=str(row.get("name", "")), lines=lines)


def merged_tip(title: str, feature_count: int, lang: str) -> str:
    """The tooltip of a layer drawn as one merged feature."""
    return _T["tip"].render(title=title, detail=t("map.merged", lang, count=f"{feature_count:,}"))


def merged_popup(title: str, feature_count: int, *, source: str, accuracy_m: float, approximate: bool, lang: str) -> str:
    """The popup of a layer drawn as one merged feature: the tooltip, the source and the accuracy."""
    lines = [(t("map.source", lang), source or "–"), (t("map.accuracy", lang), _accuracy_text(accuracy_m, approximate, lang))]
    return merged_tip(title, feature_count, lang) + _T["more"].render(lines=lines)


def _verdict_text(verdict: str, lang: str) -> str:
    return verdict_label(verdict, lang) if verdict in VERDICT_COLOURS else verdict


def site_tip(row: pd.Series, lang: str) -> str:
    """A screened site's tooltip: id, verdict and state."""
    verdict = str(row.get("verdict", ""))
    return _T["site_tip"].render(site=str(row.get("site_id", "")), verdict=_verdict_text(verdict, lang), state=str(row.get("state") or "–"))


def site_popup(row: pd.Series, *, colour: str, rules: Sequence[Rule] | None, explain: bool, lang: str) -> str:
    """A screened site's popup: verdict and state, then its findings (or, for many sites, the fired ids)."""
    verdict = str(row.get("verdict", ""))
    findings = None
    ids: list[tuple[str, str]] = []
    if explain:
        findings = [
            {"severity": t("severity." + f.severity, lang), "rule_id": f.rule_id, "label": f.label, "measurement": f.measurement}
            for f in explain_site(row, rules or (), lang=lang)
        ]
    else:
        for column in ("violations", "flags", "advisories"):
            value = str(row.get(column) or "")
            if value:
                ids.append((t(f"column.{column}", lang), label_codes(value, rules or (), lang)))
    return _T["site_popup"].render(
        site=str(row.get("site_id", "")),
        colour=colour,
        verdict=_verdict_text(verdict, lang),
        state_label=t("map.state", lang),
        state=str(row.get("state") or "–"),
        findings=findings,
        no_findings=t("map.no_findings", lang),
        ids=ids,
    )


def surface_tip(state: str, verdict: str, area_km2: float, lang: str) -> str:
    """A piece of the eligibility surface: state, verdict and area."""
    return _T["tip"].render(title=state, detail=f"{_verdict_text(verdict, lang)} · {area_km2:,.0f} km²")


def incomplete_tip(state: str, layers: Sequence[str], lang: str) -> str:
    """A state where constraint layers are incomplete."""
    return _T["tip"].render(title=state, detail=t("map.incomplete", lang, layers=", ".join(layer_label(n, lang) for n in layers)))


def incomplete_legend(layers: Sequence[str], lang: str) -> str:
    """The legend text for the incomplete-data overlay (plain text: the legend template escapes it)."""
    return t("map.incomplete", lang, layers=", ".join(layer_label(name, lang) for name in layers))


def layer_title(name: str, approximate: bool, lang: str) -> str:
    """The layer's short name for the legend ("Forest reserves (approximate)"), plain text."""
    text = layer_label(name, lang)
    text = text[:1].upper() + text[1:]
    return text + (f" ({t('map.approximate', lang)})" if approximate else "")


def legend_html(
    layers: Sequence[Mapping[str, Any]],
    *,
    with_sites: bool,
    with_surface: bool,
    surface_opacity: float,
    incomplete: Mapping[str, str] | None,
    lang: str,
) -> str:
    """The legend's HTML.

    ``layers``: for each drawn layer, ``name``, ``approximate`` and its Leaflet
    ``style``; ``incomplete``: ``text`` and ``css`` of the incomplete-data entry.
    """
    rows = []
    for layer in layers:
        style = layer["style"]
        dashed = "border-style: dashed;" if layer["approximate"] and layer["name"] != "states" else ""
        rows.append({
            "shape": "dot" if layer["name"] in ("deposits", "ports", "lynas") else "",
            "css": f"background:{style['fillColor']};border-color:{style['color']};{dashed}",
            "text": layer_title(layer["name"], layer["approximate"], lang),
        })
    if with_sites:
        rows += [
            {"shape": "dot", "css": f"background:{colour};border-color:#1d1d1d", "text": f"{t('map.sites', lang)}: {verdict_label(verdict, lang)}"}
            for verdict, colour in VERDICT_COLOURS.items()
        ]
    if with_surface:
        rows += [
            {"shape": "", "css": f"background:{colour};opacity:{surface_opacity};border-color:{colour}", "text": f"{t('map.surface', lang)}: {verdict_label(verdict, lang)}"}
            for verdict, colour in VERDICT_COLOURS.items()
        ]
    if incomplete:
        rows.append({"shape": "", "css": incomplete["css"], "text": incomplete["text"]})
    approximate = any(layer["approximate"] for layer in layers)
    return _T["legend"].render(heading=t("map.legend", lang), rows=rows, note=t("map.approximate_note", lang) if approximate else "")
