"""Applying a mapping: the cells of a raw table become events still tied to their source lines.

:func:`apply_mapping` reads each canonical column from the cells the mapping
names (long layout: one event per row; wide layout: the ``[[events]]`` each row
yields), parses dates, day counts and event names, and attaches to each event
the first reason it cannot be used, with the column and the kind of problem
(a key of :data:`hiring_funnel.schema.QUARANTINE_KINDS`). It drops nothing:
:func:`hiring_funnel.io.validate.validate` quarantines the rows with a reason.

Identifiers are cleaned here (:func:`hiring_funnel.text.clean_id`): zero-width
characters, byte-order marks and bidirectional controls removed, Unicode NFC.
Left in, they split one application into two (issue 10: 300 applications
became 304, and answers were orphaned so that waits looked open). The number of
cells cleaned is returned so that validation can say so.

A cell holding a list or map (read as JSON text by :mod:`hiring_funnel.io.readers`) in
a column the mapping uses quarantines its row (kind ``nested_value``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.cell_values import is_missing, parse_days, parse_timestamps
from hiring_funnel.io.history import history_columns, history_parts
from hiring_funnel.io.jsoncells import bad_json_rows, decode_json_cells, walked_columns
from hiring_funnel.io.limits import Limits, resolve
from hiring_funnel.io.mapping import Mapping, event_key
from hiring_funnel.io.paths import resolve_paths, split_path
from hiring_funnel.io.readers import RawTable, short_repr
from hiring_funnel.schema import EVENTS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, HiringFunnelError
from hiring_funnel.text import clean_id

#: Columns that are keys: cleaned of invisible characters and compared as text.
ID_COLUMNS: tuple[str, ...] = ("application_id", "candidate_id", "company_id")
#: A day count past this (about 270 years) cannot move a date within pandas' range.
_MAX_DAYS = 100_000
_NS_PER_DAY = 86_400 * 10**9


@dataclass
class Mapped:
    """Events still tied to their source lines, with a reason where a cell is bad.

    ``events`` holds the canonical columns, ``line``, and ``reason``,
    ``reason_column`` and ``reason_kind`` (None where the event is usable);
    ``attributes`` holds ``application_id``, ``line`` and the attribute columns.
    ``ids_cleaned`` counts the id cells (of source rows) that held invisible
    characters or a non-NFC form, and ``ids_cleaned_at`` is the first such
    cell's line and source column.
    """

    events: pd.DataFrame
    attributes: pd.DataFrame
    as_of: pd.Timestamp | None
    ids_cleaned: int = 0
    ids_cleaned_at: tuple[int, str] | None = None
    #: The source column of each attribute column (of ``attributes``).
    attribute_sources: dict[str, str] = field(default_factory=dict)
    #: Lines of rows that an ``[[events]]`` entry's ``when`` leaves out (wide layout):
    #: a row among them that yields no event is skipped on purpose, not quarantined.
    when_excluded: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def apply_mapping(raw: RawTable, mapping: Mapping) -> Mapped:
    """Give the cells of ``raw`` their meaning as events and attributes."""
    if raw.kind in ("jsonl", "json") and len(raw.frame) == 0:
        # Every line was invalid JSON, so the file shows no columns at all;
        # give it the ones the mapping reads, so that its rows are quarantined
        # for what they are rather than the file refused for a missing column.
        needed = referenced_columns(mapping) + [
            mapping.columns.get(c, c)
            for c in REQUIRED_COLUMNS
            if isinstance(mapping.columns.get(c, c), str)
        ]
        raw = replace(raw, frame=pd.DataFrame(columns=list(dict.fromkeys(needed)), dtype=object))
    raw = with_paths(raw, mapping)
    used = [c for c in referenced_columns(mapping) if c not in raw.frame.columns]
    if used:
        raise HiringFunnelError(
            f"the mapping names column {short_repr(used[0])}, which the file does not have",
            source=raw.source,
            line=1 if raw.kind == "csv" else None,
            hint=f"the file has: {column_list(raw.frame.columns)}",
        )
    if mapping.layout == "wide":
        return _apply_wide(raw, mapping)
    return _apply_long(raw, mapping)


def with_paths(raw: RawTable, mapping: Mapping, limits: Limits | None = None) -> RawTable:
    """``raw`` with a column for each dotted path the mapping names (:mod:`hiring_funnel.io.paths`).

    The text cells of the columns the paths and ``[[history]]`` lists lead into
    are read as JSON first (:mod:`hiring_funnel.io.jsoncells`: a CSV written from
    JSON). Validation codes the cells of this table, so the caller validates it,
    not the table as read.
    """
    names, lists = _path_names(mapping)
    walked = [s[0] for n in names if (s := split_path(n, raw.frame.columns)) is not None]
    raw = decode_json_cells(raw, walked + lists, resolve(limits))
    return resolve_paths(raw, names)


def _path_names(mapping: Mapping) -> tuple[list[str], list[str]]:
    """Every column or dotted path the mapping names, and its [[history]] lists."""
    specs = [mapping.columns.get(c, c) for c in REQUIRED_COLUMNS]
    lists, _ = history_columns(mapping.history)
    return referenced_columns(mapping) + [s for s in specs if isinstance(s, str)] + lists, lists


def column_list(columns: Any, shown: int = 20) -> str:
    """Column names for a message: the first ``shown`` of them, then how many more."""
    names = [str(c) for c in columns]
    more = f" and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def referenced_columns(m: Mapping) -> list[str]:
    """Every column of the file that the mapping names."""
    cols = [c for c in m.columns.values() if isinstance(c, str)]
    cols += list((m.attributes or {}).values())
    for e in m.events:
        cols += list(e.date) + ([e.plus_days] if e.plus_days else []) + e.when_columns
    if m.as_of_column:
        cols.append(m.as_of_column)
    # The lists of [[history]] are left out: a record without one has no items.
    return cols + history_columns(m.history)[1]


def mapping_as_of(raw: RawTable, m: Mapping) -> pd.Timestamp | None:
    """The mapping's as-of time: its ``as_of``, else the latest of ``as_of_column``, else None."""
    if m.as_of is not None:
        return mapping_date(m.as_of, "as_of", m)
    if m.as_of_column is None:
        return None
    ts, _ = parse_timestamps(
        raw.frame[m.as_of_column],
        raw.line,
        date_format=m.date_format,
        timezone=m.timezone,
        source=raw.source,
        column=m.as_of_column,
    )
    return None if ts.isna().all() else pd.Timestamp(ts.max())


