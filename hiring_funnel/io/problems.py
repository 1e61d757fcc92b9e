"""The problems that reading a log reports, in words, and the quarantine table.

A problem names its line, column and reason, and :func:`hint_for` adds what
would fix it. Problems that many rows share are one line that counts them and
names the first (issue 10: output linear in the input). :func:`quarantine_frame`
turns the bad lines into the quarantine table. :mod:`hiring_funnel.io.validate`
and the engine's reader (:mod:`hiring_funnel.engine.ingest_native`) both say
things the same way through this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.readers import RawTable, short_repr
from hiring_funnel.schema import QUARANTINE_COLUMNS, Problem

_HINTS = {
    "missing application id": "fill in the id or delete the row",
    "missing timestamp": "fill in the date or delete the row",
    "exact duplicate": "the copy was dropped; nothing to do",
    "conflicting": "keep one of the rows",
    "before its application": "check both dates; one is probably mistyped",
    "after the as-of": "check the date, or export the log again",
    "unknown event": "map the value in the mapping's [event_values]",
    "[stages] table": "name the stage under its event (or under ignore) in [stages], or set "
    "other in the [[history]] entry",
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
    "number of days is too large": "fix the number of days",
    "fields but the header": "a delimiter missing or too many, or one inside a cell that "
    "is not quoted; quote such cells",
    "not valid JSON": "fix the line: a missing comma, quote or brace",
    "one JSON object": "write one {...} object per line",
    "nested deeper": "flatten the line; a log needs one value per key",
    "a list or map": "write one value in the cell; lists and maps are kept only in unused columns",
    "yields no event": "nothing to do if the row is meant to be skipped",
}
#: Warnings about more columns than this are one line naming the first few.
COLUMNS_NAMED = 3


def hint_for(reason: str) -> str:
    """What would fix a problem, from the words of its reason (or '')."""
    return next((h for key, h in _HINTS.items() if key in reason), "")


#: Problems by line: the column, the reason and the kind of each.
Bad = dict[int, list[tuple[str | None, str, str]]]


def skipped_problem(count: int, first_line: int) -> Problem:
    """The one problem that says how many rows the mapping's ``when`` left out."""
    return Problem(
        first_line,
        None,
        f"{count:,} row(s) skipped: the mapping's [[events]] 'when' conditions leave them "
        f"out (the first: line {first_line})",
        "skipped on purpose, so not quarantined; change the 'when' conditions to keep them",
        kind="skipped",
    )


def identical_rows_problem(lines: Any, dup_pos: Any, first_pos: Any) -> Problem | None:
    """The one problem that says how many rows repeat an earlier row and were kept."""
    hit = np.flatnonzero(dup_pos)
    if not len(hit):
        return None
    line, of = int(lines[hit[0]]), int(lines[first_pos[hit[0]]])
    return Problem(
        line,
        None,
        f"{len(hit):,} row(s) repeat an earlier row exactly (the first: line {line} repeats "
        f"line {of}); with no application id column each row is its own application, so "
        "they are kept",
        "if they are copies of one application, set dedupe = true in the mapping",
        kind="identical_rows",
    )


def column_names(names: list[str], shown: int = COLUMNS_NAMED) -> str:
    """``'a', 'b', 'c' and 4 more``: the first few of many column names, for one line."""
    listed = ", ".join(short_repr(n, 40) for n in names[:shown])
    return listed + (f" and {len(names) - shown:,} more" if len(names) > shown else "")


def ids_cleaned_problem(count: int, line: int, column: str, source: str | None = None) -> Problem:
    """The one problem that says how many id cells were cleaned, and where the first one is."""
    return Problem(
        line,
        column,
        f"{count:,} id cell(s) held invisible characters (zero-width, byte-order mark or "
        "bidirectional controls) or a non-NFC form; they were cleaned, so that equal ids "
        "match",
        "nothing to do; to silence this, export the ids without them",
        source=source,
        kind="cleaned_ids",
    )


def unmatched_attributes_problem(count: int, source: str | None = None) -> Problem:
    """The one problem that counts attribute rows naming no application with events."""
    return Problem(
        None,
        "application_id",
        f"{count} attribute row(s) name applications that have no events; they are not used",
        source=source,
        kind="unmatched_attributes",
    )


def quarantine_frame(raw: RawTable, bad: Bad) -> pd.DataFrame:
    """One row per bad line of ``raw``: file, line, column, reason, kind, then the line's cells.

    A line with several problems gets every reason, joined by "; "; the first
    problem gives the column and the kind. Cells keep their Python objects
    (no type inference, which fails on an integer too large for a float).
    """
    lines = sorted(bad)
    meta = pd.DataFrame(
        {
            "file": raw.source,
            "line": np.asarray(lines, dtype=np.int64),
            "column": [next((c for c, _, _ in bad[k] if c), None) for k in lines],
            "reason": ["; ".join(dict.fromkeys(r for _, r, _ in bad[k])) for k in lines],
            "kind": [bad[k][0][2] for k in lines],
        },
        columns=list(QUARANTINE_COLUMNS),
    )
    if not lines:
        return meta
    # The row's own cells follow, taken as one block (not row by row: a
    # tracker may have thousands of columns); a ragged or non-JSON line has
    # only the cells it could be split into.
    pos = pd.Series(np.arange(len(raw.line)), index=raw.line)
    in_frame = [k for k in lines if k in pos.index]
    rejected = {line: cells for line, _, cells in raw.rejected}
    blocks = []
    if in_frame:
        block = raw.frame.iloc[pos.loc[in_frame].to_numpy()].copy()
        block.index = pd.Index(in_frame)
        blocks.append(block)
    others = [k for k in lines if k not in pos.index]
    if others:
        blocks.append(pd.DataFrame([rejected.get(k, {}) for k in others], index=others))
    cells = pd.concat(blocks) if len(blocks) > 1 else blocks[0]
    cells = cells.reindex(lines)
    cells.columns = [
        c if c not in QUARANTINE_COLUMNS else f"{c} (original)" for c in map(str, cells.columns)
    ]
    return pd.concat([meta, cells.reset_index(drop=True)], axis=1)
