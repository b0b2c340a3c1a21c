"""Lay out a report model as one self-contained HTML file.

Every string from the model goes through :func:`html.escape` (site ids, names,
layer and file names all come from users); images are inline base64 PNG; the
page carries no script and a Content-Security-Policy that forbids any, so a
hostile name cannot run code even if it slipped through.
"""

from __future__ import annotations

import base64
from html import escape

from reegeo.report.model import ReportModel, SiteSection, Table
from reegeo.style import NEUTRAL_COLOUR, SEVERITY_COLOURS, VERDICT_COLOURS

__all__ = ["layout_html"]

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_CSS = """
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;color:#1d2329;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.4;font-size:15px}
h1{font-size:1.7rem;margin:.2rem 0}h2{font-size:1.3rem;border-bottom:2px solid #1d4e5f;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.1rem;margin:.2rem 0}.muted{color:#5b6770}.banner{background:#fff4e0;border-left:5px solid #e08a00;padding:.5rem .8rem;margin:.8rem 0}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #c9d1d6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#e6eef1}td.num{text-align:right}code,.hash{font-family:"DejaVu Sans Mono",monospace;font-size:.8rem;word-break:break-all}
.site{border:1px solid #c9d1d6;border-radius:6px;padding:.8rem 1rem;margin:1.2rem 0;page-break-inside:avoid}
.verdict{display:inline-block;color:#fff;font-weight:bold;padding:.1rem .6rem;border-radius:4px;margin-left:.4rem;font-size:.95rem}
.grid{display:flex;flex-wrap:wrap;gap:1rem}.grid>div{flex:1 1 22rem}.facts th{background:none;border:none;padding:.1rem .6rem .1rem 0;font-weight:normal;color:#5b6770}
.facts td{border:none;padding:.1rem 0}.finding{margin:.5rem 0;padding-left:.6rem;border-left:4px solid #c9d1d6}.sev{font-size:.75rem;text-transform:uppercase;font-weight:bold}
img{max-width:100%;height:auto;border:1px solid #c9d1d6}figure{margin:.4rem 0}figcaption{font-size:.8rem;color:#5b6770}
.approx{color:#8a4b00;font-size:.85rem}footer{margin-top:2rem;font-size:.8rem;color:#5b6770;border-top:1px solid #c9d1d6;padding-top:.5rem}
@media print{.site{page-break-before:always}}
"""


def layout_html(model: ReportModel) -> bytes:
    """The report as UTF-8 HTML bytes."""
    e = escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(model.lang)}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(model.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{e(model.title)}</h1><p class=\"muted\">{e(model.subtitle)}<br>{e(model.generated)}</p></header>",
    ]
    if model.approximate_note:
        parts.append(f'<p class="banner">{e(model.approximate_note)}</p>')
    parts += [
        f"<h2>{e(model.label('report.summary'))}</h2>",
        f"<p>{e(model.screened)} {e(model.disclaimer)}</p>",
        '<div class="grid"><div>',
        f"<h3>{e(model.label('report.by_verdict'))}</h3>",
        _table(model.verdict_table, numeric_from=1, verdicts=[v for v, _ in model.verdict_counts]),
        "</div><div>",
        f"<h3>{e(model.label('report.by_state'))}</h3>",
        _table(model.state_table, numeric_from=1),
        "</div></div>",
        _figure(model.national_png, model.national_caption),
        *(
            [f"<h2>{e(model.label('coverage.unverified_title'))}</h2>", f"<p>{e(model.unverified_intro)}</p>", _table(model.unverified)]
            if model.unverified.rows
            else []
        ),
        f"<h2>{e(model.label('report.index'))}</h2>",
        _index(model),
        f"<h2>{e(model.label('report.col.sites'))}</h2>",
    ]
    parts += [_site(model, section) for section in model.sites]
    parts += [
        f"<h2>{e(model.label('report.provenance'))}</h2>",
        f"<p>{e(model.provenance_intro)}</p>",
        _table(model.provenance),
        f"<h2>{e(model.label('report.rules'))}</h2>",
        _table(model.rules),
        f"<h2>{e(model.label('report.audit'))}</h2>",
        f"<p>{e(model.audit_intro)}</p>",
        _table(model.audit, hash_column=2),
        f"<footer>{e(model.generated)}",
        f"<br>{e(model.approximate_note)}" if model.approximate_note else "",
        "</footer></body></html>",
    ]
    return ("\n".join(parts) + "\n").encode("utf-8")


