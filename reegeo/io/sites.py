"""Read the sites and layers planners upload, and refuse hostile files clearly.

One reader serves the app's upload widget, the CLI's SITES argument and
``--layer``, and ``data import``. It takes whatever a GIS or a spreadsheet gives:
GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV or Excel with coordinate or
WKT columns, GeoParquet and FlatGeobuf, identified by content as well as by name.

Every problem with a file raises :class:`~reegeo.errors.UploadError` (or a
subclass) whose message names the file, the row or feature where relevant, what
is wrong and what to do. Everything that was repaired, assumed or skipped is
reported in :attr:`ReadResult.notes`; nothing is changed silently.

Examples
--------
>>> result = read_sites("candidates.csv")                     # doctest: +SKIP
>>> result.frame.loc[3, "name"], result.notes                  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np

from reegeo.errors import UploadError
from reegeo.io.archives import ArchiveLimits, UnsafeArchiveError, UnsafeUploadError
from reegeo.io.bounded import call_within
from reegeo.io.checks import check_site_areas, clean_geometries, clip_to_region, note_outside_malaysia, settle_crs
from reegeo.io.detect import (
    ACCEPTED_FORMATS,
    MAPINFO_PARTS,
    LayerChoiceError,
    ReadContext,
    suffix_of,
)
from reegeo.io.formats import layer_names, may_have_layers, read_raw
from reegeo.messages import Catalog, located

# The errors a read raises, importable with the readers.
__all__ = [
    "ACCEPTED_FORMATS",
    "READ_TIME_ENV",
    "LayerChoiceError",
    "ReadResult",
    "UnsafeArchiveError",
    "UnsafeUploadError",
    "UploadError",
    "UploadLimits",
    "list_layers",
    "read_layer",
    "read_sites",
    "server_limits",
]

_M = Catalog("io.sites", {
    "bad_read_time": {
        "en": "{env}={value!r} is not a number of seconds: set it to a positive number, e.g. {env}=120, and restart the server.",
        "ms": "{env}={value!r} bukan bilangan saat: tetapkan kepada nombor positif, cth. {env}=120, dan mulakan semula pelayan.",
    },
    "size_bytes": {"en": "{size:,} bytes", "ms": "{size:,} bait"},
    "size_mb": {"en": "{size:,.1f} MB", "ms": "{size:,.1f} MB"},
    "too_large": {
        "en": "the file is {size}; at most {limit} is accepted. Upload a smaller extract (only the area of interest), "
              "or raise the limit (UploadLimits(max_bytes=...) in Python; server.maxUploadSize in .streamlit/config.toml for the app).",
        "ms": "saiz fail ini {size}; paling besar {limit} diterima. Muat naik petikan yang lebih kecil (kawasan yang diperlukan sahaja), "
              "atau naikkan had (UploadLimits(max_bytes=...) dalam Python; server.maxUploadSize dalam .streamlit/config.toml bagi aplikasi).",
    },
    "folder_not_file_zip": {
        "en": "{path!r} is a folder, not a file. Give the path of the data file itself (zip a Shapefile's files first).",
        "ms": "{path!r} ialah folder, bukan fail. Berikan laluan fail data itu sendiri (zip fail-fail Shapefile dahulu).",
    },
    "no_such_file": {
        "en": "no such file ({path!r}). Check the path and its spelling.",
        "ms": "fail tidak wujud ({path!r}). Semak laluan dan ejaannya.",
    },
    "permission_denied": {
        "en": "the file cannot be opened (permission denied). Check its permissions.",
        "ms": "fail ini tidak dapat dibuka (kebenaran ditolak). Semak kebenarannya.",
    },
    "folder_not_file": {
        "en": "{path!r} is a folder, not a file. Give the path of the data file itself.",
        "ms": "{path!r} ialah folder, bukan fail. Berikan laluan fail data itu sendiri.",
    },
    "mapinfo_permission_denied": {
        "en": "a file of the MapInfo table cannot be opened (permission denied). Check its permissions.",
        "ms": "salah satu fail jadual MapInfo tidak dapat dibuka (kebenaran ditolak). Semak kebenarannya.",
    },
    "column_name_too_long": {
        "en": "a column name is {length:,} characters long (starting {start!r}); at most {limit:,} are accepted. Shorten the column name.",
        "ms": "satu nama lajur mempunyai {length:,} aksara (bermula {start!r}); paling banyak {limit:,} diterima. Pendekkan nama lajur itu.",
    },
    "cell_too_long": {
        "en": ("row {row}, column {column!r} holds {length:,} characters; at most {limit:,} are accepted in one cell "
               "({count:,} cell is too long). Shorten the text or drop the column, or raise the limit (UploadLimits(max_attribute_chars=...)).",
               "row {row}, column {column!r} holds {length:,} characters; at most {limit:,} are accepted in one cell "
               "({count:,} cells are too long). Shorten the text or drop the column, or raise the limit (UploadLimits(max_attribute_chars=...))."),
        "ms": "baris {row}, lajur {column!r} mengandungi {length:,} aksara; paling banyak {limit:,} diterima dalam satu sel "
              "({count:,} sel terlalu panjang). Pendekkan teks atau buang lajur itu, atau naikkan had (UploadLimits(max_attribute_chars=...)).",
    },
})


@dataclass(frozen=True)
class UploadLimits:
    """Bounds on what one upload may hold; every bound has a message saying how to raise it.

    Parameters
    ----------
    max_bytes
        Size of the file as uploaded (also ``server.maxUploadSize`` in ``.streamlit/config.toml``).
    max_features
        Features or data rows (the CLI's ``--max-features``).
    max_attribute_chars
        Characters in one text cell (and in one column name).
    max_archive_members
        Members of a zip, KMZ or xlsx archive.
    max_uncompressed_bytes
        Total size of an archive's members once decompressed.
    max_compression_ratio
        Largest accepted ratio of uncompressed to compressed size of one archive member
        over 1 MiB (ordinary data compresses far less than a zip bomb's ~1000 to 1).
    max_site_km2
        Largest area of one site: a refinery site is a few hundred hectares, so a
        bigger one is a district, a state or a mistaken footprint, not a site.
    max_read_s
        Wall-clock seconds one file may take to read (the CLI's ``--max-read-s``,
        ``REEGEO_MAX_READ_S`` for the app); the reader runs in a child process
        that is stopped when the time is up. None reads in this process, unbounded.
    """

    max_bytes: int = 50 * 1024 * 1024
    max_features: int = 100_000
    max_attribute_chars: int = 2_000
    max_archive_members: int = 2_000
    max_uncompressed_bytes: int = 512 * 1024 * 1024
    max_compression_ratio: int = 250
    max_site_km2: float = 5_000.0
    max_read_s: float | None = 120.0


READ_TIME_ENV = "REEGEO_MAX_READ_S"


def server_limits(environ: Mapping[str, str] = os.environ) -> UploadLimits:
    """A server's upload limits: the defaults, with ``REEGEO_MAX_READ_S`` (seconds per file) when it is set.

    Raises
    ------
    UploadError
        ``REEGEO_MAX_READ_S`` is not a positive number of seconds.
    """
    value = environ.get(READ_TIME_ENV, "").strip()
    if not value:
        return UploadLimits()
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise UploadError(_M("bad_read_time", env=READ_TIME_ENV, value=value))
    return UploadLimits(max_read_s=seconds)


@dataclass(frozen=True)
class ReadResult:
    """A file read as sites or as a layer.

    Attributes
    ----------
    frame
        CRS always set; geometries valid, 2-D and non-empty; attribute columns kept
        (text as ``str``). The index (named ``"row"``) is the 1-based row or feature
        number in the original file — for CSV and Excel row 1 is the first row after
        the header — so skipped rows keep the user's numbering.
    notes
        Plain-language notes on what was repaired, assumed or skipped.
    filename
        The display name of the file.
    sha256
        Hex digest of the raw bytes as given.
    format
        Format found by content, e.g. ``"GeoJSON"``, ``"Shapefile (zip)"``, ``"CSV"``.
    """

    frame: gpd.GeoDataFrame
    notes: tuple[str, ...]
    filename: str
    sha256: str
    format: str


# ---------------------------------------------------------------- public API


def read_sites(
    source: str | os.PathLike | bytes,
    *,
    filename: str | None = None,
    layer: str | None = None,
    limits: UploadLimits = UploadLimits(),
    x_column: str | None = None,
    y_column: str | None = None,
) -> ReadResult:
    """Read candidate sites: points and areas (multi-part and mixed are fine).

    ``x_column``/``y_column`` choose a table's coordinate columns (longitude or
    easting, latitude or northing) instead of the usual names.

    Parameters
    ----------
    source
        A path to read from disk, or the raw bytes of an upload.
    filename
        The uploaded file's name; required when ``source`` is bytes, optional display
        name otherwise.
    layer
        Layer to read from a container: a GeoPackage layer, a Shapefile in a zip
        holding several, a KML folder or an Excel sheet (see :func:`list_layers`).
    limits
        Bounds on size, feature count, text length and archives.

    Returns
    -------
    ReadResult

    Raises
    ------
    UploadError
        For anything wrong with the file, including lines (a site is a point or an
        area), coordinates that look swapped, no CRS with coordinates that are not
        longitude/latitude, and several layers with none chosen
        (:class:`LayerChoiceError`, whose ``layers`` lists them).
    """
    return _read(source, filename=filename, layer=layer, limits=limits, sites=True, columns=(x_column, y_column))


def read_layer(
    source: str | os.PathLike | bytes,
    *,
    filename: str | None = None,
    layer: str | None = None,
    limits: UploadLimits = UploadLimits(),
) -> ReadResult:
    """Read a constraint layer: like :func:`read_sites`, but any geometry type is allowed.

    Null and empty geometries are skipped and reported; invalid ones are repaired.
    The file's CRS is kept (reprojection is the engine's job).
    """
    return _read(source, filename=filename, layer=layer, limits=limits, sites=False)


def list_layers(source: str | os.PathLike | bytes, *, filename: str | None = None, limits: UploadLimits = UploadLimits()) -> list[str]:
    """Names of the layers a user can choose from in ``source``.

    Spatial layers of a GeoPackage, Shapefiles in a zip, KML folders, Excel sheets;
    ``[]`` for single-layer formats (GeoJSON, CSV, GeoParquet, FlatGeobuf).
    Bounded by ``limits`` like a read, its time limit included.
    """
    data, name = _load_bytes(source, filename, limits)
    if not may_have_layers(data, _context(name, None, limits)):  # told by its first bytes: nothing to list
        return []
    return call_within(limits.max_read_s, name, _layer_names, data, name, limits)


def _layer_names(data: bytes, name: str, limits: UploadLimits) -> list[str]:
    return layer_names(data, _context(name, None, limits))


# ---------------------------------------------------------------- pipeline


def _read(source, *, filename, layer, limits: UploadLimits, sites: bool, columns: tuple[str | None, str | None] = (None, None)) -> ReadResult:
    data, name = _load_bytes(source, filename, limits)
    return call_within(limits.max_read_s, name, _read_bytes, data, name, layer, limits, sites, columns)


def _read_bytes(data: bytes, name: str, layer: str | None, limits: UploadLimits, sites: bool, columns: tuple[str | None, str | None]) -> ReadResult:
    digest = hashlib.sha256(data).hexdigest()
    raw = read_raw(data, _context(name, layer, limits, columns))
    notes = list(raw.notes)
    frame = _geometry_column_named(raw.frame)
    _check_attributes(frame, name, limits)
    frame = clean_geometries(frame, name, notes, sites=sites)
    frame = settle_crs(frame, name, raw, notes)
    if sites:
        check_site_areas(frame, name, limits.max_site_km2)
        note_outside_malaysia(frame, name, notes)
    else:
        frame = clip_to_region(frame, name, notes)
    frame.index.name = "row"
    return ReadResult(frame=frame, notes=tuple(notes), filename=name, sha256=digest, format=raw.format)


def _context(name: str, layer: str | None, limits: UploadLimits, columns: tuple[str | None, str | None] = (None, None)) -> ReadContext:
    return ReadContext(
        x_column=columns[0],
        y_column=columns[1],
        name=name,
        suffix=suffix_of(name),
        layer=layer,
        max_features=limits.max_features,
        archive_limits=ArchiveLimits(
            max_members=limits.max_archive_members,
            max_uncompressed_bytes=limits.max_uncompressed_bytes,
            max_compression_ratio=limits.max_compression_ratio,
        ),
    )


def _display_name(filename: str) -> str:
    # Browsers may send "C:\\fakepath\\sites.csv"; show only the last part.
    return PurePosixPath(filename.replace("\\", "/")).name or filename


def _size_text(size: int) -> str:
    return _M("size_bytes", size=size) if size < 1_000_000 else _M("size_mb", size=size / 1e6)


def _too_large(name: str, size: int, limits: UploadLimits) -> UploadError:
    return UploadError(located(name, _M("too_large", size=_size_text(size), limit=_size_text(limits.max_bytes))))


def _load_bytes(source, filename: str | None, limits: UploadLimits) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not filename:
            raise TypeError("filename is required when source is bytes (it gives the suffix and the name in messages)")
        name = _display_name(filename)
        data = bytes(source)
        if len(data) > limits.max_bytes:
            raise _too_large(name, len(data), limits)
        return data, name
    path = Path(source)
    name = _display_name(filename) if filename else path.name
    if path.suffix.lower() == ".tab" and path.is_file():
        return _mapinfo_bundle(path, name, limits), name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UploadError(located(name, _M("folder_not_file_zip", path=str(path))))
        if size > limits.max_bytes:
            raise _too_large(name, size, limits)
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError as exc:
        raise UploadError(located(name, _M("no_such_file", path=str(path)))) from exc
    except PermissionError as exc:
        raise UploadError(located(name, _M("permission_denied"))) from exc
    except IsADirectoryError as exc:
        raise UploadError(located(name, _M("folder_not_file", path=str(path)))) from exc
    if len(data) > limits.max_bytes:
        raise _too_large(name, len(data), limits)
    return data, name


def _mapinfo_bundle(path: Path, name: str, limits: UploadLimits) -> bytes:
    """A MapInfo .tab given by path, zipped in memory with the .dat, .map and .id files beside it.

    The companions are found case-insensitively (``V_forest_res.TAB`` with
    ``V_forest_res.DAT``); the zip then goes through the same reader (and
    archive checks) as an uploaded one.
    """
    companions = sorted(
        p for p in path.parent.iterdir()
        if p.is_file() and p.stem.lower() == path.stem.lower() and p.suffix.lower() in MAPINFO_PARTS
    )
    size = sum(p.stat().st_size for p in companions)
    if size > limits.max_bytes:
        raise _too_large(name, size, limits)
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
            for part in companions:
                # A fixed timestamp: the same files give the same bytes, so the same SHA-256.
                member = zipfile.ZipInfo(path.stem + part.suffix.lower(), date_time=(1980, 1, 1, 0, 0, 0))
                bundle.writestr(member, part.read_bytes())
    except PermissionError as exc:
        raise UploadError(located(name, _M("mapinfo_permission_denied"))) from exc
    return buffer.getvalue()


def _geometry_column_named(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.geometry.name != "geometry" and "geometry" not in frame.columns:
        frame = frame.rename_geometry("geometry")
    return frame


def _check_attributes(frame: gpd.GeoDataFrame, name: str, limits: UploadLimits) -> None:
    limit = limits.max_attribute_chars
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        if len(str(column)) > limit:
            raise UploadError(located(name, _M("column_name_too_long", length=len(str(column)), start=str(column)[:40], limit=limit)))
        series = frame[column]
        if series.dtype.kind not in "OSU" and str(series.dtype) not in ("str", "string"):
            continue
        if series.dtype.kind in "OSU":
            lengths = np.fromiter((len(v) if isinstance(v, str) else 0 for v in series), dtype=np.int64, count=len(series))
        else:
            lengths = series.str.len().fillna(0).to_numpy(dtype=np.int64)
        over = np.flatnonzero(lengths > limit)
        if over.size:
            row = frame.index[over[0]]
            raise UploadError(located(name, _M(
                "cell_too_long", row=row, column=str(column), length=int(lengths[over[0]]), limit=limit, count=int(over.size),
            )))
