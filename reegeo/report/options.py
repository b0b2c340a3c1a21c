"""What the planner chooses about a report: its title, reference, author, which sites it covers, and the rule edits it records."""

from __future__ import annotations

from dataclasses import dataclass

from reegeo.errors import ExportError
from reegeo.messages import Catalog
from reegeo.screening.rules import RuleChange

__all__ = ["REPORT_SCOPES", "ReportOptions"]

# all: a page per site; flagged: pages for prohibited and review sites only; summary: no site pages (large sets).
REPORT_SCOPES = ("all", "flagged", "summary")

_MAX_CHARS = {"title": 160, "reference": 80, "author": 120}
_MAX_RULE_CHANGES = 500

_M = Catalog("report.options", {
    "unknown_scope": {
        "en": "report scope {scope!r} is not one of {scopes}",
        "ms": "skop laporan {scope!r} bukan salah satu daripada {scopes}",
    },
    "title": {"en": "title", "ms": "tajuk"},
    "reference": {"en": "reference", "ms": "rujukan"},
    "author": {"en": "author", "ms": "penyedia"},
    "not_text": {"en": "report {field} must be text, not {kind}", "ms": "{field} laporan mesti teks, bukan {kind}"},
    "too_long": {
        "en": "report {field} has {length:,} characters; at most {limit} are allowed: shorten it",
        "ms": "{field} laporan mempunyai {length:,} aksara; paling banyak {limit} dibenarkan: pendekkannya",
    },
    "too_many_rule_changes": {
        "en": "{count:,} rule changes to report; at most {maximum} are kept: start a new project",
        "ms": "{count:,} perubahan peraturan untuk dilaporkan; paling banyak {maximum} disimpan: mulakan projek baharu",
    },
})


@dataclass(frozen=True)
class ReportOptions:
    """A report's title (default: "Site-eligibility report"), reference number, author, scope and rule edits.

    Attributes
    ----------
    title, reference, author : str
        Printed on the first page, under the title; empty for none.
    scope : str
        ``all`` (a page per site), ``flagged`` (pages for prohibited and
        review sites only) or ``summary`` (counts, maps and tables, no site
        pages); the counts always cover every site.
    rule_changes : tuple of RuleChange
        Who changed which rule and why, printed in the rules section.
    """

    title: str = ""
    reference: str = ""
    author: str = ""
    scope: str = "all"
    rule_changes: tuple[RuleChange, ...] = ()

    def __post_init__(self) -> None:
        if self.scope not in REPORT_SCOPES:
            raise ExportError(_M("unknown_scope", scope=self.scope, scopes=", ".join(REPORT_SCOPES)), argument="scope", value=self.scope)
        for name, limit in _MAX_CHARS.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ExportError(_M("not_text", field=_M(name), kind=type(value).__name__), argument=name, value=value)
            if len(value) > limit:
                raise ExportError(_M("too_long", field=_M(name), length=len(value), limit=limit), argument=name, value=value[:40])
        if len(self.rule_changes) > _MAX_RULE_CHANGES:
            raise ExportError(_M("too_many_rule_changes", count=len(self.rule_changes), maximum=_MAX_RULE_CHANGES))
