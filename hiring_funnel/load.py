"""``read_events``: read, map and validate a log in one call (io -> mapping -> validate)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping as AnyMapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.cells import is_missing, parse_numbers
from hiring_funnel.io import read_raw
from hiring_funnel.mapping import apply_mapping, load_mapping
from hiring_funnel.schema import EventLog, HiringFunnelError, Problem
from hiring_funnel.validate import validate


def read_events(
    source: str | Path | pd.DataFrame,
    *,
    attributes: str | Path | pd.DataFrame | None = None,
    mapping: str | Path | AnyMapping[str, Any] | None = None,
    encoding: str | None = None,
    as_of: str | pd.Timestamp | None = None,
) -> EventLog:
    """Read a job-application log into the canonical events and attributes tables.

    Parameters
    ----------
    source : path or DataFrame
        A CSV/TSV, JSON Lines, Parquet or Excel (.xlsx) file, or a DataFrame.
    attributes : path or DataFrame, optional
        Per-application attributes keyed by ``application_id``.
    mapping : path, dict or bundled name, optional
        How the export's columns and values map to the canonical layout
        (see :mod:`hiring_funnel.mapping`). ``"timhanneman"`` names the bundled
        mapping for the real tracker in ``data/real-logs``.
    encoding : str, optional
        The text encoding when it is not UTF-8.
    as_of : str or Timestamp, optional
        The export date; overrides the mapping's. Events after it are quarantined.

    Returns
    -------
    EventLog
        ``events``, ``attributes``, ``quarantine`` and the row counts, with
        ``rows_read == rows_loaded + rows_quarantined``.

    Raises
    ------
    HiringFunnelError
        For problems that make the whole file unusable (not found, empty,
        header only, undecodable, a required column missing, ambiguous dates).

    Examples
    --------
    >>> log = read_events(pd.DataFrame({
    ...     "application_id": ["a1", "a1"], "event": ["applied", "rejection"],
    ...     "timestamp": ["2024-03-01", "2024-03-08"]}))
    >>> log.rows_loaded, log.events["event"].tolist()
    (2, ['applied', 'rejection'])
    """
    m = load_mapping(mapping)
    raw = read_raw(source, encoding=encoding or m.encoding, delimiter=m.delimiter, sheet=m.sheet)
    mapped = apply_mapping(raw, m)
    cutoff = mapped.as_of
    if as_of is not None:
        cutoff = _as_of(as_of)
    log = validate(raw, mapped, layout=m.layout, as_of=cutoff)
    if attributes is None:
        return log
    return _with_attribute_file(log, attributes, encoding)


def _as_of(value: str | pd.Timestamp) -> pd.Timestamp:
    """The as-of argument in UTC; naive times are UTC (as ``--as-of`` documents)."""
    bad = HiringFunnelError(
        f"as_of {value!r} is not a date",
        hint="write it as ISO 8601, e.g. 2024-03-31 or 2024-03-31T18:00:00Z",
    )
    try:
        cutoff = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise bad from exc
    if pd.isna(cutoff):
        raise bad
    return cutoff.tz_localize("UTC") if cutoff.tzinfo is None else cutoff.tz_convert("UTC")


def _with_attribute_file(
    log: EventLog, source: str | Path | pd.DataFrame, encoding: str | None
) -> EventLog:
    raw = read_raw(source, encoding=encoding)
    if "application_id" not in raw.frame.columns:
        raise HiringFunnelError(
            "missing required column 'application_id'",
            source=raw.source,
            line=1 if raw.kind == "csv" else None,
            hint=f"the file has: {', '.join(map(str, raw.frame.columns))}",
        )
    frame = raw.frame.reset_index(drop=True).copy()
    frame["application_id"] = frame["application_id"].map(
        lambda v: str(v).strip() if v is not None else v
    )
    reasons: dict[int, str] = {int(line): reason for line, reason, _ in raw.rejected}
    missing = is_missing(frame["application_id"]).to_numpy()
    for line in raw.line[missing]:
        reasons[int(line)] = "missing application id"
    key = frame.astype(str)
    exact = key.duplicated(keep="first").to_numpy() & ~missing
    for line in raw.line[exact]:
        reasons[int(line)] = "exact duplicate of an earlier row"
    ids = frame["application_id"].where(~missing & ~exact)
    conflict = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
    for line, app in zip(raw.line[conflict], ids[conflict], strict=True):
        reasons[int(line)] = f"conflicting duplicates: application id {app!r} has more than one row"
    keep = ~(missing | exact | conflict)
    attrs = frame[keep].drop(columns=[c for c in frame.columns if c == "line"])
    for col in attrs.columns.drop("application_id"):
        col_missing = is_missing(attrs[col]).to_numpy()
        attrs[col] = attrs[col].where(~col_missing, None)
        numbers = parse_numbers(attrs[col])
        attrs[col] = numbers if numbers is not None else attrs[col].astype("string")
    attrs["application_id"] = attrs["application_id"].astype("string")
    merged = log.attributes.merge(attrs, on="application_id", how="outer", suffixes=("_log", ""))
    merged = merged[merged["application_id"].isin(set(log.events["application_id"]))]
    unknown = int((~attrs["application_id"].isin(set(log.events["application_id"]))).sum())
    problems = list(log.problems)
    pos = {int(k): i for i, k in enumerate(raw.line)}
    rejected = {line: cells for line, _, cells in raw.rejected}
    rows = []
    for line in sorted(reasons):
        cells = raw.frame.iloc[pos[line]].to_dict() if line in pos else rejected.get(line, {})
        rows.append(
            {"file": raw.source, "line": line, "column": None, "reason": reasons[line], **cells}
        )
        problems.append(Problem(line, None, reasons[line], source=raw.source))
    if unknown:
        problems.append(
            Problem(
                None,
                "application_id",
                f"{unknown} attribute row(s) name applications that have no events; "
                "they are not used",
                source=raw.source,
            )
        )
    quarantine = (
        pd.concat([log.quarantine, pd.DataFrame(rows)], ignore_index=True)
        if rows
        else log.quarantine
    )
    meta = dict(log.meta)
    meta["attributes"] = {
        "source": raw.source,
        "rows_read": raw.rows_read,
        "rows_loaded": int(np.sum(keep)),
        "rows_quarantined": len(reasons),
        "rows_unmatched": unknown,
    }
    return dataclasses.replace(
        log,
        attributes=merged.sort_values("application_id").reset_index(drop=True),
        quarantine=quarantine,
        problems=tuple(problems),
        meta=meta,
    )
