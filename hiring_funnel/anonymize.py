"""Anonymize what is published: small segments, the tails of curves, identifiers in text.

A report shows figures about groups of people. Three rules keep any one
candidate from being singled out:

1. **Small segments are suppressed.** A segment (one value of a breakdown
   column such as ``industry``) with fewer than ``min_group`` distinct
   candidates is not shown in any table, curve or at-risk row.
2. **Complementary suppression.** If only one segment of a breakdown were
   suppressed, its figures could be recovered by subtracting the published
   segments from the total. So when exactly one segment is suppressed, the next
   smallest is suppressed with it; and segments are added, smallest first,
   until the suppressed segments together hold at least ``min_group``
   candidates (otherwise their sum, which subtraction recovers, would itself
   describe too few people). This is the rule of statistical offices for
   frequency tables (Hundepool et al., *Statistical Disclosure Control*, 2012,
   chapter 5).
3. **Curves stop where too few are left.** The last steps of a waiting-time
   curve rest on the few applications still waiting; past the day on which
   fewer than ``min_group`` candidates are still waiting, each step would show
   when one person was answered. :func:`tail_cutoff` gives the last day a curve
   may be drawn to.

Identifiers (application, candidate, company ids) are never published:
:func:`check_breakdown_column` refuses them as breakdowns and
:func:`redact_reason` takes quoted values, dates and line numbers out of the
reasons rows were quarantined for, so reasons can be counted in a report.

Examples
--------
>>> import pandas as pd
>>> seg = pd.Series(["a"] * 6 + ["b"] * 7 + ["c"] * 2)
>>> cand = pd.Series([f"p{i}" for i in range(15)])
>>> s = suppress_segments(seg, cand, min_group=5, column="industry")
>>> s.kept, sorted(s.suppressed.items())
(['b'], [('a', 'complementary'), ('c', 'too_few')])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError

#: Segments with fewer distinct candidates than this are suppressed by default.
DEFAULT_MIN_GROUP = 5
#: Columns that identify an application, a person or an employer: never published.
IDENTIFIER_COLUMNS: tuple[str, ...] = ("application_id", "candidate_id", "company_id")
#: The label of a segment whose breakdown value is missing (as the estimators name it).
MISSING_LABEL = "(missing)"

#: Why a segment was suppressed.
REASONS: dict[str, str] = {
    "too_few": "fewer than {k} candidates",
    "complementary": (
        "suppressed with a smaller segment, so that segment cannot be worked out "
        "by subtracting the others from the total"
    ),
}


@dataclass(frozen=True)
class Suppression:
    """Which segments of one breakdown may be published.

    Attributes
    ----------
    column : str
        The breakdown column.
    min_group : int
        The least number of distinct candidates a published segment has.
    segments : list of str
        Every segment label, largest first (ties by label).
    suppressed : dict
        Label -> ``"too_few"`` or ``"complementary"`` (see :data:`REASONS`).
        The number of candidates in a suppressed segment is deliberately not
        kept: saying "3 candidates" would publish what suppression hides.
    """

    column: str
    min_group: int
    segments: list[str]
    suppressed: dict[str, str] = field(default_factory=dict)

    @property
    def kept(self) -> list[str]:
        """The segments that may be published, largest first."""
        return [s for s in self.segments if s not in self.suppressed]

    def explain(self) -> list[str]:
        """One plain sentence per suppressed segment, for the reader of a report.

        Examples
        --------
        >>> Suppression("industry", 5, ["a", "b"], {"b": "too_few"}).explain()
        ['industry = b: fewer than 5 candidates']
        """
        return [
            f"{self.column} = {label}: {REASONS[why].format(k=self.min_group)}"
            for label, why in self.suppressed.items()
        ]


def check_min_group(min_group: int) -> int:
    """Return ``min_group`` as an int, or raise unless it is a whole number >= 1."""
    if isinstance(min_group, bool) or not isinstance(min_group, int | np.integer) or min_group < 1:
        raise HiringFunnelError(
            f"min_group must be a whole number of at least 1, not {min_group!r}",
            hint=f"the default is {DEFAULT_MIN_GROUP}; 1 publishes every segment",
        )
    return int(min_group)


def check_breakdown_column(column: str, available: list[str]) -> None:
    """Refuse identifiers and unknown columns as breakdowns, with the columns that would do."""
    if column in IDENTIFIER_COLUMNS:
        raise HiringFunnelError(
            f"cannot break down by {column!r}: it identifies applications, people or employers, "
            "and a report never shows identifiers",
            hint="break down by an attribute such as industry or company size",
        )
    if column not in available:
        usable = [c for c in available if c not in IDENTIFIER_COLUMNS]
        raise HiringFunnelError(
            f"no attribute {column!r} to break down by",
            hint="attributes: " + (", ".join(usable) if usable else "none (pass --attributes)"),
        )


def segment_labels(values: pd.Series) -> pd.Series:
    """Segment labels as the estimators write them: text, with missing values as "(missing)"."""
    return values.astype("string").fillna(MISSING_LABEL).astype(str)


def suppress_segments(
    segments: pd.Series,
    candidates: pd.Series,
    *,
    min_group: int = DEFAULT_MIN_GROUP,
    column: str = "segment",
) -> Suppression:
    """Decide which segments of one breakdown are published (primary and complementary suppression).

    Parameters
    ----------
    segments : Series
        The segment label of each row (episode or application); see
        :func:`segment_labels`.
    candidates : Series
        The candidate of each row, aligned with ``segments``. A candidate in
        several segments counts in each.
    min_group : int
        The least number of distinct candidates a published segment has.
    column : str
        The breakdown's name, for :meth:`Suppression.explain`.

    Returns
    -------
    Suppression

    Examples
    --------
    Two small segments hold 4 candidates together, so subtracting the rest
    from the total would describe 4 people: the next smallest goes too.

    >>> seg = pd.Series(list("aaaaaabbbbbbbcc") + ["d", "d"])
    >>> cand = pd.Series(range(17)).astype(str)
    >>> s = suppress_segments(seg, cand, min_group=5)
    >>> s.kept, s.suppressed
    (['b'], {'c': 'too_few', 'd': 'too_few', 'a': 'complementary'})
    """
    k = check_min_group(min_group)
    if len(segments) != len(candidates):
        raise HiringFunnelError("segments and candidates must have the same length")
    frame = pd.DataFrame(
        {"segment": np.asarray(segments, dtype=object), "candidate": np.asarray(candidates)}
    )
    members = frame.groupby("segment", sort=True)["candidate"].agg(lambda c: set(c.dropna()))
    sizes = members.map(len)
    # Largest first; equal sizes in label order, so the choice never depends on row order.
    order = sorted(sizes.index, key=lambda s: (-int(sizes[s]), str(s)))
    suppressed = {s: "too_few" for s in sorted(order, key=str) if sizes[s] < k}
    if suppressed:
        hidden: set[object] = set().union(*(members[s] for s in suppressed))
        for s in sorted(order, key=lambda s: (int(sizes[s]), str(s))):  # smallest first
            if len(suppressed) >= 2 and len(hidden) >= k:
                break
            if s in suppressed:
                continue
            suppressed[s] = "complementary"
            hidden |= members[s]
    return Suppression(
        column, k, [str(s) for s in order], {str(s): r for s, r in suppressed.items()}
    )


def distinct_candidates(episodes: pd.DataFrame) -> int:
    """Distinct candidates among episodes (``candidate_id``; the application when unknown)."""
    return int(candidate_key(episodes).nunique())


def tail_cutoff(episodes: pd.DataFrame, *, min_group: int = DEFAULT_MIN_GROUP) -> float:
    """The last day on which at least ``min_group`` distinct candidates are still waiting.

    A candidate is still waiting on day t when one of their episodes lasts at
    least t days (``duration >= t``), so the cutoff is the ``min_group``-th
    largest of the candidates' longest waits. Curves and tables are cut there.
    NaN when the episodes hold fewer than ``min_group`` candidates.

    Examples
    --------
    >>> ep = pd.DataFrame({"candidate_id": list("abcdef"), "duration": [1., 9, 3, 7, 5, 30]})
    >>> tail_cutoff(ep, min_group=3), tail_cutoff(ep, min_group=1), tail_cutoff(ep, min_group=7)
    (7.0, 30.0, nan)
    """
    k = check_min_group(min_group)
    longest = episodes["duration"].groupby(candidate_key(episodes).to_numpy()).max()
    if len(longest) < k:
        return float("nan")
    return float(np.sort(longest.to_numpy(dtype=float))[::-1][k - 1])


def candidate_key(episodes: pd.DataFrame) -> pd.Series:
    """Each episode's candidate: ``candidate_id``, else its application (one person each)."""
    if "candidate_id" in episodes.columns:
        key = episodes["candidate_id"].astype("string")
        if "application_id" in episodes.columns:
            key = key.fillna("application " + episodes["application_id"].astype("string"))
        return key
    if "application_id" in episodes.columns:
        return episodes["application_id"].astype("string")
    # Bare episodes: every row is its own candidate.
    return pd.Series(np.arange(len(episodes)), index=episodes.index)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?(?: UTC)?")
_LINES = re.compile(r"\b(lines?) \d+(?:(?:, | and )\d+)*")


def redact_reason(reason: str) -> str:
    """A quarantine reason with the values from the data taken out, so it can be published.

    Quoted values (which may be ids or names), dates and line numbers become
    "…", so reasons of the same kind can also be counted together.

    Examples
    --------
    >>> redact_reason("conflicting duplicates: application id 'A17' also on line 2 with other values")
    'conflicting duplicates: application id … also on line … with other values'
    >>> redact_reason("dated 2024-04-02 09:00 UTC, after the as-of date (2024-04-01 00:00 UTC)")
    'dated …, after the as-of date (…)'
    """
    text = _QUOTED.sub("…", str(reason))
    text = _DATE.sub("…", text)
    return _LINES.sub(lambda m: f"{m.group(1)} …", text)
