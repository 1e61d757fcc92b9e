"""Typed tables read natively: Parquet files, folders and globs, DuckDB tables, Ibis tables.

``read_events`` reads such a table as one DataFrame of Python objects (rows
numbered 1, 2, ...), and every later step looks at each object, mostly as
``str(value)``. Here DuckDB renders every cell as that text instead, in one
pass, into a table shaped like :class:`~hiring_funnel.engine.ingest_raw.RawCSV`
(``line``, ``nf``, ``ragged``, ``c0``..., ``h``, ``fm``, ``ts_fast``); the
steps of the CSV path (:func:`~hiring_funnel.engine.ingest_native.read_cells`)
then map and validate it. NULL stays NULL (``None``, NaN, NaT, ``pd.NA`` in
pandas: missing, and equal to one another in a duplicate check).

Which object the fallback sees depends on its reader: pyarrow for one Parquet
file (``"arrow"``), DuckDB's ``.df()`` for a folder, a glob and a database
table (``"duckdb"``), Ibis' ``to_pandas`` for an Ibis table (``"ibis"``).
Rendered, with the reason each is the same answer:

- text (``VARCHAR``, an ``ENUM`` read by DuckDB): the text itself;
- integers (8 to 64 bits): ``str(int)``, which ``is_missing``, the id and
  attribute rules read as the int (an attribute ``'12'`` and ``12`` are both
  the number 12; ``'-3'`` is a number, not a formula). pyarrow and Ibis make an
  integer column with a NULL floats (``1.0``): such a column falls back;
- booleans: ``'True'`` and ``'False'`` (``str``; no rule reads them otherwise);
- times: ``str(Timestamp)``, ``2024-03-01 10:00:00[.ffffff][+00:00]``, with
  the time pandas reads given to the checks directly (``ts_fast``). Aware times
  only where pandas holds them in UTC (else the text would carry another
  offset), naive ones as the timestamp column only under a UTC mapping (else a
  time in a daylight-saving gap gets another reason), none with nanoseconds
  (the engine holds microseconds) or outside the years 1678 to 2261. DuckDB's
  ``.df()`` makes a ``TIMESTAMPTZ_NS`` column naive (UTC wall time) and a
  ``DATE`` a midnight Timestamp; pyarrow makes a ``DATE`` a ``datetime.date``.

Everything else falls back with a reason naming the column: floats and
decimals (pandas writes ``1.0`` where SQL writes ``1``), lists, structs and
maps, blobs, times of day, intervals, 128-bit integers. So does an event
column that is not text (``canonical_event`` reads only text), a timestamp
column that is neither text nor a time (numbers are Excel serial dates), an
event column holding U+001F (the event is read through a lookup that cannot
join NULL, so a NULL event is written as that character, which ``str.strip``
removes: missing, as None is), a table without rows, and a table whose column names
``read_events`` would refuse or the mapping does not find (the fallback raises
the error, with its wording).

The quarantine's cells are kept as this text: :class:`TypedCells` turns them
back into the objects the fallback would hold (``to_event_log``) and writes
the file as ``write_guarded_csv`` writes those objects (a number such as -3 is
not text, so it is not guarded with a quote).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.engine.ingest_check import fast_columns, utc_iso
from hiring_funnel.engine.ingest_native import read_cells
from hiring_funnel.engine.ingest_out import cell_name, write_quarantine_csv
from hiring_funnel.engine.ingest_raw import RawCSV, first_error, fresh_name
from hiring_funnel.engine.ingest_scan import NotPlain
from hiring_funnel.engine.ingest_source import Source, is_typed, typed_source
from hiring_funnel.engine.ingest_sql import looks_like_formula, quote_ident, quote_literal, run
from hiring_funnel.io.limits import Limits
from hiring_funnel.io.mapped import referenced_columns
from hiring_funnel.io.mapping import Mapping
from hiring_funnel.io.readers import check_header
from hiring_funnel.schema import (
    REQUIRED_COLUMNS,
    HiringFunnelError,
)

#: Names of time zones whose offset is always zero (pandas writes them ``+00:00``).
_UTC = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "UCT", "Etc/UCT", "Universal", "Zulu"})
_UTC |= frozenset({"Etc/Universal", "Etc/Zulu", "Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "+00:00"})
_INTS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)
_NAIVE = frozenset({"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"})
_AWARE = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ_NS"})
_NS = frozenset({"TIMESTAMP_NS", "TIMESTAMPTZ_NS"})
_BITS = 62


@dataclass(frozen=True)
class Cell:
    """One column: its type, how it is rendered, and how its text becomes the fallback's object."""

    name: str
    type: str
    kind: str  # "text", "int", "bool", "aware", "naive", "date"
    text: str  # SQL over the column: the text of the cell (NULL where missing)
    utc: str | None = None  # SQL: the naive UTC time pandas reads (times only)
    null: Any = None  # the fallback's missing object


