"""Attribute values as people type them: trimmed, and one level per value whatever its case.

"LinkedIn" and "Linkedin", "No" and "No " are the same answer typed twice.
After reading, every text attribute column is cleaned:

- values are trimmed (surrounding spaces removed);
- values that differ only in case, surrounding or repeated spaces or
  invisible characters (the same :func:`hiring_funnel.io.conditions.value_key`)
  become one level: the most frequent spelling among the applications (on a
  tie, the first in sorted order).

Each column where spellings were merged gives one problem (kind
``merged_spellings``) naming what was merged into what, which ``validate``
prints; the report's data-quality section names only the kind and the
columns, never the values. A column with more than :data:`MAX_DISTINCT`
distinct values is not a category and is left as it is. The pandas and DuckDB
paths share :func:`replacements`, so they give the same levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hiring_funnel.io.conditions import value_key
from hiring_funnel.io.readers import short_repr
from hiring_funnel.schema import Problem

#: Columns with more distinct values than this are not categories: left as they are.
MAX_DISTINCT = 10_000
#: Merges named in a problem; the rest are counted.
_NAMED = 5


def replacements(counts: Mapping[str, int]) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
    """For one column's distinct values and their counts: value -> its level (only
    the values that change), and the merges as (kept spelling, other spellings).

    Examples
    --------
    >>> changes, merged = replacements({"LinkedIn": 3, "Linkedin": 1, "linkedin ": 1, "No ": 2})
    >>> changes
    {'Linkedin': 'LinkedIn', 'linkedin ': 'LinkedIn', 'No ': 'No'}
    >>> merged
    [('LinkedIn', ['Linkedin', 'linkedin'])]
    """
    groups: dict[str, dict[str, int]] = {}
    for value, n in counts.items():
        spelling = value.strip()
        group = groups.setdefault(value_key(value), {})
        group[spelling] = group.get(spelling, 0) + int(n)
    changes: dict[str, str] = {}
    merged: list[tuple[str, list[str]]] = []
    kept_of: dict[str, str] = {}
    for key, spellings in groups.items():
        kept = min(spellings, key=lambda s: (-spellings[s], s))
        kept_of[key] = kept
        if len(spellings) > 1:
            merged.append((kept, sorted(s for s in spellings if s != kept)))
    for value in counts:
        level = kept_of[value_key(value)]
        if level != value:
            changes[value] = level
    return changes, sorted(merged)


def merge_problem(column: str, merged: list[tuple[str, list[str]]]) -> Problem:
    """The one problem of a column whose spellings were merged."""
    pairs = [f"{short_repr(o, 40)} -> {short_repr(k, 40)}" for k, others in merged for o in others]
    more = f" and {len(pairs) - _NAMED:,} more" if len(pairs) > _NAMED else ""
    return Problem(
        None,
        column,
        f"{len(pairs):,} spelling(s) that differ only in case or spaces merged into the most "
        f"frequent one: {', '.join(pairs[:_NAMED])}{more}",
        "each is one level in summaries, reports and models",
        kind="merged_spellings",
    )


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if c != "application_id"
        and (frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype))
    ]


def clean_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem], dict[str, int]]:
    """The attributes frame with its text columns cleaned (see the module), the problems,
    and per column the number of spellings merged (``meta["merged_spellings"]``)."""
    out = frame
    problems = []
    merged_in: dict[str, int] = {}
    for column in _text_columns(frame):
        values = frame[column]
        text = values[values.map(lambda v: isinstance(v, str))]
        counts = text.value_counts(sort=False)
        if len(counts) > MAX_DISTINCT:
            continue
        changes, merged = replacements({str(k): int(n) for k, n in counts.items()})
        if changes:
            if out is frame:
                out = frame.copy()
            out[column] = values.map(lambda v, c=changes: c.get(v, v) if isinstance(v, str) else v)
            out[column] = out[column].astype(values.dtype)
        if merged:
            problems.append(merge_problem(column, merged))
            merged_in[column] = sum(len(others) for _, others in merged)
    return out, problems, merged_in


def clean_table(
    db: Any, table: str, numeric: Mapping[str, bool]
) -> tuple[str, list[Problem], dict[str, int]]:
    """The same on a DuckDB table: the name of the cleaned table (``table`` when nothing
    changes), the problems and the counts. Only the distinct values come to Python."""
    from hiring_funnel.engine.ingest_raw import fresh_name
    from hiring_funnel.engine.ingest_sql import quote_ident, run

    columns = [
        name
        for name, kind in db.execute(
            f"SELECT name, type FROM pragma_table_info('{table}')"
        ).fetchall()
        if name != "application_id" and not numeric.get(name) and kind == "VARCHAR"
    ]
    problems: list[Problem] = []
    merged_in: dict[str, int] = {}
    maps: dict[str, dict[str, str]] = {}
    # One scan of the table (often a view) for every column: the distinct values and
    # their counts, of the columns with at most MAX_DISTINCT of them.
    counts: dict[str, dict[str, int]] = {c: {} for c in columns}
    if columns:
        rows = db.execute(
            "SELECT hf_col, hf_val, n FROM (SELECT hf_col, hf_val, count(*) AS n, "
            "count(*) OVER (PARTITION BY hf_col) AS hf_k FROM (SELECT hf_col, hf_val FROM "
            f"(UNPIVOT (SELECT {', '.join(quote_ident(c) for c in columns)} FROM "
            f"{quote_ident(table)}) ON COLUMNS(*) INTO NAME hf_col VALUE hf_val)) "
            f"GROUP BY hf_col, hf_val) WHERE hf_k <= {MAX_DISTINCT}"
        ).fetchall()
        for c, v, n in rows:
            counts[c][v] = int(n)
    for column in columns:
        if not counts[column]:
            continue  # no value, or too many to be a category
        changes, merged = replacements(counts[column])
        if changes:
            maps[column] = changes
        if merged:
            problems.append(merge_problem(column, merged))
            merged_in[column] = sum(len(others) for _, others in merged)
    if not maps:
        return table, problems, merged_in
    joins, exprs, names = [], [], []
    for i, (column, changes) in enumerate(maps.items()):
        name = fresh_name("spell")
        names.append(name)
        db.register(name, pd.DataFrame({"v": list(changes), "to": list(changes.values())}))
        joins.append(f"LEFT JOIN {name} AS m{i} ON t.{quote_ident(column)} = m{i}.v")
        exprs.append(f"coalesce(m{i}.to, t.{quote_ident(column)}) AS {quote_ident(column)}")
    out = fresh_name("attrs")
    run(
        db,
        f"CREATE TEMP TABLE {out} AS SELECT t.* REPLACE ({', '.join(exprs)}) "
        f"FROM {quote_ident(table)} AS t {' '.join(joins)}",
    )
    for name in names:
        db.unregister(name)
    return out, problems, merged_in
