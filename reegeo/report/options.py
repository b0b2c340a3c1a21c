"""What the planner chooses about a report: its title, reference, author, which sites it covers, and the rule edits it records."""

from __future__ import annotations

from dataclasses import dataclass

from reegeo.errors import ExportError
from reegeo.screening.rules import RuleChange

__all__ = ["REPORT_SCOPES", "ReportOptions"]

# all: a page per site; flagged: pages for prohibited and review sites only; summary: no site pages (large sets).
REPORT_SCOPES = ("all", "flagged", "summary")

_MAX_CHARS = {"title": 160, "reference": 80, "author": 120}
_MAX_RULE_CHANGES = 500


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
            raise ExportError(
                f"report scope {self.scope!r} is not one of {', '.join(REPORT_SCOPES)}", argument="scope", value=self.scope
            )
        for name, limit in _MAX_CHARS.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ExportError(f"report {name} must be text, not {type(value).__name__}", argument=name, value=value)
            if len(value) > limit:
                raise ExportError(
                    f"report {name} has {len(value):,} characters; at most {limit} are allowed: shorten it", argument=name, value=value[:40]
                )
        if len(self.rule_changes) > _MAX_RULE_CHANGES:
            raise ExportError(f"{len(self.rule_changes):,} rule changes to report; at most {_MAX_RULE_CHANGES} are kept: start a new project")
