"""What the report says: every number, sentence and figure, worked out before any rendering.

:func:`build_context` turns an :class:`~hiring_funnel.schema.EventLog` into a
plain dictionary for the template. Every figure and table reads only what
:mod:`hiring_funnel.anonymize` lets through: a clock whose episodes hold fewer
than ``min_group`` candidates is left out, small segments of a breakdown are
suppressed (with complementary suppression), and curves stop on the last day on
which at least ``min_group`` candidates are still waiting. Identifier columns
are read only to count candidates.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.anonymize import distinct_candidates, tail_cutoff
from hiring_funnel.clocks import CAUSES, episodes
from hiring_funnel.estimators import (
    EstimateResult,
    cumulative_incidence,
    kaplan_meier,
    outcome_mix,
    still_hope,
    waiting_quantiles,
)
from hiring_funnel.estimators.incidence import DEFAULT_BINS
from hiring_funnel.plots import (
    plot_cumulative_incidence,
    plot_outcome_mix,
    plot_still_hope,
    plot_survival,
)
from hiring_funnel.report import _format as f
from hiring_funnel.report.breakdowns import breakdown_section
from hiring_funnel.report.figures import svg_data_url
from hiring_funnel.report.quality import privacy_section, quality_section
from hiring_funnel.report.regression import regression_section
from hiring_funnel.schema import EventLog

#: Days of silence the headline speaks about.
HEADLINE_WAITED: tuple[int, ...] = (7, 14, 30)
_SHARE_WORDS = {0.25: "A quarter", 0.5: "Half", 0.75: "Three quarters"}

Step = Callable[[str], None]


@dataclasses.dataclass
class Clock:
    """One clock's episodes and what may be published about them."""

    name: str
    episodes: pd.DataFrame
    candidates: int
    cutoff: float  # NaN when the clock holds fewer than min_group candidates

    @property
    def published(self) -> bool:
        return not np.isnan(self.cutoff)

    @property
    def cause(self) -> str:
        """The hoped-for answer: offer on the decision clock, a positive answer otherwise."""
        return CAUSES[self.name][0]


def build_context(
    log: EventLog,
    *,
    clocks: Sequence[str],
    by: Sequence[str] = (),
    min_group: int,
    step: Step = lambda _name: None,
) -> dict[str, Any]:
    """Every piece of the report, as strings, tables of strings and figure URLs.

    ``step(name)`` is called before each slow step (the progress bar).
    """
    with warnings.catch_warnings():
        # Curves that are not estimable are named in the report; their warnings are noise here.
        warnings.simplefilter("ignore", UserWarning)
        step("episodes")
        made: dict[str, Clock] = {}
        for name in clocks:
            ep = episodes(log, name)
            n = distinct_candidates(ep)
            cut = tail_cutoff(ep, min_group=min_group) if len(ep) else float("nan")
            made[name] = Clock(name, ep, n, cut)
        main = made["decision"] if "decision" in made else made[clocks[0]]
        step("headline")
        context: dict[str, Any] = {
            "as_of": f.date(main.episodes.attrs.get("as_of")),
            "as_of_from_log": log.as_of is not None,
            "headline": _headline(main),
            "clocks": [],
            "mix": None,
        }
        for clock in made.values():
            step(f"curves: {clock.name}")
            context["clocks"].append(_clock_section(clock))
        if main.published:
            step("outcome mix")
            context["mix"] = _mix_section(main)
        context["dashboard"] = _dashboard(list(made.values()), context["clocks"])
        context["breakdowns"] = []
        for column in by:
            step(f"breakdown: {column}")
            context["breakdowns"].append(
                breakdown_section(log, column, list(made.values()), min_group=min_group)
            )
        if by:
            step("regression models")
        context["regression"] = regression_section(
            made.get("first_response"),
            list(by),
            context["breakdowns"],
            min_group=min_group,
            attributes=[str(c) for c in log.attributes.columns if c != "application_id"],
        )
        context["quality"] = quality_section(log, {n: c.episodes for n, c in made.items()})
        context["privacy"] = privacy_section(
            min_group,
            [(c.name, c.candidates, c.cutoff) for c in made.values()],
            context["breakdowns"],
        )
    return context


def cut_tail(result: EstimateResult, cutoff: float | dict[str, float]) -> EstimateResult:
    """The result with the rows after the cutoff day (per group when a dict) dropped."""
    table = result.table
    limit = table["group"].map(cutoff) if isinstance(cutoff, dict) else cutoff
    return dataclasses.replace(result, table=table[table["time"] <= limit].reset_index(drop=True))


