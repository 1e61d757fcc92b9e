"""The analysis summary: what a dashboard shows beside what censoring-aware figures say.

A dashboard's "average time to feedback" averages the waits of the answered
applications only, so every application still waiting (often the slow ones)
is dropped and the figure comes out too short. The Kaplan-Meier median counts
the still-open applications as "at least this long" (censored) instead.

The summary publishes counts per group, so with ``min_group`` above 1 (the
``summary`` command's default is 5, as the report's) it follows the rule of
:mod:`hiring_funnel.report.privacy`: a clock of fewer than ``min_group`` candidates
is not shown, small groups are suppressed on every clock (counted, not named),
a count of fewer candidates is hidden with its complement, the dashboard
figures need as many answered candidates, and medians stop at the tail cutoff.
With ``min_group=1`` (the library's default: an analyst's own view) everything
is shown.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.analyses.headline import HEADLINE_WAITED
from hiring_funnel.clocks import episodes
from hiring_funnel.estimators import waiting_quantiles
from hiring_funnel.observation import attribute_names
from hiring_funnel.report.privacy import (
    COMPLEMENTARY,
    DEFAULT_MAX_LEVELS,
    TOO_FEW,
    candidate_key,
    check_breakdown_column,
    check_min_group,
    distinct_candidates,
    hide_splits,
    segment_labels,
    suppress_across,
    suppress_parts,
    tail_cutoff,
)
from hiring_funnel.report.published import file_name
from hiring_funnel.schema import EventLog
from hiring_funnel.text import short_label

__all__ = [
    "CLOCKS",
    "SUMMARY_COLUMNS",
    "collected",
    "counts_line",
    "format_summary",
    "headline",
    "log_candidates",
    "summarise",
    "what_next",
]

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
_COUNTS = ("episodes", "answered", "censored")


def summarise(
    log: EventLog,
    *,
    clocks: Sequence[str] = CLOCKS,
    by: str | None = None,
    min_group: int = 1,
    max_levels: int = DEFAULT_MAX_LEVELS,
    made: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Per clock (and group): episodes, answered, censored, naive and censoring-aware waits.

    The censoring-aware median and its interval are
    :func:`hiring_funnel.estimators.waiting_quantiles` (R's quantile.survfit);
    when more than half are still waiting at the last day that may be shown
    (the tail cutoff: the last day seen with ``min_group=1``), the median is
    not reached and ``median_wait`` holds that day.

    Parameters
    ----------
    log : EventLog
        From :func:`hiring_funnel.read_events`.
    clocks : sequence of str
        The clocks to summarise.
    by : str, optional
        An attribute whose values are categories (:mod:`hiring_funnel.report.breakdown_columns`).
    min_group : int
        1 shows everything. Above 1, what is published follows
        :mod:`hiring_funnel.report.privacy`: the groups shown hold at least this
        many candidates (``attrs["groups_hidden"]`` counts the others per
        clock), a hidden count is <NA> with its reason in
        ``attrs["hidden"][(clock, group, column)]`` ("too_few" or
        "complementary"), a clock of fewer candidates has one row of <NA>
        (listed in ``attrs["unpublished"]``), and the naive waits need as many
        answered candidates.
    max_levels : int
        The most distinct values ``by`` may have.
    made : dict of clock to DataFrame, optional
        Episodes already made from ``log``; the dict is filled with those made
        here, so that :func:`headline` can take the decision clock's without
        building it again (on an engine, a query over every event).

    Examples
    --------
    >>> from hiring_funnel.io.load import read_events
    >>> log = read_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "b"], "event": ["applied", "rejection", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-05", "2024-03-01"]}), as_of="2024-03-20")
    >>> row = summarise(log, clocks=["first_response"]).iloc[0]
    >>> int(row.answered), float(row.naive_mean_wait), float(row.median_wait)
    (1, 4.0, 11.5)

    Here S = 1/2 from day 4 to the last day seen, 19, so the median is their
    midpoint, as in R; the naive mean of the one answered wait is 4.
    """
    k = check_min_group(min_group)
    if by is not None:
        available = attribute_names(log.attributes)
        values = _column(log.attributes, by) if by in available else None
        check_breakdown_column(by, available, values, max_levels=max_levels)
    built = {clock: made[clock] for clock in clocks if made and clock in made}
    wanted = [c for c in clocks if c not in built]
    if wanted and not isinstance(log, EventLog):
        # On an engine: every clock off one pass, candidates as integer codes.
        from hiring_funnel.engine.lean import lean_episodes

        built.update(lean_episodes(log, wanted, by))
    built.update({c: collected(episodes(log, c), by) for c in wanted if c not in built})
    built = {c: built[c] for c in clocks}
    if made is not None:
        made.update(built)  # handed back for headline()
    made = built
    as_of = next(iter(made.values())).attrs.get("as_of") if made else None
    published = {c: ep for c, ep in made.items() if distinct_candidates(ep) >= k and len(ep)}
    hidden: dict[tuple[str, str, str], str] = {}
    groups_hidden: dict[str, int] = {}
    sups = {}
    if by is not None and published:
        sups = suppress_across(
            {c: (segment_labels(ep[by]), candidate_key(ep)) for c, ep in published.items()},
            min_group=k,
            column=by,
        )
    rows: list[dict[str, object]] = []
    for clock, ep in made.items():
        if clock not in published:
            if k > 1:  # one row saying the clock is not shown; nothing for an empty one at k=1
                rows.append({"clock": clock, "group": "all"})
                hidden.update({(clock, "all", c): TOO_FEW for c in _COUNTS})
            continue
        labels = None if by is None else segment_labels(ep[by])
        kept = ["all"] if by is None else sups[clock].kept
        if by is not None:
            groups_hidden[clock] = len(sups[clock].suppressed)
        splits = _splits(ep, labels, kept, k)
        for label in sorted(kept):
            g = ep if labels is None else ep[(labels == label).to_numpy()]
            answered = g["cause"].notna()
            waits = g.loc[answered, "duration"]
            few = candidate_key(g[answered]).nunique() < k
            row: dict[str, object] = {
                "clock": clock,
                "group": str(label),
                "episodes": len(g),
                "answered": int(answered.sum()),
                "censored": int((~answered).sum()),
                "naive_mean_wait": float(waits.mean()) if len(waits) and not few else np.nan,
                "naive_median_wait": float(waits.median()) if len(waits) and not few else np.nan,
                **_median(g, tail_cutoff(g, min_group=k)),
            }
            for part, why in splits.get(label, {}).items():
                hidden[(clock, str(label), part)] = why
                row[part] = pd.NA
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for c in _COUNTS:
        out[c] = out[c].astype("Int64")
    out["median_reached"] = out["median_reached"].eq(True)
    out.attrs.update(
        as_of=as_of,
        observed_from=getattr(log, "observed_from", None),
        min_group=k,
        by=by,
        hidden=hidden,
        groups_hidden=groups_hidden,
        unpublished=[c for c in made if c not in published] if k > 1 else [],
    )
    return out


