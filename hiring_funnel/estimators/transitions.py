"""The funnel as a multi-state model: state occupation, transition probabilities, still hope from any stage.

Read from :func:`hiring_funnel.state_paths` (one row per application and
transition, days since ``applied``). Every estimate is the Aalen-Johansen
product of (I + dA) over the transition days (ties exact, no jitter;
:mod:`hiring_funnel.estimators._aalen_johansen`) with its infinitesimal-
jackknife standard error, summed per candidate where candidates hold several
applications (``cluster="auto"``, as the other estimators), per application
with ``cluster=None``. Pinned to R's multi-state ``survfit(Surv(start, stop,
state) ~ 1, id = application_id, influence = TRUE)`` in
tests/test_multistate.py.

Which "still hope" this is. The model is Markov on the clock of the
application: P(j at t | i at s) depends on the stage i and on s, the days since
the application, not on how long the application has been in stage i (a
clock-reset, semi-Markov model would). "In stage X and silent there for s
days" is read as "in stage X at day s since the application, with nothing
after it yet": :func:`still_hope_from` is P(offer by tau | in X at the end of
day s) = P_{X, offer}(s, tau), estimated from every application in any stage
after s (the Markov Aalen-Johansen, as R's ``survfit(..., start.time = s +
0.5, p0 = e_X)`` on whole days). Being in X at s already means silent since
entering X (any move would have left it). The landmark Aalen-Johansen
(Putter & Spitoni 2018), which keeps only the applications in X at s and
needs no Markov assumption, is not computed here; under the Markov model both
estimate the same chance. From ``applied`` it differs from :func:`hiring_funnel.still_hope`
on the ``first_response`` clock by definition: there a screen or an interview
already ends the wait as a positive answer, here only an offer counts, and
withdrawn/closed is an outcome of its own rather than a censoring.

Speed: the variance sweep touches only the clusters whose rows change on a
day, so 1e6 applications (1.6e6 path rows, about 210 transition days) take
about 2 s for the state occupation and 3 s for still hope from a stage on
every day (``python benchmarks/bench_multistate.py``, on a shared 2-core
machine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.estimators import _kernels as k
from hiring_funnel.estimators._aalen_johansen import (
    Grid,
    backward,
    forward,
    increments,
    make_grid,
)
from hiring_funnel.estimators._prepare import check_conf_level
from hiring_funnel.estimators.by_candidate import AUTO, CLUSTERED
from hiring_funnel.estimators.survival import concat
from hiring_funnel.results import EstimateResult, Note, register_kind
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.states import CENSORED, STATES, TRANSIENT, check_paths

__all__ = ["state_occupation", "still_hope_from", "transition_probabilities"]

register_kind(
    "state_occupation",
    "State occupation: chance an application is in each state, by days since applying",
    plot="hiring_funnel.plots.states:plot_states",
)
register_kind(
    "transition_probabilities",
    "Transition probabilities: chance of each state at t, given a state at s",
    plot="hiring_funnel.plots.states:plot_states",
)
register_kind(
    "still_hope_from",
    "Still hope from a stage: chance of an offer after waiting in it",
    plot="hiring_funnel.plots.hope:plot_still_hope",
)

_INDEPENDENT = "infinitesimal jackknife per application (as R's survfit(..., id = application_id))"
_VARIANCE = {None: _INDEPENDENT, "candidate_id": CLUSTERED}


def _clusters(paths: pd.DataFrame, cluster: str | None) -> tuple[np.ndarray, str | None, int]:
    """Each row's cluster code, the column used (None: the application), the number of applications."""
    apps = pd.factorize(paths["application_id"])[0]
    n_apps = int(apps.max(initial=-1)) + 1
    column = cluster
    if cluster == AUTO:
        column = None
        if "candidate_id" in paths.columns:
            # Some candidate holds more than one application, and there are
            # several candidates: summed over one person's whole log the
            # influences cancel to a variance of 0, so such a log stays per application.
            cand = pd.factorize(paths["candidate_id"])[0]
            per_app = np.full(n_apps, -1)
            per_app[apps] = cand
            held = np.bincount(per_app[per_app >= 0])
            if held.size > 1 and (held > 1).any():
                column = "candidate_id"
    if column is None:
        return apps, None, n_apps
    if column not in paths.columns:
        raise HiringFunnelError(
            f"cluster column {column!r} is not in the paths",
            column=column,
            hint='use "candidate_id", "auto" or None',
        )
    codes = pd.factorize(paths[column])[0]
    # A row without a value is its application's own cluster.
    alone = codes < 0
    codes[alone] = codes.max(initial=-1) + 1 + pd.factorize(apps[alone])[0]
    # One cluster per application: its first row's.
    first = pd.Series(codes).groupby(apps).transform("first").to_numpy()
    if (first != codes).any():
        raise HiringFunnelError(
            f"cluster column {column!r} changes within an application",
            column=column,
            hint="a cluster holds whole applications (e.g. candidate_id)",
        )
    return codes, column, n_apps


