"""Readers for tables: CSV and Excel sheets with latitude/longitude or WKT columns.

Column names are matched in any case; decimal commas, missing-value tokens and
swapped or out-of-range coordinates get a specific error naming the rows.
"""

from __future__ import annotations

import io
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from reegeo.errors import UploadError
from reegeo.io.detect import (
    CSV,
    EXCEL,
    MAX_COLUMNS,
    ColumnChoiceError,
    RawRead,
    ReadContext,
    check_column_count,
    check_feature_count,
    list_rows,
    parser_errors,
    refuse_unknown,
)
from reegeo.io.vector import choose_layer

__all__ = ["LAT_NAMES", "LON_NAMES", "WKT_NAMES", "excel_sheets", "read_csv", "read_excel"]

# Coordinate headers, English then Malay (latitud, longitud; bujur is longitude), matched in any case.
LAT_NAMES = ("latitude", "lat", "y", "latitud")
LON_NAMES = ("longitude", "lon", "lng", "long", "x", "longitud", "bujur")
WKT_NAMES = ("wkt", "geometry", "geom")
_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--"})
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


# ---------------------------------------------------------------- tables: CSV and Excel


def _decode_text(data: bytes, ctx: ReadContext) -> tuple[str, list[str]]:
    if b"\x00" in data:
        raise refuse_unknown(ctx.name, "the content has NUL bytes, so it is not a text (CSV) file")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    return text, [f"the file is not UTF-8; its text was read as {encoding}. Save it as 'CSV UTF-8' if names look wrong."]


def _delimiter(text: str) -> str:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv(data: bytes, ctx: ReadContext) -> RawRead:
    text, notes = _decode_text(data, ctx)
    if not text.strip():
        raise UploadError(f"{ctx.name}: the file is empty. Upload a CSV with a header row and one row per site.")
    sep = _delimiter(text)
    with parser_errors(
        ctx.name, "cannot be read as CSV",
        "Check that every row has the same number of columns and quotes are closed, or save it again from Excel as 'CSV UTF-8'.",
    ):
        table = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=True, engine="python",
        )
    if not isinstance(table.index, pd.RangeIndex):
        # Every row has more fields than the header: pandas would silently shift the columns.
        header = len(table.columns)
        raise UploadError(
            f"{ctx.name}: row 1 has more fields than the header's {header} ({', '.join(map(str, table.columns))}): "
            "a value probably holds the separator (e.g. 'Kuantan Port, Pahang'). Put such values in double quotes, "
            "or save the file again from Excel as 'CSV UTF-8'."
        )
    return _table_to_frame(table, ctx, CSV, notes)


def excel_sheets(archive_bytes: bytes, ctx: ReadContext) -> list[str]:
    with parser_errors(ctx.name, "cannot be read as an Excel workbook", "Open it in Excel and save it again as .xlsx, or save the sheet as CSV."):
        return [str(s) for s in pd.ExcelFile(io.BytesIO(archive_bytes), engine="openpyxl").sheet_names]


def read_excel(data: bytes, ctx: ReadContext) -> RawRead:
    sheets = excel_sheets(data, ctx)
    if not sheets:
        raise UploadError(f"{ctx.name}: the workbook has no sheets. Put the sites on the first sheet and save again.")
    notes = []
    if ctx.layer is not None:
        sheet = choose_layer(sheets, ctx, "workbook", "sheets")
    else:
        sheet = sheets[0]
        if len(sheets) > 1:
            notes.append(f"read the first sheet {sheet!r} of {len(sheets)}; choose another sheet as the layer to read it instead.")
    with parser_errors(ctx.name, "cannot be read as an Excel workbook", "Open it in Excel and save it again as .xlsx, or save the sheet as CSV."):
        _check_excel_rows(data, sheet, ctx)
        table = pd.read_excel(
            io.BytesIO(data), sheet_name=sheet, dtype=str, keep_default_na=False,
            na_filter=False, engine="openpyxl",
        )
    return _table_to_frame(table, ctx, EXCEL, notes)


def _check_excel_rows(data: bytes, sheet: str, ctx: ReadContext) -> None:
    """Refuse a sheet with too many rows or columns after streaming just past the limit, before the full parse.

    The sheet's stated dimension can lie, so rows are counted as they stream
    (openpyxl's read-only mode); a million-row sheet stops after the limit.
    """
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for count, row in enumerate(workbook[sheet].iter_rows(values_only=True)):
            if count == 0 and len(row) > MAX_COLUMNS:
                check_column_count(len(row), ctx)
            if count > ctx.max_features:  # the header plus more data rows than allowed
                check_feature_count(count, ctx, unit="rows or more")
    finally:
        workbook.close()


def _find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    keyed: dict[str, str] = {}
    for column in columns:
        keyed.setdefault(column.strip().lower(), column)
    for wanted in names:
        if wanted in keyed:
            return keyed[wanted]
    return None


def _is_missing(value: str) -> bool:
    return value.strip().lower() in _MISSING_TOKENS