def mapping_date(value: str, key: str, m: Mapping) -> pd.Timestamp:
    """A date the mapping gives under ``key`` (``as_of``, ``observed_from``), in UTC.

    >>> from hiring_funnel.io.mapping import load_mapping
    >>> mapping_date("2024-02-01", "observed_from", load_mapping({"timezone": "Europe/Berlin"}))
    Timestamp('2024-01-31 23:00:00+0000', tz='UTC')
    """
    ts, why = parse_timestamps(
        pd.Series([value]),
        np.array([0]),
        date_format=m.date_format,
        timezone=m.timezone,
        source=m.source,
        column=key,
    )
    if why.iloc[0] or pd.isna(ts.iloc[0]):
        raise HiringFunnelError(
            f"{key} {short_repr(value)} is not a date: {why.iloc[0]}",
            source=m.source,
            hint="write it as ISO 8601, e.g. 2024-03-31T18:00:00Z",
        )
    return pd.Timestamp(ts.iloc[0])


def _cell_column(raw: RawTable, spec: Any, n: int) -> pd.Series:
    if isinstance(spec, dict) and "value" in spec:
        return pd.Series([str(spec["value"])] * n, dtype=object)
    return raw.frame[spec].reset_index(drop=True)


def _nested_in(
    raw: RawTable, columns: list[str], m: Mapping
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per source row: the reason a used column holds a list or map, or a column the
    mapping reads as JSON holds text that is not JSON (or None), the column, and the kind."""
    names, lists = _path_names(m)
    why, col = bad_json_rows(raw.frame, walked_columns(names, raw.frame.columns) + lists)
    kind = np.where(why == None, "nested_value", "bad_json").astype(object)  # noqa: E711
    for name in dict.fromkeys(columns):
        pos = raw.nested.get(name)
        if pos is None:
            continue
        pos = pos[why[pos] == None]  # noqa: E711 (elementwise: the first column found wins)
        why[pos] = "a list or map where one value is expected (read as its JSON text)"
        col[pos] = name
    return why, col, kind


def clean_id_cells(
    frame: pd.DataFrame, lines: np.ndarray, source_of: dict[str, Any]
) -> tuple[int, tuple[int, str] | None]:
    """Clean the id columns of ``frame`` in place; count the cells whose key changed.

    Surrounding whitespace is not counted: it was always stripped, and nobody
    needs telling. Only distinct values are cleaned.
    """
    count = 0
    first: tuple[int, str] | None = None
    for col in ID_COLUMNS:
        if col not in frame.columns:
            continue
        values = frame[col]
        codes, uniques = pd.factorize(values.to_numpy(dtype=object))
        fixed = {
            i: c
            for i, v in enumerate(uniques)
            if isinstance(v, str) and (c := clean_id(v)) != v.strip()
        }
        if not fixed:
            continue
        hit = np.isin(codes, list(fixed))
        new = values.to_numpy(dtype=object).copy()
        new[hit] = [fixed[c] for c in codes[hit]]
        frame[col] = new
        count += int(hit.sum())
        at = int(np.flatnonzero(hit)[0])
        if first is None or lines[at] < first[0]:
            first = (int(lines[at]), str(source_of.get(col, col)))
    return count, first


def _attribute_frame(
    app: pd.Series, lines: np.ndarray, frame: pd.DataFrame, names: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """``application_id``, ``line`` and the attribute columns, built at once (not column by column,
    which copies the frame once per column: quadratic with thousands of columns)."""
    # A source column named like a key column keeps its cells under another name.
    out_names = [n if n not in ("application_id", "line") else f"{n} (attribute)" for n in names]
    where = {c: j for j, c in enumerate(frame.columns)}
    # One 2-D block taken from the cells: selecting thousands of columns by
    # name costs more than the copy itself.
    block = frame.to_numpy(dtype=object)[:, [where[c] for c in names.values()]]
    cells = pd.DataFrame(block, columns=out_names, dtype=object)
    # A Series of dtype object: from a bare object array pandas would infer a type,
    # and an integer id of 40 digits does not fit a float (found by the fuzz test).
    base = pd.DataFrame(
        {"application_id": pd.Series(app.to_numpy(dtype=object), dtype=object), "line": lines}
    )
    sources = dict(zip(out_names, names.values(), strict=True))
    return pd.concat([base, cells], axis=1), sources


def _apply_long(raw: RawTable, m: Mapping) -> Mapped:
    frame = raw.frame.reset_index(drop=True)
    n = len(frame)
    source_of = {c: m.columns.get(c, c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    for col in REQUIRED_COLUMNS:
        spec = source_of[col]
        if not (isinstance(spec, dict) or spec in frame.columns):
            raise HiringFunnelError(
                f"missing required column {short_repr(spec)}",
                source=raw.source,
                line=1 if raw.kind == "csv" else None,
                hint=f"the file has: {column_list(frame.columns)}; name it in a mapping [columns]",
            )
    out = pd.DataFrame({"line": raw.line})
    for col in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        spec = source_of[col]
        if isinstance(spec, dict) or spec in frame.columns:
            out[col] = _cell_column(raw, spec, n)
        else:
            out[col] = None
    count, first = clean_id_cells(out, raw.line, source_of)
    used = [s for s in source_of.values() if isinstance(s, str) and s in frame.columns]
    out["nested_reason"], out["nested_column"], out["nested_kind"] = _nested_in(raw, used, m)
    out["source_column_timestamp"] = str(source_of["timestamp"])
    out["plus_days"] = np.nan
    out["event_source_column"] = str(source_of["event"])
    # "line" is a column of the canonical events layout (EventLog.events has
    # it), so a frame read back in does not turn its old line numbers into an
    # attribute; line numbers are always those of this input.
    taken = {v for v in source_of.values() if isinstance(v, str)} | {"line"}
    attr_map = (
        m.attributes
        if m.attributes is not None
        else {str(c): c for c in frame.columns if c not in taken}
    )
    attrs, sources = _attribute_frame(out["application_id"], raw.line, frame, attr_map)
    return Mapped(_finish(out, raw, m), attrs, mapping_as_of(raw, m), count, first, sources)


def _apply_wide(raw: RawTable, m: Mapping) -> Mapped:
    frame = raw.frame.reset_index(drop=True)
    n = len(frame)
    if "application_id" in m.columns:
        app = _cell_column(raw, m.columns["application_id"], n)
    else:
        # No id column: the source line is the only stable key a tracker has.
        app = pd.Series([f"row-{k}" for k in raw.line], dtype=object)
    base = pd.DataFrame({"line": raw.line, "application_id": app})
    for col in OPTIONAL_COLUMNS:
        base[col] = _cell_column(raw, m.columns[col], n) if col in m.columns else None
    count, first = clean_id_cells(base, raw.line, m.columns)
    used = [c for c in m.columns.values() if isinstance(c, str)]
    for e in m.events:
        used += list(e.date) + ([e.plus_days] if e.plus_days else []) + e.when_columns
    used += history_columns(m.history)[1]
    base["nested_reason"], base["nested_column"], base["nested_kind"] = _nested_in(raw, used, m)
    parts = []
    excluded = np.zeros(n, dtype=bool)
    for spec in m.events:
        take = np.ones(n, dtype=bool)
        for condition in spec.when:  # all must hold; cells compared as people type them
            take &= condition.test(frame[condition.column])
        excluded |= ~take
        date = frame[spec.date[0]].copy()
        date_col = pd.Series([spec.date[0]] * n, dtype=object)
        for alt in spec.date[1:]:
            fill = is_missing(date).to_numpy() & ~is_missing(frame[alt]).to_numpy()
            date[fill] = frame[alt][fill]
            date_col[fill] = alt
        present = ~is_missing(date).to_numpy()
        days = pd.Series(np.nan, index=range(n))
        days_why = pd.Series([None] * n, dtype=object)
        if spec.plus_days is not None:
            days, days_why = parse_days(frame[spec.plus_days])
            present &= ~is_missing(frame[spec.plus_days]).to_numpy()
        # A required event, or one whose positive condition holds, with no date
        # ("when ... in" says the event happened), is a problem to report;
        # otherwise a missing date means the event did not happen.
        must = take & (spec.required or spec.says_it_happened)
        rows = take & (present | must)
        part = base[rows].copy()
        part["event"] = spec.event
        part["timestamp"] = date.where(present, None)[rows].to_numpy()
        part["source_column_timestamp"] = date_col[rows].to_numpy()
        part["plus_days"] = days[rows].to_numpy()
        part["plus_days_reason"] = days_why[rows].to_numpy()
        part["plus_days_column"] = spec.plus_days
        part["event_source_column"] = spec.when_column
        parts.append(part)
    parts += history_parts(raw, base, m.history, m.stages)
    out = pd.concat(parts, ignore_index=True)
    attrs, sources = _attribute_frame(base["application_id"], raw.line, frame, m.attributes or {})
    return Mapped(
        _finish(out, raw, m),
        attrs,
        mapping_as_of(raw, m),
        count,
        first,
        sources,
        when_excluded=np.asarray(raw.line, dtype=np.int64)[excluded],
    )


def _finish(out: pd.DataFrame, raw: RawTable, m: Mapping) -> pd.DataFrame:
    """Parse timestamps and event names; attach the first reason a row is bad, and its kind."""
    n = len(out)
    reason = np.full(n, None, dtype=object)
    reason_col = np.full(n, None, dtype=object)
    reason_kind = np.full(n, None, dtype=object)

    def flag(mask: Any, why: Any, col: Any, kind: Any) -> None:
        mask = np.asarray(mask, dtype=bool) & (reason == None)  # noqa: E711 (elementwise)
        reason[mask] = np.asarray(why, dtype=object)[mask] if _is_array(why) else why
        reason_col[mask] = np.asarray(col, dtype=object)[mask] if _is_array(col) else col
        reason_kind[mask] = np.asarray(kind, dtype=object)[mask] if _is_array(kind) else kind

    flag(
        out["nested_reason"].notna(), out["nested_reason"], out["nested_column"], out["nested_kind"]
    )
    if "history_reason" in out:  # an item of a [[history]] list (io.history)
        flag(
            out["history_reason"].notna(),
            out["history_reason"],
            out["event_source_column"],
            out["history_kind"],
        )
    app_missing = is_missing(out["application_id"]).to_numpy()
    app_col = m.columns.get("application_id", "application_id")
    flag(app_missing, "missing application id", app_col, "missing_id")
    ts_cols = out["source_column_timestamp"]
    ts, ts_why = parse_timestamps(
        out["timestamp"],
        out["line"].to_numpy(),
        date_format=m.date_format,
        timezone=m.timezone,
        source=raw.source,
        column=str(ts_cols.iloc[0]) if len(ts_cols) else "timestamp",
    )
    flag(is_missing(out["timestamp"]), "missing timestamp", ts_cols, "missing_date")
    flag(ts_why.notna(), ts_why, ts_cols, "bad_date")
    if "plus_days_reason" in out:
        flag(
            out["plus_days_reason"].notna(),
            out["plus_days_reason"],
            out["plus_days_column"],
            "bad_days",
        )
    out["timestamp"] = _plus_days(ts, out, flag)

    canon, names = _event_names(out["event"], m)
    ev_missing = is_missing(out["event"]).to_numpy()
    flag(ev_missing, "missing event name", out["event_source_column"], "missing_event")
    unknown = pd.isna(canon) & ~ev_missing
    if unknown.any():
        # The hint (validate._HINTS) says how to map it; not repeated here.
        why = np.full(n, None, dtype=object)
        why[unknown] = [
            f"unknown event {short_repr(v, 80)} (expected one of {', '.join(EVENTS)})"
            for v in names[unknown]
        ]
        flag(unknown, why, out["event_source_column"], "unknown_event")
    out["event_raw"] = out["event"]
    out["event"] = canon
    for col in REQUIRED_COLUMNS[:1] + OPTIONAL_COLUMNS:
        miss = is_missing(out[col]).to_numpy()
        text = _as_text(out[col])
        text[miss & (col != "application_id")] = None
        out[col] = text
    out["reason"] = reason
    out["reason_column"] = reason_col
    out["reason_kind"] = reason_kind
    extra = [c for c in ("history_reason", "history_kind") if c in out]
    return out.drop(columns=["nested_reason", "nested_column", "nested_kind", *extra])


def _is_array(value: Any) -> bool:
    return isinstance(value, pd.Series | np.ndarray | list)


def _as_text(values: pd.Series) -> np.ndarray:
    """Each cell as stripped text (None stays None); distinct values are converted once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    text = np.array([None if v is None else str(v).strip() for v in uniques] + [None], dtype=object)
    return text[codes]


def _plus_days(ts: pd.Series, out: pd.DataFrame, flag: Any) -> pd.Series:
    """Timestamps plus the day counts of ``plus_days``; a sum out of pandas' range is flagged."""
    days = out["plus_days"].to_numpy(dtype=float)
    if np.isnan(days).all():
        return ts
    col = out.get("plus_days_column")
    huge = ~np.isnan(days) & (np.abs(days) > _MAX_DAYS)
    flag(huge, "the number of days is too large", col, "bad_days")
    days = np.where(np.isnan(days) | huge, 0.0, days)
    base = ts.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
    end = base + days * _NS_PER_DAY
    lo, hi = pd.Timestamp.min.value, pd.Timestamp.max.value
    outside = ~ts.isna().to_numpy() & ((end < lo) | (end > hi))
    flag(outside, "the date plus the days is out of range (years 1678 to 2261)", col, "bad_days")
    days = np.where(outside, 0.0, days)
    return ts + pd.to_timedelta(days, unit="D").to_numpy()


def _event_names(values: pd.Series, m: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Canonical event per cell (None where unknown or missing), and the stripped name of each.

    Names are compared as clean labels (:func:`hiring_funnel.io.mapping.event_key`),
    so "offer\\u200b" is an offer; each distinct value is looked up once.
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    canon = [canonical_event(v, m.event_values) for v in uniques] + [None]
    names = [v.strip() if isinstance(v, str) else v for v in uniques] + [None]
    return np.asarray(canon, dtype=object)[codes], np.asarray(names, dtype=object)[codes]


def canonical_event(value: Any, values: dict[str, str]) -> str | None:
    """The schema event that a cell of the event column means, or None."""
    if not isinstance(value, str):
        return None
    key = event_key(value)
    if key in values:
        return values[key]
    key = key.replace(" ", "_").replace("-", "_")
    return key if key in EVENTS else None
