"""How many applications had a candidate sent when the first offer came?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.analyses.repeat_applicants._common import (
    UNTIL_OFFER_COLUMNS,
    applications,
    as_of_facts,
    events_and_episodes,
    first_events,
    one_cause,
    quiet,
)
from hiring_funnel.estimators import (
    EstimateResult,
    kaplan_meier,
    waiting_quantiles,
)
from hiring_funnel.results import Note, Result
from hiring_funnel.schema import EventLog


@dataclass(frozen=True)
class ApplicationsUntilOfferResult(Result):
    """What :func:`applications_until_offer` returns.

    Attributes
    ----------
    table : DataFrame
        One row per number of applications k (``time``), columns
        :data:`UNTIL_OFFER_COLUMNS`: ``estimate`` the chance of a first offer
        by the time k applications have been sent (1 - S(k), Kaplan-Meier),
        ``ci_lower``/``ci_upper`` from the log(-log) band of S, ``at_risk`` the
        candidates still followed at k with no offer before, ``events`` the
        first offers that came when exactly k applications had been sent.
    km : EstimateResult
        :func:`kaplan_meier` of the candidates frame: S(k) is the chance of
        no offer yet after k applications. Draw it with
        :func:`hiring_funnel.plots.plot_survival` (relabel the axes: the time
        is a number of applications).
    quantiles : EstimateResult
        :func:`waiting_quantiles` of the same frame: the number of
        applications by which a share p of candidates has a first offer.
    candidates : DataFrame
        One row per linked candidate: ``candidate_id``, ``entry`` (0),
        ``duration``, ``cause`` ("offer" or missing = censored),
        ``applications`` (sent by the as-of date). Row level: keeps the ids.
    naive : DataFrame
        One row: ``candidates``, ``with_offer``, ``naive_share`` (with_offer /
        candidates, which counts every candidate still searching as a
        failure), ``naive_median_applications`` and
        ``naive_mean_applications`` (among candidates with an offer only).
    meta : Meta
        ``as_of``, ``conf_level``, ``excluded``, ``not_estimable``.
    notes : tuple of Note
        Caveats (no offer at all, candidates left out, ...).

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(2000, seed=3)
    >>> result = hf.applications_until_offer(sim.events, as_of=sim.as_of)
    >>> list(result.table.columns[:2]), result.title()
    (['group', 'time'], 'Applications until the first offer')
    """

    table: pd.DataFrame
    km: EstimateResult
    quantiles: EstimateResult
    candidates: pd.DataFrame
    naive: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def title(self) -> str:
        return "Applications until the first offer"

    def facts(self) -> list[str]:
        return as_of_facts(self)

    def extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Naive figures", self.naive), ("Quantiles", self.quantiles.table)]


def applications_until_offer(
    log: EventLog | pd.DataFrame,
    *,
    as_of: Any = None,
    at: Sequence[int] | None = None,
    probs: Sequence[float] = (0.25, 0.5),
    conf_level: float = 0.95,
) -> ApplicationsUntilOfferResult:
    """The chance of a first offer within k applications, counting candidates still searching.

    The "time" of a candidate is a number of applications: how many they had
    sent (``applied`` at or before the moment) when their first offer came.

    - A candidate whose first offer came at time t_o has an event at
      k = the number of their applications with ``applied`` <= t_o. Every
      application sent by then counts, open or answered, including ones sent
      while waiting for the one that succeeded: it is the effort spent until
      the first offer. An application on the same timestamp as the offer (the
      same day in a log with dates only) is not known to be later, so it
      counts as sent.
    - A candidate with no offer by the as-of date is censored at n, the
      number of applications they have sent: still-open applications are
      never failures, they are why the candidate is censored. In the
      Kaplan-Meier convention such a candidate is at risk at n and has no
      offer at n. Strictly, their outcome at n is not known yet (an offer may
      still come from one of the n before they send another), so the chance
      at n is slightly underestimated. The alternative, censoring at n - 1,
      is worse: it drops every candidate still waiting from the risk set at
      their last count, leaving there only those whose offer already came,
      and the chance at the largest counts climbs towards 100% (on the sample,
      where nobody sends more than 15 applications, it would reach 100% at 15).

    The frame of candidates (``entry`` 0, ``duration``, ``cause``) goes to
    :func:`kaplan_meier` and :func:`waiting_quantiles` like any episode
    frame. Candidates without ``candidate_id`` are left out (each of their
    applications would look like a different person), counted in
    ``meta["excluded"]``. A log that begins in the middle of people's
    searches undercounts their applications; there is no left truncation
    here.

    Parameters
    ----------
    log : EventLog or DataFrame
        From :func:`hiring_funnel.read_events`, or canonical events with
        ``candidate_id``.
    as_of : timestamp-like, optional
        The export moment; by default ``EventLog.as_of``, else the latest event.
    at : sequence of int, optional
        The numbers of applications k for the table; by default 1 to the
        largest time seen.
    probs : sequence of float
        Shares for :attr:`~ApplicationsUntilOfferResult.quantiles`.
    conf_level : float
        Level of the intervals.

    Returns
    -------
    ApplicationsUntilOfferResult

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.schema import as_canonical_events
    >>> ev = as_canonical_events(pd.DataFrame({
    ...     "application_id": ["a", "b", "b", "c", "d"],
    ...     "candidate_id": ["p", "p", "p", "q", "q"],
    ...     "event": ["applied", "applied", "offer", "applied", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-02", "2024-03-09", "2024-03-01", "2024-03-03"]}))
    >>> res = applications_until_offer(ev, as_of="2024-03-31")
    >>> res.candidates[["duration", "cause"]].to_numpy().tolist()
    [[2.0, 'offer'], [2.0, nan]]
    >>> res.table[["time", "estimate"]].to_numpy().tolist()
    [[1.0, 0.0], [2.0, 0.5]]
    """
    events, ep = events_and_episodes(log, as_of, "censor")
    as_of_ts = ep.attrs["as_of"]
    apps = applications(events, ep)
    linked = apps["candidate_id"].notna()
    excluded = {"applications": int((~linked).sum()), "reason": "no candidate_id"}
    apps = apps[linked]
    offers = first_events(events, apps, "offer", as_of_ts)
    first_offer = offers.groupby("candidate_id", observed=True)["ts"].min()
    sent = apps.groupby("candidate_id", observed=True).size()
    offer_at = apps["candidate_id"].map(first_offer)
    by_then = (apps["origin"] <= offer_at).groupby(apps["candidate_id"], observed=True).sum()
    has_offer = sent.index.isin(first_offer.index)
    duration = np.where(has_offer, by_then.reindex(sent.index).to_numpy(), sent.to_numpy())
    frame = pd.DataFrame(
        {
            "candidate_id": pd.Series(sent.index.astype("string"), dtype="string"),
            "entry": 0.0,
            "duration": duration.astype(np.float64),
            "cause": one_cause(has_offer, "offer"),
            "applications": sent.to_numpy().astype(np.int64),
        }
    )
    frame.attrs = {"as_of": as_of_ts, "unit": "applications", "clock": None}

    meta: dict[str, Any] = {
        "as_of": as_of_ts,
        "conf_level": conf_level,
        "excluded": excluded,
        "not_estimable": {},
        "notes": [],
    }
    if excluded["applications"]:
        meta["notes"].append(
            f"{excluded['applications']:,} application(s) with no candidate_id left out"
        )
    km = quiet(kaplan_meier, frame, conf_level=conf_level)
    quantiles = quiet(waiting_quantiles, frame, probs=probs, conf_level=conf_level)
    meta["not_estimable"].update(km.not_estimable)
    meta["not_estimable"].update(quantiles.not_estimable)
    last = float(frame["duration"].max()) if len(frame) else 0.0
    ks = np.arange(1.0, last + 1.0) if at is None else np.asarray(at, dtype=np.float64)
    table = _until_offer_table(frame, km, ks, last, meta)
    offered = frame.loc[frame["cause"].notna(), "duration"]
    naive = pd.DataFrame(
        {
            "candidates": [len(frame)],
            "with_offer": [len(offered)],
            "naive_share": [len(offered) / len(frame) if len(frame) else np.nan],
            "naive_median_applications": [float(offered.median()) if len(offered) else np.nan],
            "naive_mean_applications": [float(offered.mean()) if len(offered) else np.nan],
        }
    )
    return ApplicationsUntilOfferResult(table, km, quantiles, frame, naive, meta)


def _until_offer_table(
    frame: pd.DataFrame, km: EstimateResult, ks: np.ndarray, last: float, meta: dict[str, Any]
) -> pd.DataFrame:
    t = km.table
    if t.empty:
        # No offer at all: S = 1 at every k (an observation, as in the kernels'
        # zero-event case), with an upper limit that cannot be estimated.
        t = pd.DataFrame({"time": [0.0], "estimate": [1.0], "ci_lower": [1.0], "ci_upper": [1.0]})
        if len(frame):
            meta["notes"].append(f"no offer among {len(frame):,} candidates")
    times = t["time"].to_numpy()
    pos = np.searchsorted(times, ks, side="right") - 1
    have = pos >= 0
    surv = np.where(have, t["estimate"].to_numpy()[np.maximum(pos, 0)], 1.0)
    lower = np.where(have, t["ci_lower"].to_numpy()[np.maximum(pos, 0)], 1.0)
    upper = np.where(have, t["ci_upper"].to_numpy()[np.maximum(pos, 0)], 1.0)
    duration = np.sort(frame["duration"].to_numpy())
    offered = np.sort(frame.loc[frame["cause"].notna(), "duration"].to_numpy())
    events_by = np.searchsorted(offered, ks, side="right")
    out = pd.DataFrame(
        {
            "group": "all",
            "time": ks,
            "cause": "offer",
            "estimate": 1.0 - surv,
            "ci_lower": 1.0 - upper,
            "ci_upper": 1.0 - lower,
            "at_risk": (len(duration) - np.searchsorted(duration, ks, side="left")).astype(
                np.int64
            ),
            "events": (events_by - np.searchsorted(offered, ks, side="left")).astype(np.int64),
        }
    )
    none_yet = events_by == 0
    out.loc[none_yet, "ci_upper"] = np.nan
    if none_yet.any():
        meta["notes"].append(
            f"no first offer within {ks[none_yet].max():g} application(s): there the chance is "
            "0 and its upper limit is not estimable"
        )
    beyond = ks > last
    if beyond.any():
        out.loc[beyond, ["estimate", "ci_lower", "ci_upper"]] = np.nan
        meta["notes"].append(
            f"no candidate is followed past {last:g} applications: later k are not estimable"
        )
    return out[list(UNTIL_OFFER_COLUMNS)]
