"""The DuckDB path of pseudonymisation: large CSV files, streamed, written by ``COPY``.

Two scans of the file, neither of which holds it in memory:

1. summaries: per identifier column the counts of plain-hash-like values, per
   other column its distinct values with rows and distinct candidates (one
   ``UNPIVOT ... GROUP BY``). :mod:`~hiring_funnel.pseudonymisation.columns`
   decides from them exactly as for the pandas path;
2. ``COPY (SELECT ...) TO`` a temporary file beside the output: dates shifted
   in SQL (``CAST(substr(d, 1, 10) AS DATE) + shift``), identifiers, shifts and
   folded levels by vectorised Arrow functions that hash each batch's distinct
   values once (:func:`~hiring_funnel.pseudonymisation.hashing.pseudonyms`),
   not a Python call per row.

The temporary is then put in place with the manifest by
:func:`hiring_funnel.outputs.write_files` (atomically, together). The output
is byte for byte the pandas path's (tests/test_pseudonymise.py checks it).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

from hiring_funnel.io.readers import sniff_delimiter
from hiring_funnel.observation import OBSERVED_UNTIL
from hiring_funnel.pseudonymisation.columns import (
    LEVEL_COLUMNS,
    OTHER,
    Decision,
    Roles,
    check_id_column,
    decide_column,
    resolve_roles,
)
from hiring_funnel.pseudonymisation.core import export_date_text
from hiring_funnel.pseudonymisation.hashing import (
    HASH_PATTERN,
    UUID_PATTERN,
    normalise,
    pseudonyms,
    shift_days,
)
from hiring_funnel.pseudonymisation.keys import check_key
from hiring_funnel.pseudonymisation.manifest import build_manifest
from hiring_funnel.report.suppression import DEFAULT_MIN_GROUP, check_min_group
from hiring_funnel.schema import HiringFunnelError

__all__ = ["pseudonymise_csv"]

#: Distinct values remembered between batches (bounded: ids of 1e8 rows do not fit).
CACHE_SIZE = 1_000_000


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _batch_function(fn: Callable[[list[str]], list[Any]], kind: Any) -> Callable[[Any], Any]:
    """An Arrow function: ``fn`` on each batch's distinct values (with a cache), spread back."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cache: dict[str, Any] = {}

    def apply(values: Any) -> Any:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        encoded = pc.dictionary_encode(values)
        uniques = encoded.dictionary.to_pylist()
        # Looked up once: another batch (another thread) may clear the cache meanwhile.
        known = [cache.get(u) for u in uniques]
        todo = [i for i, v in enumerate(known) if v is None]
        if todo:
            computed = fn([uniques[i] for i in todo])
            if len(cache) + len(todo) > CACHE_SIZE:
                cache.clear()
            for i, value in zip(todo, computed, strict=True):
                known[i] = cache[uniques[i]] = value
        mapped = pa.array(known, type=kind)
        return pc.take(mapped, encoded.indices)

    return apply


def pseudonymise_csv(
    path: str | Path,
    key: bytes,
    target: str | Path,
    *,
    ids: Sequence[str] | None = None,
    candidate: str | None = None,
    dates: Sequence[str] | None = None,
    keep: Sequence[str] = (),
    k: int = DEFAULT_MIN_GROUP,
    threads: int | None = None,
    as_of: Any = None,
) -> dict[str, Any]:
    """Pseudonymise the CSV (or TSV) file ``path`` into the new file ``target``; return the manifest.

    The options are those of :func:`hiring_funnel.pseudonymise`. ``target`` is
    written by DuckDB directly (the caller puts it in place atomically).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "raw.csv").write_text("email,applied\\nkate@example.com,2026-01-27\\n")
    >>> m = pseudonymise_csv(folder / "raw.csv", bytes(range(32)), folder / "out.csv")
    >>> m["hashed"], m["shifted"]
    (['email'], ['applied'])
    """
    import duckdb
    import pyarrow as pa

    key = check_key(key)
    k = check_min_group(k)
    name = str(path)
    source = Path(path)
    if not source.is_file():
        raise HiringFunnelError("file not found (or not a regular file)", file=name)
    try:
        with open(source, encoding="utf-8-sig", errors="replace") as f:
            header = f.readline()
    except OSError as exc:
        raise HiringFunnelError(f"cannot read the file: {exc.strerror}", file=name) from None
    delimiter = "\t" if source.suffix.lower() == ".tsv" else sniff_delimiter(header)
    scan = (
        f"read_csv({_lit(str(source))}, all_varchar = true, header = true, "
        f"delim = {_lit(delimiter)}, quote = '\"', escape = '\"', auto_detect = true)"
    )
    if as_of is not None:  # every row gets the export date, moved with its candidate
        scan = f"(SELECT *, {_lit(export_date_text(as_of))} AS {_q(OBSERVED_UNTIL)} FROM {scan})"
        dates = [*(dates or []), OBSERVED_UNTIL]
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        if threads is not None:
            con.execute(f"SET threads = {int(threads)}")
        try:
            columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
        except duckdb.Error as exc:
            raise _read_error(exc, name) from None
        if as_of is not None and columns.count(OBSERVED_UNTIL) > 1:
            raise HiringFunnelError(
                "the export already has a column observed_until; give no --as-of",
                file=name,
                column=OBSERVED_UNTIL,
            )
        roles = resolve_roles(
            columns, ids=ids, candidate=candidate, dates=dates, keep=keep, source=name
        )
        _register(con, "hf_norm", lambda u: [normalise(v) for v in u], pa.string())
        _register(con, "hf_pseud", lambda u: pseudonyms(key, u), pa.string())
        _register(con, "hf_shift", lambda u: shift_days(key, u), pa.int32())
        try:
            rows, decisions = _plan(con, scan, columns, roles, k, name)
            without = 0
            if roles.candidate is not None:
                without = con.execute(
                    f"SELECT count(*) FROM {scan} WHERE {_q(roles.candidate)} IS NULL"
                ).fetchall()[0][0]
            select = _select(con, decisions, roles)
            con.execute(
                f"COPY (SELECT {select} FROM {scan}) TO {_lit(str(target))} "
                "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"')"
            )
        except duckdb.Error as exc:
            raise _read_error(exc, name) from None
    finally:
        con.close()
    return build_manifest(
        source=name,
        roles=roles,
        decisions=decisions,
        rows=rows,
        k=k,
        rows_without_candidate=int(without),
    )


