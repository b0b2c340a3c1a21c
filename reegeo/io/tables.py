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
from reegeo.messages import Catalog, joined, located

__all__ = ["LAT_NAMES", "LON_NAMES", "WKT_NAMES", "excel_sheets", "read_csv", "read_excel"]

_M = Catalog("io.tables", {
    "nul_bytes": {
        "en": "the content has NUL bytes, so it is not a text (CSV) file",
        "ms": "kandungannya mempunyai bait NUL, jadi ia bukan fail teks (CSV)",
    },
    "not_utf8": {
        "en": "the file is not UTF-8; its text was read as {encoding}. Save it as 'CSV UTF-8' if names look wrong.",
        "ms": "fail ini bukan UTF-8; teksnya dibaca sebagai {encoding}. Simpan sebagai 'CSV UTF-8' jika nama kelihatan salah.",
    },
    "empty_csv": {
        "en": "the file is empty. Upload a CSV with a header row and one row per site.",
        "ms": "fail ini kosong. Muat naik CSV yang mempunyai baris pengepala dan satu baris bagi setiap tapak.",
    },
    "not_csv": {"en": "cannot be read as CSV", "ms": "tidak dapat dibaca sebagai CSV"},
    "csv_fix": {
        "en": "Check that every row has the same number of columns and quotes are closed, or save it again from Excel as 'CSV UTF-8'.",
        "ms": "Semak bahawa setiap baris mempunyai bilangan lajur yang sama dan tanda petik ditutup, "
              "atau simpan semula daripada Excel sebagai 'CSV UTF-8'.",
    },
    "more_fields_than_header": {
        "en": "row 1 has more fields than the header's {count} ({columns}): a value probably holds the separator "
              "(e.g. 'Kuantan Port, Pahang'). Put such values in double quotes, or save the file again from Excel as 'CSV UTF-8'.",
        "ms": "baris 1 mempunyai lebih banyak medan daripada {count} medan pengepala ({columns}): mungkin ada nilai yang "
              "mengandungi pemisah (cth. 'Kuantan Port, Pahang'). Letakkan nilai sebegini dalam tanda petik berganda, "
              "atau simpan semula fail daripada Excel sebagai 'CSV UTF-8'.",
    },
    "not_workbook": {"en": "cannot be read as an Excel workbook", "ms": "tidak dapat dibaca sebagai buku kerja Excel"},
    "workbook_fix": {
        "en": "Open it in Excel and save it again as .xlsx, or save the sheet as CSV.",
        "ms": "Buka dalam Excel dan simpan semula sebagai .xlsx, atau simpan helaian itu sebagai CSV.",
    },
    "no_sheets": {
        "en": "the workbook has no sheets. Put the sites on the first sheet and save again.",
        "ms": "buku kerja ini tiada helaian. Letakkan tapak pada helaian pertama dan simpan semula.",
    },
    "workbook": {"en": "workbook", "ms": "buku kerja"},
    "read_first_sheet": {
        "en": "read the first sheet {sheet!r} of {count}; choose another sheet as the layer to read it instead.",
        "ms": "helaian pertama {sheet!r} daripada {count} telah dibaca; pilih helaian lain sebagai lapisan untuk membacanya.",
    },
    "rows_or_more": {"en": "rows or more", "ms": "baris atau lebih"},
    "duplicate_columns": {
        "en": "the header has the column name(s) {columns} more than once (spaces around names are ignored). "
              "Give every column a different name and upload again.",
        "ms": "pengepala mempunyai nama lajur {columns} lebih daripada sekali (ruang di sekeliling nama diabaikan). "
              "Beri setiap lajur nama yang berbeza dan muat naik semula.",
    },
    "rows": {"en": "rows", "ms": "baris"},
    "no_such_column": {
        "en": "{argument}: the table has no column {column!r}; use one of {columns}",
        "ms": "{argument}: jadual ini tiada lajur {column!r}; gunakan salah satu daripada {columns}",
    },
    "chosen_columns": {
        "en": "coordinates from column {x!r} (x) and {y!r} (y), as chosen.",
        "ms": "koordinat daripada lajur {x!r} (x) dan {y!r} (y), seperti yang dipilih.",
    },
    "empty_wkt_column": {
        "en": "column {wkt!r} is empty; coordinates taken from {lat!r}/{lon!r}.",
        "ms": "lajur {wkt!r} kosong; koordinat diambil daripada {lat!r}/{lon!r}.",
    },
    "found_columns": {
        "en": "coordinates from column {lon!r} (longitude, x) and {lat!r} (latitude, y).",
        "ms": "koordinat daripada lajur {lon!r} (longitud, x) dan {lat!r} (latitud, y).",
    },
    "no_columns": {"en": "no columns", "ms": "tiada lajur"},
    "latitude_only": {
        "en": " There is a latitude column ({column!r}) but no longitude column.",
        "ms": " Terdapat lajur latitud ({column!r}) tetapi tiada lajur longitud.",
    },
    "longitude_only": {
        "en": " There is a longitude column ({column!r}) but no latitude column.",
        "ms": " Terdapat lajur longitud ({column!r}) tetapi tiada lajur latitud.",
    },
    "no_coordinate_columns": {
        "en": "no coordinate columns found (columns: {have}).{half} Choose the coordinate columns ({argument}), or name them "
              "'latitude' and 'longitude' (also accepted: latitud/lat/y and longitud/bujur/lon/lng/long/x, any case) in "
              "decimal degrees, or give a 'wkt' column with geometries such as POINT (103.36 3.81).",
        "ms": "tiada lajur koordinat ditemui (lajur: {have}).{half} Pilih lajur koordinat ({argument}), atau namakannya "
              "'latitude' dan 'longitude' (juga diterima: latitud/lat/y dan longitud/bujur/lon/lng/long/x, huruf besar atau "
              "kecil) dalam darjah perpuluhan, atau sediakan lajur 'wkt' dengan geometri seperti POINT (103.36 3.81).",
    },
    "skipped_no_geometry": {
        "en": ("{count:,} row has no geometry and was skipped ({rows}).",
               "{count:,} rows have no geometry and were skipped ({rows})."),
        "ms": "{count:,} baris tiada geometri dan dilangkau ({rows}).",
    },
    "skipped_no_coordinates": {
        "en": ("{count:,} row has no coordinates and was skipped ({rows}).",
               "{count:,} rows have no coordinates and were skipped ({rows})."),
        "ms": "{count:,} baris tiada koordinat dan dilangkau ({rows}).",
    },
    "bad_number_example": {"en": "row {row}: {lat!r}, {lon!r}", "ms": "baris {row}: {lat!r}, {lon!r}"},
    "not_numbers": {
        "en": ("{count:,} row has coordinates that are not numbers in columns {lat!r}/{lon!r} ({rows}; e.g. {examples}). "
               "Write them as decimal degrees, e.g. 3.8077 and 103.3260 (not degrees-minutes-seconds), "
               "or leave both cells empty to skip the row.",
               "{count:,} rows have coordinates that are not numbers in columns {lat!r}/{lon!r} ({rows}; e.g. {examples}). "
               "Write them as decimal degrees, e.g. 3.8077 and 103.3260 (not degrees-minutes-seconds), "
               "or leave both cells empty to skip the row."),
        "ms": "{count:,} baris mempunyai koordinat yang bukan nombor dalam lajur {lat!r}/{lon!r} ({rows}; cth. {examples}). "
              "Tulis sebagai darjah perpuluhan, cth. 3.8077 dan 103.3260 (bukan darjah-minit-saat), "
              "atau biarkan kedua-dua sel kosong untuk melangkau baris itu.",
    },
    "not_wkt": {
        "en": ("{count:,} row has a {column!r} value that is not valid WKT ({rows}; row {row}: {text!r}). Write geometries "
               "as WKT, e.g. POINT (103.36 3.81) or POLYGON ((103.3 3.8, 103.4 3.8, 103.4 3.9, 103.3 3.8)), "
               "or leave the cell empty to skip the row.",
               "{count:,} rows have a {column!r} value that is not valid WKT ({rows}; row {row}: {text!r}). Write geometries "
               "as WKT, e.g. POINT (103.36 3.81) or POLYGON ((103.3 3.8, 103.4 3.8, 103.4 3.9, 103.3 3.8)), "
               "or leave the cell empty to skip the row."),
        "ms": "{count:,} baris mempunyai nilai {column!r} yang bukan WKT yang sah ({rows}; baris {row}: {text!r}). Tulis geometri "
              "sebagai WKT, cth. POINT (103.36 3.81) atau POLYGON ((103.3 3.8, 103.4 3.8, 103.4 3.9, 103.3 3.8)), "
              "atau biarkan sel itu kosong untuk melangkau baris itu.",
    },
})

