"""Files joined to the records of a folder: ``[[join]]`` entries of a mapping.

An API may list what belongs to a record at an endpoint of its own: Greenhouse
Harvest serves scheduled interviews at ``GET /v1/scheduled_interviews`` and
offers at ``GET /v1/offers``, each with the ``application_id`` of its
application. Saved in one folder with the records, each such item is attached
to its record, as the list a ``[[history]]`` entry reads, before the mapping
applies::

    [[join]]
    file = "scheduled_interviews"   # scheduled_interviews.json, .jsonl, .ndjson, or a folder of pages
    key = "application_id"          # the item's key naming its record (a dotted path in the item)
    as = "scheduled_interviews"     # the record's list it joins (default: the file's name)
    on = "id"                       # the record's column the key names (default: [columns] application_id)

A join applies when the log is a folder holding its file (or folder of
pages); without it the folder is read as before, so the entries cost nothing
to a log that nests the lists already. The records are then the folder's
other ``.json``, ``.jsonl`` and ``.ndjson`` files (pages, in natural order),
or, when it has none, its one other subfolder of such files
(``applications/page-1.json``, ...).

Items are added at the end of the record's list (items the record already
holds come first), in the order of their file. Keys are compared as text,
without invisible characters (``4100002`` names the record ``"4100002"``). An
item whose key names no record, or that has none, is not used: one problem
(kind ``unmatched_items``) per joined file counts them and names the file and
line of the first. A record of a joined file that is not a JSON object is a
problem with its file and line (kind ``bad_json``). ``meta["joins"]`` counts
the items of each file, joined and not.

Examples
--------
>>> (j,) = parse_joins([{"file": "offers", "key": "application_id"}], "m")
>>> j.file, j.key, j.into, j.on
('offers', 'application_id', 'offers', None)
>>> item_key(4100002), item_key(" 41\\u200b ")
('4100002', '41')
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.jsonfiles import json_files, read_page, read_pages
from hiring_funnel.io.limits import Limits
from hiring_funnel.io.nested import as_json_text
from hiring_funnel.io.paths import get_path
from hiring_funnel.io.readers import RawTable, read_raw, short_repr
from hiring_funnel.schema import HiringFunnelError, Problem
from hiring_funnel.text import clean_id

__all__ = ["Join", "Joined", "item_key", "parse_joins", "read_joined"]

_KEYS = {"file", "key", "as", "on"}
_SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class Join:
    """One ``[[join]]`` entry: which file's items go into which list of the records."""

    file: str
    key: str
    into: str
    on: str | None = None


@dataclass
class Joined:
    """What the joins did: their problems (with file and line), and counts per joined file."""

    problems: list[Problem]
    meta: dict[str, dict[str, Any]]


