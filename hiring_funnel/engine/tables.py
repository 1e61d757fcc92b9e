"""Canonical events and attributes as Ibis tables on an engine connection.

:func:`events_table` and :func:`attributes_table` take what the pandas path
takes (a DataFrame, an :class:`~hiring_funnel.schema.EventLog`), files of
canonical events (Parquet: a file, a folder or a glob; CSV as written by
:func:`hiring_funnel.write_simulated`) or an Ibis table, and give an Ibis
table with the canonical columns and engine types:

============== ================== ===========================================
column         Ibis type          note
============== ================== ===========================================
application_id ``string``
event          ``string``         one of :data:`hiring_funnel.schema.EVENTS`
timestamp      ``timestamp('UTC')``
candidate_id   ``string``         null when absent
company_id     ``string``         null when absent
stage          ``string``         null when absent
channel        ``string``         null when absent
line           ``int64``          null when absent (files without a line column)
============== ================== ===========================================

Nothing is read into Python: files become views (Parquet) or engine tables
(CSV, parsed once by the engine so that several queries do not parse it again).

On DuckDB the session time zone is set to UTC: the clocks count days between
UTC dates, and DuckDB takes the date of a ``TIMESTAMPTZ`` in the session time
zone. (On Spark the same holds for ``spark.sql.session.timeZone``.)
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.observation import refuse_on_engine
from hiring_funnel.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, EventLog, HiringFunnelError

__all__ = ["attributes_table", "events_table", "utc_session"]

_TEXT = ("application_id", "event") + OPTIONAL_COLUMNS
_names = itertools.count()


def _con(con: Any) -> Any:
    if con is None:
        from hiring_funnel.engine.connection import connect

        con = connect()
    utc_session(con)
    return con


def utc_session(con: Any) -> None:
    """Make the engine take dates of timestamps in UTC (DuckDB: ``SET TimeZone``)."""
    if getattr(con, "name", None) == "duckdb":
        con.raw_sql("SET TimeZone = 'UTC'")


def _is_table(obj: Any) -> bool:
    import ibis.expr.types as ir

    return isinstance(obj, ir.Table)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _kind(path: str) -> str:
    """ "parquet" or "csv" for a file, folder or glob of event files."""
    p = Path(path)
    name = path.lower()
    if p.is_dir():
        found = {f.suffix.lower() for f in p.rglob("*") if f.is_file()}
        if ".parquet" in found:
            return "parquet"
        if found & {".csv", ".tsv"}:
            return "csv"
        raise HiringFunnelError(f"{path}: no Parquet or CSV files in this folder")
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".tsv")):
        return "csv"
    raise HiringFunnelError(
        f"{path}: not a Parquet or CSV file of canonical events",
        hint="give a .parquet or .csv file, a folder of them, or a glob",
    )


def _read_path(con: Any, source: str | Path, materialize: bool | None, shape: Any = None) -> Any:
    """A view over the files, or (CSV by default) an engine table of ``shape(view)``.

    ``shape`` turns the raw view into the stored table (the canonical columns
    and types for events), so that a CSV is parsed and typed once.
    """
    if getattr(con, "name", None) == "pyspark":
        # Spark reads where the files are (s3a://, hdfs:// too), cells of a CSV as
        # text, and pandas' nanosecond Parquet timestamps (engine.spark).
        from hiring_funnel.engine.spark import spark_table

        table = spark_table(con, source)
        return shape(table) if shape is not None and materialize else table
    path = str(source)
    has_glob = any(ch in path for ch in "*?[")
    if not has_glob and not Path(path).exists():
        raise HiringFunnelError(f"{path}: no such file or folder")
    kind = _kind(path) if not has_glob else ("parquet" if "parquet" in path.lower() else "csv")
    pattern = path
    if Path(path).is_dir():
        pattern = str(Path(path) / "**" / ("*.parquet" if kind == "parquet" else "*.csv"))
    name = f"hf_source_{next(_names)}"
    if getattr(con, "name", None) != "duckdb":
        if kind == "parquet":
            return con.read_parquet(pattern)
        return con.read_csv(pattern, header=True)
    if kind == "parquet":
        scan = f"read_parquet({_quote(pattern)}, hive_partitioning = true, union_by_name = true)"
    else:
        # Every cell as text, as read_events reads it: no guessed types.
        scan = (
            f"read_csv({_quote(pattern)}, header = true, all_varchar = true, union_by_name = true)"
        )
    keep = materialize if materialize is not None else kind == "csv"
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {scan}")
    view = con.table(name)
    if not keep:
        return view
    stored = shape(view) if shape is not None else view
    con.raw_sql(f"CREATE OR REPLACE TEMP TABLE {name}_t AS {con.compile(stored)}")
    return con.table(f"{name}_t")


def _from_frame(con: Any, frame: pd.DataFrame) -> Any:
    import ibis
    import pyarrow as pa

    if getattr(con, "name", None) == "pyspark":  # Spark has no temp tables through Ibis
        from hiring_funnel.engine.spark import spark_table

        return spark_table(con, frame)

    frame = frame.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("string")
    if getattr(con, "name", None) == "duckdb":
        name = f"hf_frame_{next(_names)}"
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        raw = con.con
        raw.register(f"{name}_arrow", arrow)
        try:
            raw.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        finally:
            raw.unregister(f"{name}_arrow")
        return con.table(name)
    return con.create_table(f"hf_frame_{next(_names)}", ibis.memtable(frame), temp=True)


def _canonical(raw: Any, what: str) -> Any:
    import ibis
    import ibis.expr.datatypes as dt

    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise HiringFunnelError(
            f"{what} are missing the required column(s) {', '.join(map(repr, missing))}; "
            f"found {list(raw.columns)}",
            hint="give canonical events (application_id, event, timestamp, ...)",
        )
    cols: dict[str, Any] = {}
    for col in _TEXT:
        cols[col] = raw[col].cast("string") if col in raw.columns else ibis.null().cast("string")
    ts = raw["timestamp"]
    utc = dt.Timestamp(timezone="UTC")
    if ts.type().is_timestamp() and ts.type().timezone not in (None, "UTC"):
        ts = ts.cast(utc)  # an instant: same moment, UTC label
    cols["timestamp"] = ts.cast(utc)
    cols["line"] = raw["line"].cast("int64") if "line" in raw.columns else ibis.null().cast("int64")
    order = ["application_id", "event", "timestamp", *OPTIONAL_COLUMNS, "line"]
    return raw.select(**{c: cols[c] for c in order})


def events_table(events: Any, con: Any = None, *, materialize: bool | None = None) -> Any:
    """Canonical events as an Ibis table on ``con``.

    Parameters
    ----------
    events : DataFrame, EventLog, str, Path or ibis Table
        Canonical events: a frame (as :func:`hiring_funnel.read_events` gives),
        an ``EventLog``, a Parquet file/folder/glob, a CSV file of canonical
        events (``events.csv`` of :func:`hiring_funnel.write_simulated`), or a
        table already on an engine (then ``con`` is ignored).
    con : ibis backend, optional
        Default :func:`hiring_funnel.engine.connect` (DuckDB in memory).
    materialize : bool, optional
        DuckDB only: copy the file into an engine table (default for CSV, so
        that it is parsed once) or leave a view over it (default for Parquet).

    Returns
    -------
    ibis Table
        Columns ``application_id, event, timestamp, candidate_id, company_id,
        stage, channel, line`` typed as in the module docstring.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> t = events_table(hf.simulate(20, seed=1).events)
    >>> t.columns[:3]
    ('application_id', 'event', 'timestamp')
    """
    if _is_table(events):
        utc_session(events._find_backend())
        return _canonical(events, "events")
    con = _con(con)
    if isinstance(events, EventLog):
        events = events.events
    if isinstance(events, pd.DataFrame):
        return _canonical(_from_frame(con, events), "events")
    if isinstance(events, (str, Path)):
        what = str(events)
        return _canonical(
            _read_path(con, events, materialize, lambda raw: _canonical(raw, what)), what
        )
    raise HiringFunnelError(
        f"events must be a DataFrame, an EventLog, a path or an Ibis table, "
        f"not {type(events).__name__}"
    )


def attributes_table(attributes: Any, con: Any = None, *, materialize: bool | None = None) -> Any:
    """Attributes (one row per ``application_id``) as an Ibis table on ``con``.

    Takes a DataFrame, an ``EventLog`` (its ``attributes``), a Parquet or CSV
    file/folder/glob, or an Ibis table. CSV cells are read as text, as
    :func:`hiring_funnel.read_events` reads them; ``application_id`` is cast
    to string. Returns None when there are no attribute columns.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> attributes_table(hf.simulate(20, seed=1).attributes).columns[:2]
    ('application_id', 'company_size')
    """
    if isinstance(attributes, EventLog):
        attributes = attributes.attributes
    if attributes is None:
        return None
    if _is_table(attributes):
        table = attributes
    else:
        con = _con(con)
        if isinstance(attributes, pd.DataFrame):
            if attributes.shape[1] == 0:
                return None
            table = _from_frame(con, attributes)
        elif isinstance(attributes, (str, Path)):
            table = _read_path(con, attributes, materialize)
        else:
            raise HiringFunnelError(
                f"attributes must be a DataFrame, a path or an Ibis table, "
                f"not {type(attributes).__name__}"
            )
    if "application_id" not in table.columns:
        raise HiringFunnelError(
            "attributes have no 'application_id' column to join on",
            hint="attributes need one row per application keyed by application_id",
        )
    refuse_on_engine(table.columns)
    return table.mutate(application_id=table.application_id.cast("string"))