def read_typed(
    con: Any,
    source: Any,
    m: Mapping,
    attributes: Any,
    as_of: Any,
    lim: Limits,
    make: Any,
    table: str | None,
) -> Any:
    """Read a typed table natively; :class:`NotPlain` when ``read_events`` must."""
    db = con.con
    src = typed_source(con, source, table)
    try:
        return _read(con, src, m, attributes, as_of, lim, make)
    finally:
        if src.detach is not None:
            run(db, f"DETACH {src.detach}")


def _read(
    con: Any, src: Source, m: Mapping, attributes: Any, as_of: Any, lim: Limits, make: Any
) -> Any:
    db = con.con
    try:
        described = db.execute(f"DESCRIBE SELECT * FROM ({src.sql})").fetchall()
    except Exception as exc:
        raise NotPlain(f"DuckDB could not read it: {first_error(exc)}") from exc
    names = [str(r[0]) for r in described]
    types = [str(r[1]) for r in described]
    if len(names) > lim.max_columns:
        raise NotPlain("more columns than the limit")  # the fallback says so
    try:
        clean = check_header(list(names), src.name, None)
    except HiringFunnelError as exc:
        raise NotPlain(f"a column name read_events refuses: {exc.message}") from exc
    if clean != names:
        raise NotPlain("a column name with surrounding spaces, or a blank one")
    if src.arrow_names is not None and list(src.arrow_names) != names:
        raise NotPlain("DuckDB names the columns otherwise than pyarrow")
    _check_mapping(m, names)
    ts_spec = m.columns.get("timestamp", "timestamp")
    ev_spec = m.columns.get("event", "event")
    cells = [_cell(src, db, n, t, m, n == ts_spec) for n, t in zip(names, types, strict=True)]
    if isinstance(ev_spec, str) and cells[names.index(ev_spec)].kind != "text":
        c = cells[names.index(ev_spec)]
        raise NotPlain(f"the event column {c.name!r} is {c.type}, not text")
    ev = names.index(ev_spec) if isinstance(ev_spec, str) else None
    _check_values(db, src, cells, ev)
    # The event lookup joins on the cell, which NULL never matches: a NULL event is written
    # as U+001F, which str.strip() removes (so it is missing) and which no cell holds.
    if ev is not None:
        cells[ev] = Cell(
            cells[ev].name, cells[ev].type, "text", f"coalesce({cells[ev].text}, chr(31))"
        )
    raw = _cells_table(db, src, cells, m, ts_spec)
    typed = TypedCells(src.name, cells, ev)
    try:
        log = read_cells(con, raw, m, attributes, as_of, lim, _with(make, typed), kind=src.kind)
    except HiringFunnelError as exc:
        if exc.source != src.name or src.error_name == src.name:
            raise
        raise HiringFunnelError(
            exc.message, source=src.error_name, line=exc.line, column=exc.column, hint=exc.hint
        ) from None
    return log


def _with(make: Any, typed: TypedCells) -> Any:
    def build(**kwargs: Any) -> Any:
        return make(**kwargs, _typed_cells=typed)

    return build


def _check_mapping(m: Mapping, names: list[str]) -> None:
    """The mapping's columns are there (else the fallback raises its error, naming no line)."""
    if m.layout != "long" or m.as_of_column is not None:
        raise NotPlain("only long layouts without an as_of column")
    if any(c not in names for c in referenced_columns(m)):
        raise NotPlain("the mapping names a column the table does not have")
    for col in REQUIRED_COLUMNS:
        spec = m.columns.get(col, col)
        if not (isinstance(spec, dict) or spec in names):
            raise NotPlain(f"no column {col!r}")