def collected(ep: pd.DataFrame | Any, by: str | None = None) -> pd.DataFrame:
    """Episodes as a pandas frame: of engine episodes only what the summary reads.

    That is each episode's candidate (``candidate_id``, else its application:
    :func:`~hiring_funnel.report.privacy.candidate_key`, taken on the engine),
    ``entry``, ``duration``, ``cause`` and the ``by`` column; the application
    ids, times and other attributes stay on the engine.
    """
    if isinstance(ep, pd.DataFrame):
        return ep
    t = ep.table
    lean = t.select(
        candidate_id=t.candidate_id.fill_null(t.application_id),
        entry=t.entry,
        duration=t.duration,
        cause=t.cause,
        **({} if by is None else {by: t[by]}),
    ).to_pandas()
    lean["candidate_id"] = lean["candidate_id"].astype("string")
    for col in ("entry", "duration"):
        lean[col] = lean[col].astype(np.float64)
    lean["cause"] = pd.Categorical(lean["cause"], categories=pd.Index(list(ep.causes)))
    lean.attrs = dict(ep.options)
    return lean


def _column(table: pd.DataFrame | Any, column: str) -> pd.Series:
    """One column of a pandas frame or of an engine table, as a Series."""
    if isinstance(table, pd.DataFrame):
        return table[column]
    return table.select(column).to_pandas()[column]


