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
from reegeo.i18n import LANGUAGES, check_language
from reegeo.layers.model import Layer
from reegeo.messages import Catalog
from reegeo.report.audit import Audit, build_audit
from reegeo.report.options import REPORT_SCOPES, ReportOptions
from reegeo.screening.rules import Rule
from reegeo.vocab import Progress

__all__ = ["REPORT_FORMATS", "REPORT_SCOPES", "Audit", "ReportOptions", "build_audit", "render_html", "render_pdf", "write_report"]

_REQUIRED_COLUMNS = ("site_id", "verdict", "violations", "flags", "advisories", "state", "metric_crs")

_M = Catalog("report.write", {
    "no_suffix": {"en": "(no suffix)", "ms": "(tiada akhiran)"},
    "unknown_format": {
        "en": "report {file!r}: unknown format {suffix!r}; use one of {formats}",
        "ms": "laporan {file!r}: format {suffix!r} tidak dikenali; gunakan salah satu daripada {formats}",
    },
    "no_folder": {
        "en": "report folder {folder} does not exist: create it or write elsewhere",
        "ms": "folder laporan {folder} tidak wujud: cipta folder itu atau tulis di tempat lain",
    },
    "path_is_folder": {
        "en": "cannot write {path}: it is a folder; give a file name",
        "ms": "{path} tidak dapat ditulis: ia ialah folder; berikan nama fail",
    },
    "permission_denied": {
        "en": "cannot write {path}: permission denied; choose a folder you can write to",
        "ms": "{path} tidak dapat ditulis: kebenaran ditolak; pilih folder yang boleh anda tulis",
    },
    "cannot_write": {
        "en": "cannot write {path} ({reason}): choose a folder you can write to, with free space",
        "ms": "{path} tidak dapat ditulis ({reason}): pilih folder yang boleh anda tulis, yang mempunyai ruang kosong",
    },
    "unsupported_language": {
        "en": "report language {lang!r} is not supported: use one of {languages}",
        "ms": "bahasa laporan {lang!r} tidak disokong: gunakan salah satu daripada {languages}",
    },
    "missing_columns": {
        "en": "results lack column(s) {columns}: pass the output of reegeo.screening.engine.screen_sites to the report",
        "ms": "keputusan tiada lajur {columns}: berikan output reegeo.screening.engine.screen_sites kepada laporan",
    },
})


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
            _M("unknown_format", file=path.name, suffix=path.suffix or _M("no_suffix"), formats=", ".join(sorted(REPORT_FORMATS)))
        )
    if not path.parent.exists():
        raise ExportError(_M("no_folder", folder=path.parent))
    content = render(results, rules=rules, layers=layers, audit=audit, lang=lang, options=options, progress=progress)
    if path.is_dir():
        raise ExportError(_M("path_is_folder", path=path))
    try:
        write_atomically(path, lambda staged: staged.write_bytes(content))
    except PermissionError:
        raise ExportError(_M("permission_denied", path=path)) from None
    except OSError as exc:
        raise ExportError(_M("cannot_write", path=path, reason=exc.strerror or str(exc))) from None
    return path


def _model(results, rules, layers, audit, lang, options, progress):
    try:
        check_language(lang)
    except ValueError:  # check_language's own text is English only: say it again, translatably
        raise ExportError(_M("unsupported_language", lang=lang, languages=", ".join(LANGUAGES))) from None
    missing = [c for c in _REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise ExportError(_M("missing_columns", columns=", ".join(missing)))
    from reegeo.report.model import (
        build_model,  # matplotlib loads only when a report is made
    )

    return build_model(results, rules=rules, layers=layers, audit=audit, lang=lang, options=options, progress=progress)