def _time_text(utc: str) -> str:
    """``str(Timestamp)`` of a naive timestamp expression, without an offset.

    A whole second is DuckDB's own text of it (years 1678 to 2261 have four digits);
    a fraction is written in six digits, as pandas writes it.
    """
    return (
        f"CASE WHEN epoch_us({utc}) % 1000000 = 0 THEN CAST({utc} AS VARCHAR) "
        f"ELSE strftime({utc}, '%Y-%m-%d %H:%M:%S.%f') END"
    )


def _cell(src: Source, db: Any, name: str, typ: str, m: Mapping, is_ts: bool) -> Cell:
    c = quote_ident(name)
    why = f"column {name!r} is {typ}"
    if typ in ("NULL", '"NULL"'):  # a column of None only (pyarrow's null type): missing everywhere
        return Cell(name, typ, "text", "NULL::VARCHAR")
    if typ == "VARCHAR" or (typ.startswith("ENUM(") and src.flavor == "duckdb"):
        return Cell(name, typ, "text", c if typ == "VARCHAR" else f"CAST({c} AS VARCHAR)")
    if is_ts and typ not in _NAIVE | _AWARE | {"DATE"}:
        raise NotPlain(f"{why}: read_events reads numbers in a timestamp column as Excel dates")
    if typ in _INTS:
        return Cell(name, typ, "int", f"CAST({c} AS VARCHAR)", null=pd.NA)
    if typ == "BOOLEAN":
        null = pd.NA if src.flavor == "duckdb" else None
        return Cell(
            name,
            typ,
            "bool",
            f"CASE {c} WHEN true THEN 'True' WHEN false THEN 'False' END",
            null=null,
        )
    if typ in _NAIVE | _AWARE | {"DATE"}:
        if typ == "DATE":
            utc = f"CAST({c} AS TIMESTAMP)"
        elif typ in _AWARE:
            utc = f"timezone('UTC', CAST({c} AS TIMESTAMPTZ))"
        else:
            utc = f"CAST({c} AS TIMESTAMP)"
        aware = typ in _AWARE
        if aware and src.flavor == "duckdb" and typ == "TIMESTAMPTZ_NS":
            aware = False  # DuckDB's .df() drops the zone of nanosecond times: UTC wall time
        if aware and src.flavor == "duckdb":
            tz = db.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]
            if tz not in _UTC:
                raise NotPlain(f"{why}: pandas would hold it in the time zone {tz}, not UTC")
        if aware and src.flavor == "arrow":
            tz = src.arrow_tz.get(name)
            if tz not in _UTC:
                raise NotPlain(f"{why}: pandas would hold it in the time zone {tz}, not UTC")
        if is_ts and not aware and m.timezone != "UTC":
            raise NotPlain(
                f"{why}: naive times are read in {m.timezone}, where a daylight-saving "
                "change gets another reason than in text"
            )
        if typ == "DATE" and src.flavor == "arrow":  # datetime.date
            return Cell(name, typ, "date", f"strftime({c}, '%Y-%m-%d')", utc)
        text = _time_text(utc) + (" || '+00:00'" if aware else "")
        return Cell(name, typ, "aware" if aware else "naive", text, utc, pd.NaT)
    if typ in ("FLOAT", "DOUBLE") or typ.startswith("DECIMAL"):
        raise NotPlain(f"{why}: pandas writes floats as 1.0 where SQL writes 1")
    if typ.endswith("]") or typ.startswith(("STRUCT", "MAP", "UNION")):
        raise NotPlain(f"{why}: a list, struct or map, which read_events reads as its JSON text")
    raise NotPlain(f"{why}, which the engine does not render as pandas does")


