"""Counting results: sites per verdict, and per state and verdict.

The app's sidebar and Screen page, the CLI's summary line and the reports all
count with these, so every place shows the same numbers.
"""

from __future__ import annotations

import pandas as pd

from reegeo.vocab import VERDICTS, Verdict

__all__ = ["verdict_counts", "count_by_state"]


def verdict_counts(results: pd.DataFrame) -> dict[Verdict, int]:
    """Sites per verdict, every verdict present (0 when none), worst first."""
    counts = results["verdict"].astype(str).value_counts() if len(results) else pd.Series(dtype=int)
    return {verdict: int(counts.get(verdict.value, 0)) for verdict in VERDICTS}


def count_by_state(results: pd.DataFrame, *, outside_label: str = "") -> pd.DataFrame:
    """Sites per state (rows, sorted; sites in no state last as ``outside_label``) and verdict (columns, worst first)."""
    states = results["state"].fillna("").astype(str)
    table = pd.crosstab(states, results["verdict"].astype(str)).reindex(columns=[v.value for v in VERDICTS], fill_value=0)
    table = table.loc[sorted(table.index, key=lambda s: (s == "", s))]
    table.index = [state or outside_label for state in table.index]
    table.index.name = "state"
    table.columns.name = None
    return table