def log_candidates(log: EventLog | Any) -> int:
    """Distinct candidates of a log (an application without a candidate is one)."""
    if isinstance(log, EventLog):
        return int(log.events["candidate_id"].fillna(log.events["application_id"]).nunique())
    ev = log.events
    return int(ev.candidate_id.fill_null(ev.application_id).nunique().execute())


def _fewer_candidates(log: EventLog | Any, k: int) -> bool:
    """Whether the log has fewer than ``k`` distinct candidates (:func:`log_candidates`).

    On an engine, some rows with ``k`` distinct candidates settle it: a first
    look at a few thousand rows spares the distinct count of every row.
    """
    if not isinstance(log, EventLog):
        ev = log.events.limit(10_000)
        if int(ev.candidate_id.fill_null(ev.application_id).nunique().execute()) >= k:
            return False
    return log_candidates(log) < k


def _splits(
    ep: pd.DataFrame, labels: pd.Series | None, kept: list[str], k: int
) -> dict[str, dict[str, str]]:
    """Per group shown, which of answered / censored are hidden and why (labels None: one group)."""
    who = candidate_key(ep).to_numpy()
    answered = ep["cause"].notna().to_numpy()
    if labels is None:
        # The distinct candidates of each part, as arrays: a set of a million
        # Python objects costs more than the rest of the summary's Python.
        members = {"answered": pd.unique(who[answered]), "censored": pd.unique(who[~answered])}
        why = suppress_parts(members, min_group=k)
        return {"all": why} if why else {}
    lab = labels.to_numpy()
    parts = {
        g: {
            "answered": set(who[(lab == g) & answered]),
            "censored": set(who[(lab == g) & ~answered]),
        }
        for g in kept
    }
    if kept == ["all"]:
        why = suppress_parts(parts["all"], min_group=k)
        return {"all": why} if why else {}
    others = ~np.isin(lab, kept)
    rest = {"answered": set(who[others & answered]), "censored": set(who[others & ~answered])}
    out = {}
    for g in hide_splits(parts, min_group=k, hidden_rows=rest):
        out[g] = {p: TOO_FEW if 0 < len(m) < k else COMPLEMENTARY for p, m in parts[g].items()}
    return out


def _median(ep: pd.DataFrame, cutoff: float) -> dict[str, float | bool]:
    """The Kaplan-Meier median up to the cutoff day; past it, "more than the cutoff"."""
    empty = {
        "median_wait": np.nan,
        "median_ci_lower": np.nan,
        "median_ci_upper": np.nan,
        "median_reached": False,
    }
    if ep["cause"].notna().sum() == 0 or np.isnan(cutoff):
        return empty
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", UserWarning
        )  # a median not reached is shown as "> last day"
        row = waiting_quantiles(ep, probs=[0.5]).table.iloc[0]
    if not row["reached"] or row["estimate"] > cutoff:
        return {**empty, "median_wait": float(cutoff)}
    upper = float(row["ci_upper"])
    return {
        "median_wait": float(row["estimate"]),
        "median_ci_lower": float(row["ci_lower"]),
        "median_ci_upper": upper if upper <= cutoff else np.nan,
        "median_reached": True,
    }


