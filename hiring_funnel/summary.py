"""The analysis summary: what a dashboard shows beside what censoring-aware figures say.

A dashboard's "average time to feedback" averages the waits of the answered
applications only, so every application still waiting (often the slow ones)
is dropped and the figure comes out too short. The Kaplan-Meier median counts
the still-open applications as "at least this long" (censored) instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiring_funnel.clocks import episodes
from hiring_funnel.estimators import still_hope, waiting_quantiles
from hiring_funnel.schema import EventLog, HiringFunnelError

CLOCKS: tuple[str, ...] = ("first_response", "interview_feedback", "decision")
SUMMARY_COLUMNS = (
    "clock",
    "group",
    "episodes",
    "answered",
    "censored",
    "naive_mean_wait",
    "naive_median_wait",
    "median_wait",
    "median_ci_lower",
    "median_ci_upper",
    "median_reached",
)
#: Days of silence for the headline of the summary.
HEADLINE_WAITED: tuple[int, ...] = (7, 14, 30)


def summarise(
    log: EventLog, *, clocks: Sequence[str] = CLOCKS, by: str | None = None
) -> pd.DataFrame:
    """Per clock (and group): episodes, answered, censored, naive and censoring-aware waits.

    The censoring-aware median and its interval are
    :func:`hiring_funnel.estimators.waiting_quantiles` (R's quantile.survfit);
    when more than half are still waiting at the last day seen, the median is
    not reached and ``median_wait`` holds that last day.

    Examples
    --------
    >>> from hiring_funnel.load import read_events
    >>> log = read_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "b"], "event": ["applied", "rejection", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-05", "2024-03-01"]}), as_of="2024-03-20")
    >>> row = summarise(log, clocks=["first_response"]).iloc[0]
    >>> int(row.answered), float(row.naive_mean_wait), float(row.median_wait)
    (1, 4.0, 11.5)

    Here S = 1/2 from day 4 to the last day seen, 19, so the median is their
    midpoint, as in R; the naive mean of the one answered wait is 4.
    """
    rows = []
    as_of = None
    for clock in clocks:
        ep = episodes(log, clock)
        as_of = ep.attrs.get("as_of")
        if by is not None and by not in ep.columns:
            raise HiringFunnelError(
                f"no attribute {by!r} to break down by",
                hint="attributes: "
                + ", ".join(c for c in log.attributes.columns if c != "application_id"),
            )
        key = (
            pd.Series("all", index=ep.index)
            if by is None
            else ep[by].astype("string").fillna("(missing)").rename("group")
        )
        for label, g in ep.groupby(key, sort=True):
            answered = g["cause"].notna()
            waits = g.loc[answered, "duration"]
            median = _median(g)
            rows.append(
                {
                    "clock": clock,
                    "group": str(label),
                    "episodes": len(g),
                    "answered": int(answered.sum()),
                    "censored": int((~answered).sum()),
                    "naive_mean_wait": float(waits.mean()) if len(waits) else np.nan,
                    "naive_median_wait": float(waits.median()) if len(waits) else np.nan,
                    **median,
                }
            )
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    out.attrs["as_of"] = as_of
    return out


def _median(ep: pd.DataFrame) -> dict[str, float | bool]:
    empty = {
        "median_wait": np.nan,
        "median_ci_lower": np.nan,
        "median_ci_upper": np.nan,
        "median_reached": False,
    }
    if ep["cause"].notna().sum() == 0:
        return empty
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", UserWarning
        )  # a median not reached is shown as "> last day"
        row = waiting_quantiles(ep, probs=[0.5]).table.iloc[0]
    if not row["reached"]:
        return {**empty, "median_wait": float(ep["duration"].max())}
    return {
        "median_wait": float(row["estimate"]),
        "median_ci_lower": float(row["ci_lower"]),
        "median_ci_upper": float(row["ci_upper"]),
        "median_reached": True,
    }


def headline(
    log: EventLog, *, cause: str = "offer", waited: Sequence[int] = HEADLINE_WAITED
) -> list[str]:
    """Sentences answering "is silence bad news?" on the decision clock.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(2000, seed=3)
    >>> log = hf.read_events(sim.events, as_of=sim.as_of)
    >>> headline(log, waited=[14])[0].startswith("After 14 days with no decision")
    True
    """
    ep = episodes(log, "decision")
    if ep.empty or not (ep["cause"] == cause).any():
        return [f"No {cause} in the log yet: the chance of one after a wait cannot be estimated."]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = still_hope(ep, cause, waited=list(waited))
    tau = result.meta["horizon"]["all"]
    lines = []
    for row in result.table.itertuples(index=False):
        if np.isnan(row.estimate):
            continue
        if row.events == 0:
            lines.append(
                f"After {row.time:.0f} days with no decision, none of the {row.at_risk:,.0f} applications "
                f"still waiting has ended in an {cause} (by day {tau:.0f}): too few to estimate the chance."
            )
            continue
        lines.append(
            f"After {row.time:.0f} days with no decision, the chance of an {cause} by day {tau:.0f} "
            f"is {100 * row.estimate:.1f}% (95% CI {100 * row.ci_lower:.1f}-{100 * row.ci_upper:.1f}%; "
            f"{row.at_risk:,.0f} applications still waiting)."
        )
    return lines


def format_summary(table: pd.DataFrame, *, as_of: pd.Timestamp | None = None) -> str:
    """The summary as a plain-text table for the terminal."""
    lines = []
    if as_of is not None:
        lines.append(f"as of {pd.Timestamp(as_of):%Y-%m-%d %H:%M} UTC; waits in days")
    header = (
        f"{'clock':<20} {'group':<18} {'episodes':>8} {'answered':>8} {'open':>6}  "
        f"{'naive mean':>10} {'naive median':>12}  {'KM median (95% CI)':>20}"
    )
    lines += [header, "-" * len(header)]
    for r in table.itertuples(index=False):
        if r.episodes == 0 or r.answered == 0:
            km = "no answers"
        elif r.median_reached:
            km = f"{r.median_wait:.0f} ({_limit(r.median_ci_lower)}-{_limit(r.median_ci_upper)})"
        else:
            km = f"> {r.median_wait:.0f}"
        mean = "-" if np.isnan(r.naive_mean_wait) else f"{r.naive_mean_wait:.1f}"
        med = "-" if np.isnan(r.naive_median_wait) else f"{r.naive_median_wait:.0f}"
        lines.append(
            f"{r.clock:<20} {str(r.group)[:18]:<18} {r.episodes:>8,} {r.answered:>8,} "
            f"{r.censored:>6,}  {mean:>10} {med:>12}  {km:>20}"
        )
    lines.append(
        "naive: answered applications only (what dashboards show); KM median: counts the "
        "open ones as still waiting; '> x': more than half still waiting at the last day seen; "
        "'?': the interval does not close within the days seen"
    )
    return "\n".join(lines)


def _limit(value: float) -> str:
    return "?" if np.isnan(value) else f"{value:.0f}"
