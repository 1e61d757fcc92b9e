"""Candidates who apply again: what follows a rejection, and how many applications until an offer.

Two questions about people rather than single applications, both answered
with the censoring-aware estimators of :mod:`hiring_funnel.estimators`:

- :func:`after_rejection`: do applications sent *after* a rejection (by any
  company, or by the same company) end in an offer as often as the others?
  Some of them are still open at the export date, and the plain share
  offers / applications counts those as failures; the Aalen-Johansen
  cumulative incidence of an offer on the ``decision`` clock counts them as
  still waiting instead. Both are reported
  side by side.
- :func:`applications_until_offer`: how many applications had a candidate
  sent when the first offer came? Candidates with no offer yet are censored,
  and the Kaplan-Meier estimator gives the chance of a first offer within k
  applications (a discrete-time survival problem: the clock counts
  applications instead of days).

Applications are linked to a person by ``candidate_id`` (and to an employer by
``company_id``); applications without the link needed are left out and
counted in ``meta["excluded"]``, never guessed. Returned summary tables hold
counts and estimates only, no candidate or company ids; the row-level frames
(``episodes``, ``candidates``) keep the ids for the cluster bootstrap.

One rule orders events across applications: an application counts as sent
*after* an answer only when its ``applied`` timestamp is strictly later. Equal
timestamps (and so, in a log with dates only, the same day) are ties whose
order is unknown; they are never counted as "after". The consequences are
spelled out in each function.

Observational data: candidates who apply again after a rejection differ from
those who do not (persistence, field, how long they have been searching), so
a difference between the groups is an association, not the effect of the
rejection.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import episodes as make_episodes
from hiring_funnel.estimators import (
    ComparisonResult,
    EstimateResult,
    bootstrap,
    cumulative_incidence,
    gray_test,
    kaplan_meier,
    waiting_quantiles,
)
from hiring_funnel.schema import EventLog, HiringFunnelError

__all__ = [
    "AFTER",
    "AFTER_REJECTION_COLUMNS",
    "HISTORY",
    "NO_EARLIER",
    "REJECTIONS_COLUMNS",
    "UNTIL_OFFER_COLUMNS",
    "AfterRejectionResult",
    "ApplicationsUntilOfferResult",
    "after_rejection",
    "applications_until_offer",
]

#: The group of applications sent after an earlier rejection of the same candidate.
AFTER = "after a rejection"
#: The group of applications with no earlier rejection (in the same scope).
NO_EARLIER = "no earlier rejection"
#: The column of :attr:`AfterRejectionResult.episodes` holding the group.
HISTORY = "history"

#: Columns of :attr:`AfterRejectionResult.table`.
AFTER_REJECTION_COLUMNS: tuple[str, ...] = tuple(
    "group applications candidates offers rejections no_decision naive_share time estimate ci_lower ci_upper cluster_ci_lower cluster_ci_upper at_risk events".split()
)
#: Columns of :attr:`AfterRejectionResult.rejections`.
REJECTIONS_COLUMNS: tuple[str, ...] = tuple(
    "rejections applied_again naive_share time estimate ci_lower ci_upper median_days median_ci_lower median_ci_upper".split()
)
#: Columns of :attr:`ApplicationsUntilOfferResult.table`.
UNTIL_OFFER_COLUMNS: tuple[str, ...] = tuple(
    "group time cause estimate ci_lower ci_upper at_risk events".split()
)
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class AfterRejectionResult:
    """What :func:`after_rejection` returns.

    Attributes
    ----------
    table : DataFrame
        One row per group (:data:`AFTER`, :data:`NO_EARLIER`), columns
        :data:`AFTER_REJECTION_COLUMNS`: ``applications``, ``candidates``
        (distinct people), ``offers``, ``rejections`` and ``no_decision``
        (still open, withdrawn or closed) on the decision clock;
        ``naive_share`` = offers / applications; ``time`` the horizon in days;
        ``estimate``, ``ci_lower``, ``ci_upper`` the Aalen-Johansen chance of an
        offer within the horizon and its pointwise interval;
        ``cluster_ci_lower`` and ``cluster_ci_upper`` the same from a bootstrap
        that resamples candidates (NaN unless a ``seed`` was given);
        ``at_risk`` the applications still followed on the horizon day;
        ``events`` the offers within the horizon.
    rejections : DataFrame
        One row, columns :data:`REJECTIONS_COLUMNS`: the rejections that could
        be followed by another application, how many were (``applied_again``,
        ``naive_share``), the Kaplan-Meier chance of another application within
        the horizon (``estimate``, ``ci_lower``, ``ci_upper``) and the median
        days until it (``median_days``; NaN when not reached).
    episodes : DataFrame
        The ``decision`` episodes of the linked applications with
        ``history`` (the group), ``earlier_rejections`` and
        ``days_since_rejection`` (since the latest earlier one; NaN without).
        Row level: it keeps ``application_id`` and ``candidate_id``.
    incidence : EstimateResult
        :func:`cumulative_incidence` by ``history``: draw it with
        :func:`hiring_funnel.plots.plot_cumulative_incidence`.
    test : ComparisonResult or None
        Gray's test that the cumulative incidence of an offer is the same in
        both groups; None when it cannot be computed (said in ``meta["notes"]``).
    meta : dict
        ``as_of``, ``horizon``, ``same_company``, ``scope`` (words),
        ``conf_level``, ``withdrawn``, ``excluded`` (applications and
        rejections left out for a missing link), ``not_estimable`` and
        ``notes``.
    """

    table: pd.DataFrame
    rejections: pd.DataFrame
    episodes: pd.DataFrame
    incidence: EstimateResult
    test: ComparisonResult | None
    meta: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        title = f"Offers after a rejection ({html.escape(self.meta.get('scope', ''))})"
        return _html(
            title,
            [
                ("Applications by history", self.table),
                ("Rejections followed by another application", self.rejections),
            ],
            self.meta,
        )


@dataclass(frozen=True)
class ApplicationsUntilOfferResult:
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
    meta : dict
        ``as_of``, ``conf_level``, ``excluded``, ``not_estimable``, ``notes``.
    """

    table: pd.DataFrame
    km: EstimateResult
    quantiles: EstimateResult
    candidates: pd.DataFrame
    naive: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        shown = self.table if len(self.table) <= 20 else self.table.head(20)
        return _html(
            "Applications until the first offer",
            [
                ("Chance of a first offer within k applications", shown),
                ("Naive figures", self.naive),
                ("Quantiles", self.quantiles.table),
            ],
            self.meta,
        )


