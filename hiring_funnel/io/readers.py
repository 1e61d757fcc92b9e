"""Reading raw tables from files: CSV, JSON Lines, Parquet, Excel, or a DataFrame.

This module only turns bytes into a table of cells with the source line of each
record. It knows nothing of events; :mod:`hiring_funnel.io.mapped` and
:mod:`hiring_funnel.io.validate` give the cells their meaning.

Decoding is strict (issue 2): UTF-8 with or without a byte-order mark; any other
byte sequence is an error naming the line, unless the caller names an encoding.
Guessing an encoding silently turns "Zürich" into "ZÃ¼rich" in a report.

Every reader is bounded (issue 10): only regular files are read, and cells,
columns and JSON nesting have limits (:mod:`hiring_funnel.io.limits`) whose
one-line errors say how to raise them. A list or map where one value is
expected is read as its JSON text (:mod:`hiring_funnel.io.nested`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.limits import Limits, require_regular_file, resolve
from hiring_funnel.io.nested import (
    as_json_text,
    json_depth,
    may_exceed,
    nested_to_text,
    value_depth,
)
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
#: Extra fields of a ragged row kept as cells of their own in the quarantine;
#: the rest go in one cell, so that one row of a million fields cannot give
#: every quarantined row a million columns.
EXTRA_FIELDS_KEPT = 5


@dataclass
class RawTable:
    """Cells of one input table, before any meaning is given to them.

    ``frame`` holds the cells (strings for text formats; Python objects such as
    datetimes and numbers for Excel and Parquet), one column per header name.
    ``line`` gives each record's source line: the physical line where a CSV
    record starts (the header is line 1), the line of a JSON object, the Excel
    row number, or the 1-based row position for Parquet and DataFrames.
    ``rejected`` holds records that could not even be split into cells
    (ragged rows, invalid JSON) as (line, reason, cells) triples, and
    ``rejected_kind`` the kind (a key of
    :data:`hiring_funnel.schema.QUARANTINE_KINDS`) of each rejected line.
    ``nested`` maps a column to the 0-based positions of rows whose cell held
    a list or map, read as its JSON text.
    """

    source: str
    kind: str
    frame: pd.DataFrame
    line: np.ndarray
    rejected: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    blank_lines: int = 0
    rejected_kind: dict[int, str] = field(default_factory=dict)
    nested: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.rejected)


def read_raw(
    source: str | Path | pd.DataFrame,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    limits: Limits | None = None,
) -> RawTable:
    """Read a file (or take a DataFrame) as a table of cells with line numbers.

    Fatal problems (unreadable file, not a regular file, empty file, header
    only, undecodable text, duplicate header names, a limit exceeded) raise
    :class:`HiringFunnelError` with one clear message; row-level problems are
    returned in ``rejected``.

    Parameters
    ----------
    source : path or DataFrame
        A .csv, .tsv, .txt, .jsonl, .ndjson, .parquet, .pq or .xlsx file.
    encoding, delimiter, sheet : optional
        The text encoding when not UTF-8; the CSV delimiter when the header
        does not show it; the Excel sheet (name or 0-based position).
    limits : Limits, optional
        Size and depth limits; default :meth:`Limits.from_env`.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = read_raw(pd.DataFrame({"application_id": ["a"], "event": ["applied"]}))
    >>> raw.line.tolist()
    [1]
    """
    lim = resolve(limits)
    if isinstance(source, pd.DataFrame):
        if source.shape[1] > lim.max_columns:
            raise too_many_columns(source.shape[1], lim, "<DataFrame>", None)
        raw = _from_frame(source)
        frame, nested = nested_to_text(raw.frame)
        return dataclasses.replace(raw, frame=frame, nested=nested)
    path = Path(source)
    name = str(source)
    if not path.exists():
        raise HiringFunnelError("file not found", source=name, hint="check the path")
    if path.suffix.lower() == ".json" or (  # API exports, or a folder of their pages
        path.is_dir() and any(p.suffix.lower() in (".json", ".jsonl") for p in path.iterdir())
    ):
        from hiring_funnel.io.jsonfiles import read_json

        return read_json(path, name, lim)
    require_regular_file(path, name)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise HiringFunnelError(
            f"unknown file type {path.suffix!r}",
            source=name,
            hint="use .csv, .tsv, .json, .jsonl, .parquet or .xlsx (or a folder of .json pages)",
        )
    try:
        if kind in ("parquet", "xlsx"):
            from hiring_funnel.io.sheets import read_parquet, read_xlsx

            if kind == "parquet":
                return read_parquet(path, name, lim)
            return read_xlsx(path, name, sheet, lim)
        text = _decode(path.read_bytes(), name, encoding)
    except HiringFunnelError:
        raise
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot read the file: {exc.strerror or exc}", source=name
        ) from exc
    except MemoryError:
        raise HiringFunnelError(
            "the file does not fit in memory", source=name, hint="split it into smaller files"
        ) from None
    if kind == "jsonl":
        return _parse_jsonl(text, name, lim)
    if delimiter is None and path.suffix.lower() == ".tsv":
        delimiter = "\t"
    return _parse_csv(text, name, delimiter, lim)


def too_many_columns(n: int, lim: Limits, name: str, line: int | None) -> HiringFunnelError:
    return HiringFunnelError(
        f"the table has {n:,} columns, more than the limit of {lim.max_columns:,}",
        source=name,
        line=line,
        hint=lim.hint("max_columns"),
    )


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
        except UnicodeError as exc:  # a codec that fails without a position (utf-16 of odd length)
            raise HiringFunnelError(f"cannot be decoded as {encoding}: {exc}", source=name) from exc
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
    offset = min(exc.start, len(data) - 1)
    line, col = _position(data, offset)
    return HiringFunnelError(
        f"byte 0x{data[offset]:02x} at character {col} {problem}",
        source=name,
        line=line,
        hint=hint,
    )


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def sniff_delimiter(header_line: str) -> str:
    # A header rarely contains the delimiter of another dialect, so counting
    # candidates in it is a safer guess than csv.Sniffer on data rows.
    """The delimiter the header line uses most (``,`` if none)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def check_header(
    header: list[str], name: str, line: int | None = 1, lim: Limits | None = None
) -> list[str]:
    if lim is not None and len(header) > lim.max_columns:
        raise too_many_columns(len(header), lim, name, line)
    cleaned = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, h in enumerate(cleaned, start=1):
        if h in seen and h != "":
            raise HiringFunnelError(
                f"duplicate column name {short_repr(h)} in the header (columns {seen[h]} and {i})",
                source=name,
                line=line,
                hint="rename one of them",
            )
        seen.setdefault(h, i)
    # A blank name is numbered; so is one that a blank name's number would repeat.
    out = [h if h else f"column {i}" for i, h in enumerate(cleaned, start=1)]
    if len(set(out)) != len(out):
        out = [h if h and out.count(h) == 1 else f"column {i}" for i, h in enumerate(cleaned, 1)]
    return out


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, cut to 200 characters."""
    text = str(exc).strip().split("\n", 1)[0]
    return text if len(text) <= 200 else text[:199] + "…"


def short_repr(value: object, width: int = 60) -> str:
    """``repr`` of a value from the data, cut to ``width`` characters for a one-line message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _parse_csv(text: str, name: str, delimiter: str | None, lim: Limits) -> RawTable:
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delim = delimiter or sniff_delimiter(first_line)
    # The limit is global to the csv module; every reader sets its own.
    csv.field_size_limit(lim.max_cell_chars)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    except (TypeError, ValueError) as exc:  # a delimiter of two characters, or a quote
        raise HiringFunnelError(
            f"cannot use {delim!r} as the delimiter: {exc}",
            source=name,
            hint="name one character, e.g. delimiter = ';' in the mapping",
        ) from exc
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
            raise _csv_error(exc, name, start, reader.line_num, lim) from exc
        prev_end = reader.line_num
        if not record or all(not c.strip() for c in record) and header is not None:
            blank += 1
            continue
        if header is None:
            header = check_header(record, name, start, lim)
            continue
        n = len(header)
        if len(record) > n and all(not c.strip() for c in record[n:]):
            record = record[:n]  # trailing delimiters, as spreadsheets write them
        if len(record) != n:
            cells = dict(zip(header, record, strict=False))
            extras = record[n:]
            for k, extra in enumerate(extras[:EXTRA_FIELDS_KEPT], start=1):
                cells[f"extra field {k}"] = extra
            if len(extras) > EXTRA_FIELDS_KEPT:
                cells[f"extra fields {EXTRA_FIELDS_KEPT + 1} on"] = delim.join(
                    extras[EXTRA_FIELDS_KEPT:]
                )
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
        name,
        "csv",
        frame,
        np.asarray(lines, dtype=np.int64),
        rejected,
        blank_lines=blank,
        rejected_kind={line: "ragged_row" for line, _, _ in rejected},
    )


