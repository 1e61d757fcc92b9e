"""Column mappings: turn any long or wide export into the canonical events layout.

A mapping is a dict or a TOML file. Long exports (one row per event) name which
column is which and which values mean which event::

    layout = "long"
    date_format = "D/M/YYYY"          # ISO8601 (default), M/D/YYYY, D/M/YYYY, excel, or %-pattern
    timezone = "Europe/Berlin"        # for times written without an offset; default UTC

    [columns]                         # canonical name = source column
    application_id = "Application"
    event = "Status"
    timestamp = "Changed on"

    [event_values]                    # canonical event = source values
    rejection = ["Rejected", "Declined"]

Wide trackers (one row per application, a column per date) list the events
each row yields; see ``hiring_funnel/mappings/timhanneman.toml`` for a full
example. Each ``[[events]]`` entry has ``event``, ``date`` (a column, or a list
of columns of which the first filled one is used), optionally ``plus_days``
(a column of day counts added to the date), ``when`` (``{column, in}`` or
``{column, not_in}``) and ``required``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.cells import _normalise_format, is_missing, parse_days, parse_timestamps
from hiring_funnel.io import RawTable
from hiring_funnel.schema import EVENTS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, HiringFunnelError

_TOP_KEYS = {
    "layout",
    "date_format",
    "timezone",
    "columns",
    "event_values",
    "attributes",
    "events",
    "as_of",
    "encoding",
    "delimiter",
    "sheet",
    "description",
}
_EVENT_KEYS = {"event", "date", "plus_days", "when", "required"}
BUNDLED = Path(__file__).parent / "mappings"


@dataclass(frozen=True)
class WideEvent:
    """One event a wide row yields: its name, its date column(s) and its condition."""

    event: str
    date: tuple[str, ...]
    plus_days: str | None = None
    when_column: str | None = None
    when_in: frozenset[str] | None = None
    when_not_in: frozenset[str] | None = None
    required: bool = False


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping; build it with :func:`load_mapping`."""

    layout: str = "long"
    columns: dict[str, Any] = field(default_factory=dict)
    event_values: dict[str, str] = field(default_factory=dict)  # casefolded source -> canonical
    attributes: dict[str, str] | None = None  # attribute name -> source column
    events: tuple[WideEvent, ...] = ()
    date_format: str | None = None
    timezone: str = "UTC"
    as_of: str | None = None
    as_of_column: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    source: str = "<mapping>"


def load_mapping(mapping: str | Path | AnyMapping[str, Any] | None) -> Mapping:
    """Read a mapping from a TOML file, a dict, or the name of a bundled mapping.

    Examples
    --------
    >>> m = load_mapping({"columns": {"event": "Status"}, "event_values": {"offer": ["Hired"]}})
    >>> m.columns["event"], m.event_values["hired"]
    ('Status', 'offer')
    """
    if mapping is None:
        return Mapping()
    if isinstance(mapping, AnyMapping):
        return _parse(dict(mapping), "<mapping>")
    path = Path(mapping)
    if not path.exists() and (BUNDLED / f"{mapping}.toml").exists():
        path = BUNDLED / f"{mapping}.toml"
    name = str(mapping)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HiringFunnelError("mapping file not found", source=name) from exc
    except (UnicodeDecodeError, OSError) as exc:
        raise HiringFunnelError(f"cannot read the mapping: {exc}", source=name) from exc
    except tomllib.TOMLDecodeError as exc:
        raise HiringFunnelError(f"not valid TOML: {exc}", source=name) from exc
    return _parse(data, name)


