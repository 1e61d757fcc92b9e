"""Column mappings: turn any long or wide export into the canonical events layout.

A mapping is a dict or a TOML file. Long exports (one row per event) name which
column is which and which values mean which event::

    layout = "long"
    date_format = "D/M/YYYY"          # ISO8601 (default), M/D/YYYY, D/M/YYYY, excel, or %-pattern
    timezone = "Europe/Berlin"        # for times written without an offset; default UTC
    observed_from = 2024-02-01        # optional: the log begins then (late entry)

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
(a column of day counts added to the date), ``when`` (conditions on other
columns, all of which must hold: :mod:`hiring_funnel.io.conditions`) and
``required``.

Applying a mapping to the cells of a file is :func:`hiring_funnel.io.mapped.apply_mapping`
(also importable from here, as before the two were split).

A mapping file is read under the same limits as a log
(:mod:`hiring_funnel.io.limits`): a regular file, at most ``max_mapping_bytes``,
UTF-8, nested at most ``max_json_depth`` deep. Python's TOML parser recurses
once per level of nesting, so ``a = [[[[...]]]]`` 100,000 deep raised
RecursionError before this check.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.io.cell_values import normalise_format
from hiring_funnel.io.conditions import Condition, parse_when
from hiring_funnel.io.history import History, parse_history, parse_stages, stage_key
from hiring_funnel.io.joins import Join, parse_joins
from hiring_funnel.io.limits import Limits, require_regular_file, resolve
from hiring_funnel.io.nested import value_depth
from hiring_funnel.io.readers import short_repr
from hiring_funnel.io.undated import check_rule
from hiring_funnel.schema import EVENTS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, HiringFunnelError
from hiring_funnel.text import clean_label

__all__ = ["BUNDLED", "Mapping", "WideEvent", "event_key", "load_mapping"]

_TOP_KEYS = {
    "layout",
    "date_format",
    "timezone",
    "columns",
    "event_values",
    "attributes",
    "events",
    "as_of",
    "observed_from",
    "encoding",
    "delimiter",
    "sheet",
    "description",
    "dedupe",
    "undated",
    "extends",
    "stages",
    "history",
    "join",
}
_EVENT_KEYS = {"event", "date", "plus_days", "when", "required"}
BUNDLED = Path(__file__).parent.parent / "mappings"


@dataclass(frozen=True)
class WideEvent:
    """One event a wide row yields: its name, its date column(s) and its condition."""

    event: str
    date: tuple[str, ...]
    plus_days: str | None = None
    when: tuple[Condition, ...] = ()
    required: bool = False

    @property
    def when_column(self) -> str | None:
        """The column of the first condition (where a problem with the event is reported)."""
        return self.when[0].column if self.when else None

    @property
    def when_columns(self) -> list[str]:
        """Every column the conditions read."""
        return list(dict.fromkeys(c.column for c in self.when))

    @property
    def says_it_happened(self) -> bool:
        """A positive condition (in, contains, matches): a selected row with no date is a problem."""
        return any(c.positive for c in self.when)


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
    #: When the log begins (late entry), a date; per application: attribute ``observed_from``.
    observed_from: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    source: str = "<mapping>"
    #: Drop rows that repeat an earlier row exactly. None: only where an identity
    #: says two rows are one thing (a long log, or an application id column).
    dedupe: bool | None = None
    #: How a wide tracker's outcome with no date is dated (:mod:`hiring_funnel.io.undated`).
    undated: str = "median"
    #: Stage name (a clean label, case-folded) -> event, None where the stage is no event.
    stages: dict[str, str | None] = field(default_factory=dict)
    #: Lists of stage changes, one event per item (:mod:`hiring_funnel.io.history`).
    history: tuple[History, ...] = ()
    #: Files of a folder whose items join the records' lists (:mod:`hiring_funnel.io.joins`).
    joins: tuple[Join, ...] = ()

    @property
    def drops_copies(self) -> bool:
        """Whether exact copies of an earlier row are dropped (see ``dedupe``)."""
        if self.dedupe is not None:
            return self.dedupe
        return self.layout == "long" or "application_id" in self.columns


def load_mapping(
    mapping: str | Path | AnyMapping[str, Any] | None, *, limits: Limits | None = None
) -> Mapping:
    """Read a mapping from a TOML file, a dict, or the name of a bundled mapping.

    Examples
    --------
    >>> m = load_mapping({"columns": {"event": "Status"}, "event_values": {"offer": ["Hired"]}})
    >>> m.columns["event"], m.event_values["hired"]
    ('Status', 'offer')
    """
    lim = resolve(limits)
    if mapping is None:
        return Mapping()
    if isinstance(mapping, AnyMapping):
        data = dict(mapping)
        _check_depth(data, "<mapping>", lim)
        return _parse(_extended(data, "<mapping>", lim), "<mapping>")
    path = Path(mapping)
    if not path.exists() and (BUNDLED / f"{mapping}.toml").exists():
        path = BUNDLED / f"{mapping}.toml"
    name = str(mapping)
    if not path.exists():
        raise HiringFunnelError("mapping file not found", source=name)
    size = require_regular_file(path, name)
    if size > lim.max_mapping_bytes:
        raise HiringFunnelError(
            f"the mapping file has {size:,} bytes, more than the limit of "
            f"{lim.max_mapping_bytes:,}",
            source=name,
            hint=lim.hint("max_mapping_bytes"),
        )
    try:
        data = tomllib.loads(_mapping_text(path.read_bytes(), name))
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot read the mapping: {exc.strerror or exc}", source=name
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise HiringFunnelError(f"not valid TOML: {exc}", source=name) from exc
    except RecursionError:
        raise _too_deep(name, lim) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise HiringFunnelError(f"not valid TOML: {exc}", source=name) from exc
    _check_depth(data, name, lim)
    return _parse(_extended(data, name, lim, path.parent), name)


def _extended(
    data: dict[str, Any], name: str, lim: Limits, folder: Path | None = None, seen: int = 0
) -> dict[str, Any]:
    """``data`` laid over the mapping its ``extends`` names (a bundled name or a file).

    Tables (``[columns]``, ``[attributes]``, ``[event_values]``) are merged key by
    key, the extending mapping winning; a stage it names in ``[stages]`` leaves the
    event it had in the base for the one given here; lists (``[[events]]``,
    ``[[history]]``) and plain values replace the base's.
    """
    base_name = data.get("extends")
    if base_name is None:
        return data
    if not isinstance(base_name, str):
        raise HiringFunnelError("extends must be the name or file of a mapping", source=name)
    if seen > 8:
        raise HiringFunnelError("extends goes more than 8 mappings deep (a circle?)", source=name)
    target = Path(base_name)
    if not target.is_absolute() and folder is not None and (folder / target).exists():
        target = folder / target
    base_path = target if target.exists() else base_name
    base = load_mapping_data(base_path, lim)
    base = _extended(base, str(base_name), lim, Path(str(base_path)).parent, seen + 1)
    merged = {k: v for k, v in base.items() if k != "extends"}
    for key, value in data.items():
        if key == "extends":
            continue
        if key == "stages" and isinstance(value, dict) and isinstance(base.get(key), dict):
            names = {
                stage_key(s) for v in value.values() for s in ([v] if isinstance(v, str) else v)
            }
            kept = {
                event: [s for s in ([v] if isinstance(v, str) else v) if stage_key(s) not in names]
                for event, v in base[key].items()
                if isinstance(v, str | list)
            }
            for event, v in value.items():
                kept[event] = kept.get(event, []) + ([v] if isinstance(v, str) else list(v))
            merged[key] = kept
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def load_mapping_data(mapping: str | Path, lim: Limits) -> dict[str, Any]:
    """The raw table of a mapping file or bundled mapping (what ``extends`` builds on)."""
    path = Path(mapping)
    if not path.exists() and (BUNDLED / f"{mapping}.toml").exists():
        path = BUNDLED / f"{mapping}.toml"
    if not path.exists():
        raise HiringFunnelError("mapping file not found", source=str(mapping))
    try:
        return tomllib.loads(_mapping_text(path.read_bytes(), str(mapping)))
    except tomllib.TOMLDecodeError as exc:
        raise HiringFunnelError(f"not valid TOML: {exc}", source=str(mapping)) from exc


def _mapping_text(data: bytes, name: str) -> str:
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise HiringFunnelError(
            f"cannot read the mapping: byte 0x{data[exc.start]:02x} is not valid UTF-8",
            source=name,
            line=line,
            hint="TOML files are UTF-8; save the mapping as UTF-8",
        ) from exc


def _too_deep(name: str, lim: Limits) -> HiringFunnelError:
    return HiringFunnelError(
        f"the mapping is nested deeper than the limit of {lim.max_json_depth} levels",
        source=name,
        hint=lim.hint("max_json_depth") + "; a mapping needs three levels at most",
    )


def _check_depth(data: dict[str, Any], name: str, lim: Limits) -> None:
    if value_depth(data) > lim.max_json_depth:
        raise _too_deep(name, lim)


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
        raise fail(f"layout must be 'long' or 'wide', not {short_repr(layout)}")
    # A TOML file can hold any type anywhere; check the shape here so that a
    # slip in the mapping is reported against the mapping, not as a traceback.
    columns = dict(_expect(data, "columns", dict, "a table [columns]", fail, {}))
    for key, spec in columns.items():
        if key not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            raise fail(
                f"[columns] has unknown canonical name {short_repr(key)}",
                hint=f"use {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}",
            )
        if not (isinstance(spec, str) or (isinstance(spec, dict) and set(spec) == {"value"})):
            raise fail(
                f"[columns] {key} must be a column name or {{ value = ... }}, "
                f"not {short_repr(spec)}"
            )
    values: dict[str, str] = {}
    event_values = _expect(data, "event_values", dict, "a table [event_values]", fail, {})
    for event, sources in event_values.items():
        if event not in EVENTS:
            raise fail(
                f"[event_values] has unknown event {short_repr(event)}",
                hint=f"use {', '.join(EVENTS)}",
            )
        if not _is_names(sources):
            raise fail(f"[event_values] {event} must be a string or a list of strings")
        for s in [sources] if isinstance(sources, str) else sources:
            values[event_key(s)] = event
    attributes = data.get("attributes")
    if isinstance(attributes, list) and all(isinstance(a, str) for a in attributes):
        attributes = {a: a for a in attributes}
    if attributes is not None and not (
        isinstance(attributes, dict) and all(isinstance(c, str) for c in attributes.values())
    ):
        raise fail("attributes must be a list of column names or a table name = column")
    reserved = sorted({"application_id", "line"} & set(attributes or {}))
    if reserved:
        raise fail(
            f"attribute name {reserved[0]!r} is reserved",
            hint='give the attribute another name: other_name = "column"',
        )
    entries = _expect(data, "events", list, "a list of [[events]] tables", fail, [])
    events = tuple(_parse_event(e, i, fail) for i, e in enumerate(entries, start=1))
    date_format = _expect(data, "date_format", str, "a string", fail, None)
    try:
        normalise_format(date_format)
    except HiringFunnelError as exc:
        raise fail(exc.message, hint=exc.hint) from exc
    timezone = _expect(data, "timezone", str, "a string", fail, "UTC")
    try:
        pd.Timestamp("2000-01-01").tz_localize(timezone)
    except Exception as exc:  # pytz, zoneinfo and dateutil raise different types
        raise fail(
            f"unknown timezone {short_repr(timezone)}",
            hint="use an IANA name such as Europe/Berlin",
        ) from exc
    try:
        stages = parse_stages(data.get("stages", {}), name)
        history = parse_history(data.get("history", []), name)
        joins = parse_joins(data.get("join", []), name)
    except HiringFunnelError as exc:
        raise fail(exc.message, hint=exc.hint) from exc
    if history and layout != "wide":
        raise fail("[[history]] lists belong to a wide mapping", hint='set layout = "wide"')
    if layout == "wide" and not any(e.event == "applied" for e in events):
        raise fail("a wide mapping needs an [[events]] entry for 'applied'")
    as_of = data.get("as_of")
    as_of_column = None
    if isinstance(as_of, dict):
        if set(as_of) != {"column"} or not isinstance(as_of["column"], str):
            raise fail('as_of must be a date or { column = "..." }')
        as_of_column, as_of = as_of["column"], None
    encoding = _expect(data, "encoding", str, "a string such as 'cp1252'", fail, None)
    delimiter = _expect(data, "delimiter", str, "one character such as ';'", fail, None)
    if delimiter is not None and len(delimiter) != 1:
        raise fail(f"delimiter must be one character, not {short_repr(delimiter)}")
    sheet = data.get("sheet")
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, str | int)):
        raise fail(f"sheet must be a sheet name or a 0-based number, not {short_repr(sheet)}")
    if isinstance(as_of, list | dict):
        raise fail(f'as_of must be a date or {{ column = "..." }}, not {short_repr(as_of)}')
    observed_from = data.get("observed_from")
    if isinstance(observed_from, list | dict | bool):
        raise fail(
            f"observed_from must be a date, not {short_repr(observed_from)}",
            hint="a start per application is the attribute observed_from: "
            '[attributes] observed_from = "<column>"',
        )
    dedupe = _expect(data, "dedupe", bool, "true or false", fail, None)
    undated = _expect(data, "undated", str, 'a rule ("median" or "as_of")', fail, "median")
    try:
        check_rule(undated, name)
    except HiringFunnelError as exc:
        raise fail(exc.message) from exc
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
        observed_from=None if observed_from is None else str(observed_from),
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        source=name,
        dedupe=dedupe,
        undated=undated,
        stages=stages,
        history=history,
        joins=joins,
    )


def _expect(data: dict[str, Any], key: str, kind: type, what: str, fail: Any, default: Any) -> Any:
    value = data.get(key, default)
    if value is not default and not isinstance(value, kind):
        raise fail(f"{key} must be {what}, not {short_repr(value)}")
    return value


def _is_names(value: Any) -> bool:
    """A string, or a non-empty list of strings."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _parse_event(entry: dict[str, Any], i: int, fail: Any) -> WideEvent:
    if not isinstance(entry, dict):
        raise fail(f"[[events]] entry {i} must be a table, not {short_repr(entry)}")
    unknown = set(entry) - _EVENT_KEYS
    if unknown:
        raise fail(f"[[events]] entry {i} has unknown key {short_repr(sorted(unknown)[0])}")
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
    when: tuple[Condition, ...] = ()
    if "when" in entry:
        try:
            when = parse_when(entry["when"], f"[[events]] entry {i} ({entry['event']})")
        except HiringFunnelError as exc:
            raise fail(exc.message, hint=exc.hint) from exc
    return WideEvent(
        event=entry["event"],
        date=(date,) if isinstance(date, str) else tuple(date),
        plus_days=entry.get("plus_days"),
        when=when,
        required=bool(entry.get("required", entry["event"] == "applied")),
    )


def event_key(value: object) -> str:
    """How an event name is compared: a clean label, case-folded.

    A clean label has no invisible or control characters, is NFC and has one
    space between words, so "Offer\u200b" is an offer.

    Examples
    --------
    >>> event_key(" Phone\u200b  Screen ")
    'phone screen'
    """
    return clean_label(value).casefold()


def __getattr__(name: str) -> Any:
    # apply_mapping and Mapped moved to hiring_funnel.io.mapped when this module
    # passed 500 lines; importing them from here still works. (A plain import
    # at the end would be circular: mapped imports Mapping from here.)
    if name in ("apply_mapping", "Mapped"):
        from hiring_funnel.io import mapped

        return getattr(mapped, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
