"""Dotted paths into nested JSON: ``"rejection_reason.name"``, ``"jobs.0.name"``.

An ATS export in JSON nests what a spreadsheet would spread over columns:
Greenhouse writes ``"rejection_reason": {"name": ..., "type": {"name": ...}}``,
Lever ``"archived": {"reason": ..., "archivedAt": ...}``. The readers keep such
a cell as its compact JSON text (:mod:`hiring_funnel.io.nested`); a mapping
that names ``"rejection_reason.type.name"`` where the file has no column of
that name reads the column ``rejection_reason`` and walks the path into it. A
part that is a whole number indexes a list (``jobs.0.name`` is the first job's
name).

The longest leading part that is a column of the file is the column: a CSV
whose header holds ``"Date sent.1"`` keeps reading that column. A path that
leads nowhere (a missing key, ``null`` on the way, an index past the end) is a
missing value, as an empty cell is; a path that ends on a list or map is read
as its JSON text and marked nested, so a mapping that uses it quarantines the
row (kind ``nested_value``) as it does for any list where one value is
expected.

Examples
--------
>>> get_path({"type": {"name": "We rejected them"}}, "type.name")
'We rejected them'
>>> get_path({"jobs": [{"name": "Analyst"}]}, "jobs.0.name")
'Analyst'
>>> get_path({"jobs": []}, "jobs.0.name") is None
True
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.nested import as_json_text
from hiring_funnel.io.readers import RawTable

__all__ = ["get_path", "resolve_paths", "split_path"]


def get_path(value: Any, path: str) -> Any:
    """The value at ``path`` (parts separated by dots) inside a parsed JSON value, or None."""
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit():
            k = int(part)
            value = value[k] if k < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def split_path(name: str, columns: Any) -> tuple[str, str] | None:
    """``(column, rest)`` for a dotted name that is not itself a column, or None."""
    if name in columns or "." not in name:
        return None
    parts = name.split(".")
    for k in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:k])
        if head in columns:
            return head, ".".join(parts[k:])
    return None


def resolve_paths(raw: RawTable, names: list[str]) -> RawTable:
    """``raw`` with a column for each dotted name in ``names`` that leads into a column.

    Names that are columns already, or whose leading part is no column, are
    left alone (the mapping's check of its columns reports the latter).
    """
    frame = raw.frame
    added: dict[str, pd.Series] = {}
    nested = dict(raw.nested)
    for name in dict.fromkeys(names):
        split = split_path(name, frame.columns)
        if split is None:
            continue
        head, rest = split
        values = np.full(len(frame), None, dtype=object)
        hit = np.zeros(len(frame), dtype=bool)
        # Only cells found nested hold JSON text to walk into: a JSON file's,
        # and a CSV's that with_paths read as JSON first (io.jsoncells); a
        # string of a JSON file is a value, not a document.
        for pos in nested.get(head, np.zeros(0, dtype=np.int64)):
            try:
                found = get_path(json.loads(frame.iat[int(pos), frame.columns.get_loc(head)]), rest)
            except (TypeError, ValueError):
                continue
            if isinstance(found, list | dict):
                found, hit[pos] = as_json_text(found), True
            values[pos] = found
        added[name] = pd.Series(values, index=frame.index, dtype=object)
        if hit.any():
            nested[name] = np.flatnonzero(hit)
    if not added:
        return raw
    out = pd.concat([frame, pd.DataFrame(added, index=frame.index)], axis=1)
    return dataclasses.replace(raw, frame=out, nested=nested)