def after_rejection(
    log: EventLog | pd.DataFrame,
    *,
    same_company: bool = False,
    horizon: float = 60.0,
    as_of: Any = None,
    withdrawn: str = "censor",
    conf_level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    n_resamples: int = 200,
) -> AfterRejectionResult:
    """How often applications sent after a rejection end in an offer, counting open ones right.

    Every application of a linked candidate goes to one of two groups:

    - :data:`AFTER`: the same candidate had a rejection (by any company, or
      with ``same_company=True`` by the same company) whose timestamp is
      strictly before this application's ``applied`` timestamp;
    - :data:`NO_EARLIER`: no such rejection.

    Each application counts once however many rejections came before it
    (``earlier_rejections`` in :attr:`~AfterRejectionResult.episodes` says how
    many). Choices, each covered by a test:

    - A rejection on the same timestamp as the application (the same day in
      a log with dates only) is a tie of unknown order: the application is
      not "after" it.
    - A rejection counts from its own timestamp even if its application was
      withdrawn first, and only when it is at or before the as-of date and
      not before its own application.
    - Applications without ``candidate_id`` (or, with ``same_company``,
      without ``company_id``) cannot be placed and are left out, counted in
      ``meta["excluded"]``; so are rejections without the link.

    For each group the outcome is the application's ``decision`` episode
    (offer vs rejection as competing causes; still open at the as-of date,
    withdrawn and closed censored unless ``withdrawn="cause"``). The chance
    of an offer within ``horizon`` days is the Aalen-Johansen cumulative
    incidence with its delta-method interval. Beside it, ``naive_share`` =
    offers / applications treats every open application as a failure; the
    gap between the two is the bias this package exists to show. Where no
    offer came within the horizon the estimate is 0 and its upper limit is
    not estimable (NaN, said in ``meta["notes"]``); where the group's
    follow-up ends before the horizon the estimate is NaN.

    The table of rejections asks the question the other way round: of the
    rejections, how many were followed by another application (strictly
    later; by the same company with ``same_company``), and the Kaplan-Meier
    chance of one within ``horizon`` days, censoring rejections too recent to
    tell at the as-of date.

    Parameters
    ----------
    log : EventLog or DataFrame
        From :func:`hiring_funnel.read_events`, or canonical events with
        ``candidate_id`` (and ``company_id`` for ``same_company``).
    same_company : bool
        Only rejections by the company applied to count.
    horizon : float
        Days after applying (and after a rejection, for the rejections table).
    as_of : timestamp-like, optional
        The export moment; by default ``EventLog.as_of``, else the latest event.
    withdrawn : {"censor", "cause"}
        Passed to :func:`hiring_funnel.episodes`.
    conf_level : float
        Level of every interval.
    seed : int or numpy Generator, optional
        When given, also a cluster bootstrap over candidates
        (:func:`hiring_funnel.estimators.bootstrap`): applications of one
        person are not independent, so the pointwise interval is too narrow.
    n_resamples : int
        Bootstrap replicates.

    Returns
    -------
    AfterRejectionResult

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.schema import as_canonical_events
    >>> ev = as_canonical_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "b", "b", "c"],
    ...     "candidate_id": ["p", "p", "p", "p", "q"],
    ...     "event": ["applied", "rejection", "applied", "offer", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-15", "2024-03-02"]}))
    >>> res = after_rejection(ev, horizon=10, as_of="2024-03-31")
    >>> res.table[["group", "applications", "offers", "naive_share", "estimate"]]
                      group  applications  offers  naive_share  estimate
    0     after a rejection             1       1          1.0       1.0
    1  no earlier rejection             2       0          0.0       0.0
    """
    events, ep = _events_and_episodes(log, as_of, withdrawn)
    as_of_ts = ep.attrs["as_of"]
    key = ["candidate_id", "company_id"] if same_company else ["candidate_id"]
    scope = "by the same company" if same_company else "by any company"
    apps = _applications(events, ep)
    linked = apps[key].notna().all(axis=1)
    rej = _first_events(events, apps, "rejection", as_of_ts)
    rej_linked = rej[key].notna().all(axis=1)
    excluded = {
        "applications": int((~linked).sum()),
        "rejections": int((~rej_linked).sum()),
        "reason": "no " + " or ".join(key),
    }
    apps, rej = apps[linked], rej[rej_linked]

    history = _earlier_rejections(apps, rej, key)
    analysed = ep.merge(history, on="application_id", how="inner", validate="one_to_one")
    analysed[HISTORY] = pd.Categorical(
        np.where(analysed["earlier_rejections"] > 0, AFTER, NO_EARLIER),
        categories=[AFTER, NO_EARLIER],
    )
    analysed.attrs = dict(ep.attrs)

    meta: dict[str, Any] = {
        "as_of": as_of_ts,
        "horizon": float(horizon),
        "same_company": same_company,
        "scope": scope,
        "conf_level": conf_level,
        "withdrawn": withdrawn,
        "cause": "offer",
        "excluded": excluded,
        "not_estimable": {},
        "notes": [],
        "variance": "delta method (cmprsk::cuminc), pointwise; cluster bootstrap over "
        "candidates when a seed is given",
    }
    if excluded["applications"]:
        meta["notes"].append(
            f"{excluded['applications']:,} application(s) with {excluded['reason']} left out"
        )
    incidence = _quiet(cumulative_incidence, analysed, by=HISTORY, conf_level=conf_level)
    boot = None
    if seed is not None and len(analysed):
        boot = _quiet(
            bootstrap,
            cumulative_incidence,
            analysed,
            seed=seed,
            by=HISTORY,
            n_resamples=n_resamples,
            conf_level=conf_level,
        )
        meta["variance_cluster"] = boot.meta.get("variance")
        meta["n_resamples"] = n_resamples
    rows = []
    for label in (AFTER, NO_EARLIER):
        g = analysed[analysed[HISTORY] == label]
        rows.append(_group_row(label, g, incidence, boot, float(horizon), meta))
    table = pd.DataFrame(rows, columns=list(AFTER_REJECTION_COLUMNS))
    test = _gray(analysed, meta)
    rejections = _rejections_table(rej, apps, key, as_of_ts, float(horizon), conf_level, meta)
    return AfterRejectionResult(table, rejections, analysed, incidence, test, meta)


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
    events, ep = _events_and_episodes(log, as_of, "censor")
    as_of_ts = ep.attrs["as_of"]
    apps = _applications(events, ep)
    linked = apps["candidate_id"].notna()
    excluded = {"applications": int((~linked).sum()), "reason": "no candidate_id"}
    apps = apps[linked]
    offers = _first_events(events, apps, "offer", as_of_ts)
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
            "cause": _one_cause(has_offer, "offer"),
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
    km = _quiet(kaplan_meier, frame, conf_level=conf_level)
    quantiles = _quiet(waiting_quantiles, frame, probs=probs, conf_level=conf_level)
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


