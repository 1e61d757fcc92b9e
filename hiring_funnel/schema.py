"""The canonical layouts every step of the data flow agrees on (DESIGN.md, "Words").

Events (long layout), one row per dated thing that happened to an application:

============== ======================== =========================================
column         dtype                    meaning
============== ======================== =========================================
application_id ``string``               key of one candidate's application
event          ``category`` (EVENTS)    what happened
timestamp      ``datetime64[ns, UTC]``  when it happened
candidate_id   ``string`` (may be <NA>) links applications of one person
company_id     ``string`` (may be <NA>) the employer
stage          ``string`` (may be <NA>) free label such as "onsite"
channel        ``string`` (may be <NA>) how the application was sent
line           ``int64``                source line (1-based, header is line 1)
============== ======================== =========================================

Attributes: one row per application, ``application_id`` plus any columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

#: Events in the order used to break ties between events of one application
#: recorded on the same timestamp: an invitation logically precedes the
#: interview it invites to, which precedes the decision.
EVENTS: tuple[str, ...] = (
    "applied",
    "follow_up",
    "screen",
    "interview",
    "offer",
    "rejection",
    "withdrawn",
    "closed",
)
#: Employer-initiated events (DESIGN.md: "response").
RESPONSES: frozenset[str] = frozenset({"screen", "interview", "offer", "rejection"})
#: Responses that count as a positive answer on the first_response clock.
POSITIVE: frozenset[str] = frozenset({"screen", "interview", "offer"})
#: Events that may happen at most once per application; a second copy with a
#: different timestamp is a conflicting duplicate.
ONCE_ONLY: frozenset[str] = frozenset({"applied", "offer", "rejection", "withdrawn", "closed"})

REQUIRED_COLUMNS: tuple[str, ...] = ("application_id", "event", "timestamp")
OPTIONAL_COLUMNS: tuple[str, ...] = ("candidate_id", "company_id", "stage", "channel")
EVENT_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + ("line",)

EVENT_DTYPE = pd.CategoricalDtype(list(EVENTS), ordered=True)
_EVENT_RANK: dict[str, int] = {name: i for i, name in enumerate(EVENTS)}

QUARANTINE_COLUMNS: tuple[str, ...] = ("file", "line", "column", "reason", "kind")

#: Why a row was quarantined (or a file-level problem found), as a fixed code and a
#: sentence with no value from the data in it. ``reason`` says it for the user who
#: fixes the file (with the values, lines and dates); ``kind`` is what a report may
#: publish and count, whatever the data held (issue 10: ids inside quoted values
#: reached the report through the redaction of reasons).
QUARANTINE_KINDS: dict[str, str] = {
    "missing_id": "missing application id",
    "missing_date": "missing date",
    "bad_date": "a date that cannot be read",
    "bad_days": "a number of days that cannot be read",
    "missing_event": "missing event name",
    "unknown_event": "an event name the mapping does not know",
    "exact_duplicate": "exact copy of an earlier row",
    "identical_rows": "identical rows kept as separate applications (no application id)",
    "skipped": "rows the mapping leaves out on purpose (its when conditions)",
    "merged_spellings": "attribute values that differ only in case or spaces, merged into one",
    "undated_outcome": "outcomes recorded without a date (dated by the mapping's undated rule)",
    "conflicting_duplicate": "conflicting duplicates of one application or event",
    "conflicting_outcomes": "an application with both an offer and a rejection",
    "after_as_of": "dated after the export date (or after today)",
    "before_application": "dated before its application",
    "no_event": "the mapping yields no event for the row",
    "ragged_row": "a row with more or fewer fields than the header",
    "bad_json": "a line that is not one JSON object",
    "nested_value": "a list or object where one value is expected",
    "unmatched_attributes": "attribute rows that name no application in the log",
    "unmatched_items": "items of a joined file that name no record of the log",
    "varying_attribute": "an attribute with more than one value for one application",
    "formula": "cells that look like spreadsheet formulas (kept as text)",
    "no_applied": "applications with events but no application date",
    "cleaned_ids": "identifiers with invisible characters or mixed Unicode forms (cleaned)",
    "other": "another problem",
}


_LINE_BREAKS_AND_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class HiringFunnelError(ValueError):
    """An error the user can cause and fix: bad file, bad mapping, bad argument.

    A ``ValueError``, so ``except ValueError`` catches it. What went wrong and
    where are fields, for code that handles the error; nothing needs to read
    the message to find them:

    ``message``
        what is wrong, in words (without the place);
    ``file``
        the file it is in (``source=`` is accepted for it, and ``.source`` reads it);
    ``line``
        the 1-based line of that file (the header is line 1);
    ``column``
        the column of the file or frame;
    ``code``
        a short stable name of the kind of error, for programs ("bad_date",
        "unknown_column", "row_value", ...), or None;
    ``hint``
        what would fix it;
    ``data``
        the facts behind the message (a read-only mapping: days, counts, levels),
        so that a program can word it for its own readers: the report publishes
        a model's error from ``code`` and ``data``, without the counts.

    ``str(error)`` is one line naming the file, the line and the column where
    they are known, then the message and the hint; the CLI prints it and exits
    non-zero.

    Examples
    --------
    >>> err = HiringFunnelError(
    ...     "not a date", file="log.csv", line=3, column="applied", code="bad_date",
    ...     hint="use ISO 8601",
    ... )
    >>> str(err)
    "log.csv:3: column 'applied': not a date (use ISO 8601)"
    >>> isinstance(err, ValueError), err.line, err.code
    (True, 3, 'bad_date')
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        code: str | None = None,
        hint: str | None = None,
        source: str | None = None,
        data: AnyMapping[str, Any] | None = None,
    ) -> None:
        if source is not None:
            if file is not None and file != source:
                raise TypeError("give the file as file= or source=, not both")
            file = source  # the older name of the field, still accepted
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.code = code
        self.hint = hint
        self.data: AnyMapping[str, Any] = MappingProxyType(dict(data or {}))
        super().__init__(self.__str__())

    @property
    def source(self) -> str | None:
        """The file the error is in: the older name of :attr:`file` (read-only)."""
        return self.file

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickles its args, which hold the formatted text only: keep the fields.
        fields = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "hint": self.hint,
            "data": dict(self.data),
        }
        return (_rebuild_error, (type(self), self.message, fields))

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        col = f"column {self.column!r}: " if self.column is not None else ""
        hint = f" ({self.hint})" if self.hint else ""
        # One line, whatever the data put in it: a column name may hold a vertical
        # tab or U+2028, which terminals and str.splitlines break at too, and an
        # escape sequence, which would recolour the terminal.
        return _LINE_BREAKS_AND_CONTROLS.sub(" ", f"{where}{col}{self.message}{hint}")


