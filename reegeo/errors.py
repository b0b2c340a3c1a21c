"""The one exception hierarchy of reegeo.

Every error a user can cause is a :class:`ReegeoError`. Its message says what
failed, the offending value, what is allowed and what to do. Boundaries (the
CLI, the app) catch ``ReegeoError`` once and show its message; anything else is
a bug and surfaces as a traceback.
"""

from __future__ import annotations

__all__ = [
    "ReegeoError",
    "RulesError",
    "LayerError",
    "UploadError",
    "ScreeningError",
    "ExportError",
    "FetchError",
]


class ReegeoError(Exception):
    """Base class of every error a user of reegeo can cause."""


class RulesError(ReegeoError):
    """A rules file or rule set is invalid (the message names the rule and the field)."""


class LayerError(ReegeoError):
    """A constraint layer is missing, unreadable or invalid."""


class UploadError(ReegeoError):
    """An uploaded or supplied file cannot be read as sites or as a layer.

    The message names the file, the row or feature where relevant, what is
    wrong and what to do.
    """


class ScreeningError(ReegeoError):
    """Sites cannot be screened with the given layers and rules."""


class ExportError(ReegeoError):
    """Results cannot be written in the requested format or place."""


class FetchError(ReegeoError):
    """Data could not be fetched from a server (unreachable, refused, or an incomplete answer)."""
