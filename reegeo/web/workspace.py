"""One user's working state in the dashboard, as plain Python.

A :class:`Workspace` holds the sites being screened, their results and the
rules in force. It changes only when an operation succeeds: a failed upload or
an invalid rule edit leaves the earlier sites and results in place. The
dashboard keeps one per browser session (never a module global); the helpers
here turn typed coordinates and map clicks into sites through the same reader
as uploads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd

from reegeo.io.exports import (
    EXPORTS,
)
from reegeo.io.sites import ReadResult
from reegeo.layers.model import Layer
from reegeo.screening.engine import check_layers, input_column_notes, screen_sites
from reegeo.screening.rules import Rule, default_rules, dump_rules
from reegeo.vocab import Progress

__all__ = ["Workspace"]


@dataclass
class Workspace:
    """Sites, results and rules of one dashboard session.

    Attributes
    ----------
    rules : tuple of Rule
        The rules in force (edited or uploaded ones included).
    sites : GeoDataFrame or None
        The sites last screened successfully.
    source : str
        Where they came from (file name, "example sites", ...), for display.
    notes : tuple of str
        What the reader repaired, assumed or skipped.
    results : GeoDataFrame or None
        :func:`reegeo.screening.engine.screen_sites` output for ``sites`` and ``rules``.
    layer_overrides : dict of str to Layer
        Layers uploaded for this session, replacing the bundled or installed
        ones of the same name (see :meth:`layers_in_use`).
    """

    rules: tuple[Rule, ...]
    sites: gpd.GeoDataFrame | None = None
    source: str = ""
    notes: tuple[str, ...] = ()
    results: gpd.GeoDataFrame | None = None
    sites_bytes: bytes = b""
    rules_bytes: bytes | None = None
    layer_overrides: dict[str, Layer] = field(default_factory=dict)
    _exports: dict[str, bytes] = field(default_factory=dict, repr=False)

    def screen(
        self,
        sites: gpd.GeoDataFrame,
        layers: Mapping[str, Layer],
        *,
        source: str,
        notes: Iterable[str] = (),
        raw: bytes | None = None,
        progress: Progress | None = None,
    ) -> gpd.GeoDataFrame:
        """Screen ``sites`` with the current rules and keep them with their results.

        ``raw`` is the file as uploaded, for the reports' audit stamp; sites
        that came from no file are stamped as their GeoJSON.

        Raises
        ------
        ReegeoError
            From screening; the workspace is then unchanged.
        """
        results = screen_sites(sites, layers, self.rules, progress=progress)
        notes = (*notes, *input_column_notes(results))
        self.sites, self.source, self.notes, self.results = sites, source, tuple(notes), results
        self.sites_bytes = raw if raw is not None else sites.to_json(drop_id=True).encode("utf-8")
        self._exports.clear()
        return results

    def screen_upload(
        self, read: ReadResult, layers: Mapping[str, Layer], *, raw: bytes | None = None, progress: Progress | None = None
    ) -> gpd.GeoDataFrame:
        """Screen the sites of an upload read with :func:`reegeo.io.sites.read_sites` (``raw``: the uploaded bytes)."""
        return self.screen(read.frame, layers, source=read.filename, notes=read.notes, raw=raw, progress=progress)

    def change_rules(
        self,
        rules: Sequence[Rule],
        layers: Mapping[str, Layer],
        *,
        raw: bytes | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Put ``rules`` in force and screen the current sites again.

        ``raw`` is the rules file as uploaded, so the reports' audit stamp
        hashes the very file the user holds; rules edited in the app are
        stamped as the ``rules.toml`` the app offers for download.

        Returns
        -------
        int
            How many sites' verdicts changed.
        """
        rules = tuple(rules)
        check_layers(layers, rules)
        changed = 0
        if self.sites is not None:
            results = screen_sites(self.sites, layers, rules, progress=progress)
            if self.results is not None:
                changed = int((results["verdict"].to_numpy() != self.results["verdict"].to_numpy()).sum())
            self.results = results
        self._exports.clear()
        self.rules = rules
        self.rules_bytes = raw
        return changed

    def layers_in_use(self, layers: Mapping[str, Layer]) -> dict[str, Layer]:
        """``layers`` with this session's uploaded layers in place of those of the same name."""
        return {**layers, **self.layer_overrides}

    def use_layer(self, layer: Layer, layers: Mapping[str, Layer], *, progress: Progress | None = None) -> None:
        """Screen with ``layer`` in place of the layer of its name from now on, screening the current sites again.

        ``layers`` are the server's layers (without this session's uploads).
        """
        self._rescreen({**self.layers_in_use(layers), layer.name: layer}, progress)
        self.layer_overrides[layer.name] = layer

    def drop_layer(self, name: str, layers: Mapping[str, Layer], *, progress: Progress | None = None) -> None:
        """Stop using the uploaded layer ``name``; the server's layer of that name (if any) is used again."""
        remaining = {key: value for key, value in self.layer_overrides.items() if key != name}
        self._rescreen({**layers, **remaining}, progress)
        self.layer_overrides = remaining

    def rescreen(self, layers: Mapping[str, Layer], *, progress: Progress | None = None) -> None:
        """Screen the current sites again with ``layers`` (after the layers changed), keeping the rules."""
        self._rescreen(self.layers_in_use(layers), progress)

    def _rescreen(self, layers: Mapping[str, Layer], progress: Progress | None) -> None:
        if self.sites is not None:
            self.results = screen_sites(self.sites, layers, self.rules, progress=progress)
            self._exports.clear()

    def export(self, fmt: str) -> bytes:
        """The results as ``csv``, ``geojson`` or ``gpkg`` bytes (computed once per result set)."""
        if self.results is None:
            raise ValueError("no results to export: screen sites first")
        if fmt not in EXPORTS:
            raise ValueError(f"export format {fmt!r} is not one of {', '.join(EXPORTS)}")
        if fmt not in self._exports:
            self._exports[fmt] = EXPORTS[fmt].to_bytes(self.results)
        return self._exports[fmt]

    def report(
        self,
        fmt: str,
        layers: Mapping[str, Layer],
        *,
        lang: str = "en",
        progress: Progress | None = None,
        title: str | None = None,
        reference: str | None = None,
    ) -> bytes:
        """The site-eligibility report (``pdf`` or ``html``) of the results, stamped with the inputs' hashes."""
        from reegeo.report.write import build_audit, render_html, render_pdf

        if self.results is None:
            raise ValueError("no results to report: screen sites first")
        key = report_key(fmt, lang, title, reference)
        if key not in self._exports:
            rules_file: bytes | str | None
            if self.rules_bytes is not None:
                rules_file = self.rules_bytes
            else:
                rules_file = dump_rules(self.rules) if self.rules != default_rules() else None
            audit = build_audit(self.sites_bytes, rules_file, layers, sites_name=self.source)
            render = {"pdf": render_pdf, "html": render_html}[fmt]
            self._exports[key] = render(self.results, rules=self.rules, layers=layers, audit=audit, lang=lang, progress=progress, title=title or None, reference=reference or None)
        return self._exports[key]

    def has_export(self, key: str) -> bool:
        """Whether an export (``csv``...) or a report (:func:`report_key`) is already built for these results."""
        return key in self._exports


def report_key(fmt: str, lang: str, title: str | None = None, reference: str | None = None) -> str:
    """The key a report is kept under for these results (see :meth:`Workspace.has_export`)."""
    named = hashlib.sha256(f"{title or ''}\n{reference or ''}".encode()).hexdigest()[:12]
    return f"report_{fmt}_{lang}_{named}"
