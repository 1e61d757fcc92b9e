"""Tables in binary formats: Parquet files and Excel workbooks, read as :class:`RawTable`.

Split from :mod:`hiring_funnel.io.readers` (which reads text: CSV and JSON Lines) and
imported only when such a file is read. A damaged file of either kind raises one
of many exception types deep inside pyarrow or openpyxl; each is turned into
one :class:`~hiring_funnel.schema.HiringFunnelError` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.limits import Limits
from hiring_funnel.io.nested import as_json_text, nested_to_text
from hiring_funnel.io.readers import RawTable, check_header, first_line, too_many_columns
from hiring_funnel.schema import HiringFunnelError


def read_parquet(path: Path, name: str, lim: Limits) -> RawTable:
    """A Parquet file's cells; list, struct and map columns as the JSON text of each cell."""
    import pyarrow as pa  # a core dependency; imported here like openpyxl
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise HiringFunnelError(f"cannot read as Parquet: {first_line(exc)}", source=name) from exc
    if len(schema.names) > lim.max_columns:
        raise too_many_columns(len(schema.names), lim, name, None)
    check_header([str(c) for c in schema.names], name, None)
    try:
        table = pq.read_table(path)
        frame = table.to_pandas()
        # From Arrow, not from pandas: pandas turns a struct's integers into
        # floats when a row is null, and a map into a list of tuples.
        lists = {
            str(f.name): table.column(i).to_pylist()
            for i, f in enumerate(table.schema)
            if pa.types.is_nested(f.type)
        }
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise HiringFunnelError(f"cannot read as Parquet: {first_line(exc)}", source=name) from exc
    if frame.empty:
        raise HiringFunnelError("the file has no data rows", source=name)
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    cells, nested = nested_to_text(frame.astype(object))
    for col, values in lists.items():
        if col not in cells.columns or len(values) != len(cells):
            continue
        present = np.array([v is not None for v in values], dtype=bool)
        text = np.array([None if v is None else as_json_text(v) for v in values], dtype=object)
        cells[col] = text
        nested[col] = np.flatnonzero(present)
    return RawTable(
        name,
        "parquet",
        cells,
        np.arange(1, len(frame) + 1, dtype=np.int64),
        nested=nested,
    )


def read_xlsx(path: Path, name: str, sheet: str | int | None, lim: Limits) -> RawTable:
    import openpyxl  # imported here: only Excel users pay for it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile and XML errors alike
        raise HiringFunnelError(
            f"cannot read as an Excel workbook: {first_line(exc)}", source=name
        ) from exc
    try:
        return _sheet_table(book, name, sheet, lim)
    except HiringFunnelError:
        raise
    except Exception as exc:  # a damaged sheet fails while its rows are read
        raise HiringFunnelError(
            f"cannot read as an Excel workbook: {first_line(exc)}", source=name
        ) from exc
    finally:
        book.close()


def _sheet_table(book: Any, name: str, sheet: str | int | None, lim: Limits) -> RawTable:
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            ws = book.worksheets[sheet]
        else:
            ws = book[str(sheet)]
    except (IndexError, KeyError) as exc:
        raise HiringFunnelError(f"no sheet {sheet!r} in the workbook", source=name) from exc
    if hasattr(ws, "reset_dimensions"):
        # A workbook may claim a used range of a million rows by 16,384 columns
        # around a few cells; without this every row would be padded to it.
        ws.reset_dimensions()
    it = ws.iter_rows(values_only=True)
    header_row: tuple[Any, ...] | None = None
    header_line = 0
    for header_line, header_row in enumerate(it, start=1):  # noqa: B007
        if header_row and any(c is not None and str(c).strip() for c in header_row):
            break
    else:
        header_row = None
    if header_row is None:
        raise HiringFunnelError("the workbook's first sheet is empty", source=name)
    header = check_header(["" if c is None else str(c) for c in header_row], name, header_line, lim)
    rows, lines = [], []
    blank = 0
    for lineno, row in enumerate(it, start=header_line + 1):
        cells = list(row)[: len(header)] + [None] * max(0, len(header) - len(row))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            blank += 1
            continue
        rows.append(cells)
        lines.append(lineno)
    if not rows:
        raise HiringFunnelError(
            "the sheet has a header but no data rows", source=name, line=header_line
        )
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return RawTable(name, "xlsx", frame, np.asarray(lines, dtype=np.int64), blank_lines=blank)
