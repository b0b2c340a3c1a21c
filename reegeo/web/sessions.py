"""Workspaces kept on the server, so a reload or a dropped connection loses nothing.

The app saves each session's workspace as a project file (see
:mod:`reegeo.project`) under the user data folder, named by a random id that
the page carries in its URL (``?project=...``). A reload finds the id and
opens the project again. The id is unguessable (128 bits) and is the only key:
whoever has the URL has the workspace, as with any share link.

The store is bounded: one project at most :data:`~reegeo.project.MAX_PROJECT_BYTES`
(larger ones are not kept; the app says so and offers the file to save), all
of them together at most ``max_total_bytes`` (the oldest go first), and none
older than ``max_age_days``. Files are written whole or not at all. Point
``$REEGEO_SESSIONS_DIR`` at a shared folder when several app replicas serve
one office, so a reload on another replica finds the workspace.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from reegeo.atomic import write_atomically
from reegeo.paths import user_data_dir
from reegeo.project import MAX_PROJECT_BYTES, PROJECT_SUFFIX

__all__ = ["SESSIONS_DIR_ENV", "SessionStore"]

SESSIONS_DIR_ENV = "REEGEO_SESSIONS_DIR"
_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


class SessionStore:
    """Saved workspaces by session id, in ``folder`` (default ``$REEGEO_SESSIONS_DIR``, else ``<user data folder>/sessions``)."""

    def __init__(
        self,
        folder: str | os.PathLike | None = None,
        *,
        max_bytes: int = MAX_PROJECT_BYTES,
        max_total_bytes: int = 4 * 1024**3,
        max_age_days: float = 30.0,
    ) -> None:
        explicit = folder or os.environ.get(SESSIONS_DIR_ENV)
        self.folder = Path(explicit).expanduser() if explicit else user_data_dir() / "sessions"
        self.max_bytes = max_bytes
        self.max_total_bytes = max_total_bytes
        self.max_age_s = max_age_days * 86_400

    @staticmethod
    def new_id() -> str:
        """A fresh, unguessable session id (URL-safe)."""
        return secrets.token_urlsafe(16)

    @staticmethod
    def valid(session_id: object) -> bool:
        """Whether ``session_id`` has the shape of an id (anything else, a path say, is never looked up)."""
        return isinstance(session_id, str) and bool(_ID.match(session_id))

    def save(self, session_id: str, data: bytes) -> bool:
        """Keep ``data`` (project bytes) under ``session_id``; False when it is over the size limit and was not kept.

        Raises
        ------
        ValueError
            For an id that :meth:`valid` refuses.
        OSError
            When the folder cannot be written (full disk, permissions); the
            earlier file, if any, is unchanged.
        """
        if not self.valid(session_id):
            raise ValueError(f"not a session id: {session_id!r}")
        if len(data) > self.max_bytes:
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self._path(session_id), lambda staged: staged.write_bytes(data))
        self.prune()
        return True

    def load(self, session_id: object) -> bytes | None:
        """The project bytes saved under ``session_id``; None when there are none (unknown, expired or not an id)."""
        if not self.valid(session_id):
            return None
        path = self._path(str(session_id))
        try:
            if time.time() - path.stat().st_mtime > self.max_age_s:
                path.unlink(missing_ok=True)
                return None
            return path.read_bytes()
        except OSError:
            return None

    def prune(self) -> None:
        """Remove expired workspaces, then the oldest until the total fits ``max_total_bytes``."""
        now = time.time()
        kept = []
        for path in self.folder.glob(f"*{PROJECT_SUFFIX}"):
            try:
                stat = path.stat()
            except OSError:
                continue
            if now - stat.st_mtime > self.max_age_s:
                path.unlink(missing_ok=True)
            else:
                kept.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in kept)
        for _, size, path in sorted(kept):
            if total <= self.max_total_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def _path(self, session_id: str) -> Path:
        return self.folder / f"{session_id}{PROJECT_SUFFIX}"
