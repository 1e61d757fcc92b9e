"""The pandas path's own functions, run on the few distinct values SQL leaves to them.

A log of two million rows has eight event names, and ids or dates that are
not plain printable ASCII are rare; their distinct values are fetched, given
to the very function the pandas path uses (so the answer is the same by
construction), and put back in the engine as a small table to join on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from hiring_funnel.engine.ingest_raw import fresh_name
from hiring_funnel.engine.ingest_scan import NotPlain
from hiring_funnel.engine.ingest_sql import is_ascii, run
from hiring_funnel.io.cell_values import is_missing, parse_timestamps
from hiring_funnel.io.mapped import canonical_event
from hiring_funnel.io.mapping import Mapping
from hiring_funnel.io.readers import short_repr
from hiring_funnel.schema import EVENTS
from hiring_funnel.text import clean_id


def put(db: Any, frame: pa.Table) -> str:
    """A small Arrow table as a DuckDB temporary table; its name."""
    name = fresh_name("lookup")
    view = name + "_src"
    db.register(view, frame)
    try:
        run(db, f"CREATE TEMP TABLE {name} AS SELECT * FROM {view}")
    finally:
        db.unregister(view)
    return name


def distinct(db: Any, sql: str) -> tuple[list[Any], np.ndarray]:
    """Distinct values of ``sql`` (a query giving ``v`` and ``line``), by first line."""
    rows = db.execute(
        f"SELECT v, min(line) AS line FROM ({sql}) GROUP BY v ORDER BY line"
    ).fetchall()
    return [r[0] for r in rows], np.asarray([r[1] for r in rows], dtype=np.int64)


def id_lookup(db: Any, table: str, col: str) -> str:
    """``clean_id`` of the distinct cells of ``col`` that are not ASCII (ASCII is only stripped)."""
    values, _ = distinct(
        db,
        f"SELECT {col} AS v, line FROM {table} WHERE NOT ragged AND NOT {is_ascii(col)}",
    )
    clean = [clean_id(v) for v in values]
    changed = [c != v.strip() for v, c in zip(values, clean, strict=True)]
    reprs = [short_repr(c, 80) for c in clean]
    return put(
        db,
        pa.table(
            {
                "v": pa.array(values, pa.string()),
                "clean": pa.array(clean, pa.string()),
                "changed": pa.array(changed, pa.bool_()),
                "repr": pa.array(reprs, pa.string()),
            }
        ),
    )


def event_lookup(db: Any, table: str, expr: str, m: Mapping) -> str:
    """The canonical event of each distinct event cell, or why there is none."""
    values, _ = distinct(db, f"SELECT {expr} AS v, line FROM {table} WHERE NOT ragged")
    series = pd.Series(values, dtype=object)
    miss = is_missing(series).tolist()
    canon = [
        None if mi else canonical_event(v, m.event_values)
        for v, mi in zip(values, miss, strict=True)
    ]
    reasons = [
        None
        if mi or c is not None
        else f"unknown event {short_repr(v.strip(), 80)} (expected one of {', '.join(EVENTS)})"
        for v, mi, c in zip(values, miss, canon, strict=True)
    ]
    return put(
        db,
        pa.table(
            {
                "v": pa.array(values, pa.string()),
                "canon": pa.array(canon, pa.string()),
                "missing": pa.array(miss, pa.bool_()),
                "reason": pa.array(reasons, pa.string()),
            }
        ),
    )


def timestamp_lookup(db: Any, sql: str, m: Mapping, source: str, column: str) -> str:
    """``parse_timestamps`` of the distinct date cells ``sql`` gives (``v``, ``line``).

    The values go in the order of their first line, so that an ambiguous
    date raises the error naming the first such line, as on the pandas path.
    """
    values, lines = distinct(db, sql)
    ts, why = parse_timestamps(
        pd.Series(values, dtype=object),
        lines,
        date_format=m.date_format,
        timezone=m.timezone,
        source=source,
        column=column,
    )
    ns = ts.to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(ns)
    if (ns[ok].astype(np.int64) % 1000).any():
        raise NotPlain("a time has nanoseconds, which the engine holds in microseconds")
    return put(
        db,
        pa.table(
            {
                "v": pa.array(values, pa.string()),
                "ts": pa.array(ns.astype("datetime64[us]"), pa.timestamp("us"), from_pandas=True),
                "why": pa.array(why.tolist(), pa.string()),
            }
        ),
    )
