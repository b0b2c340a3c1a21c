"""The one exception hierarchy of reegeo.

Every error a user can cause is a :class:`ReegeoError`. Its message says what
failed, the offending value, what is allowed and what to do. Boundaries (the
CLI, the app) catch ``ReegeoError`` once and show its message; anything else is
a bug and surfaces as a traceback.

An error about a caller's argument carries it in library terms
(``argument="layers"``, ``value="parcels"``), and its text refers to it as
``{argument}``. ``str(error)`` names it as the library does
(``layers['parcels']``); a boundary passes its own names to
:meth:`ReegeoError.describe` (the CLI: ``--layer parcels=PATH``; the app: the
widget), so the library never names a flag or a widget.
"""

from __future__ import annotations

from collections.abc import Mapping

from reegeo.messages import in_language

__all__ = [
    "LIBRARY_ARGUMENTS",
    "ReegeoError",
    "RulesError",
    "LayerError",
    "UploadError",
    "ScreeningError",
    "ExportError",
    "FetchError",
]


# How the library's own API spells each argument an error can point at (``{value}``: the offending value).
LIBRARY_ARGUMENTS: dict[str, str] = {
    "layers": "layers[{value!r}]",
    "layer": "layer=NAME",
    "max_features": "UploadLimits(max_features=...)",
    "scheduler": "scheduler=",
    "endpoint": "endpoint=URL",
    "states": "states",
    "covers": "covers",
    "state": "state",
    "id_column": "id_column={value!r}",
    "coordinate_columns": "x_column=/y_column=",
    "max_site_km2": "UploadLimits(max_site_km2=...)",
    "max_read_s": "UploadLimits(max_read_s=...)",
    "x_column": "x_column={value!r}",
    "y_column": "y_column={value!r}",
}


class ReegeoError(Exception):
    """Base class of every error a user of reegeo can cause.

    Parameters
    ----------
    message : str
        What failed and what to do; ``{argument}`` where it names the argument.
    argument : str, optional
        The argument at fault, in library terms (a key of :data:`LIBRARY_ARGUMENTS`).
    value : object, optional
        The offending value (a layer name, a state).
    hint : str, optional
        What to do, kept apart for boundaries that show it separately.
    """

    def __init__(self, message: str, *, argument: str | None = None, value: object = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.what = message
        self.argument = argument
        self.value = value
        self.hint = hint

    def describe(self, arguments: Mapping[str, str] | None = None, lang: str = "en") -> str:
        """The full text in ``lang``, naming the argument as ``arguments`` spells it (the library's names by default).

        The message and hint are given in ``lang`` when they are
        :class:`reegeo.messages.Message` texts; other texts as they are.
        """
        what = in_language(self.what, lang)
        text = what + (f": {in_language(self.hint, lang)}" if self.hint else "")
        if self.argument is None or "{argument}" not in text:
            return text
        spelling = (arguments or {}).get(self.argument) or LIBRARY_ARGUMENTS.get(self.argument, self.argument)
        name = spelling.replace("{value!r}", repr(self.value)).replace("{value}", str(self.value))
        return text.replace("{argument}", name)

    def __str__(self) -> str:
        return self.describe()

    def __reduce__(self):  # keep the fields when pickled (errors cross process boundaries in Dask)
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls: type[ReegeoError], args: tuple, state: dict) -> ReegeoError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


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
