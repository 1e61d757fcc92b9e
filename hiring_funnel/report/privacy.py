"""Privacy of what is published: small groups, sums that could be differenced, curve tails, paths.

This is small-group suppression in published outputs, not pseudonymisation: the
row-level data are not changed, only what reports, summaries and predictions show.

Everything ``report``, ``summary`` and ``predict`` publish is made of counts,
shares and curves about groups of people. The rules below keep any one
candidate from being singled out; ``min_group`` (k, default 5) is the least
number of distinct candidates a published figure rests on.

1. **Small counts.** A count that rests on fewer than k distinct candidates
   (but more than none) is shown as "fewer than k". Zero is shown: it
   describes no one. Counts of rows whose candidates are unknown (quarantined
   rows) count rows instead.
2. **Complementary suppression.** Where the parts of a published total would
   let a hidden part be worked out by subtraction (answered + still open =
   waits; the segments of a breakdown; event counts by type; quarantine
   reasons summing to the rows quarantined), the next smallest part is hidden
   too ("not shown"), and more, smallest first, until the hidden parts
   together hold at least k candidates (otherwise their sum, which
   subtraction recovers, would itself describe too few people). This is the
   rule of statistical offices for frequency tables (Hundepool et al.,
   *Statistical Disclosure Control*, 2012, chapter 5): :func:`suppress_parts`.
3. **Segments.** A segment of a breakdown (one value of a column such as
   ``industry``) with fewer than k candidates is not shown in any table,
   curve or at-risk row, with complementary suppression among the segments
   (:func:`suppress_segments`); a segment hidden on one clock is hidden on
   every clock of that breakdown, and suppression is rerun until every
   clock's hidden segments are at least two and hold at least k candidates
   together (:func:`suppress_across`). Hidden segments are counted, never
   named. Within the published segments, the split of a segment into answered
   and open waits is hidden where it, or the sum over the hidden rows that
   subtraction from the clock's totals gives, rests on fewer than k
   candidates (:func:`hide_splits`).
4. **No combinations.** Counts are published only of whole clocks and of
   single published segments of one breakdown, never of a combination of two
   breakdowns (two breakdowns plus the size of their overlap would give the
   size of a cell): the regression section, which fits the applications whose
   every level is published, gives no count of applications fitted or left
   out, nor event counts of that subset.
5. **Shares.** A share whose numerator rests on fewer than k candidates and
   whose denominator is published (offers divided by all applications) is
   shown as "below x%", x being k divided by the denominator; one whose
   complement does, as "above x%". The outcome-mix bands are merged with
   their neighbours until each band's answers come from at least k
   candidates.
6. **Curves stop where too few are left.** The last steps of a waiting-time
   curve rest on the few applications still waiting; past the day on which
   fewer than k candidates are still waiting, each step would show when one
   person was answered. :func:`tail_cutoff` gives the last day a curve, a
   median or an at-risk number may describe; at-risk rows under figures show
   nothing past it.
7. **No identifiers, no folders.** Id columns, free-text and high-cardinality
   columns are never breakdowns (:mod:`hiring_funnel.report.breakdown_columns`); quarantine
   reasons are published as fixed descriptions of their kind
   (:data:`hiring_funnel.schema.QUARANTINE_KINDS`), never as the reason text;
   files are named without their folders (:func:`hiring_funnel.report.published.file_name`), as folders often
   hold a user name. A log of fewer than k candidates publishes no count at
   all.

Estimates read off curves (Kaplan-Meier, Aalen-Johansen, still hope,
regression coefficients) are published where the curve is, without rule 5.

Examples
--------
>>> import pandas as pd
>>> seg = pd.Series(["a"] * 6 + ["b"] * 7 + ["c"] * 2)
>>> cand = pd.Series([f"p{i}" for i in range(15)])
>>> s = suppress_segments(seg, cand, min_group=5, column="industry")
>>> s.kept, sorted(s.suppressed.items())
(['b'], [('a', 'complementary'), ('c', 'too_few')])
>>> suppress_parts({"answered": 120, "open": 3}, min_group=5)
{'open': 'too_few', 'answered': 'complementary'}
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from hiring_funnel.report.breakdown_columns import (
    DEFAULT_MAX_LEVELS,
    IDENTIFIER_COLUMNS,
    check_breakdown_column,
    check_max_levels,
)
from hiring_funnel.report.suppression import (
    COMPLEMENTARY,
    DEFAULT_MIN_GROUP,
    REASONS,
    TOO_FEW,
    Members,
    Suppression,
    check_min_group,
    suppress_parts,
)
from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "COMPLEMENTARY",
    "DEFAULT_MAX_LEVELS",
    "DEFAULT_MIN_GROUP",
    "HORIZON_HELP",
    "IDENTIFIER_COLUMNS",
    "MISSING_LABEL",
    "Members",
    "REASONS",
    "TOO_FEW",
    "Suppression",
    "candidate_key",
    "check_breakdown_column",
    "check_max_levels",
    "check_min_group",
    "distinct_candidates",
    "hide_splits",
    "segment_labels",
    "suppress_across",
    "suppress_parts",
    "suppress_segments",
    "tail_cutoff",
]

#: The ``--horizon`` option's help, the same for summary, report and predict: the
#: default horizon is the tail cutoff at ``--min-group`` (:func:`tail_cutoff`).
HORIZON_HELP = (
    "count every chance within DAYS of applying (default: the days the log covers, the last "
    "day on which at least --min-group candidates are still waiting)"
)
#: The label of a segment whose breakdown value is missing (as the estimators name it).
MISSING_LABEL = "(missing)"


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
    members = _members(segments, candidates)
    order = _largest_first(members)
    hidden = suppress_parts(members, min_group=k, min_hidden=2)
    return Suppression(column, k, order, _in_label_order(hidden))


def _members(segments: pd.Series, candidates: pd.Series) -> dict[str, set[object]]:
    """Segment label -> the set of its distinct candidates."""
    frame = pd.DataFrame(
        {"segment": np.asarray(segments, dtype=object), "candidate": np.asarray(candidates)}
    )
    grouped = frame.groupby("segment", sort=True)["candidate"].agg(lambda c: set(c.dropna()))
    return {str(s): m for s, m in grouped.items()}


def _largest_first(members: Mapping[str, Collection[object]]) -> list[str]:
    # Equal sizes in label order, so the order never depends on row order.
    return sorted(members, key=lambda s: (-len(members[s]), s))


def _in_label_order(hidden: dict[str, str]) -> dict[str, str]:
    """Primary ones first in label order, then the complementary ones as they were chosen."""
    return {
        **{s: r for s, r in sorted(hidden.items()) if r == TOO_FEW},
        **{s: r for s, r in hidden.items() if r != TOO_FEW},
    }


def suppress_across(
    segments: Mapping[str, tuple[pd.Series, pd.Series]],
    *,
    min_group: int = DEFAULT_MIN_GROUP,
    column: str = "segment",
) -> dict[str, Suppression]:
    """One breakdown on several clocks: a segment hidden on one clock is hidden on all.

    Parameters
    ----------
    segments : mapping
        Clock name -> (segment label of each episode, candidate of each episode).
    min_group : int
        As in :func:`suppress_segments`.
    column : str
        The breakdown's name.

    Returns
    -------
    dict
        Clock name -> :class:`Suppression` of the segments present on that clock;
        the hidden segments are the same on every clock (where present), at least
        two on each clock that hides any, and hold at least ``min_group``
        candidates together there. A segment's reason is ``"too_few"`` if it is
        too small on some clock.

    Examples
    --------
    "c" is small only among the interviewed; hiding it there takes "b" with it,
    and both are hidden on the other clock too.

    >>> first = pd.Series(list("aaaaaaabbbbbbcccccc")), pd.Series(range(19))
    >>> after = pd.Series(list("aaaaaaabbbbbbc")), pd.Series(range(14))
    >>> s = suppress_across({"first": first, "after": after}, min_group=5)
    >>> s["first"].kept, s["first"].suppressed
    (['a'], {'c': 'too_few', 'b': 'complementary'})
    """
    k = check_min_group(min_group)
    members = {clock: _members(labels, who) for clock, (labels, who) in segments.items()}
    hidden: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for parts in members.values():
            fixed = [s for s in hidden if s in parts]
            new = suppress_parts(parts, min_group=k, unpublished=fixed, min_hidden=2)
            for s, why in new.items():
                if s not in hidden or (why == TOO_FEW and hidden[s] != TOO_FEW):
                    changed = changed or s not in hidden
                    hidden[s] = why
    return {
        clock: Suppression(
            column,
            k,
            _largest_first(parts),
            _in_label_order({s: r for s, r in hidden.items() if s in parts}),
        )
        for clock, parts in members.items()
    }


def hide_splits(
    rows: Mapping[str, Mapping[str, Collection[object]]],
    *,
    min_group: int = DEFAULT_MIN_GROUP,
    hidden_rows: Mapping[str, Collection[object]] | None = None,
) -> dict[str, str]:
    """Rows of a table whose split into parts (answered, still open) must not be published.

    A published segment is split into parts whose sum (its size) is published,
    and each part sums over the segments to a published total of the clock. A
    row's split is hidden when one of its parts rests on fewer than
    ``min_group`` candidates (but more than none); then more rows, smallest
    first, until the parts that subtraction from the clock's totals recovers
    (those of the hidden rows and of the hidden segments, ``hidden_rows``,
    together) each rest on none or at least ``min_group`` candidates.

    Parameters
    ----------
    rows : mapping
        Row label -> {part name -> candidates}. Every row has the same parts.
    min_group : int
        As in :func:`suppress_parts`.
    hidden_rows : mapping, optional
        Part name -> candidates of the segments not published at all.

    Returns
    -------
    dict
        Row label -> ``"too_few"`` or ``"complementary"``.

    Examples
    --------
    >>> rows = {"a": {"answered": set(range(20)), "open": {20, 21}},
    ...         "b": {"answered": set(range(30, 40)), "open": set(range(40, 50))},
    ...         "c": {"answered": set(range(50, 60)), "open": set(range(60, 66))}}
    >>> hide_splits(rows, min_group=5)
    {'a': 'too_few', 'c': 'complementary'}
    """
    k = check_min_group(min_group)
    names = sorted({p for parts in rows.values() for p in parts})
    out: dict[str, str] = {
        r: TOO_FEW for r in sorted(rows) if any(0 < len(rows[r].get(p, ())) < k for p in names)
    }

    def safe() -> bool:
        if not out and not hidden_rows:
            return True
        for p in names:
            together: set[object] = set(hidden_rows.get(p, ()) if hidden_rows else ())
            for r in out:
                together |= set(rows[r].get(p, ()))
            if 0 < len(together) < k:
                return False
        return True

    def size(r: str) -> int:
        return len(set().union(*(set(m) for m in rows[r].values())))

    for r in sorted(rows, key=lambda q: (size(q), q)):
        if safe():
            break
        if r not in out:
            out[r] = COMPLEMENTARY
    return out


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
        if "application_id" not in episodes.columns and pd.api.types.is_integer_dtype(
            episodes["candidate_id"].dtype
        ):
            # Integer codes from an engine (equal codes, equal candidates): as they are.
            return episodes["candidate_id"]
        key = episodes["candidate_id"].astype("string")
        if "application_id" in episodes.columns:
            key = key.fillna("application " + episodes["application_id"].astype("string"))
        return key
    if "application_id" in episodes.columns:
        return episodes["application_id"].astype("string")
    # Bare episodes: every row is its own candidate.
    return pd.Series(np.arange(len(episodes)), index=episodes.index)
