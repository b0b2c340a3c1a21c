"""The user data folder: its manifest, a lock for writers, and atomic writes.

Every change is written to a temporary file and renamed into place while the
folder's lock is held, so concurrent imports both survive and a killed import
leaves the earlier state whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import tomli_w

from reegeo.atomic import write_atomically
from reegeo.errors import LayerError
from reegeo.layers.manifest import (
    USER_MANIFEST_NAME,
    checked_installed_entry,
)
from reegeo.messages import Catalog
from reegeo.paths import user_data_dir

__all__ = ["installed_manifest"]

_LOCK_NAME = ".lock"

_M = Catalog("layers.folder", {
    "manifest_unreadable": {
        "en": "installed layer manifest {path} cannot be read ({reason}): fix it or remove the folder {folder}",
        "ms": "manifes lapisan terpasang {path} tidak dapat dibaca ({reason}): betulkan manifes itu atau buang folder {folder}",
    },
    "layers_not_table": {
        "en": "installed layer manifest {path}: 'layers' must be a table of [layers.NAME] tables",
        "ms": "manifes lapisan terpasang {path}: 'layers' mesti berupa jadual yang mengandungi jadual [layers.NAME]",
    },
    "cannot_create": {
        "en": "cannot create the data folder {folder} ({reason}): set REEGEO_DATA_DIR to a folder you can write",
        "ms": "folder data {folder} tidak dapat dicipta ({reason}): tetapkan REEGEO_DATA_DIR kepada folder yang boleh anda tulis",
    },
    "cannot_lock": {
        "en": "cannot lock the data folder {folder} ({reason}): set REEGEO_DATA_DIR to a folder you can write",
        "ms": "folder data {folder} tidak dapat dikunci ({reason}): tetapkan REEGEO_DATA_DIR kepada folder yang boleh anda tulis",
    },
    "cannot_write": {
        "en": "cannot write {path} ({reason}): free some space or set REEGEO_DATA_DIR to a folder you can write",
        "ms": "{path} tidak dapat ditulis ({reason}): kosongkan sedikit ruang storan atau tetapkan REEGEO_DATA_DIR kepada folder yang boleh anda tulis",
    },
})


def installed_manifest(data_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The installed layers' manifest entries (empty when nothing is installed), in the current form.

    Entries written by older reegeo versions (one file replacing the whole
    layer) are read as one part that covers the states their ``coverage``
    lists (none when absent) and starts from no bundled features.
    """
    folder = data_dir or user_data_dir()
    path = folder / USER_MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayerError(_M("manifest_unreadable", path=path, reason=str(exc), folder=folder)) from None
    layers = data.get("layers", {})
    if not isinstance(layers, dict):
        raise LayerError(_M("layers_not_table", path=path))
    return {name: checked_installed_entry(path, name, entry) for name, entry in layers.items()}


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LayerError(_M("cannot_create", folder=folder, reason=exc.strerror)) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the data folder's lock: one writer at a time, so no update is lost."""
    try:
        handle = open(folder / _LOCK_NAME, "a+b")
    except OSError as exc:
        raise LayerError(_M("cannot_lock", folder=folder, reason=exc.strerror)) from None
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomically(target: Path, write: Any) -> None:
    """:func:`reegeo.atomic.write_atomically`, with a failure as one :class:`LayerError`."""
    try:
        write_atomically(target, write)
    except OSError as exc:
        raise LayerError(_M("cannot_write", path=target, reason=exc.strerror or str(exc))) from None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerError(_M("cannot_write", path=target, reason=str(exc))) from None


def _write_manifest(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    text = (
        "# Layers installed with 'python -m reegeo data import'. Each layer is the bundled one (base = \"bundled\")\n"
        "# with its parts applied in order; a part's covers are the states it makes complete.\n"
        "# Change it through reegeo (data import, data reset), never by hand.\n\n"
    )
    text += tomli_w.dumps({"layers": entries})
    tomllib.loads(text)  # never write a manifest that cannot be read back

    def write(staged: Path) -> None:
        staged.write_text(text, encoding="utf-8")

    _write_atomically(folder / USER_MANIFEST_NAME, write)