def headline(
    log: EventLog,
    *,
    waited: Sequence[int] = HEADLINE_WAITED,
    min_group: int = 1,
    decision: pd.DataFrame | None = None,
    horizon: float | None = None,
) -> list[str]:
    """Sentences answering "is silence bad news?" on the decision clock.

    The sentences of :func:`hiring_funnel.analyses.headline.silence_headline`, the same
    as the report's. ``decision``: the log's decision-clock episodes when
    already made. ``horizon``: days after applying (``--horizon``); default
    the days this log covers (the last day on which ``min_group`` candidates
    are still waiting; the last day seen with 1), so every number still
    waiting that a sentence gives is at least ``min_group``.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(2000, seed=3)
    >>> log = hf.read_events(sim.events, as_of=sim.as_of)
    >>> headline(log, waited=[14])[1].startswith("After 14 days with no decision")
    True
    """
    from hiring_funnel.analyses.headline import horizon_of, silence_headline

    k = check_min_group(min_group)
    ep = collected(episodes(log, "decision")) if decision is None else decision
    h = None if horizon is None or not len(ep) else horizon_of(ep, min_group=k, days=horizon)
    return silence_headline(ep, min_group=k, horizon=h, waited=waited).lines


def what_next(
    log: EventLog,
    made: dict[str, pd.DataFrame],
    *,
    min_group: int = 1,
    horizon: float | None = None,
) -> list[str]:
    """What a job seeker asks next, as the report says it: when answers come, how far apps got.

    ``made``: the episodes :func:`summarise` made (its ``made`` dict). On an
    engine the stage counts are one aggregate query.
    """
    from hiring_funnel.analyses.headline import (
        answers_horizon,
        answers_sentence,
        funnel_sentence,
        funnel_stages,
        horizon_of,
    )

    k = check_min_group(min_group)
    if _fewer_candidates(log, k):
        return []
    lines = []
    first = made.get("first_response")
    if first is not None and len(first) and distinct_candidates(first) >= k:
        decision = made.get("decision")
        shared = (
            horizon_of(decision, min_group=k, days=horizon)
            if decision is not None and len(decision)
            else None
        )
        text = answers_sentence(first, horizon=answers_horizon(first, shared, min_group=k))
        if text:
            lines.append(text)
    lines.append(funnel_sentence(funnel_stages(log, min_group=k)))
    return lines


def counts_line(log: EventLog, *, min_group: int = 1) -> str:
    """Rows read, loaded and quarantined per file, as the summary publishes them.

    Files by their names (folders often hold a user name); with ``min_group``
    above 1 a small number quarantined is "fewer than k" (and then the rows
    read are not given, as they would give it back), and a log of fewer
    candidates gives no count.
    """
    k = check_min_group(min_group)
    name = file_name(log.source)
    attrs = log.meta.get("attributes")
    if k > 1 and _fewer_candidates(log, k):
        files = name + (f" and {file_name(attrs['source'])}" if attrs else "")
        return f"{files}: counts not shown (fewer than {k} candidates)"

    def rows(read: int, loaded: int, quarantined: int, skipped: int = 0) -> str:
        def part(n: int) -> str:
            return f"fewer than {k}" if k > 1 and 0 < n < k else f"{n:,}"

        # A small part shown as "fewer than k": the rows read would give it back.
        few = k > 1 and (0 < quarantined < k or 0 < skipped < k)
        s = f"{part(skipped)} skipped + " if skipped else ""
        return (
            "" if few else f"{read:,} rows read = "
        ) + f"{loaded:,} loaded + {s}{part(quarantined)} quarantined"

    text = f"{name}: " + rows(
        log.rows_read, log.rows_loaded, log.rows_quarantined, getattr(log, "rows_skipped", 0)
    )
    if attrs:
        unmatched = int(attrs.get("rows_unmatched", 0))
        few = k > 1 and 0 < unmatched < k
        text += f"\n{file_name(attrs['source'])}: " + rows(
            attrs["rows_read"], attrs["rows_loaded"], attrs["rows_quarantined"]
        )
        if unmatched:
            text += (
                f" ({f'fewer than {k}' if few else f'{unmatched:,}'} loaded rows name no "
                "application in the log)"
            )
    return text


