"""Breakdowns: the waits of each segment of one attribute (industry, company size, ...).

Only the segments :func:`hiring_funnel.report.privacy.suppress_across` lets through
reach an estimator, so a suppressed segment never appears in a table, a curve,
a legend or an at-risk row, and the tests between segments compare published
segments only. A segment hidden on one clock is hidden on every clock, and the
section keeps only how many were hidden, never their labels. A segment's
number of open waits is shown only where :func:`hiring_funnel.report.privacy.hide_splits`
allows; its dashboard median only where its answers come from at least
``min_group`` candidates. Labels are cleaned and shortened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hiring_funnel.estimators import (
    cumulative_incidence,
    gray_test,
    kaplan_meier,
    logrank_test,
    waiting_quantiles,
)
from hiring_funnel.plots import plain_text, plot_survival
from hiring_funnel.report import words as f
from hiring_funnel.report.figures import cut_tail, draw_chances, svg_data_url
from hiring_funnel.report.privacy import (
    TOO_FEW,
    candidate_key,
    hide_splits,
    segment_labels,
    suppress_across,
    tail_cutoff,
)
from hiring_funnel.report.published import shown
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.text import clean_label, short_label

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
    """Tables (one per clock), figures and the number of hidden segments of one breakdown column.

    ``hidden`` maps the hidden segments to why (for the regression section,
    which leaves them out); the template shows only how many there are.
    """
    name = short_label(column)
    out: dict[str, Any] = {
        "column": name,
        "key": column,
        "tables": [],
        "figures": [],
        "hidden": {},
        "suppressed": 0,
    }
    published = [c for c in clocks if c.published]
    labels = {c.name: segment_labels(c.episodes[column]) for c in published}
    sups = suppress_across(
        {c.name: (labels[c.name], candidate_key(c.episodes)) for c in published},
        min_group=min_group,
        column=column,
    )
    for sup in sups.values():
        out["hidden"].update(sup.suppressed)
    out["suppressed"] = len(out["hidden"])
    curves: dict[str, str] | None = None
    for clock in published:
        ep = clock.episodes
        sup = sups[clock.name]
        lab = labels[clock.name]
        keep = lab.isin(sup.kept).to_numpy()
        # From here on only published segments exist: estimators never see the others.
        shown_ep = ep.loc[keep].copy()
        shown_ep[column] = lab[keep].to_numpy()
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
        splits, open_few = _splits(ep, lab, sup.kept, min_group)
        cutoffs = {
            s: tail_cutoff(shown_ep[shown_ep[column] == s], min_group=min_group) for s in sup.kept
        }
        horizon = min(cutoffs.values())
        chances: dict[str, tuple[float, float, float]] = {}
        if clock.name == "decision" and horizon >= _MIN_HORIZON:
            chances = _chance_by(shown_ep, column, clock.cause, horizon)
            table["horizon"] = f.days(horizon) if chances else None
        medians = _medians(shown_ep, column)
        for segment in sup.kept:
            g = shown_ep[shown_ep[column] == segment]
            why = splits.get(segment)
            if why is not None:
                why = TOO_FEW if segment in open_few else "complementary"
            table["rows"].append(_row(g, segment, medians, cutoffs, chances, why, min_group))
        table["tests"] = _tests(shown_ep, column, clock, len(sup.kept))
        if curves is None:  # one set of curves per breakdown: the first clock with answers
            curves = _curves(shown_ep, column, clock, sup.kept, cutoffs)
            if curves is not None:
                out["figures"].append(curves)
        if chances:
            out["figures"].append(_dots(column, sup.kept, chances, horizon))
    return out


def _splits(
    ep: pd.DataFrame, labels: pd.Series, kept: list[str], min_group: int
) -> tuple[dict[str, str], set[str]]:
    """Segments whose answered/open split is hidden, and those whose open waits are the few."""
    who = candidate_key(ep).to_numpy()
    answered = ep["cause"].notna().to_numpy()
    lab = labels.to_numpy()
    rows: dict[str, dict[str, set[object]]] = {}
    for s in kept:
        here = lab == s
        rows[s] = {"answered": set(who[here & answered]), "open": set(who[here & ~answered])}
    others = ~np.isin(lab, kept)
    hidden_rows = {"answered": set(who[others & answered]), "open": set(who[others & ~answered])}
    splits = hide_splits(rows, min_group=min_group, hidden_rows=hidden_rows)
    open_few = {s for s in splits if 0 < len(rows[s]["open"]) < min_group}
    return splits, open_few


def _row(
    g: pd.DataFrame,
    segment: str,
    medians: dict[str, tuple[float, float, float]],
    cutoffs: dict[str, float],
    chances: dict[str, tuple[float, float, float]],
    open_hidden: str | None,
    min_group: int,
) -> dict[str, Any]:
    answered = g["cause"].notna()
    median, lower, upper = medians.get(segment, (np.nan, np.nan, np.nan))
    if np.isnan(median) or median > cutoffs[segment]:
        aware, ci = f"more than {f.days(cutoffs[segment])}", None
    else:
        upper = upper if upper <= cutoffs[segment] else np.nan
        aware, ci = f.days(median), f.interval(lower, upper, "days")
    chance = chances.get(segment)
    # The dashboard median describes the answered ones: only when they are enough people.
    enough = candidate_key(g[answered]).nunique() >= min_group
    return {
        "segment": short_label(segment),
        "applications": f.number(len(g)),
        "open": shown(int((~answered).sum()), open_hidden, min_group),
        "naive_median": f.days(float(g.loc[answered, "duration"].median())) if enough else "–",
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
    km = cut_tail(km, top)
    drawn = [s for s in drawn if s in set(km.table["group"])]  # a segment may have no row so early
    if not drawn:
        return None
    title = plain_text(f"{f.CLOCK_TITLES[clock.name]}: still waiting, by {short_label(column)}")
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
    title = f"Chance of an offer within {f.days(horizon)}, by {clean_label(short_label(column))}"
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
        lr = logrank_test(published, by=column)
        lines.append(
            f"Do the waits differ between segments? Log-rank test: {f.p_value(lr.p_value)} "
            f"(chi-square {lr.statistic:.1f} on {lr.df} degrees of freedom)."
        )
    except HiringFunnelError as exc:
        lines.append(f"Log-rank test not computed: {exc.message}.")
    if clock.name == "decision" and (published["cause"] == clock.cause).any():
        try:
            gray = gray_test(published, by=column, cause=clock.cause)
            lines.append(
                f"Does the chance of {f.CAUSE_WORDS.get(clock.cause, clock.cause)} differ? "
                f"Gray's test: {f.p_value(gray.p_value)} "
                f"(chi-square {gray.statistic:.1f} on {gray.df} degrees of freedom)."
            )
        except HiringFunnelError as exc:
            lines.append(f"Gray's test not computed: {exc.message}.")
    return lines
