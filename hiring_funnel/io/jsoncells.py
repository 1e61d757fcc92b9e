"""JSON text in a cell: a CSV column holding a list or an object, read as one.

A spreadsheet cannot nest. An export flattened for one (pandas
``json_normalize``) spreads nested objects over dotted columns
(``rejection_reason.type.name``) and writes what stays a list (``jobs``,
``scheduled_interviews``) as its JSON text in one cell. Where a mapping walks
into a column (a dotted path whose leading part is the column, or the list of
a ``[[history]]`` entry), a text cell of a CSV, an Excel sheet, a Parquet file
or a DataFrame is read as JSON:

- a list or an object becomes a nested cell, as it is in a JSON file
  (:mod:`hiring_funnel.io.nested`): dotted paths and ``[[history]]`` read into it;
- an empty cell, or ``null``, is a missing value (a list with no items);
- a number or a quoted string stays the cell it was;
- text that is not JSON, or nests deeper than ``max_json_depth``
  (:mod:`hiring_funnel.io.limits`), is kept as :class:`NotJson`, and
  :func:`bad_json_rows` quarantines its row (kind ``bad_json``) with the
  column and the reason.

The cells of JSON and JSON Lines files are left alone: a string there is a
string, not a document.

Examples
--------
>>> from hiring_funnel.io.readers import read_raw
>>> import pandas as pd
>>> raw = read_raw(pd.DataFrame({"id": [1, 2], "jobs": ['[{"name": "Analyst"}]', "oops"]}))
>>> raw = decode_json_cells(raw, ["jobs"], Limits())
>>> raw.frame["jobs"].tolist(), raw.nested["jobs"].tolist()
(['[{"name":"Analyst"}]', 'oops'], [0])
>>> why, col = bad_json_rows(raw.frame, ["jobs"])
>>> why[1], col[1]
("'jobs' holds text that is not JSON (Expecting value at character 1)", 'jobs')
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from hiring_funnel.io.limits import Limits
from hiring_funnel.io.nested import as_json_text, json_depth, may_exceed
from hiring_funnel.io.readers import RawTable, short_repr

__all__ = ["NotJson", "bad_json_rows", "decode_json_cells", "walked_columns"]

#: Kinds of table whose cells are JSON values already (a string there is text).
JSON_KINDS = ("json", "jsonl")


class NotJson(str):
    """A cell a mapping reads as JSON that is not: its text, with ``reason`` saying why.

    Examples
    --------
    >>> cell = NotJson("[1,", "'jobs' holds text that is not JSON")
    >>> cell == "[1,", cell.reason
    (True, "'jobs' holds text that is not JSON")
    """

    reason: str

    def __new__(cls, text: str, reason: str) -> NotJson:
        cell = super().__new__(cls, text)
        cell.reason = reason
        return cell


def walked_columns(names: Iterable[str], columns: Any) -> list[str]:
    """The columns of ``columns`` that dotted ``names`` lead into: for each name,
    the longest leading part (short of the whole name) that is a column.

    Examples
    --------
    >>> walked_columns(["jobs.0.name", "status", "a.b.c"], ["jobs", "status", "a", "a.b.c"])
    ['jobs', 'a']
    """
    out: dict[str, None] = {}
    for name in names:
        parts = name.split(".")
        for k in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:k])
            if head in columns:
                out[head] = None
                break
    return list(out)


def decode_json_cells(raw: RawTable, columns: Iterable[str], lim: Limits) -> RawTable:
    """``raw`` with the text cells of ``columns`` read as JSON (see the module docstring).

    Cells already nested, and every cell of a JSON file, are left as they are,
    so a second call changes nothing.
    """
    if raw.kind in JSON_KINDS:
        return raw
    frame = raw.frame
    nested = dict(raw.nested)
    replaced: dict[str, np.ndarray] = {}
    for col in dict.fromkeys(columns):
        if col not in frame.columns:
            continue
        cells = frame[col].to_numpy(dtype=object)
        done = np.zeros(len(cells), dtype=bool)
        done[nested.get(col, np.zeros(0, dtype=np.int64))] = True
        new = cells.copy()
        hit: list[int] = []
        for p, cell in enumerate(cells):
            if done[p] or not isinstance(cell, str) or isinstance(cell, NotJson):
                continue
            value, ok = _parse(cell, col, lim)
            if not ok:
                new[p] = value
            elif isinstance(value, list | dict):
                new[p] = as_json_text(value)
                hit.append(p)
            elif value is None:
                new[p] = None
        if hit or not _same(new, cells):
            replaced[col] = new
        if hit:
            old = nested.get(col, np.zeros(0, dtype=np.int64))
            nested[col] = np.union1d(old, np.asarray(hit, dtype=np.int64))
    if not replaced:
        return raw
    out = frame.copy()
    for col, values in replaced.items():
        out[col] = values
    return dataclasses.replace(raw, frame=out, nested=nested)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return all(x is y for x, y in zip(a, b, strict=True))


def _parse(cell: str, col: str, lim: Limits) -> tuple[Any, bool]:
    """The JSON value of a cell and True; or a :class:`NotJson` and False."""
    text = cell.strip()
    if not text:
        return None, True
    if may_exceed(text, lim.max_json_depth) and json_depth(text) > lim.max_json_depth:
        return NotJson(cell, _too_deep(col, lim)), False
    try:
        return json.loads(text), True
    except json.JSONDecodeError as exc:
        why = f"{col!r} holds text that is not JSON ({exc.msg} at character {exc.colno})"
    except RecursionError:
        why = _too_deep(col, lim)
    except ValueError as exc:  # an integer of more than 4,300 digits
        why = f"{col!r} holds text that is not JSON ({short_repr(str(exc).split(';')[0])})"
    return NotJson(cell, why), False


def _too_deep(col: str, lim: Limits) -> str:
    return (
        f"{col!r} holds JSON nested deeper than the limit of {lim.max_json_depth} levels "
        f"({lim.hint('max_json_depth')})"
    )


def bad_json_rows(frame: Any, columns: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``frame``: why a cell of ``columns`` is not JSON (None where all are), and
    the column."""
    n = len(frame)
    why = np.full(n, None, dtype=object)
    col = np.full(n, None, dtype=object)
    for name in dict.fromkeys(columns):
        if name not in frame.columns:
            continue
        cells = frame[name].to_numpy(dtype=object)
        bad = np.fromiter((isinstance(c, NotJson) for c in cells), dtype=bool, count=n)
        bad &= why == None  # noqa: E711 (elementwise: the first column found wins)
        for p in np.flatnonzero(bad):
            why[p], col[p] = cells[p].reason, name
    return why, col