def _setup(
    paths: pd.DataFrame, cluster: str | None, conf_level: float
) -> tuple[Grid, np.ndarray, str | None, int]:
    check_conf_level(conf_level)
    check_paths(paths)
    codes, column, n_apps = _clusters(paths, cluster)
    g = make_grid(paths, codes)
    # No move at all (every application censored where it started): P(s, t) is the identity.
    return g, increments(g), column, n_apps


def _meta(
    paths: pd.DataFrame,
    n_apps: int,
    kind: str,
    conf_level: float,
    column: str | None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "n": {"all": n_apps},
        "conf_level": conf_level,
        "variance": _VARIANCE.get(column, f"infinitesimal jackknife, summed per {column}"),
        "interval": "log(-log)",
        "cluster": column,
        "states": list(STATES),
        "as_of": paths.attrs.get("as_of"),
        "unit": paths.attrs.get("unit"),
        "not_estimable": {},
        "notes": _one_person(paths, column, n_apps),
        **extra,
    }


def _one_person(paths: pd.DataFrame, column: str | None, n_apps: int) -> list[Note]:
    """A note when every application is one candidate's: the intervals take them as independent."""
    if column is not None or n_apps < 2 or "candidate_id" not in paths.columns:
        return []
    cand = paths["candidate_id"]
    if cand.isna().any() or not (cand == cand.iloc[0]).all():
        return []
    return [
        Note(
            "one_candidate",
            "all applications are one candidate's: the intervals take them as independent "
            "(summed over one person's log, the per-candidate variance would be 0)",
            {"applications": n_apps},
        )
    ]


def _counts(g: Grid, k0: int) -> tuple[np.ndarray, np.ndarray]:
    """On the days k0..: at risk in each state just before the day (transient states; NaN for
    absorbing ones) and the moves into each state on the day, both (days, states)."""
    at_risk = np.full((len(g.time) - k0, len(STATES)), np.nan)
    at_risk[:, : len(TRANSIENT)] = g.at_risk[:, k0:].T
    return at_risk, g.moves[:, :, k0:].sum(axis=0).T


def _table(
    time: np.ndarray,
    est: np.ndarray,
    var: np.ndarray,
    conf_level: float,
    at_risk: np.ndarray,
    events: np.ndarray,
) -> pd.DataFrame:
    """Rows time x state (``cause`` holds the state), all arrays (times, states)."""
    n_t, n_s = est.shape
    lower, upper = k.cif_interval(est, var, k.z_value(conf_level))
    return concat(
        [
            {
                "group": "all",
                "time": np.repeat(time, n_s),
                "cause": np.tile(np.array(STATES, dtype=object), n_t),
                "estimate": est.ravel(),
                "ci_lower": lower.ravel(),
                "ci_upper": upper.ravel(),
                "at_risk": at_risk.ravel(),
                "events": events.ravel(),
                "std_error": np.sqrt(np.maximum(var, 0.0)).ravel(),
            }
        ]
    )


