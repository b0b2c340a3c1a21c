"""The words reegeo's results are made of, defined once.

Verdicts, rule severities and relations, layer statuses, the built-in flags and
the progress callback. The enums are :class:`enum.StrEnum`: each member *is* its
string (``Verdict.ELIGIBLE == "eligible"``), so results, TOML files and JSON
keep plain strings while the code names them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

__all__ = [
    "Verdict",
    "Severity",
    "Relation",
    "LayerStatus",
    "VERDICTS",
    "SEVERITIES",
    "RELATIONS",
    "OUTSIDE_FLAG",
    "SPANS_STATES_FLAG",
    "UNCERTAIN_SUFFIX",
    "UNVERIFIED_SUFFIX",
    "Progress",
]


class Verdict(StrEnum):
    """A site's verdict, worst first."""

    PROHIBITED = "prohibited"
    REVIEW = "review"
    ELIGIBLE = "eligible"


class Severity(StrEnum):
    """What a fired rule does to the verdict (an advisory never changes it)."""

    PROHIBITED = "prohibited"
    REVIEW = "review"
    ADVISORY = "advisory"


class Relation(StrEnum):
    """How a rule tests a site against its layer."""

    INTERSECTS = "intersects"
    WITHIN_DISTANCE = "within_distance"
    ALWAYS = "always"


class LayerStatus(StrEnum):
    """How far a layer's features can be trusted as boundaries."""

    AUTHORITATIVE = "authoritative"
    APPROXIMATE = "approximate"
    NOT_AUTHORITATIVE = "not_authoritative"

    @property
    def label(self) -> str:
        """The status in words (``not authoritative``)."""
        return self.value.replace("_", " ")


VERDICTS: tuple[Verdict, ...] = tuple(Verdict)
SEVERITIES: tuple[Severity, ...] = tuple(Severity)
RELATIONS: tuple[Relation, ...] = tuple(Relation)

# Built-in review flags of the engine, beside the rule ids in a result's ``flags``.
OUTSIDE_FLAG = "outside_malaysia"
SPANS_STATES_FLAG = "spans_states"
# ``<rule id>_uncertain``: the site is within the combined accuracy of the rule's threshold.
UNCERTAIN_SUFFIX = "_uncertain"
# ``<layer>_unverified``: no prohibiting rule fired, but the layer is incomplete at the site.
UNVERIFIED_SUFFIX = "_unverified"

# ``progress(done, total)``, called as work advances.
Progress = Callable[[int, int], None]
