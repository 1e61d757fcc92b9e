"""JSON exports: a ``.json`` file of records, or a folder of pages.

What an applicant-tracking system's API returns, saved as it came:

- a top-level array of records (Greenhouse Harvest: ``[{...}, {...}]``);
- one page of a paginated list, an object whose ``data`` (Lever) or
  ``results`` (Ashby) key holds the array; the other keys (``hasNext``,
  ``nextCursor``, ...) are not records;
- a folder of such pages (``page-1.json``, ``page-2.json``, ... in natural
  order, so page 10 comes after page 9), JSON Lines files (``.jsonl``,
  ``.ndjson``) among them too.

Each record becomes a row as a JSON Lines record does
(:mod:`hiring_funnel.io.readers`): lists and maps kept as their JSON text, the
same limits. A record's line is the line where its object starts (its number
in the file when a line holds several records). In a folder,
lines are counted as if the files were one, in the order read, so every record
keeps a line of its own; a file that is not valid JSON is an error naming that
file and its line. A record that is not an object is quarantined with its
line (kind ``bad_json``).

Examples
--------
>>> records, lines = records_with_lines('[\\n {"id": 1},\\n {"id": 2}\\n]', "p.json")
>>> records, lines
([{'id': 1}, {'id': 2}], [2, 3])
>>> records_with_lines('{"data": [{"id": 1}], "hasNext": false}', "p.json")
([{'id': 1}], [1])
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.limits import Limits, require_regular_file
from hiring_funnel.io.nested import as_json_text, json_depth
from hiring_funnel.io.readers import RawTable, read_raw, short_repr
from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "json_files",
    "read_json",
    "read_json_file",
    "read_page",
    "read_pages",
    "records_with_lines",
]

#: The keys under which a page of an API list holds its records.
PAGE_KEYS = ("data", "results")
_SUFFIXES = (".json", ".jsonl", ".ndjson")
_WS = re.compile(r"\s*")
_DECODER = json.JSONDecoder()


def read_json(path: Path, name: str, lim: Limits) -> RawTable:
    """Read a ``.json`` file, or a folder of ``.json``/``.jsonl`` pages, as one table."""
    if not path.is_dir():
        return read_json_file(path, name, lim)
    return read_pages(json_files(path), name, lim)


def json_files(folder: Path) -> list[Path]:
    """The ``.json``, ``.jsonl`` and ``.ndjson`` files of a folder, in natural order."""
    return sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file()),
        key=lambda p: [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", p.name)],
    )


def read_page(path: Path, lim: Limits) -> RawTable:
    """One page of a folder: a ``.json`` file (which may hold no records) or JSON Lines."""
    if path.suffix.lower() == ".json":
        return read_json_file(path, str(path), lim, empty_ok=True)
    return read_raw(path, limits=lim)


def read_pages(files: list[Path], name: str, lim: Limits) -> RawTable:
    """The pages ``files`` (of the folder ``name``) as one table, lines counted on from
    file to file."""
    if not files:
        raise HiringFunnelError(
            "the folder holds no .json, .jsonl or .ndjson files",
            source=name,
            hint="give a file, or a folder of the pages of one export",
        )
    # An empty page (the last one of a listing often is) is no error in a folder.
    tables = [read_page(p, lim) for p in files]
    if not any(len(t.frame) or t.rejected for t in tables):
        raise HiringFunnelError("the folder's files hold no records", source=name)
    # A file's lines (or records, see records_with_lines) end before the next file's start.
    spans = [max(_line_count(p), _last_line(t)) for p, t in zip(files, tables, strict=True)]
    return _concat(tables, np.cumsum([0] + spans[:-1]), name)


def _last_line(table: RawTable) -> int:
    return max([0, *table.line.tolist(), *(line for line, _, _ in table.rejected)])


def _line_count(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _concat(tables: list[RawTable], offsets: np.ndarray, name: str) -> RawTable:
    """One table of the tables of several files, lines shifted by each file's offset."""
    frames: list[pd.DataFrame] = []
    lines: list[np.ndarray] = []
    rejected: list[tuple[int, str, dict[str, Any]]] = []
    kinds: dict[int, str] = {}
    nested: dict[str, list[np.ndarray]] = {}
    rows = 0
    for table, off in zip(tables, offsets, strict=True):
        frames.append(table.frame.reset_index(drop=True))
        lines.append(table.line + int(off))
        rejected += [(line + int(off), why, cells) for line, why, cells in table.rejected]
        kinds.update({line + int(off): k for line, k in table.rejected_kind.items()})
        for col, pos in table.nested.items():
            nested.setdefault(col, []).append(pos + rows)
        rows += len(table.frame)
    frame = pd.concat(frames, ignore_index=True).astype(object) if rows else pd.DataFrame()
    return RawTable(
        name,
        "json",
        frame.where(frame.notna(), None) if rows else frame,
        np.concatenate(lines).astype(np.int64),
        rejected,
        blank_lines=sum(t.blank_lines for t in tables),
        rejected_kind=kinds,
        nested={c: np.concatenate(p).astype(np.int64) for c, p in nested.items()},
    )


