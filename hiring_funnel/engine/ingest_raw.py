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

import contextlib
import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from hiring_funnel.engine.ingest_scan import NotPlain, scan_csv
from hiring_funnel.engine.ingest_sql import is_blank, quote_literal, run
from hiring_funnel.io.limits import Limits
from hiring_funnel.io.readers import check_header, sniff_delimiter

_names = (f"hf_ingest_{i}" for i in itertools.count())
#: Why a file falls back when rows of other lengths meet cells with line breaks.
RAGGED_MULTILINE = "rows with more or fewer fields than the header, and line breaks in quoted cells"


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
    columns: frozenset[str] = frozenset()  # the table's columns (extra ones included)
    #: Per column ``c{i}``: every cell is plain (:mod:`~hiring_funnel.engine.ingest_scan`):
    #: ``str.strip()`` leaves it as it is and it never looks like a formula.
    plain: tuple[bool, ...] = ()
    #: Per column: plain, and no cell is a missing token but '' (none starts with nNmM#).
    tokenless: tuple[bool, ...] = ()
    #: The tables behind the view ``table`` (dropped by :func:`keep_only`).
    storage: tuple[str, ...] = ()

    def col(self, name: str) -> str:
        """The SQL column of a header name."""
        return f"c{self.header.index(name)}"


def read_csv_raw(
    db: Any,
    path: Path,
    name: str,
    delimiter: str | None,
    lim: Limits,
    extra: Callable[[list[str], tuple[bool, ...]], tuple[str, list[str], list[str]]] | None = None,
) -> RawCSV:
    """Read ``path`` into a DuckDB table; :class:`NotPlain` when the pandas reader must do it.

    ``extra`` gives, from the header and which columns are plain, more select
    items computed in the same pass over the cells ``c0``..., the names among
    them not to keep, and those to keep.
    """
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
            delim = sniff_delimiter(first.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise NotPlain("the file is not valid UTF-8") from exc
    with scan_progress(db, path) as report:
        scan = scan_csv(path, delim, lim.max_cell_chars, progress=report)
    width = int(scan.fields.max())
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
        if scan.multiline:
            # DuckDB does not pad short rows when quoted cells hold line breaks.
            raise NotPlain(RAGGED_MULTILINE)
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
    # One parallel pass: the cells as the csv module gives them ('' where empty),
    # with what later steps need computed on the way. A table's rowid is the
    # record's position in the file (DuckDB keeps the insertion order).
    uniform = bool((scan.fields == width).all())
    coalesced = ", ".join(f"coalesce(c{i}, '') AS c{i}" for i in range(width))
    source = (
        f"SELECT {coalesced}{''.join(f', c{i} AS hf_r{i}' for i in range(width)) if not uniform else ''} "
        f"FROM {csv}"
    )
    plain = tuple(scan.plain(i) for i in range(width))
    blank = " AND ".join(f"c{i} = ''" if plain[i] else is_blank(f"c{i}") for i in range(width))
    items, dropped, kept = extra(header, plain) if extra is not None else ("", [], [])
    hashed = f"hash({', '.join(f'c{i}' for i in range(n))}) AS h"
    cells_table = fresh_name("cells")
    pass_sql = (
        f"SELECT *, {hashed}, ({blank}) AS hf_blank{', ' + items if items else ''} FROM ({source})"
    )
    drop = [*dropped, *(f"c{i}" for i in range(width) if not uniform)]
    keep = f"* EXCLUDE ({', '.join(drop)})" if drop else "*"
    if not uniform:  # keep the raw cells (NULL past a short row's end), named c0...
        keep = f"{keep} RENAME ({', '.join(f'hf_r{i} AS c{i}' for i in range(width))})"
    try:
        run(db, f"CREATE TEMP TABLE {cells_table} AS SELECT {keep} FROM ({pass_sql})")
    except Exception as exc:  # DuckDB split the file otherwise than the scan: the pandas reader
        raise NotPlain(f"DuckDB could not read it as the scan did: {first_error(exc)}") from exc
    count = db.execute(f"SELECT count(*) FROM {cells_table}").fetchall()[0][0]
    if count != len(scan.lines):
        run(db, f"DROP TABLE {cells_table}")
        raise NotPlain("DuckDB found other records than the scan")
    storage = [cells_table]
    regular = uniform and bool((np.diff(scan.lines) == 1).all())
    computed = ", ".join(["h", "hf_blank", *kept])
    if regular:  # line = first line + position: no join needed
        run(
            db,
            f"CREATE TEMP VIEW {table} AS SELECT rowid + {header_line} AS line, {n} AS nf, "
            f"false AS ragged, {', '.join(f'c{i}' for i in range(width))}, {computed} "
            f"FROM {cells_table} WHERE rowid > 0 AND NOT hf_blank",
        )
    else:
        lines_table = fresh_name("lines")
        storage.append(lines_table)
        db.register(
            view,
            pa.table({"idx": np.arange(len(scan.lines)), "line": scan.lines, "nf": scan.fields}),
        )
        try:
            run(db, f"CREATE TEMP TABLE {lines_table} AS SELECT * FROM {view}")
        finally:
            db.unregister(view)
        cells = ", ".join(
            f"CASE WHEN l.nf > {i} THEN coalesce(t.c{i}, '') END AS c{i}" for i in range(width)
        )
        extras = " AND ".join(is_blank(f"coalesce(t.c{i}, '')") for i in range(n, width))
        ragged = f"l.nf < {n}" + (f" OR (l.nf > {n} AND NOT ({extras}))" if width > n else "")
        run(
            db,
            f"CREATE TEMP VIEW {table} AS SELECT l.line, l.nf, ({ragged}) AS ragged, {cells}, "
            f"{', '.join('t.' + c for c in computed.split(', '))} "
            f"FROM {cells_table} AS t JOIN {lines_table} AS l ON t.rowid = l.idx "
            "WHERE l.idx > 0 AND NOT t.hf_blank",
        )
    rows, n_ragged = db.execute(
        f"SELECT count(*), count(*) FILTER (WHERE ragged) FROM {table}"
    ).fetchall()[0]
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
        columns=frozenset(r[0] for r in db.execute(f"DESCRIBE {table}").fetchall()),
        plain=plain,
        tokenless=tuple(scan.tokenless(i) for i in range(width)),
        storage=tuple(storage),
    )


