"""Site-eligibility reports: PDF and HTML with maps, evidence and an audit stamp.

A report is what leaves the building: it stands on its own, is honest about
its data and is reproducible. It holds

* a summary: title, date, counts by verdict and by state, and a national map
  of the sites coloured by verdict (drawn offline with matplotlib);
* one section per site: the verdict in words, every finding with its legal
  basis and measurement, a local map in the site's GDM2000 RSO grid with a
  scale bar and a north arrow, the state and its permitting bodies, the
  planner's own attributes of the site, and what was checked: each
  constraint layer and the Lynas plant, deposits and ports, with the nearest
  feature, the distance, the rules' thresholds, what the data is worth there
  and what fired (eligible sites included);
* the provenance of every layer, approximate layers flagged on every page;
* the rules applied and an audit stamp (:func:`build_audit`): SHA-256 of the
  sites file, the rules file and every layer file, the reegeo version and the
  time.

The same inputs and audit time give byte-identical PDF and HTML.

Examples
--------
>>> audit = build_audit("sites.geojson", None, layers)            # doctest: +SKIP
>>> write_report(results, "report.pdf", rules=rules, layers=layers, audit=audit, lang="ms")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd

from reegeo.atomic import write_atomically
from reegeo.errors import ExportError
from reegeo.i18n import check_language
from reegeo.layers.model import Layer
from reegeo.report.audit import Audit, build_audit
from reegeo.report.options import REPORT_SCOPES, ReportOptions
from reegeo.screening.rules import Rule
from reegeo.vocab import Progress

__all__ = ["REPORT_FORMATS", "REPORT_SCOPES", "Audit", "ReportOptions", "build_audit", "render_html", "render_pdf", "write_report"]

_REQUIRED_COLUMNS = ("site_id", "verdict", "violations", "flags", "advisories", "state", "metric_crs")


def render_pdf(
    results: gpd.GeoDataFrame,
    *,
    rules: Sequence[Rule],
    layers: Mapping[str, Layer],
    audit: Audit,
    lang: str = "en",
    options: ReportOptions = ReportOptions(),
    progress: Progress | None = None,
) -> bytes:
    """The report as PDF bytes.

    Parameters
    ----------
    results : GeoDataFrame
        The output of :func:`reegeo.screening.engine.screen_sites`.
    rules : sequence of Rule
        The rules the sites were screened with.
    layers : mapping of str to Layer
        The layers the sites were screened with (``ports`` is used for the
        distance to the nearest port when present).
    audit : Audit
        From :func:`build_audit`; its time is the report's date and the PDF's
        creation date.
    lang : str
        ``en`` (English) or ``ms`` (Bahasa Malaysia).
    options : ReportOptions
        Title (default: "Site-eligibility report" in ``lang``), reference
        number, author, which sites get a page (``scope``) and the rule
        edits to record.
    progress : callable, optional
        Called as ``progress(done, total)`` as site sections are built.

    Raises
    ------
    ExportError
        For an unsupported language or results that are not screening output.
    """
    from reegeo.report.pdf import layout_pdf

    model = _model(results, rules, layers, audit, lang, options, progress)
    return layout_pdf(model, audit.created)


def render_html(
    results: gpd.GeoDataFrame,
    *,
    rules: Sequence[Rule],
    layers: Mapping[str, Layer],
    audit: Audit,
    lang: str = "en",
    options: ReportOptions = ReportOptions(),
    progress: Progress | None = None,
) -> bytes:
    """The report as one self-contained UTF-8 HTML file (no script; maps inline).

    Every user-supplied string (site ids, feature, layer and file names, the
    title) is HTML-escaped. Parameters as for :func:`render_pdf`.
    """
    from reegeo.report.html import layout_html

    return layout_html(_model(results, rules, layers, audit, lang, options, progress))


REPORT_FORMATS: dict[str, Callable[..., bytes]] = {
    ".pdf": render_pdf,
    ".html": render_html,
}


def write_report(
    results: gpd.GeoDataFrame,
    path: str | Path,
    *,
    rules: Sequence[Rule],
    layers: Mapping[str, Layer],
    audit: Audit,
    lang: str = "en",
    options: ReportOptions = ReportOptions(),
    progress: Progress | None = None,
) -> Path:
    """Write the report to ``path``; its suffix (``.pdf`` or ``.html``) picks the format.

    Parameters as for :func:`render_pdf`.

    Raises
    ------
    ExportError
        For an unknown suffix (naming the accepted ones), a missing folder or
        a file that cannot be written.
    """
    path = Path(path)
    render = REPORT_FORMATS.get(path.suffix.lower())
    if render is None:
        raise ExportError(
            f"report {path.name!r}: unknown format {path.suffix or '(no suffix)'!r}; use one of {', '.join(sorted(REPORT_FORMATS))}"
        )
    if not path.parent.exists():
        raise ExportError(f"report folder {path.parent} does not exist: create it or write elsewhere")
    content = render(results, rules=rules, layers=layers, audit=audit, lang=lang, options=options, progress=progress)
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder; give a file name")
    try:
        write_atomically(path, lambda staged: staged.write_bytes(content))
    except PermissionError:
        raise ExportError(f"cannot write {path}: permission denied; choose a folder you can write to") from None
    except OSError as exc:
        raise ExportError(f"cannot write {path} ({exc.strerror or exc}): choose a folder you can write to, with free space") from None
    return path


def _model(results, rules, layers, audit, lang, options, progress):
    try:
        check_language(lang)
    except ValueError as exc:
        raise ExportError(f"report {exc}") from None
    missing = [c for c in _REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise ExportError(
            f"results lack column(s) {', '.join(missing)}: pass the output of reegeo.screening.engine.screen_sites to the report"
        )
    from reegeo.report.model import (
        build_model,  # matplotlib loads only when a report is made
    )

    return build_model(results, rules=rules, layers=layers, audit=audit, lang=lang, options=options, progress=progress)