def read_json_file(path: Path, name: str, lim: Limits, empty_ok: bool = False) -> RawTable:
    """Read one ``.json`` file (an array, or a page of a listing) as a table."""
    require_regular_file(path, name)
    try:
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HiringFunnelError(
            f"byte {exc.start} is not valid UTF-8", source=name, hint="JSON files are UTF-8"
        ) from exc
    if not text.strip():
        raise HiringFunnelError("the file is empty", source=name, hint="export the log again")
    if json_depth(text) > lim.max_json_depth + 1:  # +1: the array around the records
        raise HiringFunnelError(
            f"nested deeper than the limit of {lim.max_json_depth} levels of lists and objects",
            source=name,
            hint=lim.hint("max_json_depth"),
        )
    records, lines = records_with_lines(text, name)
    if any(b <= a for a, b in zip(lines, lines[1:], strict=False)):
        # Several records on one line (a page written without line breaks): a
        # record's place is its number in the file, so that each has its own.
        lines = list(range(1, len(records) + 1))
    return table_of_records(records, lines, name, lim, empty_ok)


def records_with_lines(text: str, name: str) -> tuple[list[Any], list[int]]:
    """The records of a JSON array (or of a page object's ``data``/``results``) and the line
    where each starts; invalid JSON raises :class:`HiringFunnelError` with its line."""
    try:
        at = _WS.match(text, 0).end()  # type: ignore[union-attr]
        if text.startswith("[", at):
            return _array(text, at, name)
        if text.startswith("{", at):
            return _page(text, at, name)
        _DECODER.raw_decode(text, at)
    except json.JSONDecodeError as exc:
        raise HiringFunnelError(
            f"not valid JSON: {exc.msg} at character {exc.colno}",
            source=name,
            line=exc.lineno,
            hint="fix the file, or export it again",
        ) from None
    except RecursionError:
        raise HiringFunnelError("nested too deep to read", source=name) from None
    raise HiringFunnelError(
        "the file holds one JSON value, not a list of records",
        source=name,
        line=1,
        hint="give an array [{...}, ...], or a page whose data or results key holds one",
    )


def _array(text: str, at: int, name: str, top: bool = True) -> tuple[list[Any], list[int]]:
    records: list[Any] = []
    lines: list[int] = []
    line, seen = 1, 0
    at = _WS.match(text, at + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", at):
        return records, lines
    while True:
        line += text.count("\n", seen, at)
        seen = at
        value, at = _DECODER.raw_decode(text, at)
        records.append(value)
        lines.append(line)
        at = _WS.match(text, at).end()  # type: ignore[union-attr]
        if text.startswith(",", at):
            at = _WS.match(text, at + 1).end()  # type: ignore[union-attr]
            continue
        if text.startswith("]", at):
            rest = text[at + 1 :] if top else ""
            if rest.strip():
                bad = at + 1 + len(rest) - len(rest.lstrip())
                raise json.JSONDecodeError("Extra data", text, bad)
            return records, lines
        raise json.JSONDecodeError("Expecting ',' delimiter", text, at)


def _page(text: str, at: int, name: str) -> tuple[list[Any], list[int]]:
    page = json.loads(text)
    keys = [k for k in PAGE_KEYS if isinstance(page.get(k), list)]
    if not keys:
        raise HiringFunnelError(
            "the file holds one JSON object, not a list of records",
            source=name,
            line=1,
            hint=f"give an array [{{...}}, ...], or a page whose {' or '.join(PAGE_KEYS)} "
            "key holds the records",
        )
    # The array's place in the text: where its key is, then its opening bracket.
    found = re.search(r'"' + keys[0] + r'"\s*:\s*\[', text)
    if found is None:  # the key written with escapes: records without lines of their own
        return page[keys[0]], [1] * len(page[keys[0]])
    records, lines = _array(text, found.end() - 1, name, top=False)
    offset = text.count("\n", 0, found.end() - 1)
    return records, [line + offset for line in lines]


def table_of_records(
    records: list[Any], lines: list[int], name: str, lim: Limits, empty_ok: bool = False
) -> RawTable:
    """Records as a table of cells, as JSON Lines records are read; non-objects are rejected."""
    rows: list[dict[str, Any]] = []
    kept: list[int] = []
    rejected: list[tuple[int, str, dict[str, Any]]] = []
    nested: dict[str, list[int]] = {}
    keys: dict[str, None] = {}
    for record, line in zip(records, lines, strict=True):
        if not isinstance(record, dict):
            rejected.append(
                (line, "a record must be one JSON object", {"text": short_repr(record)})
            )
            continue
        row: dict[str, Any] = {}
        for k, v in record.items():
            if isinstance(v, list | dict):
                v = as_json_text(v)
                nested.setdefault(str(k), []).append(len(rows))
            elif isinstance(v, str) and len(v) > lim.max_cell_chars:
                raise HiringFunnelError(
                    f"the value of {short_repr(k)} is longer than the limit of "
                    f"{lim.max_cell_chars:,} characters",
                    source=name,
                    line=line,
                    hint=lim.hint("max_cell_chars"),
                )
            row[str(k)] = v
        keys.update(dict.fromkeys(row))
        if len(keys) > lim.max_columns:
            raise HiringFunnelError(
                f"the records have {len(keys):,} different keys, more than the limit of "
                f"{lim.max_columns:,} columns",
                source=name,
                line=line,
                hint=lim.hint("max_columns"),
            )
        rows.append(row)
        kept.append(line)
    if not rows and not rejected and not empty_ok:
        raise HiringFunnelError("the file holds no records", source=name)
    frame = pd.DataFrame(rows, columns=list(keys), dtype=object) if rows else pd.DataFrame()
    return RawTable(
        name,
        "json",
        frame,
        np.asarray(kept, dtype=np.int64),
        rejected,
        rejected_kind={line: "bad_json" for line, _, _ in rejected},
        nested={k: np.asarray(v, dtype=np.int64) for k, v in nested.items()},
    )