def _rebuild_error(
    cls: type[HiringFunnelError], message: str, fields: dict[str, Any]
) -> HiringFunnelError:
    """An unpickled :class:`HiringFunnelError` with its fields (see ``__reduce__``)."""
    return cls(message, **fields)


@dataclass(frozen=True)
class Problem:
    """One problem found while validating: where it is and what to do about it.

    Examples
    --------
    >>> Problem(3, "timestamp", "unreadable date", hint="write it as 2024-03-01").format("log.csv")
    "log.csv:3: column 'timestamp': unreadable date (write it as 2024-03-01)"
    """

    line: int | None
    column: str | None
    reason: str
    hint: str = ""
    fatal: bool = False
    #: The file the line belongs to when it is not the events file (an attributes file).
    source: str | None = None
    #: A key of :data:`QUARANTINE_KINDS`: what a report may publish about this problem.
    kind: str = "other"

    def format(self, source: str) -> str:
        source = self.source or source
        where = f"{source}:{self.line}" if self.line is not None else source
        col = f" column {self.column!r}:" if self.column else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}:{col} {self.reason}{hint}"


@dataclass(frozen=True)
class EventLog:
    """What :func:`hiring_funnel.read_events` returns.

    Attributes
    ----------
    events : DataFrame
        Canonical events (see the module docstring).
    attributes : DataFrame
        One row per application: ``application_id`` and attribute columns.
    quarantine : DataFrame
        One row per input row that could not be used: ``file``, ``line``,
        ``column``, ``reason``, then the row's original cells.
    rows_read, rows_loaded, rows_quarantined, rows_skipped : int
        Input rows of the events file (records, not physical lines) read,
        loaded, quarantined, and skipped on purpose (a wide mapping's ``when``
        leaves them out); ``rows_read == rows_loaded + rows_skipped +
        rows_quarantined`` always holds. An attributes file's counts are in ``meta["attributes"]``.
    exact_duplicates : int
        Input rows that repeat an earlier row exactly; they are quarantined with
        the reason "exact duplicate of line N", so they are part of
        ``rows_quarantined``.
    problems : tuple of Problem
        Every problem found, in source order.
    source : str
        The file name (or ``"<DataFrame>"``).
    as_of : Timestamp or None
        The export date when the log records it (mapping ``as_of``), else None.
    observed_from : Timestamp or None
        When the log begins, if it was exported for a window that started
        after some applications were sent (mapping or argument
        ``observed_from``): the clocks give those applications a late entry.

    Examples
    --------
    >>> import pandas as pd
    >>> import hiring_funnel as hf
    >>> log = hf.read_events(pd.DataFrame({"application_id": ["a", "a", "b"],
    ...                                    "event": ["applied", "rejection", "applied"],
    ...                                    "timestamp": ["2024-03-01", "2024-03-08", "2024-03-02"]}))
    >>> log.rows_read, log.rows_loaded, len(log.attributes)
    (3, 3, 2)
    """

    events: pd.DataFrame
    attributes: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    rows_loaded: int
    rows_quarantined: int = 0
    exact_duplicates: int = 0
    problems: tuple[Problem, ...] = ()
    source: str = "<DataFrame>"
    as_of: pd.Timestamp | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    rows_skipped: int = 0
    observed_from: pd.Timestamp | None = None

    def counts(self) -> dict[str, int]:
        """Rows read, loaded, skipped, quarantined and exact duplicates, as a dict."""
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_skipped": self.rows_skipped,
            "rows_quarantined": self.rows_quarantined,
            "exact_duplicates": self.exact_duplicates,
        }