# Coordinate headers, English then Malay (latitud, longitud; bujur is longitude), matched in any case.
LAT_NAMES = ("latitude", "lat", "y", "latitud")
LON_NAMES = ("longitude", "lon", "lng", "long", "x", "longitud", "bujur")
WKT_NAMES = ("wkt", "geometry", "geom")
_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--"})
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


# ---------------------------------------------------------------- tables: CSV and Excel


def _decode_text(data: bytes, ctx: ReadContext) -> tuple[str, list[str]]:
    if b"\x00" in data:
        raise refuse_unknown(ctx.name, _M("nul_bytes"))
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    return text, [_M("not_utf8", encoding=encoding)]


def _delimiter(text: str) -> str:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv(data: bytes, ctx: ReadContext) -> RawRead:
    text, notes = _decode_text(data, ctx)
    if not text.strip():
        raise UploadError(located(ctx.name, _M("empty_csv")))
    sep = _delimiter(text)
    with parser_errors(ctx.name, _M("not_csv"), _M("csv_fix")):
        table = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=True, engine="python",
        )
    if not isinstance(table.index, pd.RangeIndex):
        # Every row has more fields than the header: pandas would silently shift the columns.
        header = len(table.columns)
        columns = ", ".join(map(str, table.columns))
        raise UploadError(located(ctx.name, _M("more_fields_than_header", count=header, columns=columns)))
    return _table_to_frame(table, ctx, CSV, notes)


