"""What leaves the engine: the quarantine table and file, and pandas frames of its tables.

The quarantine file is written by DuckDB (``COPY``), byte for byte as
:func:`hiring_funnel.outputs.write_guarded_csv` writes the pandas frame: the
same columns, formula guards (``'`` before ``=``, ``+``, ``-``, ``@``, tab,
carriage return), empty cells for missing ones, quotes only where the csv
module puts them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.engine.ingest_raw import RawCSV, fresh_name
from hiring_funnel.engine.ingest_sql import quote_ident, quote_literal, run
from hiring_funnel.io.readers import EXTRA_FIELDS_KEPT
from hiring_funnel.schema import EVENT_DTYPE, EVENTS, OPTIONAL_COLUMNS, QUARANTINE_COLUMNS

_GUARD = "('=', '+', '-', '@', chr(9), chr(13))"


def cell_name(name: str) -> str:
    return name if name not in QUARANTINE_COLUMNS else f"{name} (original)"


def quarantine_rows(
    db: Any, raw: RawCSV, checked: str | None, key: str = "line"
) -> tuple[str, list[str]]:
    """A query of the quarantined rows of one file: meta columns, then its cells.

    ``checked`` names a table with ``line``, ``reason``, ``kind`` and ``col``
    (the rows of the file's frame); ragged rows come from the raw table.
    Returns the query and its cell columns (as :func:`validate.quarantine_frame`
    names and orders them).
    """
    n = len(raw.header)
    in_frame = 0
    if checked is not None:
        in_frame = db.execute(
            f"SELECT count(*) FROM {checked} WHERE reason IS NOT NULL"
        ).fetchall()[0][0]
    shape = db.execute(
        f"SELECT max(least(nf, {n})), max(nf) - {n} FROM {raw.table} WHERE ragged"
    ).fetchall()[0]
    shown = n if in_frame else int(shape[0] or 0)
    extras = max(int(shape[1] or 0), 0)
    names = [cell_name(h) for h in raw.header[:shown]]
    extra_names = [f"extra field {k}" for k in range(1, min(extras, EXTRA_FIELDS_KEPT) + 1)]
    if extras > EXTRA_FIELDS_KEPT:
        extra_names.append(f"extra fields {EXTRA_FIELDS_KEPT + 1} on")
    parts = []
    file = quote_literal(raw.source)
    cells = [f"r.c{i} AS {quote_ident(nm)}" for i, nm in enumerate(names)]
    if checked is not None and in_frame:
        nulls = [f"NULL::VARCHAR AS {quote_ident(e)}" for e in extra_names]
        parts.append(
            f'SELECT {file} AS file, q.line, q.col AS "column", q.reason, q.kind'
            f"{''.join(', ' + c for c in cells + nulls)} "
            f"FROM {checked} AS q JOIN {raw.table} AS r ON q.line = r.line "
            "WHERE q.reason IS NOT NULL"
        )
    if raw.ragged:
        ext = []
        for k in range(1, min(extras, EXTRA_FIELDS_KEPT) + 1):
            ext.append(f"r.c{n + k - 1} AS {quote_ident(f'extra field {k}')}")
        if extras > EXTRA_FIELDS_KEPT:
            rest = ", ".join(f"r.c{i}" for i in range(n + EXTRA_FIELDS_KEPT, raw.width))
            ext.append(
                f"CASE WHEN r.nf > {n + EXTRA_FIELDS_KEPT} THEN "
                f"concat_ws({quote_literal(raw.delimiter)}, {rest}) END "
                f"AS {quote_ident(f'extra fields {EXTRA_FIELDS_KEPT + 1} on')}"
            )
        parts.append(
            f'SELECT {file} AS file, r.line, NULL::VARCHAR AS "column", '
            f"'row has ' || r.nf || ' fields but the header has {n}' AS reason, "
            f"'ragged_row' AS kind{''.join(', ' + c for c in cells + ext)} "
            f"FROM {raw.table} AS r WHERE r.ragged"
        )
    if not parts:
        empty = (
            'SELECT NULL::VARCHAR AS file, NULL::BIGINT AS line, NULL::VARCHAR AS "column", '
            "NULL::VARCHAR AS reason, NULL::VARCHAR AS kind WHERE false"
        )
        return empty, []
    return " UNION ALL BY NAME ".join(parts), names + extra_names


def union_quarantines(parts: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    """Several files' quarantined rows, in order, with the union of their columns."""
    columns: list[str] = []
    for _, cols in parts:
        columns += [c for c in cols if c not in columns]
    selects = []
    for k, (sql, cols) in enumerate(parts):
        items = ["file", "line", '"column"', "reason", "kind"]
        items += [
            quote_ident(c) if c in cols else f"NULL::VARCHAR AS {quote_ident(c)}" for c in columns
        ]
        selects.append(f"SELECT {k} AS hf_part, {', '.join(items)} FROM ({sql})")
    meta = ", ".join(["file", "line", '"column"', "reason", "kind"])
    cells = "".join(", " + quote_ident(c) for c in columns)
    return (
        f"SELECT {meta}{cells} FROM ({' UNION ALL '.join(selects)}) ORDER BY hf_part, line",
        columns,
    )


def write_quarantine_csv(
    db: Any,
    sql: str,
    columns: list[str],
    path: str | Path,
    cell: Callable[[str, str], str] | None = None,
) -> Path:
    """``COPY`` the quarantine to ``path`` as ``write_guarded_csv`` writes it, atomically.

    ``cell(name, text)`` may rewrite the SQL that writes a column (``text``: its
    cells guarded as ``write_guarded_csv`` guards text).
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = list(QUARANTINE_COLUMNS) + columns
    items = []
    for name in names:
        ident = quote_ident(name)
        label = quote_ident(_guard_text(name))
        if name == "line":
            items.append(f"{ident} AS {label}")
            continue
        text = (
            f"CASE WHEN {ident} = '' THEN NULL WHEN left({ident}, 1) IN {_GUARD} "
            f"THEN '''' || {ident} ELSE {ident} END"
        )
        items.append(f"{text if cell is None else cell(name, text)} AS {label}")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        run(
            db,
            f"COPY (SELECT {', '.join(items)} FROM ({sql})) TO {quote_literal(tmp)} "
            "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n')",
        )
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _guard_text(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def events_frame(db: Any, table: str) -> pd.DataFrame:
    """The canonical events frame, ordered and typed as ``validate`` makes it."""
    rank = "[" + ", ".join(quote_literal(e) for e in EVENTS) + "]"
    df = db.execute(
        f"SELECT application_id, event, epoch_ns(timestamp) AS ts_ns, "
        f"{', '.join(OPTIONAL_COLUMNS)}, line FROM {table} "
        f"ORDER BY timestamp, application_id, list_position({rank}, event), line"
    ).df()
    out = pd.DataFrame(
        {
            "application_id": df["application_id"].astype(object).astype("string"),
            "event": df["event"].astype(object).astype(EVENT_DTYPE),
            "timestamp": pd.to_datetime(df["ts_ns"].to_numpy(dtype=np.int64), utc=True).astype(
                "datetime64[ns, UTC]"
            ),
        }
    )
    for col in OPTIONAL_COLUMNS:
        out[col] = df[col].astype(object).astype("string")
    out["line"] = df["line"].astype("int64")
    return out


def attributes_frame(db: Any, table: str, numeric: dict[str, bool]) -> pd.DataFrame:
    df = db.execute(f"SELECT * FROM {table} ORDER BY application_id").df()
    out = {"application_id": df["application_id"].astype(object).astype("string")}
    for col in df.columns[1:]:
        if numeric.get(col, False):
            out[col] = df[col].astype("float64")
        else:
            out[col] = df[col].astype(object).astype("string")
    return pd.DataFrame(out, columns=list(df.columns))


def quarantine_frame(db: Any, sql: str, columns: list[str]) -> pd.DataFrame:
    df = db.execute(sql).df()
    if not len(df):  # as validate.quarantine_frame builds it from no lines
        return pd.DataFrame(
            {
                "file": df["file"].astype(object),
                "line": np.asarray([], dtype=np.int64),
                "column": [],
                "reason": [],
                "kind": [],
            },
            columns=list(QUARANTINE_COLUMNS),
        )
    for col in df.columns:
        if col == "line":
            df[col] = df[col].astype("int64")
        else:
            # Meta columns hold None; a cell the row did not have is NaN (pandas' reindex).
            fill = None if col in QUARANTINE_COLUMNS else np.nan
            df[col] = df[col].astype(object).where(df[col].notna(), fill)
    return df


def temp_view(db: Any, sql: str, kind: str) -> str:
    name = fresh_name(kind)
    run(db, f"CREATE TEMP VIEW {name} AS {sql}")
    return name