def _check_values(db: Any, src: Source, cells: list[Cell], ev: int | None) -> None:
    """One pass over the table for what the types alone do not settle."""
    checks: list[tuple[str, str]] = [("count(*) = 0", "the table has no rows")]
    for cell in cells:
        c = quote_ident(cell.name)
        if cell.kind == "int":
            checks.append(
                (
                    f"bool_or(abs(CAST({c} AS DOUBLE)) >= 1e16)",
                    f"integer column {cell.name!r} has numbers of 17 digits, which pandas may "
                    "write as floats in e-notation",
                )
            )
        if cell.kind == "int" and src.flavor != "duckdb":
            checks.append(
                (
                    f"bool_or({c} IS NULL)",
                    f"integer column {cell.name!r} has missing values, which pandas reads as floats",
                )
            )
        if cell.utc is not None:
            checks.append(
                (
                    f"bool_or(NOT year({cell.utc}) BETWEEN 1678 AND 2261)",
                    f"column {cell.name!r} has times outside the years 1678 to 2261",
                )
            )
        if cell.type in _NS:
            checks.append(
                (
                    f"bool_or(epoch_ns({c}) % 1000 <> 0)",
                    f"column {cell.name!r} has nanoseconds, which the engine holds in microseconds",
                )
            )
    if ev is not None:
        c = quote_ident(cells[ev].name)
        checks.append(
            (
                f"bool_or(contains({cells[ev].text}, chr(31)))",
                f"the event column {cells[ev].name!r} holds U+001F, which stands for NULL here",
            )
        )
    try:
        row = db.execute(
            f"SELECT {', '.join(f'coalesce({sql}, false)' for sql, _ in checks)} FROM ({src.sql})"
        ).fetchall()[0]
    except Exception as exc:
        raise NotPlain(f"DuckDB could not read it: {first_error(exc)}") from exc
    for hit, (_, why) in zip(row, checks, strict=True):
        if hit:
            raise NotPlain(why)


def _cells_table(db: Any, src: Source, cells: list[Cell], m: Mapping, ts_spec: Any) -> RawCSV:
    """The table of text cells, with what the checks need computed in the same pass."""
    n = len(cells)
    items = [f"{cell.text} AS c{j}" for j, cell in enumerate(cells)]
    extra = [f"hash({', '.join(f'c{j}' for j in range(n))}) AS h"]
    text_cols = [j for j, cell in enumerate(cells) if cell.kind == "text"]
    if n <= _BITS:
        # Rendered numbers, booleans and times never look like formulas ('-3' is a number).
        bits = " | ".join(
            f"(CASE WHEN {looks_like_formula(f'c{j}')} THEN {1 << j} ELSE 0 END)" for j in text_cols
        )
        extra.append(f"CAST({bits or '0'} AS BIGINT) AS fm")
    drop: list[str] = []
    if isinstance(ts_spec, str):
        j = [cell.name for cell in cells].index(ts_spec)
        if cells[j].utc is not None:
            items.append(f"{cells[j].utc} AS ts_fast")
        elif utc_iso(m):
            extra.append(fast_columns(f"c{j}"))
            drop = ["ts_a", "ts_p"]
    keep = f"* EXCLUDE ({', '.join(drop)})" if drop else "*"
    cells_table = fresh_name("typed")
    order = db.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    # The rowid is the row's position, as the fallback's DataFrame numbers it.
    run(db, "SET preserve_insertion_order = true")
    try:
        run(
            db,
            f"CREATE TEMP TABLE {cells_table} AS SELECT {keep} FROM (SELECT *, {', '.join(extra)} "
            f"FROM (SELECT {', '.join(items)} FROM ({src.sql})))",
        )
    except Exception as exc:
        raise NotPlain(f"DuckDB could not read it: {first_error(exc)}") from exc
    finally:
        run(db, f"SET preserve_insertion_order = {'true' if order else 'false'}")
    view = fresh_name("raw")
    run(
        db,
        f"CREATE TEMP VIEW {view} AS SELECT rowid + 1 AS line, {n} AS nf, false AS ragged, * "
        f"FROM {cells_table}",
    )
    rows = db.execute(f"SELECT count(*) FROM {cells_table}").fetchall()[0][0]
    return RawCSV(
        source=src.name,
        table=view,
        header=[cell.name for cell in cells],
        width=n,
        rows_read=int(rows),
        ragged=0,
        blank_lines=0,
        delimiter=",",
        columns=frozenset(r[0] for r in db.execute(f"DESCRIBE {view}").fetchall()),
        # No column is taken as plain (ingest_scan's word for cells the checks may skip):
        # a NULL cell is none of the CSV scanner's kinds.
        plain=(False,) * n,
        tokenless=(False,) * n,
        storage=(cells_table,),
    )


