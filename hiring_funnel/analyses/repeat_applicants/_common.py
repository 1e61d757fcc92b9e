"""Shared pieces of the candidate analyses: constants, event and episode tables, HTML."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import episodes as make_episodes
from hiring_funnel.schema import EventLog, HiringFunnelError

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


def events_and_episodes(
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


def applications(events: pd.DataFrame, ep: pd.DataFrame) -> pd.DataFrame:
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


def first_events(
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


def days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """Whole calendar days between UTC dates, as the clocks count them."""
    a = later.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    b = earlier.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    return (a // _NS_PER_DAY - b // _NS_PER_DAY).astype(np.float64)


def one_cause(happened: np.ndarray, name: str) -> pd.Categorical:
    """A cause column with one category: ``name`` where it happened, missing (censored) elsewhere."""
    codes = np.where(np.asarray(happened, dtype=bool), 0, -1)
    return pd.Categorical.from_codes(codes, categories=[name])


def quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call an estimator with its not-estimable warnings silenced: they land in meta instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def as_of_facts(result: Any) -> list[str]:
    """The level and as-of date of a candidates result, and its curves that were not estimable."""
    meta = result.meta
    level = meta.get("conf_level")
    facts = [f"{int(round(100 * level))}% intervals; as of {meta.get('as_of')}"] if level else []
    return facts + [f"{k}: {v}" for k, v in meta.get("not_estimable", {}).items()]
