"""``read_events``: read, map and validate a log in one call (io -> mapping -> validate)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping as AnyMapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.cell_values import is_missing
from hiring_funnel.io.cellcodes import CodedCells, code_cells
from hiring_funnel.io.joins import read_joined
from hiring_funnel.io.limits import Limits, resolve
from hiring_funnel.io.mapped import apply_mapping, clean_id_cells, mapping_date, with_paths
from hiring_funnel.io.mapping import load_mapping
from hiring_funnel.io.problems import (
    ids_cleaned_problem,
    quarantine_frame,
    unmatched_attributes_problem,
)
from hiring_funnel.io.readers import RawTable, read_raw, short_repr
from hiring_funnel.io.validate import attribute_table, validate
from hiring_funnel.observation import refuse_late_entry_on_engine
from hiring_funnel.schema import EventLog, HiringFunnelError, Problem, on_engine

__all__ = ["as_of_argument", "clean_spellings", "read_events"]

#: pandas holds times as nanoseconds in 64 bits: 1677-09-21 to 2262-04-11.
_FIRST, _LAST = pd.Timestamp("1678-01-01", tz="UTC"), pd.Timestamp("2261-12-31", tz="UTC")


def read_events(
    source: str | Path | pd.DataFrame,
    *,
    attributes: str | Path | pd.DataFrame | None = None,
    mapping: str | Path | AnyMapping[str, Any] | None = None,
    encoding: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    limits: Limits | None = None,
    engine: str | Any = None,
    table: str | None = None,
    observed_from: str | pd.Timestamp | None = None,
) -> EventLog | Any:
    """Read a job-application log into the canonical events and attributes tables.

    Parameters
    ----------
    source : path or DataFrame
        A CSV/TSV, JSON Lines, Parquet or Excel (.xlsx) file, or a DataFrame.
    attributes : path or DataFrame, optional
        Per-application attributes keyed by ``application_id``.
    mapping : path, dict or bundled name, optional
        How the export's columns and values map to the canonical layout
        (see :mod:`hiring_funnel.io.mapping`). ``"timhanneman"`` names the bundled
        mapping for the real tracker in ``data/real-logs``.
    encoding : str, optional
        The text encoding when it is not UTF-8.
    as_of : str or Timestamp, optional
        The export date; overrides the mapping's. Events after it are quarantined.
    observed_from : str or Timestamp, optional
        When the log begins, if it was exported for a window that started
        after some applications were sent; overrides the mapping's
        ``observed_from``. Kept as ``EventLog.observed_from``: the clocks give
        applications sent earlier a late entry (:func:`hiring_funnel.episodes`).
        Events before it are kept. The pandas path only.
    limits : Limits, optional
        Size and depth limits of the readers (:mod:`hiring_funnel.io.limits`);
        default :meth:`Limits.from_env`, the defaults with any
        ``HIRING_FUNNEL_MAX_...`` environment variable applied.
    engine : {"duckdb", "spark"} or Ibis connection, optional
        Read, map and validate as queries on an engine, and return an engine
        log (:class:`hiring_funnel.engine.EngineLog`) whose events stay there:
        :func:`hiring_funnel.episodes` and :func:`hiring_funnel.life_table`
        of it run on the engine and only the life table comes back. Same
        answers and row counts as without it. ``"duckdb"`` runs in-process;
        a DuckDB connection (``hiring_funnel.engine.connect(memory_limit=...)``)
        sets its memory and threads. An Ibis table as ``source`` implies its engine.
    table : str, optional
        A table in the DuckDB database file ``source`` (implies ``engine``).

    Returns
    -------
    EventLog
        ``events``, ``attributes``, ``quarantine`` and the row counts, with
        ``rows_read == rows_loaded + rows_quarantined``. Every quarantined row
        and every problem has a ``kind`` (:data:`~hiring_funnel.schema.QUARANTINE_KINDS`).
        ``meta["ids_cleaned"]`` counts the id cells cleaned of invisible
        characters (also said in one problem of kind ``cleaned_ids``).

    Raises
    ------
    HiringFunnelError
        For problems that make the whole file unusable (not found, not a
        regular file, empty, header only, undecodable, a required column
        missing, ambiguous dates, a limit exceeded).

    Examples
    --------
    >>> log = read_events(pd.DataFrame({
    ...     "application_id": ["a1", "a1"], "event": ["applied", "rejection"],
    ...     "timestamp": ["2024-03-01", "2024-03-08"]}))
    >>> log.rows_loaded, log.events["event"].tolist()
    (2, ['applied', 'rejection'])
    """
    if engine is not None or table is not None or on_engine(source):
        if observed_from is not None or load_mapping(mapping, limits=resolve(limits)).observed_from:
            refuse_late_entry_on_engine()
        return _on_engine(source, attributes, mapping, encoding, as_of, limits, engine, table)
    lim = resolve(limits)
    m = load_mapping(mapping, limits=lim)
    raw, joined = read_joined(
        source,
        m.joins,
        m.columns.get("application_id"),
        lim,
        encoding=encoding or m.encoding,
        delimiter=m.delimiter,
        sheet=m.sheet,
    )
    raw = with_paths(raw, m, lim)  # dotted paths into nested JSON, as columns
    mapped = apply_mapping(raw, m)
    cutoff = mapped.as_of
    if as_of is not None:
        cutoff = as_of_argument(as_of)
    log = validate(
        raw, mapped, layout=m.layout, as_of=cutoff, dedupe=m.drops_copies, undated=m.undated
    )
    if joined is not None:  # items of [[join]] files that were not used, and the counts
        meta = {**log.meta, "joins": joined.meta}
        log = dataclasses.replace(log, problems=log.problems + tuple(joined.problems), meta=meta)
    if attributes is not None:
        log = _with_attribute_file(log, attributes, encoding, lim)
    if observed_from is not None:
        log = dataclasses.replace(log, observed_from=as_of_argument(observed_from))
    elif m.observed_from is not None:
        log = dataclasses.replace(
            log, observed_from=mapping_date(m.observed_from, "observed_from", m)
        )
    return clean_spellings(log)


def clean_spellings(log: EventLog) -> EventLog:
    """The log with its attribute values trimmed and case variants merged
    (:mod:`hiring_funnel.io.spellings`); a problem per column that had some."""
    from hiring_funnel.io.spellings import clean_frame

    attributes, problems, merged = clean_frame(log.attributes)
    if attributes is log.attributes and not problems:
        return log
    meta = {**log.meta, "merged_spellings": merged} if merged else log.meta
    return dataclasses.replace(
        log, attributes=attributes, problems=log.problems + tuple(problems), meta=meta
    )


def _on_engine(
    source: Any,
    attributes: Any,
    mapping: Any,
    encoding: str | None,
    as_of: Any,
    limits: Limits | None,
    engine: str | Any,
    table: str | None,
) -> Any:
    """read_events on an engine (:func:`hiring_funnel.engine.read_events_engine`)."""
    from hiring_funnel.engine import connect, read_events_engine

    con = connect(engine or "duckdb") if engine is None or isinstance(engine, str) else engine
    if con.name != "duckdb":  # Spark: canonical events where they are (engine.canonical)
        from hiring_funnel.engine.canonical import read_canonical

        m = load_mapping(mapping, limits=resolve(limits))
        # A mapping that only dates the export (the simulator's mapping.toml) is fine.
        if encoding is not None or m != dataclasses.replace(
            load_mapping(None), source=m.source, as_of=m.as_of
        ):
            raise HiringFunnelError(
                f"a mapping or an encoding is applied on DuckDB, not on {con.name}",
                hint="map the log with --engine duckdb and write it as Parquet, "
                "or give Spark a table with the canonical columns",
            )
        if as_of is None and m.as_of is not None:
            as_of = m.as_of
        return read_canonical(con, source, table=table, attributes=attributes, as_of=as_of)
    return read_events_engine(
        source,
        mapping,
        attributes=attributes,
        con=con,
        as_of=as_of,
        encoding=encoding,
        limits=limits,
        table=table,
    )


def as_of_argument(value: str | pd.Timestamp) -> pd.Timestamp:
    """The as-of argument in UTC; naive times are UTC (as ``--as-of`` documents)."""
    bad = HiringFunnelError(
        f"as_of {short_repr(value)} is not a date",
        hint="write it as ISO 8601, e.g. 2024-03-31 or 2024-03-31T18:00:00Z",
    )
    try:
        cutoff = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise bad from exc
    if pd.isna(cutoff):
        raise bad
    try:
        cutoff = cutoff.tz_localize("UTC") if cutoff.tzinfo is None else cutoff.tz_convert("UTC")
    except (ValueError, OverflowError) as exc:  # pandas' out-of-bounds errors are ValueErrors
        raise _out_of_range(value) from exc
    # pandas parses years 1 to 9999, but holds times in nanoseconds only from 1677 to 2262.
    if not _FIRST <= cutoff <= _LAST:
        raise _out_of_range(value)
    return cutoff.as_unit("ns")


def _out_of_range(value: object) -> HiringFunnelError:
    return HiringFunnelError(
        f"as_of {short_repr(value)} is out of the supported range (years 1678 to 2261)",
        hint="write the export date, e.g. 2024-03-31",
    )


def _with_attribute_file(
    log: EventLog, source: str | Path | pd.DataFrame, encoding: str | None, lim: Limits
) -> EventLog:
    raw = read_raw(source, encoding=encoding, limits=lim)
    if "application_id" not in raw.frame.columns:
        raise HiringFunnelError(
            "missing required column 'application_id'",
            source=raw.source,
            line=1 if raw.kind == "csv" else None,
            hint=f"the file has: {', '.join(map(str, raw.frame.columns[:20]))}",
        )
    frame = raw.frame.reset_index(drop=True).copy()
    ids_cleaned, cleaned_at = clean_id_cells(frame, raw.line, {})
    frame["application_id"] = frame["application_id"].map(
        lambda v: str(v).strip() if v is not None else v
    )
    reasons, keep, cells = _attribute_rows(raw, frame)
    value_cols = [j for j, c in enumerate(cells.columns) if c not in ("application_id", "line")]
    attrs, _ = attribute_table(
        frame.loc[keep, "application_id"].to_numpy(dtype=object),
        cells.take(np.flatnonzero(keep), value_cols),
        [cells.columns[j] for j in value_cols],
    )
    loaded_ids = set(log.events["application_id"])
    merged = log.attributes.merge(attrs, on="application_id", how="outer", suffixes=("_log", ""))
    merged = merged[merged["application_id"].isin(loaded_ids)]
    unknown = int((~attrs["application_id"].isin(loaded_ids)).sum())
    problems = list(log.problems)
    for line in sorted(reasons):
        reason, kind = reasons[line]
        problems.append(Problem(line, None, reason, source=raw.source, kind=kind))
    if ids_cleaned and cleaned_at is not None:
        problems.append(ids_cleaned_problem(ids_cleaned, *cleaned_at, source=raw.source))
    if unknown:
        problems.append(unmatched_attributes_problem(unknown, raw.source))
    quarantine = _attribute_quarantine(log.quarantine, raw, reasons)
    meta = dict(log.meta)
    meta["attributes"] = {
        "source": raw.source,
        "rows_read": raw.rows_read,
        "rows_loaded": int(np.sum(keep)),
        "rows_quarantined": len(reasons),
        "rows_unmatched": unknown,
        "ids_cleaned": ids_cleaned,
    }
    return dataclasses.replace(
        log,
        attributes=merged.sort_values("application_id").reset_index(drop=True),
        quarantine=quarantine,
        problems=tuple(problems),
        meta=meta,
    )


def _attribute_rows(
    raw: RawTable, frame: pd.DataFrame
) -> tuple[dict[int, tuple[str, str]], np.ndarray, CodedCells]:
    """Why each unusable row of an attributes file is quarantined (reason, kind), the rows
    kept, and the coded cells of ``frame``."""
    reasons: dict[int, tuple[str, str]] = {
        int(line): (reason, raw.rejected_kind.get(int(line), "other"))
        for line, reason, _ in raw.rejected
    }
    nested = np.zeros(len(frame), dtype=bool)
    nested[raw.nested.get("application_id", np.zeros(0, dtype=np.int64))] = True
    for line in raw.line[nested]:
        reasons[int(line)] = (
            "a list or map where one value is expected (read as its JSON text)",
            "nested_value",
        )
    missing = is_missing(frame["application_id"]).to_numpy() & ~nested
    for line in raw.line[missing]:
        reasons[int(line)] = ("missing application id", "missing_id")
    cells = code_cells(frame)
    dup, _ = cells.duplicate_rows()
    exact = dup & ~missing & ~nested
    for line in raw.line[exact]:
        reasons[int(line)] = ("exact duplicate of an earlier row", "exact_duplicate")
    ids = frame["application_id"].where(~(missing | exact | nested))
    per_id = pd.DataFrame({"id": ids, "line": raw.line}).dropna().groupby("id", sort=False)["line"]
    n, first = per_id.transform("size"), per_id.transform("min")
    many = (n > 1).to_numpy()
    rows = ids.dropna().index[many]
    for line, app, k, f in zip(raw.line[rows], ids[rows], n[many], first[many], strict=True):
        reasons[int(line)] = (
            f"conflicting duplicates: application id {short_repr(app, 80)} is on {k:,} rows "
            f"(first on line {f})",
            "conflicting_duplicate",
        )
    conflict = np.zeros(len(frame), dtype=bool)
    conflict[rows] = True
    return reasons, ~(missing | exact | conflict | nested), cells


def _attribute_quarantine(
    quarantine: pd.DataFrame, raw: RawTable, reasons: dict[int, tuple[str, str]]
) -> pd.DataFrame:
    if not reasons:
        return quarantine
    rows = quarantine_frame(raw, {line: [(None, r, k)] for line, (r, k) in reasons.items()})
    return pd.concat([quarantine, rows], ignore_index=True)