def _parse(data: dict[str, Any], name: str) -> Mapping:
    def fail(msg: str, hint: str | None = None) -> HiringFunnelError:
        return HiringFunnelError(msg, source=name, hint=hint)

    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise fail(
            f"unknown key {sorted(unknown)[0]!r}",
            hint=f"known keys: {', '.join(sorted(_TOP_KEYS))}",
        )
    layout = data.get("layout", "long")
    if layout not in ("long", "wide"):
        raise fail(f"layout must be 'long' or 'wide', not {layout!r}")
    # A TOML file can hold any type anywhere; check the shape here so that a
    # slip in the mapping is reported against the mapping, not as a traceback.
    columns = dict(_expect(data, "columns", dict, "a table [columns]", fail, {}))
    for key, spec in columns.items():
        if key not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            raise fail(
                f"[columns] has unknown canonical name {key!r}",
                hint=f"use {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}",
            )
        if not (isinstance(spec, str) or (isinstance(spec, dict) and set(spec) == {"value"})):
            raise fail(f"[columns] {key} must be a column name or {{ value = ... }}, not {spec!r}")
    values: dict[str, str] = {}
    event_values = _expect(data, "event_values", dict, "a table [event_values]", fail, {})
    for event, sources in event_values.items():
        if event not in EVENTS:
            raise fail(
                f"[event_values] has unknown event {event!r}", hint=f"use {', '.join(EVENTS)}"
            )
        if not _is_names(sources):
            raise fail(f"[event_values] {event} must be a string or a list of strings")
        for s in [sources] if isinstance(sources, str) else sources:
            values[str(s).strip().casefold()] = event
    attributes = data.get("attributes")
    if isinstance(attributes, list) and all(isinstance(a, str) for a in attributes):
        attributes = {a: a for a in attributes}
    if attributes is not None and not (
        isinstance(attributes, dict) and all(isinstance(c, str) for c in attributes.values())
    ):
        raise fail("attributes must be a list of column names or a table name = column")
    entries = _expect(data, "events", list, "a list of [[events]] tables", fail, [])
    events = tuple(_parse_event(e, i, fail) for i, e in enumerate(entries, start=1))
    date_format = _expect(data, "date_format", str, "a string", fail, None)
    try:
        _normalise_format(date_format)
    except HiringFunnelError as exc:
        raise fail(exc.message, hint=exc.hint) from exc
    timezone = _expect(data, "timezone", str, "a string", fail, "UTC")
    try:
        pd.Timestamp("2000-01-01").tz_localize(timezone)
    except Exception as exc:  # pytz, zoneinfo and dateutil raise different types
        raise fail(
            f"unknown timezone {timezone!r}", hint="use an IANA name such as Europe/Berlin"
        ) from exc
    if layout == "wide" and not any(e.event == "applied" for e in events):
        raise fail("a wide mapping needs an [[events]] entry for 'applied'")
    as_of = data.get("as_of")
    as_of_column = None
    if isinstance(as_of, dict):
        if set(as_of) != {"column"} or not isinstance(as_of["column"], str):
            raise fail('as_of must be a date or { column = "..." }')
        as_of_column, as_of = as_of["column"], None
    return Mapping(
        layout=layout,
        columns=columns,
        event_values=values,
        attributes=attributes,
        events=events,
        date_format=date_format,
        timezone=timezone,
        as_of=None if as_of is None else str(as_of),
        as_of_column=as_of_column,
        encoding=data.get("encoding"),
        delimiter=data.get("delimiter"),
        sheet=data.get("sheet"),
        source=name,
    )


def _expect(data: dict[str, Any], key: str, kind: type, what: str, fail: Any, default: Any) -> Any:
    value = data.get(key, default)
    if value is not default and not isinstance(value, kind):
        raise fail(f"{key} must be {what}, not {value!r}")
    return value