def empty_events() -> pd.DataFrame:
    """An events frame with no rows and the canonical dtypes."""
    return pd.DataFrame(
        {
            "application_id": pd.Series([], dtype="string"),
            "event": pd.Series([], dtype=EVENT_DTYPE),
            "timestamp": pd.Series([], dtype="datetime64[ns, UTC]"),
            "candidate_id": pd.Series([], dtype="string"),
            "company_id": pd.Series([], dtype="string"),
            "stage": pd.Series([], dtype="string"),
            "channel": pd.Series([], dtype="string"),
            "line": pd.Series([], dtype="int64"),
        }
    )


def as_canonical_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce an already clean events frame to the canonical columns and dtypes.

    Used by the simulator and by tests; raw user input goes through
    :func:`hiring_funnel.read_events`, which validates first.
    """
    out = pd.DataFrame(index=frame.index)
    out["application_id"] = frame["application_id"].astype("string")
    out["event"] = frame["event"].astype(str).astype(EVENT_DTYPE)
    # utc=True reads naive times as UTC and converts those with an offset.
    ts = frame["timestamp"]
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = (
            pd.to_datetime(ts, format="ISO8601", utc=True)
            if ts.dtype == object
            else pd.to_datetime(ts, utc=True)
        )
    out["timestamp"] = ts.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    for col in OPTIONAL_COLUMNS:
        out[col] = (
            frame[col].astype("string")
            if col in frame
            else pd.Series(pd.NA, index=frame.index, dtype="string")
        )
    out["line"] = (
        frame["line"].astype("int64")
        if "line" in frame
        else pd.Series(range(2, len(frame) + 2), index=frame.index, dtype="int64")
    )
    return out.reset_index(drop=True)


_HINT = "build the frame with hiring_funnel.read_events or schema.as_canonical_events"


def check_events(frame: pd.DataFrame) -> None:
    """Raise :class:`HiringFunnelError` unless ``frame`` is a canonical events frame.

    Checks the required columns (``application_id``, ``event``, ``timestamp``),
    their dtypes and missing values, and the dtypes of the optional columns
    that :func:`episodes` reads (``candidate_id``, ``line``).

    Parameters
    ----------
    frame : DataFrame
        Events in the canonical long layout (:mod:`hiring_funnel.schema`).

    Raises
    ------
    HiringFunnelError
        Naming the column and, where known, the first offending line.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = as_canonical_events(pd.DataFrame({
    ...     "application_id": ["a"], "event": ["applied"], "timestamp": ["2024-03-01"]}))
    >>> check_events(ev)
    >>> check_events(ev.drop(columns="timestamp"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: events are missing the required column(s) 'timestamp'...
    """
    check_events_structure(frame)
    raise_if_missing(frame, "application_id", frame["application_id"].isna().to_numpy())


def check_events_structure(frame: pd.DataFrame) -> None:
    """Everything :func:`check_events` checks except missing application ids.

    Scanning a column of Python strings for missing values costs as much as
    factorizing it, so :func:`hiring_funnel.clocks.episodes` finds missing ids
    in its factorize codes (-1) instead of scanning twice.
    """
    require_columns(frame, "events", REQUIRED_COLUMNS, _HINT, also="or an EventLog")
    for col, (ok, expected, hint) in _DTYPES.items():
        if col in frame.columns and not ok(frame[col].dtype):
            raise HiringFunnelError(
                f"must be {expected}, not {frame[col].dtype}", column=col, hint=hint or _HINT
            )
    unknown = [c for c in frame["event"].cat.categories if c not in _EVENT_RANK]
    if unknown:
        raise HiringFunnelError(
            f"unknown event categories {unknown}; allowed: {list(EVENTS)}", column="event"
        )
    raise_if_missing(frame, "event", frame["event"].cat.codes.to_numpy() < 0)
    raise_if_missing(frame, "timestamp", frame["timestamp"].isna().to_numpy())


def _is_text(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)


#: Column -> (dtype test, what it must be, hint); optional columns only if present.
_DTYPES: dict[str, tuple[Any, str, str]] = {
    "application_id": (_is_text, "of dtype 'string'", ""),
    "event": (
        lambda d: isinstance(d, pd.CategoricalDtype),
        f"categorical with categories {list(EVENTS)}",
        "",
    ),
    "timestamp": (
        lambda d: isinstance(d, pd.DatetimeTZDtype),
        "a timezone-aware datetime (datetime64[ns, UTC])",
        "localize naive times with .dt.tz_localize('UTC') or use schema.as_canonical_events",
    ),
    "candidate_id": (_is_text, "of dtype 'string'", ""),
    "line": (pd.api.types.is_integer_dtype, "of an integer dtype", ""),
}


def raise_if_missing(frame: pd.DataFrame, col: str, bad: np.ndarray) -> None:
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    line = int(frame["line"].iloc[first]) if "line" in frame.columns else None
    where = f"line {line}" if line is not None else f"row {first}"
    raise HiringFunnelError(
        f"{int(bad.sum())} missing value(s), first at {where}",
        line=line,
        column=col,
        hint="drop or repair these rows (hiring_funnel.read_events quarantines them)",
    )


def require_columns(
    frame: Any, what: str, required: tuple[str, ...], hint: str, *, also: str = ""
) -> None:
    """Raise unless ``frame`` is a DataFrame holding every column in ``required``.

    The one check at the entry of every public function that takes a
    canonical frame (CONVENTIONS.md, item 2).
    """
    if not isinstance(frame, pd.DataFrame):
        kinds = f"a pandas DataFrame {also}".strip()
        raise HiringFunnelError(f"{what} must be {kinds}, not {type(frame).__name__}", hint=hint)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise HiringFunnelError(
            f"{what} are missing the required column(s) {names}; found {list(frame.columns)}",
            hint=hint,
        )


def on_engine(obj: object) -> bool:
    """Whether ``obj`` lives on an engine: an Ibis table, an engine log or engine episodes.

    Read off the type's module, so that the pandas path never imports Ibis.
    """
    module = type(obj).__module__
    return module.startswith(("ibis.", "hiring_funnel.engine."))
