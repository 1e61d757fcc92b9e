"""What the headline says: one set of sentences for ``summary``, the report, ``predict`` and notebooks.

"Is silence bad news?" is answered on the ``decision`` clock with
:func:`~hiring_funnel.estimators.still_hope`, within one horizon
(:func:`horizon_of`): the days this log covers (the last day on which at least
``min_group`` candidates are still waiting), or a number of days the user
sets. Every place that states it builds its sentences here, so the same log
gives the same numbers and the same words everywhere.

The comparison rule (:func:`compare_silence`): "after 30 days the chance is
about X% of what it was" is said only when at least :data:`MIN_EVENTS`
hoped-for answers came on each side of day s (before it, and after it among
the applications still waiting) and the 95% interval of the ratio excludes
1 (no change). Below that the sentence says "too few offers to tell" with the
counts. The ratio's interval is the delta method on the log scale with
influence-function variances summed per candidate
(:func:`hiring_funnel.estimators.influence.silence_ratio`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.analyses.stages import stage_figures
from hiring_funnel.clocks import CAUSES
from hiring_funnel.estimators import EstimateResult, still_hope
from hiring_funnel.report import words as f
from hiring_funnel.report.privacy import (
    candidate_key,
    check_min_group,
    distinct_candidates,
    suppress_parts,
    tail_cutoff,
)
from hiring_funnel.schema import EventLog, HiringFunnelError

__all__ = [
    "HEADLINE_WAITED",
    "MIN_EVENTS",
    "Comparison",
    "Headline",
    "Horizon",
    "Stage",
    "answers_horizon",
    "answers_sentence",
    "funnel_sentence",
    "funnel_stages",
    "compare_silence",
    "horizon_of",
    "silence_headline",
]

#: Days of silence the headline speaks about.
HEADLINE_WAITED: tuple[int, ...] = (7, 14, 30)
#: Hoped-for answers needed on each side of day s before a comparison is stated.
MIN_EVENTS = 10


@dataclass(frozen=True)
class Horizon:
    """The day by which every chance in the headline is counted, and how to say it."""

    days: float
    #: True when the user set it (``--horizon``), False for the days the log covers.
    chosen: bool = False

    @property
    def words(self) -> str:
        """ "within the 288 days this log covers", or "within 60 days of applying"."""
        if math.isnan(self.days):
            return "within the days this log covers"
        if self.chosen:
            return f"within {f.days(self.days)} of applying"
        return f"within the {f.days(self.days)} this log covers"


def horizon_of(episodes: pd.DataFrame, *, min_group: int = 1, days: float | None = None) -> Horizon:
    """The headline's horizon on a clock's episodes (the ``decision`` clock's, as a rule).

    Without ``days``: the last day on which at least ``min_group`` candidates
    are still waiting (:func:`~hiring_funnel.report.privacy.tail_cutoff`; the
    longest wait seen with 1), so every number said about it rests on enough
    people. With ``days`` (``--horizon``): that day, which must lie within it.

    Examples
    --------
    >>> ep = pd.DataFrame({"candidate_id": list("abc"), "duration": [3.0, 9.0, 20.0]})
    >>> horizon_of(ep).words, horizon_of(ep, days=7).words
    ('within the 20 days this log covers', 'within 7 days of applying')
    """
    k = check_min_group(min_group)
    covered = tail_cutoff(episodes, min_group=k) if len(episodes) else float("nan")
    if days is None:
        return Horizon(covered)
    value = float(days)
    if not (math.isfinite(value) and value > 0):
        raise HiringFunnelError(f"the horizon must be a positive number of days, not {days!r}")
    if not math.isnan(covered) and value > covered:
        why = (
            "the longest wait seen"
            if k == 1
            else f"the last day on which at least {k} candidates were still waiting"
        )
        raise HiringFunnelError(
            f"a horizon of {f.days(value)} is past the {f.days(covered)} this log covers ({why})",
            hint=f"use --horizon {covered:g} or less",
        )
    return Horizon(value, chosen=True)


@dataclass(frozen=True)
class Comparison:
    """The chance after the longest silence against the chance on the day of applying."""

    waited: float
    ratio: float
    ci_lower: float
    ci_upper: float
    events_before: int
    events_after: int
    #: Whether the rule lets the comparison be stated (enough events, no change excluded).
    stated: bool
    text: str


def compare_silence(
    episodes: pd.DataFrame,
    cause: str,
    *,
    waited: float,
    horizon: Horizon,
    silence: str,
    min_group: int = 1,
) -> Comparison:
    """The one rule for "after s days the chance is about X% of what it was" (module docstring)."""
    from hiring_funnel.estimators.influence import silence_ratio

    r = silence_ratio(episodes, cause=cause, waited=waited, horizon=horizon.days)
    plural = f.CAUSE_PLURAL.get(cause, f"{cause}s")
    words = f.CAUSE_WORDS.get(cause, cause)
    after = f"after {f.days(waited)} with {silence}"
    ratio, lo, hi = float(r.ratio), float(r.ci_lower), float(r.ci_upper)
    enough = r.events_before >= MIN_EVENTS and r.events_after >= MIN_EVENTS
    clear = enough and not (np.isnan(lo) or np.isnan(hi)) and (hi < 1 or lo > 1)
    if clear and ratio < 1:
        text = (
            f"So silence is bad news here: {after}, the chance of {words} is about "
            f"{f.pct(ratio, 0)} of what it was on the day of applying "
            f"(95% confidence interval {f.pct(lo, 0)} to {f.pct(hi, 0)})."
        )
    elif clear:
        text = (
            f"So silence is not bad news here: {after}, the chance of {words} is about "
            f"{ratio:.1f} times what it was on the day of applying "
            f"(95% confidence interval {lo:.1f} to {hi:.1f} times)."
        )
    else:
        counts = _event_counts(episodes, cause, waited, horizon.days, min_group)
        if enough and not (np.isnan(lo) or np.isnan(hi)):
            why = (
                f"{after} it is about {f.pct(ratio, 0)} of what it was on the day of applying, "
                f"but the 95% confidence interval ({f.pct(lo, 0)} to {f.pct(hi, 0)}) includes "
                f"no change; {counts}"
            )
        else:
            why = f"{counts}; at least {MIN_EVENTS} on each side are needed"
        text = f"Too few {plural} to tell whether silence changes the chance: {why}."
    return Comparison(
        float(waited), ratio, lo, hi, int(r.events_before), int(r.events_after), clear, text
    )


def _event_counts(
    episodes: pd.DataFrame, cause: str, waited: float, horizon: float, min_group: int
) -> str:
    """ "3 offers came after day 30 of silence and 41 before", small counts as "fewer than k"."""
    hoped = (episodes["cause"] == cause).to_numpy(dtype=bool, na_value=False)
    duration = episodes["duration"].to_numpy(dtype=float)
    who = candidate_key(episodes).to_numpy()
    before = hoped & (duration <= waited)
    after = hoped & (duration > waited) & (duration <= horizon)

    def count(mask: np.ndarray) -> str:
        n = int(mask.sum())
        if min_group > 1 and 0 < len(pd.unique(who[mask])) < min_group:
            return f"fewer than {min_group}"
        return f"{n:,}"

    plural = f.CAUSE_PLURAL.get(cause, f"{cause}s")
    n_after = count(after)
    noun = f.CAUSE_WORDS.get(cause, cause).split(" ", 1)[-1] if n_after == "1" else plural
    return (
        f"{n_after} {noun} came after day {waited:g} of silence (by day {horizon:g}) "
        f"and {count(before)} before"
    )


@dataclass(frozen=True)
class Headline:
    """The sentences of "is silence bad news?" on one clock, ready to print or render."""

    clock: str
    cause: str
    horizon: Horizon | None
    #: Said instead of everything else when there is nothing to estimate or publish.
    note: str | None = None
    baseline: str | None = None
    sentences: tuple[str, ...] = ()
    comparison: Comparison | None = None
    #: The still-hope curve up to the horizon (for a figure), when estimated.
    curve: EstimateResult | None = None

    @property
    def lines(self) -> list[str]:
        """Every sentence in reading order."""
        if self.note is not None:
            return [self.note]
        verdict = [] if self.comparison is None else [self.comparison.text]
        return [*([self.baseline] if self.baseline else []), *self.sentences, *verdict]


def silence_headline(
    episodes: pd.DataFrame,
    *,
    clock: str = "decision",
    min_group: int = 1,
    horizon: Horizon | None = None,
    waited: Sequence[int] = HEADLINE_WAITED,
    curve: bool = False,
) -> Headline:
    """Is silence bad news on this clock? Baseline, a sentence per silence, and the comparison.

    ``episodes``: the clock's episodes. ``horizon``: from :func:`horizon_of`
    (default: the days this log covers). ``curve``: also estimate the
    still-hope curve for a figure.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(2000, seed=3)
    >>> ep = hf.episodes(hf.read_events(sim.events, as_of=sim.as_of), "decision")
    >>> silence_headline(ep, waited=[14]).sentences[0].startswith("After 14 days with no decision")
    True
    """
    k = check_min_group(min_group)
    cause = CAUSES[clock][0]
    words = f.CAUSE_WORDS.get(cause, cause)
    base = Headline(clock, cause, None)
    if len(episodes) == 0:
        return _replace(base, note=f.NOTHING_RECORDED[clock])
    if distinct_candidates(episodes) < k:
        return _replace(
            base,
            note=f"Not shown: the waits on this clock concern fewer than {k} candidates, so any "
            "figure would describe identifiable people.",
        )
    h = horizon_of(episodes, min_group=k) if horizon is None else horizon
    base = Headline(clock, cause, h)
    decided = f.ANSWER[clock].split(" (")[0].removeprefix("a ").removeprefix("an ")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if not (episodes["cause"] == cause).any():
            first = still_hope(episodes, cause=cause, waited=[0], horizon=h.days).table
            if not len(first):  # no answer of any kind: nothing was followed to an end
                return _replace(
                    base,
                    note=f"No {decided} in the log yet, so the chance of {words} cannot be "
                    "estimated.",
                )
            return _replace(
                base,
                note=f"No {cause} in the log yet: at most about "
                f"{_percent(float(first['ci_upper'].iloc[0]))} of applications get one "
                f"{h.words} (95% upper limit).",
            )
        days = [s for s in waited if s < h.days]
        hope = still_hope(episodes, cause=cause, waited=[0, *days], horizon=h.days)
        drawn = still_hope(episodes, cause=cause, horizon=h.days) if curve else None
    rows = {float(r.time): r for r in hope.table.itertuples(index=False)}
    silence = f.SILENCE[clock]
    first_row = rows.get(0.0)
    baseline = None
    if first_row is not None and not np.isnan(first_row.estimate):
        baseline = (
            f"On the day of applying, the chance of {words} {h.words} is "
            f"{f.pct(first_row.estimate)} (95% confidence interval "
            f"{f.interval(first_row.ci_lower, first_row.ci_upper)})."
        )
    sentences = []
    for s in days:
        r = rows.get(float(s))
        if r is None or np.isnan(r.estimate):
            continue
        still = f"{f.number(r.at_risk)} applications were still waiting on day {s}"
        if r.events == 0 and not r.ci_upper < 1:  # nobody followed on to a decision
            sentences.append(
                f"After {f.days(s)} with {silence}, none of the {f.number(r.at_risk)} "
                f"applications still waiting on day {s} has had {f.ANSWER[clock].split(' (')[0]} "
                f"yet, so the chance of {words} cannot be estimated from this log."
            )
            continue
        if r.events == 0:
            sentences.append(
                f"After {f.days(s)} with {silence}, no application in this log went on to "
                f"{words} {h.words} ({still}): the chance is at most about "
                f"{_percent(r.ci_upper)} (95% upper limit)."
            )
            continue
        sentences.append(
            f"After {f.days(s)} with {silence}, the chance of {words} {h.words} is "
            f"{f.pct(r.estimate)} (95% confidence interval {f.interval(r.ci_lower, r.ci_upper)}; "
            f"{still})."
        )
    comparison = None
    if days and baseline is not None:
        comparison = compare_silence(
            episodes, cause, waited=days[-1], horizon=h, silence=silence, min_group=k
        )
    return Headline(clock, cause, h, None, baseline, tuple(sentences), comparison, drawn)


def _replace(h: Headline, **changes: object) -> Headline:
    from dataclasses import replace

    return replace(h, **changes)  # type: ignore[arg-type]


def _percent(share: float) -> str:
    """A share in words' precision: "12%", "3.7%", "0.4%"."""
    return f"{100 * share:.0f}%" if share >= 0.1 else f"{100 * share:.1f}%"


#: The funnel's stages as a job seeker names them (stage of :func:`hiring_funnel.stage_counts`).
STAGE_WORDS: dict[str, str] = {
    "applied": "applied",
    "screen": "screened",
    "interview": "interviewed",
    "offer": "offered",
}


@dataclass(frozen=True)
class Stage:
    """One stage of the funnel as published: how many reached it, and the share still open."""

    stage: str
    reached: str
    still_open: str


def funnel_stages(log: EventLog | Any, *, min_group: int = 1) -> list[Stage]:
    """Applications that reached each stage and the share of them still open, privacy-checked.

    A count resting on fewer than ``min_group`` candidates is "fewer than k";
    a share still open is given only when the open and the ended applications
    of the stage each rest on at least ``min_group`` candidates (else it would
    give a small count back), otherwise "not shown". An offer ends an
    application, so offered applications have no share still open.
    """
    k = check_min_group(min_group)
    figures = stage_figures(log)
    out = []
    for step, word in STAGE_WORDS.items():
        x = figures[step]
        n = x["reached"]
        if 0 < x["reached_candidates"] < k:
            out.append(Stage(word, f"fewer than {k}", "not shown"))
            continue
        share = "–"
        if step != "offer" and n:
            parts = {"open": x["open_candidates"], "ended": x["ended_candidates"]}
            why = suppress_parts(parts, min_group=k)
            share = "not shown" if why else f.pct(x["open"] / n, 0)
        out.append(Stage(word, f"{n:,}", share))
    return out


def funnel_sentence(stages: Sequence[Stage]) -> str:
    """ "How far the applications got: 5,000 applied (40% of them still open), ..." """
    parts = []
    for s in stages:
        tail = "" if s.still_open == "–" else f" ({s.still_open} of them still open)"
        if s.still_open == "not shown":
            tail = " (share still open not shown: too few candidates)"
        parts.append(f"{s.reached} {s.stage}{tail}")
    return "How far the applications got: " + ", ".join(parts) + "."


def answers_sentence(
    episodes: pd.DataFrame, *, horizon: Horizon, probs: Sequence[float] = (0.5, 0.9)
) -> str | None:
    """ "Of the first answers that came within ..., half came within X days and 90% within Y."

    Quantiles of the wait among the answered, from the cumulative incidence
    of any answer up to the horizon, with intervals
    (:func:`hiring_funnel.estimators.influence.answer_quantiles`): the day
    after which waiting longer rarely brings an answer. None without answers.
    """
    from hiring_funnel.estimators.influence import answer_quantiles

    if not episodes["cause"].notna().any() or np.isnan(horizon.days):
        return None
    table = answer_quantiles(episodes, probs=probs, horizon=horizon.days)
    parts = []
    for r in table.itertuples(index=False):
        share = "half" if r.prob == 0.5 else f"{100 * r.prob:.0f}%"
        if np.isnan(r.estimate):
            parts.append(f"{share}: not reached")
            continue
        came = " came" if not parts else ""
        parts.append(
            f"{share}{came} within {f.days(r.estimate)} "
            f"(95% confidence interval {f.interval(r.ci_lower, r.ci_upper, 'days')})"
        )
    return (
        f"Of the first answers that came {horizon.words}, " + " and ".join(parts) + ": after "
        "that, waiting longer rarely brings an answer."
    )


def answers_horizon(first: pd.DataFrame, log_horizon: Horizon | None, *, min_group: int) -> Horizon:
    """The horizon of :func:`answers_sentence` on the first-answer clock: the log's, where it can.

    First answers come no later than decisions, so fewer applications wait for
    one: past the first-answer clock's own cutoff (:func:`horizon_of`) too few
    are left, and the sentence stops there.
    """
    own = horizon_of(first, min_group=min_group)
    if log_horizon is None or np.isnan(log_horizon.days) or log_horizon.days > own.days:
        return own
    return log_horizon