def _site(model: ReportModel, site: SiteSection) -> str:
    e = escape
    colour = VERDICT_COLOURS.get(site.verdict, NEUTRAL_COLOUR)
    facts = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in site.facts)
    distances = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in site.distances)
    findings = "".join(_finding(model, f, f.rule_id in site.approximate_findings) for f in site.findings) or f"<p>{e(model.label('report.no_findings'))}</p>"
    bodies = "".join(f"<li>{e(b)}</li>" for b in site.bodies)
    figure = _figure(site.map_png, site.map_caption) if site.map_png else f'<p class="muted">{e(site.map_caption)}</p>'
    return (
        f'<section class="site" id="{e(site.anchor)}">'
        f'<h3>{e(site.heading)}<span class="verdict" style="background:{colour}">{e(model.label("verdict." + site.verdict))}</span></h3>'
        f"<p>{e(site.verdict_text)}</p>"
        f'<div class="grid"><div><table class="facts">{facts}</table>'
        f"<h4>{e(model.label('report.distances'))}</h4><table class=\"facts\">{distances}</table></div>"
        f"<div>{figure}</div></div>"
        f"<h4>{e(model.label('report.findings'))}</h4>{findings}"
        f"<h4>{e(model.label('report.permitting'))}</h4><ul>{bodies}</ul>"
        "</section>"
    )


def _index(model: ReportModel) -> str:
    e = escape
    head = "".join(f"<th>{e(h)}</th>" for h in model.index.header)
    rows = []
    for site, (site_id, verdict, state, fired) in zip(model.sites, model.index.rows):
        colour = VERDICT_COLOURS.get(site.verdict, NEUTRAL_COLOUR)
        rows.append(
            f'<tr><td><a href="#{e(site.anchor)}">{e(site_id)}</a></td>'
            f'<td style="color:{colour};font-weight:bold">{e(verdict)}</td><td>{e(state)}</td><td><code>{e(fired)}</code></td></tr>'
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _finding(model: ReportModel, finding, approximate: bool) -> str:
    e = escape
    colour = SEVERITY_COLOURS.get(finding.severity, NEUTRAL_COLOUR)
    approx = f' <span class="approx">({e(model.label("report.approximate_layer"))})</span>' if approximate else ""
    measured = f"<br><span class=\"muted\">{e(model.label('report.measured'))}:</span> {e(finding.measurement)}" if finding.measurement else ""
    return (
        f'<div class="finding" style="border-color:{colour}">'
        f'<span class="sev" style="color:{colour}">{e(model.label("severity." + finding.severity))}</span> '
        f"<code>{e(finding.rule_id)}</code>{approx}<br>{e(finding.message)}"
        f"<br><span class=\"muted\">{e(model.label('report.legal_basis'))}:</span> {e(finding.legal_basis)}{measured}</div>"
    )


def _table(table: Table, *, numeric_from: int | None = None, hash_column: int | None = None, verdicts: list[str] | None = None) -> str:
    e = escape
    head = "".join(f"<th>{e(h)}</th>" for h in table.header)
    rows = []
    for index, row in enumerate(table.rows):
        cells = []
        for column, value in enumerate(row):
            css = ' class="num"' if numeric_from is not None and column >= numeric_from else (' class="hash"' if column == hash_column else "")
            style = ""
            if verdicts and column == 0 and index < len(verdicts):
                style = f' style="border-left:6px solid {VERDICT_COLOURS[verdicts[index]]}"'
            cells.append(f"<td{css}{style}>{e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption></figure>'
