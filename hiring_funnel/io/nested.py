"""Lists and maps inside cells: how deep a JSON line may nest, and how such a cell is read.

A table cell holds one value. JSON Lines and Parquet can hold a list or a map
where one value is expected (``"tags": ["a", "b"]``, a Parquet list or struct
column). Such a cell is read as its compact JSON text (``["a","b"]``), so that
every later step sees text it can compare, count and print; the reader records
where it found one, and a row whose *used* column (an id, the event, a date)
holds one is quarantined with kind ``nested_value``
(:func:`hiring_funnel.io.mapped.apply_mapping`). A column no one uses keeps its
rows: an export's ``tags`` column does not cost any event.

Depth is bounded (:attr:`hiring_funnel.io.limits.Limits.max_json_depth`) before a
line is parsed: Python's parser recurses once per level, and a line nested
100,000 deep raised RecursionError and lost the whole file.

Examples
--------
>>> json_depth('{"a": [1, {"b": "[[["}]}')
3
>>> as_json_text({"x": [1, 2]})
'{"x":[1,2]}'
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import numpy as np
import pandas as pd

# A JSON string (with its escapes) or one bracket: strings are skipped whole,
# so brackets inside them are not counted as nesting.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
NESTED_TYPES = (list, dict, tuple, set, frozenset, np.ndarray)


def json_depth(text: str) -> int:
    """The deepest nesting of lists and objects in a JSON text (0 for a scalar).

    Counts brackets outside strings, without parsing; on invalid JSON it gives
    a depth that the parser, which fails anyway, does not need.
    """
    depth = deepest = 0
    for token in _TOKENS.findall(text):
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def may_exceed(text: str, limit: int) -> bool:
    """False when ``text`` cannot nest deeper than ``limit`` (too few brackets): the cheap test."""
    return text.count("[") + text.count("{") > limit


def value_depth(value: Any) -> int:
    """Nesting depth of a parsed value, counted without recursion (a scalar is 0)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
            deepest = max(deepest, depth + 1)
        elif isinstance(item, NESTED_TYPES):
            stack.extend((v, depth + 1) for v in item)
            deepest = max(deepest, depth + 1)
    return deepest


def _plain(value: Any) -> Any:
    """A value json.dumps can write: numpy and pandas containers and scalars as Python ones."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(map(str, value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date | dt.time | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def as_json_text(value: Any) -> str:
    """The compact JSON text of a list or map cell (non-JSON values written as text)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_plain)


def nested_to_text(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Replace list and map cells by their JSON text; return the frame and where they were.

    The second value maps a column name to the 0-based positions of the rows
    whose cell held a list or map; columns without any are left out. Only
    object columns are scanned (a numeric column cannot hold a list).
    """
    found: dict[str, np.ndarray] = {}
    replaced: dict[str, pd.Series] = {}
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object:
            continue
        arr = values.to_numpy()
        hit = np.fromiter((isinstance(v, NESTED_TYPES) for v in arr), dtype=bool, count=len(arr))
        if not hit.any():
            continue
        fixed = arr.copy()
        pos = np.flatnonzero(hit)
        fixed[pos] = [as_json_text(v) for v in arr[pos]]
        replaced[str(col)] = pd.Series(fixed, index=frame.index, dtype=object)
        found[str(col)] = pos
    if not replaced:
        return frame, found
    out = frame.copy()
    for col, series in replaced.items():
        out[col] = series
    return out, found
