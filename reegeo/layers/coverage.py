"""Where a layer is complete: its coverage, as a set of states.

A verdict never claims more than the data supports. A site may be
``eligible`` only where every layer that a prohibiting rule tests is known to
be *complete*; elsewhere a site that no prohibiting rule caught gets
``review`` with the flag ``<layer>_unverified`` (see
:func:`reegeo.screening.engine.screen_sites`).

A layer's :class:`Coverage` is the set of states (as named in the ``states``
layer) in which it is complete, or everywhere, or nowhere:

* the bundled sketches cover nothing (``coverage = []`` in
  ``geodata/manifest.toml``);
* a file given for one run (``--layer NAME=PATH``) is taken as complete
  everywhere: the user asserts it;
* an installed import covers the states it was imported for
  (:func:`reegeo.layers.store.import_layer` with ``covers``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reegeo.errors import LayerError
from reegeo.i18n import TEXTS, t
from reegeo.messages import Catalog
from reegeo.vocab import UNVERIFIED_SUFFIX

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "ALL_STATES",
    "Coverage",
    "parse_states",
    "prohibiting_layers",
    "covered_sites",
    "coverage_table",
    "unverified_counts",
    "unverified_summary",
    "unverified_layer",
    "state_names",
    "coverage_text",
    "coverage_display_table",
    "unverified_site_count",
    "unverified_table",
    "incomplete_states",
    "remedy_text",
]

ALL_STATES = "all"

_M = Catalog("layers.coverage", {
    "no_state_given": {
        "en": "{argument}: no state given: name one or more of {states}, or 'all'",
        "ms": "{argument}: tiada negeri diberikan: namakan satu atau lebih daripada {states}, atau 'all'",
    },
    "unknown_states": {
        "en": (
            "{argument}: {unknown} is not a state of the states layer: "
            "use {states} (any case; Penang, Kuala Lumpur, Labuan, Putrajaya also work), or 'all'",
            "{argument}: {unknown} are not states of the states layer: "
            "use {states} (any case; Penang, Kuala Lumpur, Labuan, Putrajaya also work), or 'all'",
        ),
        "ms": "{argument}: {unknown} bukan negeri dalam lapisan negeri: "
              "gunakan {states} (huruf besar atau kecil; Penang, Kuala Lumpur, Labuan, Putrajaya juga diterima), atau 'all'",
    },
})

# Usual short and older forms of state names, keyed by their normalised text.
_STATE_ALIASES = {
    "penang": "Pulau Pinang",
    "pinang": "Pulau Pinang",
    "malacca": "Melaka",
    "johore": "Johor",
    "negri sembilan": "Negeri Sembilan",
    "n sembilan": "Negeri Sembilan",
    "kuala lumpur": "W.P. Kuala Lumpur",
    "kl": "W.P. Kuala Lumpur",
    "wilayah persekutuan kuala lumpur": "W.P. Kuala Lumpur",
    "labuan": "W.P. Labuan",
    "wilayah persekutuan labuan": "W.P. Labuan",
    "putrajaya": "W.P. Putrajaya",
    "wilayah persekutuan putrajaya": "W.P. Putrajaya",
}


@dataclass(frozen=True)
class Coverage:
    """The states in which a layer is complete.

    Attributes
    ----------
    states : frozenset of str
        State names (as in the ``states`` layer) where the layer is complete.
    everywhere : bool
        True when the layer is complete in every state.
    sources : tuple of (str, str)
        For each covered state (or ``all``), the source that makes it
        complete, for provenance tables.
    """

    states: frozenset[str] = frozenset()
    everywhere: bool = False
    sources: tuple[tuple[str, str], ...] = ()

    @classmethod
    def complete(cls, source: str = "") -> Coverage:
        """Coverage of a layer complete everywhere (``source`` says who asserts it)."""
        return cls(everywhere=True, sources=((ALL_STATES, source),) if source else ())

    @classmethod
    def of(cls, states: Iterable[str], source: str = "") -> Coverage:
        """Coverage of the given states (``all`` among them means everywhere)."""
        states = tuple(states)
        if ALL_STATES in states:
            return cls.complete(source)
        return cls(frozenset(states), False, tuple((state, source) for state in sorted(set(states))))

    def covers(self, state: str) -> bool:
        """Whether the layer is complete in ``state``."""
        return self.everywhere or state in self.states

    @property
    def is_empty(self) -> bool:
        """True when the layer is complete nowhere."""
        return not self.everywhere and not self.states

    def union(self, other: Coverage) -> Coverage:
        """Complete wherever either is (the later source wins for a state both cover)."""
        sources = tuple(sorted({**dict(self.sources), **dict(other.sources)}.items()))
        if self.everywhere or other.everywhere:
            return Coverage(frozenset(), True, sources)
        return Coverage(self.states | other.states, False, sources)

    def source_for(self, state: str) -> str:
        """The source that makes the layer complete in ``state`` ("" when none is recorded)."""
        sources = dict(self.sources)
        return sources.get(state) or sources.get(ALL_STATES, "")

    def to_list(self) -> list[str]:
        """For a manifest: ``["all"]``, the sorted state names, or ``[]``."""
        return [ALL_STATES] if self.everywhere else sorted(self.states)

    def describe(self) -> str:
        """``complete in every state``, ``complete in no state`` or ``complete in Johor, Selangor``."""
        if self.everywhere:
            return "complete in every state"
        if not self.states:
            return "complete in no state"
        return "complete in " + ", ".join(sorted(self.states))


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def parse_states(
    values: str | Iterable[str],
    valid: Sequence[str],
    *,
    codes: Mapping[str, str] | None = None,
    argument: str = "covers",
) -> tuple[str, ...]:
    """State names from user text, in the spelling of the ``states`` layer.

    Parameters
    ----------
    values : str or iterable of str
        Comma-separated names (``"Johor, Penang"``) or a list of them. Any
        case; usual short forms (``Penang``, ``Kuala Lumpur``, ``KL``,
        ``Labuan``, ``Malacca``) and ISO 3166-2 codes (``MY-01``) are taken.
        ``all`` means every state.
    valid : sequence of str
        The state names of the ``states`` layer in use.
    codes : mapping of str to str, optional
        ISO 3166-2 code (``MY-01``) to state name, from the states layer.
    argument : str
        The argument the values were given as, in library terms (``covers``,
        ``states``, ``state``), for the error.

    Returns
    -------
    tuple of str
        Canonical names, sorted and without repeats; ``("all",)`` for every state.

    Raises
    ------
    LayerError
        Naming each unknown value and listing the valid names.
    """
    items = [values] if isinstance(values, str) else list(values)
    names = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
    if not names:
        raise LayerError(_M("no_state_given", states=", ".join(sorted(valid))), argument=argument)
    lookup = {_normalised(state): state for state in valid}
    for alias, state in _STATE_ALIASES.items():
        if state in valid:
            lookup.setdefault(alias, state)
    for state in valid:
        bare = _normalised(state.replace("W.P.", ""))
        lookup.setdefault(bare, state)
    for code, state in (codes or {}).items():
        if state in valid:
            lookup.setdefault(_normalised(code), state)
    found: set[str] = set()
    unknown: list[str] = []
    for name in names:
        key = _normalised(name)
        if key == ALL_STATES:
            return (ALL_STATES,)
        known = lookup.get(key)
        if known is None:
            unknown.append(name)
        else:
            found.add(known)
    if unknown:
        raise LayerError(
            _M("unknown_states", count=len(unknown), unknown=", ".join(repr(u) for u in unknown), states=", ".join(sorted(valid))),
            argument=argument,
        )
    return tuple(sorted(found))


def prohibiting_layers(rules: Iterable) -> list[str]:
    """Layers tested by a prohibiting rule, in rule order: these must be complete for ``eligible``."""
    layers: list[str] = []
    for rule in rules:
        if rule.severity == "prohibited" and rule.layer and rule.layer not in layers:
            layers.append(rule.layer)
    return layers


def unverified_layer(flag: str) -> str | None:
    """The layer of a ``<layer>_unverified`` flag, else None."""
    return flag[: -len(UNVERIFIED_SUFFIX)] if flag.endswith(UNVERIFIED_SUFFIX) else None


def covered_sites(spanned: np.ndarray, coverage: Coverage) -> np.ndarray:
    """Per site, whether ``coverage`` holds in every state it touches.

    Parameters
    ----------
    spanned : array of str
        Per site, the states it touches joined by ``;`` (the
        ``states_spanned`` column); empty for a site in no state.
    coverage : Coverage

    Returns
    -------
    array of bool
        False for a site in no state unless the layer is complete everywhere.
    """
    spanned = np.asarray(spanned, dtype=object)
    if coverage.everywhere:
        return np.ones(len(spanned), dtype=bool)
    if not coverage.states:
        return np.zeros(len(spanned), dtype=bool)
    result = np.zeros(len(spanned), dtype=bool)
    cache: dict[str, bool] = {}
    for position, text in enumerate(spanned):
        text = str(text or "")
        if text not in cache:
            states = [s for s in text.split(";") if s]
            cache[text] = bool(states) and all(s in coverage.states for s in states)
        result[position] = cache[text]
    return result


def coverage_table(layers: Mapping, rules: Iterable, states: Sequence[str]) -> pd.DataFrame:
    """Per state, whether each layer a prohibiting rule tests is complete there, and from which source.

    Returns
    -------
    DataFrame
        Index ``state``; for each such layer a column ``<layer>`` holding
        ``complete`` or ``incomplete`` and ``<layer>_source`` holding the
        source that makes it complete ("" when incomplete).
    """
    table = pd.DataFrame(index=pd.Index(list(states), name="state"))
    for name in prohibiting_layers(rules):
        layer = layers.get(name)
        coverage = layer.coverage if layer is not None else Coverage()
        table[name] = ["complete" if coverage.covers(s) else "incomplete" for s in states]
        table[f"{name}_source"] = [coverage.source_for(s) if coverage.covers(s) else "" for s in states]
    return table


def unverified_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Sites that could not be cleared, per layer and state.

    Returns
    -------
    DataFrame
        Columns ``layer``, ``state`` (the site's state; states touched by a
        polygon site are counted once each), ``sites``; sorted by layer then
        state.
    """
    rows: dict[tuple[str, str], int] = {}
    if len(results):
        flags = results["flags"].fillna("").astype(str).to_numpy()
        spanned = results["states_spanned"].fillna("").astype(str).to_numpy() if "states_spanned" in results else results["state"].fillna("").astype(str).to_numpy()
        for text, where in zip(flags, spanned):
            if UNVERIFIED_SUFFIX not in text:
                continue
            for flag in text.split(";"):
                if flag.endswith(UNVERIFIED_SUFFIX):
                    layer = flag[: -len(UNVERIFIED_SUFFIX)]
                    for state in sorted({s for s in where.split(";") if s}) or [""]:
                        rows[(layer, state)] = rows.get((layer, state), 0) + 1
    frame = pd.DataFrame([(layer, state, count) for (layer, state), count in sorted(rows.items())], columns=["layer", "state", "sites"])
    return frame


