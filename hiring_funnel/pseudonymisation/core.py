"""The pandas path of pseudonymisation: a table in memory, a pseudonymised table out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.observation import OBSERVED_UNTIL
from hiring_funnel.pseudonymisation.columns import (
    LEVEL_COLUMNS,
    OTHER,
    Decision,
    Roles,
    check_id_column,
    decide_column,
    resolve_roles,
    shift_dates,
)
from hiring_funnel.pseudonymisation.hashing import (
    HASH_PATTERN,
    UUID_PATTERN,
    normalise,
    pseudonyms,
    shift_days,
)
from hiring_funnel.pseudonymisation.keys import check_key
from hiring_funnel.pseudonymisation.manifest import build_manifest
from hiring_funnel.report.suppression import DEFAULT_MIN_GROUP, check_min_group
from hiring_funnel.schema import HiringFunnelError

__all__ = ["Pseudonymised", "pseudonymise", "read_cells"]


@dataclass(frozen=True)
class Pseudonymised:
    """A pseudonymised table and the manifest of what was done to it.

    ``frame`` holds text cells (missing cells are None) in the input's column
    order, without the dropped columns; ``manifest`` is read-only.

    Examples
    --------
    >>> import pandas as pd
    >>> p = Pseudonymised(pd.DataFrame({"a": ["x"]}), {"kind": "pseudonymised"})
    >>> p.manifest["kind"]
    'pseudonymised'
    """

    frame: pd.DataFrame
    manifest: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "manifest", MappingProxyType(dict(self.manifest)))


def pseudonymise(
    source: pd.DataFrame | str | Path,
    key: bytes,
    *,
    ids: Sequence[str] | None = None,
    candidate: str | None = None,
    dates: Sequence[str] | None = None,
    keep: Sequence[str] = (),
    k: int = DEFAULT_MIN_GROUP,
    as_of: Any = None,
) -> Pseudonymised:
    """Pseudonymise a raw export: keyed pseudonyms, shifted dates, folded categories.

    Parameters
    ----------
    source : DataFrame or path
        The raw export (.csv, .tsv, .jsonl, .parquet, .xlsx).
    key : bytes
        The secret key, at least 32 random bytes
        (:func:`hiring_funnel.pseudonymisation.read_key` reads a key file).
    ids : sequence of str, optional
        Identifier columns to hash; default: columns named like ``*_id``,
        ``email``, ``phone``, ``name``.
    candidate : str, optional
        The column whose value is one person, for the date shift; default:
        ``candidate_id`` if it is an identifier, else the first email column,
        else the first identifier.
    dates : sequence of str, optional
        Date columns (ISO 8601) to shift; every column of ISO dates is shifted anyway.
    keep : sequence of str
        Free-text columns to keep as they are (never with emails or phone numbers).
    k : int
        Levels of a category held by fewer than ``k`` candidates are folded into "Other".
    as_of : date-like, optional
        The export date: written to every row as the column ``observed_until``
        and moved with the row's candidate, so that an application still open
        at the export date keeps its wait when the output is read
        (:mod:`hiring_funnel.observation`; the column becomes an attribute).

    Returns
    -------
    Pseudonymised
        The table and its manifest. The result is pseudonymised, not anonymous.

    Raises
    ------
    HiringFunnelError
        For a short key, a column named that is not there, an identifier
        column of plain hashes, a kept column with emails or phone numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({
    ...     "email": ["Kate@example.com", "kate@example.com ", "bo@example.org"],
    ...     "applied": ["2026-01-27", "2026-02-03T09:30:00Z", "2026-01-28"],
    ...     "notes": ["called her twice, nice chat", "no answer yet from them", "sent the CV"],
    ... })
    >>> p = pseudonymise(raw, bytes(range(32)))
    >>> p.frame.columns.tolist()
    ['email', 'applied']
    >>> p.frame["email"].iloc[0] == p.frame["email"].iloc[1]
    True
    >>> p.manifest["dropped"]
    {'notes': 'free text (sentences or notes); --keep keeps it'}
    """
    key = check_key(key)
    k = check_min_group(k)
    name = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    cells = read_cells(source)
    if as_of is not None:
        cells, dates = with_export_date(cells, as_of, dates)
    roles = resolve_roles(
        [str(c) for c in cells.columns],
        ids=ids,
        candidate=candidate,
        dates=dates,
        keep=keep,
        source=None if isinstance(source, pd.DataFrame) else name,
    )
    who = _candidates(cells, roles)
    decisions = plan_frame(cells, roles, who, k, source=name)
    out = {}
    shifts = None
    for d in decisions:
        col = cells[d.column]
        if d.action == "hashed":
            out[d.column] = _map_unique(col, lambda u: pseudonyms(key, u))
        elif d.action == "shifted":
            if shifts is None:
                # From the raw candidate, as the DuckDB path does (shift_days normalises).
                raw = cells[roles.candidate] if roles.candidate else pd.Series([""] * len(cells))
                shifts = np.asarray(_map_unique(raw.fillna(""), lambda u: shift_days(key, u)))
            out[d.column] = shift_dates(col, shifts.astype(np.int64))
        elif d.action == "categories":
            out[d.column] = col.where(~col.isin(d.folded), OTHER)
        elif d.action == "kept":
            out[d.column] = col
    if not out:
        raise HiringFunnelError("every column would be dropped; nothing is left to write")
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(cells)), columns=list(out))
    manifest = build_manifest(
        source=name,
        roles=roles,
        decisions=decisions,
        rows=len(cells),
        k=k,
        rows_without_candidate=int(who.isna().sum()) if roles.candidate else 0,
    )
    return Pseudonymised(frame, manifest)


def with_export_date(
    cells: pd.DataFrame, as_of: Any, dates: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """``cells`` with the column ``observed_until`` (the export date as ISO text), and
    the date columns with it."""
    if OBSERVED_UNTIL in cells.columns:
        raise HiringFunnelError(
            "the export already has a column observed_until; give no --as-of",
            column=OBSERVED_UNTIL,
        )
    return cells.assign(**{OBSERVED_UNTIL: export_date_text(as_of)}), [
        *(dates or []),
        OBSERVED_UNTIL,
    ]


def export_date_text(as_of: Any) -> str:
    """The export date as ISO 8601 UTC text (a date without offset is UTC).

    >>> export_date_text("2026-11-20"), export_date_text("2026-11-20T17:00:00+01:00")
    ('2026-11-20T00:00:00Z', '2026-11-20T16:00:00Z')
    """
    try:
        stamp = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        raise HiringFunnelError(
            f"--as-of {as_of!r} is not a date", hint="use ISO 8601, e.g. 2026-11-20"
        ) from None
    if pd.isna(stamp):
        raise HiringFunnelError("--as-of is missing", hint="use ISO 8601, e.g. 2026-11-20")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def plan_frame(
    cells: pd.DataFrame, roles: Roles, who: pd.Series, k: int, *, source: str | None
) -> list[Decision]:
    """The decision for every column of ``cells``, in order."""
    decisions = []
    for column in cells.columns:
        col = cells[column]
        present = col.notna()
        if column in roles.ids:
            text = col[present].astype(str).str.strip(" ")
            check_id_column(
                column,
                int(present.sum()),
                int(text.str.fullmatch(HASH_PATTERN).sum()),
                int(text.str.fullmatch(UUID_PATTERN).sum()),
                source=source,
            )
            decisions.append(Decision(column, "hashed", "identifier, keyed pseudonym"))
            continue
        levels = (
            pd.DataFrame({"level": col[present], "who": who[present].fillna("")})
            .groupby("level", sort=True)["who"]
            .agg(rows="size", candidates="nunique")
            .reset_index()
        )
        if roles.candidate is None:  # every row its own candidate
            levels["candidates"] = levels["rows"]
        decisions.append(
            decide_column(
                column,
                levels[list(LEVEL_COLUMNS)],
                date=column in roles.dates,
                keep=column in roles.keep,
                k=k,
                source=source,
            )
        )
    return decisions


def _candidates(cells: pd.DataFrame, roles: Roles) -> pd.Series:
    """The normalised candidate of each row (None where missing or without a candidate column)."""
    if roles.candidate is None:
        return pd.Series(None, index=cells.index, dtype=object)
    col = cells[roles.candidate]
    return pd.Series(_map_unique(col, lambda u: [normalise(v) for v in u]), index=cells.index)


def _map_unique(values: pd.Series, fn: Any) -> list[Any]:
    """``fn`` applied to the distinct non-missing values, spread back; None where missing."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([*fn(list(uniques)), None], dtype=object)
    return list(mapped[codes])


