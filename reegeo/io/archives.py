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
from reegeo.messages import Catalog, Message

_M = Catalog("io.archives", {
    "empty_member_name": {"en": "a member has an empty name", "ms": "satu ahli arkib tiada nama"},
    "absolute_path": {"en": "member {member!r} has an absolute path", "ms": "ahli {member!r} mempunyai laluan mutlak"},
    "path_traversal": {
        "en": "member {member!r} points outside the archive folder (path traversal with '..')",
        "ms": "ahli {member!r} menghala ke luar folder arkib (lintasan laluan dengan '..')",
    },
    "nul_in_name": {
        "en": "member {member!r} has a NUL character in its name",
        "ms": "nama ahli {member!r} mengandungi aksara NUL",
    },
    "symbolic_link": {"en": "member {member!r} is a symbolic link", "ms": "ahli {member!r} ialah pautan simbolik"},
    "encrypted": {
        "en": "member {member!r} is encrypted (password-protected)",
        "ms": "ahli {member!r} disulitkan (dilindungi kata laluan)",
    },
    "no_member": {"en": "{file}: the archive has no member {member!r}.", "ms": "{file}: arkib ini tiada ahli {member!r}."},
    "zip_bomb_produced": {
        "en": "{file}: decompressing the archive produced more than {limit:,} bytes (the limit for uncompressed "
              "content), although its directory declared less: it looks like a zip bomb. Upload the data files "
              "themselves or a smaller archive.",
        "ms": "{file}: penyahmampatan arkib menghasilkan lebih daripada {limit:,} bait (had bagi kandungan yang tidak "
              "dimampatkan), walaupun direktorinya mengisytiharkan saiz yang lebih kecil: ia kelihatan seperti bom zip. "
              "Muat naik fail data itu sendiri atau arkib yang lebih kecil.",
    },
    "member_not_decompressed": {
        "en": "{file}: member {member!r} of the archive cannot be decompressed ({error}). The zip is damaged or "
              "uses an unsupported compression; create it again with your system's 'Compress' command.",
        "ms": "{file}: ahli {member!r} dalam arkib tidak dapat dinyahmampat ({error}). Fail zip ini rosak atau "
              "menggunakan pemampatan yang tidak disokong; cipta semula fail zip dengan arahan 'Compress' sistem anda.",
    },
    "not_a_zip": {
        "en": "{file}: the file starts like a zip archive but cannot be opened ({error}). It is damaged or "
              "incomplete; create the zip again and re-upload it.",
        "ms": "{file}: fail ini bermula seperti arkib zip tetapi tidak dapat dibuka ({error}). Fail ini rosak atau "
              "tidak lengkap; cipta semula fail zip dan muat naik semula.",
    },
    "too_many_members": {
        "en": "{file}: the archive has {count:,} members; at most {limit:,} are accepted. Zip only the files of "
              "one dataset (for a Shapefile: .shp, .shx, .dbf, .prj and .cpg).",
        "ms": "{file}: arkib ini mempunyai {count:,} ahli; paling banyak {limit:,} diterima. Zip fail bagi satu set "
              "data sahaja (bagi Shapefile: .shp, .shx, .dbf, .prj dan .cpg).",
    },
    "unsafe_member": {
        "en": "{file}: {problem}; such archives are refused for safety. Zip the data files again with plain "
              "relative names (no links, no password) and re-upload.",
        "ms": "{file}: {problem}; arkib sebegini ditolak atas sebab keselamatan. Zip semula fail data dengan nama "
              "relatif biasa (tanpa pautan, tanpa kata laluan) dan muat naik semula.",
    },
    "declared_too_large": {
        "en": "{file}: the archive would unpack to {declared:,} bytes, over the limit of {limit:,} bytes (a zip "
              "bomb or a far too large dataset). Upload a smaller extract of the data.",
        "ms": "{file}: arkib ini akan dinyahpek menjadi {declared:,} bait, melebihi had {limit:,} bait (bom zip atau "
              "set data yang terlalu besar). Muat naik petikan data yang lebih kecil.",
    },
    "compression_ratio": {
        "en": "{file}: member {member!r} is compressed {ratio:,.0f} to 1 (at most {limit} to 1 is accepted); it "
              "looks like a zip bomb. Upload the data files themselves or a normally compressed zip.",
        "ms": "{file}: ahli {member!r} dimampatkan pada nisbah {ratio:,.0f} berbanding 1 (paling tinggi {limit} "
              "berbanding 1 diterima); ia kelihatan seperti bom zip. Muat naik fail data itu sendiri atau fail zip "
              "yang dimampatkan secara biasa.",
    },
})

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


def _member_problem(info: zipfile.ZipInfo) -> Message | None:
    """Say what is unsafe about one member, or None when it is fine."""
    name = info.filename
    if not name:
        return _M("empty_member_name")
    parts = re.split(r"[\\/]+", name)
    if name.startswith(("/", "\\")) or _DRIVE_NAME.match(name):
        return _M("absolute_path", member=name)
    if ".." in parts:
        return _M("path_traversal", member=name)
    if "\x00" in name:
        return _M("nul_in_name", member=name)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):  # Unix mode bits; zero for archives made on Windows
        return _M("symbolic_link", member=name)
    if info.flag_bits & 0x1:
        return _M("encrypted", member=name)
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
        raise UploadError(_M("no_member", file=self._name, member=name))

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
                        raise UnsafeArchiveError(_M("zip_bomb_produced", file=self._name, limit=limit))
                    handle.write(chunk)
        except UnsafeArchiveError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError,
                EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise UploadError(_M("member_not_decompressed", file=self._name, member=info.filename, error=str(exc))) from exc


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
        raise UploadError(_M("not_a_zip", file=display_name, error=str(exc))) from exc

    if len(infos) > limits.max_members:
        raise UnsafeArchiveError(_M("too_many_members", file=display_name, count=len(infos), limit=limits.max_members))
    for info in infos:
        problem = _member_problem(info)
        if problem:
            raise UnsafeArchiveError(_M("unsafe_member", file=display_name, problem=problem))
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_uncompressed_bytes:
        raise UnsafeArchiveError(_M("declared_too_large", file=display_name, declared=declared, limit=limits.max_uncompressed_bytes))
    for info in infos:
        if info.file_size > _RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise UnsafeArchiveError(_M("compression_ratio", file=display_name, member=info.filename, ratio=ratio,
                                            limit=limits.max_compression_ratio))
    return SafeZip(archive, display_name=display_name, limits=limits)
