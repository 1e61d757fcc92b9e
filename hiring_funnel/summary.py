"""The analysis summary: what a dashboard shows beside what censoring-aware figures say.

A dashboard's "average time to feedback" averages the waits of the answered
applications only, so every application still waiting (often the slow ones)
is dropped and the figure comes out too short. The Kaplan-Meier median counts
the still-open applications as "at least this long" (censored) instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiring_funnel.clocks import episodes
from hiring_funnel.lifetable import life_table
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
    "median_reached",
)


def km_median(table: pd.DataFrame) -> tuple[float, bool]:
    """Kaplan-Meier median from one group's life table: (median, reached).

    S(t) = prod over t_j <= t of (1 - d_j / n_j); the median is the first t
    with S(t) <= 0.5. When S never falls that low (more than half still
    waiting), the last observed time is returned with ``reached=False``.

    Examples
    --------
    >>> lt = pd.DataFrame({"time": [1.0, 2.0, 3.0], "at_risk": [4, 3, 2], "events": [1, 1, 0]})
    >>> km_median(lt)
    (2.0, True)
    """
    if table.empty:
        return float("nan"), False
    at_risk = table["at_risk"].to_numpy(dtype=float)
    events = table["events"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
    surv = np.cumprod(factor)
    # A tolerance keeps S = 0.5 exactly (e.g. 2 of 4) from missing by rounding.
    hit = np.flatnonzero(surv <= 0.5 + 1e-12)
    times = table["time"].to_numpy(dtype=float)
    if hit.size == 0:
        return float(times[-1]), False
    return float(times[hit[0]]), True


def summarise(
    log: EventLog, *, clocks: Sequence[str] = CLOCKS, by: str | None = None
) -> pd.DataFrame:
    """Per clock (and group): episodes, answered, censored, naive and censoring-aware waits.

    Examples
    --------
    >>> from hiring_funnel.load import read_events
    >>> log = read_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "b"], "event": ["applied", "rejection", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-05", "2024-03-01"]}), as_of="2024-03-20")
    >>> row = summarise(log, clocks=["first_response"]).iloc[0]
    >>> int(row.answered), float(row.naive_mean_wait), float(row.median_wait)  # S(4) = 1 - 1/2
    (1, 4.0, 4.0)
    """
    rows = []
    for clock in clocks:
        ep = episodes(log, clock)
        if by is not None and by not in ep.columns:
            raise HiringFunnelError(
                f"no attribute {by!r} to break down by",
                hint="attributes: "
                + ", ".join(c for c in log.attributes.columns if c != "application_id"),
            )
        groups = (
            [("all", ep)]
            if by is None
            else [
                (str(k), g)
                for k, g in ep.groupby(ep[by].astype("string").fillna("(missing)"), sort=True)
            ]
        )
        for label, g in groups:
            answered = g["cause"].notna()
            waits = g.loc[answered, "duration"]
            median, reached = km_median(life_table(g)) if len(g) else (float("nan"), False)
            rows.append(
                {
                    "clock": clock,
                    "group": label,
                    "episodes": len(g),
                    "answered": int(answered.sum()),
                    "censored": int((~answered).sum()),
                    "naive_mean_wait": float(waits.mean()) if len(waits) else float("nan"),
                    "naive_median_wait": float(waits.median()) if len(waits) else float("nan"),
                    "median_wait": median,
                    "median_reached": reached,
                }
            )
        as_of = ep.attrs.get("as_of")
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    out.attrs["as_of"] = as_of if clocks else None
    return out


def format_summary(table: pd.DataFrame, *, as_of: pd.Timestamp | None = None) -> str:
    """The summary as a plain-text table for the terminal."""
    lines = []
    if as_of is not None:
        lines.append(f"as of {pd.Timestamp(as_of):%Y-%m-%d %H:%M} UTC; waits in days")
    header = (
        f"{'clock':<20} {'group':<18} {'episodes':>8} {'answered':>8} {'open':>6}  "
        f"{'naive mean':>10} {'naive median':>12}  {'KM median':>12}"
    )
    lines += [header, "-" * len(header)]
    for r in table.itertuples(index=False):
        if r.episodes == 0:
            km = "no episodes"
        elif r.median_reached:
            km = f"{r.median_wait:.0f}"
        else:
            km = f"> {r.median_wait:.0f}"
        mean = "-" if np.isnan(r.naive_mean_wait) else f"{r.naive_mean_wait:.1f}"
        med = "-" if np.isnan(r.naive_median_wait) else f"{r.naive_median_wait:.0f}"
        lines.append(
            f"{r.clock:<20} {str(r.group)[:18]:<18} {r.episodes:>8,} {r.answered:>8,} "
            f"{r.censored:>6,}  {mean:>10} {med:>12}  {km:>12}"
        )
    lines.append(
        "naive: answered applications only (what dashboards show); KM median: counts the "
        "open ones as still waiting; '> x': more than half still waiting at the last day seen"
    )
    return "\n".join(lines)