def read_cells(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The export's cells as text (None where empty), with string column names.

    Examples
    --------
    >>> read_cells(pd.DataFrame({"a": [1, None], "b": ["", "x"]})).to_dict("list")
    {'a': ['1', None], 'b': [None, 'x']}
    """
    if isinstance(source, pd.DataFrame):
        frame = source
    else:
        from hiring_funnel.io.readers import read_raw

        raw = read_raw(source)
        if raw.rejected:
            line, reason, _ = raw.rejected[0]
            raise HiringFunnelError(
                f"{reason}; a row that cannot be read is not pseudonymised",
                file=str(source),
                line=line,
                code="unreadable_row",
                hint="fix the file first (hiring-funnel validate lists every such row)",
            )
        frame = raw.frame
    out = {}
    for column in frame.columns:
        out[str(column)] = _cells(frame[column])
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)), columns=list(out), dtype=object)


def _cells(values: pd.Series) -> list[str | None] | np.ndarray:
    """``_cell`` of every value; of each distinct value once where values compare only to
    their own kind (one dtype, or all text: in a mixed object column 1, 1.0 and True are
    equal keys, and would share one text)."""
    one_kind = values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) in (
        "string",
        "empty",
    )
    if not one_kind:
        return [_cell(v) for v in values.tolist()]
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = np.array([*(_cell(v) for v in uniques.tolist()), None], dtype=object)
    return texts[codes]


def _cell(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text != "" else None