def keep_only(db: Any, raw: RawCSV, lines: str) -> None:
    """Keep of ``raw``'s cells only the ragged rows and those of ``lines`` (a query of
    line numbers): the quarantined rows, all that is read of them once the log is
    checked. The view keeps its name; the tables of every cell are dropped."""
    kept = fresh_name("kept")
    run(
        db,
        f"CREATE TEMP TABLE {kept} AS SELECT * FROM {raw.table} WHERE ragged OR line IN ({lines})",
    )
    run(db, f"CREATE OR REPLACE TEMP VIEW {raw.table} AS SELECT * FROM {kept}")
    for name in raw.storage:
        run(db, f"DROP TABLE {name}")
    raw.storage = (kept,)


#: Files from this size on show how far the byte scan is (on a terminal).
PROGRESS_BYTES = 64 << 20


@contextlib.contextmanager
def scan_progress(
    db: Any, path: Path, stream: Any = None
) -> Iterator[Callable[[int], None] | None]:
    """A progress callback for the scan of a large file: a percentage on one line of
    ``stream`` (stderr), which is cleared at the end. None (no output) for a small
    file, when ``stream`` is not a terminal, or when the connection's progress bar
    is off. The line names the file, not its folder."""
    out = sys.stderr if stream is None else stream
    size = path.stat().st_size
    try:
        shown = size >= PROGRESS_BYTES and out.isatty()
        shown = shown and bool(
            db.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
        )
    except (AttributeError, ValueError):  # a replaced or closed stream
        shown = False
    if not shown:
        yield None
        return
    label = f"checking the lines of {path.name}"

    def report(done: int) -> None:
        out.write(f"\r{label}: {min(100, done * 100 // size)}%")
        out.flush()

    try:
        yield report
    finally:
        out.write("\r" + " " * (len(label) + 6) + "\r")
        out.flush()


def first_error(exc: BaseException) -> str:
    return str(exc).strip().split("\n", 1)[0][:200]


def lines_array(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)
