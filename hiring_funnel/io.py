"""Reading raw tables from files: CSV, JSON Lines, Parquet, Excel, or a DataFrame.

This module only turns bytes into a table of cells with the source line of each
record. It knows nothing of events; :mod:`hiring_funnel.mapping` and
:mod:`hiring_funnel.validate` give the cells their meaning.

Decoding is strict (issue 2): UTF-8 with or without a byte-order mark; any other
byte sequence is an error naming the line, unless the caller names an encoding.
Guessing an encoding silently turns "Zürich" into "ZÃ¼rich" in a report.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError, Problem

_BOMS_OTHER = {
    b"\xff\xfe\x00\x00": "utf-32",
    b"\x00\x00\xfe\xff": "utf-32",
    b"\xff\xfe": "utf-16",
    b"\xfe\xff": "utf-16",
}
_UTF8_BOM = b"\xef\xbb\xbf"
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}


@dataclass
class RawTable:
    """Cells of one input table, before any meaning is given to them.

    ``frame`` holds the cells (strings for text formats; Python objects such as
    datetimes and numbers for Excel and Parquet), one column per header name.
    ``line`` gives each record's source line: the physical line where a CSV
    record starts (the header is line 1), the line of a JSON object, the Excel
    row number, or the 1-based row position for Parquet and DataFrames.
    ``rejected`` holds records that could not even be split into cells
    (ragged rows, invalid JSON) as (line, reason, cells) triples.
    """

    source: str
    kind: str
    frame: pd.DataFrame
    line: np.ndarray
    rejected: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    blank_lines: int = 0

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.rejected)


def read_raw(
    source: str | Path | pd.DataFrame,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> RawTable:
    """Read a file (or take a DataFrame) as a table of cells with line numbers.

    Fatal problems (unreadable file, empty file, header only, undecodable
    text, duplicate header names) raise :class:`HiringFunnelError` with one
    clear message; row-level problems are returned in ``rejected``.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = read_raw(pd.DataFrame({"application_id": ["a"], "event": ["applied"]}))
    >>> raw.line.tolist()
    [1]
    """
    if isinstance(source, pd.DataFrame):
        return _from_frame(source)
    path = Path(source)
    name = str(source)
    if not path.exists():
        raise HiringFunnelError("file not found", source=name, hint="check the path")
    if path.is_dir():
        raise HiringFunnelError("is a folder, not a file", source=name)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise HiringFunnelError(
            f"unknown file type {path.suffix!r}",
            source=name,
            hint="use .csv, .tsv, .jsonl, .parquet or .xlsx",
        )
    try:
        if kind == "parquet":
            return _read_parquet(path, name)
        if kind == "xlsx":
            return _read_xlsx(path, name, sheet)
        text = _decode(path.read_bytes(), name, encoding)
    except HiringFunnelError:
        raise
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot read the file: {exc.strerror or exc}", source=name
        ) from exc
    if kind == "jsonl":
        return _parse_jsonl(text, name)
    if delimiter is None and path.suffix.lower() == ".tsv":
        delimiter = "\t"
    return _parse_csv(text, name, delimiter)


def _decode(data: bytes, name: str, encoding: str | None) -> str:
    if not data.strip():
        raise HiringFunnelError("the file is empty", source=name, hint="export the log again")
    if encoding is not None:
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except LookupError as exc:
            raise HiringFunnelError(f"unknown encoding {encoding!r}", source=name) from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc, name, f"cannot be decoded as {encoding}", None) from exc
    for bom, enc in _BOMS_OTHER.items():
        if data.startswith(bom):
            raise HiringFunnelError(
                f"the file is {enc.upper()} (it starts with a {enc.upper()} byte-order mark), not UTF-8",
                source=name,
                line=1,
                hint=f"save it as UTF-8, or pass --encoding {enc}",
            )
    try:
        return data.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = "save the file as UTF-8, or name its encoding, e.g. --encoding cp1252"
        raise _undecodable(data, exc, name, "is not valid UTF-8", hint) from exc


def _undecodable(
    data: bytes, exc: UnicodeDecodeError, name: str, problem: str, hint: str | None
) -> HiringFunnelError:
    line, col = _position(data, exc.start)
    return HiringFunnelError(
        f"byte 0x{data[exc.start]:02x} at character {col} {problem}",
        source=name,
        line=line,
        hint=hint,
    )


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def _sniff_delimiter(header_line: str) -> str:
    # A header rarely contains the delimiter of another dialect, so counting
    # candidates in it is a safer guess than csv.Sniffer on data rows.
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _check_header(header: list[str], name: str, line: int = 1) -> list[str]:
    cleaned = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, h in enumerate(cleaned, start=1):
        if h in seen and h != "":
            raise HiringFunnelError(
                f"duplicate column name {h!r} in the header (columns {seen[h]} and {i})",
                source=name,
                line=line,
                hint="rename one of them",
            )
        seen.setdefault(h, i)
    return [h if h else f"column {i}" for i, h in enumerate(cleaned, start=1)]


def _parse_csv(text: str, name: str, delimiter: str | None) -> RawTable:
    first_line = text.split("\n", 1)[0]
    delim = delimiter or _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    rejected: list[tuple[int, str, dict[str, Any]]] = []
    header: list[str] | None = None
    blank = 0
    prev_end = 0
    while True:
        start = prev_end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_error(exc, name, start, reader.line_num) from exc
        prev_end = reader.line_num
        if not record or all(not c.strip() for c in record) and header is not None:
            blank += 1
            continue
        if header is None:
            header = _check_header(record, name, start)
            continue
        n = len(header)
        if len(record) > n and all(not c.strip() for c in record[n:]):
            record = record[:n]  # trailing delimiters, as spreadsheets write them
        if len(record) != n:
            cells = dict(zip(header, record, strict=False))
            for k, extra in enumerate(record[n:], start=1):
                cells[f"extra field {k}"] = extra
            rejected.append(
                (
                    start,
                    f"row has {len(record)} fields but the header has {n}",
                    cells,
                )
            )
            continue
        rows.append(record)
        lines.append(start)
    if header is None:
        raise HiringFunnelError("the file is empty", source=name, hint="export the log again")
    if not rows and not rejected:
        raise HiringFunnelError(
            "the file has a header but no data rows",
            source=name,
            line=1,
            hint="export the log again",
        )
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return RawTable(
        name, "csv", frame, np.asarray(lines, dtype=np.int64), rejected, blank_lines=blank
    )


def _csv_error(exc: csv.Error, name: str, start: int, end: int) -> HiringFunnelError:
    # The record that failed starts on line `start`; the csv module reports
    # the line where it gave up, which for an unclosed quote is the last line
    # of the file, far from the quote to fix.
    if "unexpected end of data" in str(exc):
        return HiringFunnelError(
            f"a quoted cell opened in the row on line {start} is never closed "
            f"(the rest of the file, to line {end}, would be one cell)",
            source=name,
            line=start,
            hint='close the quote; write a quote that is part of the text as two: ""',
        )
    if "expected after" in str(exc):
        return HiringFunnelError(
            "text follows the closing quote of a quoted cell",
            source=name,
            line=end,
            hint='write a quote that is part of the text as two: "", and quote the whole cell',
        )
    return HiringFunnelError(f"cannot split the row into fields: {exc}", source=name, line=end)


def _parse_jsonl(text: str, name: str) -> RawTable:
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    rejected: list[tuple[int, str, dict[str, Any]]] = []
    blank = 0
    # JSON Lines separates records by "\n" only; str.splitlines would also
    # split at U+2028 and other separators that JSON strings may hold as text.
    pieces = text.split("\n")
    if pieces[-1] == "":
        pieces.pop()  # the newline that ends the last line starts no new one
    for i, raw in enumerate(pieces, start=1):
        raw = raw.removesuffix("\r")
        if not raw.strip():
            blank += 1
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            rejected.append(
                (i, f"not valid JSON: {exc.msg} at character {exc.colno}", {"text": raw})
            )
            continue
        if not isinstance(obj, dict):
            rejected.append((i, "a line must hold one JSON object", {"text": raw}))
            continue
        records.append({str(k): v for k, v in obj.items()})
        lines.append(i)
    if not records and not rejected:
        raise HiringFunnelError("the file is empty", source=name)
    frame = pd.DataFrame.from_records(records).astype(object) if records else pd.DataFrame()
    return RawTable(
        name, "jsonl", frame, np.asarray(lines, dtype=np.int64), rejected, blank_lines=blank
    )


def _read_parquet(path: Path, name: str) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise HiringFunnelError(f"cannot read as Parquet: {exc}", source=name) from exc
    if frame.empty:
        raise HiringFunnelError("the file has no data rows", source=name)
    return RawTable(
        name, "parquet", frame.astype(object), np.arange(1, len(frame) + 1, dtype=np.int64)
    )


def _read_xlsx(path: Path, name: str, sheet: str | int | None) -> RawTable:
    import openpyxl  # imported here: only Excel users pay for it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile and XML errors alike
        raise HiringFunnelError(f"cannot read as an Excel workbook: {exc}", source=name) from exc
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            ws = book.worksheets[sheet]
        else:
            ws = book[sheet]
    except (IndexError, KeyError) as exc:
        raise HiringFunnelError(f"no sheet {sheet!r} in the workbook", source=name) from exc
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
    header = _check_header(["" if c is None else str(c) for c in header_row], name, header_line)
    rows, lines = [], []
    blank = 0
    for lineno, row in enumerate(it, start=header_line + 1):
        cells = list(row)[: len(header)] + [None] * max(0, len(header) - len(row))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            blank += 1
            continue
        rows.append(cells)
        lines.append(lineno)
    book.close()
    if not rows:
        raise HiringFunnelError(
            "the sheet has a header but no data rows", source=name, line=header_line
        )
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return RawTable(name, "xlsx", frame, np.asarray(lines, dtype=np.int64), blank_lines=blank)


def _from_frame(frame: pd.DataFrame) -> RawTable:
    if frame.empty:
        raise HiringFunnelError("the DataFrame has no rows", source="<DataFrame>")
    cols = [str(c) for c in frame.columns]
    if len(set(cols)) != len(cols):
        dup = next(c for c in cols if cols.count(c) > 1)
        raise HiringFunnelError(f"duplicate column name {dup!r}", source="<DataFrame>")
    out = frame.copy()
    out.columns = cols
    return RawTable(
        "<DataFrame>",
        "frame",
        out.astype(object).reset_index(drop=True),
        np.arange(1, len(frame) + 1, dtype=np.int64),
    )
