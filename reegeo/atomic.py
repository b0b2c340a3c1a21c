"""Write a file whole or not at all: to a temporary file in the same folder, then rename it into place.

A reader (or the user, after a crash or a full disk) sees the old file or the
new one, never half of one; a failed write leaves no partial file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(target: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(staged)`` on a temporary path beside ``target`` (same suffix), then rename it to ``target``.

    Raises
    ------
    OSError
        From the write or the rename; the temporary file is removed and
        ``target`` is untouched.
    """
    target = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix or ".tmp", dir=target.parent)
    os.close(handle)
    staged = Path(name)
    try:
        staged.unlink()  # writers such as GDAL want to create the file themselves
        write(staged)
        with open(staged, "rb") as written:
            os.fsync(written.fileno())
        os.replace(staged, target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return target