def unverified_summary(results: pd.DataFrame, layers: Mapping) -> str:
    """One line: how many sites could not be cleared and which layers are incomplete where; "" when none.

    Example: ``1,204 of 1,300 sites could not be cleared: forest_reserves
    incomplete in Kedah, Pahang; water_catchments incomplete in every state
    screened``.
    """
    if not len(results):
        return ""
    unverified = unverified_site_count(results)
    if not unverified:
        return ""
    counts = unverified_counts(results)
    parts = []
    for layer_name in dict.fromkeys(counts["layer"]):
        states = sorted({s for s in counts.loc[counts["layer"] == layer_name, "state"] if s})
        layer = layers.get(layer_name)
        if layer is not None and layer.coverage.is_empty:
            parts.append(f"{layer_name} incomplete in every state")
        else:
            parts.append(f"{layer_name} incomplete in {', '.join(states)}")
    return f"{unverified:,} of {len(results):,} sites could not be cleared: {'; '.join(parts)}"


def state_names(states_layer) -> tuple[list[str], dict[str, str]]:
    """The state names of a ``states`` layer and its ISO 3166-2 codes (code to name) when it has them."""
    frame = states_layer.frame
    names = sorted(dict.fromkeys(frame["name"].astype(str)))
    codes: dict[str, str] = {}
    for column in ("iso_code", "shapeISO", "ISO3166_2", "iso_3166_2"):
        if column in frame.columns:
            codes = {str(code): str(name) for code, name in zip(frame[column], frame["name"]) if isinstance(code, str)}
            break
    return names, codes


