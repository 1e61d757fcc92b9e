"""Does a candidate's follow-up speed up the answer? A time-varying Cox covariate.

A follow-up is sent *during* a wait, so "followed up" is not known at the
origin: it switches on part-way. Comparing episodes that ever followed up with
those that never did (a fixed covariate) credits the follow-up group with the
days they waited *before* nudging, when they could not yet have followed up,
and only candidates still waiting can nudge at all: an immortal-time bias
that makes follow-ups look harmful (Suissa 2008). :func:`split_at_follow_ups`
cuts each episode into counting-process pieces at the follow-up days, and
:func:`follow_up_effect` fits the cause-specific Cox model on them beside the
naive fixed-covariate fit, so the bias is visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import UNITS, utc_ns
from hiring_funnel.daycount import count_days
from hiring_funnel.deprecation import keywords_from
from hiring_funnel.episode_checks import check_episodes
from hiring_funnel.event_order import first_of_run
from hiring_funnel.regression.cox import CoxResult, cause_specific_cox
from hiring_funnel.results import COEFFICIENT_COLUMNS, CoefficientResult
from hiring_funnel.schema import EventLog, HiringFunnelError, check_events, require_columns

__all__ = ["FOLLOW_UP_COLUMNS", "FollowUpResult", "follow_up_effect", "split_at_follow_ups"]

#: Fixed columns of :attr:`FollowUpResult.table`, one row per model: those of
#: every coefficient result (``estimate`` is the follow-up's hazard ratio), then
#: Wald z and the model.
FOLLOW_UP_COLUMNS: tuple[str, ...] = (*COEFFICIENT_COLUMNS, "z", "model")
CONVENTION = (
    "a follow-up sent on day f of a wait counts from day f + 1 on (R's (start, stop] "
    "on whole days); an answer on the day of the nudge is not credited to it"
)
_EPISODE_COLUMNS = ("application_id", "entry", "duration", "cause", "origin", "end")
_HINT = "build episodes with hiring_funnel.clocks.episodes"


def split_at_follow_ups(
    episodes: pd.DataFrame, events: pd.DataFrame | EventLog, *, count: bool = False
) -> pd.DataFrame:
    """Cut each episode into counting-process pieces at the candidate's follow-ups.

    Parameters
    ----------
    episodes : DataFrame
        Episodes of one clock (:func:`hiring_funnel.clocks.episodes`): needs
        ``application_id``, ``entry``, ``duration``, ``cause``, ``origin``
        and ``end``. Follow-up days are counted in ``attrs["unit"]`` (and
        ``attrs["holidays"]``), "days" when the frame has no such attrs.
    events : DataFrame or EventLog
        The canonical events the episodes were made from. A ``follow_up`` of
        the application with ``origin < timestamp < end`` belongs to the
        episode; so with several episodes per application (the
        interview_feedback clock) each follow-up goes to the wait it fell in.
    count : bool
        False: split at the first follow-up only, adding the boolean column
        ``followed_up``. True: split at every day with a follow-up, adding
        ``follow_ups`` (int64, the number of follow-ups sent before the
        piece's first day) and ``followed_up`` (``follow_ups > 0``). The count
        is kept as a number, so that a Cox model fits one log hazard ratio per
        follow-up; for levels, bin it, e.g. ``pd.cut(x, [-1, 0, 1, np.inf],
        labels=["0", "1", "2+"])``.

    Returns
    -------
    DataFrame
        One row per piece: the episode's columns, with ``entry`` and
        ``duration`` the piece's first and last day at risk (both inclusive, as
        everywhere in the package) and ``cause`` kept on the last piece only
        (earlier pieces are censored). The index repeats the episode's index
        label on each of its pieces.

    Notes
    -----
    The covariate is *predictable*: a follow-up sent on day f (whole days
    from the origin, in the episodes' unit) changes it from day f + 1 on. An
    answer that came on the same day as the nudge cannot be credited to it
    without looking into the future: whether the nudge was sent that day
    depends on the answer, since one that arrived in the morning would have
    prevented it. So an episode at risk on days ``entry..duration`` whose
    first follow-up is on day f becomes ``[entry, f]`` (censored, not followed
    up) and ``[f + 1, duration]`` (its cause, followed up); a follow-up on the
    last day (f >= duration) does not split, and one before the entry
    (f + 1 <= entry) marks the whole episode. This is R's
    ``survival::tmerge(..., tdc(f + 1))`` after shifting the inclusive days
    ``a..b`` to R's interval ``(a, b + 1]``. A weekend follow-up with
    ``unit="business_days"`` counts as sent on the next business day.

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.clocks import episodes
    >>> from hiring_funnel.schema import as_canonical_events
    >>> ev = as_canonical_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "a", "b", "b", "b"],
    ...     "event": ["applied", "follow_up", "screen", "applied", "follow_up", "rejection"],
    ...     "timestamp": ["2024-03-01 09:00", "2024-03-04 10:00", "2024-03-09 15:00",
    ...                   "2024-03-01 09:00", "2024-03-05 08:00", "2024-03-05 16:00"]}))
    >>> ep = episodes(ev, "first_response")
    >>> split_at_follow_ups(ep, ev)[["application_id", "entry", "duration", "cause",
    ...                              "followed_up"]]
      application_id  entry  duration      cause  followed_up
    0              a    0.0       3.0        NaN        False
    0              a    4.0       8.0   positive         True
    1              b    0.0       4.0  rejection        False
    """
    pieces, _ = _split(episodes, events, count)
    return pieces


@dataclass(frozen=True)
class FollowUpResult(CoefficientResult):
    """The effect of a follow-up on the hazard of one cause, two ways.

    Attributes
    ----------
    table : DataFrame
        Columns :data:`FOLLOW_UP_COLUMNS`, one row per model: "time-varying"
        (the follow-up switches on from the day after it was sent; term
        ``followed_up``) and "naive (ever followed up)" (a fixed covariate:
        any follow-up during the wait; term ``ever_followed_up``), each with
        the hazard ratio of the follow-up term adjusted for the covariates
        (``estimate``), its interval, coefficient, standard error, p-value
        and Wald z.
    cox : CoxResult
        The full time-varying fit on the pieces (term ``followed_up``).
    naive : CoxResult
        The full naive fit on the episodes (term ``ever_followed_up``).
    meta : dict
        ``cause``, ``clock``, ``unit``, ``covariates``, ``conf_level``, ``n``
        (episodes), ``pieces``, ``events``, ``with_follow_up`` (episodes with a
        follow-up inside the wait), ``switched`` (episodes followed up before
        their last day, so the covariate changes or is on from the entry),
        ``convention`` and ``effect`` ("hazard ratio").
    notes : tuple of Note
        The two fits' notes.
    """

    cox: CoxResult | None = None
    naive: CoxResult | None = None

    def title(self) -> str:
        return f"Effect of a follow-up on the hazard of {self.meta['cause']}"

    def facts(self) -> list[str]:
        m = self.meta
        return [
            f"{m['n']:,} episodes ({m['pieces']:,} pieces), {m['events']:,} events of {m['cause']}",
            f"{m['with_follow_up']:,} episodes with a follow-up during the wait",
            *super().facts(),
            "adjusted for " + ", ".join(m["covariates"]) if m["covariates"] else "",
            str(m["convention"]),
        ]


@keywords_from("cause", "covariates")
def follow_up_effect(
    episodes: pd.DataFrame,
    events: pd.DataFrame | EventLog,
    *,
    cause: str,
    covariates: str | Sequence[str] = (),
    conf_level: float = 0.95,
    cluster: str | None = None,
) -> FollowUpResult:
    """Hazard ratio of a cause after a follow-up, as a time-varying Cox covariate.

    Parameters
    ----------
    episodes : DataFrame
        Episodes of one clock, as for :func:`split_at_follow_ups`.
    events : DataFrame or EventLog
        The canonical events the episodes were made from.
    cause : str
        The cause whose hazard is modelled; other causes are censored.
    covariates : str or sequence of str
        Further columns of ``episodes`` to adjust for
        (:func:`hiring_funnel.regression.cause_specific_cox` codes them).
    conf_level : float
        Level of the Wald intervals.
    cluster : str, optional
        A column of ``episodes`` (``"candidate_id"``) for robust standard
        errors clustered on it, as in :func:`cause_specific_cox`; the pieces
        of one wait always stay in its cluster.

    Returns
    -------
    FollowUpResult
        ``table`` with the "time-varying" and "naive (ever followed up)" rows,
        the two fits as ``cox`` and ``naive``, and ``meta``.

    Raises
    ------
    HiringFunnelError
        When a required column is missing, the log has no follow-up, no
        follow-up falls inside a wait, the cause has no events (overall or
        after a follow-up), or a fit fails.

    Notes
    -----
    The naive hazard ratio is biased downwards: a candidate can only follow
    up while still waiting, so the "ever followed up" group has necessarily
    waited at least until the nudge. The time-varying fit uses the
    convention of :func:`split_at_follow_ups`. A nudge that acts at once
    (not from the next day) is thereby attenuated a little: by about 0.02 on
    a log hazard ratio of 0.47 with waits of 20 days on average (the
    simulation in ``tests/test_follow_ups.py``).

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> from hiring_funnel.clocks import episodes
    >>> log = hf.simulate(3000, seed=5)
    >>> ep = episodes(log.events, "first_response", as_of=log.as_of)
    >>> fit = follow_up_effect(ep, log.events, cause="positive")
    >>> list(fit.table["model"])
    ['time-varying', 'naive (ever followed up)']
    >>> bool(fit.table["estimate"].iloc[1] < fit.table["estimate"].iloc[0])
    True
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    taken = [c for c in covs if c in ("followed_up", "ever_followed_up", "follow_ups")]
    if taken:
        raise HiringFunnelError(
            f"{taken[0]!r} is made by follow_up_effect, not a covariate", column=taken[0]
        )
    pieces, info = _split(episodes, events, count=False)
    is_event = (episodes["cause"] == cause).to_numpy(dtype=bool, na_value=False)
    if cause not in list(episodes["cause"].cat.categories) or not is_event.any():
        raise HiringFunnelError(
            f"no episode ends with cause {cause!r}: there is nothing to model",
            column="cause",
            hint=f"the causes are {[str(c) for c in episodes['cause'].cat.categories]}",
        )
    on = pieces["followed_up"].to_numpy(dtype=bool)
    if not on.any():
        raise HiringFunnelError(
            "every follow-up inside a wait came on the wait's last day: "
            "the follow-up never precedes an answer, so it has no effect to estimate",
            column="event",
        )
    if not (on & (pieces["cause"] == cause).to_numpy(dtype=bool, na_value=False)).any():
        raise HiringFunnelError(
            f"no {cause!r} answer came after a follow-up: its hazard ratio would be 0",
            column="cause",
            hint="use another cause or a longer log",
        )
    tv = cause_specific_cox(
        pieces.assign(followed_up=on.astype(np.int8)),
        cause=cause,
        covariates=["followed_up", *covs],
        conf_level=conf_level,
        cluster=cluster,
    )
    naive = cause_specific_cox(
        episodes.assign(ever_followed_up=info["ever"].astype(np.int8)),
        cause=cause,
        covariates=["ever_followed_up", *covs],
        conf_level=conf_level,
        cluster=cluster,
    )
    # Each fit's first row is the follow-up term: it is the first covariate.
    table = pd.concat([tv.table.iloc[:1], naive.table.iloc[:1]], ignore_index=True)
    table["model"] = ["time-varying", "naive (ever followed up)"]
    table = table[list(FOLLOW_UP_COLUMNS)]
    numbers = ["estimate", "ci_lower", "ci_upper", "coef", "std_error", "p_value", "z"]
    if not np.isfinite(table[numbers].to_numpy(dtype=float)).all():
        raise HiringFunnelError(
            f"the follow-up hazard ratio of {cause!r} is not finite", hint="check the data"
        )
    meta: dict[str, Any] = {
        "cause": cause,
        "clock": episodes.attrs.get("clock"),
        "unit": info["unit"],
        "covariates": covs,
        "conf_level": conf_level,
        "n": len(episodes),
        "pieces": len(pieces),
        "events": int(is_event.sum()),
        "with_follow_up": int(info["ever"].sum()),
        "switched": int(info["switched"]),
        "convention": CONVENTION,
        "effect": "hazard ratio",
        "reference": {},
    }
    return FollowUpResult(
        table=table,
        covariance=pd.DataFrame(),
        meta=meta,
        notes=(*tv.notes, *naive.notes),
        cox=tv,
        naive=naive,
    )