def _with_start(
    p0: np.ndarray,
    est: np.ndarray,
    var: np.ndarray,
    at_risk: np.ndarray,
    events: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The curves led by their start, where the probabilities are p0 (no variance, no counts)."""
    blank = np.full((1, len(STATES)), np.nan)
    return (
        np.vstack([p0, est]),
        np.vstack([np.zeros(len(STATES)), var]),
        np.vstack([blank, at_risk]),
        np.vstack([np.zeros((1, len(STATES))), events]),
    )


def state_occupation(
    paths: pd.DataFrame, *, conf_level: float = 0.95, cluster: str | None = "auto"
) -> EstimateResult:
    """P(in state j at day t) for an application that applied at day 0: the funnel over time.

    The row of ``applied`` of the Aalen-Johansen product over every
    transition day up to t; the six states' chances sum to 1 at every t.

    Parameters
    ----------
    paths : DataFrame
        From :func:`hiring_funnel.state_paths`.
    conf_level : float
        Level of the pointwise intervals (log(-log) scale, as the cumulative
        incidence).
    cluster : str or None
        ``"auto"`` (default): the standard errors are summed per candidate
        where some candidate holds several applications, per application
        otherwise; ``"candidate_id"`` (or another column constant within an
        application): summed per its value; None: per application (R's
        ``survfit(..., id = application_id)``).

    Returns
    -------
    EstimateResult
        Kind ``state_occupation``: one row per day t (0 and every transition
        day) and state (``cause`` holds the state); ``at_risk`` is the number
        in that state just before t (transient states), ``events`` the moves
        into it on t.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"application_id": ["a", "a", "b", "c"],
    ...     "from_state": ["applied", "screened", "applied", "applied"],
    ...     "to_state": ["screened", "offer", "rejection", "censored"],
    ...     "start": [0.0, 2.0, 0.0, 0.0], "stop": [2.0, 5.0, 3.0, 9.0]})
    >>> t = state_occupation(paths).table
    >>> t[t["time"] == 5.0].set_index("cause")["estimate"].round(3).to_dict()["offer"]
    0.333
    """
    g, d, column, n_apps = _setup(paths, cluster, conf_level)
    p0 = np.eye(len(STATES))[0]
    est, var = forward(g, d, 0, p0)
    at_risk, events = _counts(g, 0)
    time = g.time
    if len(g.time) == 0 or g.time[0] > 0:  # day 0: everyone is still in applied
        time = np.r_[0.0, g.time]
        est, var, at_risk, events = _with_start(p0, est, var, at_risk, events)
        at_risk[0, 0] = n_apps
    table = _table(time, est, var, conf_level, at_risk, events)
    meta = _meta(
        paths, n_apps, "state_occupation", conf_level, column, start="applied", waited=None
    )
    return EstimateResult("state_occupation", table, meta)


def _state(name: str, allowed: Sequence[str], what: str) -> int:
    if name not in allowed:
        raise HiringFunnelError(
            f"unknown {what} {name!r}", hint=f"choose one of {', '.join(allowed)}"
        )
    return STATES.index(name)


def transition_probabilities(
    paths: pd.DataFrame,
    *,
    from_state: str,
    waited: float = 0.0,
    conf_level: float = 0.95,
    cluster: str | None = "auto",
) -> EstimateResult:
    """P(in state j at day t | in ``from_state`` at the end of day s): the Markov Aalen-Johansen.

    The ``from_state`` row of the product of (I + dA) over the transition
    days after s (module docstring: the Markov reading of "waited s days").

    Parameters
    ----------
    paths : DataFrame
        From :func:`hiring_funnel.state_paths`.
    from_state : str
        A transient state: "applied", "screened" or "interviewed".
    waited : float
        s, days since the application (the state at the end of day s).
    conf_level, cluster
        As in :func:`state_occupation`.

    Returns
    -------
    EstimateResult
        Kind ``transition_probabilities``: a first row block at t = s (the
        identity's row) and one per transition day after s, a row per state.
        ``meta`` holds ``start`` (the state) and ``waited``.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"application_id": ["a", "a", "b", "b", "c"],
    ...     "from_state": ["applied", "screened", "applied", "screened", "applied"],
    ...     "to_state": ["screened", "offer", "screened", "rejection", "censored"],
    ...     "start": [0.0, 2.0, 0.0, 1.0, 0.0], "stop": [2.0, 5.0, 1.0, 6.0, 9.0]})
    >>> t = transition_probabilities(paths, from_state="screened", waited=2).table
    >>> t[t["time"] == 6.0].set_index("cause")["estimate"][["offer", "rejection"]].tolist()
    [0.5, 0.5]
    """
    i = _state(from_state, TRANSIENT, "from_state")
    g, d, column, n_apps = _setup(paths, cluster, conf_level)
    s = float(waited)
    k0 = int(np.searchsorted(g.time, s, side="right"))
    p0 = np.eye(len(STATES))[i]
    est, var = forward(g, d, k0, p0)
    at_risk, events = _counts(g, k0)
    est, var, at_risk, events = _with_start(p0, est, var, at_risk, events)
    table = _table(np.r_[s, g.time[k0:]], est, var, conf_level, at_risk, events)
    meta = _meta(
        paths, n_apps, "transition_probabilities", conf_level, column, start=from_state, waited=s
    )
    return EstimateResult("transition_probabilities", table, meta)


def still_hope_from(
    paths: pd.DataFrame,
    *,
    stage: str,
    waited: Sequence[float] | np.ndarray | float | None = None,
    horizon: float | None = None,
    conf_level: float = 0.95,
    cluster: str | None = "auto",
) -> EstimateResult:
    """P(offer by the horizon | in ``stage`` at the end of day s since applying): hope from any stage.

    P_{stage, offer}(s, tau) of the Markov Aalen-Johansen (module
    docstring), for every s at once by one backward sweep from tau.

    Parameters
    ----------
    paths : DataFrame
        From :func:`hiring_funnel.state_paths`.
    stage : str
        "applied", "screened" or "interviewed".
    waited : float or sequence of float, optional
        Days since the application, s. Default: every whole day from 0 to the
        day before the horizon.
    horizon : float, optional
        tau. Default: the last transition day (the chance of an offer ever,
        within the follow-up).
    conf_level, cluster
        As in :func:`state_occupation`.

    Returns
    -------
    EstimateResult
        Kind ``still_hope_from``: one row per s (``time`` = s, ``cause`` =
        "offer"); ``at_risk`` counts the applications in the stage at the end
        of day s and still followed after it, ``events`` those of them with an
        offer by the horizon. ``meta`` holds ``stage`` and ``horizon``. Where
        no offer can follow (estimate 0), the upper limit is the binomial one
        on those applications followed to an outcome or to the horizon, as
        :func:`hiring_funnel.still_hope` does, and a note says so.

    Notes
    -----
    s counts days since the application, not days in the stage (the Markov
    model; the module docstring says why). How it relates to
    :func:`hiring_funnel.still_hope`: on the ``first_response`` clock a screen
    or an interview already ends the wait as "positive", so
    ``still_hope(cause="positive")`` there answers "any answer yet?", while
    ``still_hope_from(stage="applied")`` asks for an offer, through any
    stages, with withdrawn/closed an outcome that ends the hope. On a log
    without screens and interviews the two models coincide:
    ``still_hope_from(stage="applied")`` equals ``still_hope(cause="offer")``
    on the ``decision`` clock with ``withdrawn="cause"``, and
    :func:`state_occupation` of "offer" its cumulative incidence
    (tests/test_multistate.py checks both, standard errors included).

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"application_id": ["a", "a", "b", "b", "c"],
    ...     "from_state": ["applied", "interviewed", "applied", "interviewed", "applied"],
    ...     "to_state": ["interviewed", "offer", "interviewed", "rejection", "censored"],
    ...     "start": [0.0, 2.0, 0.0, 1.0, 0.0], "stop": [2.0, 5.0, 1.0, 6.0, 9.0]})
    >>> still_hope_from(paths, stage="interviewed", waited=[2, 5]).table["estimate"].tolist()
    [0.5, 0.0]
    """
    i = _state(stage, TRANSIENT, "stage")
    g, d, column, n_apps = _setup(paths, cluster, conf_level)
    last = float(g.time[-1]) if len(g.time) else float(paths["stop"].max())
    tau = last if horizon is None else float(horizon)
    if waited is None:
        s = np.arange(0.0, np.ceil(tau))
    else:
        s = np.atleast_1d(np.asarray(waited, dtype=float))
    s = s[s < tau]
    k_tau = int(np.searchsorted(g.time, tau, side="right")) - 1
    offer = STATES.index("offer")
    est_all, var_all = backward(g, d, k_tau, offer)
    row = np.minimum(np.searchsorted(g.time, s, side="right"), k_tau + 1)
    est, var = est_all[row, i], var_all[row, i]
    lower, upper = k.cif_interval(est, var, k.z_value(conf_level))
    at_risk, events, followed = _followed(paths, stage, s, tau)
    # No offer can follow (estimate 0): the interval [0, 0] would claim certainty. As
    # still_hope does, the upper limit is the binomial one on the applications in the
    # stage followed to an outcome or to the horizon (k.zero_upper).
    zero = est <= 0.0
    upper = np.where(zero, k.zero_upper(followed, conf_level), upper)
    table = concat(
        [
            {
                "group": "all",
                "time": s,
                "cause": "offer",
                "estimate": est,
                "ci_lower": lower,
                "ci_upper": upper,
                "at_risk": at_risk,
                "events": events,
                "std_error": np.sqrt(np.maximum(var, 0.0)),
            }
        ]
    )
    meta = _meta(
        paths,
        n_apps,
        "still_hope_from",
        conf_level,
        column,
        stage=stage,
        horizon=tau,
        cause="offer",
    )
    if zero.any():
        meta["notes"].append(
            Note(
                "no_offer_later",
                f"from day {float(s[zero].min()):g} in {stage} no offer can follow: the estimate "
                "is 0 and its upper limit the binomial one on the applications followed",
                {"waited": float(s[zero].min())},
            )
        )
    return EstimateResult("still_hope_from", table, meta)


def _followed(
    paths: pd.DataFrame, stage: str, s: np.ndarray, tau: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of the applications in ``stage`` at the end of each day s and followed after it: all,
    those with an offer by tau, and those followed to an outcome or to tau."""
    in_stage = (paths["from_state"] == stage).to_numpy()
    final = paths.sort_values(["application_id", "start", "stop"], kind="stable")
    final = final.drop_duplicates("application_id", keep="last")
    stop = final["stop"].to_numpy(dtype=float)
    ended = (final["to_state"] != CENSORED).to_numpy() & (stop <= tau)
    app = final["application_id"]
    offered = paths["application_id"].isin(app[ended & (final["to_state"] == "offer").to_numpy()])
    followed = paths["application_id"].isin(app[ended | (stop >= tau)])

    def count(rows: np.ndarray) -> np.ndarray:
        # start <= s < stop, counted as (start <= s) - (stop <= s) since start <= stop.
        start = np.sort(paths["start"].to_numpy(dtype=float)[rows])
        stop = np.sort(paths["stop"].to_numpy(dtype=float)[rows])
        here = np.searchsorted(start, s, side="right") - np.searchsorted(stop, s, side="right")
        return here.astype(float)

    return (
        count(in_stage),
        count(in_stage & offered.to_numpy()),
        count(in_stage & followed.to_numpy()),
    )