def coverage_text(coverage: Coverage, lang: str = "en") -> str:
    """The coverage in words, in ``lang`` ("complete in Johor, Selangor")."""
    if coverage.everywhere:
        return t("coverage.everywhere", lang)
    if not coverage.states:
        return t("coverage.nowhere", lang)
    return t("coverage.states", lang, states=", ".join(sorted(coverage.states)))


def remedy_text(layer: str, lang: str = "en") -> str:
    """Where authoritative data for ``layer`` comes from, as advice."""
    key = f"remedy.{layer}"
    return t(key if key in TEXTS else "remedy.default", lang)


def incomplete_states(layers: Mapping, names: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """The states where a constraint layer is incomplete, for drawing.

    Parameters
    ----------
    layers : mapping of str to Layer
        Must include ``states``.
    names : sequence of str, optional
        The layers to check (e.g. :func:`prohibiting_layers` of the rules);
        by default every layer of role ``constraint``.

    Returns
    -------
    GeoDataFrame
        One row per state where at least one of them is incomplete, with
        ``state``, ``layers`` (the incomplete ones, ``;``-joined) and the
        state's polygon in EPSG:4326; empty when every layer is complete
        everywhere or there is no states layer.
    """
    import geopandas as gpd

    if names is None:
        names = [name for name, layer in layers.items() if name != "states" and getattr(layer, "role", "") == "constraint"]
    names = [name for name in names if name in layers]
    empty = gpd.GeoDataFrame({"state": [], "layers": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    if "states" not in layers or not names:
        return empty
    frame = layers["states"].frame
    rows = []
    for state, geometry in zip(frame["name"].astype(str), frame.geometry.values):
        missing = [name for name in names if not layers[name].coverage.covers(state)]
        if missing:
            rows.append({"state": state, "layers": ";".join(missing), "geometry": geometry})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else empty


def coverage_display_table(layers: Mapping, rules: Iterable, states: Sequence[str], lang: str = "en") -> pd.DataFrame:
    """:func:`coverage_table` in words for a page or report: one row per state, a status and a source column per layer."""
    from reegeo.i18n import layer_label

    table = coverage_table(layers, rules, states)
    shown = pd.DataFrame({t("coverage.col.state", lang): list(table.index)})
    for name in prohibiting_layers(rules):
        label = layer_label(name, lang)
        shown[label] = [t(f"coverage.{value}", lang) for value in table[name]]
        shown[f"{label}: {t('map.source', lang).lower()}"] = list(table[f"{name}_source"])
    return shown


def unverified_site_count(results: pd.DataFrame) -> int:
    """How many sites carry at least one ``<layer>_unverified`` flag."""
    if not len(results):
        return 0
    return int(results["flags"].fillna("").astype(str).str.contains(UNVERIFIED_SUFFIX, regex=False).sum())


def unverified_table(results: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Sites not cleared for lack of complete data, per layer and state, with what to load, in ``lang``.

    The same rows the reports print; empty when every site could be judged.
    """
    from reegeo.i18n import layer_label

    counts = unverified_counts(results)
    header = [t(f"coverage.col.{c}", lang) for c in ("layer", "state", "sites", "load")]
    rows = [
        (
            layer_label(layer, lang),
            state or t("report.no_state", lang),
            int(sites),
            t("coverage.load", lang, remedy=remedy_text(layer, lang), name=layer, state=state),
        )
        for layer, state, sites in counts.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=header)