def _split(
    episodes: pd.DataFrame, events: pd.DataFrame | EventLog, count: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The pieces, and what follow_up_effect needs to know about the follow-ups."""
    row, day, unit = _follow_up_days(episodes, events)
    n = len(episodes)
    entry = episodes["entry"].to_numpy(dtype=np.float64)
    duration = episodes["duration"].to_numpy(dtype=np.float64)
    ever = np.zeros(n, dtype=bool)
    ever[row] = True
    # The day the covariate changes; a follow-up on the last day changes nothing.
    change = day + 1
    keep = change <= duration[row]
    row, change = row[keep], change[keep]
    order = np.lexsort((change, row))
    row, change = row[order], change[order]
    if count:
        # Running count per episode; of several follow-ups on one day the last
        # carries that day's total.
        idx = np.arange(row.size)
        k = idx - np.maximum.accumulate(np.where(first_of_run(row), idx, 0)) + 1
        last_of_day = np.ones(row.size, dtype=bool)
        last_of_day[:-1] = (row[1:] != row[:-1]) | (change[1:] != change[:-1])
        row, change, k = row[last_of_day], change[last_of_day], k[last_of_day]
    else:
        first = first_of_run(row)
        row, change, k = row[first], change[first], np.ones(int(first.sum()), dtype=np.int64)
    # Changes on or before the entry set the value of the first piece.
    before = change <= entry[row]
    k0 = np.zeros(n, dtype=np.int64)
    np.maximum.at(k0, row[before], k[before])
    switched = np.unique(row).size
    row, change, k = row[~before], change[~before], k[~before]

    piece_row = np.concatenate([np.arange(n), row])
    start = np.concatenate([entry, change])
    value = np.concatenate([k0, k])
    order = np.lexsort((start, piece_row))
    piece_row, start, value = piece_row[order], start[order], value[order]
    last = np.ones(piece_row.size, dtype=bool)
    last[:-1] = piece_row[1:] != piece_row[:-1]
    stop = np.where(last, duration[piece_row], np.append(start[1:], 0.0) - 1)

    pieces = episodes.iloc[piece_row].copy()
    cause = episodes["cause"]
    codes = np.where(last, cause.cat.codes.to_numpy()[piece_row], -1)
    pieces["entry"] = start
    pieces["duration"] = stop
    pieces["cause"] = pd.Categorical.from_codes(codes, dtype=cause.dtype)
    if count:
        pieces["follow_ups"] = value
    pieces["followed_up"] = value > 0
    pieces.attrs = {**episodes.attrs, "follow_ups": {"count": count, "convention": CONVENTION}}
    return pieces, {"ever": ever, "switched": switched, "unit": unit}


def _follow_up_days(
    episodes: pd.DataFrame, events: pd.DataFrame | EventLog
) -> tuple[np.ndarray, np.ndarray, str]:
    """Episode position and day (from its origin) of every follow-up inside a wait."""
    frame = events.events if isinstance(events, EventLog) else events
    check_events(frame)
    require_columns(episodes, "episodes", _EPISODE_COLUMNS, _HINT)
    check_episodes(episodes)
    clash = [c for c in ("followed_up", "follow_ups") if c in episodes.columns]
    if clash:
        raise HiringFunnelError("clashes with a column split_at_follow_ups adds", column=clash[0])
    unit, holidays = episodes.attrs.get("unit", "days"), episodes.attrs.get("holidays")
    if unit not in UNITS:
        raise HiringFunnelError(f"episodes in {unit!r}: follow-up days need one of {UNITS}")
    origin, end = (_utc(episodes, col) for col in ("origin", "end"))
    duration = episodes["duration"].to_numpy(dtype=np.float64)
    counted = count_days(origin, end, unit, holidays)
    bad = np.flatnonzero(counted != duration)
    if bad.size:
        raise HiringFunnelError(
            f"{bad.size} duration(s) differ from the {unit} between origin and end, "
            f"first in row {int(bad[0])}",
            column="duration",
            hint="pass episodes as clocks.episodes made them (their attrs record the unit)",
        )
    is_fu = (frame["event"] == "follow_up").to_numpy(dtype=bool, na_value=False)
    if not is_fu.any():
        raise HiringFunnelError(
            "the log has no follow_up events: there is no follow-up to study", column="event"
        )
    fu_ts = utc_ns(frame["timestamp"][is_fu])
    ids = pd.concat(
        [episodes["application_id"].astype("string"), frame["application_id"][is_fu]],
        ignore_index=True,
    ).astype("string")
    codes = pd.factorize(ids)[0]
    n = len(episodes)
    pairs = pd.merge(
        pd.DataFrame({"app": codes[:n], "row": np.arange(n)}),
        pd.DataFrame({"app": codes[n:], "ts": fu_ts}),
        on="app",
    )
    row = pairs["row"].to_numpy(dtype=np.int64)
    ts = pairs["ts"].to_numpy(dtype=np.int64)
    inside = (ts > origin[row]) & (ts < end[row])
    if not inside.any():
        clock = episodes.attrs.get("clock")
        raise HiringFunnelError(
            "no follow-up falls inside a wait of this clock"
            + (f" ({clock!r})" if clock else "")
            + f": {int(is_fu.sum())} follow-up(s) in the log, all before an origin or after an end",
            column="event",
            hint="check the clock, or that events are the log the episodes were made from",
        )
    row, ts = row[inside], ts[inside]
    return row, count_days(origin[row], ts, unit, holidays), unit


def _utc(episodes: pd.DataFrame, col: str) -> np.ndarray:
    values = episodes[col]
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        raise HiringFunnelError(
            f"must be a timezone-aware datetime, not {values.dtype}", column=col, hint=_HINT
        )
    missing = np.flatnonzero(values.isna().to_numpy())
    if missing.size:
        raise HiringFunnelError(f"missing value in row {int(missing[0])}", column=col, hint=_HINT)
    return utc_ns(values)