def parse_joins(entries: Any, name: str) -> tuple[Join, ...]:
    """The ``[[join]]`` entries, checked."""
    if not isinstance(entries, list):
        raise HiringFunnelError("join must be a list of [[join]] tables", source=name)
    out = []
    for i, entry in enumerate(entries, start=1):

        def fail(msg: str, hint: str | None = None, i: int = i) -> HiringFunnelError:
            return HiringFunnelError(f"[[join]] entry {i}: {msg}", source=name, hint=hint)

        if not isinstance(entry, dict):
            raise fail(f"must be a table, not {short_repr(entry)}")
        unknown = set(entry) - _KEYS
        if unknown:
            raise fail(
                f"unknown key {short_repr(sorted(unknown)[0])}", f"use {', '.join(sorted(_KEYS))}"
            )
        for key in ("file", "key"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise fail(f"{key} must be given as a string")
        for key in ("as", "on"):
            if key in entry and not isinstance(entry[key], str):
                raise fail(f"{key} must be a column name")
        file = entry["file"]
        if "/" in file or "\\" in file or file in (".", ".."):
            raise fail(
                f"file must be a name in the log's folder, not {short_repr(file)}",
                'write file = "scheduled_interviews" for scheduled_interviews.json',
            )
        out.append(Join(file, entry["key"], str(entry.get("as", file)), entry.get("on")))
    return tuple(out)


def item_key(value: Any) -> str | None:
    """How a key is compared: as clean text (a whole float as its integer); None if missing."""
    if value is None or isinstance(value, bool | list | dict):
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    text = clean_id(str(value))
    return text or None


def _join_source(folder: Path, file: str) -> Path | None:
    """The file or folder of pages in ``folder`` that holds the items of ``file``."""
    found = [folder / (file + s) for s in _SUFFIXES if (folder / (file + s)).is_file()]
    sub = folder / file
    if sub.is_dir() and json_files(sub):
        found.append(sub)
    if len(found) > 1:
        raise HiringFunnelError(
            f"the folder holds the items of [[join]] {file!r} twice: "
            + ", ".join(p.name for p in found),
            source=str(folder),
            hint="keep one of them",
        )
    return found[0] if found else None


def read_joined(
    source: Any, joins: tuple[Join, ...], id_column: Any, lim: Limits, **read: Any
) -> tuple[RawTable, Joined | None]:
    """Read ``source`` with the items of ``joins`` attached to its records (see the module
    docstring); a source the joins do not apply to is read by
    :func:`hiring_funnel.io.readers.read_raw` with ``read``, and the second value is None."""
    folder = Path(source) if isinstance(source, str | Path) else None
    if not joins or folder is None or not folder.is_dir():
        return read_raw(source, limits=lim, **read), None
    found = {j: p for j in joins if (p := _join_source(folder, j.file)) is not None}
    if not found:
        return read_raw(source, limits=lim, **read), None
    raw = _records(folder, set(found.values()), lim)
    joined = Joined([], {})
    for j, path in found.items():
        raw = _attach(raw, j, path, id_column, lim, joined)
    return raw, joined


def _records(folder: Path, taken: set[Path], lim: Limits) -> RawTable:
    """The records of a folder that also holds joined files."""
    files = [p for p in json_files(folder) if p not in taken]
    if len(files) == 1:
        return read_page(files[0], lim)
    if files:
        return read_pages(files, str(folder), lim)
    subs = [p for p in sorted(folder.iterdir()) if p.is_dir() and p not in taken and json_files(p)]
    if len(subs) == 1:
        return read_pages(json_files(subs[0]), str(subs[0]), lim)
    what = (
        "no file of records" if not subs else "several folders: " + ", ".join(p.name for p in subs)
    )
    raise HiringFunnelError(
        f"besides the files it joins, the folder holds {what}",
        source=str(folder),
        hint="put the records in one file (applications.json) or one folder of pages",
    )


def _items(path: Path, lim: Limits, joined: Joined) -> list[tuple[str, int, dict[str, Any]]]:
    """(file, line, item) of every item in a joined file or folder of pages."""
    out = []
    for file in json_files(path) if path.is_dir() else [path]:
        table = read_page(file, lim)
        for line, reason, _ in table.rejected:
            joined.problems.append(
                Problem(line, None, f"not read: {reason}", source=str(file), kind="bad_json")
            )
        nested = {c: set(p.tolist()) for c, p in table.nested.items()}
        cols = [str(c) for c in table.frame.columns]
        for pos, (line, row) in enumerate(
            zip(table.line, table.frame.itertuples(index=False, name=None), strict=True)
        ):
            item = {
                c: json.loads(v) if pos in nested.get(c, ()) else v
                for c, v in zip(cols, row, strict=True)
                if v is not None and not (isinstance(v, float) and v != v)  # a key it lacks
            }
            out.append((str(file), int(line), item))
    return out


def _attach(
    raw: RawTable, j: Join, path: Path, id_column: Any, lim: Limits, joined: Joined
) -> RawTable:
    on = j.on if j.on is not None else id_column
    if len(raw.frame) == 0 and isinstance(on, str):  # every record unreadable: none to join
        raw = dataclasses.replace(raw, frame=pd.DataFrame({on: []}, dtype=object))
    if not isinstance(on, str) or on not in raw.frame.columns:
        raise HiringFunnelError(
            f"[[join]] {j.file!r}: the records have no column {short_repr(on)} to join on",
            source=raw.source,
            hint='name the records\' key: on = "id"',
        )
    frame = raw.frame.reset_index(drop=True)
    rows: dict[str, list[int]] = {}
    for pos, value in enumerate(frame[on].to_numpy(dtype=object)):
        key = item_key(value)
        if key is not None:
            rows.setdefault(key, []).append(pos)
    lists: dict[int, list[Any]] = {}
    unmatched: list[tuple[str, int, Any]] = []
    items = _items(path, lim, joined)
    for file, line, item in items:
        key = item_key(get_path(item, j.key))
        if key not in rows:
            unmatched.append((file, line, get_path(item, j.key)))
            continue
        for pos in rows[key]:
            lists.setdefault(pos, []).append(item)
    cells = (
        frame[j.into].to_numpy(dtype=object).copy()
        if j.into in frame.columns
        else np.full(len(frame), None, dtype=object)
    )
    was = set(raw.nested.get(j.into, np.zeros(0, dtype=np.int64)).tolist())
    hit = []
    for pos, extra in lists.items():
        cell = cells[pos]
        if pos in was:
            before = json.loads(cell)
        elif cell is None or (isinstance(cell, float) and cell != cell):
            before = []
        else:  # a record whose list is not a list: [[history]] says so for its row
            continue
        if isinstance(before, list):
            cells[pos] = as_json_text(before + extra)
            hit.append(pos)
    nested = dict(raw.nested)
    nested[j.into] = np.union1d(
        np.asarray(sorted(was), dtype=np.int64), np.asarray(hit, dtype=np.int64)
    )
    out = frame.copy()
    out[j.into] = pd.Series(cells, dtype=object)
    if unmatched:
        file, line, key = unmatched[0]
        first = f"names {short_repr(key)}" if key is not None else f"has no {j.key!r}"
        joined.problems.append(
            Problem(
                line,
                j.key,
                f"{len(unmatched):,} item(s) of [[join]] {j.file!r} name no record by "
                f"{j.key!r} (the first {first}); they are not used",
                "check that the file belongs to this export",
                source=file,
                kind="unmatched_items",
            )
        )
    joined.meta[j.file] = {
        "source": str(path),
        "items": len(items),
        "joined": len(items) - len(unmatched),
        "unmatched": len(unmatched),
    }
    return dataclasses.replace(raw, frame=out, nested=nested)
