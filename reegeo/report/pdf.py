"""Lay out a report model as a PDF with fpdf2 (pure Python).

Text is set in DejaVu Sans, the TrueType font bundled with matplotlib, so
Malay text and accented names render; a character the font lacks is replaced
by ``?`` rather than failing. Every page carries a footer with the page
number, the report time and, when any approximate layer is in use, a line
naming those layers. The creation date is the audit time, which makes the
bytes a function of the inputs and that time only.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from reegeo.report.model import ReportModel, SiteSection, Table
from reegeo.style import NEUTRAL_COLOUR, SEVERITY_COLOURS, VERDICT_COLOURS

__all__ = ["layout_pdf"]

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FONTS = {
    ("DejaVu", ""): "DejaVuSans.ttf",
    ("DejaVu", "B"): "DejaVuSans-Bold.ttf",
    ("DejaVu", "I"): "DejaVuSans-Oblique.ttf",
    ("DejaVuMono", ""): "DejaVuSansMono.ttf",
}
_INK = (29, 35, 41)
_MUTED = (91, 103, 112)
_ACCENT = (29, 78, 95)
_MAP_W_MM = 82.0
_MAP_H_MM = _MAP_W_MM * 2.7 / 3.6


@cache
def _supported_characters() -> frozenset[int]:
    """Code points every font the report uses can draw."""
    supported = None
    for file_name in set(_FONTS.values()):
        cmap = set(TTFont(_FONT_DIR / file_name, lazy=True)["cmap"].getBestCmap())
        supported = cmap if supported is None else supported & cmap
    return frozenset(supported or ())


def _clean(text: str) -> str:
    """``text`` with control characters and glyphs the font lacks replaced."""
    supported = _supported_characters()
    return "".join(c if (ord(c) in supported and c.isprintable()) or c == "\n" else "?" for c in str(text))


class _ReportPDF(FPDF):
    def __init__(self, model: ReportModel) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.model = model
        for (family, style), file_name in _FONTS.items():
            self.add_font(family, style, str(_FONT_DIR / file_name))
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=22 if model.approximate_note else 18)
        self.set_title(_clean(model.title))
        self.set_author("reegeo")
        self.set_creator("reegeo")
        self.set_lang(model.lang)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*_MUTED)
        width = self.w - self.l_margin - self.r_margin
        right = self._fitted(self.model.header_note, width * 0.38)
        self.cell(0, 4, self._fitted(self.model.title, width - self.get_string_width(right) - 6), align="L")
        self.set_xy(self.l_margin, self.t_margin)
        self.cell(0, 4, right, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(201, 209, 214)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)
        self.set_text_color(*_INK)

    def _fitted(self, text: str, width: float) -> str:
        """``text`` cut (with an ellipsis) to fit ``width`` mm in the current font, so header parts never overlap."""
        text = _clean(text)
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "...") > width:
            text = text[:-1]
        return text.rstrip() + "..."

    def footer(self) -> None:
        model = self.model
        self.set_y(-(20 if model.approximate_note else 14))
        self.set_draw_color(201, 209, 214)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)
        if model.approximate_note:
            self.set_font("DejaVu", "B", 7)
            self.set_text_color(138, 75, 0)
            self.multi_cell(0, 3.4, _clean("\u26a0 " if ord("\u26a0") in _supported_characters() else "! ") + _clean(model.approximate_note), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(*_MUTED)
        page = model.label("report.page", page=self.page_no(), pages="{nb}")
        self.cell(0, 4, _clean(model.generated), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, page, align="R")
        self.set_text_color(*_INK)


def layout_pdf(model: ReportModel, created) -> bytes:
    """The report as PDF bytes; ``created`` (a datetime) is stamped as the creation date."""
    pdf = _ReportPDF(model)
    pdf.set_creation_date(created)
    links = [pdf.add_link(page=1) for _ in model.sites]  # pages set as each site starts
    _summary(pdf, model)
    pdf.ln(3)
    if model.index.rows:
        _heading(pdf, model.label("report.index"))
        _table(pdf, model.index, widths=(50, 24, 34, 70), size=7.5, links=links)
    for site, link in zip(model.sites, links):
        _site(pdf, model, site, link)
    pdf.add_page()
    _heading(pdf, model.label("report.provenance"))
    _paragraph(pdf, model.provenance_intro)
    _table(pdf, model.provenance, widths=(28, 50, 26, 16, 15, 23, 20), size=7)
    pdf.ln(3)
    _heading(pdf, model.label("report.rules"))
    _table(pdf, model.rules, widths=(38, 17, 38, 85), size=7)
    if model.rule_changes.rows:
        pdf.ln(2)
        _subheading(pdf, model.label("report.rule_changes"))
        _table(pdf, model.rule_changes, widths=(30, 40, 28, 52, 28), size=7)
    pdf.ln(3)
    _heading(pdf, model.label("report.audit"))
    _paragraph(pdf, model.audit_intro)
    _table(pdf, model.audit, widths=(34, 44, 100), size=7, mono_column=2)
    return bytes(pdf.output())


def _summary(pdf: _ReportPDF, model: ReportModel) -> None:
    pdf.add_page()
    pdf.set_fill_color(*_ACCENT)
    pdf.rect(0, 0, pdf.w, 6, style="F")
    pdf.set_y(14)
    pdf.set_font("DejaVu", "B", 20)
    pdf.set_text_color(*_ACCENT)
    pdf.multi_cell(0, 9, _clean(model.title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 10.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 5.5, _clean(model.subtitle + "\n" + model.generated), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.ln(3)
    _heading(pdf, model.label("report.summary"))
    _paragraph(pdf, " ".join(part for part in (model.screened, model.scope_note, model.disclaimer) if part))
    top = pdf.get_y() + 1
    pdf.set_y(top)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, _clean(model.label("report.by_verdict")), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, model.verdict_table, widths=(38, 18), size=8.5, numeric_from=1, verdicts=[v for v, _ in model.verdict_counts], width=56)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + 64, top)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, _clean(model.label("report.by_state")), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_left_margin(pdf.l_margin + 64)
    _table(pdf, model.state_table, widths=(34, 21, 21, 18, 16), size=7.5, numeric_from=1, width=110)
    pdf.set_left_margin(16)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 3)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    height = width * 4.3 / 7.2
    if pdf.get_y() + height + 8 > pdf.page_break_trigger:
        pdf.add_page()
    y = pdf.get_y()
    pdf.image(io.BytesIO(model.national_png), x=pdf.l_margin, y=y, w=width, h=height)
    pdf.set_y(y + height + 1)
    pdf.set_font("DejaVu", "I", 7.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 3.8, _clean(model.national_caption), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    if model.unverified.rows:
        pdf.ln(2)
        _heading(pdf, model.label("coverage.unverified_title"))
        _paragraph(pdf, model.unverified_intro)
        _table(pdf, model.unverified, widths=(40, 30, 18, 90), size=7.5)


def _site(pdf: _ReportPDF, model: ReportModel, site: SiteSection, link: int) -> None:
    pdf.add_page()
    pdf.set_link(link)
    colour = _rgb(VERDICT_COLOURS.get(site.verdict, NEUTRAL_COLOUR))
    y = pdf.get_y()
    pdf.set_fill_color(*colour)
    pdf.rect(pdf.l_margin, y, 2.2, 9, style="F")
    pdf.set_x(pdf.l_margin + 4)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(pdf.w - pdf.r_margin - pdf.l_margin - 46, 7, _clean(site.heading), align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
    label = _clean(model.label("verdict." + site.verdict))
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(pdf.w - pdf.r_margin - 40, y + 0.5)
    pdf.cell(40, 7, label, align="C", fill=True)
    pdf.set_text_color(*_INK)
    pdf.set_y(max(y + 10, pdf.get_y()))
    pdf.set_font("DejaVu", "", 9.5)
    pdf.multi_cell(0, 5, _clean(site.verdict_text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    top = pdf.get_y()
    map_x = pdf.w - pdf.r_margin - _MAP_W_MM
    text_w = map_x - pdf.l_margin - 4
    if site.map_png:
        pdf.image(io.BytesIO(site.map_png), x=map_x, y=top, w=_MAP_W_MM, h=_MAP_H_MM)
    pdf.set_font("DejaVu", "I", 6.5)
    pdf.set_text_color(*_MUTED)
    pdf.set_xy(map_x, top + (_MAP_H_MM + 0.5 if site.map_png else 0))
    pdf.multi_cell(_MAP_W_MM, 3.2, _clean(site.map_caption), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    map_bottom = pdf.get_y()
    pdf.set_text_color(*_INK)
    pdf.set_xy(pdf.l_margin, top)
    _facts(pdf, site.facts, text_w)
    pdf.set_y(max(pdf.get_y(), map_bottom) + 3)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, _clean(model.label("proximity.title")), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, site.proximity, widths=(27, 44, 19, 38, 28, 22), size=6.8)
    pdf.ln(2)

    _subheading(pdf, model.label("report.findings"))
    if not site.findings:
        _paragraph(pdf, model.label("report.no_findings"))
    for finding in site.findings:
        _finding(pdf, model, finding, finding.rule_id in site.approximate_findings)
    pdf.ln(1)
    _subheading(pdf, model.label("report.permitting"))
    pdf.set_font("DejaVu", "", 8)
    for body in site.bodies:
        pdf.set_x(pdf.l_margin + 2)
        pdf.multi_cell(0, 3.9, _clean("\u2022 " + body), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _facts(pdf: _ReportPDF, facts, width: float) -> None:
    key_w = width * 0.42
    for key, value in facts:
        y = pdf.get_y()
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(*_MUTED)
        pdf.multi_cell(key_w, 4.1, _clean(key), align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_text_color(*_INK)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.set_xy(pdf.l_margin + key_w, y)
        pdf.multi_cell(width - key_w, 4.1, _clean(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        value_bottom = pdf.get_y()
        lines: Any = pdf.multi_cell(key_w, 4.1, _clean(key), align="L", dry_run=True, output="LINES")
        key_lines = len(lines)
        pdf.set_y(max(value_bottom, y + key_lines * 4.1) + 0.4)


def _finding(pdf: _ReportPDF, model: ReportModel, finding, approximate: bool) -> None:
    colour = _rgb(SEVERITY_COLOURS.get(finding.severity, NEUTRAL_COLOUR))
    if pdf.get_y() + 18 > pdf.page_break_trigger:
        pdf.add_page()
    start_page, start_y = pdf.page_no(), pdf.get_y()
    indent = pdf.l_margin + 3
    pdf.set_x(indent)
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_text_color(*colour)
    severity = _clean(model.label("severity." + finding.severity).upper())
    pdf.cell(pdf.get_string_width(severity) + 2, 4.5, severity)
    pdf.set_text_color(*_INK)
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.cell(pdf.get_string_width(_clean(finding.label)) + 2, 4.5, _clean(finding.label))
    if approximate:
        pdf.set_font("DejaVu", "I", 7.5)
        pdf.set_text_color(138, 75, 0)
        pdf.cell(0, 4.5, _clean(f"({model.label('report.approximate_layer')})"))
        pdf.set_text_color(*_INK)
    pdf.ln(4.8)
    width = pdf.w - pdf.r_margin - indent
    pdf.set_x(indent)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.multi_cell(width, 4.0, _clean(finding.message), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _labelled(pdf, indent, width, model.label("report.legal_basis"), finding.legal_basis)
    if finding.measurement:
        _labelled(pdf, indent, width, model.label("report.measured"), finding.measurement)
    if pdf.page_no() == start_page:
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.8)
        pdf.line(pdf.l_margin + 0.6, start_y + 0.5, pdf.l_margin + 0.6, pdf.get_y() - 0.5)
        pdf.set_line_width(0.2)
    pdf.ln(1.8)


def _labelled(pdf: _ReportPDF, x: float, width: float, label: str, text: str) -> None:
    pdf.set_x(x)
    pdf.set_text_color(*_MUTED)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 3.8, _clean(f"{label}: {text}"), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)


def _heading(pdf: _ReportPDF, text: str) -> None:
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 8, _clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.set_text_color(*_INK)
    pdf.ln(2)


def _subheading(pdf: _ReportPDF, text: str) -> None:
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 6, _clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)


def _paragraph(pdf: _ReportPDF, text: str) -> None:
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 4.6, _clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _table(
    pdf: _ReportPDF,
    table: Table,
    *,
    widths: tuple[float, ...],
    size: float,
    numeric_from: int | None = None,
    mono_column: int | None = None,
    verdicts: list[str] | None = None,
    width: float | None = None,
    links: list[int] | None = None,
) -> None:
    pdf.set_font("DejaVu", "", size)
    pdf.set_draw_color(201, 209, 214)
    pdf.set_fill_color(255, 255, 255)
    headings = FontFace(family="DejaVu", emphasis="BOLD", size_pt=size, fill_color=(230, 238, 241))
    mono = FontFace(family="DejaVuMono", size_pt=size - 0.8)
    with pdf.table(
        col_widths=widths,
        width=width or sum(widths),
        align="LEFT",
        line_height=size * 0.5,
        headings_style=headings,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=(0.8, 1.2),
    ) as pdf_table:
        header = pdf_table.row()
        for column, text in enumerate(table.header):  # aligned as its column (fpdf2 justifies a wrapped heading)
            header.cell(_clean(text), align="RIGHT" if numeric_from is not None and column >= numeric_from else "LEFT")
        for index, values in enumerate(table.rows):
            row = pdf_table.row()
            for column, text in enumerate(values):
                align = "RIGHT" if numeric_from is not None and column >= numeric_from else "LEFT"
                style = mono if column == mono_column else None
                if verdicts and column == 0 and index < len(verdicts):
                    style = FontFace(family="DejaVu", emphasis="BOLD", size_pt=size, color=_rgb(VERDICT_COLOURS[verdicts[index]]))
                link = links[index] if links and column == 0 else None
                row.cell(_clean(text), align=align, style=style, link=link)
    pdf.set_font("DejaVu", "", size)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)
