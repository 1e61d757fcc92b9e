"""Validation that never loses a row silently.

Every problem is found in one pass. A row that cannot be used goes to the
quarantine table with its source line, the column and the reason; the counts
always satisfy ``rows_read == rows_loaded + rows_quarantined``. In a wide
tracker one row yields several events, and a row with one bad event is
quarantined whole: half an application would look like a different story
(an application whose rejection date is unreadable would look still open).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.cells import is_missing, looks_like_formula, parse_numbers
from hiring_funnel.io import RawTable
from hiring_funnel.mapping import Mapped
from hiring_funnel.schema import (
    EVENT_DTYPE,
    ONCE_ONLY,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    EventLog,
    Problem,
)

_HINTS = {
    "missing application id": "fill in the id or delete the row",
    "missing timestamp": "fill in the date or delete the row",
    "exact duplicate": "the copy was dropped; nothing to do",
    "conflicting": "keep one of the rows",
    "before its application": "check both dates; one is probably mistyped",
    "after the as-of": "check the date, or export the log again",
    "unknown event": "map the value in the mapping's [event_values]",
    "after today": "check the date",
    "missing event name": "fill in the event or delete the row",
    "cannot read": "fix the date",
    "no such date": "fix the day or the month",
    "is out of range": "fix the year",
    "daylight-saving": "write the time with its UTC offset, e.g. 2024-03-31T02:30+01:00",
    "range of Excel dates": "fix the date cell",
    "where a date is expected": 'fix the cell, or set date_format = "excel" for serial numbers',
    "negative number of days": "a day count cannot be negative; fix the number",
    "not a number of days": "write the days as a number, e.g. 16",
    "fields but the header": "a delimiter missing or too many, or one inside a cell that "
    "is not quoted; quote such cells",
    "not valid JSON": "fix the line: a missing comma, quote or brace",
    "one JSON object": "write one {...} object per line",
    "yields no event": "nothing to do if the row is meant to be skipped",
}


def _hint(reason: str) -> str:
    return next((h for key, h in _HINTS.items() if key in reason), "")


def validate(
    raw: RawTable,
    mapped: Mapped,
    *,
    layout: str = "long",
    as_of: pd.Timestamp | None = None,
    now: pd.Timestamp | None = None,
) -> EventLog:
    """Check mapped events, quarantine unusable rows, and build the :class:`EventLog`.

    ``as_of`` (the export date) is the latest moment an event may carry;
    without one, events dated after ``now`` (today) are quarantined as dated
    in the future.
    """
    events = mapped.events.copy()
    bad: dict[int, list[tuple[str | None, str]]] = {}

    def quarantine(lines: Any, column: Any, reasons: Any) -> None:
        lines = np.asarray(lines, dtype=np.int64)
        cols = (
            column if isinstance(column, list | np.ndarray | pd.Series) else [column] * len(lines)
        )
        rs = (
            reasons
            if isinstance(reasons, list | np.ndarray | pd.Series)
            else [reasons] * len(lines)
        )
        for line, col, reason in zip(lines, cols, rs, strict=True):
            bad.setdefault(int(line), []).append((None if col is None else str(col), str(reason)))

    # Exact copies of an earlier row: counted, dropped, and reported.
    dup_mask, first_line = _exact_duplicates(raw)
    quarantine(
        raw.line[dup_mask], None, [f"exact duplicate of line {k}" for k in first_line[dup_mask]]
    )
    exact = int(dup_mask.sum())
    events = events[~events["line"].isin(raw.line[dup_mask])]

    # Cells that could not be read.
    has_reason = events["reason"].notna()
    quarantine(
        events.loc[has_reason, "line"],
        events.loc[has_reason, "reason_column"].tolist(),
        events.loc[has_reason, "reason"].tolist(),
    )
    events = _drop_lines(events, bad)

    limit = as_of if as_of is not None else (now or pd.Timestamp.now(tz="UTC"))
    late = events["timestamp"] > limit
    what = "the as-of date" if as_of is not None else "today"
    quarantine(
        events.loc[late, "line"],
        events.loc[late, "source_column_timestamp"].tolist(),
        [
            f"dated {t:%Y-%m-%d %H:%M} UTC, after {what} ({limit:%Y-%m-%d %H:%M} UTC)"
            for t in events.loc[late, "timestamp"]
        ],
    )
    events = _drop_lines(events, bad)

    _conflicts(events, layout, quarantine)
    events = _drop_lines(events, bad)
    _before_application(events, quarantine)
    events = _drop_lines(events, bad)

    # A wide mapping's `when` may give a row no event at all (say, a draft the
    # tracker keeps). Such a row is neither loaded nor bad, but it must still
    # be accounted for, so it is quarantined with the reason.
    silent = np.setdiff1d(raw.line, mapped.events["line"].to_numpy())
    quarantine(
        silent,
        None,
        "the mapping yields no event for this row (its [[events]] 'when' conditions exclude it)",
    )

    for line, reason, _ in raw.rejected:
        bad.setdefault(line, []).append((None, reason))

    problems = [
        Problem(line, col, reason, _hint(reason))
        for line in sorted(bad)
        for col, reason in bad[line][:1]
    ]
    problems += _warnings(raw, events)
    quarantine_frame = _quarantine_frame(raw, bad)
    loaded_lines = events["line"].nunique()
    if loaded_lines + len(quarantine_frame) != raw.rows_read:
        raise AssertionError(  # a bug, not a user error: rows must add up
            f"rows do not add up: {raw.rows_read} read, {loaded_lines} loaded, "
            f"{len(quarantine_frame)} quarantined"
        )
    canonical = _canonical(events)
    attributes = _attributes(
        mapped.attributes, set(canonical["application_id"]), set(canonical["line"]), problems
    )
    return EventLog(
        events=canonical,
        attributes=attributes,
        quarantine=quarantine_frame,
        rows_read=raw.rows_read,
        rows_loaded=int(loaded_lines),
        rows_quarantined=len(quarantine_frame),
        exact_duplicates=exact,
        problems=tuple(sorted(problems, key=lambda p: (p.line or 0, p.reason))),
        source=raw.source,
        as_of=as_of,
        meta={"blank_lines": raw.blank_lines, "kind": raw.kind},
    )


def _drop_lines(events: pd.DataFrame, bad: dict[int, Any]) -> pd.DataFrame:
    return events[~events["line"].isin(list(bad))]


def _exact_duplicates(raw: RawTable) -> tuple[np.ndarray, np.ndarray]:
    frame = raw.frame.reset_index(drop=True)
    if frame.empty:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    keys = frame.map(
        lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else repr(v)
    )
    group = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    first_pos = pd.Series(np.arange(len(frame))).groupby(group).transform("min").to_numpy()
    dup = first_pos != np.arange(len(frame))
    return dup, raw.line[first_pos]


def _conflicts(events: pd.DataFrame, layout: str, quarantine: Any) -> None:
    if layout == "wide":
        # One row per application: two different rows with one id disagree.
        per_app = events.groupby("application_id")["line"].unique()
        for app, lines in per_app[per_app.map(len) > 1].items():
            for line in lines:
                others = ", ".join(str(k) for k in lines if k != line)
                quarantine(
                    [line],
                    None,
                    f"conflicting duplicates: application id {app!r} also on line {others} "
                    "with other values",
                )
        return
    once = events[events["event"].isin(ONCE_ONLY)]
    counts = once.groupby(["application_id", "event"])["line"].transform("count")
    for (app, event), grp in once[counts > 1].groupby(["application_id", "event"]):
        lines = ", ".join(str(k) for k in grp["line"])
        quarantine(
            grp["line"],
            grp["source_column_timestamp"].tolist(),
            f"conflicting duplicates: {event!r} of application {app!r} recorded more than once "
            f"(lines {lines})",
        )
    outcome = once[once["event"].isin(["offer", "rejection"]) & (counts == 1)]
    both = outcome.groupby("application_id")["event"].transform("nunique") > 1
    for app, grp in outcome[both].groupby("application_id"):
        lines = ", ".join(
            f"{e} on line {k}" for e, k in zip(grp["event"], grp["line"], strict=True)
        )
        quarantine(
            grp["line"],
            grp["event_source_column"].tolist(),
            f"conflicting outcomes: application {app!r} has both an offer and a rejection ({lines})",
        )


def _before_application(events: pd.DataFrame, quarantine: Any) -> None:
    applied = events[events["event"] == "applied"].drop_duplicates("application_id")
    start = events["application_id"].map(applied.set_index("application_id")["timestamp"])
    start_line = events["application_id"].map(applied.set_index("application_id")["line"])
    early = (events["event"] != "applied") & (events["timestamp"] < start)
    quarantine(
        events.loc[early, "line"],
        events.loc[early, "source_column_timestamp"].tolist(),
        [
            f"{e} dated {t:%Y-%m-%d}, before its application ({s:%Y-%m-%d}, line {k})"
            for e, t, s, k in zip(
                events.loc[early, "event"],
                events.loc[early, "timestamp"],
                start[early],
                start_line[early],
                strict=True,
            )
        ],
    )


def _warnings(raw: RawTable, events: pd.DataFrame) -> list[Problem]:
    out = []
    for col in raw.frame.columns:
        mask = looks_like_formula(raw.frame[col]).to_numpy()
        if mask.any():
            first = int(raw.line[np.flatnonzero(mask)[0]])
            out.append(
                Problem(
                    first,
                    str(col),
                    f"{int(mask.sum())} cell(s) look like spreadsheet formulas; kept as plain text",
                    "they are never evaluated, and are guarded in CSV output",
                )
            )
    orphans = set(events["application_id"]) - set(
        events.loc[events["event"] == "applied", "application_id"]
    )
    if orphans:
        first = int(events.loc[events["application_id"].isin(orphans), "line"].min())
        out.append(
            Problem(
                first,
                None,
                f"{len(orphans)} application(s) have events but no 'applied' event; "
                "they give no episode on clocks that start at the application",
            )
        )
    return out


def _quarantine_frame(raw: RawTable, bad: dict[int, list[tuple[str | None, str]]]) -> pd.DataFrame:
    pos = {int(k): i for i, k in enumerate(raw.line)}
    rejected = {line: cells for line, _, cells in raw.rejected}
    rows = []
    for line in sorted(bad):
        items = bad[line]
        cols = [c for c, _ in items if c]
        row: dict[str, Any] = {
            "file": raw.source,
            "line": line,
            "column": cols[0] if cols else None,
            "reason": "; ".join(dict.fromkeys(r for _, r in items)),
        }
        cells = rejected.get(line) or raw.frame.iloc[pos[line]].to_dict()
        for key, value in cells.items():
            row[key if key not in row else f"{key} (original)"] = value
        rows.append(row)
    columns = ["file", "line", "column", "reason"]
    frame = pd.DataFrame(rows, columns=None if rows else columns)
    return frame.reset_index(drop=True)


def _canonical(events: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "application_id": events["application_id"].astype("string"),
            "event": events["event"].astype(EVENT_DTYPE),
            "timestamp": events["timestamp"].astype("datetime64[ns, UTC]"),
        }
    )
    for col in OPTIONAL_COLUMNS:
        out[col] = events[col].astype("string")
    out["line"] = events["line"].astype("int64")
    out = out.sort_values(["timestamp", "application_id", "event", "line"], kind="stable")
    return out[list(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) + ["line"]].reset_index(drop=True)


def _attributes(
    attrs: pd.DataFrame, loaded: set[str], loaded_lines: set[int], problems: list[Problem]
) -> pd.DataFrame:
    """One row per loaded application; numbers with thousands separators become numbers.

    Only loaded rows count: a quarantined row's cells are not used, attributes
    included.
    """
    attrs = attrs.copy()
    attrs["application_id"] = attrs["application_id"].map(
        lambda v: str(v).strip() if v is not None else v
    )
    attrs = attrs[attrs["application_id"].isin(loaded) & attrs["line"].isin(loaded_lines)]
    value_cols = [c for c in attrs.columns if c not in ("application_id", "line")]
    for col in value_cols:
        attrs[col] = attrs[col].where(~is_missing(attrs[col]).to_numpy(), None)
    if value_cols:
        firsts = attrs.groupby("application_id", sort=True)[value_cols].first()
        varies = attrs.groupby("application_id")[value_cols].nunique() > 1
        for col in value_cols:
            if varies[col].any():
                problems.append(
                    Problem(
                        None,
                        str(col),
                        f"{int(varies[col].sum())} application(s) have "
                        f"more than one value of {col!r}; the first one is used",
                    )
                )
    else:
        firsts = pd.DataFrame(index=pd.Index(sorted(loaded), name="application_id"))
    out = firsts.reset_index()
    for col in value_cols:
        numbers = parse_numbers(out[col])
        out[col] = numbers if numbers is not None else out[col].astype("string")
    out["application_id"] = out["application_id"].astype("string")
    return out.reset_index(drop=True)
