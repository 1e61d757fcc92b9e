"""What the report says: every number, sentence and figure, worked out before any rendering.

:func:`build_context` turns an :class:`~hiring_funnel.schema.EventLog` into a
plain dictionary for the template. Every figure and table reads only what
:mod:`hiring_funnel.report.privacy` lets through (its module docstring states the
rule): a clock whose episodes hold fewer than ``min_group`` candidates is left
out, a count of fewer is "fewer than k" with its complement "not shown", small
segments of a breakdown are suppressed on every clock, outcome-mix bands are
merged until each rests on enough candidates, shares of small counts are bounds, and curves
and their at-risk rows stop on the last day on which at least ``min_group`` candidates are
still waiting. Identifier columns are read only to count candidates.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.analyses.headline import (
    Horizon,
    answers_horizon,
    answers_sentence,
    funnel_sentence,
    funnel_stages,
    horizon_of,
    silence_headline,
)
from hiring_funnel.clocks import CAUSES, episodes
from hiring_funnel.estimators import (
    EstimateResult,
    cumulative_incidence,
    kaplan_meier,
    outcome_mix,
    waiting_quantiles,
)
from hiring_funnel.estimators.incidence import DEFAULT_BINS
from hiring_funnel.observation import attribute_names
from hiring_funnel.plots import (
    plot_cumulative_incidence,
    plot_outcome_mix,
    plot_still_hope,
    plot_survival,
)
from hiring_funnel.report import words as f
from hiring_funnel.report.breakdowns import breakdown_section
from hiring_funnel.report.figures import cut_tail, svg_data_url
from hiring_funnel.report.models import regression_section
from hiring_funnel.report.privacy import candidate_key, distinct_candidates, tail_cutoff
from hiring_funnel.report.published import share_text, shown
from hiring_funnel.report.quality import privacy_section, quality_section
from hiring_funnel.report.stages import stages_section
from hiring_funnel.report.suppression import suppress_parts
from hiring_funnel.schema import EventLog
from hiring_funnel.text import short_label

_SHARE_WORDS = {0.25: "A quarter", 0.5: "Half", 0.75: "Three quarters"}

Step = Callable[[str], None]


@dataclasses.dataclass
class Clock:
    """One clock's episodes and what may be published about them."""

    name: str
    episodes: pd.DataFrame
    candidates: int
    cutoff: float  # NaN when the clock holds fewer than min_group candidates
    min_group: int = 1
    #: "answered" / "open" -> why that count is hidden (answered + open = waits).
    split: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def published(self) -> bool:
        return not np.isnan(self.cutoff)

    @property
    def cause(self) -> str:
        """The hoped-for answer: offer on the decision clock, a positive answer otherwise."""
        return CAUSES[self.name][0]

    def count(self, part: str) -> str:
        """The number of answered or open waits as published: a number, "fewer than k", "not shown"."""
        answered = int(self.episodes["cause"].notna().sum())
        n = answered if part == "answered" else len(self.episodes) - answered
        return shown(n, self.split.get(part), self.min_group)


def make_clock(name: str, ep: pd.DataFrame, min_group: int) -> Clock:
    """A clock's episodes with what may be published: its tail cutoff and its answered/open split."""
    n = distinct_candidates(ep)
    cut = tail_cutoff(ep, min_group=min_group) if len(ep) else float("nan")
    who = candidate_key(ep).to_numpy()
    answered = ep["cause"].notna().to_numpy()
    split = suppress_parts(
        {"answered": set(who[answered]), "open": set(who[~answered])}, min_group=min_group
    )
    return Clock(name, ep, n, cut, min_group, split)