# -- shared pieces --------------------------------------------------------------


def _events_and_episodes(
    log: EventLog | pd.DataFrame, as_of: Any, withdrawn: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events and their decision episodes (which also fix the as-of date)."""
    if not isinstance(log, EventLog | pd.DataFrame):
        raise HiringFunnelError(
            f"expected an EventLog or canonical events, not {type(log).__name__}",
            hint="read the log with hiring_funnel.read_events",
        )
    events = log.events if isinstance(log, EventLog) else log
    ep = make_episodes(log, "decision", as_of=as_of, withdrawn=withdrawn)
    if "candidate_id" not in events.columns:
        raise HiringFunnelError(
            "the events have no 'candidate_id' column: applications cannot be linked to people",
            hint="map the candidate column in the mapping's [columns]",
        )
    return events, ep


def _applications(events: pd.DataFrame, ep: pd.DataFrame) -> pd.DataFrame:
    """One row per application with an episode: id, origin, and its candidate and company.

    The links are the first non-missing ``candidate_id`` and ``company_id``
    among the application's events (the episodes fill a missing candidate
    with the application id, which would make it a person of its own).
    """
    cols = [c for c in ("candidate_id", "company_id") if c in events.columns]
    links = events.groupby("application_id", observed=True, sort=False)[cols].first()
    apps = ep[["application_id", "origin"]].merge(
        links, left_on="application_id", right_index=True, how="left"
    )
    for col in ("candidate_id", "company_id"):
        if col not in apps.columns:
            apps[col] = pd.Series(pd.NA, index=apps.index, dtype="string")
        apps[col] = apps[col].astype("string")
    return apps.reset_index(drop=True)


def _first_events(
    events: pd.DataFrame, apps: pd.DataFrame, name: str, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The first ``name`` event of each application in ``apps``, at or before as-of, not before it was sent."""
    ev = events.loc[
        (events["event"] == name) & (events["timestamp"] <= as_of), ["application_id", "timestamp"]
    ]
    ev = ev.merge(apps, on="application_id", how="inner")
    ev = ev[ev["timestamp"] >= ev["origin"]].rename(columns={"timestamp": "ts"})
    ev = ev.sort_values(["ts", "application_id"], kind="stable")
    return ev.drop_duplicates("application_id").reset_index(drop=True)