def excel_sheets(archive_bytes: bytes, ctx: ReadContext) -> list[str]:
    with parser_errors(ctx.name, _M("not_workbook"), _M("workbook_fix")):
        return [str(s) for s in pd.ExcelFile(io.BytesIO(archive_bytes), engine="openpyxl").sheet_names]


def read_excel(data: bytes, ctx: ReadContext) -> RawRead:
    sheets = excel_sheets(data, ctx)
    if not sheets:
        raise UploadError(located(ctx.name, _M("no_sheets")))
    notes: list[str] = []
    if ctx.layer is not None:
        sheet = choose_layer(sheets, ctx, _M("workbook"), "sheet")
    else:
        sheet = sheets[0]
        if len(sheets) > 1:
            notes.append(_M("read_first_sheet", sheet=sheet, count=len(sheets)))
    with parser_errors(ctx.name, _M("not_workbook"), _M("workbook_fix")):
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
                check_feature_count(count, ctx, unit=_M("rows_or_more"))
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
        names = ", ".join(repr(c) for c in clashes)
        raise UploadError(located(ctx.name, _M("duplicate_columns", columns=names)))
    table.columns = trimmed
    check_column_count(len(trimmed), ctx)
    check_feature_count(len(table), ctx, unit=_M("rows"))
    table = table.reset_index(drop=True)
    table.index = pd.RangeIndex(1, len(table) + 1, name="row")
    table = table.astype(object).where(table.notna(), "")
    columns = list(table.columns)
    wkt_col = _find_column(columns, WKT_NAMES)
    lat_col, lon_col = _find_column(columns, LAT_NAMES), _find_column(columns, LON_NAMES)
    for chosen, argument in ((ctx.x_column, "x_column"), (ctx.y_column, "y_column")):
        if chosen is not None and chosen not in columns:
            raise ColumnChoiceError(
                located(ctx.name, _M("no_such_column", column=chosen, columns=", ".join(repr(c) for c in columns[:30]))),
                columns,
                argument=argument,
                value=chosen,
            )
    if ctx.x_column is not None or ctx.y_column is not None:
        lon_col, lat_col = ctx.x_column or lon_col, ctx.y_column or lat_col
        wkt_col = None
        notes.append(_M("chosen_columns", x=lon_col, y=lat_col))
    if wkt_col is not None and lat_col is not None and lon_col is not None:
        if all(_is_missing(str(v)) for v in table[wkt_col]):
            notes.append(_M("empty_wkt_column", wkt=wkt_col, lat=lat_col, lon=lon_col))
            wkt_col = None
    if wkt_col is not None:
        geometry, missing = _wkt_geometries(table[wkt_col], wkt_col, ctx)
        attributes = table.drop(columns=[wkt_col])
        pair = None
    elif lat_col is not None and lon_col is not None:
        if ctx.x_column is None and ctx.y_column is None:
            notes.append(_M("found_columns", lon=lon_col, lat=lat_col))
        geometry, missing = _point_geometries(table, lat_col, lon_col, ctx)
        attributes = table
        pair = (lat_col, lon_col)
    else:
        have = ", ".join(repr(c) for c in columns[:20]) or _M("no_columns")
        half: str = ""
        if lat_col is not None:
            half = _M("latitude_only", column=lat_col)
        elif lon_col is not None:
            half = _M("longitude_only", column=lon_col)
        raise ColumnChoiceError(
            located(ctx.name, _M("no_coordinate_columns", have=have, half=half)),
            columns,
            argument="coordinate_columns",
        )
    if missing:
        skipped = "skipped_no_geometry" if wkt_col is not None else "skipped_no_coordinates"
        notes.append(_M(skipped, count=len(missing), rows=list_rows(missing)))
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
        examples = joined([_M("bad_number_example", row=r, lat=lat[:40], lon=lon[:40]) for r, lat, lon in bad[:5]], "; ")
        raise UploadError(located(ctx.name, _M(
            "not_numbers", count=len(bad), lat=lat_col, lon=lon_col, rows=list_rows([b[0] for b in bad]), examples=examples,
        )))
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
        raise UploadError(located(ctx.name, _M(
            "not_wkt", count=len(bad), column=column, rows=list_rows([b[0] for b in bad]), row=row, text=text[:60],
        )))
    return gpd.GeoSeries(geometries, index=values.index), missing