def build_context(
    log: EventLog,
    *,
    clocks: Sequence[str],
    by: Sequence[str] = (),
    min_group: int,
    horizon: float | None = None,
    step: Step = lambda _name: None,
) -> dict[str, Any]:
    """Every piece of the report, as strings, tables of strings and figure URLs.

    ``horizon``: days after applying for the headline (default: the days the
    log covers). ``step(name)`` is called before each slow step (the progress bar).
    """
    with warnings.catch_warnings():
        # Curves that are not estimable are named in the report; their warnings are noise here.
        warnings.simplefilter("ignore", UserWarning)
        step("episodes")
        made: dict[str, Clock] = {}
        for name in clocks:
            made[name] = make_clock(name, episodes(log, name), min_group)
        main = made["decision"] if "decision" in made else made[clocks[0]]
        step("headline")
        context: dict[str, Any] = {
            "as_of": f.date(main.episodes.attrs.get("as_of")),
            "as_of_from_log": log.as_of is not None,
            "late_entry": f.late_entry(main.episodes),
            "headline": _headline(main, _horizon(main, horizon)),
            "clocks": [],
            "mix": None,
        }
        for clock in made.values():
            step(f"curves: {clock.name}")
            context["clocks"].append(_clock_section(clock))
        if main.published:
            step("outcome mix")
            context["mix"] = _mix_section(main)
        in_pandas = isinstance(log, EventLog)
        context["funnel"] = (
            funnel_sentence(funnel_stages(log, min_group=min_group))
            if in_pandas and not context["headline"]["hidden"]
            else None
        )
        step("stages")
        context["stages"] = stages_section(log, min_group=min_group) if in_pandas else None
        context["answers"] = _answers(made.get("first_response"), main, context["headline"])
        context["dashboard"] = _dashboard(
            list(made.values()), context["clocks"], context["headline"]["horizon_of"]
        )
        context["breakdowns"] = []
        for column in by:
            step(f"breakdown: {short_label(column)}")
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
            attributes=attribute_names(log.attributes),
        )
        context["quality"] = quality_section(log, list(made.values()), min_group=min_group)
        context["privacy"] = privacy_section(
            min_group,
            [(c.name, c.candidates, c.cutoff) for c in made.values()],
            context["breakdowns"],
        )
    return context


def _horizon(clock: Clock, days: float | None) -> Horizon | None:
    """The user's horizon checked against the main clock (None: the days the log covers)."""
    if days is None or not clock.published or not len(clock.episodes):
        return None
    return horizon_of(clock.episodes, min_group=clock.min_group, days=days)


def _headline(clock: Clock, horizon: Horizon | None = None) -> dict[str, Any]:
    """The headline's sentences (:mod:`hiring_funnel.analyses.headline`, as ``summary``'s) and its figure."""
    h = silence_headline(
        clock.episodes, clock=clock.name, min_group=clock.min_group, horizon=horizon, curve=True
    )
    out: dict[str, Any] = {
        "clock": f.CLOCK_TITLES[clock.name],
        "sentences": list(h.sentences),
        "baseline": h.baseline,
        "figure": None,
        "note": h.note,
        "cause": f.CAUSE_WORDS.get(clock.cause, clock.cause),
        "horizon": None if h.horizon is None else h.horizon.words,
        "verdict": None if h.comparison is None else h.comparison.text,
        # Nothing about the log's candidates may be published (too few of them).
        "hidden": h.note is not None and h.note.startswith("Not shown"),
        "horizon_of": h.horizon,
    }
    if h.curve is not None:
        curve = h.curve
        out["figure"] = svg_data_url(lambda ax: plot_still_hope(curve, ax=ax), height=2.9)
    return out


def _answers(first: Clock | None, main: Clock, headline: dict[str, Any]) -> str | None:
    """ "Of the first answers that came ..., half came within X days": on the first-answer clock."""
    if first is None or not first.published or headline["hidden"]:
        return None
    shared = headline["horizon_of"] if main.name == "decision" else None
    h = answers_horizon(first.episodes, shared, min_group=first.min_group)
    return answers_sentence(first.episodes, horizon=h)


