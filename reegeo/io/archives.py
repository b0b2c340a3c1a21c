"""Safe handling of zip archives (zipped Shapefiles, KMZ, xlsx).

Every member is checked *before* anything is decompressed: names that climb out
of the target folder (``../``) or are absolute, symbolic links, encrypted
members, too many members, too much declared uncompressed data and suspicious
compression ratios are refused. Reading then counts the bytes really produced,
so an archive that lies about its sizes is stopped as well.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reegeo.errors import UploadError

__all__ = ["UnsafeUploadError", "UnsafeArchiveError", "SafeZip", "open_zip"]

#: Members smaller than this are never refused for their compression ratio
#: (tiny files compress oddly well and cannot hurt).
_RATIO_FLOOR_BYTES = 1024 * 1024
_CHUNK_BYTES = 1024 * 1024
_DRIVE_NAME = re.compile(r"^[A-Za-z]:")
#: Junk that macOS and Windows add to zips; ignored when looking for content.
_JUNK_PARTS = ("__MACOSX",)


class UnsafeUploadError(UploadError):
    """A file tries something hostile (XML entities, network links, unsafe archive)."""


class UnsafeArchiveError(UnsafeUploadError):
    """An archive is hostile or too large to open (checked before extraction)."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_uncompressed_bytes: int
    max_compression_ratio: int


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Say what is unsafe about one member, or None when it is fine."""
    name = info.filename
    if not name:
        return "a member has an empty name"
    parts = re.split(r"[\\/]+", name)
    if name.startswith(("/", "\\")) or _DRIVE_NAME.match(name):
        return f"member {name!r} has an absolute path"
    if ".." in parts:
        return f"member {name!r} points outside the archive folder (path traversal with '..')"
    if "\x00" in name:
        return f"member {name!r} has a NUL character in its name"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):  # Unix mode bits; zero for archives made on Windows
        return f"member {name!r} is a symbolic link"
    if info.flag_bits & 0x1:
        return f"member {name!r} is encrypted (password-protected)"
    return None


def is_junk(name: str) -> bool:
    """True for macOS resource forks, ``__MACOSX/`` folders and folder entries."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (
        name.endswith(("/", "\\"))
        or any(p in _JUNK_PARTS for p in parts)
        or (bool(parts) and parts[-1].startswith("._"))
    )


class SafeZip:
    """A zip archive whose member list has been checked.

    Use :func:`open_zip` to build one; then :meth:`read` a member into memory or
    :meth:`extract` chosen members into a folder under flat, safe names.
    """

    def __init__(self, archive: zipfile.ZipFile, *, display_name: str, limits: ArchiveLimits):
        self._archive = archive
        self._name = display_name
        self._limits = limits
        self._produced_bytes = 0
        self.members: list[zipfile.ZipInfo] = [
            info for info in archive.infolist() if not info.is_dir()
        ]

    @property
    def names(self) -> list[str]:
        return [info.filename for info in self.members]

    def find(self, name: str) -> zipfile.ZipInfo:
        for info in self.members:
            if info.filename == name:
                return info
        raise UploadError(f"{self._name}: the archive has no member {name!r}.")

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """Decompress one member into memory, counting the bytes really produced."""
        out = io.BytesIO()
        self._copy(info, out)
        return out.getvalue()

    def extract(self, info: zipfile.ZipInfo, target: Path, *, as_name: str) -> Path:
        """Decompress ``info`` to ``target / as_name`` (``as_name`` is ours, never the member's)."""
        path = target / as_name
        with path.open("wb") as handle:
            self._copy(info, handle)
        return path

    def _copy(self, info: zipfile.ZipInfo, handle) -> None:
        limit = self._limits.max_uncompressed_bytes
        try:
            with self._archive.open(info) as member:
                while chunk := member.read(_CHUNK_BYTES):
                    self._produced_bytes += len(chunk)
                    if self._produced_bytes > limit:
                        raise UnsafeArchiveError(
                            f"{self._name}: decompressing the archive produced more than "
                            f"{limit:,} bytes (the limit for uncompressed content), although "
                            "its directory declared less: it looks like a zip bomb. "
                            "Upload the data files themselves or a smaller archive."
                        )
                    handle.write(chunk)
        except UnsafeArchiveError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError,
                EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise UploadError(
                f"{self._name}: member {info.filename!r} of the archive cannot be "
                f"decompressed ({exc}). The zip is damaged or uses an unsupported "
                "compression; create it again with your system's 'Compress' command."
            ) from exc


def open_zip(data: bytes, *, display_name: str, limits: ArchiveLimits) -> SafeZip:
    """Open ``data`` as a zip and check every member before anything is decompressed.

    Raises
    ------
    UnsafeArchiveError
        For path traversal, absolute names, symlinks, encryption, too many members,
        too much declared uncompressed data or a suspicious compression ratio.
    UploadError
        When ``data`` is not a readable zip archive.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError,
            EOFError, ValueError, NotImplementedError, UnicodeDecodeError) as exc:
        raise UploadError(
            f"{display_name}: the file starts like a zip archive but cannot be opened "
            f"({exc}). It is damaged or incomplete; create the zip again and re-upload it."
        ) from exc

    if len(infos) > limits.max_members:
        raise UnsafeArchiveError(
            f"{display_name}: the archive has {len(infos):,} members; at most "
            f"{limits.max_members:,} are accepted. Zip only the files of one dataset "
            "(for a Shapefile: .shp, .shx, .dbf, .prj and .cpg)."
        )
    for info in infos:
        problem = _member_problem(info)
        if problem:
            raise UnsafeArchiveError(
                f"{display_name}: {problem}; such archives are refused for safety. "
                "Zip the data files again with plain relative names (no links, no "
                "password) and re-upload."
            )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_uncompressed_bytes:
        raise UnsafeArchiveError(
            f"{display_name}: the archive would unpack to {declared:,} bytes, over the "
            f"limit of {limits.max_uncompressed_bytes:,} bytes (a zip bomb or a far too "
            "large dataset). Upload a smaller extract of the data."
        )
    for info in infos:
        if info.file_size > _RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise UnsafeArchiveError(
                    f"{display_name}: member {info.filename!r} is compressed {ratio:,.0f} "
                    f"to 1 (at most {limits.max_compression_ratio} to 1 is accepted); it "
                    "looks like a zip bomb. Upload the data files themselves or a "
                    "normally compressed zip."
                )
    return SafeZip(archive, display_name=display_name, limits=limits)
