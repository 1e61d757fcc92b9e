"""A CSV file as a DuckDB table of cells with the line each record starts on.

DuckDB's ``read_csv`` splits the records (all text, no type guessing); the
scan of :mod:`hiring_funnel.engine.ingest_scan` gives each record its start
line, and the two are put side by side with a ``POSITIONAL JOIN`` (DuckDB
reads a file in order). Empty lines are skipped by both; a line of blank
cells (``,,``) is a row to DuckDB and a blank line to the csv module, so it
is dropped here and counted with the blank lines.

The table holds ``line``, ``nf`` (the record's field count), ``ragged`` and
``c0`` ... ``c{k-1}``: cells as the csv module gives them ('' where empty),
NULL past a short record's last field.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from hiring_funnel.engine.ingest_scan import NotPlain, scan_csv
from hiring_funnel.engine.ingest_sql import is_blank, quote_literal, run
from hiring_funnel.io import _sniff_delimiter, check_header
from hiring_funnel.limits import Limits

_names = (f"hf_ingest_{i}" for i in itertools.count())


def fresh_name(kind: str) -> str:
    """A table name no other read in this process uses."""
    return f"{next(_names)}_{kind}"


@dataclass
class RawCSV:
    """Cells of one CSV file in a DuckDB table (see the module docstring)."""

    source: str
    table: str
    header: list[str]
    width: int  # columns c0 ... c{width-1}; at least len(header)
    rows_read: int
    ragged: int
    blank_lines: int
    delimiter: str

    def col(self, name: str) -> str:
        """The SQL column of a header name."""
        return f"c{self.header.index(name)}"


def read_csv_raw(
    db: Any, path: Path, name: str, delimiter: str | None, lim: Limits, progress: bool = False
) -> RawCSV:
    """Read ``path`` into a DuckDB table; :class:`NotPlain` when the pandas reader must do it."""
    delim = delimiter
    if delim is None and path.suffix.lower() == ".tsv":
        delim = "\t"
    if delim is None:
        with path.open("rb") as f:
            head = f.read(1 << 16)
        head = head.removeprefix(b"\xef\xbb\xbf")
        end = head.find(b"\n")
        if end < 0 and len(head) == 1 << 16:
            raise NotPlain("the first line is very long")
        first = head if end < 0 else head[:end]
        try:
            delim = _sniff_delimiter(first.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise NotPlain("the file is not valid UTF-8") from exc
    scan = scan_csv(path, delim, lim.max_cell_chars)
    width = int(scan.fields.max())
    lines = pa.table({"hf_line": scan.lines, "hf_nf": scan.fields})
    table = fresh_name("raw")
    view = fresh_name("lines")
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    options = [
        "header = false",
        f"delim = {quote_literal(delim)}",
        "quote = '\"'",
        "escape = '\"'",
        "auto_detect = false",
        "all_varchar = true",
        f"columns = {{{cols}}}",
    ]
    if (scan.fields != width).any():
        options.append("null_padding = true")
    if scan.max_record_bytes > 1_000_000:
        size = scan.max_record_bytes + 1024
        options += [f"max_line_size = {size}", f"buffer_size = {max(size * 4, 1 << 25)}"]
    csv = f"read_csv({quote_literal(str(path))}, {', '.join(options)})"
    # The header first (its record is the first one DuckDB reads), then one pass.
    try:
        head = db.execute(f"SELECT * FROM {csv} LIMIT 1").fetchall()
    except Exception as exc:
        raise NotPlain(f"DuckDB could not read it: {first_error(exc)}") from exc
    if not head:
        raise NotPlain("DuckDB read no record")
    header_line, header_nf = int(scan.lines[0]), int(scan.fields[0])
    header = check_header(
        ["" if c is None else str(c) for c in head[0][:header_nf]], name, header_line, lim
    )
    n = len(header)
    cells = ", ".join(
        f"CASE WHEN hf_nf > {i} THEN coalesce(c{i}, '') END AS c{i}" for i in range(width)
    )
    blank = " AND ".join(is_blank(f"coalesce(c{i}, '')") for i in range(width))
    extras = " AND ".join(is_blank(f"coalesce(c{i}, '')") for i in range(n, width))
    ragged = f"hf_nf < {n}" + (f" OR (hf_nf > {n} AND NOT ({extras}))" if width > n else "")
    db.register(view, lines)
    try:
        run(
            db,
            f"CREATE TEMP TABLE {table} AS SELECT hf_line AS line, hf_nf AS nf, "
            f"({ragged}) AS ragged, hf_one, {cells}, hash({', '.join(f'c{i}' for i in range(n))}) AS h "
            f"FROM (SELECT 1 AS hf_one, * FROM {csv}) POSITIONAL JOIN {view} "
            f"WHERE hf_line IS DISTINCT FROM {header_line} AND NOT ({blank})",
        )
    except Exception as exc:  # DuckDB split the file otherwise than the scan: the pandas reader
        raise NotPlain(f"DuckDB could not read it as the scan did: {first_error(exc)}") from exc
    finally:
        db.unregister(view)
    rows, n_ragged, mismatch = db.execute(
        f"SELECT count(*), count(*) FILTER (WHERE ragged), "
        f"count(*) FILTER (WHERE line IS NULL OR hf_one IS NULL) FROM {table}"
    ).fetchall()[0]
    if mismatch:
        run(db, f"DROP TABLE {table}")
        raise NotPlain("DuckDB found other records than the scan")
    data_records = len(scan.lines) - 1
    return RawCSV(
        source=name,
        table=table,
        header=header,
        width=width,
        rows_read=int(rows),
        ragged=int(n_ragged),
        blank_lines=scan.empty + data_records - int(rows),
        delimiter=delim,
    )


def first_error(exc: BaseException) -> str:
    return str(exc).strip().split("\n", 1)[0][:200]


def lines_array(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)