def _clock_section(clock: Clock) -> dict[str, Any]:
    ep = clock.episodes
    answered = int(ep["cause"].notna().sum())
    out: dict[str, Any] = {
        "name": clock.name,
        "title": f.CLOCK_TITLES[clock.name],
        "answer": f.ANSWER[clock.name],
        "published": clock.published,
        "episodes": f.number(len(ep)),
        "answered": clock.count("answered"),
        "open": clock.count("open"),
        "quantiles": [],
        "km_figure": None,
        "cif_figure": None,
        "cif_text": None,
        "cutoff": None if not clock.published else f.days(clock.cutoff),
        "median": None,
        # No wait at all is a fact about the log, not something privacy hides.
        "nothing": f.NOTHING_RECORDED[clock.name] if len(ep) == 0 else None,
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


def mix_edges(clock: Clock, bins: Sequence[float] = DEFAULT_BINS) -> list[float]:
    """Band edges for the outcome mix: adjacent bands merged until each band's answers come
    from at least ``min_group`` distinct candidates; the last band ends on the cutoff day.

    Empty when all the answers up to the cutoff come from fewer candidates.
    """
    ep = clock.episodes
    edges = sorted({*(e for e in bins if e <= clock.cutoff), clock.cutoff + 1})
    answered = ep[ep["cause"].notna() & (ep["duration"] <= clock.cutoff)]
    who = candidate_key(answered).to_numpy()
    band = (
        np.searchsorted(np.asarray(edges, dtype=float), answered["duration"].to_numpy(), "right")
        - 1
    )
    members = [set(who[band == i]) for i in range(len(edges) - 1)]
    merged = [edges[0]]
    current: set[object] = set()
    for i, m in enumerate(members):
        current |= m
        if len(current) >= clock.min_group and i < len(members) - 1:
            merged.append(edges[i + 1])
            current = set()
    if len(merged) > 1 and len(current) < clock.min_group:
        merged.pop()  # the last band is too small: it joins the one before
    if len(merged) == 1 and len(current) < clock.min_group:
        return []
    return [*merged, edges[-1]]


def _mix_section(clock: Clock) -> dict[str, Any]:
    ep = clock.episodes
    if not (ep["cause"] == clock.cause).any():
        return {"figure": None, "text": f"No {clock.cause} in the log yet.", "cause": clock.cause}
    edges = mix_edges(clock)
    if not edges:
        return {
            "figure": None,
            "text": "Not shown: the answers come from fewer than the minimum number of "
            "candidates (see Privacy).",
            "cause": clock.cause,
        }
    within = ep[ep["duration"] <= clock.cutoff]
    mix = outcome_mix(within, cause=clock.cause, bins=edges)
    table = mix.table.copy()
    labels = dict(mix.meta["labels"])
    who = candidate_key(within).to_numpy()
    band_of = (
        np.searchsorted(np.asarray(edges, dtype=float), within["duration"].to_numpy(), "right") - 1
    )
    rows = []
    for i, r in enumerate(table.itertuples(index=False)):
        band = int(np.searchsorted(edges, float(r.time), "right")) - 1
        here = (band_of == band) & within["cause"].notna().to_numpy()
        hoped = here & (within["cause"] == clock.cause).to_numpy()
        share = share_text(
            int(hoped.sum()),
            int(here.sum()),
            part_members=len(set(who[hoped])),
            rest_members=len(set(who[here & ~hoped])),
            min_group=clock.min_group,
        )
        exact = share == f.pct(r.estimate)
        if not exact:
            # The bar and its interval would give the small count back: the band shows none.
            table.loc[i, ["estimate", "ci_lower", "ci_upper"]] = np.nan
            labels[float(r.time)] = f"{labels.get(float(r.time), f'{r.time:g}+')}\n({share})"
        rows.append(
            {
                "band": mix.meta["labels"].get(float(r.time), f"{r.time:g}+"),
                "answers": f.number(r.events),
                "share": share,
                "ci": f.interval(r.ci_lower, r.ci_upper) if exact else "–",
            }
        )
    shown_mix = dataclasses.replace(mix, table=table, meta={**mix.meta, "labels": labels})
    figure = svg_data_url(lambda ax: plot_outcome_mix(shown_mix, ax=ax), height=3.0)
    return {
        "figure": figure,
        "rows": rows,
        "cause": f.CAUSE_PLURAL.get(clock.cause, clock.cause),
        "clock": f.CLOCK_TITLES[clock.name],
        "merged": len(edges) - 1 < len([e for e in DEFAULT_BINS if e <= clock.cutoff]),
    }


def _dashboard(
    clocks: list[Clock], sections: list[dict[str, Any]], horizon: Horizon | None = None
) -> dict[str, Any]:
    """Naive (dashboard) figures beside the censoring-aware ones, with the size of the bias."""
    rows = []
    for clock, section in zip(clocks, sections, strict=True):
        if not clock.published:
            continue
        ep = clock.episodes
        answered = ep["cause"].notna()
        waits = ep.loc[answered, "duration"]
        if waits.empty:
            continue
        median = section["median"]
        if median is None:
            continue
        # The dashboard's figures describe the answered ones only: not shown if they are few.
        few = candidate_key(ep[answered]).nunique() < clock.min_group
        naive_median = float(waits.median())
        if few:
            bias = "not shown: too few answered applications"
        elif median["reached"]:
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
                "answered": clock.count("answered"),
                "open": clock.count("open"),
                "naive_mean": "–" if few else f.days(float(waits.mean())),
                "naive_median": "–" if few else f.days(naive_median),
                "median": median["text"],
                "ci": median["ci"],
                "bias": bias,
            }
        )
    return {"rows": rows, "shares": _offer_shares(clocks, sections, horizon)}


