"""The audit stamp of a report: what went in, hashed, and when.

A reviewer who has the same sites file, rules file and layer files gets the
same SHA-256 hashes and, with the same reegeo version, the same verdicts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reegeo import __version__
from reegeo.errors import ReegeoError
from reegeo.layers.model import Layer, file_sha256
from reegeo.messages import Catalog
from reegeo.paths import DEFAULT_RULES_PATH

__all__ = ["Audit", "LayerStamp", "build_audit"]

_M = Catalog("report.audit", {
    "sites": {"en": "sites", "ms": "tapak"},
    "rules": {"en": "rules", "ms": "peraturan"},
    "unreadable": {
        "en": "{what} file {path} cannot be read for the audit stamp ({reason}): check the path",
        "ms": "fail {what} {path} tidak dapat dibaca untuk cap audit ({reason}): semak laluannya",
    },
    "wrong_type": {
        "en": "{what} for the audit stamp must be a path, bytes or text, not {kind}",
        "ms": "{what} untuk cap audit mesti laluan, bait atau teks, bukan {kind}",
    },
})


@dataclass(frozen=True)
class LayerStamp:
    """One layer's file and hash, as stamped on a report."""

    name: str
    file: str
    sha256: str
    origin: str
    covers: tuple[str, ...] | None = None
    coverage: str = ""


@dataclass(frozen=True)
class Audit:
    """Hashes of a report's inputs, the reegeo version and the time.

    Attributes
    ----------
    sites_file, rules_file : str
        File names (no folders: a report must not leak local paths).
    sites_sha256, rules_sha256 : str
        SHA-256 of the bytes of those files, as hex.
    layers : tuple of LayerStamp
        Every layer used, in the order it was loaded.
    version : str
        ``reegeo.__version__``.
    created : datetime
        When the report was made, in UTC.
    """

    sites_file: str
    sites_sha256: str
    rules_file: str
    rules_sha256: str
    layers: tuple[LayerStamp, ...]
    version: str
    created: datetime

    @property
    def created_text(self) -> str:
        """The time as ``2026-03-01 09:30:00 UTC``."""
        return self.created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def build_audit(
    sites: str | Path | bytes,
    rules: str | Path | bytes | None,
    layers: Mapping[str, Layer],
    *,
    sites_name: str | None = None,
    rules_name: str | None = None,
    created: datetime | None = None,
) -> Audit:
    """Stamp a report's inputs.

    Parameters
    ----------
    sites : str, Path or bytes
        The sites file (a path) or its bytes (e.g. an upload in the app).
    rules : str, Path, bytes or None
        The rules file: a ``Path``; a ``str`` naming an existing file; else a
        ``str`` or ``bytes`` of TOML text (as edited in the app). ``None``
        means the bundled ``geodata/rules.toml``.
    layers : mapping of str to Layer
        The layers the sites were screened with; each carries its file's hash.
    sites_name, rules_name : str, optional
        Names to print for inputs given as bytes or text (default
        ``uploaded sites`` / ``edited rules``).
    created : datetime, optional
        The report time (default now); pass a fixed time for reproducible
        bytes. A naive datetime is taken as UTC.

    Raises
    ------
    ReegeoError
        When a file named cannot be read.
    """
    sites_file, sites_sha256 = _stamp_input(sites, sites_name, "uploaded sites", "sites")
    rules_source = DEFAULT_RULES_PATH if rules is None else rules
    if isinstance(rules_source, str) and "\n" not in rules_source and Path(rules_source).is_file():
        rules_source = Path(rules_source)
    rules_file, rules_sha256 = _stamp_input(rules_source, rules_name, "edited rules", "rules")
    stamps = tuple(stamp for name, layer in layers.items() for stamp in _layer_stamps(name, layer))
    when = created or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return Audit(sites_file, sites_sha256, rules_file, rules_sha256, stamps, __version__, when.astimezone(UTC))


def _layer_stamps(name: str, layer: Layer) -> list[LayerStamp]:
    """One stamp per file of a layer: a layer built state by state has one per part, with the states it covers."""
    coverage = layer.coverage.describe() if layer.role == "constraint" else ""
    if layer.parts:
        return [LayerStamp(name, part.file, part.sha256, layer.origin, part.covers, coverage) for part in layer.parts]
    return [LayerStamp(name, layer.path.name if layer.path else "(in memory)", layer.sha256, layer.origin, None, coverage)]


def _stamp_input(value: str | Path | bytes, name: str | None, default_name: str, what: str) -> tuple[str, str]:
    if isinstance(value, bytes):
        return name or default_name, hashlib.sha256(value).hexdigest()
    if isinstance(value, Path):
        try:
            return name or value.name, file_sha256(value)
        except OSError as exc:
            raise ReegeoError(_M("unreadable", what=_M(what), path=value, reason=exc.strerror)) from None
    if isinstance(value, str):
        if what == "sites":
            return _stamp_input(Path(value), name, default_name, what)
        return name or default_name, hashlib.sha256(value.encode("utf-8")).hexdigest()
    raise ReegeoError(_M("wrong_type", what=_M(what), kind=type(value).__name__))
