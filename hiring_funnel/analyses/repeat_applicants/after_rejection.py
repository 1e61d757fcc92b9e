"""Do applications sent after a rejection end in an offer as often as the others?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.analyses.repeat_applicants._common import (
    AFTER,
    AFTER_REJECTION_COLUMNS,
    HISTORY,
    NO_EARLIER,
    REJECTIONS_COLUMNS,
    applications,
    as_of_facts,
    days,
    events_and_episodes,
    first_events,
    one_cause,
    quiet,
)
from hiring_funnel.estimators import (
    ComparisonResult,
    EstimateResult,
    bootstrap,
    cumulative_incidence,
    gray_test,
    kaplan_meier,
    waiting_quantiles,
)
from hiring_funnel.results import Note, Result
from hiring_funnel.schema import EventLog, HiringFunnelError


@dataclass(frozen=True)
class AfterRejectionResult(Result):
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
    meta : Meta
        ``as_of``, ``horizon``, ``same_company``, ``scope`` (words),
        ``conf_level``, ``withdrawn``, ``excluded`` (applications and
        rejections left out for a missing link) and ``not_estimable``.
    notes : tuple of Note
        Caveats (a test that could not be computed, ...).

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(2000, seed=3)
    >>> result = hf.after_rejection(sim.events, as_of=sim.as_of)
    >>> result.title(), len(result.table)
    ('Offers after a rejection (by any company)', 2)
    """

    table: pd.DataFrame
    rejections: pd.DataFrame
    episodes: pd.DataFrame
    incidence: EstimateResult
    test: ComparisonResult | None
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def title(self) -> str:
        return f"Offers after a rejection ({self.meta.get('scope', '')})"

    def facts(self) -> list[str]:
        return as_of_facts(self)

    def extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Rejections followed by another application", self.rejections)]


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
    events, ep = events_and_episodes(log, as_of, withdrawn)
    as_of_ts = ep.attrs["as_of"]
    key = ["candidate_id", "company_id"] if same_company else ["candidate_id"]
    scope = "by the same company" if same_company else "by any company"
    apps = applications(events, ep)
    linked = apps[key].notna().all(axis=1)
    rej = first_events(events, apps, "rejection", as_of_ts)
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
    incidence = quiet(cumulative_incidence, analysed, by=HISTORY, conf_level=conf_level)
    boot = None
    if seed is not None and len(analysed):
        boot = quiet(
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
    since[found] = days(merged.loc[found, "origin"], merged.loc[found, "ts"])
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
        return gray_test(analysed, by=HISTORY, cause="offer")
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
            "duration": days(end, nxt["ts"]),
            "cause": one_cause(again, "applied again"),
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
        km = quiet(kaplan_meier, frame, conf_level=conf_level)
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
        q = quiet(waiting_quantiles, frame, probs=[0.5], conf_level=conf_level).table.iloc[0]
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