def _offer_shares(
    clocks: list[Clock], sections: list[dict[str, Any]], horizon: Horizon | None = None
) -> list[dict[str, str]]:
    """How often applications end in an offer: two dashboard ratios and the censoring-aware estimate.

    The ratios divide counts by published totals (all waits, decided waits), so
    a number of offers (or of the rest) under ``min_group`` candidates is given
    as a bound ("below 1.3%"), never exactly.
    """
    for clock, section in zip(clocks, sections, strict=True):
        if clock.name != "decision" or not clock.published or not section.get("cif_final"):
            continue
        ep = clock.episodes
        who = candidate_key(ep).to_numpy()
        offer = (ep["cause"] == "offer").to_numpy()
        decided = ep["cause"].notna().to_numpy()
        k = clock.min_group
        estimate, lower, upper = section["cif_final"].get("offer", (0.0, np.nan, np.nan))
        h = horizon if horizon is not None else Horizon(clock.cutoff)
        if h.days < clock.cutoff:  # the user's horizon: the curve's value on that day
            cif = cumulative_incidence(ep).table
            at = cif[(cif["cause"] == "offer") & (cif["time"] <= h.days)].tail(1)
            estimate, lower, upper = (
                (
                    float(at["estimate"].iloc[0]),
                    float(at["ci_lower"].iloc[0]),
                    float(at["ci_upper"].iloc[0]),
                )
                if len(at)
                else (0.0, np.nan, np.nan)
            )
        all_share = share_text(
            int(offer.sum()),
            len(ep),
            part_members=len(set(who[offer])),
            rest_members=len(set(who[~offer])),
            min_group=k,
        )
        decided_share = (
            share_text(
                int(offer.sum()),
                int(decided.sum()),
                part_members=len(set(who[offer])),
                rest_members=len(set(who[decided & ~offer])),
                min_group=k,
            )
            if decided.any() and "answered" not in clock.split
            else "–"
        )
        return [
            {
                "what": "Offers ÷ all applications (open ones counted as “no offer”)",
                "value": all_share,
                "ci": "–",
            },
            {
                "what": "Offers ÷ decided applications (open ones left out)",
                "value": decided_share,
                "ci": "–",
            },
            {
                "what": f"Censoring-aware chance of an offer {h.words} (Aalen-Johansen)",
                "value": f.pct(estimate),
                "ci": f.interval(lower, upper),
            },
        ]
    return []
