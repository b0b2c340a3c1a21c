"""Where reegeo's files live: the bundled data beside the package, the user data folder."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["GEODATA_DIR", "MANIFEST_PATH", "DEFAULT_RULES_PATH", "DATA_DIR_ENV", "user_data_dir"]

GEODATA_DIR = Path(__file__).resolve().parent.parent / "geodata"
MANIFEST_PATH = GEODATA_DIR / "manifest.toml"
DEFAULT_RULES_PATH = GEODATA_DIR / "rules.toml"
DATA_DIR_ENV = "REEGEO_DATA_DIR"


def user_data_dir() -> Path:
    """The folder for installed (authoritative) layers.

    ``$REEGEO_DATA_DIR`` when set, else ``$XDG_DATA_HOME/reegeo``, else
    ``~/.local/share/reegeo``.
    """
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "reegeo"