def _headline(clock: Clock) -> dict[str, Any]:
    out: dict[str, Any] = {
        "clock": f.CLOCK_TITLES[clock.name],
        "sentences": [],
        "baseline": None,
        "figure": None,
        "note": None,
        "cause": f.CAUSE_WORDS.get(clock.cause, clock.cause),
        "horizon": None,
        "verdict": None,
    }
    cause_words = f.CAUSE_WORDS.get(clock.cause, clock.cause)
    if not clock.published:
        out["note"] = (
            "No headline: fewer than the minimum number of candidates have waits on this clock, "
            "so any figure would describe identifiable people (see Privacy)."
        )
        return out
    ep = clock.episodes
    if not (ep["cause"] == clock.cause).any():
        out["note"] = f"No {clock.cause} in the log yet, so the chance of one cannot be estimated."
        return out
    tau = clock.cutoff
    waited = [s for s in HEADLINE_WAITED if s < tau]
    hope = still_hope(ep, clock.cause, waited=[0, *waited], horizon=tau)
    rows = {float(r.time): r for r in hope.table.itertuples(index=False)}
    silence = f.SILENCE[clock.name]
    base = rows.get(0.0)
    if base is not None and not np.isnan(base.estimate):
        out["baseline"] = (
            f"On the day of applying, the chance of {cause_words} within {f.days(tau)} is "
            f"{f.pct(base.estimate)} (95% confidence interval {f.interval(base.ci_lower, base.ci_upper)})."
        )
    for s in waited:
        r = rows.get(float(s))
        if r is None or np.isnan(r.estimate):
            continue
        still = f"{f.number(r.at_risk)} applications were still waiting on day {s}"
        if r.events == 0:
            out["sentences"].append(
                f"After {f.days(s)} with {silence}, no application in this log went on to "
                f"{cause_words} within {f.days(tau)} ({still})."
            )
            continue
        out["sentences"].append(
            f"After {f.days(s)} with {silence}, the chance of {cause_words} within "
            f"{f.days(tau)} of applying is {f.pct(r.estimate)} "
            f"(95% confidence interval {f.interval(r.ci_lower, r.ci_upper)}; {still})."
        )
    out["verdict"] = _verdict(base, rows, waited, silence, cause_words)
    curve = still_hope(ep, clock.cause, horizon=tau)
    out["figure"] = svg_data_url(lambda ax: plot_still_hope(curve, ax=ax), height=2.9)
    out["horizon"] = f.days(tau)
    return out


def _verdict(
    base: Any, rows: dict[float, Any], waited: list[int], silence: str, cause_words: str
) -> str | None:
    """One sentence comparing the chance after the longest silence with the chance at the start."""
    if base is None or not waited or np.isnan(base.estimate) or base.estimate <= 0:
        return None
    last = rows.get(float(waited[-1]))
    if last is None or np.isnan(last.estimate):
        return None
    ratio = last.estimate / base.estimate
    after = f"after {f.days(waited[-1])} with {silence}"
    if ratio < 0.8:
        return (
            f"So silence is bad news here: {after}, the chance of {cause_words} is about "
            f"{f.pct(ratio, 0)} of what it was on the day of applying."
        )
    if ratio > 1.25:
        return (
            f"So silence is not bad news here: {after}, the chance of {cause_words} is higher "
            "than on the day of applying."
        )
    return f"So silence changes little here: {after}, the chance of {cause_words} is about the same as on the day of applying."


def _clock_section(clock: Clock) -> dict[str, Any]:
    ep = clock.episodes
    answered = int(ep["cause"].notna().sum())
    out: dict[str, Any] = {
        "name": clock.name,
        "title": f.CLOCK_TITLES[clock.name],
        "answer": f.ANSWER[clock.name],
        "published": clock.published,
        "episodes": f.number(len(ep)),
        "answered": f.number(answered),
        "open": f.number(len(ep) - answered),
        "quantiles": [],
        "km_figure": None,
        "cif_figure": None,
        "cif_text": None,
        "cutoff": None if not clock.published else f.days(clock.cutoff),
        "median": None,
    }
    if not clock.published or answered == 0:
        return out
    quantiles = waiting_quantiles(ep, probs=list(_SHARE_WORDS)).table
    for row in quantiles.itertuples(index=False):
        words = _SHARE_WORDS[float(row.prob)]
        if not row.reached or row.estimate > clock.cutoff:
            text = (
                f"{words} of the applications: not reached; by day {clock.cutoff:g} fewer than "
                f"{words.lower()} had {f.ANSWER[clock.name]}"
            )
            value, ci = None, None
        else:
            upper = row.ci_upper if row.ci_upper <= clock.cutoff else float("nan")
            value, ci = f.days(row.estimate), f.interval(row.ci_lower, upper, "days")
            text = f"{words} of the applications had {f.ANSWER[clock.name]} within {value}"
        out["quantiles"].append({"share": words, "value": value, "ci": ci, "text": text})
        if float(row.prob) == 0.5:
            out["median"] = {
                "reached": value is not None,
                "estimate": float(row.estimate) if value is not None else None,
                "text": value if value is not None else f"more than {f.days(clock.cutoff)}",
                "ci": ci,
            }
    km = cut_tail(kaplan_meier(ep), clock.cutoff)
    out["km_figure"] = svg_data_url(
        lambda ax: plot_survival(
            km, ax=ax, max_time=clock.cutoff, title=f"{out['title']}: still waiting"
        ),
        height=2.6,
    )
    cif = cut_tail(cumulative_incidence(ep), clock.cutoff)
    out["cif_figure"] = svg_data_url(
        lambda ax: plot_cumulative_incidence(
            cif, ax=ax, stacked=True, max_time=clock.cutoff, title=f"{out['title']}: how waits end"
        ),
        height=2.6,
    )
    out["cif_text"] = _cif_sentence(cif, clock)
    out["cif_final"] = _cif_final(cif)
    return out