def _parse_number(value: str) -> float:
    value = value.strip()
    if _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _table_to_frame(table: pd.DataFrame, ctx: ReadContext, fmt: str, notes: list[str]) -> RawRead:
    trimmed = [str(c).strip() for c in table.columns]
    clashes = sorted({c for c in trimmed if trimmed.count(c) > 1})
    if clashes:
        raise UploadError(
            f"{ctx.name}: the header has the column name(s) {', '.join(repr(c) for c in clashes)} more than once "
            "(spaces around names are ignored). Give every column a different name and upload again."
        )
    table.columns = trimmed
    check_column_count(len(trimmed), ctx)
    check_feature_count(len(table), ctx, unit="rows")
    table = table.reset_index(drop=True)
    table.index = pd.RangeIndex(1, len(table) + 1, name="row")
    table = table.astype(object).where(table.notna(), "")
    columns = list(table.columns)
    wkt_col = _find_column(columns, WKT_NAMES)
    lat_col, lon_col = _find_column(columns, LAT_NAMES), _find_column(columns, LON_NAMES)
    for chosen, argument in ((ctx.x_column, "x_column"), (ctx.y_column, "y_column")):
        if chosen is not None and chosen not in columns:
            raise ColumnChoiceError(
                f"{ctx.name}: {{argument}}: the table has no column {chosen!r}; use one of {', '.join(repr(c) for c in columns[:30])}",
                columns,
                argument=argument,
                value=chosen,
            )
    if ctx.x_column is not None or ctx.y_column is not None:
        lon_col, lat_col = ctx.x_column or lon_col, ctx.y_column or lat_col
        wkt_col = None
        notes.append(f"coordinates from column {lon_col!r} (x) and {lat_col!r} (y), as chosen.")
    if wkt_col is not None and lat_col is not None and lon_col is not None:
        if all(_is_missing(str(v)) for v in table[wkt_col]):
            notes.append(f"column {wkt_col!r} is empty; coordinates taken from {lat_col!r}/{lon_col!r}.")
            wkt_col = None
    if wkt_col is not None:
        geometry, missing = _wkt_geometries(table[wkt_col], wkt_col, ctx)
        attributes = table.drop(columns=[wkt_col])
        pair = None
    elif lat_col is not None and lon_col is not None:
        if ctx.x_column is None and ctx.y_column is None:
            notes.append(f"coordinates from column {lon_col!r} (longitude, x) and {lat_col!r} (latitude, y).")
        geometry, missing = _point_geometries(table, lat_col, lon_col, ctx)
        attributes = table
        pair = (lat_col, lon_col)
    else:
        have = ", ".join(repr(c) for c in columns[:20]) or "no columns"
        half = ""
        if lat_col is not None:
            half = f" There is a latitude column ({lat_col!r}) but no longitude column."
        elif lon_col is not None:
            half = f" There is a longitude column ({lon_col!r}) but no latitude column."
        raise ColumnChoiceError(
            f"{ctx.name}: no coordinate columns found (columns: {have}).{half} Choose the "
            "coordinate columns ({argument}), or name them 'latitude' and 'longitude' (also accepted: "
            "latitud/lat/y and longitud/bujur/lon/lng/long/x, any case) in decimal degrees, or give a "
            "'wkt' column with geometries such as POINT (103.36 3.81).",
            columns,
            argument="coordinate_columns",
        )
    if missing:
        lacking = "geometry" if wkt_col is not None else "coordinates"
        notes.append(f"{len(missing):,} {'row has' if len(missing) == 1 else 'rows have'} no {lacking} and "
                     f"{'was' if len(missing) == 1 else 'were'} skipped ({list_rows(missing)}).")
    frame = gpd.GeoDataFrame(attributes, geometry=geometry, crs=None)
    frame = frame.drop(index=missing)
    return RawRead(frame, fmt, notes, coordinate_columns=pair)


def _point_geometries(table: pd.DataFrame, lat_col: str, lon_col: str, ctx: ReadContext):
    missing, bad = [], []
    xs = np.full(len(table), np.nan)
    ys = np.full(len(table), np.nan)
    for i, (row, lat, lon) in enumerate(zip(table.index, table[lat_col], table[lon_col])):
        lat, lon = str(lat), str(lon)
        if _is_missing(lat) or _is_missing(lon):
            missing.append(row)
            continue
        ys[i], xs[i] = _parse_number(lat), _parse_number(lon)
        if math.isnan(xs[i]) or math.isnan(ys[i]):
            bad.append((row, lat, lon))
    if bad:
        examples = "; ".join(f"row {r}: {lat[:40]!r}, {lon[:40]!r}" for r, lat, lon in bad[:5])
        raise UploadError(
            f"{ctx.name}: {len(bad):,} {'row has' if len(bad) == 1 else 'rows have'} coordinates that are not numbers in columns "
            f"{lat_col!r}/{lon_col!r} ({list_rows([b[0] for b in bad])}; e.g. {examples}). "
            "Write them as decimal degrees, e.g. 3.8077 and 103.3260 (not degrees-minutes-seconds), "
            "or leave both cells empty to skip the row."
        )
    geometry = shapely.points(xs, ys)
    return gpd.GeoSeries(geometry, index=table.index), missing


def _wkt_geometries(values: pd.Series, column: str, ctx: ReadContext):
    missing: list = []
    bad: list[tuple] = []
    geometries: list = []
    for row, text in values.items():
        text = str(text)
        if _is_missing(text):
            missing.append(row)
            geometries.append(None)
            continue
        try:
            geometries.append(shapely.from_wkt(text.strip(), on_invalid="raise"))
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            bad.append((row, text, exc))
            geometries.append(None)
    if bad:
        row, text, _ = bad[0]
        raise UploadError(
            f"{ctx.name}: {len(bad):,} {'row has' if len(bad) == 1 else 'rows have'} a {column!r} value that is not valid WKT "
            f"({list_rows([b[0] for b in bad])}; row {row}: {text[:60]!r}). Write geometries "
            "as WKT, e.g. POINT (103.36 3.81) or POLYGON ((103.3 3.8, 103.4 3.8, 103.4 3.9, "
            "103.3 3.8)), or leave the cell empty to skip the row."
        )
    return gpd.GeoSeries(geometries, index=values.index), missing
