"""Lay out a report model as one self-contained HTML file.

The page is the autoescaping Jinja2 template ``templates/report.html``: every
string from the model is escaped (site ids, names, layer and file names all
come from users); images are inline base64 PNG; the page carries no script and
a Content-Security-Policy that forbids any, so a hostile name cannot run code
even if it slipped through.
"""

from __future__ import annotations

import base64

import jinja2

from reegeo.report.model import ReportModel
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


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("reegeo.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["b64"] = lambda png: base64.b64encode(png).decode("ascii")


def layout_html(model: ReportModel) -> bytes:
    """The report as UTF-8 HTML bytes."""
    page = _ENV.get_template("report.html").render(
        m=model,
        csp=_CSP,
        css=_CSS,
        verdicts=[v for v, _ in model.verdict_counts],
        index_rows=list(zip(model.sites, model.index.rows)),
        verdict_colours=VERDICT_COLOURS,
        severity_colours=SEVERITY_COLOURS,
        neutral=NEUTRAL_COLOUR,
    )
    return (page.rstrip("\n") + "\n").encode("utf-8")