def _days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """Whole calendar days between UTC dates, as the clocks count them."""
    a = later.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    b = earlier.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    return (a // _NS_PER_DAY - b // _NS_PER_DAY).astype(np.float64)


def _one_cause(happened: np.ndarray, name: str) -> pd.Categorical:
    """A cause column with one category: ``name`` where it happened, missing (censored) elsewhere."""
    codes = np.where(np.asarray(happened, dtype=bool), 0, -1)
    return pd.Categorical.from_codes(codes, categories=[name])


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call an estimator with its not-estimable warnings silenced: they land in meta instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


# -- after a rejection ----------------------------------------------------------


def _earlier_rejections(apps: pd.DataFrame, rej: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Per application: rejections of the same key strictly before it was sent, and the latest one.

    ``merge_asof`` with ``allow_exact_matches=False`` finds, for each
    application, the last rejection of its key with a timestamp strictly
    before its ``applied``; a running count of the key's rejections carried
    along gives how many there were. The application's own rejection is never
    before its ``applied``, so it is never found.
    """
    right = rej[[*key, "ts"]].sort_values("ts", kind="stable").reset_index(drop=True)
    right["earlier_rejections"] = right.groupby(key, observed=True).cumcount() + 1
    left = apps[["application_id", "origin", *key]].sort_values("origin", kind="stable")
    merged = pd.merge_asof(
        left,
        right,
        left_on="origin",
        right_on="ts",
        by=key,
        allow_exact_matches=False,
        direction="backward",
    )
    merged["earlier_rejections"] = merged["earlier_rejections"].fillna(0).astype(np.int64)
    since = np.full(len(merged), np.nan)
    found = merged["ts"].notna().to_numpy()
    since[found] = _days(merged.loc[found, "origin"], merged.loc[found, "ts"])
    merged["days_since_rejection"] = since
    return merged[["application_id", "earlier_rejections", "days_since_rejection"]]


def _group_row(
    label: str,
    g: pd.DataFrame,
    incidence: EstimateResult,
    boot: EstimateResult | None,
    horizon: float,
    meta: dict[str, Any],
) -> dict[str, Any]:
    offers = int((g["cause"] == "offer").sum())
    row: dict[str, Any] = {
        "group": label,
        "applications": len(g),
        "candidates": int(g["candidate_id"].nunique()),
        "offers": offers,
        "rejections": int((g["cause"] == "rejection").sum()),
        "no_decision": int(g["cause"].isna().sum()),
        "naive_share": offers / len(g) if len(g) else np.nan,
        "time": horizon,
        "at_risk": int((g["duration"] >= horizon).sum()),
        "events": int(((g["cause"] == "offer") & (g["duration"] <= horizon)).sum()),
    }
    nan3 = (np.nan, np.nan, np.nan)
    if g.empty:
        meta["not_estimable"][label] = "no applications in this group"
        est = nan3
    elif g["duration"].max() < horizon:
        meta["not_estimable"][label] = (
            f"follow-up ends on day {g['duration'].max():g}, before the horizon {horizon:g}"
        )
        est = nan3
    else:
        est = _at_horizon(incidence, label, "offer", horizon)
        if row["events"] == 0:
            est = (0.0, 0.0, np.nan)
            meta["notes"].append(
                f"{label}: no offer within {horizon:g} days among {len(g):,} applications; "
                "the estimate is 0 and its upper limit is not estimable"
            )
    row["estimate"], row["ci_lower"], row["ci_upper"] = est
    row["cluster_ci_lower"], row["cluster_ci_upper"] = np.nan, np.nan
    if boot is not None and not np.isnan(est[0]):
        if row["events"] == 0:
            row["cluster_ci_lower"] = 0.0
        else:
            _, low, high, used = _at_horizon_row(boot, label, "offer", horizon)
            n = int(meta["n_resamples"])
            if used < n:
                # A replicate that drew no offer in this group has no curve and is
                # left out by the bootstrap, though its estimate is 0: the
                # percentile interval would sit too high. Say so instead.
                meta["notes"].append(
                    f"{label}: the cluster bootstrap drew no offer in {n - used} of {n} "
                    "replicates; its interval is not reported"
                )
            else:
                row["cluster_ci_lower"], row["cluster_ci_upper"] = low, high
    return row


def _at_horizon(
    result: EstimateResult, label: str, cause: str, horizon: float
) -> tuple[float, float, float]:
    """Estimate and interval of a step curve at the last time at or before the horizon."""
    est, low, high, _ = _at_horizon_row(result, label, cause, horizon)
    return est, low, high


def _at_horizon_row(
    result: EstimateResult, label: str, cause: str, horizon: float
) -> tuple[float, float, float, int]:
    """As :func:`_at_horizon`, plus the bootstrap replicates behind that row (0 if none)."""
    t = result.table
    mask = (t["group"] == label) & (t["cause"] == cause) & (t["time"] <= horizon)
    if not mask.any():
        return (0.0, 0.0, np.nan, 0)
    i = int(np.flatnonzero(mask.to_numpy())[-1])
    last = t.iloc[i]
    used = result.meta.get("replicates_used")
    n_used = int(np.asarray(used)[i]) if used is not None else 0
    return (float(last["estimate"]), float(last["ci_lower"]), float(last["ci_upper"]), n_used)


def _gray(analysed: pd.DataFrame, meta: dict[str, Any]) -> ComparisonResult | None:
    sizes = analysed[HISTORY].value_counts()
    if (sizes == 0).any():
        meta["notes"].append("Gray's test not computed: one group has no applications")
        return None
    try:
        return gray_test(analysed, HISTORY, cause="offer")
    except HiringFunnelError as exc:
        meta["notes"].append(f"Gray's test not computed: {exc}")
        return None


def _rejections_table(
    rej: pd.DataFrame,
    apps: pd.DataFrame,
    key: list[str],
    as_of: pd.Timestamp,
    horizon: float,
    conf_level: float,
    meta: dict[str, Any],
) -> pd.DataFrame:
    """Each rejection: the next application of the same key strictly after it, or censored at as-of."""
    left = rej[[*key, "ts"]].sort_values("ts", kind="stable").reset_index(drop=True)
    right = apps[[*key, "origin"]].sort_values("origin", kind="stable").reset_index(drop=True)
    nxt = pd.merge_asof(
        left,
        right,
        left_on="ts",
        right_on="origin",
        by=key,
        allow_exact_matches=False,
        direction="forward",
    )
    again = nxt["origin"].notna().to_numpy()
    end = nxt["origin"].where(again, as_of)
    frame = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": _days(end, nxt["ts"]),
            "cause": _one_cause(again, "applied again"),
        }
    )
    row: dict[str, Any] = {
        "rejections": len(frame),
        "applied_again": int(again.sum()),
        "naive_share": again.mean() if len(frame) else np.nan,
        "time": horizon,
    }
    row.update(dict.fromkeys(REJECTIONS_COLUMNS[4:], np.nan))
    if again.any():
        km = _quiet(kaplan_meier, frame, conf_level=conf_level)
        t = km.table[km.table["time"] <= horizon]
        if t.empty or frame["duration"].max() < horizon:
            meta["not_estimable"]["applied again"] = (
                "follow-up of the rejections ends before the horizon"
                if frame["duration"].max() < horizon
                else "no other application within the horizon"
            )
        else:
            last = t.iloc[-1]
            row["estimate"] = 1.0 - float(last["estimate"])
            row["ci_lower"] = 1.0 - float(last["ci_upper"])
            row["ci_upper"] = 1.0 - float(last["ci_lower"])
        q = _quiet(waiting_quantiles, frame, probs=[0.5], conf_level=conf_level).table.iloc[0]
        row["median_days"], row["median_ci_lower"], row["median_ci_upper"] = (
            float(q["estimate"]),
            float(q["ci_lower"]),
            float(q["ci_upper"]),
        )
        if not q["reached"]:
            meta["notes"].append(
                f"fewer than half of the rejections were followed by another application "
                f"{meta['scope']} within the follow-up: the median wait is not reached"
            )
    elif len(frame):
        row["estimate"], row["ci_lower"] = 0.0, 0.0
        meta["notes"].append(
            f"no rejection was followed by another application {meta['scope']}; "
            "the chance of one is 0 and its upper limit is not estimable"
        )
    return pd.DataFrame([row], columns=list(REJECTIONS_COLUMNS))


# -- applications until the first offer ----------------------------------------


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


def _html(title: str, tables: list[tuple[str, pd.DataFrame]], meta: dict[str, Any]) -> str:
    parts = [f"<div><strong>{html.escape(title)}</strong>"]
    level = meta.get("conf_level")
    if level:
        parts.append(
            f"<p>{int(round(100 * level))}% intervals; as of {html.escape(str(meta.get('as_of')))}</p>"
        )
    for name, table in tables:
        parts.append(f"<p>{html.escape(name)}</p>")
        parts.append(table.to_html(index=False, float_format=lambda x: f"{x:.4g}"))
    notes = [f"{k}: {v}" for k, v in meta.get("not_estimable", {}).items()] + list(
        meta.get("notes", [])
    )
    if notes:
        parts.append("<p>Notes:</p><ul>")
        parts += [f"<li>{html.escape(str(n))}</li>" for n in notes]
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)
