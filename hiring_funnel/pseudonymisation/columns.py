"""What happens to each column: hashed, shifted, kept as categories (folded), kept, or dropped.

The rules (the package docstring says why) are decided here once, from small
summaries of the data that the pandas path and the DuckDB path both compute:
per identifier column the counts of values that look like plain hashes, and
per other column its distinct values with their rows and candidates
(:data:`LEVEL_COLUMNS`). So both paths decide alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hiring_funnel.pseudonymisation.hashing import hash_kind
from hiring_funnel.report.breakdown_columns import (
    MAX_WORDS,
    UNIQUE_LEVELS,
    looks_like_email,
    looks_like_phone,
)
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.text import short_label

__all__ = [
    "DATE_PATTERN",
    "LEVEL_COLUMNS",
    "OTHER",
    "Decision",
    "Roles",
    "check_id_column",
    "decide_column",
    "resolve_roles",
    "shift_dates",
]

#: The label of levels folded together.
OTHER = "Other"
#: Columns of the summary of a column's values: its text, rows and distinct candidates.
LEVEL_COLUMNS = ("level", "rows", "candidates")
#: An ISO 8601 date (years 1900-2199), optionally with a time and an offset: what is shifted.
DATE_PATTERN = (
    r"(?:19|20|21)\d\d-[01]\d-[0-3]\d"
    r"(?:[T ][0-2]\d:[0-5]\d(?::[0-6]\d(?:[.,]\d{1,9})?)?(?:Z|[+-][0-2]\d(?::?[0-5]\d)?)?)?"
)
_DATE = re.compile(DATE_PATTERN)
# Dates in other spellings (27/01/2026, 2026.01.27, Jan 27 2026): not shifted, so dropped.
_OTHER_DATE = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d{4}-\d{2}-\d{2}"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? \d{1,4}\b",
    re.IGNORECASE,
)
#: A value longer than this is text, not a category.
MAX_CHARS = 80
# Column names that are identifiers when no --id is given.
_ID_NAME = re.compile(
    r"(?:.*_)?(?:id|ids|uuid|e_?mail|mail|email_address|phone|phone_number|mobile|telephone|"
    r"tel|name|first_?name|last_?name|surname|full_?name|given_?name|family_?name)"
)
_HASH_HINT = (
    "a plain hash of an email or a name is reversed by hashing a list of them; give the column "
    "of the original values, which are hashed with the key, or leave the column out"
)


@dataclass(frozen=True)
class Roles:
    """The columns named as identifiers, candidate, dates and free text to keep."""

    ids: tuple[str, ...]
    candidate: str | None
    dates: tuple[str, ...]
    keep: tuple[str, ...]
    ids_given: bool = False


@dataclass(frozen=True)
class Decision:
    """What happens to one column, and why (for the manifest)."""

    column: str
    action: str  # "hashed", "shifted", "categories", "kept" or "dropped"
    reason: str
    folded: frozenset[str] = field(default_factory=frozenset)
    levels: int = 0

    def summary(self) -> dict[str, object]:
        """The manifest's entry: never a value of the data, only counts."""
        entry: dict[str, object] = {"column": self.column, "action": self.action}
        entry["reason"] = self.reason
        if self.action == "categories":
            entry["levels_kept"] = self.levels
            entry["levels_folded"] = len(self.folded)
        return entry


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")


