"""One user's working state in the dashboard, as plain Python.

A :class:`Workspace` holds the sites being screened, their results and the
rules in force. It changes only when an operation succeeds: a failed upload or
an invalid rule edit leaves the earlier sites and results in place. The
dashboard keeps one per browser session (never a module global). It keeps the
files behind its state too (the sites file and how it was read, the rules, the
session's layer uploads, the rule notes, the report settings), so it can be
saved as a project (:meth:`Workspace.to_project`) and opened again
(:meth:`Workspace.from_project`): in the app after a reload, or with
``reegeo screen --project``.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple

import geopandas as gpd
import numpy as np

from reegeo.io.exports import EXPORTS
from reegeo.io.sites import ReadResult
from reegeo.layers.model import Layer
from reegeo.project import LayerFile, OpenedProject, Project, SitesFile
from reegeo.report.options import ReportOptions
from reegeo.screening.distributed import Engine
from reegeo.screening.engine import check_layers, input_column_notes
from reegeo.screening.rules import Rule, RuleChange, default_rules, describe_changes, dump_rules
from reegeo.vocab import Progress

__all__ = ["RulesEffect", "Workspace", "report_key", "rules_effect"]

_MAX_RULE_CHANGES = 500
# The exports and reports a workspace keeps for its results (so a download after a rerun is not
# built again) hold at most this many bytes; one that had to go is built again when asked for.
EXPORTS_MAX_BYTES = 64 * 1024 * 1024


class RulesEffect(NamedTuple):
    """What a change of rules did to the results: sites whose verdict changed, and others whose findings changed."""

    verdicts: int
    findings: int


def rules_effect(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> RulesEffect:
    """Compare two screenings of the same sites (row by row)."""
    def differ(columns: list[str]) -> np.ndarray:
        return (before[columns].astype(str).to_numpy() != after[columns].astype(str).to_numpy()).any(axis=1)

    verdict, findings = differ(["verdict"]), differ(["violations", "flags", "advisories"])
    return RulesEffect(int(verdict.sum()), int((findings & ~verdict).sum()))


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
    sites_file : SitesFile or None
        The file behind ``sites`` and how it was read (for the audit stamp and projects).
    rules_bytes : bytes or None
        The rules file as uploaded (None: the rules were edited here, or are the bundled ones).
    rule_changes : tuple of RuleChange
        Who changed which rule and why, oldest first.
    layer_overrides : dict of str to Layer
        Layers uploaded for this session, replacing the bundled or installed
        ones of the same name (see :meth:`layers_in_use`); ``layer_files``
        holds their files.
    report_options : ReportOptions
        The report's title, reference, author and scope.
    revision : int
        Counts the changes, so the app saves the project only when something changed.
    engine : Engine
        Where screening runs: in this process, or on a dask cluster for big site sets.
    uid : str
        Random and unique to this workspace: with ``revision`` it names what is
        on screen, so what the app renders for it can be cached and reused.
    """

    rules: tuple[Rule, ...]
    sites: gpd.GeoDataFrame | None = None
    source: str = ""
    notes: tuple[str, ...] = ()
    results: gpd.GeoDataFrame | None = None
    sites_file: SitesFile | None = None
    rules_bytes: bytes | None = None
    rule_changes: tuple[RuleChange, ...] = ()
    layer_overrides: dict[str, Layer] = field(default_factory=dict)
    layer_files: dict[str, LayerFile] = field(default_factory=dict)
    report_options: ReportOptions = ReportOptions()
    revision: int = 0
    engine: Engine = field(default_factory=lambda: Engine(), compare=False)
    uid: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)
    _exports: dict[str, bytes] = field(default_factory=dict, repr=False)
    # A download button builds its file on click in a worker thread while the session's script may be
    # rescreening: the kept exports change under this lock, and a file built from older results is not kept.
    _exports_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def id_column(self) -> str | None:
        """The column the site ids were taken from, when the planner chose one."""
        return self.sites_file.id_column if self.sites_file is not None else None

    def screen(
        self,
        sites: gpd.GeoDataFrame,
        layers: Mapping[str, Layer],
        *,
        source: str,
        notes: Sequence[str] = (),
        raw: bytes | None = None,
        progress: Progress | None = None,
        sites_file: SitesFile | None = None,
    ) -> gpd.GeoDataFrame:
        """Screen ``sites`` with the current rules and keep them with their results.

        ``sites_file`` is the file they were read from and how (for the
        reports' audit stamp and the project); sites that came from no file
        (drawn, the examples) are kept as their GeoJSON, or as ``raw``.

        Raises
        ------
        ReegeoError
            From screening; the workspace is then unchanged.
        """
        if sites_file is None:
            data = raw if raw is not None else sites.to_json(drop_id=True).encode("utf-8")
            sites_file = SitesFile("sites.geojson", data, source=source)
        results = self.engine.screen(sites, layers, self.rules, progress=progress, id_column=sites_file.id_column)
        notes = (*notes, *input_column_notes(results))
        self.sites, self.source, self.notes, self.results = sites, source, tuple(notes), results
        self.sites_file = sites_file
        self._changed()
        return results

    def screen_upload(
        self,
        read: ReadResult,
        layers: Mapping[str, Layer],
        *,
        raw: bytes | None = None,
        progress: Progress | None = None,
        layer: str | None = None,
        x_column: str | None = None,
        y_column: str | None = None,
        id_column: str | None = None,
    ) -> gpd.GeoDataFrame:
        """Screen the sites of an upload read with :func:`reegeo.io.sites.read_sites`.

        ``raw`` is the uploaded file; ``layer``, ``x_column`` and ``y_column``
        how it was read and ``id_column`` the column chosen for the ids.
        Typed coordinates (no ``raw``) are kept as their GeoJSON.
        """
        if raw is None:
            file = SitesFile("sites.geojson", read.frame.to_json(drop_id=True).encode("utf-8"), source=read.filename, id_column=id_column)
        else:
            file = SitesFile(read.filename, raw, source=read.filename, layer=layer, x_column=x_column, y_column=y_column, id_column=id_column)
        return self.screen(read.frame, layers, source=read.filename, notes=read.notes, progress=progress, sites_file=file)

    def change_rules(
        self,
        rules: Sequence[Rule],
        layers: Mapping[str, Layer],
        *,
        raw: bytes | None = None,
        progress: Progress | None = None,
        author: str = "",
        reason: str = "",
        change: str | None = None,
    ) -> RulesEffect:
        """Put ``rules`` in force and screen the current sites again.

        ``raw`` is the rules file as uploaded, so the reports' audit stamp
        hashes the very file the user holds; rules edited in the app are
        stamped as the ``rules.toml`` the app offers for download. The change
        is recorded with ``author`` and ``reason``: field by field for an
        edit, or as ``change`` for the whole rule set (a reset, a file).

        Returns
        -------
        RulesEffect
            How many sites' verdicts changed, and how many others' findings
            (a flag or an advisory added or gone, the verdict the same).
        """
        rules = tuple(rules)
        check_layers(layers, rules)
        changed = RulesEffect(0, 0)
        if self.sites is not None:
            results = self.engine.screen(self.sites, layers, rules, progress=progress, id_column=self.id_column)
            if self.results is not None:
                changed = rules_effect(self.results, results)
            self.results = results
        edits = [("*", change)] if change is not None else describe_changes(self.rules, rules)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        recorded = tuple(RuleChange(rule_id, what, author.strip()[:120], reason.strip()[:2000], now) for rule_id, what in edits)
        self.rule_changes = (*self.rule_changes, *recorded)[-_MAX_RULE_CHANGES:]
        self.rules = rules
        self.rules_bytes = raw
        self._changed()
        return changed

    def layers_in_use(self, layers: Mapping[str, Layer]) -> dict[str, Layer]:
        """``layers`` with this session's uploaded layers in place of those of the same name."""
        return {**layers, **self.layer_overrides}

    def use_layer(
        self, layer: Layer, layers: Mapping[str, Layer], *, progress: Progress | None = None, file: LayerFile | None = None
    ) -> None:
        """Screen with ``layer`` in place of the layer of its name from now on, screening the current sites again.

        ``layers`` are the server's layers (without this session's uploads);
        ``file`` the upload it came from, kept for the project.
        """
        self._rescreen({**self.layers_in_use(layers), layer.name: layer}, progress)
        self.layer_overrides[layer.name] = layer
        if file is not None:
            self.layer_files[layer.name] = file
        self._changed()

    def drop_layer(self, name: str, layers: Mapping[str, Layer], *, progress: Progress | None = None) -> None:
        """Stop using the uploaded layer ``name``; the server's layer of that name (if any) is used again."""
        remaining = {key: value for key, value in self.layer_overrides.items() if key != name}
        self._rescreen({**layers, **remaining}, progress)
        self.layer_overrides = remaining
        self.layer_files.pop(name, None)
        self._changed()

    def rescreen(self, layers: Mapping[str, Layer], *, progress: Progress | None = None) -> None:
        """Screen the current sites again with ``layers`` (after the layers changed), keeping the rules."""
        self._rescreen(self.layers_in_use(layers), progress)

    def set_report_options(self, options: ReportOptions) -> None:
        """Use ``options`` (title, reference, author, scope) for the reports from now on."""
        options = replace(options, rule_changes=())
        if options != self.report_options:
            self.report_options = options
            self.revision += 1

    def _rescreen(self, layers: Mapping[str, Layer], progress: Progress | None) -> None:
        if self.sites is not None:
            self.results = self.engine.screen(self.sites, layers, self.rules, progress=progress, id_column=self.id_column)
            self._changed()

    def _changed(self) -> None:
        with self._exports_lock:
            self._exports.clear()
            self.revision += 1

    def export(self, fmt: str) -> bytes:
        """The results as ``csv``, ``geojson`` or ``gpkg`` bytes (computed once per result set)."""
        if self.results is None:
            raise ValueError("no results to export: screen sites first")
        if fmt not in EXPORTS:
            raise ValueError(f"export format {fmt!r} is not one of {', '.join(EXPORTS)}")
        kept = self._kept(fmt)
        if kept is not None:
            return kept
        revision, results = self.revision, self.results
        return self._keep(fmt, EXPORTS[fmt].to_bytes(results), revision)

    def rules_file(self) -> bytes | None:
        """The rules as a file: as uploaded, or the edited rules as TOML; None for the bundled rules."""
        if self.rules_bytes is not None:
            return self.rules_bytes
        return dump_rules(self.rules).encode("utf-8") if self.rules != default_rules() else None

    def report(self, fmt: str, layers: Mapping[str, Layer], *, lang: str = "en", progress: Progress | None = None) -> bytes:
        """The site-eligibility report (``pdf`` or ``html``) of the results, stamped with the inputs' hashes."""
        from reegeo.report.write import build_audit, render_html, render_pdf

        if self.results is None or self.sites_file is None:
            raise ValueError("no results to report: screen sites first")
        options = replace(self.report_options, rule_changes=self.rule_changes)
        key = report_key(fmt, lang, options)
        kept = self._kept(key)
        if kept is not None:
            return kept
        revision, results = self.revision, self.results
        audit = build_audit(self.sites_file.data, self.rules_file(), layers, sites_name=self.source)
        render = {"pdf": render_pdf, "html": render_html}[fmt]
        return self._keep(key, render(results, rules=self.rules, layers=layers, audit=audit, lang=lang, progress=progress, options=options), revision)

    def _kept(self, key: str) -> bytes | None:
        with self._exports_lock:
            return self._exports.get(key)

    def _keep(self, key: str, data: bytes, revision: int) -> bytes:
        """Keep an export built from the results of ``revision``; the oldest go when they hold more than ``EXPORTS_MAX_BYTES``.

        The newest always stays, so one export bigger than the bound is kept
        alone. An export of results that changed while it was built is
        returned but not kept.
        """
        with self._exports_lock:
            if revision != self.revision:
                return data
            self._exports[key] = data
            while len(self._exports) > 1 and sum(len(kept) for kept in self._exports.values()) > EXPORTS_MAX_BYTES:
                del self._exports[next(iter(self._exports))]
        return data

    def has_export(self, key: str) -> bool:
        """Whether an export (``csv``...) or a report (:func:`report_key`) is already built for these results."""
        with self._exports_lock:
            return key in self._exports

    def report_key_for(self, fmt: str, lang: str) -> str:
        """The key this workspace's report in ``fmt`` and ``lang`` is kept under (see :meth:`has_export`)."""
        return report_key(fmt, lang, replace(self.report_options, rule_changes=self.rule_changes))

    def to_project(self, *, lang: str = "en") -> Project:
        """The workspace as a :class:`~reegeo.project.Project` (see :func:`reegeo.project.project_to_bytes`)."""
        return Project(
            sites=self.sites_file,
            rules=self.rules_file(),
            rule_changes=self.rule_changes,
            layers=tuple(self.layer_files.values()),
            lang=lang,
            report=self.report_options,
        )

    @classmethod
    def from_project(cls, opened: OpenedProject, layers: Mapping[str, Layer], *, progress: Progress | None = None) -> Workspace:
        """A workspace from an opened project (:func:`reegeo.project.open_project`), its sites screened again.

        ``layers`` are the server's layers; the project's own layers go on top.

        Raises
        ------
        ReegeoError
            From screening (a layer the project's rules need is missing, say).
        """
        project = opened.project
        ws = cls(rules=opened.rules, rules_bytes=project.rules)
        ws.layer_overrides = dict(opened.overrides)
        ws.layer_files = {f.name: f for f in project.layers}
        ws.report_options = project.report
        in_use = ws.layers_in_use(layers)
        check_layers(in_use, ws.rules)
        if opened.sites is not None and project.sites is not None:
            file = project.sites
            ws.screen(opened.sites.frame, in_use, source=file.source or opened.sites.filename, notes=opened.sites.notes,
                      progress=progress, sites_file=file)
        ws.rule_changes = project.rule_changes
        return ws


def report_key(fmt: str, lang: str, options: ReportOptions = ReportOptions()) -> str:
    """The key a report is kept under for these results (see :meth:`Workspace.has_export`)."""
    changes = ";".join(f"{c.rule_id}|{c.change}|{c.author}|{c.reason}|{c.time}" for c in options.rule_changes)
    named = hashlib.sha256(
        "\n".join((options.title, options.reference, options.author, options.scope, changes)).encode()
    ).hexdigest()[:12]
    return f"report_{fmt}_{lang}_{named}"
