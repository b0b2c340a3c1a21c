"""Results shaped for the app's tables and chart: formulas neutralised, filters, column kinds.

Pure pandas, no Streamlit: the pages turn these into widgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd

from reegeo.io.exports import (
    neutralise_cell,
)
from reegeo.screening.evidence import label_codes
from reegeo.screening.rules import Rule

__all__ = ["chart_height", "column_kinds", "filter_results", "results_table", "verdict_chart"]



def results_table(results: gpd.GeoDataFrame, *, rules: Sequence[Rule] | None = None, lang: str = "en") -> pd.DataFrame:
    """Results as a plain table for display, text cells a spreadsheet would run as a formula neutralised.

    The dashboard's table offers its own CSV download, so it gets the same
    protection as :func:`reegeo.io.exports.results_to_csv`. With ``rules``,
    the fired ids (``violations``, ``flags``, ``advisories``) read as labels
    in ``lang``; the exports keep the ids.
    """
    table = pd.DataFrame(results.drop(columns=results.geometry.name))
    if rules is not None:
        for column in ("violations", "flags", "advisories"):
            if column in table.columns:
                table[column] = table[column].map(lambda codes: label_codes(codes, rules, lang))
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(neutralise_cell)
    return table


def filter_results(
    results: gpd.GeoDataFrame,
    *,
    verdicts: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Rows whose verdict is in ``verdicts`` and state in ``states`` (``None`` or empty keeps all)."""
    keep = pd.Series(True, index=results.index)
    if verdicts:
        keep &= results["verdict"].isin(list(verdicts))
    if states:
        keep &= results["state"].fillna("").isin(list(states))
    return results[keep]


def column_kinds(table: pd.DataFrame) -> dict[str, str]:
    """How to show each column of ``table``: numeric ``metres`` and ``square_metres`` (whole numbers), ``percent`` (one decimal), else ``text``.

    Only numeric columns get a number kind, so an input's own text column that happens to end in ``_m`` stays text.
    """
    kinds = {}
    for column in table.columns:
        name = str(column)
        numeric = pd.api.types.is_numeric_dtype(table[column])
        if numeric and name.endswith("_m2"):
            kinds[name] = "square_metres"
        elif numeric and name.endswith("_m"):
            kinds[name] = "metres"
        elif numeric and name.endswith("_pct"):
            kinds[name] = "percent"
        else:
            kinds[name] = "text"
    return kinds


def chart_height(rows: int) -> int:
    """Pixels for a horizontal bar chart of ``rows`` bars (at least 220, so a short one stays legible)."""
    return max(220, 28 * rows + 80)


def verdict_chart(counts: pd.DataFrame, *, labels: Mapping[str, str], colours: Mapping[str, str], state_title: str, sites_title: str, verdict_title: str) -> tuple[pd.DataFrame, dict]:
    """The sites per state and verdict as horizontal stacked bars: the data and its Vega-Lite spec.

    ``counts`` is :func:`reegeo.screening.summary.count_by_state` output (states
    as rows in their order, verdicts as columns, worst first); ``labels`` and
    ``colours`` map each verdict to its name and colour. A plain spec, so the
    chart is drawn without building (and validating) an Altair chart on each run.
    """
    verdicts = [str(v) for v in counts.columns]
    rows = [
        {"state": str(state), "verdict": labels[verdict], "rank": rank, "sites": int(count)}
        for state, row in counts.iterrows()
        for rank, (verdict, count) in enumerate(zip(verdicts, row.tolist()))
        if count
    ]
    data = pd.DataFrame(rows, columns=["state", "verdict", "rank", "sites"])
    spec = {
        "height": chart_height(len(counts)),
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "state", "type": "nominal", "title": state_title, "sort": [str(s) for s in counts.index]},
            "x": {"field": "sites", "type": "quantitative", "title": sites_title, "stack": "zero", "axis": {"tickMinStep": 1}},
            "color": {
                "field": "verdict", "type": "nominal", "title": None,
                "scale": {"domain": [labels[v] for v in verdicts], "range": [colours[v] for v in verdicts]},
                "legend": {"orient": "bottom"},
            },
            "order": {"field": "rank", "type": "quantitative"},
            "tooltip": [
                {"field": "state", "type": "nominal", "title": state_title},
                {"field": "verdict", "type": "nominal", "title": verdict_title},
                {"field": "sites", "type": "quantitative", "title": sites_title},
            ],
        },
    }
    return data, spec