def resolve_roles(
    columns: Sequence[str],
    *,
    ids: Sequence[str] | None,
    candidate: str | None,
    dates: Sequence[str] | None,
    keep: Sequence[str],
    source: str | None = None,
) -> Roles:
    """Check the columns named and fill in the defaults (see the package docstring).

    Examples
    --------
    >>> r = resolve_roles(["application_id", "candidate_id", "Email", "stage"],
    ...                   ids=None, candidate=None, dates=None, keep=[])
    >>> r.ids, r.candidate
    (('application_id', 'candidate_id', 'Email'), 'candidate_id')
    """
    have = list(columns)

    def known(name: str, option: str) -> str:
        if name not in have:
            raise HiringFunnelError(
                f"{option} {short_label(name)!r}: no such column",
                file=source,
                hint="columns: " + ", ".join(short_label(c) for c in have),
            )
        return name

    given = ids is not None
    id_cols = (
        [known(c, "--id") for c in ids]
        if ids is not None
        else [c for c in have if _ID_NAME.fullmatch(_snake(c))]
    )
    if candidate is not None:
        known(candidate, "--candidate")
        if candidate not in id_cols:
            id_cols.append(candidate)
    elif id_cols:
        emails = [c for c in id_cols if "mail" in _snake(c)]
        candidate = next(
            (c for c in id_cols if _snake(c) == "candidate_id"), (emails or id_cols)[0]
        )
    date_cols = [known(c, "--date") for c in dates] if dates is not None else []
    keep_cols = [known(c, "--keep") for c in keep]
    for name in dict.fromkeys(id_cols):
        if name in date_cols or name in keep_cols:
            raise HiringFunnelError(
                f"column {short_label(name)!r} is named as an identifier and as a date or "
                "text to keep",
                file=source,
                hint="name each column once",
            )
    for name in date_cols:
        if name in keep_cols:
            raise HiringFunnelError(
                f"column {short_label(name)!r} is named with --date and --keep",
                file=source,
                hint="a date column is always shifted; leave out --keep",
            )
    return Roles(
        ids=tuple(dict.fromkeys(id_cols)),
        candidate=candidate,
        dates=tuple(dict.fromkeys(date_cols)),
        keep=tuple(dict.fromkeys(keep_cols)),
        ids_given=given,
    )


def check_id_column(
    column: str, present: int, hashed: int, uuids: int, *, source: str | None = None
) -> None:
    """Refuse an identifier column most of whose values are plain hex hashes (not UUIDs).

    ``present`` counts its non-empty cells, ``hashed`` those that are 32, 40, 64
    or 128 hex digits, ``uuids`` those shaped as a UUID without dashes.

    Examples
    --------
    >>> check_id_column("email", 10, 0, 0)
    >>> check_id_column("email_md5", 10, 10, 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: column 'email_md5': its values look like plain hashes ...
    """
    if present and hashed * 2 > present and uuids < hashed:
        raise HiringFunnelError(
            "its values look like plain hashes (MD5, SHA-1 or SHA-256 hex), which are no "
            "pseudonyms",
            file=source,
            column=column,
            code="plain_hash",
            hint=_HASH_HINT,
        )


def _refuse_kept(column: str, what: str, source: str | None) -> HiringFunnelError:
    return HiringFunnelError(
        f"the column to keep holds {what}; a pseudonymised file never keeps them",
        file=source,
        column=column,
        code="identifying_text",
        hint="name it with --id to hash it, or leave out --keep to drop it",
    )