def _cif_final(cif: EstimateResult) -> dict[str, tuple[float, float, float]]:
    """Each cause's last estimate (and interval) within the published days."""
    last = cif.table.sort_values("time").groupby("cause", sort=False).tail(1)
    return {
        str(r.cause): (float(r.estimate), float(r.ci_lower), float(r.ci_upper))
        for r in last.itertuples(index=False)
    }


def _cif_sentence(cif: EstimateResult, clock: Clock) -> str:
    final = _cif_final(cif)
    parts = [
        f"{f.pct(final[c][0], 0)} had {f.CAUSE_WORDS.get(c, c)}"
        for c in CAUSES[clock.name]
        if c in final
    ]
    rest = 1.0 - sum(v[0] for v in final.values())
    waiting = f"{f.pct(rest, 0)} were still waiting or never heard back"
    return f"By day {clock.cutoff:g}: " + ", ".join([*parts, waiting]) + "."


def _mix_section(clock: Clock) -> dict[str, Any]:
    ep = clock.episodes
    if not (ep["cause"] == clock.cause).any():
        return {"figure": None, "text": f"No {clock.cause} in the log yet.", "cause": clock.cause}
    # The last band ends on the cutoff day: answers after it rest on too few people.
    edges = [e for e in DEFAULT_BINS if e <= clock.cutoff] + [clock.cutoff + 1]
    edges = sorted(set(edges))
    mix = outcome_mix(ep[ep["duration"] <= clock.cutoff], clock.cause, bins=edges)
    figure = svg_data_url(lambda ax: plot_outcome_mix(mix, ax=ax), height=3.0)
    table = mix.table
    labels = mix.meta["labels"]
    rows = [
        {
            "band": labels.get(float(r.time), f"{r.time:g}+"),
            "answers": f.number(r.events),
            "share": f.pct(r.estimate),
            "ci": f.interval(r.ci_lower, r.ci_upper),
        }
        for r in table.itertuples(index=False)
    ]
    return {
        "figure": figure,
        "rows": rows,
        "cause": f.CAUSE_PLURAL.get(clock.cause, clock.cause),
        "clock": f.CLOCK_TITLES[clock.name],
    }


def _dashboard(clocks: list[Clock], sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Naive (dashboard) figures beside the censoring-aware ones, with the size of the bias."""
    rows = []
    for clock, section in zip(clocks, sections, strict=True):
        if not clock.published:
            continue
        ep = clock.episodes
        waits = ep.loc[ep["cause"].notna(), "duration"]
        if waits.empty:
            continue
        naive_median = float(waits.median())
        median = section["median"]
        if median is None:
            continue
        if median["reached"]:
            gap = median["estimate"] - naive_median
            if gap > 0:
                share = f.pct(gap / median["estimate"], 0)
                bias = f"{f.days(gap)} too short ({share} below the censoring-aware median)"
            elif gap < 0:
                bias = f"{f.days(-gap)} too long"
            else:
                bias = "the same here"
        else:
            bias = f"too short: more than half were still waiting on day {clock.cutoff:g}"
        rows.append(
            {
                "clock": f.CLOCK_TITLES[clock.name],
                "answered": f.number(len(waits)),
                "open": f.number(len(ep) - len(waits)),
                "naive_mean": f.days(float(waits.mean())),
                "naive_median": f.days(naive_median),
                "median": median["text"],
                "ci": median["ci"],
                "bias": bias,
            }
        )
    return {"rows": rows, "shares": _offer_shares(clocks, sections)}


def _offer_shares(clocks: list[Clock], sections: list[dict[str, Any]]) -> list[dict[str, str]]:
    """How often applications end in an offer: two dashboard ratios and the censoring-aware estimate."""
    for clock, section in zip(clocks, sections, strict=True):
        if clock.name != "decision" or not clock.published or not section.get("cif_final"):
            continue
        ep = clock.episodes
        offers = int((ep["cause"] == "offer").sum())
        decided = int(ep["cause"].notna().sum())
        estimate, lower, upper = section["cif_final"].get("offer", (0.0, np.nan, np.nan))
        return [
            {
                "what": "Offers ÷ all applications (open ones counted as “no offer”)",
                "value": f.pct(offers / len(ep)),
                "ci": "–",
            },
            {
                "what": "Offers ÷ decided applications (open ones left out)",
                "value": f.pct(offers / decided) if decided else "–",
                "ci": "–",
            },
            {
                "what": f"Censoring-aware chance of an offer within {f.days(clock.cutoff)} (Aalen-Johansen)",
                "value": f.pct(estimate),
                "ci": f.interval(lower, upper),
            },
        ]
    return []
