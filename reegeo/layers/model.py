"""The layer model: :class:`Layer` and :class:`LayerPart`, a layer's provenance and its name column.

A :class:`Layer` is a GeoDataFrame in EPSG:4326 with at least the columns
``name`` and ``accuracy_m`` (metres, per feature), plus its provenance and its
coverage. Loading lives in :mod:`reegeo.layers.load`, the manifest schema in
:mod:`reegeo.layers.manifest`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from reegeo.layers.coverage import Coverage
from reegeo.messages import in_language
from reegeo.vocab import LayerStatus

__all__ = [
    "CANONICAL_LAYERS",
    "CONSTRAINT_LAYERS",
    "Layer",
    "LayerPart",
    "feature_names",
    "file_sha256",
    "find_name_column",
]


CANONICAL_LAYERS = ("states", "deposits", "lynas", "forest_reserves", "water_catchments")
CONSTRAINT_LAYERS = ("forest_reserves", "water_catchments", "protected_areas")
# Provenance texts a layer may have in Bahasa Malaysia as well (``<field>_ms``); the title is :meth:`Layer.display_title`.
_TRANSLATED = ("source", "licence", "notes")


@dataclass(frozen=True)
class LayerPart:
    """One file that contributes features to a layer (the bundled file or one import).

    Attributes
    ----------
    file : str
        The file's name (in the bundled or the user data folder).
    sha256 : str
        SHA-256 of that file.
    source, licence, date : str
        Its provenance.
    accuracy_m : float
        Its positional accuracy in metres.
    authoritative : bool
        Whether it is an authoritative boundary.
    covers : tuple of str
        The states in which it makes the layer complete (``("all",)`` for
        every state, ``()`` for none).
    features : int
        How many of its features are in the layer.
    """

    file: str
    sha256: str
    source: str = ""
    licence: str = ""
    date: str = ""
    accuracy_m: float = 0.0
    authoritative: bool = False
    covers: tuple[str, ...] = ()
    features: int = 0


@dataclass(frozen=True, eq=False)
class Layer:
    """A named layer with its features and provenance.

    Attributes
    ----------
    name : str
        Canonical name (``forest_reserves``, ``states``, ...).
    frame : GeoDataFrame
        Features in EPSG:4326 with ``name`` (str) and ``accuracy_m`` (float).
    title, source, licence, date, notes : str
        Provenance as recorded in the manifest.
    title_ms, source_ms, licence_ms, notes_ms : str
        The same texts in Bahasa Malaysia (the bundled layers have them;
        uploaded and installed layers usually do not: see :meth:`text`).
    accuracy_m : float
        Layer-wide (typical) positional accuracy in metres.
    authoritative : bool
        True only for an authoritative boundary (e.g. a gazetted layer).
    approximate : bool
        True when the layer is an estimate that must be labelled as such.
    origin : str
        ``bundled``, ``installed`` or ``file`` (given for one run).
    path : Path or None
        The file the features came from.
    sha256 : str
        SHA-256 of that file (for the audit stamp), or of the features when
        built in memory; for a layer assembled from several files, of their
        hashes.
    coverage : Coverage
        The states in which the layer is complete (see :mod:`reegeo.layers.coverage`):
        where it is not, no site can be cleared against it.
    parts : tuple of LayerPart
        The files the features came from, when there are several (an
        installed layer built state by state); empty for a single file.
    """

    name: str
    frame: gpd.GeoDataFrame
    title: str = ""
    source: str = ""
    licence: str = ""
    date: str = ""
    accuracy_m: float = 0.0
    authoritative: bool = False
    approximate: bool = False
    notes: str = ""
    role: str = "constraint"
    title_ms: str = ""
    source_ms: str = ""
    licence_ms: str = ""
    notes_ms: str = ""
    origin: str = "file"
    path: Path | None = None
    sha256: str = ""
    coverage: Coverage = field(default_factory=Coverage)
    parts: tuple[LayerPart, ...] = ()

    @property
    def feature_count(self) -> int:
        """Number of features."""
        return len(self.frame)

    def display_title(self, lang: str = "en") -> str:
        """The layer's title in ``lang`` (``ms`` when there is one), else its name."""
        return (self.title_ms if lang == "ms" and self.title_ms else self.title) or self.name

    def text(self, field_name: str, lang: str = "en") -> str:
        """The layer's ``source``, ``licence`` or ``notes`` in ``lang``.

        For ``ms`` that is the Bahasa Malaysia text (``source_ms``, ...) when
        the layer has one, else the English: an uploaded or installed layer
        keeps its publisher's own wording.
        """
        if field_name not in _TRANSLATED:
            raise ValueError(f"no translated text {field_name!r}: use one of {', '.join(_TRANSLATED)}")
        english = getattr(self, field_name)  # a Message for an upload's notes (what the reader said)
        return in_language((getattr(self, f"{field_name}_ms") or english) if lang == "ms" else english, lang)

    @property
    def status(self) -> LayerStatus:
        """Authoritative, approximate, or neither (a real file not from the agency)."""
        if self.authoritative:
            return LayerStatus.AUTHORITATIVE
        return LayerStatus.APPROXIMATE if self.approximate else LayerStatus.NOT_AUTHORITATIVE

    def describe(self) -> dict[str, Any]:
        """Provenance as a flat dict (for tables, the CLI and reports)."""
        return {
            "layer": self.name,
            "title": self.title,
            "features": self.feature_count,
            "accuracy_m": self.accuracy_m,
            "authoritative": self.authoritative,
            "approximate": self.approximate,
            "origin": self.origin,
            "source": self.source,
            "licence": self.licence,
            "date": self.date,
            "notes": self.notes,
            "coverage": self.coverage.describe(),
            "file": str(self.path) if self.path else "",
            "sha256": self.sha256,
            "source_ms": self.source_ms,
            "licence_ms": self.licence_ms,
            "notes_ms": self.notes_ms,
        }


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Columns that name features, best first (any case): English, Malay (JUPEM / JPSM), WDPA.
_NAME_COLUMNS = ("name", "nama", "nama_warta", "nama_hutan", "reserve", "reserve_name", "name_eng", "orig_name", "label")


def find_name_column(frame: gpd.GeoDataFrame) -> str | None:
    """The column that names features: ``name``, ``nama``, ``nama_warta``, ``reserve``, ... (any case), else the first text column."""
    lower = {str(column).lower(): column for column in frame.columns}
    for wanted in _NAME_COLUMNS:
        column = lower.get(wanted)
        if column is not None and frame[column].map(lambda v: isinstance(v, str) and v.strip() != "").any():
            return column
    for candidate in frame.columns:
        if candidate != frame.geometry.name and frame[candidate].map(lambda v: isinstance(v, str)).any():
            return candidate
    return None


def feature_names(frame: gpd.GeoDataFrame, layer: str) -> pd.Series:
    fallback = pd.Series([f"{layer} #{i}" for i in range(1, len(frame) + 1)], index=frame.index, dtype=object)
    column = find_name_column(frame)
    if column is None:
        return fallback
    names = frame[column].map(lambda v: str(v).strip() if isinstance(v, str) or (v is not None and v == v) else "")
    return names.where(names != "", fallback).astype(object)