def _plan(
    con: Any, scan: str, columns: list[str], roles: Roles, k: int, name: str
) -> tuple[int, list[Decision]]:
    counts = ["count(*)"]
    for c in roles.ids:
        text = f"trim({_q(c)})"
        counts += [
            f"count({_q(c)})",
            f"count(*) FILTER (WHERE regexp_full_match({text}, {_lit(HASH_PATTERN)}))",
            f"count(*) FILTER (WHERE regexp_full_match({text}, {_lit(UUID_PATTERN)}))",
        ]
    found = con.execute(f"SELECT {', '.join(counts)} FROM {scan}").fetchall()[0]
    rows = int(found[0])
    for i, c in enumerate(roles.ids):
        present, hashed, uuids = (int(x) for x in found[1 + 3 * i : 4 + 3 * i])
        check_id_column(c, present, hashed, uuids, source=name)
    others = [c for c in columns if c not in roles.ids]
    levels = pd.DataFrame({"col": [], "level": [], "rows": [], "candidates": []})
    if others:
        who = "NULL" if roles.candidate is None else f"hf_norm({_q(roles.candidate)})"
        cols = ", ".join(_q(c) for c in others)
        levels = con.execute(
            f"WITH t AS (SELECT {who} AS __who, {cols} FROM {scan}), "
            f"u AS (UNPIVOT t ON {cols} INTO NAME col VALUE level) "
            "SELECT col, level, count(*) AS rows, "
            "count(DISTINCT coalesce(__who, '')) AS candidates "
            "FROM u GROUP BY col, level ORDER BY col, level"
        ).df()
    by_column = dict(tuple(levels.groupby("col", sort=False))) if len(levels) else {}
    decisions = []
    for c in columns:
        if c in roles.ids:
            decisions.append(Decision(c, "hashed", "identifier, keyed pseudonym"))
            continue
        lv = by_column.get(c, pd.DataFrame(columns=["level", "rows", "candidates"]))
        lv = lv.reset_index(drop=True)
        lv["rows"] = lv["rows"].astype("int64")
        lv["candidates"] = lv["rows" if roles.candidate is None else "candidates"].astype("int64")
        decisions.append(
            decide_column(
                c,
                lv[list(LEVEL_COLUMNS)],
                date=c in roles.dates,
                keep=c in roles.keep,
                k=k,
                source=name,
            )
        )
    return rows, decisions


def _select(con: Any, decisions: list[Decision], roles: Roles) -> str:
    import pyarrow as pa

    who = "''" if roles.candidate is None else f"coalesce({_q(roles.candidate)}, '')"
    parts = []
    for i, d in enumerate(decisions):
        c = _q(d.column)
        if d.action == "hashed":
            parts.append(f"hf_pseud({c}) AS {c}")
        elif d.action == "shifted":
            parts.append(
                f"CASE WHEN {c} IS NULL THEN NULL ELSE strftime(CAST(substr({c}, 1, 10) AS DATE)"
                f" + hf_shift({who}), '%Y-%m-%d') || substr({c}, 11) END AS {c}"
            )
        elif d.action == "categories" and d.folded:
            _register(con, f"hf_fold_{i}", _folder(d.folded), pa.string())
            parts.append(f"hf_fold_{i}({c}) AS {c}")
        elif d.action in ("kept", "categories"):
            parts.append(c)
    if not parts:
        raise HiringFunnelError("every column would be dropped; nothing is left to write")
    return ", ".join(parts)


def _register(con: Any, name: str, fn: Callable[[list[str]], list[Any]], kind: Any) -> None:
    """Register ``fn`` (on distinct values) as a DuckDB function of one VARCHAR, by batches."""
    import duckdb
    import pyarrow as pa

    returns = duckdb.sqltype("INTEGER" if kind == pa.int32() else "VARCHAR")
    # type="arrow": a batch of values per call (duckdb.func.ARROW in 2.x, a string in 1.x too)
    con.create_function(
        name, _batch_function(fn, kind), [duckdb.sqltype("VARCHAR")], returns, type="arrow"
    )


def _folder(folded: frozenset[str]) -> Callable[[list[str]], list[str]]:
    return lambda values: [OTHER if v in folded else v for v in values]


def _read_error(exc: Exception, name: str) -> HiringFunnelError:
    # DuckDB's CSV errors quote the offending line: the data stay out of the message.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return HiringFunnelError(
        f"DuckDB cannot read the file: {first.split('Original Line')[0].strip()}",
        file=name,
        hint="check it with hiring-funnel validate, or pass --engine pandas",
    )


def copy_writer(path: Path) -> Callable[[IO[bytes]], None]:
    """A writer for :func:`hiring_funnel.outputs.write_files` that copies ``path``."""

    def write(f: IO[bytes]) -> None:
        with open(path, "rb") as src:
            while chunk := src.read(1 << 22):
                f.write(chunk)

    return write


def temporary_beside(folder: Path) -> Path:
    """A new hidden file name in ``folder`` for DuckDB to write into."""
    return folder / f".pseudonymised.duckdb.{os.getpid()}.{secrets.token_hex(4)}.csv"