@dataclass(frozen=True)
class TypedCells:
    """The quarantine of a typed table: its text cells as the fallback's objects, and its file."""

    source: str
    cells: list[Cell]
    event: int | None

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The cells of the table's quarantined rows as the objects ``read_events`` holds."""
        if not len(frame):
            return frame
        mine = (frame["file"] == self.source).to_numpy()
        out = frame.copy()
        for j, cell in enumerate(self.cells):
            col = cell_name(cell.name)
            if col not in out.columns:
                continue
            values = out[col].to_numpy(dtype=object).copy()
            for i in range(len(values)):
                if mine[i]:
                    values[i] = _decode(cell, values[i], j == self.event)
            out[col] = pd.Series(values, index=out.index, dtype=object)
        return out

    def write(self, db: Any, sql: str, columns: list[str], path: str | Path) -> Path:
        """``write_quarantine_csv`` as ``write_guarded_csv`` writes the fallback's objects.

        ``guard_cell`` guards text only, so a negative number is not guarded; and
        its ``Series.map`` infers the column's type from all its cells: integers
        with NaN (the rows of an attributes file without the column) become
        floats, written ``1.0``; naive times become a datetime column, written
        with one precision for all (dates only when all are midnight).
        """
        mine = f"file = {quote_literal(self.source)}"
        forms = _forms(db, sql, mine, [c for c in self.cells if cell_name(c.name) in columns])
        event = None if self.event is None else cell_name(self.cells[self.event].name)

        def typed(name: str, text: str) -> str:
            if name in forms:
                text = f"CASE WHEN {mine} THEN {forms[name]} ELSE {text} END"
            if name == event:
                ident = quote_ident(name)
                text = f"CASE WHEN {mine} AND {ident} = chr(31) THEN NULL ELSE {text} END"
            return text

        return write_quarantine_csv(db, sql, columns, path, cell=typed)


def _forms(db: Any, sql: str, mine: str, cells: list[Cell]) -> dict[str, str]:
    """How the table's typed cells are written, per quarantine column (SQL over the text)."""
    typed = [c for c in cells if c.kind in ("int", "naive")]
    if not typed:
        return {}
    aggs = []
    for c in typed:
        q = quote_ident(cell_name(c.name))
        aggs.append(
            f"count(*) FILTER (WHERE {q} IS NULL), count(*) FILTER (WHERE {mine} AND {q} IS NULL), "
            f"count(*) FILTER (WHERE NOT ({mine}) AND {q} IS NOT NULL), "
            f"coalesce(bool_and(substr({q}, 12) = '00:00:00') FILTER (WHERE {mine}), true), "
            f"coalesce(bool_or(length({q}) > 19 AND substr({q}, 24, 3) <> '000') "
            f"FILTER (WHERE {mine}), false), "
            f"coalesce(bool_or(length({q}) > 19) FILTER (WHERE {mine}), false)"
        )
    row = db.execute(f"SELECT {', '.join(aggs)} FROM ({sql})").fetchall()[0]
    out: dict[str, str] = {}
    for k, c in enumerate(typed):
        nulls, mine_nulls, text, midnight, us, ms = row[6 * k : 6 * k + 6]
        q = quote_ident(cell_name(c.name))
        if text:  # text of an attributes file in the column: objects, each written as str()
            out[cell_name(c.name)] = q
        elif c.kind == "int":
            # NaN beside ints makes floats (pd.NA, the engine's NULL of an int column, does not).
            out[cell_name(c.name)] = f"{q} || '.0'" if nulls and not mine_nulls else q
        elif midnight:
            out[cell_name(c.name)] = f"left({q}, 10)"
        elif us:
            out[cell_name(c.name)] = (
                f"CASE WHEN length({q}) = 19 THEN {q} || '.000000' ELSE {q} END"
            )
        elif ms:
            out[cell_name(c.name)] = (
                f"CASE WHEN length({q}) = 19 THEN {q} || '.000' ELSE left({q}, 23) END"
            )
        else:
            out[cell_name(c.name)] = q
    return out


_NULL_EVENT = "\x1f"


def _decode(cell: Cell, value: Any, event: bool) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None if cell.kind in ("text", "date") else cell.null
    if cell.kind == "text":
        return None if event and value == _NULL_EVENT else value
    if cell.kind == "int":
        return int(value)
    if cell.kind == "bool":
        return value == "True"
    if cell.kind == "date":
        return dt.date.fromisoformat(value)
    return pd.Timestamp(value)


__all__ = ["TypedCells", "is_typed", "read_typed"]