def _is_names(value: Any) -> bool:
    """A string, or a non-empty list of strings."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _parse_event(entry: dict[str, Any], i: int, fail: Any) -> WideEvent:
    if not isinstance(entry, dict):
        raise fail(f"[[events]] entry {i} must be a table, not {entry!r}")
    unknown = set(entry) - _EVENT_KEYS
    if unknown:
        raise fail(f"[[events]] entry {i} has unknown key {sorted(unknown)[0]!r}")
    if entry.get("event") not in EVENTS:
        raise fail(f"[[events]] entry {i}: event must be one of {', '.join(EVENTS)}")
    if "date" not in entry:
        raise fail(f"[[events]] entry {i} ({entry['event']}) has no 'date' column")
    date = entry["date"]
    if not _is_names(date):
        raise fail(
            f"[[events]] entry {i} ({entry['event']}): date must be a column or a list of columns"
        )
    if not isinstance(entry.get("plus_days", ""), str):
        raise fail(f"[[events]] entry {i} ({entry['event']}): plus_days must be a column name")
    when = entry.get("when", {})
    if not (
        isinstance(when, dict)
        and set(when) <= {"column", "in", "not_in"}
        and isinstance(when.get("column", ""), str)
        and all(_is_names(when[k]) for k in ("in", "not_in") if k in when)
    ):
        raise fail(
            f"[[events]] entry {i} ({entry['event']}): when must be "
            '{ column = "...", in = [...] } or { column = "...", not_in = [...] }'
        )
    if when and "column" not in when:
        raise fail(f"[[events]] entry {i} ({entry['event']}): when needs a column")
    return WideEvent(
        event=entry["event"],
        date=(date,) if isinstance(date, str) else tuple(date),
        plus_days=entry.get("plus_days"),
        when_column=when.get("column"),
        when_in=_names(when["in"]) if "in" in when else None,
        when_not_in=_names(when["not_in"]) if "not_in" in when else None,
        required=bool(entry.get("required", entry["event"] == "applied")),
    )


def _names(value: str | list[str]) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


@dataclass
class Mapped:
    """Events still tied to their source lines, with a reason where a cell is bad."""

    events: pd.DataFrame  # canonical columns + line, reason, reason_column, event_raw
    attributes: pd.DataFrame  # application_id, line, attribute columns
    as_of: pd.Timestamp | None


def apply_mapping(raw: RawTable, mapping: Mapping) -> Mapped:
    """Give the cells of ``raw`` their meaning as events and attributes."""
    if raw.kind == "jsonl" and len(raw.frame) == 0:
        # Every line was invalid JSON, so the file shows no columns at all;
        # give it the ones the mapping reads, so that its rows are quarantined
        # for what they are rather than the file refused for a missing column.
        needed = _referenced_columns(mapping) + [
            mapping.columns.get(c, c)
            for c in REQUIRED_COLUMNS
            if isinstance(mapping.columns.get(c, c), str)
        ]
        raw = replace(raw, frame=pd.DataFrame(columns=list(dict.fromkeys(needed)), dtype=object))
    used = [c for c in _referenced_columns(mapping) if c not in raw.frame.columns]
    if used:
        raise HiringFunnelError(
            f"the mapping names column {used[0]!r}, which the file does not have",
            source=raw.source,
            line=1 if raw.kind == "csv" else None,
            hint=f"the file has: {', '.join(map(str, raw.frame.columns))}",
        )
    mapped = _apply_wide(raw, mapping) if mapping.layout == "wide" else _apply_long(raw, mapping)
    as_of = _as_of(raw, mapping)
    return Mapped(mapped[0], mapped[1], as_of)


def _referenced_columns(m: Mapping) -> list[str]:
    cols = [c for c in m.columns.values() if isinstance(c, str)]
    cols += list((m.attributes or {}).values())
    for e in m.events:
        cols += list(e.date) + [c for c in (e.plus_days, e.when_column) if c]
    if m.as_of_column:
        cols.append(m.as_of_column)
    return cols


def _as_of(raw: RawTable, m: Mapping) -> pd.Timestamp | None:
    if m.as_of is not None:
        ts, why = parse_timestamps(
            pd.Series([m.as_of]),
            np.array([0]),
            date_format=m.date_format,
            timezone=m.timezone,
            source=m.source,
            column="as_of",
        )
        if why.iloc[0] or pd.isna(ts.iloc[0]):
            raise HiringFunnelError(
                f"as_of {m.as_of!r} is not a date: {why.iloc[0]}",
                source=m.source,
                hint="write it as ISO 8601, e.g. 2024-03-31T18:00:00Z",
            )
        return pd.Timestamp(ts.iloc[0])
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


def _cell_column(raw: RawTable, spec: Any, n: int) -> pd.Series:
    if isinstance(spec, dict) and "value" in spec:
        return pd.Series([str(spec["value"])] * n, dtype=object)
    return raw.frame[spec].reset_index(drop=True)


def _apply_long(raw: RawTable, m: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = raw.frame.reset_index(drop=True)
    n = len(frame)
    source_of = {c: m.columns.get(c, c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    for col in REQUIRED_COLUMNS:
        spec = source_of[col]
        if not (isinstance(spec, dict) or spec in frame.columns):
            raise HiringFunnelError(
                f"missing required column {spec!r}",
                source=raw.source,
                line=1 if raw.kind == "csv" else None,
                hint=f"the file has: {', '.join(map(str, frame.columns))}; name it in a mapping [columns]",
            )
    out = pd.DataFrame({"line": raw.line})
    for col in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        spec = source_of[col]
        if isinstance(spec, dict) or spec in frame.columns:
            out[col] = _cell_column(raw, spec, n)
        else:
            out[col] = None
    out["source_column_timestamp"] = str(source_of["timestamp"])
    out["plus_days"] = np.nan
    out["event_source_column"] = str(source_of["event"])
    taken = {v for v in source_of.values() if isinstance(v, str)}
    attr_map = (
        m.attributes
        if m.attributes is not None
        else {c: c for c in frame.columns if c not in taken}
    )
    attrs = pd.DataFrame({"application_id": out["application_id"], "line": raw.line})
    for name, col in attr_map.items():
        attrs[name] = frame[col].to_numpy()
    events = _finish(out, raw, m)
    return events, attrs


def _apply_wide(raw: RawTable, m: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    parts = []
    for spec in m.events:
        take = np.ones(n, dtype=bool)
        if spec.when_column is not None:
            cell = frame[spec.when_column].map(lambda v: str(v).strip() if v is not None else "")
            if spec.when_in is not None:
                take &= cell.isin(spec.when_in).to_numpy()
            if spec.when_not_in is not None:
                take &= ~cell.isin(spec.when_not_in).to_numpy()
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
        must = take & (spec.required or spec.when_in is not None)
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
    out = pd.concat(parts, ignore_index=True)
    attrs = pd.DataFrame({"application_id": app, "line": raw.line})
    for name, col in (m.attributes or {}).items():
        attrs[name] = frame[col].to_numpy()
    return _finish(out, raw, m), attrs


def _finish(out: pd.DataFrame, raw: RawTable, m: Mapping) -> pd.DataFrame:
    """Parse timestamps and event names; attach the first reason a row is bad."""
    reason = pd.Series([None] * len(out), dtype=object)
    reason_col = pd.Series([None] * len(out), dtype=object)

    def flag(mask: Any, why: Any, col: Any) -> None:
        mask = np.asarray(mask, dtype=bool) & reason.isna().to_numpy()
        reason[mask] = why[mask] if isinstance(why, pd.Series | np.ndarray) else why
        reason_col[mask] = col[mask] if isinstance(col, pd.Series) else col

    app_missing = is_missing(out["application_id"]).to_numpy()
    flag(app_missing, "missing application id", m.columns.get("application_id", "application_id"))
    ts_cols = out["source_column_timestamp"]
    ts, ts_why = parse_timestamps(
        out["timestamp"],
        out["line"].to_numpy(),
        date_format=m.date_format,
        timezone=m.timezone,
        source=raw.source,
        column=str(ts_cols.iloc[0]) if len(ts_cols) else "timestamp",
    )
    flag(is_missing(out["timestamp"]), "missing timestamp", ts_cols)
    flag(ts_why.notna(), ts_why, ts_cols)
    if "plus_days_reason" in out:
        flag(out["plus_days_reason"].notna(), out["plus_days_reason"], out["plus_days_column"])
    offset = pd.to_timedelta(out["plus_days"].fillna(0), unit="D")
    out["timestamp"] = ts + offset.to_numpy()

    names = out["event"].map(lambda v: v.strip() if isinstance(v, str) else v)
    canon = names.map(lambda v: _canonical_event(v, m.event_values))
    ev_missing = is_missing(out["event"]).to_numpy()
    flag(ev_missing, "missing event name", out["event_source_column"])
    unknown = canon.isna().to_numpy() & ~ev_missing
    flag(
        unknown,
        pd.Series(
            [
                # The hint (validate._HINTS) says how to map it; not repeated here.
                f"unknown event {v!r} (expected one of {', '.join(EVENTS)})"
                for v in names
            ],
            dtype=object,
        ),
        out["event_source_column"],
    )
    out["event_raw"] = out["event"]
    out["event"] = canon
    out["application_id"] = out["application_id"].map(
        lambda v: str(v).strip() if v is not None else v
    )
    for col in OPTIONAL_COLUMNS:
        miss = is_missing(out[col])
        out[col] = (
            out[col].map(lambda v: str(v).strip() if v is not None else None).where(~miss, None)
        )
    out["reason"] = reason
    out["reason_column"] = reason_col
    return out


def _canonical_event(value: Any, values: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        return None
    key = value.strip().casefold()
    if key in values:
        return values[key]
    key = key.replace(" ", "_").replace("-", "_")
    return key if key in EVENTS else None