def _csv_error(exc: csv.Error, name: str, start: int, end: int, lim: Limits) -> HiringFunnelError:
    # The record that failed starts on line `start`; the csv module reports
    # the line where it gave up, which for an unclosed quote is the last line
    # of the file, far from the quote to fix.
    if "field larger than field limit" in str(exc):
        return HiringFunnelError(
            f"a cell of the row starting on line {start} is longer than the limit of "
            f"{lim.max_cell_chars:,} characters (or a quote opened there is never closed)",
            source=name,
            line=start,
            hint=lim.hint("max_cell_chars"),
        )
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
    if "NUL" in str(exc) or "null byte" in str(exc):
        return HiringFunnelError(
            "the row holds a NUL byte (0x00), which no text file has",
            source=name,
            line=end,
            hint="the file is probably binary or damaged; export it again",
        )
    return HiringFunnelError(f"cannot split the row into fields: {exc}", source=name, line=end)


def _parse_jsonl(text: str, name: str, lim: Limits) -> RawTable:
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    rejected: list[tuple[int, str, dict[str, Any]]] = []
    nested: dict[str, list[int]] = {}
    keys: dict[str, None] = {}
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
        obj, why = _json_object(raw, lim)
        if why is not None:
            rejected.append((i, why, {"text": raw}))
            continue
        assert obj is not None
        record: dict[str, Any] = {}
        for k, v in obj.items():
            key = str(k)
            if isinstance(v, list | dict):
                v = as_json_text(v)
                nested.setdefault(key, []).append(len(records))
            elif isinstance(v, str) and len(v) > lim.max_cell_chars:
                raise HiringFunnelError(
                    f"the value of {short_repr(key)} is longer than the limit of "
                    f"{lim.max_cell_chars:,} characters",
                    source=name,
                    line=i,
                    hint=lim.hint("max_cell_chars"),
                )
            record[key] = v
        keys.update(dict.fromkeys(record))
        if len(keys) > lim.max_columns:
            raise HiringFunnelError(
                f"the lines up to this one have {len(keys):,} different keys, more than the "
                f"limit of {lim.max_columns:,} columns",
                source=name,
                line=i,
                hint=lim.hint("max_columns"),
            )
        records.append(record)
        lines.append(i)
    if not records and not rejected:
        raise HiringFunnelError("the file is empty", source=name)
    # dtype=object: no type inference, which fails on an integer too large for a
    # float (JSON allows 4,300 digits) and would turn 1 into 1.0 beside a 1.5.
    frame = pd.DataFrame(records, columns=list(keys), dtype=object) if records else pd.DataFrame()
    return RawTable(
        name,
        "jsonl",
        frame,
        np.asarray(lines, dtype=np.int64),
        rejected,
        blank_lines=blank,
        rejected_kind={line: "bad_json" for line, _, _ in rejected},
        nested={k: np.asarray(v, dtype=np.int64) for k, v in nested.items()},
    )


def _json_object(raw: str, lim: Limits) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object of one line, or None and why the line is not one."""
    too_deep = (
        f"nested deeper than the limit of {lim.max_json_depth} levels of lists and objects "
        f"({lim.hint('max_json_depth')})"
    )
    # Counting brackets is cheap; only a line with many is scanned, and one
    # too deep is never handed to the parser, which recurses once per level.
    if may_exceed(raw, lim.max_json_depth) and json_depth(raw) > lim.max_json_depth:
        return None, too_deep
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at character {exc.colno}"
    except RecursionError:  # a limit raised above what the parser's stack allows
        return None, too_deep
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return None, f"not valid JSON: {str(exc).split(';')[0]}"
    if not isinstance(obj, dict):
        return None, "a line must hold one JSON object"
    # The bracket count cannot see nesting hidden in a line it did not scan;
    # a parsed value is checked when it may be deep.
    if may_exceed(raw, lim.max_json_depth) and value_depth(obj) > lim.max_json_depth:
        return None, too_deep
    return obj, None


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
