"""Outcomes a tracker records without a date: the application is kept, the outcome dated by one rule.

A wide tracker often says how an application ended ("Rejected", "Not hired")
but not when. Quarantining that event would quarantine its row, which is the
whole application: the application would be lost, and with it the fact that
it was answered. Instead the application and its dated events are kept, and
the outcome is dated by the mapping's ``undated`` rule:

``"median"`` (the default)
    The application is known to have ended by the as-of date, after its last
    dated event, but not when. It is dated at the median time from applying
    to the same outcome among the applications of the log where that outcome
    is dated *and* came later than this application's last dated event
    (so the date never precedes what the row records); with no such
    application, at the as-of date. Never after the as-of date. Under random
    missingness of the dates this keeps the outcome's share and, roughly, its
    timing (``benchmarks/undated_outcomes.py`` measures it).
``"as_of"``
    Dated at the as-of date: the outcome's share is right by the end of the
    log, its time an upper bound (waits look longer).

Measured (``benchmarks/undated_outcomes.py``, 40 simulated trackers of 2,000
applications, 20 percent of the decision dates removed at random): against the
complete data, the median rule's bias in the cumulative incidence of a
rejection is at most 2.0 standard deviations (around the median day, where it
piles the dated outcomes) and 0.2 from day 60 on; ``as_of`` is 2.8 to 5.0 off,
dropping the application 2.0 to 3.6, forgetting the outcome 3.8 to 7.1.

Every undated outcome is reported as a problem with its file and line (kind
``undated_outcome``) saying the date it was given, and counted in
``meta["undated_outcomes"]``. An outcome whose application has no dated event
at all cannot be placed and stays quarantined (missing date).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError, Problem

#: Events that end an application: the ones a tracker may record without a date.
ENDINGS: tuple[str, ...] = ("offer", "rejection", "withdrawn", "closed")
#: The mapping's ``undated`` values.
RULES: tuple[str, ...] = ("median", "as_of")
_NS_PER_DAY = 86_400 * 10**9


def check_rule(rule: str, source: str = "<mapping>") -> str:
    """``rule`` if it is one of :data:`RULES`, else a one-line error."""
    if rule not in RULES:
        raise HiringFunnelError(
            f"undated must be one of {', '.join(repr(r) for r in RULES)}, not {rule!r}",
            source=source,
        )
    return rule


def split_undated(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events without the undated outcomes, and those outcomes (their reason cleared).

    ``events`` are a wide mapping's events with their first reasons: an outcome
    whose only problem is its missing date is one of them.
    """
    mask = (events["reason_kind"] == "missing_date").to_numpy() & events["event"].isin(
        ENDINGS
    ).to_numpy()
    undated = events[mask].copy()
    for col in ("reason", "reason_column", "reason_kind"):
        undated[col] = None
    return events[~mask], undated


def date_undated(
    events: pd.DataFrame, undated: pd.DataFrame, rule: str, limit: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Date the undated outcomes whose application has a dated event.

    Returns the dated outcomes, the ones that cannot be placed (no dated event
    of their application), and one problem per dated outcome.
    """
    if undated.empty:
        return undated, undated, []
    apps = events["application_id"]
    last = events.groupby(apps, sort=False)["timestamp"].max()
    known = undated["application_id"].isin(last.index).to_numpy()
    placed, unplaced = undated[known].copy(), undated[~known]
    applied = events[events["event"] == "applied"].groupby("application_id")["timestamp"].min()
    start = placed["application_id"].map(applied)
    end = placed["application_id"].map(last)
    when = pd.Series(limit, index=placed.index)
    if rule == "median":
        for event, rows in placed.groupby("event", sort=False).groups.items():
            dated = events[events["event"] == event]
            since = dated["timestamp"] - dated["application_id"].map(applied)
            days = np.sort(since.dropna().to_numpy(dtype="timedelta64[ns]").astype(np.int64))
            when.loc[rows] = _later_median(days, start[rows], end[rows], limit)
    placed["timestamp"] = when.where(when <= limit, limit).astype(events["timestamp"].dtype)
    problems = [
        Problem(
            int(line),
            None if pd.isna(col) else str(col),
            f"{event} has no date; dated {ts:%Y-%m-%d} by the undated rule {rule!r} "
            f"({_RULE_WORDS[rule]})",
            f"undated = {_OTHER[rule]!r} in the mapping dates it another way",
            kind="undated_outcome",
        )
        for line, col, event, ts in zip(
            placed["line"],
            placed["source_column_timestamp"],
            placed["event"],
            placed["timestamp"],
            strict=True,
        )
    ]
    return placed, unplaced, problems


def _later_median(
    days: np.ndarray, start: pd.Series, end: pd.Series, limit: pd.Timestamp
) -> pd.Series:
    """Per row, the application date plus the median of the sorted ``days`` (ns) longer
    than the row's own wait so far; ``limit`` where there is none or no start."""
    waited = (end - start).to_numpy(dtype="timedelta64[ns]").astype(np.int64)
    first = np.searchsorted(days, waited, side="right")  # the later waits: days[first:]
    m = len(days) - first
    ok = ~start.isna().to_numpy() & (m > 0)
    lo = np.minimum(first + (m - 1) // 2, len(days) - 1)
    hi = np.minimum(first + m // 2, len(days) - 1)
    mid = (days[lo] // 2 + days[hi] // 2 + (days[lo] % 2 + days[hi] % 2) // 2) if len(days) else 0
    shift = pd.to_timedelta(np.where(ok, mid, 0), unit="ns")
    return pd.Series(np.where(ok, start + shift, limit), index=start.index)


_OTHER = {"median": "as_of", "as_of": "median"}
_RULE_WORDS = {
    "median": "the median time to it where it is dated, after the row's last dated event",
    "as_of": "the as-of date",
}
