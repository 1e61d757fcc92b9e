"""``read_events`` in the engine: read, map and validate as DuckDB queries.

:func:`read_events_engine` gives the same answers and the same row accounting
as :func:`hiring_funnel.read_events` (equal events, attributes, quarantined
rows with their line numbers, counts, problems and errors), but leaves the
events in the engine as a lazy Ibis table; only counts, problems and what is
asked for leave it.

Native (DuckDB reads and checks the file; Python sees only distinct odd values),
for the long layout, with or without an attributes file (a CSV one): UTF-8 CSV
and TSV files; and typed tables (:mod:`~hiring_funnel.engine.ingest_typed`):
a Parquet file, a folder or glob of Parquet files (Hive-partitioned or not),
a table of a DuckDB database file with ``table=``, and an Ibis table of the
connection ``con``, whose rows are numbered 1, 2, ... as ``read_events`` numbers
the one DataFrame it would make of them, with text, integer, boolean, time and
date columns. Everything else is read by ``read_events`` and its result put in
the engine; ``meta["fallback"]`` then says why: DataFrames, JSON Lines, Excel,
typed tables with other column types (floats, lists, ...), an Ibis table of
another connection, other encodings, wide mappings, an ``as_of`` column, a
file that is not plainly quoted, and rows of other lengths in a file whose
quoted cells hold line breaks.

API (stable; ``read_events(engine=...)`` and the CLI build on it):
``read_events_engine(source, mapping=None, *, attributes=None, con=None,
as_of=None, encoding=None, limits=None, table=None) -> EngineLog``. An
:class:`EngineLog` has ``events``, ``attributes`` and ``quarantine`` as Ibis
tables of ``con`` (DuckDB only for now), the counts, ``problems`` (as
``read_events`` gives them; computed on first use), ``warnings``, ``meta``,
``quarantine_sample(n)``, ``write_quarantine(path)`` (DuckDB ``COPY``, atomic,
byte for byte the pandas file), ``to_event_log()`` and ``close()`` (drops
the tables the read made on ``con``; ``with read_events_engine(...) as log:``
closes at the end of the block). It sets DuckDB's
progress bar on ``con``: on when stderr is a terminal, off otherwise. The checks of each native step are in
:mod:`~hiring_funnel.engine.ingest_scan` (bytes),
:mod:`~hiring_funnel.engine.ingest_raw` (cells),
:mod:`~hiring_funnel.engine.ingest_check` (mapping and validation),
:mod:`~hiring_funnel.engine.ingest_attrs` (attributes) and
:mod:`~hiring_funnel.engine.ingest_out` (what leaves the engine).

Examples
--------
>>> from hiring_funnel.engine.ingest import read_events_engine
>>> log = read_events_engine("data/sample/events.csv", mapping="data/sample/mapping.toml")
>>> log.meta["engine"], "fallback" in log.meta
('duckdb', False)
>>> log.rows_read == log.rows_loaded + log.rows_skipped + log.rows_quarantined
True
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.engine.ingest_native import native_read
from hiring_funnel.engine.ingest_out import (
    attributes_frame,
    events_frame,
    quarantine_frame,
    write_quarantine_csv,
)
from hiring_funnel.engine.ingest_raw import first_error, fresh_name
from hiring_funnel.engine.ingest_scan import NotPlain
from hiring_funnel.engine.ingest_sql import quote_ident, quote_literal, run
from hiring_funnel.engine.ingest_typed import is_typed, read_typed
from hiring_funnel.io.limits import Limits, resolve
from hiring_funnel.io.load import read_events
from hiring_funnel.io.mapping import load_mapping
from hiring_funnel.outputs import write_guarded_csv
from hiring_funnel.schema import EventLog, HiringFunnelError, Problem


@dataclass
class EngineLog:
    """What :func:`read_events_engine` returns: an event log whose tables stay in the engine.

    Attributes
    ----------
    con : ibis.BaseBackend
        The Ibis connection the tables live in.
    events : ibis.Table
        Canonical events (``application_id``, ``event``, ``timestamp`` in UTC,
        ``candidate_id``, ``company_id``, ``stage``, ``channel``, ``line``),
        lazy and unordered. :meth:`to_event_log` orders them as ``read_events``.
    attributes : ibis.Table or None
        One row per loaded application: ``application_id`` and attribute columns.
    quarantine : ibis.Table
        One row per unusable input row: ``file``, ``line``, ``column``, ``reason``,
        ``kind``, then the row's cells. Pull a sample with :meth:`quarantine_sample`.
    rows_read, rows_loaded, rows_skipped, rows_quarantined, exact_duplicates : int
        ``rows_read == rows_loaded + rows_skipped + rows_quarantined``; no row is
        skipped today (a row the mapping yields no event for is quarantined, as
        in ``read_events``), the field is there for engines that will.
    source : str
    as_of : Timestamp or None
    meta : dict
        ``read_events``' meta, plus ``engine`` (``"duckdb"``), ``native`` (True
        when DuckDB read and checked the file) and, when it did not,
        ``fallback``: why ``read_events`` read it.
    """

    con: Any
    events: Any
    attributes: Any
    quarantine: Any
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    exact_duplicates: int
    source: str
    as_of: pd.Timestamp | None
    meta: dict[str, Any]
    rows_skipped: int = 0
    _problems: Any = field(default=None, repr=False)
    _log: EventLog | None = field(default=None, repr=False)
    _quarantine_sql: tuple[str, list[str]] | None = field(default=None, repr=False)
    _numeric: dict[str, bool] = field(default_factory=dict, repr=False)
    _created: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    #: A typed table's quarantine cells as objects, and its file (engine.ingest_typed).
    _typed_cells: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Drop the tables and views this read made on ``con`` (a reused connection
        keeps every log's tables until then). The log's tables cannot be read after."""
        db = self._db
        for kind, name in sorted(self._created, key=lambda x: x[0] != "VIEW"):
            db.execute(f"DROP {kind} IF EXISTS {quote_ident(name)}").fetchall()
        self._created = ()

    def __enter__(self) -> EngineLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem, as ``read_events`` gives them (one per quarantined line, then warnings)."""
        if self._log is not None:
            return self._log.problems
        if callable(self._problems):
            self._problems = self._problems()
        return tuple(self._problems)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems that quarantine no row (formulas, orphans, cleaned ids, attributes)."""
        lines = {(p.source, p.line) for p in self.problems if p.kind in _ROW_KINDS}
        return tuple(
            p for p in self.problems if p.kind not in _ROW_KINDS or (p.source, p.line) not in lines
        )

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_skipped": self.rows_skipped,
            "rows_quarantined": self.rows_quarantined,
            "exact_duplicates": self.exact_duplicates,
        }

    @property
    def _db(self) -> Any:
        return self.con.con

    def quarantine_sample(self, n: int = 20) -> pd.DataFrame:
        """The first ``n`` quarantined rows (by file, then line) as a DataFrame."""
        if self._log is not None:
            return self._log.quarantine.head(n)
        assert self._quarantine_sql is not None
        sql, columns = self._quarantine_sql
        return self._cells(
            quarantine_frame(self._db, f"SELECT * FROM ({sql}) LIMIT {int(n)}", columns)
        )

    def _cells(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame if self._typed_cells is None else self._typed_cells.decode(frame)

    def write_quarantine(self, path: str | Path) -> Path:
        """Write the quarantined rows to ``path`` as ``write_guarded_csv`` would, atomically.

        The engine writes the file (``COPY``); the rows are never collected
        into Python. The file is byte for byte the one the pandas path writes.
        """
        if self._log is not None:
            return write_guarded_csv(self._log.quarantine, path, force=True)
        assert self._quarantine_sql is not None
        sql, columns = self._quarantine_sql
        if self._typed_cells is not None:
            return self._typed_cells.write(self._db, sql, columns, path)
        return write_quarantine_csv(self._db, sql, columns, path)

    def to_event_log(self) -> EventLog:
        """The log as ``read_events`` returns it (equal to it on the same input)."""
        if self._log is not None:
            return self._log
        assert self._quarantine_sql is not None
        db = self._db
        sql, columns = self._quarantine_sql
        meta = {k: v for k, v in self.meta.items() if k not in _ENGINE_META}
        return EventLog(
            events=events_frame(db, self.events.get_name()),
            attributes=attributes_frame(db, self.attributes.get_name(), self._numeric),
            quarantine=self._cells(quarantine_frame(db, sql, columns)),
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_quarantined=self.rows_quarantined,
            exact_duplicates=self.exact_duplicates,
            problems=self.problems,
            source=self.source,
            as_of=self.as_of,
            meta=meta,
        )


_ENGINE_META = ("engine", "native", "fallback")
_ROW_KINDS = frozenset(
    {
        "missing_id",
        "missing_date",
        "bad_date",
        "bad_days",
        "missing_event",
        "unknown_event",
        "exact_duplicate",
        "conflicting_duplicate",
        "conflicting_outcomes",
        "after_as_of",
        "before_application",
        "no_event",
        "ragged_row",
        "bad_json",
        "nested_value",
    }
)


def read_events_engine(
    source: str | Path | pd.DataFrame | Any,
    mapping: str | Path | AnyMapping[str, Any] | None = None,
    *,
    attributes: str | Path | pd.DataFrame | None = None,
    con: Any = None,
    as_of: str | pd.Timestamp | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
    table: str | None = None,
) -> EngineLog:
    """Read, map and validate a log in the engine; see the module docstring.

    Parameters are those of :func:`hiring_funnel.read_events`, plus ``con``
    (an Ibis DuckDB connection; default a new in-memory one from
    :func:`hiring_funnel.engine.connect`) and ``table`` (a table in the
    DuckDB database file ``source``). Raises the same
    :class:`~hiring_funnel.schema.HiringFunnelError` as ``read_events``.
    """
    if con is None:
        from hiring_funnel.engine.connection import connect

        con = connect("duckdb")
    before = _temp_names(con.con)
    log = _read(source, mapping, attributes, con, as_of, encoding, limits, table)
    log._created = tuple(sorted(_temp_names(con.con) - before))
    return log


def _temp_names(db: Any) -> set[tuple[str, str]]:
    """The temporary tables and views of a DuckDB connection, as (kind, name)."""
    rows = db.execute(
        "SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT 'VIEW', view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    return {(kind, name) for kind, name in rows}


def _read(
    source: Any,
    mapping: Any,
    attributes: Any,
    con: Any,
    as_of: Any,
    encoding: str | None,
    limits: Limits | None,
    table: str | None,
) -> EngineLog:
    db = con.con
    lim = resolve(limits)
    m = load_mapping(mapping, limits=lim)
    reason = _why_not_native(source, m, encoding, attributes, table)
    if reason is None:
        try:
            if is_typed(source, table):
                return _spellings(
                    read_typed(con, source, m, attributes, as_of, lim, EngineLog, table)
                )
            return _spellings(
                native_read(con, source, m, attributes, as_of, encoding, lim, EngineLog)
            )
        except NotPlain as exc:
            reason = str(exc)
    frame = _as_frame(db, source, table)
    log = read_events(
        frame,
        attributes=attributes,
        mapping=mapping,
        encoding=encoding,
        as_of=as_of,
        limits=limits,
    )
    if frame is not source and isinstance(source, str | Path):
        # Read as a DataFrame, but named as the user named it (lines are row numbers);
        # an attributes file's rows keep its name.
        name = str(source) + (f":{table}" if table is not None else "")
        quarantine = log.quarantine
        if len(quarantine):
            quarantine = quarantine.assign(
                file=quarantine["file"].where(quarantine["file"] != log.source, name)
            )
        log = dataclasses.replace(log, source=name, quarantine=quarantine)
    return from_event_log(con, log, reason)


def _spellings(log: EngineLog) -> EngineLog:
    """:func:`hiring_funnel.io.load.clean_spellings` on the engine: the attributes table
    cleaned in SQL, its problems after the others (as in ``read_events``)."""
    from hiring_funnel.io.spellings import clean_table

    if log.attributes is None:
        return log
    table, extra, merged = clean_table(log.con.con, log.attributes.get_name(), log._numeric)
    if not extra and table == log.attributes.get_name():
        return log
    if merged:
        log.meta["merged_spellings"] = merged
    before = log._problems

    def problems() -> list[Problem]:
        return [*(before() if callable(before) else before or ()), *extra]

    return dataclasses.replace(log, attributes=log.con.table(table), _problems=problems)


def _as_frame(db: Any, source: Any, table: str | None) -> Any:
    """What ``read_events`` can read: the source itself, or a DataFrame of it.

    A table in a DuckDB database file, an Ibis table, and a folder or glob of
    Parquet files (Hive-partitioned too) become a DataFrame, whose rows are
    numbered 1, 2, ... (in the order of the files' names for a folder).
    """
    if table is not None:
        alias = fresh_name("src")
        path = Path(str(source))
        if not path.is_file():
            raise HiringFunnelError("file not found", source=str(source))
        try:
            run(db, f"ATTACH {quote_literal(str(source))} AS {alias} (READ_ONLY)")
        except Exception as exc:  # not a DuckDB database file
            raise HiringFunnelError(
                f"cannot open it as a DuckDB database: {first_error(exc)}",
                source=str(source),
                hint="--table names a table in a DuckDB database file (.duckdb)",
            ) from None
        try:
            name = ".".join(quote_ident(part) for part in table.split("."))
            return db.execute(f"SELECT * FROM {alias}.{name}").df()
        except Exception as exc:
            raise HiringFunnelError(
                f"cannot read table {table!r}: {first_error(exc)}", source=str(source)
            ) from exc
        finally:
            run(db, f"DETACH {alias}")
    if hasattr(source, "to_pandas") and not isinstance(source, pd.DataFrame):
        return source.to_pandas()
    if isinstance(source, str | Path) and _parquet_set(source):
        pattern = str(Path(source) / "**" / "*.parquet") if Path(source).is_dir() else str(source)
        return db.execute(
            f"SELECT * FROM read_parquet({quote_literal(pattern)}, hive_partitioning = true, "
            "union_by_name = true)"
        ).df()
    return source


def _parquet_set(source: str | Path) -> bool:
    """A folder of Parquet files, or a glob naming some."""
    text = str(source)
    if Path(text).is_dir():
        return any(Path(text).rglob("*.parquet"))
    return any(c in text for c in "*?[") and text.lower().endswith((".parquet", ".pq"))


def _why_not_native(
    source: Any, m: Any, encoding: str | None, attributes: Any, table: str | None
) -> str | None:
    typed = is_typed(source, table)
    if not typed and not isinstance(source, str | Path):
        return f"a {type(source).__name__} is read by read_events"
    suffix = "" if typed else Path(source).suffix.lower()
    if not typed and suffix not in (".csv", ".tsv", ".txt"):
        return f"{suffix or 'a file without a suffix'} files are read by read_events"
    if attributes is not None and not (
        isinstance(attributes, str | Path)
        and Path(attributes).suffix.lower() in (".csv", ".tsv", ".txt")
    ):
        return "the attributes are not a CSV file"
    # A typed table has no encoding; a CSV attributes file is read in ``encoding``.
    enc = (encoding if attributes is not None else None) if typed else (encoding or m.encoding)
    if enc is not None:
        try:
            name = codecs.lookup(enc).name
        except LookupError:
            return f"unknown encoding {enc!r}"
        if name != "utf-8":
            return f"encoding {enc} is decoded by read_events"
    if m.layout != "long":
        return "wide layouts are mapped by read_events"
    if m.as_of_column is not None:
        return "an as_of column is read by read_events"
    return None


def from_event_log(con: Any, log: EventLog, reason: str) -> EngineLog:
    """Put a pandas :class:`EventLog` in the engine (the fallback)."""
    db = con.con
    events = fresh_name("events")
    frame = log.events.assign(event=log.events["event"].astype(str))
    db.register(events + "_src", frame)
    run(db, f"CREATE TEMP TABLE {events} AS SELECT * FROM {events}_src")
    db.unregister(events + "_src")
    attrs = fresh_name("attrs")
    db.register(attrs + "_src", log.attributes)
    run(db, f"CREATE TEMP TABLE {attrs} AS SELECT * FROM {attrs}_src")
    db.unregister(attrs + "_src")
    quarantine = fresh_name("quarantine")
    text = log.quarantine.astype(object).where(log.quarantine.notna(), None)
    text = text.apply(lambda c: c if c.name == "line" else c.map(_as_text))
    db.register(quarantine + "_src", text)
    run(db, f"CREATE TEMP TABLE {quarantine} AS SELECT * FROM {quarantine}_src")
    db.unregister(quarantine + "_src")
    meta = dict(log.meta, engine="duckdb", native=False, fallback=reason)
    return EngineLog(
        con=con,
        events=con.table(events),
        attributes=con.table(attrs),
        quarantine=con.table(quarantine),
        rows_read=log.rows_read,
        rows_loaded=log.rows_loaded,
        rows_quarantined=log.rows_quarantined,
        rows_skipped=log.rows_skipped,
        exact_duplicates=log.exact_duplicates,
        source=log.source,
        as_of=log.as_of,
        meta=meta,
        _log=dataclasses.replace(log),
    )


def _as_text(value: Any) -> Any:
    return None if value is None else str(value)
