"""Write screening results as CSV, GeoJSON or GeoPackage.

The output format is picked by the file suffix from a table; an unknown suffix
is refused with the list of accepted ones. CSV cells that a spreadsheet would
run as a formula are neutralised. The same results always give the same bytes
for CSV and GeoJSON.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from reegeo.atomic import write_atomically
from reegeo.errors import ExportError
from reegeo.messages import Catalog

_M = Catalog("io.exports", {
    "unknown_format": {
        "en": "output {file!r}: unknown format {suffix!r}; use one of {formats}",
        "ms": "fail output {file!r}: format {suffix!r} tidak dikenali; gunakan salah satu daripada {formats}",
    },
    "no_suffix": {
        "en": "output {file!r}: unknown format '(no suffix)'; use one of {formats}",
        "ms": "fail output {file!r}: format tidak dikenali (tiada akhiran); gunakan salah satu daripada {formats}",
    },
    "no_folder": {
        "en": "output folder {folder} does not exist: create it or write elsewhere",
        "ms": "folder output {folder} tidak wujud: cipta folder itu atau simpan di tempat lain",
    },
    "is_folder": {
        "en": "cannot write {path}: it is a folder; give a file name",
        "ms": "tidak dapat menyimpan {path}: ia ialah folder; berikan nama fail",
    },
    "cannot_write": {
        "en": "cannot write {path} ({error}): choose a folder you can write to, with free space",
        "ms": "tidak dapat menyimpan {path} ({error}): pilih folder yang boleh ditulis dan mempunyai ruang kosong",
    },
})

__all__ = [
    "TABLE_FORMATS",
    "neutralise_cell",
    "results_to_csv",
    "results_to_geojson",
    "results_to_gpkg",
    "write_results",
]

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would evaluate with a quote.

    Cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return
    are made inert (OWASP CSV injection guidance); numbers are left alone.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def results_to_csv(results: gpd.GeoDataFrame) -> bytes:
    """Results as UTF-8 CSV bytes: contract columns plus the site's representative point."""
    frame = _table(results)
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    for column in text_columns:
        frame[column] = frame[column].map(neutralise_cell)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, na_rep="", lineterminator="\n", float_format="%.10g")
    return buffer.getvalue().encode("utf-8")


def results_to_geojson(results: gpd.GeoDataFrame) -> bytes:
    """Results as a GeoJSON FeatureCollection (EPSG:4326), deterministic bytes."""
    frame = results.to_crs(4326)
    properties = _table(frame, with_anchor=False)
    features = []
    geometries = frame.geometry.to_json(drop_id=True, to_wgs84=False)
    geometry_list = [feature["geometry"] for feature in json.loads(geometries)["features"]]
    for record, geometry in zip(properties.to_dict(orient="records"), geometry_list):
        features.append({"type": "Feature", "properties": {k: _json_value(v) for k, v in record.items()}, "geometry": geometry})
    document = {"type": "FeatureCollection", "features": features}
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def results_to_gpkg(results: gpd.GeoDataFrame, path: str | Path) -> None:
    """Write results as a GeoPackage layer named ``screening`` (EPSG:4326)."""
    frame = gpd.GeoDataFrame(_table(results, with_anchor=False), geometry=results.geometry.values, crs=results.crs)
    frame.to_file(path, layer="screening", driver="GPKG", engine="pyogrio")


def _write_bytes(render: Callable[[gpd.GeoDataFrame], bytes]) -> Callable[[gpd.GeoDataFrame, Path], None]:
    def write(results: gpd.GeoDataFrame, path: Path) -> None:
        path.write_bytes(render(results))

    return write


def results_to_gpkg_bytes(results: gpd.GeoDataFrame) -> bytes:
    """The results as the bytes of a GeoPackage file (written through a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="reegeo-export-") as folder:
        path = Path(folder) / "results.gpkg"
        results_to_gpkg(results, path)
        return path.read_bytes()


@dataclass(frozen=True)
class TableFormat:
    """One way to export results: its file suffixes, its MIME type, and how to write it."""

    suffixes: tuple[str, ...]
    mime: str
    to_bytes: Callable[[gpd.GeoDataFrame], bytes]
    to_file: Callable[[gpd.GeoDataFrame, Path], None]


# The one table of result exports, by name (the app's downloads; the CLI picks by suffix).
EXPORTS: dict[str, TableFormat] = {
    "csv": TableFormat((".csv",), "text/csv", results_to_csv, _write_bytes(results_to_csv)),
    "geojson": TableFormat((".geojson", ".json"), "application/geo+json", results_to_geojson, _write_bytes(results_to_geojson)),
    "gpkg": TableFormat((".gpkg",), "application/geopackage+sqlite3", results_to_gpkg_bytes, results_to_gpkg),
}
# Suffix -> writer, for :func:`write_results`.
TABLE_FORMATS: dict[str, Callable[[gpd.GeoDataFrame, Path], None]] = {
    suffix: export.to_file for export in EXPORTS.values() for suffix in export.suffixes
}


def write_results(results: gpd.GeoDataFrame, path: str | Path, *, formats: dict | None = None) -> Path:
    """Write results to ``path``, the format chosen by its suffix.

    Parameters
    ----------
    results : GeoDataFrame
        The output of :func:`reegeo.screening.engine.screen_sites`.
    path : str or Path
        ``.csv``, ``.geojson``/``.json`` or ``.gpkg``.
    formats : dict, optional
        Suffix to writer table (defaults to :data:`TABLE_FORMATS`).

    Raises
    ------
    ExportError
        For an unknown suffix or a folder that cannot be written.
    """
    path = Path(path)
    table = formats if formats is not None else TABLE_FORMATS
    writer = table.get(path.suffix.lower())
    if writer is None:
        accepted = ", ".join(sorted(table))
        if path.suffix:
            raise ExportError(_M("unknown_format", file=path.name, suffix=path.suffix, formats=accepted))
        raise ExportError(_M("no_suffix", file=path.name, formats=accepted))
    if not path.parent.exists():
        raise ExportError(_M("no_folder", folder=path.parent))
    if path.is_dir():
        raise ExportError(_M("is_folder", path=path))
    try:
        write_atomically(path, lambda staged: writer(results, staged))
    except IsADirectoryError:
        raise ExportError(_M("is_folder", path=path)) from None
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ExportError(_M("cannot_write", path=path, error=str(exc))) from None
    return path


def _table(results: gpd.GeoDataFrame, *, with_anchor: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(results.drop(columns=results.geometry.name))
    if with_anchor:
        anchors = results.to_crs(4326).geometry.representative_point()
        frame["longitude"] = np.round(anchors.x.to_numpy(), 6)
        frame["latitude"] = np.round(anchors.y.to_numpy(), 6)
    return frame


def _json_value(value: object) -> object:
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):  # dates and times from the input's own columns
        return value.isoformat()
    return str(value)