def format_summary(table: pd.DataFrame, *, as_of: pd.Timestamp | None = None) -> str:
    """The summary as a plain-text table for the terminal (labels cleaned and shortened)."""
    attrs = table.attrs
    k = int(attrs.get("min_group", 1))
    hidden: dict[tuple[str, str, str], str] = attrs.get("hidden", {})
    unpublished = set(attrs.get("unpublished", []))
    as_of = attrs.get("as_of") if as_of is None else as_of
    lines = []
    start = attrs.get("observed_from")  # late entry: said, as waits count from then
    late = "" if start is None else f"; log begins {pd.Timestamp(start):%Y-%m-%d} (late entry)"
    if as_of is not None:
        lines.append(f"as of {pd.Timestamp(as_of):%Y-%m-%d %H:%M} UTC{late}; waits in days")
    header = (
        f"{'clock':<20} {'group':<18} {'episodes':>8} {'answered':>8} {'open':>6}  "
        f"{'naive mean':>10} {'naive median':>12}  {'KM median (95% CI)':>20}"
    )
    lines += [header, "-" * len(header)]

    def count(r: object, column: str) -> str:
        value = getattr(r, column)
        if pd.isna(value):
            why = hidden.get((str(r.clock), str(r.group), column))  # type: ignore[attr-defined]
            return f"<{k}" if why == TOO_FEW else "n/s"
        return f"{int(value):,}"

    for r in table.itertuples(index=False):
        if r.clock in unpublished:
            lines.append(f"{r.clock:<20} not shown: fewer than {k} candidates")
            continue
        if r.answered is pd.NA or pd.isna(r.answered):
            km = _km(r) if not np.isnan(r.median_wait) else "-"
        elif r.episodes == 0 or r.answered == 0:
            km = "no answers"
        else:
            km = _km(r)
        mean = "-" if np.isnan(r.naive_mean_wait) else f"{r.naive_mean_wait:.1f}"
        med = "-" if np.isnan(r.naive_median_wait) else f"{r.naive_median_wait:.0f}"
        lines.append(
            f"{r.clock:<20} {short_label(r.group, 18):<18} {count(r, 'episodes'):>8} "
            f"{count(r, 'answered'):>8} {count(r, 'censored'):>6}  {mean:>10} {med:>12}  {km:>20}"
        )
    lines.append(
        "naive: answered applications only (what dashboards show); KM median: counts the "
        "open ones as still waiting; '> x': more than half still waiting at the last day "
        "shown; '?': the interval does not close within the days shown"
    )
    groups = {c: n for c, n in attrs.get("groups_hidden", {}).items() if n}
    if hidden or groups or unpublished:
        lines.append(
            f"privacy (min group {k}): '<{k}': fewer than {k} candidates; 'n/s': not shown, "
            "as it would give such a count back by subtraction; '-' dashboard figures of "
            f"fewer than {k} answered candidates"
        )
    for clock, n in groups.items():
        by = short_label(attrs.get("by", "group"))
        lines.append(f"{clock}: {n} {by} {'group' if n == 1 else 'groups'} not shown")
    return "\n".join(lines)


def _km(r: object) -> str:
    if r.median_reached:  # type: ignore[attr-defined]
        lo, hi = r.median_ci_lower, r.median_ci_upper  # type: ignore[attr-defined]
        return f"{r.median_wait:.0f} ({_limit(lo)}-{_limit(hi)})"  # type: ignore[attr-defined]
    return f"> {r.median_wait:.0f}"  # type: ignore[attr-defined]


def _limit(value: float) -> str:
    return "?" if np.isnan(value) else f"{value:.0f}"