def decide_column(
    column: str,
    levels: pd.DataFrame,
    *,
    date: bool,
    keep: bool,
    k: int,
    source: str | None = None,
) -> Decision:
    """What to do with a column that is not an identifier, from its distinct values.

    ``levels`` has :data:`LEVEL_COLUMNS`: each distinct non-empty value, its rows
    and its distinct candidates. The checks, first match wins: ISO dates
    (shifted; a column named with ``--date`` must hold nothing else); plain
    hashes (dropped; refused if the column is to be kept); unless the column
    is to be kept, free text or a column that works like an identifier
    (dropped; the cheap checks first); emails, phone numbers, dates in other
    spellings (dropped; refused if the column is to be
    kept); ``keep`` (kept as it is); else categories, with levels of fewer
    than ``k`` candidates folded into "Other".

    Examples
    --------
    >>> lv = pd.DataFrame({"level": ["retail", "software", "mining"],
    ...                    "rows": [40, 30, 2], "candidates": [20, 12, 2]})
    >>> d = decide_column("industry", lv, date=False, keep=False, k=5)
    >>> d.action, sorted(d.folded), d.levels
    ('categories', ['mining', 'software'], 1)
    """
    values = [str(v) for v in levels["level"]]
    if not values:
        return Decision(column, "kept", "no values")
    if all(_DATE.fullmatch(v) for v in values):
        _check_dates(column, values, source)
        return Decision(column, "shifted", "dates, shifted by the candidate's whole weeks")
    if date:
        raise HiringFunnelError(
            "not every value is an ISO 8601 date (2026-01-27, 2026-01-27T10:03:36Z)",
            file=source,
            column=column,
            code="bad_date",
            hint="write the dates as ISO 8601, or leave out --date to drop the column",
        )
    if any(hash_kind(v.strip(" ")) for v in values):
        if keep:
            raise HiringFunnelError(
                "its values look like plain hashes (MD5, SHA-1 or SHA-256 hex)",
                file=source,
                column=column,
                code="plain_hash",
                hint=_HASH_HINT,
            )
        return Decision(column, "dropped", "values look like plain hashes (MD5, SHA-1, SHA-256)")
    rows = levels["rows"].to_numpy()
    candidates = levels["candidates"].to_numpy()
    if not keep:  # cheap checks first: a column of a million notes is dropped at once
        words = np.array([len(v.split()) for v in values])
        chars = np.array([len(v) for v in values])
        if (
            (words > MAX_WORDS).any()
            or (chars > MAX_CHARS).any()
            or (len(values) >= 2 and np.mean((words >= 3) & (rows == 1)) >= 0.5)
        ):
            return Decision(column, "dropped", "free text (sentences or notes); --keep keeps it")
        if len(values) >= UNIQUE_LEVELS and np.mean(candidates == 1) >= 0.8:
            return Decision(
                column, "dropped", "works like an identifier (most values have one candidate)"
            )
    for what, test in (("email addresses", looks_like_email), ("phone numbers", looks_like_phone)):
        if any(test(v) for v in values):
            if keep:
                raise _refuse_kept(column, what, source)
            return Decision(column, "dropped", f"values look like {what}")
    if any(_OTHER_DATE.search(v) for v in values):
        if keep:
            raise _refuse_kept(
                column, "dates that are not ISO 8601 and so cannot be shifted", source
            )
        return Decision(column, "dropped", "dates not in ISO 8601, which cannot be shifted")
    if keep:
        return Decision(column, "kept", "named with --keep (not checked for names)")
    folded = _fold(values, candidates, k)
    reason = f"categories; levels of fewer than {k} candidates folded into {OTHER!r}"
    return Decision(column, "categories", reason, folded, len(set(values) - folded))


def _fold(values: list[str], candidates: np.ndarray, k: int) -> frozenset[str]:
    """Levels of fewer than k candidates, and more (smallest first) until "Other" holds k.

    Candidates of the folded levels are added up (a candidate in two folded levels
    counts twice): the summary has no candidate lists.
    """
    order = [int(i) for i in np.argsort(candidates, kind="stable") if values[i] != OTHER]
    small = [i for i in order if candidates[i] < k]
    total = sum(int(candidates[i]) for i in small)
    total += sum(int(candidates[i]) for i, v in enumerate(values) if v == OTHER)
    rest = order[len(small) :]
    while 0 < total < k and rest:
        small.append(rest.pop(0))
        total += int(candidates[small[-1]])
    return frozenset(values[i] for i in small)


def _check_dates(column: str, values: list[str], source: str | None) -> None:
    try:
        np.array([v[:10] for v in values], dtype="datetime64[D]")
    except ValueError:
        raise HiringFunnelError(
            "a date that does not exist (such as February 30)",
            file=source,
            column=column,
            code="bad_date",
            hint="correct it in the export",
        ) from None


def shift_dates(values: pd.Series, shifts: np.ndarray) -> pd.Series:
    """ISO dates moved by ``shifts`` days; the rest of each text (time, offset) kept as written.

    Examples
    --------
    >>> s = pd.Series(["2026-01-27T10:03:36Z", None, "2026-03-02"])
    >>> shift_dates(s, np.array([-7, -7, -14])).tolist()
    ['2026-01-20T10:03:36Z', None, '2026-02-16']
    """
    out = np.full(len(values), None, dtype=object)
    present = (values.notna() & (values.astype(str) != "")).to_numpy()
    if present.any():
        text = values[present].astype(str)
        days = np.array(text.str[:10].to_numpy(dtype=str), dtype="datetime64[D]")
        moved = np.datetime_as_string(days + shifts[present].astype("timedelta64[D]"))
        out[present] = np.char.add(moved.astype(str), text.str[10:].to_numpy(dtype=str))
    return pd.Series(out, index=values.index, dtype=object)
