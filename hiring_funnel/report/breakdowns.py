"""Breakdowns: the waits of each segment of one attribute (industry, company size, ...).

Only the segments :func:`hiring_funnel.anonymize.suppress_segments` lets through
reach an estimator, so a suppressed segment never appears in a table, a curve,
a legend or an at-risk row, and the tests between segments compare published
segments only.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hiring_funnel.anonymize import (
    REASONS,
    candidate_key,
    segment_labels,
    suppress_segments,
    tail_cutoff,
)
from hiring_funnel.estimators import (
    cumulative_incidence,
    gray_test,
    kaplan_meier,
    logrank_test,
    waiting_quantiles,
)
from hiring_funnel.plots import plot_survival
from hiring_funnel.report import _format as f
from hiring_funnel.report.figures import draw_chances, svg_data_url
from hiring_funnel.schema import EventLog, HiringFunnelError

if TYPE_CHECKING:
    from hiring_funnel.report.build import Clock

#: Segments drawn as curves (the tables list every published one): more lines are unreadable.
MAX_DRAWN = 6
#: Segments drawn as dots in the chance-of-an-offer figure.
MAX_DOTS = 15
#: A common horizon shorter than this says little about the chance of an offer.
_MIN_HORIZON = 7.0


def breakdown_section(
    log: EventLog, column: str, clocks: list[Clock], *, min_group: int
) -> dict[str, Any]:
    """Tables (one per clock), figures and the suppressed segments of one breakdown column."""
    out: dict[str, Any] = {"column": column, "tables": [], "figures": [], "suppressed": []}
    curves: dict[str, str] | None = None
    for clock in clocks:
        if not clock.published:
            continue
        ep = clock.episodes
        labels = segment_labels(ep[column])
        sup = suppress_segments(labels, candidate_key(ep), min_group=min_group, column=column)
        for label, why in sup.suppressed.items():
            out["suppressed"].append(
                {"label": label, "why": REASONS[why].format(k=min_group), "clock": clock.name}
            )
        keep = labels.isin(sup.kept).to_numpy()
        # From here on only published segments exist: estimators never see the others.
        published = ep.loc[keep].copy()
        published[column] = labels[keep].to_numpy()
        table: dict[str, Any] = {
            "clock": f.CLOCK_TITLES[clock.name],
            "rows": [],
            "tests": [],
            "horizon": None,
            "note": None,
        }
        out["tables"].append(table)
        if not sup.kept:
            table["note"] = "Every segment is suppressed (see Privacy)."
            continue
        cutoffs = {
            s: tail_cutoff(published[published[column] == s], min_group=min_group) for s in sup.kept
        }
        horizon = min(cutoffs.values())
        chances: dict[str, tuple[float, float, float]] = {}
        if clock.name == "decision" and horizon >= _MIN_HORIZON:
            chances = _chance_by(published, column, clock.cause, horizon)
            table["horizon"] = f.days(horizon) if chances else None
        medians = _medians(published, column)
        for segment in sup.kept:
            table["rows"].append(
                _row(published[published[column] == segment], segment, medians, cutoffs, chances)
            )
        table["tests"] = _tests(published, column, clock, len(sup.kept))
        if curves is None:  # one set of curves per breakdown: the first clock with answers
            curves = _curves(published, column, clock, sup.kept, cutoffs)
            if curves is not None:
                out["figures"].append(curves)
        if chances:
            out["figures"].append(_dots(column, sup.kept, chances, horizon))
    return out


def _row(
    g: pd.DataFrame,
    segment: str,
    medians: dict[str, tuple[float, float, float]],
    cutoffs: dict[str, float],
    chances: dict[str, tuple[float, float, float]],
) -> dict[str, Any]:
    answered = g["cause"].notna()
    median, lower, upper = medians.get(segment, (np.nan, np.nan, np.nan))
    if np.isnan(median) or median > cutoffs[segment]:
        aware, ci = f"more than {f.days(cutoffs[segment])}", None
    else:
        upper = upper if upper <= cutoffs[segment] else np.nan
        aware, ci = f.days(median), f.interval(lower, upper, "days")
    chance = chances.get(segment)
    return {
        "segment": segment,
        "applications": f.number(len(g)),
        "open": f.number(int((~answered).sum())),
        "naive_median": f.days(float(g.loc[answered, "duration"].median()))
        if answered.any()
        else "–",
        "median": aware,
        "ci": ci,
        "chance": None if chance is None else f.pct(chance[0]),
        "chance_ci": None if chance is None else f.interval(chance[1], chance[2]),
    }


def _curves(
    published: pd.DataFrame, column: str, clock: Clock, kept: list[str], cutoffs: dict[str, float]
) -> dict[str, str] | None:
    """Still-waiting curves of the largest segments that have answers, each cut at its own tail."""
    answered = published.groupby(column)["cause"].agg(lambda c: c.notna().any())
    with_answers = [s for s in kept if answered.get(s, False)]
    if not with_answers:
        return None
    # Segments followed for a much shorter time would cut every curve short (they stop together).
    longest = cutoffs[with_answers[0]]
    drawn = [s for s in with_answers if cutoffs[s] >= 0.5 * longest][:MAX_DRAWN]
    km = kaplan_meier(published[published[column].isin(drawn)], by=column)
    # Every curve stops on the same day, the earliest of their cutoffs: a curve that stopped
    # sooner would show "0" at risk under the later days, where the truth is "not shown".
    top = min(cutoffs[s] for s in drawn)
    km = dataclasses.replace(km, table=km.table[km.table["time"] <= top].reset_index(drop=True))
    drawn = [s for s in drawn if s in set(km.table["group"])]  # a segment may have no row so early
    if not drawn:
        return None
    title = f"{f.CLOCK_TITLES[clock.name]}: still waiting, by {column}"
    url = svg_data_url(
        lambda ax: plot_survival(km, ax=ax, groups=drawn, max_time=top, title=title), height=3.0
    )
    which = (
        "every published segment"
        if len(drawn) == len(kept)
        else f"{len(drawn)} of the {len(kept)} published segments (the largest ones with "
        "answers that were followed for long enough to compare)"
    )
    caption = (
        f"Drawn: {which}. The curves stop after {f.days(top)}: beyond it, fewer than the "
        "minimum number of candidates of some segment were still waiting."
    )
    return {"url": url, "caption": caption}


def _dots(
    column: str, kept: list[str], chances: dict[str, tuple[float, float, float]], horizon: float
) -> dict[str, str]:
    shown = [s for s in kept if s in chances][:MAX_DOTS]
    rows = [(s, *chances[s]) for s in shown]
    title = f"Chance of an offer within {f.days(horizon)}, by {column}"
    url = svg_data_url(
        lambda ax: draw_chances(ax, rows, title=title, xlabel="Chance of an offer (95% interval)"),
        height=0.9 + 0.28 * len(rows),
    )
    caption = (
        "Censoring-aware (Aalen-Johansen) chance that an application ends in an offer within "
        f"{f.days(horizon)} of applying; the whiskers are 95% confidence intervals."
        + (f" The {len(shown)} largest segments are drawn." if len(shown) < len(kept) else "")
    )
    return {"url": url, "caption": caption}


def _medians(published: pd.DataFrame, column: str) -> dict[str, tuple[float, float, float]]:
    if not published["cause"].notna().any():
        return {}
    table = waiting_quantiles(published, probs=[0.5], by=column).table
    return {
        str(r.group): (float(r.estimate), float(r.ci_lower), float(r.ci_upper))
        for r in table.itertuples(index=False)
    }


def _chance_by(
    published: pd.DataFrame, column: str, cause: str, horizon: float
) -> dict[str, tuple[float, float, float]]:
    """Each segment's cumulative incidence of ``cause`` at the horizon (0 where none came)."""
    if not (published["cause"] == cause).any():
        return {}
    table = cumulative_incidence(published, by=column).table
    table = table[(table["cause"] == cause) & (table["time"] <= horizon)]
    last = table.sort_values("time").groupby("group").tail(1)
    found = {
        str(r.group): (float(r.estimate), float(r.ci_lower), float(r.ci_upper))
        for r in last.itertuples(index=False)
    }
    # A segment with no offer by the horizon: the estimate is 0, its interval not estimable.
    segments = pd.unique(published[column].astype(str))
    return {s: found.get(s, (0.0, np.nan, np.nan)) for s in segments}


def _tests(published: pd.DataFrame, column: str, clock: Clock, segments: int) -> list[str]:
    if segments < 2 or not published["cause"].notna().any():
        return []
    lines = []
    try:
        lr = logrank_test(published, column)
        lines.append(
            f"Do the waits differ between segments? Log-rank test: {f.p_value(lr.p_value)} "
            f"(chi-square {lr.statistic:.1f} on {lr.df} degrees of freedom)."
        )
    except HiringFunnelError as exc:
        lines.append(f"Log-rank test not computed: {exc.message}.")
    if clock.name == "decision" and (published["cause"] == clock.cause).any():
        try:
            gray = gray_test(published, column, cause=clock.cause)
            lines.append(
                f"Does the chance of {f.CAUSE_WORDS.get(clock.cause, clock.cause)} differ? "
                f"Gray's test: {f.p_value(gray.p_value)} "
                f"(chi-square {gray.statistic:.1f} on {gray.df} degrees of freedom)."
            )
        except HiringFunnelError as exc:
            lines.append(f"Gray's test not computed: {exc.message}.")
    return lines
